//! Compilation: every action and every profile resolved against its provider, every
//! template checked against what it names, and the result written as one deterministic
//! bundle that the runner executes.
//!
//! - An action gets its provider's base URL, headers (the action's on top), rate limit,
//!   allowed hosts and effective strictness; its `input` schema is embedded as written.
//! - A profile gets its effective base URL (its own `baseUrl`, else the provider's) and its
//!   token parameters merged over the provider's.
//! - `{{ inputs.x }}` must be declared in the action's `input.properties`, `{{ token.x }}`
//!   in the provider's `tokenFields`, `{{ fields.x }}` among a profile's field keys. Each
//!   violation is an `unknown-reference` [`Diagnostic`] at the reference itself.
//! - `${env:NAME}` stays a reference: nothing from the environment enters a bundle.
//!
//! Determinism: maps are `BTreeMap`s, JSON values are rebuilt with sorted keys, and
//! `contentHash` is the SHA-256 of the compact serialization of everything else, so the
//! same specs give byte-identical bundles on every machine.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Severity, Span};
use crate::model::{
    API_VERSION, Accepts, Action, AuthField, AuthModes, AuthProfile, AuthProfileSpec, AuthType,
    AuthorizedBy, Document, HttpMethod, Metadata, Ownership, ProfileOAuth2, Provider, ProviderAuth,
    ProviderOAuth2, ProviderSpec, RateLimit, Strictness,
};
use crate::template::{self, Scope};
use crate::workspace::{Loaded, Workspace};

/// The `format` of every bundle this build writes and reads.
pub const BUNDLE_FORMAT: &str = "integ-bundle/v1";

/// Diagnostic code of a template that names something undeclared.
pub const UNKNOWN_REFERENCE: &str = "unknown-reference";

/// Everything the runner needs, resolved. Keys of `profiles` and `actions` are
/// `provider/name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bundle {
    pub format: String,
    /// `sha256:` and the hex digest of the bundle's canonical content (this field excluded).
    pub content_hash: String,
    pub providers: BTreeMap<String, CompiledProvider>,
    pub profiles: BTreeMap<String, CompiledProfile>,
    pub actions: BTreeMap<String, CompiledAction>,
}

/// Strictness with the provider's defaults applied: no more "as the provider says".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EffectiveStrictness {
    pub body: bool,
    pub query: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompiledProvider {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub base_url: String,
    pub headers: BTreeMap<String, String>,
    pub strict: EffectiveStrictness,
    pub allowed_hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<ProviderOAuth2>,
    pub modes: AuthModes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompiledProfile {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub provider: String,
    pub ownership: Ownership,
    pub authorized_by: AuthorizedBy,
    /// The profile's `baseUrl`, else the provider's.
    pub base_url: String,
    /// As written, `${env:..}` references kept; `tokenParams` merged over the provider's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<ProfileOAuth2>,
    pub fields: Vec<AuthField>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompiledAction {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub provider: String,
    pub scopes: Vec<String>,
    pub strict: EffectiveStrictness,
    /// Safe to send twice: the method is idempotent, or the action says so.
    pub idempotent: bool,
    /// The JSON Schema of the inputs, as written.
    pub input: serde_json::Value,
    pub method: HttpMethod,
    /// The provider's; a profile's `baseUrl` overrides it at run time.
    pub base_url: String,
    /// The provider's headers with the action's on top.
    pub headers: BTreeMap<String, String>,
    pub path: String,
    pub query: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    pub accepts: Accepts,
    pub allowed_hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_select: Option<String>,
}

/// A bundle file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("not a bundle: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("unsupported bundle format `{found}` (this build reads `{BUNDLE_FORMAT}`)")]
    Format { found: String },
    #[error("the bundle's contentHash does not match its content (edited by hand?): recompile it")]
    Hash,
}

/// An action or profile name that names nothing, or more than one thing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("no {kind} named `{name}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    NotFound {
        kind: &'static str,
        name: String,
        suggestion: Option<String>,
    },
    #[error("`{name}` names more than one {kind}: {}; write it as provider/name", candidates.join(", "))]
    Ambiguous {
        kind: &'static str,
        name: String,
        candidates: Vec<String>,
    },
}

