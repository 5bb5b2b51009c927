//! The authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636 S256) over a one-shot
//! loopback callback (RFC 8252 §7.3): `http://127.0.0.1:PORT/callback`.
//!
//! [`start`] binds the listener and builds the authorization URL; the caller shows it
//! (and maybe opens a browser); [`PendingLogin::finish`] waits for the callback, checks
//! `state`, exchanges the code and stores the token set. Nothing is stored unless every
//! step succeeded.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use oauth2::{CsrfToken, PkceCodeChallenge, PkceCodeVerifier, Scope};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use url::Url;

use super::oauth::{self, OAuthHttp};
use super::store::{StoredToken, TokenKey, TokenStore};
use super::{AuthError, OAuthConfig, now_unix};

/// How a login runs.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// Listen on this port; a free one when `None`.
    pub redirect_port: Option<u16>,
    /// Open the system browser (only honoured when there is a display).
    pub open_browser: bool,
    /// Give up when no callback arrived in this time.
    pub timeout: Duration,
}

impl Default for LoginOptions {
    fn default() -> LoginOptions {
        LoginOptions {
            redirect_port: None,
            open_browser: true,
            timeout: Duration::from_secs(300),
        }
    }
}

/// A login waiting for its callback.
pub struct PendingLogin {
    config: OAuthConfig,
    key: TokenKey,
    listener: TcpListener,
    redirect_uri: String,
    url: Url,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
    timeout: Duration,
}

/// Binds the callback listener and builds the authorization URL.
pub async fn start(
    config: &OAuthConfig,
    key: TokenKey,
    options: &LoginOptions,
) -> Result<PendingLogin, AuthError> {
    let addr = format!("127.0.0.1:{}", options.redirect_port.unwrap_or(0));
    let listener = TcpListener::bind(&addr)
        .await
        .map_err(|source| AuthError::Listen {
            addr: addr.clone(),
            source,
        })?;
    let port = listener
        .local_addr()
        .map_err(|source| AuthError::Listen { addr, source })?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let client = oauth::client(config, &config.token_url, Some(&redirect_uri))?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(config.scopes.iter().map(|s| Scope::new(s.clone())))
        .set_pkce_challenge(challenge)
        .url();
    tracing::debug!(redirect_uri = %redirect_uri, "waiting for the OAuth callback");
    Ok(PendingLogin {
        config: config.clone(),
        key,
        listener,
        redirect_uri,
        url,
        state,
        verifier,
        timeout: options.timeout,
    })
}

/// Whether a browser can be opened here: always on macOS and Windows, with a display
/// elsewhere.
pub fn has_display() -> bool {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// Tells the user where to go (stderr), and opens the browser when asked and possible.
pub fn announce(pending: &PendingLogin, open_browser: bool) {
    eprintln!(
        "To authorize integ for {}, open this URL in a browser:\n\n  {}\n\nWaiting for the redirect to {} ...",
        pending.key.describe(),
        pending.url,
        pending.redirect_uri
    );
    if open_browser
        && has_display()
        && let Err(e) = open::that_detached(pending.url.as_str())
    {
        tracing::debug!(error = %e, "could not open a browser");
    }
}

impl PendingLogin {
    /// The URL the user authorizes at.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// `http://127.0.0.1:PORT/callback`.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    pub fn key(&self) -> &TokenKey {
        &self.key
    }

    /// Waits for the callback, exchanges the code and saves the token set in `store`.
    pub async fn finish(
        self,
        http: reqwest::Client,
        store: Arc<dyn TokenStore>,
    ) -> Result<StoredToken, AuthError> {
        let (tx, mut rx) = mpsc::channel::<(BTreeMap<String, String>, TcpStream)>(1);
        let listener = self.listener;
        let acceptor = tokio::spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // E.g. out of file descriptors: wait instead of spinning.
                        tracing::debug!(error = %e, "accepting a callback connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let tx = tx.clone();
                // Each connection on its own: a browser's idle pre-connection must not
                // hold up the real callback.
                tokio::spawn(async move {
                    if let Some((params, stream)) = read_callback(stream).await {
                        let _ = tx.send((params, stream)).await;
                    }
                });
            }
        });
        let received = tokio::time::timeout(self.timeout, rx.recv()).await;
        acceptor.abort();
        let (params, mut stream) = match received {
            Ok(Some(got)) => got,
            Ok(None) => return Err(AuthError::Internal("the callback listener stopped".into())),
            Err(_) => {
                return Err(AuthError::Timeout {
                    secs: self.timeout.as_secs(),
                });
            }
        };

        let outcome = async {
            let code = check_callback(&params, self.state.secret())?;
            let http = OAuthHttp::new(http);
            let response =
                oauth::exchange_code(&self.config, &http, &self.redirect_uri, code, self.verifier)
                    .await?;
            let token = oauth::to_stored(&self.config, &self.key, &response, None, now_unix());
            let (store, key, to_save) = (store.clone(), self.key.clone(), token.clone());
            tokio::task::spawn_blocking(move || store.save(&key, &to_save))
                .await
                .map_err(|e| AuthError::Internal(e.to_string()))??;
            Ok::<_, AuthError>(token)
        }
        .await;

        let page = match &outcome {
            Ok(_) => page(
                200,
                "integ is authorized",
                "You can close this tab and return to the terminal.",
            ),
            Err(e) => page(400, "integ was not authorized", &e.to_string()),
        };
        let _ = stream.write_all(page.as_bytes()).await;
        let _ = stream.shutdown().await;
        outcome
    }
}

