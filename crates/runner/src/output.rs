//! What `integ run` prints: `output.select` of the response, as JSON (pretty), YAML or a
//! table.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Json,
    Yaml,
    Table,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "json" => Some(Format::Json),
            "yaml" => Some(Format::Yaml),
            "table" => Some(Format::Table),
            _ => None,
        }
    }
}

/// The part of `body` that `select` (a JSON pointer) names; the whole body without one.
/// A pointer that names nothing gives `null`.
pub fn select<'a>(body: &'a Value, select: Option<&str>) -> &'a Value {
    match select {
        None | Some("") => body,
        Some(p) => body.pointer(p).unwrap_or(&Value::Null),
    }
}

/// Renders `value` in `format`, ending with a newline.
pub fn render(value: &Value, format: Format) -> String {
    let mut out = match format {
        Format::Json => serde_json::to_string_pretty(value).unwrap_or_default(),
        Format::Yaml => serde_norway::to_string(value).unwrap_or_default(),
        Format::Table => table(value),
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn cell(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    };
    s.replace(['\n', '\t'], " ")
}

/// An array of objects: one row each, a column per key (in order of first appearance).
/// An object: KEY / VALUE rows. Anything else: the value itself.
fn table(value: &Value) -> String {
    let rows: Vec<Vec<String>>;
    let header: Vec<String>;
    match value {
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            let mut cols: Vec<String> = Vec::new();
            for item in items {
                if let Value::Object(m) = item {
                    for k in m.keys() {
                        if !cols.contains(k) {
                            cols.push(k.clone());
                        }
                    }
                }
            }
            rows = items
                .iter()
                .map(|i| {
                    cols.iter()
                        .map(|c| i.get(c).map(cell).unwrap_or_default())
                        .collect()
                })
                .collect();
            header = cols.iter().map(|c| c.to_uppercase()).collect();
        }
        Value::Object(m) => {
            header = vec!["KEY".into(), "VALUE".into()];
            rows = m.iter().map(|(k, v)| vec![k.clone(), cell(v)]).collect();
        }
        other => return cell(other),
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |r: &[String]| {
        r.iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(&header);
    for r in &rows {
        out.push('\n');
        out.push_str(&line(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn select_by_pointer() {
        let body = json!({"contact": {"id": "c1"}, "succeded": true});
        assert_eq!(select(&body, Some("/contact/id")), &json!("c1"));
        assert_eq!(select(&body, Some("/missing")), &Value::Null);
        assert_eq!(select(&body, None), &body);
    }

    #[test]
    fn table_of_objects_has_a_column_per_key() {
        let v = json!([{"id": "1", "tags": ["a", "b"]}, {"id": "22", "email": "x@y.z"}]);
        assert_eq!(
            render(&v, Format::Table),
            "ID  TAGS  EMAIL\n1   a, b\n22        x@y.z\n"
        );
        assert_eq!(
            render(&json!({"id": "1"}), Format::Table),
            "KEY  VALUE\nid   1\n"
        );
    }

    #[test]
    fn yaml_and_json() {
        let v = json!({"id": "1"});
        assert_eq!(render(&v, Format::Yaml), "id: '1'\n");
        assert_eq!(render(&v, Format::Json), "{\n  \"id\": \"1\"\n}\n");
    }
}
