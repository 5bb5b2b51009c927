//! One module per subcommand. Each has `Args` (clap) and `run(Args) -> ExitCode`.

pub mod auth;
pub mod compile;
pub mod demo;
pub mod explain;
pub mod import;
pub mod lint;
pub mod run;
pub mod sandbox;
pub mod schema;
pub mod validate;

/// Exit codes, as the README documents them.
pub const EXIT_OK: u8 = 0;
/// Findings at or above `--fail-on`, invalid specs, or an action that failed.
pub const EXIT_FINDINGS: u8 = 1;
/// Usage or I/O error.
pub const EXIT_USAGE: u8 = 2;
