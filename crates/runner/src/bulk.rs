//! Bulk runs: one action over many input rows (`integ run ACTION --batch FILE`).
//!
//! Every row goes through the single run's path, [`Runtime::execute`]: one session (so a
//! token refresh serves every row), one limiter keyed per profile and location, the same
//! retry policy. This module adds what is around that path:
//!
//! - [`parse_rows`]: JSON Lines (one object of inputs a line, blank lines skipped) or one
//!   JSON array of objects. Every row keeps its number (its line, or its place in the
//!   array) for messages, results and `--resume`.
//! - [`Checker`] and [`plan`]: every row against the input schema and the request builder
//!   before anything is sent, so a bad row 17 of 1,000 costs no request.
//! - [`done_rows`]: the rows a previous results file already reports `ok`.
//! - [`run_rows`] / [`run_batch`]: at most N rows at once, starting no new row once asked
//!   to stop; each result reaches the caller as it completes (or in input order).
//!
//! Docs: docs/bulk.md; decision: docs/decisions/0015-bulk-runs.md.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Duration;

use integ_spec::suggest::did_you_mean;
use jsonschema::error::ValidationErrorKind;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::Session;
use crate::execute::{Event, ExecError};
use crate::output;
use crate::request::{self, BuildError, Context, Inputs, Prepared};
use crate::run::{RunError, Runtime, Target};

/// How the rows of a batch file are laid out, which decides how a row is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// JSON Lines: a row's number is its line in the file.
    Lines,
    /// One JSON array: a row's number is its place in the array, from 1.
    Array,
}

impl Layout {
    /// Where row `number` of `file` is, as messages say it: `rows.jsonl:17` or
    /// `rows.json: item 17`.
    pub fn locate(self, file: &str, number: u64) -> String {
        match self {
            Layout::Lines => format!("{file}:{number}"),
            Layout::Array => format!("{file}: item {number}"),
        }
    }
}

/// One row of a batch file: its number and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The line (JSON Lines) or the place in the array (from 1).
    pub line: u64,
    /// The inputs, or why the row is not a JSON object of inputs.
    pub inputs: Result<Inputs, String>,
}

/// The rows of a batch file.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub layout: Layout,
    pub rows: Vec<Row>,
}

/// A batch file that cannot be read as rows at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("not a JSON array of input objects: {message} (line {line}, column {column})")]
    BadArray {
        message: String,
        line: usize,
        column: usize,
    },
}

/// Reads a batch: one JSON array when the text starts with `[`, else JSON Lines. A row
/// that is not a JSON object is kept, with the reason, so that it is reported by number
/// with the others.
pub fn parse_rows(text: &str) -> Result<Batch, BatchError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('[') {
        let items: Vec<Value> = serde_json::from_str(text).map_err(|e| BatchError::BadArray {
            message: json_message(&e),
            line: e.line(),
            column: e.column(),
        })?;
        let rows = items
            .into_iter()
            .zip(1u64..)
            .map(|(item, line)| Row {
                line,
                inputs: as_inputs(item),
            })
            .collect();
        return Ok(Batch {
            layout: Layout::Array,
            rows,
        });
    }
    let rows = text
        .lines()
        .zip(1u64..)
        .filter(|(l, _)| !l.trim().is_empty())
        .map(|(l, line)| Row {
            line,
            inputs: match serde_json::from_str::<Value>(l) {
                Ok(v) => as_inputs(v),
                Err(e) => Err(format!(
                    "not JSON: {} (column {})",
                    json_message(&e),
                    e.column()
                )),
            },
        })
        .collect();
    Ok(Batch {
        layout: Layout::Lines,
        rows,
    })
}

fn as_inputs(v: Value) -> Result<Inputs, String> {
    match v {
        Value::Object(m) => Ok(m),
        other => Err(format!(
            "expected a JSON object of inputs, found {}",
            match other {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                Value::Array(_) => "an array",
                Value::Object(_) => "an object",
            }
        )),
    }
}

