//! ## What it does
//! Reports an inline `# integ-ignore: RULE_ID` comment that silenced nothing: no finding
//! of that rule starts on the comment's own line (for a comment at the end of a line) or
//! on the next line (for a comment on a line of its own), or the id names no rule.
//!
//! ## Why is this bad?
//! A stale ignore hides the next real problem at that place without anyone deciding to,
//! and a misspelt id never silenced anything in the first place.
//!
//! ## Example
//! ```yaml
//! fields:
//!   # integ-ignore: auth-field-rejected
//!   - in: query
//!     key: locationId
//!     value: "{{ token.locationId }}"
//!     except: [update_contact]
//! ```
//!
//! ## Use instead
//! ```yaml
//! fields:
//!   - in: query
//!     key: locationId
//!     value: "{{ token.locationId }}"
//!     except: [update_contact]
//! ```

use integ_spec::Severity;

use crate::rule::Rule;

/// Its findings come from the suppression pass of the engine, after every other rule.
pub const RULE: Rule = Rule {
    id: "unused-ignore",
    default_severity: Severity::Warning,
    summary: "an `# integ-ignore:` comment silences nothing",
    fixable: true,
    source: include_str!("unused_ignore.rs"),
    check: None,
};
