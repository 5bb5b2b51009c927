//! `integ explain RULE`: print a rule's documentation, which is the doc comment of the
//! rule's own source file. `integ explain --list`: every rule, its default severity and
//! what it catches.

use std::process::ExitCode;

use integ_lint::RULES;

use super::{EXIT_OK, EXIT_USAGE};

#[derive(clap::Args)]
pub struct Args {
    /// The rule id, e.g. `auth-field-rejected`.
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    rule: Option<String>,
    /// List every rule with its default severity and a one-line summary.
    #[arg(long)]
    list: bool,
}

pub fn run(args: Args) -> ExitCode {
    if args.list {
        let width = RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
        let mut out = String::new();
        for r in RULES {
            let fix = if r.fixable { " (fixable)" } else { "" };
            out.push_str(&format!(
                "{:width$}  {:7}  {}{fix}\n",
                r.id,
                r.default_severity.as_str(),
                r.summary
            ));
        }
        out!("{out}");
        return ExitCode::from(EXIT_OK);
    }
    let id = args.rule.unwrap_or_default();
    match integ_lint::find_rule(&id) {
        Some(rule) => {
            out!("{}", rule.docs());
            ExitCode::from(EXIT_OK)
        }
        None => {
            let close = RULES
                .iter()
                .find(|r| integ_spec::template::close_to(&id, r.id));
            match close {
                Some(r) => eprintln!("error: no rule `{id}`; did you mean `{}`?", r.id),
                None => eprintln!("error: no rule `{id}`; `integ explain --list` lists them"),
            }
            ExitCode::from(EXIT_USAGE)
        }
    }
}
