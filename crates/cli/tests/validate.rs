//! `integ validate` and `integ schema` as a user runs them: exit codes, human and JSON
//! output, on the shipped specs and the bad fixtures.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn integ() -> Command {
    let mut cmd = Command::cargo_bin("integ").expect("the integ binary");
    cmd.current_dir(repo_root())
        .timeout(Duration::from_secs(60))
        .env("NO_COLOR", "1");
    cmd
}

#[test]
fn validate_defaults_to_specs_and_passes_on_the_shipped_specs() {
    let out = integ().arg("validate").output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with("ok: "), "{stdout}");
    assert!(stdout.trim_end().ends_with("no problems"), "{stdout}");
}

#[test]
fn validate_reports_every_fixture_and_exits_1() {
    let out = integ()
        .args(["validate", "tests/fixtures/invalid"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for name in [
        "wrong-type.yaml:7:15",
        "unknown-kind.yaml:2:7",
        "duplicate-key.yaml:9:5",
        "tab-indentation.yaml:4:1",
    ] {
        assert!(
            stdout.contains(&format!("tests/fixtures/invalid/{name}")),
            "{name} missing in\n{stdout}"
        );
    }
    let summary = stdout.lines().last().unwrap_or_default();
    assert_eq!(
        summary,
        "19 errors, 0 warnings in 18 files (1 document valid)"
    );
}

#[test]
fn validate_json_lists_diagnostics_with_positions() {
    let out = integ()
        .args([
            "validate",
            "--format",
            "json",
            "tests/fixtures/invalid/unknown-kind.yaml",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(
        json,
        serde_json::json!([{
            "code": "schema",
            "severity": "error",
            "file": "tests/fixtures/invalid/unknown-kind.yaml",
            "line": 2, "column": 7, "endLine": 2, "endColumn": 12,
            "message": "unknown kind `Acton`; expected one of Provider, AuthProfile, Action",
            "help": "did you mean `Action`? The kinds are Provider, AuthProfile, Action",
        }])
    );
}

#[test]
fn validate_json_is_an_empty_array_when_clean() {
    let out = integ()
        .args(["validate", "--format", "json", "specs"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json, serde_json::json!([]));
}

#[test]
fn validate_of_a_missing_path_exits_2() {
    let out = integ()
        .args(["validate", "no/such/dir"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: no/such/dir: no such file or directory\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn validate_with_a_bad_flag_exits_2() {
    let out = integ()
        .args(["validate", "--format", "xml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn schema_check_passes_on_the_committed_schemas() {
    let out = integ().args(["schema", "--check"]).output().expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn schema_writes_files_that_then_check_and_check_fails_after_an_edit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf-8 temp path");
    let out = integ().args(["schema", "--dir", d]).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(repo_root().join("schemas/provider.schema.json"))
        .expect("committed");
    let written =
        std::fs::read_to_string(dir.path().join("provider.schema.json")).expect("written");
    assert_eq!(written, committed);
    std::fs::write(dir.path().join("provider.schema.json"), "{}\n").expect("edit");
    let out = integ()
        .args(["schema", "--check", "--dir", d])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("provider.schema.json is missing or out of date"),
        "{stderr}"
    );
}

#[test]
fn validate_human_output_is_reports_then_a_summary() {
    let out = integ()
        .args([
            "validate",
            "tests/fixtures/invalid/wrong-type.yaml",
            "tests/fixtures/invalid/duplicate-key.yaml",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}
