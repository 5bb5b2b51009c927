//! Rendering diagnostics: rustc-like text through miette (the YAML shown and underlined,
//! then a `help:` line), and a JSON array for machines. Nothing here decides anything.

use std::fmt;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde_json::{Value, json};

use crate::diag::{Diagnostic, Severity, Span};
use crate::workspace::SourceFile;

/// Width the text report wraps at.
const WIDTH: usize = 100;

/// Longest line shown whole; a longer one is shown as a window around the span.
const LONG_LINE: usize = 400;
/// Bytes shown on each side of the span in such a window.
const WINDOW_SIDE: usize = 80;

struct Report<'a> {
    d: &'a Diagnostic,
    /// The span underlined: the diagnostic's, cut to its first line when that is long.
    span: Span,
    source: Source,
}

/// A file's text for miette, with two differences from miette's own `str` source: the
/// header column counts characters (as `line_col` and the JSON output do; miette counts
/// bytes), and a very long line (minified YAML) is shown as a window around the span.
struct Source {
    name: String,
    text: Arc<str>,
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

impl Source {
    fn line_bounds(&self, offset: usize) -> (usize, usize) {
        let t = &self.text;
        let start = t[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = t[offset..].find('\n').map_or(t.len(), |i| offset + i);
        (start, end)
    }
}

impl SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &'a str = &self.text;
        let offset = floor_boundary(text, span.offset());
        let (line_start, line_end) = self.line_bounds(offset);
        let inner = text.as_bytes().read_span(span, before, after)?;
        let line = inner.line();
        if line_end - line_start > LONG_LINE {
            let from = floor_boundary(text, offset.saturating_sub(WINDOW_SIDE).max(line_start));
            let to = ceil_boundary(text, (offset + span.len() + WINDOW_SIDE).min(line_end));
            let column = text[line_start..from].chars().count();
            let data = &text.as_bytes()[from..to];
            // Only the span's own line is shown, so no context lines come first.
            let span_line = text.as_bytes()[..line_start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                data,
                (from, to - from).into(),
                span_line,
                if before == 0 {
                    text[line_start..offset].chars().count()
                } else {
                    column
                },
                1,
            )));
        }
        let column = if before == 0 {
            text[line_start..offset].chars().count()
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            line,
            column,
            inner.line_count(),
        )))
    }
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
        let span = self.span;
        let label = LabeledSpan::new(self.d.label.clone(), span.start, span.len());
        Some(Box::new(std::iter::once(label)))
    }
}

/// The span to underline: the diagnostic's own, unless it is long and its first line is
/// long too, then the start of it (a window can show only part of one line).
fn shown_span(source: &Source, span: Span) -> Span {
    let text = &source.text;
    let start = floor_boundary(text, span.start);
    let (line_start, line_end) = source.line_bounds(start);
    if line_end - line_start <= LONG_LINE || span.len() <= LONG_LINE / 2 {
        return Span::new(start, ceil_boundary(text, span.end));
    }
    Span::new(
        start,
        ceil_boundary(text, (start + LONG_LINE / 2).min(line_end)),
    )
}

/// The rustc-like text of one diagnostic, ending in a newline.
pub fn human(files: &[SourceFile], d: &Diagnostic, color: bool) -> String {
    let (name, text) = match files.get(d.file.0 as usize) {
        Some(f) => (f.path.display().to_string(), f.text.clone()),
        None => (String::from("<unknown>"), Arc::from("")),
    };
    let source = Source { name, text };
    let span = shown_span(&source, d.span);
    let report = Report { d, span, source };
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
