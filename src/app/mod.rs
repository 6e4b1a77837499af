//! The tick: schedule, system sets, the `Tick` counter and the runner that paces it.
//!
//! Every tick runs [`TickSchedule`] once. Its system sets run in a fixed order —
//! [`TickSet::Ingest`] → [`TickSet::Propagate`] → [`TickSet::Animate`] → [`TickSet::Render`]
//! → [`TickSet::Present`] → [`TickSet::Advance`] — and are the extension points a user's
//! plugin places its systems in. Motion is counted in ticks, not wall time, so the same
//! scene and the same data at the same ticks give the same frames.
//!
//! Between ticks, [`run_ticks`] makes the edits of the app a system queued in
//! [`AfterTick`] (new systems), which cannot happen while the tick runs.

pub mod after;
pub mod runner;
pub mod signals;
pub mod tick;
pub mod wake;

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{ScheduleLabel, SingleThreadedExecutor};

pub use after::{AfterTick, make_queued_edits};
pub use runner::{Pacing, RunMode, StopFlag, run_ticks};
pub use tick::{Fps, Paused, Tick};
pub use wake::{Alarm, NextChange, PlanWake, Tickless, WakePlan};

/// The schedule run once per tick (the app's update schedule).
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
pub struct TickSchedule;

/// The ordered stages of a tick; put your systems in one of these.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TickSet {
    /// Drain what data sources sent since the last tick.
    Ingest,
    /// Re-evaluate bindings whose inputs changed.
    Propagate,
    /// Motion state for this tick.
    Animate,
    /// Draw what changed into the frame buffer.
    Render,
    /// Sinks push the frame.
    Present,
    /// Advance the tick counter.
    Advance,
}

/// The schedule run once when the engine stops ([`crate::shutdown`]); each plugin adds
/// its own shutdown work to one of the [`ShutdownSet`] steps.
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
pub struct Shutdown;

/// The ordered steps of shutting down.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShutdownSet {
    /// Inputs stop: data sources, recordings.
    Inputs,
    /// Background rendering stops (render-ahead's workers are joined).
    Render,
    /// State is saved (persisted namespaces).
    Save,
    /// Outputs finish: the last PNG, the GIF closed, the terminal restored, the panel
    /// left as `on_exit` says.
    Outputs,
}

/// What went wrong while shutting down (a sink that could not finish), for the caller.
#[derive(Resource, Debug, Default)]
pub struct ShutdownErrors(pub Vec<ShutdownError>);

/// One part that could not finish at shutdown: `sink gif: cannot write out.gif: …`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{part}: {source}")]
pub struct ShutdownError {
    /// What failed to finish (`sink gif`).
    pub part: String,
    /// Why.
    #[source]
    pub source: std::sync::Arc<dyn std::error::Error + Send + Sync>,
}

/// Sets up the tick schedule, its ordered sets, the shutdown schedule and the
/// `Tick`/`Fps` resources.
#[derive(Debug, Default)]
pub struct TickPlugin;

impl Plugin for TickPlugin {
    fn build(&self, app: &mut App) {
        let mut schedule = Schedule::new(TickSchedule);
        // One tick of a small display is microseconds of work: a single-threaded executor
        // avoids the thread hand-offs; parallel drawing happens inside systems (par_iter).
        schedule.set_executor(SingleThreadedExecutor::new());
        schedule.configure_sets(
            (
                TickSet::Ingest,
                TickSet::Propagate,
                TickSet::Animate,
                TickSet::Render,
                TickSet::Present,
                TickSet::Advance,
            )
                .chain(),
        );
        app.add_schedule(schedule);
        app.main_mut().update_schedule = Some(TickSchedule.intern());
        app.init_resource::<AfterTick>();
        let mut shutdown = Schedule::new(Shutdown);
        shutdown.set_executor(SingleThreadedExecutor::new());
        shutdown.configure_sets(
            (
                ShutdownSet::Inputs,
                ShutdownSet::Render,
                ShutdownSet::Save,
                ShutdownSet::Outputs,
            )
                .chain(),
        );
        app.add_schedule(shutdown);
        app.init_resource::<ShutdownErrors>();
        app.init_resource::<Tick>();
        app.init_resource::<Fps>();
        app.init_resource::<Paused>();
        app.init_resource::<Pacing>();
        app.init_resource::<Alarm>();
        app.init_resource::<WakePlan>();
        app.init_resource::<Tickless>();
        app.configure_sets(
            TickSchedule,
            PlanWake.in_set(TickSet::Advance).before(tick::advance_tick),
        );
        app.add_systems(TickSchedule, tick::advance_tick.in_set(TickSet::Advance));
    }
}
