//! Every rule against its fixture pair: `tests/fixtures/lint/<id>/bad` gives exactly the
//! listed findings (rule, severity, file, line, column), `good` gives none. The human
//! report of each bad fixture is snapshotted.

use std::path::PathBuf;

use integ_lint::{FixMode, Options, RULES, report};
use integ_spec::Severity::{self, Error, Warning};

fn fixture(rule: &str, kind: &str) -> PathBuf {
    // Integration tests run in the crate's directory; keep the path relative so reports
    // (and snapshots) are the same on every machine.
    PathBuf::from(format!("../../tests/fixtures/lint/{rule}/{kind}"))
}

fn lint(path: PathBuf) -> integ_lint::Outcome {
    integ_lint::run(&Options {
        paths: vec![path],
        fix: FixMode::Off,
        config: Some(integ_lint::Config::default()),
    })
    .expect("fixture lints")
}

type Expected = (&'static str, Severity, &'static str, usize, usize);

fn findings(o: &integ_lint::Outcome) -> Vec<(String, Severity, String, usize, usize)> {
    o.diagnostics
        .iter()
        .map(|d| {
            let f = &o.files[d.file.0 as usize];
            let (line, col) = f.line_col(d.span.start);
            let name = f
                .path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (d.code.clone(), d.severity, name, line, col)
        })
        .collect()
}

fn check(rule: &str, expected: &[Expected]) {
    let bad = lint(fixture(rule, "bad"));
    let want: Vec<_> = expected
        .iter()
        .map(|&(r, s, f, l, c)| (r.to_string(), s, f.to_string(), l, c))
        .collect();
    assert_eq!(findings(&bad), want, "{rule}/bad");
    assert!(
        bad.diagnostics.iter().any(|d| d.code == rule),
        "{rule}/bad must exercise {rule}"
    );
    let human = report::render(report::Format::Human, bad.report(), false);
    insta::assert_snapshot!(format!("{rule}-bad"), human);
    let good = lint(fixture(rule, "good"));
    assert_eq!(findings(&good), vec![], "{rule}/good");
}

#[test]
fn every_rule_has_a_bad_and_a_good_fixture() {
    for rule in RULES {
        for kind in ["bad", "good"] {
            let dir = fixture(rule.id, kind);
            assert!(dir.is_dir(), "missing {}", dir.display());
        }
    }
}

#[test]
fn auth_field_rejected() {
    check(
        "auth-field-rejected",
        &[
            ("auth-field-rejected", Error, "profile.yaml", 17, 11),
            ("auth-field-rejected", Error, "profile.yaml", 20, 11),
            ("auth-field-rejected", Error, "profile.yaml", 23, 13),
        ],
    );
}

#[test]
fn scope_missing() {
    check(
        "scope-missing",
        &[("scope-missing", Error, "profile.yaml", 14, 13)],
    );
}

#[test]
fn auth_mode_unsupported() {
    check(
        "auth-mode-unsupported",
        &[("auth-mode-unsupported", Error, "profile.yaml", 7, 14)],
    );
}

#[test]
fn plaintext_secret() {
    check(
        "plaintext-secret",
        &[("plaintext-secret", Error, "profile.yaml", 11, 19)],
    );
}

#[test]
fn plaintext_secret_is_never_printed() {
    let o = lint(fixture("plaintext-secret", "bad"));
    let secret = "hl-secret-9d2e7b1c4a0f";
    for format in report::Format::ALL {
        let text = report::render(format, o.report(), false);
        assert!(
            !text.contains(secret),
            "{} output leaks the secret",
            format.as_str()
        );
    }
}

#[test]
fn insecure_url() {
    check(
        "insecure-url",
        &[("insecure-url", Error, "profile.yaml", 13, 15)],
    );
}

#[test]
fn host_not_allowed() {
    check(
        "host-not-allowed",
        &[("host-not-allowed", Error, "profile.yaml", 13, 15)],
    );
}

#[test]
fn oauth_endpoint_mismatch() {
    check(
        "oauth-endpoint-mismatch",
        &[("oauth-endpoint-mismatch", Warning, "profile.yaml", 13, 15)],
    );
}

#[test]
fn unknown_reference() {
    check(
        "unknown-reference",
        &[
            ("unknown-reference", Error, "orphan.yaml", 5, 13),
            ("unknown-reference", Error, "profile.yaml", 18, 15),
            ("unknown-reference", Error, "update_contact.yaml", 19, 22),
        ],
    );
}

#[test]
fn unused_input() {
    check(
        "unused-input",
        &[("unused-input", Warning, "update_contact.yaml", 14, 7)],
    );
}

#[test]
fn missing_required_header() {
    check(
        "missing-required-header",
        &[(
            "missing-required-header",
            Error,
            "update_contact.yaml",
            18,
            16,
        )],
    );
}

#[test]
fn duplicate_name() {
    check(
        "duplicate-name",
        &[("duplicate-name", Error, "update_contact_v2.yaml", 3, 19)],
    );
}

#[test]
fn schema() {
    check(
        "schema",
        &[("schema", Error, "update_contact.yaml", 15, 13)],
    );
}

#[test]
fn unused_ignore() {
    check(
        "unused-ignore",
        &[("unused-ignore", Warning, "profile.yaml", 16, 21)],
    );
}

/// The shipped HighLevel specs are the reference configuration: not one finding.
#[test]
fn shipped_specs_lint_clean() {
    let o = lint(PathBuf::from("../../specs"));
    assert!(o.files.len() >= 14, "{} files", o.files.len());
    assert_eq!(findings(&o), vec![]);
}

/// The Kore.ai pitfall: the naive profile's querystring field, at its exact line.
#[test]
fn update_contact_rejects_location_query() {
    let o = integ_lint::run(&Options {
        paths: vec!["../../specs".into(), "../../examples/naive-profile".into()],
        fix: FixMode::Off,
        config: Some(integ_lint::Config::default()),
    })
    .expect("lints");
    let found = findings(&o);
    assert_eq!(
        found,
        vec![(
            "auth-field-rejected".to_string(),
            Error,
            "highlevel-naive.yaml".to_string(),
            26,
            11
        )]
    );
    let d = &o.diagnostics[0];
    assert_eq!(
        d.message,
        "auth field `locationId` is sent in the querystring of action `update_contact` (Update Contact), \
         which rejects it: the API answers `422 property locationId should not exist`"
    );
    assert_eq!(
        d.help.as_deref(),
        Some(
            "add `update_contact` to this field's `except:` list; `update_contact` accepts no query parameters"
        )
    );
    let fix = d.fix.as_ref().expect("a fix");
    assert_eq!(fix.title, "add `update_contact` to `except:`");
    assert_eq!(fix.edits.len(), 1);
    assert_eq!(fix.edits[0].replacement, "\n      except: [update_contact]");
}
