//! The render orchestrator: it paints only what changed, renders future ticks ahead on
//! worker threads while the state is stable, and drops those frames the moment a visible
//! input changes.
//!
//! After Compose has built the draw list and the damage of this tick, [`fill_from_queue`]
//! copies the damaged rectangles from a frame the workers rendered ahead, or leaves them
//! to the inline [`paint`]; [`render_ahead`] then keeps the workers busy. A queued frame is used only when the draw list is exactly what the current
//! [`Snapshot`] predicts for this tick (same widgets, places, clips, opacity and the very
//! same layers); anything else, a data change on a visible widget, a page switch, purges
//! the queue and starts a new generation. A change that only touches hidden widgets leaves
//! the draw list as predicted, so it does not purge.
//!
//! With `workers = 0` everything is painted inline. Adaptive timing: when inline painting
//! takes more than half the tick budget, the depth ahead is lowered (and raised again when
//! it is back under a quarter); the runner skips ticks rather than drift when a tick is a
//! whole period late (see [`crate::app::Pacing`]).

pub mod snapshot;
pub mod workers;

pub use workers::Workers;

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;
use bevy_tasks::futures::check_ready;
use bevy_tasks::{Task, TaskPool, TaskPoolBuilder};

use crate::app::{Fps, Tick, TickSchedule};
use crate::render::compose::{Background, DrawItem, DrawList, WidgetLayer};
use crate::render::paint::{PaintState, paint};
use crate::render::{FrameBuffer, Rect, RenderSet};

pub use self::snapshot::{Motion, MotionQuery, Snapshot};

/// Ticks to wait before trying a snapshot again after one could not be taken.
const UNFOLLOWABLE_RETRY: u64 = 8;

/// How much to render ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AheadConfig {
    /// Worker threads (0: render inline only); by default [`Workers::Auto`]'s number.
    pub workers: usize,
    /// Frames rendered ahead at most.
    pub depth: usize,
    /// How long a tick may wait for a frame a worker is still rendering before it paints
    /// inline instead (0 by default; tests use it to make hits certain).
    pub patience: Duration,
    /// Render ahead only while painting a tick inline takes at least this long on average
    /// ([`DEFAULT_ENGAGE_ABOVE`] by default): below it, waking a worker costs more CPU than
    /// the frame it saves. 0 renders ahead whenever the state allows.
    pub engage_above: Duration,
}

/// The default paint time above which render-ahead engages: 500 µs, 1.5 % of a 30 fps tick.
pub const DEFAULT_ENGAGE_ABOVE: Duration = Duration::from_micros(500);

impl Default for AheadConfig {
    fn default() -> Self {
        AheadConfig {
            workers: Workers::Auto.resolve(),
            depth: 4,
            patience: Duration::ZERO,
            engage_above: DEFAULT_ENGAGE_ABOVE,
        }
    }
}

/// Counters of the orchestrator's work.
#[derive(Debug, Default)]
pub struct AheadStats {
    /// Ticks whose frame came from the queue.
    pub hits: AtomicU64,
    /// Ticks painted inline while render-ahead was on.
    pub misses: AtomicU64,
    /// Times the queue was thrown away because a visible input changed.
    pub purges: AtomicU64,
    /// Frames rendered (or being rendered) ahead and never used.
    pub dropped: AtomicU64,
    /// Times adaptive timing lowered the depth.
    pub depth_cuts: AtomicU64,
}

impl AheadStats {
    /// Reads a counter.
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}

/// A frame a worker is rendering.
struct Job {
    generation: u64,
    tick: u64,
    task: Task<FrameBuffer>,
}

/// The orchestrator's state (a resource).
#[derive(Resource)]
pub struct RenderAhead {
    config: AheadConfig,
    pool: Option<TaskPool>,
    stopped: bool,
    snapshot: Option<Arc<Snapshot>>,
    generation: u64,
    queue: BTreeMap<u64, FrameBuffer>,
    in_flight: VecDeque<Job>,
    next: u64,
    free: Arc<Mutex<Vec<FrameBuffer>>>,
    depth_now: usize,
    paint_ewma_ns: f64,
    cooldown: u64,
    resume_at: u64,
    hits_this_generation: u64,
    engaged: bool,
    /// This tick's damage was checked against the snapshot (an inline paint is a miss).
    checked: bool,
    /// Ticks before this one are rendered ahead whether or not render-ahead is engaged
    /// ([`RenderAhead::render_ahead`]).
    burst_until: u64,
    /// The tick the orchestrator last ran at.
    tick: u64,
    stats: Arc<AheadStats>,
}

