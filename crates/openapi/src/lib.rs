//! integ-openapi: turns OpenAPI 3.0 operations into integ `Action` documents.
//!
//! For each selected operation: `metadata.name` is the snake_case of its `operationId`,
//! `title` its `summary`; `scopes` come from its `security` (or the document's);
//! `request.accepts.query` lists its declared query parameters (not header or path ones),
//! `request.accepts.body` the top-level properties of its JSON request-body schema with
//! `$ref`s (local or into other files) resolved and `allOf` merged; `input` is a JSON
//! Schema of the path parameters (required strings), the query parameters and the body
//! properties; every input is mapped into the request by a whole-value template; and
//! `output.select` points at the one object property of the 2xx response, when there is
//! exactly one. The text is written with `serde_norway` (docs/decisions/0017).

mod names;
mod refs;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_norway::{Mapping, Value};

/// The generated document is built as a YAML value too (its mappings keep their order).
type Yaml = Value;

pub use names::{input_name, is_valid_name, snake_case};
use refs::{Files, Node};

/// What can go wrong while importing. Every variant is a usage or I/O problem (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: cannot be read: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: neither JSON nor YAML: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{}: not an OpenAPI 3 document: {message}", path.display())]
    NotOpenApi { path: PathBuf, message: String },
    #[error("no operation `{id}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownOperation {
        id: String,
        suggestion: Option<String>,
    },
    #[error(
        "operation `{operation}` would be named `{name}`, which is not a valid action name (lowercase letters, digits, `_` and `-`, at most 64)"
    )]
    BadName { operation: String, name: String },
    #[error("operations `{first}` and `{second}` would both be named `{name}`")]
    DuplicateName {
        name: String,
        first: String,
        second: String,
    },
    #[error("$ref cycle at {at}: {chain}")]
    RefCycle { at: String, chain: String },
    #[error("$ref `{reference}` at {at} points at nothing")]
    MissingRef { reference: String, at: String },
    #[error(
        "$ref `{reference}` at {at} is remote; only local and relative-file references are followed"
    )]
    RemoteRef { reference: String, at: String },
    #[error("$ref `{reference}` at {at}: {message}")]
    RefFile {
        reference: String,
        at: String,
        message: String,
    },
    #[error("operation `{operation}`: cannot write YAML: {message}")]
    Serialize { operation: String, message: String },
    #[error("{}: already exists; pass --force to overwrite it", path.display())]
    Exists { path: PathBuf },
    #[error("{}: cannot be written: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The HTTP methods an action can have, as OpenAPI path-item keys.
const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The `operationId`, or `METHOD /path` when it has none.
    pub id: String,
    /// Upper case, e.g. `PUT`.
    pub method: String,
    /// The OpenAPI path, e.g. `/contacts/{contactId}`.
    pub path: String,
    pub tags: Vec<String>,
    node: Node,
    item: Node,
}

/// What to import and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Operation ids to import; empty: every operation (of `tag`, when given).
    pub operations: Vec<String>,
    /// Only operations with this tag.
    pub tag: Option<String>,
    /// `spec.provider` of every action.
    pub provider: String,
    /// Action names chosen for some operations (operation id -> name) instead of the
    /// snake_case of the id.
    pub names: BTreeMap<String, String>,
    /// What the `# yaml-language-server: $schema=` line points at.
    pub schema: String,
}

/// One generated action file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub operation_id: String,
    /// `metadata.name`.
    pub name: String,
    /// `<name>.yaml`.
    pub file_name: String,
    pub text: String,
}

/// A loaded OpenAPI document.
#[derive(Debug)]
pub struct OpenApi {
    files: Files,
    root: Node,
    path: PathBuf,
}

impl OpenApi {
    /// Reads an OpenAPI 3 document (JSON or YAML). Relative `$ref` files are read from
    /// its directory when first needed.
    pub fn load(path: &Path) -> Result<OpenApi, ImportError> {
        let files = Files::default();
        let doc = files.load(path)?;
        Self::check(path, &doc)?;
        Ok(OpenApi {
            root: Node::root(path, doc),
            files,
            path: path.to_path_buf(),
        })
    }

