//! Motion: everything that moves, as functions of the tick (see [`crate::timeline`]).
//!
//! Motion changes only where a layer is blitted (its offset), never its pixels, so a
//! scrolling title costs a clipped blit per tick, not a text render.

pub mod layout;
pub mod place;
pub mod rotation;
pub mod sequence;

use std::collections::HashMap;

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
    mut groups: Local<HashMap<String, (u64, u64)>>,
) {
    // First pass: restarts, and each sync group's common start and longest cycle.
    groups.clear();
    for (mut m, children) in &mut marquees {
        let Some(child) = children.iter().next() else {
            continue;
        };
        let Ok(wl) = layers.get(child) else { continue };
        if m.seen != Some(wl.generation) {
            // New content: count from now. The first content counts from the start.
            if m.seen.is_some() && m.restart {
                m.start = tick.0;
            }
            m.seen = Some(wl.generation);
        }
        if let Some(g) = &m.group {
            let (content, window) = lengths(&m, wl);
            let period = m.scroll.period(content, window).unwrap_or(0);
            let entry = groups.entry(g.clone()).or_insert((m.start, period));
            entry.0 = entry.0.max(m.start);
            entry.1 = entry.1.max(period);
        }
    }
    // Second pass: place every marquee's content for this tick.
    for (mut m, children) in &mut marquees {
        let Some(child) = children.iter().next() else {
            continue;
        };
        let Ok(mut wl) = layers.get_mut(child) else {
            continue;
        };
        let (content, window) = lengths(&m, &wl);
        let (start, period) = match m.group.as_ref().and_then(|g| groups.get(g)) {
            Some(&(start, period)) => (start, Some(period)),
            None => (m.start, None),
        };
        if m.placed != (start, period) {
            m.placed = (start, period);
        }
        let motion = place::Motion::Scroll {
            scroll: m.scroll,
            start,
            period,
            content,
            window,
        };
        let Some(placed) = motion.place_at(tick.0) else {
            continue;
        };
        if wl.offset != placed.offset || wl.repeat != placed.repeat {
            wl.offset = placed.offset;
            wl.repeat = placed.repeat;
        }
    }
}

/// Content and window lengths along a marquee's direction of motion.
pub fn lengths(m: &Marquee, wl: &WidgetLayer) -> (u32, u32) {
    if m.scroll.direction.horizontal() {
        (wl.layer.width(), m.window.0)
    } else {
        (wl.layer.height(), m.window.1)
    }
}

/// A widget that slides: its motion and the tick it counts from.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sliding {
    /// The motion.
    pub slide: crate::timeline::Slide,
    /// Tick the motion counts from.
    pub start: u64,
}

/// Places each sliding widget for this tick.
pub fn animate_slides(tick: Res<Tick>, mut q: Query<(&Sliding, &mut WidgetLayer)>) {
    for (s, mut wl) in &mut q {
        let motion = place::Motion::Slide {
            slide: s.slide,
            start: s.start,
        };
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
        app.add_systems(
            TickSchedule,
            (animate_slides, sequence::run_sequences, layout::show_index).in_set(TickSet::Animate),
        );
        // A marquee needs its content's size, known once the content is drawn this tick.
        app.add_systems(
            TickSchedule,
            (layout::layout_stacks, animate_marquees)
                .chain()
                .in_set(crate::render::RenderSet::Layout),
        );
    }
}
