//! Sending a built request: the bearer token, the client-side rate limiter, and the retry
//! policy (docs/decisions/0006-retry-and-rate-limit.md).
//!
//! - 401: one refresh of the token, then one more try.
//! - 429: wait as `Retry-After` (seconds) or `X-RateLimit-*` say, else back off; any
//!   method (a 429 means the request was not processed).
//! - 5xx, timeouts, dropped connections: retried only when the request is idempotent
//!   (GET, PUT, DELETE, or an action marked `idempotent: true`). A connection that could
//!   not be opened is retried for every method: nothing was sent.
//! - Every wait is exponential backoff with full jitter, and the whole run is bounded by
//!   [`RetryPolicy::max_attempts`] and [`RetryPolicy::max_total_wait`].

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::ratelimit::RateLimiter;
use crate::request::{BuiltRequest, REDACTED};
use crate::secret::Secret;

/// How hard to try.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The most the run waits, summed: between attempts, and on attempts that ended
    /// without an answer (timed out, connection dropped).
    pub max_total_wait: Duration,
    /// First backoff; doubles each retry.
    pub base_backoff: Duration,
    /// Largest single backoff.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            max_total_wait: Duration::from_secs(60),
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// Full jitter: uniform in `[0, min(max, base * 2^retry)]`, at least 1 ms.
    pub fn backoff(&self, retry: u32) -> Duration {
        let cap = self
            .base_backoff
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_backoff);
        let ms = cap.as_millis().max(1) as u64;
        Duration::from_millis(rand::thread_rng().gen_range(1..=ms))
    }
}

/// An error from the token source, already free of secrets.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CredentialError(pub String);

/// Where the bearer token comes from (the auth session, or a fixed token in tests).
pub trait Credentials {
    /// The token to send now (refreshed first when it is about to expire).
    fn access_token(&self) -> impl Future<Output = Result<Secret, CredentialError>> + Send;
    /// After a 401 for `rejected`: the token to retry with, refreshed once.
    fn refresh_after_unauthorized(
        &self,
        rejected: &Secret,
    ) -> impl Future<Output = Result<Secret, CredentialError>> + Send;
}

/// A fixed token that cannot be refreshed.
pub struct StaticToken(pub Secret);

impl Credentials for StaticToken {
    async fn access_token(&self) -> Result<Secret, CredentialError> {
        Ok(self.0.clone())
    }
    async fn refresh_after_unauthorized(&self, _: &Secret) -> Result<Secret, CredentialError> {
        Err(CredentialError("the token cannot be refreshed".into()))
    }
}

/// What happened between attempts, for a caller that shows progress.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Waiting `wait` before attempt `next_attempt`, because of `reason`.
    Retry {
        next_attempt: u32,
        reason: String,
        wait: Duration,
    },
    /// The token was refreshed after a 401.
    Refreshed,
}

/// A response with a 2xx status.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    /// The JSON body; a non-JSON body as a string; no body as `null`.
    pub body: Value,
    pub attempts: u32,
}

/// Why an action failed. Messages never hold a secret.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The API answered with a non-2xx status.
    #[error("{status}{}{}", reason.as_ref().map(|r| format!(" {r}")).unwrap_or_default(), if messages.is_empty() { String::new() } else { format!(": {}", messages.join("; ")) })]
    Api {
        status: u16,
        reason: Option<String>,
        /// HighLevel's `message`, every entry of the array.
        messages: Vec<String>,
        body: Value,
        attempts: u32,
    },
    #[error("{message} (after {attempts} attempt{})", if *attempts == 1 { "" } else { "s" })]
    Transport { message: String, attempts: u32 },
    #[error("gave up after {attempts} attempts and {waited:.1?} of waiting: {last}")]
    GaveUp {
        attempts: u32,
        waited: Duration,
        last: String,
    },
    #[error(
        "the response ({status}) is larger than {} MiB; not read (after {attempts} attempt{})",
        MAX_RESPONSE_BYTES >> 20,
        if *attempts == 1 { "" } else { "s" }
    )]
    TooLarge { status: u16, attempts: u32 },
    #[error("could not get an access token: {0}")]
    Credentials(#[from] CredentialError),
    #[error("could not build the HTTP request: {0}")]
    Build(String),
}

/// Everything one send needs besides the request.
pub struct Sender<'a, C> {
    pub client: &'a reqwest::Client,
    pub credentials: &'a C,
    /// Send `Authorization: Bearer`: false for a request to a host that may not see it.
    pub send_credentials: bool,
    /// May the request be sent again after a 5xx or a dropped connection?
    pub idempotent: bool,
    pub limiter: &'a RateLimiter,
    /// The limiter's bucket (HighLevel counts per app and location).
    pub limit_key: String,
    pub policy: &'a RetryPolicy,
}

