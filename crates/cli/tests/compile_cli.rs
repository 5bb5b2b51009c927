//! `integ compile`: byte-identical bundles, no secret in them, and a bundle runs exactly
//! as the specs it came from.

mod run_common;

use run_common::{CLIENT_SECRET, USER_PROFILE, World};

#[test]
fn compiling_twice_gives_byte_identical_bundles_without_secrets() {
    let w = World::start();
    let specs = w.specs_dir();
    let a = w.dir.path().join("a.json");
    let b = w.dir.path().join("b.json");
    for out in [&a, &b] {
        let o = w.integ([
            "compile",
            specs.to_str().expect("utf-8"),
            "-o",
            out.to_str().expect("utf-8"),
        ]);
        o.assert_ok();
        assert!(
            o.stderr.starts_with(&format!(
                "wrote {} (11 actions, 2 profiles, sha256:",
                out.display()
            )),
            "{}",
            o.stderr
        );
    }
    let (a, b) = (std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
    assert_eq!(a, b);
    let text = String::from_utf8(a).expect("utf-8");
    assert!(text.contains("\"contentHash\": \"sha256:"));
    assert!(text.contains("${env:HL_CLIENT_SECRET}"));
    assert!(
        !text.contains(CLIENT_SECRET) && !text.contains("sandbox-client"),
        "an env value was written"
    );
    // To stdout, the same bytes.
    let o = w.integ(["compile", specs.to_str().expect("utf-8")]);
    assert_eq!(o.assert_ok().stdout, text);
}

#[test]
fn a_bundle_runs_the_same_as_the_specs() {
    let w = World::start();
    let bundle = w.dir.path().join("bundle.json");
    w.integ([
        "compile",
        w.specs_dir().to_str().expect("utf-8"),
        "-o",
        bundle.to_str().expect("utf-8"),
    ])
    .assert_ok();
    w.login(USER_PROFILE);
    let id = w
        .run_action(
            "create_contact",
            USER_PROFILE,
            &["-i", "email=bundle@example.com"],
        )
        .assert_ok()
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();

    let from_bundle = |args: &[&str]| {
        let mut all = vec![
            "run",
            args[0],
            "--profile",
            USER_PROFILE,
            "--bundle",
            bundle.to_str().expect("utf-8"),
        ];
        all.extend_from_slice(&args[1..]);
        w.integ(all)
    };
    let input = format!("contactId={id}");
    let a = w.run_action("get_contact", USER_PROFILE, &["-i", &input]);
    let b = from_bundle(&["get_contact", "-i", &input]);
    assert_eq!(a.assert_ok().stdout, b.assert_ok().stdout);
    let a = w.run_action(
        "update_contact",
        USER_PROFILE,
        &["-i", &input, "-i", "city=Paris", "--dry-run"],
    );
    let b = from_bundle(&[
        "update_contact",
        "-i",
        &input,
        "-i",
        "city=Paris",
        "--dry-run",
    ]);
    assert_eq!(a.assert_ok().stdout, b.assert_ok().stdout);
    from_bundle(&["update_contact", "-i", &input, "-i", "city=Paris"]).assert_ok();
    assert_eq!(w.contacts()[0]["city"], "Paris");

    // An edited bundle is refused before anything runs.
    let text = std::fs::read_to_string(&bundle)
        .expect("bundle")
        .replace("2021-07-28", "2099-01-01");
    std::fs::write(&bundle, text).expect("write");
    let before = w.requests();
    let o = from_bundle(&["get_contact", "-i", &input]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("contentHash does not match"),
        "{}",
        o.stderr
    );
    assert_eq!(w.requests(), before);
    w.assert_no_secret_printed();
}

#[test]
fn compile_reports_undeclared_references_and_exits_1() {
    let w = World::start();
    let path = w.specs_dir().join("actions/get_contact.yaml");
    let text = std::fs::read_to_string(&path)
        .expect("read")
        .replace("{{ inputs.contactId }}", "{{ inputs.contactID }}");
    std::fs::write(&path, text).expect("write");
    let o = w.integ([
        "compile",
        w.specs_dir().to_str().expect("utf-8"),
        "-o",
        "out.json",
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("unknown-reference"), "{}", o.stderr);
    assert!(
        o.stderr
            .contains("`inputs.contactID` names an input that is not declared"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("did you mean `inputs.contactId`?"),
        "{}",
        o.stderr
    );
    assert!(!w.dir.path().join("out.json").exists());
}
