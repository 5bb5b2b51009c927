//! Whatever the bytes, the loader returns (no panic, no hang), and every diagnostic's span
//! lies within its file's text on character boundaries and renders.

use std::path::PathBuf;

use proptest::prelude::*;

fn check_output(out: &integ_spec::LoadOutput) {
    for d in &out.diagnostics {
        let text = &out.workspace.file(d.file).text;
        assert!(
            d.span.end <= text.len(),
            "span {:?} past the end ({})",
            d.span,
            text.len()
        );
        assert!(text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end));
        assert!(d.help.is_some());
        // Rendering never panics either, even at the end of the text.
        let rendered = integ_spec::render::human(&out.workspace.files, d, false);
        assert!(
            rendered.starts_with("schema") && rendered.contains("help:"),
            "{rendered}"
        );
    }
    let json = integ_spec::render::json(&out.workspace.files, &out.diagnostics);
    assert_eq!(json.as_array().map(Vec::len), Some(out.diagnostics.len()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.yaml");
        std::fs::write(&path, &bytes).expect("write");
        check_output(&integ_spec::load_files(vec![path]));
    }

    #[test]
    fn yaml_like_text_never_panics(text in "[\\[\\]{}:,&*!|>'\"#\\n \\t\\-?~.%@`a-z0-9é]{0,300}") {
        check_output(&integ_spec::load_sources(vec![(PathBuf::from("x.yaml"), text)]));
    }

    #[test]
    fn spec_shaped_text_never_panics(
        kind in "(Provider|AuthProfile|Action|Acton|)",
        body in "[ a-zA-Z:{}\\[\\],\\n\\-\"$.]{0,200}",
    ) {
        let text = format!("apiVersion: integ/v1\nkind: {kind}\nmetadata: {{ name: x }}\nspec:\n  {body}\n");
        check_output(&integ_spec::load_sources(vec![(PathBuf::from("x.yaml"), text)]));
    }
}
