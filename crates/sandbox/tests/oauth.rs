//! The OAuth side over real HTTP: the consent page and auto-approval, the code flow with and
//! without PKCE, single-use codes, rotating refresh tokens, client authentication.

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use integ_sandbox::Config;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn form<'a>(code: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("client_id", "sandbox-client"),
        ("client_secret", "sandbox-secret"),
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    for (k, v) in extra {
        form.retain(|(fk, _)| fk != k);
        if !v.is_empty() {
            form.push((k, v));
        }
    }
    form
}

#[tokio::test]
async fn auth_code_flow_without_pkce_issues_highlevel_tokens() {
    let env = start_default().await;
    let response = env.authorize(&[("sandbox_approve", "1")]).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(query_param(&location, "state").as_deref(), Some("xyz"));
    let code = query_param(&location, "code").unwrap();

    let reply = env.token(&form(&code, &[("user_type", "Location")])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 86_399);
    assert_eq!(body["scope"], SCOPES);
    assert_eq!(body["userType"], "Location");
    assert_eq!(body["locationId"], LOC_A);
    assert_eq!(body["companyId"], env.sandbox.company_id());
    assert!(body["userId"].is_string());
    assert_ne!(body["access_token"], body["refresh_token"]);
    assert_eq!(reply.headers["cache-control"], "no-store");

    let token = body["access_token"].as_str().unwrap();
    let id = env
        .create_contact(token, LOC_A, json!({"firstName": "Ada"}))
        .await;
    let got = send(env.api(Method::GET, &format!("/contacts/{id}"), token)).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(env.sandbox.stats().token_requests("authorization_code"), 1);
}

#[tokio::test]
async fn auth_code_flow_with_pkce_checks_the_verifier() {
    let env = start_default().await;
    let (verifier, challenge) = pkce();
    let pkce_params = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];

    let code = env.code(&pkce_params).await;
    let missing = env.token(&form(&code, &[])).await;
    assert_error(
        &missing,
        400,
        json!("Invalid grant: code_verifier is required"),
    );
    assert_eq!(missing.body["error"], "invalid_grant");

    let code = env.code(&pkce_params).await;
    let wrong = "x".repeat(50);
    let reply = env.token(&form(&code, &[("code_verifier", &wrong)])).await;
    assert_error(
        &reply,
        400,
        json!("Invalid grant: code_verifier does not match the code_challenge"),
    );

    let code = env.code(&pkce_params).await;
    let reply = env
        .token(&form(&code, &[("code_verifier", &verifier)]))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.body["access_token"].is_string());
}