/// serde_json's message without its ` at line L column C` (the caller says where).
fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The rows of earlier results files that ended `ok`, by number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Done {
    pub lines: BTreeSet<u64>,
    /// Lines that are not a result (a line cut short by a crash, say): they mark nothing
    /// done, so their rows run again.
    pub unreadable: usize,
    /// Lines that are results (`line` and `status`), `ok` or not: a file with lines but
    /// none of them results is not a results file (the rows file, say).
    pub results: usize,
}

/// Reads a results file written by a bulk run (one JSON object a line) into `done`.
pub fn done_rows(text: &str, done: &mut Done) {
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Value>(l) {
            Ok(v) => {
                if v.get("status").is_some_and(Value::is_string)
                    && v.get("line").is_some_and(Value::is_u64)
                {
                    done.results += 1;
                }
                if v.get("status").and_then(Value::as_str) == Some("ok")
                    && let Some(n) = v.get("line").and_then(Value::as_u64)
                {
                    done.lines.insert(n);
                }
            }
            Err(_) => done.unreadable += 1,
        }
    }
}

/// Checks rows as a single run checks its inputs, with the schema compiled once: the
/// input schema (formats included), then the request builder.
pub struct Checker<'t> {
    target: Target<'t>,
    validator: jsonschema::Validator,
}

/// Why a row cannot be sent.
#[derive(Debug)]
pub enum CheckError {
    /// This row is wrong (an input is missing, mistyped, or cannot go in the path).
    Row(String),
    /// No row can be sent (an `${env:..}` is not set, the host is refused): the run stops.
    Fatal(RunError),
}

impl<'t> Checker<'t> {
    pub fn new(target: Target<'t>) -> Result<Checker<'t>, RunError> {
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&target.action.input)
            .map_err(|e| RunError::Build(BuildError::BadSchema(e.to_string())))?;
        Ok(Checker { target, validator })
    }

    /// The request `inputs` make, or why there is none. `token` as in [`Target::prepare`].
    pub fn check(
        &self,
        inputs: &Inputs,
        token: Option<&Map<String, Value>>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Prepared, CheckError> {
        let instance = Value::Object(inputs.clone());
        let known: Vec<&str> = self
            .target
            .action
            .input
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut problems: Vec<(bool, String)> = self
            .validator
            .iter_errors(&instance)
            .flat_map(|e| describe(&e, &known))
            .collect();
        // A missing input first: it is what the row most likely lacks.
        problems.sort_by_key(|(missing, _)| !*missing);
        let problems: Vec<String> = problems.into_iter().map(|(_, m)| m).collect();
        if !problems.is_empty() {
            return Err(CheckError::Row(problems.join("; ")));
        }
        let ctx = Context {
            action: self.target.action,
            profile: self.target.profile,
            inputs,
            token,
            env,
        };
        request::build(&ctx).map_err(|e| {
            let e = RunError::Build(e);
            if e.exit_code() == 2 {
                CheckError::Fatal(e)
            } else {
                CheckError::Row(e.to_string())
            }
        })
    }
}

/// One schema error in the words of the CLI: an input is missing (`true`) or unknown (with
/// the closest known name), or the schema's own message at the input's path.
fn describe(e: &jsonschema::ValidationError, known: &[&str]) -> Vec<(bool, String)> {
    let path = e
        .instance_path()
        .as_str()
        .trim_start_matches('/')
        .replace('/', ".");
    match (e.kind(), path.is_empty()) {
        (ValidationErrorKind::Required { property }, true) => vec![(
            true,
            format!(
                "missing required input {}",
                property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_string)
            ),
        )],
        (ValidationErrorKind::AdditionalProperties { unexpected }, true) => unexpected
            .iter()
            .map(|name| {
                let hint = did_you_mean(name, known.iter().copied())
                    .map(|k| format!(" (did you mean {k}?)"))
                    .unwrap_or_default();
                (false, format!("unknown input {name}{hint}"))
            })
            .collect(),
        (_, true) => vec![(false, e.to_string())],
        (_, false) => vec![(false, format!("input {path}: {e}"))],
    }
}

