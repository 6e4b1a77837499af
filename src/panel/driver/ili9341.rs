//! ILI9341: 240×320 TFT, RGB565 (a 320×240 scene turns it by 90° or 270°). Its panels
//! have blue and red swapped, so MADCTL sets the BGR bit.

use super::Settings;
use super::mipi::{self, cmd};
use crate::panel::wire::Wire;

/// The power-on sequence.
pub fn init(s: &Settings, wire: &mut Wire) {
    cmd(wire, mipi::SWRESET, &[]);
    wire.delay(150);
    cmd(wire, mipi::DISPOFF, &[]);
    cmd(wire, 0xC0, &[0x23]); // power control 1: GVDD 4.6 V
    cmd(wire, 0xC1, &[0x10]); // power control 2
    cmd(wire, 0xC5, &[0x3E, 0x28]); // VCOM control 1
    cmd(wire, 0xC7, &[0x86]); // VCOM control 2
    cmd(wire, mipi::MADCTL, &[0x08]); // top to bottom, left to right, BGR
    cmd(wire, mipi::COLMOD, &[0x55]); // 16 bits per pixel
    cmd(wire, 0xB1, &[0x00, 0x18]); // frame rate 79 Hz
    cmd(wire, 0xB6, &[0x08, 0x82, 0x27]); // display function control
    cmd(wire, 0x26, &[0x01]); // gamma curve 1
    cmd(wire, mipi::WRCTRLD, &[0x2C]); // brightness control on
    cmd(wire, mipi::WRDISBV, &[s.contrast]);
    cmd(wire, if s.invert { mipi::INVON } else { mipi::INVOFF }, &[]);
    cmd(wire, mipi::SLPOUT, &[]);
    wire.delay(120);
    cmd(wire, mipi::DISPON, &[]);
    wire.delay(20);
    wire.backlight(true);
}
