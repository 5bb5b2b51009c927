//! ## What it does
//! Checks the headers a provider requires on every request (all of its `headers`):
//! none may be empty, no action (`request.headers`) or header auth field may override
//! one with an empty value, and a provider whose API is known to need a header (the
//! HighLevel API at `services.leadconnectorhq.com` needs `Version`) must declare it.
//! Header names compare case-insensitively.
//!
//! ## Why is this bad?
//! HighLevel answers requests without a valid `Version` header with an error, before it
//! looks at anything else; an empty override turns a working provider into a broken
//! action that only fails when it runs.
//!
//! ## Example
//! ```yaml
//! # provider: headers: { Version: "2021-07-28" }
//! request:
//!   method: GET
//!   path: /contacts/{{ inputs.contactId }}
//!   headers:
//!     version: ""
//! ```
//!
//! ## Use instead
//! ```yaml
//! request:
//!   method: GET
//!   path: /contacts/{{ inputs.contactId }}
//! ```

use integ_spec::{Diagnostic, FieldLocation, Severity};

use crate::context::LintContext;
use crate::rule::Rule;
use crate::util::{key_span, parse_url, pointer};

pub const RULE: Rule = Rule {
    id: "missing-required-header",
    default_severity: Severity::Error,
    summary: "a provider-required header (HighLevel `Version`) is missing, empty or overridden away",
    fixable: false,
    source: include_str!("missing_required_header.rs"),
    check: Some(check),
};

/// APIs known to require a header on every request, by the host of the base URL.
const KNOWN_REQUIRED: &[(&str, &str, &str)] =
    &[("services.leadconnectorhq.com", "Version", "2021-07-28")];

fn check(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for group in &ctx.providers {
        let Some(provider) = group.provider else {
            continue;
        };
        let headers = &provider.doc.spec.headers;
        let host = parse_url(&provider.doc.spec.base_url)
            .map(|u| u.host)
            .unwrap_or_default();
        for (known_host, name, example) in KNOWN_REQUIRED {
            if host == *known_host && !headers.keys().any(|k| k.eq_ignore_ascii_case(name)) {
                let ptr = if provider.spans.get("/spec/headers").is_some() {
                    "/spec/headers"
                } else {
                    "/spec/baseUrl"
                };
                let mut d = RULE.diagnostic(
                    provider.file,
                    key_span(provider, ptr),
                    format!("provider `{}` does not send the `{name}` header that `{known_host}` requires", group.name),
                );
                d.label = Some(format!("`{name}` is missing"));
                d.help = Some(format!("add `{name}: \"{example}\"` under `headers`"));
                out.push(d);
            }
        }
        for (name, value) in headers {
            if value.trim().is_empty() {
                let mut d = RULE.diagnostic(
                    provider.file,
                    provider.span_of(&pointer("/spec/headers", name)).value,
                    format!(
                        "required header `{name}` of provider `{}` is empty",
                        group.name
                    ),
                );
                d.label = Some("empty".to_string());
                d.help = Some(format!(
                    "give `{name}` its value, or remove it if the API does not need it"
                ));
                out.push(d);
            }
        }
        let required = |k: &str| {
            headers
                .iter()
                .find(|(h, v)| h.eq_ignore_ascii_case(k) && !v.trim().is_empty())
        };
        for action in &group.actions {
            for (name, value) in &action.doc.spec.request.headers {
                if !value.trim().is_empty() {
                    continue;
                }
                let Some((req, req_value)) = required(name) else {
                    continue;
                };
                let mut d = RULE.diagnostic(
                    action.file,
                    action.span_of(&pointer("/spec/request/headers", name)).value,
                    format!(
                        "action `{}` overrides the required header `{req}` of provider `{}` with an empty value",
                        action.doc.metadata.name, group.name
                    ),
                );
                d.label = Some("removes a required header".to_string());
                d.help = Some(format!(
                    "remove this override so the provider's `{req}: {req_value}` is sent"
                ));
                out.push(d);
            }
        }
        for profile in &group.profiles {
            for (i, field) in profile.doc.spec.fields.iter().enumerate() {
                if field.location != FieldLocation::Header || !field.value.trim().is_empty() {
                    continue;
                }
                let Some((req, _)) = required(&field.key) else {
                    continue;
                };
                let mut d = RULE.diagnostic(
                    profile.file,
                    profile.span_of(&format!("/spec/fields/{i}/value")).value,
                    format!(
                        "auth field of profile `{}` overrides the required header `{req}` with an empty value",
                        profile.doc.metadata.name
                    ),
                );
                d.label = Some("removes a required header".to_string());
                d.help = Some("remove this field, or give it a value".to_string());
                out.push(d);
            }
        }
    }
}
