//! `integ demo`: integ end to end against the built-in sandbox, in a few seconds and
//! without a HighLevel account. It starts the sandbox in-process, lints the shipped specs,
//! logs in through the real OAuth flow of the user-authorized profile (the demo follows
//! the authorization URL as a browser would; the sandbox approves), runs create, get,
//! update, add tags, search and delete contact, then shows the Kore.ai pitfall: a profile
//! that sends `locationId` in every querystring is caught by lint and answered 422.
//!
//! Everything lives in a temporary directory (specs, token store) removed at the end. The
//! sandbox app's credentials reach the runner through an in-process environment overlay:
//! they are never exported, written or printed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use integ_runner::auth::{self, FileTokenStore, Interaction, LoginOptions, TokenStore};
use integ_runner::execute::Event;
use integ_runner::output::{self, Format};
use integ_runner::request::REDACTED;
use integ_runner::run::{RunError, Runtime, Target};
use integ_sandbox::{Config, Sandbox};
use integ_spec::compile::{self, Bundle};
use integ_spec::{Severity, load_paths};
use serde_json::{Value, json};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

#[derive(clap::Args)]
pub struct Args {}

/// The shipped specs, as built into this binary (so the demo runs from any directory).
const SHIPPED: &[(&str, &str)] = &[
    (
        "provider.yaml",
        include_str!("../../../../specs/highlevel/provider.yaml"),
    ),
    (
        "profiles/highlevel-custom-developer.yaml",
        include_str!("../../../../specs/highlevel/profiles/highlevel-custom-developer.yaml"),
    ),
    (
        "profiles/highlevel-custom-user.yaml",
        include_str!("../../../../specs/highlevel/profiles/highlevel-custom-user.yaml"),
    ),
    (
        "actions/create_contact.yaml",
        include_str!("../../../../specs/highlevel/actions/create_contact.yaml"),
    ),
    (
        "actions/get_contact.yaml",
        include_str!("../../../../specs/highlevel/actions/get_contact.yaml"),
    ),
    (
        "actions/update_contact.yaml",
        include_str!("../../../../specs/highlevel/actions/update_contact.yaml"),
    ),
    (
        "actions/delete_contact.yaml",
        include_str!("../../../../specs/highlevel/actions/delete_contact.yaml"),
    ),
    (
        "actions/upsert_contact.yaml",
        include_str!("../../../../specs/highlevel/actions/upsert_contact.yaml"),
    ),
    (
        "actions/search_contacts.yaml",
        include_str!("../../../../specs/highlevel/actions/search_contacts.yaml"),
    ),
    (
        "actions/find_duplicate_contact.yaml",
        include_str!("../../../../specs/highlevel/actions/find_duplicate_contact.yaml"),
    ),
    (
        "actions/add_contact_tags.yaml",
        include_str!("../../../../specs/highlevel/actions/add_contact_tags.yaml"),
    ),
    (
        "actions/remove_contact_tags.yaml",
        include_str!("../../../../specs/highlevel/actions/remove_contact_tags.yaml"),
    ),
    (
        "actions/create_contact_note.yaml",
        include_str!("../../../../specs/highlevel/actions/create_contact_note.yaml"),
    ),
    (
        "actions/list_contact_notes.yaml",
        include_str!("../../../../specs/highlevel/actions/list_contact_notes.yaml"),
    ),
];

const NAIVE: &str = include_str!("../../../../examples/naive-profile/highlevel-naive.yaml");

const USER_PROFILE: &str = "highlevel-custom-user";
const NAIVE_PROFILE: &str = "highlevel-naive";

/// A failed step: what to print, and the exit code.
struct Failed(String, u8);

impl From<RunError> for Failed {
    fn from(e: RunError) -> Failed {
        Failed(e.to_string(), EXIT_FINDINGS)
    }
}

impl From<std::io::Error> for Failed {
    fn from(e: std::io::Error) -> Failed {
        Failed(format!("I/O error: {e}"), EXIT_USAGE)
    }
}

