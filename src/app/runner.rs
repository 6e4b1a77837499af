//! Running ticks: as fast as possible (`--ticks N`) or in real time, paced by deadline.
//!
//! In real time tick n is due at `start + n / fps`. Deadlines are computed from the start,
//! never from the previous tick, so nothing drifts over hours; a tick that starts after
//! its deadline is counted as late and the next one is not delayed to make up for it.
//!
//! With [`Tickless`] on, the runner sleeps until the next tick at which anything can
//! change ([`WakePlan`](super::wake::WakePlan)), or until its [`Alarm`] rings (a
//! source's message, a control command, a signal, a changed file): it then runs the
//! tick whose period the ring came in, at once. The ticks in between are skipped: the
//! tick counter jumps over them, as it does over ticks a late tick missed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bevy_app::{App, AppExit, PluginsState};
use bevy_ecs::prelude::*;

use super::tick::{Fps, Paused, Tick};
use super::wake::{Alarm, Tickless, WakePlan};

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

    /// Asks the run to stop (a sleeping, tickless runner wakes for it).
    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
        super::wake::ring_all();
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
    /// Times the runner woke from sleeping (to run a tick, or rung by news).
    pub wakes: u64,
    /// Ticks skipped because nothing could change at them (tickless idle).
    pub idle: u64,
    /// Time since the run began, at the last tick.
    pub elapsed: Duration,
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
            wakes: 0,
            idle: 0,
            elapsed: Duration::ZERO,
        }
    }
}

impl Pacing {
    /// Wakes per second over the run so far (0 before the first tick).
    pub fn wakes_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.wakes as f64 / secs
        } else {
            0.0
        }
    }

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
            p.wakes = pacing.wakes;
            p.idle = pacing.idle;
            p.elapsed = pacing.elapsed;
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
    let mut run = Runner::new(app, mode);
    while run.limit.is_none_or(|l| run.n < l) && !run.stop.is_set() {
        if run.tickless && !run.skip_idle(app) {
            break;
        }
        if run.real_time {
            run.tick_in_time(app);
        } else {
            run.tick_at_once(app);
        }
        if let Some(exit) = run.after_tick(app) {
            return exit;
        }
    }
    publish(app, &run.pacing, true, None);
    AppExit::Success
}

/// The state of one [`run_ticks`]: how it keeps time and where it is.
struct Runner {
    /// Stops the run (Ctrl-C, a `stop` command).
    stop: StopFlag,
    /// Rung by news while a tickless runner sleeps.
    alarm: Alarm,
    /// Sleeps until the next tick at which anything can change.
    tickless: bool,
    /// Paced by deadline rather than as fast as possible.
    real_time: bool,
    /// One tick's length.
    period: Duration,
    /// When tick 0 was due.
    start: Instant,
    /// Ticks to run at most.
    limit: Option<u64>,
    /// What was measured so far.
    pacing: Pacing,
    /// The next runner tick.
    n: u64,
    /// The next tick to run (tickless): `None` until something is due.
    planned: Option<u64>,
    /// The lateness bucket the last tick counted in.
    bucket: Option<usize>,
    /// True until the first tick's figures are published.
    first: bool,
}

impl Runner {
    fn new(app: &mut App, mode: RunMode) -> Runner {
        let fps = app.world().get_resource::<Fps>().map_or(30, |f| f.0.max(1));
        let stop = app.world_mut().get_resource_or_init::<StopFlag>().clone();
        let alarm = app.world_mut().get_resource_or_init::<Alarm>().clone();
        let modes = app
            .world()
            .get_resource::<Tickless>()
            .copied()
            .unwrap_or_default();
        let real_time = matches!(mode, RunMode::RealTime(_));
        let tickless = if real_time {
            modes.real_time
        } else {
            modes.stepped
        };
        if tickless {
            app.world_mut().get_resource_or_init::<WakePlan>();
        }
        Runner {
            stop,
            alarm,
            tickless,
            real_time,
            period: Duration::from_secs_f64(1.0 / fps as f64),
            start: Instant::now(),
            limit: match mode {
                RunMode::Ticks(n) => Some(n),
                RunMode::RealTime(n) => n,
            },
            pacing: Pacing::default(),
            n: 0,
            planned: Some(0),
            bucket: None,
            first: true,
        }
    }

