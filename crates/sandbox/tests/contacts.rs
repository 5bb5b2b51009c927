//! The contacts operations over real HTTP: what each one stores and answers.

mod common;

use common::*;
use integ_sandbox::Config;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn create_get_update_delete_round_trip() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let created = send(env.api(Method::POST, "/contacts/", &token).json(&json!({
        "locationId": LOC_A,
        "firstName": "Rosan",
        "lastName": "Deo",
        "email": "Rosan@Deos.com",
        "phone": "+1 888-888-8888",
        "tags": ["vip", "vip", "lead"],
        "dateOfBirth": "1990-09-25",
        "customFields": [{"id": "cf1", "key": "favourite", "field_value": "blue"}],
        "gender": "female",
    })))
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let contact = &created.body["contact"];
    let id = contact["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 20);
    assert_eq!(contact["locationId"], LOC_A);
    assert_eq!(contact["emailLowerCase"], "rosan@deos.com");
    assert_eq!(contact["fullNameLowerCase"], "rosan deo");
    assert_eq!(contact["phone"], "+18888888888");
    assert_eq!(contact["tags"], json!(["vip", "lead"]));
    assert_eq!(contact["dateOfBirth"], "1990-09-25T00:00:00.000Z");
    assert_eq!(
        (contact["birthMonth"].clone(), contact["birthDay"].clone()),
        (json!(8), json!(25))
    );
    assert_eq!(
        contact["customFields"],
        json!([{"id": "cf1", "value": "blue"}])
    );
    assert!(
        contact.get("gender").is_none(),
        "no response schema shows gender"
    );

    let got = send(env.api(Method::GET, &format!("/contacts/{id}"), &token)).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["contact"]["name"], "Rosan Deo");
    assert_eq!(got.body["contact"]["dateOfBirth"], "1990-09-25");

    let updated = send(
        env.api(Method::PUT, &format!("/contacts/{id}"), &token)
            .json(&json!({
                "email": "new@deos.com",
                "tags": ["replaced"],
                "customFields": [{"id": "cf2", "field_value": "x"}],
                "city": null,
            })),
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.body["succeded"], true);
    assert_eq!(updated.body["contact"]["email"], "new@deos.com");
    assert_eq!(updated.body["contact"]["tags"], json!(["replaced"]));
    assert_eq!(
        updated.body["contact"]["customFields"],
        json!([{"id": "cf1", "value": "blue"}, {"id": "cf2", "value": "x"}])
    );
    assert_eq!(
        env.sandbox.contacts(LOC_A),
        vec![updated.body["contact"].clone()]
    );

    let deleted = send(env.api(Method::DELETE, &format!("/contacts/{id}"), &token)).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body, json!({"succeded": true}));
    let gone = send(env.api(Method::GET, &format!("/contacts/{id}"), &token)).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(env.sandbox.contacts(LOC_A).is_empty());
}

#[tokio::test]
async fn create_also_answers_on_the_path_without_a_slash() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let reply = send(
        env.api(Method::POST, "/contacts", &token)
            .json(&json!({"locationId": LOC_A})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn upsert_creates_then_updates_by_email_or_phone() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let upsert = |body: Value| {
        send(
            env.api(Method::POST, "/contacts/upsert", &token)
                .json(&body),
        )
    };

    let first =
        upsert(json!({"locationId": LOC_A, "email": "u@example.com", "firstName": "U"})).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["new"], true);
    assert!(first.body["traceId"].is_string());
    let id = first.body["contact"]["id"].clone();

    let second =
        upsert(json!({"locationId": LOC_A, "email": "U@EXAMPLE.com", "lastName": "Two"})).await;
    assert_eq!(second.body["new"], false);
    assert_eq!(second.body["contact"]["id"], id);
    assert_eq!(second.body["contact"]["name"], "U Two");

    let by_phone = upsert(json!({"locationId": LOC_A, "phone": "8885551234"})).await;
    assert_eq!(by_phone.body["new"], true);
    let again =
        upsert(json!({"locationId": LOC_A, "phone": "+1 (888) 555-1234", "city": "Oslo"})).await;
    assert_eq!(again.body["new"], false);
    assert_eq!(again.body["contact"]["city"], "Oslo");
    assert_eq!(env.sandbox.contacts(LOC_A).len(), 2);
}