/// Checks a callback's parameters; returns the code.
fn check_callback(
    params: &BTreeMap<String, String>,
    expected_state: &str,
) -> Result<String, AuthError> {
    // An error answer carries no code, so there is nothing a forged one could make us
    // store: report it as the server sent it.
    if let Some(error) = params.get("error") {
        return Err(AuthError::Denied {
            error: error
                .chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect(),
            description: params
                .get("error_description")
                .map(|d| d.chars().filter(|c| !c.is_control()).take(200).collect()),
        });
    }
    if params.get("state").map(String::as_str) != Some(expected_state) {
        return Err(AuthError::StateMismatch);
    }
    // `iss` (RFC 9207) is tolerated; a profile names no issuer to compare it with.
    params
        .get("code")
        .cloned()
        .ok_or(AuthError::CallbackWithoutCode)
}

/// Reads one request head; answers anything but `GET /callback` with 404 and `None`.
async fn read_callback(mut stream: TcpStream) -> Option<(BTreeMap<String, String>, TcpStream)> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 || head.len() + n > 16 * 1024 {
                return None;
            }
            head.extend_from_slice(&buf[..n]);
        }
        Some(())
    })
    .await;
    if !matches!(read, Ok(Some(()))) {
        return None;
    }
    let text = String::from_utf8_lossy(&head);
    let mut request_line = text.lines().next().unwrap_or("").split(' ');
    let (method, target) = (
        request_line.next().unwrap_or(""),
        request_line.next().unwrap_or(""),
    );
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || path != "/callback" {
        let _ = stream
            .write_all(page(404, "Not found", "This is integ's OAuth callback.").as_bytes())
            .await;
        return None;
    }
    let params = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Some((params, stream))
}

fn page(status: u16, title: &str, message: &str) -> String {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1><p>{m}</p></body></html>\n",
        t = html_escape(title),
        m = html_escape(message)
    );
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}",
        body.len()
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Runs a whole login: start, announce, finish.
pub async fn login(
    config: &OAuthConfig,
    key: TokenKey,
    store: Arc<dyn TokenStore>,
    http: reqwest::Client,
    options: &LoginOptions,
) -> Result<StoredToken, AuthError> {
    let pending = start(config, key, options).await?;
    announce(&pending, options.open_browser);
    pending.finish(http, store).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn callback_checks() {
        assert_eq!(
            check_callback(&params(&[("code", "c"), ("state", "s")]), "s").unwrap(),
            "c"
        );
        assert_eq!(
            check_callback(
                &params(&[("code", "c"), ("state", "s"), ("iss", "https://x")]),
                "s"
            )
            .unwrap(),
            "c"
        );
        assert!(matches!(
            check_callback(&params(&[("code", "c"), ("state", "t")]), "s"),
            Err(AuthError::StateMismatch)
        ));
        assert!(matches!(
            check_callback(&params(&[("code", "c")]), "s"),
            Err(AuthError::StateMismatch)
        ));
        let denied = check_callback(&params(&[("error", "access_denied"), ("state", "s")]), "s")
            .unwrap_err();
        assert_eq!(
            denied.to_string(),
            "authorization was not granted: access_denied; nothing was stored"
        );
        assert!(matches!(
            check_callback(&params(&[("state", "s")]), "s"),
            Err(AuthError::CallbackWithoutCode)
        ));
    }
}
