//! Reporters: turn findings into one output format each. They know the shape of a
//! [`Diagnostic`] and the rule registry's metadata, never what a rule checks.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use integ_spec::{Diagnostic, FileId, SourceFile, Span};

use crate::suppress::LineIndex;

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

/// Regions of many findings: each file's line starts are indexed once, on first use,
/// so a large file with many findings costs a binary search per finding, not a scan.
pub struct Locator<'a> {
    files: &'a [SourceFile],
    lines: Vec<std::cell::OnceCell<LineIndex>>,
}

impl<'a> Locator<'a> {
    pub fn new(files: &'a [SourceFile]) -> Self {
        Locator {
            files,
            lines: (0..files.len())
                .map(|_| std::cell::OnceCell::new())
                .collect(),
        }
    }

    /// Like [`SourceFile::line_col`]: 1-based line, 1-based column in characters.
    pub fn line_col(&self, file: FileId, offset: usize) -> (usize, usize) {
        let Some(f) = self.files.get(file.0 as usize) else {
            return (1, 1);
        };
        let text: &str = &f.text;
        let mut offset = offset.min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let index = self.lines[file.0 as usize].get_or_init(|| LineIndex::new(text));
        let line = index.line(offset);
        let start = index.start(line);
        (line, text[start..offset].chars().count() + 1)
    }

    pub fn region(&self, file: FileId, span: Span) -> Region {
        let (line, column) = self.line_col(file, span.start);
        let (end_line, end_column) = self.line_col(file, span.end);
        Region {
            line,
            column,
            end_line,
            end_column,
        }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn locator_agrees_with_source_file_line_col() {
        let text = "a: é\r\nbé: \"ü\"\n\n  - x\ny";
        let files = vec![SourceFile::new("f.yaml".into(), Arc::from(text))];
        let loc = Locator::new(&files);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                loc.line_col(FileId(0), offset),
                files[0].line_col(offset),
                "offset {offset}"
            );
        }
    }
}
