//! OAuth 2.0 as HighLevel does it: the `chooselocation` consent page (or an automatic
//! approval), `POST /oauth/token` for `authorization_code` and `refresh_token` grants with
//! single-use codes, PKCE (S256 only) and rotating single-use refresh tokens.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::{Host, Url};

use crate::config::TokenFault;
use crate::error::HlError;
use crate::state::{App, AuthCode, Grant, UserType, lock, write};
use crate::util;

/// `GetAccessCodebodyDto`'s properties, plus RFC 7636's `code_verifier` and RFC 6749's
/// `scope` (standard clients send them; anything else gets HighLevel's 422).
const TOKEN_PARAMS: &[&str] = &[
    "client_id",
    "client_secret",
    "grant_type",
    "code",
    "refresh_token",
    "user_type",
    "redirect_uri",
    "code_verifier",
    "scope",
];

type Params = HashMap<String, String>;

fn parse_params(raw: &[u8]) -> Params {
    let mut params = Params::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        params
            .entry(k.into_owned())
            .or_insert_with(|| v.into_owned());
    }
    params
}

/// RFC 8252 §7.3: any port on the loopback interface, for native apps and CLIs.
fn is_loopback_redirect(uri: &str) -> bool {
    let Ok(url) = Url::parse(uri) else {
        return false;
    };
    let loopback = match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    url.scheme() == "http" && loopback && url.username().is_empty() && url.fragment().is_none()
}

/// An authorization request that named a known app and an allowed redirect URI; from here
/// on, errors go back to the app by redirect (RFC 6749 §4.1.2.1).
struct Authorization {
    redirect_uri: String,
    state: Option<String>,
    scopes: Vec<String>,
    code_challenge: Option<String>,
    location_id: Option<String>,
}

fn error_page(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title>{STYLE}</head>\
         <body><main><h1>{t}</h1><p>{d}</p><p class=\"muted\">integ sandbox (a local \
         stand-in for HighLevel)</p></main></body></html>",
        t = escape(title),
        d = escape(detail)
    );
    (status, Html(body)).into_response()
}

fn redirect(to: &str, status: StatusCode) -> Response {
    match HeaderValue::from_str(to) {
        Ok(location) => (status, [(header::LOCATION, location)]).into_response(),
        Err(_) => error_page(
            StatusCode::BAD_REQUEST,
            "Bad redirect URI",
            "The redirect URI cannot be sent back.",
        ),
    }
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)], status: StatusCode) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Bad redirect URI",
            "The redirect URI is not a URL.",
        );
    };
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
    }
    redirect(url.as_str(), status)
}

/// Why an authorization request is refused, and where the user or app hears of it.
enum Refusal {
    /// Shown to the user: there is no trustworthy redirect URI to send the error to.
    Page { title: &'static str, detail: String },
    /// Sent back to the app by redirect (RFC 6749 §4.1.2.1).
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        code: &'static str,
        why: &'static str,
    },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page { title, detail } => error_page(StatusCode::BAD_REQUEST, title, &detail),
            Refusal::Redirect {
                redirect_uri,
                state,
                code,
                why,
            } => {
                let mut pairs = vec![("error", code), ("error_description", why)];
                if let Some(state) = &state {
                    pairs.push(("state", state));
                }
                redirect_with(&redirect_uri, &pairs, StatusCode::FOUND)
            }
        }
    }
}