/// The largest response body integ reads.
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// Why one attempt produced no response to judge.
enum Failure {
    Http(reqwest::Error),
    TooLarge { status: u16 },
}

impl From<reqwest::Error> for Failure {
    fn from(e: reqwest::Error) -> Self {
        Failure::Http(e)
    }
}

enum Verdict {
    Done(Response),
    Retry {
        reason: String,
        wait: Option<Duration>,
    },
    Fail(ExecError),
}

impl<C: Credentials> Sender<'_, C> {
    /// Sends `req`, retrying as the policy says. `on_event` hears every wait.
    pub async fn send(
        &self,
        req: &BuiltRequest,
        mut on_event: impl FnMut(&Event),
    ) -> Result<Response, ExecError> {
        let mut token = if self.send_credentials {
            Some(self.credentials.access_token().await?)
        } else {
            None
        };
        let mut refreshed = false;
        let mut waited = Duration::ZERO;
        let mut attempt = 0u32;
        let mut retries = 0u32;
        loop {
            attempt += 1;
            self.limiter.acquire(&self.limit_key).await;
            let started = std::time::Instant::now();
            let result = self.once(req, token.as_ref()).await;
            // Method, attempt and status only: the URL and headers may hold `${env:}` values.
            tracing::debug!(
                method = req.method.as_str(),
                attempt,
                status = result.as_ref().ok().map(|r| r.0),
                "sent"
            );
            let verdict = match result {
                Ok((status, headers, body)) => {
                    self.limiter.observe(&self.limit_key, &headers);
                    self.judge(status, &headers, body, attempt)
                }
                Err(Failure::TooLarge { status }) => Verdict::Fail(ExecError::TooLarge {
                    status,
                    attempts: attempt,
                }),
                Err(Failure::Http(e)) if e.is_builder() => Verdict::Fail(ExecError::Build(
                    // Without the URL: its query may hold a secret.
                    e.without_url().to_string(),
                )),
                Err(Failure::Http(e)) => {
                    // Time spent on an attempt that never answered (a timeout, a stalled
                    // body) counts as waiting: without it a server that accepts and never
                    // replies would hold a GET for max_attempts x the request timeout.
                    waited += started.elapsed();
                    let message = describe_transport(&e);
                    // Not connected: nothing was sent, so any method may go again.
                    if e.is_connect() || self.idempotent {
                        Verdict::Retry {
                            reason: message,
                            wait: None,
                        }
                    } else {
                        Verdict::Fail(ExecError::Transport {
                            message: format!(
                                "{message}; not retried: a {} may have been processed and is not idempotent",
                                req.method.as_str()
                            ),
                            attempts: attempt,
                        })
                    }
                }
            };
            match verdict {
                Verdict::Done(r) => return Ok(r),
                Verdict::Fail(ExecError::Api { status: 401, .. })
                    if !refreshed && token.is_some() =>
                {
                    refreshed = true;
                    let rejected = token.take().unwrap_or_else(|| Secret::new(""));
                    token = Some(
                        self.credentials
                            .refresh_after_unauthorized(&rejected)
                            .await?,
                    );
                    on_event(&Event::Refreshed);
                }
                Verdict::Fail(e) => return Err(redact_token(e, token.as_ref())),
                Verdict::Retry { reason, wait } => {
                    if attempt >= self.policy.max_attempts {
                        return Err(ExecError::GaveUp {
                            attempts: attempt,
                            waited,
                            last: reason,
                        });
                    }
                    let jitter = self.policy.backoff(retries);
                    retries += 1;
                    let wait = match wait {
                        // The server said how long: that, plus a little jitter so that
                        // many clients do not return at the same instant.
                        Some(w) => w + jitter / 4,
                        None => jitter,
                    };
                    if waited + wait > self.policy.max_total_wait {
                        return Err(ExecError::GaveUp {
                            attempts: attempt,
                            waited,
                            last: format!(
                                "{reason} (the next wait, {wait:.1?}, would pass the {:.0?} limit)",
                                self.policy.max_total_wait
                            ),
                        });
                    }
                    on_event(&Event::Retry {
                        next_attempt: attempt + 1,
                        reason,
                        wait,
                    });
                    tokio::time::sleep(wait).await;
                    waited += wait;
                }
            }
        }
    }

    async fn once(
        &self,
        req: &BuiltRequest,
        token: Option<&Secret>,
    ) -> Result<(u16, HeaderMap, Value), Failure> {
        let method = reqwest::Method::from_bytes(req.method.as_str().as_bytes())
            .unwrap_or(reqwest::Method::GET);
        let mut rb = self.client.request(method, req.url.clone());
        for (k, v) in &req.headers {
            rb = rb.header(k, v);
        }
        if let Some(t) = token {
            rb = rb.bearer_auth(t.expose());
        }
        if let Some(body) = &req.body {
            rb = rb.body(body.to_string());
        }
        let mut resp = rb.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        // Read at most MAX_RESPONSE_BYTES: a server (or a proxy gone wrong) must not be
        // able to make integ hold an unbounded body in memory.
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
        {
            return Err(Failure::TooLarge { status });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(Failure::TooLarge { status });
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok((status, headers, body))
    }

    fn judge(&self, status: u16, headers: &HeaderMap, body: Value, attempt: u32) -> Verdict {
        if (200..300).contains(&status) {
            return Verdict::Done(Response {
                status,
                body,
                attempts: attempt,
            });
        }
        if status == 429 {
            return Verdict::Retry {
                reason: "429 Too Many Requests".to_string(),
                wait: Some(rate_limit_wait(headers)),
            };
        }
        if status >= 500 && self.idempotent {
            return Verdict::Retry {
                reason: format!("{status} {}", reason_phrase(status).unwrap_or(""))
                    .trim_end()
                    .to_string(),
                wait: retry_after(headers),
            };
        }
        Verdict::Fail(api_error(status, body, attempt))
    }
}

