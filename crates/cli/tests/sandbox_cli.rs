//! `integ sandbox`: the banner (URL, app credentials, company, locations), the README's curl
//! flow against `--auto-approve`, usage errors, and a clean stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the server if a test fails before stopping it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> (Server, String, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_integ"))
        .arg("sandbox")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("integ runs");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut banner = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("banner");
        let done = line.starts_with("Press Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    let url = banner[0]
        .strip_prefix("integ sandbox listening on ")
        .unwrap_or_else(|| panic!("first line names the URL: {banner:?}"))
        .to_owned();
    (server, url, banner)
}

#[test]
fn sandbox_auto_approve_prints_its_app_and_serves_the_curl_flow() {
    let (mut server, url, banner) = start(&["--port", "0", "--auto-approve"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let text = banner.join("\n");
    for expected in [
        "client_id      sandbox-client",
        "client_secret  sandbox-secret",
        "company        cmpSandbox0000000001",
        "location       locSandbox0000000001",
        "location       locSandbox0000000002",
        "approval       automatic",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }

    if Command::new("curl").arg("--version").output().is_ok() {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../sandbox/examples/curl-flow.sh"
        );
        let output = Command::new("bash")
            .arg(script)
            .arg(&url)
            .output()
            .expect("bash runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("created contact"), "{stdout}");
        assert!(stdout.contains("\"firstName\":\"Ada\""), "{stdout}");
    } else {
        eprintln!("curl is not installed: the curl flow was not run");
    }

    #[cfg(unix)]
    {
        let pid = server.0.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = server.0.try_wait().unwrap() {
                assert!(status.success(), "{status}");
                break;
            }
            assert!(Instant::now() < deadline, "still running after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn sandbox_options_show_in_the_banner() {
    let (_server, _url, banner) = start(&[
        "--port",
        "0",
        "--no-rate-limit",
        "--client-id",
        "my-app",
        "--redirect-uri",
        "https://app.example.com/cb",
        "--fault",
        "latency=5",
    ]);
    let text = banner.join("\n");
    for expected in [
        "client_id      my-app",
        "https://app.example.com/cb",
        "rate limit     off",
        "approval       consent page",
        "faults ",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
}

#[test]
fn a_bad_fault_switch_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_integ"))
        .args(["sandbox", "--port", "0", "--fault", "drop-rate=2"])
        .output()
        .expect("integ runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad fault switch `drop-rate=2`: expected a fraction between 0 and 1"),
        "{stderr}"
    );
}