impl RenderAhead {
    /// An orchestrator with `config`. Its worker threads start the first time it renders
    /// ahead, so making one costs nothing and a light scene never starts them.
    pub fn new(config: AheadConfig) -> RenderAhead {
        RenderAhead {
            config,
            pool: None,
            stopped: false,
            snapshot: None,
            generation: 0,
            queue: BTreeMap::new(),
            in_flight: VecDeque::new(),
            next: 0,
            free: Arc::new(Mutex::new(Vec::new())),
            depth_now: config.depth.max(1),
            paint_ewma_ns: 0.0,
            burst_until: 0,
            tick: 0,
            cooldown: 1,
            resume_at: 0,
            hits_this_generation: 0,
            checked: false,
            engaged: config.engage_above.is_zero(),
            stats: Arc::new(AheadStats::default()),
        }
    }

    /// The counters.
    pub fn stats(&self) -> Arc<AheadStats> {
        self.stats.clone()
    }

    fn active(&self) -> bool {
        !self.stopped && self.config.workers > 0 && self.config.depth > 0
    }

    /// The worker pool, started on first use.
    fn pool(&mut self) -> &TaskPool {
        let workers = self.config.workers.max(1);
        self.pool.get_or_insert_with(|| {
            TaskPoolBuilder::new()
                .num_threads(workers)
                .thread_name("tinydisplay-render".into())
                .build()
        })
    }

    /// True while painting is slow enough for rendering ahead to pay (see
    /// [`AheadConfig::engage_above`]).
    pub fn engaged(&self) -> bool {
        self.engaged
    }

    /// Engages when the average inline paint reaches the threshold, and lets go (purging)
    /// when it falls under half of it.
    fn follow_engagement(&mut self, tick: u64) {
        let threshold = self.config.engage_above.as_nanos() as f64;
        if threshold == 0.0 {
            return;
        }
        if !self.engaged && self.paint_ewma_ns >= threshold {
            self.engaged = true;
        } else if self.engaged && self.paint_ewma_ns < threshold / 2.0 {
            self.engaged = false;
            if !self.bursting(tick) {
                self.purge(tick);
            }
        }
    }

    /// Forgets everything rendered ahead (the scene was swapped or the tick went back):
    /// the next snapshot is taken from the next tick on.
    pub fn restart(&mut self) {
        self.purge(0);
        self.cooldown = 1;
        self.resume_at = 0;
        self.next = 0;
    }

    /// Throws away every frame rendered ahead and every one being rendered (a plugin that
    /// knows the picture is about to change); rendering ahead resumes at the next tick.
    pub fn purge_queue(&mut self) {
        self.purge(self.tick);
        self.cooldown = 1;
        self.resume_at = 0;
        self.burst_until = 0;
    }

    /// Renders the next `ticks` ticks ahead now, whether or not painting is slow enough for
    /// render-ahead to engage by itself (see [`AheadConfig::engage_above`]), at most as deep
    /// as that asks and as far as the motion can be predicted; a change on screen purges
    /// them as usual. Nothing happens with no workers.
    pub fn render_ahead(&mut self, ticks: usize) {
        self.burst_until = self.tick.saturating_add(1 + ticks as u64);
    }

    /// Frames rendered ahead at most from now on (0 renders inline); a lower depth drops
    /// what is queued beyond it.
    pub fn set_depth(&mut self, depth: usize) {
        if depth < self.config.depth {
            self.purge_queue();
        }
        self.config.depth = depth;
        self.depth_now = self.depth_now.min(depth).max(1);
    }

    /// Worker threads from now on (0 renders inline): the queue is purged and the pool
    /// restarted with that many threads the next time it renders ahead.
    pub fn set_workers(&mut self, workers: usize) {
        if workers == self.config.workers {
            return;
        }
        self.purge_queue();
        self.pool = None;
        self.config.workers = workers;
    }

