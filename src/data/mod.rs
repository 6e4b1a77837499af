//! Live data: the dataset, the rules its keys follow, bindings from data to widget
//! properties, and propagation of changes.
//!
//! Data flows one way each tick: `Ingest` takes in what sources sent (several updates
//! to one key within a tick coalesce to the latest), `Propagate` re-evaluates only the
//! bindings whose keys changed, and a widget whose resolved value did not change is
//! not marked changed, so it is not redrawn.

pub mod binding;
pub mod dataset;
pub mod filters;
pub mod formatted;
pub mod gate;
pub mod history;
pub mod ingest;
pub mod inspect;
pub mod limits;
pub mod persist;
pub mod plain;
pub mod printf;
pub mod propagate;
pub mod ramp;
pub mod rules;
pub mod scene_sources;
pub mod snapshots;

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;

use crate::app::{TickSchedule, TickSet};
pub use dataset::Dataset;

/// The two steps of Ingest: forget last tick's changes, then take in new values.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IngestSet {
    /// The dataset's change list is cleared.
    Begin,
    /// Sources' updates (and users' systems writing the dataset) land here.
    Receive,
}

/// Clears the dataset's list of changed keys at the start of a tick and tells it the
/// tick (for the history functions' ages).
pub fn begin_tick(
    mut data: ResMut<Dataset>,
    tick: Res<crate::app::Tick>,
    fps: Option<Res<crate::app::Fps>>,
) {
    let fps = fps.map_or(30, |f| f.0);
    data.bypass_change_detection().set_clock(tick.0, fps);
    if !data.changed().is_empty() {
        data.begin_tick();
    }
}

/// The dataset and the propagation of its changes to bound widgets.
#[derive(Debug, Default)]
pub struct DataPlugin;

impl Plugin for DataPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Dataset>();
        app.init_resource::<propagate::KeyIndex>();
        app.init_resource::<persist::Persistence>();
        app.init_resource::<snapshots::Snapshots>();
        app.configure_sets(
            TickSchedule,
            (IngestSet::Begin, IngestSet::Receive)
                .chain()
                .in_set(TickSet::Ingest),
        );
        app.init_resource::<ingest::DataInbox>();
        // The runner sleeps on the sources' channel: a message wakes it.
        let sleep = app.world().resource::<ingest::DataInbox>().sleep();
        app.insert_resource(crate::app::Alarm::new(sleep));
        app.init_resource::<scene_sources::RunningSources>();
        app.add_systems(TickSchedule, begin_tick.in_set(IngestSet::Begin));
        app.init_resource::<ramp::Ramps>();
        app.add_systems(TickSchedule, ingest::ingest.in_set(IngestSet::Receive));
        app.add_systems(
            TickSchedule,
            ramp::advance_ramps
                .run_if(|r: Res<ramp::Ramps>| !r.0.is_empty())
                .after(ingest::ingest)
                .in_set(IngestSet::Receive),
        );
        app.init_resource::<propagate::Evaluated>();
        app.edit_schedule(propagate::ApplyBound, |s| {
            // A few small systems: no thread hand-offs.
            s.set_executor(bevy_ecs::schedule::SingleThreadedExecutor::new());
        });
        app.add_systems(
            TickSchedule,
            (
                gate::gate_sources,
                propagate::propagate,
                propagate::apply_bound,
            )
                .chain()
                .in_set(TickSet::Propagate),
        );
        app.add_systems(
            TickSchedule,
            (
                ramp::plan_wake.run_if(|r: Res<ramp::Ramps>| !r.0.is_empty()),
                propagate::plan_wake,
                ingest::plan_wake,
                snapshots::plan_wake.run_if(|p: Res<persist::Persistence>| !p.0.is_empty()),
            )
                .in_set(crate::app::PlanWake),
        );
        app.add_systems(
            TickSchedule,
            snapshots::save_changed
                .run_if(|p: Res<persist::Persistence>| !p.0.is_empty())
                .in_set(TickSet::Advance),
        );
        app.add_systems(
            crate::app::Shutdown,
            (
                scene_sources::stop_all.in_set(crate::app::ShutdownSet::Inputs),
                snapshots::save_all.in_set(crate::app::ShutdownSet::Save),
            ),
        );
    }
}
