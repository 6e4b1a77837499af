//! The render steps inside [`TickSet::Render`] and the plugin that owns them: the draw
//! list, composition and painting. Widget kinds add their draw systems to
//! [`RenderSet::Draw`]; render-ahead ([`crate::ahead`]) is optional.

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;

use super::compose::{Background, DrawList, RenderStats, compose};
use super::paint::{PaintState, paint};
use crate::app::{TickSchedule, TickSet};

/// The steps of rendering inside [`TickSet::Render`], in order.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RenderSet {
    /// Widgets whose content changed redraw their layers (in parallel).
    Draw,
    /// Motion that depends on the size of freshly drawn content (marquees) is worked out.
    Layout,
    /// Moving layers are placed (first), the draw list is rebuilt where widgets changed
    /// and this tick's damage worked out.
    Compose,
    /// The damaged rectangles are painted into the frame buffer.
    Paint,
}

/// Owns rendering: the steps, the draw list, the compositor and the inline paint.
#[derive(Debug, Default, Clone, Copy)]
pub struct RenderPlugin;

impl Plugin for RenderPlugin {
    fn build(&self, app: &mut App) {
        app.configure_sets(
            TickSchedule,
            (
                RenderSet::Draw,
                RenderSet::Layout,
                RenderSet::Compose,
                RenderSet::Paint,
            )
                .chain()
                .in_set(TickSet::Render),
        );
        app.init_resource::<DrawList>();
        app.init_resource::<RenderStats>();
        app.init_resource::<Background>();
        app.init_resource::<PaintState>();
        app.add_systems(TickSchedule, compose.in_set(RenderSet::Compose));
        app.add_systems(TickSchedule, paint.in_set(RenderSet::Paint));
    }
}
