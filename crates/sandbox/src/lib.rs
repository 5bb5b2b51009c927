//! `integ-sandbox`: a local, in-memory HighLevel for tests and the demo. It serves HighLevel's
//! OAuth endpoints and contacts API on loopback, with HighLevel's rules (the `Version`
//! header, scopes, the 422 whitelist on bodies, the burst limit) and switchable faults.
//!
//! It plays the other side of the wire, so it must not depend on `integ-spec`, `integ-lint`
//! or `integ-runner`: it is built from HighLevel's OpenAPI files and docs, never from our
//! own assumptions about them.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = integ_sandbox::Sandbox::start(integ_sandbox::Config {
//!     auto_approve: true,
//!     ..Default::default()
//! })
//! .await?;
//! println!("{}", sandbox.base_url()); // http://127.0.0.1:PORT
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
mod config;
mod contacts;
mod dto;
mod error;
mod oauth;
mod server;
mod state;
mod stats;
mod util;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use tokio::sync::oneshot;

pub use api::API_VERSION;
pub use config::{Config, FaultSwitchError, Faults, TokenFault};
pub use state::{Company, Location};
pub use stats::Stats;

use state::{App, FaultDice, Grant, UserType, lock, read, write};

/// Scopes a token minted by [`Sandbox::issue_token`] gets when none are named.
pub const CONTACT_SCOPES: &[&str] = &["contacts.readonly", "contacts.write"];

/// The inspection and control methods [`Sandbox`] and [`SandboxThread`] share.
macro_rules! control_methods {
    () => {
        /// `http://127.0.0.1:PORT`, without a trailing slash.
        pub fn base_url(&self) -> String {
            format!("http://{}", self.addr)
        }

        /// The address the sandbox listens on.
        pub fn addr(&self) -> SocketAddr {
            self.addr
        }

        /// The configuration it was started with (faults may have changed since).
        pub fn config(&self) -> &Config {
            &self.app.config
        }

        /// Replaces the fault switches (and reseeds the dice) from the next request on.
        pub fn set_faults(&self, faults: Faults) {
            *lock(&self.app.dice) = FaultDice::new(faults);
        }

        /// The fault switches now in force (`error_next` / `drop_next` count down).
        pub fn faults(&self) -> Faults {
            lock(&self.app.dice).faults().clone()
        }

        /// What the sandbox has answered so far.
        pub fn stats(&self) -> Stats {
            lock(&self.app.stats).clone()
        }

        /// The contacts of a location, oldest first, as Get Contact shows them.
        pub fn contacts(&self, location_id: &str) -> Vec<Value> {
            read(&self.app.contacts).list(location_id)
        }

        /// The locations (sub-accounts) a user can authorize; there are at least two.
        pub fn locations(&self) -> Vec<Location> {
            self.app.locations.clone()
        }

        /// The agency all locations belong to.
        pub fn company(&self) -> Company {
            self.app.company.clone()
        }

        /// The agency's id (what location tokens carry as `companyId`).
        pub fn company_id(&self) -> String {
            self.app.company.id.clone()
        }

        /// Mints a location token for the built-in app without the OAuth dance, as the token
        /// endpoint would answer it (`access_token`, `refresh_token`, `locationId`, ...).
        /// `None` for an unknown location.
        pub fn issue_token(&self, location_id: &str, scopes: &[&str]) -> Option<Value> {
            issue_token(&self.app, location_id, scopes)
        }

        /// Makes an access token expire now (to test refresh-on-401); false if unknown.
        pub fn expire_access_token(&self, access_token: &str) -> bool {
            match write(&self.app.auth).access.get_mut(access_token) {
                Some(token) => {
                    token.expires_at = Instant::now();
                    true
                }
                None => false,
            }
        }

        /// Stores a contact directly (test set-up), bypassing validation and the rate limit;
        /// `fields` are Create Contact's body properties. Returns the contact as Get shows it.
        pub fn seed_contact(&self, location_id: &str, fields: Value) -> Value {
            let fields = match fields {
                Value::Object(map) => map,
                _ => serde_json::Map::new(),
            };
            write(&self.app.contacts).seed(location_id, &fields)
        }
    };
}

fn issue_token(app: &App, location_id: &str, scopes: &[&str]) -> Option<Value> {
    let location = app.location(location_id)?;
    let scopes = if scopes.is_empty() {
        CONTACT_SCOPES
    } else {
        scopes
    };
    let grant = Grant {
        client_id: app.config.client_id.clone(),
        user_type: UserType::Location,
        location_id: location.id.clone(),
        company_id: location.company_id.clone(),
        user_id: app.user_id.clone(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
    };
    let (access, refresh) = app.issue_tokens(grant.clone());
    Some(oauth::token_body(app, &grant, &access, &refresh))
}

/// A running sandbox on the caller's tokio runtime. Dropping it stops the server too;
/// [`Sandbox::shutdown`] also waits until every connection is closed.
pub struct Sandbox {
    app: Arc<App>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Sandbox {
    /// Starts on `127.0.0.1` and a free port.
    pub async fn start(config: Config) -> io::Result<Sandbox> {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config).await
    }

    /// Starts on the given address (port 0 picks a free one).
    pub async fn start_on(addr: SocketAddr, config: Config) -> io::Result<Sandbox> {
        let (listener, addr) = server::bind(addr).await?;
        let app = Arc::new(App::new(config));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, app.clone(), stopped));
        Ok(Sandbox {
            app,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    control_methods!();

    /// Stops accepting, closes every connection and waits for the server to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A sandbox on its own thread and runtime, for synchronous tests (e.g. ones that spawn the
/// `integ` binary). Stops, and joins its thread, on drop.
pub struct SandboxThread {
    app: Arc<App>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SandboxThread {
    /// Starts on `127.0.0.1` and a free port.
    pub fn start(config: Config) -> io::Result<SandboxThread> {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config)
    }

    /// Starts on the given address (port 0 picks a free one).
    pub fn start_on(addr: SocketAddr, config: Config) -> io::Result<SandboxThread> {
        type Started = io::Result<(Arc<App>, SocketAddr, oneshot::Sender<()>)>;
        let (started_tx, started_rx) = std::sync::mpsc::channel::<Started>();
        let thread = std::thread::Builder::new()
            .name("integ-sandbox".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("integ-sandbox-worker")
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = started_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match Sandbox::start_on(addr, config).await {
                        Ok(sandbox) => {
                            let (stop, stopped) = oneshot::channel();
                            let _ = started_tx.send(Ok((sandbox.app.clone(), sandbox.addr, stop)));
                            let _ = stopped.await;
                            sandbox.shutdown().await;
                        }
                        Err(e) => {
                            let _ = started_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let (app, addr, stop) = started_rx
            .recv()
            .map_err(|_| io::Error::other("the sandbox thread ended before it started"))??;
        Ok(SandboxThread {
            app,
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    control_methods!();
}

impl Drop for SandboxThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
