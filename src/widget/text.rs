//! The text widget: a string in a font chain, aligned, optionally wrapped to its width.

use std::sync::Arc;

use bevy_ecs::prelude::*;

use super::{ToDrawWith, is_template, redraw_changed_with, widget_spec};
use crate::render::compose::{RenderStats, WidgetLayer};
use crate::render::font::Font;
use crate::render::text::{Align, TextLayout, TextStyle, layout, line};
use crate::render::{Color, FrameBuffer, PixelMode};
use crate::widget::bind::{Field, color, set_if_changed, set_text};
use crate::widget::compile::Ctx;

widget_spec! {
    /// Text in a scene: `Text(x: 4, y: 3, text: "12:34:56", font: "large")`.
    pub struct TextSpec {
        /// The text; `\n` starts a new line. A template (`"{{ mpd.artist }} – {{ mpd.title }}"`)
        /// is filled from the dataset.
        pub text: String,
        /// Shown while the template cannot be filled (a missing key, a type error); default empty.
        #[serde(default)]
        pub fallback: String,
        /// Font name from the scene's `fonts` (default: the scene's first font, or the built-in `small`).
        #[serde(default)]
        pub font: Option<String>,
        /// Colour (default: the display's foreground).
        #[serde(default)]
        pub color: Option<String>,
        /// Alignment within the widget's width: left (default), center, right.
        #[serde(default)]
        pub align: Align,
        /// Wrap at spaces to fit `width` (default false).
        #[serde(default)]
        pub wrap: bool,
        /// Extra pixels between lines (default 0, may be negative; -512 to 512).
        #[serde(default)]
        pub line_spacing: i32,
    }
}

/// A text widget's content and look.
/// Spawning one brings its [`Drawn`] record (the draw system needs it).
#[derive(Component, Debug, Clone)]
#[require(Drawn)]
pub struct Text {
    /// The string shown.
    pub content: String,
    /// Primary font first, then the fallbacks for glyphs it lacks.
    pub fonts: Vec<Arc<Font>>,
    /// Alignment, wrapping and line spacing.
    pub style: TextStyle,
    /// Colour.
    pub color: Color,
    /// Fixed box width (default: the text's own width).
    pub width: Option<u32>,
    /// Fixed box height (default: the text's own height).
    pub height: Option<u32>,
}

impl Text {
    /// Lays the text out in its fonts.
    pub fn layout(&self) -> TextLayout {
        layout(&self.content, &self.fonts, &self.style)
    }

    /// The widget's size: its fixed box, else the laid-out text's extent.
    pub fn size(&self, laid: &TextLayout) -> (u32, u32) {
        (
            self.width.unwrap_or(laid.width),
            self.height.unwrap_or(laid.height),
        )
    }
}

/// The largest line spacing, either way, in pixels.
pub const MAX_LINE_SPACING: i32 = 512;

/// Checks a scene text and makes its component.
pub fn compile(spec: &TextSpec, ctx: &mut Ctx) -> Text {
    let fonts = ctx.font_chain(spec.font.as_deref());
    let fg = ctx.foreground;
    let color = spec
        .color
        .as_deref()
        .map_or(fg, |c| ctx.color_or_binding("color", c, fg));
    let content = if is_template(&spec.text) {
        ctx.bind_template("text", "text", &spec.text, spec.fallback.clone().into());
        spec.fallback.clone()
    } else {
        spec.text.clone()
    };
    if !(-MAX_LINE_SPACING..=MAX_LINE_SPACING).contains(&spec.line_spacing) {
        ctx.error(
            Some("line_spacing"),
            format!(
                "line_spacing must be -{MAX_LINE_SPACING} to {MAX_LINE_SPACING} pixels, not {}",
                spec.line_spacing
            ),
        );
    }
    if spec.wrap && spec.width.is_none() {
        ctx.error(Some("wrap"), "wrap needs a width to wrap to");
    }
    let wrap_width = if spec.wrap { spec.width } else { None };
    Text {
        content,
        fonts,
        style: TextStyle {
            align: spec.align,
            wrap_width,
            line_spacing: spec.line_spacing,
        },
        color,
        width: spec.width,
        height: spec.height,
    }
}

/// What a text's layer holds: the one ASCII line last drawn into it and how, so the next
/// redraw can redraw only the characters that changed (a clock's seconds, a value's last
/// digit) and say so to composition ([`WidgetLayer::dirty`]).
#[derive(Component, Debug, Clone, Default)]
pub struct Drawn {
    /// The line drawn; `None` when the layer holds anything else (a laid-out text, or
    /// nothing yet).
    line: Option<String>,
    /// The fonts, style, colour and start it was drawn with (the layer keeps its size
    /// and mode).
    fonts: Vec<Arc<Font>>,
    style: TextStyle,
    color: Option<Color>,
    x: i32,
    /// The layer generation after that draw (another writer would have bumped it).
    generation: u64,
}

