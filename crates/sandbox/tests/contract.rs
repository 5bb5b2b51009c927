//! The sandbox against HighLevel's contract: every success and error body of every operation
//! it implements is validated, with the `jsonschema` crate, against the response schema that
//! `specs/highlevel/openapi/apps/{contacts,oauth}.json` give that operation and status (their
//! `$ref`s, `../common/common-schemas.json` included, resolved from the files at test time).
//!
//! Success bodies are also checked against a *closed* copy of the schemas
//! (`additionalProperties: false` on every object), so the sandbox cannot answer with a
//! property HighLevel's contract does not name.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;

use common::*;
use integ_sandbox::{Config, Faults};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn spec_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs/highlevel/openapi")
        .canonicalize()
        .expect("specs/highlevel/openapi exists")
}

/// Serves the spec files to the validator, optionally closing their object schemas.
struct SpecFiles {
    closed: bool,
}

impl jsonschema::Retrieve for SpecFiles {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let path = url::Url::parse(uri.as_str())?
            .to_file_path()
            .map_err(|_| format!("not a file URI: {}", uri.as_str()))?;
        let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        // The shared error DTOs stay open: HighLevel's errors carry `error`, which
        // BadRequestDTO does not list.
        if self.closed && !path.ends_with("common/common-schemas.json") {
            close_objects(&mut doc["components"]["schemas"]);
        }
        Ok(doc)
    }
}

