//! The scene's data sources: declared under `sources`, started with the app on their own
//! threads, stopped at shutdown.

use bevy_ecs::prelude::*;
use serde::Deserialize;

use super::source::policy::Policy;
use super::source::{SourceConfig, SourceHandle};

/// One source in a scene: `"weather": (source: Http(url: "…"), policy: (interval_ms: 600000))`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SourceSpec {
    /// What to read and how.
    pub source: SourceConfig,
    /// Interval, timeout, backoff and circuit breaker (all with defaults).
    #[serde(default)]
    pub policy: Policy,
}

/// The running sources of the app.
#[derive(Resource, Default)]
pub struct RunningSources(pub Vec<SourceHandle>);

/// Stops every running source and waits for its thread.
pub fn stop_all(world: &mut World) {
    if let Some(mut running) = world.get_resource_mut::<RunningSources>() {
        for handle in running.0.drain(..) {
            handle.stop();
        }
    }
}
