//! The progress bar widget: a value within a range shown as a filled part of a box.

use bevy_ecs::prelude::*;
use serde::Deserialize;

use super::{NumberOrExpr, ToDraw, redraw_changed, widget_spec};
use crate::render::compose::{RenderStats, WidgetLayer};
use crate::render::shapes::stroke_rect;
use crate::render::{Color, FrameBuffer, PixelMode, Rect};
use crate::widget::compile::Ctx;

/// Which way a bar fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Left to right (default).
    #[default]
    Ltr,
    /// Right to left.
    Rtl,
    /// Top to bottom.
    Ttb,
    /// Bottom to top.
    Btt,
}

fn zero_n() -> NumberOrExpr {
    NumberOrExpr::Number(0.0)
}

fn one_n() -> NumberOrExpr {
    NumberOrExpr::Number(1.0)
}

widget_spec! {
    /// A progress bar in a scene: `ProgressBar(x: 4, y: 48, width: 200, height: 6, value: 0.25)`.
    pub struct ProgressBarSpec {
        /// The value shown (default 0): a number or an expression (`"mpd.elapsed / mpd.duration"`).
        #[serde(default = "zero_n")]
        pub value: NumberOrExpr,
        /// Value of an empty bar (default 0); a number or an expression.
        #[serde(default = "zero_n")]
        pub min: NumberOrExpr,
        /// Value of a full bar (default 1); a number or an expression.
        #[serde(default = "one_n")]
        pub max: NumberOrExpr,
        /// Fill direction: ltr (default), rtl, ttb, btt.
        #[serde(default)]
        pub direction: Direction,
        /// Outline colour (default: the foreground; "transparent" for none).
        #[serde(default)]
        pub outline: Option<String>,
        /// Fill colour (default: the foreground).
        #[serde(default)]
        pub fill: Option<String>,
        /// Colour of the unfilled part (default: transparent).
        #[serde(default)]
        pub background: Option<String>,
        /// Outline width (default 1; 0 for none).
        #[serde(default = "crate::widget::one")]
        pub line_width: u32,
    }
}

/// A progress bar's value and look.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct ProgressBar {
    /// Width and height.
    pub size: (u32, u32),
    /// Current value.
    pub value: f64,
    /// Value of an empty bar.
    pub min: f64,
    /// Value of a full bar.
    pub max: f64,
    /// Fill direction.
    pub direction: Direction,
    /// Outline colour.
    pub outline: Option<Color>,
    /// Fill colour.
    pub fill: Color,
    /// Unfilled part's colour.
    pub background: Option<Color>,
    /// Outline width.
    pub line_width: u32,
}

