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

/// Edit distance counting insertions, deletions, substitutions and swaps of two
/// neighbouring characters (optimal string alignment), in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 0..a.len() {
        cur[0] = i + 1;
        for j in 0..b.len() {
            let cost = usize::from(a[i] != b[j]);
            let mut d = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                d = d.min(before[j - 1] + 1);
            }
            cur[j + 1] = d;
        }
        std::mem::swap(&mut before, &mut prev);
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

    #[test]
    fn a_swap_of_neighbours_is_one_edit() {
        assert_eq!(did_you_mean("kye", ["in", "key", "value"]), Some("key"));
        assert_eq!(edit_distance("lcoationId", "locationId"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
    }
}
