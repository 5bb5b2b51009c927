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
use integ_spec::{AuthField, Diagnostic, Loaded, Severity};

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

/// What a template may name, per scope; `Unknown` when it cannot be known (nothing is
/// checked). Everything is borrowed: no allocation per document, only per finding.
#[derive(Clone, Copy)]
enum Names<'a> {
    Unknown,
    /// The `properties` of an input schema (`None`: it declares none).
    Properties(Option<&'a serde_json::Map<String, serde_json::Value>>),
    List(&'a [String]),
    Keys(&'a [AuthField]),
    Set(&'a HashSet<&'a str>),
}

impl<'a> Names<'a> {
    fn has(self, name: &str) -> Option<bool> {
        match self {
            Names::Unknown => None,
            Names::Properties(p) => Some(p.is_some_and(|p| p.contains_key(name))),
            Names::List(l) => Some(l.iter().any(|n| n == name)),
            Names::Keys(f) => Some(f.iter().any(|f| f.key == name)),
            Names::Set(s) => Some(s.contains(name)),
        }
    }

    fn all(self) -> Vec<&'a str> {
        let mut v: Vec<&str> = match self {
            Names::Unknown | Names::Properties(None) => Vec::new(),
            Names::Properties(Some(p)) => p.keys().map(String::as_str).collect(),
            Names::List(l) => l.iter().map(String::as_str).collect(),
            Names::Keys(f) => f.iter().map(|f| f.key.as_str()).collect(),
            Names::Set(s) => s.iter().copied().collect(),
        };
        v.sort_unstable();
        v.dedup();
        v
    }
}

struct Declared<'a> {
    inputs: Names<'a>,
    token: Names<'a>,
    fields: Names<'a>,
    /// Where `fields` come from, for the message.
    fields_from: &'a str,
}

impl<'a> Declared<'a> {
    fn names(&self, scope: Scope) -> Names<'a> {
        match scope {
            Scope::Inputs => self.inputs,
            Scope::Token => self.token,
            Scope::Fields => self.fields,
        }
    }
}

/// The properties an action's `input` schema declares; `Unknown` when the schema is
/// built from parts (`$ref`, `allOf`, ...) or admits more than it lists.
fn declared_inputs(input: &serde_json::Value) -> Names<'_> {
    let Some(obj) = input.as_object() else {
        return Names::Unknown;
    };
    if ["$ref", "allOf", "anyOf", "oneOf", "patternProperties"]
        .iter()
        .any(|k| obj.contains_key(*k))
    {
        return Names::Unknown;
    }
    if obj
        .get("additionalProperties")
        .is_some_and(|a| a != &serde_json::Value::Bool(false))
    {
        return Names::Unknown;
    }
    Names::Properties(obj.get("properties").and_then(|p| p.as_object()))
}

fn token_fields<'a>(group: Option<&ProviderIndex<'a>>) -> Names<'a> {
    match group
        .and_then(|g| g.provider)
        .and_then(|p| p.doc.spec.auth.oauth2.as_ref())
    {
        Some(o) => Names::List(&o.token_fields),
        None => Names::Unknown,
    }
}

/// Who holds the template, for messages.
#[derive(Clone, Copy)]
enum Owner<'a> {
    Action(&'a str),
    Profile,
    Provider,
}

fn check_string<T>(
    doc: &Loaded<T>,
    text: &str,
    ptr: &dyn Fn() -> String,
    value: &str,
    declared: &Declared<'_>,
    owner: Owner<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(t) = super::parse_template(value) else {
        return;
    };
    for r in t.references() {
        let Some(first) = r.path.first() else {
            continue;
        };
        let names = declared.names(r.scope);
        if names.has(first) != Some(false) {
            continue;
        }
        let span = span_in_string(text, doc.span_of(&ptr()).value, value, r.range.clone());
        let (what, where_) = match (r.scope, owner) {
            (Scope::Inputs, Owner::Action(name)) => {
                ("input", format!("the `input` schema of action `{name}`"))
            }
            (Scope::Inputs, _) => ("input", "an action's `input` schema".to_string()),
            (Scope::Token, _) => (
                "token field",
                "the provider's `auth.oauth2.tokenFields`".to_string(),
            ),
            (Scope::Fields, _) => ("auth field", declared.fields_from.to_string()),
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
        let all = names.all();
        d.help = Some(match all.iter().find(|n| close_to(first, n)) {
            Some(n) => format!("did you mean `{}.{n}`?", r.scope.as_str()),
            None if all.is_empty() => {
                format!("declare `{first}` first; nothing is declared there yet")
            }
            None => format!(
                "declare `{first}`, or use one of: {}",
                crate::util::name_list(&all, 8)
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
        let all_fields: HashSet<&str> = group
            .profiles
            .iter()
            .flat_map(|p| p.doc.spec.fields.iter().map(|f| f.key.as_str()))
            .collect();
        let fields_from = format!("the `fields` of any profile of provider `{}`", group.name);
        let action_fields = if group.profiles.is_empty() {
            Names::Unknown
        } else {
            Names::Set(&all_fields)
        };

        for action in &group.actions {
            if !loaded {
                unknown_provider(action, &action.doc.spec.provider, out);
            }
            let declared = Declared {
                inputs: declared_inputs(&action.doc.spec.input),
                token,
                fields: action_fields,
                fields_from: &fields_from,
            };
            let text = ctx.text(action);
            let owner = Owner::Action(&action.doc.metadata.name);
            super::for_each_request_string(&action.doc, |ptr, value| {
                check_string(
                    action,
                    text,
                    &|| ptr.to_string(),
                    value,
                    &declared,
                    owner,
                    out,
                );
            });
        }

        for profile in &group.profiles {
            if !loaded {
                unknown_provider(profile, &profile.doc.spec.provider, out);
            }
            let fields = &profile.doc.spec.fields;
            let declared = Declared {
                inputs: Names::Unknown,
                token,
                fields: Names::Keys(fields),
                fields_from: "this profile's `fields`",
            };
            let text = ctx.text(profile);
            for (i, field) in fields.iter().enumerate() {
                let ptr = || format!("/spec/fields/{i}/value");
                check_string(
                    profile,
                    text,
                    &ptr,
                    &field.value,
                    &declared,
                    Owner::Profile,
                    out,
                );
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
                        let close = group.action_names().find(|a| close_to(name, a));
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
            inputs: Names::Unknown,
            token: token_fields(group),
            fields: Names::Unknown,
            fields_from: "",
        };
        let text = ctx.text(provider);
        for (k, v) in &provider.doc.spec.headers {
            let ptr = || crate::util::pointer("/spec/headers", k);
            check_string(provider, text, &ptr, v, &declared, Owner::Provider, out);
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
