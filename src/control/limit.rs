//! Commands per second per surface: a token bucket for each surface (`http`, `mqtt`,
//! `nats`, `on_change`, …) that refills at the scene's `control.rate_limit` commands a
//! second and holds [`BURST_SECONDS`] seconds of them, so a burst is fine and a flood is
//! refused with an error saying so (and counted for `/metrics`). Only commands that
//! parsed are counted: a malformed one costs nothing and is answered at once.
//!
//! ```
//! use tinydisplay::control::limit::RateLimits;
//!
//! let limits = RateLimits::new(1);
//! for _ in 0..10 {
//!     assert!(limits.take("http").is_ok());
//! }
//! assert!(limits.take("http").is_err(), "ten seconds' worth at once, then refused");
//! assert!(limits.take("mqtt").is_ok(), "each surface has its own");
//! assert_eq!(limits.refused().get("http"), Some(&1));
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

/// Commands a second each surface may send when the scene says nothing.
pub const DEFAULT_PER_SECOND: u32 = crate::scene::schema::DEFAULT_RATE_LIMIT;
/// Seconds of commands a surface may send at once (the bucket's size).
pub const BURST_SECONDS: u32 = 10;
/// How a refusal's error starts (the HTTP API answers it with 429).
pub const REFUSED_PREFIX: &str = "rate limit:";

/// A command refused because its surface sent too many; the reply's error starts with
/// [`REFUSED_PREFIX`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{REFUSED_PREFIX} {surface} sent more than {rate} commands a second \
     (control.rate_limit, bursts up to {burst}); try again shortly"
)]
pub struct RateLimited {
    /// The surface that sent them (`http`, `mqtt`).
    pub surface: String,
    /// The limit: commands a second.
    pub rate: u32,
    /// The burst it may send at once.
    pub burst: u32,
}

/// The buckets of every surface and what they refused (shared by the senders).
#[derive(Debug)]
pub struct RateLimits(Mutex<Inner>);

#[derive(Debug)]
struct Inner {
    per_second: u32,
    buckets: HashMap<String, Bucket>,
    refused: BTreeMap<String, u64>,
}

/// Commands a surface may still send now, as of `at`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::new(DEFAULT_PER_SECOND)
    }
}

impl RateLimits {
    /// Limits of `per_second` commands a second per surface (0: none).
    pub fn new(per_second: u32) -> RateLimits {
        RateLimits(Mutex::new(Inner {
            per_second,
            buckets: HashMap::new(),
            refused: BTreeMap::new(),
        }))
    }

    /// Changes the limit (each surface starts again with a full bucket).
    pub fn set(&self, per_second: u32) {
        let mut inner = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        inner.per_second = per_second;
        inner.buckets.clear();
    }

    /// The limit: commands a second per surface (0: none).
    pub fn per_second(&self) -> u32 {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .per_second
    }

    /// Takes one command's allowance for `surface`; Err (the reply's error) when it has
    /// sent too many.
    pub fn take(&self, surface: &str) -> Result<(), RateLimited> {
        let mut inner = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let rate = inner.per_second;
        if rate == 0 {
            return Ok(());
        }
        let size = f64::from(rate) * f64::from(BURST_SECONDS);
        let now = Instant::now();
        let bucket = inner.buckets.entry(surface.to_owned()).or_insert(Bucket {
            tokens: size,
            at: now,
        });
        let refill = now.duration_since(bucket.at).as_secs_f64() * f64::from(rate);
        bucket.tokens = (bucket.tokens + refill).min(size);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        *inner.refused.entry(surface.to_owned()).or_default() += 1;
        Err(RateLimited {
            surface: surface.to_owned(),
            rate,
            burst: rate.saturating_mul(BURST_SECONDS),
        })
    }

    /// Commands refused so far, by surface.
    pub fn refused(&self) -> BTreeMap<String, u64> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .refused
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_no_limit() {
        let limits = RateLimits::new(0);
        for _ in 0..10_000 {
            assert!(limits.take("http").is_ok());
        }
        assert!(limits.refused().is_empty());
    }

    #[test]
    fn a_refusal_says_why_and_how_to_change_it() {
        let limits = RateLimits::new(2);
        let refused = (0..21).find_map(|_| limits.take("nats").err());
        let e = refused.expect("the 21st is refused").to_string();
        assert!(e.starts_with(REFUSED_PREFIX), "{e}");
        assert!(e.contains("control.rate_limit"), "{e}");
        limits.set(5);
        assert!(limits.take("nats").is_ok(), "a new limit starts full");
        assert_eq!(limits.per_second(), 5);
    }
}