    /// The settings in force (depth and workers as last set).
    pub fn config(&self) -> AheadConfig {
        self.config
    }

    /// Frames rendered ahead and waiting for their tick.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// True while a [`RenderAhead::render_ahead`] request runs.
    fn bursting(&self, tick: u64) -> bool {
        tick < self.burst_until
    }

    /// Throws the queue away and starts a new generation.
    fn purge(&mut self, tick: u64) {
        if self.snapshot.take().is_some() {
            self.stats.purges.fetch_add(1, Ordering::Relaxed);
            // A snapshot that never paid for itself: wait longer before the next one.
            self.cooldown = if self.hits_this_generation == 0 {
                (self.cooldown * 2).min(32)
            } else {
                1
            };
            self.resume_at = tick + self.cooldown;
        }
        self.generation += 1;
        self.hits_this_generation = 0;
        // Dropping a task cancels it if it has not started.
        self.stats
            .dropped
            .fetch_add(self.in_flight.len() as u64, Ordering::Relaxed);
        self.in_flight.clear();
        let n = self.queue.len() as u64;
        self.stats.dropped.fetch_add(n, Ordering::Relaxed);
        let frames: Vec<FrameBuffer> = std::mem::take(&mut self.queue).into_values().collect();
        self.recycle_all(frames);
    }

    fn recycle_all(&self, frames: impl IntoIterator<Item = FrameBuffer>) {
        if let Ok(mut free) = self.free.lock() {
            free.extend(frames);
        }
    }

    /// Takes finished frames from the workers; waits up to the patience for `want`.
    fn collect(&mut self, want: Option<u64>) {
        let deadline = Instant::now() + self.config.patience;
        loop {
            let mut i = 0;
            while i < self.in_flight.len() {
                let Some(frame) = check_ready(&mut self.in_flight[i].task) else {
                    i += 1;
                    continue;
                };
                if let Some(job) = self.in_flight.remove(i) {
                    if job.generation == self.generation {
                        self.queue.insert(job.tick, frame);
                    } else {
                        self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                        self.recycle_all([frame]);
                    }
                }
            }
            let waiting = want.is_some_and(|t| {
                !self.queue.contains_key(&t) && self.in_flight.iter().any(|j| j.tick == t)
            });
            if !waiting || Instant::now() >= deadline {
                return;
            }
            std::thread::sleep(Duration::from_micros(20));
        }
    }

    /// Forgets queued frames and unfinished jobs for ticks up to `tick`: they are of no use.
    fn drop_past(&mut self, tick: u64) {
        while let Some((&k, _)) = self.queue.first_key_value() {
            if k > tick {
                break;
            }
            if let Some(f) = self.queue.remove(&k) {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                self.recycle_all([f]);
            }
        }
        let before = self.in_flight.len();
        self.in_flight.retain(|j| j.tick > tick);
        let late = (before - self.in_flight.len()) as u64;
        self.stats.dropped.fetch_add(late, Ordering::Relaxed);
    }

    /// Starts workers on the ticks after `tick`, up to the allowed depth.
    fn schedule(&mut self, tick: u64) {
        let Some(snap) = self.snapshot.clone() else {
            return;
        };
        if snap.moving.is_empty() || !self.active() {
            // Nothing moves by itself: every later frame would be this one.
            return;
        }
        self.next = self.next.max(tick + 1);
        let depth = if self.bursting(tick) {
            let wanted = usize::try_from(self.burst_until - tick - 1).unwrap_or(usize::MAX);
            self.depth_now.max(wanted).min(self.config.depth)
        } else {
            self.depth_now
        };
        while self.in_flight.len() + self.queue.len() < depth && self.next <= tick + depth as u64 {
            let (snap, free, t) = (snap.clone(), self.free.clone(), self.next);
            let generation = snap.generation;
            let task = self.pool().spawn(async move {
                let mut frame = free
                    .lock()
                    .ok()
                    .and_then(|mut f| f.pop())
                    .unwrap_or_else(|| FrameBuffer::new(1, 1, snap.base.mode()));
                let mut scratch: Vec<DrawItem> = Vec::new();
                snap.render(t, &mut frame, &mut scratch);
                frame
            });
            self.in_flight.push_back(Job {
                generation,
                tick: t,
                task,
            });
            self.next += 1;
        }
    }

