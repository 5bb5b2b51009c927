//! Reporters: turn findings into one output format each. They know the shape of a
//! [`Diagnostic`] and the rule registry's metadata, never what a rule checks.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use integ_spec::{Diagnostic, FileId, SourceFile, Span};

/// What every reporter reads.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The linted files; `Diagnostic::file` indexes them.
    pub files: &'a [SourceFile],
    /// Findings in report order.
    pub diagnostics: &'a [Diagnostic],
}

/// The output formats of `integ lint --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
        }
    }
}

/// Renders `report` in `format`. `color` only affects `human`.
pub fn render(format: Format, report: Report<'_>, color: bool) -> String {
    match format {
        Format::Human => human::render(report, color),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&json::render(report)).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Sarif => {
            let mut s = serde_json::to_string_pretty(&sarif::render(report)).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Github => github::render(report),
        Format::Junit => junit::render(report),
    }
}

/// 1-based start and end of a span: line, column (in characters); the end column is the
/// column just after the last character, as SARIF and GitHub expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn region(file: &SourceFile, span: Span) -> Region {
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    Region {
        line,
        column,
        end_line,
        end_column,
    }
}

/// A file's path as reports show it: as given on the command line, with `/` separators.
pub fn display_path(file: &SourceFile) -> String {
    let s = file.path.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    s.replace('\\', "/")
}

pub(crate) fn file_of<'a>(report: &Report<'a>, id: FileId) -> Option<&'a SourceFile> {
    report.files.get(id.0 as usize)
}
