//! Templates (`{{ inputs.x }}`, `{{ token.x }}`, `{{ fields.x }}`) and value references
//! (`${env:NAME}`), parsed into a typed form.
//!
//! Grammar (whitespace inside `{{ }}` is free):
//!
//! ```text
//! template  = { literal | "{{" ws ref ws "}}" | "${env:" NAME "}" }
//! ref       = scope { "." ident }+        scope = "inputs" | "token" | "fields"
//! ident     = (ALPHA | "_") { ALNUM | "_" | "-" }
//! NAME      = (ALPHA | "_") { ALNUM | "_" }
//! ```
//!
//! `$${` writes a literal `${` and `{{{{` a literal `{{`. Ranges are byte ranges into the
//! parsed text, so a caller can map an error to the exact place in the YAML scalar.

use std::ops::Range;

use serde::Serialize;

/// What a `{{ }}` reference reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The action's inputs (checked against its `input` schema).
    Inputs,
    /// Fields of the OAuth token response (the provider's `tokenFields`).
    Token,
    /// The profile's authorization fields, by key.
    Fields,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Inputs, Scope::Token, Scope::Fields];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Inputs => "inputs",
            Scope::Token => "token",
            Scope::Fields => "fields",
        }
    }
}

/// `{{ scope.a.b }}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub scope: Scope,
    /// At least one segment: `inputs.contactId` has path `["contactId"]`.
    pub path: Vec<String>,
    /// The whole `{{ ... }}`, as a byte range of the parsed text.
    pub range: Range<usize>,
}

impl Reference {
    /// `inputs.contactId`
    pub fn dotted(&self) -> String {
        let mut s = self.scope.as_str().to_string();
        for p in &self.path {
            s.push('.');
            s.push_str(p);
        }
        s
    }
}

/// `${env:NAME}`: read from the environment at run time, never written anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvRef {
    pub name: String,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Part {
    Literal(String),
    Ref(Reference),
    Env(EnvRef),
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Template {
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// Where the problem is, as a byte range of the parsed text.
    pub range: Range<usize>,
    pub message: String,
    pub help: String,
}

impl Template {
    /// True when the text has no reference at all.
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Literal(_)))
    }

    /// The reference when the template is exactly one `{{ }}` and nothing else: such a
    /// value keeps the JSON type of what it references.
    pub fn whole_value(&self) -> Option<&Reference> {
        match self.parts.as_slice() {
            [Part::Ref(r)] => Some(r),
            _ => None,
        }
    }

    /// The env reference when the template is exactly one `${env:NAME}`.
    pub fn whole_env(&self) -> Option<&EnvRef> {
        match self.parts.as_slice() {
            [Part::Env(e)] => Some(e),
            _ => None,
        }
    }

    pub fn references(&self) -> impl Iterator<Item = &Reference> {
        self.parts.iter().filter_map(|p| match p {
            Part::Ref(r) => Some(r),
            _ => None,
        })
    }

    pub fn env_refs(&self) -> impl Iterator<Item = &EnvRef> {
        self.parts.iter().filter_map(|p| match p {
            Part::Env(e) => Some(e),
            _ => None,
        })
    }

    /// Renders to a string, asking `resolve` for each reference or env value.
    pub fn render<E>(
        &self,
        mut resolve: impl FnMut(&Part) -> Result<String, E>,
    ) -> Result<String, E> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                other => out.push_str(&resolve(other)?),
            }
        }
        Ok(out)
    }
}

/// Cheap pre-check: can `text` hold a template or env reference at all? Most strings in
/// a spec cannot, and skipping them keeps loading fast.
pub fn may_contain_template(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(2).any(|w| w == b"{{" || w == b"${")
}

/// Parses `text` into literal parts, references and env references.
pub fn parse(text: &str) -> Result<Template, TemplateError> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut lit_start = 0;
    while i < bytes.len() {
        if text[i..].starts_with("$${") {
            literal.push_str(&text[lit_start..i]);
            literal.push_str("${");
            i += 3;
            lit_start = i;
        } else if text[i..].starts_with("{{{{") {
            literal.push_str(&text[lit_start..i]);
            literal.push_str("{{");
            i += 4;
            lit_start = i;
        } else if text[i..].starts_with("{{") {
            literal.push_str(&text[lit_start..i]);
            flush(&mut literal, &mut parts);
            let (reference, end) = parse_ref(text, i)?;
            parts.push(Part::Ref(reference));
            i = end;
            lit_start = i;
        } else if text[i..].starts_with("${") {
            literal.push_str(&text[lit_start..i]);
            flush(&mut literal, &mut parts);
            let (env, end) = parse_env(text, i)?;
            parts.push(Part::Env(env));
            i = end;
            lit_start = i;
        } else if text[i..].starts_with("}}") {
            return Err(TemplateError {
                range: i..i + 2,
                message: "`}}` without a matching `{{`".into(),
                help: "open the reference with `{{`, or write `}}` only inside a reference".into(),
            });
        } else {
            i += 1;
        }
    }
    literal.push_str(&text[lit_start..]);
    flush(&mut literal, &mut parts);
    Ok(Template { parts })
}

