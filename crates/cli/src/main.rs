//! The `integ` binary: parses arguments and prints. Every decision lives in a library
//! crate (`integ-spec`, `integ-lint`, `integ-runner`, `integ-sandbox`); each subcommand's
//! module only turns arguments into a library call and its result into output and an
//! exit code.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Validate, lint, compile and run declarative integration specs.
#[derive(Parser)]
#[command(name = "integ", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check spec files against the v1 format and report every problem.
    Validate(cmd::validate::Args),
    /// Write (or check) the JSON Schemas generated from the spec model.
    Schema(cmd::schema::Args),
    /// Run the lint rules over spec files.
    Lint(cmd::lint::Args),
    /// Print the documentation of a lint rule.
    Explain(cmd::explain::Args),
    /// Resolve every spec into one bundle.
    Compile(cmd::compile::Args),
    /// Log in, show or remove stored OAuth tokens.
    Auth(cmd::auth::Args),
    /// Run an action against the API.
    Run(cmd::run::Args),
    /// Write Actions from an API description (`integ import openapi FILE`).
    Import(cmd::import::Args),
    /// Start the local HighLevel-compatible sandbox server.
    Sandbox(cmd::sandbox::Args),
    /// Walk through integ end to end against the built-in sandbox.
    Demo(cmd::demo::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap uses 0 for --help/--version and 2 for usage errors, as we document.
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    if !matches!(&cli.command, Command::Run(args) if args.is_batch()) {
        die_quietly_on_sigpipe();
    }
    match cli.command {
        Command::Validate(args) => cmd::validate::run(args),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Lint(args) => cmd::lint::run(args),
        Command::Explain(args) => cmd::explain::run(args),
        Command::Compile(args) => cmd::compile::run(args),
        Command::Auth(args) => cmd::auth::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Import(args) => cmd::import::run(args),
        Command::Sandbox(args) => cmd::sandbox::run(args),
        Command::Demo(args) => cmd::demo::run(args),
    }
}

/// `integ ... | head -1`: Rust ignores SIGPIPE, so once `head` has exited every `println!`
/// panics ("failed printing to stdout: Broken pipe"). Like `cat`, integ should just stop:
/// restore the default action, so a write to a closed pipe ends the process quietly.
/// `run --batch` is the exception: it handles the write error itself (exit 2).
#[cfg(unix)]
fn die_quietly_on_sigpipe() {
    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    // The same number on Linux, macOS and the BSDs.
    const SIGPIPE: i32 = 13;
    const SIG_DFL: usize = 0;
    // SAFETY: called once at start, before any thread is spawned; SIG_DFL installs no
    // Rust code as a handler.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

#[cfg(not(unix))]
fn die_quietly_on_sigpipe() {}
