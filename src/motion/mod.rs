//! Motion every widget may have: a `slide`, as a function of the tick (see
//! [`crate::timeline`]). A kind's own motion (a marquee's scroll, a sequence's pages, a
//! stack's layout) is a system of that kind's module, added by its `Kind::systems`.
//!
//! Motion changes only where a layer is blitted (its offset), never its pixels, so a
//! scrolling title costs a clipped blit per tick, not a text render. Each motion is
//! written as a [`Motion`] component on the entity it moves; the one placing system
//! ([`crate::timeline::place::place_moving`]) places layers from it.

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;

use crate::app::{Tick, TickSchedule, TickSet};
use crate::timeline::place::{Clock, Motion, RunGate};

/// A widget that slides: its motion and the ticks it counts.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
#[require(Motion)]
pub struct Sliding {
    /// The motion.
    pub slide: crate::timeline::Slide,
    /// The ticks the motion counts (from 0; held while its `run_when` is false).
    pub clock: Clock,
    /// The `run_when` value the clock last followed.
    pub seen: Option<bool>,
}

impl Sliding {
    /// A slide counting from tick 0.
    pub fn new(slide: crate::timeline::Slide) -> Sliding {
        Sliding {
            slide,
            clock: Clock::from(0),
            seen: None,
        }
    }
}

/// Writes each sliding widget's [`Motion`] when its slide or its `run_when` changed.
pub fn animate_slides(
    tick: Res<Tick>,
    mut q: Query<(&mut Sliding, Option<&RunGate>, &mut Motion)>,
) {
    for (mut s, gate, mut motion) in &mut q {
        if let Some(gate) = gate {
            let s = s.bypass_change_detection();
            let Sliding { clock, seen, .. } = s;
            clock.follow(seen, gate, tick.0);
        }
        let now = Motion::Slide {
            slide: s.slide,
            clock: s.clock,
        };
        if *motion != now {
            *motion = now;
        }
    }
}

/// Adds the motion systems to the Animate step, and the placing of moving layers.
#[derive(Debug, Default)]
pub struct MotionPlugin;

impl Plugin for MotionPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(TickSchedule, animate_slides.in_set(TickSet::Animate));
        crate::timeline::place::add_placement(app);
    }
}
