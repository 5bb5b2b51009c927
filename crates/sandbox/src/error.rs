//! HighLevel's error body: `{"statusCode":..,"message":..,"error":..}`, where `message` is a
//! string, except for 422s, where it is the list of validation failures.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone)]
pub(crate) struct HlError {
    pub status: StatusCode,
    pub message: Value,
    /// The `error` field: the HTTP reason phrase, or an RFC 6749 code on the token endpoint.
    pub error: String,
    /// Extra top-level fields (HighLevel's duplicate-contact `meta`, RFC 6749's
    /// `error_description`).
    pub extra: Map<String, Value>,
}

impl HlError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        HlError {
            status,
            message: Value::String(message.into()),
            error: status.canonical_reason().unwrap_or("Error").to_owned(),
            extra: Map::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden_location() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "The token does not have access to this location.",
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// A 422 listing every validation failure, as HighLevel's (NestJS) validation pipe does.
    pub fn unprocessable(messages: Vec<String>) -> Self {
        HlError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: Value::from(messages),
            error: "Unprocessable Entity".to_owned(),
            extra: Map::new(),
        }
    }

    /// A token-endpoint error: HighLevel's envelope carrying RFC 6749 §5.2's `error` code and
    /// `error_description`, so both HighLevel-style and standard OAuth clients can read it.
    pub fn oauth(status: StatusCode, code: &str, description: impl Into<String>) -> Self {
        let description = description.into();
        let mut extra = Map::new();
        extra.insert(
            "error_description".to_owned(),
            Value::from(description.clone()),
        );
        HlError {
            status,
            message: Value::String(description),
            error: code.to_owned(),
            extra,
        }
    }

    pub fn with_extra(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    pub fn body(&self) -> Value {
        let mut body = json!({
            "statusCode": self.status.as_u16(),
            "message": self.message,
            "error": self.error,
        });
        if let Value::Object(map) = &mut body {
            map.extend(self.extra.clone());
        }
        body
    }
}

impl IntoResponse for HlError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}
