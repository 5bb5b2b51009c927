//! The OpenAPI document and the files its `$ref`s point into, and `$ref` resolution.
//!
//! A node is a file plus a JSON pointer into it. Resolving follows `$ref` links (local
//! `#/...` and relative files such as `../common/common-schemas.json#/...`), detects a
//! cycle by the set of targets already visited, and names the JSON pointer of every
//! problem. External files are read once, when first referenced.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_norway::Value;

use crate::ImportError;

/// Longest `$ref` chain followed before giving up (a cycle is reported before this).
const MAX_CHAIN: usize = 64;

static NULL: Value = Value::Null;

/// Every file read so far, by path.
#[derive(Debug, Default)]
pub(crate) struct Files {
    docs: RefCell<BTreeMap<PathBuf, Rc<Value>>>,
}

/// A place in one of the files: the file and a JSON pointer (`""` is the whole document).
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub file: Rc<Path>,
    doc: Rc<Value>,
    pub pointer: String,
}

impl Node {
    pub fn root(file: &Path, doc: Rc<Value>) -> Node {
        Node {
            file: Rc::from(file),
            doc,
            pointer: String::new(),
        }
    }

    pub fn value(&self) -> &Value {
        pointer(&self.doc, &self.pointer).unwrap_or(&NULL)
    }

    /// The child under `key` (an object key or an array index).
    pub fn child(&self, key: &str) -> Node {
        Node {
            file: self.file.clone(),
            doc: self.doc.clone(),
            pointer: format!("{}/{}", self.pointer, escape(key)),
        }
    }

    /// The children of an array, in order.
    pub fn items(&self) -> Vec<Node> {
        let n = self.value().as_sequence().map_or(0, Vec::len);
        (0..n).map(|i| self.child(&i.to_string())).collect()
    }

    /// The entries of an object, in the file's order.
    pub fn entries(&self) -> Vec<(String, Node)> {
        self.value()
            .as_mapping()
            .map(|o| {
                o.keys()
                    .filter_map(key_text)
                    .map(|k| {
                        let child = self.child(&k);
                        (k, child)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.value().get(key).and_then(Value::as_str)
    }

    /// `contacts.json#/paths/...`, for messages.
    pub fn location(&self) -> String {
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{name}#{}", self.pointer)
    }

    fn key(&self) -> String {
        format!("{}#{}", self.file.display(), self.pointer)
    }
}

/// `~` -> `~0`, `/` -> `~1` (RFC 6901).
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A mapping key as text (YAML allows `200:` as a number key).
fn key_text(key: &Value) -> Option<String> {
    match key {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The node at a JSON pointer (RFC 6901) in a YAML/JSON value.
pub(crate) fn pointer<'v>(doc: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(doc);
    }
    let rest = pointer.strip_prefix('/')?;
    let mut node = doc;
    for raw in rest.split('/') {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        node = match node {
            Value::Mapping(m) => m
                .iter()
                .find(|(k, _)| key_text(k).as_deref() == Some(segment.as_str()))
                .map(|(_, v)| v)?,
            Value::Sequence(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Parses a JSON or YAML document, keeping the order of every mapping (JSON is YAML).
pub(crate) fn parse(path: &Path, text: &str) -> Result<Value, ImportError> {
    serde_norway::from_str(text).map_err(|e| ImportError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

impl Files {
    /// Reads (once) and parses the file at `path`.
    pub fn load(&self, path: &Path) -> Result<Rc<Value>, ImportError> {
        if let Some(doc) = self.docs.borrow().get(path) {
            return Ok(doc.clone());
        }
        let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let doc = Rc::new(parse(path, &text)?);
        self.docs
            .borrow_mut()
            .insert(path.to_path_buf(), doc.clone());
        Ok(doc)
    }

    /// Registers an already parsed document under `path` (the root document).
    pub fn insert(&self, path: &Path, doc: Value) -> Rc<Value> {
        let doc = Rc::new(doc);
        self.docs
            .borrow_mut()
            .insert(path.to_path_buf(), doc.clone());
        doc
    }

    /// Follows `$ref` links from `node` until a node that is not a reference.
    pub fn resolve(&self, node: &Node) -> Result<Node, ImportError> {
        let start = node.location();
        let mut node = node.clone();
        let mut chain: Vec<(String, String)> = Vec::new(); // (target key, $ref as written)
        loop {
            let Some(reference) = node.str("$ref").map(str::to_owned) else {
                return Ok(node);
            };
            let target = self.target(&node, &reference)?;
            let key = target.key();
            if chain.iter().any(|(k, _)| *k == key) || chain.len() >= MAX_CHAIN {
                let mut names: Vec<String> = chain.into_iter().map(|(_, r)| r).collect();
                names.push(reference);
                return Err(ImportError::RefCycle {
                    at: start,
                    chain: names.join(" -> "),
                });
            }
            chain.push((key, reference));
            node = target;
        }
    }

    /// The node a `$ref` written at `from` points to; an error naming both when none.
    fn target(&self, from: &Node, reference: &str) -> Result<Node, ImportError> {
        let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        if file_part.contains("://") {
            return Err(ImportError::RemoteRef {
                reference: reference.to_owned(),
                at: from.location(),
            });
        }
        let (file, doc) = if file_part.is_empty() {
            (from.file.clone(), from.doc.clone())
        } else {
            let dir = from.file.parent().unwrap_or(Path::new("."));
            let path = dir.join(file_part);
            let doc = self.load(&path).map_err(|e| ImportError::RefFile {
                reference: reference.to_owned(),
                at: from.location(),
                message: e.to_string(),
            })?;
            (Rc::from(path.as_path()), doc)
        };
        let target_pointer = percent_decode(fragment);
        if pointer(&doc, &target_pointer).is_none() {
            return Err(ImportError::MissingRef {
                reference: reference.to_owned(),
                at: from.location(),
            });
        }
        Ok(Node {
            file,
            doc,
            pointer: target_pointer,
        })
    }
}

/// `%7B` -> `{` in a `$ref` fragment (URI fragments may be percent-encoded).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_keeps_invalid_sequences() {
        assert_eq!(percent_decode("/a%7Bb%7D"), "/a{b}");
        assert_eq!(percent_decode("/a%zz"), "/a%zz");
        assert_eq!(percent_decode("/a%"), "/a%");
    }
}
