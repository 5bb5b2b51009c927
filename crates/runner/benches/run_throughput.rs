//! The runner's throughput against the sandbox with its rate limit off: `get_contact`
//! from the shipped specs, each request checked, built and sent the way `integ run` does
//! (input validation, templates, auth fields, retry policy, limiter), over real HTTP on
//! 127.0.0.1. Prints requests per second at several concurrencies; asserts nothing.
//!
//!   cargo bench -p integ-runner --bench run_throughput        (or: bash benches/run.sh)
//!   RUN_BENCH_REQUESTS=20000 cargo bench -p integ-runner --bench run_throughput

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use integ_runner::execute::{RetryPolicy, Sender, StaticToken};
use integ_runner::ratelimit::RateLimiter;
use integ_runner::run::Target;
use integ_runner::secret::Secret;
use integ_sandbox::{Config, SandboxThread};
use integ_spec::compile::{self, Bundle};
use serde_json::{Map, Value, json};

const PROFILE: &str = "highlevel-custom-user";

fn main() {
    let total: usize = std::env::var("RUN_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    let sandbox = SandboxThread::start(Config {
        rate_limit: false,
        ..Config::default()
    })
    .expect("sandbox starts");
    let location = sandbox.locations()[0].id.clone();
    let token = sandbox.issue_token(&location, &[]).expect("token");
    let access = token["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    let metadata: Map<String, Value> = token.as_object().cloned().unwrap_or_default();
    let contact = sandbox.seed_contact(&location, json!({"email": "bench@example.com"}));
    let contact_id = contact["id"].as_str().expect("id").to_string();

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let loaded = integ_spec::load_paths(&[root]).expect("specs load");
    let mut bundle: Bundle = compile::compile(&loaded.workspace).expect("specs compile");
    for p in bundle.profiles.values_mut() {
        p.base_url = sandbox.base_url();
    }
    let bundle = Arc::new(bundle);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "runner -> sandbox, GET /contacts/{{id}} (get_contact), {total} requests per row, rate limit off"
    );
    for concurrency in [1usize, 4, 16] {
        let started = Instant::now();
        let failures = rt.block_on(async {
            let client = integ_runner::http::client().expect("client");
            let creds = Arc::new(StaticToken(Secret::new(access.clone())));
            let limiter = Arc::new(RateLimiter::unlimited());
            let mut tasks = tokio::task::JoinSet::new();
            for worker in 0..concurrency {
                let (bundle, client, creds, limiter) = (
                    bundle.clone(),
                    client.clone(),
                    creds.clone(),
                    limiter.clone(),
                );
                let (metadata, contact_id) = (metadata.clone(), contact_id.clone());
                let count = total / concurrency + usize::from(worker < total % concurrency);
                tasks.spawn(async move {
                    let target = Target::find(&bundle, "get_contact", PROFILE).expect("target");
                    let policy = RetryPolicy::default();
                    let inputs: Map<String, Value> =
                        [("contactId".to_string(), Value::String(contact_id))]
                            .into_iter()
                            .collect();
                    let env = |name: &str| std::env::var(name).ok();
                    let mut failures = 0usize;
                    for _ in 0..count {
                        let prepared = target
                            .prepare(&inputs, Some(&metadata), &env)
                            .expect("builds");
                        let sender = Sender {
                            client: &client,
                            credentials: creds.as_ref(),
                            send_credentials: prepared.credentials_allowed,
                            idempotent: target.action.idempotent,
                            limiter: limiter.as_ref(),
                            limit_key: "bench".to_string(),
                            policy: &policy,
                        };
                        if sender.send(&prepared.send, |_| {}).await.is_err() {
                            failures += 1;
                        }
                    }
                    failures
                });
            }
            let mut failures = 0;
            while let Some(r) = tasks.join_next().await {
                failures += r.unwrap_or(0);
            }
            failures
        });
        let secs = started.elapsed().as_secs_f64();
        println!(
            "  concurrency {concurrency:>2}: {:>8.0} requests/s  ({:.1} ms each on average, {failures} failed)",
            total as f64 / secs,
            secs * 1000.0 * concurrency as f64 / total as f64
        );
    }
}
