//! `integ lint` and `integ explain` on the real binary: the Update Contact case end to
//! end (error at the exact line, `--fix`, clean re-lint), the shipped specs, every
//! output format, configuration, exit codes and hostile input.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn integ() -> Command {
    let mut c = Command::cargo_bin("integ").expect("the integ binary");
    c.current_dir(repo())
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60));
    c
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The shipped specs plus the naive profile, copied into a temporary directory.
fn naive_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("specs"), dir.path());
    std::fs::copy(
        repo().join("examples/naive-profile/highlevel-naive.yaml"),
        dir.path().join("highlevel/profiles/highlevel-naive.yaml"),
    )
    .unwrap();
    dir
}

/// How many spec files `specs/` holds (the shipped set may grow).
fn shipped_files() -> usize {
    fn walk(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                if p.is_dir() {
                    walk(&p)
                } else {
                    usize::from(p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                }
            })
            .sum()
    }
    walk(&repo().join("specs"))
}

fn json_findings(out: &[u8]) -> Vec<Value> {
    match serde_json::from_slice::<Value>(out).expect("json output") {
        Value::Array(a) => a,
        other => panic!("not an array: {other}"),
    }
}

#[test]
fn shipped_specs_lint_clean() {
    let out = integ().args(["lint"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.ends_with(&format!(
            "0 errors, 0 warnings in {} files\n",
            shipped_files()
        )),
        "{stdout}"
    );
}

#[test]
fn update_contact_rejects_location_query_then_fix_repairs_it() {
    let ws = naive_workspace();
    let root = ws.path().to_str().unwrap();
    let out = integ()
        .args(["lint", root, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let findings = json_findings(&out.stdout);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["rule"], "auth-field-rejected");
    assert_eq!(f["severity"], "error");
    assert!(
        f["file"]
            .as_str()
            .unwrap()
            .ends_with("highlevel/profiles/highlevel-naive.yaml")
    );
    // Line 26 of the naive profile is `    - in: query`; column 11 is `query`.
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(26), Some(11))
    );
    assert_eq!(
        (f["endLine"].as_u64(), f["endColumn"].as_u64()),
        (Some(26), Some(16))
    );
    let naive = ws.path().join("highlevel/profiles/highlevel-naive.yaml");
    let before = std::fs::read_to_string(&naive).unwrap();
    assert_eq!(before.lines().nth(25), Some("    - in: query"));
    let message = f["message"].as_str().unwrap();
    for part in [
        "`update_contact`",
        "querystring",
        "`locationId`",
        "422 property locationId should not exist",
    ] {
        assert!(message.contains(part), "{message}");
    }
    assert_eq!(
        f["fix"]["edits"][0]["replacement"],
        "\n      except: [update_contact]"
    );

    // --diff shows the edit and writes nothing.
    let out = integ().args(["lint", root, "--dry-run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(diff.contains("+      except: [update_contact]\n"), "{diff}");
    assert_eq!(std::fs::read_to_string(&naive).unwrap(), before);

    let out = integ().args(["lint", root, "--fix"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "fixed 1 finding in 1 file\n"
    );
    let after = std::fs::read_to_string(&naive).unwrap();
    let expected = before.replacen(
        "      value: \"{{ token.locationId }}\"\n    - in: body",
        "      value: \"{{ token.locationId }}\"\n      except: [update_contact]\n    - in: body",
        1,
    );
    assert_eq!(
        after, expected,
        "only the except line is added; comments and order stay"
    );

    let out = integ().args(["lint", root]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn github_format_is_one_workflow_command_per_finding() {
    let out = integ()
        .args([
            "lint",
            "specs",
            "examples/naive-profile",
            "--format",
            "github",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(
        text.starts_with(
            "::error file=examples/naive-profile/highlevel-naive.yaml,line=26,col=11,endLine=26,endColumn=16,title=auth-field-rejected::auth field `locationId` is sent in the querystring"
        ),
        "{text}"
    );
    assert!(text.contains("%0Ahelp: add `update_contact`"), "{text}");
}

#[test]
fn junit_format_has_one_testcase_per_file() {
    let out = integ()
        .args([
            "lint",
            "specs",
            "examples/naive-profile",
            "--format",
            "junit",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let xml = String::from_utf8(out.stdout).unwrap();
    let n = shipped_files() + 1;
    assert_eq!(xml.matches("<testcase ").count(), n);
    assert_eq!(xml.matches("<failure ").count(), 1);
    assert!(
        xml.contains(&format!(
            r#"<testsuite name="integ lint" tests="{n}" failures="1" errors="0">"#
        )),
        "{xml}"
    );
    assert!(xml.contains(
        r#"<testcase classname="integ.lint" name="examples/naive-profile/highlevel-naive.yaml" file="examples/naive-profile/highlevel-naive.yaml">"#
    ));
    assert!(xml.contains(
        "<failure type=\"error\" message=\"auth-field-rejected: auth field `locationId`"
    ));
}

#[test]
fn sarif_format_locates_the_finding() {
    let out = integ()
        .args([
            "lint",
            "specs",
            "examples/naive-profile",
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["rules"].as_array().unwrap().len(),
        integ_lint::RULES.len()
    );
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "auth-field-rejected");
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "examples/naive-profile/highlevel-naive.yaml"
    );
    assert_eq!(loc["region"]["startLine"], 26);
    assert_eq!(loc["region"]["startColumn"], 11);
    assert_eq!(
        result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "\n      except: [update_contact]"
    );
}

#[test]
fn fail_on_warning_and_exit_codes() {
    let warn_only = "tests/fixtures/lint/unused-input/bad";
    assert_eq!(
        integ()
            .args(["lint", warn_only])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        integ()
            .args(["lint", warn_only, "--fail-on", "warning"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(1)
    );
    let missing = integ().args(["lint", "no/such/dir"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "error: no/such/dir: no such file or directory\n"
    );
    assert_eq!(
        integ()
            .args(["lint", "--format", "xml"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    // `--dry-run` is `--diff`, which implies `--fix`: the shipped specs need no fix.
    assert_eq!(
        integ()
            .args(["lint", "--dry-run"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        integ()
            .args(["lint", "--fail-on", "sometimes"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn config_sets_severities_and_ignores_paths() {
    let ws = naive_workspace();
    let root = ws.path().to_str().unwrap();
    std::fs::write(
        ws.path().join("integ.toml"),
        "[rules]\nauth-field-rejected = \"warning\"\n",
    )
    .unwrap();
    let out = integ()
        .args(["lint", root, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_findings(&out.stdout)[0]["severity"], "warning");

    std::fs::write(
        ws.path().join("integ.toml"),
        "ignore = [\"highlevel-naive.yaml\"]\n",
    )
    .unwrap();
    let out = integ().args(["lint", root]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with(&format!(
        "0 errors, 0 warnings in {} files\n",
        shipped_files()
    )));

    std::fs::write(
        ws.path().join("integ.toml"),
        "[rules]\nauth-field-rejectd = \"off\"\n",
    )
    .unwrap();
    let out = integ().args(["lint", root]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `auth-field-rejected`?"));
}

#[test]
fn inline_ignore_silences_the_finding_at_its_line() {
    let ws = naive_workspace();
    let naive = ws.path().join("highlevel/profiles/highlevel-naive.yaml");
    let text = std::fs::read_to_string(&naive).unwrap();
    std::fs::write(
        &naive,
        text.replacen(
            "    - in: query\n",
            "    - in: query  # integ-ignore: auth-field-rejected\n",
            1,
        ),
    )
    .unwrap();
    let out = integ()
        .args(["lint", ws.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).ends_with(&format!(
        "0 errors, 0 warnings in {} files\n",
        shipped_files() + 1
    )));
}

/// The DESIGN.md catalogue; `integ explain` prints each rule file's own doc comment.
#[test]
fn explain_prints_the_rule_files_doc_comment() {
    let ids = [
        "auth-field-rejected",
        "scope-missing",
        "auth-mode-unsupported",
        "plaintext-secret",
        "insecure-url",
        "host-not-allowed",
        "oauth-endpoint-mismatch",
        "unknown-reference",
        "unused-input",
        "missing-required-header",
        "duplicate-name",
        "schema",
        "unused-ignore",
    ];
    for id in ids {
        let source = std::fs::read_to_string(
            repo().join(format!("crates/lint/src/rules/{}.rs", id.replace('-', "_"))),
        )
        .unwrap();
        let doc: String = source
            .lines()
            .map_while(|l| l.strip_prefix("//!"))
            .map(|l| format!("{}\n", l.strip_prefix(' ').unwrap_or(l)))
            .collect();
        let out = integ().args(["explain", id]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{id}");
        assert_eq!(String::from_utf8(out.stdout).unwrap(), doc, "{id}");
        assert!(doc.starts_with("## What it does\n"), "{id}");
    }
    let list = integ().args(["explain", "--list"]).output().unwrap();
    assert_eq!(list.status.code(), Some(0));
    let list = String::from_utf8(list.stdout).unwrap();
    assert_eq!(list.lines().count(), ids.len());
    for id in ids {
        assert!(
            list.lines().any(|l| l.starts_with(&format!("{id} "))),
            "{id} not in --list"
        );
    }
    assert!(
        list.contains("auth-field-rejected      error    "),
        "{list}"
    );
    let unknown = integ()
        .args(["explain", "auth-field-reject"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&unknown.stderr),
        "error: no rule `auth-field-reject`; did you mean `auth-field-rejected`?\n"
    );
}

/// Hostile files give `schema` findings and exit 1, never a panic or a hang.
#[test]
fn hostile_files_give_findings_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("invalid-utf8.yaml"),
        b"apiVersion: integ/v1\nkind: \xff\xfe\n",
    )
    .unwrap();
    // "Billion laughs": each anchor is a list of nine aliases of the previous one.
    let mut bomb = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        bomb.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    std::fs::write(p.join("alias-bomb.yaml"), bomb).unwrap();
    std::fs::write(p.join("deep.yaml"), "[".repeat(100_000)).unwrap();
    std::fs::write(p.join("empty.yaml"), "").unwrap();
    std::fs::write(
        p.join("tabs.yaml"),
        "apiVersion: integ/v1\nkind: Action\nspec:\n\tprovider: x\n",
    )
    .unwrap();
    std::fs::write(p.join("bare.yaml"), "just a string\n").unwrap();
    std::fs::write(p.join("null-doc.yaml"), "---\n---\n~\n").unwrap();
    std::fs::write(p.join("huge.yaml"), "a: b\n".repeat(50 * 1024 * 1024 / 5)).unwrap();
    let out = integ()
        .args(["lint", p.to_str().unwrap(), "--format", "json"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let findings = json_findings(&out.stdout);
    for name in [
        "invalid-utf8",
        "alias-bomb",
        "deep",
        "empty",
        "tabs",
        "bare",
        "null-doc",
    ] {
        assert!(
            findings.iter().any(|f| f["file"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/{name}.yaml"))
                && f["severity"] == "error"),
            "no error for {name}: {findings:#?}"
        );
    }
    // Every other format copes with them too.
    for format in ["human", "sarif", "github", "junit"] {
        let out = integ()
            .args(["lint", p.to_str().unwrap(), "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{format}"
        );
    }
    // And the foundation's own invalid fixtures.
    let invalid = repo().join("tests/fixtures/invalid");
    if invalid.is_dir() {
        let out = integ()
            .args(["lint", invalid.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}
