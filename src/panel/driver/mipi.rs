//! The MIPI-DCS TFT controllers (ST7789, ST7735, ILI9341, ILI9486, ILI9488): a command
//! byte with DC low and its arguments with DC high, a column (0x2A) and row (0x2B) window,
//! then RAM write (0x2C) of big-endian RGB565 pixels, or three bytes of RGB666 on the
//! chips whose serial interface takes only 18 bits. What differs between chips is data,
//! a [`MipiSpec`]; what differs between panels (size, offset in RAM, scan direction,
//! colour order) is a [`MipiModel`].

use crate::render::{PixelMode, Rect};

use super::{Driver, Pixels, Settings, WindowCost};
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
/// Gamma curve select.
pub const GAMSET: u8 = 0x26;
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

/// Pixels as the controller takes them over SPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MipiPixel {
    /// 16 bits, two bytes a pixel (COLMOD 0x55).
    Rgb565,
    /// 18 bits, three bytes a pixel, each colour in the top 6 bits (COLMOD 0x66).
    Rgb666,
}

impl MipiPixel {
    /// Its COLMOD argument.
    pub const fn colmod(self) -> u8 {
        match self {
            MipiPixel::Rgb565 => 0x55,
            MipiPixel::Rgb666 => 0x66,
        }
    }
}

/// One step of a MIPI-DCS controller's power-on sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MipiInit {
    /// A command and its arguments.
    Cmd(u8, &'static [u8]),
    /// Wait this many milliseconds.
    Delay(u32),
    /// MADCTL with the model's scan direction and colour order.
    Madctl,
    /// COLMOD with the chip's pixel format.
    Colmod,
    /// Brightness control on (0x53) and the settings' level (0x51), where the chip has it.
    Brightness,
    /// Inversion as the settings want it (the other way round on IPS panels).
    Invert,
    /// Backlight pin on.
    Backlight,
}

/// What one MIPI-DCS controller is, as data. The driver and the emulator both read it.
#[derive(Debug)]
pub struct MipiSpec {
    /// The controller's name (`ST7789`).
    pub chip: &'static str,
    /// Its frame memory, columns × rows as MADCTL 0 scans them.
    pub ram: (u32, u32),
    /// The pixel format sent.
    pub pixel: MipiPixel,
    /// Its panels show colours right with the controller's inversion on (IPS).
    pub ips: bool,
    /// It has display brightness (0x51); without it, contrast does nothing.
    pub brightness: bool,
    /// The power-on sequence, ending with the display and backlight on.
    pub init: &'static [MipiInit],
    /// The commands it knows: (first, last, argument bytes).
    pub commands: &'static [(u8, u8, u8)],
}

impl MipiSpec {
    /// Argument bytes of command `c`, or None when the chip does not know it.
    pub fn args_of(&self, c: u8) -> Option<usize> {
        self.commands
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&c))
            .map(|(_, _, n)| usize::from(*n))
    }
}

/// One panel on a MIPI-DCS controller.
#[derive(Debug)]
pub struct MipiModel {
    /// The controller.
    pub chip: &'static MipiSpec,
    /// Columns (as the controller scans them with `madctl`).
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// RAM column and row of the panel's first pixel, under `madctl`.
    pub offset: (u32, u32),
    /// MADCTL sent at init: the scan direction under which the glass is upright, and the
    /// BGR bit (0x08) when the panel's colour filter is blue-green-red.
    pub madctl: u8,
}

/// A command and its arguments.
pub fn cmd(wire: &mut Wire, c: u8, args: &[u8]) {
    wire.command(&[c]);
    if !args.is_empty() {
        wire.data(args);
    }
}

/// Sets the write window to RAM rectangle `r` and starts a RAM write.
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

/// The driver of a MIPI-DCS panel, all of it read from its model.
#[derive(Debug, Clone, Copy)]
pub struct Mipi(pub &'static MipiModel);

impl Driver for Mipi {
    fn native(&self) -> (u32, u32) {
        (self.0.width, self.0.height)
    }

    fn mode(&self) -> PixelMode {
        PixelMode::Rgb565
    }

    fn init(&self, s: &Settings, wire: &mut Wire) {
        let m = self.0;
        for step in m.chip.init {
            match *step {
                MipiInit::Cmd(c, args) => cmd(wire, c, args),
                MipiInit::Delay(ms) => wire.delay(ms),
                MipiInit::Madctl => cmd(wire, MADCTL, &[m.madctl]),
                MipiInit::Colmod => cmd(wire, COLMOD, &[m.chip.pixel.colmod()]),
                MipiInit::Brightness => {
                    if m.chip.brightness {
                        cmd(wire, WRCTRLD, &[0x2C]);
                        cmd(wire, WRDISBV, &[s.contrast]);
                    }
                }
                MipiInit::Invert => self.invert(s.invert, wire),
                MipiInit::Backlight => wire.backlight(true),
            }
        }
    }

    fn contrast(&self, level: u8, wire: &mut Wire) {
        if self.0.chip.brightness {
            cmd(wire, WRDISBV, &[level]);
        }
    }

    fn contrast_register(&self, level: u8) -> Option<u8> {
        self.0.chip.brightness.then_some(level)
    }

    fn invert(&self, on: bool, wire: &mut Wire) {
        // An IPS panel shows colours right with the controller's inversion on.
        cmd(
            wire,
            if on != self.0.chip.ips { INVON } else { INVOFF },
            &[],
        );
    }

    /// Sleep (display off, sleep in, backlight off) or wake (the reverse, with the
    /// datasheets' 120 ms after sleep out).
    fn sleep(&self, asleep: bool, wire: &mut Wire) {
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

    fn window_cost(&self) -> Option<WindowCost> {
        // CASET and RASET with four bytes each, RAMWR; two or three bytes a pixel.
        Some(WindowCost {
            col: 1,
            row: 1,
            window: 11,
            per_row: 0,
            cell: match self.0.chip.pixel {
                MipiPixel::Rgb565 => 2,
                MipiPixel::Rgb666 => 3,
            },
            hop: 11,
        })
    }

    fn align(&self, r: Rect) -> Rect {
        r
    }

    fn pack(&self, px: &Pixels, r: Rect, wire: &mut Wire) {
        let m = self.0;
        let (ox, oy) = m.offset;
        window(wire, Rect::new(r.x + ox as i32, r.y + oy as i32, r.w, r.h));
        let out = wire.open_data();
        for y in r.y as u32..r.bottom() as u32 {
            for x in r.x as u32..r.right() as u32 {
                let c = px.rgb(x, y);
                match m.chip.pixel {
                    MipiPixel::Rgb565 => out.extend_from_slice(&rgb565(c).to_be_bytes()),
                    MipiPixel::Rgb666 => out.extend(c.map(|v| v & 0xFC)),
                }
            }
        }
        wire.close_data();
    }
}