/// Checks an authorization request (from the page's query or the consent form).
fn validate(app: &App, p: &Params) -> Result<Authorization, Refusal> {
    let client_id = p.get("client_id").map(String::as_str).unwrap_or("");
    if client_id != app.config.client_id {
        return Err(Refusal::Page {
            title: "Unknown app",
            detail: format!("No app has the client_id `{client_id}`."),
        });
    }
    let redirect_uri = p.get("redirect_uri").cloned().unwrap_or_default();
    let registered = app.config.extra_redirect_uris.contains(&redirect_uri);
    if !registered && !is_loopback_redirect(&redirect_uri) {
        return Err(Refusal::Page {
            title: "Redirect URI not allowed",
            detail: format!(
                "`{redirect_uri}` is not a redirect URI of this app: it accepts any \
                 http://127.0.0.1:PORT/ or http://localhost:PORT/ URI, and those given \
                 with --redirect-uri."
            ),
        });
    }
    let state = p.get("state").cloned();
    let fail = |code, why| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        code,
        why,
    };
    if p.get("response_type").map(String::as_str) != Some("code") {
        return Err(fail(
            "unsupported_response_type",
            "response_type must be code",
        ));
    }
    let scopes: Vec<String> = p
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    if scopes.is_empty() {
        return Err(fail("invalid_scope", "scope is required"));
    }
    let challenge = p.get("code_challenge").filter(|c| !c.is_empty()).cloned();
    let method = p.get("code_challenge_method").filter(|m| !m.is_empty());
    match (&challenge, method) {
        (None, None) => {}
        (None, Some(_)) => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method without code_challenge",
            ));
        }
        (Some(_), m) if m.map(String::as_str) != Some("S256") => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method must be S256 (plain is not supported)",
            ));
        }
        (Some(c), _) if c.len() != 43 || !c.bytes().all(is_base64url) => {
            return Err(fail(
                "invalid_request",
                "code_challenge must be a base64url SHA-256 digest",
            ));
        }
        _ => {}
    }
    let location_id = p.get("sandbox_location").filter(|l| !l.is_empty()).cloned();
    if let Some(id) = &location_id
        && app.location(id).is_none()
    {
        return Err(Refusal::Page {
            title: "Unknown location",
            detail: format!("sandbox_location `{id}` is not one of this sandbox's locations."),
        });
    }
    Ok(Authorization {
        redirect_uri,
        state,
        scopes,
        code_challenge: challenge,
        location_id,
    })
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Approves: a single-use code for the location, sent back to the app.
fn approve(app: &App, auth: &Authorization, location_id: &str, status: StatusCode) -> Response {
    let code = util::random_string(40);
    write(&app.auth).codes.insert(
        code.clone(),
        AuthCode {
            client_id: app.config.client_id.clone(),
            redirect_uri: auth.redirect_uri.clone(),
            code_challenge: auth.code_challenge.clone(),
            location_id: location_id.to_owned(),
            scopes: auth.scopes.clone(),
            expires_at: Instant::now() + app.config.code_ttl,
        },
    );
    let mut pairs = vec![("code", code.as_str())];
    if let Some(state) = &auth.state {
        pairs.push(("state", state));
    }
    redirect_with(&auth.redirect_uri, &pairs, status)
}

/// `GET /oauth/chooselocation` and `GET /v2/oauth/chooselocation`.
pub(crate) async fn choose_location(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = parse_params(query.unwrap_or_default().as_bytes());
    let auth = match validate(&app, &params) {
        Ok(auth) => auth,
        Err(refusal) => return refusal.into_response(),
    };
    let auto = match params.get("sandbox_approve").map(String::as_str) {
        Some("1" | "true" | "yes") => true,
        Some("0" | "false" | "no") => false,
        _ => app.config.auto_approve,
    };
    if auto {
        let location = auth
            .location_id
            .clone()
            .unwrap_or_else(|| app.locations[0].id.clone());
        return approve(&app, &auth, &location, StatusCode::FOUND);
    }
    consent_page(&app, &params, &auth)
}

/// `POST /oauth/chooselocation/approve`: the consent page's form.
pub(crate) async fn consent(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let params = parse_params(&body);
    let auth = match validate(&app, &params) {
        Ok(auth) => auth,
        Err(refusal) => return refusal.into_response(),
    };
    if params.get("decision").map(String::as_str) != Some("approve") {
        let mut pairs = vec![
            ("error", "access_denied"),
            ("error_description", "The user denied access"),
        ];
        if let Some(state) = &auth.state {
            pairs.push(("state", state));
        }
        return redirect_with(&auth.redirect_uri, &pairs, StatusCode::SEE_OTHER);
    }
    match params.get("location").and_then(|id| app.location(id)) {
        Some(location) => approve(&app, &auth, &location.id.clone(), StatusCode::SEE_OTHER),
        None => error_page(
            StatusCode::BAD_REQUEST,
            "Choose a location",
            "Pick one of the locations to connect.",
        ),
    }
}

const STYLE: &str = "<style>body{font-family:system-ui,sans-serif;background:#f4f6fa;margin:0}\
main{max-width:30rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:12px;\
box-shadow:0 2px 12px #0002}h1{font-size:1.3rem}label{display:block;padding:.6rem;\
border:1px solid #ddd;border-radius:8px;margin:.4rem 0}code{background:#eef;padding:0 .3em}\
.muted{color:#777;font-size:.85rem}button{padding:.6rem 1.4rem;border-radius:8px;border:0;\
margin-right:.5rem;font-size:1rem}.approve{background:#155eef;color:#fff}</style>";

