//! ## What it does
//! Checks that every name a spec refers to is declared:
//! - `{{ inputs.x }}` in an action's request: `x` is a property of its `input` schema;
//! - `{{ token.x }}` anywhere: `x` is one of the provider's `auth.oauth2.tokenFields`;
//! - `{{ fields.x }}` in an action: some profile of the provider has an auth field with
//!   key `x` (in a profile: the profile itself has one);
//! - `spec.provider` of a profile or action names a loaded provider;
//! - the action names in an auth field's `except:` / `only:` are actions of the provider.
//!
//! ## Why is this bad?
//! A reference to nothing renders as nothing, or fails, only when the request is sent:
//! a misspelt input silently drops a property, and a misspelt action in `except:` keeps
//! sending the field to the action it was meant to spare.
//!
//! ## Example
//! ```yaml
//! input:
//!   properties:
//!     contactId: { type: string }
//! request:
//!   path: /contacts/{{ inputs.contactID }}
//! ```
//!
//! ## Use instead
//! ```yaml
//! input:
//!   properties:
//!     contactId: { type: string }
//! request:
//!   path: /contacts/{{ inputs.contactId }}
//! ```

use std::collections::HashSet;

use integ_spec::template::{Scope, close_to};
use integ_spec::{Diagnostic, Loaded, Severity};

use crate::context::{LintContext, ProviderIndex};
use crate::rule::Rule;
use crate::util::span_in_string;

pub const RULE: Rule = Rule {
    id: "unknown-reference",
    default_severity: Severity::Error,
    summary: "a template, provider or action name refers to something not declared",
    fixable: false,
    source: include_str!("unknown_reference.rs"),
    check: Some(check),
};

/// Names declared for a scope; `None` when they cannot be known (nothing to check).
struct Declared<'a> {
    inputs: Option<Vec<&'a str>>,
    token: Option<Vec<&'a str>>,
    fields: Option<HashSet<&'a str>>,
}

impl Declared<'_> {
    fn names(&self, scope: Scope) -> Option<Vec<&str>> {
        match scope {
            Scope::Inputs => self.inputs.clone(),
            Scope::Token => self.token.clone(),
            Scope::Fields => self.fields.as_ref().map(|f| {
                let mut v: Vec<&str> = f.iter().copied().collect();
                v.sort_unstable();
                v
            }),
        }
    }

    fn has(&self, scope: Scope, name: &str) -> Option<bool> {
        match scope {
            Scope::Inputs => self.inputs.as_ref().map(|v| v.contains(&name)),
            Scope::Token => self.token.as_ref().map(|v| v.contains(&name)),
            Scope::Fields => self.fields.as_ref().map(|v| v.contains(name)),
        }
    }
}

/// The properties an action's `input` schema declares; `None` when the schema is built
/// from parts (`$ref`, `allOf`, ...) that this rule does not follow.
pub(crate) fn declared_inputs(input: &serde_json::Value) -> Option<Vec<&str>> {
    let obj = input.as_object()?;
    if ["$ref", "allOf", "anyOf", "oneOf", "patternProperties"]
        .iter()
        .any(|k| obj.contains_key(*k))
    {
        return None;
    }
    if obj
        .get("additionalProperties")
        .is_some_and(|a| a != &serde_json::Value::Bool(false))
    {
        return None;
    }
    Some(
        obj.get("properties")
            .and_then(|p| p.as_object())
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default(),
    )
}

fn token_fields<'a>(group: Option<&ProviderIndex<'a>>) -> Option<Vec<&'a str>> {
    let provider = group?.provider?;
    let o = provider.doc.spec.auth.oauth2.as_ref()?;
    Some(o.token_fields.iter().map(String::as_str).collect())
}

