//! Hostile and careless use of `integ auth` and `integ run`: a reader that closes the pipe
//! early, a token file other users can read, the same `-i` key twice, inputs too large
//! for a URL. Each case checks the exit code and the message, and that nothing panicked
//! (docs/decisions/0018-hardening.md).

mod run_common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use run_common::{USER_PROFILE, World};

/// Runs `cmd` with its stdout a pipe whose reading end is already closed, as after
/// `| head -1` has exited: every write to stdout fails with EPIPE.
fn with_closed_stdout(w: &World, mut cmd: std::process::Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn integ");
    drop(child.stdout.take());
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("integ did not finish with a closed stdout");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = w;
    (status.code(), reader.join().unwrap_or_default())
}

#[test]
fn a_closed_stdout_ends_quietly_instead_of_panicking() {
    let w = World::start();
    w.login(USER_PROFILE);
    let specs = w.specs_dir().display().to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec!["auth", "status"],
        vec!["auth", "status", "--profile", USER_PROFILE],
        vec![
            "run",
            "get_contact",
            "--profile",
            USER_PROFILE,
            "--specs",
            &specs,
            "-i",
            "contactId=c1",
            "--dry-run",
        ],
        vec!["explain", "--list"],
    ];
    for args in cases {
        let (code, stderr) = with_closed_stdout(&w, w.command(&args));
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?} panicked on a closed stdout:\n{stderr}"
        );
        // Killed by SIGPIPE (no code), as `cat` is; never the panic's 101.
        assert_ne!(code, Some(101), "{args:?}: {stderr}");
    }
}

#[cfg(unix)]
#[test]
fn a_token_file_others_can_read_is_tightened_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::start();
    w.login(USER_PROFILE);
    let tokens = w.state_dir().join("tokens");
    let file = std::fs::read_dir(&tokens)
        .expect("tokens dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a token file");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    let out = w.integ(["auth", "status", "--profile", USER_PROFILE]);
    out.assert_ok();
    let mode = std::fs::metadata(&file).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the token file was left readable by others");
    assert!(
        out.stderr.contains(&format!(
            "the token file {} was readable by other users (mode 644); made it 0600",
            file.display()
        )),
        "{}",
        out.stderr
    );
    w.assert_no_secret_printed();
}