impl ProgressBar {
    /// The filled fraction, 0..=1 (a bad range or value shows empty).
    pub fn fraction(&self) -> f64 {
        let f = (self.value - self.min) / (self.max - self.min);
        if f.is_finite() {
            f.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// Checks a scene progress bar and makes its component.
pub fn compile(spec: &ProgressBarSpec, ctx: &mut Ctx) -> ProgressBar {
    let size = ctx.required_size(spec.width, spec.height);
    let value = ctx.number_or_binding("value", &spec.value, 0.0);
    let min = ctx.number_or_binding("min", &spec.min, 0.0);
    let max = ctx.number_or_binding("max", &spec.max, 1.0);
    let fixed = |n: &NumberOrExpr| matches!(n, NumberOrExpr::Number(_));
    if fixed(&spec.min)
        && fixed(&spec.max)
        && max.partial_cmp(&min) != Some(std::cmp::Ordering::Greater)
    {
        ctx.error(
            Some("max"),
            format!("max ({max}) must be greater than min ({min})"),
        );
    }
    let fg = ctx.foreground;
    ProgressBar {
        size,
        value,
        min,
        max,
        direction: spec.direction,
        outline: Some(
            spec.outline
                .as_deref()
                .map_or(fg, |c| ctx.color("outline", c)),
        ),
        fill: spec
            .fill
            .as_deref()
            .map_or(fg, |c| ctx.color_or_binding("fill", c, fg)),
        background: spec
            .background
            .as_deref()
            .map(|c| ctx.color("background", c)),
        line_width: spec.line_width,
    }
}

/// Draws a bar into a layer of its size.
pub fn draw(p: &ProgressBar, wl: &mut WidgetLayer, mode: PixelMode) {
    let (w, h) = p.size;
    wl.pixels_mut().reset(w, h, mode);
    let bounds = Rect::new(0, 0, w, h);
    if let Some(bg) = p.background {
        wl.pixels_mut().fill_rect(bounds, bg);
    }
    let lw = match p.outline {
        Some(c) if p.line_width > 0 => {
            stroke_rect(wl.pixels_mut(), bounds, p.line_width, c);
            p.line_width
        }
        _ => 0,
    };
    let inner = Rect::new(
        lw as i32,
        lw as i32,
        w.saturating_sub(2 * lw),
        h.saturating_sub(2 * lw),
    );
    let f = p.fraction();
    let part = |len: u32| (len as f64 * f).round() as u32;
    let filled = match p.direction {
        Direction::Ltr => Rect::new(inner.x, inner.y, part(inner.w), inner.h),
        Direction::Rtl => {
            let fw = part(inner.w);
            Rect::new(inner.right() - fw as i32, inner.y, fw, inner.h)
        }
        Direction::Ttb => Rect::new(inner.x, inner.y, inner.w, part(inner.h)),
        Direction::Btt => {
            let fh = part(inner.h);
            Rect::new(inner.x, inner.bottom() - fh as i32, inner.w, fh)
        }
    };
    wl.pixels_mut().fill_rect(filled, p.fill);
}

/// Redraws bars whose value or look changed.
pub fn draw_progress_bars(
    mut q: ToDraw<ProgressBar>,
    fb: Res<FrameBuffer>,
    stats: Res<RenderStats>,
) {
    let mode = fb.mode();
    redraw_changed(&mut q, &stats, |p, wl| draw(p, wl, mode));
}

/// The `ProgressBar` kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProgressBarKind;

impl crate::widget::kind::Kind for ProgressBarKind {
    const NAME: &'static str = "ProgressBar";
    const STILL: bool = true;
    type Spec = ProgressBarSpec;
    type Compiled = ProgressBar;

    fn compile(
        spec: &ProgressBarSpec,
        ctx: &mut Ctx,
        _placement: &mut crate::render::compose::Placement,
    ) -> ProgressBar {
        compile(spec, ctx)
    }

    fn size(compiled: &ProgressBar) -> (u32, u32) {
        compiled.size
    }

    fn spawn(compiled: &ProgressBar, entity: &mut bevy_ecs::world::EntityWorldMut) {
        entity.insert(compiled.clone());
    }

    fn systems(app: &mut bevy_app::App) {
        crate::widget::bind::add_apply::<ProgressBar>(app);
        app.add_systems(
            crate::app::TickSchedule,
            draw_progress_bars.in_set(crate::render::RenderSet::Draw),
        );
    }
}

impl crate::widget::bind::BindFields for ProgressBar {
    const FIELDS: &'static [&'static str] = &["value", "min", "max", "fill"];

    fn set(
        this: &mut Mut<Self>,
        field: &'static str,
        value: &serde_json::Value,
    ) -> Result<(), crate::data::binding::BindingError> {
        use crate::widget::bind::{color, number, set_if_changed};
        match field {
            "value" => set_if_changed(this, |p| &mut p.value, number(value)),
            "min" => set_if_changed(this, |p| &mut p.min, number(value)),
            "max" => set_if_changed(this, |p| &mut p.max, number(value)),
            _ => set_if_changed(this, |p| &mut p.fill, color(value)?),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::shapes::pattern::assert_pattern;

    fn bar(direction: Direction, value: f64) -> ProgressBar {
        ProgressBar {
            size: (6, 4),
            value,
            min: 0.0,
            max: 1.0,
            direction,
            outline: None,
            fill: Color::WHITE,
            background: None,
            line_width: 0,
        }
    }

    fn drawn(p: &ProgressBar) -> WidgetLayer {
        let mut wl = WidgetLayer::default();
        draw(p, &mut wl, PixelMode::Mono);
        wl
    }

    #[test]
    fn fills_in_each_direction() {
        assert_pattern(
            &drawn(&bar(Direction::Ltr, 0.5)).layer,
            &["###...", "###...", "###...", "###..."],
        );
        assert_pattern(
            &drawn(&bar(Direction::Rtl, 0.5)).layer,
            &["...###", "...###", "...###", "...###"],
        );
        assert_pattern(
            &drawn(&bar(Direction::Ttb, 0.25)).layer,
            &["######", "......", "......", "......"],
        );
        assert_pattern(
            &drawn(&bar(Direction::Btt, 0.5)).layer,
            &["......", "......", "######", "######"],
        );
    }

    #[test]
    fn value_outside_the_range_is_clamped() {
        assert_eq!(bar(Direction::Ltr, 7.0).fraction(), 1.0);
        assert_eq!(bar(Direction::Ltr, -1.0).fraction(), 0.0);
    }
}