fn flush(literal: &mut String, parts: &mut Vec<Part>) {
    if !literal.is_empty() {
        parts.push(Part::Literal(std::mem::take(literal)));
    }
}

fn parse_ref(text: &str, start: usize) -> Result<(Reference, usize), TemplateError> {
    let inner_start = start + 2;
    let Some(close_rel) = text[inner_start..].find("}}") else {
        return Err(TemplateError {
            range: start..text.len(),
            message: "unterminated `{{`: no closing `}}`".into(),
            help: "close the reference, e.g. `{{ inputs.contactId }}`".into(),
        });
    };
    let inner_end = inner_start + close_rel;
    let end = inner_end + 2;
    let range = start..end;
    let raw = &text[inner_start..inner_end];
    let expr = raw.trim();
    if expr.is_empty() {
        return Err(TemplateError {
            range,
            message: "empty reference `{{ }}`".into(),
            help: "name what to insert: `{{ inputs.NAME }}`, `{{ token.NAME }}` or `{{ fields.NAME }}`".into(),
        });
    }
    let expr_start = inner_start + (raw.len() - raw.trim_start().len());
    let mut segments = expr.split('.');
    let scope_text = segments.next().unwrap_or_default();
    let scope = match scope_text {
        "inputs" => Scope::Inputs,
        "token" => Scope::Token,
        "fields" => Scope::Fields,
        other => {
            let suggestion = Scope::ALL
                .iter()
                .map(|s| s.as_str())
                .find(|s| close_to(other, s))
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            return Err(TemplateError {
                range: expr_start..expr_start + other.len(),
                message: format!("unknown template scope `{other}`"),
                help: format!(
                    "{suggestion}a reference starts with `inputs.`, `token.` or `fields.`"
                ),
            });
        }
    };
    let mut path = Vec::new();
    let mut offset = expr_start + scope_text.len() + 1;
    for seg in segments {
        if !is_ident(seg, true) {
            let seg_range = offset.min(end)..(offset + seg.len()).min(end);
            return Err(TemplateError {
                range: if seg.is_empty() { range.clone() } else { seg_range },
                message: if seg.is_empty() {
                    format!("reference `{expr}` has an empty name")
                } else {
                    format!("`{seg}` is not a valid name in a reference")
                },
                help: "names are letters, digits, `_` and `-`, starting with a letter or `_`; separate them with `.`".into(),
            });
        }
        path.push(seg.to_string());
        offset += seg.len() + 1;
    }
    if path.is_empty() {
        return Err(TemplateError {
            range,
            message: format!(
                "reference `{expr}` names no {scope_text} key",
                scope_text = scope.as_str()
            ),
            help: format!("write `{{{{ {}.NAME }}}}`", scope.as_str()),
        });
    }
    Ok((Reference { scope, path, range }, end))
}

fn parse_env(text: &str, start: usize) -> Result<(EnvRef, usize), TemplateError> {
    let Some(close_rel) = text[start..].find('}') else {
        return Err(TemplateError {
            range: start..text.len(),
            message: "unterminated `${`: no closing `}`".into(),
            help: "write an environment reference as `${env:NAME}`".into(),
        });
    };
    let end = start + close_rel + 1;
    let inner = &text[start + 2..end - 1];
    let Some(name) = inner.strip_prefix("env:") else {
        let help = if is_ident(inner, false) && !inner.is_empty() {
            format!("write `${{env:{inner}}}` to read the environment variable `{inner}`")
        } else {
            "the only value reference is `${env:NAME}`; write `$${` for a literal `${`".to_string()
        };
        return Err(TemplateError {
            range: start..end,
            message: format!("`${{{inner}}}` is not a value reference"),
            help,
        });
    };
    if !is_ident(name, false) {
        return Err(TemplateError {
            range: start..end,
            message: if name.is_empty() {
                "`${env:}` names no environment variable".to_string()
            } else {
                format!("`{name}` is not a valid environment variable name")
            },
            help:
                "environment variable names are letters, digits and `_`, not starting with a digit"
                    .into(),
        });
    }
    Ok((
        EnvRef {
            name: name.to_string(),
            range: start..end,
        },
        end,
    ))
}

