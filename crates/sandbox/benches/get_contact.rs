//! Requests per second the sandbox answers for `GET /contacts/{contactId}`, rate limit off:
//! the ceiling against which the runner's throughput is measured.
//!
//!   cargo bench -p integ-sandbox --bench get_contact [-- --seconds 5 --connections 8]
//!
//! The sandbox runs on its own runtime (two workers, as `SandboxThread` gives it), the client
//! on another; both share the machine, as they do when the runner is measured.

use std::time::{Duration, Instant};

use integ_sandbox::{Config, SandboxThread};

struct Options {
    seconds: f64,
    connections: usize,
}

fn options() -> Options {
    let mut options = Options {
        seconds: 5.0,
        connections: 8,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                options.seconds = args.next().and_then(|v| v.parse().ok()).unwrap_or(5.0)
            }
            "--connections" => {
                options.connections = args.next().and_then(|v| v.parse().ok()).unwrap_or(8)
            }
            _ => {} // `cargo bench` passes `--bench`; anything else is ignored too
        }
    }
    options
}

fn main() {
    let options = options();
    let sandbox = SandboxThread::start(Config {
        rate_limit: false,
        ..Config::default()
    })
    .expect("sandbox starts");
    let location = sandbox.locations()[0].id.clone();
    let token = sandbox.issue_token(&location, &[]).expect("token")["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let contact = sandbox.seed_contact(
        &location,
        serde_json::json!({"firstName": "Bench", "lastName": "Mark", "email": "bench@example.com",
                           "tags": ["a", "b"], "phone": "+14155550100"}),
    );
    let url = format!(
        "{}/contacts/{}",
        sandbox.base_url(),
        contact["id"].as_str().unwrap()
    );

    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.connections)
        .build()
        .expect("client");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let run = |duration: Duration| {
        runtime.block_on(async {
            let deadline = Instant::now() + duration;
            let workers: Vec<_> = (0..options.connections)
                .map(|_| {
                    let (client, url, token) = (client.clone(), url.clone(), token.clone());
                    tokio::spawn(async move {
                        let mut latencies = Vec::new();
                        while Instant::now() < deadline {
                            let started = Instant::now();
                            let response = client
                                .get(&url)
                                .bearer_auth(&token)
                                .header("Version", "2021-07-28")
                                .send()
                                .await
                                .expect("answered");
                            assert_eq!(response.status(), 200);
                            response.bytes().await.expect("body");
                            latencies.push(started.elapsed());
                        }
                        latencies
                    })
                })
                .collect();
            let mut all = Vec::new();
            for worker in workers {
                all.extend(worker.await.expect("worker"));
            }
            all
        })
    };

    run(Duration::from_millis(500)); // warm-up: connections, allocator, caches
    let started = Instant::now();
    let mut latencies = run(Duration::from_secs_f64(options.seconds));
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    println!(
        "GET /contacts/{{contactId}}: {:.0} requests/s ({} requests in {elapsed:.2} s, {} connections, rate limit off)",
        latencies.len() as f64 / elapsed,
        latencies.len(),
        options.connections,
    );
    println!(
        "latency: p50 {:?}, p99 {:?}, max {:?}",
        pct(0.5),
        pct(0.99),
        latencies[latencies.len() - 1]
    );
    assert_eq!(
        sandbox.stats().requests("GET", "/contacts/{contactId}"),
        sandbox.stats().total_requests,
        "every request reached the route"
    );
}
