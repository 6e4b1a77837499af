//! What the page-addressed mono controllers (SSD1306, SH1106) share: a RAM byte holds a
//! column of 8 pixels, bit 0 at the top, so rows are written in pages of 8.

use crate::render::Rect;

use super::{Pixels, align_span};

/// The RAM byte for panel column `x` of page `page`: bit i is row `page * 8 + i`.
#[inline]
pub fn page_byte(px: &Pixels, x: u32, page: u32) -> u8 {
    let mut b = 0;
    for bit in 0..8 {
        if px.gray(x, page * 8 + bit) >= 128 {
            b |= 1 << bit;
        }
    }
    b
}

/// Rows grown to whole pages; columns as they are.
pub fn align_pages(r: Rect) -> Rect {
    let (y0, y1) = align_span(r.y, r.bottom(), 8);
    Rect::new(r.x, y0, r.w, (y1 - y0) as u32)
}

/// Appends the bytes of columns `x0..x1` of `page`.
pub fn push_page(px: &Pixels, page: u32, x0: u32, x1: u32, out: &mut Vec<u8>) {
    out.extend((x0..x1).map(|x| page_byte(px, x, page)));
}
