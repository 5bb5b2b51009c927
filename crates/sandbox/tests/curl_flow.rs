//! `examples/curl-flow.sh`, the README's curl walk-through, run as written against a sandbox
//! configured as `integ sandbox --auto-approve` configures it.

use std::process::Command;

use integ_sandbox::{Config, SandboxThread};

#[test]
fn the_curl_script_authorizes_exchanges_creates_and_gets() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("skipped: curl is not installed");
        return;
    }
    let sandbox = SandboxThread::start(Config {
        auto_approve: true,
        ..Config::default()
    })
    .expect("sandbox starts");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/curl-flow.sh");
    let output = Command::new("bash")
        .arg(script)
        .arg(sandbox.base_url())
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );

    let location = &sandbox.locations()[0];
    let contacts = sandbox.contacts(&location.id);
    assert_eq!(contacts.len(), 1);
    let id = contacts[0]["id"].as_str().unwrap();
    assert!(
        stdout.contains(&format!("created contact {id}")),
        "{stdout}"
    );
    assert!(stdout.contains("\"firstName\":\"Ada\""), "{stdout}");
    // The script shows no credential.
    let stats = sandbox.stats();
    assert_eq!(stats.token_requests("authorization_code"), 1);
    assert_eq!(stats.requests("GET", "/contacts/{contactId}"), 1);
    assert!(!stdout.contains("sandbox-secret"));
}
