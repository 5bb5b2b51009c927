//! `integ lint [PATH..]`: run the lint rules, print the findings in one format, apply
//! the safe fixes with `--fix` (or show them with `--diff`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use integ_lint::{FixMode, Options, report};
use integ_spec::Severity;

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Reports with the YAML underlined, then `N errors, M warnings in K files`.
    Human,
    /// A JSON array of findings (rule, severity, file, line, column, endLine, endColumn, message, help, fix).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=..`), shown as annotations.
    Github,
    /// JUnit XML: one testcase per file, one failure per finding.
    Junit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (walked for *.yaml and *.yml).
    #[arg(default_value = "specs/")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Exit 1 when a finding of this severity or above remains.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Apply the safe fixes to the files, then report what remains.
    #[arg(long)]
    fix: bool,
    /// Print the safe fixes as a unified diff instead of writing them (implies --fix; exit 1
    /// when there is anything to fix).
    #[arg(long, visible_alias = "dry-run")]
    diff: bool,
    /// Use this integ.toml instead of the one found by walking up from the first path.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Colors in the human format.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

pub fn run(args: Args) -> ExitCode {
    let config = match &args.config {
        Some(path) => match integ_lint::Config::load(path) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
        None => None,
    };
    let fix = match (args.fix, args.diff) {
        (_, true) => FixMode::Diff,
        (true, false) => FixMode::Write,
        (false, false) => FixMode::Off,
    };
    let outcome = match integ_lint::run(&Options {
        paths: args.paths.clone(),
        fix,
        config,
    }) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };

    let mut stdout = std::io::stdout().lock();
    if fix == FixMode::Diff {
        let mut text = String::new();
        for c in &outcome.changes {
            text.push_str(&c.diff());
        }
        if let Err(e) = stdout.write_all(text.as_bytes()) {
            eprintln!("error: cannot write to standard output: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    }
    if fix != FixMode::Off {
        let fixes: usize = outcome.changes.iter().map(|c| c.fixes).sum();
        let verb = if fix == FixMode::Write {
            "fixed"
        } else {
            "would fix"
        };
        eprintln!(
            "{verb} {fixes} finding{} in {} file{}",
            s(fixes),
            outcome.changes.len(),
            s(outcome.changes.len())
        );
    }

    let format = match args.format {
        Format::Human => report::Format::Human,
        Format::Json => report::Format::Json,
        Format::Sarif => report::Format::Sarif,
        Format::Github => report::Format::Github,
        Format::Junit => report::Format::Junit,
    };
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    // With --diff the diff is the output; the remaining findings go to stderr so the diff stays applicable.
    let text = report::render(format, outcome.report(), color);
    let written = if fix == FixMode::Diff {
        std::io::stderr().lock().write_all(text.as_bytes())
    } else {
        stdout.write_all(text.as_bytes())
    };
    if let Err(e) = written {
        eprintln!("error: cannot write to standard output: {e}");
        return ExitCode::from(EXIT_USAGE);
    }

    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    // `--diff` wrote nothing: the files still hold what the diff would fix.
    let unfixed = fix == FixMode::Diff && !outcome.changes.is_empty();
    if unfixed || outcome.diagnostics.iter().any(|d| d.severity >= threshold) {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::from(EXIT_OK)
    }
}

fn s(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