fn check_string<T>(
    doc: &Loaded<T>,
    text: &str,
    ptr: &str,
    value: &str,
    declared: &Declared<'_>,
    owner: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(t) = super::parse_template(value) else {
        return;
    };
    for r in t.references() {
        let Some(first) = r.path.first() else {
            continue;
        };
        if declared.has(r.scope, first) != Some(false) {
            continue;
        }
        let span = span_in_string(text, doc.span_of(ptr).value, value, r.range.clone());
        let (what, where_) = match r.scope {
            Scope::Inputs => ("input", format!("the `input` schema of {owner}")),
            Scope::Token => (
                "token field",
                "the provider's `auth.oauth2.tokenFields`".to_string(),
            ),
            Scope::Fields => ("auth field", format!("any profile of {owner}")),
        };
        let mut d = RULE.diagnostic(
            doc.file,
            span,
            format!(
                "`{{{{ {} }}}}` names {what} `{first}`, which is not declared in {where_}",
                r.dotted()
            ),
        );
        d.label = Some(format!("unknown {what}"));
        let names = declared.names(r.scope).unwrap_or_default();
        d.help = Some(match names.iter().find(|n| close_to(first, n)) {
            Some(n) => format!("did you mean `{}.{n}`?", r.scope.as_str()),
            None if names.is_empty() => {
                format!("declare `{first}` first; nothing is declared there yet")
            }
            None => format!(
                "declare `{first}`, or use one of: {}",
                crate::util::name_list(&names, 8)
            ),
        });
        out.push(d);
    }
}

fn check(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for group in &ctx.providers {
        let loaded = group.provider.is_some();
        let token = token_fields(Some(group));
        // Field keys of every profile, for `{{ fields.x }}` in actions; unknown without profiles.
        let all_fields: Option<HashSet<&str>> = (!group.profiles.is_empty()).then(|| {
            group
                .profiles
                .iter()
                .flat_map(|p| p.doc.spec.fields.iter().map(|f| f.key.as_str()))
                .collect()
        });

        for action in &group.actions {
            if !loaded {
                unknown_provider(action, &action.doc.spec.provider, out);
            }
            let declared = Declared {
                inputs: declared_inputs(&action.doc.spec.input),
                token: token.clone(),
                fields: all_fields.clone(),
            };
            let text = ctx.text(action);
            let owner = format!("action `{}`", action.doc.metadata.name);
            super::for_each_request_string(&action.doc, |ptr, value| {
                check_string(action, text, ptr, value, &declared, &owner, out);
            });
        }

        for profile in &group.profiles {
            if !loaded {
                unknown_provider(profile, &profile.doc.spec.provider, out);
            }
            let fields = &profile.doc.spec.fields;
            let declared = Declared {
                inputs: None,
                token: token.clone(),
                fields: Some(fields.iter().map(|f| f.key.as_str()).collect()),
            };
            let text = ctx.text(profile);
            let owner = format!("profile `{}`", profile.doc.metadata.name);
            for (i, field) in fields.iter().enumerate() {
                let ptr = format!("/spec/fields/{i}/value");
                check_string(profile, text, &ptr, &field.value, &declared, &owner, out);
                if group.actions.is_empty() {
                    continue; // no actions loaded: their names cannot be checked
                }
                for (list, names) in [("except", &field.except), ("only", &field.only)] {
                    for (j, name) in names.iter().flatten().enumerate() {
                        if group.has_action(name) {
                            continue;
                        }
                        let ptr = format!("/spec/fields/{i}/{list}/{j}");
                        let mut d = RULE.diagnostic(
                            profile.file,
                            profile.span_of(&ptr).value,
                            format!("`{list}:` names action `{name}`, which provider `{}` does not have", group.name),
                        );
                        d.label = Some("unknown action".to_string());
                        let close = group
                            .action_by_name
                            .keys()
                            .filter(|a| close_to(name, a))
                            .min();
                        d.help = Some(match close {
                            Some(a) => format!("did you mean `{a}`?"),
                            None => "name an action by its `metadata.name`".to_string(),
                        });
                        out.push(d);
                    }
                }
            }
        }
    }
    for provider in &ctx.ws.providers {
        let group = ctx.provider(&provider.doc.metadata.name);
        let declared = Declared {
            inputs: None,
            token: token_fields(group),
            fields: None,
        };
        let text = ctx.text(provider);
        for (k, v) in &provider.doc.spec.headers {
            let ptr = crate::util::pointer("/spec/headers", k);
            check_string(provider, text, &ptr, v, &declared, "the provider", out);
        }
    }
}

fn unknown_provider<T>(doc: &Loaded<T>, name: &str, out: &mut Vec<Diagnostic>) {
    let mut d = RULE.diagnostic(
        doc.file,
        doc.span_of("/spec/provider").value,
        format!("provider `{name}` is not declared in the linted files"),
    );
    d.label = Some("unknown provider".to_string());
    d.help = Some("lint the provider's file together with this one, or fix the name".to_string());
    out.push(d);
}
