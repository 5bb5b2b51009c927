//! The YAML reader: `saphyr-parser` events -> `serde_json::Value` plus a [`SpanMap`] that
//! gives every node (key and value) its byte span.
//!
//! Built iteratively with an explicit stack, so no input can overflow ours; nesting is
//! capped at [`MAX_DEPTH`] (the `Value` we build is dropped recursively by serde_json, so
//! it must never get deep). Aliases are expanded within a node budget ([`ALIAS_BUDGET`]),
//! so an alias bomb is a diagnostic rather than a hang. Plain scalars are resolved with the
//! YAML 1.2 core schema; quoted and block scalars are strings.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use serde_json::{Map, Number, Value};

use crate::diag::{Diagnostic, Span};
use crate::load::schema_diagnostic;
use crate::workspace::{FileId, NodeId, NodeSpan, SpanMap};

/// Problems reported per file at most; past that, one note says the rest is not shown.
pub const MAX_DIAGNOSTICS_PER_FILE: usize = 100;
/// Deepest nesting of mappings and sequences a document may have.
pub const MAX_DEPTH: usize = 128;
/// How many nodes alias expansion may add to one document.
pub const ALIAS_BUDGET: usize = 100_000;
/// How many nodes anchors may copy in one document (each anchored value is kept).
pub const ANCHOR_BUDGET: usize = 1_000_000;
/// Bytes of JSON pointers the span map of one document may hold.
pub const POINTER_BUDGET: usize = 64 * 1024 * 1024;

/// One YAML document of a file.
#[derive(Debug)]
pub struct YamlDoc {
    /// 0-based index among the file's documents.
    pub index: usize,
    pub value: Value,
    pub spans: SpanMap,
    /// False when the reader reported a problem inside this document (a duplicate key):
    /// it is still checked, so every problem shows, but never loaded.
    pub clean: bool,
}

/// Everything read from one file: its documents and the problems found on the way.
#[derive(Debug, Default)]
pub struct YamlFile {
    pub docs: Vec<YamlDoc>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads every document of `text`. Never panics; every problem is a diagnostic.
pub fn read(file: FileId, text: &str) -> YamlFile {
    let mut reader = Reader {
        file,
        text,
        conv: OffsetConv::new(text),
        out: YamlFile::default(),
    };
    reader.run();
    reader.out
}

/// Converts saphyr's character indexes to byte offsets. ASCII text maps one to one;
/// otherwise the walk starts from the last conversion when it is close behind (events
/// come in text order), else from a checkpoint kept every [`OffsetConv::STEP`] characters.
struct OffsetConv<'t> {
    text: &'t str,
    ascii: bool,
    checkpoints: Vec<usize>,
    /// The last exact conversion: (character index, byte offset).
    last: std::cell::Cell<(usize, usize)>,
}

impl<'t> OffsetConv<'t> {
    const STEP: usize = 256;

    fn new(text: &'t str) -> Self {
        let ascii = text.is_ascii();
        let mut checkpoints = Vec::new();
        if !ascii {
            for (n, (byte, _)) in text.char_indices().enumerate() {
                if n % Self::STEP == 0 {
                    checkpoints.push(byte);
                }
            }
        }
        OffsetConv {
            text,
            ascii,
            checkpoints,
            last: std::cell::Cell::new((0, 0)),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let (last_char, last_byte) = self.last.get();
        let (base, rest) = if char_index >= last_char && char_index - last_char < Self::STEP {
            (last_byte, char_index - last_char)
        } else {
            let Some(&base) = self.checkpoints.get(char_index / Self::STEP) else {
                return self.text.len();
            };
            (base, char_index % Self::STEP)
        };
        match self.text[base..].char_indices().nth(rest) {
            Some((b, _)) => {
                self.last.set((char_index, base + b));
                base + b
            }
            None => self.text.len(),
        }
    }
}

enum Container {
    Seq(Vec<Value>),
    Map {
        map: Map<String, Value>,
        /// The key waiting for its value: text, span, and its node in the span map (none
        /// for a duplicate, whose value is read and dropped).
        pending: Option<(String, Span, Option<NodeId>)>,
    },
}

struct Frame {
    container: Container,
    /// The container's node in the span map, and the length of its JSON pointer (which
    /// is never built here: the span map makes pointers when asked).
    node: NodeId,
    pointer_len: usize,
    start: usize,
    /// End of the last child, for block collections whose end event sits at the next token.
    end: usize,
    anchor: usize,
    nodes: usize,
    depth_below: usize,
}

struct Anchored {
    value: Value,
    nodes: usize,
    depth: usize,
}

/// A finished node, ready to be attached to its parent.
struct Node {
    value: Value,
    span: Span,
    /// Whether the node is a collection read here, whose span-map node was made when it
    /// opened (an alias's copy has none).
    opened: bool,
    anchor: usize,
    nodes: usize,
    depth: usize,
}

struct Reader<'t> {
    file: FileId,
    text: &'t str,
    conv: OffsetConv<'t>,
    out: YamlFile,
}

