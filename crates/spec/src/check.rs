//! From a read YAML document to a typed one: `apiVersion`/`kind`, the JSON Schema of the
//! kind, then checks the schema cannot express well (templates, `except` with `only`).
//! Every JSON Schema error is turned into a diagnostic at the exact node, with a message
//! of our own (jsonschema's wording is made for JSON, not for someone editing YAML).

use jsonschema::error::{ValidationError, ValidationErrorKind};
use serde_json::Value;

use crate::diag::{Diagnostic, Span};
use crate::load::schema_diagnostic;
use crate::model::{API_VERSION, Action, AuthProfile, Kind, Provider};
use crate::schema;
use crate::suggest::did_you_mean;
use crate::template;
use crate::workspace::{FileId, SpanMap};

/// A document that passed every check, typed.
#[derive(Debug)]
pub(crate) enum Checked {
    Provider(Provider),
    AuthProfile(AuthProfile),
    Action(Action),
}

struct Ctx<'a> {
    file: FileId,
    text: &'a str,
    spans: &'a SpanMap,
    out: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn push(&mut self, span: Span, message: String, help: String) {
        self.out
            .push(schema_diagnostic(self.file, span, message, help));
    }

    /// Sets the short label shown under the underline of the last diagnostic.
    fn label(&mut self, text: impl Into<String>) {
        if let Some(d) = self.out.last_mut() {
            d.label = Some(text.into());
        }
    }

    fn value_span(&self, pointer: &str) -> Span {
        self.spans.nearest(pointer).value
    }

    fn key_span(&self, pointer: &str) -> Span {
        let s = self.spans.nearest(pointer);
        s.key.unwrap_or(s.value)
    }

    /// Where to point for a whole mapping: its key if it has one, else its first line
    /// (underlining a whole document helps nobody).
    fn mapping_span(&self, pointer: &str) -> Span {
        let s = self.spans.nearest(pointer);
        if let Some(k) = s.key {
            return k;
        }
        let v = s.value;
        let line_end = self.text[v.start.min(self.text.len())..]
            .find('\n')
            .map_or(self.text.len(), |i| v.start + i);
        Span::new(v.start, v.end.min(line_end))
    }
}

/// Checks one document; returns it typed when it has no error. Diagnostics go to `out`.
pub(crate) fn check_document(
    file: FileId,
    text: &str,
    value: Value,
    spans: &SpanMap,
    out: &mut Vec<Diagnostic>,
) -> Option<Checked> {
    let mut cx = Ctx {
        file,
        text,
        spans,
        out: Vec::new(),
    };
    let typed = check(&mut cx, value);
    cx.out.sort_by_key(|d| (d.span.start, d.span.end));
    cx.out
        .dedup_by(|a, b| a.span == b.span && a.message == b.message);
    // A value of the wrong type also fails its `enum`/`const`; the type says it all.
    let wrong_type: Vec<Span> = cx
        .out
        .iter()
        .filter(|d| {
            d.label
                .as_deref()
                .is_some_and(|l| l.starts_with("expected "))
        })
        .map(|d| d.span)
        .collect();
    cx.out.retain(|d| {
        !wrong_type.contains(&d.span)
            || d.label
                .as_deref()
                .is_some_and(|l| l.starts_with("expected "))
    });
    let ok = cx.out.is_empty();
    out.append(&mut cx.out);
    if ok { typed } else { None }
}

/// Checks `value` and, when it has no problem, moves it into the typed model (its strings
/// and values are moved, not copied).
fn check(cx: &mut Ctx<'_>, value: Value) -> Option<Checked> {
    let kind = check_value(cx, &value)?;
    let typed = match kind {
        Kind::Provider => serde_json::from_value(value).map(Checked::Provider),
        Kind::AuthProfile => serde_json::from_value(value).map(Checked::AuthProfile),
        Kind::Action => serde_json::from_value(value).map(Checked::Action),
    };
    match typed {
        Ok(t) => Some(t),
        Err(e) => {
            // The schema is generated from these types, so this means a gap between the two.
            cx.push(
                cx.mapping_span(""),
                format!(
                    "this document does not fit the {} model: {e}",
                    kind.as_str()
                ),
                "compare the document with the schema in `schemas/`".into(),
            );
            None
        }
    }
}

