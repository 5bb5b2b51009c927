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
/// offsets stay valid).
fn masked(report: Report<'_>) -> Vec<SourceFile> {
    let mut files = report.files.to_vec();
    for d in report
        .diagnostics
        .iter()
        .filter(|d| d.code == plaintext_secret::RULE.id)
    {
        let Some(f) = files.get_mut(d.file.0 as usize) else {
            continue;
        };
        let mut bytes = f.text.as_bytes().to_vec();
        let end = d.span.end.min(bytes.len());
        for b in bytes.iter_mut().take(end).skip(d.span.start) {
            if *b != b'\n' && *b != b'\r' {
                *b = b'*';
            }
        }
        // Masking whole bytes of multi-byte characters with ASCII keeps the text UTF-8.
        f.text = Arc::from(String::from_utf8_lossy(&bytes).as_ref());
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
