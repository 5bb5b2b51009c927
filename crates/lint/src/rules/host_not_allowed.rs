//! ## What it does
//! Checks that every API and OAuth URL of a provider, of its profiles and of its actions
//! points at a host listed in the provider's `allowedHosts` (exactly, or under a
//! `*.example.com` wildcard). Loopback addresses are always allowed.
//!
//! ## Why is this bad?
//! The runner sends the access token, and the client secret at the token endpoint, to
//! these URLs. A host outside the list is either a typo or a way to hand the provider's
//! credentials to someone else; the runner refuses to send them, so the profile would
//! not work either.
//!
//! ## Example
//! ```yaml
//! # provider highlevel: allowedHosts: [services.leadconnectorhq.com, ...]
//! oauth2:
//!   tokenUrl: https://services.leadconectorhq.com/oauth/token
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
use crate::util::{UrlCache, host_allowed, is_loopback};

pub const RULE: Rule = Rule {
    id: "host-not-allowed",
    default_severity: Severity::Error,
    summary: "a request or OAuth URL points outside the provider's allowedHosts",
    fixable: false,
    source: include_str!("host_not_allowed.rs"),
    check: Some(check),
};

fn check(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut urls = UrlCache::default();
    super::for_each_url(ctx, |site| {
        let Some(group) = site.provider else { return };
        let Some(provider) = group.provider else {
            return;
        };
        let Some(url) = urls.get(site.value) else {
            return;
        };
        let allowed = &provider.doc.spec.allowed_hosts;
        if is_loopback(&url.host) || host_allowed(&url.host, allowed) {
            return;
        }
        let close = allowed
            .iter()
            .find(|a| integ_spec::template::close_to(&url.host, &a.to_ascii_lowercase()));
        let mut d = RULE.diagnostic(
            site.file,
            site.span,
            format!(
                "`{}` points at host `{}`, which is not in the `allowedHosts` of provider `{}`",
                site.field, url.host, group.name
            ),
        );
        d.label = Some("credentials would be sent here".to_string());
        d.help = Some(match close {
            Some(a) => format!("did you mean `{a}`?"),
            None if allowed.is_empty() => {
                format!(
                    "provider `{}` lists no `allowedHosts`; add the API's hosts there",
                    group.name
                )
            }
            None => format!(
                "use one of the allowed hosts ({}), or add `{}` to the provider's `allowedHosts` if it really belongs to the API",
                allowed.join(", "),
                url.host
            ),
        });
        out.push(d);
    });
}