/// Every check of a document but the typed model's; its kind when it passed them all.
fn check_value(cx: &mut Ctx<'_>, value: &Value) -> Option<Kind> {
    let Some(obj) = value.as_object() else {
        let found = type_name(value);
        cx.push(
            cx.value_span(""),
            format!("a document must be a mapping with `apiVersion`, `kind`, `metadata` and `spec`, not {found}"),
            format!("start the document with `apiVersion: {API_VERSION}` and `kind: Provider`, `AuthProfile` or `Action`"),
        );
        return None;
    };
    match obj.get("apiVersion") {
        None => cx.push(
            cx.mapping_span(""),
            "missing required field `apiVersion` in this document".into(),
            format!("add `apiVersion: {API_VERSION}`"),
        ),
        Some(Value::String(v)) if v == API_VERSION => {}
        Some(other) => cx.push(
            cx.value_span("/apiVersion"),
            format!(
                "unknown apiVersion `{}`; this build understands only `{API_VERSION}`",
                scalar_text(other)
            ),
            format!("write `apiVersion: {API_VERSION}`"),
        ),
    }
    if obj.get("apiVersion").is_some_and(|v| v != API_VERSION) {
        cx.label("unknown apiVersion");
    }
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    let kind = match obj.get("kind") {
        None => {
            cx.push(
                cx.mapping_span(""),
                "missing required field `kind` in this document".into(),
                format!("add `kind:` with one of {}", kinds.join(", ")),
            );
            None
        }
        Some(Value::String(k)) if Kind::parse(k).is_some() => Kind::parse(k),
        Some(other) => {
            let text = scalar_text(other);
            let help = match did_you_mean(&text, kinds.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? The kinds are {}", kinds.join(", ")),
                None => format!("use one of {}", kinds.join(", ")),
            };
            cx.push(
                cx.value_span("/kind"),
                format!(
                    "unknown kind `{text}`; expected one of {}",
                    kinds.join(", ")
                ),
                help,
            );
            cx.label("unknown kind");
            None
        }
    };
    let kind = kind?;
    let root = schema::cached(kind);
    let validator = schema::validator(kind);
    // Most documents are valid: `is_valid` stops at nothing and collects no errors.
    if !validator.is_valid(value) {
        for error in validator.iter_errors(value) {
            map_error(cx, root, value, &error);
        }
    }
    check_strings(cx, value);
    if kind == Kind::Action {
        check_input_schema(cx, value);
    }
    if !cx.out.is_empty() {
        return None;
    }
    Some(kind)
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The last key of a pointer, for messages (`spec` for `/spec`, `the document` for "").
fn last_key(pointer: &str) -> String {
    match pointer.rsplit('/').next() {
        Some(k) if !pointer.is_empty() => {
            if k.parse::<usize>().is_ok() {
                let parent = &pointer[..pointer.len() - k.len() - 1];
                format!(
                    "{} item {}",
                    last_key(parent),
                    k.parse::<usize>().unwrap_or(0) + 1
                )
            } else {
                unescape(k)
            }
        }
        _ => "this document".into(),
    }
}

/// `` `spec` `` for a key, `this document` for the root.
fn quoted_key(pointer: &str) -> String {
    if pointer.is_empty() {
        "this document".into()
    } else {
        format!("`{}`", last_key(pointer))
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null (an empty value)",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn expected_type(schema: Option<&Value>) -> Option<(String, &'static str)> {
    let t = schema?.get("type")?;
    let names: Vec<&str> = match t {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| *s != "null")
            .collect(),
        _ => return None,
    };
    let first = *names.first()?;
    let (word, help) = match first {
        "string" => ("a string", "quote the value, e.g. `\"...\"`"),
        "integer" => ("an integer", "write a whole number without quotes"),
        "number" => ("a number", "write a number without quotes"),
        "boolean" => ("a boolean", "write `true` or `false`"),
        "array" => (
            "a sequence",
            "write a list, e.g. `[a, b]` or one `- item` per line",
        ),
        "object" => (
            "a mapping",
            "write the fields as `key: value` lines indented under this key",
        ),
        _ => return None,
    };
    Some((word.to_string(), help))
}

fn map_error(cx: &mut Ctx<'_>, root: &Value, instance: &Value, error: &ValidationError<'_>) {
    let path = error.instance_path().as_str().to_string();
    // apiVersion and kind were reported above with better words.
    if path == "/apiVersion" || path == "/kind" {
        return;
    }
    let here = instance.pointer(&path);
    let schema_here = schema::subschema_at(root, &path);
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let expected = schema_here
                .map(|s| schema::property_names(root, s))
                .unwrap_or_default();
            for name in unexpected {
                let span = cx.key_span(&format!("{path}/{}", escape(name)));
                let help = match did_you_mean(name, expected.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("remove `{name}`; {} has no such field", quoted_key(&path)),
                };
                cx.push(
                    span,
                    format!(
                        "unknown field `{name}`; expected one of {}",
                        expected.join(", ")
                    ),
                    help,
                );
                cx.label("unknown field");
            }
        }
        ValidationErrorKind::Required { property } => {
            let property = scalar_text(property);
            let description = schema::subschema_at(root, &format!("{path}/{}", escape(&property)))
                .and_then(|s| s.get("description"))
                .and_then(Value::as_str)
                .map(|d| format!(" ({})", d.trim_end_matches('.')))
                .unwrap_or_default();
            cx.push(
                cx.mapping_span(&path),
                format!(
                    "missing required field `{property}` in {}",
                    quoted_key(&path)
                ),
                format!("add `{property}:`{description}"),
            );
            cx.label(format!("`{property}` is missing here"));
        }
        ValidationErrorKind::Type { .. } => {
            let found = here.map_or("nothing", type_name);
            let (word, help) = expected_type(schema_here)
                .unwrap_or(("another type".into(), "see the schema in `schemas/`"));
            cx.push(
                cx.value_span(&path),
                format!("`{}` must be {word}, found {found}", last_key(&path)),
                help.to_string(),
            );
            cx.label(format!("expected {word}"));
        }
        ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. } => {
            enum_error(cx, root, &path, here)
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            let allowed = schema_here
                .map(|s| schema::allowed_values(root, s))
                .unwrap_or_default();
            if !allowed.is_empty() && here.is_some_and(|v| !v.is_object() && !v.is_array()) {
                enum_error(cx, root, &path, here);
                return;
            }
            // `Option<T>` is `anyOf: [T, null]`: report the errors of the branch that is
            // not merely "wrong type at this very node".
            let informative: Vec<&Vec<ValidationError<'static>>> = context
                .iter()
                .filter(|branch| {
                    !branch.iter().all(|e| {
                        matches!(e.kind(), ValidationErrorKind::Type { .. })
                            && e.instance_path().as_str() == path
                    })
                })
                .collect();
            if let [branch] = informative.as_slice() {
                for e in branch.iter() {
                    map_error(cx, root, instance, e);
                }
            } else if let Some(first) = context.iter().flatten().next() {
                map_error(cx, root, instance, first);
            } else {
                generic(cx, &path, error);
            }
        }
        ValidationErrorKind::Not { .. } => {
            let both = here
                .and_then(Value::as_object)
                .is_some_and(|o| o.contains_key("except") && o.contains_key("only"));
            if both {
                cx.push(
                    cx.key_span(&format!("{path}/only")),
                    "a field may have `except` or `only`, not both".into(),
                    "keep `except` (the actions it is not sent with) or `only` (the only actions it is sent with)".into(),
                );
                cx.label("`except` is set too");
            } else {
                generic(cx, &path, error);
            }
        }
        ValidationErrorKind::Pattern { .. } if path == "/metadata/name" => {
            let name = here.map(scalar_text).unwrap_or_default();
            cx.push(
                cx.value_span(&path),
                format!("`{name}` is not a valid name"),
                "use lowercase letters, digits, `-` and `_`, starting and ending with a letter or digit (at most 64 characters)".into(),
            );
        }
        ValidationErrorKind::Minimum { limit } => {
            let found = here.map(scalar_text).unwrap_or_default();
            cx.push(
                cx.value_span(&path),
                format!(
                    "`{}` must be at least {limit}, found {found}",
                    last_key(&path)
                ),
                format!("use a value of {limit} or more"),
            );
        }
        ValidationErrorKind::Maximum { limit } => {
            let found = here.map(scalar_text).unwrap_or_default();
            cx.push(
                cx.value_span(&path),
                format!(
                    "`{}` must be at most {limit}, found {found}",
                    last_key(&path)
                ),
                format!("use a value of {limit} or less"),
            );
        }
        _ => generic(cx, &path, error),
    }
}

