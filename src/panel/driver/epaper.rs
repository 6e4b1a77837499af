//! What the e-paper drivers share: the ink a frame pixel asks for, and RAM planes of one
//! bit a pixel, eight pixels a byte with the leftmost in bit 7.

use crate::render::{PixelMode, Rect};

use super::{Pixels, align_span};

/// What a pixel of e-paper shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    /// White (the paper).
    White,
    /// Black.
    Black,
    /// Red (three-colour panels).
    Red,
}

impl Ink {
    /// The RGB a frame stores for this ink.
    pub const fn rgb(self) -> [u8; 3] {
        match self {
            Ink::White => [255; 3],
            Ink::Black => [0; 3],
            Ink::Red => [255, 0, 0],
        }
    }
}

/// The ink of panel pixel (x, y) of a frame in `mode` (Mono: set pixels are white).
pub fn ink(px: &Pixels, x: u32, y: u32, mode: PixelMode) -> Ink {
    if mode.channels() == 1 {
        return if px.gray(x, y) >= 128 {
            Ink::White
        } else {
            Ink::Black
        };
    }
    let [r, g, b] = px.rgb(x, y);
    match PixelMode::Bwr.quantize_rgb(r, g, b) {
        [255, 0, 0] => Ink::Red,
        [0, 0, 0] => Ink::Black,
        _ => Ink::White,
    }
}

/// One of the two RAM planes of an e-paper controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    /// Black and white: a set bit is white (red pixels are written white).
    BlackWhite,
    /// Red: a set bit is red.
    Red,
}

/// Appends the bytes of rectangle `r` (its columns rounded out to whole bytes) of plane
/// `plane`, row by row; pixels right of the glass (`width`) are paper.
pub fn push_plane(
    px: &Pixels,
    r: Rect,
    mode: PixelMode,
    plane: Plane,
    width: u32,
    out: &mut Vec<u8>,
) {
    let (x0, x1) = byte_span(r);
    for y in r.y as u32..r.bottom() as u32 {
        for xb in x0..x1 {
            let mut byte = 0u8;
            for bit in 0..8 {
                let x = xb * 8 + bit;
                let ink = if x < width {
                    ink(px, x, y, mode)
                } else {
                    Ink::White
                };
                let set = match plane {
                    Plane::BlackWhite => ink != Ink::Black,
                    Plane::Red => ink == Ink::Red,
                };
                byte |= u8::from(set) << (7 - bit);
            }
            out.push(byte);
        }
    }
}

/// The bytes (first, one past the last) rectangle `r`'s columns lie in.
pub fn byte_span(r: Rect) -> (u32, u32) {
    (r.x as u32 / 8, (r.right() as u32).div_ceil(8))
}

/// Grows a rectangle to whole bytes across.
pub fn align_bytes(r: Rect) -> Rect {
    let (x0, x1) = align_span(r.x, r.right(), 8);
    Rect::new(x0, r.y, (x1 - x0) as u32, r.h)
}

/// The smallest rectangle holding all of `rects`.
pub fn bounds(rects: &[Rect]) -> Option<Rect> {
    rects.iter().copied().reduce(|a, b| a.union(&b))
}
