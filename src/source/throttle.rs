//! Rate-limiting repeated reports: a source that keeps producing the same kind of bad
//! input is logged once, then at most once per period with a count of what was skipped.

use std::time::{Duration, Instant};

/// How often a repeated problem is logged again.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

/// Lets one report through per period and counts the ones held back.
#[derive(Debug, Clone)]
pub struct Throttle {
    every: Duration,
    last: Option<Instant>,
    held: u64,
}

impl Throttle {
    /// A throttle letting one report through every `every`.
    pub fn new(every: Duration) -> Self {
        Self {
            every,
            last: None,
            held: 0,
        }
    }

    /// `Some(n)` when this report should go out (`n` reports were held back since the
    /// last one), `None` when it is held back.
    pub fn allow(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < self.every)
        {
            self.held += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.held))
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new(LOG_EVERY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_report_per_period_with_a_count() {
        let mut t = Throttle::new(Duration::from_secs(3600));
        assert_eq!(t.allow(), Some(0));
        for _ in 0..2000 {
            assert_eq!(t.allow(), None);
        }
        let mut fast = Throttle::new(Duration::ZERO);
        assert_eq!(fast.allow(), Some(0));
        assert_eq!(fast.allow(), Some(0));
    }
}
