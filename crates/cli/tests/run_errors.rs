//! `integ run` when it must not send anything: bad inputs, unknown names, missing
//! environment variables, and `--dry-run`. Each case checks the exit code, the message,
//! that the sandbox saw no request, and that no secret was printed.

mod run_common;

use run_common::{USER_PROFILE, World};

/// An action that reads a secret from the environment into a header, the query and the
/// body, to show `--dry-run` and the errors redact every `${env:}` value.
const ENV_ACTION: &str = r#"apiVersion: integ/v1
kind: Action
metadata: { name: env_probe }
spec:
  provider: highlevel
  scopes: [contacts.readonly]
  input:
    type: object
    properties:
      contactId: { type: string }
  request:
    method: POST
    path: /contacts/{{ inputs.contactId }}/notes
    headers: { X-Api-Key: "${env:HL_EXTRA_KEY}" }
    query: { key: "k-${env:HL_EXTRA_KEY}" }
    body: { body: "note ${env:HL_EXTRA_KEY}" }
"#;

const EXTRA_SECRET: &str = "extra-secret-value-123";

#[test]
fn bad_inputs_and_names_send_nothing_and_say_why() {
    let w = World::start();
    w.login(USER_PROFILE);
    let before = w.requests();

    let cases: &[(&str, &[&str], i32, &str)] = &[
        (
            "get_contact",
            &[],
            1,
            r#"invalid input: "contactId" is a required property"#,
        ),
        (
            "search_contacts",
            &["-i", "pageLimit=ten"],
            1,
            r#"`pageLimit`: "ten" is not of type "integer""#,
        ),
        (
            "search_contacts",
            &["-i", "pageLimit=0"],
            1,
            "`pageLimit`: 0 is less than the minimum of 1",
        ),
        (
            "create_contact",
            &["-i", "email=not-an-email"],
            1,
            "`email`",
        ),
        (
            "create_contact",
            &["-i", "nickname=Ada"],
            1,
            "'nickname' was unexpected",
        ),
        (
            "add_contact_tags",
            &["-i", "contactId=c1", "-i", "tags=vip"],
            1,
            r#"`tags`: "vip" is not of type "array""#,
        ),
        (
            "get_contcat",
            &["-i", "contactId=c1"],
            2,
            "no action named `get_contcat`; did you mean `get_contact`?",
        ),
        (
            "get_contact",
            &["-i", "contactId"],
            2,
            "--input `contactId`: expected KEY=VALUE",
        ),
    ];
    for (action, extra, code, message) in cases {
        let out = w.run_action(action, USER_PROFILE, extra);
        assert_eq!(out.code, *code, "{action} {extra:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(message),
            "{action} {extra:?}: expected `{message}` in:\n{}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{}", out.stdout);
    }

    let out = w.run_action(
        "get_contact",
        "highlevel-custom-usr",
        &["-i", "contactId=c1"],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(
            "no profile named `highlevel-custom-usr`; did you mean `highlevel-custom-user`?"
        ),
        "{}",
        out.stderr
    );

    // A missing variable of the profile: exit 2, named, nothing sent.
    let mut cmd = w.command([
        "run",
        "get_contact",
        "--profile",
        USER_PROFILE,
        "--specs",
        w.specs_dir().to_str().expect("utf-8"),
        "-i",
        "contactId=c1",
    ]);
    cmd.env_remove("HL_CLIENT_SECRET");
    let out = w.run_command(cmd);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("HL_CLIENT_SECRET"), "{}", out.stderr);

    assert_eq!(w.requests(), before, "the sandbox saw a request");
    w.assert_no_secret_printed();
}

#[test]
fn missing_env_value_in_a_request_is_exit_2_and_sends_nothing() {
    let w = World::start();
    std::fs::write(w.specs_dir().join("actions/env_probe.yaml"), ENV_ACTION).expect("write action");
    w.login(USER_PROFILE);
    let before = w.requests();
    for dry in [false, true] {
        let mut args = vec!["-i", "contactId=c1"];
        if dry {
            args.push("--dry-run");
        }
        let out = w.run_action("env_probe", USER_PROFILE, &args);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr
                .contains("environment variable `HL_EXTRA_KEY` is not set"),
            "{}",
            out.stderr
        );
    }
    assert_eq!(w.requests(), before);
}

