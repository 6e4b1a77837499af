//! Running ticks: as fast as possible (`--ticks N`) or in real time, paced by deadline.
//!
//! In real time tick n is due at `start + n / fps`. Deadlines are computed from the start,
//! never from the previous tick, so nothing drifts over hours; a tick that starts after
//! its deadline is counted as late and the next one is not delayed to make up for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bevy_app::{App, AppExit, PluginsState};
use bevy_ecs::prelude::*;

use super::tick::{Fps, Paused, Tick};

/// How long to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// Exactly this many ticks, as fast as possible, no sleeping.
    Ticks(u64),
    /// Paced at the scene's fps until stopped (Ctrl-C), or for at most this many ticks.
    RealTime(Option<u64>),
}

/// Set to stop a real-time run at the end of the current tick (Ctrl-C sets it).
#[derive(Resource, Debug, Clone, Default)]
pub struct StopFlag(pub Arc<AtomicBool>);

impl StopFlag {
    /// True once a stop was asked for.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Asks the run to stop.
    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// What the runner measured about keeping time (real-time runs).
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// Ticks run.
    pub ticks: u64,
    /// Ticks that started after their deadline (by more than a millisecond).
    pub late: u64,
    /// The worst lateness seen.
    pub max_late: Duration,
    /// Ticks skipped because a tick was a whole period late (time is kept, not drifted).
    pub skipped: u64,
    /// How late each tick's frame was presented (the tick's end against its deadline), in
    /// 50 µs buckets; the last bucket holds everything from 10 ms up.
    pub present_late: [u32; LATE_BUCKETS],
    /// The bucket of `present_late` the last real-time tick counted in.
    pub last_bucket: Option<usize>,
    /// How long the last tick's schedule took (its `app.update()`).
    pub last_tick: Duration,
}

/// Buckets of [`Pacing::present_late`].
pub const LATE_BUCKETS: usize = 201;
/// Width of one bucket.
pub const LATE_BUCKET: Duration = Duration::from_micros(50);

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            ticks: 0,
            late: 0,
            max_late: Duration::ZERO,
            skipped: 0,
            present_late: [0; LATE_BUCKETS],
            last_bucket: None,
            last_tick: Duration::ZERO,
        }
    }
}

impl Pacing {
    /// The present lateness below which fraction `q` (0..=1) of the ticks fall (upper
    /// edge of the bucket; None before any real-time tick).
    pub fn present_late_quantile(&self, q: f64) -> Option<Duration> {
        let total: u64 = self.present_late.iter().map(|&c| u64::from(c)).sum();
        if total == 0 {
            return None;
        }
        let want = (q * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &c) in self.present_late.iter().enumerate() {
            seen += u64::from(c);
            if seen >= want {
                return Some(LATE_BUCKET * (i as u32 + 1));
            }
        }
        Some(LATE_BUCKET * LATE_BUCKETS as u32)
    }
}

/// Puts `pacing` in the world, in place when it is there already. Unless `whole`, of
/// the lateness buckets only `bucket` (the one this tick counted in) is copied.
fn publish(app: &mut App, pacing: &Pacing, whole: bool, bucket: Option<usize>) {
    match app.world_mut().get_resource_mut::<Pacing>() {
        Some(mut p) if !whole => {
            p.ticks = pacing.ticks;
            p.late = pacing.late;
            p.max_late = pacing.max_late;
            p.skipped = pacing.skipped;
            p.last_bucket = bucket;
            p.last_tick = pacing.last_tick;
            if let Some(b) = bucket {
                p.present_late[b] = pacing.present_late[b];
            }
        }
        Some(mut p) => *p = *pacing,
        None => {
            app.world_mut().insert_resource(*pacing);
        }
    }
}

/// Runs the app's tick schedule according to `mode`, then returns (sinks finish on exit).
pub fn run_ticks(app: &mut App, mode: RunMode) -> AppExit {
    if app.plugins_state() == PluginsState::Ready {
        app.finish();
        app.cleanup();
    }
    let fps = app.world().get_resource::<Fps>().map_or(30, |f| f.0.max(1));
    let stop = app.world_mut().get_resource_or_init::<StopFlag>().clone();
    let period = Duration::from_secs_f64(1.0 / fps as f64);
    let start = Instant::now();
    let limit = match mode {
        RunMode::Ticks(n) => Some(n),
        RunMode::RealTime(n) => n,
    };
    let mut pacing = Pacing::default();
    let mut n: u64 = 0;
    let mut bucket = None;
    let mut first = true;
    while limit.is_none_or(|l| n < l) && !stop.is_set() {
        if let RunMode::RealTime(_) = mode {
            let mut due = start + period.mul_f64(n as f64);
            let mut begun = Instant::now();
            if begun < due {
                std::thread::sleep(due - begun);
                begun = Instant::now();
            } else {
                let late = begun - due;
                if late > Duration::from_millis(1) {
                    pacing.late += 1;
                }
                pacing.max_late = pacing.max_late.max(late);
                // A whole period behind: skip the ticks that are past rather than drift.
                // Motion is a function of the tick, so the frame is the one due now.
                let mut behind = (late.as_nanos() / period.as_nanos().max(1)) as u64;
                if let Some(l) = limit {
                    behind = behind.min(l.saturating_sub(n + 1));
                }
                if behind > 0 {
                    n += behind;
                    pacing.skipped += behind;
                    let moving = app
                        .world()
                        .get_resource::<Paused>()
                        .is_none_or(|p| !p.paused);
                    if moving && let Some(mut t) = app.world_mut().get_resource_mut::<Tick>() {
                        t.0 += behind;
                    }
                    due = start + period.mul_f64(n as f64);
                }
            }
            app.update();
            let ended = Instant::now();
            pacing.last_tick = ended.saturating_duration_since(begun);
            let late = ended.saturating_duration_since(due);
            let b = ((late.as_nanos() / LATE_BUCKET.as_nanos()) as usize).min(LATE_BUCKETS - 1);
            pacing.present_late[b] += 1;
            pacing.last_bucket = Some(b);
            bucket = Some(b);
        } else {
            let begun = Instant::now();
            app.update();
            pacing.last_tick = begun.elapsed();
        }
        n += 1;
        pacing.ticks = n;
        // Published every tick so the control surfaces (state, metrics) see it live:
        // written in place (inserting a resource each tick runs its hooks), whole the
        // first time (the run's figures replace an earlier run's).
        publish(app, &pacing, first, bucket);
        first = false;
        super::after::make_queued_edits(app);
        if let Some(exit) = app.should_exit() {
            return exit;
        }
    }
    publish(app, &pacing, true, None);
    AppExit::Success
}
