//! integ-spec: the spec model (format v1), YAML loading with a span for every node,
//! JSON Schema validation, template parsing, and compilation to a bundle.
//!
//! Data flows one way: text -> spanned tree -> JSON value + pointer->span map -> JSON
//! Schema check -> typed model. Every problem found on the way is a [`Diagnostic`] with a
//! file and a byte span. This crate must not do I/O beyond reading spec files, and must
//! not know about lint rules, HTTP or tokens.

pub mod compile;
pub mod diag;
pub mod model;
pub mod template;
pub mod workspace;

pub use diag::{Diagnostic, Edit, Fix, Severity, Span};
pub use model::*;
pub use workspace::{FileId, Loaded, SourceFile, Workspace};
