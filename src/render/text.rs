//! Text layout: characters to positioned glyphs in a font chain, with line breaks,
//! word wrapping to a width, line spacing and alignment.

use std::sync::Arc;

use serde::Deserialize;

use super::color::Color;
use super::font::{Font, Glyph};
use super::geometry::Rect;
use super::layer::{Layer, Mask};

/// Horizontal alignment of each line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// Flush left (the default).
    #[default]
    Left,
    /// Centred.
    Center,
    /// Flush right.
    Right,
}

/// How a text is laid out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextStyle {
    /// Alignment of each line within the layout's width.
    pub align: Align,
    /// Wrap at spaces to this width.
    pub wrap_width: Option<u32>,
    /// Extra pixels between lines (may be negative).
    pub line_spacing: i32,
}

/// A glyph at its place: the bitmap's top-left relative to the layout's top-left.
#[derive(Debug, Clone)]
struct Placed {
    glyph: Arc<Glyph>,
    x: i32,
    y: i32,
}

/// A laid-out text, ready to draw.
#[derive(Debug, Clone, Default)]
pub struct TextLayout {
    /// Width: the widest line, or the wrap width.
    pub width: u32,
    /// Height: lines × line height − line spacing.
    pub height: u32,
    lines: usize,
    glyphs: Vec<Placed>,
}

/// One character resolved to the first font of the chain that has it.
struct Shaped {
    ch: char,
    glyph: Option<Arc<Glyph>>,
    advance: i32,
}

fn shape(ch: char, fonts: &[Arc<Font>]) -> Shaped {
    let found = fonts
        .iter()
        .find_map(|f| f.glyph(ch))
        .or_else(|| fonts.first().and_then(|f| f.glyph('?')));
    let advance = found.as_ref().map_or(0, |g| g.advance);
    Shaped {
        ch,
        glyph: found,
        advance,
    }
}

/// Splits one paragraph into lines no wider than `width` (greedy, at spaces; a word
/// wider than the width is cut between characters). Spaces at a break are dropped.
fn wrap(chars: Vec<Shaped>, width: Option<u32>) -> Vec<Vec<Shaped>> {
    let Some(max) = width.map(|w| w as i32) else {
        return vec![chars];
    };
    let mut lines: Vec<Vec<Shaped>> = vec![Vec::new()];
    let mut line_w = 0;
    let mut word: Vec<Shaped> = Vec::new();
    let mut word_w = 0;
    let flush_word = |lines: &mut Vec<Vec<Shaped>>,
                      line_w: &mut i32,
                      word: &mut Vec<Shaped>,
                      word_w: &mut i32| {
        if word.is_empty() {
            return;
        }
        let cur = lines.last().map_or(0, |l| l.len());
        if cur > 0 && *line_w + *word_w > max {
            // Drop trailing spaces of the full line and start a new one.
            if let Some(l) = lines.last_mut() {
                while l.last().is_some_and(|s| s.ch == ' ') {
                    l.pop();
                }
            }
            lines.push(Vec::new());
            *line_w = 0;
        }
        for s in word.drain(..) {
            if *line_w + s.advance > max && lines.last().is_some_and(|l| !l.is_empty()) {
                lines.push(Vec::new());
                *line_w = 0;
            }
            *line_w += s.advance;
            if let Some(l) = lines.last_mut() {
                l.push(s);
            }
        }
        *word_w = 0;
    };
    for s in chars {
        if s.ch == ' ' {
            flush_word(&mut lines, &mut line_w, &mut word, &mut word_w);
            let at_start = lines.last().is_none_or(|l| l.is_empty());
            if !at_start {
                line_w += s.advance;
                if let Some(l) = lines.last_mut() {
                    l.push(s);
                }
            }
        } else {
            word_w += s.advance;
            word.push(s);
        }
    }
    flush_word(&mut lines, &mut line_w, &mut word, &mut word_w);
    if let Some(l) = lines.last_mut() {
        while l.last().is_some_and(|s| s.ch == ' ') {
            l.pop();
        }
    }
    lines
}