/// One row as the run will treat it.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub line: u64,
    /// The inputs to send, or why the row is invalid.
    pub job: Result<Inputs, String>,
}

/// The rows to run, after `--resume` and the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// In input order; rows already done are not here.
    pub items: Vec<Planned>,
    /// Rows in the file.
    pub total: usize,
    /// Rows left out because an earlier results file has them `ok`.
    pub skipped: usize,
}

impl Plan {
    /// The invalid rows: number and reason, in input order.
    pub fn invalid(&self) -> impl Iterator<Item = (u64, &str)> {
        self.items.iter().filter_map(|p| match &p.job {
            Err(m) => Some((p.line, m.as_str())),
            Ok(_) => None,
        })
    }
}

/// Leaves out the rows in `done` and checks the others (without a token: `{{ token.x }}`
/// is a placeholder here, as in a single run's check before its request).
pub fn plan(
    batch: Batch,
    done: &Done,
    checker: &Checker,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, RunError> {
    let total = batch.rows.len();
    let mut skipped = 0;
    let mut items = Vec::with_capacity(total);
    for row in batch.rows {
        if done.lines.contains(&row.line) {
            skipped += 1;
            continue;
        }
        let job = match row.inputs {
            Err(m) => Err(m),
            Ok(inputs) => match checker.check(&inputs, None, env) {
                Ok(_) => Ok(inputs),
                Err(CheckError::Row(m)) => Err(m),
                Err(CheckError::Fatal(e)) => return Err(e),
            },
        };
        items.push(Planned {
            line: row.line,
            job,
        });
    }
    Ok(Plan {
        items,
        total,
        skipped,
    })
}

/// How a row ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
}

/// One row's result: one JSON line on stdout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowResult {
    pub line: u64,
    pub status: Status,
    /// The final HTTP status; `null` when no response came (invalid row, transport error).
    pub http: Option<u16>,
    /// `output.select` of the response; `null` for a failed row.
    pub output: Value,
    /// Why the row failed (never holds a secret); `null` for an ok row.
    pub error: Option<String>,
    /// No later row can succeed either (the login is gone): start no more.
    #[serde(skip)]
    pub stops_the_run: bool,
}

impl RowResult {
    pub fn ok(line: u64, http: u16, output: Value) -> RowResult {
        RowResult {
            line,
            status: Status::Ok,
            http: Some(http),
            output,
            error: None,
            stops_the_run: false,
        }
    }

    /// A row that was not sent because it is invalid.
    pub fn invalid(line: u64, reason: &str) -> RowResult {
        RowResult {
            line,
            status: Status::Failed,
            http: None,
            output: Value::Null,
            error: Some(format!("invalid input: {reason}")),
            stops_the_run: false,
        }
    }

    /// A row whose run failed with `e`.
    pub fn failed(line: u64, e: &RunError) -> RowResult {
        let http = match e {
            RunError::Exec(ExecError::Api { status, .. } | ExecError::TooLarge { status, .. }) => {
                Some(*status)
            }
            _ => None,
        };
        // The login is gone, or the stored token lacks a field the request needs: the
        // same for every later row.
        let stops_the_run = matches!(
            e,
            RunError::Auth(_)
                | RunError::Exec(ExecError::Credentials(_))
                | RunError::Build(BuildError::MissingTokenField { .. })
        ) || e.exit_code() == 2;
        RowResult {
            line,
            status: Status::Failed,
            http,
            output: Value::Null,
            error: Some(e.to_string()),
            stops_the_run,
        }
    }

    /// The result as one line of JSON, without the line break.
    pub fn to_json_line(&self) -> String {
        // A struct of strings, numbers and JSON values always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// How rows are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Rows in flight at once (at least 1).
    pub concurrency: usize,
    /// Hand results over in input order instead of as they complete.
    pub ordered: bool,
}

/// What a bulk run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Rows in the file.
    pub total: usize,
    pub ok: usize,
    pub failed: usize,
    /// Left out by `--resume`.
    pub skipped: usize,
    /// Never started: the run was stopped (Ctrl-C, or a failure no row can get past).
    pub not_run: usize,
    /// Retries and refreshes the rows needed, in all.
    pub retries: u64,
    pub elapsed: Duration,
}

