//! Motion: everything that moves, as functions of the tick (see [`timeline`]).
//!
//! Motion changes only where a layer is blitted (its offset), never its pixels, so a
//! scrolling title costs a clipped blit per tick, not a text render.

pub mod sequence;
pub mod timeline;

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;

use crate::app::{Tick, TickSchedule, TickSet};
use crate::render::compose::WidgetLayer;
use crate::widget::marquee::Marquee;

/// Places each marquee's content for this tick: offset (and repeat) from the tick.
pub fn animate_marquees(
    tick: Res<Tick>,
    mut marquees: Query<(&mut Marquee, &Children)>,
    mut layers: Query<&mut WidgetLayer>,
) {
    for (mut m, children) in &mut marquees {
        let Some(child) = children.iter().next() else {
            continue;
        };
        let Ok(mut wl) = layers.get_mut(child) else {
            continue;
        };
        let generation = wl.generation;
        if m.seen != Some(generation) {
            // New content: count from now. The first content counts from the start.
            if m.seen.is_some() && m.restart {
                m.start = tick.0;
            }
            m.seen = Some(generation);
        }
        let (content, window) = if m.scroll.direction.horizontal() {
            (wl.layer.width(), m.window.0)
        } else {
            (wl.layer.height(), m.window.1)
        };
        let placed = m.scroll.at(tick.0.saturating_sub(m.start), content, window);
        if wl.offset != placed.offset || wl.repeat != placed.repeat {
            wl.offset = placed.offset;
            wl.repeat = placed.repeat;
        }
    }
}

/// A widget that slides: its motion and the tick it counts from.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sliding {
    /// The motion.
    pub slide: timeline::Slide,
    /// Tick the motion counts from.
    pub start: u64,
}

/// Places each sliding widget for this tick.
pub fn animate_slides(tick: Res<Tick>, mut q: Query<(&Sliding, &mut WidgetLayer)>) {
    for (s, mut wl) in &mut q {
        let offset = s.slide.at(tick.0.saturating_sub(s.start));
        if wl.offset != offset {
            wl.offset = offset;
        }
    }
}

/// Adds the motion systems to the Animate step.
#[derive(Debug, Default)]
pub struct MotionPlugin;

impl Plugin for MotionPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(
            TickSchedule,
            (animate_slides, sequence::run_sequences).in_set(TickSet::Animate),
        );
        // A marquee needs its content's size, known once the content is drawn this tick.
        app.add_systems(
            TickSchedule,
            animate_marquees.in_set(crate::widget::RenderSet::Layout),
        );
    }
}