/// State of the document being read.
struct DocState {
    stack: Vec<Frame>,
    spans: SpanMap,
    anchors: HashMap<usize, Anchored>,
    alias_nodes: usize,
    anchored_nodes: usize,
    pointer_bytes: usize,
    root: Option<Value>,
    root_span: Span,
    /// Set after a fatal problem in this document: skip its remaining events.
    abandoned: bool,
    /// Set after a problem that still lets the document be read to its end.
    flawed: bool,
}

impl DocState {
    fn new() -> Self {
        let mut spans = SpanMap::default();
        spans.add_root();
        DocState {
            stack: Vec::new(),
            spans,
            anchors: HashMap::new(),
            alias_nodes: 0,
            anchored_nodes: 0,
            pointer_bytes: 0,
            root: None,
            root_span: Span::default(),
            abandoned: false,
            flawed: false,
        }
    }
}

/// The length of `key` as a JSON pointer segment (`~` and `/` take two bytes).
fn escaped_len(key: &str) -> usize {
    key.len() + key.bytes().filter(|&b| b == b'~' || b == b'/').count()
}

/// The number of decimal digits of `n`.
fn digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

impl<'t> Reader<'t> {
    fn span(&self, s: &saphyr_parser::Span) -> Span {
        Span::new(
            self.conv.byte(s.start.index()),
            self.conv.byte(s.end.index()),
        )
    }

    fn diag(&mut self, span: Span, message: String, help: &str) {
        self.out.diagnostics.push(schema_diagnostic(
            self.file,
            span,
            message,
            help.to_string(),
        ));
    }

    fn label_last(&mut self, text: &str) {
        if let Some(d) = self.out.diagnostics.last_mut() {
            d.label = Some(text.to_string());
        }
    }

    fn syntax_error(&mut self, e: &ScanError) {
        let mut start = self.conv.byte(e.marker().index()).min(self.text.len());
        let info = e.info();
        if info.contains("tab") {
            // saphyr stops after the tab; point at the tab itself.
            let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
            let upto = self.text[start..]
                .find('\n')
                .map_or(self.text.len(), |i| start + i);
            if let Some(t) = self.text[line_start..upto].find('\t') {
                start = line_start + t;
            }
        }
        let end = self.text[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8());
        let (message, help) = if info == "recursion limit exceeded" {
            // saphyr caps flow nesting at 255 and may get there before we see depth 129.
            (
                format!("the document nests deeper than {MAX_DEPTH} levels"),
                "flatten the document; spec files never need this depth",
            )
        } else if self.text[start..].starts_with('\t') || info.contains("tab") {
            (
                "YAML syntax error: a tab character indents this line".to_string(),
                "indent with spaces; YAML does not allow tabs for indentation",
            )
        } else {
            (
                format!("YAML syntax error: {info}"),
                "fix the YAML syntax here; the parser could not read past this point",
            )
        };
        self.diag(Span::new(start, end), message, help);
        self.label_last("the parser stopped here");
    }

