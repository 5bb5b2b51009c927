//! The sandbox's in-memory world: its company and locations, OAuth grants, contacts, rate
//! limit buckets, fault dice and counters. Every part sits behind its own lock, and no lock
//! is held across an `.await`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::{Config, Faults, TokenFault};
use crate::contacts::ContactStore;
use crate::stats::Stats;
use crate::util;

/// A sub-account (HighLevel "location") that the sandbox's user can authorize.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub id: String,
    pub name: String,
    pub company_id: String,
}

impl Location {
    /// The agency (HighLevel "company") the location belongs to.
    pub fn company_id(&self) -> &str {
        &self.company_id
    }
}

/// The agency that owns the locations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Company {
    pub id: String,
    pub name: String,
}

/// `user_type` of a token request: a location (sub-account) token or a company (agency) one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UserType {
    Location,
    Company,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Location => "Location",
            UserType::Company => "Company",
        }
    }
}

/// What an authorization, and every token descended from it, may do.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub client_id: String,
    pub user_type: UserType,
    pub location_id: String,
    pub company_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
}

impl Grant {
    /// The rate-limit resource: HighLevel counts per app and location (or company).
    pub fn resource(&self) -> &str {
        match self.user_type {
            UserType::Location => &self.location_id,
            UserType::Company => &self.company_id,
        }
    }
}

pub(crate) struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub location_id: String,
    pub scopes: Vec<String>,
    pub expires_at: Instant,
}

pub(crate) struct Expiring {
    pub grant: Grant,
    pub expires_at: Instant,
}

#[derive(Default)]
pub(crate) struct AuthStore {
    pub codes: HashMap<String, AuthCode>,
    pub access: HashMap<String, Expiring>,
    pub refresh: HashMap<String, Expiring>,
}

/// One (app, resource) pair's budget.
struct Bucket {
    window_start: Instant,
    in_window: u32,
    day: u64,
    today: u32,
}

/// What the limiter decided, and what the `X-RateLimit-*` headers say.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateInfo {
    pub allowed: bool,
    pub max: u32,
    pub remaining: u32,
    pub interval: Duration,
    pub daily_max: u32,
    pub daily_remaining: u32,
    /// Time until the exhausted budget (burst window or day) frees a request.
    pub retry_after: Duration,
}

#[derive(Default)]
pub(crate) struct RateLimiter {
    buckets: HashMap<(String, String), Bucket>,
}

impl RateLimiter {
    /// Counts one request against (app, resource); a refused request costs nothing.
    pub fn check(&mut self, config: &Config, app: &str, resource: &str) -> RateInfo {
        let now = Instant::now();
        let day = util::utc_day();
        let bucket = self
            .buckets
            .entry((app.to_owned(), resource.to_owned()))
            .or_insert(Bucket {
                window_start: now,
                in_window: 0,
                day,
                today: 0,
            });
        if now.duration_since(bucket.window_start) >= config.burst_window {
            bucket.window_start = now;
            bucket.in_window = 0;
        }
        if bucket.day != day {
            bucket.day = day;
            bucket.today = 0;
        }
        let burst_left = bucket.in_window < config.burst_max;
        let day_left = bucket.today < config.daily_max;
        let allowed = burst_left && day_left;
        if allowed {
            bucket.in_window += 1;
            bucket.today += 1;
        }
        let retry_after = if !burst_left {
            config
                .burst_window
                .saturating_sub(now.duration_since(bucket.window_start))
        } else if !day_left {
            let secs_today = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs()
                % 86_400;
            Duration::from_secs(86_400 - secs_today)
        } else {
            Duration::ZERO
        };
        RateInfo {
            allowed,
            max: config.burst_max,
            remaining: config.burst_max.saturating_sub(bucket.in_window),
            interval: config.burst_window,
            daily_max: config.daily_max,
            daily_remaining: config.daily_max.saturating_sub(bucket.today),
            retry_after,
        }
    }
}

/// What the fault switches do to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultAction {
    Pass,
    Error(u16),
    Drop,
}

pub(crate) struct FaultDice {
    faults: Faults,
    rng: StdRng,
}

