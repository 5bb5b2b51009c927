//! ## What it does
//! Checks that every property of an action's `input` schema is used by at least one
//! template (`{{ inputs.x }}`) of its request: the path, a query value, a header or the
//! body.
//!
//! ## Why is this bad?
//! An input nobody reads is accepted and validated, then silently dropped: the caller
//! believes it set a property that never reaches the API. Usually the template that
//! should use it is missing, or misspelt.
//!
//! ## Example
//! ```yaml
//! input:
//!   properties:
//!     contactId: { type: string }
//!     email: { type: string }
//! request:
//!   method: PUT
//!   path: /contacts/{{ inputs.contactId }}
//! ```
//!
//! ## Use instead
//! ```yaml
//! input:
//!   properties:
//!     contactId: { type: string }
//!     email: { type: string }
//! request:
//!   method: PUT
//!   path: /contacts/{{ inputs.contactId }}
//!   body:
//!     email: "{{ inputs.email }}"
//! ```

use std::collections::HashSet;

use integ_spec::template::Scope;
use integ_spec::{Diagnostic, Severity};

use crate::context::LintContext;
use crate::rule::Rule;
use crate::util::{key_span, pointer};

pub const RULE: Rule = Rule {
    id: "unused-input",
    default_severity: Severity::Warning,
    summary: "an input of an action is used by no template",
    fixable: false,
    source: include_str!("unused_input.rs"),
    check: Some(check),
};

fn check(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for action in &ctx.ws.actions {
        let Some(props) = action
            .doc
            .spec
            .input
            .get("properties")
            .and_then(|p| p.as_object())
        else {
            continue;
        };
        if props.is_empty() {
            continue;
        }
        let mut used: HashSet<String> = HashSet::new();
        super::for_each_request_string(&action.doc, |_, value| {
            if let Some(t) = super::parse_template(value) {
                for r in t.references().filter(|r| r.scope == Scope::Inputs) {
                    if let Some(first) = r.path.first() {
                        used.insert(first.clone());
                    }
                }
            }
        });
        for name in props.keys() {
            if used.contains(name) {
                continue;
            }
            let ptr = pointer("/spec/input/properties", name);
            let mut d = RULE.diagnostic(
                action.file,
                key_span(action, &ptr),
                format!(
                    "input `{name}` of action `{}` is used by no template of its request",
                    action.doc.metadata.name
                ),
            );
            d.label = Some("never sent".to_string());
            d.help = Some(format!(
                "use it (e.g. `{{{{ inputs.{name} }}}}` in the path, query or body), or remove it from `input.properties`"
            ));
            out.push(d);
        }
    }
}
