//! The loaded workspace: every source file, and every document of every kind with the
//! span map that ties its JSON pointers back to the YAML text.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::diag::Span;
use crate::model::{Action, AuthProfile, Provider};

/// Index of a file in [`Workspace::files`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    /// The file's text (lossily decoded when it was not UTF-8; a diagnostic says so).
    pub text: Arc<str>,
    /// Where the lines of `text` start, built on first use (reports of many findings).
    lines: std::sync::OnceLock<Arc<LineStarts>>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: Arc<str>) -> SourceFile {
        SourceFile {
            path,
            text,
            lines: std::sync::OnceLock::new(),
        }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let offset = floor_char_boundary(&self.text, offset);
        let lines = self.lines();
        let line = lines.line(offset);
        let line_start = lines.start(line);
        let col = self.text[line_start..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// The line starts of `text`, built once per text (a text replaced after the first
    /// use gets its own, built for the call).
    pub(crate) fn lines(&self) -> Arc<LineStarts> {
        let cached = self
            .lines
            .get_or_init(|| Arc::new(LineStarts::new(&self.text)));
        if Arc::ptr_eq(&cached.text, &self.text) {
            cached.clone()
        } else {
            Arc::new(LineStarts::new(&self.text))
        }
    }
}

/// The byte offsets where the lines of a text start (after each `\n`).
#[derive(Debug)]
pub(crate) struct LineStarts {
    /// The text they were built from (held, so its address cannot be reused by another).
    text: Arc<str>,
    starts: Vec<usize>,
    /// Whether the text has a `\r` not followed by `\n` (which miette counts as a line
    /// break and these starts do not).
    pub(crate) lone_cr: bool,
}

impl LineStarts {
    fn new(text: &Arc<str>) -> LineStarts {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut lone_cr = false;
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            } else if b == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
                lone_cr = true;
            }
        }
        LineStarts {
            text: text.clone(),
            starts,
            lone_cr,
        }
    }

    /// 0-based line of `offset` (a `\n` belongs to the line it ends).
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// Byte offset where 0-based `line` starts; the text's length past the last line.
    pub(crate) fn start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }

    /// How many lines the text has.
    pub(crate) fn count(&self) -> usize {
        self.starts.len()
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Where a node sits in the YAML text: the key that introduced it (for mapping values)
/// and the value itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeSpan {
    pub key: Option<Span>,
    pub value: Span,
}

/// A document of one kind, with where it came from.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub file: FileId,
    /// 0-based index of the document within its file (`---` separated).
    pub doc_index: usize,
    /// JSON pointer (RFC 6901, e.g. `/spec/fields/0/in`) -> span. The document root is "".
    pub spans: Arc<crate::workspace::SpanMap>,
    pub doc: T,
}

impl<T> Loaded<T> {
    /// The span of the node at `pointer`, falling back to the nearest ancestor that has
    /// one, so a diagnostic always has a place.
    pub fn span_of(&self, pointer: &str) -> NodeSpan {
        self.spans.nearest(pointer)
    }
}

/// JSON pointer -> span, for one document.
///
/// Stored as a tree (one entry per node, with its parent and its pointer segment), the
/// way the reader meets the nodes: building it allocates no pointer strings. The map from
/// whole pointers is built on the first lookup only, so a document nobody asks about (a
/// valid one, most of the time) never pays for it.
#[derive(Debug, Clone, Default)]
pub struct SpanMap {
    nodes: Vec<TreeNode>,
    /// The escaped key segments of the nodes, one after the other.
    segments: String,
    /// Pointers inserted whole (by [`SpanMap::insert`]), applied after the tree.
    extra: Vec<(String, NodeSpan)>,
    index: std::sync::OnceLock<std::collections::HashMap<String, NodeSpan>>,
}

#[derive(Debug, Clone, Copy)]
struct TreeNode {
    parent: u32,
    segment: Segment,
    span: PackedSpan,
}

/// A [`NodeSpan`] in 17 bytes instead of 40 (offsets of files of at most a few MB).
#[derive(Debug, Clone, Copy, Default)]
struct PackedSpan {
    key: [u32; 2],
    value: [u32; 2],
    has_key: bool,
}

