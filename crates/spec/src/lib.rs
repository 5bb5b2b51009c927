//! integ-spec: the spec model (format v1), YAML loading with a span for every node,
//! JSON Schema validation, template parsing, and compilation to a bundle.
//!
//! Data flows one way: text -> spanned tree -> JSON value + pointer->span map -> JSON
//! Schema check -> typed model. Every problem found on the way is a [`Diagnostic`] with a
//! file and a byte span. This crate must not do I/O beyond reading spec files, and must
//! not know about lint rules, HTTP or tokens.

mod check;
pub mod compile;
pub mod diag;
pub mod load;
pub mod model;
pub mod render;
pub mod schema;
pub mod suggest;
pub mod template;
pub mod workspace;
pub mod yaml;

pub use diag::{Diagnostic, Edit, Fix, Severity, Span};
pub use load::{LoadError, LoadOutput, collect_files, load_files, load_paths, load_sources};
pub use model::*;
pub use workspace::{FileId, Loaded, LookupError, SourceFile, Workspace};
