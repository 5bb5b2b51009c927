//! What the importer refuses, and how it says so: an existing file, an unknown operation,
//! a `$ref` cycle or a `$ref` to nothing (never a hang or a panic); and `$ref`s into another
//! file are followed.

use std::path::Path;

use integ_openapi::{ImportError, OpenApi, Options};

fn options(operations: &[&str]) -> Options {
    Options {
        operations: operations.iter().map(|s| s.to_string()).collect(),
        provider: "acme".into(),
        schema: "action.schema.json".into(),
        ..Options::default()
    }
}

/// A one-operation OpenAPI whose request body schema is `body` and whose
/// `components.schemas` are `schemas` (JSON text).
fn tiny(body: &str, schemas: &str) -> String {
    format!(
        r##"{{
  "openapi": "3.0.0",
  "info": {{ "title": "tiny", "version": "1" }},
  "paths": {{
    "/things/{{thingId}}": {{
      "post": {{
        "operationId": "createThing",
        "summary": "Create Thing",
        "parameters": [ {{ "name": "thingId", "in": "path", "required": true, "schema": {{ "type": "string" }} }} ],
        "requestBody": {{ "content": {{ "application/json": {{ "schema": {body} }} }} }},
        "responses": {{ "201": {{ "description": "ok" }} }}
      }}
    }}
  }},
  "components": {{ "schemas": {schemas} }}
}}"##
    )
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn an_existing_file_is_not_overwritten_without_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "api.json",
        &tiny(
            r##"{ "$ref": "#/components/schemas/Thing" }"##,
            r#"{ "Thing": { "type": "object", "properties": { "name": { "type": "string" } } } }"#,
        ),
    );
    let api = OpenApi::load(&file).expect("load");
    let generated = api.import(&options(&["createThing"])).expect("import");
    let out = dir.path().join("out");
    integ_openapi::write(&generated, &out, false).expect("first write");
    let target = out.join("create_thing.yaml");
    std::fs::write(&target, "# mine\n").expect("edit");
    let err = integ_openapi::write(&generated, &out, false).expect_err("refused");
    assert!(
        matches!(&err, ImportError::Exists { path } if *path == target),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}: already exists; pass --force to overwrite it",
            target.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "# mine\n");
    integ_openapi::write(&generated, &out, true).expect("forced");
    assert_eq!(
        std::fs::read_to_string(&target).expect("read"),
        generated[0].text
    );
}

#[test]
fn an_unknown_operation_id_is_refused_with_a_suggestion() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "api.json",
        &tiny(r#"{ "type": "object" }"#, "{}"),
    );
    let api = OpenApi::load(&file).expect("load");
    let err = api
        .import(&options(&["createThings"]))
        .expect_err("unknown");
    assert_eq!(
        err.to_string(),
        "no operation `createThings`; did you mean `createThing`?"
    );
    let err = api
        .import(&options(&["deleteEverything"]))
        .expect_err("unknown");
    assert_eq!(err.to_string(), "no operation `deleteEverything`");
}

#[test]
fn a_ref_cycle_is_an_error_naming_the_pointers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "api.json",
        &tiny(
            r##"{ "$ref": "#/components/schemas/A" }"##,
            r##"{ "A": { "$ref": "#/components/schemas/B" }, "B": { "$ref": "#/components/schemas/A" } }"##,
        ),
    );
    let api = OpenApi::load(&file).expect("load");
    let err = api.import(&options(&["createThing"])).expect_err("a cycle");
    assert!(matches!(err, ImportError::RefCycle { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "$ref cycle at api.json#/paths/~1things~1{thingId}/post/requestBody/content/application~1json/schema: \
         #/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A"
    );
}

#[test]
fn a_schema_that_includes_itself_through_all_of_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "api.json",
        &tiny(
            r##"{ "$ref": "#/components/schemas/A" }"##,
            r##"{ "A": { "allOf": [ { "$ref": "#/components/schemas/A" } ] } }"##,
        ),
    );
    let api = OpenApi::load(&file).expect("load");
    let err = api.import(&options(&["createThing"])).expect_err("a cycle");
    assert_eq!(
        err.to_string(),
        "$ref cycle at api.json#/components/schemas/A/allOf/0: \
         api.json#/components/schemas/A -> api.json#/components/schemas/A (a schema that includes itself)"
    );
}