fn consent_page(app: &App, params: &Params, auth: &Authorization) -> Response {
    let chosen = auth
        .location_id
        .clone()
        .unwrap_or_else(|| app.locations[0].id.clone());
    let hidden: String = [
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ]
    .iter()
    .filter_map(|k| params.get(*k).map(|v| (k, v)))
    .map(|(k, v)| {
        format!(
            "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
            escape(v)
        )
    })
    .collect();
    let locations: String = app
        .locations
        .iter()
        .map(|l| {
            format!(
                "<label><input type=\"radio\" name=\"location\" value=\"{id}\"{checked}> \
                 {name} <span class=\"muted\">{id}</span></label>",
                id = escape(&l.id),
                name = escape(&l.name),
                checked = if l.id == chosen { " checked" } else { "" }
            )
        })
        .collect();
    let scopes: String = auth
        .scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", escape(s)))
        .collect();
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Choose a location</title>\
         {STYLE}</head><body><main><h1>Connect <code>{client}</code> to {company}</h1>\
         <p>The app asks for:</p><ul>{scopes}</ul>\
         <form method=\"post\" action=\"/oauth/chooselocation/approve\">{hidden}\
         <p>Choose the location (sub-account) to connect:</p>{locations}<p>\
         <button class=\"approve\" name=\"decision\" value=\"approve\">Approve</button>\
         <button name=\"decision\" value=\"deny\">Deny</button></p></form>\
         <p class=\"muted\">integ sandbox: a local stand-in for HighLevel. You will be sent \
         back to {redirect}.</p></main></body></html>",
        client = escape(&app.config.client_id),
        company = escape(&app.company.name),
        redirect = escape(&auth.redirect_uri),
    );
    Html(body).into_response()
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn invalid_request(why: impl Into<String>) -> HlError {
    HlError::oauth(StatusCode::BAD_REQUEST, "invalid_request", why)
}

fn invalid_grant(why: &str) -> HlError {
    HlError::oauth(
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        format!("Invalid grant: {why}"),
    )
}

/// `POST /oauth/token`.
pub(crate) async fn token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = parse_params(&body);
    // Counted before any fault, so a test sees every attempt a client made.
    let grant_type = params.get("grant_type").cloned().unwrap_or_default();
    *lock(&app.stats).token_grants.entry(grant_type).or_default() += 1;
    let (fault, delay) = lock(&app.dice).token();
    match fault {
        TokenFault::None => {}
        TokenFault::Slow => tokio::time::sleep(delay).await,
        TokenFault::Fail => {
            return HlError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
                .into_response();
        }
    }
    match exchange(&app, &headers, &params) {
        Ok(body) => (
            StatusCode::OK,
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::PRAGMA, "no-cache"),
            ],
            axum::Json(body),
        )
            .into_response(),
        Err(e) => {
            let basic = e.error == "invalid_client" && basic_credentials(&headers).is_some();
            let mut response = e.into_response();
            if basic {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"oauth\""),
                );
            }
            response
        }
    }
}

/// RFC 6749 §2.3.1 client_secret_basic: both halves are form-urlencoded before base64.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((unescape(id), unescape(secret)))
}

fn exchange(app: &App, headers: &HeaderMap, params: &Params) -> Result<Value, HlError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form {
        return Err(invalid_request(
            "Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    let mut undeclared: Vec<String> = params
        .keys()
        .filter(|k| !TOKEN_PARAMS.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();
    if !undeclared.is_empty() {
        undeclared.sort();
        return Err(HlError::unprocessable(undeclared));
    }

    let basic = basic_credentials(headers);
    let (client_id, secret) = match (&basic, params.get("client_id")) {
        (Some((id, _)), Some(body_id)) if id != body_id => {
            return Err(invalid_request(
                "client_id differs from the Basic credentials",
            ));
        }
        (Some((id, secret)), _) => (id.clone(), Some(secret.clone())),
        (None, Some(id)) => (id.clone(), params.get("client_secret").cloned()),
        (None, None) => return Err(invalid_request("Missing parameter: client_id")),
    };
    if client_id != app.config.client_id || secret.as_deref() != Some(&app.config.client_secret) {
        return Err(HlError::oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client: client credentials are invalid",
        ));
    }
    let user_type = match params.get("user_type").map(String::as_str) {
        None | Some("") => None,
        Some("Location") => Some(UserType::Location),
        Some("Company") => Some(UserType::Company),
        Some(_) => return Err(invalid_request("Invalid parameter: user_type")),
    };

    let grant = match params.get("grant_type").map(String::as_str) {
        None | Some("") => return Err(invalid_request("Missing parameter: grant_type")),
        Some("authorization_code") => redeem_code(app, &client_id, params, user_type)?,
        Some("refresh_token") => redeem_refresh_token(app, &client_id, params, user_type)?,
        Some(_) => {
            return Err(HlError::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Invalid parameter: grant_type",
            ));
        }
    };
    let (access, refresh) = app.issue_tokens(grant.clone());
    Ok(token_body(app, &grant, &access, &refresh))
}

/// The fields of `GetAccessCodeSuccessfulResponseDto`.
pub(crate) fn token_body(app: &App, grant: &Grant, access: &str, refresh: &str) -> Value {
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": app.config.token_ttl.as_secs(),
        "refresh_token": refresh,
        "scope": grant.scopes.join(" "),
        "userType": grant.user_type.as_str(),
        "companyId": grant.company_id,
        "userId": grant.user_id,
        "isBulkInstallation": false,
    });
    match grant.user_type {
        UserType::Location => body["locationId"] = json!(grant.location_id),
        UserType::Company => body["approvedLocations"] = json!([grant.location_id]),
    }
    body
}

