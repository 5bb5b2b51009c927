//! Loading: paths -> files -> documents -> a [`Workspace`] plus every diagnostic found.
//!
//! A file that cannot be read, is not UTF-8, is empty or too large is a diagnostic, not an
//! error: only a path the user named that does not exist (or cannot be walked) is a
//! [`LoadError`]. Files are read and checked in parallel (rayon), and the result is the
//! same whatever the scheduling: files keep their sorted order and ids.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::check::{Checked, check_document};
use crate::diag::{Diagnostic, Severity, Span};
use crate::model::{Action, AuthProfile, Provider};
use crate::workspace::{FileId, Loaded, SourceFile, Workspace};
use crate::yaml;

/// Files larger than this are refused unread: no spec needs it, and it bounds memory and time.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// The loaded workspace and every problem found while loading it.
#[derive(Debug, Default)]
pub struct LoadOutput {
    pub workspace: Workspace,
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadOutput {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// How many documents were loaded (of every kind).
    pub fn document_count(&self) -> usize {
        let w = &self.workspace;
        w.providers.len() + w.profiles.len() + w.actions.len()
    }
}

/// A path the user named that cannot be used at all (exit code 2).
#[derive(thiserror::Error, Debug)]
pub enum LoadError {
    #[error("{}: no such file or directory", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: cannot be read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The spec files under `paths`: files as named, directories walked for `*.yaml` and
/// `*.yml` (sorted, so the order is deterministic). A file named explicitly is taken
/// whatever its extension.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LoadError::NotFound { path: path.clone() },
            _ => LoadError::Io {
                path: path.clone(),
                source: e,
            },
        })?;
        if !meta.is_dir() {
            files.push(path.clone());
            continue;
        }
        let mut found = Vec::new();
        for entry in walkdir::WalkDir::new(path).follow_links(true) {
            let entry = entry.map_err(|e| LoadError::Io {
                path: e.path().map_or_else(|| path.clone(), Path::to_path_buf),
                source: e
                    .into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("filesystem loop")),
            })?;
            let is_yaml = entry
                .path()
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e == "yaml" || e == "yml");
            if entry.file_type().is_file() && is_yaml {
                found.push(entry.into_path());
            }
        }
        found.sort();
        files.extend(found);
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok(files)
}

/// Reads and checks `files` (in parallel). An unreadable file is a diagnostic.
pub fn load_files(files: Vec<PathBuf>) -> LoadOutput {
    let results: Vec<FileResult> = files
        .into_par_iter()
        .enumerate()
        .map(|(i, path)| {
            let id = FileId(i as u32);
            match read_bounded(&path) {
                Ok(bytes) => load_bytes(id, path, bytes),
                Err(ReadProblem::TooLarge(size)) => too_large(id, path, size),
                Err(ReadProblem::Io(e)) => {
                    let message = format!("cannot read this file: {e}");
                    let d = schema_diagnostic(
                        id,
                        Span::default(),
                        message,
                        "check the file's permissions".into(),
                    );
                    FileResult::only(SourceFile::new(path, Arc::from("")), d)
                }
            }
        })
        .collect();
    merge(results)
}

/// Collects and loads `paths`.
pub fn load_paths(paths: &[PathBuf]) -> Result<LoadOutput, LoadError> {
    Ok(load_files(collect_files(paths)?))
}

/// Loads in-memory sources (tests, editors).
pub fn load_sources(sources: Vec<(PathBuf, String)>) -> LoadOutput {
    let results: Vec<FileResult> = sources
        .into_par_iter()
        .enumerate()
        .map(|(i, (path, text))| {
            let id = FileId(i as u32);
            if text.len() as u64 > MAX_FILE_BYTES {
                too_large(id, path, text.len() as u64)
            } else {
                load_text(id, path, Arc::from(text), Vec::new())
            }
        })
        .collect();
    merge(results)
}

/// A diagnostic of the loader: code `schema`, severity error.
pub(crate) fn schema_diagnostic(
    file: FileId,
    span: Span,
    message: String,
    help: String,
) -> Diagnostic {
    Diagnostic {
        code: "schema".to_string(),
        severity: Severity::Error,
        file,
        span,
        message,
        help: Some(help),
        label: None,
        fix: None,
    }
}

