//! Outlines, fills and lines drawn into a layer.

use super::color::Color;
use super::geometry::Rect;
use super::layer::Layer;

/// Draws the outline of `r`, `width` pixels thick, inside the rectangle.
pub fn stroke_rect(layer: &mut Layer, r: Rect, width: u32, color: Color) {
    if r.is_empty() || width == 0 {
        return;
    }
    let t = width.min(r.w.div_ceil(2)).min(r.h.div_ceil(2));
    layer.fill_rect(Rect::new(r.x, r.y, r.w, t), color);
    layer.fill_rect(Rect::new(r.x, r.bottom() - t as i32, r.w, t), color);
    layer.fill_rect(Rect::new(r.x, r.y, t, r.h), color);
    layer.fill_rect(Rect::new(r.right() - t as i32, r.y, t, r.h), color);
}

/// Draws a line from (x0, y0) to (x1, y1) with a square pen `width` pixels wide
/// (Bresenham; the pen's top-left sits on each point of the line).
pub fn draw_line(
    layer: &mut Layer,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    width: u32,
    color: Color,
) {
    let w = width.max(1);
    let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
    let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
    let (mut x, mut y, mut err) = (x0, y0, dx + dy);
    loop {
        layer.fill_rect(Rect::new(x, y, w, w), color);
        if x == x1 && y == y1 {
            break;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

#[cfg(any(test, feature = "testing"))]
pub mod pattern {
    //! ASCII pictures of layers for tests (feature `testing`): `#` is a painted pixel, `.`
    //! a transparent one.
    //!
    //! ```
    //! use tinydisplay::render::layer::Layer;
    //! use tinydisplay::render::shapes::{pattern::assert_pattern, stroke_rect};
    //! use tinydisplay::render::{Color, PixelMode, Rect};
    //!
    //! let mut layer = Layer::new(4, 3, PixelMode::Mono);
    //! stroke_rect(&mut layer, Rect::new(0, 0, 4, 3), 1, Color::WHITE);
    //! assert_pattern(&layer, &["####", "#..#", "####"]);
    //! ```
    use super::super::layer::Layer;

    /// The layer as rows of `#`/`.` (any opaque pixel counts as `#`).
    pub fn picture(layer: &Layer) -> Vec<String> {
        (0..layer.height() as i32)
            .map(|y| {
                (0..layer.width() as i32)
                    .map(|x| match layer.get(x, y) {
                        Some((_, a)) if a > 0 => '#',
                        _ => '.',
                    })
                    .collect()
            })
            .collect()
    }

    /// Asserts the layer looks like `expected`, printing both pictures when it does not.
    pub fn assert_pattern(layer: &Layer, expected: &[&str]) {
        let actual = picture(layer);
        assert!(
            actual
                .iter()
                .map(String::as_str)
                .eq(expected.iter().copied()),
            "picture differs\nexpected:\n{}\nactual:\n{}",
            expected.join("\n"),
            actual.join("\n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::pattern::assert_pattern;
    use super::*;
    use crate::render::PixelMode;

    #[test]
    fn outline_two_pixels_wide() {
        let mut l = Layer::new(6, 5, PixelMode::Mono);
        let b = l.bounds();
        stroke_rect(&mut l, b, 2, Color::WHITE);
        assert_pattern(&l, &["######", "######", "##..##", "######", "######"]);
    }

    #[test]
    fn diagonal_line() {
        let mut l = Layer::new(5, 3, PixelMode::Mono);
        draw_line(&mut l, (0, 0), (4, 2), 1, Color::WHITE);
        assert_pattern(&l, &["#....", ".##..", "...##"]);
    }
}
