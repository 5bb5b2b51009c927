//! `integ demo` (the README's first command) exits 0, shows every step, prints no
//! credential and leaves nothing behind.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn demo_runs_end_to_end_and_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("integ"))
        .arg("demo")
        .env("TMPDIR", tmp.path())
        .env_remove("INTEG_STATE_DIR")
        .env_remove("HL_CLIENT_ID")
        .env_remove("HL_CLIENT_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn integ demo");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("integ demo did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for step in [
        "1. integ lint specs/highlevel",
        "2. integ auth login --profile highlevel-custom-user",
        "3. integ run create_contact",
        "4. integ run get_contact",
        "5. integ run update_contact",
        "6. integ run add_contact_tags",
        "7. integ run search_contacts",
        "8. integ run delete_contact",
        "auth field `locationId` is sent in the querystring of action `update_contact`",
        "<- error: 422 Unprocessable Entity: property locationId should not exist",
        "Authorization: Bearer ***",
    ] {
        assert!(stdout.contains(step), "missing `{step}` in:\n{stdout}");
    }
    for secret in ["sandbox-secret", "sandbox-client"] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "printed {secret}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(tmp.path()).expect("read tmp").collect();
    assert!(left.is_empty(), "the demo left files behind: {left:?}");
}
