//! The canvas widget: a group with its own size that places and clips its children.

use bevy_ecs::prelude::*;

use super::{ToDraw, redraw_changed, widget_spec};
use crate::render::compose::RenderStats;
use crate::render::{Color, FrameBuffer};
use crate::widget::compile::Ctx;
use crate::widget::kind::WidgetSpec;

widget_spec! {
    /// A canvas in a scene: `Canvas(x: 4, y: 30, width: 248, height: 8, children: [...])`.
    /// Children are placed relative to the canvas and clipped to it; canvases nest.
    pub struct CanvasSpec {
        /// Background colour (default: transparent).
        #[serde(default)]
        pub background: Option<String>,
        /// The widgets inside.
        #[serde(default)]
        pub children: Vec<WidgetSpec>,
    }
}

/// A canvas's size and background.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct Canvas {
    /// Width and height.
    pub size: (u32, u32),
    /// Background, if any.
    pub background: Option<Color>,
}

/// Inserts `component` with a clipping area of `size` (a canvas with `background`): what
/// every kind that places and clips children (canvas, marquee, sequence, page, index)
/// spawns.
pub fn spawn_clipping(
    entity: &mut bevy_ecs::world::EntityWorldMut,
    component: impl Bundle,
    size: (u32, u32),
    background: Option<Color>,
) {
    entity.insert((
        component,
        Canvas { size, background },
        crate::render::compose::ClipsChildren,
    ));
}

/// Checks a scene canvas and makes its component (children are compiled by the scene).
pub fn compile(spec: &CanvasSpec, ctx: &mut Ctx) -> Canvas {
    let size = ctx.required_size(spec.width, spec.height);
    let background = spec
        .background
        .as_deref()
        .map(|c| ctx.color("background", c));
    Canvas { size, background }
}

/// Redraws canvases whose size or background changed.
pub fn draw_canvases(mut q: ToDraw<Canvas>, fb: Res<FrameBuffer>, stats: Res<RenderStats>) {
    let mode = fb.mode();
    redraw_changed(&mut q, &stats, |c, wl| {
        wl.pixels_mut().reset(c.size.0, c.size.1, mode);
        if let Some(bg) = c.background {
            wl.pixels_mut().fill(bg);
        }
    });
}

/// The `Canvas` kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct CanvasKind;

impl crate::widget::kind::Kind for CanvasKind {
    const NAME: &'static str = "Canvas";
    const STILL: bool = true;
    type Spec = CanvasSpec;
    type Compiled = Canvas;

    fn compile(
        spec: &CanvasSpec,
        ctx: &mut Ctx,
        _placement: &mut crate::render::compose::Placement,
    ) -> Canvas {
        compile(spec, ctx)
    }

    fn size(compiled: &Canvas) -> (u32, u32) {
        compiled.size
    }

    fn spawn(compiled: &Canvas, entity: &mut bevy_ecs::world::EntityWorldMut) {
        entity.insert((compiled.clone(), crate::render::compose::ClipsChildren));
    }

    fn children(spec: &CanvasSpec) -> crate::widget::kind::Children<'_> {
        crate::widget::kind::Children::Inside(&spec.children)
    }

    fn systems(app: &mut bevy_app::App) {
        app.add_systems(
            crate::app::TickSchedule,
            draw_canvases.in_set(crate::render::RenderSet::Draw),
        );
    }
}
