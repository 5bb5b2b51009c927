//! Property: whatever the shape of a profile's auth fields (flow or block mappings and
//! lists, `except`/`only`/neither, comments), `--fix` rounds end with no
//! `auth-field-rejected`, and the fixed files still load without a `schema` error.

use std::path::PathBuf;

use integ_lint::{Config, fix, lint_sources};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct ActionSpec {
    strict_query: bool,
    admits_location: bool,
    has_body: bool,
}

#[derive(Debug, Clone)]
enum Filter {
    None,
    Except(Vec<usize>),
    Only(Vec<usize>),
}

#[derive(Debug, Clone)]
struct Field {
    location: &'static str,
    filter: Filter,
    flow_map: bool,
    flow_list: bool,
    comment: bool,
}

fn action_yaml(i: usize, a: &ActionSpec) -> String {
    let admits = if a.admits_location {
        "[locationId]"
    } else {
        "[]"
    };
    let body = if a.has_body {
        "    body: { a: 1 }\n"
    } else {
        ""
    };
    format!(
        "apiVersion: integ/v1\nkind: Action\nmetadata: {{ name: a{i} }}\nspec:\n  provider: hl\n  strict: {{ query: {} }}\n  request:\n    method: POST\n    path: /x\n{body}    accepts: {{ query: {admits}, body: {admits} }}\n",
        a.strict_query
    )
}

fn list(names: &[usize], flow: bool, indent: &str) -> String {
    if flow || names.is_empty() {
        let items: Vec<String> = names.iter().map(|i| format!("a{i}")).collect();
        format!(" [{}]\n", items.join(", "))
    } else {
        let mut s = String::from("\n");
        for i in names {
            s.push_str(&format!("{indent}  - a{i}\n"));
        }
        s
    }
}

fn field_yaml(f: &Field) -> String {
    let comment = if f.comment { "  # note" } else { "" };
    if f.flow_map {
        let filter = match &f.filter {
            Filter::None => String::new(),
            Filter::Except(n) => format!(", except: {}", list(n, true, "").trim()),
            Filter::Only(n) => format!(", only: {}", list(n, true, "").trim()),
        };
        return format!(
            "    - {{ in: {}, key: locationId, value: x{filter} }}{comment}\n",
            f.location
        );
    }
    let mut s = format!(
        "    - in: {}{comment}\n      key: locationId\n      value: x{comment}\n",
        f.location
    );
    match &f.filter {
        Filter::None => {}
        Filter::Except(n) => {
            s.push_str(&format!("      except:{}", list(n, f.flow_list, "      ")))
        }
        Filter::Only(n) => s.push_str(&format!("      only:{}", list(n, f.flow_list, "      "))),
    }
    s
}

fn profile_yaml(fields: &[Field]) -> String {
    let mut s = String::from(
        "apiVersion: integ/v1\nkind: AuthProfile\nmetadata: { name: p }\nspec:\n  provider: hl\n  type: oauth2\n  ownership: custom\n  authorizedBy: user\n  oauth2:\n    clientId: ${env:ID}\n    clientSecret: ${env:SECRET}\n    authorizationUrl: https://api.example.com/oauth/authorize\n    tokenUrl: https://api.example.com/oauth/token\n  fields:\n",
    );
    for f in fields {
        s.push_str(&field_yaml(f));
    }
    s.push_str("# end\n");
    s
}

const PROVIDER: &str = "apiVersion: integ/v1\nkind: Provider\nmetadata: { name: hl }\nspec:\n  baseUrl: https://api.example.com\n  strict: { body: true }\n  allowedHosts: [api.example.com]\n  auth:\n    oauth2:\n      authorizationUrl: https://api.example.com/oauth/authorize\n      tokenUrl: https://api.example.com/oauth/token\n    modes:\n      custom: { developer: true, user: true }\n";

fn subset(n: usize) -> impl Strategy<Value = Vec<usize>> {
    proptest::sample::subsequence((0..n).collect::<Vec<_>>(), 0..=n)
}

fn strategy() -> impl Strategy<Value = (Vec<ActionSpec>, Vec<Field>)> {
    proptest::collection::vec(
        (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(strict_query, admits_location, has_body)| ActionSpec {
                strict_query,
                admits_location,
                has_body,
            },
        ),
        1..5,
    )
    .prop_flat_map(|actions| {
        let n = actions.len();
        let filter = prop_oneof![
            Just(Filter::None),
            subset(n).prop_map(Filter::Except),
            subset(n).prop_map(Filter::Only),
        ];
        let field = (
            prop_oneof![Just("query"), Just("body")],
            filter,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(location, filter, flow_map, flow_list, comment)| Field {
                location,
                filter,
                flow_map,
                flow_list,
                comment,
            });
        (Just(actions), proptest::collection::vec(field, 1..4))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn fix_rounds_end_clean_and_valid((actions, fields) in strategy()) {
        let config = Config::default();
        let mut sources: Vec<(PathBuf, String)> = vec![("provider.yaml".into(), PROVIDER.to_string())];
        for (i, a) in actions.iter().enumerate() {
            sources.push((format!("a{i}.yaml").into(), action_yaml(i, a)));
        }
        sources.push(("profile.yaml".into(), profile_yaml(&fields)));
        let mut outcome = lint_sources(sources.clone(), &config);
        prop_assert!(!outcome.diagnostics.iter().any(|d| d.code == "schema"), "generator wrote invalid YAML: {:#?}", outcome.diagnostics);
        for _ in 0..integ_lint::MAX_FIX_ROUNDS {
            let fixed = fix::apply(&outcome.files, &outcome.diagnostics);
            if fixed.is_empty() {
                break;
            }
            for f in fixed {
                sources[f.file.0 as usize].1 = f.text;
            }
            outcome = lint_sources(sources.clone(), &config);
        }
        let left: Vec<_> = outcome
            .diagnostics
            .iter()
            .filter(|d| d.code == "auth-field-rejected" || d.code == "schema")
            .map(|d| (d.code.clone(), d.message.clone()))
            .collect();
        prop_assert!(left.is_empty(), "left {:#?}\nprofile:\n{}", left, sources.last().map(|s| s.1.as_str()).unwrap_or(""));
    }
}