    /// Adaptive timing: follow how long inline painting takes against the tick budget.
    fn note_paint_time(&mut self, took: Duration, budget: Duration) {
        let ns = took.as_nanos() as f64;
        self.paint_ewma_ns = 0.9 * self.paint_ewma_ns + 0.1 * ns;
        let budget = budget.as_nanos() as f64;
        if self.paint_ewma_ns > budget / 2.0 && self.depth_now > 1 {
            self.depth_now -= 1;
            self.stats.depth_cuts.fetch_add(1, Ordering::Relaxed);
        } else if self.paint_ewma_ns < budget / 4.0 && self.depth_now < self.config.depth {
            self.depth_now += 1;
        }
    }

    /// Stops the workers: purges, and joins the pool's threads.
    pub fn shutdown(&mut self) {
        self.purge(0);
        self.pool = None;
        self.stopped = true;
    }
}

impl Default for RenderAhead {
    fn default() -> Self {
        RenderAhead::new(AheadConfig::default())
    }
}

/// What this tick's frame is drawn from: the tick, the background, the draw list and the
/// widgets' layers (what a snapshot freezes and a prediction compares).
#[derive(bevy_ecs::system::SystemParam)]
pub struct DrawInputs<'w, 's> {
    /// The tick being drawn.
    tick: Res<'w, Tick>,
    /// The colour under every widget.
    background: Res<'w, Background>,
    /// The visible widgets in paint order.
    list: Res<'w, DrawList>,
    /// The widgets' layers.
    layers: Query<'w, 's, &'static WidgetLayer>,
}

/// Before [`paint`]: when the state is as predicted, fills this tick's damage from a
/// frame rendered ahead (paint then leaves it); when it is not, purges the queue.
pub fn fill_from_queue(
    mut fb: ResMut<FrameBuffer>,
    input: DrawInputs,
    mut ahead: ResMut<RenderAhead>,
    mut state: ResMut<PaintState>,
    mut damage: Local<Vec<Rect>>,
) {
    let ahead = ahead.bypass_change_detection();
    ahead.checked = false;
    // An idle tick paints nothing and needs no frame: its prediction is not even checked
    // (the next tick with damage checks its own).
    let t = input.tick.0;
    ahead.tick = t;
    if !ahead.active() || !(ahead.engaged || ahead.bursting(t)) || fb.damage().is_empty() {
        return;
    }
    let predicted = ahead
        .snapshot
        .as_ref()
        .map(|s| s.predicts(&input.list, t, input.background.0, &input.layers));
    ahead.checked = predicted.is_some();
    match predicted {
        Some(true) => {
            ahead.collect(Some(t));
            if let Some(frame) = ahead.queue.remove(&t) {
                damage.clear();
                damage.extend_from_slice(fb.damage());
                for r in damage.iter() {
                    fb.copy_rect(&frame, *r);
                }
                ahead.recycle_all([frame]);
                ahead.stats.hits.fetch_add(1, Ordering::Relaxed);
                ahead.hits_this_generation += 1;
                state.filled = true;
            }
        }
        Some(false) => ahead.purge(t),
        None => {}
    }
}

