//! `--format human`: each finding as a miette report with the YAML underlined (the
//! renderer of `integ_spec::render`), then `N errors, M warnings in K files`.
//!
//! Findings of `plaintext-secret` point at a secret; the YAML shown for every finding
//! has those spans masked, so the report never repeats a secret.

use std::sync::Arc;

use integ_spec::{SourceFile, render};

use super::Report;
use crate::engine::counts;
use crate::rules::plaintext_secret;
use crate::suppress::LineIndex;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2 errors, 1 warning in 14 files`.
pub fn summary(report: Report<'_>) -> String {
    let (errors, warnings) = counts(report.diagnostics);
    format!(
        "{}, {} in {}",
        plural(errors, "error", "errors"),
        plural(warnings, "warning", "warnings"),
        plural(report.files.len(), "file", "files")
    )
}

/// The files with every `plaintext-secret` span replaced by `*` (byte for byte, so all
/// offsets stay valid). Each affected file is copied once, whatever its number of secrets.
fn masked(report: Report<'_>) -> Vec<SourceFile> {
    let mut spans: Vec<Vec<integ_spec::Span>> = vec![Vec::new(); report.files.len()];
    for d in report
        .diagnostics
        .iter()
        .filter(|d| d.code == plaintext_secret::RULE.id)
    {
        if let Some(v) = spans.get_mut(d.file.0 as usize) {
            v.push(d.span);
        }
    }
    let mut files = report.files.to_vec();
    for (f, spans) in files.iter_mut().zip(&spans) {
        if spans.is_empty() {
            continue;
        }
        let mut bytes = f.text.as_bytes().to_vec();
        for span in spans {
            let end = span.end.min(bytes.len());
            for b in bytes.iter_mut().take(end).skip(span.start) {
                if *b != b'\n' && *b != b'\r' {
                    *b = b'*';
                }
            }
        }
        // Masking whole bytes of multi-byte characters with ASCII keeps the text UTF-8.
        f.text = Arc::from(String::from_utf8_lossy(&bytes).as_ref());
    }
    files
}

/// Files above this size are shown through a window around each finding.
const WINDOW_ABOVE: usize = 64 * 1024;

/// A stand-in for `file` holding only the lines around `span`, preceded by as many empty
/// lines as the file has before them: the renderer (which counts lines from the start of
/// the text it is given) still shows the right line numbers and columns, without
/// scanning megabytes for every finding of a large file.
fn window(
    file: &SourceFile,
    lines: &LineIndex,
    span: integ_spec::Span,
) -> (SourceFile, integ_spec::Span) {
    let text: &str = &file.text;
    let first = lines.line(span.start).saturating_sub(2).max(1);
    let last = lines.line(span.end) + 2;
    let start = lines.start(first);
    let end = if last < lines.count() {
        lines.start(last + 1)
    } else {
        text.len()
    };
    let mut t = String::with_capacity(first - 1 + end - start);
    t.extend(std::iter::repeat_n('\n', first - 1));
    t.push_str(&text[start..end]);
    let shift = |o: usize| o.clamp(start, end) - start + first - 1;
    let w = SourceFile {
        path: file.path.clone(),
        text: Arc::from(t),
    };
    (w, integ_spec::Span::new(shift(span.start), shift(span.end)))
}

pub fn render(report: Report<'_>, color: bool) -> String {
    let has_secrets = report
        .diagnostics
        .iter()
        .any(|d| d.code == plaintext_secret::RULE.id);
    let masked_files;
    let files = if has_secrets {
        masked_files = masked(report);
        &masked_files[..]
    } else {
        report.files
    };
    let indexes: Vec<std::cell::OnceCell<LineIndex>> =
        files.iter().map(|_| std::cell::OnceCell::new()).collect();
    let mut out = String::new();
    for d in report.diagnostics {
        let i = d.file.0 as usize;
        match files.get(i) {
            Some(f) if f.text.len() > WINDOW_ABOVE && d.span.end <= f.text.len() => {
                let lines = indexes[i].get_or_init(|| LineIndex::new(&f.text));
                let (w, span) = window(f, lines, d.span);
                let mut local = d.clone();
                local.file = integ_spec::FileId(0);
                local.span = span;
                out.push_str(&render::human(std::slice::from_ref(&w), &local, color));
            }
            _ => out.push_str(&render::human(files, d, color)),
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use integ_spec::{Diagnostic, FileId, Severity, Span};

    use super::*;

    /// A finding deep in a large file renders exactly as it would from the whole file.
    #[test]
    fn windowed_rendering_matches_whole_file_rendering() {
        let mut text = String::new();
        for i in 0..20_000 {
            text.push_str(&format!("k{i}: value {i} é\n"));
        }
        let at = text.find("k15000:").unwrap();
        let files = vec![SourceFile {
            path: "big.yaml".into(),
            text: Arc::from(text.as_str()),
        }];
        let d = Diagnostic {
            code: "schema".into(),
            severity: Severity::Error,
            file: FileId(0),
            span: Span::new(at + 8, at + 13),
            message: "m".into(),
            help: Some("h".into()),
            label: Some("l".into()),
            fix: None,
        };
        let lines = LineIndex::new(&files[0].text);
        let (w, span) = window(&files[0], &lines, d.span);
        let mut local = d.clone();
        local.span = span;
        let whole = render::human(&files, &d, false);
        assert!(whole.contains("big.yaml:15001:9"), "{whole}");
        assert_eq!(
            render::human(std::slice::from_ref(&w), &local, false),
            whole
        );
    }
}
