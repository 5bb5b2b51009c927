//! Rendering diagnostics: rustc-like text through miette (the YAML shown and underlined,
//! then a `help:` line), and a JSON array for machines. Nothing here decides anything.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde_json::{Value, json};

use crate::diag::{Diagnostic, Severity, Span};
use crate::workspace::{LineStarts, SourceFile};

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
///
/// miette's own reader scans the text from its start for every report; this one hands
/// it only the lines around the span (found in the file's line starts, built once per
/// file) and shifts what it returns, so a report costs the same at line 1 and at line
/// 100,000.
struct Source {
    name: String,
    text: Arc<str>,
    lines: Arc<LineStarts>,
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

impl Source {
    /// What miette's reader of the whole text returns, read from the lines around `span`
    /// only: the window starts one line before the `before` context lines (so miette's
    /// look-behind sees the same bytes) and ends two lines after the `after` ones (it
    /// stops by itself before that). Texts with a lone `\r` (a line break to miette, not
    /// to the line starts) and spans past the end are read whole, as before.
    fn read_lines<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<MietteSpanContents<'a>, MietteError> {
        let text: &'a str = &self.text;
        let end = span.offset().saturating_add(span.len());
        if self.lines.lone_cr || end > text.len() {
            let c = text.as_bytes().read_span(span, before, after)?;
            return Ok(MietteSpanContents::new(
                c.data(),
                *c.span(),
                c.line(),
                c.column(),
                c.line_count(),
            ));
        }
        let first = self.lines.line(span.offset()).saturating_sub(before + 1);
        let last = self.lines.line(end).saturating_add(after + 3);
        let from = self.lines.start(first);
        let to = if last < self.lines.count() {
            self.lines.start(last)
        } else {
            text.len()
        };
        let window = &text.as_bytes()[from..to];
        let local: SourceSpan = (span.offset() - from, span.len()).into();
        let c = window.read_span(&local, before, after)?;
        Ok(MietteSpanContents::new(
            c.data(),
            (c.span().offset() + from, c.span().len()).into(),
            c.line() + first,
            c.column(),
            c.line_count() + first,
        ))
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
        let inner = self.read_lines(span, before, after)?;
        let line = inner.line();
        if line_end - line_start > LONG_LINE {
            let from = floor_boundary(text, offset.saturating_sub(WINDOW_SIDE).max(line_start));
            let to = ceil_boundary(text, (offset + span.len() + WINDOW_SIDE).min(line_end));
            let column = text[line_start..from].chars().count();
            let data = &text.as_bytes()[from..to];
            // Only the span's own line is shown, so no context lines come first.
            let span_line = self.lines.line(line_start);
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
    let (name, text, lines) = match files.get(d.file.0 as usize) {
        Some(f) => (f.path.display().to_string(), f.text.clone(), f.lines()),
        None => {
            let empty = SourceFile::new(PathBuf::new(), Arc::from(""));
            (String::from("<unknown>"), empty.text.clone(), empty.lines())
        }
    };
    let source = Source { name, text, lines };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The windowed read returns what miette's reader of the whole text returns, for every
    /// span of a text with long and short lines, CRLF, multi-byte characters and empty
    /// lines, and for the context sizes miette asks for.
    #[test]
    fn windowed_reads_match_whole_text_reads() {
        let text = "a: 1\r\nbb: é\n\n  - x\n  - yy\r\n\nlast: line without newline";
        let file = SourceFile::new(PathBuf::from("t.yaml"), Arc::from(text));
        let source = Source {
            name: "t.yaml".into(),
            text: file.text.clone(),
            lines: file.lines(),
        };
        for start in 0..=text.len() {
            for len in 0..=(text.len() - start).min(14) {
                let span: SourceSpan = (start, len).into();
                for (before, after) in [(0, 0), (1, 1), (2, 2), (0, 3)] {
                    let whole = text.as_bytes().read_span(&span, before, after);
                    let windowed = source.read_lines(&span, before, after);
                    match (whole, windowed) {
                        (Ok(w), Ok(o)) => {
                            let at = format!("span {start}+{len}, context {before}/{after}");
                            assert_eq!(w.data(), o.data(), "{at}");
                            assert_eq!(w.span(), o.span(), "{at}");
                            assert_eq!(w.line(), o.line(), "{at}");
                            assert_eq!(w.column(), o.column(), "{at}");
                            assert_eq!(w.line_count(), o.line_count(), "{at}");
                        }
                        (Err(_), Err(_)) => {}
                        (w, o) => panic!(
                            "span {start}+{len}: whole {:?}, windowed {:?}",
                            w.is_ok(),
                            o.is_ok()
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn line_col_counts_lines_and_characters() {
        let file = SourceFile::new(PathBuf::from("t.yaml"), Arc::from("ab\né: x\n\nz"));
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(2), (1, 3));
        assert_eq!(file.line_col(3), (2, 1));
        assert_eq!(file.line_col(5), (2, 2));
        assert_eq!(file.line_col(4), (2, 1));
        assert_eq!(file.line_col(9), (3, 1));
        assert_eq!(file.line_col(100), (4, 2));
    }
}