fn enum_error(cx: &mut Ctx<'_>, root: &Value, path: &str, here: Option<&Value>) {
    let allowed = schema::subschema_at(root, path)
        .map(|s| schema::allowed_values(root, s))
        .unwrap_or_default();
    let value = here.map(scalar_text).unwrap_or_default();
    let help = match did_you_mean(&value, allowed.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("use one of {}", allowed.join(", ")),
    };
    cx.push(
        cx.value_span(path),
        format!(
            "unknown value `{value}` for `{}`; expected one of {}",
            last_key(path),
            allowed.join(", ")
        ),
        help,
    );
    cx.label("unknown value");
}

fn generic(cx: &mut Ctx<'_>, path: &str, error: &ValidationError<'_>) {
    cx.push(
        cx.value_span(path),
        format!("`{}` is invalid: {error}", last_key(path)),
        "see the schema of this kind in `schemas/`".into(),
    );
}

/// JSON Schema's type names, for `input` schemas.
const JSON_TYPES: [&str; 7] = [
    "string", "number", "integer", "boolean", "object", "array", "null",
];

/// An action's `input` must itself be a valid JSON Schema (draft 2020-12): checked against
/// the bundled meta-schema, the first problem reported at its node. An input that names
/// another meta-schema with `$schema` is left to the runner (nothing is fetched here).
fn check_input_schema(cx: &mut Ctx<'_>, value: &Value) {
    let Some(input) = value.pointer("/spec/input").filter(|v| v.is_object()) else {
        return;
    };
    let declared = input.get("$schema").and_then(Value::as_str);
    if declared
        .is_some_and(|s| s.trim_end_matches('#') != "https://json-schema.org/draft/2020-12/schema")
    {
        return;
    }
    // Same as `jsonschema::meta::validate`, with a fast path for a valid input: the meta
    // validator is built once per process (by jsonschema), `is_valid` collects nothing.
    let error = match jsonschema::meta::validator_for(input) {
        Ok(meta) if meta.is_valid(input) => return,
        Ok(meta) => match meta.validate(input) {
            Ok(()) => return,
            Err(e) => e,
        },
        Err(e) => e,
    };
    let inner = error.instance_path().as_str().to_string();
    let pointer = format!("/spec/input{inner}");
    let here = input.pointer(&inner);
    if inner.ends_with("/type") || inner.contains("/type/") {
        let name = here.map(scalar_text).unwrap_or_default();
        let help = match did_you_mean(&name, JSON_TYPES) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("use one of {}", JSON_TYPES.join(", ")),
        };
        cx.push(
            cx.value_span(&pointer),
            format!("`{name}` is not a JSON Schema type"),
            help,
        );
        cx.label("unknown type");
        return;
    }
    cx.push(
        cx.value_span(&pointer),
        format!("the `input` schema is invalid here: {error}"),
        "`input` is a JSON Schema (draft 2020-12) of the action's inputs".into(),
    );
}

