//! SSD1306: 128×64 or 128×32 mono OLED. Horizontal addressing; a partial update sets the
//! column (0x21) and page (0x22) window and streams the pages inside it.

use crate::render::Rect;

use super::pages::push_page;
use super::{Pixels, Settings};
use crate::panel::wire::Wire;

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
        0x8D,
        0x14, // charge pump on
        0x20,
        0x00, // horizontal addressing
        0xA1, // segment remap: column 127 on SEG0
        0xC8, // COM scan from COM[N-1]
        0xDA,
        com_pins, // COM pins configuration
        0x81,
        s.contrast, // contrast
        0xD9,
        0xF1, // pre-charge period
        0xDB,
        0x40, // VCOMH deselect level
        0x2E, // scrolling off
        0xA4, // show RAM
        if s.invert { 0xA7 } else { 0xA6 },
        0xAF, // display on
    ]);
    wire.delay(100);
}

/// Writes the (page-aligned) panel rectangle `r` through a column/page window.
pub fn pack(px: &Pixels, r: Rect, wire: &mut Wire) {
    let (x0, x1) = (r.x as u32, r.right() as u32);
    let (p0, p1) = (r.y as u32 / 8, r.bottom() as u32 / 8);
    wire.command(&[
        0x21,
        x0 as u8,
        (x1 - 1) as u8,
        0x22,
        p0 as u8,
        (p1 - 1) as u8,
    ]);
    let out = wire.open_data();
    for page in p0..p1 {
        push_page(px, page, x0, x1, out);
    }
    wire.close_data();
}
