//! `integ_runner::bulk`: reading rows and earlier results, checking rows before anything
//! is sent, the scheduler (concurrency, order, stopping), and a whole batch against the
//! sandbox over real HTTP with one shared session.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use integ_runner::auth::{self, FileTokenStore, Interaction, Secret, Session, StoredToken};
use integ_runner::bulk::{
    self, Batch, CheckError, Checker, Done, Layout, Live, Options, Planned, Row, RowResult, Status,
    Tally,
};
use integ_runner::run::{RunError, Runtime, Target};
use integ_sandbox::{Config, SandboxThread};
use integ_spec::compile::{self, Bundle};
use serde_json::{Map, Value, json};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("an object")
}

#[test]
fn json_lines_keep_their_line_numbers_and_skip_blank_lines() {
    let text = "\u{feff}{\"a\": 1}\r\n\r\n  \n{\"b\": 2}\n[1]\n{oops\n\"s\"\n";
    let batch = bulk::parse_rows(text).expect("rows");
    assert_eq!(batch.layout, Layout::Lines);
    assert_eq!(
        batch.rows,
        vec![
            Row {
                line: 1,
                inputs: Ok(obj(json!({"a": 1})))
            },
            Row {
                line: 4,
                inputs: Ok(obj(json!({"b": 2})))
            },
            Row {
                line: 5,
                inputs: Err("expected a JSON object of inputs, found an array".into())
            },
            Row {
                line: 6,
                inputs: Err("not JSON: key must be a string (column 2)".into())
            },
            Row {
                line: 7,
                inputs: Err("expected a JSON object of inputs, found a string".into())
            },
        ]
    );
    assert_eq!(Layout::Lines.locate("rows.jsonl", 6), "rows.jsonl:6");
}

#[test]
fn a_json_array_numbers_its_items_from_one() {
    let batch = bulk::parse_rows("  [\n {\"a\": 1},\n null\n]").expect("rows");
    assert_eq!(
        batch,
        Batch {
            layout: Layout::Array,
            rows: vec![
                Row {
                    line: 1,
                    inputs: Ok(obj(json!({"a": 1})))
                },
                Row {
                    line: 2,
                    inputs: Err("expected a JSON object of inputs, found null".into())
                },
            ],
        }
    );
    assert_eq!(Layout::Array.locate("rows.json", 2), "rows.json: item 2");
    assert_eq!(
        bulk::parse_rows("[{\"a\": 1}, {\"b\"}]")
            .expect_err("broken")
            .to_string(),
        "not a JSON array of input objects: expected `:` (line 1, column 16)"
    );
    assert_eq!(bulk::parse_rows("").expect("empty").rows, vec![]);
}

