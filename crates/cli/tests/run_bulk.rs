//! `integ run ACTION --batch FILE` end to end: the binary against the sandbox over real
//! HTTP on 127.0.0.1, checking what the sandbox holds and counted, not only what was
//! printed.

mod run_common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use integ_sandbox::{Config, Faults};
use run_common::{Outcome, USER_PROFILE, World};
use serde_json::{Value, json};

const CREATE: (&str, &str) = ("POST", "/contacts/");
const GET: (&str, &str) = ("GET", "/contacts/{contactId}");

fn write_rows(w: &World, name: &str, rows: &[Value]) -> PathBuf {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    write_text(w, name, &text)
}

fn write_text(w: &World, name: &str, text: &str) -> PathBuf {
    let path = w.dir.path().join(name);
    std::fs::write(&path, text).expect("write rows");
    path
}

fn create_rows(n: usize, tag: &str) -> Vec<Value> {
    (1..=n)
        .map(|i| json!({"firstName": format!("Row{i}"), "email": format!("{tag}{i}@example.com")}))
        .collect()
}

/// `integ run ACTION --profile highlevel-custom-user --specs specs --batch FILE EXTRA..`.
fn bulk(w: &World, action: &str, file: &str, extra: &[&str]) -> Outcome {
    let mut args = vec!["--batch", file];
    args.extend_from_slice(extra);
    w.run_action(action, USER_PROFILE, &args)
}

/// The result lines of stdout, parsed.
fn results(out: &Outcome) -> Vec<Value> {
    out.stdout
        .lines()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("result line is not JSON ({e}): {l}\n{}", out.stderr))
        })
        .collect()
}

fn lines_of(results: &[Value]) -> Vec<u64> {
    results
        .iter()
        .map(|r| r["line"].as_u64().expect("line is a number"))
        .collect()
}

fn requests(w: &World, (method, route): (&str, &str)) -> u64 {
    w.sandbox.stats().requests(method, route)
}

