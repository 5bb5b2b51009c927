//! Building the exact request of an action: pure functions from a compiled action, a
//! compiled profile, the inputs, the token's metadata and the environment to a method,
//! URL, headers and body. Nothing here does I/O, so every rule is unit-tested.
//!
//! - Inputs are checked against the action's `input` schema first ([`validate_inputs`]).
//! - Base URL: the profile's (its `baseUrl`, else the provider's); path parameters are
//!   percent-escaped as one segment each.
//! - Headers: the provider's (`Version`), then the action's, then header auth fields.
//! - Query and body: a key whose template names an absent input is not sent; a template
//!   that is a whole value keeps its JSON type (`"{{ inputs.tags }}"` stays an array).
//! - Auth fields honour `except`/`only`; body fields go only into requests with a JSON body.
//! - Credentials go only to the provider's `allowedHosts` or a loopback address, over
//!   HTTPS unless loopback; anything else is refused before a byte is sent.
//!
//! [`build`] renders twice: once for sending and once for showing, where every
//! `${env:..}` value is `***` (the bearer token is never part of a built request; the
//! executor adds it, and [`BuiltRequest::curl`] shows it as `***`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use integ_spec::compile::{CompiledAction, CompiledProfile};
use integ_spec::model::{FieldLocation, HttpMethod};
use integ_spec::template::{self, Part, Scope, Template};
use serde_json::{Map, Value};
use url::Url;

/// What stands in for a secret in anything shown.
pub const REDACTED: &str = "***";

/// The inputs of one run: a JSON object.
pub type Inputs = Map<String, Value>;

/// A request ready to send (or to show).
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltRequest {
    pub method: HttpMethod,
    pub url: Url,
    /// In order; `Authorization` is not among them (the executor adds it per attempt).
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

/// The request to send and the same request as it may be shown.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Holds `${env:..}` values in clear: send it, never print it.
    pub send: BuiltRequest,
    /// Every `${env:..}` value replaced by `***`.
    pub shown: BuiltRequest,
    /// Whether `Authorization: Bearer` may go to this URL (allowed host or loopback).
    pub credentials_allowed: bool,
}

/// The longest URL a request may have: the HTTP stack cannot send a longer one (its
/// URIs are limited to 65,534 bytes), and servers refuse far shorter ones.
pub const MAX_URL_LEN: usize = 65_534;

/// Why a request could not be built. Nothing here holds a secret value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("invalid input: {}", .0.join("; "))]
    InvalidInput(Vec<String>),
    #[error("the action's input schema is not a valid JSON Schema: {0}")]
    BadSchema(String),
    #[error("environment variable `{name}` is not set (the spec reads it with `${{env:{name}}}`)")]
    MissingEnv { name: String },
    #[error("`{value}` cannot be a path parameter (empty, `.` and `..` would change the path)")]
    BadPathValue { value: String },
    #[error("header `{name}` would hold a line break or control character")]
    BadHeaderValue { name: String },
    #[error("the path needs input `{name}`, which was not given")]
    MissingPathInput { name: String },
    #[error(
        "`{{{{ token.{name} }}}}`: the stored token has no `{name}`; log in again with `integ auth login`"
    )]
    MissingTokenField { name: String },
    #[error("`{{{{ fields.{name} }}}}`: the profile has no authorization field `{name}`")]
    MissingField { name: String },
    #[error("`{{{{ fields.{name} }}}}` refers to itself through other fields")]
    FieldCycle { name: String },
    #[error("template error in `{place}`: {message}")]
    Template { place: String, message: String },
    #[error("`{url}` is not a valid URL: {message}")]
    BadUrl { url: String, message: String },
    #[error(
        "the request URL would be {len} bytes, longer than any server accepts (at most {MAX_URL_LEN} here); check the inputs that go into the path and query"
    )]
    UrlTooLong { len: usize },
    #[error(
        "refusing to send credentials to `{host}`: it is not in the provider's allowedHosts and not a loopback address"
    )]
    HostNotAllowed { host: String },
    #[error(
        "refusing to send credentials over plain http to `{host}` (only loopback may use http)"
    )]
    InsecureUrl { host: String },
    #[error(
        "profile `{profile}` is for provider `{profile_provider}`, but action `{action}` is for `{action_provider}`"
    )]
    ProviderMismatch {
        profile: String,
        profile_provider: String,
        action: String,
        action_provider: String,
    },
}