#[tokio::test]
async fn plain_pkce_is_refused_with_a_redirect_error() {
    let env = start_default().await;
    for method in ["plain", ""] {
        let response = env
            .authorize(&[
                ("sandbox_approve", "1"),
                (
                    "code_challenge",
                    "abcdefghijabcdefghijabcdefghijabcdefghij123",
                ),
                ("code_challenge_method", method),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = response.headers()["location"].to_str().unwrap();
        assert_eq!(
            query_param(location, "error").as_deref(),
            Some("invalid_request")
        );
        assert_eq!(query_param(location, "state").as_deref(), Some("xyz"));
        assert_eq!(query_param(location, "code"), None);
    }
}

#[tokio::test]
async fn codes_are_single_use() {
    let env = start_default().await;
    let code = env.code(&[]).await;
    assert_eq!(env.token(&form(&code, &[])).await.status, StatusCode::OK);
    let again = env.token(&form(&code, &[])).await;
    assert_error(
        &again,
        400,
        json!("Invalid grant: authorization code is invalid"),
    );
    assert_eq!(again.body["error"], "invalid_grant");
    assert_eq!(again.body["error_description"], again.body["message"]);
}

#[tokio::test]
async fn codes_are_short_lived() {
    let env = start(Config {
        code_ttl: Duration::from_millis(100),
        ..Config::default()
    })
    .await;
    let code = env.code(&[]).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let reply = env.token(&form(&code, &[])).await;
    assert_error(
        &reply,
        400,
        json!("Invalid grant: authorization code has expired"),
    );
}

#[tokio::test]
async fn the_redirect_uri_must_match_the_authorization_request() {
    let env = start_default().await;
    let code = env.code(&[]).await;
    let reply = env
        .token(&form(
            &code,
            &[("redirect_uri", "http://127.0.0.1:1/other")],
        ))
        .await;
    assert_error(
        &reply,
        400,
        json!("Invalid grant: redirect_uri does not match the authorization request"),
    );
    // HighLevel's DTO makes redirect_uri optional at the token endpoint.
    let code = env.code(&[]).await;
    let reply = env.token(&form(&code, &[("redirect_uri", "")])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_is_an_invalid_grant() {
    let env = start_default().await;
    let first = env.login(LOC_A, SCOPES).await;
    let refresh = |token: String| {
        let env = &env;
        async move {
            env.token(&[
                ("client_id", "sandbox-client"),
                ("client_secret", "sandbox-secret"),
                ("grant_type", "refresh_token"),
                ("refresh_token", &token),
                ("user_type", "Location"),
            ])
            .await
        }
    };
    let old = first["refresh_token"].as_str().unwrap().to_owned();
    let second = refresh(old.clone()).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    let new = second.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_ne!(second.body["access_token"], first["access_token"]);
    assert_eq!(second.body["locationId"], LOC_A);
    assert_eq!(second.body["scope"], SCOPES);

    let reuse = refresh(old).await;
    assert_error(
        &reuse,
        400,
        json!("Invalid grant: refresh token is invalid"),
    );
    assert_eq!(reuse.body["error"], "invalid_grant");

    // The new one works once, too.
    assert_eq!(refresh(new.clone()).await.status, StatusCode::OK);
    assert_eq!(refresh(new).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(env.sandbox.stats().token_requests("refresh_token"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshes_of_one_token_have_one_winner() {
    let env = start_default().await;
    let tokens = env.login(LOC_A, SCOPES).await;
    let token = tokens["refresh_token"].as_str().unwrap().to_owned();
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let (http, url, token) = (env.http.clone(), env.url("/oauth/token"), token.clone());
            tokio::spawn(async move {
                let form = [
                    ("client_id", "sandbox-client"),
                    ("client_secret", "sandbox-secret"),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token.as_str()),
                ];
                http.post(url).form(&form).send().await.unwrap().status()
            })
        })
        .collect();
    let mut ok = 0;
    for attempt in attempts {
        if attempt.await.unwrap() == StatusCode::OK {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn client_secret_basic_is_accepted() {
    let env = start_default().await;
    let code = env.code(&[]).await;
    let reply = send(
        env.http
            .post(env.url("/oauth/token"))
            .header(
                "Authorization",
                format!("Basic {}", STANDARD.encode("sandbox-client:sandbox-secret")),
            )
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
            ]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let reply = send(
        env.http
            .post(env.url("/oauth/token"))
            .header(
                "Authorization",
                format!("Basic {}", STANDARD.encode("sandbox-client:wrong")),
            )
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")]),
    )
    .await;
    assert_error(
        &reply,
        401,
        json!("Invalid client: client credentials are invalid"),
    );
    assert_eq!(reply.body["error"], "invalid_client");
    assert!(reply.headers.contains_key("www-authenticate"));
}

#[tokio::test]
async fn wrong_client_credentials_are_refused() {
    let env = start_default().await;
    let code = env.code(&[]).await;
    let reply = env
        .token(&form(&code, &[("client_secret", "not-the-secret")]))
        .await;
    assert_error(
        &reply,
        401,
        json!("Invalid client: client credentials are invalid"),
    );
    let reply = env.token(&form(&code, &[("client_id", "")])).await;
    assert_error(&reply, 400, json!("Missing parameter: client_id"));
}

#[tokio::test]
async fn the_token_endpoint_takes_forms_only_and_known_grants() {
    let env = start_default().await;
    let reply = send(env.http.post(env.url("/oauth/token")).json(&json!({
        "client_id": "sandbox-client", "client_secret": "sandbox-secret",
        "grant_type": "refresh_token", "refresh_token": "x"
    })))
    .await;
    assert_error(
        &reply,
        400,
        json!("Content-Type must be application/x-www-form-urlencoded"),
    );

    let reply = env
        .token(&form("x", &[("grant_type", "client_credentials")]))
        .await;
    assert_error(&reply, 400, json!("Invalid parameter: grant_type"));
    assert_eq!(reply.body["error"], "unsupported_grant_type");

    let reply = env.token(&form("x", &[("locationId", LOC_A)])).await;
    assert_error(&reply, 422, json!(["property locationId should not exist"]));
    let reply = env.token(&form("x", &[("user_type", "Agency")])).await;
    assert_error(&reply, 400, json!("Invalid parameter: user_type"));
}

#[tokio::test]
async fn company_tokens_carry_the_company_and_approved_locations() {
    let env = start_default().await;
    let code = env.code(&[("sandbox_location", LOC_B)]).await;
    let reply = env.token(&form(&code, &[("user_type", "Company")])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["userType"], "Company");
    assert_eq!(reply.body["companyId"], env.sandbox.company_id());
    assert_eq!(reply.body["approvedLocations"], json!([LOC_B]));
    assert!(reply.body.get("locationId").is_none());
}

#[tokio::test]
async fn sandbox_location_picks_the_authorized_location() {
    let env = start_default().await;
    let a = env.login(LOC_A, SCOPES).await;
    let b = env.login(LOC_B, SCOPES).await;
    assert_eq!(a["locationId"], LOC_A);
    assert_eq!(b["locationId"], LOC_B);
    let response = env
        .authorize(&[("sandbox_approve", "1"), ("sandbox_location", "nowhere")])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("Unknown location"));
}

#[tokio::test]
async fn the_consent_page_lists_the_locations_and_its_form_approves() {
    let env = start_default().await;
    let response = env.authorize(&[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    for location in env.sandbox.locations() {
        assert!(page.contains(&location.id), "{page}");
        assert!(page.contains(&location.name), "{page}");
    }
    assert!(page.contains("contacts.write"));

    // What the browser posts when the user picks the second location and approves.
    let approve = |decision: &'static str| {
        env.http
            .post(env.url("/oauth/chooselocation/approve"))
            .form(&[
                ("client_id", "sandbox-client"),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
                ("scope", SCOPES),
                ("state", "s1"),
                ("location", LOC_B),
                ("decision", decision),
            ])
            .send()
    };
    let response = approve("approve").await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let code = query_param(&location, "code").unwrap();
    assert_eq!(query_param(&location, "state").as_deref(), Some("s1"));
    let reply = env.token(&form(&code, &[])).await;
    assert_eq!(reply.body["locationId"], LOC_B);

    let response = approve("deny").await.unwrap();
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("access_denied")
    );
}

#[tokio::test]
async fn auto_approve_redirects_on_both_paths() {
    let env = start(Config {
        auto_approve: true,
        ..Config::default()
    })
    .await;
    for path in ["/oauth/chooselocation", "/v2/oauth/chooselocation"] {
        let response = env
            .http
            .get(env.url(path))
            .query(&[
                ("response_type", "code"),
                ("client_id", "sandbox-client"),
                ("redirect_uri", "http://localhost:9/cb?keep=1"),
                ("scope", "contacts.readonly"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND, "{path}");
        let location = response.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with("http://localhost:9/cb?keep=1&code="),
            "{location}"
        );
    }
    // sandbox_approve=0 brings the page back even with auto-approve on.
    let response = env.authorize(&[("sandbox_approve", "0")]).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_clients_and_foreign_redirects_get_an_error_page_not_a_redirect() {
    let env = start(Config {
        extra_redirect_uris: vec!["https://app.example.com/callback".into()],
        ..Config::default()
    })
    .await;
    let response = env
        .authorize(&[("sandbox_approve", "1"), ("client_id", "someone-else")])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    assert!(response.text().await.unwrap().contains("Unknown app"));

    for bad in [
        "https://evil.example.com/cb",
        "http://192.168.1.5:8080/cb",
        "",
    ] {
        let response = env
            .authorize(&[("sandbox_approve", "1"), ("redirect_uri", bad)])
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(response.headers().get("location").is_none(), "{bad}");
    }
    // Registered with --redirect-uri: accepted.
    let response = env
        .authorize(&[
            ("sandbox_approve", "1"),
            ("redirect_uri", "https://app.example.com/callback"),
        ])
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    // Any loopback port, IPv4 or localhost.
    for ok in ["http://127.0.0.1:1/cb", "http://localhost:65535/x"] {
        let response = env
            .authorize(&[("sandbox_approve", "1"), ("redirect_uri", ok)])
            .await;
        assert_eq!(response.status(), StatusCode::FOUND, "{ok}");
    }
}

#[tokio::test]
async fn bad_authorization_requests_go_back_to_the_app_with_an_error() {
    let env = start_default().await;
    let response = env
        .authorize(&[("sandbox_approve", "1"), ("response_type", "token")])
        .await;
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("unsupported_response_type")
    );
    let response = env
        .authorize(&[("sandbox_approve", "1"), ("scope", "")])
        .await;
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("invalid_scope")
    );
}

#[tokio::test]
async fn access_tokens_expire_after_the_configured_ttl() {
    let env = start(Config {
        token_ttl: Duration::from_secs(1),
        ..Config::default()
    })
    .await;
    let tokens = env.login(LOC_A, SCOPES).await;
    assert_eq!(tokens["expires_in"], 1);
    let token = tokens["access_token"].as_str().unwrap();
    let ok = send(
        env.api(Method::POST, "/contacts/search", token)
            .json(&json!({
                "locationId": LOC_A, "pageLimit": 10
            })),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expired = send(
        env.api(Method::POST, "/contacts/search", token)
            .json(&json!({
                "locationId": LOC_A, "pageLimit": 10
            })),
    )
    .await;
    assert_error(
        &expired,
        401,
        json!("Invalid token: access token has expired"),
    );
}