impl PackedSpan {
    fn pack(s: NodeSpan) -> PackedSpan {
        let n = |o: usize| u32::try_from(o).unwrap_or(u32::MAX);
        let key = s.key.unwrap_or_default();
        PackedSpan {
            key: [n(key.start), n(key.end)],
            value: [n(s.value.start), n(s.value.end)],
            has_key: s.key.is_some(),
        }
    }

    fn get(self) -> NodeSpan {
        let span = |[start, end]: [u32; 2]| Span {
            start: start as usize,
            end: end as usize,
        };
        NodeSpan {
            key: self.has_key.then(|| span(self.key)),
            value: span(self.value),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Segment {
    Root,
    Index(u32),
    /// `segments[start..end]`, followed by `~duplicate` for the value of a repeated key
    /// (`~d` never occurs in a real pointer, so it cannot shadow the first occurrence).
    Key {
        start: u32,
        end: u32,
        duplicate: bool,
    },
}

/// A node of a [`SpanMap`] under construction (see [`SpanMap::add_root`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeId(u32);

/// Documents with more nodes than this are looked up through a map built once; smaller
/// ones by walking their tree.
const WALK_MAX_NODES: usize = 512;

/// The number of decimal digits of `n`.
fn digits(mut n: u32) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// What a duplicate key's segment adds to its pointer.
const DUPLICATE_SUFFIX: &str = "~duplicate";

impl SpanMap {
    /// The root node, made by [`SpanMap::add_root`] first.
    pub(crate) const ROOT: NodeId = NodeId(0);

    pub fn insert(&mut self, pointer: String, span: NodeSpan) {
        self.index.take();
        self.extra.push((pointer, span));
    }

    pub fn get(&self, pointer: &str) -> Option<NodeSpan> {
        if let Some(walk) = self.walk(pointer) {
            let (node, complete) = walk;
            return complete.then(|| self.nodes[node].span.get());
        }
        self.index().get(pointer).copied()
    }

    pub fn nearest(&self, pointer: &str) -> NodeSpan {
        if let Some((node, _)) = self.walk(pointer) {
            return self.nodes[node].span.get();
        }
        let map = self.index();
        let mut p = pointer;
        loop {
            if let Some(s) = map.get(p) {
                return *s;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return map.get("").copied().unwrap_or_default(),
            }
        }
    }

    pub fn len(&self) -> usize {
        self.index().len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.extra.is_empty()
    }

    /// Finds `pointer` by walking the tree, for a small document (no map built, nothing
    /// allocated): the deepest node on its path, and whether that is the whole pointer.
    /// None when the walk cannot answer exactly as the map would: a large document (many
    /// lookups would each scan it), pointers inserted whole, or a `~duplicate` pointer
    /// (repeated keys may give several nodes one pointer; the map keeps the last).
    fn walk(&self, pointer: &str) -> Option<(usize, bool)> {
        if self.nodes.len() > WALK_MAX_NODES
            || !self.extra.is_empty()
            || self.nodes.is_empty()
            || pointer.contains(DUPLICATE_SUFFIX)
        {
            return None;
        }
        if pointer.is_empty() {
            return Some((0, true));
        }
        let Some(rest) = pointer.strip_prefix('/') else {
            // Not a pointer below the root: the map has no such key, its nearest is "".
            return Some((0, false));
        };
        let mut at = 0usize;
        for segment in rest.split('/') {
            match self.child(at, segment) {
                Some(child) => at = child,
                None => return Some((at, false)),
            }
        }
        Some((at, true))
    }

    /// The child of node `parent` whose pointer segment is `segment` (nodes are in
    /// pre-order: a node's descendants follow it, and end at the first node whose parent
    /// comes before it).
    fn child(&self, parent: usize, segment: &str) -> Option<usize> {
        let mut found = None;
        for (j, n) in self.nodes.iter().enumerate().skip(parent + 1) {
            if (n.parent as usize) < parent {
                break;
            }
            if n.parent as usize != parent {
                continue;
            }
            let matches = match n.segment {
                Segment::Index(i) => {
                    segment.len() == digits(i) && segment.parse::<u32>().ok() == Some(i)
                }
                Segment::Key {
                    start,
                    end,
                    duplicate: false,
                } => &self.segments[start as usize..end as usize] == segment,
                _ => false,
            };
            if matches {
                found = Some(j);
            }
        }
        found
    }

    /// The pointer -> span map, built once from the tree (later entries win, as inserts).
    fn index(&self) -> &std::collections::HashMap<String, NodeSpan> {
        self.index.get_or_init(|| {
            let mut pointers: Vec<String> = Vec::with_capacity(self.nodes.len());
            for node in &self.nodes {
                let pointer = match node.segment {
                    Segment::Root => String::new(),
                    segment => {
                        let parent = &pointers[node.parent as usize];
                        let mut p = String::with_capacity(parent.len() + 12);
                        p.push_str(parent);
                        p.push('/');
                        match segment {
                            Segment::Index(i) => {
                                use std::fmt::Write;
                                let _ = write!(p, "{i}");
                            }
                            Segment::Key {
                                start,
                                end,
                                duplicate,
                            } => {
                                p.push_str(&self.segments[start as usize..end as usize]);
                                if duplicate {
                                    p.push_str(DUPLICATE_SUFFIX);
                                }
                            }
                            Segment::Root => {}
                        }
                        p
                    }
                };
                pointers.push(pointer);
            }
            let mut map =
                std::collections::HashMap::with_capacity(self.nodes.len() + self.extra.len());
            for (node, pointer) in self.nodes.iter().zip(pointers) {
                map.insert(pointer, node.span.get());
            }
            for (pointer, span) in &self.extra {
                map.insert(pointer.clone(), *span);
            }
            map
        })
    }

    /// The root node (pointer ""), with an empty span until [`SpanMap::set`].
    pub(crate) fn add_root(&mut self) -> NodeId {
        self.push(0, Segment::Root)
    }

    /// A sequence item of `parent`.
    pub(crate) fn add_item(&mut self, parent: NodeId, index: usize) -> NodeId {
        self.push(parent.0, Segment::Index(index as u32))
    }

    /// The value of `key` in the mapping `parent` (`duplicate`: a repeated key's).
    pub(crate) fn add_key(&mut self, parent: NodeId, key: &str, duplicate: bool) -> NodeId {
        let start = self.segments.len() as u32;
        for c in key.chars() {
            match c {
                '~' => self.segments.push_str("~0"),
                '/' => self.segments.push_str("~1"),
                c => self.segments.push(c),
            }
        }
        let end = self.segments.len() as u32;
        self.push(
            parent.0,
            Segment::Key {
                start,
                end,
                duplicate,
            },
        )
    }

    /// The first (non-duplicate) value of `key` in the mapping `parent`, if recorded.
    pub(crate) fn find_key(&self, parent: NodeId, key: &str) -> Option<NodeSpan> {
        let escaped = key.replace('~', "~0").replace('/', "~1");
        self.nodes.iter().rev().find_map(|n| match n.segment {
            Segment::Key {
                start,
                end,
                duplicate: false,
            } if n.parent == parent.0 && self.segments[start as usize..end as usize] == escaped => {
                Some(n.span.get())
            }
            _ => None,
        })
    }

    /// Gives back the spare capacity of a finished map (documents are kept to the end).
    pub(crate) fn shrink(&mut self) {
        self.nodes.shrink_to_fit();
        self.segments.shrink_to_fit();
    }

    pub(crate) fn span(&self, id: NodeId) -> NodeSpan {
        self.nodes[id.0 as usize].span.get()
    }

    pub(crate) fn set(&mut self, id: NodeId, span: NodeSpan) {
        self.index.take();
        self.nodes[id.0 as usize].span = PackedSpan::pack(span);
    }

    fn push(&mut self, parent: u32, segment: Segment) -> NodeId {
        self.index.take();
        self.nodes.push(TreeNode {
            parent,
            segment,
            span: PackedSpan::default(),
        });
        NodeId(self.nodes.len() as u32 - 1)
    }
}

/// Everything loaded from a set of paths. Documents that failed validation are absent
/// (their diagnostics were returned beside the workspace).
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub files: Vec<SourceFile>,
    pub providers: Vec<Loaded<Provider>>,
    pub profiles: Vec<Loaded<AuthProfile>>,
    pub actions: Vec<Loaded<Action>>,
}

impl Workspace {
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
}

/// Why a name given on the command line does not name exactly one document.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    #[error("no {kind} named `{name}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    NotFound {
        kind: &'static str,
        name: String,
        suggestion: Option<String>,
    },
    #[error("{kind} name `{name}` is ambiguous; write one of {}", candidates.join(", "))]
    Ambiguous {
        kind: &'static str,
        name: String,
        candidates: Vec<String>,
    },
}

