//! Seeking: showing at once the frame that running the scene to tick N gives. Motion,
//! sequences and alerts are functions of the tick, so the widgets are spawned afresh and
//! their clocks set to N as if every tick since 0 had run (a sequence jumps from its
//! start to N event by event); the dataset keeps its current values. Frames rendered
//! ahead are thrown away.

use bevy_ecs::prelude::*;

use super::swap::{ActiveScene, SwapError, swap};
use crate::app::{Fps, Tick};
use crate::data::Dataset;

/// Why a seek did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeekError {
    /// No scene runs.
    #[error("no scene is running")]
    NoScene,
    /// The scene could not be spawned again.
    #[error(transparent)]
    Swap(#[from] SwapError),
}

/// Respawns the running scene's widgets and moves the clock to `tick` (the `seek`
/// command): the frame drawn next is the one a run stepped from 0 to `tick` shows.
pub fn seek(world: &mut World, tick: u64) -> Result<(), SeekError> {
    let active = world
        .get_resource::<ActiveScene>()
        .map(|a| a.0.clone())
        .ok_or(SeekError::NoScene)?;
    swap(world, active)?;
    start_at(world, tick);
    Ok(())
}

/// Moves the clock of freshly spawned widgets to `tick` (`run --start-tick`, and a seek
/// after the respawn): the tick counter, the dataset's clock, every widget's own clock
/// (a sequence's rotation) counted from tick 0; render-ahead starts over.
pub fn start_at(world: &mut World, tick: u64) {
    world.insert_resource(Tick(tick));
    let fps = world.get_resource::<Fps>().map_or(30, |f| f.0);
    if let Some(mut data) = world.get_resource_mut::<Dataset>() {
        data.bypass_change_detection().set_clock(tick, fps);
    }
    // Each kind whose widgets start a state at their first tick counts it from 0.
    crate::widget::kind::start_all(world);
    if let Some(mut ahead) = world.get_resource_mut::<crate::ahead::RenderAhead>() {
        ahead.restart();
    }
}
