//! The shipped HighLevel specs agree with HighLevel's own OpenAPI files.
//!
//! Every action under `specs/highlevel/actions/` is looked up by method and path in the
//! copied `specs/highlevel/openapi/apps/contacts.json`, and its scopes and `accepts` are
//! compared with the operation's `security`, query parameters and request-body DTO. The
//! profiles and the provider are checked against the actions and `oauth.json`. The files
//! are read with serde only (YAML -> JSON value -> model), so these checks do not depend
//! on the span-aware loader.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use integ_spec::template::{self, Part, Scope};
use integ_spec::{Action, AuthField, AuthProfile, FieldLocation, Provider};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The actions the project ships, one file each.
const SHIPPED_ACTIONS: [&str; 11] = [
    "add_contact_tags",
    "create_contact",
    "create_contact_note",
    "delete_contact",
    "find_duplicate_contact",
    "get_contact",
    "list_contact_notes",
    "remove_contact_tags",
    "search_contacts",
    "update_contact",
    "upsert_contact",
];

/// Body properties HighLevel accepts (and requires) although its OpenAPI does not declare
/// them. `POST /contacts/search` has an empty `SearchBodyV2DTO`, yet answers 422 without
/// `locationId` and `pageLimit` (EVIDENCE.md, [PUBLIC]). Each entry must be needed, and the
/// action's YAML must say why (a comment containing "Documented exception").
const BODY_BEYOND_SPEC: &[(&str, &[&str])] = &[("search_contacts", &["locationId", "pageLimit"])];

fn repo_root() -> PathBuf {
    let spec_crate = Path::new(env!("CARGO_MANIFEST_DIR"));
    spec_crate
        .ancestors()
        .nth(2)
        .expect("crates/spec sits two levels below the repo root")
        .to_path_buf()
}

fn highlevel_dir() -> PathBuf {
    repo_root().join("specs/highlevel")
}

/// `specs/highlevel/...`, for messages.
fn relative(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// YAML -> JSON value -> typed model, as plain serde sees it.
fn load<T: DeserializeOwned>(path: &Path) -> T {
    let value: Value = serde_norway::from_str(&read(path))
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()));
    serde_json::from_value(value)
        .unwrap_or_else(|e| panic!("{} does not match the spec model: {e}", path.display()))
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| {
            p.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    files.sort();
    files
}

fn actions() -> Vec<(PathBuf, Action)> {
    yaml_files(&highlevel_dir().join("actions"))
        .into_iter()
        .map(|path| {
            let action = load(&path);
            (path, action)
        })
        .collect()
}

fn profiles() -> Vec<(PathBuf, AuthProfile)> {
    yaml_files(&highlevel_dir().join("profiles"))
        .into_iter()
        .map(|path| {
            let profile = load(&path);
            (path, profile)
        })
        .collect()
}

fn provider() -> Provider {
    load(&highlevel_dir().join("provider.yaml"))
}

fn openapi(file: &str) -> Value {
    let path = highlevel_dir().join("openapi/apps").join(file);
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Follows local `$ref`s (`#/components/...`) until a non-reference node.
fn resolve<'a>(doc: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            return node;
        };
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {reference} is not followed by this test"));
        node = doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("$ref {reference} points at nothing"));
    }
    panic!("$ref chain longer than 32 links");
}

/// `/contacts/{{ inputs.contactId }}/notes` -> `/contacts/{contactId}/notes`.
fn openapi_path(action_path: &str) -> String {
    let template = template::parse(action_path)
        .unwrap_or_else(|e| panic!("path {action_path}: {e} ({})", e.help));
    let mut out = String::new();
    for part in &template.parts {
        match part {
            Part::Literal(text) => out.push_str(text),
            Part::Ref(r) if r.scope == Scope::Inputs && r.path.len() == 1 => {
                write!(out, "{{{}}}", r.path[0]).expect("writing to a String");
            }
            other => panic!("path {action_path}: {other:?} is not a path parameter"),
        }
    }
    out
}

/// The input a whole-value template names: `"{{ inputs.tags }}"` -> `tags`.
fn whole_input(value: &Value) -> Option<String> {
    let template = template::parse(value.as_str()?).ok()?;
    let reference = template.whole_value()?;
    match reference.path.as_slice() {
        [input] if reference.scope == Scope::Inputs => Some(input.clone()),
        _ => None,
    }
}

fn required_inputs(action: &Action) -> BTreeSet<String> {
    strings(action.spec.input.get("required"))
}