#[test]
fn two_hundred_creates_at_concurrency_8_make_exactly_200_contacts() {
    let w = World::start();
    w.login(USER_PROFILE);
    write_rows(&w, "rows.jsonl", &create_rows(200, "bulk"));

    let out = bulk(&w, "create_contact", "rows.jsonl", &["--concurrency", "8"]);
    out.assert_ok();
    let results = results(&out);
    assert_eq!(results.len(), 200);
    let lines: BTreeSet<u64> = lines_of(&results).into_iter().collect();
    assert_eq!(lines, (1..=200).collect::<BTreeSet<u64>>());
    for r in &results {
        assert_eq!(r["status"], "ok", "{r}");
        assert_eq!(r["http"], 201, "{r}");
        assert_eq!(r["error"], Value::Null, "{r}");
        let n = r["line"].as_u64().expect("line");
        assert_eq!(r["output"]["email"], format!("bulk{n}@example.com"), "{r}");
    }
    let contacts = w.contacts();
    assert_eq!(contacts.len(), 200);
    let emails: BTreeSet<String> = contacts
        .iter()
        .filter_map(|c| c["email"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        emails,
        (1..=200).map(|i| format!("bulk{i}@example.com")).collect()
    );
    assert_eq!(requests(&w, CREATE), 200, "no create was sent twice");
    assert!(
        out.stderr.contains("200 rows: 200 ok, 0 failed in "),
        "{}",
        out.stderr
    );
    w.assert_no_secret_printed();
}

#[test]
fn one_invalid_row_sends_nothing_and_names_its_line() {
    let w = World::start();
    w.login(USER_PROFILE);
    let before = w.requests();
    write_text(
        &w,
        "rows.jsonl",
        "{\"contactId\": \"a\"}\n\n{\"contactId\": \"b\"}\n{\"contactID\": \"c\"}\n{\"contactId\": 7}\nnot json\n[\"x\"]\n{\"contactId\": \"d\"}\n",
    );

    let out = bulk(&w, "get_contact", "rows.jsonl", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stdout, "", "nothing is printed on stdout");
    assert_eq!(
        out.stderr,
        "rows.jsonl:4: missing required input contactId; unknown input contactID (did you mean contactId?)\n\
         rows.jsonl:5: input contactId: 7 is not of type \"string\"\n\
         rows.jsonl:6: not JSON: expected ident (column 2)\n\
         rows.jsonl:7: expected a JSON object of inputs, found an array\n\
         error: 4 of 7 rows are invalid; nothing was sent (--skip-invalid sends the valid rows)\n"
    );
    assert_eq!(requests(&w, GET), 0);
    assert_eq!(w.requests(), before, "not even a token refresh was sent");

    // A JSON array names its rows by their place in it.
    write_text(&w, "rows.json", "[\n  {\"contactId\": \"a\"},\n  {}\n]\n");
    let out = bulk(&w, "get_contact", "rows.json", &[]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with("rows.json: item 2: missing required input contactId\n"),
        "{}",
        out.stderr
    );
    assert_eq!(w.requests(), before);
    w.assert_no_secret_printed();
}

#[test]
fn skip_invalid_sends_the_valid_rows_and_fails_the_others_unsent() {
    let w = World::start();
    w.login(USER_PROFILE);
    let mut rows = create_rows(5, "skip");
    rows[1] = json!({"nmae": "typo", "email": "skip2@example.com"});
    rows[3] = json!({"email": "not an email"});
    write_rows(&w, "rows.jsonl", &rows);

    let out = bulk(
        &w,
        "create_contact",
        "rows.jsonl",
        &["--skip-invalid", "--ordered"],
    );
    assert_eq!(out.code, 1, "a failed row makes exit 1: {}", out.stderr);
    let results = results(&out);
    assert_eq!(lines_of(&results), [1, 2, 3, 4, 5]);
    assert_eq!(
        results[1],
        json!({"line": 2, "status": "failed", "http": null, "output": null,
               "error": "invalid input: unknown input nmae (did you mean name?)"})
    );
    assert_eq!(results[3]["status"], "failed");
    assert_eq!(results[3]["http"], Value::Null);
    for i in [0, 2, 4] {
        assert_eq!(results[i]["status"], "ok", "{}", results[i]);
    }
    assert_eq!(requests(&w, CREATE), 3);
    assert_eq!(w.contacts().len(), 3);
    assert!(
        out.stderr.contains("5 rows: 3 ok, 2 failed in "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("rows.jsonl:2: unknown input nmae (did you mean name?)\n")
    );
    w.assert_no_secret_printed();
}

/// Seeds `n` contacts and returns a get_contact row for each.
fn get_rows(w: &World, n: usize) -> Vec<Value> {
    let loc = w.location();
    (1..=n)
        .map(|i| {
            let c = w
                .sandbox
                .seed_contact(&loc, json!({"email": format!("seed{i}@example.com")}));
            json!({"contactId": c["id"]})
        })
        .collect()
}

#[test]
fn a_lowered_rate_limit_is_waited_out_and_no_429_reaches_the_results() {
    let w = World::start_with(Config {
        auto_approve: true,
        burst_max: 10,
        burst_window: Duration::from_secs(1),
        ..Config::default()
    });
    w.login(USER_PROFILE);
    write_rows(&w, "rows.jsonl", &get_rows(&w, 40));

    // The shipped spec says 100 per 10 s; this server allows 10 per second, so 429s come
    // back and are waited out (Retry-After, and the spent window the headers announce).
    let out = bulk(&w, "get_contact", "rows.jsonl", &["--concurrency", "8"]);
    out.assert_ok();
    let results = results(&out);
    assert_eq!(results.len(), 40);
    assert!(
        results
            .iter()
            .all(|r| r["status"] == "ok" && r["http"] == 200),
        "{}",
        out.stdout
    );
    let first = w.sandbox.stats();
    assert_eq!(
        first.requests(GET.0, GET.1) - first.rate_limited,
        40,
        "each row was answered 200 exactly once"
    );

    // With the spec's limit equal to the server's, the client-side limiter keeps under it.
    // (First the server's window that the last run used up ends: a new process cannot
    // know what an earlier one spent.)
    std::thread::sleep(Duration::from_millis(1500));
    let provider = w.specs_dir().join("provider.yaml");
    let text = std::fs::read_to_string(&provider).expect("provider");
    let matched = text.replace(
        "rateLimit: { requests: 100, perSeconds: 10 }",
        "rateLimit: { requests: 10, perSeconds: 1 }",
    );
    assert_ne!(
        matched, text,
        "the shipped provider declares its rate limit"
    );
    std::fs::write(&provider, matched).expect("write provider");
    let out = bulk(&w, "get_contact", "rows.jsonl", &["--concurrency", "8"]);
    out.assert_ok();
    assert_eq!(results_ok(&out), 40);
    let second = w.sandbox.stats();
    let limited = second.rate_limited - first.rate_limited;
    eprintln!(
        "429s: {} with the shipped limit, {limited} with the matched one",
        first.rate_limited
    );
    assert!(
        limited <= 2,
        "the client-side limiter let {limited} requests run into a 429"
    );
    w.assert_no_secret_printed();
}

fn results_ok(out: &Outcome) -> usize {
    results(out).iter().filter(|r| r["status"] == "ok").count()
}

#[test]
fn resume_sends_only_the_rows_not_yet_ok() {
    let w = World::start();
    w.login(USER_PROFILE);
    write_rows(&w, "rows.jsonl", &create_rows(10, "resume"));

    // Three creates fail with a 500 (a POST is not retried: it may have been processed).
    w.sandbox.set_faults(Faults {
        error_next: 3,
        error_statuses: vec![500],
        ..Faults::default()
    });
    let first = bulk(&w, "create_contact", "rows.jsonl", &[]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let first_results = results(&first);
    let failed: BTreeSet<u64> = first_results
        .iter()
        .filter(|r| r["status"] == "failed")
        .map(|r| r["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(failed.len(), 3);
    assert!(
        first_results
            .iter()
            .filter(|r| r["status"] == "failed")
            .all(|r| r["http"] == 500)
    );
    assert_eq!(w.contacts().len(), 7);
    // As after a crash: the results so far, the last line cut short.
    let mut saved = first.stdout.clone();
    saved.push_str("{\"line\":99,\"sta");
    write_text(&w, "results.jsonl", &saved);

    let second = bulk(
        &w,
        "create_contact",
        "rows.jsonl",
        &["--resume", "results.jsonl"],
    );
    second.assert_ok();
    let again: BTreeSet<u64> = lines_of(&results(&second)).into_iter().collect();
    assert_eq!(again, failed, "only the failed rows ran again");
    assert_eq!(requests(&w, CREATE), 13);
    assert_eq!(w.contacts().len(), 10);
    assert!(
        second
            .stderr
            .contains("10 rows: 3 ok, 0 failed, 7 skipped (ok in an earlier run) in "),
        "{}",
        second.stderr
    );
    assert!(
        second
            .stderr
            .contains("1 line(s) of the --resume file(s) are not results")
    );

    // Everything done: nothing is sent.
    let mut all = saved;
    all.push('\n');
    all.push_str(&second.stdout);
    write_text(&w, "results.jsonl", &all);
    let before = w.requests();
    let third = bulk(
        &w,
        "create_contact",
        "rows.jsonl",
        &["--resume", "results.jsonl"],
    );
    third.assert_ok();
    assert_eq!(third.stdout, "");
    assert_eq!(w.requests(), before, "nothing at all is sent");
    assert_eq!(
        third.stderr,
        "warning: 1 line(s) of the --resume file(s) are not results; they mark no row done\n\
         10 rows: 0 ok, 0 failed, 10 skipped (ok in an earlier run) in 0.0 s\n"
    );
    w.assert_no_secret_printed();
}

/// `integ ARGS` with stdout going to `stdout`, to the end (at most a minute).
fn run_to_file(w: &World, args: &[&str], stdout: std::fs::File) -> (i32, String) {
    let mut child = w
        .command(args)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn integ");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let code = wait(&mut child, Duration::from_secs(60));
    (code, reader.join().unwrap_or_default())
}

fn wait(child: &mut Child, timeout: Duration) -> i32 {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.code().unwrap_or(-1),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("integ did not finish within {timeout:?}");
            }
        }
    }
}

#[test]
fn resume_refuses_a_results_file_that_stdout_truncates_and_appends_with_double_arrow() {
    let w = World::start();
    w.login(USER_PROFILE);
    write_rows(&w, "rows.jsonl", &create_rows(3, "arrow"));
    let results_path = w.dir.path().join("results.jsonl");
    let specs = w.specs_dir().display().to_string();
    let args = [
        "run",
        "create_contact",
        "--profile",
        USER_PROFILE,
        "--specs",
        &specs,
        "--batch",
        "rows.jsonl",
        "--resume",
        "results.jsonl",
    ];
    std::fs::write(&results_path, "").expect("empty results");

    // `>> results.jsonl`: appended, row by row.
    let append = std::fs::OpenOptions::new()
        .append(true)
        .open(&results_path)
        .expect("open for append");
    let (code, stderr) = run_to_file(&w, &args, append);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&results_path).expect("read results");
    assert_eq!(text.lines().count(), 3);

    // `> results.jsonl` would have emptied it: refused, nothing sent.
    let truncate = std::fs::File::create(&results_path).expect("truncate");
    let (code, stderr) = run_to_file(&w, &args, truncate);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("results.jsonl is also standard output, opened with `>`"),
        "{stderr}"
    );
    assert_eq!(requests(&w, CREATE), 3);
    assert_eq!(w.contacts().len(), 3);
}