/// Everything a request is built from.
pub struct Context<'a> {
    pub action: &'a CompiledAction,
    pub profile: &'a CompiledProfile,
    pub inputs: &'a Inputs,
    /// The token response's metadata (`locationId`, ...). `None` in a dry run without a
    /// stored token: `{{ token.x }}` then shows as `<token.x>`.
    pub token: Option<&'a Map<String, Value>>,
    /// Reads `${env:NAME}`.
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// Checks `inputs` against the action's `input` schema (formats included). Every problem
/// names its field.
pub fn validate_inputs(schema: &Value, inputs: &Inputs) -> Result<(), BuildError> {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| BuildError::BadSchema(e.to_string()))?;
    let instance = Value::Object(inputs.clone());
    let problems: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| {
            let path = e
                .instance_path()
                .as_str()
                .trim_start_matches('/')
                .replace('/', ".");
            if path.is_empty() {
                e.to_string()
            } else {
                format!("`{path}`: {e}")
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(BuildError::InvalidInput(problems))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Send,
    Show,
}

/// Builds the request to send and the one to show. Does not validate the inputs (call
/// [`validate_inputs`] first).
pub fn build(ctx: &Context) -> Result<Prepared, BuildError> {
    if ctx.profile.provider != ctx.action.provider {
        return Err(BuildError::ProviderMismatch {
            profile: ctx.profile.name.clone(),
            profile_provider: ctx.profile.provider.clone(),
            action: ctx.action.name.clone(),
            action_provider: ctx.action.provider.clone(),
        });
    }
    let send = build_one(ctx, Mode::Send)?;
    let shown = build_one(ctx, Mode::Show)?;
    let credentials_allowed = check_host(&send.url, &ctx.action.allowed_hosts)?;
    Ok(Prepared {
        send,
        shown,
        credentials_allowed,
    })
}

/// True when credentials may go to `url`; an error when the URL is plainly wrong for them.
fn check_host(url: &Url, allowed: &[String]) -> Result<bool, BuildError> {
    let host = url.host_str().unwrap_or_default().to_string();
    let loopback = is_loopback(url);
    if !loopback && !allowed.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
        return Err(BuildError::HostNotAllowed { host });
    }
    if !loopback && url.scheme() != "https" {
        return Err(BuildError::InsecureUrl { host });
    }
    Ok(true)
}

/// 127.0.0.0/8, ::1 and `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A rendered value, or "not sent" because an optional input is absent.
enum Rendered {
    Value(Value),
    Absent,
}

struct Renderer<'a, 'c> {
    ctx: &'a Context<'c>,
    mode: Mode,
    /// Auth field values by key, rendered lazily (fields may name fields).
    fields: BTreeMap<String, String>,
}

impl Renderer<'_, '_> {
    fn parse(&self, place: &str, text: &str) -> Result<Template, BuildError> {
        template::parse(text).map_err(|e| BuildError::Template {
            place: place.to_string(),
            message: e.message,
        })
    }

    fn env(&self, name: &str) -> Result<String, BuildError> {
        let value = (self.ctx.env)(name).ok_or_else(|| BuildError::MissingEnv {
            name: name.to_string(),
        })?;
        Ok(match self.mode {
            Mode::Send => value,
            Mode::Show => REDACTED.to_string(),
        })
    }

    /// The JSON value a reference names; `None` when it is an absent input.
    fn lookup(&self, scope: Scope, path: &[String]) -> Result<Option<Value>, BuildError> {
        let name = &path[0];
        let root = match scope {
            Scope::Inputs => match self.ctx.inputs.get(name) {
                Some(v) => v.clone(),
                None => return Ok(None),
            },
            Scope::Token => match self.ctx.token {
                Some(token) => token
                    .get(name)
                    .filter(|v| !v.is_null())
                    .cloned()
                    .ok_or_else(|| BuildError::MissingTokenField { name: name.clone() })?,
                None => Value::String(format!("<token.{}>", path.join("."))),
            },
            Scope::Fields => Value::String(
                self.fields
                    .get(name)
                    .cloned()
                    .ok_or_else(|| BuildError::MissingField { name: name.clone() })?,
            ),
        };
        let mut v = &root;
        for seg in &path[1..] {
            match v.get(seg) {
                Some(inner) => v = inner,
                None => {
                    return Ok(if scope == Scope::Inputs {
                        None
                    } else {
                        Some(Value::Null)
                    });
                }
            }
        }
        Ok(Some(v.clone()))
    }

