//! The one engine that applies fixes. A fix is data (edits at byte spans); the engine
//! takes fixes in order, keeps each one whose edits touch nothing an earlier kept fix
//! touched (all of a fix's edits or none), and applies the kept edits per file.
//! Conflicting fixes wait for the next round, after the files were linted again.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::Path;

use integ_spec::{Diagnostic, Edit, FileId, SourceFile};

/// The new text of one file, and how many fixes it received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedFile {
    pub file: FileId,
    pub text: String,
    pub fixes: usize,
}

/// Two edits conflict when their spans overlap, or both start at the same offset (two
/// insertions there have no defined order).
fn conflicts(a: &Edit, b: &Edit) -> bool {
    a.file == b.file
        && ((a.span.start < b.span.end && b.span.start < a.span.end)
            || a.span.start == b.span.start)
}

/// Applies every fix of `diags` that conflicts with no earlier one. Returns the files
/// that changed, in file order. Edits that do not fit their file (out of range, not on a
/// character boundary) drop their whole fix.
pub fn apply(files: &[SourceFile], diags: &[Diagnostic]) -> Vec<FixedFile> {
    type FixKey<'a> = (&'a str, Vec<(FileId, integ_spec::Span, &'a str)>);
    let mut seen: HashSet<FixKey<'_>> = HashSet::new();
    let mut kept: BTreeMap<FileId, Vec<&Edit>> = BTreeMap::new();
    let mut count: BTreeMap<FileId, usize> = BTreeMap::new();
    for fix in diags.iter().filter_map(|d| d.fix.as_ref()) {
        let key: FixKey<'_> = (
            &fix.title,
            fix.edits
                .iter()
                .map(|e| (e.file, e.span, e.replacement.as_str()))
                .collect(),
        );
        if fix.edits.is_empty() || !seen.insert(key) {
            continue; // the same fix offered by several findings is applied once
        }
        let fits = fix.edits.iter().all(|e| {
            files.get(e.file.0 as usize).is_some_and(|f| {
                e.span.end <= f.text.len()
                    && f.text.is_char_boundary(e.span.start)
                    && f.text.is_char_boundary(e.span.end)
            })
        });
        let self_conflict = fix
            .edits
            .iter()
            .enumerate()
            .any(|(i, a)| fix.edits[i + 1..].iter().any(|b| conflicts(a, b)));
        if !fits
            || self_conflict
            || fix.edits.iter().any(|e| {
                kept.get(&e.file)
                    .is_some_and(|k| k.iter().any(|o| conflicts(e, o)))
            })
        {
            continue;
        }
        for e in &fix.edits {
            kept.entry(e.file).or_default().push(e);
        }
        for f in fix.edits.iter().map(|e| e.file).collect::<HashSet<_>>() {
            *count.entry(f).or_default() += 1;
        }
    }
    kept.into_iter()
        .map(|(file, mut edits)| {
            edits.sort_by_key(|e| e.span.start);
            let old = &files[file.0 as usize].text;
            let mut text = String::with_capacity(old.len() + 64);
            let mut at = 0;
            for e in edits {
                text.push_str(&old[at..e.span.start]);
                text.push_str(&e.replacement);
                at = e.span.end;
            }
            text.push_str(&old[at..]);
            FixedFile {
                file,
                text,
                fixes: count.get(&file).copied().unwrap_or(0),
            }
        })
        .collect()
}

/// Writes `text` to `path` atomically: a temporary file beside it, flushed to disk, then
/// renamed over it (keeping the original's permissions).
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.integ-fix.{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        if let Ok(meta) = std::fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A unified diff of one file's change, as `--diff` prints it.
pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let p = path.display().to_string().replace('\\', "/");
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{p}"), &format!("b/{p}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use integ_spec::{Fix, Severity, Span};

    use super::*;

    fn diag(fix: Option<Fix>) -> Diagnostic {
        Diagnostic {
            code: "x".into(),
            severity: Severity::Error,
            file: FileId(0),
            span: Span::new(0, 0),
            message: String::new(),
            help: None,
            label: None,
            fix,
        }
    }

    fn fix(edits: &[(usize, usize, &str)]) -> Option<Fix> {
        Some(Fix {
            title: "t".into(),
            edits: edits
                .iter()
                .map(|&(s, e, r)| Edit {
                    file: FileId(0),
                    span: Span::new(s, e),
                    replacement: r.into(),
                })
                .collect(),
        })
    }

    #[test]
    fn applies_non_overlapping_and_defers_conflicts() {
        let files = vec![SourceFile::new("a.yaml".into(), Arc::from("abcdef"))];
        let diags = vec![
            diag(fix(&[(1, 2, "B")])),
            diag(fix(&[(1, 1, "x")])), // same start as the first: deferred
            diag(fix(&[(4, 4, "-"), (5, 6, "F")])),
            diag(fix(&[(5, 5, "y")])), // inside nothing, but same start as (5,6)
            diag(fix(&[(4, 4, "-"), (5, 6, "F")])), // duplicate of the third: applied once
            diag(None),
        ];
        let out = apply(&files, &diags);
        assert_eq!(
            out,
            vec![FixedFile {
                file: FileId(0),
                text: "aBcd-eF".into(),
                fixes: 2
            }]
        );
    }

    #[test]
    fn edits_outside_the_text_drop_their_fix() {
        let files = vec![SourceFile::new("a.yaml".into(), Arc::from("é"))];
        assert!(apply(&files, &[diag(fix(&[(1, 1, "x")]))]).is_empty());
        assert!(apply(&files, &[diag(fix(&[(0, 9, "x")]))]).is_empty());
    }

    #[test]
    fn atomic_write_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.yaml");
        std::fs::write(&p, "old").unwrap();
        write_atomic(&p, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