#[test]
fn the_same_input_twice_is_refused() {
    let w = World::start();
    w.login(USER_PROFILE);
    let before = w.requests();
    let out = w.run_action(
        "get_contact",
        USER_PROFILE,
        &["-i", "contactId=a", "-i", "contactId=b"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "error: --input `contactId` is given twice (`contactId=a`, `contactId=b`); keep one"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    assert_eq!(w.requests(), before, "nothing may be sent");
}

#[test]
fn a_path_input_too_long_for_a_url_is_named() {
    let w = World::start();
    w.login(USER_PROFILE);
    let dir = w.dir.path();
    let huge = format!("{{\"contactId\":\"{}\"}}", "a".repeat(100_000));
    std::fs::write(dir.join("huge.json"), huge).expect("write");
    let before = w.requests();
    let out = w.run_action("get_contact", USER_PROFILE, &["--input-file", "huge.json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("error: the request URL would be 100"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("longer than any server accepts"),
        "{}",
        out.stderr
    );
    assert_eq!(w.requests(), before, "nothing may be sent");
}

#[test]
fn a_sandbox_on_a_port_in_use_says_so_and_what_to_do() {
    let w = World::start();
    let base = w.sandbox.base_url();
    let port = base.rsplit(':').next().expect("port").trim_end_matches('/');
    let out = w.integ(["sandbox", "--port", port]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with(&format!("error: cannot listen on 127.0.0.1:{port}: ")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.trim_end().ends_with(
            "another program (another sandbox?) has it: pick another --port, or --port 0 for any free one"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

#[test]
fn a_relative_state_dir_is_refused_before_anything_is_written() {
    let w = World::start();
    for args in [
        vec!["auth", "status"],
        vec![
            "run",
            "get_contact",
            "--profile",
            USER_PROFILE,
            "--specs",
            "specs",
            "-i",
            "contactId=c1",
        ],
    ] {
        let mut cmd = w.command(&args);
        cmd.env("INTEG_STATE_DIR", "rel state");
        let out = w.run_command(cmd);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(
                "INTEG_STATE_DIR is a relative path (`rel state`): tokens would be written wherever integ happens to run (inside a repository, say); set it to an absolute path"
            ),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!w.dir.path().join("rel state").exists());
    }
    assert_eq!(w.requests(), 0);
}

#[test]
fn a_token_path_that_is_a_directory_is_named_with_what_to_do() {
    let w = World::start();
    w.login(USER_PROFILE);
    let tokens = w.state_dir().join("tokens");
    let file = std::fs::read_dir(&tokens)
        .expect("tokens dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a token file");
    std::fs::remove_file(&file).expect("rm");
    std::fs::create_dir(&file).expect("mkdir");
    let before = w.requests();
    let out = w.run_action("get_contact", USER_PROFILE, &["-i", "contactId=c1"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "{} is a directory, not a token file; remove it (`rm -r` it) and log in again",
            file.display()
        )),
        "{}",
        out.stderr
    );
    assert_eq!(w.requests(), before);
}

#[test]
fn a_stale_lock_file_left_by_a_killed_process_does_not_block_a_refresh() {
    let w = World::start();
    w.login(USER_PROFILE);
    let tokens = w.state_dir().join("tokens");
    let lock = std::fs::read_dir(&tokens)
        .expect("tokens dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "lock"))
        .expect("a lock file");
    // What a killed process leaves: the file (flock dies with its holder), with anything in it.
    std::fs::write(&lock, b"pid 99999\n\0garbage").expect("write lock");
    let before = w.access_tokens();
    let out = w.integ([
        "auth",
        "refresh",
        "--force",
        "--profile",
        USER_PROFILE,
        "--specs",
        "specs",
    ]);
    out.assert_ok();
    let after = w.access_tokens();
    assert_eq!(after.len(), 1);
    assert_ne!(before, after, "the token was refreshed");
    w.assert_no_secret_printed();
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_on_stdout_is_reported_and_says_the_action_ran() {
    let w = World::start();
    w.login(USER_PROFILE);
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    let specs = w.specs_dir().display().to_string();
    let mut cmd = w.command([
        "run",
        "create_contact",
        "--profile",
        USER_PROFILE,
        "--specs",
        &specs,
        "-i",
        "email=full@example.com",
    ]);
    cmd.stdout(full());
    let out = cmd.stderr(Stdio::piped()).output().expect("integ runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: create_contact ran (HTTP 201) but its output could not be written to standard output: No space left on device"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(w.contacts().len(), 1, "the contact was created once");

    let mut cmd = w.command([
        "run",
        "get_contact",
        "--profile",
        USER_PROFILE,
        "--specs",
        &specs,
        "-i",
        "contactId=c1",
        "--dry-run",
    ]);
    cmd.stdout(full());
    let out = cmd.stderr(Stdio::piped()).output().expect("integ runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: cannot write to standard output: No space left on device"),
        "{stderr}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn auth_status_on_a_full_disk_says_so_instead_of_panicking() {
    let w = World::start();
    w.login(USER_PROFILE);
    let mut cmd = w.command(["auth", "status"]);
    cmd.stdout(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full"),
    );
    let out = cmd.stderr(Stdio::piped()).output().expect("integ runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: cannot write to standard output: No space left on device (os error 28)"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_sandbox_whose_banner_cannot_be_written_stops_with_exit_2() {
    let w = World::start();
    let mut child = w
        .command(["sandbox", "--port", "0"])
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full"),
        )
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the sandbox kept running without its banner");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    let _ = std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: cannot write to standard output: No space left on device"),
        "{stderr}"
    );
}

#[test]
fn resuming_from_the_rows_file_instead_of_the_results_is_refused() {
    let w = World::start();
    w.login(USER_PROFILE);
    std::fs::write(
        w.dir.path().join("rows.jsonl"),
        "{\"email\":\"r1@example.com\"}\n{\"email\":\"r2@example.com\"}\n",
    )
    .expect("rows");
    let before = w.requests();
    let out = w.run_action(
        "create_contact",
        USER_PROFILE,
        &["--batch", "rows.jsonl", "--resume", "rows.jsonl"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "--resume rows.jsonl: none of its 2 line(s) is a result of `integ run --batch` (is it the rows file?); nothing was sent"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(w.requests(), before);
    assert!(w.contacts().is_empty());
}

#[test]
fn input_files_that_are_not_utf8_are_named_with_what_to_do() {
    let w = World::start();
    let dir = w.dir.path();
    // What Windows PowerShell's `>` writes: UTF-16LE with a BOM.
    let utf16: Vec<u8> = std::iter::once(0xFEFFu16)
        .chain("{\"contactId\":\"c1\"}".encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(dir.join("utf16.json"), &utf16).expect("write");
    std::fs::write(
        dir.join("latin1.jsonl"),
        b"{\"contactId\":\"a\"}\n{\"contactId\":\"caf\xe9\"}\n",
    )
    .expect("write");
    std::fs::write(dir.join("good.jsonl"), "{\"contactId\":\"a\"}\n").expect("write");
    let cases: [(&[&str], &str); 4] = [
        (
            &["--input-file", "utf16.json"],
            "error: utf16.json is UTF-16 text (as Windows PowerShell's `>` writes it); save it as UTF-8",
        ),
        (
            &["--batch", "utf16.json"],
            "error: utf16.json is UTF-16 text (as Windows PowerShell's `>` writes it); save it as UTF-8",
        ),
        (
            &["--batch", "latin1.jsonl"],
            "error: latin1.jsonl:2:18: not UTF-8 text; save the file as UTF-8",
        ),
        (
            &["--batch", "good.jsonl", "--resume", "utf16.json"],
            "error: utf16.json is UTF-16 text (as Windows PowerShell's `>` writes it); save it as UTF-8",
        ),
    ];
    for (extra, message) in cases {
        let mut args = extra.to_vec();
        args.push("--dry-run");
        let out = w.run_action("get_contact", USER_PROFILE, &args);
        assert_eq!(out.code, 2, "{extra:?}: {}", out.stderr);
        assert_eq!(out.stderr.trim_end(), message, "{extra:?}");
    }
}

#[test]
fn a_200_that_is_not_json_fails_instead_of_printing_null() {
    use std::io::{Read, Write};
    let w = World::start();
    w.login(USER_PROFILE);
    // A "server" that answers every request with an HTML page.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = "<html>down for maintenance</html>";
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    let profile = w.specs_dir().join("profiles/highlevel-custom-user.yaml");
    let text = std::fs::read_to_string(&profile).expect("profile");
    let sandbox = w.sandbox.base_url();
    let text = text.replacen(
        &format!("baseUrl: {sandbox}"),
        &format!("baseUrl: {base}"),
        1,
    );
    std::fs::write(&profile, text).expect("write profile");

    let out = w.run_action("get_contact", USER_PROFILE, &["-i", "contactId=c1"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr.lines().last().unwrap_or_default(),
        "error: get_contact got HTTP 200 with a body that is not JSON (`<html>down for maintenance</html>`), so there is no /contact to show; the request was sent: check the profile's baseUrl"
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}