/// A temporary directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("integ-demo-{}-{nanos:x}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(_args: Args) -> ExitCode {
    super::init_tracing();
    let started = Instant::now();
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
    let result = runtime.block_on(demo());
    match result {
        Ok(()) => {
            outln!(
                "\nDone in {:.1} s. The sandbox is stopped and the temporary specs and tokens are removed.",
                started.elapsed().as_secs_f64()
            );
            ExitCode::from(EXIT_OK)
        }
        Err(Failed(message, code)) => {
            eprintln!("error: the demo failed: {message}");
            ExitCode::from(code)
        }
    }
}

fn write_tree(dir: &Path, files: &[(&str, String)]) -> std::io::Result<()> {
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

/// A profile pointed at the sandbox: base URL and OAuth URLs on loopback.
fn point_at(profile: &str, base: &str) -> String {
    profile
        .replace("https://marketplace.gohighlevel.com", base)
        .replace("https://marketplace.leadconnectorhq.com", base)
        .replace("https://services.leadconnectorhq.com", base)
        .replacen(
            "  authorizedBy: user\n",
            &format!("  authorizedBy: user\n  baseUrl: {base}\n"),
            1,
        )
}

fn heading(n: u32, text: &str) {
    outln!("\n{n}. {text}");
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("   {l}\n")).collect()
}

