//! `integ run ACTION --profile NAME`: run one action against the API (or show the exact
//! request with `--dry-run`). The work is `integ_runner::run`; this module parses
//! arguments, prints, and picks the exit code (0 ok, 1 the action failed or its input is
//! invalid, 2 the run could not start).

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use integ_runner::auth::{self, Interaction, LoginOptions};
use integ_runner::execute::Event;
use integ_runner::output::{self, Format};
use integ_runner::request::{BuiltRequest, Inputs, REDACTED};
use integ_runner::run::{RunError, Runtime, Target, stored_metadata};
use serde_json::Value;

use super::{EXIT_OK, EXIT_USAGE};

mod batch;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Json,
    Yaml,
    Table,
}

#[derive(clap::Args)]
pub struct Args {
    /// The action: `name`, or `provider/name` when two providers share the name.
    action: String,
    /// The authorization profile to run with.
    #[arg(long)]
    profile: String,
    /// Whose tokens to use, for `authorizedBy: user` profiles.
    #[arg(long, env = "INTEG_USER")]
    user: Option<String>,
    /// Spec files or directories to compile in memory (repeatable).
    #[arg(
        long,
        env = "INTEG_SPECS",
        default_value = "specs/",
        conflicts_with = "bundle"
    )]
    specs: Vec<PathBuf>,
    /// Run from a bundle written by `integ compile` instead of the specs.
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
    /// An input, `key=value`; the value is read as JSON when it parses as JSON (numbers,
    /// `true`, arrays, objects) unless the input is declared a string, else as text.
    #[arg(long = "input", short = 'i', value_name = "KEY=VALUE")]
    inputs: Vec<String>,
    /// A JSON object of inputs (`-` reads standard input); `--input` values win.
    #[arg(long, value_name = "FILE")]
    input_file: Option<PathBuf>,
    /// Print the request (method, URL, headers, body, a curl line) with every secret
    /// shown as `***`, and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// How to print the selected output.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    output: OutputFormat,
    /// Never prompt or start a login; fail with the command to run instead.
    #[arg(long)]
    no_input: bool,
    /// Run the action once per row of FILE: JSON Lines (one object of inputs a line) or a
    /// JSON array of objects; `-` reads standard input. Every row is checked before any
    /// is sent; one result line per row is printed as it completes.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["inputs", "input_file", "output"])]
    batch: Option<PathBuf>,
    /// With --batch: how many rows run at once.
    #[arg(long, value_name = "N", default_value_t = 4, requires = "batch",
          value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// With --batch: print results in input order instead of as rows complete.
    #[arg(long, requires = "batch")]
    ordered: bool,
    /// With --batch: send the valid rows even when some are invalid (those fail unsent).
    #[arg(long, requires = "batch")]
    skip_invalid: bool,
    /// With --batch: skip the rows this earlier results file has `"status":"ok"`
    /// (repeatable). Append new results to it with `>>`.
    #[arg(long, value_name = "RESULTS", requires = "batch")]
    resume: Vec<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    super::init_tracing();
    let bundle = match super::compile::bundle_for_run(&args.specs, args.bundle.as_deref()) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let target = match Target::find(&bundle, &args.action, &args.profile) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    if let Some(file) = &args.batch {
        return batch::run(&args, target, file);
    }
    // clap waives `requires = "batch"` when an argument that conflicts with --batch (-i)
    // is present, so say it here.
    if args.ordered || args.skip_invalid || !args.resume.is_empty() {
        eprintln!("error: --ordered, --skip-invalid and --resume need --batch FILE");
        return ExitCode::from(EXIT_USAGE);
    }
    let inputs = match collect_inputs(&args, &target.action.input) {
        Ok(i) => i,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let env = |name: &str| std::env::var(name).ok();

    if args.dry_run {
        let key = target.token_key(args.user.as_deref());
        let metadata = auth::FileTokenStore::from_env()
            .ok()
            .and_then(|store| stored_metadata(&store, &key));
        return match target.prepare(&inputs, metadata.as_ref(), &env) {
            Ok(p) => match write_stdout(&show_request(&p.shown, p.credentials_allowed)) {
                Ok(()) => ExitCode::from(EXIT_OK),
                Err(e) => {
                    eprintln!("error: cannot write to standard output: {e}");
                    ExitCode::from(EXIT_USAGE)
                }
            },
            Err(e) => fail(&e),
        };
    }
    // Everything that can fail without the network fails now: nothing is sent for a bad
    // input or a missing variable.
    if let Err(e) = target.prepare(&inputs, None, &env) {
        return fail(&e);
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let interaction = if auth::is_interactive(args.no_input) {
        Interaction::Login(LoginOptions::default())
    } else {
        Interaction::None
    };
    let format = match args.output {
        OutputFormat::Json => Format::Json,
        OutputFormat::Yaml => Format::Yaml,
        OutputFormat::Table => Format::Table,
    };
    runtime.block_on(async {
        let rt = match Runtime::new(target.provider.rate_limit.as_ref()) {
            Ok(rt) => rt,
            Err(e) => return fail(&e),
        };
        let session = match rt
            .session(&target, args.user.as_deref(), interaction, &env)
            .await
        {
            Ok(s) => s,
            Err(e) => return fail(&e),
        };
        match rt
            .execute(&target, &session, &inputs, &env, print_event)
            .await
        {
            Ok((_, response)) => {
                let select = target.action.output_select.as_deref();
                // A 2xx whose body is not JSON (a maintenance page, a proxy's login page,
                // a baseUrl that is a website): `output.select` would print `null` and
                // exit 0 as if all were well.
                if let (Value::String(text), Some(p)) = (&response.body, select)
                    && !p.is_empty()
                {
                    let shown: String = text
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(120)
                        .collect();
                    eprintln!(
                        "error: {} got HTTP {} with a body that is not JSON (`{shown}`), so there is no {p} to show; the request was sent: check the profile's baseUrl",
                        target.action.name, response.status
                    );
                    return ExitCode::from(1);
                }
                let selected = output::select(&response.body, select);
                match write_stdout(&output::render(selected, format)) {
                    Ok(()) => ExitCode::from(EXIT_OK),
                    Err(e) => {
                        // The request was sent and succeeded: say so, or a rerun
                        // would send it again.
                        eprintln!(
                            "error: {} ran (HTTP {}) but its output could not be written to standard output: {e}",
                            target.action.name, response.status
                        );
                        ExitCode::from(EXIT_USAGE)
                    }
                }
            }
            Err((_, e)) => fail(&e),
        }
    })
}

/// `print!` without its panic: a full disk or a closed file is an error to report.
fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush())
}