/// Lays out `text` in `fonts` (primary first, then fallbacks for missing glyphs).
pub fn layout(text: &str, fonts: &[Arc<Font>], style: &TextStyle) -> TextLayout {
    let Some(primary) = fonts.first() else {
        return TextLayout::default();
    };
    // Every line's characters in order in one list, each line a range of it.
    let mut shaped: Vec<Shaped> = Vec::with_capacity(text.len());
    let mut lines: Vec<std::ops::Range<usize>> = Vec::new();
    for para in text.split('\n') {
        let start = shaped.len();
        shaped.extend(para.chars().filter(|c| *c != '\r').map(|c| shape(c, fonts)));
        if style.wrap_width.is_none() {
            lines.push(start..shaped.len());
            continue;
        }
        let para = shaped.split_off(start);
        for line in wrap(para, style.wrap_width) {
            let at = shaped.len();
            shaped.extend(line);
            lines.push(at..shaped.len());
        }
    }
    let line_width =
        |r: &std::ops::Range<usize>| shaped[r.clone()].iter().map(|s| s.advance).sum::<i32>();
    let width = style
        .wrap_width
        .unwrap_or_else(|| lines.iter().map(line_width).max().unwrap_or(0).max(0) as u32);
    // Saturating: a huge negative line spacing must not overflow (it is refused at load).
    let line_h = primary.line_height().saturating_add(style.line_spacing);
    let height = (lines.len() as i64 * line_h as i64 - style.line_spacing as i64)
        .clamp(0, i64::from(u16::MAX)) as u32;
    let widths: Vec<i32> = match style.align {
        Align::Left => Vec::new(),
        _ => lines.iter().map(line_width).collect(),
    };
    let mut glyphs = Vec::with_capacity(shaped.len());
    let mut chars = shaped.into_iter();
    for (i, line) in lines.iter().enumerate() {
        let slack = width as i32 - widths.get(i).copied().unwrap_or(0);
        let mut x = match style.align {
            Align::Left => 0,
            Align::Center => slack / 2,
            Align::Right => slack,
        };
        let baseline = (i as i32)
            .saturating_mul(line_h)
            .saturating_add(primary.ascent());
        for s in chars.by_ref().take(line.len()) {
            if let Some(g) = s.glyph {
                let (gx, gy) = (x + g.left, baseline - g.top);
                glyphs.push(Placed {
                    glyph: g,
                    x: gx,
                    y: gy,
                });
            }
            x += s.advance;
        }
    }
    TextLayout {
        width,
        height,
        lines: lines.len(),
        glyphs,
    }
}

impl TextLayout {
    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.lines
    }

    /// Draws the text with its top-left at (x, y) of `layer`, clipped by the layer.
    pub fn draw(&self, layer: &mut Layer, x: i32, y: i32, color: Color) {
        let clip = layer.bounds();
        for p in &self.glyphs {
            draw_glyph(layer, clip, &p.glyph, x + p.x, y + p.y, color);
        }
    }
}

/// Draws one glyph with its bitmap's top-left at (x, y), only inside `clip`.
#[inline]
fn draw_glyph(layer: &mut Layer, clip: Rect, g: &Glyph, x: i32, y: i32, color: Color) {
    if !g.rows.is_empty() && color.a == 255 {
        layer.stamp_bits_in(clip, x, y, g.width, &g.rows, color);
    } else {
        let mask = Mask {
            size: (g.width, g.height),
            coverage: &g.coverage,
            binary: g.binary,
        };
        layer.blend_mask_in(clip, (x, y), mask, color);
    }
}

/// One line of ASCII text, measured without a glyph list: what [`layout`] gives for
/// it, at no allocation (most bound texts are one short line: a value, a clock).
#[derive(Debug, Clone, Copy)]
pub struct AsciiLine<'a> {
    text: &'a str,
    fonts: &'a [Arc<Font>],
    ascent: i32,
    /// Width: the sum of the advances.
    pub width: u32,
    /// Height: one line.
    pub height: u32,
}

