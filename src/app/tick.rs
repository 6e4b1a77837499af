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

/// Moves the tick on by one; the last system of every tick.
pub fn advance_tick(mut tick: ResMut<Tick>) {
    tick.0 += 1;
}
