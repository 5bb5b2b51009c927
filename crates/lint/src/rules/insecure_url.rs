//! ## What it does
//! Checks that every API and OAuth URL of a provider or profile (`baseUrl`,
//! `authorizationUrl`, `tokenUrl`, `refreshUrl`) uses `https://`. Loopback addresses
//! (`127.0.0.0/8`, `::1`, `localhost`) may use `http://`, so a profile can point at a
//! local sandbox.
//!
//! ## Why is this bad?
//! Over plain HTTP the client secret, authorization codes, access and refresh tokens
//! cross the network readable by anyone on the path, and can be altered in transit.
//!
//! ## Example
//! ```yaml
//! oauth2:
//!   tokenUrl: http://services.leadconnectorhq.com/oauth/token
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
use crate::util::{UrlCache, is_loopback};

pub const RULE: Rule = Rule {
    id: "insecure-url",
    default_severity: Severity::Error,
    summary: "an OAuth or API URL uses http:// (loopback excepted)",
    fixable: false,
    source: include_str!("insecure_url.rs"),
    check: Some(check),
};

fn check(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut urls = UrlCache::default();
    super::for_each_url(ctx, |site| {
        let Some(url) = urls.get(site.value) else {
            return;
        };
        if url.scheme != "http" || is_loopback(&url.host) {
            return;
        }
        let mut d = RULE.diagnostic(
            site.file,
            site.span,
            format!(
                "`{}` uses plain http:// to `{}`: credentials would cross the network unencrypted",
                site.field, url.host
            ),
        );
        d.label = Some("not encrypted".to_string());
        d.help = Some(
            "use https://; plain http:// is only for loopback addresses such as a local sandbox"
                .to_string(),
        );
        out.push(d);
    });
}
