//! Every bad fixture under `tests/fixtures/invalid/` gives exactly the diagnostics listed
//! here (code, file, line, column, message), and its rendered report is snapshotted.

use std::path::{Path, PathBuf};

use integ_spec::{Severity, load_files, render};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/invalid")
        .join(name)
}

/// Loads one fixture and returns `(line, column, message)` of each diagnostic, plus the
/// rendered report with the path shortened to `tests/fixtures/invalid/NAME`.
fn check(name: &str) -> (Vec<(usize, usize, String)>, String) {
    let out = load_files(vec![fixture(name)]);
    let file = &out.workspace.files[0];
    let mut found = Vec::new();
    let mut rendered = String::new();
    for d in &out.diagnostics {
        assert_eq!(d.code, "schema");
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(d.file.0, 0);
        assert!(
            d.help.as_deref().is_some_and(|h| !h.is_empty()),
            "{name}: every diagnostic has help"
        );
        let (line, col) = file.line_col(d.span.start);
        found.push((line, col, d.message.clone()));
        if !rendered.is_empty() {
            rendered.push('\n');
        }
        rendered.push_str(&render::human(&out.workspace.files, d, false));
    }
    let full = file.path.display().to_string();
    let rendered = rendered.replace(&full, &format!("tests/fixtures/invalid/{name}"));
    // Only the fixture with a good first document loads anything.
    let good = usize::from(name == "second-document.yaml");
    assert_eq!(
        out.document_count(),
        good,
        "{name}: a bad document must not be loaded"
    );
    (found, rendered)
}

macro_rules! fixture_test {
    ($test:ident, $file:literal, [$(($line:literal, $col:literal, $msg:literal)),+ $(,)?]) => {
        #[test]
        fn $test() {
            let (found, rendered) = check($file);
            let expected: Vec<(usize, usize, String)> = vec![$(($line, $col, $msg.to_string())),+];
            assert_eq!(found, expected);
            insta::assert_snapshot!(stringify!($test), rendered);
        }
    };
}

fixture_test!(
    wrong_type_points_at_the_value,
    "wrong-type.yaml",
    [(7, 15, "`requests` must be an integer, found a string"),]
);

fixture_test!(
    unknown_field_points_at_its_key,
    "unknown-field.yaml",
    [
        (10, 7, "missing required field `key` in `fields item 1`"),
        (
            11,
            7,
            "unknown field `lcoationId`; expected one of except, in, key, only, value"
        ),
    ]
);

fixture_test!(
    missing_field_points_at_the_mapping_key,
    "missing-field.yaml",
    [(6, 3, "missing required field `method` in `request`"),]
);

fixture_test!(
    duplicate_key_points_at_the_second_occurrence,
    "duplicate-key.yaml",
    [(9, 5, "duplicate key `path` in this mapping"),]
);

fixture_test!(
    syntax_error_points_where_the_parser_stopped,
    "syntax-error.yaml",
    [(
        4,
        5,
        "YAML syntax error: while parsing a flow mapping, did not find expected ',' or '}'"
    ),]
);

fixture_test!(
    unknown_kind_points_at_the_value,
    "unknown-kind.yaml",
    [(
        2,
        7,
        "unknown kind `Acton`; expected one of Provider, AuthProfile, Action"
    ),]
);

fixture_test!(
    unknown_api_version_points_at_the_value,
    "unknown-api-version.yaml",
    [(
        1,
        13,
        "unknown apiVersion `integ/v2`; this build understands only `integ/v1`"
    ),]
);

fixture_test!(
    bad_template_points_inside_the_scalar,
    "bad-template.yaml",
    [(8, 24, "unknown template scope `input`"),]
);

fixture_test!(
    bad_env_reference_points_inside_the_quoted_scalar,
    "bad-env.yaml",
    [(
        11,
        20,
        "`HL-CLIENT-SECRET` is not a valid environment variable name"
    ),]
);

fixture_test!(
    except_and_only_together_point_at_only,
    "except-and-only.yaml",
    [(14, 7, "a field may have `except` or `only`, not both"),]
);

fixture_test!(
    tab_indentation_points_at_the_tab,
    "tab-indentation.yaml",
    [(4, 1, "YAML syntax error: a tab character indents this line"),]
);

fixture_test!(
    bare_scalar_document_is_rejected,
    "bare-scalar.yaml",
    [(
        1,
        1,
        "a document must be a mapping with `apiVersion`, `kind`, `metadata` and `spec`, not a string"
    ),]
);

fixture_test!(
    empty_file_is_an_error,
    "empty.yaml",
    [(
        1,
        1,
        "this file is empty; a spec file holds one or more documents"
    ),]
);

fixture_test!(
    invalid_utf8_points_at_the_first_bad_byte,
    "invalid-utf8.yaml",
    [(
        3,
        36,
        "this file is not valid UTF-8 (byte 0xE9 at offset 71)"
    ),]
);

fixture_test!(
    bad_name_points_at_the_name,
    "bad-name.yaml",
    [(3, 19, "`Update Contact` is not a valid name"),]
);

fixture_test!(
    unknown_enum_value_points_at_the_value,
    "unknown-enum.yaml",
    [(
        10,
        11,
        "unknown value `querystring` for `in`; expected one of query, body, header"
    ),]
);

fixture_test!(
    error_in_second_document_has_its_own_line,
    "second-document.yaml",
    [(
        13,
        22,
        "unknown value `FETCH` for `method`; expected one of GET, POST, PUT, PATCH, DELETE"
    ),]
);

fixture_test!(
    unquoted_template_is_explained,
    "unquoted-template.yaml",
    [(
        8,
        11,
        "an unquoted `{{` starts a YAML mapping, not a template"
    ),]
);

#[test]
fn every_fixture_has_a_test() {
    let dir = fixture("");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let source = include_str!("invalid_fixtures.rs");
    for name in names {
        assert!(
            source.contains(&format!("\"{name}\"")),
            "fixture {name} has no test"
        );
    }
}
