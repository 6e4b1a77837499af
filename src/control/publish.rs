//! Publishing: the read-only picture of the engine (state and dataset) the tick writes
//! at `Present`, that surfaces read without touching the world.
//!
//! The tick writes the state in place and a reader copies it out when it asks; the tick
//! pays neither for building a whole new state each tick nor for waking the surfaces each
//! tick. It publishes in two speeds:
//!
//! - every tick ([`publish`]): the tick, pause and steps, pacing, the dataset's changes
//!   and the source health they carry;
//! - when the watchers are told ([`publish_rest`]): fps, render-ahead and panel counters,
//!   sleep, pages and the scene's status. That is at once after a command or a change of
//!   the every-tick part beyond its counters (pause, steps, skipped ticks, key count,
//!   source health), else at most every [`SIGNAL_EVERY`] while the engine runs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;
use tokio::sync::watch;

use super::replies::HeldReplies;
use super::state::{
    AheadState, DataItem, PanelList, SceneStatus, SourceState, State, page_states, scene_status,
    source_states, update_panels,
};
use crate::ahead::RenderAhead;
use crate::app::{Fps, Pacing, Paused, Tick};
use crate::data::Dataset;
use crate::panel::power::{PanelContrast, PanelPower};
use crate::scene::WidgetName;
use crate::scene::swap::ActiveScene;
use crate::widget::paged::Paged;

/// What the engine publishes for surfaces: the state (watch it for changes) and a copy
/// of the dataset kept up to date with the keys that changed.
pub struct Published {
    pub(super) state: Mutex<State>,
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

/// Publishes what changes with every tick (the tick, pause, pacing) and the dataset's
/// changes; runs at `Present` while a surface is attached (the tick's timing for
/// `/metrics` is observed beside it, [`super::timing`]). It asks for the rest
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
pub fn rest_due(inbox: Res<super::ControlInbox>, held: Res<HeldReplies>) -> bool {
    inbox.published().refresh.load(Ordering::Relaxed) != REFRESH_NONE || !held.is_empty()
}

/// The panels as the state shows them: their counters, sleep and contrast.
#[derive(SystemParam)]
pub struct PanelView<'w> {
    panels: Option<Res<'w, PanelList>>,
    power: Option<Res<'w, PanelPower>>,
    contrast: Option<Res<'w, PanelContrast>>,
}

/// The running scene and the outcome of the last reload, as the state shows them.
#[derive(SystemParam)]
pub struct SceneView<'w> {
    status: Option<Res<'w, SceneStatus>>,
    active: Option<Res<'w, ActiveScene>>,
}

impl SceneView<'_> {
    /// True when the scene or its status changed since the last publication.
    fn moved(&self) -> bool {
        self.status.as_ref().is_none_or(|s| s.is_changed())
            || self.active.as_ref().is_none_or(|a| a.is_changed())
    }
}

/// The widgets with pages (a sequence), and whether a page or a widget moved since the
/// last publication.
#[derive(SystemParam)]
pub struct PagesView<'w, 's> {
    paged: Query<'w, 's, (&'static Paged, Option<&'static WidgetName>)>,
    moved: Query<'w, 's, (), PagesMoved>,
}

/// A page shown changed, or a widget's children did (a scene swapped in).
type PagesMoved = Or<(Changed<Paged>, Changed<Children>)>;

/// Publishes the rest of the state (counters that change every tick but are read now and
/// then, and what rarely changes: pages, panels, the scene) and tells the watchers (the
/// replies held for this tick's commands go out right after, [`super::replies`]); runs at
/// `Present` when [`rest_due`], so at most every [`SIGNAL_EVERY`] while only the tick's
/// counters move.
pub fn publish_rest(
    inbox: Res<super::ControlInbox>,
    fps: Res<Fps>,
    ahead: Option<Res<RenderAhead>>,
    panels: PanelView,
    scene: SceneView,
    pages: PagesView,
) {
    let published = inbox.published();
    let whole = published.refresh.swap(REFRESH_NONE, Ordering::Relaxed) == REFRESH_WHOLE;
    let scene_moved = whole || scene.moved();
    let mut guard = published
        .state
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let state = &mut *guard;
    state.fps = fps.0;
    state.render_ahead = AheadState::of(ahead.as_deref());
    update_panels(&mut state.panels, panels.panels.as_deref());
    state.asleep = panels.power.is_some_and(|p| p.asleep);
    state.contrast = panels.contrast.and_then(|c| c.0);
    if scene_moved || !pages.moved.is_empty() {
        state.pages = page_states(&pages.paged);
    }
    if scene_moved {
        state.scene = scene_status(scene.status.as_deref(), scene.active.as_deref());
    }
    drop(guard);
    published.changes.send_modify(|n| *n += 1);
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
