//! Motion every widget may have: a `slide`, as a function of the tick (see
//! [`crate::timeline`]). A kind's own motion (a marquee's scroll, a sequence's pages, a
//! stack's layout) is a system of that kind's module, added by its `Kind::systems`.
//!
//! Motion changes only where a layer is blitted (its offset), never its pixels, so a
//! scrolling title costs a clipped blit per tick, not a text render.

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;

use crate::app::{NextChange, Tick, TickSchedule, TickSet};
use crate::render::compose::WidgetLayer;

/// A widget that slides: its motion and the tick it counts from.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
#[require(NextChange<Sliding>)]
pub struct Sliding {
    /// The motion.
    pub slide: crate::timeline::Slide,
    /// Tick the motion counts from.
    pub start: u64,
}

/// Places each sliding widget for this tick, and notes when it next moves.
pub fn animate_slides(
    tick: Res<Tick>,
    mut q: Query<(Ref<Sliding>, &mut WidgetLayer, &mut NextChange<Sliding>)>,
) {
    for (s, mut wl, mut next) in &mut q {
        let motion = crate::timeline::place::Motion::Slide {
            slide: s.slide,
            start: s.start,
        };
        if s.is_changed() || next.at.is_none_or(|a| a <= tick.0) {
            let settled = s
                .slide
                .settled_after()
                .is_some_and(|p| tick.0.saturating_sub(s.start) >= p);
            let at = (!settled).then(|| {
                crate::app::wake::next_change_of(tick.0, crate::app::wake::HORIZON, |u| {
                    motion.place_at(u).map(|p| p.offset)
                })
            });
            if next.at != at {
                next.at = at;
            }
        }
        if let Some(placed) = motion.place_at(tick.0)
            && wl.offset != placed.offset
        {
            wl.offset = placed.offset;
        }
    }
}

/// Adds the motion systems to the Animate step.
#[derive(Debug, Default)]
pub struct MotionPlugin;

impl Plugin for MotionPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(TickSchedule, animate_slides.in_set(TickSet::Animate));
        crate::app::wake::track::<Sliding>(app);
    }
}
