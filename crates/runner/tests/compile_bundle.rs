//! `integ_spec::compile` on the shipped specs and on specs with broken references: the
//! bundle is deterministic and resolved, and every undeclared reference is an
//! `unknown-reference` diagnostic at the reference's exact line and column.

use std::path::{Path, PathBuf};

use integ_spec::compile::{self, Bundle, BundleError, NameError};
use integ_spec::model::HttpMethod;
use integ_spec::{load_paths, load_sources};

fn shipped() -> Bundle {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let loaded = load_paths(&[root]).expect("specs load");
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    compile::compile(&loaded.workspace).expect("shipped specs compile")
}

#[test]
fn shipped_specs_compile_to_the_same_bytes_every_time() {
    let a = shipped().to_json();
    let b = shipped().to_json();
    assert_eq!(a, b);
    let bundle = Bundle::from_json(&a).expect("reads back");
    assert!(bundle.content_hash.starts_with("sha256:") && bundle.content_hash.len() == 7 + 64);
    assert_eq!(bundle.actions.len(), 11);
    assert_eq!(bundle.to_json(), a, "read and written again: same bytes");
}

#[test]
fn actions_are_resolved_against_their_provider() {
    let b = shipped();
    let update = b.action("update_contact").expect("update_contact");
    assert_eq!(update.method, HttpMethod::Put);
    assert_eq!(update.base_url, "https://services.leadconnectorhq.com");
    assert_eq!(
        update.headers.get("Version").map(String::as_str),
        Some("2021-07-28")
    );
    assert!(
        update.strict.query && update.strict.body,
        "query from the action, body from the provider"
    );
    assert!(update.idempotent);
    let create = b
        .action("highlevel/create_contact")
        .expect("by provider/name");
    assert!(!create.strict.query && create.strict.body);
    assert!(
        !create.idempotent,
        "a POST is not idempotent unless the action says so"
    );
    assert!(
        b.action("add_contact_tags").expect("tags").idempotent,
        "declared idempotent"
    );
    assert_eq!(
        create
            .rate_limit
            .as_ref()
            .map(|r| (r.requests, r.per_seconds)),
        Some((100, 10))
    );
    let profile = b.profile("highlevel-custom-user").expect("profile");
    assert_eq!(profile.base_url, "https://services.leadconnectorhq.com");
    let oauth = profile.oauth2.as_ref().expect("oauth2");
    assert_eq!(
        oauth.client_secret, "${env:HL_CLIENT_SECRET}",
        "env references are kept, never resolved"
    );
    assert_eq!(
        oauth.token_params.get("user_type").map(String::as_str),
        Some("Location")
    );
    assert_eq!(
        b.action("updat_contact").unwrap_err(),
        NameError::NotFound {
            kind: "action",
            name: "updat_contact".into(),
            suggestion: Some("update_contact".into())
        }
    );
}

#[test]
fn an_edited_bundle_is_refused() {
    let text = shipped().to_json().replace("2021-07-28", "2021-07-29");
    assert!(matches!(Bundle::from_json(&text), Err(BundleError::Hash)));
    let text = shipped()
        .to_json()
        .replace("integ-bundle/v1", "integ-bundle/v9");
    assert!(matches!(
        Bundle::from_json(&text),
        Err(BundleError::Format { .. })
    ));
}

const PROVIDER: &str = "apiVersion: integ/v1
kind: Provider
metadata: { name: acme }
spec:
  baseUrl: https://api.acme.test
  allowedHosts: [api.acme.test]
  auth:
    oauth2:
      authorizationUrl: https://api.acme.test/authorize
      tokenUrl: https://api.acme.test/token
      tokenFields: [locationId]
    modes: { custom: { developer: true } }
";

const PROFILE: &str = "apiVersion: integ/v1
kind: AuthProfile
metadata: { name: acme-dev }
spec:
  provider: acme
  type: oauth2
  ownership: custom
  authorizedBy: developer
  fields:
    - in: query
      key: locationId
      value: \"{{ token.locationID }}\"
";

const ACTION: &str = "apiVersion: integ/v1
kind: Action
metadata: { name: get_thing }
spec:
  provider: acme
  input:
    type: object
    properties:
      thingId: { type: string }
  request:
    method: GET
    path: /things/{{ inputs.thingid }}
    query:
      loc: \"{{ fields.locationId }}\"
      other: \"{{ fields.nope }}\"
";

#[test]
fn undeclared_references_are_reported_at_their_exact_place() {
    let loaded = load_sources(vec![
        (PathBuf::from("provider.yaml"), PROVIDER.to_string()),
        (PathBuf::from("profile.yaml"), PROFILE.to_string()),
        (PathBuf::from("action.yaml"), ACTION.to_string()),
    ]);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    let diags = compile::compile(&loaded.workspace).expect_err("references are broken");
    let found: Vec<(String, String, usize, usize, String)> = diags
        .iter()
        .map(|d| {
            let file = loaded.workspace.file(d.file);
            let (line, col) = file.line_col(d.span.start);
            let text = file.text[d.span.start..d.span.end].to_string();
            (
                file.path.display().to_string(),
                d.code.clone(),
                line,
                col,
                text,
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "profile.yaml".into(),
                "unknown-reference".into(),
                12,
                15,
                "{{ token.locationID }}".into()
            ),
            (
                "action.yaml".into(),
                "unknown-reference".into(),
                12,
                19,
                "{{ inputs.thingid }}".into()
            ),
            (
                "action.yaml".into(),
                "unknown-reference".into(),
                15,
                15,
                "{{ fields.nope }}".into()
            ),
        ]
    );
    let help = diags[1].help.as_deref().unwrap_or_default();
    assert!(help.starts_with("did you mean `inputs.thingId`?"), "{help}");
    let help = diags[0].help.as_deref().unwrap_or_default();
    assert!(
        help.starts_with("did you mean `token.locationId`?"),
        "{help}"
    );
}
