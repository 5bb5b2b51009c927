//! One run of one action, from a bundle (compiled from a file or in memory) to a response:
//! the single code path behind `integ run` and `integ demo`.
//!
//! Order matters, because a bad run must send nothing: names are resolved, inputs are
//! checked against the schema, and the request is built once without a token (which
//! catches a missing `${env:..}`) before the token store or the network is touched.

use std::sync::Arc;

use integ_spec::compile::{Bundle, CompiledAction, CompiledProfile, CompiledProvider, NameError};
use serde_json::{Map, Value};

use crate::auth::{
    AuthError, FileTokenStore, Interaction, OAuthConfig, Session, TokenKey, TokenStore,
};
use crate::execute::{
    CredentialError, Credentials, Event, ExecError, Response, RetryPolicy, Sender,
};
use crate::ratelimit::RateLimiter;
use crate::request::{self, BuildError, Context, Inputs, Prepared};
use crate::secret::Secret;

/// Why a run did not succeed, and its exit code (README: 1 the action failed or its
/// input is invalid, 2 the run could not start: names, specs, environment, login).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Name(#[from] NameError),
    #[error(
        "action `{action}` is for provider `{action_provider}`, profile `{profile}` for `{profile_provider}`"
    )]
    ProviderMismatch {
        action: String,
        action_provider: String,
        profile: String,
        profile_provider: String,
    },
    #[error("provider `{0}` is not in the bundle")]
    MissingProvider(String),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("{0}")]
    Exec(#[from] ExecError),
}

impl RunError {
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Name(_)
            | RunError::ProviderMismatch { .. }
            | RunError::MissingProvider(_) => 2,
            RunError::Build(BuildError::MissingEnv { .. } | BuildError::BadUrl { .. }) => 2,
            RunError::Build(BuildError::HostNotAllowed { .. } | BuildError::InsecureUrl { .. }) => {
                2
            }
            RunError::Build(_) => 1,
            RunError::Auth(e) => e.exit_code(),
            RunError::Exec(_) => 1,
        }
    }
}

/// An action and a profile of one provider, found in a bundle.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub action: &'a CompiledAction,
    pub profile: &'a CompiledProfile,
    pub provider: &'a CompiledProvider,
}

