//! Counters tests read to check what a client did (how often it refreshed, retried, ...).

use std::collections::BTreeMap;

/// A snapshot of what the sandbox has answered since it started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Every request that reached the sandbox, dropped ones included.
    pub total_requests: u64,
    /// Token-endpoint requests by `grant_type` (`authorization_code`, `refresh_token`, or
    /// whatever was sent; `""` when none was), successful or not.
    pub token_grants: BTreeMap<String, u64>,
    /// Requests by (method, route template), e.g. `("GET", "/contacts/{contactId}")`;
    /// requests no route matched count under `"<unmatched>"`. Injected errors and dropped
    /// connections count here too, under the route they were aimed at.
    pub routes: BTreeMap<(String, String), u64>,
    /// Responses by status (injected errors included; dropped connections have none).
    pub statuses: BTreeMap<u16, u64>,
    /// 422 answers.
    pub unprocessable: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// Answers that were injected 5xx faults.
    pub injected_errors: u64,
    /// Connections closed without an answer by the drop fault.
    pub dropped_connections: u64,
}

impl Stats {
    /// Token requests with this `grant_type`.
    pub fn token_requests(&self, grant_type: &str) -> u64 {
        self.token_grants.get(grant_type).copied().unwrap_or(0)
    }

    /// Requests to a route template, e.g. `requests("PUT", "/contacts/{contactId}")`.
    pub fn requests(&self, method: &str, route: &str) -> u64 {
        self.routes
            .get(&(method.to_owned(), route.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Responses with this status.
    pub fn status(&self, code: u16) -> u64 {
        self.statuses.get(&code).copied().unwrap_or(0)
    }

    pub(crate) fn record(&mut self, method: &str, route: &str, status: Option<u16>) {
        self.total_requests += 1;
        *self
            .routes
            .entry((method.to_owned(), route.to_owned()))
            .or_default() += 1;
        match status {
            Some(code) => {
                *self.statuses.entry(code).or_default() += 1;
                match code {
                    422 => self.unprocessable += 1,
                    429 => self.rate_limited += 1,
                    _ => {}
                }
            }
            None => self.dropped_connections += 1,
        }
    }
}