#[test]
fn dry_run_prints_each_rows_redacted_request_and_sends_nothing() {
    let w = World::start();
    w.login(USER_PROFILE);
    let before = w.requests();
    write_rows(
        &w,
        "rows.jsonl",
        &[
            json!({"email": "dry1@example.com"}),
            json!({"email": "dry2@example.com", "tags": ["a"]}),
        ],
    );
    let out = bulk(&w, "create_contact", "rows.jsonl", &["--dry-run"]);
    out.assert_ok();
    let shown = results(&out);
    assert_eq!(shown.len(), 2);
    let loc = w.location();
    let base = w.sandbox.base_url();
    assert_eq!(shown[0]["line"], 1);
    assert_eq!(shown[0]["method"], "POST");
    assert_eq!(
        shown[0]["url"],
        format!("{base}/contacts/?locationId={loc}")
    );
    assert_eq!(shown[0]["headers"]["Authorization"], "Bearer ***");
    assert_eq!(shown[0]["headers"]["Version"], "2021-07-28");
    assert_eq!(
        shown[1]["body"],
        json!({"email": "dry2@example.com", "tags": ["a"], "locationId": loc})
    );
    assert!(
        shown[1]["curl"]
            .as_str()
            .expect("curl")
            .contains("Authorization: Bearer ***")
    );
    assert_eq!(w.requests(), before, "a dry run sends nothing");
    assert!(
        out.stderr
            .contains("2 rows: 2 request(s) shown, 0 invalid; dry run, nothing sent"),
        "{}",
        out.stderr
    );
    w.assert_no_secret_printed();
}