impl Bundle {
    /// The bundle as written to disk: pretty JSON with sorted keys and a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&canonical(
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        ))
        .unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a bundle, checking its format and that its content matches its hash.
    pub fn from_json(text: &str) -> Result<Bundle, BundleError> {
        let bundle: Bundle = serde_json::from_str(text)?;
        if bundle.format != BUNDLE_FORMAT {
            return Err(BundleError::Format {
                found: bundle.format,
            });
        }
        if bundle.content_hash != bundle.compute_hash() {
            return Err(BundleError::Hash);
        }
        Ok(bundle)
    }

    fn compute_hash(&self) -> String {
        let content = serde_json::json!({
            "format": self.format,
            "providers": self.providers,
            "profiles": self.profiles,
            "actions": self.actions,
        });
        let bytes = serde_json::to_vec(&canonical(content)).unwrap_or_default();
        let digest = Sha256::digest(&bytes);
        let mut hex = String::with_capacity(7 + 64);
        hex.push_str("sha256:");
        for b in digest {
            hex.push_str(&format!("{b:02x}"));
        }
        hex
    }

    /// An action by `name` or `provider/name`.
    pub fn action(&self, name: &str) -> Result<&CompiledAction, NameError> {
        find(&self.actions, "action", name, |a| &a.name)
    }

    /// A profile by `name` or `provider/name`.
    pub fn profile(&self, name: &str) -> Result<&CompiledProfile, NameError> {
        find(&self.profiles, "profile", name, |p| &p.name)
    }

    pub fn provider(&self, name: &str) -> Option<&CompiledProvider> {
        self.providers.get(name)
    }
}

fn find<'a, T>(
    map: &'a BTreeMap<String, T>,
    kind: &'static str,
    name: &str,
    name_of: impl Fn(&T) -> &String,
) -> Result<&'a T, NameError> {
    if name.contains('/') {
        if let Some(found) = map.get(name) {
            return Ok(found);
        }
    } else {
        let hits: Vec<(&String, &T)> = map.iter().filter(|(_, v)| name_of(v) == name).collect();
        match hits.as_slice() {
            [(_, one)] => return Ok(one),
            [] => {}
            many => {
                return Err(NameError::Ambiguous {
                    kind,
                    name: name.to_string(),
                    candidates: many.iter().map(|(k, _)| (*k).clone()).collect(),
                });
            }
        }
    }
    let bare = name.rsplit('/').next().unwrap_or(name);
    let suggestion = map
        .values()
        .map(&name_of)
        .filter(|n| template::close_to(bare, n))
        .min_by_key(|n| crate::suggest::edit_distance(bare, n))
        .cloned();
    Err(NameError::NotFound {
        kind,
        name: name.to_string(),
        suggestion,
    })
}

impl CompiledProvider {
    /// The provider as a spec document again (for code written against the model).
    pub fn to_document(&self) -> Provider {
        Document {
            api_version: API_VERSION.to_string(),
            kind: "Provider".to_string(),
            metadata: Metadata {
                name: self.name.clone(),
                title: self.title.clone(),
                description: None,
            },
            spec: ProviderSpec {
                base_url: self.base_url.clone(),
                headers: self.headers.clone(),
                strict: Strictness {
                    body: Some(self.strict.body),
                    query: Some(self.strict.query),
                },
                allowed_hosts: self.allowed_hosts.clone(),
                rate_limit: self.rate_limit.clone(),
                auth: ProviderAuth {
                    oauth2: self.oauth2.clone(),
                    modes: self.modes.clone(),
                },
            },
        }
    }
}

