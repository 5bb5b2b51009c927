//! The typed model of spec format v1: `Provider`, `AuthProfile` and `Action`.
//!
//! These types are the contract: the JSON Schemas in `schemas/` are generated from them
//! (`integ schema`), and every loaded document is checked against those schemas before it
//! is deserialized into them. Field names are camelCase on the wire.
//!
//! Strings that may hold templates (`{{ inputs.x }}`, `{{ token.x }}`, `{{ fields.x }}`) or
//! value references (`${env:NAME}`) are kept as written here; `crate::template` parses them
//! into a typed form, and the loader reports a bad one at its exact span.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The only `apiVersion` this build understands.
pub const API_VERSION: &str = "integ/v1";

/// What `metadata.name` must look like: lowercase letters, digits, `-` and `_`, starting
/// and ending with a letter or digit, at most 64 characters (it is typed on command lines).
pub const NAME_PATTERN: &str = "^[a-z0-9]([a-z0-9_-]{0,62}[a-z0-9])?$";

/// The kinds of document, as written in `kind:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    Provider,
    AuthProfile,
    Action,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Provider, Kind::AuthProfile, Kind::Action];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Provider => "Provider",
            Kind::AuthProfile => "AuthProfile",
            Kind::Action => "Action",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// `metadata:` of every document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// Unique per kind and provider; how the command line names the document.
    #[schemars(pattern(NAME_PATTERN))]
    pub name: String,
    /// A human title, e.g. `Update Contact`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One document: `apiVersion`, `kind`, `metadata`, `spec`. The generated schema of each
/// kind pins `apiVersion` to `integ/v1` and `kind` to the kind's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Document<S> {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: S,
}

pub type Provider = Document<ProviderSpec>;
pub type AuthProfile = Document<AuthProfileSpec>;
pub type Action = Document<ActionSpec>;

// ---------------------------------------------------------------------------------------
// Provider
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderSpec {
    /// Base URL of every API request, e.g. `https://services.leadconnectorhq.com`.
    pub base_url: String,
    /// Headers sent with every request; all of them are required (`missing-required-header`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Which undeclared inputs the API rejects (with 422); actions may override.
    #[serde(default)]
    pub strict: Strictness,
    /// Hosts that may receive credentials. Loopback addresses are always allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_hosts: Vec<String>,
    /// The API's burst limit, which the runner keeps under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    pub auth: ProviderAuth,
}

/// Which undeclared inputs the API rejects with 422. On a provider an absent field means
/// `false`; on an action an absent field means "as the provider says".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Strictness {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimit {
    /// Requests allowed per window.
    #[schemars(range(min = 1))]
    pub requests: u32,
    /// Window length in seconds.
    #[schemars(range(min = 1))]
    pub per_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderAuth {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<ProviderOAuth2>,
    /// Which profile kinds the provider supports.
    pub modes: AuthModes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderOAuth2 {
    pub authorization_url: String,
    pub token_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_url: Option<String>,
    /// Extra form parameters of every token request (HighLevel: `user_type: Location`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub token_params: BTreeMap<String, String>,
    /// Fields of the token response that `{{ token.x }}` may name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_fields: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthModes {
    #[serde(default)]
    pub system: ModeSupport,
    #[serde(default)]
    pub custom: ModeSupport,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModeSupport {
    #[serde(default)]
    pub developer: bool,
    #[serde(default)]
    pub user: bool,
}

// ---------------------------------------------------------------------------------------
// AuthProfile
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthProfileSpec {
    /// `metadata.name` of the provider this profile authorizes.
    pub provider: String,
    #[serde(rename = "type")]
    pub auth_type: AuthType,
    /// "OAuth - System" or "OAuth - Custom".
    pub ownership: Ownership,
    /// Pre-authorized by the developer, or authorized by each end user at run time.
    pub authorized_by: AuthorizedBy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<ProfileOAuth2>,
    /// Overrides the provider's base URL (e.g. a local sandbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// "Authorization Fields": injected into every request of the provider.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<AuthField>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AuthType {
    Oauth2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Ownership {
    System,
    Custom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AuthorizedBy {
    Developer,
    User,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileOAuth2 {
    /// Usually `${env:NAME}`.
    pub client_id: String,
    /// Must be `${env:NAME}` (`plaintext-secret`).
    pub client_secret: String,
    pub authorization_url: String,
    pub token_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// How the client authenticates at the token endpoint.
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// A refresh token provided out of band for pre-authorized profiles; must be `${env:NAME}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Extra token-request form parameters; merged over the provider's `tokenParams`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub token_params: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ClientAuth {
    /// `client_secret_post`: id and secret in the form body (HighLevel).
    #[default]
    Post,
    /// `client_secret_basic`: HTTP Basic authentication.
    Basic,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("not" = { "required": ["except", "only"] }))]
pub struct AuthField {
    /// Where the field goes.
    #[serde(rename = "in")]
    pub location: FieldLocation,
    pub key: String,
    /// A literal, a template (`{{ token.locationId }}`) or `${env:NAME}`.
    pub value: String,
    /// Actions this field is not sent with. Never together with `only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except: Option<Vec<String>>,
    /// The only actions this field is sent with. Never together with `except`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<Vec<String>>,
}

impl AuthField {
    /// Whether this field is sent with the action named `action`.
    pub fn applies_to(&self, action: &str) -> bool {
        if let Some(only) = &self.only {
            return only.iter().any(|a| a == action);
        }
        if let Some(except) = &self.except {
            return !except.iter().any(|a| a == action);
        }
        true
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum FieldLocation {
    Query,
    Body,
    Header,
}

impl FieldLocation {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldLocation::Query => "query",
            FieldLocation::Body => "body",
            FieldLocation::Header => "header",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Action
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionSpec {
    pub provider: String,
    /// OAuth scopes the call needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Overrides the provider's strictness for this action.
    #[serde(default)]
    pub strict: Strictness,
    /// A POST that is safe to send twice (the runner retries only idempotent requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent: Option<bool>,
    /// JSON Schema of the action's inputs.
    #[serde(default = "empty_object_schema")]
    #[schemars(schema_with = "any_object")]
    pub input: serde_json::Value,
    pub request: Request,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Output>,
}

fn empty_object_schema() -> serde_json::Value {
    serde_json::json!({ "type": "object" })
}

fn any_object(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "object", "description": "A JSON Schema (draft 2020-12) of the action's inputs." })
}

fn any_value(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "description": "Any JSON value; strings may be templates." })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// Idempotent by HTTP semantics (RFC 9110 §9.2.2); safe to retry.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, HttpMethod::Post | HttpMethod::Patch)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    pub method: HttpMethod,
    /// Path under the base URL; may hold `{{ inputs.x }}` (escaped as a path segment).
    pub path: String,
    /// Query parameters; values may be templates. A key whose optional input is absent is not sent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub query: BTreeMap<String, serde_json::Value>,
    /// Extra headers of this action; they may not remove the provider's required ones.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// JSON body; strings may be templates, and a whole-value template keeps its JSON type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "any_value")]
    pub body: Option<serde_json::Value>,
    /// What the API admits (from its OpenAPI); where strict, it rejects the rest.
    #[serde(default)]
    pub accepts: Accepts,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Accepts {
    /// Query parameters the operation declares. Absent: unknown (nothing is checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<Vec<String>>,
    /// Top-level body properties the operation's DTO declares. Absent: unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Output {
    /// JSON pointer into the response body, e.g. `/contact`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<String>,
}
