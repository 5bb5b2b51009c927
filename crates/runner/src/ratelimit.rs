//! A client-side limiter that keeps under a provider's `rateLimit`, one sliding window per
//! key. HighLevel counts per app and location, so the runner keys by profile and
//! location: each user's location has its own budget. When the server says a budget is
//! spent (`X-RateLimit-Remaining: 0`), the key also waits out the server's interval.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::sync::Mutex;
use tokio::time::Instant;

use integ_spec::model::RateLimit;

use crate::execute::header_u64;

/// Sliding-window limiter; `None` limit lets everything through.
#[derive(Debug)]
pub struct RateLimiter {
    limit: Option<(usize, Duration)>,
    keys: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Default)]
struct Bucket {
    sent: VecDeque<Instant>,
    /// Nothing goes out before this (the server said the window is spent).
    blocked_until: Option<Instant>,
}

impl Bucket {
    /// Counts a request sent at `now` and returns `None`, or returns how long to wait.
    fn admit(&mut self, now: Instant, limit: Option<(usize, Duration)>) -> Option<Duration> {
        if let Some(t) = self.blocked_until.filter(|t| *t > now) {
            return Some(t - now);
        }
        if let Some((max, window)) = limit {
            while self.sent.front().is_some_and(|t| now - *t >= window) {
                self.sent.pop_front();
            }
            if self.sent.len() >= max {
                return self.sent.front().map(|t| window - (now - *t));
            }
            self.sent.push_back(now);
        }
        None
    }
}

impl RateLimiter {
    pub fn new(limit: Option<&RateLimit>) -> RateLimiter {
        RateLimiter {
            limit: limit.map(|l| {
                (
                    l.requests.max(1) as usize,
                    Duration::from_secs(u64::from(l.per_seconds.max(1))),
                )
            }),
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// A limiter that never waits.
    pub fn unlimited() -> RateLimiter {
        RateLimiter::new(None)
    }

    /// Waits until one more request under `key` stays within the limit, and counts it.
    pub async fn acquire(&self, key: &str) {
        loop {
            let wait = {
                let mut keys = self.keys.lock().await;
                let bucket = keys.entry(key.to_string()).or_default();
                bucket.admit(Instant::now(), self.limit)
            };
            match wait {
                None => return,
                Some(d) => tokio::time::sleep(d).await,
            }
        }
    }

    /// Reads the server's `X-RateLimit-*` answer: a spent window blocks the key for the
    /// server's interval.
    pub fn observe(&self, key: &str, headers: &HeaderMap) {
        let remaining = header_u64(headers, "x-ratelimit-remaining");
        let interval = header_u64(headers, "x-ratelimit-interval-milliseconds");
        if let (Some(0), Some(ms)) = (remaining, interval) {
            let until = Instant::now() + Duration::from_millis(ms.min(3_600_000));
            if let Ok(mut keys) = self.keys.try_lock() {
                keys.entry(key.to_string()).or_default().blocked_until = Some(until);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_under_the_limit_per_window() {
        let limit = Some((2, Duration::from_secs(10)));
        let t0 = Instant::now();
        let mut b = Bucket::default();
        assert_eq!(b.admit(t0, limit), None);
        assert_eq!(b.admit(t0 + Duration::from_secs(1), limit), None);
        // Third in the window: wait until the first is 10 s old.
        assert_eq!(
            b.admit(t0 + Duration::from_secs(4), limit),
            Some(Duration::from_secs(6))
        );
        assert_eq!(b.admit(t0 + Duration::from_secs(10), limit), None);
    }

    #[test]
    fn a_spent_server_window_blocks_until_its_end() {
        let t0 = Instant::now();
        let mut b = Bucket {
            blocked_until: Some(t0 + Duration::from_millis(1500)),
            ..Bucket::default()
        };
        assert_eq!(b.admit(t0, None), Some(Duration::from_millis(1500)));
        assert_eq!(b.admit(t0 + Duration::from_millis(1500), None), None);
    }

    #[test]
    fn observe_blocks_only_the_spent_key() {
        let l = RateLimiter::unlimited();
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert("x-ratelimit-interval-milliseconds", "1500".parse().unwrap());
        l.observe("loc-a", &h);
        let keys = l.keys.try_lock().unwrap();
        assert!(keys["loc-a"].blocked_until.is_some());
        assert!(!keys.contains_key("loc-b"));
    }
}
