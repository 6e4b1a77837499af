//! The line widget: a straight line between two points of its parent.

use bevy_ecs::prelude::*;

use super::bind::{BindFields, Field};
use super::drawing::{Draw, Drawing};
use super::widget_spec;
use crate::render::Color;
use crate::render::compose::Placement;
use crate::render::layer::Layer;
use crate::render::shapes::draw_line;
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
    pub fn box_size(&self) -> (u32, u32) {
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

impl Draw for Line {
    fn draw(&self, layer: &mut Layer) {
        draw_line(layer, self.from, self.to, self.line_width, self.color);
    }
}

impl Drawing for Line {
    const NAME: &'static str = "Line";
    type Spec = LineSpec;

    fn compile(spec: &LineSpec, ctx: &mut Ctx, placement: &mut Placement) -> Line {
        let (line, origin) = compile(spec, ctx);
        // A line is placed by its first point.
        placement.x = origin.0;
        placement.y = origin.1;
        placement.anchor = crate::render::Anchor::Lt;
        line
    }

    fn size(&self) -> (u32, u32) {
        self.box_size()
    }
}

impl BindFields for Line {
    const FIELDS: &'static [Field<Self>] = &[];
}
