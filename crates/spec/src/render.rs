//! Rendering diagnostics: rustc-like text through miette (the YAML shown and underlined,
//! then a `help:` line), and a JSON array for machines. Nothing here decides anything.

use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use serde_json::{Value, json};

use crate::diag::{Diagnostic, Severity};
use crate::workspace::SourceFile;

/// Width the text report wraps at.
const WIDTH: usize = 100;

struct Report<'a> {
    d: &'a Diagnostic,
    source: NamedSource<Arc<str>>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.d.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.d
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.d.span;
        let label = LabeledSpan::new(self.d.label.clone(), span.start, span.len());
        Some(Box::new(std::iter::once(label)))
    }
}

/// The rustc-like text of one diagnostic, ending in a newline.
pub fn human(files: &[SourceFile], d: &Diagnostic, color: bool) -> String {
    let (name, text) = match files.get(d.file.0 as usize) {
        Some(f) => (f.path.display().to_string(), f.text.clone()),
        None => (String::from("<unknown>"), Arc::from("")),
    };
    let report = Report {
        d,
        source: NamedSource::new(name, text),
    };
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .without_syntax_highlighting();
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}: {}\n", d.severity.as_str(), d.message);
    }
    out
}

/// The machine form: an array of `{code, severity, file, line, column, endLine,
/// endColumn, message, help}` (lines and columns 1-based; columns count characters).
pub fn json(files: &[SourceFile], ds: &[Diagnostic]) -> Value {
    Value::Array(
        ds.iter()
            .map(|d| {
                let (file, (line, column), (end_line, end_column)) =
                    match files.get(d.file.0 as usize) {
                        Some(f) => (
                            f.path.display().to_string(),
                            f.line_col(d.span.start),
                            f.line_col(d.span.end),
                        ),
                        None => (String::new(), (1, 1), (1, 1)),
                    };
                json!({
                    "code": d.code,
                    "severity": d.severity.as_str(),
                    "file": file,
                    "line": line,
                    "column": column,
                    "endLine": end_line,
                    "endColumn": end_column,
                    "message": d.message,
                    "help": d.help,
                })
            })
            .collect(),
    )
}