    /// An OpenAPI document given as text (JSON or YAML); `path` names it in messages and
    /// anchors relative `$ref` files.
    pub fn parse(path: &Path, text: &str) -> Result<OpenApi, ImportError> {
        let doc = refs::parse(path, text)?;
        Self::check(path, &doc)?;
        let files = Files::default();
        let doc = files.insert(path, doc);
        Ok(OpenApi {
            root: Node::root(path, doc),
            files,
            path: path.to_path_buf(),
        })
    }

    fn check(path: &Path, doc: &Value) -> Result<(), ImportError> {
        let bad = |message: &str| ImportError::NotOpenApi {
            path: path.to_path_buf(),
            message: message.to_owned(),
        };
        let version = match doc.get("openapi") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        match version.as_deref() {
            Some(v) if v.starts_with("3.") => {}
            Some(v) => return Err(bad(&format!("`openapi: {v}` (only 3.x is read)"))),
            None => return Err(bad("no `openapi: 3.x` field")),
        }
        if !doc.get("paths").is_some_and(Value::is_mapping) {
            return Err(bad("no `paths` object"));
        }
        Ok(())
    }

    /// Every operation, in the document's order.
    pub fn operations(&self) -> Vec<Operation> {
        let mut out = Vec::new();
        for (path, item) in self.root.child("paths").entries() {
            // A path item may itself be a `$ref`; an unresolvable one has no operations here
            // (importing it is what reports the problem).
            let item = self.files.resolve(&item).unwrap_or(item);
            for (method, node) in item.entries() {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                let method = method.to_ascii_uppercase();
                let id = node
                    .str("operationId")
                    .map_or_else(|| format!("{method} {path}"), str::to_owned);
                let tags = node
                    .value()
                    .get("tags")
                    .and_then(Value::as_sequence)
                    .map(|t| {
                        t.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(Operation {
                    id,
                    method,
                    path: path.clone(),
                    tags,
                    node,
                    item: item.clone(),
                });
            }
        }
        out
    }

    /// Generates the actions of the selected operations. An empty result means nothing
    /// matched (for example, no operation has the tag).
    pub fn import(&self, options: &Options) -> Result<Vec<Generated>, ImportError> {
        let all = self.operations();
        let known = |id: &str| -> Result<(), ImportError> {
            if all.iter().any(|o| o.id == id) {
                return Ok(());
            }
            let suggestion =
                integ_spec::suggest::did_you_mean(id, all.iter().map(|o| o.id.as_str()))
                    .map(str::to_owned);
            Err(ImportError::UnknownOperation {
                id: id.to_owned(),
                suggestion,
            })
        };
        for id in options.operations.iter().chain(options.names.keys()) {
            known(id)?;
        }
        let selected = all.iter().filter(|o| {
            (options.operations.is_empty() || options.operations.contains(&o.id))
                && options
                    .tag
                    .as_ref()
                    .is_none_or(|t| o.tags.iter().any(|x| x == t))
        });
        let mut out: Vec<Generated> = Vec::new();
        for op in selected {
            let name = match options.names.get(&op.id) {
                Some(n) => n.clone(),
                None => snake_case(&op.id),
            };
            if !is_valid_name(&name) {
                return Err(ImportError::BadName {
                    operation: op.id.clone(),
                    name,
                });
            }
            if let Some(first) = out.iter().find(|g| g.name == name) {
                return Err(ImportError::DuplicateName {
                    name,
                    first: first.operation_id.clone(),
                    second: op.id.clone(),
                });
            }
            let text = self.action(op, &name, options)?;
            out.push(Generated {
                operation_id: op.id.clone(),
                file_name: format!("{name}.yaml"),
                name,
                text,
            });
        }
        Ok(out)
    }

    /// The YAML text of one action.
    fn action(&self, op: &Operation, name: &str, options: &Options) -> Result<String, ImportError> {
        let mut inputs = Inputs::default();

        // Parameters: the path item's, overridden by the operation's (same name and `in`).
        let mut params: Vec<(String, String, Node)> = Vec::new();
        for list in [op.item.child("parameters"), op.node.child("parameters")] {
            for p in list.items() {
                let p = self.files.resolve(&p)?;
                let (Some(pname), Some(loc)) = (p.str("name"), p.str("in")) else {
                    continue;
                };
                let (pname, loc) = (pname.to_owned(), loc.to_owned());
                params.retain(|(n, l, _)| !(*n == pname && *l == loc));
                params.push((pname, loc, p));
            }
        }

        // Path parameters, in the order of the path; every `{x}` is a required string.
        let mut path_template = String::new();
        let mut rest = op.path.as_str();
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                break;
            };
            path_template.push_str(&escape_literal(&rest[..open]));
            let pname = &rest[open + 1..close];
            let mut schema = Mapping::new();
            schema.insert("type".into(), "string".into());
            if let Some((_, _, p)) = params.iter().find(|(n, l, _)| n == pname && l == "path")
                && let Some(d) = p.str("description")
            {
                schema.insert("description".into(), d.into());
            }
            let input = inputs.add(pname, schema, true);
            path_template.push_str(&format!("{{{{ inputs.{input} }}}}"));
            rest = &rest[close + 1..];
        }
        path_template.push_str(&escape_literal(rest));

        // Query parameters.
        let mut accepts_query = Vec::new();
        let mut query = Mapping::new();
        for (pname, loc, p) in &params {
            if loc != "query" {
                continue;
            }
            let schema_node = p.child("schema");
            let mut schema = if schema_node.value().is_mapping() {
                self.schema(&schema_node, 0)?
            } else {
                Mapping::new()
            };
            if !schema.contains_key("description")
                && let Some(d) = p.str("description")
            {
                schema.insert("description".into(), d.into());
            }
            let required = p.value().get("required").and_then(Value::as_bool) == Some(true);
            let input = inputs.add(pname, schema, required);
            accepts_query.push(Yaml::from(pname.as_str()));
            query.insert(pname.as_str().into(), whole(&input));
        }

        // The JSON request body.
        let mut accepts_body: Option<Vec<Yaml>> = Some(Vec::new());
        let mut body: Option<Mapping> = None;
        let request_body = op.node.child("requestBody");
        if request_body.value().is_mapping() {
            let rb = self.files.resolve(&request_body)?;
            match json_media(&rb.child("content")) {
                None => accepts_body = None,
                Some(media) => {
                    let schema = media.child("schema");
                    let (props, required) = if schema.value().is_mapping() {
                        self.shape(&schema, &mut Vec::new())?
                    } else {
                        (Vec::new(), BTreeSet::new())
                    };
                    let mut map = Mapping::new();
                    let mut keys = Vec::new();
                    for (prop, node) in props {
                        let s = self.schema(&node, 0)?;
                        let input = inputs.add(&prop, s, required.contains(&prop));
                        keys.push(Yaml::from(prop.as_str()));
                        map.insert(prop.as_str().into(), whole(&input));
                    }
                    accepts_body = Some(keys);
                    body = Some(map);
                }
            }
        }

        // Scopes: the operation's security, or the document's.
        let security = if op.node.value().get("security").is_some() {
            op.node.child("security")
        } else {
            self.root.child("security")
        };
        let mut scopes: Vec<String> = Vec::new();
        for requirement in security.items() {
            for (_, list) in requirement.entries() {
                for s in list.value().as_sequence().into_iter().flatten() {
                    if let Some(s) = s.as_str()
                        && !scopes.iter().any(|x| x == s)
                    {
                        scopes.push(s.to_owned());
                    }
                }
            }
        }

        let select = self.output_select(op)?;

        // The document, in the order people read it.
        let mut metadata = Mapping::new();
        metadata.insert("name".into(), name.into());
        if let Some(title) = op.node.str("summary").filter(|s| !s.trim().is_empty()) {
            metadata.insert("title".into(), title.trim().into());
        }
        let mut input = Mapping::new();
        input.insert("type".into(), "object".into());
        if !inputs.required.is_empty() {
            input.insert(
                "required".into(),
                Yaml::Sequence(inputs.required.iter().map(|r| r.as_str().into()).collect()),
            );
        }
        input.insert("additionalProperties".into(), false.into());
        input.insert("properties".into(), Yaml::Mapping(inputs.properties));
        let mut request = Mapping::new();
        request.insert("method".into(), op.method.as_str().into());
        request.insert("path".into(), path_template.into());
        if !query.is_empty() {
            request.insert("query".into(), Yaml::Mapping(query));
        }
        if let Some(body) = body {
            request.insert("body".into(), Yaml::Mapping(body));
        }
        let mut accepts = Mapping::new();
        accepts.insert("query".into(), Yaml::Sequence(accepts_query));
        if let Some(b) = accepts_body {
            accepts.insert("body".into(), Yaml::Sequence(b));
        }
        request.insert("accepts".into(), Yaml::Mapping(accepts));
        let mut spec = Mapping::new();
        spec.insert("provider".into(), options.provider.as_str().into());
        if !scopes.is_empty() {
            spec.insert(
                "scopes".into(),
                Yaml::Sequence(scopes.into_iter().map(Yaml::from).collect()),
            );
        }
        spec.insert("input".into(), Yaml::Mapping(input));
        spec.insert("request".into(), Yaml::Mapping(request));
        if let Some(select) = select {
            let mut output = Mapping::new();
            output.insert("select".into(), select.into());
            spec.insert("output".into(), Yaml::Mapping(output));
        }
        let mut doc = Mapping::new();
        doc.insert("apiVersion".into(), integ_spec::API_VERSION.into());
        doc.insert("kind".into(), "Action".into());
        doc.insert("metadata".into(), Yaml::Mapping(metadata));
        doc.insert("spec".into(), Yaml::Mapping(spec));

        let yaml =
            serde_norway::to_string(&Yaml::Mapping(doc)).map_err(|e| ImportError::Serialize {
                operation: op.id.clone(),
                message: e.to_string(),
            })?;
        let source = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let id = match op.node.str("operationId") {
            Some(id) => format!(" (operationId {id})"),
            None => String::new(),
        };
        Ok(format!(
            "# yaml-language-server: $schema={}\n# {} {}{id}, imported from {source} by `integ import openapi`.\n{yaml}",
            options.schema,
            op.method,
            one_line(&op.path),
        ))
    }

