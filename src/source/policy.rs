//! Failure policy of a source: poll interval, attempt timeout, exponential backoff with
//! jitter, and a circuit breaker.
//!
//! [`PolicyState`] is a pure state machine: it is told the outcome of each attempt and the
//! current time (milliseconds on any monotonic clock) and answers how long to wait before
//! the next attempt and whether the breaker is open. The runner threads drive it; tests
//! drive it with made-up clock values.

use serde::Deserialize;

/// How a source is paced and how it reacts to failures (all durations in milliseconds).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct Policy {
    /// Time between polls after a success (a retry after a failure follows the backoff).
    pub interval_ms: u64,
    /// One attempt's time limit; an attempt that takes longer is a failure.
    pub timeout_ms: u64,
    /// Delay after the first failure.
    pub backoff_initial_ms: u64,
    /// Upper bound of the backoff delay.
    pub backoff_max_ms: u64,
    /// Growth of the delay from one consecutive failure to the next.
    pub backoff_factor: f64,
    /// Fraction (0..1) of the backoff delay that is randomised in both directions.
    pub jitter: f64,
    /// Consecutive failures that open the circuit breaker (0 disables the breaker).
    pub breaker_failures: u32,
    /// How long an open breaker blocks attempts before one half-open probe.
    pub breaker_cooldown_ms: u64,
    /// Longest line a stream source (process, stdin) accepts; longer ones are refused.
    pub max_line_bytes: usize,
    /// Most bytes one poll may read (a command's output, a file); more is refused.
    pub max_output_bytes: usize,
    /// Largest value (its JSON text) the source may set; a larger one is refused and the
    /// last good value stays.
    pub max_value_bytes: usize,
    /// Consecutive failed attempts (or exits of a stream) after which the source gives up
    /// and stays failed, saying so in its health (0: it never gives up).
    pub max_attempts: u64,
}

/// Default longest line of a stream source (64 KiB).
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 * 1024;
/// Default most bytes per poll (1 MiB).
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 1024 * 1024;
/// Default largest value (64 KiB).
pub const DEFAULT_MAX_VALUE_BYTES: usize = 64 * 1024;

impl Default for Policy {
    fn default() -> Self {
        Self {
            interval_ms: 1000,
            timeout_ms: 5000,
            backoff_initial_ms: 500,
            backoff_max_ms: 60_000,
            backoff_factor: 2.0,
            jitter: 0.1,
            breaker_failures: 5,
            breaker_cooldown_ms: 30_000,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            max_output_bytes: DEFAULT_MAX_OUTPUT_BYTES,
            max_value_bytes: DEFAULT_MAX_VALUE_BYTES,
            max_attempts: 0,
        }
    }
}

impl Policy {
    /// True when `failures` consecutive failures reach `max_attempts` (never when 0).
    pub fn gives_up_after(&self, failures: u64) -> bool {
        self.max_attempts > 0 && failures >= self.max_attempts
    }

    /// The interval between successful polls, at least 1 ms so a loop never spins.
    pub fn interval(&self) -> u64 {
        self.interval_ms.max(1)
    }

    /// The backoff delay after `failures` consecutive failures, before jitter:
    /// initial × factor^(failures − 1), capped at the maximum (at least 1 ms). It starts at
    /// `backoff_initial_ms` whatever the poll interval is: a source polled hourly retries
    /// its first failure after half a second, not after an hour.
    pub fn backoff_base_ms(&self, failures: u64) -> u64 {
        let exponent = failures.saturating_sub(1).min(i32::MAX as u64) as i32;
        let factor = if self.backoff_factor.is_finite() {
            self.backoff_factor.max(1.0)
        } else {
            1.0
        };
        let raw = self.backoff_initial_ms as f64 * factor.powi(exponent);
        let capped = raw.min(self.backoff_max_ms.max(self.backoff_initial_ms) as f64);
        (capped as u64).max(1)
    }

