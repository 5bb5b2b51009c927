//! What a rule is: an id, a default severity, its documentation (the `//!` comment of
//! the rule's own file, embedded with `include_str!`) and a check over the workspace.

use integ_spec::{Diagnostic, FileId, Severity, Span};

use crate::context::LintContext;

/// The check of a rule: reads the whole workspace through its indexes and pushes
/// findings. It knows nothing about configuration, suppression or output formats.
pub type Check = fn(&LintContext<'_>, &mut Vec<Diagnostic>);

/// One lint rule. Every rule is listed once in [`crate::registry::RULES`].
#[derive(Debug)]
pub struct Rule {
    /// The stable id users write in `integ.toml` and `# integ-ignore:` comments.
    pub id: &'static str,
    pub default_severity: Severity,
    /// One line for `integ explain --list` and SARIF's `shortDescription`.
    pub summary: &'static str,
    /// Whether the rule attaches a safe fix that `integ lint --fix` applies.
    pub fixable: bool,
    /// The text of the rule's source file; its leading `//!` block is the documentation.
    pub source: &'static str,
    /// `None` for rules whose findings come from elsewhere (`schema` from the loader,
    /// `unused-ignore` from the suppression pass).
    pub check: Option<Check>,
}

impl Rule {
    /// The rule's documentation: its file's leading `//!` comment, without the `//!`
    /// markers. This is exactly what `integ explain ID` prints.
    pub fn docs(&self) -> String {
        doc_comment(self.source)
    }

    /// A finding of this rule at `span` of `file`, with the default severity; the engine
    /// applies the configured one.
    pub fn diagnostic(&self, file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: self.id.to_string(),
            severity: self.default_severity,
            file,
            span,
            message: message.into(),
            help: None,
            label: None,
            fix: None,
        }
    }
}

/// The leading `//!` block of a Rust source file, markers removed (`//! x` -> `x`,
/// `//!` -> empty line).
pub fn doc_comment(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let Some(rest) = line.trim_start().strip_prefix("//!") else {
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_comment_strips_markers_and_stops_at_code() {
        let src = "//! ## What it does\n//! Checks.\n//!\n//!     indented\nuse x;\n//! not docs\n";
        assert_eq!(
            doc_comment(src),
            "## What it does\nChecks.\n\n    indented\n"
        );
    }
}
