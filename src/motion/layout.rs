//! Layout that follows content: index selection and stacks.

use bevy_ecs::prelude::*;

use crate::render::compose::{Placement, Visible, WidgetLayer};
use crate::render::{Anchor, FrameBuffer};
use crate::widget::group::{Axis, Index, Stack};

/// Shows only the selected child of each index whose selection changed.
pub fn show_index(
    indexes: Query<(&Index, &Children), Changed<Index>>,
    mut visible: Query<&mut Visible>,
) {
    for (index, children) in &indexes {
        for (i, child) in children.iter().enumerate() {
            if let Ok(mut v) = visible.get_mut(child) {
                let shown = index.selected == Some(i);
                if v.0 != shown {
                    v.0 = shown;
                }
            }
        }
    }
}

/// Places each stack's visible children one after the other and sizes the stack to fit.
pub fn layout_stacks(
    fb: Res<FrameBuffer>,
    mut stacks: Query<(&Stack, &Children, &mut WidgetLayer)>,
    mut kids: Query<(&mut Placement, &WidgetLayer, &Visible), Without<Stack>>,
) {
    for (stack, children, mut own) in &mut stacks {
        let (mut pos, mut cross) = (0i32, 0u32);
        for child in children.iter() {
            let Ok((mut placement, wl, visible)) = kids.get_mut(child) else {
                continue;
            };
            if !visible.0 {
                continue;
            }
            let (w, h) = (wl.layer.width(), wl.layer.height());
            let (x, y) = match stack.direction {
                Axis::Horizontal => (pos, 0),
                Axis::Vertical => (0, pos),
            };
            if (placement.x, placement.y, placement.anchor) != (x, y, Anchor::Lt) {
                placement.x = x;
                placement.y = y;
                placement.anchor = Anchor::Lt;
            }
            let (along, across) = match stack.direction {
                Axis::Horizontal => (w, h),
                Axis::Vertical => (h, w),
            };
            pos += along as i32 + stack.gap as i32;
            cross = cross.max(across);
        }
        let length = (pos - stack.gap as i32).max(0) as u32;
        let (w, h) = match stack.direction {
            Axis::Horizontal => (length, cross),
            Axis::Vertical => (cross, length),
        };
        if (own.layer.width(), own.layer.height()) != (w, h) {
            own.pixels_mut().reset(w, h, fb.mode());
        }
    }
}