impl Tally {
    /// Every row that was to run ran and ended ok.
    pub fn all_ok(&self) -> bool {
        self.failed == 0 && self.not_run == 0
    }
}

impl fmt::Display for Tally {
    /// `1000 rows: 998 ok, 2 failed in 12.3 s`, with skipped and not-run rows and the
    /// retries when there are any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.total == 1 { "" } else { "s" };
        write!(
            f,
            "{} row{plural}: {} ok, {} failed",
            self.total, self.ok, self.failed
        )?;
        if self.skipped > 0 {
            write!(f, ", {} skipped (ok in an earlier run)", self.skipped)?;
        }
        if self.not_run > 0 {
            write!(f, ", {} not run", self.not_run)?;
        }
        let secs = self.elapsed.as_secs_f64();
        write!(f, " in {secs:.1} s")?;
        let ran = self.ok + self.failed;
        if ran > 0 && secs > 0.0 {
            write!(f, " ({:.0} rows/s)", ran as f64 / secs)?;
        }
        if self.retries > 0 {
            let s = if self.retries == 1 { "y" } else { "ies" };
            write!(f, "; {} retr{s}", self.retries)?;
        }
        Ok(())
    }
}

/// Runs `run` over `items`, at most `opts.concurrency` at once, on the current task. No
/// item starts once `stop` is set (a result with `stops_the_run` sets it); those already
/// started finish, and every result is handed to `emit`: as it completes, or in input
/// order with `opts.ordered`. Fills `ok`, `failed` and `not_run` of the tally.
pub async fn run_rows<'i, T, F, Fut>(
    items: &'i [T],
    opts: Options,
    stop: &AtomicBool,
    run: F,
    emit: impl FnMut(RowResult),
) -> Tally
where
    F: Fn(&'i T) -> Fut,
    Fut: Future<Output = RowResult>,
{
    let next = Cell::new(0usize);
    let sink = RefCell::new(Sink {
        ordered: opts.ordered,
        waiting: BTreeMap::new(),
        next_out: 0,
        emit,
        tally: Tally::default(),
    });
    let workers: Vec<Pin<Box<dyn Future<Output = ()> + '_>>> =
        (0..opts.concurrency.max(1).min(items.len()))
            .map(|_| {
                Box::pin(worker(items, &next, stop, &run, &sink))
                    as Pin<Box<dyn Future<Output = ()>>>
            })
            .collect();
    join_all(workers).await;
    let mut sink = sink.into_inner();
    sink.flush_all();
    let mut tally = sink.tally;
    tally.not_run = items.len() - next.get();
    tally
}

async fn worker<'i, T, F, Fut, E>(
    items: &'i [T],
    next: &Cell<usize>,
    stop: &AtomicBool,
    run: &F,
    sink: &RefCell<Sink<E>>,
) where
    F: Fn(&'i T) -> Fut,
    Fut: Future<Output = RowResult>,
    E: FnMut(RowResult),
{
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let i = next.get();
        let Some(item) = items.get(i) else {
            return;
        };
        next.set(i + 1);
        let result = run(item).await;
        if result.stops_the_run {
            stop.store(true, Ordering::SeqCst);
        }
        sink.borrow_mut().push(i, result);
    }
}