async fn demo() -> Result<(), Failed> {
    let tmp = TempDir::new()?;
    let sandbox = Sandbox::start(Config {
        auto_approve: true,
        ..Config::default()
    })
    .await?;
    let base = sandbox.base_url();
    let (client_id, client_secret) = (
        sandbox.config().client_id.clone(),
        sandbox.config().client_secret.clone(),
    );
    // The sandbox app's credentials, for `${env:HL_CLIENT_ID}` / `${env:HL_CLIENT_SECRET}`
    // in this process only.
    let env = move |name: &str| match name {
        "HL_CLIENT_ID" => Some(client_id.clone()),
        "HL_CLIENT_SECRET" => Some(client_secret.clone()),
        other => std::env::var(other).ok(),
    };

    outln!("integ demo: HighLevel contacts, end to end, against the built-in sandbox at {base}");
    outln!(
        "(a local HighLevel: the same OAuth flow, headers, 422 rules and rate limits; nothing leaves this machine)"
    );

    // 1. Lint the shipped specs, as written.
    let shipped = tmp.0.join("shipped");
    let originals: Vec<(&str, String)> = SHIPPED.iter().map(|(n, t)| (*n, t.to_string())).collect();
    write_tree(&shipped, &originals)?;
    heading(1, "integ lint specs/highlevel");
    let findings = lint(std::slice::from_ref(&shipped))?;
    let errors = findings
        .iter()
        .filter(|(_, s, _)| *s == Severity::Error)
        .count();
    if errors > 0 {
        return Err(Failed(
            format!("the shipped specs have {errors} lint errors"),
            EXIT_FINDINGS,
        ));
    }
    outln!(
        "   {} files, no errors{}",
        SHIPPED.len(),
        if findings.is_empty() {
            ", no warnings".to_string()
        } else {
            format!(", {} warnings", findings.len())
        }
    );

    // The specs the runner uses: the shipped ones with the profiles pointed at the sandbox,
    // plus the naive profile, compiled in memory into one bundle.
    let run_dir = tmp.0.join("run");
    let mut pointed: Vec<(&str, String)> = SHIPPED
        .iter()
        .map(|(n, t)| {
            (
                *n,
                if n.starts_with("profiles/") {
                    point_at(t, &base)
                } else {
                    t.to_string()
                },
            )
        })
        .collect();
    pointed.push(("profiles/highlevel-naive.yaml", point_at(NAIVE, &base)));
    write_tree(&run_dir, &pointed)?;
    let bundle = compile_dir(&run_dir)?;

    // 2. Log in through the real OAuth flow.
    let store: Arc<dyn TokenStore> = Arc::new(FileTokenStore::new(tmp.0.join("state")));
    let rt = Runtime::with_store(store.clone(), None)?;
    let target = Target::find(&bundle, "create_contact", USER_PROFILE)?;
    heading(2, &format!("integ auth login --profile {USER_PROFILE}"));
    login(&rt, &target, &env).await?;
    let session = rt.session(&target, None, Interaction::None, &env).await?;
    let token = session.held().await;
    let location = token
        .metadata
        .get("locationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    outln!(
        "   authorization code + PKCE, approved in the sandbox's consent step; token stored (0600) for location {location}, scopes: {}",
        token.scopes.join(" ")
    );

    // 3..8: the contact's life.
    let step = std::cell::Cell::new(2);
    let next = |text: &str| {
        step.set(step.get() + 1);
        heading(step.get(), text);
    };
    let run = async |action: &str,
                     profile: &str,
                     inputs: Value|
           -> Result<Result<Value, String>, Failed> {
        let target = Target::find(&bundle, action, profile)?;
        let inputs = inputs.as_object().cloned().unwrap_or_default();
        let args: Vec<String> = inputs
            .iter()
            .map(|(k, v)| {
                let value = if let Value::String(s) = v {
                    s.clone()
                } else {
                    v.to_string()
                };
                format!("-i {}", shell_quote(&format!("{k}={value}")))
            })
            .collect();
        next(&format!(
            "integ run {action} --profile {profile} {}",
            args.join(" ")
        ));
        let session = rt.session(&target, None, Interaction::None, &env).await?;
        match rt
            .execute(&target, &session, &inputs, &env, show_event)
            .await
        {
            Ok((prepared, response)) => {
                out!("{}", indent(&show(&prepared.shown)));
                outln!("   <- {}", response.status);
                let selected =
                    output::select(&response.body, target.action.output_select.as_deref());
                out!("{}", indent(&readable(selected)));
                Ok(Ok(selected.clone()))
            }
            Err((Some(prepared), e)) => {
                out!("{}", indent(&show(&prepared.shown)));
                outln!("   <- error: {e}");
                Ok(Err(e.to_string()))
            }
            Err((None, e)) => Err(e.into()),
        }
    };
    let ok = |r: Result<Value, String>| r.map_err(|e| Failed(e, EXIT_FINDINGS));

    let contact = ok(run(
        "create_contact",
        USER_PROFILE,
        json!({"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "tags": ["demo"]}),
    )
    .await?)?;
    let id = contact["id"].as_str().unwrap_or_default().to_string();
    ok(run("get_contact", USER_PROFILE, json!({"contactId": id})).await?)?;
    ok(run(
        "update_contact",
        USER_PROFILE,
        json!({"contactId": id, "firstName": "Augusta Ada"}),
    )
    .await?)?;
    ok(run(
        "add_contact_tags",
        USER_PROFILE,
        json!({"contactId": id, "tags": ["vip", "2026"]}),
    )
    .await?)?;
    ok(run("search_contacts", USER_PROFILE, json!({"pageLimit": 10})).await?)?;
    ok(run("delete_contact", USER_PROFILE, json!({"contactId": id})).await?)?;

    // The pitfall.
    outln!("\n--- The Kore.ai pitfall: locationId in every querystring ---");
    let naive_lint = tmp.0.join("naive");
    write_tree(&naive_lint, &[("highlevel-naive.yaml", NAIVE.to_string())])?;
    next("integ lint specs/highlevel examples/naive-profile/");
    let findings = lint(&[shipped, naive_lint.clone()])?;
    let rejected: Vec<_> = findings
        .iter()
        .filter(|(code, _, _)| code == "auth-field-rejected")
        .collect();
    if rejected.is_empty() {
        return Err(Failed(
            "lint did not report auth-field-rejected for the naive profile".into(),
            EXIT_FINDINGS,
        ));
    }
    for (_, _, text) in &rejected {
        let shown = text.replace(&naive_lint.display().to_string(), "examples/naive-profile");
        out!(
            "{}",
            indent(
                shown
                    .trim_start_matches("auth-field-rejected\n")
                    .trim_start_matches('\n')
            )
        );
    }
    outln!(
        "\n   ...and when it runs anyway, HighLevel (here the sandbox) rejects the Update Contact:"
    );
    let naive_target = Target::find(&bundle, "update_contact", NAIVE_PROFILE)?;
    login(&rt, &naive_target, &env).await?;
    outln!("   (integ auth login --profile {NAIVE_PROFILE}: logged in the same way)");
    let victim = ok(run(
        "create_contact",
        USER_PROFILE,
        json!({"email": "grace@example.com", "firstName": "Grace"}),
    )
    .await?)?;
    let victim_id = victim["id"].as_str().unwrap_or_default().to_string();
    match run(
        "update_contact",
        NAIVE_PROFILE,
        json!({"contactId": victim_id, "firstName": "Never"}),
    )
    .await?
    {
        Err(e) if e.contains("422") && e.contains("property locationId should not exist") => {
            outln!(
                "   That is the 422 lint predicted. The fix is one line in the profile: `except: [update_contact]`."
            );
        }
        Err(e) => return Err(Failed(format!("expected the 422, got: {e}"), EXIT_FINDINGS)),
        Ok(_) => {
            return Err(Failed(
                "expected the 422, but the update succeeded".into(),
                EXIT_FINDINGS,
            ));
        }
    }
    ok(run(
        "delete_contact",
        USER_PROFILE,
        json!({"contactId": victim_id}),
    )
    .await?)?;

    let stats = sandbox.stats();
    outln!(
        "\nThe sandbox answered {} requests ({} token requests, {} answered 422).",
        stats.total_requests,
        stats.token_requests("authorization_code") + stats.token_requests("refresh_token"),
        stats.unprocessable
    );
    sandbox.shutdown().await;
    drop(tmp);
    Ok(())
}

/// The fields of a contact worth reading, one line per contact; anything else as JSON.
fn readable(v: &Value) -> String {
    const KEEP: [&str; 8] = [
        "id",
        "name",
        "firstName",
        "lastName",
        "email",
        "phone",
        "tags",
        "locationId",
    ];
    let brief = |c: &serde_json::Map<String, Value>| {
        let kept: serde_json::Map<String, Value> = KEEP
            .iter()
            .filter_map(|k| c.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        let hidden = c.len() - kept.len();
        let more = if hidden > 0 {
            format!("  (+{hidden} more fields)")
        } else {
            String::new()
        };
        format!("{}{more}\n", Value::Object(kept))
    };
    match v {
        Value::Object(c) if c.contains_key("id") => brief(c),
        Value::Array(items) if items.iter().all(|i| i.get("id").is_some()) && !items.is_empty() => {
            items
                .iter()
                .filter_map(Value::as_object)
                .map(|c| format!("- {}", brief(c)))
                .collect()
        }
        other => output::render(other, Format::Json),
    }
}

fn show_event(event: &Event) {
    match event {
        Event::Retry {
            next_attempt,
            reason,
            wait,
        } => outln!("   retrying: {reason}; attempt {next_attempt} in {wait:.1?}"),
        Event::Refreshed => {
            outln!("   the access token was rejected (401); refreshed it, retrying once")
        }
    }
}

/// The request as the demo prints it: request line, the headers that matter, the body.
fn show(req: &integ_runner::request::BuiltRequest) -> String {
    let mut out = format!("-> {} {}\n", req.method.as_str(), req.url);
    for (k, v) in &req.headers {
        if k != "Accept" && k != "Content-Type" {
            out.push_str(&format!("   {k}: {v}\n"));
        }
    }
    out.push_str(&format!("   Authorization: Bearer {REDACTED}\n"));
    if let Some(body) = &req.body {
        out.push_str(&format!("   {body}\n"));
    }
    out
}

/// Logs `target`'s profile in: the demo plays the browser and follows the authorization
/// URL; the sandbox approves and redirects to the loopback callback.
async fn login(
    rt: &Runtime,
    target: &Target<'_>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), Failed> {
    let config = target.oauth_config(env)?;
    let key = config.key(None);
    let options = LoginOptions {
        open_browser: false,
        ..LoginOptions::default()
    };
    let pending = auth::login::start(&config, key, &options)
        .await
        .map_err(RunError::from)?;
    let mut url = pending.url().clone();
    url.query_pairs_mut().append_pair("sandbox_approve", "1");
    let browser = rt.client.clone();
    // The browser: follow the redirects (consent page -> loopback callback) by hand, since
    // the runner's client follows none.
    let visit = tokio::spawn(async move {
        let mut url = url;
        for _ in 0..5 {
            let resp = browser
                .get(url.clone())
                .send()
                .await
                .map_err(|e| e.without_url().to_string())?;
            if !resp.status().is_redirection() {
                return Ok(resp.status().as_u16());
            }
            let location = resp
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .ok_or_else(|| "a redirect without a Location".to_string())?;
            url = url.join(location).map_err(|e| e.to_string())?;
        }
        Err("too many redirects".to_string())
    });
    pending
        .finish(rt.client.clone(), rt.store.clone())
        .await
        .map_err(RunError::from)?;
    match visit.await {
        Ok(Ok(status)) if (200..300).contains(&status) => Ok(()),
        Ok(Ok(status)) => Err(Failed(
            format!("the consent step answered {status}"),
            EXIT_FINDINGS,
        )),
        Ok(Err(e)) => Err(Failed(
            format!("the consent step failed: {e}"),
            EXIT_FINDINGS,
        )),
        Err(e) => Err(Failed(
            format!("the browser task failed: {e}"),
            EXIT_FINDINGS,
        )),
    }
}

/// Lints `paths`; returns (code, severity, rendered text) of every finding.
fn lint(paths: &[PathBuf]) -> Result<Vec<(String, Severity, String)>, Failed> {
    let loaded = load_paths(paths).map_err(|e| Failed(e.to_string(), EXIT_USAGE))?;
    let config = integ_lint::Config::default();
    let diags = integ_lint::lint(&loaded.workspace, loaded.diagnostics, &config);
    Ok(diags
        .iter()
        .map(|d| {
            (
                d.code.clone(),
                d.severity,
                integ_spec::render::human(&loaded.workspace.files, d, false),
            )
        })
        .collect())
}

fn compile_dir(dir: &Path) -> Result<Bundle, Failed> {
    let loaded = load_paths(&[dir.to_path_buf()]).map_err(|e| Failed(e.to_string(), EXIT_USAGE))?;
    if loaded.has_errors() {
        return Err(Failed("the demo's specs do not load".into(), EXIT_FINDINGS));
    }
    compile::compile(&loaded.workspace).map_err(|d| {
        Failed(
            format!("the demo's specs do not compile: {}", d.len()),
            EXIT_FINDINGS,
        )
    })
}

/// Quotes an argument the way a POSIX shell reads it back, so a printed command can be
/// pasted as it is (`-i 'firstName=Augusta Ada'`, `-i 'tags=["vip"]'`).
fn shell_quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_=.,:/@+%".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod shell_quote_tests {
    use super::shell_quote;

    #[test]
    fn quotes_only_what_a_shell_would_split_or_expand() {
        assert_eq!(shell_quote("contactId=abc"), "contactId=abc");
        assert_eq!(
            shell_quote("firstName=Augusta Ada"),
            "'firstName=Augusta Ada'"
        );
        assert_eq!(shell_quote(r#"tags=["vip"]"#), r#"'tags=["vip"]'"#);
        assert_eq!(shell_quote("name=O'Hara"), r"'name=O'\''Hara'");
    }
}
