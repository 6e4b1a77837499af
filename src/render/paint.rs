//! The paint step: this tick's damaged rectangles filled from the draw list, unless a
//! frame rendered ahead already filled them.

use std::time::{Duration, Instant};

use bevy_ecs::prelude::*;

use super::compose::{Background, DrawList, WidgetLayer, paint_rect};
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

/// Paints this tick's damage from the draw list (nothing on an idle tick).
pub fn paint(
    mut fb: ResMut<FrameBuffer>,
    background: Res<Background>,
    list: Res<DrawList>,
    layers: Query<&WidgetLayer>,
    mut state: ResMut<PaintState>,
    mut damage: Local<Vec<Rect>>,
) {
    let state = state.bypass_change_detection();
    state.inline = None;
    if std::mem::take(&mut state.filled) || fb.damage().is_empty() {
        return;
    }
    let start = Instant::now();
    damage.clear();
    damage.extend_from_slice(fb.damage());
    for rect in damage.iter() {
        paint_rect(
            &mut fb,
            background.0,
            *rect,
            list.items
                .iter()
                .filter(|i| i.shown.overlaps(rect))
                .filter_map(|i| layers.get(i.entity).ok().map(|wl| (i, &*wl.layer))),
        );
    }
    state.inline = Some(start.elapsed());
}
