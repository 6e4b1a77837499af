//! Tickless idle: the runner sleeps until the next tick at which anything can change.
//!
//! Motion is a function of the tick, so the next tick at which a moving thing looks
//! different is known in advance. Each kind of thing that changes with time tells the
//! [`WakePlan`] when it next changes: a widget kind through a per-entity
//! [`NextChange<K>`] component its systems fill (gathered by [`gather::<K>`] in
//! [`PlanWake`]), anything else (ramps, timed bindings, a replay) by calling
//! [`WakePlan::at`] or [`WakePlan::every_tick`] from a system in [`PlanWake`]. The
//! runner skips the ticks before the earliest of them: they are ticks at which provably
//! nothing changes, so the tick numbers still mean time (tick n is due at
//! `start + n / fps`) and the frames are those of a run that woke every tick.
//!
//! What is due at an instant rather than a tick (a source polled on the tick thread, see
//! [`crate::source::inline`]) says so with [`WakePlan::by`]; the runner runs the first
//! tick due at or after it.
//!
//! Something that may change but did not say when makes the runner wake every tick:
//! a widget whose kind neither is [`Still`] nor carries a [`Declared`] next change, a
//! paused engine, an edit of the app queued for after the tick.
//!
//! What comes from outside (a source's message, a control command, a signal, a changed
//! file) rings the [`Alarm`]: the runner wakes at once and runs the tick whose period
//! the message arrived in.

use std::marker::PhantomData;
use std::sync::{Arc, Condvar, Mutex, PoisonError, Weak};
use std::time::Instant;

use bevy_ecs::prelude::*;

use super::tick::Tick;

/// How the runner sleeps between ticks and how others wake it. The data layer sleeps on
/// its sources' channel (a message ends the sleep); the default is a condition variable.
pub trait Sleep: Send + Sync + 'static {
    /// Waits until `deadline` or a wake, whichever comes first; true when woken.
    fn sleep_until(&self, deadline: Instant) -> bool;
    /// Wakes the sleeper now (or makes its next sleep end at once).
    fn wake(&self);
}

/// Wakes a sleeping runner (clone it into the thread that has news for the engine).
#[derive(Resource, Clone)]
pub struct Alarm(Arc<dyn Sleep>);

impl std::fmt::Debug for Alarm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Alarm")
    }
}

/// Every alarm of the process, for the signals (which belong to no one app).
static ALARMS: Mutex<Vec<Weak<dyn Sleep>>> = Mutex::new(Vec::new());

impl Default for Alarm {
    fn default() -> Self {
        Alarm::new(Bell::default())
    }
}

impl Alarm {
    /// An alarm that sleeps and wakes with `sleep`.
    pub fn new(sleep: impl Sleep) -> Alarm {
        let sleep: Arc<dyn Sleep> = Arc::new(sleep);
        let mut all = ALARMS.lock().unwrap_or_else(PoisonError::into_inner);
        all.retain(|w| w.strong_count() > 0);
        all.push(Arc::downgrade(&sleep));
        Alarm(sleep)
    }

    /// Wakes the runner now (or makes its next wait return at once).
    pub fn ring(&self) {
        self.0.wake();
    }

    /// Waits until `deadline` or a ring, whichever comes first; true when rung.
    pub fn wait_until(&self, deadline: Instant) -> bool {
        self.0.sleep_until(deadline)
    }
}

/// Rings every alarm of the process (a signal came).
pub fn ring_all() {
    let all: Vec<Arc<dyn Sleep>> = ALARMS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    for sleep in all {
        sleep.wake();
    }
}

/// The default [`Sleep`]: a flag and a condition variable.
#[derive(Debug, Default)]
pub struct Bell {
    rung: Mutex<bool>,
    cv: Condvar,
}

impl Sleep for Bell {
    fn sleep_until(&self, deadline: Instant) -> bool {
        let mut rung = self.rung.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if *rung {
                *rung = false;
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            rung = self
                .cv
                .wait_timeout(rung, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn wake(&self) {
        let mut rung = self.rung.lock().unwrap_or_else(PoisonError::into_inner);
        if !*rung {
            *rung = true;
            self.cv.notify_all();
        }
    }
}

/// Whether the runner may skip ticks at which nothing changes. Off in an app built by
/// hand (its own systems may change things the plan does not know of); `tinydisplay run`,
/// `replay` and `bench --realtime` turn it on for real-time runs unless `--no-tickless`.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tickless {
    /// Skip ticks in real-time runs.
    pub real_time: bool,
    /// Skip ticks in `--ticks N` runs too (the tickless-vs-every-tick test does).
    pub stepped: bool,
}

/// When something next changes, as reported during this tick (reset by the runner
/// before each tick).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WakePlan {
    next: Option<u64>,
    every_tick: bool,
    by: Option<Instant>,
}

impl WakePlan {
    /// Something changes at `tick` (a tick after the running one).
    pub fn at(&mut self, tick: u64) {
        self.next = Some(self.next.map_or(tick, |n| n.min(tick)));
    }

