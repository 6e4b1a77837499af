//! The paint step: this tick's damaged rectangles filled from the draw list, unless a
//! frame rendered ahead already filled them.

use std::time::{Duration, Instant};

use bevy_ecs::prelude::*;

use super::bands::Bands;
use super::compose::{Background, DrawItem, DrawList, WidgetLayer, paint_rect};
use super::layer::Layer;
use super::{FrameBuffer, Rect};

/// What happened to this tick's damage.
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct PaintState {
    /// Set before [`paint`] by whoever filled the damage already (render-ahead's queue);
    /// paint then leaves it. Cleared by paint.
    pub filled: bool,
    /// How long painting took this tick; `None` when nothing was painted inline.
    pub inline: Option<Duration>,
}

/// Damaged rectangles from which paint looks items up by band ([`Bands`]).
const BANDED_FROM: usize = 16;

/// Paints this tick's damage from the draw list (nothing on an idle tick).
pub fn paint(
    mut fb: ResMut<FrameBuffer>,
    background: Res<Background>,
    list: Res<DrawList>,
    layers: Query<&WidgetLayer>,
    mut state: ResMut<PaintState>,
    mut scratch: Local<(Vec<Rect>, Bands, Vec<u32>)>,
) {
    let (damage, bands, near) = &mut *scratch;
    let state = state.bypass_change_detection();
    state.inline = None;
    if std::mem::take(&mut state.filled) || fb.damage().is_empty() {
        return;
    }
    let start = Instant::now();
    damage.clear();
    damage.extend_from_slice(fb.damage());
    // A few rectangles are checked against every item; many against the items of their
    // bands only.
    let banded = damage.len() >= BANDED_FROM;
    if banded {
        bands.build(&list.items, fb.height());
    }
    for rect in damage.iter() {
        if banded && bands.candidates(*rect, near) {
            let items = near.iter().map(|&k| &list.items[k as usize]);
            paint_rect(&mut fb, background.0, *rect, over(items, rect, &layers));
        } else {
            paint_rect(
                &mut fb,
                background.0,
                *rect,
                over(list.items.iter(), rect, &layers),
            );
        }
    }
    state.inline = Some(start.elapsed());
}

/// The items of `items` that overlap `rect`, with their layers.
fn over<'a>(
    items: impl Iterator<Item = &'a DrawItem> + 'a,
    rect: &'a Rect,
    layers: &'a Query<&WidgetLayer>,
) -> impl Iterator<Item = (&'a DrawItem, &'a Layer)> + 'a {
    items
        .filter(|i| i.shown.overlaps(rect))
        .filter_map(|i| layers.get(i.entity).ok().map(|wl| (i, &*wl.layer)))
}