    /// `/prop` when the first 2xx JSON response has exactly one object-typed property.
    fn output_select(&self, op: &Operation) -> Result<Option<String>, ImportError> {
        let responses = op.node.child("responses");
        let Some((_, response)) = responses
            .entries()
            .into_iter()
            .filter(|(code, _)| code.starts_with('2'))
            .min_by(|(a, _), (b, _)| a.cmp(b))
        else {
            return Ok(None);
        };
        let response = self.files.resolve(&response)?;
        let Some(media) = json_media(&response.child("content")) else {
            return Ok(None);
        };
        let schema = media.child("schema");
        if !schema.value().is_mapping() {
            return Ok(None);
        }
        let (props, _) = self.shape(&schema, &mut Vec::new())?;
        let mut objects = Vec::new();
        for (prop, node) in props {
            if self.type_of(&node, 0)?.as_deref() == Some("object") {
                objects.push(prop);
            }
        }
        Ok(match objects.as_slice() {
            [one] => Some(format!("/{}", refs::escape(one))),
            _ => None,
        })
    }

    /// The top-level properties (in order) and required names of an object schema;
    /// `allOf` branches are merged, `oneOf`/`anyOf` branches add optional properties.
    #[allow(clippy::type_complexity)]
    fn shape(
        &self,
        node: &Node,
        stack: &mut Vec<String>,
    ) -> Result<(Vec<(String, Node)>, BTreeSet<String>), ImportError> {
        let n = self.files.resolve(node)?;
        let here = n.location();
        if stack.contains(&here) {
            let mut chain = stack.clone();
            chain.push(here);
            return Err(ImportError::RefCycle {
                at: node.location(),
                chain: format!("{} (a schema that includes itself)", chain.join(" -> ")),
            });
        }
        stack.push(here);
        let mut props: Vec<(String, Node)> = n.child("properties").entries();
        let mut required: BTreeSet<String> = n
            .value()
            .get("required")
            .and_then(Value::as_sequence)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        for (key, all) in [("allOf", true), ("oneOf", false), ("anyOf", false)] {
            for branch in n.child(key).items() {
                let (more, req) = self.shape(&branch, stack)?;
                for (k, v) in more {
                    if !props.iter().any(|(p, _)| *p == k) {
                        props.push((k, v));
                    }
                }
                if all {
                    required.extend(req);
                }
            }
        }
        stack.pop();
        Ok((props, required))
    }