    /// Tickless: moves over the ticks at which nothing changes (sleeping to the next one
    /// due in real time). False when a stop came while sleeping.
    fn skip_idle(&mut self, app: &mut App) -> bool {
        // The last tick of a bounded run always runs (its frame is the run's last).
        let last = self.limit.map(|l| l - 1);
        let mut target = match (self.planned, last) {
            (Some(p), Some(l)) => Some(p.min(l)),
            (p, None) => p,
            (None, l) => l,
        };
        if self.real_time {
            target = Some(sleep_until_due(
                &self.alarm,
                &self.stop,
                (self.start, self.period),
                self.n,
                target,
                &mut self.pacing,
            ));
            if self.stop.is_set() {
                return false;
            }
        }
        let to = target.unwrap_or(self.n).max(self.n);
        if to > self.n {
            jump(app, to - self.n);
            self.pacing.idle += to - self.n;
            self.n = to;
        }
        true
    }

    /// Runs tick `n` at its deadline (sleeping until it unless tickless, skipping the
    /// ticks a late one missed), and measures how late its frame was.
    fn tick_in_time(&mut self, app: &mut App) {
        let pacing = &mut self.pacing;
        let mut due = self.start + self.period.mul_f64(self.n as f64);
        let mut begun = Instant::now();
        if begun < due {
            if !self.tickless {
                std::thread::sleep(due - begun);
                pacing.wakes += 1;
                begun = Instant::now();
            }
        } else {
            let late = begun - due;
            if late > Duration::from_millis(1) {
                pacing.late += 1;
            }
            pacing.max_late = pacing.max_late.max(late);
            // A whole period behind: skip the ticks that are past rather than drift.
            // Motion is a function of the tick, so the frame is the one due now.
            let mut behind = (late.as_nanos() / self.period.as_nanos().max(1)) as u64;
            if let Some(l) = self.limit {
                behind = behind.min(l.saturating_sub(self.n + 1));
            }
            if behind > 0 {
                self.n += behind;
                pacing.skipped += behind;
                jump(app, behind);
                due = self.start + self.period.mul_f64(self.n as f64);
            }
        }
        if self.tickless {
            app.world_mut().resource_mut::<WakePlan>().reset();
        }
        app.update();
        let ended = Instant::now();
        pacing.last_tick = ended.saturating_duration_since(begun);
        pacing.elapsed = ended.saturating_duration_since(self.start);
        let late = ended.saturating_duration_since(due);
        let b = ((late.as_nanos() / LATE_BUCKET.as_nanos()) as usize).min(LATE_BUCKETS - 1);
        pacing.present_late[b] += 1;
        pacing.last_bucket = Some(b);
        self.bucket = Some(b);
    }

    /// Runs tick `n` now (a run as fast as possible).
    fn tick_at_once(&mut self, app: &mut App) {
        if self.tickless {
            app.world_mut().resource_mut::<WakePlan>().reset();
        }
        let begun = Instant::now();
        app.update();
        self.pacing.last_tick = begun.elapsed();
        self.pacing.elapsed = self.start.elapsed();
    }

    /// Counts the tick, plans the next one (tickless), publishes the figures and applies
    /// the edits queued for after the tick; the exit when the app asked for one.
    fn after_tick(&mut self, app: &mut App) -> Option<AppExit> {
        self.n += 1;
        self.pacing.ticks = self.n;
        if self.tickless {
            let clock = self.real_time.then_some((self.start, self.period));
            self.planned = next_planned(app, self.n, clock);
        }
        // Published every tick so the control surfaces (state, metrics) see it live:
        // written in place (inserting a resource each tick runs its hooks), whole the
        // first time (the run's figures replace an earlier run's).
        publish(app, &self.pacing, self.first, self.bucket);
        self.first = false;
        super::after::make_queued_edits(app);
        app.should_exit()
    }
}