fn print_event(event: &Event) {
    match event {
        Event::Retry {
            next_attempt,
            reason,
            wait,
        } => eprintln!("retrying: {reason}; attempt {next_attempt} in {wait:.1?}"),
        Event::Refreshed => {
            eprintln!("the access token was rejected (401); refreshed it, retrying once")
        }
    }
}

fn fail(e: &RunError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(e.exit_code())
}

impl Args {
    /// `--batch`: the bulk run writes its results itself and turns a closed stdout into
    /// exit 2 (docs/bulk.md), so it keeps EPIPE as an error instead of SIGPIPE.
    pub fn is_batch(&self) -> bool {
        self.batch.is_some()
    }
}

/// `--input-file`, then every `--input`, as one JSON object.
fn collect_inputs(args: &Args, schema: &Value) -> Result<Inputs, String> {
    let mut inputs = Inputs::new();
    if let Some(path) = &args.input_file {
        let text = if path.as_os_str() == "-" {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("cannot read inputs from standard input: {e}"))?;
            s
        } else {
            super::read_text_file(path)?
        };
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(m)) => inputs.extend(m),
            Ok(_) => return Err(format!("{}: inputs must be a JSON object", path.display())),
            Err(e) => return Err(format!("{}: not JSON: {e}", path.display())),
        }
    }
    // `-i` overrides `--input-file`, but the same key twice on the command line is a
    // mistake (which one was meant?), not a silent last-wins.
    let mut given: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for raw in &args.inputs {
        let (key, value) = parse_input(raw, schema)?;
        if let Some(first) = given.insert(key.clone(), raw) {
            return Err(format!(
                "--input `{key}` is given twice (`{first}`, `{raw}`); keep one"
            ));
        }
        inputs.insert(key, value);
    }
    Ok(inputs)
}

/// `key=value`: JSON when the value parses as JSON and the input is not declared a
/// string; the text itself otherwise.
pub fn parse_input(raw: &str, schema: &Value) -> Result<(String, Value), String> {
    let Some((key, text)) = raw.split_once('=') else {
        return Err(format!("--input `{raw}`: expected KEY=VALUE"));
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("--input `{raw}`: the key is empty"));
    }
    let declared_string = schema
        .pointer(&format!(
            "/properties/{}/type",
            key.replace('~', "~0").replace('/', "~1")
        ))
        .and_then(Value::as_str)
        == Some("string");
    let value = match serde_json::from_str::<Value>(text) {
        Ok(v) if !declared_string || v.is_string() => v,
        _ => Value::String(text.to_string()),
    };
    Ok((key.to_string(), value))
}

/// The request as `--dry-run` and the demo print it: request line, headers, body, curl.
pub fn show_request(req: &BuiltRequest, with_bearer: bool) -> String {
    let mut out = format!("{} {}\n", req.method.as_str(), req.url);
    for (k, v) in &req.headers {
        out.push_str(&format!("{k}: {v}\n"));
    }
    if with_bearer {
        out.push_str(&format!("Authorization: Bearer {REDACTED}\n"));
    }
    if let Some(body) = &req.body {
        out.push('\n');
        out.push_str(&serde_json::to_string_pretty(body).unwrap_or_default());
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&req.curl(with_bearer));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn input_values_are_json_when_they_parse_unless_declared_strings() {
        let schema = json!({"properties": {"contactId": {"type": "string"}, "pageLimit": {"type": "integer"}}});
        assert_eq!(
            parse_input("pageLimit=10", &schema).unwrap(),
            ("pageLimit".into(), json!(10))
        );
        assert_eq!(
            parse_input("contactId=123", &schema).unwrap(),
            ("contactId".into(), json!("123"))
        );
        assert_eq!(
            parse_input("tags=[\"a\",\"b\"]", &schema).unwrap(),
            ("tags".into(), json!(["a", "b"]))
        );
        assert_eq!(
            parse_input("dnd=true", &schema).unwrap(),
            ("dnd".into(), json!(true))
        );
        assert_eq!(
            parse_input("phone=+1 555", &schema).unwrap(),
            ("phone".into(), json!("+1 555"))
        );
        assert_eq!(
            parse_input("name=a=b", &schema).unwrap(),
            ("name".into(), json!("a=b"))
        );
        assert!(parse_input("novalue", &schema).is_err());
        assert!(parse_input("=x", &schema).is_err());
    }
}