#[test]
fn ordered_prints_results_in_input_order() {
    let w = World::start();
    w.login(USER_PROFILE);
    let mut rows = get_rows(&w, 3);
    // An invalid row fails at once, while row 1 is still waiting for its response (the
    // sandbox answers after 300 ms, so row 1 cannot be done first by a lucky schedule).
    rows.insert(1, json!({}));
    write_rows(&w, "rows.jsonl", &rows);
    w.sandbox.set_faults(Faults {
        latency: Duration::from_millis(300),
        ..Faults::default()
    });

    let out = bulk(
        &w,
        "get_contact",
        "rows.jsonl",
        &["--skip-invalid", "--concurrency", "2"],
    );
    assert_eq!(out.code, 1);
    let by_completion = lines_of(&results(&out));
    assert_eq!(by_completion[0], 2, "by completion: the invalid row first");
    assert_eq!(
        by_completion.iter().collect::<BTreeSet<_>>().len(),
        4,
        "{by_completion:?}"
    );

    let out = bulk(
        &w,
        "get_contact",
        "rows.jsonl",
        &["--skip-invalid", "--concurrency", "2", "--ordered"],
    );
    assert_eq!(out.code, 1);
    let results = results(&out);
    assert_eq!(lines_of(&results), [1, 2, 3, 4]);
    assert_eq!(
        results
            .iter()
            .map(|r| r["status"].as_str().unwrap_or_default())
            .collect::<Vec<_>>(),
        ["ok", "failed", "ok", "ok"]
    );
    w.assert_no_secret_printed();
}

