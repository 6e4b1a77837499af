//! The rectangle widget: an outline, a fill, or both.

use bevy_ecs::prelude::*;

use super::{ToDraw, redraw_changed, widget_spec};
use crate::render::compose::{RenderStats, WidgetLayer};
use crate::render::shapes::stroke_rect;
use crate::render::{Color, FrameBuffer, Rect};
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

/// Draws a rectangle into a layer of its size.
pub fn draw(r: &Rectangle, wl: &mut WidgetLayer, mode: crate::render::PixelMode) {
    wl.pixels_mut().reset(r.size.0, r.size.1, mode);
    let bounds = Rect::new(0, 0, r.size.0, r.size.1);
    if let Some(fill) = r.fill {
        wl.pixels_mut().fill_rect(bounds, fill);
    }
    if let Some(outline) = r.outline {
        stroke_rect(wl.pixels_mut(), bounds, r.line_width, outline);
    }
}

/// Redraws rectangles whose look changed.
pub fn draw_rectangles(mut q: ToDraw<Rectangle>, fb: Res<FrameBuffer>, stats: Res<RenderStats>) {
    let mode = fb.mode();
    redraw_changed(&mut q, &stats, |r, wl| draw(r, wl, mode));
}

/// The `Rectangle` kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct RectangleKind;

impl crate::widget::kind::Kind for RectangleKind {
    const NAME: &'static str = "Rectangle";
    const STILL: bool = true;
    type Spec = RectangleSpec;
    type Compiled = Rectangle;

    fn compile(
        spec: &RectangleSpec,
        ctx: &mut Ctx,
        _placement: &mut crate::render::compose::Placement,
    ) -> Rectangle {
        compile(spec, ctx)
    }

    fn size(compiled: &Rectangle) -> (u32, u32) {
        compiled.size
    }

    fn spawn(compiled: &Rectangle, entity: &mut bevy_ecs::world::EntityWorldMut) {
        entity.insert(compiled.clone());
    }

    fn systems(app: &mut bevy_app::App) {
        crate::widget::bind::add_apply::<Rectangle>(app);
        app.add_systems(
            crate::app::TickSchedule,
            draw_rectangles.in_set(crate::render::RenderSet::Draw),
        );
    }
}

impl crate::widget::bind::BindFields for Rectangle {
    const FIELDS: &'static [&'static str] = &["fill", "outline"];

    fn set(
        this: &mut Mut<Self>,
        field: &'static str,
        value: &serde_json::Value,
    ) -> Result<(), crate::data::binding::BindingError> {
        use crate::widget::bind::{color, set_if_changed};
        let c = Some(color(value)?);
        match field {
            "fill" => set_if_changed(this, |r| &mut r.fill, c),
            _ => set_if_changed(this, |r| &mut r.outline, c),
        }
        Ok(())
    }
}
