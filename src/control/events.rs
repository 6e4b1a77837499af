//! What happened in the engine, as one stream: a page shown, an alert raised or cleared,
//! a source failed or recovered, a scene reload applied or refused, a panel error.
//!
//! The engine writes each as an [`EngineEvent`] bevy message, from the systems here (pages,
//! sources, panels) and from the scene swap (reloads); a plugin reads them with a
//! `MessageReader<EngineEvent>`. At `Present`, [`forward`] stamps each with its tick and
//! sends it as one JSON object to the [`EventFeed`] every surface subscribes to: the
//! broker's `event` topic and `GET /api/events` (server-sent events).
//!
//! ```
//! use tinydisplay::control::events::{EngineEvent, Stamped};
//!
//! let e = Stamped { tick: 7, event: EngineEvent::SourceRecovered { source: "mpd".into() } };
//! assert_eq!(e.to_json(), r#"{"tick":7,"event":"source_recovered","source":"mpd"}"#);
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use bevy_ecs::message::{Message, MessageReader, Messages};
use bevy_ecs::prelude::*;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

use super::state::PanelList;
use crate::app::Tick;
use crate::data::Dataset;
use crate::scene::WidgetName;
use crate::sink::panel::PanelStats;
use crate::widget::paged::Paged;

/// One thing that happened, as a message the engine writes (serialised with an `event`
/// field naming it).
#[derive(Message, Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EngineEvent {
    /// A sequence shows another page (rotation, a command, an alert).
    PageShown {
        /// The sequence's `name`, if it has one.
        sequence: Option<String>,
        /// The page's `name`, if it has one.
        page: Option<String>,
        /// The page's index in its sequence.
        index: usize,
    },
    /// An alert page is shown (its condition came true, a key changed, or the `alert`
    /// command).
    AlertRaised {
        /// The sequence's `name`, if it has one.
        sequence: Option<String>,
        /// The alert page's `name`, if it has one.
        page: Option<String>,
    },
    /// An alert page stopped being shown.
    AlertCleared {
        /// The sequence's `name`, if it has one.
        sequence: Option<String>,
        /// The alert page's `name`, if it has one.
        page: Option<String>,
    },
    /// A data source's attempt failed (its `_source.<name>.ok` turned false).
    SourceFailed {
        /// The source's name.
        source: String,
        /// Its last error (`_source.<name>.last_error`).
        error: Option<String>,
    },
    /// A data source that had failed succeeded again.
    SourceRecovered {
        /// The source's name.
        source: String,
    },
    /// A new scene was swapped in.
    ReloadApplied {
        /// The scene file.
        path: String,
        /// What brought it: `reload` (the file, SIGHUP, the `reload` command) or `load`.
        by: &'static str,
    },
    /// A new scene was refused; the running scene stays.
    ReloadRefused {
        /// What brought it: `reload` or `load`.
        by: &'static str,
        /// Every problem, one line each.
        problems: Vec<String>,
    },
    /// A panel transfer failed.
    PanelError {
        /// The panel and its bus.
        panel: String,
        /// Failed transfers so far.
        errors: u64,
    },
}

/// An event with the tick it happened at: what the surfaces send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stamped {
    /// The tick.
    pub tick: u64,
    /// What happened.
    #[serde(flatten)]
    pub event: EngineEvent,
}

impl Stamped {
    /// One JSON object on one line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Events waiting for a slow subscriber at most; one further behind misses the oldest.
pub const FEED_CAPACITY: usize = 256;

/// The events as JSON lines, for any number of subscribers (shared with the surfaces).
#[derive(Debug, Clone)]
pub struct EventFeed(broadcast::Sender<Arc<str>>);

impl Default for EventFeed {
    fn default() -> Self {
        EventFeed(broadcast::Sender::new(FEED_CAPACITY))
    }
}

impl EventFeed {
    /// A receiver of every event sent from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.0.subscribe()
    }

    /// Sends one event's JSON to the subscribers (none is fine).
    fn send(&self, json: String) {
        if self.0.receiver_count() > 0 {
            let _ = self.0.send(Arc::from(json));
        }
    }
}

/// Writes `event` from code that holds the world (a reload, a load).
pub fn emit(world: &mut World, event: EngineEvent) {
    world.get_resource_or_init::<Messages<EngineEvent>>();
    world.write_message(event);
}

/// Keeps each message two ticks (so a reader running anywhere in the tick sees it once),
/// as bevy's `First` schedule would; runs at the start of the tick.
pub fn rotate(mut messages: ResMut<Messages<EngineEvent>>) {
    messages.update();
}

/// Each widget's shown page and whether it was an alert, by widget entity.
#[derive(Default)]
pub struct ShownPages(HashMap<Entity, (usize, bool)>);

