//! The engine: runs every enabled rule over the workspace (in parallel), folds in the
//! loader's findings, applies the configured severities and the inline ignores, and
//! returns the findings in a stable order.

use std::collections::HashMap;

use integ_spec::{Diagnostic, Edit, FileId, Fix, Severity, Span, Workspace};
use rayon::prelude::*;

use crate::config::Config;
use crate::context::LintContext;
use crate::registry::{self, RULES};
use crate::rules::unused_ignore;
use crate::suppress::{self, LineIndex};

/// Lints `ws`. `loader` holds the diagnostics the loader returned with it (code
/// `schema` and the like); they go through the same configuration and ignores.
pub fn lint(ws: &Workspace, loader: Vec<Diagnostic>, config: &Config) -> Vec<Diagnostic> {
    let ctx = LintContext::new(ws);
    let found: Vec<Vec<Diagnostic>> = RULES
        .par_iter()
        .filter(|r| config.is_enabled(r.id))
        .filter_map(|r| r.check)
        .map(|check| {
            let mut out = Vec::new();
            check(&ctx, &mut out);
            out
        })
        .collect();
    let mut all: Vec<Diagnostic> = loader;
    all.extend(found.into_iter().flatten());
    all.retain_mut(|d| match config.severity(&d.code) {
        Some(s) => {
            d.severity = s;
            true
        }
        None => false,
    });
    let mut all = apply_ignores(ws, all, config);
    sort(ws, &mut all);
    all
}

/// Findings in report order: by file path, position, then rule id.
pub fn sort(ws: &Workspace, diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (
            &ws.file(a.file).path,
            a.span.start,
            &a.code,
            a.span.end,
            &a.message,
        )
            .cmp(&(
                &ws.file(b.file).path,
                b.span.start,
                &b.code,
                b.span.end,
                &b.message,
            ))
    });
}

/// Drops findings silenced by `# integ-ignore:` comments, and reports each id of a
/// comment that silenced nothing as `unused-ignore`.
fn apply_ignores(ws: &Workspace, diags: Vec<Diagnostic>, config: &Config) -> Vec<Diagnostic> {
    let with_directives: HashMap<FileId, (Vec<suppress::Directive>, LineIndex)> = ws
        .files
        .par_iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let d = suppress::directives(&f.text);
            (!d.is_empty()).then(|| (FileId(i as u32), (d, LineIndex::new(&f.text))))
        })
        .collect();
    if with_directives.is_empty() {
        return diags;
    }
    // used[file][directive][id]
    let mut used: HashMap<FileId, Vec<Vec<bool>>> = with_directives
        .iter()
        .map(|(f, (ds, _))| (*f, ds.iter().map(|d| vec![false; d.ids.len()]).collect()))
        .collect();
    let mut kept = Vec::with_capacity(diags.len());
    for d in diags {
        let Some((directives, lines)) = with_directives.get(&d.file) else {
            kept.push(d);
            continue;
        };
        let line = lines.line(d.span.start);
        let mut silenced = false;
        for (di, dir) in directives.iter().enumerate() {
            if dir.target_line != line {
                continue;
            }
            for (ii, (id, _)) in dir.ids.iter().enumerate() {
                if *id == d.code {
                    silenced = true;
                    if let Some(u) = used.get_mut(&d.file) {
                        u[di][ii] = true;
                    }
                }
            }
        }
        if !silenced {
            kept.push(d);
        }
    }
    let Some(severity) = config.severity(unused_ignore::RULE.id) else {
        return kept;
    };
    for (file, (directives, _)) in &with_directives {
        let text = &ws.file(*file).text;
        for (di, dir) in directives.iter().enumerate() {
            let flags = &used[file][di];
            // Ids of rules switched off in the configuration are not "unused": they may be
            // switched back on.
            let unused: Vec<usize> = (0..dir.ids.len())
                .filter(|&i| !flags[i])
                .filter(|&i| {
                    registry::rule(&dir.ids[i].0).is_none_or(|_| config.is_enabled(&dir.ids[i].0))
                })
                .collect();
            let fix = (unused.len() == dir.ids.len()).then(|| remove_comment(text, *file, dir));
            for i in unused {
                let (id, span) = &dir.ids[i];
                let mut d = unused_ignore::RULE.diagnostic(
                    *file,
                    *span,
                    if registry::rule(id).is_some() {
                        format!("`# integ-ignore: {id}` silences nothing: no `{id}` finding starts on line {}", dir.target_line)
                    } else {
                        format!("`# integ-ignore: {id}` names no rule")
                    },
                );
                d.severity = severity;
                d.label = Some("unused".to_string());
                d.help = Some(if registry::rule(id).is_some() {
                    "remove the comment (the finding it silenced is gone), or move it onto or above the line of the finding".to_string()
                } else {
                    "fix the id (`integ explain --list` lists them), or remove the comment"
                        .to_string()
                });
                d.fix = fix.clone();
                kept.push(d);
            }
        }
    }
    kept
}

/// The fix for a comment none of whose ids is used: remove it (its whole line when it
/// stands alone, else from the spaces before `#` to the end of the line).
fn remove_comment(text: &str, file: FileId, dir: &suppress::Directive) -> Fix {
    let (start, end) = if dir.own_line {
        let start = text[..dir.comment.start].rfind('\n').map_or(0, |i| i + 1);
        let end = if dir.comment.end < text.len() {
            dir.comment.end + 1
        } else {
            dir.comment.end
        };
        (start, end)
    } else {
        let start = text[..dir.comment.start]
            .trim_end_matches([' ', '\t'])
            .len();
        (start, dir.comment.end)
    };
    Fix {
        title: "remove the unused `# integ-ignore:` comment".to_string(),
        edits: vec![Edit {
            file,
            span: Span::new(start, end),
            replacement: String::new(),
        }],
    }
}

/// Counts of findings by severity.
pub fn counts(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    (errors, diags.len() - errors)
}
