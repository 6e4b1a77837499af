//! What the page-addressed mono controllers (SSD1306, SH1106) share: a RAM byte holds a
//! column of 8 pixels, bit 0 at the top, so rows are written in pages of 8.

use crate::panel::wire::Wire;
use crate::render::{PixelMode, Rect};

use super::{Driver, Pixels, Settings, align_span, sh1106, ssd1306};

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

/// Which page-addressed controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagedChip {
    /// SSD1306: horizontal addressing with a column/page window.
    Ssd1306,
    /// SH1106: page addressing, 132-column RAM.
    Sh1106,
}

/// The driver of a page-addressed mono OLED: the chip's own init and packing, the
/// commands both share.
#[derive(Debug, Clone, Copy)]
pub struct PagedOled {
    /// The controller.
    pub chip: PagedChip,
    /// 64 or 32 rows.
    pub height: u32,
}

impl Driver for PagedOled {
    fn native(&self) -> (u32, u32) {
        (128, self.height)
    }

    fn mode(&self) -> PixelMode {
        PixelMode::Mono
    }

    fn init(&self, settings: &Settings, wire: &mut Wire) {
        match self.chip {
            PagedChip::Ssd1306 => ssd1306::init(self.height, settings, wire),
            PagedChip::Sh1106 => sh1106::init(self.height, settings, wire),
        }
    }

    fn contrast(&self, level: u8, wire: &mut Wire) {
        wire.command(&[0x81, level]);
    }

    fn invert(&self, on: bool, wire: &mut Wire) {
        wire.command(&[if on { 0xA7 } else { 0xA6 }]);
    }

    fn sleep(&self, asleep: bool, wire: &mut Wire) {
        wire.command(&[if asleep { 0xAE } else { 0xAF }]);
    }

    fn align(&self, r: Rect) -> Rect {
        align_pages(r)
    }

    fn pack(&self, px: &Pixels, r: Rect, wire: &mut Wire) {
        match self.chip {
            PagedChip::Ssd1306 => ssd1306::pack(px, r, wire),
            PagedChip::Sh1106 => sh1106::pack(px, r, wire),
        }
    }
}
