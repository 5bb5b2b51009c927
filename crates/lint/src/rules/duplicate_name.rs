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

use std::collections::HashMap;

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

fn report(
    ws: &Workspace,
    kind: &str,
    scope: &str,
    groups: HashMap<(&str, &str), Vec<Site>>,
    out: &mut Vec<Diagnostic>,
) {
    for ((provider, name), mut sites) in groups {
        if sites.len() < 2 {
            continue;
        }
        sites.sort_by(|a, b| {
            (&ws.file(a.file).path, a.doc_index).cmp(&(&ws.file(b.file).path, b.doc_index))
        });
        let first = &sites[0];
        let first_file = ws.file(first.file);
        let (line, col) = first_file.line_col(first.span.start);
        for dup in &sites[1..] {
            let within = if scope.is_empty() {
                String::new()
            } else {
                format!(" of provider `{provider}`")
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
                if scope.is_empty() {
                    ""
                } else {
                    " per provider"
                }
            ));
            out.push(d);
        }
    }
}

fn check(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    let ws = ctx.ws;
    let mut providers: HashMap<(&str, &str), Vec<Site>> = HashMap::new();
    for p in &ws.providers {
        providers
            .entry(("", &p.doc.metadata.name))
            .or_default()
            .push(site(p));
    }
    report(ws, "Provider", "", providers, out);
    let mut profiles: HashMap<(&str, &str), Vec<Site>> = HashMap::new();
    for p in &ws.profiles {
        profiles
            .entry((&p.doc.spec.provider, &p.doc.metadata.name))
            .or_default()
            .push(site(p));
    }
    report(ws, "AuthProfile", "provider", profiles, out);
    let mut actions: HashMap<(&str, &str), Vec<Site>> = HashMap::new();
    for a in &ws.actions {
        actions
            .entry((&a.doc.spec.provider, &a.doc.metadata.name))
            .or_default()
            .push(site(a));
    }
    report(ws, "Action", "provider", actions, out);
}
