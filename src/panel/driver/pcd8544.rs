//! PCD8544 (the Nokia 5110/3310 LCD): 84×48 mono, six banks of 84 bytes, a byte a column
//! of 8 pixels with bit 0 at the top, as on the page-addressed OLEDs. Its own instruction
//! set: function set (0x20 | power-down 4 | vertical 2 | extended 1); in the basic set,
//! display control (0x08 | D 4 | E 1), Y bank (0x40 | y) and X column (0x80 | x); in the
//! extended set, temperature coefficient (0x04 | tc), bias (0x10 | bs) and Vop
//! (0x80 | vop), the LCD voltage, which is its contrast. Every byte is a command; no
//! arguments.

use crate::panel::wire::Wire;
use crate::render::{PixelMode, Rect};

use super::pages::{align_pages, push_page};
use super::{Driver, Pixels, Settings, WindowCost};

/// Columns.
pub const WIDTH: u32 = 84;
/// Rows.
pub const HEIGHT: u32 = 48;
/// The highest Vop the contrast level reaches (Vop 80 is about 7.9 V; the glass is black
/// well before the chip's limit of 127).
pub const VOP_MAX: u32 = 80;

/// The Vop a contrast level of 0..=255 becomes.
pub const fn vop(level: u8) -> u8 {
    (level as u32 * VOP_MAX / 255) as u8
}

/// The PCD8544 driver.
#[derive(Debug, Clone, Copy)]
pub struct Pcd8544;

impl Driver for Pcd8544 {
    fn native(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn mode(&self) -> PixelMode {
        PixelMode::Mono
    }

    fn init(&self, s: &Settings, wire: &mut Wire) {
        wire.command(&[
            0x21, // chip active, horizontal addressing, extended instructions
            0x04, // temperature coefficient 0
            0x13, // bias 1:48, as the datasheet recommends for a 1:48 multiplex
            0x80 | vop(s.contrast),
            0x20, // basic instructions
        ]);
        self.invert(s.invert, wire);
    }

    fn contrast(&self, level: u8, wire: &mut Wire) {
        wire.command(&[0x21, 0x80 | vop(level), 0x20]);
    }

    fn contrast_register(&self, level: u8) -> Option<u8> {
        Some(vop(level))
    }

    fn invert(&self, on: bool, wire: &mut Wire) {
        wire.command(&[if on { 0x0D } else { 0x0C }]);
    }

    fn sleep(&self, asleep: bool, wire: &mut Wire) {
        wire.command(&[if asleep { 0x24 } else { 0x20 }]);
    }

    fn window_cost(&self) -> Option<WindowCost> {
        // Bank (Y) and column (X) address for every bank, a byte a column of a bank.
        Some(WindowCost {
            col: 1,
            row: 8,
            window: 0,
            per_row: 2,
            cell: 1,
            hop: 2,
        })
    }

    fn align(&self, r: Rect) -> Rect {
        align_pages(r)
    }

    fn pack(&self, px: &Pixels, r: Rect, wire: &mut Wire) {
        let (x0, x1) = (r.x as u32, r.right() as u32);
        for bank in r.y as u32 / 8..r.bottom() as u32 / 8 {
            wire.command(&[0x40 | bank as u8, 0x80 | x0 as u8]);
            push_page(px, bank, x0, x1, wire.open_data());
            wire.close_data();
        }
    }
}