impl FaultDice {
    pub fn new(faults: Faults) -> Self {
        let rng = match faults.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        FaultDice { faults, rng }
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Latency for every request; for API requests also whether to fail or drop it.
    pub fn plan(&mut self, api: bool) -> (Duration, FaultAction) {
        let latency = self.faults.latency;
        if !api {
            return (latency, FaultAction::Pass);
        }
        let f = &mut self.faults;
        let action = if f.drop_next > 0 {
            f.drop_next -= 1;
            FaultAction::Drop
        } else if f.error_next > 0 {
            f.error_next -= 1;
            FaultAction::Error(f.statuses()[0])
        } else if f.drop_rate > 0.0 || f.error_rate > 0.0 {
            // Both dice are rolled for every request, so a seeded run is the same run.
            let drop_roll: f64 = self.rng.r#gen();
            let error_roll: f64 = self.rng.r#gen();
            let pick = self.rng.gen_range(0..f.statuses().len());
            if drop_roll < f.drop_rate {
                FaultAction::Drop
            } else if error_roll < f.error_rate {
                FaultAction::Error(f.statuses()[pick])
            } else {
                FaultAction::Pass
            }
        } else {
            FaultAction::Pass
        };
        (latency, action)
    }

    pub fn token(&self) -> (TokenFault, Duration) {
        (self.faults.token_endpoint, self.faults.token_delay)
    }
}

/// Everything a request handler can reach.
pub(crate) struct App {
    pub config: Config,
    pub company: Company,
    pub locations: Vec<Location>,
    /// The one user who authorizes (the "person who performed installation").
    pub user_id: String,
    pub auth: RwLock<AuthStore>,
    pub contacts: RwLock<ContactStore>,
    pub limiter: Mutex<RateLimiter>,
    pub dice: Mutex<FaultDice>,
    pub stats: Mutex<Stats>,
}

impl App {
    pub fn new(config: Config) -> Self {
        let company = Company {
            id: "cmpSandbox0000000001".to_owned(),
            name: "Sandbox Agency".to_owned(),
        };
        let locations = [
            ("locSandbox0000000001", "Sandbox Bakery"),
            ("locSandbox0000000002", "Sandbox Dental"),
        ]
        .into_iter()
        .map(|(id, name)| Location {
            id: id.to_owned(),
            name: name.to_owned(),
            company_id: company.id.clone(),
        })
        .collect();
        App {
            dice: Mutex::new(FaultDice::new(config.faults.clone())),
            config,
            company,
            locations,
            user_id: "usrSandbox0000000001".to_owned(),
            auth: RwLock::default(),
            contacts: RwLock::default(),
            limiter: Mutex::default(),
            stats: Mutex::default(),
        }
    }

    pub fn location(&self, id: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.id == id)
    }

    /// Mints an access/refresh pair for a grant (both the token endpoint and tests use it).
    pub fn issue_tokens(&self, grant: Grant) -> (String, String) {
        let access = util::random_string(40);
        let refresh = util::random_string(40);
        let now = Instant::now();
        let mut auth = write(&self.auth);
        auth.access.insert(
            access.clone(),
            Expiring {
                grant: grant.clone(),
                expires_at: now + self.config.token_ttl,
            },
        );
        auth.refresh.insert(
            refresh.clone(),
            Expiring {
                grant,
                expires_at: now + self.config.refresh_ttl,
            },
        );
        (access, refresh)
    }
}

// A panic in one handler must not take every later request down with a poisoned lock: the
// data behind these locks is always left consistent between statements.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_dice_repeat_themselves() {
        let faults = Faults {
            error_rate: 0.3,
            drop_rate: 0.2,
            seed: Some(42),
            ..Faults::default()
        };
        let run = || {
            let mut dice = FaultDice::new(faults.clone());
            (0..200).map(|_| dice.plan(true).1).collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let drops = first.iter().filter(|a| **a == FaultAction::Drop).count();
        let errors = first
            .iter()
            .filter(|a| matches!(a, FaultAction::Error(_)))
            .count();
        assert!((20..60).contains(&drops), "{drops}");
        assert!((30..70).contains(&errors), "{errors}");
    }

    #[test]
    fn next_n_faults_come_first_and_only_for_the_api() {
        let mut dice = FaultDice::new(Faults {
            drop_next: 1,
            error_next: 2,
            error_statuses: vec![503],
            ..Faults::default()
        });
        assert_eq!(dice.plan(false).1, FaultAction::Pass);
        let seen: Vec<_> = (0..4).map(|_| dice.plan(true).1).collect();
        assert_eq!(
            seen,
            [
                FaultAction::Drop,
                FaultAction::Error(503),
                FaultAction::Error(503),
                FaultAction::Pass
            ]
        );
    }

    #[test]
    fn the_limiter_counts_per_app_and_resource() {
        let config = Config {
            burst_max: 2,
            burst_window: Duration::from_secs(60),
            ..Config::default()
        };
        let mut limiter = RateLimiter::default();
        assert_eq!(limiter.check(&config, "app", "loc1").remaining, 1);
        assert_eq!(limiter.check(&config, "app", "loc1").remaining, 0);
        let refused = limiter.check(&config, "app", "loc1");
        assert!(!refused.allowed);
        assert!(refused.retry_after > Duration::from_secs(58));
        assert!(limiter.check(&config, "app", "loc2").allowed);
        assert!(limiter.check(&config, "other-app", "loc1").allowed);
    }
}
