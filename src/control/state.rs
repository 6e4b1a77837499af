//! The way out: a read-only picture of the engine (state and dataset), published at
//! `Present`, that surfaces read without touching the world.
//!
//! The tick writes the state in place and a reader copies it out when it asks; the tick
//! pays neither for building a whole new state each tick nor for waking the surfaces each
//! tick. It publishes in two speeds:
//!
//! - every tick ([`publish`]): the tick, pause and steps, pacing, timing, the dataset's
//!   changes and the source health they carry;
//! - when the watchers are told ([`publish_rest`]): fps, render-ahead and panel counters,
//!   sleep, pages and the scene's status. That is at once after a command or a change of
//!   the every-tick part beyond its counters (pause, steps, skipped ticks, key count,
//!   source health), else at most every [`SIGNAL_EVERY`] while the engine runs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use bevy_ecs::prelude::*;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

use crate::ahead::{AheadStats, RenderAhead};
use crate::app::{Fps, Pacing, Paused, Tick};
use crate::data::Dataset;
use crate::panel::power::{PanelContrast, PanelPower};
use crate::scene::WidgetName;
use crate::scene::swap::ActiveScene;
use crate::sink::panel::PanelStats;
use crate::widget::paged::Paged;

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
    /// Times the engine woke from sleeping (a tick due, or news).
    pub wakes: u64,
    /// Wakes per second, over the run so far.
    pub wakes_per_second: f64,
    /// Ticks skipped because nothing could change at them (tickless idle).
    pub idle_ticks: u64,
    /// The page each widget with pages (a sequence) shows.
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
    /// The panel's contrast (brightness) as last set by the `contrast` command or the
    /// scene's bound `contrast`; None until either set it.
    pub contrast: Option<u8>,
    /// The running scene and the problems of the last reload, if it failed.
    pub scene: SceneStatus,
}

/// Which page a widget with pages (a sequence) shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PageState {
    /// The widget's `name`, if it has one (a sequence's, whatever the kind).
    pub sequence: Option<String>,
    /// Index of the page shown (0 while none is).
    pub index: usize,
    /// That page's `name`, if it has one.
    pub page: Option<String>,
    /// How many pages the widget has.
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
    /// Full refreshes (e-paper).
    pub full_refreshes: u64,
    /// Partial refreshes (e-paper).
    pub partial_refreshes: u64,
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
    /// True while its `enabled` keeps it stopped (`_source.<name>.enabled` false).
    pub disabled: bool,
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
    /// The engine's events as JSON lines (see [`super::events`]).
    pub events: super::events::EventFeed,
    /// Set while no surface holds a sender: the next publication is a whole one.
    unwatched: AtomicBool,
    /// Set by [`publish`] when [`publish_rest`] is due (`REFRESH_*`).
    refresh: AtomicU8,
}

