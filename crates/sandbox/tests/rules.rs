//! HighLevel's request rules over real HTTP, each with its exact error body.

mod common;

use common::*;
use integ_sandbox::Config;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_missing_or_wrong_version_header_is_a_400() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let id = env.create_contact(&token, LOC_A, json!({})).await;
    let url = env.url(&format!("/contacts/{id}"));

    let reply = send(env.http.get(&url).bearer_auth(&token)).await;
    assert_error(&reply, 400, json!("Version header was not found"));
    assert_eq!(reply.body["error"], "Bad Request");

    let reply = send(
        env.http
            .get(&url)
            .bearer_auth(&token)
            .header("Version", "2021-04-15"),
    )
    .await;
    assert_error(&reply, 400, json!("Version header is invalid"));
}

#[tokio::test]
async fn missing_unknown_and_expired_tokens_are_401s() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let id = env.create_contact(&token, LOC_A, json!({})).await;
    let path = format!("/contacts/{id}");

    let reply = send(env.http.get(env.url(&path)).header("Version", "2021-07-28")).await;
    assert_error(&reply, 401, json!("Invalid token: access token is invalid"));
    assert_eq!(reply.body["error"], "Unauthorized");

    let reply = send(env.api(Method::GET, &path, "not-a-token")).await;
    assert_error(&reply, 401, json!("Invalid token: access token is invalid"));

    assert!(env.sandbox.expire_access_token(&token));
    let reply = send(env.api(Method::GET, &path, &token)).await;
    assert_error(
        &reply,
        401,
        json!("Invalid token: access token has expired"),
    );
}

