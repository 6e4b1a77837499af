//! What the MIPI-DCS TFT controllers (ST7789, ILI9341) share: a command byte with DC low
//! and its arguments with DC high, a column (0x2A) and row (0x2B) window, then RAM write
//! (0x2C) of big-endian RGB565 pixels.

use crate::render::{PixelMode, Rect};

use super::{Driver, Pixels, Settings, ili9341, st7789};
use crate::panel::wire::Wire;

/// Software reset.
pub const SWRESET: u8 = 0x01;
/// Sleep in.
pub const SLPIN: u8 = 0x10;
/// Sleep out.
pub const SLPOUT: u8 = 0x11;
/// Normal display mode on.
pub const NORON: u8 = 0x13;
/// Inversion off.
pub const INVOFF: u8 = 0x20;
/// Inversion on.
pub const INVON: u8 = 0x21;
/// Display off.
pub const DISPOFF: u8 = 0x28;
/// Display on.
pub const DISPON: u8 = 0x29;
/// Column address set.
pub const CASET: u8 = 0x2A;
/// Row address set.
pub const RASET: u8 = 0x2B;
/// Memory write.
pub const RAMWR: u8 = 0x2C;
/// Memory data access control (scan direction, RGB/BGR order).
pub const MADCTL: u8 = 0x36;
/// Interface pixel format.
pub const COLMOD: u8 = 0x3A;
/// Display brightness.
pub const WRDISBV: u8 = 0x51;
/// Control display (brightness control on).
pub const WRCTRLD: u8 = 0x53;

/// A command and its arguments.
pub fn cmd(wire: &mut Wire, c: u8, args: &[u8]) {
    wire.command(&[c]);
    if !args.is_empty() {
        wire.data(args);
    }
}

/// Sets the write window to panel rectangle `r` and starts a RAM write.
pub fn window(wire: &mut Wire, r: Rect) {
    let (x0, x1) = (r.x as u16, (r.right() - 1) as u16);
    let (y0, y1) = (r.y as u16, (r.bottom() - 1) as u16);
    let [a, b] = x0.to_be_bytes();
    let [c, d] = x1.to_be_bytes();
    cmd(wire, CASET, &[a, b, c, d]);
    let [a, b] = y0.to_be_bytes();
    let [c, d] = y1.to_be_bytes();
    cmd(wire, RASET, &[a, b, c, d]);
    cmd(wire, RAMWR, &[]);
}

/// An RGB triple as an RGB565 word.
#[inline]
pub fn rgb565([r, g, b]: [u8; 3]) -> u16 {
    ((u16::from(r) >> 3) << 11) | ((u16::from(g) >> 2) << 5) | (u16::from(b) >> 3)
}

/// Writes rectangle `r` of the frame as RGB565.
pub fn pack(px: &Pixels, r: Rect, wire: &mut Wire) {
    window(wire, r);
    let out = wire.open_data();
    for y in r.y as u32..r.bottom() as u32 {
        for x in r.x as u32..r.right() as u32 {
            out.extend_from_slice(&rgb565(px.rgb(x, y)).to_be_bytes());
        }
    }
    wire.close_data();
}

/// Sleep (display off, sleep in, backlight off) or wake (the reverse, with the
/// datasheet's 120 ms after sleep out).
pub fn sleep(asleep: bool, wire: &mut Wire) {
    if asleep {
        cmd(wire, DISPOFF, &[]);
        cmd(wire, SLPIN, &[]);
        wire.delay(5);
        wire.backlight(false);
    } else {
        cmd(wire, SLPOUT, &[]);
        wire.delay(120);
        cmd(wire, DISPON, &[]);
        wire.backlight(true);
    }
}

/// Which MIPI-DCS controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TftChip {
    /// ST7789 with an IPS panel (inverted unless inversion is on).
    St7789,
    /// ILI9341 (BGR panel).
    Ili9341,
}

/// The driver of a MIPI-DCS TFT: the chip's own init, the commands both share.
#[derive(Debug, Clone, Copy)]
pub struct Tft {
    /// The controller.
    pub chip: TftChip,
    /// 240 or 320 rows.
    pub height: u32,
}

impl Driver for Tft {
    fn native(&self) -> (u32, u32) {
        (240, self.height)
    }

    fn mode(&self) -> PixelMode {
        PixelMode::Rgb565
    }

    fn init(&self, settings: &Settings, wire: &mut Wire) {
        match self.chip {
            TftChip::St7789 => st7789::init(settings, wire),
            TftChip::Ili9341 => ili9341::init(settings, wire),
        }
    }

    fn contrast(&self, level: u8, wire: &mut Wire) {
        cmd(wire, WRDISBV, &[level]);
    }

    fn invert(&self, on: bool, wire: &mut Wire) {
        // An IPS panel shows colours right with the controller's inversion on.
        let ips = self.chip == TftChip::St7789;
        cmd(wire, if on != ips { INVON } else { INVOFF }, &[]);
    }

    fn sleep(&self, asleep: bool, wire: &mut Wire) {
        sleep(asleep, wire);
    }

    fn align(&self, r: Rect) -> Rect {
        r
    }

    fn pack(&self, px: &Pixels, r: Rect, wire: &mut Wire) {
        pack(px, r, wire);
    }
}