impl<'a> Target<'a> {
    pub fn find(bundle: &'a Bundle, action: &str, profile: &str) -> Result<Target<'a>, RunError> {
        let action = bundle.action(action)?;
        let profile = bundle.profile(profile)?;
        if action.provider != profile.provider {
            return Err(RunError::ProviderMismatch {
                action: action.name.clone(),
                action_provider: action.provider.clone(),
                profile: profile.name.clone(),
                profile_provider: profile.provider.clone(),
            });
        }
        let provider = bundle
            .provider(&action.provider)
            .ok_or_else(|| RunError::MissingProvider(action.provider.clone()))?;
        Ok(Target {
            action,
            profile,
            provider,
        })
    }

    /// Whose tokens this run uses.
    pub fn token_key(&self, user: Option<&str>) -> TokenKey {
        TokenKey {
            provider: self.provider.name.clone(),
            profile: self.profile.name.clone(),
            user: crate::auth::resolve_user(self.profile.authorized_by, user),
        }
    }

    /// Checks the inputs and builds the request; `token` is the stored token's metadata
    /// (`None`: `{{ token.x }}` shows as a placeholder).
    pub fn prepare(
        &self,
        inputs: &Inputs,
        token: Option<&Map<String, Value>>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Prepared, RunError> {
        request::validate_inputs(&self.action.input, inputs)?;
        Ok(request::build(&Context {
            action: self.action,
            profile: self.profile,
            inputs,
            token,
            env,
        })?)
    }

    /// The OAuth configuration of the profile (reads its `${env:..}` through `env` now).
    pub fn oauth_config(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<OAuthConfig, RunError> {
        Ok(OAuthConfig::from_profile_with_env(
            &self.profile.to_document(),
            &self.provider.to_document(),
            env,
        )?)
    }
}

/// The stored token's metadata without refreshing or any request (for `--dry-run`).
pub fn stored_metadata(store: &dyn TokenStore, key: &TokenKey) -> Option<Map<String, Value>> {
    let token = store.load(key).ok().flatten()?;
    Some(token.metadata.into_iter().collect())
}

/// The limiter bucket of a run: profile and location, as HighLevel counts.
pub fn limit_key(profile: &CompiledProfile, token: &Map<String, Value>, key: &TokenKey) -> String {
    let place = token
        .get("locationId")
        .or_else(|| token.get("companyId"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| key.user.clone())
        .unwrap_or_default();
    format!("{}/{}/{place}", profile.provider, profile.name)
}

impl Credentials for Session {
    async fn access_token(&self) -> Result<Secret, CredentialError> {
        Session::access_token(self)
            .await
            .map_err(|e| CredentialError(e.to_string()))
    }
    async fn refresh_after_unauthorized(
        &self,
        rejected: &Secret,
    ) -> Result<Secret, CredentialError> {
        Session::refresh_after_unauthorized(self, rejected)
            .await
            .map(|t| t.access_token)
            .map_err(|e| CredentialError(e.to_string()))
    }
}

/// Everything a live run shares across requests.
pub struct Runtime {
    pub client: reqwest::Client,
    pub store: Arc<dyn TokenStore>,
    pub limiter: RateLimiter,
    pub policy: RetryPolicy,
}

impl Runtime {
    /// The runner's HTTP client, the token store under `$INTEG_STATE_DIR` (or the XDG
    /// state dir), and a limiter under `rate_limit`.
    pub fn new(rate_limit: Option<&integ_spec::model::RateLimit>) -> Result<Runtime, RunError> {
        let store = FileTokenStore::from_env().map_err(AuthError::from)?;
        Runtime::with_store(Arc::new(store), rate_limit)
    }

    /// As [`Runtime::new`], with another token store.
    pub fn with_store(
        store: Arc<dyn TokenStore>,
        rate_limit: Option<&integ_spec::model::RateLimit>,
    ) -> Result<Runtime, RunError> {
        let client = crate::http::client().map_err(|e| AuthError::HttpClient(e.to_string()))?;
        Ok(Runtime {
            client,
            store,
            limiter: RateLimiter::new(rate_limit),
            policy: RetryPolicy::default(),
        })
    }

    /// Opens the session of `target` for `user`; the profile's `${env:..}` are read
    /// through `env`.
    pub async fn session(
        &self,
        target: &Target<'_>,
        user: Option<&str>,
        interaction: Interaction,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Session, RunError> {
        let config = target.oauth_config(env)?;
        Ok(Session::open(config, self.store.clone(), user, interaction).await?)
    }

    /// Runs the action: checks, builds with the session's token, sends. Returns the
    /// request as shown (redacted) and the response.
    pub async fn execute(
        &self,
        target: &Target<'_>,
        session: &Session,
        inputs: &Inputs,
        env: &dyn Fn(&str) -> Option<String>,
        on_event: impl FnMut(&Event),
    ) -> Result<(Prepared, Response), (Option<Prepared>, RunError)> {
        // Everything that can fail without a token fails here, before the token (and
        // perhaps a refresh request) is fetched.
        target.prepare(inputs, None, env).map_err(|e| (None, e))?;
        let token = session
            .token()
            .await
            .map_err(|e| (None, RunError::from(e)))?;
        let metadata: Map<String, Value> = token.metadata.clone().into_iter().collect();
        let prepared = target
            .prepare(inputs, Some(&metadata), env)
            .map_err(|e| (None, e))?;
        let sender = Sender {
            client: &self.client,
            credentials: session,
            send_credentials: prepared.credentials_allowed,
            idempotent: target.action.idempotent,
            limiter: &self.limiter,
            limit_key: limit_key(target.profile, &metadata, session.key()),
            policy: &self.policy,
        };
        match sender.send(&prepared.send, on_event).await {
            Ok(r) => Ok((prepared, r)),
            Err(e) => Err((Some(prepared), RunError::Exec(e))),
        }
    }
}
