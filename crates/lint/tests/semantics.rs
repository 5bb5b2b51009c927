//! The finer points of the rules, on small in-memory workspaces: strictness inheritance,
//! body fields and bodiless actions, unknown `accepts`, and the other rules' edges.

use std::path::PathBuf;

mod common;

use common::profile;
use integ_lint::{Config, lint_sources};

fn provider(extra: &str) -> String {
    format!(
        r#"apiVersion: integ/v1
kind: Provider
metadata: {{ name: hl }}
spec:
  baseUrl: https://api.example.com
  headers: {{ Version: "1" }}
{extra}  allowedHosts: [api.example.com, "*.cdn.example.com"]
  auth:
    oauth2:
      authorizationUrl: https://api.example.com/oauth/authorize
      tokenUrl: https://api.example.com/oauth/token
      tokenFields: [locationId]
    modes:
      custom: {{ developer: true, user: true }}
"#
    )
}

fn action(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: integ/v1\nkind: Action\nmetadata: {{ name: {name} }}\nspec:\n  provider: hl\n{spec}"
    )
}

/// (rule, line, column, message) of every finding.
fn lint(files: &[(&str, String)]) -> Vec<(String, usize, usize, String)> {
    let sources: Vec<(PathBuf, String)> = files
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.clone()))
        .collect();
    let o = lint_sources(sources, &Config::default());
    o.diagnostics
        .iter()
        .map(|d| {
            let (l, c) = o.files[d.file.0 as usize].line_col(d.span.start);
            (d.code.clone(), l, c, d.message.clone())
        })
        .collect()
}

fn rules(found: &[(String, usize, usize, String)]) -> Vec<&str> {
    found.iter().map(|f| f.0.as_str()).collect()
}

const QUERY_FIELD: &str = "    - { in: query, key: locationId, value: x }\n";
const BODY_FIELD: &str = "    - { in: body, key: locationId, value: x }\n";
const PUT_NO_QUERY: &str =
    "  request:\n    method: PUT\n    path: /a\n    accepts: { query: [], body: [] }\n";

#[test]
fn provider_strictness_applies_unless_the_action_overrides_it() {
    let strict_provider = provider("  strict: { query: true }\n");
    let found = lint(&[
        ("p.yaml", strict_provider.clone()),
        ("a.yaml", action("inherits", PUT_NO_QUERY)),
        (
            "b.yaml",
            action(
                "relaxed",
                &format!("  strict: {{ query: false }}\n{PUT_NO_QUERY}"),
            ),
        ),
        ("q.yaml", profile("", QUERY_FIELD)),
    ]);
    assert_eq!(rules(&found), ["auth-field-rejected"]);
    assert!(found[0].3.contains("action `inherits`"), "{}", found[0].3);
}

#[test]
fn query_fields_pass_where_query_is_not_strict_or_accepts_is_unknown_or_admits_the_key() {
    let found = lint(&[
        ("p.yaml", provider("")),
        ("a.yaml", action("lenient", PUT_NO_QUERY)),
        (
            "b.yaml",
            action(
                "unknown",
                "  strict: { query: true }\n  request:\n    method: GET\n    path: /b\n",
            ),
        ),
        (
            "c.yaml",
            action(
                "admits",
                "  strict: { query: true }\n  request:\n    method: GET\n    path: /c\n    accepts: { query: [locationId] }\n",
            ),
        ),
        ("q.yaml", profile("", QUERY_FIELD)),
    ]);
    assert_eq!(found, vec![]);
}

#[test]
fn body_fields_count_only_for_actions_with_a_json_body() {
    let body_strict = provider("  strict: { body: true }\n");
    let found = lint(&[
        ("p.yaml", body_strict),
        ("a.yaml", action("no_body", PUT_NO_QUERY)),
        (
            "b.yaml",
            action(
                "with_body",
                "  request:\n    method: PUT\n    path: /b\n    body: { a: 1 }\n    accepts: { body: [a] }\n",
            ),
        ),
        ("q.yaml", profile("", BODY_FIELD)),
    ]);
    assert_eq!(rules(&found), ["auth-field-rejected"]);
    assert!(
        found[0].3.contains("JSON body of action `with_body`"),
        "{}",
        found[0].3
    );
    assert_eq!((found[0].1, found[0].2), (15, 13));
}

#[test]
fn header_fields_are_never_rejected() {
    let found = lint(&[
        (
            "p.yaml",
            provider("  strict: { query: true, body: true }\n"),
        ),
        (
            "a.yaml",
            action(
                "a",
                "  request:\n    method: PUT\n    path: /a\n    body: {}\n    accepts: { query: [], body: [] }\n",
            ),
        ),
        (
            "q.yaml",
            profile("", "    - { in: header, key: X-Location, value: x }\n"),
        ),
    ]);
    assert_eq!(found, vec![]);
}

#[test]
fn scope_missing_names_every_action_needing_the_scope() {
    let found = lint(&[
        ("p.yaml", provider("")),
        (
            "a.yaml",
            action("a", &format!("  scopes: [w]\n{PUT_NO_QUERY}")),
        ),
        (
            "b.yaml",
            action("b", &format!("  scopes: [w, r]\n{PUT_NO_QUERY}")),
        ),
        (
            "q.yaml",
            profile(
                "    scopes: [r]\n",
                "    - { in: header, key: X, value: y }\n",
            ),
        ),
    ]);
    assert_eq!(
        found,
        vec![(
            "scope-missing".to_string(),
            14,
            13,
            "profile `p` does not ask for scope `w`, which 2 actions need (`a`, `b`)".to_string()
        )]
    );
}