/// Polls every future until all are done (the workers share one task, so they may borrow
/// the rows, the runtime and the session instead of owning copies).
async fn join_all(mut futures: Vec<Pin<Box<dyn Future<Output = ()> + '_>>>) {
    std::future::poll_fn(|cx| {
        futures.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if futures.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

struct Sink<E> {
    ordered: bool,
    /// Results that wait for an earlier row (`--ordered`), by index.
    waiting: BTreeMap<usize, RowResult>,
    next_out: usize,
    emit: E,
    tally: Tally,
}

impl<E: FnMut(RowResult)> Sink<E> {
    fn push(&mut self, index: usize, result: RowResult) {
        match result.status {
            Status::Ok => self.tally.ok += 1,
            Status::Failed => self.tally.failed += 1,
        }
        if !self.ordered {
            (self.emit)(result);
            return;
        }
        self.waiting.insert(index, result);
        while let Some(r) = self.waiting.remove(&self.next_out) {
            (self.emit)(r);
            self.next_out += 1;
        }
    }

    /// Rows start in input order and every started row finishes, so nothing should wait
    /// here at the end; hand over whatever does, in order, rather than lose it.
    fn flush_all(&mut self) {
        for (_, r) in std::mem::take(&mut self.waiting) {
            (self.emit)(r);
        }
    }
}

/// Runs one row through [`Runtime::execute`] and says how it ended.
pub async fn run_row(
    rt: &Runtime,
    target: &Target<'_>,
    session: &Session,
    line: u64,
    inputs: &Inputs,
    env: &dyn Fn(&str) -> Option<String>,
    on_event: impl FnMut(&Event),
) -> RowResult {
    match rt.execute(target, session, inputs, env, on_event).await {
        Ok((_, response)) => RowResult::ok(
            line,
            response.status,
            output::select(&response.body, target.action.output_select.as_deref()).clone(),
        ),
        Err((_, e)) => RowResult::failed(line, &e),
    }
}

/// Everything a live bulk run shares.
pub struct Live<'a> {
    pub runtime: &'a Runtime,
    pub target: Target<'a>,
    pub session: &'a Session,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Hears every retry and refresh, with the row's number.
    pub on_event: &'a dyn Fn(u64, &Event),
}

/// Runs a plan: invalid rows (kept with `--skip-invalid`) fail at once without a request,
/// the others run through [`run_row`]. Fills the whole tally but `elapsed`.
pub async fn run_batch(
    live: &Live<'_>,
    plan: &Plan,
    opts: Options,
    stop: &AtomicBool,
    emit: impl FnMut(RowResult),
) -> Tally {
    let retries = Cell::new(0u64);
    let retries = &retries;
    let mut tally = run_rows(
        &plan.items,
        opts,
        stop,
        |item: &Planned| async move {
            match &item.job {
                Err(reason) => RowResult::invalid(item.line, reason),
                Ok(inputs) => {
                    let on_event = |e: &Event| {
                        retries.set(retries.get() + 1);
                        (live.on_event)(item.line, e);
                    };
                    run_row(
                        live.runtime,
                        &live.target,
                        live.session,
                        item.line,
                        inputs,
                        live.env,
                        on_event,
                    )
                    .await
                }
            }
        },
        emit,
    )
    .await;
    tally.total = plan.total;
    tally.skipped = plan.skipped;
    tally.retries = retries.get();
    tally
}

/// The request a row would send, as `--dry-run --batch` prints it: one JSON line with
/// every secret shown as `***`.
pub fn dry_run_line(line: u64, prepared: &Prepared) -> String {
    let shown = &prepared.shown;
    let mut headers = Map::new();
    for (k, v) in &shown.headers {
        headers.insert(k.clone(), Value::String(v.clone()));
    }
    if prepared.credentials_allowed {
        headers.insert(
            "Authorization".into(),
            Value::String(format!("Bearer {}", request::REDACTED)),
        );
    }
    let mut out = Map::new();
    out.insert("line".into(), Value::from(line));
    out.insert("method".into(), Value::from(shown.method.as_str()));
    out.insert("url".into(), Value::from(shown.url.as_str()));
    out.insert("headers".into(), Value::Object(headers));
    out.insert("body".into(), shown.body.clone().unwrap_or(Value::Null));
    out.insert(
        "curl".into(),
        Value::from(shown.curl(prepared.credentials_allowed)),
    );
    Value::Object(out).to_string()
}
