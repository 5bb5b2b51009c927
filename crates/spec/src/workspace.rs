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