/// Some APIs quote the token they reject ("invalid token eyJ…") in the error body, which
/// integ prints: replace the bearer token by `***` in the messages and the body.
fn redact_token(e: ExecError, token: Option<&Secret>) -> ExecError {
    let Some(token) = token.map(Secret::expose).filter(|t| t.len() >= 4) else {
        return e;
    };
    fn scrub(v: &mut Value, token: &str) {
        match v {
            Value::String(s) if s.contains(token) => *s = s.replace(token, REDACTED),
            Value::Array(items) => items.iter_mut().for_each(|i| scrub(i, token)),
            Value::Object(m) => m.values_mut().for_each(|i| scrub(i, token)),
            _ => {}
        }
    }
    match e {
        ExecError::Api {
            status,
            reason,
            mut messages,
            mut body,
            attempts,
        } => {
            for m in &mut messages {
                if m.contains(token) {
                    *m = m.replace(token, REDACTED);
                }
            }
            scrub(&mut body, token);
            ExecError::Api {
                status,
                reason,
                messages,
                body,
                attempts,
            }
        }
        other => other,
    }
}

/// How long a 429 asks to wait: `Retry-After` seconds, else HighLevel's burst interval
/// when `X-RateLimit-Remaining` is 0, else one second.
pub fn rate_limit_wait(headers: &HeaderMap) -> Duration {
    if let Some(d) = retry_after(headers) {
        return d;
    }
    let remaining = header_u64(headers, "x-ratelimit-remaining");
    let interval = header_u64(headers, "x-ratelimit-interval-milliseconds");
    match (remaining, interval) {
        (Some(0), Some(ms)) => Duration::from_millis(ms),
        _ => Duration::from_secs(1),
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get("retry-after")?.to_str().ok()?.trim();
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(3600.0)))
}

pub(crate) fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn reason_phrase(status: u16) -> Option<&'static str> {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
}

/// The API's error: status, and `message` as HighLevel sends it (a string, or an array of
/// strings for 422: every entry kept).
pub fn api_error(status: u16, body: Value, attempts: u32) -> ExecError {
    let messages = match body.get("message") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        _ => match &body {
            Value::String(s) if !s.trim().is_empty() => vec![truncate(s.trim(), 500)],
            _ => Vec::new(),
        },
    };
    let reason = body
        .get("error")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| reason_phrase(status).map(str::to_string));
    ExecError::Api {
        status,
        reason,
        messages,
        body,
        attempts,
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// A transport error in words, without the URL (which may carry a query secret).
fn describe_transport(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the response"
    } else {
        "the connection was closed before a response"
    };
    kind.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn retry_after_seconds_win_over_rate_limit_headers() {
        let h = headers(&[
            ("retry-after", "3"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-interval-milliseconds", "10000"),
        ]);
        assert_eq!(rate_limit_wait(&h), Duration::from_secs(3));
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-interval-milliseconds", "2500"),
        ]);
        assert_eq!(rate_limit_wait(&h), Duration::from_millis(2500));
        assert_eq!(rate_limit_wait(&HeaderMap::new()), Duration::from_secs(1));
    }

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let p = RetryPolicy::default();
        for retry in 0..40 {
            let b = p.backoff(retry);
            assert!(b >= Duration::from_millis(1) && b <= p.max_backoff, "{b:?}");
        }
    }

    #[test]
    fn highlevel_422_message_array_is_kept_whole() {
        let body = serde_json::json!({"statusCode": 422,
            "message": ["property locationId should not exist", "email must be an email"],
            "error": "Unprocessable Entity"});
        let e = api_error(422, body, 1);
        assert_eq!(
            e.to_string(),
            "422 Unprocessable Entity: property locationId should not exist; email must be an email"
        );
    }
}
