//! OAuth 2.0 for the runner: login (authorization code + PKCE over a loopback callback),
//! refresh, and the crash-safe token store.
//!
//! - [`OAuthConfig`]: a profile and its provider resolved for use (`${env:..}` read now).
//! - [`store`]: the [`TokenStore`] trait and its file backend, [`FileTokenStore`].
//! - [`login`]: the interactive authorization code flow.
//! - [`Session`]: what the request executor holds: a fresh access token on demand
//!   (refreshed 60 s before expiry) and one refresh after a 401.
//!
//! Nothing here prints, logs or returns a secret: tokens travel as [`Secret`].

mod config;
mod error;
pub mod login;
mod oauth;
mod pause;
mod session;
pub mod store;

pub use config::OAuthConfig;
pub use error::AuthError;
pub use login::{LoginOptions, PendingLogin};
pub use session::{Interaction, Session, is_interactive, resolve_user};
pub use store::{FileTokenStore, StoreError, StoredToken, TokenKey, TokenStore};

pub use crate::secret::Secret;

/// Refresh this long before the access token expires.
pub const REFRESH_MARGIN_SECS: u64 = 60;

/// The user whose tokens an `authorizedBy: user` profile uses when none is named.
pub const DEFAULT_USER: &str = "default";

/// Seconds since the Unix epoch.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