impl Default for Published {
    fn default() -> Self {
        Published {
            state: Mutex::new(State::default()),
            changes: watch::Sender::new(0),
            data: RwLock::new(BTreeMap::new()),
            data_version: AtomicU64::new(0),
            timing: super::metrics::Timing::default(),
            events: super::events::EventFeed::default(),
            unwatched: AtomicBool::new(true),
            refresh: AtomicU8::new(REFRESH_NONE),
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

    /// A receiver that wakes when the state changed: at once after a command or when more
    /// than the tick's counters changed, else at most every [`SIGNAL_EVERY`] while the
    /// engine runs (see the module's doc for which part is published when).
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

/// What the publisher remembers between ticks.
#[derive(Default)]
pub struct Publisher {
    late_seen: super::metrics::LateSeen,
    /// The tick the timing was last observed at (a paused run repeats it).
    observed_tick: Option<u64>,
    /// When the current fps window started, its end, and the updates before it.
    window: Option<(Instant, Instant, u64)>,
    updates: u64,
    fps_achieved: f64,
    /// When watchers may next be told of a change of the counters alone.
    next_signal: Option<Instant>,
}

/// How often watchers are told of a state in which only the tick's counters moved (the
/// preview sends the state as often; the broker surfaces once a second).
pub const SIGNAL_EVERY: Duration = Duration::from_millis(250);

/// The window over which `fps_achieved` is measured.
const FPS_WINDOW: Duration = Duration::from_secs(1);

/// The parts of the tick's state a watcher hears of at once when they change.
#[derive(PartialEq)]
struct Salient {
    paused: bool,
    steps_pending: u64,
    skipped_ticks: u64,
    dataset_keys: usize,
}

impl Salient {
    fn of(s: &State) -> Salient {
        Salient {
            paused: s.paused,
            steps_pending: s.steps_pending,
            skipped_ticks: s.skipped_ticks,
            dataset_keys: s.dataset_keys,
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

/// [`Published::refresh`]: nothing asked.
const REFRESH_NONE: u8 = 0;
/// [`Published::refresh`]: the rest of the state is due.
const REFRESH_DUE: u8 = 1;
/// [`Published::refresh`]: the rest of the state is due, whole (a surface just came).
const REFRESH_WHOLE: u8 = 2;

/// Publishes what changes with every tick (the tick, pause, pacing, timing) and the
/// dataset's changes; runs at `Present` while a surface is attached. It asks for the rest
/// ([`publish_rest`]) when watchers are to be told.
pub fn publish(
    inbox: Res<super::ControlInbox>,
    tick: Res<Tick>,
    paused: Res<Paused>,
    pacing: Option<Res<Pacing>>,
    data: Res<Dataset>,
    mut me: Local<Publisher>,
) {
    let published = inbox.published();
    let now = Instant::now();
    if let Some(p) = &pacing {
        let advanced = me.observed_tick != Some(tick.0);
        me.observed_tick = Some(tick.0);
        published.timing.observe(p, &mut me.late_seen, advanced);
    }
    let whole = published.unwatched.swap(false, Ordering::Relaxed);
    let health = if whole || !data.changed().is_empty() {
        sync_data(published, &data, whole)
    } else {
        None
    };
    me.count_update(now);
    let mut guard = published
        .state
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let state = &mut *guard;
    let before = Salient::of(state);
    let ticked = state.tick != tick.0;
    state.tick = tick.0;
    state.fps_achieved = me.fps_achieved;
    state.paused = paused.paused;
    state.steps_pending = paused.steps;
    state.skipped_ticks = pacing.as_ref().map_or(0, |p| p.skipped);
    state.late_ticks = pacing.as_ref().map_or(0, |p| p.late);
    state.wakes = pacing.as_ref().map_or(0, |p| p.wakes);
    state.wakes_per_second = pacing.as_ref().map_or(0.0, |p| p.wakes_per_second());
    state.idle_ticks = pacing.as_ref().map_or(0, |p| p.idle);
    state.dataset_keys = data.len();
    let mut salient = Salient::of(state) != before;
    if let Some(h) = health {
        salient |= state.sources != h;
        state.sources = h;
    }
    drop(guard);
    let due = ticked && me.next_signal.is_none_or(|t| now >= t);
    if whole || salient || due {
        me.next_signal = Some(now + SIGNAL_EVERY);
        let ask = if whole { REFRESH_WHOLE } else { REFRESH_DUE };
        published.refresh.fetch_max(ask, Ordering::Relaxed);
    }
}

/// Whether [`publish_rest`] runs this tick: when [`publish`] asked for it, or a command
/// was applied (its reply waits until the state shows its effect).
pub fn rest_due(inbox: Res<super::ControlInbox>, held: Res<super::apply::HeldReplies>) -> bool {
    inbox.published().refresh.load(Ordering::Relaxed) != REFRESH_NONE || !held.is_empty()
}

/// Publishes the rest of the state (counters that change every tick but are read now and
/// then, and what rarely changes: pages, panels, the scene), tells the watchers and
/// sends the replies held for this tick's commands; runs at `Present` when [`rest_due`],
/// so at most every [`SIGNAL_EVERY`] while only the tick's counters move.
#[allow(
    clippy::too_many_arguments,
    clippy::type_complexity,
    reason = "a system's parameters are its inputs"
)]
pub fn publish_rest(
    (inbox, mut held): (Res<super::ControlInbox>, ResMut<super::apply::HeldReplies>),
    fps: Res<Fps>,
    ahead: Option<Res<RenderAhead>>,
    (panels, power, contrast): (
        Option<Res<PanelList>>,
        Option<Res<PanelPower>>,
        Option<Res<PanelContrast>>,
    ),
    (scene, active): (Option<Res<SceneStatus>>, Option<Res<ActiveScene>>),
    paged: Query<(&Paged, Option<&WidgetName>)>,
    moved_pages: Query<(), Or<(Changed<Paged>, Changed<Children>)>>,
) {
    let published = inbox.published();
    let whole = published.refresh.swap(REFRESH_NONE, Ordering::Relaxed) == REFRESH_WHOLE;
    let scene_moved = whole
        || scene.as_ref().is_none_or(|s| s.is_changed())
        || active.as_ref().is_none_or(|a| a.is_changed());
    let mut guard = published
        .state
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let state = &mut *guard;
    state.fps = fps.0;
    state.render_ahead = AheadState::of(ahead.as_deref());
    update_panels(&mut state.panels, panels.as_deref());
    state.asleep = power.is_some_and(|p| p.asleep);
    state.contrast = contrast.and_then(|c| c.0);
    if scene_moved || !moved_pages.is_empty() {
        state.pages = page_states(&paged);
    }
    if scene_moved {
        state.scene = scene_status(scene.as_deref(), active.as_deref());
    }
    drop(guard);
    published.changes.send_modify(|n| *n += 1);
    held.answer();
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
        s.full_refreshes = PanelStats::get(&stats.full_refreshes);
        s.partial_refreshes = PanelStats::get(&stats.partial_refreshes);
    }
}

impl Publisher {
    /// Counts one more update at `now`, and the updates per second once a second.
    fn count_update(&mut self, now: Instant) {
        self.updates += 1;
        match self.window {
            Some((_, end, _)) if now < end => {}
            Some((start, _, n0)) => {
                let dt = now.duration_since(start).as_secs_f64();
                self.fps_achieved = ((self.updates - n0) as f64 / dt * 10.0).round() / 10.0;
                self.window = Some((now, now + FPS_WINDOW, self.updates));
            }
            None => self.window = Some((now, now + FPS_WINDOW, self.updates)),
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
            full_refreshes: PanelStats::get(&s.full_refreshes),
            partial_refreshes: PanelStats::get(&s.partial_refreshes),
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
            "enabled" => s.disabled = v.as_bool() == Some(false),
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

/// The page each widget with pages shows.
fn page_states(paged: &Query<(&Paged, Option<&WidgetName>)>) -> Vec<PageState> {
    paged
        .iter()
        .map(|(paged, name)| {
            let index = paged.current.unwrap_or(0);
            PageState {
                sequence: name.map(|n| n.0.clone()),
                index,
                page: paged.pages.get(index).and_then(|p| p.name.clone()),
                pages: paged.pages.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_stopped_by_its_enabled_shows_as_disabled() {
        let mut data = Dataset::new();
        data.set("_source.lyrics.ok", serde_json::json!(true), 1);
        data.set("_source.lyrics.enabled", serde_json::json!(false), 2);
        data.set("_source.mpd.ok", serde_json::json!(true), 1);
        data.set("_source.radio.enabled", serde_json::json!(true), 2);
        let states = source_states(&data);
        assert!(states["lyrics"].disabled);
        assert!(!states["mpd"].disabled, "no enabled key: enabled");
        assert!(!states["radio"].disabled);
    }
}
