//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. Every rule of the
//! registry is in `tool.driver.rules` with its documentation as help; results carry
//! 1-based physical locations (columns count Unicode code points) and fixes where the
//! finding has one.

use std::collections::BTreeMap;

use integ_spec::Severity;
use serde_json::{Value, json};

use super::{Locator, Report, display_path, file_of};
use crate::registry::RULES;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A relative path as a URI reference: `/` separators, reserved characters escaped.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn render(report: Report<'_>) -> Value {
    let loc = Locator::new(report.files);
    let mut rules: Vec<Value> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for r in RULES {
        let docs = r.docs();
        index.insert(r.id.to_string(), rules.len());
        rules.push(json!({
            "id": r.id,
            "name": r.id,
            "shortDescription": { "text": r.summary },
            "fullDescription": { "text": r.summary },
            "help": { "text": docs, "markdown": docs },
            "defaultConfiguration": { "level": level(r.default_severity) },
        }));
    }
    // Loader codes that are not rules of their own (they follow `schema`).
    for d in report.diagnostics {
        if !index.contains_key(&d.code) {
            index.insert(d.code.clone(), rules.len());
            rules.push(json!({
                "id": d.code,
                "shortDescription": { "text": format!("{} (reported by the loader; configured as `schema`)", d.code) },
                "defaultConfiguration": { "level": "error" },
            }));
        }
    }
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .filter_map(|d| {
            let file = file_of(&report, d.file)?;
            let r = loc.region(d.file, d.span);
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            let mut result = json!({
                "ruleId": d.code,
                "ruleIndex": index[&d.code],
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&display_path(file)) },
                        "region": {
                            "startLine": r.line, "startColumn": r.column,
                            "endLine": r.end_line, "endColumn": r.end_column,
                        },
                    },
                }],
            });
            if let Some(fix) = &d.fix {
                let mut changes: BTreeMap<String, Vec<Value>> = BTreeMap::new();
                for e in &fix.edits {
                    let Some(ef) = file_of(&report, e.file) else { continue };
                    let er = loc.region(e.file, e.span);
                    changes.entry(uri(&display_path(ef))).or_default().push(json!({
                        "deletedRegion": {
                            "startLine": er.line, "startColumn": er.column,
                            "endLine": er.end_line, "endColumn": er.end_column,
                        },
                        "insertedContent": { "text": e.replacement },
                    }));
                }
                let changes: Vec<Value> = changes
                    .into_iter()
                    .map(|(uri, replacements)| json!({ "artifactLocation": { "uri": uri }, "replacements": replacements }))
                    .collect();
                result["fixes"] = json!([{ "description": { "text": fix.title }, "artifactChanges": changes }]);
            }
            Some(result)
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "integ",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}