fn redeem_code(
    app: &App,
    client_id: &str,
    params: &Params,
    user_type: Option<UserType>,
) -> Result<Grant, HlError> {
    let code = params
        .get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid_request("Missing parameter: code"))?;
    // Removed on first presentation, whatever follows: a code is good for one try.
    let issued = write(&app.auth)
        .codes
        .remove(code)
        .ok_or_else(|| invalid_grant("authorization code is invalid"))?;
    if issued.client_id != client_id {
        return Err(invalid_grant("authorization code is invalid"));
    }
    if issued.expires_at <= Instant::now() {
        return Err(invalid_grant("authorization code has expired"));
    }
    if let Some(uri) = params.get("redirect_uri")
        && *uri != issued.redirect_uri
    {
        return Err(invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    if let Some(challenge) = &issued.code_challenge {
        let verifier = params
            .get("code_verifier")
            .ok_or_else(|| invalid_grant("code_verifier is required"))?;
        let digest = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let well_formed = (43..=128).contains(&verifier.len())
            && verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
        if !well_formed || digest != *challenge {
            return Err(invalid_grant(
                "code_verifier does not match the code_challenge",
            ));
        }
    }
    let location = app
        .location(&issued.location_id)
        .ok_or_else(|| invalid_grant("authorization code is invalid"))?;
    Ok(Grant {
        client_id: client_id.to_owned(),
        user_type: user_type.unwrap_or(UserType::Location),
        location_id: location.id.clone(),
        company_id: location.company_id.clone(),
        user_id: app.user_id.clone(),
        scopes: issued.scopes,
    })
}

fn redeem_refresh_token(
    app: &App,
    client_id: &str,
    params: &Params,
    user_type: Option<UserType>,
) -> Result<Grant, HlError> {
    let token = params
        .get("refresh_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid_request("Missing parameter: refresh_token"))?;
    let mut auth = write(&app.auth);
    let Some(stored) = auth.refresh.remove(token) else {
        return Err(invalid_grant("refresh token is invalid"));
    };
    if stored.grant.client_id != client_id {
        // Another app cannot burn this app's token: put it back.
        auth.refresh.insert(token.clone(), stored);
        return Err(invalid_grant("refresh token is invalid"));
    }
    if stored.expires_at <= Instant::now() {
        return Err(invalid_grant("refresh token is invalid"));
    }
    let mut grant = stored.grant;
    if let Some(user_type) = user_type {
        grant.user_type = user_type;
    }
    Ok(grant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_on_any_port_are_accepted() {
        for ok in [
            "http://127.0.0.1:53123/callback",
            "http://127.0.0.1/cb",
            "http://localhost:8080/x?y=1",
            "http://[::1]:9000/callback",
            "http://127.0.0.2:1/",
        ] {
            assert!(is_loopback_redirect(ok), "{ok}");
        }
        for bad in [
            "https://127.0.0.1:53123/callback",
            "http://example.com/callback",
            "http://127.0.0.1.example.com/",
            "http://user@127.0.0.1/",
            "http://127.0.0.1/cb#frag",
            "not a url",
        ] {
            assert!(!is_loopback_redirect(bad), "{bad}");
        }
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", STANDARD.encode("my%20app:s%3Acret"));
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        assert_eq!(
            basic_credentials(&headers),
            Some(("my app".to_owned(), "s:cret".to_owned()))
        );
    }
}
