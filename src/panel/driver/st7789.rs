//! ST7789: 240×240 or 240×320 IPS TFT, RGB565. Its panels show colours inverted unless
//! inversion is on, so "not inverted" sends INVON.

use crate::render::{PixelMode, Rect};

use super::mipi::{self, cmd};
use super::{Driver, Pixels, Settings};
use crate::panel::wire::Wire;

/// The ST7789 driver.
#[derive(Debug, Clone, Copy)]
pub struct St7789 {
    /// 240 or 320 rows.
    pub height: u32,
}

impl Driver for St7789 {
    fn native(&self) -> (u32, u32) {
        (240, self.height)
    }

    fn mode(&self) -> PixelMode {
        PixelMode::Rgb565
    }

    fn init(&self, s: &Settings, wire: &mut Wire) {
        cmd(wire, mipi::SWRESET, &[]);
        wire.delay(150);
        cmd(wire, mipi::SLPOUT, &[]);
        wire.delay(120);
        cmd(wire, mipi::COLMOD, &[0x55]); // 16 bits per pixel
        cmd(wire, mipi::MADCTL, &[0x00]); // top to bottom, left to right, RGB
        cmd(wire, mipi::WRCTRLD, &[0x2C]); // brightness control on
        cmd(wire, mipi::WRDISBV, &[s.contrast]);
        self.invert(s.invert, wire);
        cmd(wire, mipi::NORON, &[]);
        wire.delay(10);
        cmd(wire, mipi::DISPON, &[]);
        wire.delay(10);
        wire.backlight(true);
    }

    fn contrast(&self, level: u8, wire: &mut Wire) {
        cmd(wire, mipi::WRDISBV, &[level]);
    }

    fn invert(&self, on: bool, wire: &mut Wire) {
        cmd(wire, if on { mipi::INVOFF } else { mipi::INVON }, &[]);
    }

    fn sleep(&self, asleep: bool, wire: &mut Wire) {
        mipi::sleep(asleep, wire);
    }

    fn align(&self, r: Rect) -> Rect {
        r
    }

    fn pack(&self, px: &Pixels, r: Rect, wire: &mut Wire) {
        mipi::pack(px, r, wire);
    }
}