#[test]
fn unknown_action_in_except_is_reported_with_a_suggestion() {
    let sources = [
        ("p.yaml", provider("")),
        ("a.yaml", action("update_contact", PUT_NO_QUERY)),
        (
            "q.yaml",
            profile(
                "",
                "    - { in: query, key: locationId, value: x, except: [update_contat] }\n",
            ),
        ),
    ];
    let o = lint_sources(
        sources
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.clone()))
            .collect(),
        &Config::default(),
    );
    assert_eq!(o.diagnostics.len(), 1);
    let d = &o.diagnostics[0];
    assert_eq!(d.code, "unknown-reference");
    assert_eq!(
        d.message,
        "`except:` names action `update_contat`, which provider `hl` does not have"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `update_contact`?"));
}

#[test]
fn literal_authorization_header_field_is_a_plaintext_secret() {
    let found = lint(&[
        ("p.yaml", provider("")),
        (
            "q.yaml",
            profile(
                "",
                "    - { in: header, key: Authorization, value: Bearer abc }\n    - { in: header, key: X-Api-Key, value: \"${env:KEY}\" }\n",
            ),
        ),
    ]);
    assert_eq!(rules(&found), ["plaintext-secret"]);
    assert_eq!((found[0].1, found[0].2), (15, 48));
}

#[test]
fn allowed_host_wildcards_and_loopback() {
    let found = lint(&[
        ("p.yaml", provider("")),
        ("q.yaml", profile("", "    - { in: header, key: X, value: y }\n").replace(
            "tokenUrl: https://api.example.com/oauth/token",
            "tokenUrl: https://eu.cdn.example.com/oauth/token\n    refreshUrl: http://127.0.0.1:9/oauth/token",
        )),
    ]);
    assert_eq!(found, vec![]);
    let found = lint(&[
        ("p.yaml", provider("")),
        (
            "q.yaml",
            profile("", "    - { in: header, key: X, value: y }\n").replace(
                "tokenUrl: https://api.example.com/oauth/token",
                "tokenUrl: https://api.example.com.evil.io/oauth/token",
            ),
        ),
    ]);
    assert_eq!(rules(&found), ["host-not-allowed"]);
}

#[test]
fn highlevel_provider_without_version_header() {
    let p = provider("").replace(
        "https://api.example.com\n  headers: { Version: \"1\" }",
        "https://services.leadconnectorhq.com",
    );
    let p = p.replace(
        "allowedHosts: [api.example.com,",
        "allowedHosts: [services.leadconnectorhq.com, api.example.com,",
    );
    let found = lint(&[("p.yaml", p)]);
    assert_eq!(rules(&found), ["missing-required-header"]);
    assert_eq!(
        found[0].3,
        "provider `hl` does not send the `Version` header that `services.leadconnectorhq.com` requires"
    );
}

#[test]
fn config_turns_rules_off_and_changes_severity() {
    let sources: Vec<(PathBuf, String)> = vec![
        ("p.yaml".into(), provider("")),
        (
            "a.yaml".into(),
            action("a", &format!("  strict: {{ query: true }}\n{PUT_NO_QUERY}")),
        ),
        ("q.yaml".into(), profile("", QUERY_FIELD)),
    ];
    let off = Config::parse(
        "[rules]\nauth-field-rejected = \"off\"\n",
        "integ.toml".as_ref(),
    )
    .unwrap();
    assert!(lint_sources(sources.clone(), &off).diagnostics.is_empty());
    let warn = Config::parse(
        "[rules]\nauth-field-rejected = \"warning\"\n",
        "integ.toml".as_ref(),
    )
    .unwrap();
    let o = lint_sources(sources, &warn);
    assert_eq!(o.diagnostics.len(), 1);
    assert_eq!(o.diagnostics[0].severity, integ_spec::Severity::Warning);
}

#[test]
fn ignore_naming_no_rule_is_reported() {
    let found = lint(&[
        ("p.yaml", provider("")),
        (
            "q.yaml",
            profile(
                "",
                "    - { in: header, key: X, value: y }  # integ-ignore: auth-field-rejectd\n",
            ),
        ),
    ]);
    assert_eq!(
        found,
        vec![(
            "unused-ignore".to_string(),
            15,
            57,
            "`# integ-ignore: auth-field-rejectd` names no rule".to_string()
        )]
    );
}

#[test]
fn a_field_rejected_by_many_actions_is_one_finding_with_one_fix() {
    let mut files = vec![(
        "p.yaml".to_string(),
        provider("  strict: { query: true }\n"),
    )];
    for i in 0..12 {
        files.push((
            format!("a{i:02}.yaml"),
            action(&format!("a{i:02}"), PUT_NO_QUERY),
        ));
    }
    files.push(("q.yaml".to_string(), profile("", QUERY_FIELD)));
    let sources: Vec<(PathBuf, String)> = files
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.clone()))
        .collect();
    let o = lint_sources(sources, &Config::default());
    assert_eq!(o.diagnostics.len(), 1);
    let d = &o.diagnostics[0];
    assert_eq!(
        d.message,
        "auth field `locationId` is sent in the querystring of 12 actions that reject it (`a00`, `a01`, `a02` and 9 more): \
         the API answers `422 property locationId should not exist`"
    );
    let fix = d.fix.as_ref().unwrap();
    assert_eq!(
        fix.edits[0].replacement,
        ", except: [a00, a01, a02, a03, a04, a05, a06, a07, a08, a09, a10, a11]"
    );
}
