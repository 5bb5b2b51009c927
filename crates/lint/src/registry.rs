//! Every rule, listed once. Adding a rule is: one file in `rules/`, one line here, one
//! fixture pair (bad / good) under `tests/fixtures/lint/<id>/`.

use crate::rule::Rule;
use crate::rules;

pub static RULES: &[&Rule] = &[
    &rules::auth_field_rejected::RULE,
    &rules::scope_missing::RULE,
    &rules::auth_mode_unsupported::RULE,
    &rules::plaintext_secret::RULE,
    &rules::insecure_url::RULE,
    &rules::host_not_allowed::RULE,
    &rules::oauth_endpoint_mismatch::RULE,
    &rules::unknown_reference::RULE,
    &rules::unused_input::RULE,
    &rules::missing_required_header::RULE,
    &rules::duplicate_name::RULE,
    &rules::schema::RULE,
    &rules::unused_ignore::RULE,
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for id in ids {
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id}"
            );
        }
    }

    /// The registry points every rule at its own file, and that file's doc comment has
    /// the four parts in order.
    #[test]
    fn every_rule_is_documented_in_its_own_file() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        for rule in RULES {
            let file = dir.join(format!("{}.rs", rule.id.replace('-', "_")));
            let on_disk = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert_eq!(on_disk, rule.source, "{} embeds another file", rule.id);
            let docs = rule.docs();
            let mut at = 0;
            for part in [
                "## What it does\n",
                "## Why is this bad?\n",
                "## Example\n",
                "## Use instead\n",
            ] {
                let found = docs[at..]
                    .find(part)
                    .unwrap_or_else(|| panic!("{}: no `{part}` after byte {at}", rule.id));
                at += found + part.len();
            }
        }
    }
}
