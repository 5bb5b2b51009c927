//! The loading pipeline end to end on in-memory sources: documents, spans, aliases,
//! hostile input, lookups, the JSON shape, and the committed schema files.

use std::path::{Path, PathBuf};

use integ_spec::{LookupError, load_sources, render, schema};

const PROVIDER: &str = "apiVersion: integ/v1
kind: Provider
metadata: { name: highlevel }
spec:
  baseUrl: https://services.leadconnectorhq.com
  auth: { modes: { custom: { developer: true } } }
";

fn action(name: &str, provider: &str) -> String {
    format!(
        "apiVersion: integ/v1\nkind: Action\nmetadata: {{ name: {name} }}\nspec:\n  provider: {provider}\n  request: {{ method: GET, path: /contacts/ }}\n"
    )
}

fn one(text: &str) -> integ_spec::LoadOutput {
    load_sources(vec![(PathBuf::from("t.yaml"), text.to_string())])
}

/// `(line, column, message)` of every diagnostic.
fn places(out: &integ_spec::LoadOutput) -> Vec<(usize, usize, String)> {
    out.diagnostics
        .iter()
        .map(|d| {
            let (l, c) = out.workspace.file(d.file).line_col(d.span.start);
            (l, c, d.message.clone())
        })
        .collect()
}

#[test]
fn several_documents_load_with_their_index_and_spans() {
    let text = format!("{PROVIDER}---\n{}", action("get_contact", "highlevel"));
    let out = one(&text);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(out.workspace.providers.len(), 1);
    let a = &out.workspace.actions[0];
    assert_eq!(a.doc_index, 1);
    let span = a.span_of("/spec/request/method");
    assert_eq!(&text[span.value.start..span.value.end], "GET");
    let key = span.key.expect("method has a key");
    assert_eq!(&text[key.start..key.end], "method");
}

#[test]
fn every_problem_of_a_file_is_reported() {
    let text = "apiVersion: integ/v1
kind: Provider
metadata: { name: highlevel }
spec:
  baseUrl: 5
  colour: red
  auth: { modes: { custom: { developer: maybe } } }
";
    let out = one(text);
    assert_eq!(
        places(&out),
        [
            (5, 12, "`baseUrl` must be a string, found an integer".to_string()),
            (6, 3, "unknown field `colour`; expected one of allowedHosts, auth, baseUrl, headers, rateLimit, strict".to_string()),
            (7, 41, "`developer` must be a boolean, found a string".to_string()),
        ]
    );
}

#[test]
fn unknown_field_suggests_the_closest_name() {
    let text = PROVIDER.replace("baseUrl:", "baseURl:");
    let out = one(&text);
    assert_eq!(out.diagnostics.len(), 2, "{:?}", out.diagnostics);
    let unknown = out
        .diagnostics
        .iter()
        .find(|d| d.message.starts_with("unknown field"))
        .expect("unknown field");
    assert_eq!(unknown.help.as_deref(), Some("did you mean `baseUrl`?"));
    let missing = out
        .diagnostics
        .iter()
        .find(|d| d.message.starts_with("missing"))
        .expect("missing field");
    assert_eq!(
        missing.message,
        "missing required field `baseUrl` in `spec`"
    );
    // The mapping that lacks it is `spec`, pointed at by its key.
    assert_eq!(
        out.workspace
            .file(missing.file)
            .line_col(missing.span.start),
        (4, 1)
    );
}

#[test]
fn one_of_enum_values_get_an_enum_message_and_a_suggestion() {
    let text = "apiVersion: integ/v1
kind: AuthProfile
metadata: { name: p }
spec:
  provider: highlevel
  type: oauth2
  ownership: custom
  authorizedBy: user
  oauth2:
    clientId: x
    clientSecret: ${env:S}
    authorizationUrl: https://a.example/auth
    tokenUrl: https://a.example/token
    clientAuth: bsic
";
    let out = one(text);
    assert_eq!(
        places(&out),
        [(
            14,
            17,
            "unknown value `bsic` for `clientAuth`; expected one of post, basic".to_string()
        )]
    );
    assert_eq!(
        out.diagnostics[0].help.as_deref(),
        Some("did you mean `basic`?")
    );
}

