//! ## What it does
//! Checks every pair of an authorization profile and an action of the same provider for
//! an authorization field (`spec.fields`) that the action's request would carry where
//! the API rejects it: in the querystring, or in the JSON body, of an action whose
//! `strict` (or, when the action says nothing, the provider's) marks that part as
//! checked, under a key the action's `accepts` list does not admit.
//!
//! Header fields are not checked, and body fields only count for actions that send a
//! JSON body. An action whose `accepts` does not list a part is not checked there.
//! There is one finding per rejecting action, or one for the whole field when more than
//! ten actions reject it.
//!
//! ## Why is this bad?
//! An authorization field is sent with every request of its provider unless `except:`
//! or `only:` limits it. HighLevel validates request bodies against a whitelist, and the
//! querystring of Update Contact (`PUT /contacts/{contactId}`) too, and answers anything
//! undeclared with `422 {"message":["property locationId should not exist"]}`. The
//! profile works for every other action, so the mistake survives until someone updates
//! a contact.
//!
//! ## Example
//! ```yaml
//! # profiles/highlevel.yaml; the action update_contact has
//! # `strict: { query: true }` and `accepts: { query: [] }`
//! fields:
//!   - in: query
//!     key: locationId
//!     value: "{{ token.locationId }}"
//! ```
//!
//! ## Use instead
//! ```yaml
//! fields:
//!   - in: query
//!     key: locationId
//!     value: "{{ token.locationId }}"
//!     except: [update_contact]
//! ```
//!
//! ## Fix safety
//! The fix adds the action to the field's `except:` list (creating it when the field has
//! neither list), or removes it from the field's `only:` list. It only stops sending the
//! field where the API would refuse the whole request, so it is safe.

use std::collections::HashMap;

use integ_spec::{
    Action, AuthField, AuthProfile, Diagnostic, FieldLocation, Fix, Loaded, Severity,
};

use crate::context::{LintContext, ProviderIndex};
use crate::edit;
use crate::rule::Rule;

pub const RULE: Rule = Rule {
    id: "auth-field-rejected",
    default_severity: Severity::Error,
    summary: "an auth field is sent in the query or body of an action that rejects it",
    fixable: true,
    source: include_str!("auth_field_rejected.rs"),
    check: Some(check),
};

/// The keys a strict part of a request admits; `None` when that part is not checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Gate<'w> {
    query: Option<Vec<&'w str>>,
    body: Option<Vec<&'w str>>,
}

impl Gate<'_> {
    fn admits(&self, location: FieldLocation, key: &str) -> bool {
        let accepted = match location {
            FieldLocation::Query => &self.query,
            FieldLocation::Body => &self.body,
            FieldLocation::Header => return true,
        };
        accepted
            .as_ref()
            .is_none_or(|keys| keys.binary_search(&key).is_ok())
    }
}

/// The accepted keys of each part of `action` that the API checks: `None` where the
/// part is not strict, the action does not say what it accepts, or (body) it sends no
/// JSON body.
type RawGate<'w> = (Option<&'w [String]>, Option<&'w [String]>);

fn raw_gate<'w>(provider: &ProviderIndex<'w>, action: &'w Loaded<Action>) -> RawGate<'w> {
    let spec = &action.doc.spec;
    let inherited = provider.provider.map(|p| &p.doc.spec.strict);
    let query_strict = spec
        .strict
        .query
        .or(inherited.and_then(|s| s.query))
        .unwrap_or(false);
    let body_strict = spec
        .strict
        .body
        .or(inherited.and_then(|s| s.body))
        .unwrap_or(false);
    let accepts = &spec.request.accepts;
    (
        accepts.query.as_deref().filter(|_| query_strict),
        accepts
            .body
            .as_deref()
            .filter(|_| body_strict && spec.request.body.is_some()),
    )
}