    /// Something is due at the instant `at` (a source polled on the tick thread): the
    /// runner runs the first tick due at or after it.
    pub fn by(&mut self, at: Instant) {
        self.by = Some(self.by.map_or(at, |b| b.min(at)));
    }

    /// The earliest instant reported with [`WakePlan::by`].
    pub fn due_by(&self) -> Option<Instant> {
        self.by
    }

    /// Something may change at any tick (or cannot tell when): wake every tick.
    pub fn every_tick(&mut self) {
        self.every_tick = true;
    }

    /// Forgets the last tick's reports.
    pub fn reset(&mut self) {
        *self = WakePlan::default();
    }

    /// The tick to run after `next_tick` − 1 ran: `next_tick` itself when something may
    /// change then, a later one when nothing changes before it, `None` when nothing
    /// changes by itself at all.
    pub fn wake_at(&self, next_tick: u64) -> Option<u64> {
        if self.every_tick {
            return Some(next_tick);
        }
        self.next.map(|n| n.max(next_tick))
    }
}

/// The system set, at the end of each tick (before the tick counter moves), where the
/// next changes are reported to the [`WakePlan`].
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlanWake;

/// The next tick at which a widget of kind `K` looks different by itself (its data
/// unchanged); `None`: never. Filled by the kind's systems; a value not after the
/// current tick makes the runner wake at the next tick.
#[derive(Component, Debug)]
pub struct NextChange<K: Send + Sync + 'static> {
    /// The tick, or `None` when it stays as it is.
    pub at: Option<u64>,
    kind: PhantomData<fn() -> K>,
}

impl<K: Send + Sync + 'static> NextChange<K> {
    /// A next change at `at`.
    pub fn new(at: Option<u64>) -> Self {
        NextChange {
            at,
            kind: PhantomData,
        }
    }
}

impl<K: Send + Sync + 'static> Default for NextChange<K> {
    /// Not known yet: the runner wakes at the next tick.
    fn default() -> Self {
        NextChange::new(Some(0))
    }
}

impl<K: Send + Sync + 'static> Clone for NextChange<K> {
    fn clone(&self) -> Self {
        NextChange::new(self.at)
    }
}

impl<K: Send + Sync + 'static> PartialEq for NextChange<K> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at
    }
}

/// Marks an entity whose changes with time are reported (by a [`NextChange`] or a
/// system in [`PlanWake`]).
#[derive(Component, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Declared;

/// Marks an entity that never changes by itself (only when its data does).
#[derive(Component, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Still;

/// Puts the earliest [`NextChange<K>`] into the plan (add it once per `K` with
/// [`track`]).
pub fn gather<K: Send + Sync + 'static>(
    q: Query<&NextChange<K>>,
    tick: Res<Tick>,
    mut plan: ResMut<WakePlan>,
) {
    for next in &q {
        if let Some(at) = next.at {
            // A change not after this tick was missed by its system: look again next tick.
            plan.at(at.max(tick.0 + 1));
        }
    }
}

/// Adds [`gather::<K>`] to the app (once).
pub fn track<K: Send + Sync + 'static>(app: &mut bevy_app::App) {
    app.add_systems(super::TickSchedule, gather::<K>.in_set(PlanWake));
}

/// The first tick after `from` at which `look` differs from its value at `from`,
/// looking at most `horizon` ticks ahead (`from + horizon` when it does not change
/// within them: the runner looks again then). For motion that is a closed-form
/// function of the tick.
pub fn next_change_of<T: PartialEq>(from: u64, horizon: u64, look: impl Fn(u64) -> T) -> u64 {
    let now = look(from);
    let end = from.saturating_add(horizon.max(1));
    let mut t = from + 1;
    while t < end {
        if look(t) != now {
            return t;
        }
        t += 1;
    }
    end
}

/// How far [`next_change_of`] looks ahead by default: 8 s at 30 fps.
pub const HORIZON: u64 = 240;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_takes_the_earliest_and_every_tick_wins() {
        let mut p = WakePlan::default();
        assert_eq!(p.wake_at(5), None);
        p.at(40);
        p.at(12);
        assert_eq!(p.wake_at(5), Some(12));
        assert_eq!(p.wake_at(20), Some(20));
        p.every_tick();
        assert_eq!(p.wake_at(5), Some(5));
        p.reset();
        assert_eq!(p.wake_at(5), None);
    }

    #[test]
    fn next_change_finds_the_first_different_tick_or_the_horizon() {
        assert_eq!(next_change_of(10, 100, |t| t / 7), 14);
        assert_eq!(next_change_of(10, 100, |_| 0), 110);
        assert_eq!(next_change_of(0, 0, |t| t), 1);
    }

    #[test]
    fn a_ring_ends_a_wait_at_once_and_is_taken() {
        let a = Alarm::default();
        a.ring();
        let far = Instant::now() + std::time::Duration::from_secs(60);
        assert!(a.wait_until(far));
        let soon = Instant::now() + std::time::Duration::from_millis(1);
        assert!(!a.wait_until(soon), "the ring was taken");
        ring_all();
        assert!(a.wait_until(far));
    }
}