fn strings(value: Option<&Value>) -> BTreeSet<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|v| v.as_str().expect("a string").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut items = items.to_vec();
    items.sort();
    items
}

fn beyond_spec(action: &str) -> &'static [&'static str] {
    BODY_BEYOND_SPEC
        .iter()
        .find(|(name, _)| *name == action)
        .map_or(&[], |(_, extra)| extra)
}

/// What one OpenAPI operation declares, in the terms of an action.
struct Declared {
    title: String,
    scopes: Vec<String>,
    query: Vec<String>,
    required_query: BTreeSet<String>,
    path_params: BTreeSet<String>,
    body: Vec<String>,
    required_body: BTreeSet<String>,
    version: Vec<String>,
}

fn declared(doc: &Value, method: &str, path: &str) -> Result<Declared, String> {
    let Some(item) = doc["paths"].get(path) else {
        return Err(format!("contacts.json has no path `{path}`"));
    };
    let Some(op) = item.get(method.to_ascii_lowercase()) else {
        let methods: Vec<String> = item
            .as_object()
            .map(|o| o.keys().map(|k| k.to_ascii_uppercase()).collect())
            .unwrap_or_default();
        return Err(format!(
            "contacts.json has no `{method} {path}`; that path has {}",
            methods.join(", ")
        ));
    };
    let mut d = Declared {
        title: op["summary"].as_str().unwrap_or_default().to_owned(),
        scopes: Vec::new(),
        query: Vec::new(),
        required_query: BTreeSet::new(),
        path_params: BTreeSet::new(),
        body: Vec::new(),
        required_body: BTreeSet::new(),
        version: Vec::new(),
    };
    for requirement in op["security"].as_array().into_iter().flatten() {
        for scopes in requirement.as_object().into_iter().flat_map(|o| o.values()) {
            for scope in strings(Some(scopes)) {
                if !d.scopes.contains(&scope) {
                    d.scopes.push(scope);
                }
            }
        }
    }
    for param in op["parameters"].as_array().into_iter().flatten() {
        let param = resolve(doc, param);
        let name = param["name"].as_str().expect("parameter name").to_owned();
        let required = param["required"].as_bool().unwrap_or(false);
        match param["in"].as_str() {
            Some("query") => {
                if required {
                    d.required_query.insert(name.clone());
                }
                d.query.push(name);
            }
            Some("path") => {
                d.path_params.insert(name);
            }
            Some("header") if name == "Version" => {
                d.version = strings(Some(&param["schema"]["enum"]))
                    .into_iter()
                    .collect();
            }
            _ => {}
        }
    }
    if let Some(body) = op.get("requestBody") {
        let body = resolve(doc, body);
        let schema = resolve(doc, &body["content"]["application/json"]["schema"]);
        assert!(
            schema.get("allOf").is_none() && schema.get("oneOf").is_none(),
            "{method} {path}: composed body schemas are not handled by this test"
        );
        if let Some(props) = schema["properties"].as_object() {
            d.body = props.keys().cloned().collect();
        }
        d.required_body = strings(schema.get("required"));
    }
    d.query.sort();
    d.body.sort();
    d.scopes.sort();
    Ok(d)
}

