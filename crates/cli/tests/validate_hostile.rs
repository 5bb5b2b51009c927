//! Hostile input to the real binary: each file gets a diagnostic and exit 1, and never a
//! panic or a hang (the timeout fails the test; the elapsed time is printed, not asserted).

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// Runs `integ validate FILE`, asserts exit 1 and that stdout has `expected`; returns stdout.
fn validate(path: &Path, expected: &str) -> String {
    let start = Instant::now();
    let out = Command::cargo_bin("integ")
        .expect("the integ binary")
        .args(["validate", "--format", "json"])
        .arg(path)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run");
    eprintln!("{}: {:?}", path.display(), start.elapsed());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON diagnostics");
    let messages: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains(expected)),
        "no `{expected}` in {messages:?}"
    );
    stdout
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn invalid_utf8() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "x.yaml",
        b"apiVersion: integ/v1\nkind: \xff\xfe\n",
    );
    validate(&p, "this file is not valid UTF-8 (byte 0xFF at offset 27)");
}

#[test]
fn billion_laughs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let p = write(dir.path(), "x.yaml", text.as_bytes());
    validate(&p, "an alias bomb");
}

#[test]
fn deep_block_nesting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "x.yaml",
        format!("{}x\n", "- ".repeat(100_000)).as_bytes(),
    );
    validate(&p, "the document nests deeper than 128 levels");
}

#[test]
fn deep_flow_nesting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("a: {}{}\n", "{b: ".repeat(100_000), "}".repeat(100_000));
    let p = write(dir.path(), "x.yaml", text.as_bytes());
    validate(&p, "the document nests deeper than 128 levels");
}

#[test]
fn fifty_megabyte_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.yaml");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    f.write_all(
        b"apiVersion: integ/v1\nkind: Provider\nmetadata: { name: big }\nspec:\n  headers:\n",
    )
    .expect("write");
    let mut written = 0usize;
    let mut i = 0usize;
    while written < 50 * 1024 * 1024 {
        let line =
            format!("    X-Header-{i}: some value that pads the line out to a realistic length\n");
        f.write_all(line.as_bytes()).expect("write");
        written += line.len();
        i += 1;
    }
    f.flush().expect("flush");
    drop(f);
    validate(&path, "spec files are limited to 8 MB");
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(dir.path(), "x.yaml", b"");
    validate(&p, "this file is empty");
}

#[test]
fn tab_indented_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "x.yaml",
        b"apiVersion: integ/v1\nkind: Action\nspec:\n\tprovider: highlevel\n",
    );
    let out = validate(&p, "a tab character indents this line");
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        (json[0]["line"].as_u64(), json[0]["column"].as_u64()),
        (Some(4), Some(1))
    );
}

#[test]
fn bare_scalar_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(dir.path(), "x.yaml", b"42\n");
    validate(&p, "a document must be a mapping");
}