impl Drawn {
    /// The line in the layer, when it was drawn exactly as `t` would be at `x` in a layer
    /// of `size` (so only the characters differ).
    fn line_like(
        &self,
        t: &Text,
        wl: &WidgetLayer,
        x: i32,
        size: (u32, u32),
        mode: PixelMode,
    ) -> Option<&str> {
        let l = &wl.layer;
        let same = self.generation == wl.generation
            && self.x == x
            && (l.width(), l.height(), l.mode()) == (size.0, size.1, mode)
            && self.color == Some(t.color)
            && self.style == t.style
            && self.fonts.len() == t.fonts.len()
            && self
                .fonts
                .iter()
                .zip(&t.fonts)
                .all(|(a, b)| Arc::ptr_eq(a, b));
        self.line.as_deref().filter(|_| same)
    }
}

/// Draws a text into a layer of its size (one ASCII line without a glyph list; only the
/// changed characters when the layer holds the same line drawn the same way before).
pub fn draw(t: &Text, wl: &mut WidgetLayer, drawn: &mut Drawn, mode: PixelMode) {
    let after = wl.generation.wrapping_add(1);
    let Some(one) = line(&t.content, &t.fonts, &t.style) else {
        drawn.line = None;
        let laid = t.layout();
        let (w, h) = t.size(&laid);
        wl.pixels_mut().reset(w, h, mode);
        laid.draw(wl.pixels_mut(), t.block_x(w, laid.width), 0, t.color);
        return;
    };
    let size = (t.width.unwrap_or(one.width), t.height.unwrap_or(one.height));
    let x = t.block_x(size.0, one.width);
    if let Some(old) = drawn.line_like(t, wl, x, size, mode)
        && let Some(changed) = one.redraw_over(old, wl.pixels_mut(), x, 0, t.color)
    {
        wl.dirty = Some(changed);
    } else {
        wl.pixels_mut().reset(size.0, size.1, mode);
        one.draw(wl.pixels_mut(), x, 0, t.color);
        drawn.fonts.clone_from(&t.fonts);
        drawn.style.clone_from(&t.style);
        (drawn.color, drawn.x) = (Some(t.color), x);
    }
    let kept = drawn.line.get_or_insert_with(String::new);
    kept.clear();
    kept.push_str(&t.content);
    drawn.generation = after;
}

impl Text {
    /// Where a laid-out block `width` wide starts in a box `w` wide: a wrapped layout
    /// already spans the width; a fixed-width box aligns the block in it.
    fn block_x(&self, w: u32, width: u32) -> i32 {
        let slack = w.saturating_sub(width) as i32;
        match (self.style.wrap_width, self.style.align) {
            (Some(_), _) | (None, Align::Left) => 0,
            (None, Align::Center) => slack / 2,
            (None, Align::Right) => slack,
        }
    }
}

/// Redraws texts whose content or look changed, in parallel.
pub fn draw_texts(mut q: ToDrawWith<Text, Drawn>, fb: Res<FrameBuffer>, stats: Res<RenderStats>) {
    let mode = fb.mode();
    redraw_changed_with(&mut q, &stats, |t, wl, drawn| draw(t, wl, drawn, mode));
}

/// The `Text` kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextKind;

impl crate::widget::kind::Kind for TextKind {
    const NAME: &'static str = "Text";
    const STILL: bool = true;
    type Spec = TextSpec;
    type Compiled = Text;

    fn compile(
        spec: &TextSpec,
        ctx: &mut Ctx,
        _placement: &mut crate::render::compose::Placement,
    ) -> Text {
        compile(spec, ctx)
    }

    fn size(compiled: &Text) -> (u32, u32) {
        compiled.size(&compiled.layout())
    }

    fn spawn(compiled: &Text, entity: &mut bevy_ecs::world::EntityWorldMut) {
        entity.insert(compiled.clone());
    }

    fn systems(app: &mut bevy_app::App) {
        crate::widget::bind::add_apply::<Text>(app);
        app.add_systems(
            crate::app::TickSchedule,
            draw_texts.in_set(crate::render::RenderSet::Draw),
        );
    }
}

impl crate::widget::bind::BindFields for Text {
    const FIELDS: &'static [Field<Self>] = &[
        Field::new("text", |this, v| {
            set_text(this, |t| &mut t.content, v);
            Ok(())
        }),
        Field::new("color", |this, v| {
            set_if_changed(this, |t| &mut t.color, color(v)?);
            Ok(())
        }),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_spawned_by_hand_gets_its_drawn_record() {
        // The draw system only sees texts with a `Drawn`: a user's own `Text` has one too.
        let mut world = World::new();
        let text = Text {
            content: "12:00".into(),
            fonts: Vec::new(),
            style: TextStyle::default(),
            color: Color::WHITE,
            width: None,
            height: None,
        };
        let e = world.spawn(text).id();
        assert!(world.entity(e).contains::<Drawn>());
    }
}
