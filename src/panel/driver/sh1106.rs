//! SH1106: 128×64 (or 128×32) mono OLED on a 132-column RAM, the panel starting at
//! column 2. It has page addressing only: each page of a partial update is its own
//! page-address (0xB0+p) and column-address (0x0L, 0x1H) command, then its bytes.

use crate::render::Rect;

use super::pages::push_page;
use super::{Pixels, Settings};
use crate::panel::wire::Wire;

/// RAM column of the panel's first pixel.
pub const COLUMN_OFFSET: u32 = 2;

/// The power-on sequence for a panel of `height` rows.
pub fn init(height: u32, s: &Settings, wire: &mut Wire) {
    let com_pins = if height == 64 { 0x12 } else { 0x02 };
    wire.command(&[
        0xAE, // display off
        0xD5,
        0x80, // clock divide / oscillator
        0xA8,
        (height - 1) as u8, // multiplex ratio
        0xD3,
        0x00, // display offset
        0x40, // start line 0
        0xAD,
        0x8B, // DC-DC converter on
        0x32, // pump voltage 8 V
        0xA1, // segment remap
        0xC8, // COM scan from COM[N-1]
        0xDA,
        com_pins, // COM pins configuration
        0x81,
        s.contrast, // contrast
        0xD9,
        0x22, // discharge / pre-charge period
        0xDB,
        0x35, // VCOM deselect level
        0xA4, // show RAM
        if s.invert { 0xA7 } else { 0xA6 },
        0xAF, // display on
    ]);
    wire.delay(100);
}

/// Writes the (page-aligned) panel rectangle `r`, page by page.
pub fn pack(px: &Pixels, r: Rect, wire: &mut Wire) {
    let (x0, x1) = (r.x as u32, r.right() as u32);
    let col = x0 + COLUMN_OFFSET;
    for page in r.y as u32 / 8..r.bottom() as u32 / 8 {
        wire.command(&[
            0xB0 | page as u8,
            (col & 0x0F) as u8,
            0x10 | (col >> 4) as u8,
        ]);
        push_page(px, page, x0, x1, wire.open_data());
        wire.close_data();
    }
}