    /// Renders a string template; a whole-value reference keeps its JSON type.
    fn string(&self, place: &str, text: &str) -> Result<Rendered, BuildError> {
        let t = self.parse(place, text)?;
        if let Some(r) = t.whole_value() {
            return Ok(match self.lookup(r.scope, &r.path)? {
                Some(v) => Rendered::Value(v),
                None => Rendered::Absent,
            });
        }
        let mut absent = false;
        let out = t.render(|part| match part {
            Part::Env(e) => self.env(&e.name),
            Part::Ref(r) => match self.lookup(r.scope, &r.path)? {
                Some(v) => Ok(scalar_text(&v)),
                None => {
                    absent = true;
                    Ok(String::new())
                }
            },
            Part::Literal(s) => Ok(s.clone()),
        })?;
        Ok(if absent {
            Rendered::Absent
        } else {
            Rendered::Value(Value::String(out))
        })
    }

    fn value(&self, place: &str, v: &Value) -> Result<Rendered, BuildError> {
        Ok(match v {
            Value::String(s) => self.string(place, s)?,
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Rendered::Value(v) = self.value(place, item)? {
                        out.push(v);
                    }
                }
                Rendered::Value(Value::Array(out))
            }
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, item) in map {
                    if let Rendered::Value(v) = self.value(&format!("{place}.{k}"), item)? {
                        out.insert(k.clone(), v);
                    }
                }
                Rendered::Value(Value::Object(out))
            }
            other => Rendered::Value(other.clone()),
        })
    }

    /// The path, each reference escaped as one path segment.
    fn path(&self, text: &str) -> Result<String, BuildError> {
        let t = self.parse("path", text)?;
        t.render(|part| match part {
            Part::Env(e) => escape_segment(&self.env(&e.name)?),
            Part::Ref(r) => match self.lookup(r.scope, &r.path)? {
                Some(v) => escape_segment(&scalar_text(&v)),
                None => Err(BuildError::MissingPathInput {
                    name: r.path.join("."),
                }),
            },
            Part::Literal(s) => Ok(s.clone()),
        })
    }
}

/// Text of a JSON value inside a larger string or a query parameter.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Everything but RFC 3986 unreserved characters is escaped: a value cannot add a path
/// segment (`/`), a query (`?`) or a fragment (`#`).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn escape_segment(s: &str) -> Result<String, BuildError> {
    // `.` and `..` (escaped or not) are dot segments that URL parsing resolves away.
    if s == "." || s == ".." || s.is_empty() {
        return Err(BuildError::BadPathValue {
            value: s.to_string(),
        });
    }
    Ok(percent_encoding::utf8_percent_encode(s, SEGMENT).to_string())
}

