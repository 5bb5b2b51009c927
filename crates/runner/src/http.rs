//! The runner's one HTTP client: reqwest over rustls with the `ring` provider, no
//! automatic redirects (a redirect could carry credentials to another host; callers that
//! want one follow it themselves), and bounded timeouts.

use std::sync::Once;
use std::time::Duration;

/// Connect timeout of every request.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole-request timeout of every request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

static INSTALL_PROVIDER: Once = Once::new();

/// Installs `ring` as rustls' process-wide crypto provider (reqwest is built with
/// `rustls-no-provider`). Idempotent; a provider installed earlier by someone else stays.
pub fn install_crypto_provider() {
    INSTALL_PROVIDER.call_once(|| {
        // Err means a provider is already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The builder every runner client starts from; add to it, don't start another.
pub fn builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("integ/", env!("CARGO_PKG_VERSION")))
}

/// The runner's HTTP client.
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    builder().build()
}
