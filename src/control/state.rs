//! The way out: a read-only picture of the engine (state and dataset), published at
//! `Present` when it changed, that surfaces read without touching the world.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

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
    state: watch::Sender<Arc<State>>,
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
            state: watch::Sender::new(Arc::new(State::default())),
            data: RwLock::new(BTreeMap::new()),
            data_version: AtomicU64::new(0),
            timing: super::metrics::Timing::default(),
            unwatched: AtomicBool::new(true),
        }
    }
}

impl Published {
    /// The latest state.
    pub fn state(&self) -> Arc<State> {
        self.state.borrow().clone()
    }

    /// A receiver that wakes when the state changes.
    pub fn watch_state(&self) -> watch::Receiver<Arc<State>> {
        self.state.subscribe()
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
    late_seen: Vec<u32>,
    window: Option<(Instant, u64)>,
    updates: u64,
    fps_achieved: f64,
    sources: BTreeMap<String, SourceState>,
    scene: Option<SceneStatus>,
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
    mut me: Local<Publisher>,
) {
    let published = inbox.published();
    if let Some(s) = started {
        published.timing.tick.observe(s.0.elapsed().as_secs_f64());
    }
    if let Some(p) = &pacing {
        published
            .timing
            .observe_late(&p.present_late, &mut me.late_seen);
    }
    let full = published.unwatched.swap(false, Ordering::Relaxed);
    if full || !data.changed().is_empty() {
        sync_data(published, &data, full, &mut me.sources);
    }
    me.count_update(Instant::now());
    let state = State {
        tick: tick.0,
        fps: fps.0,
        fps_achieved: me.fps_achieved,
        paused: paused.paused,
        steps_pending: paused.steps,
        skipped_ticks: pacing.as_ref().map_or(0, |p| p.skipped),
        late_ticks: pacing.as_ref().map_or(0, |p| p.late),
        pages: page_states(&seqs, &pages),
        render_ahead: AheadState::of(ahead.as_deref()),
        panels: panels.map_or_else(Vec::new, |p| panel_states(&p)),
        sources: me.sources.clone(),
        dataset_keys: data.keys().count(),
        asleep: power.is_some_and(|p| p.asleep),
        scene: me.scene_status(scene, active),
    };
    published.state.send_if_modified(|old| {
        if **old == state {
            false
        } else {
            *old = Arc::new(state);
            true
        }
    });
}

impl Publisher {
    /// The scene's status, worked out again only when it or the active scene changed
    /// (writing the scene's path out each tick cost more than the rest of the state).
    fn scene_status(
        &mut self,
        scene: Option<Res<SceneStatus>>,
        active: Option<Res<ActiveScene>>,
    ) -> SceneStatus {
        let stale = scene.as_ref().is_none_or(|s| s.is_changed())
            || active.as_ref().is_none_or(|a| a.is_changed());
        if stale || self.scene.is_none() {
            self.scene = Some(match (scene, active) {
                (Some(s), Some(a)) if s.path.is_empty() => SceneStatus {
                    path: a.0.path.display().to_string(),
                    ..s.clone()
                },
                (Some(s), _) => s.clone(),
                (None, _) => SceneStatus::default(),
            });
        }
        self.scene.clone().unwrap_or_default()
    }

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

/// Copies the changed keys (all of them when `full`) and refreshes the source health.
fn sync_data(
    published: &Published,
    data: &Dataset,
    full: bool,
    sources: &mut BTreeMap<String, SourceState>,
) {
    let Ok(mut view) = published.data.write() else {
        return;
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
    if health {
        *sources = source_states(data);
    }
    published.data_version.store(seq, Ordering::Relaxed);
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