#[test]
fn a_recursive_property_schema_is_fine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "api.json",
        &tiny(
            r##"{ "$ref": "#/components/schemas/Node" }"##,
            r##"{ "Node": { "type": "object", "properties": { "child": { "$ref": "#/components/schemas/Node" }, "kids": { "type": "array", "items": { "$ref": "#/components/schemas/Node" } } } } }"##,
        ),
    );
    let api = OpenApi::load(&file).expect("load");
    let generated = api.import(&options(&["createThing"])).expect("import");
    assert!(
        generated[0]
            .text
            .contains("accepts:\n      query: []\n      body:\n      - child\n      - kids\n"),
        "{}",
        generated[0].text
    );
}

#[test]
fn a_ref_to_nothing_names_the_ref_and_where_it_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "api.json",
        &tiny(
            r##"{ "type": "object", "properties": { "x": { "$ref": "#/components/schemas/Nope" } } }"##,
            "{}",
        ),
    );
    let api = OpenApi::load(&file).expect("load");
    let err = api.import(&options(&["createThing"])).expect_err("missing");
    assert_eq!(
        err.to_string(),
        "$ref `#/components/schemas/Nope` at api.json#/paths/~1things~1{thingId}/post/requestBody/content/application~1json/schema/properties/x points at nothing"
    );
    let file = write(
        dir.path(),
        "api2.json",
        &tiny(r#"{ "$ref": "missing.json#/X" }"#, "{}"),
    );
    let err = OpenApi::load(&file)
        .expect("load")
        .import(&options(&["createThing"]))
        .expect_err("missing file");
    assert!(
        err.to_string().starts_with("$ref `missing.json#/X` at api2.json#/paths/~1things~1{thingId}/post/requestBody/content/application~1json/schema: "),
        "{err}"
    );
}

#[test]
fn refs_into_another_file_are_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "common/common-schemas.json",
        r##"{ "components": { "schemas": {
            "Dto": { "type": "object", "required": ["kind"], "properties": {
                "kind": { "$ref": "#/components/schemas/Kind" },
                "count": { "type": "integer", "format": "int32" } } },
            "Kind": { "type": "string", "enum": ["a", "b"] } } } }"##,
    );
    let file = write(
        dir.path(),
        "apps/api.json",
        &tiny(
            r#"{ "$ref": "../common/common-schemas.json#/components/schemas/Dto" }"#,
            "{}",
        ),
    );
    let generated = OpenApi::load(&file)
        .expect("load")
        .import(&options(&["createThing"]))
        .expect("import");
    assert_eq!(
        generated[0].text,
        "# yaml-language-server: $schema=action.schema.json
# POST /things/{thingId} (operationId createThing), imported from api.json by `integ import openapi`.
apiVersion: integ/v1
kind: Action
metadata:
  name: create_thing
  title: Create Thing
spec:
  provider: acme
  input:
    type: object
    required:
    - thingId
    - kind
    additionalProperties: false
    properties:
      thingId:
        type: string
      kind:
        type: string
        enum:
        - a
        - b
      count:
        type: integer
        format: int32
  request:
    method: POST
    path: /things/{{ inputs.thingId }}
    body:
      kind: '{{ inputs.kind }}'
      count: '{{ inputs.count }}'
    accepts:
      query: []
      body:
      - kind
      - count
"
    );
}

#[test]
fn a_file_that_is_not_openapi_3_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "swagger.yaml", "swagger: '2.0'\npaths: {}\n");
    let err = OpenApi::load(&file).expect_err("not 3");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not an OpenAPI 3 document: no `openapi: 3.x` field",
            file.display()
        )
    );
    let file = write(dir.path(), "broken.json", "{ \"openapi\": ");
    assert!(matches!(
        OpenApi::load(&file),
        Err(ImportError::Parse { .. })
    ));
}
