//! The executor's bounds, against the sandbox over real HTTP: a retry loop always ends,
//! by attempts or by total wait, and says which.

use std::path::Path;
use std::time::Duration;

use integ_runner::execute::{ExecError, RetryPolicy, Sender, StaticToken};
use integ_runner::ratelimit::RateLimiter;
use integ_runner::run::Target;
use integ_runner::secret::Secret;
use integ_sandbox::{Config, Faults, SandboxThread};
use integ_spec::compile::{self, Bundle};
use serde_json::{Map, Value, json};

struct Setup {
    sandbox: SandboxThread,
    bundle: Bundle,
    token: Map<String, Value>,
    contact_id: String,
}

fn setup(config: Config) -> Setup {
    let sandbox = SandboxThread::start(config).expect("sandbox");
    let location = sandbox.locations()[0].id.clone();
    let token = sandbox.issue_token(&location, &[]).expect("token");
    let contact = sandbox.seed_contact(&location, json!({"email": "bounds@example.com"}));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let loaded = integ_spec::load_paths(&[root]).expect("load");
    let mut bundle = compile::compile(&loaded.workspace).expect("compile");
    for p in bundle.profiles.values_mut() {
        p.base_url = sandbox.base_url();
    }
    Setup {
        sandbox,
        bundle,
        token: token.as_object().cloned().unwrap_or_default(),
        contact_id: contact["id"].as_str().expect("id").to_string(),
    }
}

fn get_contact(s: &Setup, policy: &RetryPolicy) -> Result<u32, ExecError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        let target =
            Target::find(&s.bundle, "get_contact", "highlevel-custom-user").expect("target");
        let inputs: Map<String, Value> =
            [("contactId".to_string(), Value::String(s.contact_id.clone()))]
                .into_iter()
                .collect();
        let env = |_: &str| None;
        let prepared = target
            .prepare(&inputs, Some(&s.token), &env)
            .expect("prepare");
        let access = s.token["access_token"]
            .as_str()
            .expect("access_token")
            .to_string();
        let creds = StaticToken(Secret::new(access));
        let client = integ_runner::http::client().expect("client");
        let limiter = RateLimiter::unlimited();
        let sender = Sender {
            client: &client,
            credentials: &creds,
            send_credentials: true,
            idempotent: true,
            limiter: &limiter,
            limit_key: "k".into(),
            policy,
        };
        sender
            .send(&prepared.send, |_| {})
            .await
            .map(|r| r.attempts)
    })
}

#[test]
fn retries_stop_after_max_attempts() {
    let s = setup(Config::default());
    s.sandbox.set_faults(Faults {
        error_rate: 1.0,
        error_statuses: vec![502],
        ..Faults::default()
    });
    let policy = RetryPolicy {
        max_attempts: 3,
        base_backoff: Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    match get_contact(&s, &policy) {
        Err(ExecError::GaveUp { attempts, last, .. }) => {
            assert_eq!(attempts, 3);
            assert_eq!(last, "502 Bad Gateway");
        }
        other => panic!("expected GaveUp, got {other:?}"),
    }
    assert_eq!(
        s.sandbox.stats().requests("GET", "/contacts/{contactId}"),
        3
    );
}

#[test]
fn a_429_that_asks_for_more_than_the_wait_budget_ends_at_once() {
    let s = setup(Config {
        burst_max: 1,
        burst_window: Duration::from_secs(30),
        ..Config::default()
    });
    let policy = RetryPolicy {
        max_total_wait: Duration::from_secs(2),
        ..RetryPolicy::default()
    };
    assert_eq!(get_contact(&s, &policy).expect("first is in budget"), 1);
    match get_contact(&s, &policy) {
        Err(ExecError::GaveUp {
            attempts,
            waited,
            last,
        }) => {
            assert_eq!(attempts, 1);
            assert_eq!(
                waited,
                Duration::ZERO,
                "it did not sleep for a wait it could not afford"
            );
            assert!(
                last.starts_with("429 Too Many Requests (the next wait"),
                "{last}"
            );
        }
        other => panic!("expected GaveUp, got {other:?}"),
    }
    assert_eq!(s.sandbox.stats().rate_limited, 1);
}

#[test]
fn the_422_message_array_is_kept_whole() {
    let s = setup(Config::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let err = rt.block_on(async {
        // update_contact with a locationId in the query, as the naive profile sends it.
        let mut bundle = s.bundle.clone();
        for p in bundle.profiles.values_mut() {
            for f in &mut p.fields {
                f.except = None;
            }
        }
        let target =
            Target::find(&bundle, "update_contact", "highlevel-custom-user").expect("target");
        let inputs: Map<String, Value> = [
            ("contactId".to_string(), Value::String(s.contact_id.clone())),
            ("firstName".to_string(), Value::String("X".into())),
        ]
        .into_iter()
        .collect();
        let env = |_: &str| None;
        let prepared = target
            .prepare(&inputs, Some(&s.token), &env)
            .expect("prepare");
        assert!(
            prepared
                .send
                .url
                .query()
                .is_some_and(|q| q.starts_with("locationId="))
        );
        let creds = StaticToken(Secret::new(
            s.token["access_token"].as_str().unwrap_or_default(),
        ));
        let client = integ_runner::http::client().expect("client");
        let limiter = RateLimiter::unlimited();
        let policy = RetryPolicy::default();
        let sender = Sender {
            client: &client,
            credentials: &creds,
            send_credentials: true,
            idempotent: true,
            limiter: &limiter,
            limit_key: "k".into(),
            policy: &policy,
        };
        sender.send(&prepared.send, |_| {}).await.expect_err("422")
    });
    match err {
        ExecError::Api {
            status,
            messages,
            attempts,
            ..
        } => {
            assert_eq!(status, 422);
            assert_eq!(
                messages,
                vec!["property locationId should not exist".to_string()]
            );
            assert_eq!(attempts, 1, "a 422 is not retried");
        }
        other => panic!("expected Api, got {other:?}"),
    }
}