/// After [`paint`]: times an inline paint (render-ahead engages only while painting is
/// slow), then keeps the workers busy rendering the ticks to come.
pub fn render_ahead(
    fb: Res<FrameBuffer>,
    input: DrawInputs,
    fps: Option<Res<Fps>>,
    motion: MotionQuery,
    mut ahead: ResMut<RenderAhead>,
    state: Res<PaintState>,
) {
    if !ahead.active() {
        return;
    }
    let t = input.tick.0;
    let ahead = &mut *ahead;
    ahead.tick = t;
    let bursting = ahead.bursting(t);
    if let Some(took) = state.inline {
        let budget = Duration::from_secs_f64(1.0 / f64::from(fps.map_or(30, |f| f.0.max(1))));
        let was_engaged = ahead.engaged;
        if ahead.checked {
            ahead.stats.misses.fetch_add(1, Ordering::Relaxed);
        }
        ahead.note_paint_time(took, budget);
        ahead.follow_engagement(t);
        if (!was_engaged || !ahead.engaged) && !bursting {
            return;
        }
    } else if !ahead.engaged && !bursting {
        return;
    }
    ahead.collect(None);
    ahead.drop_past(t);
    if ahead.snapshot.is_none() && t >= ahead.resume_at {
        ahead.snapshot = Snapshot::take(
            ahead.generation,
            t,
            input.background.0,
            &input.list,
            &fb,
            &input.layers,
            &motion,
        )
        .map(Arc::new);
        ahead.next = t + 1;
        if ahead.snapshot.is_none() {
            // Something moves in a way a snapshot cannot follow; look again later.
            ahead.resume_at = t + UNFOLLOWABLE_RETRY;
        }
    }
    ahead.schedule(t);
}

/// While render-ahead is engaged (painting is slow, something moves every tick) the
/// runner wakes every tick: its workers' frames are taken tick by tick (tickless idle).
pub fn plan_wake(ahead: Res<RenderAhead>, mut plan: ResMut<crate::app::WakePlan>) {
    if ahead.active() && ahead.engaged {
        plan.every_tick();
    }
}

/// Adds render-ahead around the paint step, as configured by a [`RenderAhead`] resource
/// inserted before it (else the default: one worker, four frames). Without this plugin
/// every tick is painted inline.
#[derive(Debug, Default, Clone, Copy)]
pub struct AheadPlugin;

impl Plugin for AheadPlugin {
    fn build(&self, app: &mut App) {
        if !app.world().contains_resource::<RenderAhead>() {
            app.insert_resource(RenderAhead::new(AheadConfig::default()));
        }
        app.add_systems(
            TickSchedule,
            (fill_from_queue.before(paint), render_ahead.after(paint)).in_set(RenderSet::Paint),
        );
        app.add_systems(TickSchedule, plan_wake.in_set(crate::app::PlanWake));
        app.add_systems(
            crate::app::Shutdown,
            (|ahead: Option<ResMut<RenderAhead>>| {
                if let Some(mut a) = ahead {
                    a.shutdown();
                }
            })
            .in_set(crate::app::ShutdownSet::Render),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_painting_lowers_the_depth_and_fast_painting_restores_it() {
        let mut ahead = RenderAhead::new(AheadConfig {
            workers: 1,
            depth: 4,
            patience: Duration::ZERO,
            engage_above: Duration::ZERO,
        });
        let budget = Duration::from_millis(33);
        for _ in 0..40 {
            ahead.note_paint_time(Duration::from_millis(25), budget);
        }
        assert_eq!(ahead.depth_now, 1, "the depth went down to one frame");
        assert_eq!(AheadStats::get(&ahead.stats.depth_cuts), 3);
        for _ in 0..80 {
            ahead.note_paint_time(Duration::from_micros(100), budget);
        }
        assert_eq!(ahead.depth_now, 4, "the depth came back");
        ahead.shutdown();
    }

    #[test]
    fn render_ahead_engages_only_while_painting_is_slow() {
        let mut ahead = RenderAhead::new(AheadConfig::default());
        let budget = Duration::from_millis(33);
        assert!(!ahead.engaged(), "a new orchestrator paints inline");
        for t in 0..50 {
            ahead.note_paint_time(Duration::from_micros(20), budget);
            ahead.follow_engagement(t);
        }
        assert!(!ahead.engaged(), "20 µs paints do not pay for a worker");
        for t in 50..100 {
            ahead.note_paint_time(Duration::from_millis(2), budget);
            ahead.follow_engagement(t);
        }
        assert!(ahead.engaged(), "2 ms paints engage render-ahead");
        for t in 100..200 {
            ahead.note_paint_time(Duration::from_micros(20), budget);
            ahead.follow_engagement(t);
        }
        assert!(!ahead.engaged(), "cheap again: it lets go");
        ahead.shutdown();
    }
}