    /// The jitter fraction clamped to 0..=1.
    fn jitter_fraction(&self) -> f64 {
        if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// Where the circuit breaker stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breaker {
    /// Attempts run normally.
    Closed,
    /// No attempts until the clock reaches `until_ms`.
    Open {
        /// Clock value at which the breaker becomes half-open.
        until_ms: u64,
    },
    /// The cool-down is over: the next attempt is a probe that closes or re-opens it.
    HalfOpen,
}

/// A tiny xorshift64* generator for jitter (not for anything that needs real randomness).
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from a seed (a zero seed is replaced by a fixed odd constant).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// A seed mixed from a name and the current time.
    pub fn seed_from(name: &str) -> u64 {
        // FNV-1a over the name, then mixed with the clock.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in name.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        hash ^ nanos.rotate_left(17)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniform number in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The policy's state for one source: consecutive failures and the breaker.
#[derive(Debug, Clone)]
pub struct PolicyState {
    policy: Policy,
    failures: u64,
    open_until: Option<u64>,
    rng: XorShift,
}

impl PolicyState {
    /// A fresh state (breaker closed, no failures) with a jitter seed.
    pub fn new(policy: Policy, seed: u64) -> Self {
        Self {
            policy,
            failures: 0,
            open_until: None,
            rng: XorShift::new(seed),
        }
    }

    /// The policy this state follows.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Consecutive failures since the last success.
    pub fn failures(&self) -> u64 {
        self.failures
    }

    /// The breaker at clock value `now_ms`.
    pub fn breaker(&self, now_ms: u64) -> Breaker {
        match self.open_until {
            None => Breaker::Closed,
            Some(until_ms) if now_ms < until_ms => Breaker::Open { until_ms },
            Some(_) => Breaker::HalfOpen,
        }
    }

    /// Records a success at `now_ms`: closes the breaker, resets failures, and returns
    /// the delay until the next attempt (the interval).
    pub fn on_success(&mut self, _now_ms: u64) -> u64 {
        self.failures = 0;
        self.open_until = None;
        self.policy.interval()
    }

    /// Records a failure at `now_ms` and returns the delay until the next attempt: the
    /// jittered backoff, or the cool-down when this failure opens (or re-opens) the breaker.
    pub fn on_failure(&mut self, now_ms: u64) -> u64 {
        self.failures = self.failures.saturating_add(1);
        let threshold = u64::from(self.policy.breaker_failures);
        if threshold > 0 && self.failures >= threshold {
            let cooldown = self.policy.breaker_cooldown_ms.max(self.policy.interval());
            self.open_until = Some(now_ms.saturating_add(cooldown));
            return cooldown;
        }
        self.jittered(self.policy.backoff_base_ms(self.failures))
    }

    /// Whether the last recorded failure opened the breaker (the next attempt is a probe).
    pub fn breaker_tripped(&self) -> bool {
        self.open_until.is_some()
    }

    /// `base` ± jitter × `base`, at least 1 ms.
    fn jittered(&mut self, base: u64) -> u64 {
        let fraction = self.policy.jitter_fraction();
        let spread = (self.rng.next_f64() * 2.0 - 1.0) * fraction;
        let delay = (base as f64 * (1.0 + spread)).round().max(0.0) as u64;
        delay.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_jitter() -> Policy {
        Policy {
            interval_ms: 100,
            backoff_initial_ms: 500,
            backoff_max_ms: 5000,
            backoff_factor: 2.0,
            jitter: 0.0,
            breaker_failures: 0,
            ..Policy::default()
        }
    }

    #[test]
    fn defaults_are_humane() {
        let p = Policy::default();
        assert_eq!(p.interval_ms, 1000);
        assert_eq!(p.timeout_ms, 5000);
        assert_eq!(p.backoff_initial_ms, 500);
        assert_eq!(p.backoff_max_ms, 60_000);
        assert_eq!(p.breaker_failures, 5);
        assert_eq!(p.breaker_cooldown_ms, 30_000);
    }

    #[test]
    fn backoff_sequence_doubles_and_caps() {
        let mut s = PolicyState::new(no_jitter(), 1);
        let delays: Vec<u64> = (0..8).map(|i| s.on_failure(i * 10)).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
        assert_eq!(s.failures(), 8);
        assert_eq!(s.on_success(100), 100);
        assert_eq!(s.failures(), 0);
        assert_eq!(s.on_failure(200), 500, "backoff restarts after a success");
    }

    #[test]
    fn backoff_starts_at_initial_not_at_the_interval() {
        let p = Policy {
            interval_ms: 600_000,
            backoff_initial_ms: 100,
            ..no_jitter()
        };
        let mut s = PolicyState::new(p, 1);
        let delays: Vec<u64> = (0..4).map(|_| s.on_failure(0)).collect();
        assert_eq!(delays, [100, 200, 400, 800]);
        assert_eq!(
            s.on_success(0),
            600_000,
            "after a success: the interval again"
        );
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let p = Policy {
            jitter: 0.25,
            interval_ms: 1,
            ..no_jitter()
        };
        for seed in 1..200u64 {
            let mut s = PolicyState::new(p.clone(), seed.wrapping_mul(0x1234_5678_9abc));
            for n in 1..=6u64 {
                let base = p.backoff_base_ms(n) as f64;
                let d = s.on_failure(0) as f64;
                assert!(
                    d >= (base * 0.75).floor() && d <= (base * 1.25).ceil(),
                    "delay {d} outside {base} ± 25 %"
                );
            }
        }
    }

    #[test]
    fn jitter_actually_varies() {
        let p = Policy {
            jitter: 0.5,
            ..no_jitter()
        };
        let mut s = PolicyState::new(p, 42);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..20 {
            seen.insert(s.on_failure(0));
            s.on_success(0);
        }
        assert!(seen.len() > 5, "jittered delays look constant: {seen:?}");
    }

    #[test]
    fn breaker_opens_cools_down_and_closes_on_probe_success() {
        let p = Policy {
            breaker_failures: 3,
            breaker_cooldown_ms: 10_000,
            ..no_jitter()
        };
        let mut s = PolicyState::new(p, 7);
        assert_eq!(s.breaker(0), Breaker::Closed);
        assert_eq!(s.on_failure(0), 500);
        assert_eq!(s.on_failure(500), 1000);
        assert_eq!(s.breaker(1500), Breaker::Closed);
        // The third consecutive failure opens the breaker for the cool-down.
        assert_eq!(s.on_failure(1500), 10_000);
        assert_eq!(s.breaker(1500), Breaker::Open { until_ms: 11_500 });
        assert_eq!(s.breaker(11_499), Breaker::Open { until_ms: 11_500 });
        assert_eq!(s.breaker(11_500), Breaker::HalfOpen);
        // The probe succeeds: closed again, failures reset.
        assert_eq!(s.on_success(11_500), 100);
        assert_eq!(s.breaker(11_600), Breaker::Closed);
        assert_eq!(s.failures(), 0);
        assert_eq!(s.on_failure(12_000), 500, "normal backoff after closing");
    }

    #[test]
    fn failed_probe_reopens_breaker() {
        let p = Policy {
            breaker_failures: 2,
            breaker_cooldown_ms: 3000,
            ..no_jitter()
        };
        let mut s = PolicyState::new(p, 7);
        s.on_failure(0);
        assert_eq!(s.on_failure(100), 3000);
        assert_eq!(s.breaker(3100), Breaker::HalfOpen);
        // The probe fails: open again for a full cool-down from now.
        assert_eq!(s.on_failure(3200), 3000);
        assert_eq!(s.breaker(3200), Breaker::Open { until_ms: 6200 });
        assert_eq!(s.breaker(6199), Breaker::Open { until_ms: 6200 });
        assert_eq!(s.breaker(6200), Breaker::HalfOpen);
        assert_eq!(s.failures(), 3);
    }

    #[test]
    fn policy_deserialises_with_defaults() {
        let p: Policy = serde_json::from_str(r#"{"timeout_ms": 2000, "jitter": 0.0}"#)
            .expect("valid policy JSON");
        assert_eq!(p.timeout_ms, 2000);
        assert_eq!(p.jitter, 0.0);
        assert_eq!(p.interval_ms, 1000);
        let p: Policy =
            ron::from_str("(timeout_ms: 2000, breaker_failures: 3)").expect("valid policy RON");
        assert_eq!(p.timeout_ms, 2000);
        assert_eq!(p.breaker_failures, 3);
        assert_eq!(p.backoff_factor, 2.0);
    }
}