#[test]
fn resume_reads_ok_rows_from_every_results_file_and_counts_torn_lines() {
    let mut done = Done::default();
    bulk::done_rows(
        "{\"line\":1,\"status\":\"ok\",\"http\":201}\n{\"line\":2,\"status\":\"failed\",\"http\":500}\n\n{\"line\":3,\"sta",
        &mut done,
    );
    bulk::done_rows(
        "{\"line\":2,\"status\":\"ok\"}\n{\"status\":\"ok\"}\n",
        &mut done,
    );
    assert_eq!(done.lines.into_iter().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(done.unreadable, 1);
}

fn shipped() -> Bundle {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let loaded = integ_spec::load_paths(&[root]).expect("load");
    compile::compile(&loaded.workspace).expect("compile")
}

fn row_error(checker: &Checker, inputs: Value) -> String {
    match checker.check(&obj(inputs), None, &|_| None) {
        Err(CheckError::Row(m)) => m,
        other => panic!("expected a row error, got {other:?}"),
    }
}

#[test]
fn rows_are_checked_as_a_single_run_checks_its_inputs() {
    let bundle = shipped();
    let get = Target::find(&bundle, "get_contact", "highlevel-custom-user").expect("target");
    let checker = Checker::new(get).expect("checker");
    assert_eq!(
        row_error(&checker, json!({})),
        "missing required input contactId"
    );
    assert_eq!(
        row_error(&checker, json!({"contactid": "x"})),
        "missing required input contactId; unknown input contactid (did you mean contactId?)"
    );
    assert_eq!(
        row_error(&checker, json!({"contactId": ""})),
        "input contactId: \"\" is shorter than 1 character"
    );
    assert_eq!(
        row_error(&checker, json!({"contactId": ".."})),
        "`..` cannot be a path parameter (empty, `.` and `..` would change the path)"
    );
    let p = checker
        .check(&obj(json!({"contactId": "c 1"})), None, &|_| None)
        .expect("a valid row");
    assert_eq!(
        p.shown.url.as_str(),
        "https://services.leadconnectorhq.com/contacts/c%201?locationId=%3Ctoken.locationId%3E"
    );

    let create = Target::find(&bundle, "create_contact", "highlevel-custom-user").expect("t");
    let checker = Checker::new(create).expect("checker");
    assert_eq!(
        row_error(&checker, json!({"email": "nope", "tags": "vip"})),
        "input email: \"nope\" is not a \"email\"; input tags: \"vip\" is not of type \"array\""
    );
}

#[test]
fn a_problem_no_row_can_get_past_stops_the_check() {
    let mut bundle = shipped();
    for p in bundle.profiles.values_mut() {
        p.base_url = "http://api.example.com".into();
    }
    let get = Target::find(&bundle, "get_contact", "highlevel-custom-user").expect("target");
    let checker = Checker::new(get).expect("checker");
    match checker.check(&obj(json!({"contactId": "x"})), None, &|_| None) {
        Err(CheckError::Fatal(e)) => {
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains("api.example.com"), "{e}");
        }
        other => panic!("expected a fatal error, got {other:?}"),
    }
    let batch = bulk::parse_rows("{\"contactId\": \"x\"}\n").expect("rows");
    assert!(matches!(
        bulk::plan(batch, &Done::default(), &checker, &|_| None),
        Err(RunError::Build(_))
    ));
}

#[test]
fn the_plan_leaves_out_done_rows_and_keeps_invalid_ones_with_their_reason() {
    let bundle = shipped();
    let get = Target::find(&bundle, "get_contact", "highlevel-custom-user").expect("target");
    let checker = Checker::new(get).expect("checker");
    let batch = bulk::parse_rows(
        "{\"contactId\": \"a\"}\n{\"contactId\": \"b\"}\n{}\n7\n{\"contactId\": \"e\"}\n",
    )
    .expect("rows");
    let mut done = Done::default();
    bulk::done_rows("{\"line\":2,\"status\":\"ok\"}\n", &mut done);
    let plan = bulk::plan(batch, &done, &checker, &|_| None).expect("plan");
    assert_eq!((plan.total, plan.skipped), (5, 1));
    assert_eq!(
        plan.items.iter().map(|p| p.line).collect::<Vec<_>>(),
        [1, 3, 4, 5]
    );
    assert_eq!(
        plan.invalid().collect::<Vec<_>>(),
        [
            (3, "missing required input contactId"),
            (4, "expected a JSON object of inputs, found a number")
        ]
    );
}

#[test]
fn a_result_is_one_json_line_with_every_key() {
    assert_eq!(
        RowResult::ok(3, 201, json!({"id": "c1"})).to_json_line(),
        r#"{"line":3,"status":"ok","http":201,"output":{"id":"c1"},"error":null}"#
    );
    assert_eq!(
        RowResult::invalid(4, "missing required input contactId").to_json_line(),
        r#"{"line":4,"status":"failed","http":null,"output":null,"error":"invalid input: missing required input contactId"}"#
    );
}

#[test]
fn the_summary_says_what_happened() {
    let mut t = Tally {
        total: 1000,
        ok: 998,
        failed: 2,
        elapsed: Duration::from_millis(12_340),
        ..Tally::default()
    };
    assert_eq!(
        t.to_string(),
        "1000 rows: 998 ok, 2 failed in 12.3 s (81 rows/s)"
    );
    t.skipped = 5;
    t.not_run = 7;
    t.retries = 1;
    assert_eq!(
        t.to_string(),
        "1000 rows: 998 ok, 2 failed, 5 skipped (ok in an earlier run), 7 not run in 12.3 s (81 rows/s); 1 retry"
    );
    assert!(!t.all_ok());
    let none = Tally {
        total: 1,
        ..Tally::default()
    };
    assert_eq!(none.to_string(), "1 row: 0 ok, 0 failed in 0.0 s");
}

fn items(n: u64) -> Vec<Planned> {
    (1..=n)
        .map(|line| Planned {
            line,
            job: Ok(Map::new()),
        })
        .collect()
}