#[test]
fn aliases_are_expanded() {
    let text = "apiVersion: integ/v1
kind: Action
metadata: { name: get_contact }
spec:
  provider: highlevel
  scopes: &s [contacts.readonly]
  request:
    method: GET
    path: /contacts/
    accepts: { query: *s }
";
    let out = one(text);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let a = &out.workspace.actions[0].doc;
    assert_eq!(
        a.spec.request.accepts.query.as_deref(),
        Some(&["contacts.readonly".to_string()][..])
    );
}

#[test]
fn an_alias_bomb_is_a_diagnostic() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let out = one(&text);
    let msgs = places(&out);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(msgs[0].2.contains("alias bomb"), "{msgs:?}");
    // The first `*a4` (line 6) would take the expansion past the budget.
    assert_eq!((msgs[0].0, msgs[0].1), (6, 10));
}

#[test]
fn deep_block_and_flow_nesting_is_a_diagnostic() {
    let flow = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    // Compact nested block sequences: each `- ` opens one more level, on one line.
    let block = format!("{}x\n", "- ".repeat(100_000));
    for text in [flow, block] {
        let out = one(&text);
        let msgs = places(&out);
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert_eq!(msgs[0].2, "the document nests deeper than 128 levels");
    }
}

#[test]
fn a_duplicate_key_with_a_mapping_value_keeps_the_first_spans() {
    let text = "a:\n  b: 1\na:\n  b: 2\n";
    let out = one(text);
    let dup = out
        .diagnostics
        .iter()
        .find(|d| d.message.starts_with("duplicate"))
        .expect("duplicate");
    assert_eq!(
        out.workspace.file(dup.file).line_col(dup.span.start),
        (3, 1)
    );
    assert_eq!(dup.message, "duplicate key `a` in this mapping");
    assert_eq!(
        dup.help.as_deref(),
        Some("remove one of the two; the first `a` is at line 1")
    );
    // The second `a`'s mapping did not overwrite the spans of the first.
    let read = integ_spec::yaml::read(integ_spec::FileId(0), text);
    let b = read.docs[0].spans.get("/a/b").expect("span of /a/b");
    assert_eq!(&text[b.value.start..b.value.end], "1");
    assert!(!read.docs[0].clean);
}

#[test]
fn a_file_over_the_size_limit_is_refused_unparsed() {
    let big = "x".repeat(integ_spec::load::MAX_FILE_BYTES as usize + 1);
    let out = one(&big);
    assert_eq!(out.diagnostics.len(), 1);
    assert!(
        out.diagnostics[0]
            .message
            .starts_with("this file is 8.4 MB"),
        "{}",
        out.diagnostics[0].message
    );
}

#[test]
fn an_empty_document_between_others_is_skipped() {
    let out = one(&format!("---\n{PROVIDER}---\n"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(out.workspace.providers.len(), 1);
}

#[test]
fn a_comment_only_file_has_no_document() {
    let out = one("# nothing here\n");
    assert_eq!(
        places(&out),
        [(
            1,
            1,
            "this file has no YAML document; a spec file holds one or more documents".to_string()
        )]
    );
}

#[test]
fn lookups_accept_name_or_provider_slash_name() {
    let out = load_sources(vec![
        (PathBuf::from("p.yaml"), PROVIDER.to_string()),
        (PathBuf::from("a.yaml"), action("get_contact", "highlevel")),
        (PathBuf::from("b.yaml"), action("get_contact", "other")),
        (
            PathBuf::from("c.yaml"),
            action("update_contact", "highlevel"),
        ),
    ]);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let ws = &out.workspace;
    assert!(ws.provider("highlevel").is_some());
    assert_eq!(ws.find_action("update_contact").map(|a| a.file.0), Ok(3));
    assert_eq!(ws.find_action("other/get_contact").map(|a| a.file.0), Ok(2));
    assert_eq!(
        ws.find_action("get_contact").map(|a| a.file.0),
        Err(LookupError::Ambiguous {
            kind: "action",
            name: "get_contact".into(),
            candidates: vec!["highlevel/get_contact".into(), "other/get_contact".into()],
        })
    );
    let missing = ws
        .find_action("updte_contact")
        .map(|a| a.file.0)
        .map_err(|e| e.to_string());
    assert_eq!(
        missing,
        Err("no action named `updte_contact`; did you mean `update_contact`?".to_string())
    );
    assert!(matches!(
        ws.find_profile("x"),
        Err(LookupError::NotFound { .. })
    ));
}

#[test]
fn json_output_has_the_documented_shape() {
    let out = one("apiVersion: integ/v1\nkind: Acton\n");
    let json = render::json(&out.workspace.files, &out.diagnostics);
    assert_eq!(
        json,
        serde_json::json!([{
            "code": "schema",
            "severity": "error",
            "file": "t.yaml",
            "line": 2,
            "column": 7,
            "endLine": 2,
            "endColumn": 12,
            "message": "unknown kind `Acton`; expected one of Provider, AuthProfile, Action",
            "help": "did you mean `Action`? The kinds are Provider, AuthProfile, Action",
        }])
    );
}

#[test]
fn committed_schema_files_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let stale = schema::check_dir(&dir);
    assert!(
        stale.is_empty(),
        "run `integ schema`: {stale:?} differ from the model"
    );
}

#[test]
fn schema_check_reports_an_edited_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    schema::write_dir(dir.path()).expect("write");
    assert!(schema::check_dir(dir.path()).is_empty());
    let path = dir.path().join("action.schema.json");
    std::fs::write(&path, "{}\n").expect("edit");
    assert_eq!(schema::check_dir(dir.path()), [path]);
}

