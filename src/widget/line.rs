//! The line widget: a straight line between two points of its parent.

use bevy_ecs::prelude::*;

use super::{ToDraw, redraw_changed, widget_spec};
use crate::render::compose::RenderStats;
use crate::render::shapes::draw_line;
use crate::render::{Color, FrameBuffer};
use crate::widget::compile::Ctx;

widget_spec! {
    /// A line in a scene from (x, y) to (x2, y2): `Line(x: 0, y: 20, x2: 127, y2: 20)`.
    /// `anchor`, `width` and `height` do not apply to lines.
    pub struct LineSpec {
        /// x of the end point.
        #[serde(default)]
        pub x2: i32,
        /// y of the end point.
        #[serde(default)]
        pub y2: i32,
        /// Colour (default: the display's foreground).
        #[serde(default)]
        pub color: Option<String>,
        /// Pen width in pixels (default 1).
        #[serde(default = "crate::widget::one")]
        pub line_width: u32,
    }
}

/// A line's look, in coordinates relative to its own box.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct Line {
    /// Start point inside the box.
    pub from: (i32, i32),
    /// End point inside the box.
    pub to: (i32, i32),
    /// Colour.
    pub color: Color,
    /// Pen width.
    pub line_width: u32,
}

impl Line {
    /// Size of the box the line needs.
    pub fn size(&self) -> (u32, u32) {
        let w = self.line_width.max(1);
        (
            self.from.0.abs_diff(self.to.0) + w,
            self.from.1.abs_diff(self.to.1) + w,
        )
    }
}

/// Checks a scene line; returns its component and the top-left of its box in the parent.
pub fn compile(spec: &LineSpec, ctx: &mut Ctx) -> (Line, (i32, i32)) {
    let color = spec
        .color
        .as_deref()
        .map_or(ctx.foreground, |c| ctx.color("color", c));
    if spec.line_width == 0 {
        ctx.error(Some("line_width"), "line_width must be at least 1");
    }
    let origin = (spec.x.min(spec.x2), spec.y.min(spec.y2));
    let line = Line {
        from: (spec.x - origin.0, spec.y - origin.1),
        to: (spec.x2 - origin.0, spec.y2 - origin.1),
        color,
        line_width: spec.line_width.max(1),
    };
    (line, origin)
}

/// Redraws lines whose look changed.
pub fn draw_lines(mut q: ToDraw<Line>, fb: Res<FrameBuffer>, stats: Res<RenderStats>) {
    let mode = fb.mode();
    redraw_changed(&mut q, &stats, |l, wl| {
        let (w, h) = l.size();
        wl.pixels_mut().reset(w, h, mode);
        draw_line(wl.pixels_mut(), l.from, l.to, l.line_width, l.color);
    });
}

/// The `Line` kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct LineKind;

impl crate::widget::kind::Kind for LineKind {
    const NAME: &'static str = "Line";
    const STILL: bool = true;
    type Spec = LineSpec;
    type Compiled = Line;

    fn compile(
        spec: &LineSpec,
        ctx: &mut Ctx,
        placement: &mut crate::render::compose::Placement,
    ) -> Line {
        let (line, origin) = compile(spec, ctx);
        // A line is placed by its first point.
        placement.x = origin.0;
        placement.y = origin.1;
        placement.anchor = crate::render::Anchor::Lt;
        line
    }

    fn size(compiled: &Line) -> (u32, u32) {
        compiled.size()
    }

    fn spawn(compiled: &Line, entity: &mut bevy_ecs::world::EntityWorldMut) {
        entity.insert(compiled.clone());
    }

    fn systems(app: &mut bevy_app::App) {
        app.add_systems(
            crate::app::TickSchedule,
            draw_lines.in_set(crate::render::RenderSet::Draw),
        );
    }
}
