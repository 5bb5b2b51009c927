//! Retries and rate limits of `integ run`, with the sandbox's fault switches: idempotent
//! requests go through injected 503s and dropped connections, a POST is never sent twice,
//! and a 429 storm is waited out.

mod run_common;

use std::time::Duration;

use integ_sandbox::{Config, Faults};
use run_common::{USER_PROFILE, World};
use serde_json::Value;

fn faults(f: impl FnOnce(&mut Faults)) -> Faults {
    let mut faults = Faults {
        error_statuses: vec![503],
        ..Faults::default()
    };
    f(&mut faults);
    faults
}

fn create(w: &World, email: &str) -> String {
    let out = w.run_action(
        "create_contact",
        USER_PROFILE,
        &["-i", &format!("email={email}")],
    );
    out.assert_ok().json()["id"]
        .as_str()
        .expect("id")
        .to_string()
}

#[test]
fn get_put_delete_succeed_through_503s_and_dropped_connections() {
    let w = World::start();
    w.login(USER_PROFILE);
    let id = create(&w, "retry@example.com");
    let contact_id = format!("contactId={id}");

    // GET through two 503s.
    w.sandbox.set_faults(faults(|f| f.error_next = 2));
    let out = w.run_action("get_contact", USER_PROFILE, &["-i", &contact_id]);
    assert_eq!(out.assert_ok().json()["id"], id.as_str());
    assert_eq!(
        out.stderr
            .matches("retrying: 503 Service Unavailable")
            .count(),
        2,
        "{}",
        out.stderr
    );
    let stats = w.sandbox.stats();
    assert_eq!(stats.injected_errors, 2);
    assert_eq!(stats.requests("GET", "/contacts/{contactId}"), 3);

    // PUT through two dropped connections.
    w.sandbox.set_faults(faults(|f| f.drop_next = 2));
    w.run_action(
        "update_contact",
        USER_PROFILE,
        &["-i", &contact_id, "-i", "firstName=Retried"],
    )
    .assert_ok();
    assert_eq!(w.contacts()[0]["firstName"], "Retried");
    let stats = w.sandbox.stats();
    assert_eq!(stats.dropped_connections, 2);
    assert_eq!(stats.requests("PUT", "/contacts/{contactId}"), 3);

    // DELETE through a drop and a 503.
    w.sandbox.set_faults(faults(|f| {
        f.drop_next = 1;
        f.error_next = 1;
    }));
    w.run_action("delete_contact", USER_PROFILE, &["-i", &contact_id])
        .assert_ok();
    assert!(w.contacts().is_empty());
    assert_eq!(
        w.sandbox
            .stats()
            .requests("DELETE", "/contacts/{contactId}"),
        3
    );
    w.assert_no_secret_printed();
}

#[test]
fn a_post_create_is_never_sent_twice() {
    let w = World::start();
    w.login(USER_PROFILE);

    // A dropped connection: the POST may have been processed, so it is not retried.
    w.sandbox.set_faults(faults(|f| f.drop_next = 1));
    let out = w.run_action(
        "create_contact",
        USER_PROFILE,
        &["-i", "email=once@example.com"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("not retried"), "{}", out.stderr);
    assert_eq!(w.sandbox.stats().requests("POST", "/contacts/"), 1);

    // A 503: not retried either.
    w.sandbox.set_faults(faults(|f| f.error_next = 1));
    let out = w.run_action(
        "create_contact",
        USER_PROFILE,
        &["-i", "email=once@example.com"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("error: 503"), "{}", out.stderr);
    assert_eq!(w.sandbox.stats().requests("POST", "/contacts/"), 2);

    // Half the connections dropped: every email exists at most once.
    w.sandbox.set_faults(faults(|f| {
        f.drop_rate = 0.5;
        f.seed = Some(7);
    }));
    let mut created = 0;
    for i in 0..8 {
        let out = w.run_action(
            "create_contact",
            USER_PROFILE,
            &["-i", &format!("email=storm{i}@example.com")],
        );
        if out.code == 0 {
            created += 1;
        }
    }
    w.sandbox.set_faults(Faults::default());
    let contacts = w.contacts();
    assert_eq!(
        contacts.len(),
        created,
        "one contact per successful run, none twice"
    );
    for i in 0..8 {
        let email = format!("storm{i}@example.com");
        assert!(
            contacts
                .iter()
                .filter(|c| c["email"] == email.as_str())
                .count()
                <= 1
        );
    }
    assert_eq!(w.sandbox.stats().requests("POST", "/contacts/"), 2 + 8);

    // add_contact_tags is declared idempotent: a POST that may be retried.
    let id = create(&w, "tags@example.com");
    w.sandbox.set_faults(faults(|f| f.drop_next = 1));
    w.run_action(
        "add_contact_tags",
        USER_PROFILE,
        &["-i", &format!("contactId={id}"), "-i", r#"tags=["a"]"#],
    )
    .assert_ok();
    assert_eq!(
        w.sandbox
            .stats()
            .requests("POST", "/contacts/{contactId}/tags"),
        2
    );
    w.assert_no_secret_printed();
}

#[test]
fn a_429_storm_is_waited_out() {
    let w = World::start_with(Config {
        auto_approve: true,
        burst_max: 2,
        burst_window: Duration::from_secs(1),
        ..Config::default()
    });
    w.login(USER_PROFILE);
    let id = create(&w, "busy@example.com");
    for _ in 0..5 {
        let out = w.run_action(
            "get_contact",
            USER_PROFILE,
            &["-i", &format!("contactId={id}")],
        );
        assert_eq!(out.assert_ok().json()["id"], Value::String(id.clone()));
    }
    let stats = w.sandbox.stats();
    assert!(stats.rate_limited >= 1, "no 429 was provoked: {stats:?}");
    // Every 429 was answered by waiting and sending the same GET again.
    assert_eq!(
        stats.requests("GET", "/contacts/{contactId}"),
        5 + stats.rate_limited
    );
    w.assert_no_secret_printed();
}

#[test]
fn a_401_refreshes_the_token_once_and_retries() {
    let w = World::start();
    w.login(USER_PROFILE);
    let id = create(&w, "refresh@example.com");
    let old = w.access_tokens();
    assert_eq!(old.len(), 1);
    assert!(w.sandbox.expire_access_token(&old[0]));
    let refreshes = w.sandbox.stats().token_requests("refresh_token");

    let out = w.run_action(
        "get_contact",
        USER_PROFILE,
        &["-i", &format!("contactId={id}")],
    );
    assert_eq!(out.assert_ok().json()["id"], id.as_str());
    assert!(
        out.stderr.contains("refreshed it, retrying once"),
        "{}",
        out.stderr
    );
    assert_eq!(
        w.sandbox.stats().token_requests("refresh_token"),
        refreshes + 1
    );
    assert_eq!(w.sandbox.stats().status(401), 1);
    let new = w.access_tokens();
    assert_eq!(new.len(), 1);
    assert_ne!(new[0], old[0], "the new token was stored");
    w.assert_no_secret_printed();
}
