//! `integ compile [PATH..] -o bundle.json`: load, check and resolve every spec into one
//! deterministic bundle. Also the loader `run` uses (`--specs` or `--bundle`).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use integ_spec::compile::{self, Bundle};
use integ_spec::{Diagnostic, Severity, SourceFile, load_paths, render};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (walked for *.yaml and *.yml).
    #[arg(default_value = "specs/")]
    paths: Vec<PathBuf>,
    /// Where to write the bundle; `-` or nothing: standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let bundle = match compile_paths(&args.paths) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let text = bundle.to_json();
    match args.output.as_deref() {
        None => {
            if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
                return ExitCode::from(EXIT_USAGE);
            }
        }
        Some(p) if p == Path::new("-") => {
            if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
                return ExitCode::from(EXIT_USAGE);
            }
        }
        Some(path) => {
            if let Err(e) = write_atomically(path, text.as_bytes()) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(EXIT_USAGE);
            }
            eprintln!(
                "wrote {} ({} actions, {} profiles, {})",
                path.display(),
                bundle.actions.len(),
                bundle.profiles.len(),
                bundle.content_hash
            );
        }
    }
    ExitCode::from(EXIT_OK)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle.json".into());
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn print_diagnostics(files: &[SourceFile], diags: &[Diagnostic]) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut err = std::io::stderr().lock();
    for d in diags {
        let _ = writeln!(err, "{}", render::human(files, d, color));
    }
}

/// Loads and compiles `paths`; on failure the diagnostics are printed to stderr and the
/// exit code returned (1: the specs have errors, 2: they could not be read).
pub fn compile_paths(paths: &[PathBuf]) -> Result<Bundle, ExitCode> {
    let loaded = match load_paths(paths) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(EXIT_USAGE));
        }
    };
    let files = &loaded.workspace.files;
    if loaded.has_errors() {
        print_diagnostics(files, &loaded.diagnostics);
        eprintln!("error: the specs have errors; nothing was compiled");
        return Err(ExitCode::from(EXIT_FINDINGS));
    }
    let warnings: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .cloned()
        .collect();
    print_diagnostics(files, &warnings);
    match compile::compile(&loaded.workspace) {
        Ok(b) => Ok(b),
        Err(diags) => {
            print_diagnostics(files, &diags);
            eprintln!(
                "error: {} problem{} found while compiling; nothing was compiled",
                diags.len(),
                if diags.len() == 1 { "" } else { "s" }
            );
            Err(ExitCode::from(EXIT_FINDINGS))
        }
    }
}

/// The bundle of a run: read from `bundle`, else compiled in memory from `specs`. A
/// spec or bundle that cannot be used is a usage error (2): the run could not start.
pub fn bundle_for_run(specs: &[PathBuf], bundle: Option<&Path>) -> Result<Bundle, ExitCode> {
    match bundle {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                eprintln!("error: cannot read bundle {}: {e}", path.display());
                ExitCode::from(EXIT_USAGE)
            })?;
            Bundle::from_json(&text).map_err(|e| {
                eprintln!("error: {}: {e}", path.display());
                ExitCode::from(EXIT_USAGE)
            })
        }
        None => compile_paths(specs).map_err(|_| ExitCode::from(EXIT_USAGE)),
    }
}