/// The provider a document belongs to, for `provider/name` lookups.
trait OfProvider {
    fn provider_name(&self) -> &str;
    fn name(&self) -> &str;
}

impl OfProvider for Action {
    fn provider_name(&self) -> &str {
        &self.spec.provider
    }
    fn name(&self) -> &str {
        &self.metadata.name
    }
}

impl OfProvider for AuthProfile {
    fn provider_name(&self) -> &str {
        &self.spec.provider
    }
    fn name(&self) -> &str {
        &self.metadata.name
    }
}

fn find<'w, T: OfProvider>(
    items: &'w [Loaded<T>],
    kind: &'static str,
    name: &str,
) -> Result<&'w Loaded<T>, LookupError> {
    let (provider, bare) = match name.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, name),
    };
    let matches: Vec<&Loaded<T>> = items
        .iter()
        .filter(|l| l.doc.name() == bare && provider.is_none_or(|p| l.doc.provider_name() == p))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => {
            let qualified: Vec<String> = items
                .iter()
                .map(|l| format!("{}/{}", l.doc.provider_name(), l.doc.name()))
                .collect();
            let candidates = items
                .iter()
                .map(|l| l.doc.name())
                .chain(qualified.iter().map(String::as_str));
            let suggestion = crate::suggest::did_you_mean(name, candidates).map(str::to_string);
            Err(LookupError::NotFound {
                kind,
                name: name.to_string(),
                suggestion,
            })
        }
        many => Err(LookupError::Ambiguous {
            kind,
            name: name.to_string(),
            candidates: many
                .iter()
                .map(|l| format!("{}/{}", l.doc.provider_name(), l.doc.name()))
                .collect(),
        }),
    }
}

