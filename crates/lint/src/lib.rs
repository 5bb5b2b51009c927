//! integ-lint: the rule engine, the rules (one file each under `rules/`), the
//! configuration (`integ.toml`, inline `# integ-ignore:`), the fix engine and the
//! reporters (human, json, sarif, github, junit).
//!
//! Rules read the loaded workspace and return findings as data; reporters turn findings
//! into text. This crate must not print, exit, or make network calls: the `integ`
//! binary decides what to show and which exit code that means.

pub mod config;
pub mod context;
pub mod edit;
pub mod engine;
pub mod fix;
pub mod registry;
pub mod report;
pub mod rule;
pub mod rules;
pub mod suppress;
pub mod util;

use std::path::{Path, PathBuf};

pub use config::{Config, ConfigError};
pub use engine::lint;
pub use registry::{RULES, rule as find_rule};
pub use report::{Format, Report};
pub use rule::Rule;

use integ_spec::{Diagnostic, LoadError, SourceFile};

/// How many lint-and-fix rounds `--fix` runs at most; a round applies every fix that
/// conflicts with no other, the next one those that waited.
pub const MAX_FIX_ROUNDS: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum LintError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{}: changed on disk while integ was fixing it; not written", path.display())]
    Changed { path: PathBuf },
    #[error("{}: a fix would make this file invalid ({message}); nothing was written", path.display())]
    FixBroke { path: PathBuf, message: String },
    #[error("{}: cannot write the fixed file: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What `--fix` does with the fixed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    /// Report only.
    Off,
    /// Write the fixed files (atomically).
    Write,
    /// Compute the fixes and return them as diffs; write nothing.
    Diff,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Files and directories to lint.
    pub paths: Vec<PathBuf>,
    pub fix: FixMode,
    /// The configuration; discovered from the first path when `None`.
    pub config: Option<Config>,
}

/// A file `--fix` changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: PathBuf,
    pub before: String,
    pub after: String,
    /// How many fixes went into it.
    pub fixes: usize,
}

impl Change {
    pub fn diff(&self) -> String {
        fix::unified_diff(&self.path, &self.before, &self.after)
    }
}

/// The result of a lint run: the files as they are now (after fixes), the findings
/// that remain, and what was fixed.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub files: Vec<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
    pub changes: Vec<Change>,
    pub config_path: Option<PathBuf>,
}

impl Outcome {
    pub fn report(&self) -> Report<'_> {
        Report {
            files: &self.files,
            diagnostics: &self.diagnostics,
        }
    }
}

/// Lints `options.paths`: discovers the configuration, collects the files (minus the
/// ignored ones), loads them in parallel, runs the rules and, with `--fix`, applies the
/// safe fixes and lints again until nothing more can be fixed.
pub fn run(options: &Options) -> Result<Outcome, LintError> {
    let config = match &options.config {
        Some(c) => c.clone(),
        None => Config::discover(
            options
                .paths
                .first()
                .map_or(Path::new("."), PathBuf::as_path),
        )?,
    };
    let mut files = integ_spec::collect_files(&options.paths)?;
    files.retain(|f| !config.is_ignored(f));
    let loaded = integ_spec::load_files(files);
    let mut ws = loaded.workspace;
    // What the loader said about the files as read from disk; a reload from memory only
    // replaces it for files a fix changed (an unreadable or oversized file is not re-read).
    let initial_loader: Vec<Diagnostic> = if options.fix == FixMode::Off {
        Vec::new()
    } else {
        loaded.diagnostics.clone()
    };
    let mut diagnostics = lint(&ws, loaded.diagnostics, &config);
    let originals: Vec<SourceFile> = if options.fix == FixMode::Off {
        Vec::new()
    } else {
        ws.files.clone()
    };
    let mut fixes_per_file = vec![0usize; originals.len()];

    if options.fix != FixMode::Off {
        let mut changed = vec![false; originals.len()];
        for _ in 0..MAX_FIX_ROUNDS {
            let fixed = fix::apply(&ws.files, &diagnostics);
            if fixed.is_empty() {
                break;
            }
            let mut sources: Vec<(PathBuf, String)> = ws
                .files
                .iter()
                .map(|f| (f.path.clone(), f.text.to_string()))
                .collect();
            for f in fixed {
                let i = f.file.0 as usize;
                fixes_per_file[i] += f.fixes;
                changed[i] = true;
                sources[i].1 = f.text;
            }
            let reloaded = integ_spec::load_sources(sources);
            ws = reloaded.workspace;
            let is_changed =
                |d: &Diagnostic| changed.get(d.file.0 as usize).copied().unwrap_or(false);
            let mut loader: Vec<Diagnostic> = initial_loader
                .iter()
                .filter(|d| !is_changed(d))
                .cloned()
                .collect();
            loader.extend(reloaded.diagnostics.into_iter().filter(|d| is_changed(d)));
            diagnostics = lint(&ws, loader, &config);
        }
        // A fix must never break a file: refuse to keep one whose text no longer loads.
        for d in &diagnostics {
            let i = d.file.0 as usize;
            let broke = changed.get(i).copied().unwrap_or(false)
                && d.code == rules::schema::RULE.id
                && !initial_loader
                    .iter()
                    .any(|o| o.file == d.file && o.code == d.code);
            if broke {
                return Err(LintError::FixBroke {
                    path: ws.files[i].path.clone(),
                    message: d.message.clone(),
                });
            }
        }
    }

    let mut changes = Vec::new();
    for (i, (before, after)) in originals.iter().zip(&ws.files).enumerate() {
        if before.text != after.text {
            changes.push(Change {
                path: after.path.clone(),
                before: before.text.to_string(),
                after: after.text.to_string(),
                fixes: fixes_per_file[i],
            });
        }
    }
    if options.fix == FixMode::Write {
        for c in &changes {
            // Never write over a file that is not exactly what was linted (edited meanwhile,
            // or not UTF-8 and so only seen through a lossy decoding).
            let on_disk = std::fs::read(&c.path).map_err(|source| LintError::Write {
                path: c.path.clone(),
                source,
            })?;
            if on_disk != c.before.as_bytes() {
                return Err(LintError::Changed {
                    path: c.path.clone(),
                });
            }
            fix::write_atomic(&c.path, &c.after).map_err(|source| LintError::Write {
                path: c.path.clone(),
                source,
            })?;
        }
    }
    Ok(Outcome {
        files: ws.files,
        diagnostics,
        changes,
        config_path: config.path.clone(),
    })
}

/// Lints in-memory sources with a configuration (tests, editors): no files are read.
pub fn lint_sources(sources: Vec<(PathBuf, String)>, config: &Config) -> Outcome {
    let loaded = integ_spec::load_sources(sources);
    let diagnostics = lint(&loaded.workspace, loaded.diagnostics, config);
    Outcome {
        files: loaded.workspace.files,
        diagnostics,
        changes: Vec::new(),
        config_path: config.path.clone(),
    }
}
