//! What a sandbox is started with, and the fault switches that can change while it runs.

use std::time::Duration;

/// How a sandbox behaves. `Config::default()` is what `integ sandbox` runs with.
#[derive(Clone, Debug)]
pub struct Config {
    /// The built-in app's client id (`sandbox-client`).
    pub client_id: String,
    /// The built-in app's client secret (`sandbox-secret`).
    pub client_secret: String,
    /// Answer `/oauth/chooselocation` with a redirect instead of the consent page.
    pub auto_approve: bool,
    /// Access-token lifetime (`expires_in`); HighLevel's is 86399 s.
    pub token_ttl: Duration,
    /// Refresh-token lifetime while unused; HighLevel's is a year.
    pub refresh_ttl: Duration,
    /// Authorization-code lifetime (RFC 6749 recommends at most 10 minutes).
    pub code_ttl: Duration,
    /// Enforce the burst and daily limits and send the `X-RateLimit-*` headers.
    pub rate_limit: bool,
    /// Requests allowed per `burst_window` per (app, location); HighLevel: 100.
    pub burst_max: u32,
    /// HighLevel: 10 s.
    pub burst_window: Duration,
    /// Requests allowed per day per (app, location); HighLevel: 200,000.
    pub daily_max: u32,
    /// Redirect URIs the built-in app accepts besides any loopback one.
    pub extra_redirect_uris: Vec<String>,
    /// HighLevel's per-location "allow duplicate contacts" setting; off by default, as there,
    /// so a second contact with the same email or phone is refused with a 400.
    pub allow_duplicate_contacts: bool,
    /// The faults in force at start; [`crate::Sandbox::set_faults`] replaces them.
    pub faults: Faults,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            client_id: "sandbox-client".to_owned(),
            client_secret: "sandbox-secret".to_owned(),
            auto_approve: false,
            token_ttl: Duration::from_secs(86_399),
            refresh_ttl: Duration::from_secs(365 * 24 * 3600),
            code_ttl: Duration::from_secs(600),
            rate_limit: true,
            burst_max: 100,
            burst_window: Duration::from_secs(10),
            daily_max: 200_000,
            extra_redirect_uris: Vec::new(),
            allow_duplicate_contacts: false,
            faults: Faults::default(),
        }
    }
}

/// What the token endpoint does wrong, if anything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenFault {
    #[default]
    None,
    /// Answer correctly, but only after [`Faults::token_delay`].
    Slow,
    /// Answer every token request with a 500.
    Fail,
}

/// Injected faults. Errors and dropped connections hit the contacts API only (the token
/// endpoint has its own switch), latency hits every route.
///
/// Randomness is reproducible: with `seed` set, the same sequence of requests meets the same
/// faults; `error_next` / `drop_next` fail exactly the next N API requests, before any rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Faults {
    /// Added before every response.
    pub latency: Duration,
    /// Fraction (0..=1) of API requests answered with one of `error_statuses`.
    pub error_rate: f64,
    /// The statuses an injected error picks from (uniformly); empty means 500, 502, 503.
    pub error_statuses: Vec<u16>,
    /// Fraction (0..=1) of API requests whose connection is closed without a response.
    pub drop_rate: f64,
    /// The next N API requests get an injected error (the first of `error_statuses`).
    pub error_next: u32,
    /// The next N API requests get their connection dropped.
    pub drop_next: u32,
    pub token_endpoint: TokenFault,
    /// How long a [`TokenFault::Slow`] token endpoint waits.
    pub token_delay: Duration,
    /// Seed for the fault dice; `None` seeds from the OS.
    pub seed: Option<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency: Duration::ZERO,
            error_rate: 0.0,
            error_statuses: Vec::new(),
            drop_rate: 0.0,
            error_next: 0,
            drop_next: 0,
            token_endpoint: TokenFault::None,
            token_delay: Duration::from_secs(2),
            seed: None,
        }
    }
}

/// A `--fault` switch that could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("bad fault switch `{switch}`: {reason}")]
pub struct FaultSwitchError {
    pub switch: String,
    pub reason: String,
}

impl Faults {
    /// No faults at all.
    pub fn none() -> Self {
        Faults::default()
    }

