//! Diagnostics: one shape for every problem integ reports, from a YAML syntax error to a
//! lint finding. Rendering (miette) and machine formats read this shape; nothing else.

use serde::Serialize;

use crate::workspace::FileId;

/// A byte range `[start, end)` into a file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One text edit: replace `span` of `file` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub file: FileId,
    pub span: Span,
    pub replacement: String,
}

/// A fix is data: a title and the edits that make it. One engine applies them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

/// A problem at an exact place. `code` is the rule id (`schema`, `yaml-syntax`,
/// `auth-field-rejected`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: String,
    pub severity: Severity,
    pub file: FileId,
    pub span: Span,
    /// One sentence: what is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// A short label shown under the underlined span.
    pub label: Option<String>,
    pub fix: Option<Fix>,
}
