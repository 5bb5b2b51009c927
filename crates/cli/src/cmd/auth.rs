//! `integ auth login|status|logout|refresh`: argument parsing and printing only; the flows
//! live in `integ_runner::auth`. Nothing printed here is a secret.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Subcommand;
use integ_runner::auth::{
    self, AuthError, FileTokenStore, Interaction, LoginOptions, OAuthConfig, Session, StoredToken,
    TokenKey, TokenStore,
};
use integ_spec::model::{AuthProfile, Provider};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AuthCommand,
}

#[derive(Subcommand)]
enum AuthCommand {
    /// Authorize integ for a profile (authorization code flow with PKCE) and store the token.
    Login(LoginArgs),
    /// Show stored tokens: expiry, scopes, location, profile and user (never a secret).
    Status(StatusArgs),
    /// Forget the stored token of a profile (and user).
    Logout(LogoutArgs),
    /// Refresh a profile's token now if it expires within 60 s (or always, with --force).
    Refresh(RefreshArgs),
}

#[derive(clap::Args)]
struct ProfileArgs {
    /// The AuthProfile's `metadata.name`.
    #[arg(long)]
    profile: String,
    /// Whose token, for `authorizedBy: user` profiles (default: the default user).
    #[arg(long, env = "INTEG_USER")]
    user: Option<String>,
    /// Where the specs are.
    #[arg(long, env = "INTEG_SPECS", default_value = "specs")]
    specs: PathBuf,
}

#[derive(clap::Args)]
struct LoginArgs {
    #[command(flatten)]
    target: ProfileArgs,
    /// Print the authorization URL instead of opening a browser.
    #[arg(long)]
    no_browser: bool,
    /// Listen for the callback on this port of 127.0.0.1 (default: any free port).
    #[arg(long)]
    redirect_port: Option<u16>,
    /// Give up when no callback arrived within this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

#[derive(clap::Args)]
struct StatusArgs {
    /// Only this profile (default: every stored token).
    #[arg(long)]
    profile: Option<String>,
    /// Only this user.
    #[arg(long, env = "INTEG_USER")]
    user: Option<String>,
}

#[derive(clap::Args)]
struct LogoutArgs {
    #[arg(long)]
    profile: String,
    /// Only this user's token (default: the developer's or the default user's).
    #[arg(long, env = "INTEG_USER")]
    user: Option<String>,
    /// Every user's token of the profile.
    #[arg(long, conflicts_with = "user")]
    all_users: bool,
}

#[derive(clap::Args)]
struct RefreshArgs {
    #[command(flatten)]
    target: ProfileArgs,
    /// Refresh even when the access token is still valid.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> ExitCode {
    super::init_tracing();
    let store = match FileTokenStore::from_env() {
        Ok(s) => s,
        Err(e) => return CmdError::from(e).report(),
    };
    let result = match args.command {
        AuthCommand::Status(a) => status(&store, a),
        AuthCommand::Logout(a) => logout(&store, a),
        AuthCommand::Login(a) => with_runtime(|| login(store, a)),
        AuthCommand::Refresh(a) => with_runtime(|| refresh(store, a)),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => e.report(),
    }
}

enum CmdError {
    Auth(AuthError),
    Usage(String),
}

impl From<AuthError> for CmdError {
    fn from(e: AuthError) -> CmdError {
        CmdError::Auth(e)
    }
}

impl From<auth::StoreError> for CmdError {
    fn from(e: auth::StoreError) -> CmdError {
        CmdError::Auth(e.into())
    }
}

impl CmdError {
    fn report(&self) -> ExitCode {
        let (message, code) = match self {
            CmdError::Auth(e) => (e.to_string(), e.exit_code()),
            CmdError::Usage(m) => (m.clone(), EXIT_USAGE),
        };
        eprintln!("error: {message}");
        ExitCode::from(code)
    }
}

/// A runtime only for the commands that talk to a server.
fn with_runtime<F, Fut>(f: F) -> Result<u8, CmdError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<u8, CmdError>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CmdError::Usage(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(f())
}

/// The profile and its provider, resolved (`${env:..}` read now).
fn resolve(target: &ProfileArgs) -> Result<OAuthConfig, CmdError> {
    let (profile, provider) = find_profile(&target.specs, &target.profile)?;
    Ok(OAuthConfig::from_profile(&profile, &provider)?)
}

fn find_profile(specs: &std::path::Path, name: &str) -> Result<(AuthProfile, Provider), CmdError> {
    let loaded = integ_spec::load::load_paths(&[specs.to_path_buf()])
        .map_err(|e| CmdError::Usage(e.to_string()))?;
    let hint = if loaded.has_errors() {
        format!(
            " (the specs have errors; run `integ validate {}`)",
            specs.display()
        )
    } else {
        String::new()
    };
    let ws = &loaded.workspace;
    let profile = ws
        .find_profile(name)
        .map_err(|e| CmdError::Usage(format!("{e}{hint}")))?;
    let provider = ws.provider(&profile.doc.spec.provider).ok_or_else(|| {
        CmdError::Usage(format!(
            "profile `{name}` names provider `{}`, which is not in {}{hint}",
            profile.doc.spec.provider,
            specs.display()
        ))
    })?;
    Ok((profile.doc.clone(), provider.doc.clone()))
}

async fn login(store: FileTokenStore, args: LoginArgs) -> Result<u8, CmdError> {
    let config = resolve(&args.target)?;
    let user = auth::resolve_user(config.authorized_by, args.target.user.as_deref());
    let key = config.key(user.as_deref());
    let options = LoginOptions {
        redirect_port: args.redirect_port,
        open_browser: !args.no_browser,
        timeout: Duration::from_secs(args.timeout),
    };
    let http = integ_runner::http::client().map_err(|e| AuthError::HttpClient(e.to_string()))?;
    let store: Arc<dyn TokenStore> = Arc::new(store);
    let token = auth::login::login(&config, key, store, http, &options).await?;
    outln!("Logged in: {}.", token.key.describe());
    print_token(&token);
    Ok(EXIT_OK)
}

async fn refresh(store: FileTokenStore, args: RefreshArgs) -> Result<u8, CmdError> {
    let config = resolve(&args.target)?;
    let user = auth::resolve_user(config.authorized_by, args.target.user.as_deref());
    let store: Arc<dyn TokenStore> = Arc::new(store);
    let session = Session::open(config, store, user.as_deref(), Interaction::None).await?;
    let before = session.held().await;
    let token = if args.force {
        session.force_refresh().await?
    } else {
        session.token().await?
    };
    let what = if session.refreshes_sent() > 0 {
        "Refreshed"
    } else if token.access_token != before.access_token {
        "Another integ process refreshed; using its token"
    } else {
        "Still valid, not refreshed"
    };
    outln!("{what}: {}.", token.key.describe());
    print_token(&token);
    Ok(EXIT_OK)
}

fn status(store: &FileTokenStore, args: StatusArgs) -> Result<u8, CmdError> {
    let tokens: Vec<StoredToken> = store
        .list()?
        .into_iter()
        .filter(|t| {
            args.profile
                .as_deref()
                .is_none_or(|p| matches_profile(&t.key, p))
        })
        .filter(|t| {
            args.user
                .as_deref()
                .is_none_or(|u| t.key.user.as_deref() == Some(u))
        })
        .collect();
    if tokens.is_empty() {
        return match &args.profile {
            Some(p) => {
                let key = TokenKey {
                    provider: String::new(),
                    profile: p.clone(),
                    user: args.user.clone(),
                };
                eprintln!(
                    "No token stored for {}; log in: `{}`",
                    key.describe(),
                    key.login_command()
                );
                Ok(EXIT_FINDINGS)
            }
            None => {
                outln!("No tokens stored in {}.", store.dir().display());
                Ok(EXIT_OK)
            }
        };
    }
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            outln!();
        }
        outln!("{}", token.key.describe());
        print_token(token);
    }
    Ok(EXIT_OK)
}

