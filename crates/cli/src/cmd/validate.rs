//! `integ validate [PATH..]`: load every spec file and report every problem.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use integ_spec::{Severity, load_paths, render};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-like reports with the YAML underlined, and a summary line.
    Human,
    /// A JSON array of diagnostics (see the README).
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (walked for *.yaml and *.yml).
    #[arg(default_value = "specs/")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

pub fn run(args: Args) -> ExitCode {
    let output = match load_paths(&args.paths) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let files = &output.workspace.files;
    let mut stdout = std::io::stdout().lock();
    let written = match args.format {
        Format::Json => {
            let value = render::json(files, &output.diagnostics);
            let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "[]".into());
            text.push('\n');
            stdout.write_all(text.as_bytes())
        }
        Format::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let mut text = String::new();
            for d in &output.diagnostics {
                text.push_str(&render::human(files, d, color));
                text.push('\n');
            }
            let errors = output
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            let warnings = output.diagnostics.len() - errors;
            text.push_str(&summary(
                files.len(),
                output.document_count(),
                errors,
                warnings,
            ));
            stdout.write_all(text.as_bytes())
        }
    };
    if let Err(e) = written {
        // A closed pipe ends the process by SIGPIPE before this; a full disk lands here.
        eprintln!("error: cannot write to standard output: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    if output.has_errors() {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::from(EXIT_OK)
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn summary(files: usize, documents: usize, errors: usize, warnings: usize) -> String {
    let checked = format!(
        "{} ({} valid)",
        plural(files, "file"),
        plural(documents, "document")
    );
    if errors == 0 && warnings == 0 {
        format!("ok: {checked}, no problems\n")
    } else {
        format!(
            "{}, {} in {checked}\n",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}