impl CompiledProfile {
    /// The profile as a spec document again (for code written against the model).
    pub fn to_document(&self) -> AuthProfile {
        Document {
            api_version: API_VERSION.to_string(),
            kind: "AuthProfile".to_string(),
            metadata: Metadata {
                name: self.name.clone(),
                title: self.title.clone(),
                description: None,
            },
            spec: AuthProfileSpec {
                provider: self.provider.clone(),
                auth_type: AuthType::Oauth2,
                ownership: self.ownership,
                authorized_by: self.authorized_by,
                oauth2: self.oauth2.clone(),
                base_url: Some(self.base_url.clone()),
                fields: self.fields.clone(),
            },
        }
    }
}

/// Compiles every document of `ws`. Errors (as diagnostics with spans) when a document
/// names a missing provider or a template names something undeclared.
pub fn compile(ws: &Workspace) -> Result<Bundle, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut providers = BTreeMap::new();
    let mut provider_docs: BTreeMap<&str, &Loaded<Provider>> = BTreeMap::new();
    for p in &ws.providers {
        let name = p.doc.metadata.name.as_str();
        if provider_docs.insert(name, p).is_some() {
            diags.push(diag_at(
                ws,
                p,
                "/metadata/name",
                "duplicate-name",
                format!("a second Provider is named `{name}`"),
                "give every provider its own name",
            ));
            continue;
        }
        check_provider(ws, p, &mut diags);
        providers.insert(name.to_string(), compile_provider(&p.doc));
    }

    let mut profiles = BTreeMap::new();
    for prof in &ws.profiles {
        let spec = &prof.doc.spec;
        let Some(provider) = provider_docs.get(spec.provider.as_str()) else {
            diags.push(unknown_provider(ws, prof, &spec.provider, &provider_docs));
            continue;
        };
        let key = format!("{}/{}", spec.provider, prof.doc.metadata.name);
        if profiles.contains_key(&key) {
            diags.push(diag_at(
                ws,
                prof,
                "/metadata/name",
                "duplicate-name",
                format!(
                    "a second AuthProfile of `{}` is named `{}`",
                    spec.provider, prof.doc.metadata.name
                ),
                "give every profile of a provider its own name",
            ));
            continue;
        }
        check_profile(ws, prof, &provider.doc, &mut diags);
        profiles.insert(key, compile_profile(&prof.doc, &provider.doc));
    }

    let mut actions = BTreeMap::new();
    for act in &ws.actions {
        let spec = &act.doc.spec;
        let Some(provider) = provider_docs.get(spec.provider.as_str()) else {
            diags.push(unknown_provider(ws, act, &spec.provider, &provider_docs));
            continue;
        };
        let key = format!("{}/{}", spec.provider, act.doc.metadata.name);
        if actions.contains_key(&key) {
            diags.push(diag_at(
                ws,
                act,
                "/metadata/name",
                "duplicate-name",
                format!(
                    "a second Action of `{}` is named `{}`",
                    spec.provider, act.doc.metadata.name
                ),
                "give every action of a provider its own name",
            ));
            continue;
        }
        let field_keys: BTreeSet<&str> = ws
            .profiles
            .iter()
            .filter(|p| p.doc.spec.provider == spec.provider)
            .flat_map(|p| p.doc.spec.fields.iter().map(|f| f.key.as_str()))
            .collect();
        check_action(ws, act, &provider.doc, &field_keys, &mut diags);
        actions.insert(key, compile_action(&act.doc, &provider.doc));
    }

    if !diags.is_empty() {
        diags.sort_by(|a, b| (a.file, a.span.start, &a.code).cmp(&(b.file, b.span.start, &b.code)));
        return Err(diags);
    }
    let mut bundle = Bundle {
        format: BUNDLE_FORMAT.to_string(),
        content_hash: String::new(),
        providers,
        profiles,
        actions,
    };
    bundle.content_hash = bundle.compute_hash();
    Ok(bundle)
}

