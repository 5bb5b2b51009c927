//! The `oauth2` crate over the runner's one reqwest client: authorization URLs, the code
//! exchange and the refresh grant, with every failure mapped to an [`AuthError`] that
//! quotes no response body.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use integ_spec::model::ClientAuth;
use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret,
    EndpointNotSet, EndpointSet, ExtraTokenFields, HttpRequest, HttpResponse, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, StandardErrorResponse, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use url::Url;

use super::store::{FILE_VERSION, StoredToken, TokenKey};
use super::{AuthError, OAuthConfig};
use crate::secret::Secret;

/// The token response's fields beyond RFC 6749's (HighLevel: `locationId`, ...).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct MetadataFields(pub BTreeMap<String, serde_json::Value>);

impl ExtraTokenFields for MetadataFields {}

pub(crate) type TokenSet = StandardTokenResponse<MetadataFields, BasicTokenType>;

pub(crate) type OAuthClient = Client<
    BasicErrorResponse,
    TokenSet,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Token responses larger than this are refused (a token set is a few KiB).
const MAX_TOKEN_RESPONSE: usize = 1 << 20;

/// `oauth2`'s async HTTP client, implemented over our reqwest client. It remembers the
/// status of the last response so that an unparseable answer can be reported by status.
pub(crate) struct OAuthHttp {
    client: reqwest::Client,
    last_status: Mutex<Option<u16>>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    #[error("{0}")]
    Send(String),
    #[error("the response is larger than {MAX_TOKEN_RESPONSE} bytes")]
    TooLarge,
}

impl OAuthHttp {
    pub fn new(client: reqwest::Client) -> OAuthHttp {
        OAuthHttp {
            client,
            last_status: Mutex::new(None),
        }
    }