/// Moves the tick counter over `ticks` ticks that are not run (unless paused).
fn jump(app: &mut App, ticks: u64) {
    let moving = app
        .world()
        .get_resource::<Paused>()
        .is_none_or(|p| !p.paused);
    if moving && let Some(mut t) = app.world_mut().get_resource_mut::<Tick>() {
        t.0 += ticks;
    }
}

/// The runner tick to run after tick `n` − 1 ran, from what the tick reported: `n`
/// itself while paused, with edits queued or while anything may change every tick. An
/// instant reported due is the first tick due at or after it on `clock` (start, period)
/// in real time, `n` in a run as fast as possible.
fn next_planned(app: &App, n: u64, clock: Option<(Instant, Duration)>) -> Option<u64> {
    let world = app.world();
    let paused = world.get_resource::<Paused>().is_some_and(|p| p.paused);
    let edits = world
        .get_resource::<super::AfterTick>()
        .is_some_and(|a| !a.is_empty());
    if paused || edits {
        return Some(n);
    }
    let Some(plan) = world.get_resource::<WakePlan>() else {
        return Some(n);
    };
    let next_tick = world.get_resource::<Tick>().map_or(0, |t| t.0);
    let by_tick = plan
        .wake_at(next_tick)
        .map(|t| n + t.saturating_sub(next_tick));
    let by_time = plan.due_by().map(|at| match clock {
        Some((start, period)) => n.max(first_tick_due_by(start, period, at)),
        None => n,
    });
    match (by_tick, by_time) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The first tick due at or after `at`, tick t being due at `start + t × period`.
fn first_tick_due_by(start: Instant, period: Duration, at: Instant) -> u64 {
    let since = at.saturating_duration_since(start).as_nanos();
    u64::try_from(since.div_ceil(period.as_nanos().max(1))).unwrap_or(u64::MAX)
}

/// Sleeps (tickless, real time) until tick `target` is due, or until the alarm rings:
/// then the tick whose period the ring came in is run at once. Returns the tick to run
/// (at least `n`, the next one not run).
fn sleep_until_due(
    alarm: &Alarm,
    stop: &StopFlag,
    (start, period): (Instant, Duration),
    n: u64,
    target: Option<u64>,
    pacing: &mut Pacing,
) -> u64 {
    // Nothing planned: wake now and then anyway (cheap, and a safety net).
    const IDLE: Duration = Duration::from_secs(3600);
    let due = |t: u64| start + period.mul_f64(t as f64);
    loop {
        let now = Instant::now();
        let deadline = target.map_or(now + IDLE, due);
        if target.is_some() && deadline <= now {
            return target.unwrap_or(n).max(n);
        }
        let rung = alarm.wait_until(deadline);
        pacing.wakes += 1;
        if stop.is_set() {
            return target.unwrap_or(n).max(n);
        }
        if !rung {
            if target.is_some() {
                return target.unwrap_or(n).max(n);
            }
            continue;
        }
        // News: the tick whose period it came in (due now or within a period) takes it
        // in, at once. Its data lands at the tick it would land at in a run that wakes
        // every tick; only the frame shows sooner. A sender this wake preempted (a
        // source sends a poll's values one by one) finishes its burst first, so the
        // tick takes it whole rather than waking again for the rest.
        std::thread::yield_now();
        let now = Instant::now();
        let since = now.saturating_duration_since(start).as_nanos();
        let window = since.div_ceil(period.as_nanos().max(1)) as u64;
        if window >= n {
            return target.map_or(window, |t| t.min(window)).max(n);
        }
        // That tick ran already (early): the next one waits for its period to begin.
        // Whatever else comes meanwhile waits for it too (no wake per message).
        let now = Instant::now();
        let begins = due(n - 1);
        if now < begins {
            std::thread::sleep(begins - now);
            pacing.wakes += 1;
        }
        return n;
    }
}
