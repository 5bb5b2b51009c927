//! `integ run ACTION --profile P --batch FILE`: the I/O around `integ_runner::bulk` —
//! reading the rows and earlier results, printing a result line per row (flushed as it
//! completes), the progress bar on a terminal, Ctrl-C, the summary and the exit code
//! (0 every row ok, 1 a row failed or is invalid, 2 the run could not start, 130
//! interrupted). docs/bulk.md.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use integ_runner::auth::{self, Interaction, LoginOptions};
use integ_runner::bulk::{
    self, CheckError, Checker, Done, Live, Options, RowResult, Status, Tally,
};
use integ_runner::execute::Event;
use integ_runner::run::{Runtime, Target, stored_metadata};

use super::{Args, fail};
use crate::cmd::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

/// The exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;
/// At most this many invalid rows are listed one by one.
const INVALID_SHOWN: usize = 50;

pub(super) fn run(args: &Args, target: Target<'_>, file: &Path) -> ExitCode {
    let name = if file.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        file.display().to_string()
    };
    let text = match read_text(file) {
        Ok(t) => t,
        Err(message) => return usage(&message),
    };
    let batch = match bulk::parse_rows(&text) {
        Ok(b) => b,
        Err(e) => return usage(&format!("{name}: {e}")),
    };
    drop(text);
    let layout = batch.layout;

    let mut done = Done::default();
    for path in &args.resume {
        if let Err(message) = check_not_truncated(path) {
            return usage(&message);
        }
        match crate::cmd::read_text_file(path) {
            Ok(t) => {
                let (results, torn) = (done.results, done.unreadable);
                bulk::done_rows(&t, &mut done);
                let lines = t.lines().filter(|l| !l.trim().is_empty()).count();
                // `--resume rows.jsonl` instead of the results: JSON lines, none of them
                // a result; it would mark nothing done and send every row again. (Lines
                // cut short by a crash are not JSON: those only warn, below.)
                if lines > done.unreadable - torn && done.results == results {
                    return usage(&format!(
                        "--resume {}: none of its {lines} line(s) is a result of `integ run --batch` (is it the rows file?); nothing was sent",
                        path.display()
                    ));
                }
            }
            Err(e) => return usage(&e),
        }
    }
    if done.unreadable > 0 {
        eprintln!(
            "warning: {} line(s) of the --resume file(s) are not results; they mark no row done",
            done.unreadable
        );
    }

    let env = |name: &str| std::env::var(name).ok();
    let checker = match Checker::new(target) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let plan = match bulk::plan(batch, &done, &checker, &env) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let invalid: Vec<(u64, &str)> = plan.invalid().collect();
    for (line, reason) in invalid.iter().take(INVALID_SHOWN) {
        eprintln!("{}: {reason}", layout.locate(&name, *line));
    }
    if invalid.len() > INVALID_SHOWN {
        eprintln!("… and {} more invalid rows", invalid.len() - INVALID_SHOWN);
    }
    if !invalid.is_empty() && !args.skip_invalid {
        eprintln!(
            "error: {} of {} rows are invalid; nothing was sent (--skip-invalid sends the valid rows)",
            invalid.len(),
            plan.items.len()
        );
        return ExitCode::from(EXIT_FINDINGS);
    }

    if args.dry_run {
        return dry_run(args, &target, &checker, &plan, &env);
    }
    if plan.items.is_empty() {
        // Every row is done already (or the file has none): not even the token is read.
        let tally = Tally {
            total: plan.total,
            skipped: plan.skipped,
            ..Tally::default()
        };
        eprintln!("{tally}");
        return ExitCode::from(EXIT_OK);
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage(&format!("cannot start the async runtime: {e}")),
    };
    let interaction = if auth::is_interactive(args.no_input) {
        Interaction::Login(LoginOptions::default())
    } else {
        Interaction::None
    };
    let started = Instant::now();
    runtime.block_on(async {
        let rt = match Runtime::new(target.provider.rate_limit.as_ref()) {
            Ok(rt) => rt,
            Err(e) => return fail(&e),
        };
        // The login is checked (and refreshed if it must be) before the first row.
        let session = match rt
            .session(&target, args.user.as_deref(), interaction, &env)
            .await
        {
            Ok(s) => s,
            Err(e) => return fail(&e),
        };

        let progress = progress_bar(plan.items.len() as u64);
        let stop = Arc::new(AtomicBool::new(false));
        let interrupted = Arc::new(AtomicBool::new(false));
        let listener = tokio::spawn(on_ctrl_c(
            stop.clone(),
            interrupted.clone(),
            progress.clone(),
        ));

        let stdout_is_terminal = std::io::stdout().is_terminal();
        let failed = AtomicU64::new(0);
        let mut write_error: Option<std::io::Error> = None;
        let emit = |r: RowResult| {
            let line = r.to_json_line();
            let write = || {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{line}").and_then(|()| out.flush())
            };
            // Clearing and redrawing the bar per row is needed only when both share a
            // terminal.
            let written = if stdout_is_terminal {
                progress.suspend(write)
            } else {
                write()
            };
            if let Err(e) = written
                && write_error.is_none()
            {
                // Results can no longer be recorded: start no more rows.
                stop.store(true, Ordering::SeqCst);
                write_error = Some(e);
            }
            if r.status == Status::Failed {
                let n = failed.fetch_add(1, Ordering::Relaxed) + 1;
                progress.set_message(format!("{n} failed"));
            }
            progress.inc(1);
        };
        let on_event = |line: u64, e: &Event| match e {
            Event::Retry {
                next_attempt,
                reason,
                wait,
            } => tracing::info!(line, next_attempt, %reason, ?wait, "retrying"),
            Event::Refreshed => tracing::info!(line, "token refreshed after a 401"),
        };
        let live = Live {
            runtime: &rt,
            target,
            session: &session,
            env: &env,
            on_event: &on_event,
        };
        let opts = Options {
            concurrency: usize::from(args.concurrency),
            ordered: args.ordered,
        };
        let mut tally = bulk::run_batch(&live, &plan, opts, &stop, emit).await;
        listener.abort();
        tally.elapsed = started.elapsed();
        progress.finish_and_clear();

        eprintln!("{tally}");
        if let Some(e) = write_error {
            eprintln!(
                "error: cannot write results to standard output ({e}); no more rows were started"
            );
            return ExitCode::from(EXIT_USAGE);
        }
        if interrupted.load(Ordering::SeqCst) {
            eprintln!(
                "interrupted: {} row(s) not run; run again with --resume RESULTS to continue",
                tally.not_run
            );
            return ExitCode::from(EXIT_INTERRUPTED);
        }
        if tally.not_run > 0 {
            eprintln!(
                "stopped: a row failed in a way no later row can get past; {} row(s) not run",
                tally.not_run
            );
        }
        ExitCode::from(if tally.all_ok() {
            EXIT_OK
        } else {
            EXIT_FINDINGS
        })
    })
}

