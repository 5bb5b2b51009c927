//! The executor against servers that misbehave on purpose, on loopback: one that accepts
//! and never answers, one that redirects to another host, and 200s whose body is not JSON
//! or is 10 MB (docs/decisions/0018-hardening.md).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use integ_runner::execute::{
    ExecError, MAX_RESPONSE_BYTES, Response, RetryPolicy, Sender, StaticToken,
};
use integ_runner::ratelimit::RateLimiter;
use integ_runner::request::BuiltRequest;
use integ_runner::secret::Secret;
use integ_spec::model::HttpMethod;

const TOKEN: &str = "hardening-access-token-123";

/// A server on `ip`:0 that hands each connection (after reading the request head) to
/// `answer`; counts the connections. Threads end with the test process.
fn serve(
    ip: &str,
    answer: impl Fn(TcpStream, String) + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind((ip, 0)).expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                answer(stream, String::from_utf8_lossy(&head).into_owned());
            });
        }
    });
    (base, count)
}

fn get(url: &str) -> BuiltRequest {
    BuiltRequest {
        method: HttpMethod::Get,
        url: url.parse().expect("url"),
        headers: vec![("Accept".into(), "application/json".into())],
        body: None,
    }
}

fn send(
    req: &BuiltRequest,
    client: reqwest::Client,
    policy: RetryPolicy,
) -> Result<Response, ExecError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        let creds = StaticToken(Secret::new(TOKEN));
        let limiter = RateLimiter::unlimited();
        let sender = Sender {
            client: &client,
            credentials: &creds,
            send_credentials: true,
            idempotent: true,
            limiter: &limiter,
            limit_key: "k".into(),
            policy: &policy,
        };
        // Whatever the executor does, the test ends.
        tokio::time::timeout(Duration::from_secs(60), sender.send(req, |_| {}))
            .await
            .expect("the executor returned within 60 s")
    })
}

fn ok(mut stream: TcpStream, content_type: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

#[test]
fn a_server_that_never_answers_uses_up_the_wait_budget_not_every_attempt() {
    // Accepts, reads the request, and holds the connection open without a word.
    let (base, connections) = serve("127.0.0.1", |stream, _| {
        std::thread::sleep(Duration::from_secs(120));
        drop(stream);
    });
    let client = integ_runner::http::builder()
        .timeout(Duration::from_millis(400))
        .build()
        .expect("client");
    let policy = RetryPolicy {
        max_total_wait: Duration::from_secs(1),
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    match send(&get(&format!("{base}/contacts/c1")), client, policy) {
        Err(ExecError::GaveUp { attempts, last, .. }) => {
            // Each attempt costs at least the 400 ms timeout, so a 1 s budget allows at
            // most three; before the fix all eight ran (8 x the timeout).
            assert!(attempts <= 3, "{attempts} attempts");
            assert!(last.starts_with("timed out (the next wait"), "{last}");
        }
        other => panic!("expected GaveUp, got {other:?}"),
    }
    assert!(connections.load(Ordering::SeqCst) <= 3);
}

#[test]
fn a_redirect_to_another_host_is_not_followed_and_carries_no_token() {
    let (other, other_connections) = serve("127.0.0.2", |stream, _| {
        ok(stream, "application/json", b"{}");
    });
    let heads = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = heads.clone();
    let target = format!("{other}/steal");
    let (base, _) = serve("127.0.0.1", move |mut stream, head| {
        seen.lock().unwrap().push(head);
        let _ = stream.write_all(
            format!(
                "HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        );
    });
    let client = integ_runner::http::client().expect("client");
    match send(
        &get(&format!("{base}/contacts/c1")),
        client,
        RetryPolicy::default(),
    ) {
        Err(ExecError::Api {
            status, attempts, ..
        }) => {
            assert_eq!(status, 302);
            assert_eq!(attempts, 1);
        }
        other => panic!("expected the 302 as an error, got {other:?}"),
    }
    assert_eq!(other_connections.load(Ordering::SeqCst), 0);
    let heads = heads.lock().unwrap();
    assert_eq!(heads.len(), 1);
    assert!(heads[0].contains(&format!("authorization: Bearer {TOKEN}")));
}

#[test]
fn a_200_that_is_not_json_is_kept_as_text() {
    let (base, _) = serve("127.0.0.1", |stream, _| {
        ok(stream, "text/html", b"<html>maintenance</html>");
    });
    let client = integ_runner::http::client().expect("client");
    let r = send(&get(&format!("{base}/x")), client, RetryPolicy::default()).expect("200");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, serde_json::json!("<html>maintenance</html>"));
}

#[test]
fn a_10_mb_200_is_read_whole() {
    let (base, _) = serve("127.0.0.1", |stream, _| {
        let mut body = b"{\"blob\":\"".to_vec();
        body.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
        body.extend(b"\"}");
        ok(stream, "application/json", &body);
    });
    let client = integ_runner::http::client().expect("client");
    let r = send(&get(&format!("{base}/x")), client, RetryPolicy::default()).expect("200");
    assert_eq!(
        r.body["blob"].as_str().map(str::len),
        Some(10 * 1024 * 1024)
    );
}

#[test]
fn a_body_over_the_limit_is_refused_not_read() {
    // Declared too large: refused from the header, before the body.
    let (declared, _) = serve("127.0.0.1", |mut stream, _| {
        let _ = stream.write_all(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{",
                MAX_RESPONSE_BYTES + 1
            )
            .as_bytes(),
        );
        std::thread::sleep(Duration::from_secs(30));
    });
    // Not declared (read until close): refused once the limit is passed.
    let (streamed, _) = serve("127.0.0.1", |mut stream, _| {
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
        );
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..(MAX_RESPONSE_BYTES >> 20) + 2 {
            if stream.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    for base in [declared, streamed] {
        let client = integ_runner::http::client().expect("client");
        match send(&get(&format!("{base}/x")), client, RetryPolicy::default()) {
            Err(
                e @ ExecError::TooLarge {
                    status: 200,
                    attempts: 1,
                },
            ) => assert_eq!(
                e.to_string(),
                "the response (200) is larger than 64 MiB; not read (after 1 attempt)"
            ),
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }
}

#[test]
fn an_error_body_that_quotes_the_token_is_printed_without_it() {
    let (base, _) = serve("127.0.0.1", |mut stream, _| {
        let body = format!(
            "{{\"statusCode\":400,\"message\":[\"token {TOKEN} is not valid here\"],\"echo\":{{\"authorization\":\"Bearer {TOKEN}\"}}}}"
        );
        let _ = stream.write_all(
            format!(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
    });
    let client = integ_runner::http::client().expect("client");
    let err = send(&get(&format!("{base}/x")), client, RetryPolicy::default()).expect_err("400");
    assert_eq!(
        err.to_string(),
        "400 Bad Request: token *** is not valid here"
    );
    let ExecError::Api { body, .. } = err else {
        panic!("expected Api")
    };
    assert_eq!(body["echo"]["authorization"], "Bearer ***");
    assert!(!body.to_string().contains(TOKEN));
}
