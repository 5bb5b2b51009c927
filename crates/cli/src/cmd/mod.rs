//! One module per subcommand. Each has `Args` (clap) and `run(Args) -> ExitCode`.

/// `println!` that does not panic when stdout cannot be written (a full disk, a closed
/// file): it says so on stderr and exits 2. A closed pipe never gets here: SIGPIPE ends
/// the process first (see `main`).
macro_rules! outln {
    () => {
        $crate::cmd::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cmd::write_line(format_args!($($arg)*))
    };
}

/// `print!` that ends the process with exit 2 and a message, instead of a panic, when
/// standard output cannot be written (a full disk, a closed pipe under `run --batch`).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cmd::write_text(format_args!($($arg)*))
    };
}

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

/// Debug logs go to stderr, filtered by `INTEG_LOG` (else `RUST_LOG`, else warnings).
/// Only the commands that talk over the network set it up; `validate` and `lint` stay lean.
/// No log line carries a secret: secrets travel as `integ_runner::secret::Secret`.
pub fn init_tracing() {
    let spec = std::env::var("INTEG_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "warn".to_string());
    let filter = tracing_subscriber::EnvFilter::try_new(&spec)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// One line to stdout for [`outln!`]; exits 2 on a write error.
pub fn write_text(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = write!(out, "{args}").and_then(|()| out.flush()) {
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(i32::from(EXIT_USAGE));
    }
}

pub fn write_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{args}").and_then(|()| out.flush()) {
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(i32::from(EXIT_USAGE));
    }
}

/// A text file for `--input-file`, `--batch` and `--resume`: UTF-8, or an error that names
/// the file and says what to do. UTF-16 (what Windows PowerShell's `>` writes) gets its
/// own message; other bad bytes are located by line and column.
pub fn read_text_file(path: &std::path::Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return format!(
                "{} is UTF-16 text (as Windows PowerShell's `>` writes it); save it as UTF-8",
                path.display()
            );
        }
        let at = e.utf8_error().valid_up_to();
        let before = &bytes[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        format!(
            "{}:{line}:{column}: not UTF-8 text; save the file as UTF-8",
            path.display()
        )
    })
}
