//! The fix engine on every shape of list and mapping the `auth-field-rejected` fix
//! edits: the exact fixed text (comments, order and style kept), and a clean re-lint.

use std::path::PathBuf;

mod common;

use common::profile;
use integ_lint::{Config, fix, lint_sources};

const PROVIDER: &str = r#"apiVersion: integ/v1
kind: Provider
metadata: { name: hl }
spec:
  baseUrl: https://api.example.com
  strict: { body: true, query: false }
  allowedHosts: [api.example.com]
  auth:
    oauth2:
      authorizationUrl: https://api.example.com/oauth/authorize
      tokenUrl: https://api.example.com/oauth/token
      tokenFields: [locationId]
    modes:
      custom: { developer: true, user: true }
"#;

fn action(name: &str, strict_query: bool) -> String {
    format!(
        r#"apiVersion: integ/v1
kind: Action
metadata: {{ name: {name} }}
spec:
  provider: hl
  strict: {{ query: {strict_query} }}
  request:
    method: PUT
    path: /things
    accepts:
      query: []
"#
    )
}

fn sources(fields: &str) -> Vec<(PathBuf, String)> {
    vec![
        ("provider.yaml".into(), PROVIDER.to_string()),
        ("update_contact.yaml".into(), action("update_contact", true)),
        ("update_note.yaml".into(), action("update_note", true)),
        ("get_contact.yaml".into(), action("get_contact", false)),
        ("profile.yaml".into(), profile("", fields)),
    ]
}

/// Lints, applies the fixes once, lints again: returns the fixed `fields:` block and the
/// rule ids still reported.
fn fix_once(fields: &str) -> (String, Vec<String>) {
    let config = Config::default();
    let src = sources(fields);
    let first = lint_sources(src.clone(), &config);
    assert!(
        first
            .diagnostics
            .iter()
            .any(|d| d.code == "auth-field-rejected"),
        "{:#?}",
        first.diagnostics
    );
    let fixed = fix::apply(&first.files, &first.diagnostics);
    assert_eq!(fixed.len(), 1, "only the profile changes");
    let mut src2 = src;
    src2[fixed[0].file.0 as usize].1 = fixed[0].text.clone();
    let again = lint_sources(src2, &config);
    let prefix = profile("", "");
    let text = fixed[0]
        .text
        .strip_prefix(&prefix)
        .expect("the head of the profile is untouched")
        .to_string();
    (
        text,
        again.diagnostics.iter().map(|d| d.code.clone()).collect(),
    )
}

#[test]
fn adds_except_to_a_block_mapping_after_its_last_line() {
    let (text, left) = fix_once(
        "    - in: query   # every request\n      key: locationId\n      value: \"{{ token.locationId }}\"  # from the token\n    - in: header\n      key: X-A\n      value: b\n",
    );
    assert_eq!(
        text,
        "    - in: query   # every request\n      key: locationId\n      value: \"{{ token.locationId }}\"  # from the token\n      except: [update_contact, update_note]\n    - in: header\n      key: X-A\n      value: b\n"
    );
    assert_eq!(left, Vec::<String>::new());
}

#[test]
fn adds_except_to_a_flow_mapping() {
    let (text, left) = fix_once("    - { in: query, key: locationId, value: x }\n");
    assert_eq!(
        text,
        "    - { in: query, key: locationId, value: x, except: [update_contact, update_note] }\n"
    );
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn appends_to_a_flow_except_list_keeping_its_comment() {
    let (text, left) = fix_once(
        "    - in: query\n      key: locationId\n      value: x\n      except: [get_contact] # why\n",
    );
    assert_eq!(
        text,
        "    - in: query\n      key: locationId\n      value: x\n      except: [get_contact, update_contact, update_note] # why\n"
    );
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn fills_an_empty_flow_except_list() {
    let (text, left) =
        fix_once("    - in: query\n      key: locationId\n      value: x\n      except: []\n");
    assert_eq!(
        text,
        "    - in: query\n      key: locationId\n      value: x\n      except: [update_contact, update_note]\n"
    );
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn appends_to_a_block_except_list() {
    let (text, left) = fix_once(
        "    - in: query\n      key: locationId\n      value: x\n      except:\n        - get_contact   # keep me\n    - in: header\n      key: X-A\n      value: b\n",
    );
    assert_eq!(
        text,
        "    - in: query\n      key: locationId\n      value: x\n      except:\n        - get_contact   # keep me\n        - update_contact\n        - update_note\n    - in: header\n      key: X-A\n      value: b\n"
    );
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn removes_from_a_flow_only_list() {
    let (text, left) = fix_once(
        "    - in: query\n      key: locationId\n      value: x\n      only: [update_contact, get_contact]\n",
    );
    assert_eq!(
        text,
        "    - in: query\n      key: locationId\n      value: x\n      only: [get_contact]\n"
    );
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn removes_lines_from_a_block_only_list() {
    let (text, left) = fix_once(
        "    - in: query\n      key: locationId\n      value: x\n      only:\n        - update_note  # no\n        - get_contact\n        - update_contact\n",
    );
    assert_eq!(
        text,
        "    - in: query\n      key: locationId\n      value: x\n      only:\n        - get_contact\n"
    );
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn empties_a_block_only_list_whose_every_action_rejects_the_field() {
    let (text, left) = fix_once(
        "    - in: query\n      key: locationId\n      value: x\n      only:\n        - update_contact\n# end\n",
    );
    assert_eq!(
        text,
        "    - in: query\n      key: locationId\n      value: x\n      only: []\n# end\n"
    );
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn quotes_names_that_are_not_plain_scalars() {
    assert_eq!(integ_lint::edit::scalar("update_contact"), "update_contact");
    assert_eq!(integ_lint::edit::scalar("True"), "\"True\"");
    assert_eq!(integ_lint::edit::scalar("12"), "\"12\"");
    assert_eq!(integ_lint::edit::scalar("a: b"), "\"a: b\"");
}

#[test]
fn unused_ignore_fix_removes_the_comment() {
    let config = Config::default();
    let fields = "    # integ-ignore: auth-field-rejected\n    - in: query\n      key: locationId\n      value: x\n      except: [update_contact, update_note]  # integ-ignore: insecure-url\n";
    let src = sources(fields);
    let o = lint_sources(src, &config);
    let codes: Vec<&str> = o.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["unused-ignore", "unused-ignore"]);
    let fixed = fix::apply(&o.files, &o.diagnostics);
    let text = fixed[0].text.strip_prefix(&profile("", "")).unwrap();
    assert_eq!(
        text,
        "    - in: query\n      key: locationId\n      value: x\n      except: [update_contact, update_note]\n"
    );
}

#[test]
fn fixes_keep_crlf_line_breaks() {
    let config = Config::default();
    let mut src = sources(
        "    - in: query\n      key: locationId\n      value: x\n    - in: header\n      key: X-A\n      value: b\n",
    );
    src[4].1 = src[4].1.replace('\n', "\r\n");
    let o = lint_sources(src, &config);
    let fixed = fix::apply(&o.files, &o.diagnostics);
    let text = fixed[0]
        .text
        .strip_prefix(&profile("", "").replace('\n', "\r\n"))
        .unwrap();
    assert_eq!(
        text,
        "    - in: query\r\n      key: locationId\r\n      value: x\r\n      except: [update_contact, update_note]\r\n    - in: header\r\n      key: X-A\r\n      value: b\r\n"
    );
}