/// `--dry-run --batch`: each row's request, redacted, one JSON line each; nothing sent.
fn dry_run(
    args: &Args,
    target: &Target<'_>,
    checker: &Checker<'_>,
    plan: &bulk::Plan,
    env: &dyn Fn(&str) -> Option<String>,
) -> ExitCode {
    let key = target.token_key(args.user.as_deref());
    let metadata = auth::FileTokenStore::from_env()
        .ok()
        .and_then(|store| stored_metadata(&store, &key));
    let mut out = std::io::stdout().lock();
    let (mut shown, mut invalid) = (0usize, 0usize);
    for item in &plan.items {
        let line = match &item.job {
            Err(reason) => {
                invalid += 1;
                RowResult::invalid(item.line, reason).to_json_line()
            }
            Ok(inputs) => match checker.check(inputs, metadata.as_ref(), env) {
                Ok(p) => {
                    shown += 1;
                    bulk::dry_run_line(item.line, &p)
                }
                Err(CheckError::Row(reason)) => {
                    invalid += 1;
                    RowResult::invalid(item.line, &reason).to_json_line()
                }
                Err(CheckError::Fatal(e)) => return fail(&e),
            },
        };
        if let Err(e) = writeln!(out, "{line}") {
            return usage(&format!("cannot write to standard output: {e}"));
        }
    }
    let _ = out.flush();
    let mut summary = format!(
        "{} rows: {shown} request(s) shown, {invalid} invalid",
        plan.total
    );
    if plan.skipped > 0 {
        summary.push_str(&format!(
            ", {} skipped (ok in an earlier run)",
            plan.skipped
        ));
    }
    eprintln!("{summary}; dry run, nothing sent");
    ExitCode::from(if invalid == 0 { EXIT_OK } else { EXIT_FINDINGS })
}

/// First Ctrl-C: start no more rows, let the ones in flight finish. Second: quit now.
async fn on_ctrl_c(stop: Arc<AtomicBool>, interrupted: Arc<AtomicBool>, progress: ProgressBar) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    interrupted.store(true, Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    progress.suspend(|| {
        eprintln!(
            "interrupted: starting no more rows, finishing the ones in flight (Ctrl-C again to quit now)"
        )
    });
    if tokio::signal::ctrl_c().await.is_ok() {
        progress.suspend(|| {
            eprintln!(
                "interrupted again: quitting; rows in flight have no result line and may have been sent"
            )
        });
        std::process::exit(i32::from(EXIT_INTERRUPTED));
    }
}

/// A bar on stderr when it is a terminal; nothing otherwise.
fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:30} {pos}/{len} rows  {elapsed} eta {eta}  {msg}")
    {
        bar.set_style(style);
    }
    bar
}

fn read_text(file: &Path) -> Result<String, String> {
    if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read rows from standard input: {e}"))?;
        Ok(s)
    } else {
        crate::cmd::read_text_file(file)
    }
}

/// Refuses a `--resume` file that standard output is truncating (`> results.jsonl`): the
/// shell emptied it before integ could read it, so every row would be sent again.
fn check_not_truncated(path: &Path) -> Result<(), String> {
    if stdout_truncates(path) {
        return Err(format!(
            "{} is also standard output, opened with `>`, which emptied it before integ could \
             read it: nothing would be skipped. Append with `>>`",
            path.display()
        ));
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn stdout_truncates(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Ok(file), Ok(out)) = (
        std::fs::metadata(path),
        std::fs::metadata("/proc/self/fd/1"),
    ) else {
        return false;
    };
    if file.dev() != out.dev() || file.ino() != out.ino() {
        return false;
    }
    // O_APPEND is 0o2000 in the octal `flags:` of fdinfo.
    const O_APPEND: u32 = 0o2000;
    let appending = std::fs::read_to_string("/proc/self/fdinfo/1")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("flags:"))
                .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
        })
        .map(|flags| flags & O_APPEND != 0);
    match appending {
        Some(a) => !a,
        // Unknown: only an empty file is surely a truncated one.
        None => file.len() == 0,
    }
}

#[cfg(not(target_os = "linux"))]
fn stdout_truncates(_: &Path) -> bool {
    false
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_USAGE)
}
