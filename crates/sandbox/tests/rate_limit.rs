//! HighLevel's burst limit: per (app, location), its headers on every answer, 429 past it.

mod common;

use std::time::Duration;

use common::*;
use integ_sandbox::Config;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn header(reply: &Reply, name: &str) -> u64 {
    reply.headers[name].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_default_limit_is_highlevels_and_every_answer_has_the_headers() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let id = env.create_contact(&token, LOC_A, json!({})).await;
    let path = format!("/contacts/{id}");

    let ok = send(env.api(Method::GET, &path, &token)).await;
    assert_eq!(header(&ok, "x-ratelimit-max"), 100);
    assert_eq!(header(&ok, "x-ratelimit-interval-milliseconds"), 10_000);
    assert_eq!(header(&ok, "x-ratelimit-limit-daily"), 200_000);
    assert_eq!(header(&ok, "x-ratelimit-remaining"), 98, "create, then get");
    assert_eq!(header(&ok, "x-ratelimit-daily-remaining"), 199_998);

    // Errors after authentication carry them too.
    let err = send(env.api(Method::GET, "/contacts/nope", &token)).await;
    assert_eq!(err.status, StatusCode::NOT_FOUND);
    assert_eq!(header(&err, "x-ratelimit-remaining"), 97);
}

#[tokio::test]
async fn past_the_burst_limit_comes_a_429_with_retry_after_then_a_fresh_window() {
    let env = start(Config {
        burst_max: 5,
        burst_window: Duration::from_millis(1500),
        ..Config::default()
    })
    .await;
    let token = env.access_token(LOC_A).await;
    let search = || {
        send(
            env.api(Method::POST, "/contacts/search", &token)
                .json(&json!({"locationId": LOC_A, "pageLimit": 1})),
        )
    };
    for remaining in (0..5).rev() {
        let reply = search().await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(header(&reply, "x-ratelimit-remaining"), remaining);
    }
    let limited = search().await;
    assert_error(&limited, 429, json!("Too Many Requests"));
    assert_eq!(header(&limited, "x-ratelimit-remaining"), 0);
    assert_eq!(header(&limited, "x-ratelimit-max"), 5);
    assert_eq!(header(&limited, "retry-after"), 2, "1.5 s rounded up");
    // A refused request costs nothing from the daily budget.
    assert_eq!(header(&limited, "x-ratelimit-daily-remaining"), 199_995);
    assert_eq!(env.sandbox.stats().rate_limited, 1);

    tokio::time::sleep(Duration::from_millis(1600)).await;
    let again = search().await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(header(&again, "x-ratelimit-remaining"), 4);
}

#[tokio::test]
async fn each_location_has_its_own_budget() {
    let env = start(Config {
        burst_max: 2,
        burst_window: Duration::from_secs(60),
        ..Config::default()
    })
    .await;
    let a = env.access_token(LOC_A).await;
    let b = env.access_token(LOC_B).await;
    let a2 = env.access_token(LOC_A).await; // a second token for A shares A's budget
    let ping = |token: &str, loc: &str| {
        send(
            env.api(Method::POST, "/contacts/search", token)
                .json(&json!({"locationId": loc, "pageLimit": 1})),
        )
    };
    assert_eq!(ping(&a, LOC_A).await.status, StatusCode::OK);
    assert_eq!(ping(&a2, LOC_A).await.status, StatusCode::OK);
    assert_eq!(ping(&a, LOC_A).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(ping(&b, LOC_B).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_daily_limit_is_enforced_too() {
    let env = start(Config {
        daily_max: 3,
        ..Config::default()
    })
    .await;
    let token = env.access_token(LOC_A).await;
    for _ in 0..3 {
        let reply = send(env.api(Method::GET, "/contacts/nope", &token)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }
    let limited = send(env.api(Method::GET, "/contacts/nope", &token)).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&limited, "x-ratelimit-daily-remaining"), 0);
    assert!(header(&limited, "retry-after") > 0);
}

#[tokio::test]
async fn with_the_limit_off_nothing_is_limited_and_no_headers_are_sent() {
    let env = start(Config {
        rate_limit: false,
        burst_max: 1,
        ..Config::default()
    })
    .await;
    let token = env.access_token(LOC_A).await;
    for _ in 0..5 {
        let reply = send(env.api(Method::GET, "/contacts/nope", &token)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(!reply.headers.contains_key("x-ratelimit-remaining"));
    }
}

#[tokio::test]
async fn unauthenticated_requests_are_not_counted() {
    let env = start(Config {
        burst_max: 1,
        ..Config::default()
    })
    .await;
    let token = env.access_token(LOC_A).await;
    for _ in 0..3 {
        let reply = send(env.api(Method::GET, "/contacts/x", "bogus")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let reply = send(env.api(Method::GET, "/contacts/x", &token)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}