    /// The JSON Schema `type` of a schema: as declared, `object` when it has properties,
    /// or the one type all its `anyOf`/`oneOf`/`allOf` branches share.
    fn type_of(&self, node: &Node, depth: usize) -> Result<Option<String>, ImportError> {
        let n = self.files.resolve(node)?;
        let v = n.value();
        if let Some(t) = v.get("type").and_then(Value::as_str) {
            return Ok(Some(t.to_owned()));
        }
        if v.get("properties").is_some() || v.get("additionalProperties").is_some() {
            return Ok(Some("object".to_owned()));
        }
        if depth >= 4 {
            return Ok(None);
        }
        let mut found: Option<Option<String>> = None;
        for key in ["allOf", "oneOf", "anyOf"] {
            for branch in n.child(key).items() {
                let t = self.type_of(&branch, depth + 1)?;
                match &found {
                    None => found = Some(t),
                    Some(f) if *f == t => {}
                    Some(_) => return Ok(None),
                }
            }
        }
        Ok(found.flatten())
    }

    /// The input schema of one property or parameter: its type, format, enum and
    /// description, and for an array the same of its items (one level).
    fn schema(&self, node: &Node, depth: usize) -> Result<Mapping, ImportError> {
        let n = self.files.resolve(node)?;
        let v = n.value();
        let mut out = Mapping::new();
        let ty = self.type_of(&n, 0)?;
        if let Some(t) = &ty {
            out.insert("type".into(), t.as_str().into());
        }
        if let Some(f) = v.get("format").and_then(Value::as_str) {
            out.insert("format".into(), f.into());
        }
        if let Some(e) = v.get("enum").and_then(Value::as_sequence) {
            out.insert("enum".into(), Value::Sequence(e.clone()));
        }
        if ty.as_deref() == Some("array") && depth < 2 {
            let items = n.child("items");
            if items.value().is_mapping() {
                let s = self.schema(&items, depth + 1)?;
                out.insert("items".into(), Yaml::Mapping(s));
            }
        }
        if depth == 0
            && let Some(d) = v.get("description").and_then(Value::as_str)
            && !d.trim().is_empty()
        {
            out.insert("description".into(), d.trim().into());
        }
        Ok(out)
    }
}

