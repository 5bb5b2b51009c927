//! The rules, one file each, named after the rule's id. Helpers several rules share
//! (walking an action's template strings, the URLs of a spec) live here.

pub mod auth_field_rejected;
pub mod auth_mode_unsupported;
pub mod duplicate_name;
pub mod host_not_allowed;
pub mod insecure_url;
pub mod missing_required_header;
pub mod oauth_endpoint_mismatch;
pub mod plaintext_secret;
pub mod schema;
pub mod scope_missing;
pub mod unknown_reference;
pub mod unused_ignore;
pub mod unused_input;

use integ_spec::template::{self, Template};
use integ_spec::{Action, FileId, Loaded, Span};
use serde_json::Value;

use crate::context::{LintContext, ProviderIndex};
use crate::util::pointer_push;

/// Calls `f(pointer, text)` for every string of an action's request that may hold a
/// template: the path, query values, header values and body strings (at any depth).
/// One pointer buffer is reused, so walking allocates nothing per string.
pub(crate) fn for_each_request_string<'a>(action: &'a Action, mut f: impl FnMut(&str, &'a str)) {
    let req = &action.spec.request;
    let mut p = String::from("/spec/request/path");
    f(&p, &req.path);
    p.truncate("/spec/request".len());
    p.push_str("/query");
    for (k, v) in &req.query {
        let len = p.len();
        pointer_push(&mut p, k);
        walk_value(&mut p, v, &mut f);
        p.truncate(len);
    }
    p.truncate("/spec/request".len());
    p.push_str("/headers");
    for (k, v) in &req.headers {
        let len = p.len();
        pointer_push(&mut p, k);
        f(&p, v);
        p.truncate(len);
    }
    if let Some(body) = &req.body {
        p.truncate("/spec/request".len());
        p.push_str("/body");
        walk_value(&mut p, body, &mut f);
    }
}

fn walk_value<'a>(p: &mut String, v: &'a Value, f: &mut impl FnMut(&str, &'a str)) {
    match v {
        Value::String(s) => f(p, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = p.len();
                pointer_push(p, &i.to_string());
                walk_value(p, item, f);
                p.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = p.len();
                pointer_push(p, k);
                walk_value(p, item, f);
                p.truncate(len);
            }
        }
        _ => {}
    }
}

/// Parses `text` when it may hold a template; bad templates are the loader's to report.
pub(crate) fn parse_template(text: &str) -> Option<Template> {
    if !template::may_contain_template(text) {
        return None;
    }
    template::parse(text).ok()
}

/// One URL written in a spec.
pub(crate) struct UrlSite<'a, 'w> {
    pub file: FileId,
    pub span: Span,
    /// The field name as written (`tokenUrl`).
    pub field: &'static str,
    pub value: &'w str,
    /// The provider the URL belongs to, when it is loaded.
    pub provider: Option<&'a ProviderIndex<'w>>,
}

/// Every URL of every provider, profile and action (an action path that is absolute).
pub(crate) fn for_each_url<'a, 'w>(ctx: &'a LintContext<'w>, mut f: impl FnMut(UrlSite<'a, 'w>)) {
    fn site<'a, 'w, T>(
        doc: &'w Loaded<T>,
        pointer: &str,
        field: &'static str,
        value: &'w str,
        provider: Option<&'a ProviderIndex<'w>>,
    ) -> UrlSite<'a, 'w> {
        UrlSite {
            file: doc.file,
            span: doc.span_of(pointer).value,
            field,
            value,
            provider,
        }
    }
    for p in &ctx.ws.providers {
        let idx = ctx.provider(&p.doc.metadata.name);
        let spec = &p.doc.spec;
        f(site(p, "/spec/baseUrl", "baseUrl", &spec.base_url, idx));
        if let Some(o) = &spec.auth.oauth2 {
            f(site(
                p,
                "/spec/auth/oauth2/authorizationUrl",
                "authorizationUrl",
                &o.authorization_url,
                idx,
            ));
            f(site(
                p,
                "/spec/auth/oauth2/tokenUrl",
                "tokenUrl",
                &o.token_url,
                idx,
            ));
            if let Some(r) = &o.refresh_url {
                f(site(
                    p,
                    "/spec/auth/oauth2/refreshUrl",
                    "refreshUrl",
                    r,
                    idx,
                ));
            }
        }
    }
    for p in &ctx.ws.profiles {
        let idx = ctx
            .provider(&p.doc.spec.provider)
            .filter(|g| g.provider.is_some());
        let spec = &p.doc.spec;
        if let Some(b) = &spec.base_url {
            f(site(p, "/spec/baseUrl", "baseUrl", b, idx));
        }
        if let Some(o) = &spec.oauth2 {
            f(site(
                p,
                "/spec/oauth2/authorizationUrl",
                "authorizationUrl",
                &o.authorization_url,
                idx,
            ));
            f(site(
                p,
                "/spec/oauth2/tokenUrl",
                "tokenUrl",
                &o.token_url,
                idx,
            ));
            if let Some(r) = &o.refresh_url {
                f(site(p, "/spec/oauth2/refreshUrl", "refreshUrl", r, idx));
            }
        }
    }
    for a in &ctx.ws.actions {
        let path = &a.doc.spec.request.path;
        if path.contains("://") {
            let idx = ctx
                .provider(&a.doc.spec.provider)
                .filter(|g| g.provider.is_some());
            f(site(a, "/spec/request/path", "path", path, idx));
        }
    }
}