#[test]
fn shipped_specs_load_without_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let out = integ_spec::load_paths(&[dir]).expect("specs/ exists");
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert!(out.workspace.provider("highlevel").is_some());
    assert!(out.workspace.find_action("update_contact").is_ok());
}

#[test]
fn a_number_below_the_minimum_points_at_the_value() {
    let text = PROVIDER.replace(
        "  auth:",
        "  rateLimit: { requests: 0, perSeconds: 10 }\n  auth:",
    );
    let out = one(&text);
    assert_eq!(
        places(&out),
        [(6, 26, "`requests` must be at least 1, found 0".to_string())]
    );
    assert_eq!(
        out.diagnostics[0].help.as_deref(),
        Some("use a value of 1 or more")
    );
}

#[test]
fn collect_files_walks_directories_sorted_and_takes_named_files_as_they_are() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("b/c")).expect("mkdir");
    for name in [
        "b/c/z.yaml",
        "b/a.yml",
        "b/notes.txt",
        "a.yaml",
        "plain.conf",
    ] {
        std::fs::write(root.join(name), "").expect("write");
    }
    let files =
        integ_spec::collect_files(&[root.join("b"), root.join("a.yaml"), root.join("plain.conf")])
            .expect("collect");
    let rel: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(rel, ["b/a.yml", "b/c/z.yaml", "a.yaml", "plain.conf"]);
    let missing = integ_spec::collect_files(&[root.join("nope")]).expect_err("missing path");
    assert!(matches!(missing, integ_spec::LoadError::NotFound { .. }));
}

#[test]
fn the_colour_report_carries_the_same_text() {
    let out = one("apiVersion: integ/v1\nkind: Acton\n");
    let plain = render::human(&out.workspace.files, &out.diagnostics[0], false);
    let colour = render::human(&out.workspace.files, &out.diagnostics[0], true);
    assert!(colour.contains("\u{1b}["), "colour output has ANSI escapes");
    assert!(!plain.contains("\u{1b}["));
    assert!(plain.contains("t.yaml:2:7"), "{plain}");
    assert!(plain.contains("help: did you mean `Action`?"), "{plain}");
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_keep_positions_exact() {
    let text = "\u{feff}apiVersion: integ/v1\r\nkind: Acton\r\nmetadata: { name: x }\r\n";
    let out = one(text);
    assert_eq!(
        places(&out),
        [(
            2,
            7,
            "unknown kind `Acton`; expected one of Provider, AuthProfile, Action".to_string()
        )]
    );
    let d = &out.diagnostics[0];
    assert_eq!(&text[d.span.start..d.span.end], "Acton");
}

#[test]
fn an_invalid_input_schema_points_at_the_bad_node() {
    let text = "apiVersion: integ/v1
kind: Action
metadata: { name: get_contact }
spec:
  provider: highlevel
  input:
    type: object
    properties:
      contactId: { type: strng }
  request: { method: GET, path: /contacts/ }
";
    let out = one(text);
    assert_eq!(
        places(&out),
        [(9, 26, "`strng` is not a JSON Schema type".to_string())]
    );
    assert_eq!(
        out.diagnostics[0].help.as_deref(),
        Some("did you mean `string`?")
    );
}

#[test]
fn an_input_schema_with_a_bad_keyword_value_is_reported() {
    let text = "apiVersion: integ/v1
kind: Action
metadata: { name: get_contact }
spec:
  provider: highlevel
  input:
    type: object
    required: contactId
  request: { method: GET, path: /contacts/ }
";
    let out = one(text);
    let found = places(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (8, 15));
    assert!(
        found[0]
            .2
            .starts_with("the `input` schema is invalid here: "),
        "{found:?}"
    );
}

#[test]
fn a_wrong_type_is_reported_once_not_also_as_a_bad_enum_value() {
    let text = "apiVersion: integ/v1
kind: Action
metadata: { name: get_contact }
spec:
  provider: highlevel
  request: { method: 5, path: /contacts/ }
";
    let out = one(text);
    assert_eq!(
        places(&out),
        [(
            6,
            22,
            "`method` must be a string, found an integer".to_string()
        )]
    );
}

#[test]
fn nested_anchors_around_a_large_value_are_a_diagnostic() {
    let items = "1,".repeat(400_000);
    let text = format!("a: &a0 [&a1 [&a2 [&a3 [{items}]]]]\n");
    let out = one(&text);
    let found = places(&out);
    assert_eq!(
        found,
        [(
            1,
            9,
            "anchored values in this document copy more than 1000000 nodes".to_string()
        )]
    );
}

#[test]
fn long_keys_nested_deep_over_many_values_are_a_diagnostic() {
    let key = "k".repeat(1000);
    let open: String = (0..100).map(|i| format!("{{{key}{i}: ")).collect();
    let close = "}".repeat(100);
    let items = "1,".repeat(100_000);
    let text = format!("{open}[{items}]{close}\n");
    let out = one(&text);
    let found = places(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].2,
        "this document is too large to map (very long keys, nested deep, over many values)"
    );
}

