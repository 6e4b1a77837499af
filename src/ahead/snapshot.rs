//! The render-relevant state of the visible widgets at one tick, frozen: every draw item
//! with its (shared) layer and, for the items that move by themselves, the motion that
//! places them at later ticks (the [`Motion`] component their kind wrote, whatever the
//! kind). Drawing a frame is a function of (snapshot, tick).

use std::sync::Arc;

use bevy_ecs::prelude::*;

use crate::render::compose::{DrawItem, DrawList, WidgetLayer, paint_rect, shown_of};
use crate::render::{Color, FrameBuffer, Layer};
pub use crate::timeline::place::Motion;

/// One visible widget as frozen.
#[derive(Debug, Clone)]
pub struct SnapItem {
    /// Its layer (shared with the widget until the widget redraws).
    pub layer: Arc<Layer>,
    /// How it was drawn at the snapshot's tick.
    pub item: DrawItem,
    /// Its layer offset at the snapshot's tick (what its motion replaces).
    pub offset: (i32, i32),
    /// How it moves.
    pub motion: Motion,
}

impl SnapItem {
    /// How it is drawn at `tick`.
    pub fn at(&self, tick: u64) -> DrawItem {
        let Some(placed) = self.motion.place_at(tick) else {
            return self.item;
        };
        // A scroll places its repeat too; a slide moves the layer and keeps its repeat.
        let repeat = if self.motion.places_repeat() {
            placed.repeat
        } else {
            self.item.repeat
        };
        let offset = placed.offset;
        let origin = (
            self.item.origin.0 - self.offset.0 + offset.0,
            self.item.origin.1 - self.offset.1 + offset.1,
        );
        let size = (self.layer.width(), self.layer.height());
        DrawItem {
            origin,
            repeat,
            shown: shown_of(origin, size, self.item.clip, repeat),
            ..self.item
        }
    }
}

/// The frozen state and the frame it gave.
#[derive(Debug)]
pub struct Snapshot {
    /// Bumped at every purge; frames of older generations are thrown away.
    pub generation: u64,
    /// The tick it was taken at.
    pub tick: u64,
    /// The background colour.
    pub background: Color,
    /// Visible widgets in paint order.
    pub items: Vec<SnapItem>,
    /// The frame at `tick`.
    pub base: FrameBuffer,
    /// Indices of the items that move.
    pub moving: Vec<usize>,
}

/// What a snapshot reads of the motion components: each item's [`Motion`], and the
/// tree (a mover's descendants would move with it).
pub type MotionQuery<'w, 's> = (
    Query<'w, 's, &'static Motion>,
    Query<'w, 's, &'static ChildOf>,
);

impl Snapshot {
    /// Freezes the draw list of `tick`. None when something moves in a way a snapshot
    /// cannot follow (a moving widget with visible children).
    pub fn take(
        generation: u64,
        tick: u64,
        background: Color,
        list: &DrawList,
        frame: &FrameBuffer,
        layers: &Query<&WidgetLayer>,
        (motions, parents): &MotionQuery,
    ) -> Option<Snapshot> {
        let mut items = Vec::with_capacity(list.items.len());
        let mut moving = Vec::new();
        for (k, item) in list.items.iter().enumerate() {
            let wl = layers.get(item.entity).ok()?;
            let motion = motions.get(item.entity).cloned().unwrap_or_default();
            if motion != Motion::Still {
                moving.push(k);
            }
            items.push(SnapItem {
                layer: wl.layer.clone(),
                item: *item,
                offset: wl.offset,
                motion,
            });
        }
        // A mover's descendants would move with it: not followed, so no snapshot. In
        // paint order a subtree follows its root directly.
        for &k in &moving {
            if let Some(next) = items.get(k + 1)
                && is_under(next.item.entity, items[k].item.entity, parents)
            {
                return None;
            }
        }
        let mut base = FrameBuffer::new(frame.width(), frame.height(), frame.mode());
        base.copy_from(frame);
        Some(Snapshot {
            generation,
            tick,
            background,
            items,
            base,
            moving,
        })
    }

    /// True when the draw list of `tick` is exactly what this snapshot predicts (same
    /// widgets, places, clips, opacity, and the very same layers).
    pub fn predicts(
        &self,
        list: &DrawList,
        tick: u64,
        background: Color,
        layers: &Query<&WidgetLayer>,
    ) -> bool {
        background == self.background
            && list.items.len() == self.items.len()
            && self.items.iter().zip(&list.items).all(|(s, d)| {
                s.at(tick) == *d
                    && layers
                        .get(d.entity)
                        .is_ok_and(|wl| Arc::ptr_eq(&wl.layer, &s.layer))
            })
    }

    /// Renders the frame of `tick` into `out`: the base frame with the places the moving
    /// items left and took recomposed.
    pub fn render(&self, tick: u64, out: &mut FrameBuffer, scratch: &mut Vec<DrawItem>) {
        out.copy_from(&self.base);
        scratch.clear();
        scratch.extend(self.items.iter().map(|s| s.at(tick)));
        for &k in &self.moving {
            for rect in [self.items[k].item.shown, scratch[k].shown] {
                if rect.is_empty() {
                    continue;
                }
                paint_rect(
                    out,
                    self.background,
                    rect,
                    scratch.iter().zip(&self.items).map(|(d, s)| (d, &*s.layer)),
                );
            }
        }
    }
}

/// True when `entity` lies under `ancestor` (walking up `ChildOf`).
fn is_under(entity: Entity, ancestor: Entity, parents: &Query<&ChildOf>) -> bool {
    let mut e = entity;
    while let Ok(c) = parents.get(e) {
        e = c.parent();
        if e == ancestor {
            return true;
        }
    }
    false
}
