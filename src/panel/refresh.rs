//! When an e-paper panel refreshes, and how: a pure function of the time since the last
//! refresh, the partial refreshes since the last full one and whether anything changed.
//!
//! E-paper glass changes only when the controller runs a waveform (a refresh), which
//! takes from a third of a second (a partial refresh) to fifteen seconds (a full
//! three-colour one), wears the panel, and leaves ghosts behind partial refreshes until a
//! full one cleans them. So the panel sink refreshes at most every `min_interval`, makes
//! every `full_every + 1`-th refresh a full one, and between refreshes lets frames
//! coalesce (their damage merged). The first refresh is always full.

use std::time::Duration;

use serde::Deserialize;

/// What a controller can do and what its datasheet and vendor notes advise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshLimits {
    /// The controller has a partial refresh (a fast waveform or a window).
    pub partial: bool,
    /// Default partial refreshes between two full ones.
    pub full_every: u32,
    /// Default shortest time between two refreshes.
    pub min_interval: Duration,
    /// About how long a full refresh takes, for logs and the README.
    pub full_takes: Duration,
}

/// A scene's `display.refresh: (full_every: 30, min_interval_ms: 1000)`; a missing field
/// takes the panel's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshOptions {
    /// Partial refreshes between two full ones (0: every refresh is full).
    #[serde(default)]
    pub full_every: Option<u32>,
    /// Shortest time between two refreshes, in milliseconds.
    #[serde(default)]
    pub min_interval_ms: Option<u64>,
}

/// The largest `full_every` a scene may ask for (ghosting builds up beyond it).
pub const MAX_FULL_EVERY: u32 = 10_000;
/// The longest `min_interval_ms` a scene may ask for (a day).
pub const MAX_MIN_INTERVAL_MS: u64 = 86_400_000;

impl RefreshOptions {
    /// What is wrong with these options, if anything (the scene check reports it).
    pub fn problem(&self) -> Option<String> {
        if let Some(n) = self.full_every
            && n > MAX_FULL_EVERY
        {
            return Some(format!(
                "full_every must be 0..={MAX_FULL_EVERY} partial refreshes, not {n}"
            ));
        }
        if let Some(ms) = self.min_interval_ms
            && ms > MAX_MIN_INTERVAL_MS
        {
            return Some(format!(
                "min_interval_ms must be 0..={MAX_MIN_INTERVAL_MS} (a day), not {ms}"
            ));
        }
        None
    }
}

/// The policy a panel sink follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Partial refreshes are possible.
    pub partial: bool,
    /// Partial refreshes between two full ones (0: always full).
    pub full_every: u32,
    /// Shortest time between two refreshes.
    pub min_interval: Duration,
}

impl RefreshPolicy {
    /// The controller's defaults, overridden by the scene's options.
    pub fn new(limits: RefreshLimits, options: Option<RefreshOptions>) -> RefreshPolicy {
        let o = options.unwrap_or_default();
        RefreshPolicy {
            partial: limits.partial,
            full_every: o.full_every.unwrap_or(limits.full_every),
            min_interval: o
                .min_interval_ms
                .map_or(limits.min_interval, Duration::from_millis),
        }
    }
}

/// What to do with the frame waiting for the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing changed: nothing to refresh.
    Nothing,
    /// Too soon after the last refresh: wait this long (frames keep coalescing).
    Wait(Duration),
    /// Refresh the whole panel.
    Full,
    /// Refresh only what changed.
    Partial,
}

/// Decides for a waiting frame: `since_last` is the time since the last refresh began
/// (None before the first), `partials` the partial refreshes since the last full one,
/// `changed` whether the frame has damage.
pub fn decide(
    policy: &RefreshPolicy,
    since_last: Option<Duration>,
    partials: u32,
    changed: bool,
) -> Decision {
    if !changed {
        return Decision::Nothing;
    }
    let Some(since) = since_last else {
        return Decision::Full;
    };
    if since < policy.min_interval {
        return Decision::Wait(policy.min_interval - since);
    }
    if !policy.partial || partials >= policy.full_every {
        Decision::Full
    } else {
        Decision::Partial
    }
}

/// What a panel sink remembers between refreshes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshState {
    /// When the last refresh began, on the caller's clock (None before the first).
    pub last: Option<Duration>,
    /// Partial refreshes since the last full one.
    pub partials: u32,
}

impl RefreshState {
    /// The decision at time `now` (on the same clock as `last`).
    pub fn decide(&self, policy: &RefreshPolicy, now: Duration, changed: bool) -> Decision {
        let since = self.last.map(|t| now.saturating_sub(t));
        decide(policy, since, self.partials, changed)
    }

    /// Notes a refresh begun at `now`.
    pub fn refreshed(&mut self, now: Duration, full: bool) {
        self.last = Some(now);
        self.partials = if full { 0 } else { self.partials + 1 };
    }

    /// Forgets the last refresh (after a re-init, the next one is full and at once).
    pub fn forget(&mut self) {
        *self = RefreshState::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: RefreshLimits = RefreshLimits {
        partial: true,
        full_every: 3,
        min_interval: Duration::from_secs(2),
        full_takes: Duration::from_secs(3),
    };

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn first_full_then_partials_then_full_again() {
        let p = RefreshPolicy::new(LIMITS, None);
        assert_eq!(decide(&p, None, 0, true), Decision::Full);
        assert_eq!(decide(&p, Some(ms(500)), 0, true), Decision::Wait(ms(1500)));
        assert_eq!(decide(&p, Some(ms(2000)), 0, true), Decision::Partial);
        assert_eq!(decide(&p, Some(ms(2000)), 2, true), Decision::Partial);
        assert_eq!(decide(&p, Some(ms(2000)), 3, true), Decision::Full);
        assert_eq!(decide(&p, Some(ms(10)), 3, false), Decision::Nothing);
    }

    #[test]
    fn scene_options_override_and_a_panel_without_partials_is_always_full() {
        let o = RefreshOptions {
            full_every: Some(0),
            min_interval_ms: Some(100),
        };
        let p = RefreshPolicy::new(LIMITS, Some(o));
        assert_eq!((p.full_every, p.min_interval), (0, ms(100)));
        assert_eq!(decide(&p, Some(ms(100)), 0, true), Decision::Full);
        let none = RefreshPolicy::new(
            RefreshLimits {
                partial: false,
                ..LIMITS
            },
            None,
        );
        assert_eq!(decide(&none, Some(ms(5000)), 0, true), Decision::Full);
    }

    #[test]
    fn nonsense_options_are_named() {
        let o = |f, m| RefreshOptions {
            full_every: f,
            min_interval_ms: m,
        };
        assert!(
            o(Some(10_001), None)
                .problem()
                .unwrap()
                .contains("full_every")
        );
        assert!(
            o(None, Some(MAX_MIN_INTERVAL_MS + 1))
                .problem()
                .unwrap()
                .contains("min_interval_ms")
        );
        assert_eq!(o(Some(0), Some(0)).problem(), None);
    }
}
