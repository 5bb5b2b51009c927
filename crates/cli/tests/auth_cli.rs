//! `integ auth` end to end: the real binary against the sandbox over real HTTP on
//! loopback. The test plays the browser: it reads the authorization URL the command
//! prints, GETs it (with `sandbox_approve=1`), and follows the redirect to integ's
//! callback. Every command runs with `INTEG_LOG=trace`, and every byte it prints is
//! searched for the client secret and every token the store ever held.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use integ_runner::auth::{FileTokenStore, TokenKey, TokenStore};
use integ_sandbox::{Config, Faults, SandboxThread, TokenFault};

const CLIENT_SECRET: &str = "sandbox-secret";
const WAIT: Duration = Duration::from_secs(60);

struct World {
    sandbox: SandboxThread,
    state: tempfile::TempDir,
    specs: tempfile::TempDir,
    /// Everything any command printed.
    transcript: std::cell::RefCell<String>,
}

impl World {
    fn new() -> World {
        World::with_config(Config::default())
    }

    fn with_config(config: Config) -> World {
        let sandbox = SandboxThread::start(config).expect("sandbox starts");
        let specs = tempfile::tempdir().unwrap();
        let world = World {
            sandbox,
            state: tempfile::tempdir().unwrap(),
            specs,
            transcript: Default::default(),
        };
        world.write_specs(&world.sandbox.base_url());
        world
    }

    /// A provider and three profiles on the sandbox: `dev` (pre-authorized), `users`
    /// (per user, client_secret_basic), and `broken` whose token URL is `token_url`.
    fn write_specs(&self, base: &str) {
        let provider = format!(
            r#"apiVersion: integ/v1
kind: Provider
metadata: {{ name: sb }}
spec:
  baseUrl: {base}
  headers: {{ Version: "2021-07-28" }}
  auth:
    oauth2:
      authorizationUrl: {base}/oauth/chooselocation
      tokenUrl: {base}/oauth/token
      tokenParams: {{ user_type: Location }}
      tokenFields: [locationId, companyId, userType, userId]
    modes:
      custom: {{ developer: true, user: true }}
"#
        );
        std::fs::write(self.specs.path().join("provider.yaml"), provider).unwrap();
        let action = r#"apiVersion: integ/v1
kind: Action
metadata: { name: create_contact }
spec:
  provider: sb
  scopes: [contacts.write]
  input:
    type: object
    required: [email]
    properties:
      email: { type: string }
  request:
    method: POST
    path: /contacts/
    body:
      email: "{{ inputs.email }}"
"#;
        std::fs::write(self.specs.path().join("create_contact.yaml"), action).unwrap();
        self.write_profile("dev", "developer", "post", &format!("{base}/oauth/token"));
        self.write_profile("users", "user", "basic", &format!("{base}/oauth/token"));
    }

    fn write_profile(&self, name: &str, by: &str, client_auth: &str, token_url: &str) {
        let base = self.sandbox.base_url();
        let profile = format!(
            r#"apiVersion: integ/v1
kind: AuthProfile
metadata: {{ name: {name} }}
spec:
  provider: sb
  type: oauth2
  ownership: custom
  authorizedBy: {by}
  oauth2:
    clientId: ${{env:SB_CLIENT_ID}}
    clientSecret: ${{env:SB_CLIENT_SECRET}}
    authorizationUrl: {base}/oauth/chooselocation
    tokenUrl: {token_url}
    scopes: [contacts.readonly, contacts.write]
    clientAuth: {client_auth}
  fields:
    - in: body
      key: locationId
      value: "{{{{ token.locationId }}}}"
      only: [create_contact]
"#
        );
        std::fs::write(self.specs.path().join(format!("{name}.yaml")), profile).unwrap();
    }