/// Parses every string under `/spec` (except the `input` JSON Schema) as a template, and
/// reports a bad one at the exact place inside the YAML scalar when it can be mapped.
/// The JSON pointer of a string is built only when it has a problem.
fn check_strings(cx: &mut Ctx<'_>, value: &Value) {
    let Some(spec) = value.get("spec") else {
        return;
    };
    /// A node's place: its parent (an index into `path`) and its key or item index.
    enum Seg<'v> {
        Key(&'v str),
        Item(usize),
    }
    let mut path: Vec<(usize, Seg<'_>)> = Vec::new();
    let pointer_of = |path: &[(usize, Seg<'_>)], mut at: usize| {
        let mut segments = Vec::new();
        while at != usize::MAX {
            let (parent, seg) = &path[at];
            segments.push(match seg {
                Seg::Key(k) => escape(k),
                Seg::Item(i) => i.to_string(),
            });
            at = *parent;
        }
        let mut p = String::from("/spec");
        for s in segments.iter().rev() {
            p.push('/');
            p.push_str(s);
        }
        p
    };
    // (node, index of its place in `path`; usize::MAX for `/spec` itself)
    let mut pending: Vec<(&Value, usize)> = vec![(spec, usize::MAX)];
    while let Some((v, at)) = pending.pop() {
        match v {
            Value::String(s) => {
                if !template::may_contain_template(s) {
                    continue;
                }
                if let Err(e) = template::parse(s) {
                    let pointer = pointer_of(&path, at);
                    let span =
                        scalar_range_span(cx.text, cx.value_span(&pointer), s, e.range.clone());
                    cx.push(span, e.message.clone(), e.help.clone());
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if matches!(item, Value::String(_) | Value::Array(_) | Value::Object(_)) {
                        path.push((at, Seg::Item(i)));
                        pending.push((item, path.len() - 1));
                    }
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    if at == usize::MAX && k == "input" {
                        continue;
                    }
                    if matches!(item, Value::String(_) | Value::Array(_) | Value::Object(_)) {
                        path.push((at, Seg::Key(k)));
                        pending.push((item, path.len() - 1));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Maps a byte range of a scalar's value to the source: exact when the source text of the
/// scalar is the value itself (plain) or the value between quotes without escapes;
/// otherwise the whole scalar.
fn scalar_range_span(text: &str, scalar: Span, value: &str, range: std::ops::Range<usize>) -> Span {
    let Some(raw) = text.get(scalar.start..scalar.end) else {
        return scalar;
    };
    let offset = if raw == value {
        Some(scalar.start)
    } else if raw.len() == value.len() + 2 && raw.get(1..raw.len() - 1) == Some(value) {
        Some(scalar.start + 1)
    } else {
        None
    };
    match offset {
        Some(o)
            if range.start <= range.end
                && value.is_char_boundary(range.start)
                && value.is_char_boundary(range.end) =>
        {
            // An empty range (e.g. "expected `}}` here") underlines the character there.
            let next = value[range.end..].chars().next().map_or(0, char::len_utf8);
            let end = if range.is_empty() {
                range.end + next
            } else {
                range.end
            };
            Span::new(o + range.start, (o + end).min(scalar.end))
        }
        _ => scalar,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_ranges_map_into_plain_and_quoted_scalars() {
        let text = r#"a: x{{ y"#;
        assert_eq!(
            scalar_range_span(text, Span::new(3, 8), "x{{ y", 1..3),
            Span::new(4, 6)
        );
        let text = r#"a: "x{{ y""#;
        assert_eq!(
            scalar_range_span(text, Span::new(3, 10), "x{{ y", 1..3),
            Span::new(5, 7)
        );
    }

    #[test]
    fn escaped_scalars_fall_back_to_the_whole_scalar() {
        let text = r#"a: "x\u0041{{""#;
        let scalar = Span::new(3, text.len());
        assert_eq!(scalar_range_span(text, scalar, "xA{{", 2..4), scalar);
    }

    #[test]
    fn an_empty_range_underlines_one_whole_character() {
        let text = "a: {{ é";
        let scalar = Span::new(3, text.len());
        assert_eq!(
            scalar_range_span(text, scalar, "{{ é", 3..3),
            Span::new(6, 8)
        );
    }
}
