//! ST7789: 240×240 or 240×320 IPS TFT, RGB565. Its panels show colours inverted unless
//! inversion is on, so "not inverted" sends INVON.

use super::Settings;
use super::mipi::{self, cmd};
use crate::panel::wire::Wire;

/// The power-on sequence.
pub fn init(s: &Settings, wire: &mut Wire) {
    cmd(wire, mipi::SWRESET, &[]);
    wire.delay(150);
    cmd(wire, mipi::SLPOUT, &[]);
    wire.delay(120);
    cmd(wire, mipi::COLMOD, &[0x55]); // 16 bits per pixel
    cmd(wire, mipi::MADCTL, &[0x00]); // top to bottom, left to right, RGB
    cmd(wire, mipi::WRCTRLD, &[0x2C]); // brightness control on
    cmd(wire, mipi::WRDISBV, &[s.contrast]);
    cmd(wire, if s.invert { mipi::INVOFF } else { mipi::INVON }, &[]);
    cmd(wire, mipi::NORON, &[]);
    wire.delay(10);
    cmd(wire, mipi::DISPON, &[]);
    wire.delay(10);
    wire.backlight(true);
}
