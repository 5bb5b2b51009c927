//! `integ run` end to end: the binary against the sandbox over real HTTP on 127.0.0.1, for
//! every shipped action, checking the sandbox's state afterwards, not just the exit code.

mod run_common;

use run_common::{NAIVE_PROFILE, USER_PROFILE, World};
use serde_json::{Value, json};

fn find<'a>(contacts: &'a [Value], id: &str) -> &'a Value {
    contacts
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("contact {id} not in the sandbox: {contacts:?}"))
}

fn tags(c: &Value) -> Vec<String> {
    let mut t: Vec<String> = c["tags"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    t.sort();
    t
}

#[test]
fn every_shipped_action_runs_against_the_sandbox() {
    let w = World::start();
    w.login(USER_PROFILE);
    let loc = w.location();

    // create_contact: the body field adds the token's locationId.
    let created = w
        .run_action(
            "create_contact",
            USER_PROFILE,
            &[
                "-i",
                "firstName=Ada",
                "-i",
                "lastName=Lovelace",
                "-i",
                "email=ada@example.com",
                "-i",
                r#"tags=["vip"]"#,
            ],
        )
        .assert_ok()
        .json();
    let id = created["id"]
        .as_str()
        .expect("created contact has an id")
        .to_string();
    let contacts = w.contacts();
    assert_eq!(contacts.len(), 1);
    let c = find(&contacts, &id);
    assert_eq!(c["email"], "ada@example.com");
    assert_eq!(c["firstName"], "Ada");
    assert_eq!(c["locationId"], loc.as_str());
    assert_eq!(tags(c), ["vip"]);

    // get_contact
    let got = w
        .run_action(
            "get_contact",
            USER_PROFILE,
            &["-i", &format!("contactId={id}")],
        )
        .assert_ok()
        .json();
    assert_eq!(got["id"], id.as_str());
    assert_eq!(got["lastName"], "Lovelace");

    // update_contact: no locationId anywhere (the profile's `except`), so no 422.
    w.run_action(
        "update_contact",
        USER_PROFILE,
        &["-i", &format!("contactId={id}"), "-i", "firstName=Augusta"],
    )
    .assert_ok();
    assert_eq!(find(&w.contacts(), &id)["firstName"], "Augusta");
    assert_eq!(
        find(&w.contacts(), &id)["lastName"],
        "Lovelace",
        "an absent input is not sent"
    );

    // add_contact_tags / remove_contact_tags: a whole-value template stays an array.
    w.run_action(
        "add_contact_tags",
        USER_PROFILE,
        &[
            "-i",
            &format!("contactId={id}"),
            "-i",
            r#"tags=["customer","2026"]"#,
        ],
    )
    .assert_ok();
    assert_eq!(tags(find(&w.contacts(), &id)), ["2026", "customer", "vip"]);
    w.run_action(
        "remove_contact_tags",
        USER_PROFILE,
        &["-i", &format!("contactId={id}"), "-i", r#"tags=["vip"]"#],
    )
    .assert_ok();
    assert_eq!(tags(find(&w.contacts(), &id)), ["2026", "customer"]);

    // create_contact_note / list_contact_notes
    let note = w
        .run_action(
            "create_contact_note",
            USER_PROFILE,
            &[
                "-i",
                &format!("contactId={id}"),
                "-i",
                "body=Met at the conference",
            ],
        )
        .assert_ok()
        .json();
    assert_eq!(note["body"], "Met at the conference");
    let notes = w
        .run_action(
            "list_contact_notes",
            USER_PROFILE,
            &["-i", &format!("contactId={id}")],
        )
        .assert_ok()
        .json();
    let notes = notes.as_array().expect("notes array");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["body"], "Met at the conference");
    assert_eq!(notes[0]["id"], note["id"]);

    // search_contacts: locationId in the body from the profile, pageLimit an integer.
    let found = w
        .run_action("search_contacts", USER_PROFILE, &["-i", "pageLimit=10"])
        .assert_ok()
        .json();
    let found = found.as_array().expect("contacts array");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], id.as_str());

    // find_duplicate_contact: locationId in the query from the profile.
    let dup = w
        .run_action(
            "find_duplicate_contact",
            USER_PROFILE,
            &["-i", "email=ada@example.com"],
        )
        .assert_ok()
        .json();
    assert_eq!(dup["id"], id.as_str());

    // upsert_contact: the same email updates the contact, a new one creates one.
    let up = w
        .run_action(
            "upsert_contact",
            USER_PROFILE,
            &["-i", "email=ada@example.com", "-i", "lastName=King"],
        )
        .assert_ok()
        .json();
    assert_eq!(up["new"], false);
    assert_eq!(up["contact"]["id"], id.as_str());
    assert_eq!(find(&w.contacts(), &id)["lastName"], "King");
    let up2 = w
        .run_action(
            "upsert_contact",
            USER_PROFILE,
            &["-i", "email=grace@example.com", "-i", "firstName=Grace"],
        )
        .assert_ok()
        .json();
    assert_eq!(up2["new"], true);
    assert_eq!(w.contacts().len(), 2);

    // delete_contact
    let deleted = w
        .run_action(
            "delete_contact",
            USER_PROFILE,
            &["-i", &format!("contactId={id}")],
        )
        .assert_ok()
        .json();
    assert_eq!(deleted, json!(true));
    let left = w.contacts();
    assert_eq!(left.len(), 1);
    assert!(left.iter().all(|c| c["id"] != id.as_str()));

    // Output formats.
    let other = left[0]["id"].as_str().expect("id").to_string();
    let yaml = w.run_action(
        "get_contact",
        USER_PROFILE,
        &["-i", &format!("contactId={other}"), "--output", "yaml"],
    );
    assert!(
        yaml.assert_ok()
            .stdout
            .contains("email: grace@example.com\n"),
        "{}",
        yaml.stdout
    );
    let table = w.run_action(
        "search_contacts",
        USER_PROFILE,
        &["-i", "pageLimit=5", "--output", "table"],
    );
    let first = table
        .assert_ok()
        .stdout
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        first.starts_with("ID") || first.contains("EMAIL"),
        "{}",
        table.stdout
    );

    w.assert_no_secret_printed();
}

#[test]
fn naive_profile_is_caught_by_lint_and_answered_422_by_the_api() {
    let w = World::start();
    let lint = w.integ(["lint", w.naive_dir().to_str().expect("utf-8 path")]);
    assert_eq!(lint.code, 1, "{}\n{}", lint.stdout, lint.stderr);
    assert!(
        lint.stdout.contains("auth-field-rejected"),
        "{}",
        lint.stdout
    );

    w.login(NAIVE_PROFILE);
    // Create works: HighLevel ignores an extra query parameter there.
    let created = w
        .run_action(
            "create_contact",
            NAIVE_PROFILE,
            &["-i", "email=naive@example.com"],
        )
        .assert_ok()
        .json();
    let id = created["id"].as_str().expect("id").to_string();

    let before = w.sandbox.stats().unprocessable;
    let out = w.run_action(
        "update_contact",
        NAIVE_PROFILE,
        &["-i", &format!("contactId={id}"), "-i", "firstName=Never"],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("422 Unprocessable Entity: property locationId should not exist"),
        "{}",
        out.stderr
    );
    assert_eq!(w.sandbox.stats().unprocessable, before + 1);
    assert!(
        find(&w.contacts(), &id)
            .get("firstName")
            .is_none_or(|v| v != "Never")
    );
    w.assert_no_secret_printed();
}