fn effective(provider: &Strictness, action: &Strictness) -> EffectiveStrictness {
    EffectiveStrictness {
        body: action.body.or(provider.body).unwrap_or(false),
        query: action.query.or(provider.query).unwrap_or(false),
    }
}

fn compile_provider(p: &Provider) -> CompiledProvider {
    let s = &p.spec;
    CompiledProvider {
        name: p.metadata.name.clone(),
        title: p.metadata.title.clone(),
        base_url: s.base_url.clone(),
        headers: s.headers.clone(),
        strict: effective(&s.strict, &Strictness::default()),
        allowed_hosts: s.allowed_hosts.clone(),
        rate_limit: s.rate_limit.clone(),
        oauth2: s.auth.oauth2.clone(),
        modes: s.auth.modes.clone(),
    }
}

fn compile_profile(p: &AuthProfile, provider: &Provider) -> CompiledProfile {
    let s = &p.spec;
    let oauth2 = s.oauth2.clone().map(|mut o| {
        if let Some(po) = &provider.spec.auth.oauth2 {
            let mut params = po.token_params.clone();
            params.extend(o.token_params);
            o.token_params = params;
        }
        o
    });
    CompiledProfile {
        name: p.metadata.name.clone(),
        title: p.metadata.title.clone(),
        provider: s.provider.clone(),
        ownership: s.ownership,
        authorized_by: s.authorized_by,
        base_url: s
            .base_url
            .clone()
            .unwrap_or_else(|| provider.spec.base_url.clone()),
        oauth2,
        fields: s.fields.clone(),
    }
}

fn compile_action(a: &Action, provider: &Provider) -> CompiledAction {
    let s = &a.spec;
    let mut headers = provider.spec.headers.clone();
    headers.extend(s.request.headers.clone());
    CompiledAction {
        name: a.metadata.name.clone(),
        title: a.metadata.title.clone(),
        provider: s.provider.clone(),
        scopes: s.scopes.clone(),
        strict: effective(&provider.spec.strict, &s.strict),
        idempotent: s.request.method.is_idempotent() || s.idempotent == Some(true),
        input: canonical(s.input.clone()),
        method: s.request.method,
        base_url: provider.spec.base_url.clone(),
        headers,
        path: s.request.path.clone(),
        query: s
            .request
            .query
            .iter()
            .map(|(k, v)| (k.clone(), canonical(v.clone())))
            .collect(),
        body: s.request.body.clone().map(canonical),
        accepts: s.request.accepts.clone(),
        allowed_hosts: provider.spec.allowed_hosts.clone(),
        rate_limit: provider.spec.rate_limit.clone(),
        output_select: s.output.as_ref().and_then(|o| o.select.clone()),
    }
}

/// The same value with every object's keys in sorted order, whatever order serde_json's
/// map keeps.
pub fn canonical(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => {
            let sorted: BTreeMap<String, serde_json::Value> =
                map.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            serde_json::Value::Object(sorted.into_iter().collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(canonical).collect())
        }
        other => other,
    }
}

// ---------------------------------------------------------------------------------------
// Reference checks
// ---------------------------------------------------------------------------------------

/// What a template at some place may name.
struct Allowed<'a> {
    /// `None`: `inputs.x` may not be used here at all.
    inputs: Option<BTreeSet<&'a str>>,
    token: BTreeSet<&'a str>,
    /// `None`: `fields.x` may not be used here at all.
    fields: Option<BTreeSet<&'a str>>,
    /// Where the names come from, for the help line.
    inputs_from: &'a str,
    fields_from: &'a str,
}

