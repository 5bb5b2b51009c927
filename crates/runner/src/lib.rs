//! integ-runner: executes actions for real — OAuth 2.0 login and token refresh over a
//! crash-safe token store, request building from a loaded (or compiled) spec, the HTTP
//! call with retries and rate limits, and bulk runs.
//!
//! It must never print, log or return a secret in clear text: secrets travel as
//! [`secret::Secret`], whose `Debug` and `Display` are `[redacted]`.

pub mod auth;
pub mod bulk;
pub mod execute;
pub mod http;
pub mod output;
pub mod ratelimit;
pub mod request;
pub mod run;
pub mod secret;