#[test]
fn dry_run_prints_the_exact_request_with_every_secret_redacted() {
    let w = World::start();
    std::fs::write(w.specs_dir().join("actions/env_probe.yaml"), ENV_ACTION).expect("write action");
    let base = w.sandbox.base_url();

    // Before any login: the token's fields show as placeholders.
    let out = w.run_action(
        "create_contact",
        USER_PROFILE,
        &["-i", "email=a@example.com", "--dry-run"],
    );
    out.assert_ok();
    assert!(
        out.stdout.starts_with(&format!(
            "POST {base}/contacts/?locationId=%3Ctoken.locationId%3E\n"
        )),
        "{}",
        out.stdout
    );

    w.login(USER_PROFILE);
    let loc = w.location();
    let before = w.requests();

    let out = w.run_action(
        "update_contact",
        USER_PROFILE,
        &["-i", "contactId=c 1/x", "-i", "firstName=Ada", "--dry-run"],
    );
    out.assert_ok();
    let expected = format!(
        "PUT {base}/contacts/c%201%2Fx\n\
         Version: 2021-07-28\n\
         Accept: application/json\n\
         Content-Type: application/json\n\
         Authorization: Bearer ***\n\
         \n\
         {{\n  \"firstName\": \"Ada\"\n}}\n\
         \n\
         curl -X PUT {base}/contacts/c%201%2Fx -H 'Version: 2021-07-28' -H 'Accept: application/json' \
         -H 'Content-Type: application/json' -H 'Authorization: Bearer ***' --data '{{\"firstName\":\"Ada\"}}'\n"
    );
    assert_eq!(out.stdout, expected);

    // The querystring and body fields, from the stored token, where the profile says.
    let out = w.run_action(
        "create_contact",
        USER_PROFILE,
        &["-i", "email=a@example.com", "--dry-run"],
    );
    out.assert_ok();
    assert!(
        out.stdout
            .starts_with(&format!("POST {base}/contacts/?locationId={loc}\n")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("\"locationId\": \"{loc}\"")),
        "{}",
        out.stdout
    );

    // `${env:}` values, wherever they are used, show as ***.
    let mut cmd = w.command([
        "run",
        "env_probe",
        "--profile",
        USER_PROFILE,
        "--specs",
        w.specs_dir().to_str().expect("utf-8"),
        "-i",
        "contactId=c1",
        "--dry-run",
    ]);
    cmd.env("HL_EXTRA_KEY", EXTRA_SECRET);
    let out = w.run_command(cmd);
    out.assert_ok();
    assert!(out.stdout.contains("X-Api-Key: ***\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains("?key=k-***&locationId="),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("\"body\": \"note ***\""),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(EXTRA_SECRET) && !out.stderr.contains(EXTRA_SECRET));

    assert_eq!(w.requests(), before, "a dry run sent something");
    w.assert_no_secret_printed();
}

#[test]
fn api_errors_exit_1_with_status_and_message_and_no_secret() {
    let w = World::start();
    w.login(USER_PROFILE);
    let out = w.run_action(
        "get_contact",
        USER_PROFILE,
        &["-i", "contactId=does-not-exist"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("error: 404 Not Found"),
        "{}",
        out.stderr
    );
    // A duplicate contact: HighLevel's 400 with its message.
    w.run_action(
        "create_contact",
        USER_PROFILE,
        &["-i", "email=dup@example.com"],
    )
    .assert_ok();
    let out = w.run_action(
        "create_contact",
        USER_PROFILE,
        &["-i", "email=dup@example.com"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("error: 400"), "{}", out.stderr);
    assert_eq!(w.contacts().len(), 1);
    w.assert_no_secret_printed();
}

#[test]
fn input_file_then_inputs_override_it() {
    let w = World::start();
    let file = w.dir.path().join("inputs.json");
    std::fs::write(
        &file,
        r#"{"contactId": "c1", "firstName": "Ada", "tags": ["x"]}"#,
    )
    .expect("write");
    let out = w.run_action(
        "update_contact",
        USER_PROFILE,
        &[
            "--input-file",
            file.to_str().expect("utf-8"),
            "-i",
            "firstName=Bob",
            "--dry-run",
        ],
    );
    out.assert_ok();
    assert!(out.stdout.contains("/contacts/c1\n"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains(r#"--data '{"firstName":"Bob","tags":["x"]}'"#),
        "{}",
        out.stdout
    );

    std::fs::write(&file, "[1, 2]").expect("write");
    let out = w.run_action(
        "update_contact",
        USER_PROFILE,
        &["--input-file", file.to_str().expect("utf-8")],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("inputs must be a JSON object"),
        "{}",
        out.stderr
    );
    assert_eq!(w.requests(), 0);
}