    /// True when some fault is switched on.
    pub fn any(&self) -> bool {
        !self.latency.is_zero()
            || self.error_rate > 0.0
            || self.drop_rate > 0.0
            || self.error_next > 0
            || self.drop_next > 0
            || self.token_endpoint != TokenFault::None
    }

    /// Applies one `KEY=VALUE` switch as `integ sandbox --fault` takes it:
    /// `latency=MS`, `error-rate=F`, `drop-rate=F`, `error-status=500,503`, `error-next=N`,
    /// `drop-next=N`, `token=slow|fail|none`, `token-delay=MS`, `seed=N`.
    pub fn apply_switch(&mut self, switch: &str) -> Result<(), FaultSwitchError> {
        let fail = |reason: &str| FaultSwitchError {
            switch: switch.to_owned(),
            reason: reason.to_owned(),
        };
        let (key, value) = switch
            .split_once('=')
            .ok_or_else(|| fail("expected KEY=VALUE"))?;
        let value = value.trim();
        let millis = || {
            value
                .parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| fail("expected milliseconds"))
        };
        let fraction = || match value.parse::<f64>() {
            Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
            _ => Err(fail("expected a fraction between 0 and 1")),
        };
        let count = || value.parse::<u32>().map_err(|_| fail("expected a count"));
        match key.trim() {
            "latency" => self.latency = millis()?,
            "error-rate" => self.error_rate = fraction()?,
            "drop-rate" => self.drop_rate = fraction()?,
            "error-next" => self.error_next = count()?,
            "drop-next" => self.drop_next = count()?,
            "token-delay" => self.token_delay = millis()?,
            "seed" => self.seed = Some(value.parse().map_err(|_| fail("expected an integer"))?),
            "error-status" => {
                self.error_statuses = value
                    .split(',')
                    .map(|s| match s.trim().parse::<u16>() {
                        Ok(code) if (500..600).contains(&code) => Ok(code),
                        _ => Err(fail("expected 5xx statuses separated by commas")),
                    })
                    .collect::<Result<_, _>>()?;
            }
            "token" => {
                self.token_endpoint = match value {
                    "slow" => TokenFault::Slow,
                    "fail" => TokenFault::Fail,
                    "none" => TokenFault::None,
                    _ => return Err(fail("expected slow, fail or none")),
                }
            }
            _ => {
                return Err(fail(
                    "unknown key (latency, error-rate, drop-rate, error-status, error-next, \
                     drop-next, token, token-delay, seed)",
                ));
            }
        }
        Ok(())
    }

    /// `error_statuses`, or HighLevel's usual three.
    pub(crate) fn statuses(&self) -> &[u16] {
        if self.error_statuses.is_empty() {
            &[500, 502, 503]
        } else {
            &self.error_statuses
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_parse_as_the_cli_documents() {
        let mut f = Faults::default();
        for s in [
            "latency=250",
            "error-rate=0.5",
            "drop-rate=0.25",
            "token=slow",
            "token-delay=100",
            "seed=7",
            "error-status=503",
            "error-next=2",
            "drop-next=1",
        ] {
            f.apply_switch(s).unwrap();
        }
        assert_eq!(f.latency, Duration::from_millis(250));
        assert_eq!(f.error_rate, 0.5);
        assert_eq!(f.drop_rate, 0.25);
        assert_eq!(f.token_endpoint, TokenFault::Slow);
        assert_eq!(f.token_delay, Duration::from_millis(100));
        assert_eq!(f.seed, Some(7));
        assert_eq!(f.error_statuses, vec![503]);
        assert_eq!((f.error_next, f.drop_next), (2, 1));
        assert!(f.any());
    }

    #[test]
    fn bad_switches_say_why() {
        let mut f = Faults::default();
        assert_eq!(
            f.apply_switch("error-rate=2").unwrap_err().reason,
            "expected a fraction between 0 and 1"
        );
        assert_eq!(
            f.apply_switch("token=sometimes").unwrap_err().reason,
            "expected slow, fail or none"
        );
        assert!(f.apply_switch("latency").is_err());
        assert!(f.apply_switch("error-status=404").is_err());
        assert!(!f.any());
    }
}
