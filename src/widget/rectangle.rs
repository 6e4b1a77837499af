//! The rectangle widget: an outline, a fill, or both.

use bevy_ecs::prelude::*;

use super::bind::{BindFields, Field, color, set_if_changed};
use super::drawing::{Draw, Drawing};
use super::widget_spec;
use crate::render::compose::Placement;
use crate::render::layer::Layer;
use crate::render::shapes::stroke_rect;
use crate::render::{Color, Rect};
use crate::widget::compile::Ctx;

widget_spec! {
    /// A rectangle in a scene: `Rectangle(x: 0, y: 0, width: 256, height: 64, outline: "white")`.
    pub struct RectangleSpec {
        /// Outline colour (default: the display's foreground when no fill is given).
        #[serde(default)]
        pub outline: Option<String>,
        /// Fill colour (default: none).
        #[serde(default)]
        pub fill: Option<String>,
        /// Outline width in pixels (default 1).
        #[serde(default = "crate::widget::one")]
        pub line_width: u32,
    }
}

/// A rectangle's look.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct Rectangle {
    /// Width and height.
    pub size: (u32, u32),
    /// Outline colour, if any.
    pub outline: Option<Color>,
    /// Fill colour, if any.
    pub fill: Option<Color>,
    /// Outline width.
    pub line_width: u32,
}

/// Checks a scene rectangle and makes its component.
pub fn compile(spec: &RectangleSpec, ctx: &mut Ctx) -> Rectangle {
    let size = ctx.required_size(spec.width, spec.height);
    let fg = ctx.foreground;
    let fill = spec
        .fill
        .as_deref()
        .map(|c| ctx.color_or_binding("fill", c, fg));
    let outline = match (&spec.outline, fill) {
        (Some(c), _) => Some(ctx.color_or_binding("outline", c, fg)),
        (None, None) => Some(ctx.foreground),
        (None, Some(_)) => None,
    };
    Rectangle {
        size,
        outline,
        fill,
        line_width: spec.line_width,
    }
}

impl Draw for Rectangle {
    fn draw(&self, layer: &mut Layer) {
        let bounds = Rect::new(0, 0, self.size.0, self.size.1);
        if let Some(fill) = self.fill {
            layer.fill_rect(bounds, fill);
        }
        if let Some(outline) = self.outline {
            stroke_rect(layer, bounds, self.line_width, outline);
        }
    }
}

impl Drawing for Rectangle {
    const NAME: &'static str = "Rectangle";
    type Spec = RectangleSpec;

    fn compile(spec: &RectangleSpec, ctx: &mut Ctx, _placement: &mut Placement) -> Rectangle {
        compile(spec, ctx)
    }

    fn size(&self) -> (u32, u32) {
        self.size
    }
}

impl BindFields for Rectangle {
    const FIELDS: &'static [Field<Self>] = &[
        Field::new("fill", |this, v| {
            set_if_changed(this, |r| &mut r.fill, Some(color(v)?));
            Ok(())
        }),
        Field::new("outline", |this, v| {
            set_if_changed(this, |r| &mut r.outline, Some(color(v)?));
            Ok(())
        }),
    ];
}
