//! The way out: a read-only picture of the engine (state and dataset), published at
//! `Present`, that surfaces read without touching the world.
//!
//! The tick writes the state in place (numbers, and the lists only when they changed) and
//! a reader copies it out when it asks; the tick pays neither for building a whole new
//! state each tick nor for waking the surfaces each tick. Watchers are told of a change
//! at once when more than the tick's own counters changed, else at most every
//! [`SIGNAL_EVERY`] while the engine runs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use bevy_ecs::prelude::*;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

use crate::ahead::{AheadStats, RenderAhead};
use crate::app::{Fps, Pacing, Paused, Tick};
use crate::data::Dataset;
use crate::panel::power::PanelPower;
use crate::scene::WidgetName;
use crate::scene::swap::ActiveScene;
use crate::sink::panel::PanelStats;
use crate::widget::sequence::{Page, Sequence};

/// The engine as surfaces see it (`GET /api/state`, the broker's `state` topic).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct State {
    /// The tick being shown.
    pub tick: u64,
    /// Ticks per second asked for.
    pub fps: u32,
    /// Ticks run per second, measured over the last second or so.
    pub fps_achieved: f64,
    /// True while paused.
    pub paused: bool,
    /// Ticks still to step while paused.
    pub steps_pending: u64,
    /// Ticks skipped because the engine fell a whole period behind.
    pub skipped_ticks: u64,
    /// Ticks that started late.
    pub late_ticks: u64,
    /// The page each sequence shows.
    pub pages: Vec<PageState>,
    /// Render-ahead counters.
    pub render_ahead: AheadState,
    /// Per panel counters.
    pub panels: Vec<PanelState>,
    /// Source health by source name (from the `_source.<name>.*` keys).
    pub sources: BTreeMap<String, SourceState>,
    /// Keys in the dataset.
    pub dataset_keys: usize,
    /// True while the panel sleeps.
    pub asleep: bool,
    /// The running scene and the problems of the last reload, if it failed.
    pub scene: SceneStatus,
}

/// Which page a sequence shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PageState {
    /// The sequence's `name`, if it has one.
    pub sequence: Option<String>,
    /// Index of the page shown.
    pub index: usize,
    /// That page's `name`, if it has one.
    pub page: Option<String>,
    /// How many pages the sequence has.
    pub pages: usize,
}

/// Render-ahead counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AheadState {
    /// Frames taken from the queue.
    pub hits: u64,
    /// Frames rendered inline although a prediction existed.
    pub misses: u64,
    /// Queue purges (a change the snapshot did not predict).
    pub purges: u64,
    /// Frames thrown away.
    pub dropped: u64,
}

/// One panel's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PanelState {
    /// The panel and its bus.
    pub name: String,
    /// Frames sent.
    pub frames: u64,
    /// Bytes sent.
    pub bytes: u64,
    /// Frames replaced before they were sent.
    pub dropped: u64,
    /// Failed transfers.
    pub errors: u64,
    /// Initialisations (re-inits after errors included).
    pub inits: u64,
}

/// One source's health.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SourceState {
    /// Whether its last attempt succeeded.
    pub ok: bool,
    /// Its last error.
    pub last_error: Option<String>,
    /// Consecutive failures.
    pub failures: u64,
    /// Tick of its last success.
    pub last_ok_tick: Option<u64>,
    /// Wall time of its last success (seconds since 1970).
    pub last_ok_at: Option<f64>,
}

/// The running scene and the outcome of the last reload (a resource too).
#[derive(Resource, Debug, Clone, Default, PartialEq, Serialize)]
pub struct SceneStatus {
    /// The scene file.
    pub path: String,
    /// Times a new scene was swapped in.
    pub reloads: u64,
    /// Every problem of the last reload that failed (empty when the last one loaded).
    pub problems: Vec<String>,
}

/// The panels whose counters the state shows (filled by whoever opens them).
#[derive(Resource, Debug, Default, Clone)]
pub struct PanelList(pub Vec<(String, Arc<PanelStats>)>);

/// One dataset key as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataItem {
    /// The value.
    pub value: Value,
    /// The tick it last changed.
    pub tick: u64,
    /// The publication it last changed in (goes up with [`Published::data_version`]).
    pub seq: u64,
}

