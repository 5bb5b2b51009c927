//! `SandboxThread`: the sandbox for synchronous tests, on its own thread and runtime.

use std::io::{Read, Write};
use std::net::TcpStream;

use integ_sandbox::{Config, Faults, SandboxThread};

fn raw_get(addr: std::net::SocketAddr, path: &str, token: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Version: 2021-07-28\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[test]
fn a_thread_sandbox_serves_until_dropped() {
    let sandbox = SandboxThread::start(Config::default()).unwrap();
    assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
    let locations = sandbox.locations();
    assert!(locations.len() >= 2);
    assert_eq!(locations[0].company_id(), sandbox.company_id());

    let token = sandbox.issue_token(&locations[0].id, &[]).unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let contact = sandbox.seed_contact(&locations[0].id, serde_json::json!({"firstName": "T"}));
    let path = format!("/contacts/{}", contact["id"].as_str().unwrap());
    let answer = raw_get(sandbox.addr(), &path, &token);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"firstName\":\"T\""), "{answer}");

    sandbox.set_faults(Faults {
        error_next: 1,
        error_statuses: vec![502],
        ..Faults::default()
    });
    assert!(raw_get(sandbox.addr(), &path, &token).starts_with("HTTP/1.1 502"));
    assert_eq!(sandbox.stats().injected_errors, 1);
    assert_eq!(sandbox.contacts(&locations[0].id).len(), 1);

    let addr = sandbox.addr();
    drop(sandbox);
    assert!(TcpStream::connect(addr).is_err(), "stopped on drop");
}

#[test]
fn a_taken_port_is_an_error_not_a_hang() {
    let first = SandboxThread::start(Config::default()).unwrap();
    let second = SandboxThread::start_on(first.addr(), Config::default());
    assert!(second.is_err());
}
