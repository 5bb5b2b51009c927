//! ## What it does
//! Reports every problem the loader finds while reading a spec file: YAML syntax errors,
//! text that is not UTF-8, an unknown `apiVersion` or `kind`, a document that does not
//! match the JSON Schema of its kind (a wrong type, an unknown or a missing field, a
//! duplicate key), and malformed templates or `${env:}` references. The same findings
//! as `integ validate`, through the linter's configuration and output formats.
//!
//! ## Why is this bad?
//! A document that does not match its schema is not loaded at all: no other rule sees
//! it, and no command can run it.
//!
//! ## Example
//! ```yaml
//! apiVersion: integ/v1
//! kind: Action
//! metadata: { name: get_contact }
//! spec:
//!   provider: highlevel
//!   request:
//!     method: FETCH
//!     path: /contacts/{{ inputs.contactId }}
//! ```
//!
//! ## Use instead
//! ```yaml
//! apiVersion: integ/v1
//! kind: Action
//! metadata: { name: get_contact }
//! spec:
//!   provider: highlevel
//!   request:
//!     method: GET
//!     path: /contacts/{{ inputs.contactId }}
//! ```

use integ_spec::Severity;

use crate::rule::Rule;

/// Its findings come from the loader (`integ_spec::load`), not from a check here.
pub const RULE: Rule = Rule {
    id: "schema",
    default_severity: Severity::Error,
    summary: "the file is not valid YAML or does not match the JSON Schema of its kind",
    fixable: false,
    source: include_str!("schema.rs"),
    check: None,
};
