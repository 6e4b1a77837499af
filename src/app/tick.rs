//! The tick counter and the tick rate.

use bevy_ecs::prelude::*;

/// The number of the tick being run, starting at 0.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tick(pub u64);

/// Ticks per second (from the scene, default 30).
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fps(pub u32);

impl Default for Fps {
    fn default() -> Self {
        Fps(30)
    }
}

/// Whether the tick is held (the `pause` control command) and how many ticks to step
/// while it is. While paused the tick counter stands still, so nothing moves and the frame
/// stays; the engine still runs its schedule (commands are answered, a `set` shows).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Paused {
    /// True while paused.
    pub paused: bool,
    /// Ticks still to run while paused (`step`).
    pub steps: u64,
}

impl Paused {
    /// True when this tick moves on: not paused, or a step is due.
    pub fn moving(&self) -> bool {
        !self.paused || self.steps > 0
    }
}

/// Moves the tick on by one (unless paused); the last system of every tick.
pub fn advance_tick(mut tick: ResMut<Tick>, paused: Option<ResMut<Paused>>) {
    if let Some(mut p) = paused
        && p.paused
    {
        if p.steps == 0 {
            return;
        }
        p.steps -= 1;
    }
    tick.0 += 1;
}
