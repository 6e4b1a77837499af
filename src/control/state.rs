//! The state: the engine as surfaces see it (`GET /api/state`, the broker's `state`
//! topic), part by part, and how each part is read from the world. The tick publishes
//! it ([`super::publish`]); surfaces read a copy.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use bevy_ecs::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::ahead::{AheadStats, RenderAhead};
use crate::data::Dataset;
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
    /// The publication it last changed in (goes up with
    /// [`Published::data_version`](super::publish::Published::data_version)).
    pub seq: u64,
}

/// The scene's status as the state shows it: the running scene's path when the status
/// has none.
pub(super) fn scene_status(
    scene: Option<&SceneStatus>,
    active: Option<&ActiveScene>,
) -> SceneStatus {
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
pub(super) fn update_panels(shown: &mut Vec<PanelState>, panels: Option<&PanelList>) {
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

impl AheadState {
    /// Render-ahead's counters now (zeros without render-ahead).
    pub(super) fn of(ahead: Option<&RenderAhead>) -> AheadState {
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

/// Source health from the `_source.<name>.<field>` keys.
pub(super) fn source_states(data: &Dataset) -> BTreeMap<String, SourceState> {
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
pub(super) fn page_states(paged: &Query<(&Paged, Option<&WidgetName>)>) -> Vec<PageState> {
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