    fn integ(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_integ"));
        cmd.args(args)
            .env("INTEG_STATE_DIR", self.state.path())
            .env("INTEG_SPECS", self.specs.path())
            .env("SB_CLIENT_ID", "sandbox-client")
            .env("SB_CLIENT_SECRET", CLIENT_SECRET)
            .env("INTEG_LOG", "trace")
            .env_remove("INTEG_USER")
            .env_remove("INTEG_TEST_PAUSE_AT")
            .env_remove("RUST_LOG")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs to completion (bounded), records the output.
    fn run(&self, args: &[&str]) -> Output {
        let child = self.integ(args).spawn().expect("integ starts");
        let out = wait_bounded(child);
        self.record(&out);
        out
    }

    fn record(&self, out: &Output) {
        let mut t = self.transcript.borrow_mut();
        t.push_str(&String::from_utf8_lossy(&out.stdout));
        t.push_str(&String::from_utf8_lossy(&out.stderr));
    }

    fn store(&self) -> FileTokenStore {
        FileTokenStore::new(self.state.path())
    }

    fn key(&self, profile: &str, user: Option<&str>) -> TokenKey {
        TokenKey {
            provider: "sb".into(),
            profile: profile.into(),
            user: user.map(str::to_string),
        }
    }

    fn token_file(&self, profile: &str, user: Option<&str>) -> PathBuf {
        self.store().token_path(&self.key(profile, user))
    }

    /// The stored JSON of a token file (None when absent).
    fn stored(&self, profile: &str, user: Option<&str>) -> Option<serde_json::Value> {
        let bytes = std::fs::read(self.token_file(profile, user)).ok()?;
        Some(serde_json::from_slice(&bytes).expect("the token file parses"))
    }

    /// Starts `integ auth login`, waits for the printed URL and hands it to `browser`
    /// (which plays the user); returns the command's output.
    fn login(&self, args: &[&str], browser: impl FnOnce(&str)) -> Output {
        let mut all = vec!["auth", "login", "--no-browser", "--timeout", "30"];
        all.extend_from_slice(args);
        let mut child = self.integ(&all).spawn().expect("integ starts");
        let (url, stderr_rest) = read_url(&mut child);
        browser(&url);
        let mut out = wait_bounded(child);
        let mut stderr = stderr_rest.recv_timeout(WAIT).expect("stderr drained");
        stderr.extend_from_slice(&out.stderr);
        out.stderr = stderr;
        self.record(&out);
        out
    }

    /// Logs in with the sandbox's auto-approval, at `location` when given.
    fn login_ok(&self, args: &[&str], location: Option<&str>) -> Output {
        let out = self.login(args, |url| {
            let mut approve = format!("{url}&sandbox_approve=1");
            if let Some(l) = location {
                approve.push_str(&format!("&sandbox_location={l}"));
            }
            let (status, callback_status) = follow_to_callback(&approve);
            assert_eq!(status, 302);
            assert_eq!(callback_status, Some(200));
        });
        assert_eq!(out.status.code(), Some(0), "login failed: {}", text(&out));
        out
    }

    /// Every secret the store holds now.
    fn secrets_now(&self) -> BTreeSet<String> {
        let mut secrets = BTreeSet::new();
        for t in self.store().list().unwrap() {
            secrets.insert(t.access_token.expose().to_string());
            if let Some(r) = &t.refresh_token {
                secrets.insert(r.expose().to_string());
            }
        }
        secrets
    }

    fn assert_no_secret_printed(&self, more: &BTreeSet<String>) {
        let transcript = self.transcript.borrow();
        assert!(!transcript.is_empty());
        assert!(
            !transcript.contains(CLIENT_SECRET),
            "the client secret was printed"
        );
        for s in self.secrets_now().iter().chain(more) {
            assert!(!transcript.contains(s.as_str()), "a token was printed");
        }
    }
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Waits for a child with a bound; kills it (and fails) if it hangs.
fn wait_bounded(mut child: Child) -> Output {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > WAIT {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("integ hung:\n{}", text(&out));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads the child's stderr until it prints the authorization URL; the rest of stderr
/// arrives on the returned channel when the child closes it.
fn read_url(child: &mut Child) -> (String, mpsc::Receiver<Vec<u8>>) {
    let stderr = child.stderr.take().unwrap();
    let (url_tx, url_rx) = mpsc::channel();
    let (rest_tx, rest_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut seen = Vec::new();
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            seen.extend_from_slice(line.as_bytes());
            if let Some(url) = line.trim().strip_prefix("http://")
                && url.contains("/oauth/chooselocation?")
            {
                let _ = url_tx.send(format!("http://{url}"));
            }
            line.clear();
        }
        let _ = rest_tx.send(seen);
    });
    let url = url_rx
        .recv_timeout(WAIT)
        .expect("integ auth login printed an authorization URL");
    (url, rest_rx)
}

/// A minimal HTTP/1.1 client for loopback: (status, headers, body).
fn http(method: &str, url: &str, form: Option<&str>) -> (u16, Vec<(String, String)>, String) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream = TcpStream::connect(host).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let body = form.unwrap_or("");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if form.is_some() {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let raw = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

fn location_header(headers: &[(String, String)]) -> Option<String> {
    headers
        .iter()
        .find(|(k, _)| k == "location")
        .map(|(_, v)| v.clone())
}

/// GETs `url`; if it redirects, GETs the redirect (integ's callback) like a browser.
/// Returns the first status and the callback's.
fn follow_to_callback(url: &str) -> (u16, Option<u16>) {
    let (status, headers, _) = http("GET", url, None);
    let callback = location_header(&headers).map(|to| http("GET", &to, None).0);
    (status, callback)
}

/// The redirect the sandbox answers an auto-approved authorization with (not followed).
fn approved_redirect(url: &str) -> String {
    let (status, headers, _) = http("GET", &format!("{url}&sandbox_approve=1"), None);
    assert_eq!(status, 302);
    location_header(&headers).expect("a Location header")
}

fn query_param(url: &str, name: &str) -> String {
    let parsed = url::Url::parse(url).unwrap();
    parsed
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no {name} in the URL"))
}

fn refresh_token_of(v: &serde_json::Value) -> String {
    v["refreshToken"]
        .as_str()
        .expect("a refresh token")
        .to_string()
}

/// Redeems a refresh token at the sandbox directly: its status.
fn redeem(world: &World, refresh_token: &str) -> (u16, String) {
    let form = format!(
        "grant_type=refresh_token&client_id=sandbox-client&client_secret={CLIENT_SECRET}&user_type=Location&refresh_token={}",
        url::form_urlencoded::byte_serialize(refresh_token.as_bytes()).collect::<String>()
    );
    let (status, _, body) = http(
        "POST",
        &format!("{}/oauth/token", world.sandbox.base_url()),
        Some(&form),
    );
    (status, body)
}

fn file_bytes(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

#[test]
fn login_status_forced_refresh_rotates_and_logout_forgets() {
    let w = World::new();
    let out = w.login_ok(&["--profile", "dev"], None);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Logged in: profile dev."));

    let first = w.stored("dev", None).expect("a token file");
    let location = w.sandbox.locations()[0].id.clone();
    assert_eq!(
        first["locationId"],
        serde_json::Value::Null,
        "metadata is nested"
    );
    assert_eq!(first["metadata"]["locationId"], serde_json::json!(location));
    assert_eq!(
        first["scopes"],
        serde_json::json!(["contacts.readonly", "contacts.write"])
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(w.token_file("dev", None))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let status = w.run(&["auth", "status"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    let shown = String::from_utf8_lossy(&status.stdout);
    assert!(shown.contains("profile dev\n"), "{shown}");
    assert!(
        shown.contains(&format!("  location:  {location}\n")),
        "{shown}"
    );
    assert!(
        shown.contains("  scopes:    contacts.readonly contacts.write\n"),
        "{shown}"
    );

    let old_refresh = refresh_token_of(&first);
    let mut seen: BTreeSet<String> = w.secrets_now();
    let refreshed = w.run(&["auth", "refresh", "--profile", "dev", "--force"]);
    assert_eq!(refreshed.status.code(), Some(0), "{}", text(&refreshed));
    assert!(String::from_utf8_lossy(&refreshed.stdout).starts_with("Refreshed: profile dev."));
    assert_eq!(w.sandbox.stats().token_requests("refresh_token"), 1);

    let second = w.stored("dev", None).unwrap();
    assert_ne!(refresh_token_of(&second), old_refresh);
    assert_ne!(second["accessToken"], first["accessToken"]);
    assert_eq!(
        second["metadata"]["locationId"],
        serde_json::json!(location)
    );
    let (status, body) = redeem(&w, &old_refresh);
    assert_eq!(status, 400);
    assert!(body.contains("invalid_grant"), "{body}");

    // A refresh that is not needed sends nothing.
    let calm = w.run(&["auth", "refresh", "--profile", "dev"]);
    assert_eq!(calm.status.code(), Some(0), "{}", text(&calm));
    assert!(
        String::from_utf8_lossy(&calm.stdout)
            .starts_with("Still valid, not refreshed: profile dev.")
    );
    assert_eq!(
        w.sandbox.stats().token_requests("refresh_token"),
        2,
        "1 by integ + 1 by the test"
    );

    seen.extend(w.secrets_now());
    let logout = w.run(&["auth", "logout", "--profile", "dev"]);
    assert_eq!(logout.status.code(), Some(0), "{}", text(&logout));
    assert_eq!(
        String::from_utf8_lossy(&logout.stdout),
        "Removed the stored token of profile dev.\n"
    );
    assert!(w.stored("dev", None).is_none());
    let gone = w.run(&["auth", "status", "--profile", "dev"]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&gone.stderr)
            .contains("No token stored for profile dev; log in: `integ auth login --profile dev`")
    );
    let refresh_without = w.run(&["auth", "refresh", "--profile", "dev"]);
    assert_eq!(refresh_without.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refresh_without.stderr).contains(
        "error: no token is stored for profile dev; log in first: `integ auth login --profile dev`"
    ));
    w.assert_no_secret_printed(&seen);
}

#[test]
fn two_users_keep_their_own_tokens_and_locations() {
    let w = World::new();
    let locations = w.sandbox.locations();
    let (la, lb) = (locations[0].id.clone(), locations[1].id.clone());
    w.login_ok(&["--profile", "users", "--user", "alice"], Some(&la));
    w.login_ok(&["--profile", "users", "--user", "bob"], Some(&lb));
    let alice = w.stored("users", Some("alice")).unwrap();
    let bob = w.stored("users", Some("bob")).unwrap();
    assert_ne!(
        w.token_file("users", Some("alice")),
        w.token_file("users", Some("bob"))
    );
    assert_eq!(alice["user"], "alice");
    assert_eq!(alice["metadata"]["locationId"], serde_json::json!(la));
    assert_eq!(bob["user"], "bob");
    assert_eq!(bob["metadata"]["locationId"], serde_json::json!(lb));
    assert_ne!(alice["accessToken"], bob["accessToken"]);

    // Without --user, nobody's token is used for the default user.
    let default = w.run(&["auth", "refresh", "--profile", "users"]);
    assert_eq!(default.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&default.stderr).contains(
        "no token is stored for profile users, user default; log in first: `integ auth login --profile users --user default`"
    ));

    // Refreshing bob's token touches only bob's file, and his grant stays at his location.
    let alice_bytes = file_bytes(&w.token_file("users", Some("alice")));
    let out = w.run(&[
        "auth",
        "refresh",
        "--profile",
        "users",
        "--user",
        "bob",
        "--force",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        file_bytes(&w.token_file("users", Some("alice"))),
        alice_bytes
    );
    let bob2 = w.stored("users", Some("bob")).unwrap();
    assert_ne!(bob2["refreshToken"], bob["refreshToken"]);
    assert_eq!(bob2["metadata"]["locationId"], serde_json::json!(lb));

    // Each run uses its own user's token: the contact lands in that user's location.
    for (user, location) in [("alice", &la), ("bob", &lb)] {
        let email = format!("{user}@example.com");
        let input = format!("email={email}");
        let out = w.run(&[
            "run",
            "create_contact",
            "--profile",
            "users",
            "--user",
            user,
            "--input",
            &input,
            "--no-input",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let emails: Vec<String> = w
            .sandbox
            .contacts(location)
            .iter()
            .filter_map(|c| c["email"].as_str().map(str::to_string))
            .collect();
        assert_eq!(
            emails,
            vec![email],
            "{user}'s contact is in {user}'s location only"
        );
    }
    // A user without a token, not interactive: the run names the command to log in.
    let out = w.run(&[
        "run",
        "create_contact",
        "--profile",
        "users",
        "--user",
        "carol",
        "--input",
        "email=c@example.com",
        "--no-input",
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("`integ auth login --profile users --user carol`"),
        "{}",
        text(&out)
    );

    let status = w.run(&["auth", "status", "--profile", "users", "--user", "alice"]);
    let shown = String::from_utf8_lossy(&status.stdout);
    assert!(
        shown.contains("  user:      alice\n") && shown.contains(&format!("  location:  {la}\n")),
        "{shown}"
    );
    assert!(!shown.contains("bob"), "{shown}");
    w.assert_no_secret_printed(&BTreeSet::new());
}

#[test]
fn eight_processes_needing_a_refresh_send_exactly_one() {
    let w = World::new();
    w.login_ok(&["--profile", "dev"], None);
    // Make the stored access token expire now (what a day's wait would do).
    let mut token = w.stored("dev", None).unwrap();
    token["expiresAt"] = serde_json::json!(integ_runner::auth::now_unix() - 5);
    std::fs::write(
        w.token_file("dev", None),
        serde_json::to_vec(&token).unwrap(),
    )
    .unwrap();
    let before = w.sandbox.stats().token_requests("refresh_token");

    // Hold the refresh lock until all eight have loaded the expired token and wait for
    // it, so that every one of them needs the refresh at the same moment.
    let lock = std::fs::File::open(w.store().lock_path(&w.key("dev", None))).unwrap();
    lock.lock().unwrap();
    let (waiting_tx, waiting_rx) = mpsc::channel();
    let mut stderr_rx = Vec::new();
    let mut children = Vec::new();
    for _ in 0..8 {
        let mut child = w
            .integ(&["auth", "refresh", "--profile", "dev"])
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let waiting_tx = waiting_tx.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut all = Vec::new();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                if line.contains("waiting for another integ process") {
                    let _ = waiting_tx.send(());
                }
                all.extend_from_slice(line.as_bytes());
                line.clear();
            }
            let _ = tx.send(all);
        });
        children.push(child);
        stderr_rx.push(rx);
    }
    for _ in 0..8 {
        waiting_rx
            .recv_timeout(WAIT)
            .expect("all eight wait for the lock");
    }
    lock.unlock().unwrap();
    let outputs: Vec<Output> = children
        .into_iter()
        .zip(stderr_rx)
        .map(|(child, rx)| {
            let mut out = wait_bounded(child);
            out.stderr = rx.recv_timeout(WAIT).unwrap();
            out
        })
        .collect();
    for out in &outputs {
        w.record(out);
        assert_eq!(out.status.code(), Some(0), "{}", text(out));
    }
    assert_eq!(
        w.sandbox.stats().token_requests("refresh_token") - before,
        1
    );
    let refreshed = outputs
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stdout).starts_with("Refreshed:"))
        .count();
    assert_eq!(
        refreshed, 1,
        "one process refreshed, seven reused its token"
    );
    let now = w.stored("dev", None).unwrap();
    assert_ne!(now["refreshToken"], token["refreshToken"]);
    w.assert_no_secret_printed(&BTreeSet::from([refresh_token_of(&token)]));
}

/// Kills `integ auth refresh --force` at `point`; returns the refresh token stored before.
fn kill_refresh_at(w: &World, point: &str) -> String {
    let before = refresh_token_of(&w.stored("dev", None).unwrap());
    let mut child = w
        .integ(&["auth", "refresh", "--profile", "dev", "--force"])
        .env("INTEG_TEST_PAUSE_AT", point)
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            if line.starts_with("integ-test-pause: ") {
                let _ = tx.send(line.trim().to_string());
            }
            line.clear();
        }
    });
    let marker = rx
        .recv_timeout(WAIT)
        .expect("integ reached the pause point");
    assert_eq!(marker, format!("integ-test-pause: {point}"));
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    before
}

