//! Inline suppression: `# integ-ignore: RULE_ID[, RULE_ID..]` on the line above a node
//! (a comment on a line of its own) or at the end of the node's line silences those
//! rules for findings that start on that line.

use integ_spec::Span;

const MARKER: &str = "integ-ignore";

/// One `# integ-ignore:` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// 1-based line the findings it silences start on.
    pub target_line: usize,
    /// The rule ids it names, each with its span.
    pub ids: Vec<(String, Span)>,
    /// From `#` to the end of the comment.
    pub comment: Span,
    /// The comment is alone on its line.
    pub own_line: bool,
}

/// The directives of a file. Cheap for files without any: one substring search.
pub fn directives(text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    if !text.contains(MARKER) {
        return out;
    }
    for (at, _) in text.match_indices(MARKER) {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line_end = if text[..line_end].ends_with('\r') {
            line_end - 1
        } else {
            line_end
        };
        let before = &text[line_start..at];
        // `#`, then only spaces up to the marker; the `#` starts a comment (line start or after a space).
        let Some(hash) = before
            .trim_end_matches([' ', '\t'])
            .strip_suffix('#')
            .map(str::len)
        else {
            continue;
        };
        let hash_at = line_start + hash;
        let prefix = &text[line_start..hash_at];
        if !(prefix.is_empty() || prefix.ends_with([' ', '\t'])) {
            continue;
        }
        let rest = &text[at + MARKER.len()..line_end];
        let Some(list) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let list_at = line_end - list.len();
        let mut ids = Vec::new();
        let mut i = 0;
        let bytes = list.as_bytes();
        while i < bytes.len() {
            if bytes[i] == b'#' {
                break; // a further comment
            }
            if bytes[i].is_ascii_alphanumeric() {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b'_')
                {
                    i += 1;
                }
                ids.push((
                    list[start..i].to_string(),
                    Span::new(list_at + start, list_at + i),
                ));
            } else {
                i += 1;
            }
        }
        if ids.is_empty() {
            continue;
        }
        let own_line = prefix.trim().is_empty();
        let line = text[..at].bytes().filter(|&b| b == b'\n').count() + 1;
        out.push(Directive {
            target_line: if own_line { line + 1 } else { line },
            ids,
            comment: Span::new(hash_at, line_end),
            own_line,
        });
    }
    out
}

/// Byte offsets where lines start, to turn offsets into line numbers by binary search.
pub struct LineIndex(Vec<usize>);

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex(starts)
    }

    /// 1-based line of `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&s| s <= offset)
    }

    /// How many lines the text has.
    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// Byte offset where 1-based `line` starts.
    pub fn start(&self, line: usize) -> usize {
        self.0[line.saturating_sub(1).min(self.0.len() - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_line_and_trailing_comments() {
        let text = "a: 1\n  # integ-ignore: insecure-url, host-not-allowed\nb: 2 # integ-ignore: x-y\nc: \"# integ-ignore: no\"\nd: e#integ-ignore: no\n";
        let d = directives(text);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].target_line, 3);
        assert!(d[0].own_line);
        assert_eq!(
            d[0].ids.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>(),
            ["insecure-url", "host-not-allowed"]
        );
        assert_eq!(
            &text[d[0].ids[1].1.start..d[0].ids[1].1.end],
            "host-not-allowed"
        );
        assert_eq!(d[1].target_line, 3);
        assert!(!d[1].own_line);
        assert_eq!(
            &text[d[1].comment.start..d[1].comment.end],
            "# integ-ignore: x-y"
        );
    }

    #[test]
    fn line_index() {
        let idx = LineIndex::new("a\nbc\n\nd");
        assert_eq!(
            [
                idx.line(0),
                idx.line(1),
                idx.line(2),
                idx.line(4),
                idx.line(5),
                idx.line(6)
            ],
            [1, 1, 2, 2, 3, 4]
        );
    }
}
