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
}

impl SourceFile {
    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
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
#[derive(Debug, Clone, Default)]
pub struct SpanMap {
    map: std::collections::HashMap<String, NodeSpan>,
}

impl SpanMap {
    pub fn insert(&mut self, pointer: String, span: NodeSpan) {
        self.map.insert(pointer, span);
    }

    pub fn get(&self, pointer: &str) -> Option<NodeSpan> {
        self.map.get(pointer).copied()
    }

    pub fn nearest(&self, pointer: &str) -> NodeSpan {
        let mut p = pointer;
        loop {
            if let Some(s) = self.map.get(p) {
                return *s;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.map.get("").copied().unwrap_or_default(),
            }
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
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
