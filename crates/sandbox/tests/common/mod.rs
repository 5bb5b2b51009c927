//! Shared by the sandbox's HTTP tests: a sandbox on an ephemeral port, a client, and the
//! OAuth steps every test needs.
#![allow(dead_code)] // each test binary uses its own subset of these helpers

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use integ_sandbox::{Config, Sandbox};
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const REDIRECT: &str = "http://127.0.0.1:53682/callback";
pub const LOC_A: &str = "locSandbox0000000001";
pub const LOC_B: &str = "locSandbox0000000002";
pub const SCOPES: &str = "contacts.readonly contacts.write";

pub struct Env {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
}

/// A reqwest client that never follows redirects (the tests read the `Location`).
pub fn client() -> reqwest::Client {
    // reqwest is built without a default TLS provider; plain HTTP never uses it, but the
    // client builder wants one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

pub async fn start(config: Config) -> Env {
    Env {
        sandbox: Sandbox::start(config).await.expect("sandbox starts"),
        http: client(),
    }
}

pub async fn start_default() -> Env {
    start(Config::default()).await
}

/// A PKCE pair (verifier, S256 challenge).
pub fn pkce() -> (String, String) {
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-and-some-more-entropy".to_owned();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

pub async fn send(request: RequestBuilder) -> Reply {
    let response = request.send().await.expect("request is answered");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.sandbox.base_url(), path)
    }

    /// `GET /oauth/chooselocation` with the usual parameters plus `extra` (which override).
    pub async fn authorize(&self, extra: &[(&str, &str)]) -> reqwest::Response {
        let mut params: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", "sandbox-client"),
            ("redirect_uri", REDIRECT),
            ("scope", SCOPES),
            ("state", "xyz"),
        ];
        for (k, v) in extra {
            params.retain(|(pk, _)| pk != k);
            params.push((k, v));
        }
        params.retain(|(_, v)| !v.is_empty());
        self.http
            .get(self.url("/oauth/chooselocation"))
            .query(&params)
            .send()
            .await
            .expect("authorize answered")
    }

    /// Authorizes headlessly (`sandbox_approve=1`) and returns the code from the redirect.
    pub async fn code(&self, extra: &[(&str, &str)]) -> String {
        let mut params = vec![("sandbox_approve", "1")];
        params.extend_from_slice(extra);
        let response = self.authorize(&params).await;
        assert_eq!(response.status(), StatusCode::FOUND, "authorize redirects");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        query_param(&location, "code").expect("code in redirect")
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> Reply {
        send(self.http.post(self.url("/oauth/token")).form(form)).await
    }

    /// The whole flow for one location: a token response.
    pub async fn login(&self, location: &str, scope: &str) -> Value {
        let code = self
            .code(&[("sandbox_location", location), ("scope", scope)])
            .await;
        let reply = self
            .token(&[
                ("client_id", "sandbox-client"),
                ("client_secret", "sandbox-secret"),
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("user_type", "Location"),
            ])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body
    }

    /// An access token for a location with both contacts scopes.
    pub async fn access_token(&self, location: &str) -> String {
        self.login(location, SCOPES).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// An API request with the bearer token and the `Version` header.
    pub fn api(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("Version", "2021-07-28")
    }

    /// Creates a contact through the API and returns its id.
    pub async fn create_contact(&self, token: &str, location: &str, fields: Value) -> String {
        let mut body = json!({"locationId": location});
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        let reply = send(self.api(Method::POST, "/contacts/", token).json(&body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.body["contact"]["id"].as_str().unwrap().to_owned()
    }
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// HighLevel's error envelope, exactly.
pub fn assert_error(reply: &Reply, status: u16, message: Value) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
    assert_eq!(reply.body["statusCode"], json!(status), "{}", reply.text);
    assert_eq!(reply.body["message"], message, "{}", reply.text);
    assert!(reply.body["error"].is_string(), "{}", reply.text);
}