enum ReadProblem {
    TooLarge(u64),
    Io(std::io::Error),
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, ReadProblem> {
    let file = std::fs::File::open(path).map_err(ReadProblem::Io)?;
    // The size the file says it has (one fstat) lets it be read in one go; the read is
    // still bounded, whatever the size said (a file may grow, a pipe says 0).
    let size = file.metadata().map_or(0, |m| m.len());
    if size > MAX_FILE_BYTES {
        return Err(ReadProblem::TooLarge(size));
    }
    let mut bytes = Vec::with_capacity(size as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(ReadProblem::TooLarge(size));
    }
    Ok(bytes)
}

struct FileResult {
    source: SourceFile,
    diagnostics: Vec<Diagnostic>,
    providers: Vec<Loaded<Provider>>,
    profiles: Vec<Loaded<AuthProfile>>,
    actions: Vec<Loaded<Action>>,
}

impl FileResult {
    fn only(source: SourceFile, d: Diagnostic) -> FileResult {
        FileResult {
            source,
            diagnostics: vec![d],
            providers: Vec::new(),
            profiles: Vec::new(),
            actions: Vec::new(),
        }
    }
}

fn too_large(id: FileId, path: PathBuf, size: u64) -> FileResult {
    let message = format!(
        "this file is {:.1} MB; spec files are limited to {} MB",
        size as f64 / 1_000_000.0,
        MAX_FILE_BYTES / (1024 * 1024)
    );
    let d = schema_diagnostic(
        id,
        Span::default(),
        message,
        "split the specs into several files".into(),
    );
    FileResult::only(SourceFile::new(path, Arc::from("")), d)
}

fn load_bytes(id: FileId, path: PathBuf, bytes: Vec<u8>) -> FileResult {
    match String::from_utf8(bytes) {
        Ok(text) => load_text(id, path, Arc::from(text), Vec::new()),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bad = e.as_bytes().get(at).copied().unwrap_or(0);
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // The prefix up to the first bad byte is unchanged by the lossy decoding, and
            // the bad byte became U+FFFD (3 bytes).
            let span = Span::new(at, (at + 3).min(text.len()));
            let d = schema_diagnostic(
                id,
                span,
                format!("this file is not valid UTF-8 (byte 0x{bad:02X} at offset {at})"),
                "save the file as UTF-8".into(),
            );
            let d = Diagnostic {
                label: Some("first bad byte".into()),
                ..d
            };
            let mut r = load_text(id, path, Arc::from(text), vec![d]);
            // A file that is not UTF-8 is shown, never used.
            r.providers.clear();
            r.profiles.clear();
            r.actions.clear();
            r
        }
    }
}

fn load_text(
    id: FileId,
    path: PathBuf,
    text: Arc<str>,
    mut diagnostics: Vec<Diagnostic>,
) -> FileResult {
    let mut providers = Vec::new();
    let mut profiles = Vec::new();
    let mut actions = Vec::new();
    let read = yaml::read(id, &text);
    let syntax_failed = !read.diagnostics.is_empty();
    diagnostics.extend(read.diagnostics);
    // An empty document (`---` with nothing after it) is skipped when the file has others.
    let non_empty: Vec<yaml::YamlDoc> = read
        .docs
        .into_iter()
        .filter(|d| !(d.value.is_null() && d.spans.nearest("").value.is_empty()))
        .collect();
    if non_empty.is_empty() && !syntax_failed {
        let what = if text.trim().is_empty() {
            "this file is empty"
        } else {
            "this file has no YAML document"
        };
        diagnostics.push(schema_diagnostic(
            id,
            Span::default(),
            format!("{what}; a spec file holds one or more documents"),
            "write a document (`apiVersion: integ/v1`, `kind`, `metadata`, `spec`) or delete the file".into(),
        ));
    }
    for doc in non_empty {
        if diagnostics.len() > yaml::MAX_DIAGNOSTICS_PER_FILE {
            break;
        }
        let yaml::YamlDoc {
            index,
            value,
            spans,
            clean,
        } = doc;
        let checked = check_document(id, &text, value, &spans, &mut diagnostics).filter(|_| clean);
        let spans = Arc::new(spans);
        match checked {
            Some(Checked::Provider(p)) => providers.push(Loaded {
                file: id,
                doc_index: index,
                spans,
                doc: p,
            }),
            Some(Checked::AuthProfile(p)) => profiles.push(Loaded {
                file: id,
                doc_index: index,
                spans,
                doc: p,
            }),
            Some(Checked::Action(a)) => actions.push(Loaded {
                file: id,
                doc_index: index,
                spans,
                doc: a,
            }),
            None => {}
        }
    }
    if diagnostics.len() > yaml::MAX_DIAGNOSTICS_PER_FILE {
        diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
        diagnostics.truncate(yaml::MAX_DIAGNOSTICS_PER_FILE);
        diagnostics.push(schema_diagnostic(
            id,
            Span::default(),
            format!(
                "this file has more than {} problems; the rest are not shown",
                yaml::MAX_DIAGNOSTICS_PER_FILE
            ),
            "fix these first (or split the file), then validate again".into(),
        ));
    }
    FileResult {
        source: SourceFile::new(path, text),
        diagnostics,
        providers,
        profiles,
        actions,
    }
}

fn merge(results: Vec<FileResult>) -> LoadOutput {
    let mut out = LoadOutput::default();
    for r in results {
        out.workspace.files.push(r.source);
        out.workspace.providers.extend(r.providers);
        out.workspace.profiles.extend(r.profiles);
        out.workspace.actions.extend(r.actions);
        out.diagnostics.extend(r.diagnostics);
    }
    out.diagnostics
        .sort_by_key(|d| (d.file, d.span.start, d.span.end));
    out
}