#[test]
fn a_file_with_very_many_problems_shows_the_first_hundred_and_a_note() {
    let many_docs = "a: 1\n---\n".repeat(50_000);
    let many_duplicates = format!("{}{}", "a: 1\n", "a: 1\n".repeat(200_000));
    for text in [many_docs, many_duplicates] {
        let out = one(&text);
        assert_eq!(out.diagnostics.len(), 101);
        let note = &out.diagnostics[0];
        assert_eq!(
            note.message,
            "this file has more than 100 problems; the rest are not shown"
        );
    }
}

#[test]
fn the_report_header_counts_columns_in_characters_like_the_json() {
    let text = "apiVersion: integ/v1\nkind: Provider\nmetadata: { name: x, title: \"Čaj\" }\nspec: { baseUrl: 5, auth: { modes: {} } }\n";
    let out = one(text);
    assert_eq!(
        places(&out),
        [(
            4,
            18,
            "`baseUrl` must be a string, found an integer".to_string()
        )]
    );
    // On a line with two-byte characters before the problem, the header still counts
    // characters, like `line_col` and the JSON output.
    let text2 = "{ é: ä, apiVersion: integ/v1, kind: Acton }\n";
    let out2 = one(text2);
    let d = out2
        .diagnostics
        .iter()
        .find(|d| d.message.starts_with("unknown kind"))
        .expect("kind");
    assert_eq!(out2.workspace.files[0].line_col(d.span.start), (1, 37));
    assert_eq!(
        d.span.start, 38,
        "the byte offset differs from the character column"
    );
    let rendered = render::human(&out2.workspace.files, d, false);
    assert!(rendered.contains("t.yaml:1:37]"), "{rendered}");
}

#[test]
fn a_very_long_line_is_shown_as_a_window_around_the_problem() {
    let filler: String = (0..5_000).map(|i| format!("h{i}: v, ")).collect();
    let text = format!(
        "apiVersion: integ/v1\nkind: Provider\nmetadata: {{ name: x }}\nspec: {{ headers: {{ {filler}bad: 5 }}, baseUrl: u, auth: {{ modes: {{}} }} }}\n"
    );
    let out = one(&text);
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    let (line, col) = out.workspace.files[0].line_col(out.diagnostics[0].span.start);
    let rendered = render::human(&out.workspace.files, &out.diagnostics[0], false);
    assert!(
        rendered.len() < 2_000,
        "{} bytes:\n{rendered}",
        rendered.len()
    );
    assert!(
        rendered.contains(&format!("t.yaml:{line}:{col}]")),
        "{rendered}"
    );
    assert!(rendered.contains("bad: 5"), "{rendered}");
    assert!(rendered.contains("expected a string"), "{rendered}");
}