fn close_objects(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

struct Contract {
    root: PathBuf,
    checked: Mutex<BTreeSet<(String, String, String)>>,
}

impl Contract {
    fn new() -> Self {
        Contract {
            root: spec_root(),
            checked: Mutex::default(),
        }
    }

    fn file_uri(&self, file: &str) -> url::Url {
        url::Url::from_file_path(self.root.join("apps").join(file)).unwrap()
    }

    fn doc(&self, file: &str) -> Value {
        let text = std::fs::read_to_string(self.root.join("apps").join(file)).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// Validates `body` against the schema `reference` (relative to `apps/FILE`).
    fn validate(&self, file: &str, reference: &str, body: &Value, closed: bool, what: &str) {
        let absolute = self.file_uri(file).join(reference).unwrap();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .with_retriever(SpecFiles { closed })
            .build(&json!({"$ref": absolute.as_str()}))
            .unwrap_or_else(|e| panic!("schema {reference}: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: body does not match {reference}{}:\n{}\nbody: {body:#}",
            if closed { " (closed)" } else { "" },
            errors.join("\n")
        );
    }

    /// Checks one answer of `METHOD path` against the operation's response schema for its
    /// status. Statuses the operation does not declare (403, 404, 429, 5xx...) are checked
    /// against the common error DTO for that kind of status.
    fn check(&self, file: &str, method: &str, path: &str, reply: &Reply) {
        let doc = self.doc(file);
        let op = &doc["paths"][path][method.to_lowercase()];
        assert!(op.is_object(), "the spec has no {method} {path}");
        let status = reply.status.as_u16();
        let what = format!("{method} {path} -> {status}");
        let declared = op["responses"][status.to_string()]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .map(str::to_owned);
        let reference = match declared {
            Some(reference) => reference,
            None if status < 400 => panic!("{what}: no response schema; use check_schema"),
            None => match status {
                401 => "../common/common-schemas.json#/components/schemas/UnauthorizedDTO",
                422 => "../common/common-schemas.json#/components/schemas/UnprocessableDTO",
                _ => "../common/common-schemas.json#/components/schemas/BadRequestDTO",
            }
            .to_owned(),
        };
        self.validate(file, &reference, &reply.body, false, &what);
        if status < 400 {
            self.validate(file, &reference, &reply.body, true, &what);
        } else {
            // HighLevel's envelope, whatever the DTO lists.
            assert_eq!(reply.body["statusCode"], json!(status), "{what}");
            assert!(reply.body["error"].is_string(), "{what}");
        }
        let kind = if status < 400 { "success" } else { "error" };
        self.checked.lock().unwrap().insert((
            format!("{method} {path}"),
            kind.to_owned(),
            status.to_string(),
        ));
    }

    /// For operations whose 200 the spec leaves without a schema: check a part of the body
    /// against the schema HighLevel's docs say it has.
    fn check_schema(
        &self,
        file: &str,
        method: &str,
        path: &str,
        reference: &str,
        part: &Value,
        reply: &Reply,
    ) {
        let what = format!("{method} {path} -> {}", reply.status);
        self.validate(file, reference, part, false, &what);
        self.validate(file, reference, part, true, &what);
        self.checked.lock().unwrap().insert((
            format!("{method} {path}"),
            "success".to_owned(),
            reply.status.as_u16().to_string(),
        ));
    }

    fn covered(&self) -> BTreeSet<(String, String)> {
        self.checked
            .lock()
            .unwrap()
            .iter()
            .map(|(op, kind, _)| (op.clone(), kind.clone()))
            .collect()
    }
}

const CONTACTS: &str = "contacts.json";
const OAUTH: &str = "oauth.json";

/// Every operation the sandbox implements, as the spec names its path.
const IMPLEMENTED: &[(&str, &str, &str)] = &[
    (OAUTH, "POST", "/oauth/token"),
    (CONTACTS, "POST", "/contacts/"),
    (CONTACTS, "GET", "/contacts/{contactId}"),
    (CONTACTS, "PUT", "/contacts/{contactId}"),
    (CONTACTS, "DELETE", "/contacts/{contactId}"),
    (CONTACTS, "POST", "/contacts/upsert"),
    (CONTACTS, "POST", "/contacts/search"),
    (CONTACTS, "GET", "/contacts/search/duplicate"),
    (CONTACTS, "POST", "/contacts/{contactId}/tags"),
    (CONTACTS, "DELETE", "/contacts/{contactId}/tags"),
    (CONTACTS, "GET", "/contacts/{contactId}/notes"),
    (CONTACTS, "POST", "/contacts/{contactId}/notes"),
    (CONTACTS, "GET", "/contacts/{contactId}/notes/{id}"),
    (CONTACTS, "PUT", "/contacts/{contactId}/notes/{id}"),
    (CONTACTS, "DELETE", "/contacts/{contactId}/notes/{id}"),
];

#[tokio::test]
async fn every_operation_answers_as_the_openapi_files_say() {
    let c = Contract::new();
    let env = start(Config {
        burst_max: 1_000,
        ..Config::default()
    })
    .await;

    // --- OAuth: POST /oauth/token ---------------------------------------------------------
    let token_path = "/oauth/token";
    let code = env.code(&[]).await;
    let base = |code: &str| {
        vec![
            ("client_id", "sandbox-client".to_owned()),
            ("client_secret", "sandbox-secret".to_owned()),
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("user_type", "Location".to_owned()),
        ]
    };
    let as_refs =
        |form: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { form.clone() };
    let tokens = send(
        env.http
            .post(env.url(token_path))
            .form(&as_refs(&base(&code))),
    )
    .await;
    assert_eq!(tokens.status, StatusCode::OK);
    c.check(OAUTH, "POST", token_path, &tokens);
    let refreshed = send(env.http.post(env.url(token_path)).form(&[
        ("client_id", "sandbox-client"),
        ("client_secret", "sandbox-secret"),
        ("grant_type", "refresh_token"),
        (
            "refresh_token",
            tokens.body["refresh_token"].as_str().unwrap(),
        ),
    ]))
    .await;
    assert_eq!(refreshed.status, StatusCode::OK);
    c.check(OAUTH, "POST", token_path, &refreshed);
    let company_code = env.code(&[]).await;
    let mut company = base(&company_code);
    company.retain(|(k, _)| *k != "user_type");
    company.push(("user_type", "Company".to_owned()));
    let company = send(env.http.post(env.url(token_path)).form(&company)).await;
    assert_eq!(company.status, StatusCode::OK);
    c.check(OAUTH, "POST", token_path, &company);
    let reused = send(env.http.post(env.url(token_path)).form(&base(&code))).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    c.check(OAUTH, "POST", token_path, &reused);
    let mut wrong_secret = base("x");
    wrong_secret[1].1 = "nope".to_owned();
    let reply = send(env.http.post(env.url(token_path)).form(&wrong_secret)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    c.check(OAUTH, "POST", token_path, &reply);
    let mut extra = base("x");
    extra.push(("locationId", LOC_A.to_owned()));
    let reply = send(env.http.post(env.url(token_path)).form(&extra)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    c.check(OAUTH, "POST", token_path, &reply);

    let token = tokens.body["access_token"].as_str().unwrap().to_owned();
    let other = env.access_token(LOC_B).await;
    let reader = env.login(LOC_A, "contacts.readonly").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let api = |method: Method, path: &str, token: &str| env.api(method, path, token);
    let no_version =
        |method: Method, path: &str| env.http.request(method, env.url(path)).bearer_auth(&token);

    // --- Create -------------------------------------------------------------------------
    let p = "/contacts/";
    let full = json!({
        "locationId": LOC_A, "firstName": "Rosan", "lastName": "Deo", "name": "Rosan Deo",
        "email": "rosan@deos.com", "gender": "male", "phone": "+1 888-888-8888",
        "address1": "3535 1st St N", "city": "Dolomite", "state": "AL", "postalCode": "35061",
        "website": "https://www.tesla.com", "timezone": "America/Chihuahua", "dnd": true,
        "dndSettings": {"Call": {"status": "active", "message": "m", "code": "c"}},
        "inboundDndSettings": {"all": {"status": "active", "message": "m"}},
        "tags": ["a", "b"], "customFields": [{"id": "cf1", "key": "k", "field_value": "v"}],
        "source": "public api", "dateOfBirth": "1990-09-25", "country": "US",
        "companyName": "DGS VolMAX", "assignedTo": "y0BeYjuRIlDwsDcOHOJo"
    });
    let created = send(api(Method::POST, p, &token).json(&full)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    c.check(CONTACTS, "POST", p, &created);
    let id = created.body["contact"]["id"].as_str().unwrap().to_owned();
    for request in [
        no_version(Method::POST, p).json(&json!({"locationId": LOC_A})),
        api(Method::POST, p, "bogus").json(&json!({"locationId": LOC_A})),
        api(Method::POST, p, &reader).json(&json!({"locationId": LOC_A})),
        api(Method::POST, p, &token).json(&json!({"locationId": LOC_A, "x": 1})),
        api(Method::POST, p, &token).json(&json!({})),
        api(Method::POST, p, &other).json(&json!({"locationId": LOC_A})),
        api(Method::POST, p, &token).json(&json!({"locationId": LOC_A, "email": "ROSAN@deos.com"})),
    ] {
        c.check(CONTACTS, "POST", p, &send(request).await);
    }

    // --- Get / Update / Delete ------------------------------------------------------------
    let p = "/contacts/{contactId}";
    let one = format!("/contacts/{id}");
    let got = send(api(Method::GET, &one, &token)).await;
    assert_eq!(got.status, StatusCode::OK);
    c.check(CONTACTS, "GET", p, &got);
    for request in [
        no_version(Method::GET, &one),
        api(Method::GET, &one, "bogus"),
        api(Method::GET, "/contacts/missing", &token),
        api(Method::GET, &one, &other),
    ] {
        c.check(CONTACTS, "GET", p, &send(request).await);
    }
    let updated = send(api(Method::PUT, &one, &token).json(&json!({
        "firstName": "Rosa", "tags": ["c"], "customFields": [{"id": "cf2", "field_value": "w"}]
    })))
    .await;
    assert_eq!(updated.status, StatusCode::OK);
    c.check(CONTACTS, "PUT", p, &updated);
    for request in [
        api(Method::PUT, &one, &token)
            .query(&[("locationId", LOC_A)])
            .json(&json!({"firstName": "X"})),
        api(Method::PUT, &one, &token).json(&json!({"locationId": LOC_A})),
        api(Method::PUT, &one, &reader).json(&json!({"firstName": "X"})),
        no_version(Method::PUT, &one).json(&json!({"firstName": "X"})),
        api(Method::PUT, "/contacts/missing", &token).json(&json!({"firstName": "X"})),
    ] {
        c.check(CONTACTS, "PUT", p, &send(request).await);
    }

    // --- Upsert ---------------------------------------------------------------------------
    let p = "/contacts/upsert";
    for body in [
        json!({"locationId": LOC_A, "email": "up@example.com", "firstName": "Up"}),
        json!({"locationId": LOC_A, "email": "up@example.com", "lastName": "Again",
               "createNewIfDuplicateAllowed": false}),
    ] {
        let reply = send(api(Method::POST, p, &token).json(&body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        c.check(CONTACTS, "POST", p, &reply);
    }
    for request in [
        api(Method::POST, p, &token).json(&json!({"locationId": LOC_A, "x": 1})),
        api(Method::POST, p, &reader).json(&json!({"locationId": LOC_A})),
        no_version(Method::POST, p).json(&json!({"locationId": LOC_A})),
    ] {
        c.check(CONTACTS, "POST", p, &send(request).await);
    }

    // --- Search (the spec gives its 200 no schema: items are contacts as Get shows them) ----
    let p = "/contacts/search";
    let found =
        send(api(Method::POST, p, &token).json(&json!({"locationId": LOC_A, "pageLimit": 20})))
            .await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.body["total"], 2);
    assert_eq!(
        found.body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["contacts", "total"]
    );
    for contact in found.body["contacts"].as_array().unwrap() {
        c.check_schema(
            CONTACTS,
            "POST",
            p,
            "#/components/schemas/GetContectByIdSchema",
            contact,
            &found,
        );
    }
    for request in [
        no_version(Method::POST, p).json(&json!({"locationId": LOC_A, "pageLimit": 1})),
        api(Method::POST, p, "bogus").json(&json!({"locationId": LOC_A, "pageLimit": 1})),
        api(Method::POST, p, &token).json(&json!({"locationId": LOC_A})),
    ] {
        c.check(CONTACTS, "POST", p, &send(request).await);
    }

    // --- Duplicate search (200 without a schema too) ----------------------------------------
    let p = "/contacts/search/duplicate";
    let dup = send(
        api(Method::GET, p, &token).query(&[("locationId", LOC_A), ("email", "rosan@deos.com")]),
    )
    .await;
    assert_eq!(dup.status, StatusCode::OK);
    assert_eq!(dup.body.as_object().unwrap().len(), 1);
    c.check_schema(
        CONTACTS,
        "GET",
        p,
        "#/components/schemas/GetContectByIdSchema",
        &dup.body["contact"],
        &dup,
    );
    for request in [
        no_version(Method::GET, p).query(&[("locationId", LOC_A)]),
        api(Method::GET, p, "bogus").query(&[("locationId", LOC_A)]),
        api(Method::GET, p, &token),
    ] {
        c.check(CONTACTS, "GET", p, &send(request).await);
    }

    // --- Tags -----------------------------------------------------------------------------
    let p = "/contacts/{contactId}/tags";
    let tags = format!("/contacts/{id}/tags");
    let added = send(api(Method::POST, &tags, &token).json(&json!({"tags": ["x", "y"]}))).await;
    assert_eq!(added.status, StatusCode::CREATED);
    c.check(CONTACTS, "POST", p, &added);
    let removed = send(api(Method::DELETE, &tags, &token).json(&json!({"tags": ["x"]}))).await;
    assert_eq!(removed.status, StatusCode::OK);
    c.check(CONTACTS, "DELETE", p, &removed);
    for method in [Method::POST, Method::DELETE] {
        let m = method.as_str().to_owned();
        for request in [
            api(method.clone(), &tags, &token).json(&json!({"tags": ["x"], "locationId": LOC_A})),
            api(method.clone(), &tags, &reader).json(&json!({"tags": ["x"]})),
            no_version(method.clone(), &tags).json(&json!({"tags": ["x"]})),
        ] {
            c.check(CONTACTS, &m, p, &send(request).await);
        }
    }

    // --- Notes ----------------------------------------------------------------------------
    let p_list = "/contacts/{contactId}/notes";
    let p_one = "/contacts/{contactId}/notes/{id}";
    let notes = format!("/contacts/{id}/notes");
    let note = send(api(Method::POST, &notes, &token).json(&json!({
        "body": "lorem ipsum", "userId": "GCs5KuzPqTls7vWclkEV", "title": "T", "color": "#FFAA00", "pinned": false
    })))
    .await;
    assert_eq!(note.status, StatusCode::CREATED);
    c.check(CONTACTS, "POST", p_list, &note);
    let note_path = format!("{notes}/{}", note.body["note"]["id"].as_str().unwrap());
    let listed = send(api(Method::GET, &notes, &token)).await;
    c.check(CONTACTS, "GET", p_list, &listed);
    let read = send(api(Method::GET, &note_path, &token)).await;
    c.check(CONTACTS, "GET", p_one, &read);
    let edited =
        send(api(Method::PUT, &note_path, &token).json(&json!({"body": "edited", "pinned": true})))
            .await;
    assert_eq!(edited.status, StatusCode::OK);
    c.check(CONTACTS, "PUT", p_one, &edited);
    for (method, path, template, body) in [
        (
            Method::POST,
            notes.clone(),
            p_list,
            Some(json!({"body": "x", "locationId": LOC_A})),
        ),
        (Method::POST, notes.clone(), p_list, Some(json!({}))),
        (Method::GET, notes.clone(), p_list, None),
        (Method::GET, format!("{notes}/missing"), p_one, None),
        (
            Method::PUT,
            note_path.clone(),
            p_one,
            Some(json!({"locationId": LOC_A})),
        ),
        (Method::DELETE, format!("{notes}/missing"), p_one, None),
    ] {
        let mut request = if body.is_none() && method == Method::GET && path == notes {
            api(method.clone(), &path, "bogus")
        } else {
            api(method.clone(), &path, &token)
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        c.check(CONTACTS, method.as_str(), template, &send(request).await);
    }
    let deleted = send(api(Method::DELETE, &note_path, &token)).await;
    assert_eq!(deleted.status, StatusCode::OK);
    c.check(CONTACTS, "DELETE", p_one, &deleted);

    // --- Delete, then the limit and injected faults, on any operation -----------------------
    let p = "/contacts/{contactId}";
    for request in [
        api(Method::DELETE, &one, &reader),
        no_version(Method::DELETE, &one),
        api(Method::DELETE, &one, &other),
    ] {
        c.check(CONTACTS, "DELETE", p, &send(request).await);
    }
    let deleted = send(api(Method::DELETE, &one, &token)).await;
    assert_eq!(deleted.status, StatusCode::OK);
    c.check(CONTACTS, "DELETE", p, &deleted);
    c.check(
        CONTACTS,
        "DELETE",
        p,
        &send(api(Method::DELETE, &one, &token)).await,
    );

    env.sandbox.set_faults(Faults {
        error_next: 3,
        error_statuses: vec![500, 502, 503],
        ..Faults::default()
    });
    for _ in 0..3 {
        c.check(
            CONTACTS,
            "GET",
            p,
            &send(api(Method::GET, &one, &token)).await,
        );
    }

    let covered = c.covered();
    for (_, method, path) in IMPLEMENTED {
        for kind in ["success", "error"] {
            assert!(
                covered.contains(&(format!("{method} {path}"), kind.to_owned())),
                "no {kind} answer of {method} {path} was checked"
            );
        }
    }
}

#[tokio::test]
async fn the_429_answer_matches_the_error_contract() {
    let c = Contract::new();
    let env = start(Config {
        burst_max: 1,
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
    assert_eq!(search().await.status, StatusCode::OK);
    let limited = search().await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    c.check(CONTACTS, "POST", "/contacts/search", &limited);
}

#[test]
fn the_checks_really_reject_what_the_contract_does_not_allow() {
    // Guards the guard: a wrong type fails the open check, an unnamed key the closed one.
    let c = Contract::new();
    let wrong_type = std::panic::catch_unwind(|| {
        c.validate(
            CONTACTS,
            "#/components/schemas/UpdateContactsSuccessfulResponseDto",
            &json!({"succeded": true, "contact": {"tags": "not-a-list"}}),
            false,
            "probe",
        )
    });
    assert!(wrong_type.is_err());
    let wrong_ref = std::panic::catch_unwind(|| {
        c.validate(
            OAUTH,
            "../common/common-schemas.json#/components/schemas/UnprocessableDTO",
            &json!({"statusCode": 422, "message": "a string, not a list"}),
            false,
            "probe",
        )
    });
    assert!(
        wrong_ref.is_err(),
        "the cross-file $ref is resolved and applied"
    );
    let result = std::panic::catch_unwind(|| {
        c.validate(
            CONTACTS,
            "#/components/schemas/DeleteContactsSuccessfulResponseDto",
            &json!({"succeded": true, "succeeded": true}),
            true,
            "probe",
        )
    });
    assert!(result.is_err());
    c.validate(
        CONTACTS,
        "#/components/schemas/DeleteContactsSuccessfulResponseDto",
        &json!({"succeded": true, "succeeded": true}),
        false,
        "probe",
    );
}