/// Runs `items` with a fake row that yields `yields` times (so rows overlap) and reports
/// the most rows in flight at once.
async fn fake_run(
    items: &[Planned],
    opts: Options,
    stop: &AtomicBool,
    on_result: impl FnMut(RowResult),
    fail: impl Fn(u64) -> Option<bool>,
) -> (Tally, usize) {
    let in_flight = Cell::new(0usize);
    let most = Cell::new(0usize);
    let tally = bulk::run_rows(
        items,
        opts,
        stop,
        |item: &Planned| {
            let (in_flight, most, fail) = (&in_flight, &most, &fail);
            async move {
                in_flight.set(in_flight.get() + 1);
                most.set(most.get().max(in_flight.get()));
                for _ in 0..3 {
                    tokio::task::yield_now().await;
                }
                in_flight.set(in_flight.get() - 1);
                match fail(item.line) {
                    None => RowResult::ok(item.line, 200, Value::Null),
                    Some(stops) => {
                        let mut r = RowResult::invalid(item.line, "x");
                        r.stops_the_run = stops;
                        r
                    }
                }
            }
        },
        on_result,
    )
    .await;
    (tally, most.get())
}

#[tokio::test]
async fn at_most_concurrency_rows_run_at_once_and_every_result_is_handed_over() {
    let items = items(25);
    let stop = AtomicBool::new(false);
    let mut seen = Vec::new();
    let (tally, most) = fake_run(
        &items,
        Options {
            concurrency: 4,
            ordered: false,
        },
        &stop,
        |r| seen.push(r.line),
        |line| (line % 10 == 0).then_some(false),
    )
    .await;
    assert_eq!(most, 4);
    assert_eq!((tally.ok, tally.failed, tally.not_run), (23, 2, 0));
    seen.sort_unstable();
    assert_eq!(seen, (1..=25).collect::<Vec<_>>());
}

#[tokio::test]
async fn ordered_results_follow_the_input_even_when_a_later_row_ends_first() {
    let items = items(4);
    let release = tokio::sync::Notify::new();
    for ordered in [false, true] {
        let stop = AtomicBool::new(false);
        let mut seen = Vec::new();
        bulk::run_rows(
            &items,
            Options {
                concurrency: 2,
                ordered,
            },
            &stop,
            |item: &Planned| {
                let release = &release;
                async move {
                    // Row 1 waits until row 3 is done.
                    match item.line {
                        1 => release.notified().await,
                        3 => release.notify_one(),
                        _ => {}
                    }
                    RowResult::ok(item.line, 200, Value::Null)
                }
            },
            |r| seen.push(r.line),
        )
        .await;
        if ordered {
            assert_eq!(seen, [1, 2, 3, 4]);
        } else {
            // Row 3's worker goes on to row 4 before row 1's is woken.
            assert_eq!(seen, [2, 3, 4, 1]);
        }
    }
}

#[tokio::test]
async fn a_stop_starts_no_new_row_and_keeps_the_results_of_started_ones() {
    let items = items(50);
    let stop = AtomicBool::new(false);
    let mut seen = 0;
    let (tally, _) = fake_run(
        &items,
        Options {
            concurrency: 3,
            ordered: true,
        },
        &stop,
        |_| {
            seen += 1;
            if seen == 5 {
                stop.store(true, Ordering::SeqCst);
            }
        },
        |_| None,
    )
    .await;
    // Rows 1..=3 started together; each finished row started the next until the stop.
    assert_eq!(tally.ok, seen);
    assert!((5..=7).contains(&seen), "{seen}");
    assert_eq!(tally.not_run, 50 - seen);

    // A failure that no later row can get past stops the run by itself.
    let stop = AtomicBool::new(false);
    let (tally, _) = fake_run(
        &items,
        Options {
            concurrency: 1,
            ordered: false,
        },
        &stop,
        |_| {},
        |line| (line == 4).then_some(true),
    )
    .await;
    assert_eq!((tally.ok, tally.failed, tally.not_run), (3, 1, 46));
    assert!(stop.load(Ordering::SeqCst));
}