/// `text` as one [`AsciiLine`]; `None` when it needs [`layout`]: a character beyond ASCII, a
/// newline, wrapping, no font, or advances that sum below zero.
pub fn line<'a>(text: &'a str, fonts: &'a [Arc<Font>], style: &TextStyle) -> Option<AsciiLine<'a>> {
    if style.wrap_width.is_some() || !text.is_ascii() || text.contains('\n') {
        return None;
    }
    let primary = fonts.first()?;
    let width: i32 = text
        .bytes()
        .filter(|&b| b != b'\r')
        .map(|b| table_shape(char::from(b), fonts).map_or(0, |g| g.advance))
        .sum();
    // As `layout` computes one line's height, saturation included.
    let line_h = primary.line_height().saturating_add(style.line_spacing);
    let height = (i64::from(line_h) - i64::from(style.line_spacing)).clamp(0, i64::from(u16::MAX));
    Some(AsciiLine {
        text,
        fonts,
        ascent: primary.ascent(),
        width: u32::try_from(width).ok()?,
        height: height as u32,
    })
}

/// [`shape`] for an ASCII character, borrowing the glyph from the fonts' tables.
fn table_shape(ch: char, fonts: &[Arc<Font>]) -> Option<&Glyph> {
    fonts
        .iter()
        .find_map(|f| f.table_glyph(ch))
        .or_else(|| fonts.first()?.table_glyph('?'))
}

