//! `integ sandbox`: serve the local HighLevel stand-in until Ctrl-C. The only subcommand
//! that starts a tokio runtime; the others never pay for one.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use integ_sandbox::{API_VERSION, Config, Faults, Sandbox};

use super::{EXIT_OK, EXIT_USAGE};

#[derive(clap::Args)]
pub struct Args {
    /// Port on 127.0.0.1 to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8484)]
    port: u16,
    /// Approve every authorization request at once (redirect straight back with a code)
    /// instead of showing the consent page.
    #[arg(long)]
    auto_approve: bool,
    /// Access-token lifetime in seconds (HighLevel's: 86399).
    #[arg(long, value_name = "SECONDS", default_value_t = 86_399)]
    token_ttl: u64,
    /// Turn off the burst and daily limits and their X-RateLimit-* headers (for benchmarks).
    #[arg(long)]
    no_rate_limit: bool,
    /// The built-in app's client id.
    #[arg(long, default_value = "sandbox-client")]
    client_id: String,
    /// The built-in app's client secret.
    #[arg(long, default_value = "sandbox-secret")]
    client_secret: String,
    /// A redirect URI to accept besides any loopback one (repeatable).
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Vec<String>,
    /// Inject a fault (repeatable): latency=MS, error-rate=F, drop-rate=F, error-status=503,
    /// error-next=N, drop-next=N, token=slow|fail, token-delay=MS, seed=N.
    #[arg(long = "fault", value_name = "KEY=VALUE")]
    faults: Vec<String>,
}

pub fn run(args: Args) -> ExitCode {
    super::init_tracing();
    let mut faults = Faults::default();
    for switch in &args.faults {
        if let Err(e) = faults.apply_switch(switch) {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    }
    let config = Config {
        client_id: args.client_id,
        client_secret: args.client_secret,
        auto_approve: args.auto_approve,
        token_ttl: Duration::from_secs(args.token_ttl),
        rate_limit: !args.no_rate_limit,
        extra_redirect_uris: args.redirect_uris,
        faults,
        ..Config::default()
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    runtime.block_on(serve(
        SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)),
        config,
    ))
}

async fn serve(addr: SocketAddr, config: Config) -> ExitCode {
    let sandbox = match Sandbox::start_on(addr, config).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            let hint = match e.kind() {
                std::io::ErrorKind::AddrInUse => {
                    "; another program (another sandbox?) has it: pick another --port, or --port 0 for any free one"
                }
                std::io::ErrorKind::PermissionDenied => {
                    "; ports below 1024 need privileges: pick a --port above 1023, or --port 0"
                }
                _ => "",
            };
            eprintln!("error: cannot listen on {addr}: {e}{hint}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    print_banner(&sandbox);
    wait_for_stop().await;
    eprintln!("stopping");
    sandbox.shutdown().await;
    ExitCode::from(EXIT_OK)
}

fn print_banner(sandbox: &Sandbox) {
    let url = sandbox.base_url();
    let config = sandbox.config();
    let company = sandbox.company();
    // The first line is stable, for scripts: `integ sandbox listening on URL`.
    outln!("integ sandbox listening on {url}");
    outln!();
    outln!("  authorize      {url}/oauth/chooselocation  (also /v2/oauth/chooselocation)");
    outln!("  token          {url}/oauth/token");
    outln!("  api            {url}/contacts/...  with header Version: {API_VERSION}");
    outln!("  client_id      {}", config.client_id);
    outln!("  client_secret  {}", config.client_secret);
    outln!("  redirect URIs  any http://127.0.0.1:PORT/... or http://localhost:PORT/...");
    for uri in &config.extra_redirect_uris {
        outln!("                 {uri}");
    }
    outln!("  company        {}  {}", company.id, company.name);
    for location in sandbox.locations() {
        outln!("  location       {}  {}", location.id, location.name);
    }
    outln!(
        "  approval       {}",
        if config.auto_approve {
            "automatic (first location, or ?sandbox_location=ID)"
        } else {
            "consent page (add sandbox_approve=1 to skip it)"
        }
    );
    outln!(
        "  rate limit     {}",
        if config.rate_limit {
            format!(
                "{} requests per {} s per app and location",
                config.burst_max,
                config.burst_window.as_secs()
            )
        } else {
            "off".to_owned()
        }
    );
    if config.faults.any() {
        outln!("  faults         {:?}", config.faults);
    }
    outln!();
    outln!("Press Ctrl-C to stop.");
}

/// Ctrl-C, or SIGTERM where there is one (scripts and CI stop servers with `kill`).
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
