//! The checks every HighLevel API request goes through, in HighLevel's order, before an
//! operation sees it: bearer token (401), rate limit (429), `Version` header (400), token
//! class and scope (401), then the query string and the body against what the operation
//! declares (422). Every answer to an authenticated request carries the `X-RateLimit-*`
//! headers.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::dto::Dto;
use crate::error::HlError;
use crate::state::{App, Grant, RateInfo, UserType, lock, read};

/// The `Version` header value the contacts API answers to.
pub const API_VERSION: &str = "2021-07-28";

/// What an operation declares besides its path.
pub(crate) struct Op {
    /// The scope a token needs.
    pub scope: &'static str,
    /// Declared query parameters, and whether each is required.
    pub query: &'static [(&'static str, bool)],
    /// Whether undeclared query parameters are refused (422) rather than ignored.
    pub strict_query: bool,
    /// The body DTO, for operations that take a JSON body.
    pub body: Option<&'static Dto>,
}

/// What the API pipeline needs from a request; taken whole, so it must be the last extractor.
pub(crate) struct ApiRequest {
    headers: HeaderMap,
    query: Option<String>,
    body: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for ApiRequest {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let query = req.uri().query().map(str::to_owned);
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            HlError::new(rejection.status(), rejection.body_text()).into_response()
        })?;
        Ok(ApiRequest {
            headers,
            query,
            body,
        })
    }
}

/// A request that passed the pipeline: the token's grant and the parsed inputs.
pub(crate) struct Ctx<'a> {
    pub app: &'a App,
    pub grant: Grant,
    pub query: Vec<(String, String)>,
    pub body: Map<String, Value>,
}

impl Ctx<'_> {
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_str(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }

    /// 403 unless the token is for this location.
    pub fn check_location(&self, location_id: &str) -> Result<(), HlError> {
        if self.grant.location_id == location_id {
            Ok(())
        } else {
            Err(HlError::forbidden_location())
        }
    }
}

pub(crate) type ApiResult = Result<(StatusCode, Value), HlError>;

/// Runs the pipeline, then the operation, and answers.
pub(crate) fn run(
    app: &App,
    op: &Op,
    req: ApiRequest,
    operation: impl FnOnce(Ctx<'_>) -> ApiResult,
) -> Response {
    let grant = match authenticate(app, &req.headers) {
        Ok(grant) => grant,
        Err(e) => return e.into_response(),
    };
    let rate = app
        .config
        .rate_limit
        .then(|| lock(&app.limiter).check(&app.config, &grant.client_id, grant.resource()));
    let result = match rate {
        Some(info) if !info.allowed => Err(HlError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests",
        )),
        _ => admit(app, op, &req, grant).and_then(operation),
    };
    let mut response = match result {
        Ok((status, body)) => (status, axum::Json(body)).into_response(),
        Err(e) => e.into_response(),
    };
    if let Some(info) = rate {
        add_rate_headers(response.headers_mut(), &info);
    }
    response
}

fn authenticate(app: &App, headers: &HeaderMap) -> Result<Grant, HlError> {
    const INVALID: &str = "Invalid token: access token is invalid";
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| HlError::unauthorized(INVALID))?;
    let auth = read(&app.auth);
    let access = auth
        .access
        .get(token)
        .ok_or_else(|| HlError::unauthorized(INVALID))?;
    if access.expires_at <= std::time::Instant::now() {
        return Err(HlError::unauthorized(
            "Invalid token: access token has expired",
        ));
    }
    Ok(access.grant.clone())
}

fn admit<'a>(app: &'a App, op: &Op, req: &ApiRequest, grant: Grant) -> Result<Ctx<'a>, HlError> {
    match req.headers.get("version").map(HeaderValue::to_str) {
        None => return Err(HlError::bad_request("Version header was not found")),
        Some(Ok(v)) if v.trim() == API_VERSION => {}
        Some(_) => return Err(HlError::bad_request("Version header is invalid")),
    }
    if grant.user_type == UserType::Company {
        return Err(HlError::unauthorized(
            "This authClass type is not allowed to access this scope. \
             Please reach out to the Platform team to get it added.",
        ));
    }
    if !grant.scopes.iter().any(|s| s == op.scope) {
        return Err(HlError::unauthorized(
            "The token is not authorized for this scope.",
        ));
    }

    let mut errors = Vec::new();
    let query: Vec<(String, String)> = req
        .query
        .as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    if op.strict_query {
        for (name, _) in &query {
            if !op.query.iter().any(|(declared, _)| declared == name) {
                errors.push(format!("property {name} should not exist"));
            }
        }
    }
    for (name, required) in op.query {
        if *required && !query.iter().any(|(k, v)| k == name && !v.is_empty()) {
            errors.push(format!("{name} should not be empty"));
            errors.push(format!("{name} must be a string"));
        }
    }

    let mut body = Map::new();
    if let Some(dto) = op.body {
        body = parse_body(req)?;
        dto.check(&body, &mut errors);
    }
    if !errors.is_empty() {
        return Err(HlError::unprocessable(errors));
    }
    Ok(Ctx {
        app,
        grant,
        query,
        body,
    })
}

fn parse_body(req: &ApiRequest) -> Result<Map<String, Value>, HlError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let json_type = req
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        });
    if !json_type {
        return Err(HlError::bad_request(
            "Content-Type must be application/json",
        ));
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(HlError::bad_request("Request body must be a JSON object")),
        Err(e) => Err(HlError::bad_request(format!(
            "Unexpected token in JSON: {e}"
        ))),
    }
}

fn add_rate_headers(headers: &mut HeaderMap, info: &RateInfo) {
    let mut put = |name: &'static str, value: u64| {
        headers.insert(name, HeaderValue::from(value));
    };
    put("x-ratelimit-limit-daily", u64::from(info.daily_max));
    put(
        "x-ratelimit-daily-remaining",
        u64::from(info.daily_remaining),
    );
    put(
        "x-ratelimit-interval-milliseconds",
        info.interval.as_millis() as u64,
    );
    put("x-ratelimit-max", u64::from(info.max));
    put("x-ratelimit-remaining", u64::from(info.remaining));
    if !info.allowed {
        // Whole seconds, rounded up, so a client that waits this long is let in.
        let secs = info.retry_after.as_millis().div_ceil(1000).max(1) as u64;
        put("retry-after", secs);
    }
}
