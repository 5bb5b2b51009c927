//! "Did you mean ...?": the closest candidate by edit distance, when it is close enough.

/// The candidate closest to `word`, if it is within a third of the word's length (at
/// least one edit), equal ignoring case, or one a prefix of the other (`querystring`, `query`).
pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| {
            let prefix =
                c.len() >= 3 && word.len() >= 3 && (word.starts_with(c) || c.starts_with(word));
            let d = if c.eq_ignore_ascii_case(word) || prefix {
                0
            } else {
                edit_distance(word, c)
            };
            (d, c)
        })
        .filter(|(d, c)| *d <= limit && *c != word)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("lcoationId", ["locationId", "key"]),
            Some("locationId")
        );
        assert_eq!(
            did_you_mean("Acton", ["Provider", "AuthProfile", "Action"]),
            Some("Action")
        );
        assert_eq!(did_you_mean("zzz", ["Provider", "Action"]), None);
        assert_eq!(did_you_mean("action", ["Action"]), Some("Action"));
        assert_eq!(
            did_you_mean("querystring", ["query", "body", "header"]),
            Some("query")
        );
    }
}