#[tokio::test]
async fn upsert_can_create_duplicates_where_the_location_allows_them() {
    let env = start(Config {
        allow_duplicate_contacts: true,
        ..Config::default()
    })
    .await;
    let token = env.access_token(LOC_A).await;
    for _ in 0..2 {
        let reply = send(env.api(Method::POST, "/contacts/upsert", &token).json(&json!({
            "locationId": LOC_A, "email": "d@example.com", "createNewIfDuplicateAllowed": true
        })))
        .await;
        assert_eq!(reply.body["new"], true);
    }
}

#[tokio::test]
async fn search_filters_sorts_and_pages_within_the_location() {
    let env = start_default().await;
    let a = env.access_token(LOC_A).await;
    let b = env.access_token(LOC_B).await;
    for (first, email, tags) in [
        ("Carol", "carol@example.com", json!(["vip"])),
        ("alice", "alice@example.com", json!([])),
        ("Bob", "bob@other.org", json!(["vip", "late"])),
    ] {
        env.create_contact(
            &a,
            LOC_A,
            json!({"firstName": first, "email": email, "tags": tags}),
        )
        .await;
    }
    env.create_contact(&b, LOC_B, json!({"firstName": "Zed"}))
        .await;
    let search = |body: Value| send(env.api(Method::POST, "/contacts/search", &a).json(&body));

    let all = search(json!({"locationId": LOC_A, "pageLimit": 10})).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(all.body["total"], 3);
    let names = |reply: &Reply| -> Vec<String> {
        reply.body["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["firstName"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&all), ["Carol", "alice", "Bob"]);

    let sorted = search(json!({"locationId": LOC_A, "pageLimit": 2, "page": 2,
        "sort": [{"field": "firstName", "direction": "asc"}]}))
    .await;
    assert_eq!(names(&sorted), ["Carol"]);
    assert_eq!(sorted.body["total"], 3);

    let vip = search(json!({"locationId": LOC_A, "pageLimit": 10,
        "filters": [{"field": "tags", "operator": "eq", "value": "vip"}]}))
    .await;
    assert_eq!(names(&vip), ["Carol", "Bob"]);

    let either = search(json!({"locationId": LOC_A, "pageLimit": 10, "filters": [{
    "group": "OR", "filters": [
        {"field": "email", "operator": "contains", "value": "other.org"},
        {"field": "firstName", "operator": "eq", "value": "ALICE"}
    ]}]}))
    .await;
    assert_eq!(names(&either), ["alice", "Bob"]);

    let query = search(json!({"locationId": LOC_A, "pageLimit": 10, "query": "caro"})).await;
    assert_eq!(names(&query), ["Carol"]);

    let too_many = search(json!({"locationId": LOC_A, "pageLimit": 501})).await;
    assert_error(
        &too_many,
        422,
        json!(["pageLimit must be an integer between 1 and 500"]),
    );
}

#[tokio::test]
async fn duplicate_search_finds_by_email_or_number() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let id = env
        .create_contact(
            &token,
            LOC_A,
            json!({"email": "dupe@example.com", "phone": "+14155550100"}),
        )
        .await;
    let find = |query: Vec<(&'static str, &'static str)>| {
        send(
            env.api(Method::GET, "/contacts/search/duplicate", &token)
                .query(&query),
        )
    };
    let by_email = find(vec![("locationId", LOC_A), ("email", "DUPE@example.com")]).await;
    assert_eq!(by_email.status, StatusCode::OK);
    assert_eq!(by_email.body["contact"]["id"], id.as_str());
    let by_number = find(vec![("locationId", LOC_A), ("number", "+1 415 555 0100")]).await;
    assert_eq!(by_number.body["contact"]["id"], id.as_str());
    let none = find(vec![("locationId", LOC_A), ("email", "nobody@example.com")]).await;
    assert_eq!(none.body, json!({"contact": null}));
}

#[tokio::test]
async fn tags_are_added_and_removed() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let id = env
        .create_contact(&token, LOC_A, json!({"tags": ["a"]}))
        .await;
    let path = format!("/contacts/{id}/tags");
    let added = send(
        env.api(Method::POST, &path, &token)
            .json(&json!({"tags": ["b", "a", "c"]})),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED);
    assert_eq!(added.body, json!({"tags": ["a", "b", "c"]}));
    let removed = send(
        env.api(Method::DELETE, &path, &token)
            .json(&json!({"tags": ["a", "zzz"]})),
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(removed.body, json!({"tags": ["b", "c"]}));
    let missing = send(env.api(Method::POST, &path, &token).json(&json!({}))).await;
    assert_error(
        &missing,
        422,
        json!(["tags should not be empty", "tags must be an array"]),
    );
}

#[tokio::test]
async fn notes_crud() {
    let env = start_default().await;
    let token = env.access_token(LOC_A).await;
    let id = env.create_contact(&token, LOC_A, json!({})).await;
    let notes = format!("/contacts/{id}/notes");

    let created = send(
        env.api(Method::POST, &notes, &token)
            .json(&json!({"body": "first call", "title": "Call", "pinned": true})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let note = &created.body["note"];
    assert_eq!(note["body"], "first call");
    assert_eq!(note["contactId"], id.as_str());
    assert_eq!(note["pinned"], true);
    let note_id = note["id"].as_str().unwrap().to_owned();
    let one = format!("{notes}/{note_id}");

    let updated = send(
        env.api(Method::PUT, &one, &token)
            .json(&json!({"body": "edited", "title": null})),
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.body["note"]["body"], "edited");
    assert!(updated.body["note"].get("title").is_none());

    let got = send(env.api(Method::GET, &one, &token)).await;
    assert_eq!(got.body["note"], updated.body["note"]);
    let list = send(env.api(Method::GET, &notes, &token)).await;
    assert_eq!(list.body, json!({"notes": [updated.body["note"]]}));

    let deleted = send(env.api(Method::DELETE, &one, &token)).await;
    assert_eq!(deleted.body, json!({"succeded": true}));
    let list = send(env.api(Method::GET, &notes, &token)).await;
    assert_eq!(list.body, json!({"notes": []}));
    let empty = send(env.api(Method::POST, &notes, &token).json(&json!({}))).await;
    assert_error(
        &empty,
        422,
        json!(["body should not be empty", "body must be a string"]),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_lose_nothing() {
    let env = start(Config {
        rate_limit: false,
        ..Config::default()
    })
    .await;
    let token = env.access_token(LOC_A).await;
    let id = env.create_contact(&token, LOC_A, json!({})).await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let http = env.http.clone();
            let base = env.sandbox.base_url();
            let (token, id) = (token.clone(), id.clone());
            tokio::spawn(async move {
                let create = http
                    .post(format!("{base}/contacts/"))
                    .bearer_auth(&token)
                    .header("Version", "2021-07-28")
                    .json(&json!({"locationId": LOC_A, "email": format!("c{i}@example.com")}))
                    .send();
                let tag = http
                    .post(format!("{base}/contacts/{id}/tags"))
                    .bearer_auth(&token)
                    .header("Version", "2021-07-28")
                    .json(&json!({"tags": [format!("t{i}")]}))
                    .send();
                let (create, tag) = tokio::join!(create, tag);
                (create.unwrap().status(), tag.unwrap().status())
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(
            task.await.unwrap(),
            (StatusCode::CREATED, StatusCode::CREATED)
        );
    }
    let contacts = env.sandbox.contacts(LOC_A);
    assert_eq!(contacts.len(), 41);
    assert_eq!(contacts[0]["tags"].as_array().unwrap().len(), 40);
}

#[tokio::test]
async fn seeded_contacts_and_minted_tokens_skip_the_dance() {
    let env = start_default().await;
    let seeded = env.sandbox.seed_contact(
        LOC_B,
        json!({"firstName": "Seed", "email": "seed@example.com"}),
    );
    let tokens = env.sandbox.issue_token(LOC_B, &[]).unwrap();
    assert_eq!(tokens["locationId"], LOC_B);
    let token = tokens["access_token"].as_str().unwrap();
    let got = send(env.api(
        Method::GET,
        &format!("/contacts/{}", seeded["id"].as_str().unwrap()),
        token,
    ))
    .await;
    assert_eq!(got.body["contact"], seeded);
    assert!(env.sandbox.issue_token("nowhere", &[]).is_none());
}