impl Workspace {
    /// The provider named `name`.
    pub fn provider(&self, name: &str) -> Option<&Loaded<Provider>> {
        self.providers.iter().find(|p| p.doc.metadata.name == name)
    }

    /// The action named `name` or `provider/name`.
    pub fn find_action(&self, name: &str) -> Result<&Loaded<Action>, LookupError> {
        find(&self.actions, "action", name)
    }

    /// The auth profile named `name` or `provider/name`.
    pub fn find_profile(&self, name: &str) -> Result<&Loaded<AuthProfile>, LookupError> {
        find(&self.profiles, "auth profile", name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree walk (small documents) answers every lookup as the pointer map does.
    #[test]
    fn walking_the_tree_agrees_with_the_pointer_map() {
        let text = "a: 1\nb:\n  c: [x, {d: 2}, [3, 4]]\n  'e/f': {'g~h': 5, '': 6}\n  10: y\nb2: &x {k: [1, 2]}\nb3: *x\nb: {z: 1}\nb: 7\nl:\n- - 1\n  - m: {n: o}\n";
        let read = crate::yaml::read(FileId(0), text);
        let spans = &read.docs[0].spans;
        let map = spans.index().clone();
        let mut pointers: Vec<String> = map.keys().cloned().collect();
        for p in map.keys() {
            pointers.push(format!("{p}/nope"));
            pointers.push(format!("{p}/0"));
            pointers.push(format!("{p}/00"));
            pointers.push(format!("{p}/"));
        }
        pointers.extend(["", "/", "x", "x/y", "/b/c/+1", "/b/c/01", "//"].map(String::from));
        for p in &pointers {
            assert_eq!(spans.get(p), map.get(p.as_str()).copied(), "get {p:?}");
            let mut q = p.as_str();
            let nearest = loop {
                if let Some(s) = map.get(q) {
                    break *s;
                }
                match q.rfind('/') {
                    Some(i) => q = &q[..i],
                    None => break map.get("").copied().unwrap_or_default(),
                }
            };
            assert_eq!(spans.nearest(p), nearest, "nearest {p:?}");
        }
        assert!(map.contains_key("/b/e~1f/g~0h"));
        assert!(map.contains_key("/b~duplicate/z"));
    }
}
