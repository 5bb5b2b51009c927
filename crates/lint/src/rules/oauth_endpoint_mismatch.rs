//! ## What it does
//! Compares a profile's OAuth endpoints (`authorizationUrl`, `tokenUrl`, `refreshUrl`)
//! with the ones its provider declares under `auth.oauth2`, and warns when the path
//! differs. Only the path is compared: the host is `host-not-allowed`'s business, and a
//! profile may point the same path at a white-label host or a local sandbox.
//!
//! ## Why is this bad?
//! A provider's OAuth endpoints are fixed; a profile that differs from them is most
//! likely a typo, found only when a login or a token refresh fails.
//!
//! ## Example
//! ```yaml
//! # provider: tokenUrl: https://services.leadconnectorhq.com/oauth/token
//! oauth2:
//!   tokenUrl: https://services.leadconnectorhq.com/oauth/tokens
//! ```
//!
//! ## Use instead
//! ```yaml
//! oauth2:
//!   tokenUrl: https://services.leadconnectorhq.com/oauth/token
//! ```

use integ_spec::{Diagnostic, Severity};

use crate::context::LintContext;
use crate::rule::Rule;
use crate::util::UrlCache;

pub const RULE: Rule = Rule {
    id: "oauth-endpoint-mismatch",
    default_severity: Severity::Warning,
    summary: "a profile's OAuth URL differs from the provider's known endpoint (typo?)",
    fixable: false,
    source: include_str!("oauth_endpoint_mismatch.rs"),
    check: Some(check),
};

fn check(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut urls = UrlCache::default();
    for group in &ctx.providers {
        let Some(provider) = group.provider else {
            continue;
        };
        let Some(known) = &provider.doc.spec.auth.oauth2 else {
            continue;
        };
        let known_refresh = known.refresh_url.as_deref().unwrap_or(&known.token_url);
        let path = |u: &str| crate::util::parse_url(u).map(|p| p.path);
        let known_paths = [
            path(&known.authorization_url),
            path(&known.token_url),
            path(known_refresh),
        ];
        for profile in &group.profiles {
            let Some(o) = &profile.doc.spec.oauth2 else {
                continue;
            };
            let pairs = [
                (
                    "authorizationUrl",
                    Some(o.authorization_url.as_str()),
                    known.authorization_url.as_str(),
                ),
                (
                    "tokenUrl",
                    Some(o.token_url.as_str()),
                    known.token_url.as_str(),
                ),
                ("refreshUrl", o.refresh_url.as_deref(), known_refresh),
            ];
            for ((field, theirs, ours), ours_path) in pairs.into_iter().zip(&known_paths) {
                let Some(ours_path) = ours_path else { continue };
                let Some(theirs) = theirs.and_then(|t| urls.get(t)) else {
                    continue;
                };
                if theirs.path.trim_end_matches('/') == ours_path.trim_end_matches('/') {
                    continue;
                }
                let ptr = format!("/spec/oauth2/{field}");
                let mut d = RULE.diagnostic(
                    profile.file,
                    profile.span_of(&ptr).value,
                    format!(
                        "`{field}` path `{}` differs from provider `{}`'s `{}`",
                        theirs.path, group.name, ours_path
                    ),
                );
                d.label = Some("unexpected endpoint".to_string());
                d.help = Some(format!(
                    "the provider declares `{ours}`; use its path unless the API really moved"
                ));
                out.push(d);
            }
        }
    }
}