/// What the engine publishes for surfaces: the state (watch it for changes) and a copy
/// of the dataset kept up to date with the keys that changed.
pub struct Published {
    state: Mutex<State>,
    /// Counts the changes watchers were told of.
    changes: watch::Sender<u64>,
    data: RwLock<BTreeMap<String, DataItem>>,
    data_version: AtomicU64,
    /// Tick durations and present lateness, for `/metrics`.
    pub timing: super::metrics::Timing,
    /// Set while no surface holds a sender: the next publication is a whole one.
    unwatched: AtomicBool,
}

impl Default for Published {
    fn default() -> Self {
        Published {
            state: Mutex::new(State::default()),
            changes: watch::Sender::new(0),
            data: RwLock::new(BTreeMap::new()),
            data_version: AtomicU64::new(0),
            timing: super::metrics::Timing::default(),
            unwatched: AtomicBool::new(true),
        }
    }
}

impl Published {
    /// The latest state (a copy).
    pub fn state(&self) -> Arc<State> {
        Arc::new(
            self.state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }

    /// A receiver that wakes when the state changed: at once when more than the tick's
    /// counters changed, else at most every [`SIGNAL_EVERY`] while the engine runs.
    /// Read the state itself with [`Published::state`].
    pub fn watch_state(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// The dataset's keys starting with `prefix` (all for ""), in key order.
    pub fn data(&self, prefix: &str) -> BTreeMap<String, DataItem> {
        let Ok(d) = self.data.read() else {
            return BTreeMap::new();
        };
        d.range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The keys that changed after publication `seq` (see [`DataItem::seq`]).
    pub fn changed_since(&self, seq: u64) -> BTreeMap<String, DataItem> {
        let Ok(d) = self.data.read() else {
            return BTreeMap::new();
        };
        d.iter()
            .filter(|(_, v)| v.seq > seq)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Goes up by one whenever a published key changes.
    pub fn data_version(&self) -> u64 {
        self.data_version.load(Ordering::Relaxed)
    }
}

/// When this tick's schedule started (set first thing at `Ingest`).
#[derive(Resource, Debug, Clone, Copy)]
pub struct TickStart(pub Instant);

/// Notes when the tick starts, for the tick duration metric.
pub fn mark_tick_start(mut start: ResMut<TickStart>) {
    start.0 = Instant::now();
}

impl Default for TickStart {
    fn default() -> Self {
        TickStart(Instant::now())
    }
}

/// What the publisher remembers between ticks.
#[derive(Default)]
pub struct Publisher {
    late_seen: super::metrics::LateSeen,
    window: Option<(Instant, u64)>,
    updates: u64,
    fps_achieved: f64,
    /// When watchers were last told of a change.
    signalled: Option<Instant>,
}

/// How often watchers are told of a state in which only the tick's counters moved.
pub const SIGNAL_EVERY: Duration = Duration::from_millis(100);

/// The parts of the state a watcher hears of at once when they change.
#[derive(PartialEq)]
struct Salient {
    paused: bool,
    steps_pending: u64,
    skipped_ticks: u64,
    dataset_keys: usize,
    asleep: bool,
    panel_errors: u64,
}

impl Salient {
    fn of(s: &State) -> Salient {
        Salient {
            paused: s.paused,
            steps_pending: s.steps_pending,
            skipped_ticks: s.skipped_ticks,
            dataset_keys: s.dataset_keys,
            asleep: s.asleep,
            panel_errors: s.panels.iter().map(|p| p.errors + p.inits).sum(),
        }
    }
}

/// Whether any surface holds a sender (the run condition of [`publish`]: with nobody to
/// read it, nothing is published, and the first publication after is a whole one).
pub fn surface_attached(inbox: Res<super::ControlInbox>) -> bool {
    let published = inbox.published();
    let attached = Arc::strong_count(published) > 1;
    if !attached {
        published.unwatched.store(true, Ordering::Relaxed);
    }
    attached
}

/// Publishes the state and the dataset's changes; runs at `Present`.
#[allow(
    clippy::too_many_arguments,
    clippy::type_complexity,
    reason = "a system's parameters are its inputs"
)]
pub fn publish(
    inbox: Res<super::ControlInbox>,
    (tick, fps, paused, pacing, started): (
        Res<Tick>,
        Res<Fps>,
        Res<Paused>,
        Option<Res<Pacing>>,
        Option<Res<TickStart>>,
    ),
    data: Res<Dataset>,
    ahead: Option<Res<RenderAhead>>,
    panels: Option<Res<PanelList>>,
    power: Option<Res<PanelPower>>,
    (scene, active): (Option<Res<SceneStatus>>, Option<Res<ActiveScene>>),
    seqs: Query<(&Sequence, Option<&WidgetName>, &Children)>,
    pages: Query<Option<&WidgetName>, With<Page>>,
    moved_pages: Query<(), Or<(Changed<Sequence>, Changed<Children>)>>,
    mut me: Local<Publisher>,
) {
    let published = inbox.published();
    if let Some(s) = started {
        published.timing.tick.observe(s.0.elapsed().as_secs_f64());
    }
    if let Some(p) = &pacing {
        published.timing.observe_late(p, &mut me.late_seen);
    }
    let full = published.unwatched.swap(false, Ordering::Relaxed);
    let health = if full || !data.changed().is_empty() {
        sync_data(published, &data, full)
    } else {
        None
    };
    let now = Instant::now();
    me.count_update(now);
    let scene_moved = full
        || scene.as_ref().is_none_or(|s| s.is_changed())
        || active.as_ref().is_none_or(|a| a.is_changed());
    let mut guard = published
        .state
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let state = &mut *guard;
    let before = Salient::of(state);
    let ticked = state.tick != tick.0;
    state.tick = tick.0;
    state.fps = fps.0;
    state.fps_achieved = me.fps_achieved;
    state.paused = paused.paused;
    state.steps_pending = paused.steps;
    state.skipped_ticks = pacing.as_ref().map_or(0, |p| p.skipped);
    state.late_ticks = pacing.as_ref().map_or(0, |p| p.late);
    state.render_ahead = AheadState::of(ahead.as_deref());
    update_panels(&mut state.panels, panels.as_deref());
    state.dataset_keys = data.len();
    state.asleep = power.is_some_and(|p| p.asleep);
    let mut salient = Salient::of(state) != before;
    if let Some(h) = health {
        salient |= state.sources != h;
        state.sources = h;
    }
    if scene_moved || !moved_pages.is_empty() {
        let shown = page_states(&seqs, &pages);
        salient |= state.pages != shown;
        state.pages = shown;
    }
    if scene_moved {
        let status = scene_status(scene.as_deref(), active.as_deref());
        salient |= state.scene != status;
        state.scene = status;
    }
    drop(guard);
    let due = ticked && me.signalled.is_none_or(|t| now - t >= SIGNAL_EVERY);
    if salient || due {
        me.signalled = Some(now);
        published.changes.send_modify(|n| *n += 1);
    }
}

/// The scene's status as the state shows it: the running scene's path when the status
/// has none.
fn scene_status(scene: Option<&SceneStatus>, active: Option<&ActiveScene>) -> SceneStatus {
    match (scene, active) {
        (Some(s), Some(a)) if s.path.is_empty() => SceneStatus {
            path: a.0.path.display().to_string(),
            ..s.clone()
        },
        (Some(s), _) => s.clone(),
        (None, _) => SceneStatus::default(),
    }
}

/// Brings each panel's counters up to date in place (the list again when it changed).
fn update_panels(shown: &mut Vec<PanelState>, panels: Option<&PanelList>) {
    let Some(panels) = panels else {
        shown.clear();
        return;
    };
    let same = shown.len() == panels.0.len()
        && shown
            .iter()
            .zip(&panels.0)
            .all(|(s, (name, _))| s.name == *name);
    if !same {
        *shown = panel_states(panels);
        return;
    }
    for (s, (_, stats)) in shown.iter_mut().zip(&panels.0) {
        s.frames = PanelStats::get(&stats.frames);
        s.bytes = PanelStats::get(&stats.bytes);
        s.dropped = PanelStats::get(&stats.dropped);
        s.errors = PanelStats::get(&stats.errors);
        s.inits = PanelStats::get(&stats.inits);
    }
}

impl Publisher {
    /// Counts one more update at `now`, and the updates per second once a second.
    fn count_update(&mut self, now: Instant) {
        self.updates += 1;
        match self.window {
            None => self.window = Some((now, self.updates)),
            Some((start, n0)) => {
                let dt = now.duration_since(start).as_secs_f64();
                if dt >= 1.0 {
                    self.fps_achieved = ((self.updates - n0) as f64 / dt * 10.0).round() / 10.0;
                    self.window = Some((now, self.updates));
                }
            }
        }
    }
}

impl AheadState {
    /// Render-ahead's counters now (zeros without render-ahead).
    fn of(ahead: Option<&RenderAhead>) -> AheadState {
        let stats = ahead.map(|a| a.stats());
        let get = |f: fn(&AheadStats) -> &AtomicU64| {
            stats.as_ref().map_or(0, |s| AheadStats::get(f(s.as_ref())))
        };
        AheadState {
            hits: get(|s| &s.hits),
            misses: get(|s| &s.misses),
            purges: get(|s| &s.purges),
            dropped: get(|s| &s.dropped),
        }
    }
}

/// Each panel's counters now.
fn panel_states(panels: &PanelList) -> Vec<PanelState> {
    panels
        .0
        .iter()
        .map(|(name, s)| PanelState {
            name: name.clone(),
            frames: PanelStats::get(&s.frames),
            bytes: PanelStats::get(&s.bytes),
            dropped: PanelStats::get(&s.dropped),
            errors: PanelStats::get(&s.errors),
            inits: PanelStats::get(&s.inits),
        })
        .collect()
}

/// Copies the changed keys (all of them when `full`); the source health again when one
/// of its keys changed.
fn sync_data(
    published: &Published,
    data: &Dataset,
    full: bool,
) -> Option<BTreeMap<String, SourceState>> {
    let Ok(mut view) = published.data.write() else {
        return None;
    };
    let keys: Vec<&str> = if full {
        data.keys().collect()
    } else {
        data.changed().iter().map(String::as_str).collect()
    };
    let seq = published.data_version.load(Ordering::Relaxed) + 1;
    let mut health = false;
    for key in keys {
        if let Some(e) = data.entry(key) {
            view.insert(
                key.to_string(),
                DataItem {
                    value: e.value.clone(),
                    tick: e.changed_tick,
                    seq,
                },
            );
            health |= key.starts_with("_source.");
        }
    }
    published.data_version.store(seq, Ordering::Relaxed);
    (health || full).then(|| source_states(data))
}

/// Source health from the `_source.<name>.<field>` keys.
fn source_states(data: &Dataset) -> BTreeMap<String, SourceState> {
    let mut out: BTreeMap<String, SourceState> = BTreeMap::new();
    for k in data.keys() {
        let Some(rest) = k.strip_prefix("_source.") else {
            continue;
        };
        let Some((name, field)) = rest.rsplit_once('.') else {
            continue;
        };
        let Some(e) = data.entry(k) else { continue };
        let s = out.entry(name.to_string()).or_default();
        let v = &e.value;
        match field {
            "ok" => s.ok = v.as_bool().unwrap_or(false),
            "last_error" => s.last_error = v.as_str().map(str::to_string),
            "failures" => s.failures = v.as_u64().unwrap_or(0),
            "last_ok_tick" => {
                s.last_ok_tick = v.as_u64();
                s.last_ok_at = e
                    .changed_at
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok()
                    .map(|d| d.as_secs_f64());
            }
            _ => {}
        }
    }
    out
}

fn page_states(
    seqs: &Query<(&Sequence, Option<&WidgetName>, &Children)>,
    pages: &Query<Option<&WidgetName>, With<Page>>,
) -> Vec<PageState> {
    seqs.iter()
        .map(|(seq, name, children)| {
            let ids: Vec<Entity> = children.iter().filter(|c| pages.contains(*c)).collect();
            let index = seq.state.shown();
            PageState {
                sequence: name.map(|n| n.0.clone()),
                index,
                page: ids
                    .get(index)
                    .and_then(|id| pages.get(*id).ok().flatten())
                    .map(|n| n.0.clone()),
                pages: ids.len(),
            }
        })
        .collect()
}
