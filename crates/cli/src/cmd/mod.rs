//! One module per subcommand. Each has `Args` (clap) and `run(Args) -> ExitCode`.

pub mod auth;
pub mod compile;
pub mod demo;
pub mod explain;
pub mod lint;
pub mod run;
pub mod sandbox;
pub mod schema;
pub mod validate;

use std::process::ExitCode;

/// Exit codes, as the README documents them.
pub const EXIT_OK: u8 = 0;
/// Findings at or above `--fail-on`, invalid specs, or an action that failed.
pub const EXIT_FINDINGS: u8 = 1;
/// Usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

/// Placeholder for a subcommand whose issue has not landed yet.
pub fn not_yet(name: &str) -> ExitCode {
    eprintln!("error: `integ {name}` is not implemented in this build yet");
    ExitCode::from(EXIT_USAGE)
}
