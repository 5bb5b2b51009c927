//! ## What it does
//! Checks that secrets are read from the environment (`${env:NAME}`) instead of being
//! written into the spec: a profile's `oauth2.clientSecret` and `oauth2.refreshToken`,
//! and any header, query or body value (provider headers, action headers, authorization
//! fields) whose key names a credential (`Authorization`, or a key containing `secret`,
//! `token`, `password` or `api-key`) and that is a literal.
//!
//! ## Why is this bad?
//! Spec files live in git, are copied into bundles and printed in CI logs. A secret
//! written there is leaked to everyone who can read any of them, and rotating it means
//! finding every copy.
//!
//! ## Example
//! ```yaml
//! oauth2:
//!   clientId: ${env:HL_CLIENT_ID}
//!   clientSecret: 3f0c9a77-5b1e-4c39-a1f2-0d9e8c1b2a44
//! ```
//!
//! ## Use instead
//! ```yaml
//! oauth2:
//!   clientId: ${env:HL_CLIENT_ID}
//!   clientSecret: ${env:HL_CLIENT_SECRET}
//! ```
//!
//! Reports never repeat the secret: the human output masks it in the YAML it shows.

use integ_spec::template::Part;
use integ_spec::{Diagnostic, FileId, Loaded, Severity};

use crate::context::LintContext;
use crate::rule::Rule;
use crate::util::pointer;

pub const RULE: Rule = Rule {
    id: "plaintext-secret",
    default_severity: Severity::Error,
    summary: "a client secret or token is written as a literal instead of ${env:...}",
    fixable: false,
    source: include_str!("plaintext_secret.rs"),
    check: Some(check),
};

/// Whether `value` keeps its secret out of the file: it reads at least one
/// `${env:}` or `{{ }}` reference, and its literal text is at most an auth scheme
/// (`Bearer `, `Basic `, `Token `).
fn is_indirect(value: &str) -> bool {
    let Some(t) = super::parse_template(value) else {
        return false;
    };
    let mut has_ref = false;
    let mut literal = String::new();
    for part in &t.parts {
        match part {
            Part::Literal(s) => literal.push_str(s),
            Part::Ref(_) | Part::Env(_) => has_ref = true,
        }
    }
    let literal = literal.trim();
    has_ref
        && (literal.is_empty()
            || ["bearer", "basic", "token"]
                .iter()
                .any(|s| literal.eq_ignore_ascii_case(s)))
}

/// Whether a header, query or body key names a credential.
fn is_credential_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "authorization"
        || k == "proxy-authorization"
        || [
            "secret", "token", "password", "passwd", "api-key", "api_key", "apikey",
        ]
        .iter()
        .any(|s| k.contains(s))
}

fn push<T>(out: &mut Vec<Diagnostic>, doc: &Loaded<T>, ptr: &str, what: &str) {
    let file: FileId = doc.file;
    let mut d = RULE.diagnostic(
        file,
        doc.span_of(ptr).value,
        format!(
            "the {what} is written in the spec as a literal; secrets must come from the environment"
        ),
    );
    d.label = Some("secret written here (masked in this report)".to_string());
    d.help = Some(format!(
        "replace it with `${{env:NAME}}`, set NAME in the environment, and rotate the {what} if this file was ever committed"
    ));
    out.push(d);
}

fn check(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for profile in &ctx.ws.profiles {
        let spec = &profile.doc.spec;
        if let Some(o) = &spec.oauth2 {
            if !is_indirect(&o.client_secret) {
                push(out, profile, "/spec/oauth2/clientSecret", "client secret");
            }
            if let Some(r) = &o.refresh_token
                && !is_indirect(r)
            {
                push(out, profile, "/spec/oauth2/refreshToken", "refresh token");
            }
        }
        for (i, field) in spec.fields.iter().enumerate() {
            if is_credential_key(&field.key) && !is_indirect(&field.value) {
                let ptr = format!("/spec/fields/{i}/value");
                push(
                    out,
                    profile,
                    &ptr,
                    &format!("value of auth field `{}`", field.key),
                );
            }
        }
    }
    for provider in &ctx.ws.providers {
        for (k, v) in &provider.doc.spec.headers {
            if is_credential_key(k) && !is_indirect(v) {
                push(
                    out,
                    provider,
                    &pointer("/spec/headers", k),
                    &format!("`{k}` header"),
                );
            }
        }
    }
    for action in &ctx.ws.actions {
        let req = &action.doc.spec.request;
        for (k, v) in &req.headers {
            if is_credential_key(k) && !is_indirect(v) {
                push(
                    out,
                    action,
                    &pointer("/spec/request/headers", k),
                    &format!("`{k}` header"),
                );
            }
        }
        for (k, v) in &req.query {
            if let Some(s) = v.as_str()
                && is_credential_key(k)
                && !is_indirect(s)
            {
                push(
                    out,
                    action,
                    &pointer("/spec/request/query", k),
                    &format!("`{k}` query parameter"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indirect_values() {
        assert!(is_indirect("${env:HL_CLIENT_SECRET}"));
        assert!(is_indirect("Bearer ${env:TOKEN}"));
        assert!(is_indirect("{{ token.access }}"));
        assert!(!is_indirect("abc123"));
        assert!(!is_indirect(""));
        assert!(!is_indirect("abc${env:X}"));
    }

    #[test]
    fn credential_keys() {
        assert!(
            is_credential_key("Authorization")
                && is_credential_key("X-Api-Key")
                && is_credential_key("access_token")
        );
        assert!(!is_credential_key("locationId") && !is_credential_key("Version"));
    }
}