#[tokio::test]
async fn a_token_without_the_scope_is_a_401() {
    let env = start_default().await;
    let writer = env.access_token(LOC_A).await;
    let id = env.create_contact(&writer, LOC_A, json!({})).await;
    let reader = env.login(LOC_A, "contacts.readonly").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let reply = send(env.api(Method::GET, &format!("/contacts/{id}"), &reader)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = send(
        env.api(Method::PUT, &format!("/contacts/{id}"), &reader)
            .json(&json!({"firstName": "X"})),
    )
    .await;
    assert_error(
        &reply,
        401,
        json!("The token is not authorized for this scope."),
    );
    let reply = send(env.api(Method::DELETE, &format!("/contacts/{id}"), &reader)).await;
    assert_error(
        &reply,
        401,
        json!("The token is not authorized for this scope."),
    );
}

#[tokio::test]
async fn a_company_token_cannot_use_the_contacts_api() {
    let env = start_default().await;
    let code = env.code(&[]).await;
    let company = env
        .token(&[
            ("client_id", "sandbox-client"),
            ("client_secret", "sandbox-secret"),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("user_type", "Company"),
        ])
        .await;
    let token = company.body["access_token"].as_str().unwrap();
    let reply = send(
        env.api(Method::POST, "/contacts/", token)
            .json(&json!({"locationId": LOC_A})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_for_another_location_is_a_403() {
    let env = start_default().await;
    let a = env.access_token(LOC_A).await;
    let b = env.access_token(LOC_B).await;
    let id = env
        .create_contact(&a, LOC_A, json!({"email": "a@example.com"}))
        .await;
    let forbidden = json!("The token does not have access to this location.");

    let reply = send(env.api(Method::GET, &format!("/contacts/{id}"), &b)).await;
    assert_error(&reply, 403, forbidden.clone());
    assert_eq!(reply.body["error"], "Forbidden");
    let reply = send(
        env.api(Method::POST, "/contacts/", &b)
            .json(&json!({"locationId": LOC_A})),
    )
    .await;
    assert_error(&reply, 403, forbidden.clone());
    let reply = send(
        env.api(Method::POST, "/contacts/search", &b)
            .json(&json!({"locationId": LOC_A, "pageLimit": 5})),
    )
    .await;
    assert_error(&reply, 403, forbidden.clone());
    let reply = send(
        env.api(Method::GET, "/contacts/search/duplicate", &b)
            .query(&[("locationId", LOC_A), ("email", "a@example.com")]),
    )
    .await;
    assert_error(&reply, 403, forbidden);
    assert_eq!(env.sandbox.contacts(LOC_B), Vec::<serde_json::Value>::new());
}

#[tokio::test]
async fn undeclared_body_properties_are_422_on_every_operation() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let id = env.create_contact(&token, LOC_A, json!({})).await;
    let note = send(
        env.api(Method::POST, &format!("/contacts/{id}/notes"), &token)
            .json(&json!({"body": "hi"})),
    )
    .await;
    let note_id = note.body["note"]["id"].as_str().unwrap().to_owned();

    let cases: Vec<(Method, String, serde_json::Value)> = vec![
        (
            Method::POST,
            "/contacts/".into(),
            json!({"locationId": LOC_A, "favouriteColour": "red"}),
        ),
        (
            Method::PUT,
            format!("/contacts/{id}"),
            json!({"firstName": "A", "favouriteColour": "red"}),
        ),
        (
            Method::POST,
            "/contacts/upsert".into(),
            json!({"locationId": LOC_A, "favouriteColour": "red"}),
        ),
        (
            Method::POST,
            "/contacts/search".into(),
            json!({"locationId": LOC_A, "pageLimit": 1, "favouriteColour": "red"}),
        ),
        (
            Method::POST,
            format!("/contacts/{id}/tags"),
            json!({"tags": ["a"], "favouriteColour": "red"}),
        ),
        (
            Method::DELETE,
            format!("/contacts/{id}/tags"),
            json!({"tags": ["a"], "favouriteColour": "red"}),
        ),
        (
            Method::POST,
            format!("/contacts/{id}/notes"),
            json!({"body": "x", "favouriteColour": "red"}),
        ),
        (
            Method::PUT,
            format!("/contacts/{id}/notes/{note_id}"),
            json!({"body": "x", "favouriteColour": "red"}),
        ),
    ];
    for (method, path, body) in cases {
        let reply = send(env.api(method.clone(), &path, &token).json(&body)).await;
        assert_error(
            &reply,
            422,
            json!(["property favouriteColour should not exist"]),
        );
        assert_eq!(
            reply.body["error"], "Unprocessable Entity",
            "{method} {path}"
        );
    }
    // The evidence's own case: locationId in a notes or tags body.
    let reply = send(
        env.api(Method::POST, &format!("/contacts/{id}/tags"), &token)
            .json(&json!({"tags": ["a"], "locationId": LOC_A})),
    )
    .await;
    assert_error(&reply, 422, json!(["property locationId should not exist"]));
    assert_eq!(env.sandbox.stats().unprocessable, 9);
}

#[tokio::test]
async fn update_contact_rejects_location_id_in_its_query_and_its_body() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let id = env.create_contact(&token, LOC_A, json!({})).await;
    let path = format!("/contacts/{id}");
    let expected = json!({
        "statusCode": 422,
        "message": ["property locationId should not exist"],
        "error": "Unprocessable Entity"
    });

    let reply = send(
        env.api(Method::PUT, &path, &token)
            .query(&[("locationId", LOC_A)])
            .json(&json!({"email": "new@example.com"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body, expected);

    let reply = send(
        env.api(Method::PUT, &path, &token)
            .json(&json!({"email": "new@example.com", "locationId": LOC_A})),
    )
    .await;
    assert_eq!(reply.body, expected);

    // Both at once: both named.
    let reply = send(
        env.api(Method::PUT, &path, &token)
            .query(&[("foo", "1")])
            .json(&json!({"locationId": LOC_A})),
    )
    .await;
    assert_eq!(
        reply.body["message"],
        json!([
            "property foo should not exist",
            "property locationId should not exist"
        ])
    );

    // Nothing was written by the refused requests.
    let reply = send(env.api(Method::GET, &path, &token)).await;
    assert!(reply.body["contact"].get("email").is_none());

    let reply = send(
        env.api(Method::PUT, &path, &token)
            .json(&json!({"email": "new@example.com"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn a_location_id_query_is_ignored_elsewhere() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let reply = send(
        env.api(Method::POST, "/contacts/", &token)
            .query(&[("locationId", LOC_A)])
            .json(&json!({"locationId": LOC_A, "firstName": "Q"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = reply.body["contact"]["id"].as_str().unwrap().to_owned();

    for (method, path) in [
        (Method::GET, format!("/contacts/{id}")),
        (Method::GET, format!("/contacts/{id}/notes")),
        (Method::DELETE, format!("/contacts/{id}")),
    ] {
        let reply = send(
            env.api(method.clone(), &path, &token)
                .query(&[("locationId", LOC_A), ("anything", "else")]),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{method} {path}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn location_id_is_required_where_the_spec_says() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let required = json!([
        "locationId should not be empty",
        "locationId must be a string"
    ]);
    for path in ["/contacts/", "/contacts/upsert"] {
        let reply = send(
            env.api(Method::POST, path, &token)
                .json(&json!({"firstName": "NoLoc"})),
        )
        .await;
        assert_error(&reply, 422, required.clone());
    }
    let reply = send(
        env.api(Method::POST, "/contacts/search", &token)
            .json(&json!({"pageLimit": 10})),
    )
    .await;
    assert_error(&reply, 422, required.clone());
    let reply = send(
        env.api(Method::POST, "/contacts/search", &token)
            .json(&json!({"locationId": LOC_A})),
    )
    .await;
    assert_error(
        &reply,
        422,
        json!([
            "pageLimit should not be empty",
            "pageLimit must be a number conforming to the specified constraints"
        ]),
    );
    let reply = send(
        env.api(Method::GET, "/contacts/search/duplicate", &token)
            .query(&[("email", "x@example.com")]),
    )
    .await;
    assert_error(&reply, 422, required);
}

#[tokio::test]
async fn unknown_contacts_and_notes_are_404s() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    for (method, path) in [
        (Method::GET, "/contacts/nope"),
        (Method::PUT, "/contacts/nope"),
        (Method::DELETE, "/contacts/nope"),
        (Method::GET, "/contacts/nope/notes"),
    ] {
        let mut request = env.api(method.clone(), path, &token);
        if method == Method::PUT {
            request = request.json(&json!({"firstName": "X"}));
        }
        let reply = send(request).await;
        assert_error(&reply, 404, json!("Contact not found"));
        assert_eq!(reply.body["error"], "Not Found");
    }
    let id = env.create_contact(&token, LOC_A, json!({})).await;
    let reply = send(env.api(Method::GET, &format!("/contacts/{id}/notes/nope"), &token)).await;
    assert_error(&reply, 404, json!("Note not found"));
}

#[tokio::test]
async fn unknown_routes_answer_like_highlevel() {
    let env = start_default().await;
    let reply = send(env.http.get(env.url("/opportunities/search"))).await;
    assert_error(&reply, 404, json!("Cannot GET /opportunities/search"));
    let reply = send(env.http.patch(env.url("/contacts/abc"))).await;
    assert_error(&reply, 404, json!("Cannot PATCH /contacts/abc"));
}

#[tokio::test]
async fn malformed_bodies_are_400s_and_bad_values_422s() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let reply = send(
        env.api(Method::POST, "/contacts/", &token)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = send(
        env.api(Method::POST, "/contacts/", &token)
            .json(&json!({"locationId": LOC_A, "email": "not-an-email", "dnd": "yes"})),
    )
    .await;
    assert_error(
        &reply,
        422,
        json!(["email must be an email", "dnd must be a boolean value"]),
    );
}

#[tokio::test]
async fn duplicate_contacts_are_refused_unless_the_location_allows_them() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let first = env
        .create_contact(
            &token,
            LOC_A,
            json!({"firstName": "Dee", "email": "dup@example.com"}),
        )
        .await;
    let reply = send(
        env.api(Method::POST, "/contacts/", &token)
            .json(&json!({"locationId": LOC_A, "email": "DUP@example.com"})),
    )
    .await;
    assert_error(
        &reply,
        400,
        json!("This location does not allow duplicated contacts."),
    );
    assert_eq!(
        reply.body["meta"],
        json!({"contactName": "Dee", "contactId": first, "matchingField": "email"})
    );

    let env = start(Config {
        allow_duplicate_contacts: true,
        ..Config::default()
    })
    .await;
    let token = env.access_token(LOC_A).await;
    for _ in 0..2 {
        env.create_contact(&token, LOC_A, json!({"email": "dup@example.com"}))
            .await;
    }
    assert_eq!(env.sandbox.contacts(LOC_A).len(), 2);
}
