//! Shared by the end-to-end tests of `integ run`, `integ compile` and `integ demo`: a
//! sandbox on loopback, a copy of the shipped specs pointed at it, a private state dir,
//! and a way to run the `integ` binary with a timeout while keeping everything it printed
//! (so a test can search all of it for secrets).

#![allow(dead_code)] // each test binary uses part of this module

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use integ_sandbox::{Config, SandboxThread};
use serde_json::Value;

pub const CLIENT_ID: &str = "sandbox-client";
pub const CLIENT_SECRET: &str = "sandbox-secret";
pub const USER_PROFILE: &str = "highlevel-custom-user";
pub const NAIVE_PROFILE: &str = "highlevel-naive";

/// How long any one `integ` process may take before the test fails (it must not hang).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(90);

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What one `integ` process did.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

pub struct World {
    pub sandbox: SandboxThread,
    pub dir: tempfile::TempDir,
    /// Everything every process printed, for the secret search.
    transcript: Mutex<String>,
}

impl World {
    /// A sandbox (auto-approving) and the shipped specs, plus the naive profile, pointed at it.
    pub fn start() -> World {
        World::start_with(Config {
            auto_approve: true,
            ..Config::default()
        })
    }

    pub fn start_with(config: Config) -> World {
        let sandbox = SandboxThread::start(config).expect("sandbox starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let world = World {
            sandbox,
            dir,
            transcript: Mutex::new(String::new()),
        };
        world.write_specs();
        world
    }

    pub fn specs_dir(&self) -> PathBuf {
        self.dir.path().join("specs")
    }

    pub fn naive_dir(&self) -> PathBuf {
        self.dir.path().join("naive")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// The first location of the sandbox: what the auto-approved login authorizes.
    pub fn location(&self) -> String {
        self.sandbox.locations()[0].id.clone()
    }

    pub fn contacts(&self) -> Vec<Value> {
        self.sandbox.contacts(&self.location())
    }

    fn write_specs(&self) {
        let root = repo_root();
        let base = self.sandbox.base_url();
        let specs = self.specs_dir();
        for sub in ["actions", "profiles"] {
            std::fs::create_dir_all(specs.join(sub)).expect("mkdir");
        }
        std::fs::copy(
            root.join("specs/highlevel/provider.yaml"),
            specs.join("provider.yaml"),
        )
        .expect("copy provider");
        for entry in std::fs::read_dir(root.join("specs/highlevel/actions")).expect("actions") {
            let path = entry.expect("entry").path();
            std::fs::copy(
                &path,
                specs.join("actions").join(path.file_name().expect("name")),
            )
            .expect("copy action");
        }
        for entry in std::fs::read_dir(root.join("specs/highlevel/profiles")).expect("profiles") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read profile");
            std::fs::write(
                specs.join("profiles").join(path.file_name().expect("name")),
                point_at(&text, &base),
            )
            .expect("write profile");
        }
        // The naive world: the same provider and actions, and only the naive profile.
        let naive_dir = self.naive_dir();
        std::fs::create_dir_all(naive_dir.join("actions")).expect("mkdir naive");
        std::fs::copy(specs.join("provider.yaml"), naive_dir.join("provider.yaml"))
            .expect("copy provider");
        for entry in std::fs::read_dir(specs.join("actions")).expect("actions") {
            let path = entry.expect("entry").path();
            std::fs::copy(
                &path,
                naive_dir
                    .join("actions")
                    .join(path.file_name().expect("name")),
            )
            .expect("copy");
        }
        let naive =
            std::fs::read_to_string(root.join("examples/naive-profile/highlevel-naive.yaml"))
                .expect("naive");
        std::fs::write(
            self.naive_dir().join("highlevel-naive.yaml"),
            point_at(&naive, &base),
        )
        .expect("write naive");
    }