#[test]
fn ctrl_c_finishes_the_rows_in_flight_and_loses_no_result() {
    let w = World::start_with(Config {
        auto_approve: true,
        faults: Faults {
            latency: Duration::from_millis(150),
            ..Faults::default()
        },
        ..Config::default()
    });
    w.login(USER_PROFILE);
    write_rows(&w, "rows.jsonl", &create_rows(60, "intr"));
    let specs = w.specs_dir().display().to_string();
    let mut child = w
        .command([
            "run",
            "create_contact",
            "--profile",
            USER_PROFILE,
            "--specs",
            &specs,
            "--batch",
            "rows.jsonl",
            "--concurrency",
            "3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn integ");
    let pid = child.id();
    let stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let out_reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            lines.push(line);
            if lines.len() == 3 {
                let _ = tx.send(());
            }
        }
        lines
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("three results within a minute");
    // The shell's builtin `kill`: there is always a `sh`, not always a `kill` binary.
    let killed = std::process::Command::new("sh")
        .args(["-c", &format!("kill -INT {pid}")])
        .status()
        .expect("sh -c kill -INT");
    assert!(killed.success());
    let code = wait(&mut child, Duration::from_secs(60));
    let lines = out_reader.join().expect("stdout reader");
    let stderr = err_reader.join().expect("stderr reader");

    assert_eq!(code, 130, "{stderr}");
    assert!(
        stderr.contains("interrupted: starting no more rows"),
        "{stderr}"
    );
    assert!(
        lines.len() < 60,
        "the run stopped early: {} lines",
        lines.len()
    );
    let sent = requests(&w, CREATE);
    assert_eq!(
        lines.len() as u64,
        sent,
        "every create the sandbox received has its result line"
    );
    assert_eq!(w.contacts().len() as u64, sent);
    let summary = format!("60 rows: {} ok, 0 failed, {} not run in ", sent, 60 - sent);
    assert!(stderr.contains(&summary), "{stderr}");
    for secret in w.secrets() {
        assert!(!stderr.contains(&secret) && !lines.iter().any(|l| l.contains(&secret)));
    }
}

#[test]
fn batch_flags_are_checked_before_anything_runs() {
    let w = World::start();
    write_rows(&w, "rows.jsonl", &[json!({"contactId": "a"})]);
    let out = bulk(&w, "get_contact", "rows.jsonl", &["-i", "contactId=b"]);
    assert_eq!(out.code, 2, "--batch with --input is a usage error");
    let out = bulk(&w, "get_contact", "rows.jsonl", &["--concurrency", "0"]);
    assert_eq!(out.code, 2);
    let out = w.run_action("get_contact", USER_PROFILE, &["--ordered"]);
    assert_eq!(out.code, 2, "--ordered needs --batch");
    assert!(out.stderr.contains("--batch <FILE>"), "{}", out.stderr);
    let out = w.run_action(
        "get_contact",
        USER_PROFILE,
        &["-i", "contactId=b", "--resume", "r.jsonl"],
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: --ordered, --skip-invalid and --resume need --batch FILE\n"
    );
    let out = bulk(&w, "get_contact", "missing.jsonl", &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.starts_with("error: cannot read missing.jsonl: "));
    write_text(&w, "broken.json", "[{\"contactId\": \"a\"},\n");
    let out = bulk(&w, "get_contact", "broken.json", &[]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: broken.json: not a JSON array of input objects: EOF while parsing a value (line 2, column 0)\n"
    );
    assert_eq!(w.requests(), 0);
}

#[test]
fn rows_can_come_from_standard_input_as_a_json_array() {
    let w = World::start();
    w.login(USER_PROFILE);
    let rows = write_text(
        &w,
        "rows.json",
        "[\n  {\"email\": \"in1@example.com\"},\n  {\"email\": \"in2@example.com\"}\n]\n",
    );
    let specs = w.specs_dir().display().to_string();
    let mut cmd = w.command([
        "run",
        "create_contact",
        "--profile",
        USER_PROFILE,
        "--specs",
        &specs,
        "--batch",
        "-",
        "--ordered",
    ]);
    cmd.stdin(std::fs::File::open(rows).expect("rows"));
    let out = w.run_command(cmd);
    out.assert_ok();
    let results = results(&out);
    assert_eq!(lines_of(&results), [1, 2]);
    assert_eq!(results[1]["output"]["email"], "in2@example.com");
    assert_eq!(w.contacts().len(), 2);
    w.assert_no_secret_printed();
}