#[test]
fn sigkill_at_any_point_of_a_refresh_leaves_a_token_the_server_accepts() {
    let w = World::new();
    w.login_ok(&["--profile", "dev"], None);
    for point in ["before-request", "after-journal", "after-rename"] {
        let before = kill_refresh_at(&w, point);
        // The token file parses right after the kill, before anyone recovers anything.
        let on_disk = w.stored("dev", None).expect("the token file survives");
        let journal = w.store().journal_path(&w.key("dev", None));
        match point {
            "before-request" => {
                assert_eq!(refresh_token_of(&on_disk), before);
                assert!(!journal.exists());
            }
            "after-journal" => {
                // The new set is durable in the journal; the old file is still whole.
                assert_eq!(refresh_token_of(&on_disk), before);
                let j: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&journal).unwrap()).unwrap();
                assert_ne!(refresh_token_of(&j), before);
            }
            _ => {
                assert_ne!(refresh_token_of(&on_disk), before);
                assert!(!journal.exists());
            }
        }
        // The store's view (recovering a journal) holds a refresh token the sandbox
        // accepts: the next refresh through integ succeeds with it.
        let effective = w.store().load(&w.key("dev", None)).unwrap().unwrap();
        assert!(!journal.exists());
        let effective_refresh = effective.refresh_token.unwrap().expose().to_string();
        let out = w.run(&["auth", "refresh", "--profile", "dev", "--force"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "after a kill at {point}: {}",
            text(&out)
        );
        let (status, _) = redeem(&w, &effective_refresh);
        assert_eq!(status, 400, "integ redeemed exactly that token ({point})");
    }
    w.assert_no_secret_printed(&BTreeSet::new());
}