fn token_fields(provider: &Provider) -> BTreeSet<&str> {
    provider
        .spec
        .auth
        .oauth2
        .as_ref()
        .map(|o| o.token_fields.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

fn check_provider(ws: &Workspace, p: &Loaded<Provider>, diags: &mut Vec<Diagnostic>) {
    let allowed = Allowed {
        inputs: None,
        token: token_fields(&p.doc),
        fields: None,
        inputs_from: "",
        fields_from: "",
    };
    for (k, v) in &p.doc.spec.headers {
        check_string(
            ws,
            p,
            &format!("/spec/headers/{}", escape(k)),
            v,
            &allowed,
            diags,
        );
    }
}

fn check_profile(
    ws: &Workspace,
    prof: &Loaded<AuthProfile>,
    provider: &Provider,
    diags: &mut Vec<Diagnostic>,
) {
    for (i, field) in prof.doc.spec.fields.iter().enumerate() {
        let others: BTreeSet<&str> = prof
            .doc
            .spec
            .fields
            .iter()
            .filter(|f| f.key != field.key)
            .map(|f| f.key.as_str())
            .collect();
        let allowed = Allowed {
            inputs: None,
            token: token_fields(provider),
            fields: Some(others),
            inputs_from: "",
            fields_from: "the profile's other fields",
        };
        check_string(
            ws,
            prof,
            &format!("/spec/fields/{i}/value"),
            &field.value,
            &allowed,
            diags,
        );
    }
}

fn check_action(
    ws: &Workspace,
    act: &Loaded<Action>,
    provider: &Provider,
    field_keys: &BTreeSet<&str>,
    diags: &mut Vec<Diagnostic>,
) {
    let spec = &act.doc.spec;
    let inputs: BTreeSet<&str> = spec
        .input
        .get("properties")
        .and_then(|p| p.as_object())
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let allowed = Allowed {
        inputs: Some(inputs),
        token: token_fields(provider),
        fields: Some(field_keys.clone()),
        inputs_from: "the action's `input.properties`",
        fields_from: "the fields of the provider's profiles",
    };
    let req = &spec.request;
    check_string(ws, act, "/spec/request/path", &req.path, &allowed, diags);
    for (k, v) in &req.headers {
        check_string(
            ws,
            act,
            &format!("/spec/request/headers/{}", escape(k)),
            v,
            &allowed,
            diags,
        );
    }
    for (k, v) in &req.query {
        check_value(
            ws,
            act,
            &format!("/spec/request/query/{}", escape(k)),
            v,
            &allowed,
            diags,
        );
    }
    if let Some(body) = &req.body {
        check_value(ws, act, "/spec/request/body", body, &allowed, diags);
    }
}

fn check_value<T>(
    ws: &Workspace,
    loaded: &Loaded<T>,
    pointer: &str,
    value: &serde_json::Value,
    allowed: &Allowed,
    diags: &mut Vec<Diagnostic>,
) {
    match value {
        serde_json::Value::String(s) => check_string(ws, loaded, pointer, s, allowed, diags),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_value(ws, loaded, &format!("{pointer}/{i}"), item, allowed, diags);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                check_value(
                    ws,
                    loaded,
                    &format!("{pointer}/{}", escape(k)),
                    v,
                    allowed,
                    diags,
                );
            }
        }
        _ => {}
    }
}