/// The inputs collected so far: one per distinct parameter or property name.
#[derive(Default)]
struct Inputs {
    properties: Mapping,
    required: Vec<String>,
    /// original name -> input name
    by_original: BTreeMap<String, String>,
}

impl Inputs {
    /// Adds an input for `original` (the first of a name wins; the same name in the path,
    /// the query and the body is one input) and returns its name.
    fn add(&mut self, original: &str, schema: Mapping, required: bool) -> String {
        let name = match self.by_original.get(original) {
            Some(name) => name.clone(),
            None => {
                let base = input_name(original);
                let mut name = base.clone();
                let mut n = 2;
                while self.properties.contains_key(name.as_str()) {
                    name = format!("{base}_{n}");
                    n += 1;
                }
                self.properties
                    .insert(name.as_str().into(), Yaml::Mapping(schema));
                self.by_original.insert(original.to_owned(), name.clone());
                name
            }
        };
        if required && !self.required.contains(&name) {
            self.required.push(name.clone());
        }
        name
    }
}

/// `"{{ inputs.x }}"`.
fn whole(input: &str) -> Yaml {
    format!("{{{{ inputs.{input} }}}}").into()
}

/// Literal path text, with the template syntax escaped (`{{` -> `{{{{`, `${` -> `$${`).
fn escape_literal(s: &str) -> String {
    s.replace("{{", "{{{{").replace("${", "$${")
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// The JSON media type object of a `content` map: `application/json`, else the first
/// `*/*+json` or `*/json` one.
fn json_media(content: &Node) -> Option<Node> {
    let entries = content.entries();
    entries
        .iter()
        .find(|(k, _)| k == "application/json")
        .or_else(|| {
            entries.iter().find(|(k, _)| {
                let base = k.split(';').next().unwrap_or("").trim();
                base.ends_with("+json") || base.ends_with("/json")
            })
        })
        .map(|(_, n)| n.clone())
}

/// Writes the generated files into `dir` (created if needed). Without `force`, refuses
/// before writing anything when one of them exists. Returns the paths written.
pub fn write(
    generated: &[Generated],
    dir: &Path,
    force: bool,
) -> Result<Vec<PathBuf>, ImportError> {
    let paths: Vec<PathBuf> = generated.iter().map(|g| dir.join(&g.file_name)).collect();
    if !force && let Some(existing) = paths.iter().find(|p| p.exists()) {
        return Err(ImportError::Exists {
            path: existing.clone(),
        });
    }
    std::fs::create_dir_all(dir).map_err(|source| ImportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    for (g, path) in generated.iter().zip(&paths) {
        std::fs::write(path, &g.text).map_err(|source| ImportError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(paths)
}
