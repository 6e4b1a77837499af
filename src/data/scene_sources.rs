//! The scene's data sources: declared under `sources`, started with the app on their own
//! threads (a clock: polled on the tick thread), stopped at shutdown.

use bevy_ecs::prelude::*;
use serde::Deserialize;

use super::ingest::Feed;
use crate::source::policy::Policy;
use crate::source::{Message, SourceConfig, SourceHandle};

/// One source in a scene: `"weather": (source: Http(url: "…"), policy: (interval_ms: 600000))`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SourceSpec {
    /// What to read and how.
    pub source: SourceConfig,
    /// Interval, timeout, backoff and circuit breaker (all with defaults).
    #[serde(default)]
    pub policy: Policy,
    /// Whether it runs: `true` (the default), `false`, or a condition on the data
    /// (`enabled: "mpd.state == 'play'"`) it runs while true (see [`super::gate`]).
    #[serde(default)]
    pub enabled: Enabled,
}

/// A source's `enabled`: always, never, or while a condition holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Enabled {
    /// `enabled: true` runs it always (the default); `false` never.
    Always(bool),
    /// An expression on the dataset: the source runs while it is true.
    When(String),
}

impl Default for Enabled {
    fn default() -> Self {
        Enabled::Always(true)
    }
}

impl Enabled {
    /// True for the default (`enabled: true`): the source runs from the start, ungated.
    pub fn is_always(&self) -> bool {
        matches!(self, Enabled::Always(true))
    }
}

/// The running sources of the app.
#[derive(Resource, Default)]
pub struct RunningSources(pub Vec<SourceHandle>);

impl RunningSources {
    /// Whether a source of this name has been started (it may since have given up).
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|h| h.name() == name)
    }
}

/// Starts one source on `feed`; a source that cannot start is logged and reported in its
/// health (`_source.<name>.ok` false), and `None` comes back. A poll source that never
/// blocks (the clock) joins the feed's tick-thread polls instead of starting a thread.
pub fn start(name: &str, spec: &SourceSpec, feed: &Feed) -> Option<SourceHandle> {
    start_config(name, &spec.source, spec.policy.clone(), feed)
}

fn start_config(
    name: &str,
    source: &SourceConfig,
    policy: Policy,
    feed: &Feed,
) -> Option<SourceHandle> {
    let tx = &feed.tx;
    let _polled_here = feed.polls.enter();
    match source.spawn(name, policy, tx.clone()) {
        Ok(handle) => Some(handle),
        Err(e) => {
            log::error!("source {name}: {e}; it does not run");
            let _ = tx.send(Message::Health {
                source: name.to_owned(),
                ok: false,
                last_error: Some(e.to_string()),
                failures: 1,
            });
            None
        }
    }
}

/// Stops every running source and waits for its thread.
pub fn stop_all(world: &mut World) {
    if let Some(mut running) = world.get_resource_mut::<RunningSources>() {
        for handle in running.0.drain(..) {
            handle.stop();
        }
    }
}