/// Renders the profile's fields in dependency order (a field may name another).
fn render_fields(ctx: &Context, mode: Mode) -> Result<BTreeMap<String, String>, BuildError> {
    let mut done: BTreeMap<String, String> = BTreeMap::new();
    let fields = &ctx.profile.fields;
    // At most one pass per field: a field naming an unrendered one waits for the next pass.
    for _ in 0..=fields.len() {
        let mut progressed = false;
        for f in fields {
            if done.contains_key(&f.key) {
                continue;
            }
            let r = Renderer {
                ctx,
                mode,
                fields: done.clone(),
            };
            match r.string(&format!("fields.{}", f.key), &f.value) {
                Ok(Rendered::Value(v)) => {
                    done.insert(f.key.clone(), scalar_text(&v));
                    progressed = true;
                }
                Ok(Rendered::Absent) => {
                    done.insert(f.key.clone(), String::new());
                    progressed = true;
                }
                Err(BuildError::MissingField { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        if done.len() == fields.len() || !progressed {
            break;
        }
    }
    if let Some(f) = fields.iter().find(|f| !done.contains_key(&f.key)) {
        let names_known_field = template::parse(&f.value)
            .map(|t| {
                t.references()
                    .any(|r| r.scope == Scope::Fields && fields.iter().any(|g| g.key == r.path[0]))
            })
            .unwrap_or(false);
        return Err(if names_known_field {
            BuildError::FieldCycle {
                name: f.key.clone(),
            }
        } else {
            let missing = template::parse(&f.value)
                .ok()
                .and_then(|t| {
                    t.references()
                        .find(|r| r.scope == Scope::Fields)
                        .map(|r| r.path[0].clone())
                })
                .unwrap_or_else(|| f.key.clone());
            BuildError::MissingField { name: missing }
        });
    }
    Ok(done)
}

fn build_one(ctx: &Context, mode: Mode) -> Result<BuiltRequest, BuildError> {
    let action = ctx.action;
    let fields = render_fields(ctx, mode)?;
    let r = Renderer { ctx, mode, fields };
    let applicable: Vec<_> = ctx
        .profile
        .fields
        .iter()
        .filter(|f| f.applies_to(&action.name))
        .collect();

    // URL: base + escaped path.
    let path = r.path(&action.path)?;
    let base = ctx.profile.base_url.trim_end_matches('/');
    let joined = if path.starts_with('/') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    };
    let mut url = Url::parse(&joined).map_err(|e| BuildError::BadUrl {
        url: base.to_string(),
        message: e.to_string(),
    })?;

    // Query: the action's, then the query auth fields.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in &action.query {
        if let Rendered::Value(v) = r.value(&format!("query.{k}"), v)? {
            match v {
                Value::Array(items) => {
                    pairs.extend(items.iter().map(|i| (k.clone(), scalar_text(i))));
                }
                other => pairs.push((k.clone(), scalar_text(&other))),
            }
        }
    }
    for f in applicable
        .iter()
        .filter(|f| f.location == FieldLocation::Query)
    {
        if let Some(v) = r.fields.get(&f.key) {
            pairs.push((f.key.clone(), v.clone()));
        }
    }
    if !pairs.is_empty() {
        let mut q = url.query_pairs_mut();
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
    }
    if url.as_str().len() > MAX_URL_LEN {
        return Err(BuildError::UrlTooLong {
            len: url.as_str().len(),
        });
    }

    // Headers: provider + action (already merged, sorted), then header fields.
    let mut headers: Vec<(String, String)> = Vec::new();
    for (k, v) in &action.headers {
        if let Rendered::Value(v) = r.string(&format!("headers.{k}"), v)? {
            headers.push((k.clone(), scalar_text(&v)));
        }
    }
    for f in applicable
        .iter()
        .filter(|f| f.location == FieldLocation::Header)
    {
        if let Some(v) = r.fields.get(&f.key) {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case(&f.key));
            headers.push((f.key.clone(), v.clone()));
        }
    }
    if let Some((name, _)) = headers
        .iter()
        .find(|(_, v)| v.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f))
    {
        return Err(BuildError::BadHeaderValue { name: name.clone() });
    }
    headers.push(("Accept".to_string(), "application/json".to_string()));

    // Body: only when the action has one; body fields only then.
    let body = match &action.body {
        None => None,
        Some(template_body) => {
            let mut body = match r.value("body", template_body)? {
                Rendered::Value(v) => v,
                Rendered::Absent => Value::Object(Map::new()),
            };
            if let Value::Object(map) = &mut body {
                for f in applicable
                    .iter()
                    .filter(|f| f.location == FieldLocation::Body)
                {
                    if let Some(v) = r.fields.get(&f.key) {
                        map.entry(f.key.clone())
                            .or_insert_with(|| Value::String(v.clone()));
                    }
                }
            }
            headers.push(("Content-Type".to_string(), "application/json".to_string()));
            Some(body)
        }
    };

    Ok(BuiltRequest {
        method: action.method,
        url,
        headers,
        body,
    })
}

impl BuiltRequest {
    /// An equivalent `curl` command line; the bearer token shows as `***`.
    pub fn curl(&self, with_bearer: bool) -> String {
        let mut parts = vec![
            "curl".to_string(),
            "-X".to_string(),
            self.method.as_str().to_string(),
            shell_quote(self.url.as_str()),
        ];
        for (k, v) in &self.headers {
            parts.push("-H".to_string());
            parts.push(shell_quote(&format!("{k}: {v}")));
        }
        if with_bearer {
            parts.push("-H".to_string());
            parts.push(shell_quote(&format!("Authorization: Bearer {REDACTED}")));
        }
        if let Some(body) = &self.body {
            parts.push("--data".to_string());
            parts.push(shell_quote(&body.to_string()));
        }
        parts.join(" ")
    }
}

