//! The SARIF output validates against the official SARIF 2.1.0 JSON Schema (the copy in
//! `tests/data/sarif/`), for clean runs, every rule's bad fixture, fixes and loader errors.

use std::path::PathBuf;

use integ_lint::{Config, FixMode, Options, report};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string("../../tests/data/sarif/sarif-schema-2.1.0.json")
        .expect("schema copy");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .build(&schema)
        .expect("schema compiles")
}

fn sarif_of(paths: &[&str]) -> Value {
    let o = integ_lint::run(&Options {
        paths: paths.iter().map(PathBuf::from).collect(),
        fix: FixMode::Off,
        config: Some(Config::default()),
    })
    .expect("lints");
    report::sarif::render(o.report())
}

fn assert_valid(v: &jsonschema::Validator, sarif: &Value) {
    let errors: Vec<String> = v
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let v = validator();
    // Clean.
    let clean = sarif_of(&["../../specs"]);
    assert_eq!(
        clean["runs"][0]["results"].as_array().map(Vec::len),
        Some(0)
    );
    assert_valid(&v, &clean);
    // The Update Contact case, with its fix.
    let naive = sarif_of(&["../../specs", "../../examples/naive-profile"]);
    assert!(naive["runs"][0]["results"][0]["fixes"].is_array());
    assert_valid(&v, &naive);
    // Every rule's bad fixture at once: all rules, warnings and errors, loader findings.
    let all: Vec<String> = integ_lint::RULES
        .iter()
        .map(|r| format!("../../tests/fixtures/lint/{}/bad", r.id))
        .collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let every = sarif_of(&all);
    let ids: std::collections::BTreeSet<&str> = every["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert_eq!(ids.len(), integ_lint::RULES.len(), "{ids:?}");
    assert_valid(&v, &every);
    // The validator does reject what the schema forbids.
    let mut broken = naive.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!v.is_valid(&broken));
    broken["version"] = "2.0".into();
    assert!(!v.is_valid(&broken));
    // The foundation's invalid files.
    assert_valid(&v, &sarif_of(&["../../tests/fixtures/invalid"]));
}

#[test]
fn sarif_rules_carry_their_documentation() {
    let sarif = sarif_of(&["../../specs"]);
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for (rule, r) in integ_lint::RULES.iter().zip(rules) {
        assert_eq!(r["id"], rule.id);
        assert_eq!(r["help"]["text"], rule.docs());
        assert_eq!(r["shortDescription"]["text"], rule.summary);
        assert_eq!(
            r["defaultConfiguration"]["level"],
            rule.default_severity.as_str()
        );
    }
}
