//! ## What it does
//! Checks that every authorization profile of a provider asks for every OAuth scope that
//! the provider's actions declare in their `scopes`.
//!
//! ## Why is this bad?
//! A token carries only the scopes the profile asked for when it was authorized. An
//! action needing another one fails at run time (HighLevel answers
//! `401 The token is not authorized for this scope.`), and fixing it means authorizing
//! again, for every user of the profile.
//!
//! ## Example
//! ```yaml
//! # profile; the action update_contact has `scopes: [contacts.write]`
//! oauth2:
//!   scopes: [contacts.readonly]
//! ```
//!
//! ## Use instead
//! ```yaml
//! oauth2:
//!   scopes: [contacts.readonly, contacts.write]
//! ```

use std::collections::HashMap;

use integ_spec::{Diagnostic, Severity};

use crate::context::LintContext;
use crate::rule::Rule;
use crate::util::name_list;

pub const RULE: Rule = Rule {
    id: "scope-missing",
    default_severity: Severity::Error,
    summary: "a profile lacks an OAuth scope that an action of its provider needs",
    fixable: false,
    source: include_str!("scope_missing.rs"),
    check: Some(check),
};

fn check(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for provider in &ctx.providers {
        // scope -> the actions that need it, in the order scopes are first seen.
        let mut needed: Vec<(&str, Vec<&str>)> = Vec::new();
        let mut position: HashMap<&str, usize> = HashMap::new();
        for action in &provider.actions {
            for scope in &action.doc.spec.scopes {
                let i = *position.entry(scope).or_insert_with(|| {
                    needed.push((scope, Vec::new()));
                    needed.len() - 1
                });
                let names = &mut needed[i].1;
                let name = action.doc.metadata.name.as_str();
                if names.last() != Some(&name) {
                    names.push(name);
                }
            }
        }
        if needed.is_empty() {
            continue;
        }
        for profile in &provider.profiles {
            let Some(oauth2) = &profile.doc.spec.oauth2 else {
                continue;
            };
            let have = &oauth2.scopes;
            // Looked up only when something is missing: most profiles have every scope.
            let span = || match profile.spans.get("/spec/oauth2/scopes") {
                Some(s) => s.value,
                None => {
                    let s = profile.span_of("/spec/oauth2");
                    s.key.unwrap_or(s.value)
                }
            };
            for (scope, actions) in &needed {
                if have.iter().any(|s| s == scope) {
                    continue;
                }
                let mut d = RULE.diagnostic(
                    profile.file,
                    span(),
                    format!(
                        "profile `{}` does not ask for scope `{scope}`, which {}",
                        profile.doc.metadata.name,
                        if actions.len() == 1 {
                            format!("action `{}` needs", actions[0])
                        } else {
                            format!("{} actions need ({})", actions.len(), name_list(actions, 3))
                        },
                    ),
                );
                d.label = Some(format!("`{scope}` is missing here"));
                d.help = Some(format!(
                    "add `{scope}` to `oauth2.scopes` and authorize the profile again (`integ auth login --profile {}`)",
                    profile.doc.metadata.name
                ));
                out.push(d);
            }
        }
    }
}
