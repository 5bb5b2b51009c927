//! `integ import openapi` on the real binary: what it writes, where the `$schema` line and
//! the provider come from, and its exit codes (0 written, 1 nothing matched, 2 usage/I/O).

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const CONTACTS: &str = "specs/highlevel/openapi/apps/contacts.json";

fn integ() -> Command {
    let mut c = Command::cargo_bin("integ").expect("the integ binary");
    c.current_dir(repo())
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60));
    c
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Out {
    let o = integ().args(args).output().expect("integ runs");
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

#[test]
fn imports_one_operation_with_the_provider_beside_the_output_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let specs = dir.path().join("specs/highlevel");
    std::fs::create_dir_all(&specs).expect("mkdir");
    std::fs::copy(
        repo().join("specs/highlevel/provider.yaml"),
        specs.join("provider.yaml"),
    )
    .expect("copy");
    std::fs::create_dir_all(dir.path().join("schemas")).expect("mkdir");
    std::fs::write(dir.path().join("schemas/action.schema.json"), "{}").expect("schema");
    let actions = specs.join("actions");
    let o = run(&[
        "import",
        "openapi",
        CONTACTS,
        "--operation",
        "update-contact",
        "-o",
        path_str(&actions),
    ]);
    let written = actions.join("update_contact.yaml");
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(o.stdout, "");
    assert_eq!(
        o.stderr,
        format!(
            "wrote {}\nimported 1 operation from {CONTACTS}\n",
            written.display()
        )
    );
    let text = std::fs::read_to_string(&written).expect("written");
    assert!(text.starts_with(
        "# yaml-language-server: $schema=../../../schemas/action.schema.json\n\
         # PUT /contacts/{contactId} (operationId update-contact), imported from contacts.json by `integ import openapi`.\n\
         apiVersion: integ/v1\nkind: Action\nmetadata:\n  name: update_contact\n  title: Update Contact\nspec:\n  provider: highlevel\n"
    ), "{text}");

    // The same again: refused, the file untouched; with --force, written.
    std::fs::write(&written, "# edited\n").expect("edit");
    let args = [
        "import",
        "openapi",
        CONTACTS,
        "--operation",
        "update-contact",
        "-o",
        path_str(&actions),
    ];
    let o = run(&args);
    assert_eq!(o.code, Some(2));
    assert_eq!(
        o.stderr,
        format!(
            "error: {}: already exists; pass --force to overwrite it\n",
            written.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(&written).expect("read"),
        "# edited\n"
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(run(&forced).code, Some(0));
    assert_eq!(std::fs::read_to_string(&written).expect("read"), text);

    // The written file validates.
    let o = run(&["validate", path_str(&written)]);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
}

#[test]
fn a_tag_imports_its_operations_and_names_can_be_chosen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(&[
        "import",
        "openapi",
        CONTACTS,
        "--tag",
        "Tags",
        "--name",
        "add-tags=add_contact_tags",
        "--provider",
        "highlevel",
        "-o",
        path_str(dir.path()),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["add_contact_tags.yaml", "remove_tags.yaml"]);
}

#[test]
fn an_unknown_operation_is_a_usage_error_with_a_suggestion() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(&[
        "import",
        "openapi",
        CONTACTS,
        "--operation",
        "update-contacts",
        "--provider",
        "highlevel",
        "-o",
        path_str(dir.path()),
    ]);
    assert_eq!(o.code, Some(2));
    assert_eq!(
        o.stderr,
        "error: no operation `update-contacts`; did you mean `update-contact`?\n"
    );
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
}

#[test]
fn a_tag_nothing_has_matches_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(&[
        "import",
        "openapi",
        CONTACTS,
        "--tag",
        "notes",
        "--provider",
        "highlevel",
        "-o",
        path_str(dir.path()),
    ]);
    assert_eq!(o.code, Some(1));
    assert_eq!(
        o.stderr,
        "no operation has the tag `notes`; did you mean `Notes`?\n"
    );
}

#[test]
fn usage_and_io_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let o = run(&["import", "openapi", CONTACTS, "-o", path_str(&out)]);
    assert_eq!(o.code, Some(2));
    assert_eq!(
        o.stderr,
        "error: say which provider the actions belong to with --provider NAME\n"
    );
    let o = run(&[
        "import",
        "openapi",
        "no/such.json",
        "--provider",
        "p",
        "-o",
        path_str(&out),
    ]);
    assert_eq!(o.code, Some(2));
    assert!(
        o.stderr
            .starts_with("error: no/such.json: cannot be read: "),
        "{}",
        o.stderr
    );
    let o = run(&[
        "import",
        "openapi",
        CONTACTS,
        "--provider",
        "p",
        "--name",
        "nonsense",
        "-o",
        path_str(&out),
    ]);
    assert_eq!(o.code, Some(2));
    assert_eq!(
        o.stderr,
        "error: --name `nonsense`: write OPERATION_ID=NAME\n"
    );
    let cycle = dir.path().join("cycle.yaml");
    std::fs::write(
        &cycle,
        "openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths:\n  /x:\n    post:\n      operationId: x\n      requestBody:\n        content:\n          application/json:\n            schema: { $ref: '#/components/schemas/A' }\n      responses: {}\ncomponents:\n  schemas:\n    A: { $ref: '#/components/schemas/A' }\n",
    )
    .expect("write");
    let o = run(&[
        "import",
        "openapi",
        path_str(&cycle),
        "--provider",
        "p",
        "-o",
        path_str(&out),
    ]);
    assert_eq!(o.code, Some(2));
    assert_eq!(
        o.stderr,
        "error: $ref cycle at cycle.yaml#/paths/~1x/post/requestBody/content/application~1json/schema: #/components/schemas/A -> #/components/schemas/A\n"
    );
    assert!(!out.exists(), "nothing is written on an error");
}