#[test]
fn a_kill_between_rotation_and_journal_is_the_documented_window() {
    let w = World::new();
    w.login_ok(&["--profile", "dev"], None);
    let before_bytes = file_bytes(&w.token_file("dev", None));
    kill_refresh_at(&w, "after-response");
    assert_eq!(
        file_bytes(&w.token_file("dev", None)),
        before_bytes,
        "nothing was written"
    );
    // The server rotated; the old token is dead, and integ says so plainly.
    let out = w.run(&["auth", "refresh", "--profile", "dev", "--force"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "error: the refresh token of profile dev was rejected (invalid_grant): it was used already, expired or was revoked. The stored token was left as it was; log in again: `integ auth login --profile dev`"
    ), "{}", text(&out));
    assert_eq!(file_bytes(&w.token_file("dev", None)), before_bytes);
    w.assert_no_secret_printed(&BTreeSet::new());
}

#[test]
fn wrong_state_replayed_code_and_denial_fail_plainly_and_store_nothing() {
    let w = World::new();
    w.login_ok(&["--profile", "dev"], None);
    let stored = file_bytes(&w.token_file("dev", None));

    // A callback whose state is not this login's.
    let out = w.login(&["--profile", "dev"], |url| {
        let state = query_param(url, "state");
        let forged = url.replace(&format!("state={state}"), "state=forged");
        assert_eq!(
            follow_to_callback(&format!("{forged}&sandbox_approve=1")),
            (302, Some(400))
        );
    });
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "error: the callback's `state` does not match this login (a stale or forged callback); nothing was stored"
    ), "{}", text(&out));
    assert_eq!(file_bytes(&w.token_file("dev", None)), stored);

    // A code that was redeemed already, delivered with the right state.
    let mut used_callback = String::new();
    let out = w.login(&["--profile", "dev"], |url| {
        used_callback = approved_redirect(url);
        assert_eq!(http("GET", &used_callback, None).0, 200);
    });
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stored = file_bytes(&w.token_file("dev", None));
    let code = query_param(&used_callback, "code");
    let out = w.login(&["--profile", "dev"], |url| {
        let state = query_param(url, "state");
        let redirect = query_param(url, "redirect_uri");
        let replay = format!("{redirect}?code={code}&state={state}");
        assert_eq!(http("GET", &replay, None).0, 400);
    });
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "error: the authorization server rejected the authorization code (invalid_grant"
        ),
        "{err}"
    );
    assert!(err.contains("); nothing was stored"), "{err}");
    assert_eq!(file_bytes(&w.token_file("dev", None)), stored);

    // The user says no on the consent page.
    let out = w.login(&["--profile", "dev"], |url| {
        let query = url.split_once('?').unwrap().1;
        let (status, headers, _) = http(
            "POST",
            &format!("{}/oauth/chooselocation/approve", w.sandbox.base_url()),
            Some(&format!("{query}&decision=deny")),
        );
        assert_eq!(status, 303);
        let to = location_header(&headers).unwrap();
        assert_eq!(http("GET", &to, None).0, 400);
    });
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "error: authorization was not granted: access_denied — The user denied access; nothing was stored"
    ), "{}", text(&out));
    assert_eq!(file_bytes(&w.token_file("dev", None)), stored);
    w.assert_no_secret_printed(&BTreeSet::new());
}