    fn run(&mut self) {
        let mut parser = Parser::new_from_str(self.text);
        let mut doc: Option<DocState> = None;
        let mut doc_index = 0usize;
        loop {
            if self.out.diagnostics.len() > MAX_DIAGNOSTICS_PER_FILE {
                // The loader says the rest is not shown; reading on would only cost time.
                return;
            }
            let (event, marker) = match parser.next_event() {
                None => break,
                Some(Err(e)) => {
                    self.syntax_error(&e);
                    return;
                }
                Some(Ok(ev)) => ev,
            };
            let span = self.span(&marker);
            match event {
                Event::StreamStart | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) => doc = Some(DocState::new()),
                Event::DocumentEnd => {
                    if let Some(d) = doc.take() {
                        self.finish_doc(d, doc_index);
                        doc_index += 1;
                    }
                }
                other => {
                    let Some(d) = doc.as_mut() else { continue };
                    if !d.abandoned {
                        self.on_node_event(d, other, span);
                    }
                }
            }
        }
    }

    fn finish_doc(&mut self, d: DocState, index: usize) {
        if d.abandoned {
            drop_iteratively(d.stack);
            return;
        }
        let Some(value) = d.root else { return };
        let mut spans = d.spans;
        spans.shrink();
        spans.set(
            SpanMap::ROOT,
            NodeSpan {
                key: None,
                value: d.root_span,
            },
        );
        self.out.docs.push(YamlDoc {
            index,
            value,
            spans,
            clean: !d.flawed,
        });
    }

    fn on_node_event(&mut self, d: &mut DocState, event: Event<'_>, span: Span) {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let forced_str = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let value = if style == ScalarStyle::Plain && !forced_str {
                    resolve_plain(&text)
                } else {
                    Value::String(text.into_owned())
                };
                self.attach(
                    d,
                    Node {
                        value,
                        span,
                        anchor,
                        nodes: 1,
                        depth: 0,
                        opened: false,
                    },
                );
            }
            Event::Alias(id) => self.on_alias(d, id, span),
            Event::SequenceStart(anchor, _) => {
                self.open(d, Container::Seq(Vec::new()), span, anchor)
            }
            Event::MappingStart(anchor, _) => {
                let container = Container::Map {
                    map: Map::new(),
                    pending: None,
                };
                self.open(d, container, span, anchor);
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(d, span),
            _ => {}
        }
    }

    fn abandon(&mut self, d: &mut DocState, span: Span, message: String, help: &str) {
        self.diag(span, message, help);
        d.abandoned = true;
        drop_iteratively(std::mem::take(&mut d.stack));
    }

    fn on_alias(&mut self, d: &mut DocState, id: usize, span: Span) {
        let Some(anchored) = d.anchors.get(&id) else {
            // saphyr reports unknown anchors itself; keep going with a null.
            self.attach(
                d,
                Node {
                    value: Value::Null,
                    span,
                    anchor: 0,
                    nodes: 1,
                    depth: 0,
                    opened: false,
                },
            );
            return;
        };
        if d.alias_nodes + anchored.nodes > ALIAS_BUDGET {
            let msg = format!(
                "this alias would expand the document past {ALIAS_BUDGET} nodes (an alias bomb?)"
            );
            self.abandon(
                d,
                span,
                msg,
                "write the values out, or use fewer nested aliases",
            );
            return;
        }
        if d.stack.len() + anchored.depth > MAX_DEPTH {
            let msg = format!("this alias nests the document deeper than {MAX_DEPTH} levels");
            self.abandon(d, span, msg, "flatten the document");
            return;
        }
        d.alias_nodes += anchored.nodes;
        let node = Node {
            value: anchored.value.clone(),
            span,
            anchor: 0,
            nodes: anchored.nodes,
            depth: anchored.depth,
            opened: false,
        };
        self.attach(d, node);
    }

    /// The span-map node of the next child of the top frame (or of the root), and the
    /// length of its pointer.
    fn child_node(d: &mut DocState) -> Option<(NodeId, usize)> {
        match d.stack.last() {
            None => Some((SpanMap::ROOT, 0)),
            Some(f) => match &f.container {
                Container::Seq(items) => Some((
                    d.spans.add_item(f.node, items.len()),
                    f.pointer_len + 1 + digits(items.len()),
                )),
                Container::Map {
                    pending: Some((k, _, node)),
                    ..
                } => {
                    let len = f.pointer_len + 1 + escaped_len(k);
                    Some(match node {
                        Some(node) => (*node, len),
                        // A duplicate's children get their own pointers (`/k~duplicate/..`),
                        // so they cannot overwrite the spans of the first occurrence.
                        None => (d.spans.add_key(f.node, k, true), len + "~duplicate".len()),
                    })
                }
                Container::Map { pending: None, .. } => None,
            },
        }
    }

    fn open(&mut self, d: &mut DocState, container: Container, span: Span, anchor: usize) {
        if d.stack.len() >= MAX_DEPTH {
            let msg = format!("the document nests deeper than {MAX_DEPTH} levels");
            self.abandon(
                d,
                span,
                msg,
                "flatten the document; spec files never need this depth",
            );
            return;
        }
        let Some((node, pointer_len)) = Self::child_node(d) else {
            let before = self.text[..span.start].trim_end();
            if before.ends_with('{') && self.text[span.start..].starts_with('{') {
                // `key: {{ inputs.x }}` unquoted: YAML reads a mapping inside a mapping.
                let start = before.len() - 1;
                let line_end = self.text[start..]
                    .find('\n')
                    .map_or(self.text.len(), |i| start + i);
                let end = self.text[start..line_end]
                    .rfind("}}")
                    .map_or(line_end, |i| start + i + 2);
                self.abandon(
                    d,
                    Span::new(start, end),
                    "an unquoted `{{` starts a YAML mapping, not a template".to_string(),
                    "quote the whole value, e.g. `\"{{ inputs.id }}\"`",
                );
                return;
            }
            self.abandon(
                d,
                span,
                "a mapping key must be a scalar, not a mapping or a sequence".to_string(),
                "write the key as a plain string",
            );
            return;
        };
        d.stack.push(Frame {
            container,
            node,
            pointer_len,
            start: span.start,
            end: span.end,
            anchor,
            nodes: 1,
            depth_below: 0,
        });
    }

    fn close(&mut self, d: &mut DocState, span: Span) {
        let Some(frame) = d.stack.pop() else { return };
        // A flow collection ends at its closing bracket; a block one at its last child.
        let closing = self.text.as_bytes().get(span.start).copied();
        let end = if matches!(closing, Some(b']' | b'}')) {
            span.end.max(frame.end)
        } else {
            frame.end
        };
        let value = match frame.container {
            Container::Seq(items) => Value::Array(items),
            Container::Map { map, .. } => Value::Object(map),
        };
        let node = Node {
            value,
            span: Span::new(frame.start, end),
            anchor: frame.anchor,
            nodes: frame.nodes,
            depth: frame.depth_below + 1,
            opened: true,
        };
        // The container's own span (its key span, if any, was recorded with the key).
        let key = d.spans.span(frame.node).key;
        d.spans.set(
            frame.node,
            NodeSpan {
                key,
                value: node.span,
            },
        );
        self.attach(d, node);
    }

    fn attach(&mut self, d: &mut DocState, node: Node) {
        // Every node's pointer repeats its ancestors' keys: long keys nested deep over many
        // nodes would make the span map huge.
        if d.pointer_bytes > POINTER_BUDGET {
            let msg =
                "this document is too large to map (very long keys, nested deep, over many values)"
                    .to_string();
            self.abandon(d, node.span, msg, "use shorter keys or split the document");
            drop_value_iteratively(node.value);
            return;
        }
        if node.anchor != 0 {
            // Each anchored value is copied once; nested anchors over a big value would
            // copy it once per level.
            if d.anchored_nodes + node.nodes > ANCHOR_BUDGET {
                let msg = format!(
                    "anchored values in this document copy more than {ANCHOR_BUDGET} nodes"
                );
                self.abandon(d, node.span, msg, "use fewer anchors around large values");
                drop_value_iteratively(node.value);
                return;
            }
            d.anchored_nodes += node.nodes;
            d.anchors.insert(
                node.anchor,
                Anchored {
                    value: node.value.clone(),
                    nodes: node.nodes,
                    depth: node.depth,
                },
            );
        }
        let Some(top) = d.stack.last_mut() else {
            d.root_span = node.span;
            d.root = Some(node.value);
            return;
        };
        top.nodes = top.nodes.saturating_add(node.nodes);
        top.depth_below = top.depth_below.max(node.depth);
        top.end = top.end.max(node.span.end);
        d.pointer_bytes += top.pointer_len + 8;
        let parent = top.node;
        match &mut top.container {
            Container::Seq(items) => {
                let index = items.len();
                items.push(node.value);
                if !node.opened {
                    // A container item got its node when it opened.
                    let id = d.spans.add_item(parent, index);
                    d.spans.set(
                        id,
                        NodeSpan {
                            key: None,
                            value: node.span,
                        },
                    );
                }
            }
            Container::Map { map, pending } => match pending.take() {
                Some((key, key_span, id)) => match id {
                    Some(id) => {
                        map.insert(key, node.value);
                        d.spans.set(
                            id,
                            NodeSpan {
                                key: Some(key_span),
                                value: node.span,
                            },
                        );
                    }
                    None => drop_value_iteratively(node.value),
                },
                None => {
                    let key = match node.value {
                        Value::String(s) => s,
                        Value::Null => self
                            .text
                            .get(node.span.start..node.span.end)
                            .unwrap_or("")
                            .to_string(),
                        other => other.to_string(),
                    };
                    let duplicate = map.contains_key(&key);
                    let id = if duplicate {
                        d.flawed = true;
                        let first = d.spans.find_key(parent, &key).and_then(|s| s.key);
                        let help = match first {
                            Some(f) => format!(
                                "remove one of the two; the first `{key}` is at line {}",
                                line_of(self.text, f.start)
                            ),
                            None => "remove one of the two".to_string(),
                        };
                        self.out.diagnostics.push(schema_diagnostic(
                            self.file,
                            node.span,
                            format!("duplicate key `{key}` in this mapping"),
                            help,
                        ));
                        self.label_last("second occurrence");
                        None
                    } else {
                        // Recorded now so a container value knows its key span.
                        let id = d.spans.add_key(parent, &key, false);
                        d.spans.set(
                            id,
                            NodeSpan {
                                key: Some(node.span),
                                value: node.span,
                            },
                        );
                        Some(id)
                    };
                    *pending = Some((key, node.span, id));
                }
            },
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Drops frames without recursion (their values are at most [`MAX_DEPTH`] deep anyway,
/// but alias expansion may have made them wide).
fn drop_iteratively(stack: Vec<Frame>) {
    for f in stack {
        match f.container {
            Container::Seq(items) => items.into_iter().for_each(drop_value_iteratively),
            Container::Map { map, .. } => {
                map.into_iter().for_each(|(_, v)| drop_value_iteratively(v))
            }
        }
    }
}

fn drop_value_iteratively(v: Value) {
    let mut pending = vec![v];
    while let Some(v) = pending.pop() {
        match v {
            Value::Array(items) => pending.extend(items),
            Value::Object(map) => pending.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// The YAML 1.2 core schema's resolution of a plain scalar.
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(n) = parse_core_int(s) {
        return n;
    }
    if is_core_float(s)
        && let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64)
    {
        return Value::Number(n);
    }
    // `.inf` and `.nan` have no JSON form; they stay strings.
    Value::String(s.to_string())
}

fn parse_core_int(s: &str) -> Option<Value> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x") {
        (h, 16)
    } else if let Some(o) = s.strip_prefix("0o") {
        (o, 8)
    } else {
        let body = s.strip_prefix(['-', '+']).unwrap_or(s);
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        return match s.parse::<i64>() {
            Ok(n) => Some(Value::from(n)),
            Err(_) => match s.trim_start_matches('+').parse::<u64>() {
                Ok(n) => Some(Value::from(n)),
                Err(_) => s
                    .parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number),
            },
        };
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok().map(Value::from)
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - f;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema_resolves_plain_scalars() {
        assert_eq!(resolve_plain("true"), Value::Bool(true));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("12"), Value::from(12));
        assert_eq!(resolve_plain("-3"), Value::from(-3));
        assert_eq!(resolve_plain("0x1f"), Value::from(31));
        assert_eq!(resolve_plain("0o17"), Value::from(15));
        assert_eq!(resolve_plain("1.5"), serde_json::json!(1.5));
        assert_eq!(resolve_plain("1e3"), serde_json::json!(1000.0));
        assert_eq!(resolve_plain("yes"), Value::String("yes".into()));
        assert_eq!(
            resolve_plain("2021-07-28"),
            Value::String("2021-07-28".into())
        );
        assert_eq!(resolve_plain(".inf"), Value::String(".inf".into()));
    }

    #[test]
    fn spans_are_byte_offsets_for_keys_and_values() {
        let text = "é: 1\nb:\n  c: \"x\"\n";
        let f = read(FileId(0), text);
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        let doc = &f.docs[0];
        let c = doc.spans.get("/b/c").expect("span of /b/c");
        assert_eq!(
            &text[c.key.expect("key").start..c.key.expect("key").end],
            "c"
        );
        assert_eq!(&text[c.value.start..c.value.end], "\"x\"");
        let e = doc.spans.get("/é").expect("span of /é");
        assert_eq!(&text[e.value.start..e.value.end], "1");
    }

    #[test]
    fn offsets_convert_in_any_order() {
        let text: String = (0..700)
            .map(|i| match i % 5 {
                0 => 'é',
                1 => '€',
                2 => '\n',
                _ => 'a',
            })
            .collect();
        let conv = OffsetConv::new(&text);
        let naive = |c: usize| text.char_indices().nth(c).map_or(text.len(), |(b, _)| b);
        let order = (0..760)
            .chain((0..760).rev())
            .chain((0..760).map(|i| (i * 37) % 760));
        for c in order {
            assert_eq!(conv.byte(c), naive(c), "char {c}");
        }
    }

    #[test]
    fn several_documents_are_read() {
        let f = read(FileId(0), "a: 1\n---\nb: 2\n");
        assert_eq!(f.docs.len(), 2);
        assert_eq!(f.docs[1].index, 1);
        assert_eq!(f.docs[1].value, serde_json::json!({"b": 2}));
    }
}
