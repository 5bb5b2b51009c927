//! ## What it does
//! Checks that no two documents of one kind share a `metadata.name`: providers across
//! the workspace, profiles and actions within their provider. The first one (by file
//! path, then position in the file) is kept; every later one is reported.
//!
//! ## Why is this bad?
//! The command line, `except:`/`only:` lists and the bundle name specs by name. With two
//! of the same name, which one runs depends on load order, and edits to the other have
//! no effect.
//!
//! ## Example
//! ```yaml
//! # actions/update_contact.yaml and actions/update_contact_v2.yaml both say:
//! metadata:
//!   name: update_contact
//! ```
//!
//! ## Use instead
//! ```yaml
//! # actions/update_contact_v2.yaml
//! metadata:
//!   name: update_contact_v2
//! ```

use integ_spec::{Diagnostic, FileId, Loaded, Severity, Span, Workspace};

use crate::context::LintContext;
use crate::rule::Rule;

pub const RULE: Rule = Rule {
    id: "duplicate-name",
    default_severity: Severity::Error,
    summary: "two specs of one kind and provider share a name",
    fixable: false,
    source: include_str!("duplicate_name.rs"),
    check: Some(check),
};

/// A document's place: file, position in the file, and the span of its name.
struct Site {
    file: FileId,
    doc_index: usize,
    span: Span,
}

fn site<T>(d: &Loaded<T>) -> Site {
    Site {
        file: d.file,
        doc_index: d.doc_index,
        span: d.span_of("/metadata/name").value,
    }
}

/// Reports every document of a group sharing one name but the first (by file path,
/// then position in the file).
fn report(
    ws: &Workspace,
    kind: &str,
    provider: &str,
    name: &str,
    mut sites: Vec<Site>,
    out: &mut Vec<Diagnostic>,
) {
    sites.sort_by(|a, b| {
        (&ws.file(a.file).path, a.doc_index).cmp(&(&ws.file(b.file).path, b.doc_index))
    });
    let first = &sites[0];
    let first_file = ws.file(first.file);
    let (line, col) = first_file.line_col(first.span.start);
    let scoped = kind != "Provider";
    for dup in &sites[1..] {
        let within = if scoped {
            format!(" of provider `{provider}`")
        } else {
            String::new()
        };
        let mut d = RULE.diagnostic(
            dup.file,
            dup.span,
            format!(
                "another {kind}{within} is already named `{name}` (at {}:{line}:{col})",
                first_file.path.display()
            ),
        );
        d.label = Some("duplicate name".to_string());
        d.help = Some(format!(
            "rename one of them; {kind} names must be unique{}",
            if scoped { " per provider" } else { "" }
        ));
        out.push(d);
    }
}

/// Sorts (provider, name, position) keys and reports runs of equal keys: no allocation
/// per document, only per duplicate.
fn check_kind<T>(
    ws: &Workspace,
    kind: &str,
    docs: &[Loaded<T>],
    key: impl Fn(&T) -> (&str, &str),
    out: &mut Vec<Diagnostic>,
) {
    let mut keys: Vec<(&str, &str, usize)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (provider, name) = key(&d.doc);
            (provider, name, i)
        })
        .collect();
    keys.sort_unstable();
    for run in keys.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        if run.len() > 1 {
            let sites = run.iter().map(|&(_, _, i)| site(&docs[i])).collect();
            report(ws, kind, run[0].0, run[0].1, sites, out);
        }
    }
}

fn check(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    let ws = ctx.ws;
    check_kind(
        ws,
        "Provider",
        &ws.providers,
        |d| ("", d.metadata.name.as_str()),
        out,
    );
    check_kind(
        ws,
        "AuthProfile",
        &ws.profiles,
        |d| (d.spec.provider.as_str(), d.metadata.name.as_str()),
        out,
    );
    check_kind(
        ws,
        "Action",
        &ws.actions,
        |d| (d.spec.provider.as_str(), d.metadata.name.as_str()),
        out,
    );
}
