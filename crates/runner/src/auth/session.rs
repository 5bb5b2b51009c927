//! What the request executor holds: the token of one profile (and user), refreshed 60 s
//! before expiry and once after a 401, through the store's locked refresh protocol.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use integ_spec::model::AuthorizedBy;
use tokio::sync::Mutex;

use super::login::{self, LoginOptions};
use super::oauth::{self, OAuthHttp};
use super::pause;
use super::store::{StoredToken, TokenKey, TokenStore};
use super::{AuthError, OAuthConfig, REFRESH_MARGIN_SECS, now_unix};
use crate::secret::Secret;

/// May a missing token start an interactive login?
#[derive(Debug, Clone)]
pub enum Interaction {
    /// Never: fail naming the login command.
    None,
    /// Yes, with these options (the URL goes to stderr).
    Login(LoginOptions),
}

/// True when a person is at the terminal: stdin and stderr are TTYs, `--no-input` was not
/// given and `CI` is not set.
pub fn is_interactive(no_input: bool) -> bool {
    !no_input
        && std::env::var_os("CI").is_none_or(|v| v.is_empty() || v == "false" || v == "0")
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
}

/// The user of a run: `--user`/`INTEG_USER` for `authorizedBy: user` profiles (the
/// default user when none), nobody for developer-authorized ones.
pub fn resolve_user(authorized_by: AuthorizedBy, user: Option<&str>) -> Option<String> {
    match authorized_by {
        AuthorizedBy::User => Some(
            user.filter(|u| !u.is_empty())
                .unwrap_or(super::DEFAULT_USER)
                .to_string(),
        ),
        AuthorizedBy::Developer => None,
    }
}

/// Why a refresh is wanted; decided again under the lock, against the file's current
/// token, so that a process that waited reuses what the winner stored.
#[derive(Debug, Clone)]
pub enum RefreshReason {
    /// The access token expires within the margin.
    Expiring,
    /// The server rejected this access token (401).
    Unauthorized(Secret),
    /// Asked for (`integ auth refresh --force`): refresh unless the refresh token is no
    /// longer the one seen before the lock (someone else just refreshed).
    Forced(Option<Secret>),
}

/// The token of one profile (and user), shared by the requests of a run.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    config: OAuthConfig,
    key: TokenKey,
    store: Arc<dyn TokenStore>,
    http: reqwest::Client,
    current: Mutex<StoredToken>,
    /// Token requests this session sent (refreshes another process made count not).
    refreshes_sent: AtomicU64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("key", &self.inner.key)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Loads the stored token of `config` for `user`. With none stored: a pre-authorized
    /// profile with `oauth2.refreshToken` redeems it; a user profile logs in when
    /// `interaction` allows; otherwise the error names the login command.
    pub async fn open(
        config: OAuthConfig,
        store: Arc<dyn TokenStore>,
        user: Option<&str>,
        interaction: Interaction,
    ) -> Result<Session, AuthError> {
        let http = crate::http::client().map_err(|e| AuthError::HttpClient(e.to_string()))?;
        let key = config.key(user);
        let loaded = {
            let (store, key) = (store.clone(), key.clone());
            blocking(move || store.load(&key).map_err(AuthError::from)).await?
        };
        let mut sent = 0;
        let token = match loaded {
            Some(t) => t,
            None if config.refresh_token.is_some() => {
                let (token, was_sent) =
                    refresh_with(&config, &key, &store, &http, RefreshReason::Expiring).await?;
                sent += u64::from(was_sent);
                token
            }
            None => match (&interaction, config.authorized_by) {
                (Interaction::Login(options), AuthorizedBy::User) => {
                    login::login(&config, key.clone(), store.clone(), http.clone(), options).await?
                }
                _ => {
                    return Err(AuthError::LoginRequired {
                        who: key.describe(),
                        command: key.login_command(),
                    });
                }
            },
        };
        check_issuer(&config, &key, &token)?;
        Ok(Session {
            inner: Arc::new(Inner {
                config,
                key,
                store,
                http,
                current: Mutex::new(token),
                refreshes_sent: AtomicU64::new(sent),
            }),
        })
    }

    pub fn key(&self) -> &TokenKey {
        &self.inner.key
    }

    pub fn config(&self) -> &OAuthConfig {
        &self.inner.config
    }

    /// The token set held now, without refreshing it.
    pub async fn held(&self) -> StoredToken {
        self.inner.current.lock().await.clone()
    }

    /// The current token set, refreshed first when it expires within 60 s. Its
    /// `metadata` is what `{{ token.x }}` reads.
    pub async fn token(&self) -> Result<StoredToken, AuthError> {
        let mut current = self.inner.current.lock().await;
        if current.expires_within(now_unix(), REFRESH_MARGIN_SECS) {
            *current = self.refresh(RefreshReason::Expiring).await?;
        }
        Ok(current.clone())
    }

    /// The bearer token to send now.
    pub async fn access_token(&self) -> Result<Secret, AuthError> {
        Ok(self.token().await?.access_token)
    }

    /// After a 401 for `rejected`: refresh once (unless another task or process already
    /// did) and return the token set to retry with.
    pub async fn refresh_after_unauthorized(
        &self,
        rejected: &Secret,
    ) -> Result<StoredToken, AuthError> {
        let mut current = self.inner.current.lock().await;
        if current.access_token != *rejected {
            return Ok(current.clone());
        }
        *current = self
            .refresh(RefreshReason::Unauthorized(rejected.clone()))
            .await?;
        Ok(current.clone())
    }

    /// Refreshes now, unless another process refreshed since this session loaded.
    pub async fn force_refresh(&self) -> Result<StoredToken, AuthError> {
        let mut current = self.inner.current.lock().await;
        let seen = current.refresh_token.clone();
        *current = self.refresh(RefreshReason::Forced(seen)).await?;
        Ok(current.clone())
    }

    /// How many refresh requests this session sent (a refresh another process made and
    /// this one reused is not counted).
    pub fn refreshes_sent(&self) -> u64 {
        self.inner.refreshes_sent.load(Ordering::SeqCst)
    }

    async fn refresh(&self, reason: RefreshReason) -> Result<StoredToken, AuthError> {
        let i = &self.inner;
        let (token, sent) = refresh_with(&i.config, &i.key, &i.store, &i.http, reason).await?;
        if sent {
            i.refreshes_sent.fetch_add(1, Ordering::SeqCst);
        }
        check_issuer(&i.config, &i.key, &token)?;
        Ok(token)
    }
}

