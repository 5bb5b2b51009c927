//! `--format json`: a stable array of findings.
//!
//! ```json
//! [{ "rule": "auth-field-rejected", "severity": "error",
//!    "file": "profiles/naive.yaml", "line": 25, "column": 11, "endLine": 25, "endColumn": 16,
//!    "message": "...", "help": "..." | null,
//!    "fix": null | { "title": "...", "edits": [{ "file": "...", "line": 1, "column": 1,
//!            "endLine": 1, "endColumn": 1, "start": 0, "end": 0, "replacement": "..." }] } }]
//! ```
//! Lines and columns are 1-based (columns count characters); `endColumn` is the column
//! just after the finding. `start`/`end` of an edit are byte offsets.

use serde_json::{Value, json};

use super::{Locator, Report, display_path, file_of};

pub fn render(report: Report<'_>) -> Value {
    let loc = Locator::new(report.files);
    let findings: Vec<Value> = report
        .diagnostics
        .iter()
        .filter_map(|d| {
            let file = file_of(&report, d.file)?;
            let r = loc.region(d.file, d.span);
            let fix = d.fix.as_ref().map(|f| {
                let edits: Vec<Value> = f
                    .edits
                    .iter()
                    .filter_map(|e| {
                        let ef = file_of(&report, e.file)?;
                        let er = loc.region(e.file, e.span);
                        Some(json!({
                            "file": display_path(ef),
                            "line": er.line, "column": er.column, "endLine": er.end_line, "endColumn": er.end_column,
                            "start": e.span.start, "end": e.span.end,
                            "replacement": e.replacement,
                        }))
                    })
                    .collect();
                json!({ "title": f.title, "edits": edits })
            });
            Some(json!({
                "rule": d.code,
                "severity": d.severity.as_str(),
                "file": display_path(file),
                "line": r.line,
                "column": r.column,
                "endLine": r.end_line,
                "endColumn": r.end_column,
                "message": d.message,
                "help": d.help,
                "fix": fix,
            }))
        })
        .collect();
    Value::Array(findings)
}