#[test]
fn every_shipped_action_matches_its_openapi_operation() {
    let doc = openapi("contacts.json");
    let mut problems = Vec::new();
    for (file, action) in actions() {
        let name = &action.metadata.name;
        let method = action.spec.request.method.as_str();
        let path = openapi_path(&action.spec.request.path);
        let d = match declared(&doc, method, &path) {
            Ok(d) => d,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        let file = relative(&file);
        let mut expect = |what: &str, shipped: String, openapi: String, source: &str| {
            if shipped != openapi {
                problems.push(format!(
                    "{name} ({file}): {what} is {shipped}, but {source} of {method} {path} in contacts.json is {openapi}"
                ));
            }
        };
        expect(
            "metadata.title",
            format!("{:?}", action.metadata.title.as_deref().unwrap_or("")),
            format!("{:?}", d.title),
            "the summary",
        );
        expect(
            "spec.scopes",
            format!("{:?}", sorted(&action.spec.scopes)),
            format!("{:?}", d.scopes),
            "the security",
        );
        let accepts = &action.spec.request.accepts;
        expect(
            "request.accepts.query",
            format!("{:?}", accepts.query.as_deref().map(sorted)),
            format!("{:?}", Some(&d.query)),
            "the query parameters",
        );
        let mut body = d.body.clone();
        body.extend(beyond_spec(name).iter().map(|s| s.to_string()));
        body.sort();
        expect(
            "request.accepts.body",
            format!("{:?}", accepts.body.as_deref().map(sorted)),
            format!("{:?}", Some(&body)),
            "the body DTO (plus BODY_BEYOND_SPEC)",
        );
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn shipped_actions_are_the_eleven_contacts_actions_one_per_file_and_operation() {
    let actions = actions();
    let names: Vec<&str> = actions
        .iter()
        .map(|(_, a)| a.metadata.name.as_str())
        .collect();
    assert_eq!(names, SHIPPED_ACTIONS);
    let mut operations = BTreeMap::new();
    for (file, action) in &actions {
        assert_eq!(action.api_version, "integ/v1", "{}", file.display());
        assert_eq!(action.kind, "Action", "{}", file.display());
        assert_eq!(action.spec.provider, "highlevel", "{}", file.display());
        assert_eq!(
            file.file_stem().and_then(|s| s.to_str()),
            Some(action.metadata.name.as_str()),
            "a file is named after its action"
        );
        let operation = format!(
            "{} {}",
            action.spec.request.method.as_str(),
            openapi_path(&action.spec.request.path)
        );
        if let Some(other) = operations.insert(operation.clone(), action.metadata.name.clone()) {
            panic!(
                "{operation} is shipped twice: {other} and {}",
                action.metadata.name
            );
        }
    }
}

#[test]
fn body_beyond_spec_entries_are_needed_and_documented_in_the_yaml() {
    let doc = openapi("contacts.json");
    let actions = actions();
    for (action_name, extra) in BODY_BEYOND_SPEC {
        let (file, action) = actions
            .iter()
            .find(|(_, a)| a.metadata.name == *action_name)
            .unwrap_or_else(|| {
                panic!("BODY_BEYOND_SPEC names {action_name}, which is not shipped")
            });
        let d = declared(
            &doc,
            action.spec.request.method.as_str(),
            &openapi_path(&action.spec.request.path),
        )
        .expect("the operation exists");
        for key in *extra {
            assert!(
                !d.body.iter().any(|k| k == key),
                "{action_name}: `{key}` is declared by the OpenAPI now; drop it from BODY_BEYOND_SPEC"
            );
        }
        assert!(
            read(file).contains("Documented exception"),
            "{}: say in a comment why accepts.body goes beyond the OpenAPI",
            file.display()
        );
    }
}

/// Whether every shipped profile supplies `key` in `location` for `action`.
fn every_profile_supplies(
    profiles: &[(PathBuf, AuthProfile)],
    location: FieldLocation,
    key: &str,
    action: &str,
) -> bool {
    profiles.iter().all(|(_, p)| {
        p.spec
            .fields
            .iter()
            .any(|f| f.location == location && f.key == key && f.applies_to(action))
    })
}

#[test]
fn what_highlevel_requires_comes_from_a_required_input_or_every_profile() {
    let doc = openapi("contacts.json");
    let profiles = profiles();
    let mut problems = Vec::new();
    for (_, action) in actions() {
        let name = action.metadata.name.as_str();
        let request = &action.spec.request;
        let d = declared(&doc, request.method.as_str(), &openapi_path(&request.path))
            .expect("the operation exists");
        let required = required_inputs(&action);
        let from_required_input = |template: Option<&Value>| {
            template
                .and_then(whole_input)
                .is_some_and(|input| required.contains(&input))
        };
        let mut required_body = d.required_body.clone();
        required_body.extend(beyond_spec(name).iter().map(|s| s.to_string()));
        for key in &required_body {
            let body_value = request.body.as_ref().and_then(|b| b.get(key));
            if !from_required_input(body_value)
                && !every_profile_supplies(&profiles, FieldLocation::Body, key, name)
            {
                problems.push(format!(
                    "{name}: HighLevel requires body `{key}`; map it from a required input or add {name} to every profile's body field"
                ));
            }
        }
        for key in &d.required_query {
            if !from_required_input(request.query.get(key))
                && !every_profile_supplies(&profiles, FieldLocation::Query, key, name)
            {
                problems.push(format!(
                    "{name}: HighLevel requires query `{key}`; map it from a required input or from every profile's query field"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn path_parameters_are_required_string_inputs() {
    let doc = openapi("contacts.json");
    for (_, action) in actions() {
        let request = &action.spec.request;
        let path = openapi_path(&request.path);
        let d = declared(&doc, request.method.as_str(), &path).expect("the operation exists");
        let required = required_inputs(&action);
        for param in &d.path_params {
            assert!(
                required.contains(param),
                "{}: path parameter {param} must be a required input",
                action.metadata.name
            );
            assert_eq!(
                action.spec.input["properties"][param]["type"], "string",
                "{}: input {param}",
                action.metadata.name
            );
        }
        assert!(
            !path.contains("{{"),
            "{}: unconverted template in {path}",
            action.metadata.name
        );
    }
}

#[test]
fn request_templates_send_only_what_the_action_accepts() {
    for (_, action) in actions() {
        let name = &action.metadata.name;
        let request = &action.spec.request;
        let accepts_body = request.accepts.body.clone().unwrap_or_default();
        let accepts_query = request.accepts.query.clone().unwrap_or_default();
        let inputs = action.spec.input["properties"]
            .as_object()
            .map(|o| o.keys().cloned().collect::<BTreeSet<_>>())
            .unwrap_or_default();
        let body = request
            .body
            .as_ref()
            .map(|b| b.as_object().expect("a JSON object body").clone())
            .unwrap_or_default();
        for (key, value) in &body {
            assert!(
                accepts_body.contains(key),
                "{name}: body `{key}` is not in accepts.body"
            );
            let input = whole_input(value).unwrap_or_else(|| panic!("{name}: body `{key}`"));
            assert!(
                inputs.contains(&input),
                "{name}: body `{key}` names undeclared input {input}"
            );
        }
        for (key, value) in &request.query {
            assert!(
                accepts_query.contains(key),
                "{name}: query `{key}` is not in accepts.query"
            );
            let input = whole_input(value).unwrap_or_else(|| panic!("{name}: query `{key}`"));
            assert!(
                inputs.contains(&input),
                "{name}: query `{key}` names undeclared input {input}"
            );
        }
    }
}

#[test]
fn profile_fields_use_exactly_one_of_except_or_only_naming_shipped_actions() {
    let profiles = profiles();
    assert_eq!(
        profiles
            .iter()
            .map(|(_, p)| p.metadata.name.as_str())
            .collect::<Vec<_>>(),
        ["highlevel-custom-developer", "highlevel-custom-user"]
    );
    for (file, profile) in &profiles {
        assert_eq!(profile.kind, "AuthProfile", "{}", file.display());
        assert_eq!(profile.spec.provider, "highlevel", "{}", file.display());
        for field in &profile.spec.fields {
            let where_ = format!(
                "{}: field {} {}",
                file.display(),
                field.location.as_str(),
                field.key
            );
            let listed = match (&field.except, &field.only) {
                (Some(list), None) | (None, Some(list)) => list,
                _ => panic!("{where_}: needs exactly one of except/only"),
            };
            for name in listed {
                assert!(
                    SHIPPED_ACTIONS.contains(&name.as_str()),
                    "{where_}: names unknown action {name}"
                );
            }
        }
    }
}

/// A field goes only where the action accepts it, or where that part of the request is not
/// strict (the shipped specs must be clean under `auth-field-rejected`).
fn field_rejected_by(field: &AuthField, action: &Action, provider: &Provider) -> bool {
    let accepts = &action.spec.request.accepts;
    let (strict, accepted) = match field.location {
        FieldLocation::Query => (
            action.spec.strict.query.or(provider.spec.strict.query),
            &accepts.query,
        ),
        FieldLocation::Body => (
            action.spec.strict.body.or(provider.spec.strict.body),
            &accepts.body,
        ),
        FieldLocation::Header => return false,
    };
    field.applies_to(&action.metadata.name)
        && strict == Some(true)
        && accepted
            .as_ref()
            .is_some_and(|keys| !keys.contains(&field.key))
}

#[test]
fn shipped_profiles_send_location_id_only_where_highlevel_accepts_it() {
    let provider = provider();
    let actions = actions();
    for (file, profile) in profiles() {
        let keys: Vec<(FieldLocation, &str)> = profile
            .spec
            .fields
            .iter()
            .map(|f| (f.location, f.key.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                (FieldLocation::Query, "locationId"),
                (FieldLocation::Body, "locationId")
            ],
            "{}",
            file.display()
        );
        for field in &profile.spec.fields {
            assert_eq!(field.value, "{{ token.locationId }}");
            for (_, action) in &actions {
                assert!(
                    !field_rejected_by(field, action, &provider),
                    "{}: {} {} would be rejected by {}",
                    file.display(),
                    field.location.as_str(),
                    field.key,
                    action.metadata.name
                );
            }
        }
        let body = &profile.spec.fields[1];
        let with_body: Vec<&str> = actions
            .iter()
            .map(|(_, a)| a.metadata.name.as_str())
            .filter(|a| body.applies_to(a))
            .collect();
        assert_eq!(
            with_body,
            ["create_contact", "search_contacts", "upsert_contact"]
        );
        let query = &profile.spec.fields[0];
        assert_eq!(
            query.except.as_deref(),
            Some(&["update_contact".to_owned()][..])
        );
    }
}

#[test]
fn update_contact_is_query_strict_and_takes_no_location_id() {
    let (_, update) = actions()
        .into_iter()
        .find(|(_, a)| a.metadata.name == "update_contact")
        .expect("update_contact is shipped");
    assert_eq!(update.spec.strict.query, Some(true));
    assert_eq!(update.spec.request.accepts.query, Some(vec![]));
    let body = update.spec.request.accepts.body.expect("accepts.body");
    assert!(!body.iter().any(|k| k == "locationId"));
}

#[test]
fn profiles_grant_every_scope_a_shipped_action_needs() {
    let needed: BTreeSet<String> = actions()
        .into_iter()
        .flat_map(|(_, a)| a.spec.scopes)
        .collect();
    assert_eq!(
        needed,
        BTreeSet::from(["contacts.readonly".to_owned(), "contacts.write".to_owned()])
    );
    for (file, profile) in profiles() {
        let oauth2 = profile.spec.oauth2.expect("oauth2");
        let granted: BTreeSet<String> = oauth2.scopes.into_iter().collect();
        assert_eq!(granted, needed, "{}", file.display());
        assert_eq!(oauth2.client_id, "${env:HL_CLIENT_ID}");
        assert_eq!(oauth2.client_secret, "${env:HL_CLIENT_SECRET}");
    }
}

#[test]
fn provider_matches_the_openapi_servers_version_and_token_endpoint() {
    let provider = provider();
    let contacts = openapi("contacts.json");
    let oauth = openapi("oauth.json");
    assert_eq!(
        contacts["servers"][0]["url"].as_str(),
        Some(provider.spec.base_url.as_str())
    );
    let version = provider
        .spec
        .headers
        .get("Version")
        .expect("Version header");
    for (_, action) in actions() {
        let request = &action.spec.request;
        let d = declared(
            &contacts,
            request.method.as_str(),
            &openapi_path(&request.path),
        )
        .expect("the operation exists");
        assert_eq!(
            d.version,
            std::slice::from_ref(version),
            "{}",
            action.metadata.name
        );
    }
    let oauth2 = provider.spec.auth.oauth2.as_ref().expect("oauth2");
    let token_url = format!(
        "{}/oauth/token",
        oauth["servers"][0]["url"].as_str().expect("servers")
    );
    assert_eq!(oauth2.token_url, token_url);
    let token_op = &oauth["paths"]["/oauth/token"]["post"];
    let form = resolve(
        &oauth,
        &token_op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"],
    );
    for (key, value) in &oauth2.token_params {
        let allowed = strings(Some(&form["properties"][key]["enum"]));
        assert!(
            allowed.contains(value),
            "tokenParams {key}={value}: oauth.json allows {allowed:?}"
        );
    }
    let response = resolve(
        &oauth,
        &token_op["responses"]["200"]["content"]["application/json"]["schema"],
    );
    for field in &oauth2.token_fields {
        assert!(
            response["properties"].get(field).is_some(),
            "tokenFields {field} is not in the token response of oauth.json"
        );
    }
    assert_eq!(provider.spec.strict.body, Some(true));
    assert_eq!(provider.spec.strict.query, Some(false));
}

#[test]
fn naive_profile_differs_from_the_user_profile_only_by_the_missing_query_except() {
    let naive: AuthProfile = load(&repo_root().join("examples/naive-profile/highlevel-naive.yaml"));
    let (_, user) = profiles()
        .into_iter()
        .find(|(_, p)| p.metadata.name == "highlevel-custom-user")
        .expect("the user profile is shipped");
    let mut fixed = naive.spec.clone();
    fixed.fields[0].except = Some(vec!["update_contact".to_owned()]);
    assert_eq!(fixed, user.spec);
    assert!(naive.spec.fields[0].applies_to("update_contact"));
}