impl AsciiLine<'_> {
    /// Draws the line with its top-left at (x, y) of `layer`, as [`TextLayout::draw`] would.
    pub fn draw(&self, layer: &mut Layer, x: i32, y: i32, color: Color) {
        self.draw_in(layer, layer.bounds(), x, y, color);
    }

    /// [`AsciiLine::draw`] painting only inside `clip`; glyphs wholly outside it are skipped.
    fn draw_in(&self, layer: &mut Layer, clip: Rect, x: i32, y: i32, color: Color) {
        let mut pen = x;
        for b in self.text.bytes().filter(|&b| b != b'\r') {
            if let Some(g) = table_shape(char::from(b), self.fonts) {
                let gx = pen + g.left;
                if gx < clip.right() && gx.saturating_add(g.width as i32) > clip.x {
                    draw_glyph(layer, clip, g, gx, y + self.ascent - g.top, color);
                }
                pen += g.advance;
            }
        }
    }

    /// Makes `layer`, which holds the line `old` drawn by [`AsciiLine::draw`] at the same
    /// (x, y), colour and fonts, hold this line as [`AsciiLine::draw`] would draw it on a
    /// fresh layer of the same size, redrawing only the columns where the two differ:
    /// from the first differing character on, as far as either line's changed glyphs
    /// reach. Returns those columns (the layer's full height; empty when nothing
    /// changed). `None`, leaving the layer alone, when `old` is not one ASCII line.
    pub fn redraw_over(
        &self,
        old: &str,
        layer: &mut Layer,
        x: i32,
        y: i32,
        color: Color,
    ) -> Option<Rect> {
        if !old.is_ascii() || old.contains(['\n', '\r']) || self.text.contains('\r') {
            return None;
        }
        let (a, b) = (old.as_bytes(), self.text.as_bytes());
        let same = a.iter().zip(b).take_while(|(p, q)| p == q).count();
        let mut pen = x;
        for &c in &b[..same] {
            pen += table_shape(char::from(c), self.fonts).map_or(0, |g| g.advance);
        }
        // The columns the changed glyphs of either line cover.
        let (mut lo, mut hi) = (i32::MAX, i32::MIN);
        for tail in [&a[same..], &b[same..]] {
            let mut p = pen;
            for &c in tail {
                if let Some(g) = table_shape(char::from(c), self.fonts) {
                    if g.width > 0 {
                        lo = lo.min(p + g.left);
                        hi = hi.max(p + g.left + g.width as i32);
                    }
                    p += g.advance;
                }
            }
        }
        let changed = if lo < hi {
            Rect::new(lo, 0, (hi - lo) as u32, layer.height()).intersect(&layer.bounds())
        } else {
            Rect::default()
        };
        if !changed.is_empty() {
            // Every pixel there becomes what the glyphs over it, in order, paint on a
            // fresh layer: cleared, then all the glyphs reaching it drawn, cut to it.
            layer.clear_rect(changed);
            self.draw_in(layer, changed, x, y, color);
        }
        Some(changed)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::render::PixelMode;
    use crate::render::shapes::pattern::assert_pattern;

    fn font(name: &str, size: Option<f32>) -> Arc<Font> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/fonts")
            .join(name);
        Arc::new(Font::load(&path, size).expect("font"))
    }

    fn drawn(text: &str, fonts: &[Arc<Font>], style: &TextStyle) -> Layer {
        let l = layout(text, fonts, style);
        let mut layer = Layer::new(l.width, l.height, PixelMode::Mono);
        l.draw(&mut layer, 0, 0, Color::WHITE);
        layer
    }

    #[test]
    fn a_bitmap_glyph_exactly() {
        let small = font("spleen-5x8.bdf", None);
        assert_pattern(
            &drawn("A", &[small], &TextStyle::default()),
            &[
                ".....", ".##..", "#..#.", "#..#.", "####.", "#..#.", "#..#.", ".....",
            ],
        );
    }

    #[test]
    fn alignment_within_the_wrap_width() {
        let small = font("spleen-5x8.bdf", None);
        let right = TextStyle {
            align: Align::Right,
            wrap_width: Some(12),
            ..TextStyle::default()
        };
        let l = layout("i", std::slice::from_ref(&small), &right);
        assert_eq!((l.width, l.height), (12, 8));
        let layer = drawn("i", std::slice::from_ref(&small), &right);
        let centre = drawn(
            "i",
            &[small],
            &TextStyle {
                align: Align::Center,
                wrap_width: Some(12),
                ..TextStyle::default()
            },
        );
        let col =
            |l: &Layer| (0..12).find(|&x| (0..8).any(|y| l.get(x, y).is_some_and(|p| p.1 > 0)));
        assert!(
            col(&layer) > col(&centre),
            "right-aligned ink starts right of centred ink"
        );
    }

    #[test]
    fn wrapping_and_line_spacing() {
        let small = font("spleen-5x8.bdf", None);
        let style = TextStyle {
            wrap_width: Some(20),
            line_spacing: 2,
            ..TextStyle::default()
        };
        let l = layout("ab cd efghijk", &[small], &style);
        // 5 px per char in 20 px: "ab cd" (25 px) breaks → "ab", "cd", "efgh", "ijk".
        assert_eq!(l.line_count(), 4);
        assert_eq!(l.height, 4 * 10 - 2);
    }

    #[test]
    fn newline_and_empty_text() {
        let small = font("spleen-5x8.bdf", None);
        assert_eq!(
            layout("a\nbb", std::slice::from_ref(&small), &TextStyle::default()).line_count(),
            2
        );
        let e = layout("", &[small], &TextStyle::default());
        assert_eq!((e.width, e.height), (0, 8));
    }

    #[test]
    fn a_line_measures_and_draws_as_its_layout() {
        let small = font("spleen-5x8.bdf", None);
        let sans = font("DejaVuSans.ttf", Some(10.0));
        let chains = [
            vec![small.clone()],
            vec![sans.clone(), small.clone()],
            vec![sans],
        ];
        let texts = [
            "", "v=12.5", "12:34:56", " a b ", "x\ry", "\u{1}?", "Wg|_", "é", "a\nb",
        ];
        let mut checked = 0;
        for fonts in &chains {
            for text in texts {
                for (align, spacing, wrap) in [
                    (Align::Left, 0, None),
                    (Align::Right, 3, None),
                    (Align::Center, -2, None),
                    (Align::Left, 0, Some(30)),
                ] {
                    let style = TextStyle {
                        align,
                        wrap_width: wrap,
                        line_spacing: spacing,
                    };
                    let laid = layout(text, fonts, &style);
                    let Some(one) = line(text, fonts, &style) else {
                        assert!(
                            wrap.is_some() || !text.is_ascii() || text.contains('\n'),
                            "{text:?} is one ASCII line"
                        );
                        continue;
                    };
                    assert_eq!(
                        (one.width, one.height),
                        (laid.width, laid.height),
                        "{text:?}"
                    );
                    for mode in [PixelMode::Mono, PixelMode::Gray4, PixelMode::Rgb565] {
                        let (w, h) = (laid.width + 6, laid.height + 4);
                        let mut a = Layer::new(w, h, mode);
                        let mut b = Layer::new(w, h, mode);
                        laid.draw(&mut a, 2, 1, Color::WHITE);
                        one.draw(&mut b, 2, 1, Color::WHITE);
                        assert_eq!(a, b, "{text:?} in {mode:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100, "{checked} drawings compared");
    }

    #[test]
    fn redrawing_only_the_changed_characters_gives_a_fresh_drawing() {
        // Bitmap and anti-aliased fonts (DejaVu's glyphs overhang their advance), lines
        // changing at their end, their middle, their start, getting longer and shorter,
        // in every mode: the layer after `redraw_over` equals the new line drawn on a fresh
        // layer, and the columns it returns hold every pixel that differs from the old.
        let small = font("spleen-5x8.bdf", None);
        let sans = font("DejaVuSans.ttf", Some(11.0));
        let italicish = font("DejaVuSans.ttf", Some(17.0));
        let pairs = [
            ("v=0.37", "v=0.38"),
            ("v=0.39", "v=0.40"),
            ("12:34:59", "12:35:00"),
            ("AVAVA", "AVWVA"),
            ("Wg|_", "Wg"),
            ("ab", "abcdef"),
            ("x", "y"),
            ("same", "same"),
            ("a  ", "a   "),
            ("Tj", "T"),
            ("", "fill"),
            ("fill", ""),
        ];
        let mut partial = 0;
        for fonts in [
            vec![small.clone()],
            vec![sans.clone(), small],
            vec![italicish],
        ] {
            for (old, new) in pairs {
                for mode in [PixelMode::Mono, PixelMode::Gray4, PixelMode::Rgb565] {
                    let style = TextStyle::default();
                    let (o, n) = (
                        line(old, &fonts, &style).expect("one line"),
                        line(new, &fonts, &style).expect("one line"),
                    );
                    let (w, h) = (o.width.max(n.width) + 6, o.height + 2);
                    let color = Color::rgb(200, 180, 60);
                    let mut layer = Layer::new(w, h, mode);
                    o.draw(&mut layer, 2, 1, color);
                    let before = layer.clone();
                    let changed = n
                        .redraw_over(old, &mut layer, 2, 1, color)
                        .expect("both ASCII lines");
                    let mut fresh = Layer::new(w, h, mode);
                    n.draw(&mut fresh, 2, 1, color);
                    let what = format!("{old:?} -> {new:?} in {mode:?}");
                    assert_eq!(layer.color_bytes(), fresh.color_bytes(), "{what}");
                    assert_eq!(layer.alpha_bytes(), fresh.alpha_bytes(), "{what}");
                    assert!(
                        layer.has_partial_alpha() || !fresh.has_partial_alpha(),
                        "{what}: partial alpha is kept"
                    );
                    for yy in 0..h as i32 {
                        for xx in 0..w as i32 {
                            let inside = changed.contains_rect(&Rect::new(xx, yy, 1, 1));
                            if !inside {
                                assert_eq!(
                                    before.get(xx, yy),
                                    fresh.get(xx, yy),
                                    "{what} ({xx}, {yy})"
                                );
                            }
                        }
                    }
                    if old == new {
                        assert!(changed.is_empty(), "{what}: nothing changed");
                    }
                    if changed.w < w && old != new {
                        partial += 1;
                    }
                }
            }
        }
        assert!(
            partial > 20,
            "{partial} redraws were narrower than the layer"
        );
    }

    #[test]
    fn a_line_that_is_not_ascii_is_not_redrawn_in_part() {
        let small = font("spleen-5x8.bdf", None);
        let fonts = [small];
        let n = line("v=1", &fonts, &TextStyle::default()).expect("one line");
        let mut layer = Layer::new(20, 8, PixelMode::Mono);
        assert_eq!(n.redraw_over("v=é", &mut layer, 0, 0, Color::WHITE), None);
        assert_eq!(n.redraw_over("a\nb", &mut layer, 0, 0, Color::WHITE), None);
        assert_eq!(layer, Layer::new(20, 8, PixelMode::Mono), "left alone");
    }

    #[test]
    fn fallback_chain_and_question_mark() {
        let small = font("spleen-5x8.bdf", None);
        let sans = font("DejaVuSans.ttf", Some(10.0));
        let with = layout("★", &[small.clone(), sans], &TextStyle::default());
        assert!(with.glyphs[0].glyph.width > 5, "the star comes from DejaVu");
        let without = layout("★", std::slice::from_ref(&small), &TextStyle::default());
        let q = small.glyph('?').expect("?");
        assert!(
            Arc::ptr_eq(&without.glyphs[0].glyph, &q),
            "no font has it: '?' is shown"
        );
    }
}