#[test]
fn a_token_endpoint_that_fails_or_answers_garbage_stores_nothing() {
    let w = World::new();
    // No token yet: a failing login must not create one.
    w.sandbox.set_faults(Faults {
        token_endpoint: TokenFault::Fail,
        ..Faults::default()
    });
    let out = w.login(&["--profile", "dev"], |url| {
        assert_eq!(
            follow_to_callback(&format!("{url}&sandbox_approve=1")),
            (302, Some(400))
        );
    });
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "error: the token endpoint {}/oauth/token answered HTTP 500",
            w.sandbox.base_url()
        )),
        "{err}"
    );
    assert!(w.stored("dev", None).is_none());
    assert!(!w.token_file("dev", None).exists());

    // With a token stored, a failing refresh leaves it exactly as it was.
    w.sandbox.set_faults(Faults::default());
    w.login_ok(&["--profile", "dev"], None);
    let stored = file_bytes(&w.token_file("dev", None));
    w.sandbox.set_faults(Faults {
        token_endpoint: TokenFault::Fail,
        ..Faults::default()
    });
    let out = w.run(&["auth", "refresh", "--profile", "dev", "--force"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("answered HTTP 500"),
        "{}",
        text(&out)
    );
    assert_eq!(file_bytes(&w.token_file("dev", None)), stored);
    w.sandbox.set_faults(Faults::default());

    // A token endpoint that answers 200 with garbage.
    let garbage = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let garbage_url = format!("http://{}/oauth/token", garbage.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in garbage.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 8192];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\nConnection: close\r\n\r\n<html>oops</ht",
            );
        }
    });
    w.write_profile("broken", "developer", "post", &garbage_url);
    let out = w.login(&["--profile", "broken"], |url| {
        assert_eq!(
            follow_to_callback(&format!("{url}&sandbox_approve=1")),
            (302, Some(400))
        );
    });
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!(
        "error: the token endpoint {garbage_url} answered HTTP 200 with a body that is not an OAuth token response; nothing was stored"
    )), "{}", text(&out));
    assert!(!w.token_file("broken", None).exists());
    assert_eq!(file_bytes(&w.token_file("dev", None)), stored);
    w.assert_no_secret_printed(&BTreeSet::new());
}

#[test]
fn a_missing_client_secret_names_the_variable_and_the_field() {
    let w = World::new();
    let out = wait_bounded(
        w.integ(&["auth", "login", "--profile", "dev", "--no-browser"])
            .env_remove("SB_CLIENT_SECRET")
            .spawn()
            .unwrap(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or(""),
        "error: environment variable SB_CLIENT_SECRET is not set (profile dev, field spec.oauth2.clientSecret); export it before running integ"
    );
}

#[test]
fn login_listens_on_the_given_port_and_gives_up_after_the_timeout() {
    let w = World::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let port_s = port.to_string();
    let out = w.run(&[
        "auth",
        "login",
        "--profile",
        "dev",
        "--no-browser",
        "--redirect-port",
        &port_s,
        "--timeout",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Fcallback"
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "error: no callback arrived within 1 s; nothing was stored (try again, or raise --timeout)"
        ),
        "{err}"
    );
    assert!(!w.token_file("dev", None).exists());
}
