//! Each fault switch, set at start or while running, with exact (seeded or counted) outcomes.

mod common;

use std::time::{Duration, Instant};

use common::*;
use integ_sandbox::{Config, Faults, TokenFault};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn env_with_contact() -> (Env, String, String) {
    let env = start(Config {
        rate_limit: false,
        ..Config::default()
    })
    .await;
    let token = env.access_token(LOC_A).await;
    let id = env.create_contact(&token, LOC_A, json!({})).await;
    (env, token, format!("/contacts/{id}"))
}

#[tokio::test]
async fn latency_delays_every_route() {
    let (env, token, path) = env_with_contact().await;
    env.sandbox.set_faults(Faults {
        latency: Duration::from_millis(250),
        ..Faults::default()
    });
    let started = Instant::now();
    assert_eq!(
        send(env.api(Method::GET, &path, &token)).await.status,
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(250));
    let started = Instant::now();
    env.code(&[]).await;
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn error_next_fails_exactly_the_next_api_requests() {
    let (env, token, path) = env_with_contact().await;
    env.sandbox.set_faults(Faults {
        error_next: 2,
        error_statuses: vec![503],
        ..Faults::default()
    });
    // The OAuth side is not hit by API faults.
    env.code(&[]).await;
    for _ in 0..2 {
        let reply = send(env.api(Method::GET, &path, &token)).await;
        assert_error(&reply, 503, json!("Service Unavailable"));
    }
    assert_eq!(
        send(env.api(Method::GET, &path, &token)).await.status,
        StatusCode::OK
    );
    let stats = env.sandbox.stats();
    assert_eq!(stats.injected_errors, 2);
    assert_eq!(stats.status(503), 2);
    assert_eq!(stats.requests("GET", "/contacts/{contactId}"), 3);
    assert_eq!(env.sandbox.faults().error_next, 0);
}

async fn statuses_with(faults: Faults, n: usize) -> Vec<u16> {
    let (env, token, path) = env_with_contact().await;
    env.sandbox.set_faults(faults);
    let mut seen = Vec::new();
    for _ in 0..n {
        seen.push(
            send(env.api(Method::GET, &path, &token))
                .await
                .status
                .as_u16(),
        );
    }
    seen
}

#[tokio::test]
async fn a_seeded_error_rate_is_reproducible_and_uses_500_502_503() {
    let faults = Faults {
        error_rate: 0.5,
        seed: Some(2024),
        ..Faults::default()
    };
    let first = statuses_with(faults.clone(), 60).await;
    let second = statuses_with(faults, 60).await;
    assert_eq!(first, second);
    let errors: Vec<u16> = first.iter().copied().filter(|s| *s != 200).collect();
    assert!((15..=45).contains(&errors.len()), "{first:?}");
    for code in [500, 502, 503] {
        assert!(errors.contains(&code), "{first:?}");
    }
    assert!(errors.iter().all(|c| [500, 502, 503].contains(c)));
}

#[tokio::test]
async fn a_dropped_connection_gets_no_response_at_all() {
    let (env, token, path) = env_with_contact().await;
    env.sandbox.set_faults(Faults {
        drop_next: 1,
        ..Faults::default()
    });
    // Raw TCP: the request is read, then the socket closes with nothing written.
    let mut stream = tokio::net::TcpStream::connect(env.sandbox.addr())
        .await
        .unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nVersion: 2021-07-28\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    // EOF (or a reset, which is also "no response"), promptly.
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("closed promptly");
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));

    // The next request goes through, on a new connection.
    assert_eq!(
        send(env.api(Method::GET, &path, &token)).await.status,
        StatusCode::OK
    );
    let stats = env.sandbox.stats();
    assert_eq!(stats.dropped_connections, 1);
    assert_eq!(stats.requests("GET", "/contacts/{contactId}"), 2);
}

#[tokio::test]
async fn a_client_sees_a_dropped_connection_as_a_transport_error() {
    let (env, token, path) = env_with_contact().await;
    env.sandbox.set_faults(Faults {
        drop_next: 1,
        ..Faults::default()
    });
    let error = env
        .api(Method::GET, &path, &token)
        .send()
        .await
        .expect_err("no response");
    assert!(!error.is_timeout(), "{error}");
    assert!(error.status().is_none());
}

#[tokio::test]
async fn a_seeded_drop_rate_is_reproducible() {
    let run = || async {
        let (env, token, path) = env_with_contact().await;
        env.sandbox.set_faults(Faults {
            drop_rate: 0.3,
            seed: Some(9),
            ..Faults::default()
        });
        let mut outcome = Vec::new();
        for _ in 0..30 {
            outcome.push(env.api(Method::GET, &path, &token).send().await.is_ok());
        }
        (outcome, env.sandbox.stats().dropped_connections)
    };
    let (first, dropped) = run().await;
    let (second, _) = run().await;
    assert_eq!(first, second);
    assert_eq!(first.iter().filter(|ok| !**ok).count() as u64, dropped);
    assert!((3..=18).contains(&dropped), "{first:?}");
}

#[tokio::test]
async fn a_slow_token_endpoint_answers_late_but_right() {
    let env = start(Config {
        faults: Faults {
            token_endpoint: TokenFault::Slow,
            token_delay: Duration::from_millis(300),
            ..Faults::default()
        },
        ..Config::default()
    })
    .await;
    let started = Instant::now();
    let tokens = env.login(LOC_A, SCOPES).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(tokens["access_token"].is_string());
}

#[tokio::test]
async fn a_failing_token_endpoint_answers_500_until_switched_back() {
    let env = start_default().await;
    env.sandbox.set_faults(Faults {
        token_endpoint: TokenFault::Fail,
        ..Faults::default()
    });
    let code = env.code(&[]).await;
    let form = [
        ("client_id", "sandbox-client"),
        ("client_secret", "sandbox-secret"),
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
    ];
    let reply = env.token(&form).await;
    assert_error(&reply, 500, json!("Internal server error"));
    env.sandbox.set_faults(Faults::none());
    // The failed attempt did not consume the code, and both attempts are counted.
    assert_eq!(env.token(&form).await.status, StatusCode::OK);
    assert_eq!(env.sandbox.stats().token_requests("authorization_code"), 2);
}

#[tokio::test]
async fn faults_given_at_start_apply_from_the_first_request() {
    let env = start(Config {
        faults: Faults {
            error_next: 1,
            ..Faults::default()
        },
        ..Config::default()
    })
    .await;
    let token = env.access_token(LOC_A).await;
    let reply = send(env.api(Method::GET, "/contacts/x", &token)).await;
    assert_eq!(reply.status.as_u16(), 500);
    let reply = send(env.api(Method::GET, "/contacts/x", &token)).await;
    assert_eq!(reply.status.as_u16(), 404);
}
