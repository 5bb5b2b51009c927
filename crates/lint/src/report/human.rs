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
        let text = Arc::from(String::from_utf8_lossy(&bytes).as_ref());
        *f = SourceFile::new(f.path.clone(), text);
    }
    files
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
    // The renderer reads only the lines around each finding (its line index of a file
    // is built once), so a large file with many findings costs no rescans.
    let mut out = String::new();
    for d in report.diagnostics {
        out.push_str(&render::human(files, d, color));
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

    /// A finding deep in a large file is shown at its line and column.
    #[test]
    fn a_finding_deep_in_a_large_file_shows_its_place() {
        let mut text = String::new();
        for i in 0..20_000 {
            text.push_str(&format!("k{i}: value {i} é\n"));
        }
        let at = text.find("k15000:").unwrap();
        let files = vec![SourceFile::new("big.yaml".into(), Arc::from(text.as_str()))];
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
        let out = render(
            Report {
                files: &files,
                diagnostics: std::slice::from_ref(&d),
            },
            false,
        );
        assert!(out.contains("big.yaml:15001:9"), "{out}");
        assert!(out.contains("15001 │ k15000: value 15000 é"), "{out}");
    }
}