    fn last_status(&self) -> Option<u16> {
        self.last_status.lock().ok().and_then(|s| *s)
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let (parts, body) = request.into_parts();
        let url = parts.uri.to_string();
        tracing::debug!(method = %parts.method, url = %url, "token request");
        let mut response = self
            .client
            .request(parts.method, url.as_str())
            .headers(parts.headers)
            .body(body)
            .send()
            .await
            // Without the URL: the caller names the endpoint once, in its own words.
            .map_err(|e| HttpError::Send(describe_reqwest(&e.without_url())))?;
        let status = response.status();
        tracing::debug!(status = status.as_u16(), "token response");
        if let Ok(mut last) = self.last_status.lock() {
            *last = Some(status.as_u16());
        }
        let mut out = HttpResponse::new(Vec::new());
        *out.status_mut() = status;
        *out.headers_mut() = response.headers().clone();
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| HttpError::Send(describe_reqwest(&e.without_url())))?
        {
            if bytes.len() + chunk.len() > MAX_TOKEN_RESPONSE {
                return Err(HttpError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        *out.body_mut() = bytes;
        Ok(out)
    }
}

/// reqwest's message and its sources, one line.
fn describe_reqwest(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

impl<'c> AsyncHttpClient<'c> for OAuthHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

/// The oauth2 client of `config` whose token endpoint is `token_url`.
pub(crate) fn client(
    config: &OAuthConfig,
    token_url: &Url,
    redirect: Option<&str>,
) -> Result<OAuthClient, AuthError> {
    let bad = |field: &str, e: String| AuthError::BadConfig {
        profile: config.profile.clone(),
        field: field.to_string(),
        message: e,
    };
    let mut client = Client::new(ClientId::new(config.client_id.clone()))
        .set_client_secret(ClientSecret::new(config.client_secret.expose().to_string()))
        .set_auth_uri(
            AuthUrl::new(config.authorization_url.to_string())
                .map_err(|e| bad("spec.oauth2.authorizationUrl", e.to_string()))?,
        )
        .set_token_uri(TokenUrl::from_url(token_url.clone()))
        .set_auth_type(match config.client_auth {
            ClientAuth::Post => AuthType::RequestBody,
            ClientAuth::Basic => AuthType::BasicAuth,
        });
    if let Some(redirect) = redirect {
        client = client.set_redirect_uri(
            RedirectUrl::new(redirect.to_string())
                .map_err(|e| AuthError::Internal(e.to_string()))?,
        );
    }
    Ok(client)
}

/// Redeems an authorization code (with its PKCE verifier).
pub(crate) async fn exchange_code(
    config: &OAuthConfig,
    http: &OAuthHttp,
    redirect_uri: &str,
    code: String,
    verifier: PkceCodeVerifier,
) -> Result<TokenSet, AuthError> {
    let client = client(config, &config.token_url, Some(redirect_uri))?;
    let mut request = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier);
    for (k, v) in &config.token_params {
        request = request.add_extra_param(k.clone(), v.clone());
    }
    request.request_async(http).await.map_err(|e| {
        map_error(e, http, &config.token_url, |err, description| {
            AuthError::CodeRejected {
                error: err.to_string(),
                description,
            }
        })
    })
}

/// Redeems a refresh token. `invalid_grant` becomes [`AuthError::InvalidGrant`].
pub(crate) async fn refresh(
    config: &OAuthConfig,
    http: &OAuthHttp,
    key: &TokenKey,
    refresh_token: &Secret,
) -> Result<TokenSet, AuthError> {
    let client = client(config, &config.refresh_url, None)?;
    let token = RefreshToken::new(refresh_token.expose().to_string());
    let mut request = client.exchange_refresh_token(&token);
    for (k, v) in &config.token_params {
        request = request.add_extra_param(k.clone(), v.clone());
    }
    request.request_async(http).await.map_err(|e| {
        map_error(e, http, &config.refresh_url, |_, _| {
            AuthError::InvalidGrant {
                who: key.describe(),
                command: key.login_command(),
            }
        })
    })
}

fn map_error(
    e: RequestTokenError<HttpError, StandardErrorResponse<BasicErrorResponseType>>,
    http: &OAuthHttp,
    url: &Url,
    invalid_grant: impl FnOnce(&BasicErrorResponseType, Option<String>) -> AuthError,
) -> AuthError {
    let url_s = url.to_string();
    let status = http
        .last_status()
        .map_or_else(|| "a response".to_string(), |s| format!("HTTP {s}"));
    match e {
        RequestTokenError::ServerResponse(r) => {
            let description = r.error_description().map(|d| one_line(d));
            if *r.error() == BasicErrorResponseType::InvalidGrant {
                invalid_grant(r.error(), description)
            } else {
                AuthError::TokenEndpoint {
                    url: url_s,
                    status,
                    error: r.error().to_string(),
                    description,
                }
            }
        }
        RequestTokenError::Request(e) => AuthError::Network {
            url: url_s,
            detail: e.to_string(),
        },
        RequestTokenError::Parse(_, _) => AuthError::BadTokenResponse {
            url: url_s,
            detail: format!("{status} with a body that is not an OAuth token response"),
        },
        RequestTokenError::Other(msg) => AuthError::BadTokenResponse {
            url: url_s,
            detail: format!("{status} ({msg})"),
        },
    }
}

/// A server's description, as one line of bounded length.
fn one_line(s: &str) -> String {
    let line: String = s.chars().filter(|c| !c.is_control()).take(200).collect();
    line
}

/// The stored form of a token response. A response without a refresh token keeps the
/// previous one (RFC 6749 §6: the server MAY issue a new one).
pub(crate) fn to_stored(
    config: &OAuthConfig,
    key: &TokenKey,
    response: &TokenSet,
    previous_refresh: Option<&Secret>,
    now: u64,
) -> StoredToken {
    let scopes = match response.scopes() {
        Some(s) => s.iter().map(|s| s.to_string()).collect(),
        None => config.scopes.clone(),
    };
    let token_type = match response.token_type() {
        BasicTokenType::Bearer => "Bearer".to_string(),
        BasicTokenType::Mac => "MAC".to_string(),
        BasicTokenType::Extension(t) => t.clone(),
    };
    StoredToken {
        version: FILE_VERSION,
        key: key.clone(),
        token_url: config.token_url.to_string(),
        client_id: config.client_id.clone(),
        access_token: Secret::new(response.access_token().secret().clone()),
        token_type,
        refresh_token: response
            .refresh_token()
            .map(|t| Secret::new(t.secret().clone()))
            .or_else(|| previous_refresh.cloned()),
        expires_at: response
            .expires_in()
            .map(|d| now.saturating_add(d.as_secs())),
        obtained_at: now,
        scopes,
        metadata: response.extra_fields().0.clone(),
    }
}