/// Writes page shown / alert raised / alert cleared when the page a widget with pages
/// shows changes.
pub fn watch_pages(
    paged: Query<(Entity, &Paged, Option<&WidgetName>), Changed<Paged>>,
    mut shown: Local<ShownPages>,
    mut out: MessageWriter<EngineEvent>,
) {
    for (e, paged, name) in &paged {
        let Some(index) = paged.current.filter(|i| *i < paged.pages.len()) else {
            continue;
        };
        let alert = paged.alert;
        let before = shown.0.insert(e, (index, alert));
        if before == Some((index, alert)) {
            continue;
        }
        let sequence = name.map(|n| n.0.clone());
        if let Some((was, true)) = before {
            out.write(EngineEvent::AlertCleared {
                sequence: sequence.clone(),
                page: paged.pages.get(was).and_then(|p| p.name.clone()),
            });
        }
        let page = paged.pages[index].name.clone();
        if alert {
            out.write(EngineEvent::AlertRaised {
                sequence: sequence.clone(),
                page: page.clone(),
            });
        }
        out.write(EngineEvent::PageShown {
            sequence,
            page,
            index,
        });
    }
}

/// Each source's last `ok`, by name.
#[derive(Default)]
pub struct SourceHealth(HashMap<String, bool>);

/// Writes source failed / recovered when a `_source.<name>.ok` key changes.
pub fn watch_sources(
    data: Res<Dataset>,
    mut health: Local<SourceHealth>,
    mut out: MessageWriter<EngineEvent>,
) {
    for key in data.changed() {
        let Some(source) = key
            .strip_prefix("_source.")
            .and_then(|k| k.strip_suffix(".ok"))
        else {
            continue;
        };
        let Some(ok) = data.get(key).and_then(Value::as_bool) else {
            continue;
        };
        let before = health.0.insert(source.to_owned(), ok);
        match (before, ok) {
            (Some(true) | None, false) => {
                let error = data
                    .get(&format!("_source.{source}.last_error"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                out.write(EngineEvent::SourceFailed {
                    source: source.to_owned(),
                    error,
                });
            }
            (Some(false), true) => {
                out.write(EngineEvent::SourceRecovered {
                    source: source.to_owned(),
                });
            }
            _ => {}
        }
    }
}

/// Each panel's error count when last looked at.
#[derive(Default)]
pub struct PanelErrors(HashMap<String, u64>);

/// Writes panel error when a panel's failed transfers went up.
pub fn watch_panels(
    panels: Option<Res<PanelList>>,
    mut seen: Local<PanelErrors>,
    mut out: MessageWriter<EngineEvent>,
) {
    let Some(panels) = panels else { return };
    for (name, stats) in &panels.0 {
        let errors = PanelStats::get(&stats.errors);
        let before = seen.0.insert(name.clone(), errors).unwrap_or(0);
        if errors > before {
            out.write(EngineEvent::PanelError {
                panel: name.clone(),
                errors,
            });
        }
    }
}

/// Sends this tick's events to the [`EventFeed`] (at `Present`, after they were written).
pub fn forward(
    inbox: Res<super::ControlInbox>,
    tick: Res<Tick>,
    mut events: MessageReader<EngineEvent>,
) {
    let feed = &inbox.published().events;
    for event in events.read() {
        let stamped = Stamped {
            tick: tick.0,
            event: event.clone(),
        };
        log::debug!("event: {}", stamped.to_json());
        feed.send(stamped.to_json());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;

    #[test]
    fn a_panel_error_is_an_event_once_per_new_failure() {
        let mut world = World::new();
        world.init_resource::<Messages<EngineEvent>>();
        let stats = Arc::new(PanelStats::default());
        world.insert_resource(PanelList(vec![("oled on i2c".into(), stats.clone())]));
        let system = world.register_system(watch_panels);
        let mut errors = || {
            world.run_system(system).expect("runs");
            let mut messages = world.resource_mut::<Messages<EngineEvent>>();
            messages.drain().collect::<Vec<_>>()
        };
        assert_eq!(errors(), vec![]);
        stats.errors.fetch_add(2, Ordering::Relaxed);
        assert_eq!(
            errors(),
            vec![EngineEvent::PanelError {
                panel: "oled on i2c".into(),
                errors: 2
            }]
        );
        assert_eq!(errors(), vec![], "no new failure, no event");
    }

    #[test]
    fn events_serialise_as_one_object_with_their_name() {
        let e = Stamped {
            tick: 3,
            event: EngineEvent::ReloadRefused {
                by: "load",
                problems: vec!["x:1:1: bad".into()],
            },
        };
        assert_eq!(
            e.to_json(),
            r#"{"tick":3,"event":"reload_refused","by":"load","problems":["x:1:1: bad"]}"#
        );
    }
}