fn matches_profile(key: &TokenKey, name: &str) -> bool {
    match name.split_once('/') {
        Some((provider, profile)) => key.provider == provider && key.profile == profile,
        None => key.profile == name,
    }
}

fn logout(store: &FileTokenStore, args: LogoutArgs) -> Result<u8, CmdError> {
    let wanted: Vec<TokenKey> = store
        .keys()?
        .into_iter()
        .filter(|k| matches_profile(k, &args.profile))
        .filter(|k| {
            args.all_users
                || match (&args.user, &k.user) {
                    (Some(u), Some(ku)) => u == ku,
                    (Some(_), None) => false,
                    (None, ku) => ku.as_deref().is_none_or(|ku| ku == auth::DEFAULT_USER),
                }
        })
        .collect();
    if wanted.is_empty() {
        outln!("No stored token matched; nothing to remove.");
        return Ok(EXIT_OK);
    }
    for key in wanted {
        if store.remove(&key)? {
            outln!("Removed the stored token of {}.", key.describe());
        }
    }
    Ok(EXIT_OK)
}

fn print_token(t: &StoredToken) {
    let now = auth::now_unix();
    outln!("  provider:  {}", t.key.provider);
    outln!("  profile:   {}", t.key.profile);
    outln!(
        "  user:      {}",
        t.key
            .user
            .as_deref()
            .unwrap_or("- (pre-authorized by the developer)")
    );
    match t.expires_at {
        Some(at) if at > now => {
            outln!("  expires:   {} (in {})", rfc3339(at), duration(at - now))
        }
        Some(at) => outln!(
            "  expires:   {} (expired {} ago)",
            rfc3339(at),
            duration(now - at)
        ),
        None => outln!("  expires:   unknown (the server did not say)"),
    }
    outln!(
        "  scopes:    {}",
        if t.scopes.is_empty() {
            "-".to_string()
        } else {
            t.scopes.join(" ")
        }
    );
    for (label, field) in [
        ("location", "locationId"),
        ("company", "companyId"),
        ("user type", "userType"),
        ("user id", "userId"),
    ] {
        if let Some(v) = t.field(field) {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            outln!("  {:<10} {v}", format!("{label}:"));
        }
    }
    outln!(
        "  refresh:   {}",
        if t.refresh_token.is_some() {
            "a refresh token is stored"
        } else {
            "no refresh token"
        }
    );
    outln!("  issuer:    {} (client {})", t.token_url, t.client_id);
}

fn duration(secs: u64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    match (d, h) {
        (0, 0) => format!("{m}m {}s", secs % 60),
        (0, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (the proleptic Gregorian calendar, UTC).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_400_000), "2026-12-04T16:00:00Z");
    }
}