fn sorted(keys: Option<&[String]>) -> Option<Vec<&str>> {
    keys.map(|k| {
        let mut v: Vec<&str> = k.iter().map(String::as_str).collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

fn check(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for provider in &ctx.providers {
        check_provider(ctx, provider, out);
    }
}

/// Actions with the same gate behave the same for every field, so each distinct field
/// (location, key, except/only) is checked once per gate, not once per action, and the
/// answer is shared by every profile that has that field.
fn check_provider(ctx: &LintContext<'_>, provider: &ProviderIndex<'_>, out: &mut Vec<Diagnostic>) {
    if provider.profiles.is_empty() || provider.actions.is_empty() {
        return;
    }
    let mut gates: Vec<(Gate<'_>, Vec<usize>)> = Vec::new();
    let mut gate_ids: HashMap<Gate<'_>, usize> = HashMap::new();
    // Most actions repeat a few `accepts` lists verbatim: sort each distinct list once.
    let mut raw_ids: HashMap<RawGate<'_>, usize> = HashMap::new();
    let mut gate_of_action = vec![usize::MAX; provider.actions.len()];
    for (i, action) in provider.actions.iter().enumerate() {
        let raw = raw_gate(provider, action);
        if raw == (None, None) {
            continue;
        }
        let id = *raw_ids.entry(raw).or_insert_with(|| {
            let gate = Gate {
                query: sorted(raw.0),
                body: sorted(raw.1),
            };
            *gate_ids.entry(gate.clone()).or_insert_with(|| {
                gates.push((gate, Vec::new()));
                gates.len() - 1
            })
        });
        gates[id].1.push(i);
        gate_of_action[i] = id;
    }
    if gates.is_empty() {
        return;
    }

    type FieldKey<'a> = (
        FieldLocation,
        &'a str,
        Option<&'a [String]>,
        Option<&'a [String]>,
    );
    let mut verdicts: HashMap<FieldKey<'_>, Vec<usize>> = HashMap::new();
    for profile in &provider.profiles {
        for (fi, field) in profile.doc.spec.fields.iter().enumerate() {
            if field.location == FieldLocation::Header {
                continue;
            }
            let key = (
                field.location,
                field.key.as_str(),
                field.except.as_deref(),
                field.only.as_deref(),
            );
            let rejecting = verdicts
                .entry(key)
                .or_insert_with(|| rejecting_actions(provider, &gates, &gate_of_action, field));
            if rejecting.is_empty() {
                continue;
            }
            report(ctx, provider, profile, fi, field, rejecting, out);
        }
    }
}

/// Positions (in `provider.actions`) of the actions that would receive `field` and
/// reject it, in file order.
fn rejecting_actions(
    provider: &ProviderIndex<'_>,
    gates: &[(Gate<'_>, Vec<usize>)],
    gate_of_action: &[usize],
    field: &AuthField,
) -> Vec<usize> {
    let rejects = |i: usize| {
        let g = gate_of_action[i];
        g != usize::MAX && !gates[g].0.admits(field.location, &field.key)
    };
    let mut found = Vec::new();
    if let Some(only) = &field.only {
        for name in only {
            for i in provider.actions_named(name) {
                if rejects(i) && !found.contains(&i) {
                    found.push(i);
                }
            }
        }
    } else {
        let except: std::collections::HashSet<&str> =
            field.except.iter().flatten().map(String::as_str).collect();
        for (gate, actions) in gates {
            if gate.admits(field.location, &field.key) {
                continue;
            }
            found.extend(
                actions
                    .iter()
                    .copied()
                    .filter(|&i| !except.contains(provider.actions[i].doc.metadata.name.as_str())),
            );
        }
    }
    found.sort_unstable();
    found
}

/// Above this many rejecting actions, a field gets one finding naming the count.
const MAX_FINDINGS_PER_FIELD: usize = 10;

fn report(
    ctx: &LintContext<'_>,
    provider: &ProviderIndex<'_>,
    profile: &Loaded<AuthProfile>,
    field_index: usize,
    field: &AuthField,
    rejecting: &[usize],
    out: &mut Vec<Diagnostic>,
) {
    let field_ptr = format!("/spec/fields/{field_index}");
    let span = profile.span_of(&format!("{field_ptr}/in")).value;
    let names: Vec<&str> = rejecting
        .iter()
        .map(|&i| provider.actions[i].doc.metadata.name.as_str())
        .collect();
    let fix = fix(ctx, profile, &field_ptr, field, &names);
    let (part, where_) = match field.location {
        FieldLocation::Query => ("query", "querystring"),
        _ => ("body", "JSON body"),
    };
    if rejecting.len() > MAX_FINDINGS_PER_FIELD {
        // One finding for the field, not one per action: a field sent everywhere on a
        // provider with many strict actions would otherwise bury every other finding.
        let mut d = RULE.diagnostic(
            profile.file,
            span,
            format!(
                "auth field `{key}` is sent in the {where_} of {n} actions that reject it ({list}): \
                 the API answers `422 property {key} should not exist`",
                key = field.key,
                n = names.len(),
                list = crate::util::name_list(&names, 3),
            ),
        );
        d.label = Some(format!(
            "`{}` goes into the {part} of {} actions here",
            field.key,
            names.len()
        ));
        d.help = Some(if field.only.is_some() {
            "remove those actions from this field's `only:` list".to_string()
        } else {
            "add those actions to this field's `except:` list (or use `only:` to list where it belongs)"
                .to_string()
        });
        d.fix = fix;
        out.push(d);
        return;
    }
    for &i in rejecting {
        let action = &provider.actions[i].doc;
        let name = action.metadata.name.as_str();
        let title = action
            .metadata
            .title
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default();
        let accepted = match field.location {
            FieldLocation::Query => action
                .spec
                .request
                .accepts
                .query
                .as_deref()
                .unwrap_or_default(),
            _ => action
                .spec
                .request
                .accepts
                .body
                .as_deref()
                .unwrap_or_default(),
        };
        let mut d = RULE.diagnostic(
            profile.file,
            span,
            format!(
                "auth field `{key}` is sent in the {where_} of action `{name}`{title}, which rejects it: \
                 the API answers `422 property {key} should not exist`",
                key = field.key
            ),
        );
        d.label = Some(format!(
            "`{}` goes into the {part} of `{name}` here",
            field.key
        ));
        let how = if field.only.is_some() {
            format!("remove `{name}` from this field's `only:` list")
        } else {
            format!("add `{name}` to this field's `except:` list")
        };
        d.help = Some(if accepted.is_empty() {
            format!(
                "{how}; `{name}` accepts no {part} {}",
                if part == "query" {
                    "parameters"
                } else {
                    "properties"
                }
            )
        } else {
            format!(
                "{how}; `{name}` accepts only {} in its {part}",
                crate::util::name_list(&accepted.iter().map(String::as_str).collect::<Vec<_>>(), 6)
            )
        });
        d.fix = fix.clone();
        out.push(d);
    }
}

/// One fix per field, covering every action that rejects it, so applying any of the
/// field's findings repairs all of them in one pass.
fn fix(
    ctx: &LintContext<'_>,
    profile: &Loaded<AuthProfile>,
    field_ptr: &str,
    field: &AuthField,
    names: &[&str],
) -> Option<Fix> {
    let text = ctx.text(profile);
    let listed = crate::util::name_list(names, 3);
    if let Some(only) = &field.only {
        let remove: Vec<usize> = only
            .iter()
            .enumerate()
            .filter(|(_, n)| names.contains(&n.as_str()))
            .map(|(i, _)| i)
            .collect();
        let edits =
            edit::remove_from_sequence(text, profile, &format!("{field_ptr}/only"), &remove)?;
        return Some(Fix {
            title: format!("remove {listed} from `only:`"),
            edits,
        });
    }
    let e = if field.except.is_some() {
        edit::append_to_sequence(text, profile, &format!("{field_ptr}/except"), names)?
    } else {
        edit::add_mapping_entry(
            text,
            profile,
            field_ptr,
            &["in", "key", "value"],
            "except",
            &format!(
                "[{}]",
                names
                    .iter()
                    .map(|n| edit::scalar(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )?
    };
    Some(Fix {
        title: format!("add {listed} to `except:`"),
        edits: vec![e],
    })
}