fn check_string<T>(
    ws: &Workspace,
    loaded: &Loaded<T>,
    pointer: &str,
    text: &str,
    allowed: &Allowed,
    diags: &mut Vec<Diagnostic>,
) {
    if !template::may_contain_template(text) {
        return;
    }
    let parsed = match template::parse(text) {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic {
                code: "template".to_string(),
                severity: Severity::Error,
                file: loaded.file,
                span: span_in_scalar(ws, loaded, pointer, text, e.range.clone()),
                message: e.message.clone(),
                help: Some(e.help.clone()),
                label: None,
                fix: None,
            });
            return;
        }
    };
    for r in parsed.references() {
        let name = r.path[0].as_str();
        let problem = match r.scope {
            Scope::Inputs => match &allowed.inputs {
                None => Some((
                    format!("`{}` names an action input, which this place cannot use", r.dotted()),
                    "a profile or provider is shared by every action; use `{{ token.x }}`, `{{ fields.x }}`, `${env:NAME}` or a literal".to_string(),
                    Vec::new(),
                )),
                Some(set) if !set.contains(name) => Some((
                    format!("`{}` names an input that is not declared", r.dotted()),
                    format!("declare `{name}` in {}", allowed.inputs_from),
                    set.iter().copied().collect(),
                )),
                _ => None,
            },
            Scope::Token => (!allowed.token.contains(name)).then(|| {
                (
                    format!("`{}` names a token field the provider does not declare", r.dotted()),
                    "list it in the provider's `auth.oauth2.tokenFields`".to_string(),
                    allowed.token.iter().copied().collect(),
                )
            }),
            Scope::Fields => match &allowed.fields {
                None => Some((
                    format!("`{}` names an authorization field, which this place cannot use", r.dotted()),
                    "authorization fields belong to profiles".to_string(),
                    Vec::new(),
                )),
                Some(set) if !set.contains(name) => Some((
                    format!("`{}` names an authorization field that is not declared", r.dotted()),
                    format!("declare a field with `key: {name}` in {}", allowed.fields_from),
                    set.iter().copied().collect(),
                )),
                _ => None,
            },
        };
        if let Some((message, help, known)) = problem {
            let suggestion = known
                .iter()
                .filter(|k| template::close_to(name, k))
                .min_by_key(|k| crate::suggest::edit_distance(name, k))
                .map(|k| format!("did you mean `{}.{k}`? ", r.scope.as_str()))
                .unwrap_or_default();
            diags.push(Diagnostic {
                code: UNKNOWN_REFERENCE.to_string(),
                severity: Severity::Error,
                file: loaded.file,
                span: span_in_scalar(ws, loaded, pointer, text, r.range.clone()),
                message,
                help: Some(format!("{suggestion}{help}")),
                label: Some("not declared".to_string()),
                fix: None,
            });
        }
    }
}

/// Maps a byte range of a scalar's value to the YAML text: exact for plain and simply
/// quoted scalars, the whole node otherwise (escapes or folding moved the bytes).
fn span_in_scalar<T>(
    ws: &Workspace,
    loaded: &Loaded<T>,
    pointer: &str,
    value: &str,
    range: std::ops::Range<usize>,
) -> Span {
    let node = loaded.span_of(pointer).value;
    let source = &ws.file(loaded.file).text;
    let Some(raw) = source.get(node.start..node.end) else {
        return node;
    };
    if raw == value {
        return Span::new(node.start + range.start, node.start + range.end);
    }
    let quoted = raw.len() == value.len() + 2
        && ((raw.starts_with('"') && raw.ends_with('"'))
            || (raw.starts_with('\'') && raw.ends_with('\'')))
        && &raw[1..raw.len() - 1] == value;
    if quoted {
        return Span::new(node.start + 1 + range.start, node.start + 1 + range.end);
    }
    node
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn diag_at<T>(
    _ws: &Workspace,
    loaded: &Loaded<T>,
    pointer: &str,
    code: &str,
    message: String,
    help: &str,
) -> Diagnostic {
    Diagnostic {
        code: code.to_string(),
        severity: Severity::Error,
        file: loaded.file,
        span: loaded.span_of(pointer).value,
        message,
        help: Some(help.to_string()),
        label: None,
        fix: None,
    }
}

fn unknown_provider<T>(
    ws: &Workspace,
    loaded: &Loaded<T>,
    name: &str,
    known: &BTreeMap<&str, &Loaded<Provider>>,
) -> Diagnostic {
    let suggestion = known
        .keys()
        .find(|k| template::close_to(name, k))
        .map(|k| format!("did you mean `{k}`? "))
        .unwrap_or_default();
    diag_at(
        ws,
        loaded,
        "/spec/provider",
        UNKNOWN_REFERENCE,
        format!("no Provider named `{name}` was loaded"),
        &format!("{suggestion}load the provider's file too, or fix the name"),
    )
}