fn check_issuer(
    config: &OAuthConfig,
    key: &TokenKey,
    token: &StoredToken,
) -> Result<(), AuthError> {
    if token.token_url != config.token_url.as_str() || token.client_id != config.client_id {
        return Err(AuthError::OtherIssuer {
            who: key.describe(),
            stored_url: token.token_url.clone(),
            stored_client: token.client_id.clone(),
            url: config.token_url.to_string(),
            command: key.login_command(),
        });
    }
    Ok(())
}

/// The refresh protocol: under the key's lock, re-read; if the reason still holds,
/// redeem the refresh token and let the store write the new set durably before anyone
/// uses it. Runs on a blocking thread (the lock wait is a blocking call). Returns the
/// token now current and whether this call sent the refresh request.
pub(crate) async fn refresh_with(
    config: &OAuthConfig,
    key: &TokenKey,
    store: &Arc<dyn TokenStore>,
    http: &reqwest::Client,
    reason: RefreshReason,
) -> Result<(StoredToken, bool), AuthError> {
    let runtime = tokio::runtime::Handle::current();
    let (config, key, store, http) = (
        config.clone(),
        key.clone(),
        store.clone(),
        OAuthHttp::new(http.clone()),
    );
    blocking(move || {
        let mut sent = false;
        let result = store.refresh_locked(&key, &mut |current| {
            let now = now_unix();
            let redeem = match current {
                Some(current) => {
                    check_issuer(&config, &key, current)?;
                    let still_needed = match &reason {
                        RefreshReason::Expiring => current.expires_within(now, REFRESH_MARGIN_SECS),
                        RefreshReason::Unauthorized(rejected) => current.access_token == *rejected,
                        RefreshReason::Forced(seen) => current.refresh_token == *seen,
                    };
                    if !still_needed {
                        tracing::debug!(who = %key.describe(), "another process refreshed already; using its token");
                        return Ok(None);
                    }
                    current.refresh_token.clone().ok_or_else(|| AuthError::LoginRequired {
                        who: format!("{} (the stored token has no refresh token)", key.describe()),
                        command: key.login_command(),
                    })?
                }
                // A pre-authorized profile bootstraps from `oauth2.refreshToken`.
                None => config.refresh_token.clone().ok_or_else(|| AuthError::LoginRequired {
                    who: key.describe(),
                    command: key.login_command(),
                })?,
            };
            pause::point(pause::BEFORE_REQUEST);
            tracing::debug!(who = %key.describe(), "refreshing the access token");
            sent = true;
            let response = runtime.block_on(oauth::refresh(&config, &http, &key, &redeem))?;
            pause::point(pause::AFTER_RESPONSE);
            Ok(Some(oauth::to_stored(&config, &key, &response, Some(&redeem), now_unix())))
        })?;
        let token = result.ok_or_else(|| AuthError::LoginRequired {
            who: key.describe(),
            command: key.login_command(),
        })?;
        Ok((token, sent))
    })
    .await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
) -> Result<T, AuthError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AuthError::Internal(format!("a blocking task failed: {e}")))?
}