/// The shipped specs with the user profile's OAuth URLs and base URL on the sandbox.
fn sandbox_bundle(sandbox: &SandboxThread, dir: &Path) -> Bundle {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/highlevel");
    let base = sandbox.base_url();
    for sub in ["actions", "profiles"] {
        std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
        for entry in std::fs::read_dir(root.join(sub)).expect("read dir") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read");
            let text = text
                .replace("https://marketplace.gohighlevel.com", &base)
                .replace("https://services.leadconnectorhq.com", &base);
            std::fs::write(dir.join(sub).join(path.file_name().expect("name")), text)
                .expect("write");
        }
    }
    std::fs::copy(root.join("provider.yaml"), dir.join("provider.yaml")).expect("provider");
    let loaded = integ_spec::load_paths(&[PathBuf::from(dir)]).expect("load");
    let mut bundle = compile::compile(&loaded.workspace).expect("compile");
    for p in bundle.profiles.values_mut() {
        p.base_url = base.clone();
    }
    bundle
}

#[test]
fn a_batch_shares_one_session_so_an_expiring_token_is_refreshed_once() {
    let sandbox = SandboxThread::start(Config::default()).expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = sandbox_bundle(&sandbox, &dir.path().join("specs"));
    let target = Target::find(&bundle, "get_contact", "highlevel-custom-user").expect("target");
    let env = |name: &str| match name {
        "HL_CLIENT_ID" => Some("sandbox-client".to_string()),
        "HL_CLIENT_SECRET" => Some("sandbox-secret".to_string()),
        _ => None,
    };
    let config = target.oauth_config(&env).expect("oauth config");
    let location = sandbox.locations()[0].id.clone();

    // A stored login whose access token expires within the refresh margin.
    let body = sandbox.issue_token(&location, &[]).expect("token");
    let now = auth::now_unix();
    let store = FileTokenStore::new(dir.path().join("state"));
    let token = StoredToken {
        version: 1,
        key: config.key(None),
        token_url: config.token_url.to_string(),
        client_id: config.client_id.clone(),
        access_token: Secret::new(body["access_token"].as_str().expect("access")),
        token_type: "Bearer".into(),
        refresh_token: Some(Secret::new(
            body["refresh_token"].as_str().expect("refresh"),
        )),
        expires_at: Some(now + 5),
        obtained_at: now,
        scopes: vec!["contacts.readonly".into(), "contacts.write".into()],
        metadata: ["locationId", "companyId", "userType", "userId"]
            .into_iter()
            .filter_map(|k| body.get(k).map(|v| (k.to_string(), v.clone())))
            .collect(),
    };
    use integ_runner::auth::TokenStore;
    store.save(&token.key, &token).expect("save");

    let rows: String = (1..=30)
        .map(|i| {
            let c = sandbox.seed_contact(&location, json!({"email": format!("s{i}@example.com")}));
            format!("{}\n", json!({"contactId": c["id"]}))
        })
        .collect();
    let batch = bulk::parse_rows(&rows).expect("rows");
    let checker = Checker::new(target).expect("checker");
    let plan = bulk::plan(batch, &Done::default(), &checker, &env).expect("plan");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let results = rt.block_on(async {
        let runtime = Runtime::with_store(Arc::new(store.clone()), None).expect("runtime");
        let session = Session::open(config, Arc::new(store.clone()), None, Interaction::None)
            .await
            .expect("session");
        let live = Live {
            runtime: &runtime,
            target,
            session: &session,
            env: &env,
            on_event: &|_, _| {},
        };
        let mut results = Vec::new();
        let stop = AtomicBool::new(false);
        let work = bulk::run_batch(
            &live,
            &plan,
            Options {
                concurrency: 6,
                ordered: true,
            },
            &stop,
            |r| results.push(r),
        );
        let tally = tokio::time::timeout(Duration::from_secs(60), work)
            .await
            .expect("the batch ends");
        assert_eq!((tally.total, tally.ok, tally.failed), (30, 30, 0));
        results
    });
    assert_eq!(
        results.iter().map(|r| r.line).collect::<Vec<_>>(),
        (1..=30).collect::<Vec<_>>()
    );
    assert!(results.iter().all(|r| r.status == Status::Ok));
    assert!(
        results[0].output["email"]
            .as_str()
            .is_some_and(|e| e == "s1@example.com")
    );
    let stats = sandbox.stats();
    assert_eq!(stats.token_requests("refresh_token"), 1);
    assert_eq!(stats.requests("GET", "/contacts/{contactId}"), 30);
}