fn is_ident(s: &str, allow_dash: bool) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (allow_dash && c == '-'))
}

/// Edit distance ≤ 2 (fewer for short names), for did-you-mean suggestions among names
/// that are not the loader's schema keys (those go through [`crate::suggest`]).
pub fn close_to(a: &str, b: &str) -> bool {
    crate::suggest::edit_distance(a, b) <= 2.min(b.len().saturating_sub(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_value_reference_keeps_its_range() {
        let t = parse("{{ inputs.tags }}").unwrap();
        let r = t.whole_value().expect("whole value");
        assert_eq!(r.scope, Scope::Inputs);
        assert_eq!(r.path, vec!["tags".to_string()]);
        assert_eq!(r.range, 0..17);
    }

    #[test]
    fn mixed_literal_reference_and_env() {
        let t = parse("/contacts/{{inputs.contactId}}?k=${env:HL_KEY}").unwrap();
        assert_eq!(
            t.parts,
            vec![
                Part::Literal("/contacts/".into()),
                Part::Ref(Reference {
                    scope: Scope::Inputs,
                    path: vec!["contactId".into()],
                    range: 10..30
                }),
                Part::Literal("?k=".into()),
                Part::Env(EnvRef {
                    name: "HL_KEY".into(),
                    range: 33..46
                }),
            ]
        );
        assert!(t.whole_value().is_none());
    }

    #[test]
    fn escapes_are_literals() {
        let t = parse("a $${b} {{{{c").unwrap();
        assert_eq!(t.parts, vec![Part::Literal("a ${b} {{c".into())]);
        assert!(t.is_literal());
    }

    #[test]
    fn unknown_scope_points_at_scope_and_suggests() {
        let e = parse("x {{ input.id }}").unwrap_err();
        assert_eq!(e.range, 5..10);
        assert_eq!(e.message, "unknown template scope `input`");
        assert!(e.help.starts_with("did you mean `inputs`?"), "{}", e.help);
    }

    #[test]
    fn unterminated_reference() {
        let e = parse("{{ inputs.id").unwrap_err();
        assert_eq!(e.range, 0..12);
        assert_eq!(e.message, "unterminated `{{`: no closing `}}`");
    }

    #[test]
    fn env_without_prefix_suggests_env_form() {
        let e = parse("${HL_CLIENT_ID}").unwrap_err();
        assert_eq!(e.range, 0..15);
        assert_eq!(
            e.help,
            "write `${env:HL_CLIENT_ID}` to read the environment variable `HL_CLIENT_ID`"
        );
    }

    #[test]
    fn bad_env_name_and_empty_reference() {
        assert_eq!(
            parse("${env:1X}").unwrap_err().message,
            "`1X` is not a valid environment variable name"
        );
        assert_eq!(
            parse("${env:}").unwrap_err().message,
            "`${env:}` names no environment variable"
        );
        assert_eq!(
            parse("{{  }}").unwrap_err().message,
            "empty reference `{{ }}`"
        );
        assert_eq!(
            parse("{{ token }}").unwrap_err().message,
            "reference `token` names no token key"
        );
        assert_eq!(
            parse("{{ inputs.a..b }}").unwrap_err().message,
            "reference `inputs.a..b` has an empty name"
        );
        assert_eq!(parse("a }} b").unwrap_err().range, 2..4);
    }

    #[test]
    fn render_substitutes_parts() {
        let t = parse("Bearer {{ token.access }}!").unwrap();
        let out: Result<String, ()> = t.render(|p| match p {
            Part::Ref(r) => Ok(r.dotted().to_uppercase()),
            _ => Err(()),
        });
        assert_eq!(out.unwrap(), "Bearer TOKEN.ACCESS!");
    }

    #[test]
    fn may_contain_template_is_a_superset_check() {
        assert!(may_contain_template("x{{y"));
        assert!(may_contain_template("${env:A}"));
        assert!(!may_contain_template("plain { text } $ {"));
    }
}
