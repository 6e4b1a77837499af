//! Where a moving layer sits at a tick: the one function the animate systems and
//! render-ahead's snapshots both place layers with, so they agree exactly.

use super::{Placed, Scroll, Slide};

/// How an item moves with the tick, without any input changing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Motion {
    /// It stays where it is.
    Still,
    /// The content of a marquee or popup.
    Scroll {
        /// The marquee's motion.
        scroll: Scroll,
        /// Tick the cycle counts from.
        start: u64,
        /// The sync group's cycle length, if in a group.
        period: Option<u64>,
        /// Content length along the motion.
        content: u32,
        /// Window length along the motion.
        window: u32,
    },
    /// A widget with a `slide`.
    Slide {
        /// The slide.
        slide: Slide,
        /// Tick it counts from.
        start: u64,
    },
}

impl Motion {
    /// The layer's offset (and a scroll's repeat) at `tick`; `None` when it stays still.
    /// A slide does not place a repeat (`repeat` is `None`; the layer keeps its own).
    pub fn place_at(&self, tick: u64) -> Option<Placed> {
        match *self {
            Motion::Still => None,
            Motion::Scroll {
                scroll,
                start,
                period,
                content,
                window,
            } => Some(scroll.at_with_period(tick.saturating_sub(start), content, window, period)),
            Motion::Slide { slide, start } => Some(Placed {
                offset: slide.at(tick.saturating_sub(start)),
                repeat: None,
            }),
        }
    }
}
