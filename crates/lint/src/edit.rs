//! Text edits on YAML that keep the user's comments, order and formatting: they touch
//! only the bytes of one list or mapping, in the style (flow or block) it is written in.
//! Each helper returns `None` when the shape is one it does not understand; a rule then
//! offers no fix rather than a wrong one.

use integ_spec::{Edit, FileId, Loaded, Span};

use crate::util::pointer;

fn edit(file: FileId, start: usize, end: usize, replacement: impl Into<String>) -> Edit {
    Edit {
        file,
        span: Span::new(start, end),
        replacement: replacement.into(),
    }
}

/// The byte offset of the end of the line holding `offset`, before its `\n` (or `\r\n`).
fn line_end(text: &str, offset: usize) -> usize {
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    if end > offset && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// The start of the line after the one holding `offset` (the end of the text on the last line).
fn next_line(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// The file's line break: `\r\n` when it uses them, so an added line matches its neighbours.
fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The spans of the items of the sequence at `seq`, in order.
fn items<T>(doc: &Loaded<T>, seq: &str) -> Vec<Span> {
    (0..)
        .map_while(|i| doc.spans.get(&pointer(seq, &i.to_string())))
        .map(|s| s.value)
        .collect()
}

fn is_flow_at(text: &str, span: Span, open: char) -> bool {
    text.get(span.start..).is_some_and(|t| t.starts_with(open))
}

/// `s` as a YAML scalar: plain when it is a simple name, else double-quoted (a JSON
/// string is a valid YAML double-quoted scalar).
pub fn scalar(s: &str) -> String {
    let plain = s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

/// Appends `names` to the sequence at pointer `seq` (`[a]` -> `[a, x]`, or a new `- x`
/// line under a block sequence).
pub fn append_to_sequence<T>(
    text: &str,
    doc: &Loaded<T>,
    seq: &str,
    names: &[&str],
) -> Option<Edit> {
    let seq_span = doc.spans.get(seq)?.value;
    let items = items(doc, seq);
    if is_flow_at(text, seq_span, '[') {
        let (at, sep) = match items.last() {
            Some(last) => (last.end, ", "),
            None => (seq_span.start + 1, ""),
        };
        return Some(edit(
            doc.file,
            at,
            at,
            format!(
                "{sep}{}",
                names
                    .iter()
                    .map(|n| scalar(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let first = *items.first()?;
    let last = *items.last()?;
    // The indentation of `- ` of the first item, taken from the text.
    let ls = line_start(text, first.start);
    let before = text.get(ls..first.start)?;
    let dash = before.trim_end_matches([' ', '\t']);
    let indent = dash.strip_suffix('-')?;
    if !indent.chars().all(|c| c == ' ') {
        return None;
    }
    let at = line_end(text, last.end.saturating_sub(1).max(last.start));
    let mut ins = String::new();
    for n in names {
        ins.push_str(newline(text));
        ins.push_str(indent);
        ins.push_str("- ");
        ins.push_str(&scalar(n));
    }
    Some(edit(doc.file, at, at, ins))
}

/// Removes the items at `remove` (indices) from the sequence at `seq`. Removing every
/// item leaves `[]`.
pub fn remove_from_sequence<T>(
    text: &str,
    doc: &Loaded<T>,
    seq: &str,
    remove: &[usize],
) -> Option<Vec<Edit>> {
    let entry = doc.spans.get(seq)?;
    let seq_span = entry.value;
    let items = items(doc, seq);
    if items.is_empty() || remove.iter().any(|&i| i >= items.len()) {
        return None;
    }
    let keep: Vec<Span> = items
        .iter()
        .enumerate()
        .filter(|(i, _)| !remove.contains(i))
        .map(|(_, s)| *s)
        .collect();
    if is_flow_at(text, seq_span, '[') {
        let inner = text.get(seq_span.start..seq_span.end)?;
        if inner.contains('#') || inner.contains('\n') {
            return None; // comments or a multi-line list: not rewritten
        }
        let kept: Vec<&str> = keep
            .iter()
            .filter_map(|s| text.get(s.start..s.end))
            .collect();
        return Some(vec![edit(
            doc.file,
            seq_span.start,
            seq_span.end,
            format!("[{}]", kept.join(", ")),
        )]);
    }
    if keep.is_empty() {
        // `only:\n  - x` -> `only: []`: from after the key's colon to the end of the list.
        let key = entry.key?;
        let colon = key.end + text.get(key.end..)?.find(':')? + 1;
        let last = *items.last()?;
        let end = line_end(text, last.end.saturating_sub(1).max(last.start));
        return Some(vec![edit(doc.file, colon, end, " []")]);
    }
    let mut edits = Vec::new();
    for &i in remove {
        let item = items[i];
        let start = line_start(text, item.start);
        let end = next_line(text, item.end.saturating_sub(1).max(item.start));
        edits.push(edit(doc.file, start, end, ""));
    }
    Some(edits)
}

/// Adds `key: value` to the mapping at `map` after its last entry (`children` are the
/// keys it may hold), as a new line in a block mapping or `, key: value` in a flow one.
pub fn add_mapping_entry<T>(
    text: &str,
    doc: &Loaded<T>,
    map: &str,
    children: &[&str],
    key: &str,
    value: &str,
) -> Option<Edit> {
    let map_span = doc.spans.get(map)?.value;
    let entries: Vec<_> = children
        .iter()
        .filter_map(|c| doc.spans.get(&pointer(map, c)))
        .collect();
    let last = entries.iter().map(|e| e.value).max_by_key(|s| s.end)?;
    if is_flow_at(text, map_span, '{') {
        return Some(edit(
            doc.file,
            last.end,
            last.end,
            format!(", {key}: {value}"),
        ));
    }
    let first_key = entries
        .iter()
        .filter_map(|e| e.key)
        .min_by_key(|k| k.start)?;
    let column = text
        .get(line_start(text, first_key.start)..first_key.start)?
        .chars()
        .count();
    let at = line_end(text, last.end.saturating_sub(1).max(last.start));
    Some(edit(
        doc.file,
        at,
        at,
        format!("{}{}{key}: {value}", newline(text), " ".repeat(column)),
    ))
}