/// POSIX single-quoting.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use integ_spec::compile::{CompiledAction, CompiledProfile, EffectiveStrictness};
    use integ_spec::model::{Accepts, AuthField, AuthorizedBy, Ownership};
    use serde_json::json;

    fn action(method: HttpMethod, path: &str, body: Option<Value>) -> CompiledAction {
        CompiledAction {
            name: "update_contact".into(),
            title: None,
            provider: "highlevel".into(),
            scopes: vec![],
            strict: EffectiveStrictness::default(),
            idempotent: method.is_idempotent(),
            input: json!({"type": "object"}),
            method,
            base_url: "https://services.leadconnectorhq.com".into(),
            headers: [("Version".to_string(), "2021-07-28".to_string())].into(),
            path: path.into(),
            query: BTreeMap::new(),
            body,
            accepts: Accepts::default(),
            allowed_hosts: vec!["services.leadconnectorhq.com".into()],
            rate_limit: None,
            output_select: None,
        }
    }

    fn field(location: FieldLocation, key: &str, value: &str) -> AuthField {
        AuthField {
            location,
            key: key.into(),
            value: value.into(),
            except: None,
            only: None,
        }
    }

    fn profile(fields: Vec<AuthField>) -> CompiledProfile {
        CompiledProfile {
            name: "p".into(),
            title: None,
            provider: "highlevel".into(),
            ownership: Ownership::Custom,
            authorized_by: AuthorizedBy::User,
            base_url: "https://services.leadconnectorhq.com".into(),
            oauth2: None,
            fields,
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn token() -> Map<String, Value> {
        json!({"locationId": "loc 1"})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn run(a: &CompiledAction, p: &CompiledProfile, inputs: Value) -> Result<Prepared, BuildError> {
        let inputs = inputs.as_object().cloned().unwrap_or_default();
        let t = token();
        build(&Context {
            action: a,
            profile: p,
            inputs: &inputs,
            token: Some(&t),
            env: &no_env,
        })
    }

    #[test]
    fn path_parameters_are_escaped_as_one_segment() {
        let a = action(HttpMethod::Get, "/contacts/{{ inputs.contactId }}", None);
        let p = run(&a, &profile(vec![]), json!({"contactId": "a/b?c#d .."})).unwrap();
        assert_eq!(
            p.send.url.as_str(),
            "https://services.leadconnectorhq.com/contacts/a%2Fb%3Fc%23d%20.."
        );
        let err = run(&a, &profile(vec![]), json!({"contactId": ".."})).unwrap_err();
        assert_eq!(err, BuildError::BadPathValue { value: "..".into() });
    }

    #[test]
    fn absent_optional_input_is_not_sent_and_whole_values_keep_their_type() {
        let a = action(
            HttpMethod::Put,
            "/contacts/{{ inputs.contactId }}",
            Some(
                json!({"email": "{{ inputs.email }}", "tags": "{{ inputs.tags }}",
                        "dnd": "{{ inputs.dnd }}", "greeting": "hi {{ inputs.name }}"}),
            ),
        );
        let p = run(
            &a,
            &profile(vec![]),
            json!({"contactId": "c1", "tags": ["a", "b"], "dnd": true}),
        )
        .unwrap();
        assert_eq!(p.send.body, Some(json!({"tags": ["a", "b"], "dnd": true})));
        assert!(
            p.send
                .headers
                .contains(&("Content-Type".into(), "application/json".into()))
        );
    }

    #[test]
    fn auth_fields_honour_except_only_and_body_presence() {
        let mut q = field(FieldLocation::Query, "locationId", "{{ token.locationId }}");
        q.except = Some(vec!["update_contact".into()]);
        let mut b = field(FieldLocation::Body, "locationId", "{{ token.locationId }}");
        b.only = Some(vec!["create_contact".into()]);
        let prof = profile(vec![q, b]);

        let update = action(HttpMethod::Put, "/contacts/x", Some(json!({})));
        let p = run(&update, &prof, json!({})).unwrap();
        assert_eq!(p.send.url.query(), None);
        assert_eq!(p.send.body, Some(json!({})));

        let mut create = action(HttpMethod::Post, "/contacts/", Some(json!({})));
        create.name = "create_contact".into();
        let p = run(&create, &prof, json!({})).unwrap();
        assert_eq!(p.send.url.query(), Some("locationId=loc+1"));
        assert_eq!(p.send.body, Some(json!({"locationId": "loc 1"})));

        // A GET has no JSON body, so a body field that applies is still not sent.
        let mut get = action(HttpMethod::Get, "/contacts/x", None);
        get.name = "create_contact".into();
        let p = run(&get, &prof, json!({})).unwrap();
        assert_eq!(p.send.body, None);
    }

    #[test]
    fn env_values_are_sent_but_never_shown() {
        let mut a = action(HttpMethod::Get, "/x", None);
        a.headers
            .insert("X-Key".into(), "k=${env:SECRET_KEY}".into());
        a.query.insert("q".into(), json!("${env:SECRET_KEY}"));
        let env = |n: &str| (n == "SECRET_KEY").then(|| "s3cr3t".to_string());
        let inputs = Map::new();
        let prof = profile(vec![]);
        let p = build(&Context {
            action: &a,
            profile: &prof,
            inputs: &inputs,
            token: None,
            env: &env,
        })
        .unwrap();
        assert!(
            p.send
                .headers
                .contains(&("X-Key".into(), "k=s3cr3t".into()))
        );
        assert_eq!(p.send.url.query(), Some("q=s3cr3t"));
        let shown = format!("{:?} {}", p.shown, p.shown.curl(true));
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("X-Key: k=***"));
    }

    #[test]
    fn a_header_value_cannot_smuggle_a_line_break() {
        let mut a = action(HttpMethod::Get, "/x", None);
        a.headers
            .insert("X-Name".into(), "{{ inputs.name }}".into());
        let err = run(&a, &profile(vec![]), json!({"name": "a\r\nX-Evil: 1"})).unwrap_err();
        assert_eq!(
            err,
            BuildError::BadHeaderValue {
                name: "X-Name".into()
            }
        );
    }

    #[test]
    fn missing_env_is_an_error_naming_the_variable() {
        let mut a = action(HttpMethod::Get, "/x", None);
        a.headers
            .insert("X-Key".into(), "${env:NOT_SET_ANYWHERE}".into());
        let err = run(&a, &profile(vec![]), json!({})).unwrap_err();
        assert_eq!(
            err,
            BuildError::MissingEnv {
                name: "NOT_SET_ANYWHERE".into()
            }
        );
    }

    #[test]
    fn credentials_only_to_allowed_hosts_or_loopback() {
        let a = action(HttpMethod::Get, "/x", None);
        let mut prof = profile(vec![]);
        prof.base_url = "https://evil.example".into();
        assert_eq!(
            run(&a, &prof, json!({})).unwrap_err(),
            BuildError::HostNotAllowed {
                host: "evil.example".into()
            }
        );
        prof.base_url = "http://services.leadconnectorhq.com".into();
        assert!(matches!(
            run(&a, &prof, json!({})).unwrap_err(),
            BuildError::InsecureUrl { .. }
        ));
        prof.base_url = "http://127.0.0.1:8484".into();
        assert!(run(&a, &prof, json!({})).unwrap().credentials_allowed);
    }

    #[test]
    fn inputs_are_checked_against_the_schema_naming_the_field() {
        let schema = json!({"type": "object", "required": ["contactId"],
            "properties": {"contactId": {"type": "string"}, "pageLimit": {"type": "integer"},
                           "email": {"type": "string", "format": "email"}}});
        let bad = json!({"pageLimit": "ten", "email": "nope"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let BuildError::InvalidInput(problems) = validate_inputs(&schema, &bad).unwrap_err() else {
            panic!("expected InvalidInput");
        };
        let all = problems.join("\n");
        assert!(
            all.contains("\"contactId\" is a required property"),
            "{all}"
        );
        assert!(
            all.contains("`pageLimit`: \"ten\" is not of type \"integer\""),
            "{all}"
        );
        assert!(all.contains("`email`"), "{all}");
    }

    #[test]
    fn dry_run_without_token_shows_a_placeholder() {
        let q = field(FieldLocation::Query, "locationId", "{{ token.locationId }}");
        let a = action(HttpMethod::Get, "/x", None);
        let inputs = Map::new();
        let prof = profile(vec![q]);
        let p = build(&Context {
            action: &a,
            profile: &prof,
            inputs: &inputs,
            token: None,
            env: &no_env,
        })
        .unwrap();
        assert_eq!(
            p.shown.url.query(),
            Some("locationId=%3Ctoken.locationId%3E")
        );
    }

    #[test]
    fn curl_line_quotes_and_redacts_the_bearer() {
        let a = action(
            HttpMethod::Post,
            "/contacts/",
            Some(json!({"name": "O'Brien"})),
        );
        let p = run(&a, &profile(vec![]), json!({})).unwrap();
        assert_eq!(
            p.shown.curl(true),
            "curl -X POST https://services.leadconnectorhq.com/contacts/ -H 'Version: 2021-07-28' \
             -H 'Accept: application/json' -H 'Content-Type: application/json' \
             -H 'Authorization: Bearer ***' --data '{\"name\":\"O'\\''Brien\"}'"
        );
    }
}
