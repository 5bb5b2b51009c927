//! Everything that can go wrong in `auth`, each with a message a user can act on. No
//! variant carries a secret: server bodies are never quoted, only their OAuth `error`
//! code and description.

use super::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "environment variable {var} is not set (profile {profile}, field {field}); export it before running integ"
    )]
    MissingEnv {
        var: String,
        profile: String,
        field: String,
    },

    #[error("profile {profile}, field {field}: {message}")]
    BadConfig {
        profile: String,
        field: String,
        message: String,
    },

    #[error("profile {profile} has no `oauth2:` section, so there is nothing to log in to")]
    NoOAuth2 { profile: String },

    #[error("no token is stored for {who}; log in first: `{command}`")]
    LoginRequired { who: String, command: String },

    #[error(
        "the refresh token of {who} was rejected (invalid_grant): it was used already, expired or was revoked. The stored token was left as it was; log in again: `{command}`"
    )]
    InvalidGrant { who: String, command: String },

    #[error("the authorization server rejected the authorization code ({error}{}); nothing was stored", describe(.description))]
    CodeRejected {
        error: String,
        description: Option<String>,
    },

    #[error("authorization was not granted: {error}{}; nothing was stored", describe(.description))]
    Denied {
        error: String,
        description: Option<String>,
    },

    #[error(
        "the callback's `state` does not match this login (a stale or forged callback); nothing was stored"
    )]
    StateMismatch,

    #[error("the callback carried neither `code` nor `error`; nothing was stored")]
    CallbackWithoutCode,

    #[error(
        "no callback arrived within {secs} s; nothing was stored (try again, or raise --timeout)"
    )]
    Timeout { secs: u64 },

    #[error("cannot listen for the OAuth callback on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },

    #[error("the token endpoint {url} answered {status} with the error `{error}`{}; nothing was stored", describe(.description))]
    TokenEndpoint {
        url: String,
        status: String,
        error: String,
        description: Option<String>,
    },

    #[error("the token endpoint {url} answered {detail}; nothing was stored")]
    BadTokenResponse { url: String, detail: String },

    #[error("cannot reach the token endpoint {url}: {detail}")]
    Network { url: String, detail: String },

    #[error(
        "the token stored for {who} was issued by {stored_url} (client {stored_client}), not by this profile's token endpoint {url}; log in again: `{command}`"
    )]
    OtherIssuer {
        who: String,
        stored_url: String,
        stored_client: String,
        url: String,
        command: String,
    },

    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),

    #[error(transparent)]
    Store(#[from] StoreError),

    #[error("internal error: {0}")]
    Internal(String),
}

fn describe(description: &Option<String>) -> String {
    match description {
        Some(d) if !d.is_empty() => format!(" — {d}"),
        _ => String::new(),
    }
}

impl AuthError {
    /// Exit code per the README: 2 for usage, configuration and I/O problems, 1 for an
    /// OAuth flow that failed.
    pub fn exit_code(&self) -> u8 {
        match self {
            AuthError::MissingEnv { .. }
            | AuthError::BadConfig { .. }
            | AuthError::NoOAuth2 { .. }
            | AuthError::Listen { .. }
            | AuthError::HttpClient(_)
            | AuthError::Store(_) => 2,
            _ => 1,
        }
    }
}
