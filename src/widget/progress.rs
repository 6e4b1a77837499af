//! The progress bar widget: a value within a range shown as a filled part of a box.

use bevy_ecs::prelude::*;
use serde::Deserialize;

use super::drawing::{Draw, Drawing};
use super::{NumberOrExpr, widget_spec};
use crate::render::compose::Placement;
use crate::render::layer::Layer;
use crate::render::shapes::stroke_rect;
use crate::render::{Color, Rect};
use crate::widget::bind::{BindFields, Field, color, number, set_if_changed};
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

impl Draw for ProgressBar {
    fn draw(&self, layer: &mut Layer) {
        let (w, h) = self.size;
        let bounds = Rect::new(0, 0, w, h);
        if let Some(bg) = self.background {
            layer.fill_rect(bounds, bg);
        }
        let lw = match self.outline {
            Some(c) if self.line_width > 0 => {
                stroke_rect(layer, bounds, self.line_width, c);
                self.line_width
            }
            _ => 0,
        };
        let inner = Rect::new(
            lw as i32,
            lw as i32,
            w.saturating_sub(2 * lw),
            h.saturating_sub(2 * lw),
        );
        let f = self.fraction();
        let part = |len: u32| (len as f64 * f).round() as u32;
        let filled = match self.direction {
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
        layer.fill_rect(filled, self.fill);
    }
}

impl Drawing for ProgressBar {
    const NAME: &'static str = "ProgressBar";
    type Spec = ProgressBarSpec;

    fn compile(spec: &ProgressBarSpec, ctx: &mut Ctx, _placement: &mut Placement) -> ProgressBar {
        compile(spec, ctx)
    }

    fn size(&self) -> (u32, u32) {
        self.size
    }
}

impl BindFields for ProgressBar {
    const FIELDS: &'static [Field<Self>] = &[
        Field::new("value", |this, v| {
            set_if_changed(this, |p| &mut p.value, number(v));
            Ok(())
        }),
        Field::new("min", |this, v| {
            set_if_changed(this, |p| &mut p.min, number(v));
            Ok(())
        }),
        Field::new("max", |this, v| {
            set_if_changed(this, |p| &mut p.max, number(v));
            Ok(())
        }),
        Field::new("fill", |this, v| {
            set_if_changed(this, |p| &mut p.fill, color(v)?);
            Ok(())
        }),
    ];
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

    fn drawn(p: &ProgressBar) -> Layer {
        let mut layer = Layer::new(p.size.0, p.size.1, crate::render::PixelMode::Mono);
        p.draw(&mut layer);
        layer
    }

    #[test]
    fn fills_in_each_direction() {
        assert_pattern(
            &drawn(&bar(Direction::Ltr, 0.5)),
            &["###...", "###...", "###...", "###..."],
        );
        assert_pattern(
            &drawn(&bar(Direction::Rtl, 0.5)),
            &["...###", "...###", "...###", "...###"],
        );
        assert_pattern(
            &drawn(&bar(Direction::Ttb, 0.25)),
            &["######", "......", "......", "......"],
        );
        assert_pattern(
            &drawn(&bar(Direction::Btt, 0.5)),
            &["......", "......", "######", "######"],
        );
    }

    #[test]
    fn value_outside_the_range_is_clamped() {
        assert_eq!(bar(Direction::Ltr, 7.0).fraction(), 1.0);
        assert_eq!(bar(Direction::Ltr, -1.0).fraction(), 0.0);
    }
}