    /// `integ ARGS` in the temp dir, non-interactive, with the sandbox app's credentials in
    /// the environment.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("integ"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("INTEG_STATE_DIR", self.state_dir())
            .env("HL_CLIENT_ID", CLIENT_ID)
            .env("HL_CLIENT_SECRET", CLIENT_SECRET)
            .env("CI", "1")
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "trace")
            .env_remove("INTEG_USER")
            .env_remove("INTEG_SPECS")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `integ ARGS` to the end (at most [`COMMAND_TIMEOUT`]).
    pub fn integ<I, S>(&self, args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.run_command(self.command(args))
    }

    pub fn run_command(&self, mut cmd: Command) -> Outcome {
        let child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn integ");
        let outcome = wait_with_timeout(child, COMMAND_TIMEOUT);
        self.record(&outcome);
        outcome
    }

    fn record(&self, o: &Outcome) {
        let mut t = self.transcript.lock().unwrap_or_else(|e| e.into_inner());
        t.push_str(&o.stdout);
        t.push_str(&o.stderr);
    }

    /// `integ run ACTION --profile PROFILE --specs specs [EXTRA..]`.
    pub fn run_action(&self, action: &str, profile: &str, extra: &[&str]) -> Outcome {
        let specs = if profile == NAIVE_PROFILE {
            self.naive_dir()
        } else {
            self.specs_dir()
        };
        let mut args: Vec<String> = vec![
            "run".into(),
            action.into(),
            "--profile".into(),
            profile.into(),
            "--specs".into(),
            specs.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        self.integ(args)
    }

    /// `integ auth login --no-browser`, completed the way a browser would: GET the printed
    /// URL (the sandbox approves and redirects to the loopback callback).
    pub fn login(&self, profile: &str) {
        let args = vec![
            "auth".to_string(),
            "login".into(),
            "--profile".into(),
            profile.into(),
            "--no-browser".into(),
            "--specs".into(),
            if profile == NAIVE_PROFILE {
                self.naive_dir()
            } else {
                self.specs_dir()
            }
            .display()
            .to_string(),
        ];
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn integ auth login");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.trim().strip_prefix("http") {
                    let _ = tx.send(format!("http{url}"));
                }
                all.push_str(&line);
                all.push('\n');
            }
            all
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("integ auth login printed no URL")
            });
        follow_as_browser(&format!("{url}&sandbox_approve=1"));
        let mut outcome = wait_with_timeout(child, COMMAND_TIMEOUT);
        outcome.stderr = reader.join().unwrap_or_default();
        self.record(&outcome);
        outcome.assert_ok();
    }

    /// The secrets of this world: the client secret and every token in the state dir.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![CLIENT_SECRET.to_string()];
        for entry in walk(&self.state_dir()) {
            let Ok(text) = std::fs::read_to_string(&entry) else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            collect_tokens(&v, &mut secrets);
        }
        secrets
    }

    /// No process of this world printed a secret.
    #[track_caller]
    pub fn assert_no_secret_printed(&self) {
        let secrets = self.secrets();
        assert!(secrets.len() > 1, "expected stored tokens to search for");
        let t = self.transcript.lock().unwrap_or_else(|e| e.into_inner());
        for s in &secrets {
            assert!(
                !t.contains(s.as_str()),
                "a secret was printed: {}…",
                &s[..s.len().min(4)]
            );
        }
    }

    /// The access tokens stored in the state dir.
    pub fn access_tokens(&self) -> Vec<String> {
        walk(&self.state_dir())
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter_map(|t| serde_json::from_str::<Value>(&t).ok())
            .filter_map(|v| {
                find_key(&v, "access_token")
                    .or_else(|| find_key(&v, "accessToken"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect()
    }

    pub fn requests(&self) -> u64 {
        self.sandbox.stats().total_requests
    }
}

/// The profile text with its OAuth URLs and its base URL on the sandbox.
pub fn point_at(profile: &str, base: &str) -> String {
    let text = profile
        .replace("https://marketplace.gohighlevel.com", base)
        .replace("https://marketplace.leadconnectorhq.com", base)
        .replace("https://services.leadconnectorhq.com", base);
    text.replacen(
        "  authorizedBy: user\n",
        &format!("  authorizedBy: user\n  baseUrl: {base}\n"),
        1,
    )
    .replacen(
        "  authorizedBy: developer\n",
        &format!("  authorizedBy: developer\n  baseUrl: {base}\n"),
        1,
    )
}

fn find_key<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(m) => m
            .get(key)
            .or_else(|| m.values().find_map(|v| find_key(v, key))),
        Value::Array(items) => items.iter().find_map(|v| find_key(v, key)),
        _ => None,
    }
}

fn collect_tokens(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let k = k.to_ascii_lowercase().replace('_', "");
                if let Value::String(s) = v
                    && (k == "accesstoken" || k == "refreshtoken")
                    && s.len() >= 8
                {
                    out.push(s.clone());
                }
                collect_tokens(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_tokens(i, out)),
        _ => {}
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// GET `url` and follow redirects (to the loopback callback), as a browser would.
pub fn follow_as_browser(url: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = integ_runner::http::builder()
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .expect("client");
        let resp = client
            .get(url)
            .send()
            .await
            .expect("authorization URL answers");
        assert!(resp.status().is_success(), "browser got {}", resp.status());
    });
}

fn wait_with_timeout(mut child: Child, timeout: Duration) -> Outcome {
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_string(&mut s);
        }
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("integ did not finish within {timeout:?}");
            }
        }
    };
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    }
}
