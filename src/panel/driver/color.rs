//! The colour-window OLED controllers (SSD1331, SSD1351): RGB565 pixels, big-endian,
//! into a column (0x15) and row (0x75) window of one pixel a step. They are not MIPI-DCS:
//! their own commands set the window, the remap (scan direction, colour order, depth),
//! the contrast of each colour (A, B, C) under a master current, and the display mode.
//! What differs between the chips is data, a [`ColorSpec`]: how arguments travel, whether
//! RAM writing needs a command (0x5C on the SSD1351), the contrast commands and the
//! display modes. What differs between panels on one chip is a [`ColorModel`].

use crate::panel::wire::Wire;
use crate::render::{PixelMode, Rect};

use super::gray::{DisplayModes, GrayArgs};
use super::mipi::rgb565;
use super::{Driver, Pixels, Settings, WindowCost};

/// One step of a colour OLED's power-on sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorInit {
    /// A command and its arguments.
    Cmd(u8, &'static [u8]),
    /// The multiplex ratio for the model's rows: the chip's mux command, `rows - 1`.
    Mux,
    /// The contrast of every colour with the settings' level.
    Contrast,
    /// Normal or inverse display, from the settings.
    Invert,
    /// Wait this many milliseconds.
    Delay(u32),
}

/// How a chip takes the contrast of its three colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorContrast {
    /// One command per colour, one argument each (SSD1331: 0x81, 0x82, 0x83).
    PerColour([u8; 3]),
    /// One command with the three levels as arguments (SSD1351: 0xC1).
    OneCommand(u8),
}

/// Which bits of the remap command's argument do what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColorRemap {
    /// Column address remap (columns mirrored).
    pub column: u8,
    /// Colour order: red and blue swapped.
    pub bgr: u8,
    /// COM remap (rows mirrored).
    pub com: u8,
    /// Vertical address increment (the drivers never set it).
    pub vertical: u8,
    /// The colour depth field; 65k colours (RGB565) when it equals `depth_65k`.
    pub depth: u8,
    /// The depth field's value for 65k colours.
    pub depth_65k: u8,
}

/// The remap bits of the SSD1331 and SSD1351 (0xA0).
pub const REMAP_SSD1331: ColorRemap = ColorRemap {
    vertical: 0x01,
    column: 0x02,
    bgr: 0x04,
    com: 0x10,
    depth: 0xC0,
    depth_65k: 0x40,
};

/// What one colour-window OLED controller is, as data. The driver and the emulator both
/// read it.
#[derive(Debug)]
pub struct ColorSpec {
    /// The controller's name (`SSD1351`).
    pub chip: &'static str,
    /// Its RAM, columns × rows.
    pub ram: (u32, u32),
    /// How arguments travel.
    pub args: GrayArgs,
    /// The command that opens RAM for writing (0x5C), where data is not RAM at once.
    pub write_ram: Option<u8>,
    /// The power-on sequence, ending with the display on.
    pub init: &'static [ColorInit],
    /// How contrast is sent.
    pub contrast: ColorContrast,
    /// The contrast registers after a reset.
    pub contrast_reset: u8,
    /// The multiplex ratio command (0xA8 on the SSD1331, 0xCA on the SSD1351).
    pub mux_cmd: u8,
    /// The remap command's bits.
    pub remap: ColorRemap,
    /// The remap argument as the init sends it: the setting under which the module's
    /// glass shows RAM upright in the right colours.
    pub upright: u8,
    /// The display mode commands.
    pub modes: DisplayModes,
    /// The commands it knows: (first, last, argument bytes).
    pub commands: &'static [(u8, u8, u8)],
}

impl ColorSpec {
    /// Argument bytes of command `c`, or None when the chip does not know it.
    pub fn args_of(&self, c: u8) -> Option<usize> {
        self.commands
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&c))
            .map(|(_, _, n)| usize::from(*n))
    }
}

/// One panel on a colour OLED controller.
#[derive(Debug)]
pub struct ColorModel {
    /// The controller.
    pub chip: &'static ColorSpec,
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

/// The driver of a colour-window OLED, all of it read from its model.
#[derive(Debug, Clone, Copy)]
pub struct Color(pub &'static ColorModel);

impl Color {
    /// A command and its arguments, as the chip takes them.
    fn cmd(&self, wire: &mut Wire, c: u8, args: &[u8]) {
        wire.command(&[c]);
        if args.is_empty() {
            return;
        }
        match self.0.chip.args {
            GrayArgs::Command => wire.command(args),
            GrayArgs::Data => wire.data(args),
        }
    }
}

impl Driver for Color {
    fn native(&self) -> (u32, u32) {
        (self.0.width, self.0.height)
    }

    fn mode(&self) -> PixelMode {
        PixelMode::Rgb565
    }

    fn init(&self, settings: &Settings, wire: &mut Wire) {
        let m = self.0;
        for step in m.chip.init {
            match *step {
                ColorInit::Cmd(c, args) => self.cmd(wire, c, args),
                ColorInit::Mux => self.cmd(wire, m.chip.mux_cmd, &[(m.height - 1) as u8]),
                ColorInit::Contrast => self.contrast(settings.contrast, wire),
                ColorInit::Invert => self.invert(settings.invert, wire),
                ColorInit::Delay(ms) => wire.delay(ms),
            }
        }
    }

    fn contrast(&self, level: u8, wire: &mut Wire) {
        match self.0.chip.contrast {
            ColorContrast::PerColour(cmds) => {
                for c in cmds {
                    self.cmd(wire, c, &[level]);
                }
            }
            ColorContrast::OneCommand(c) => self.cmd(wire, c, &[level; 3]),
        }
    }

    fn invert(&self, on: bool, wire: &mut Wire) {
        let modes = self.0.chip.modes;
        self.cmd(wire, if on { modes.inverse } else { modes.normal }, &[]);
    }

    fn sleep(&self, asleep: bool, wire: &mut Wire) {
        self.cmd(wire, if asleep { 0xAE } else { 0xAF }, &[]);
    }

    fn window_cost(&self) -> Option<WindowCost> {
        // 0x15 x0 x1, 0x75 y0 y1 (as commands or data), the RAM write command where there
        // is one; two bytes a pixel.
        Some(WindowCost {
            col: 1,
            row: 1,
            window: 6 + u32::from(self.0.chip.write_ram.is_some()),
            per_row: 0,
            cell: 2,
            hop: 6 + u32::from(self.0.chip.write_ram.is_some()),
        })
    }

    fn align(&self, r: Rect) -> Rect {
        r
    }

    fn pack(&self, px: &Pixels, r: Rect, wire: &mut Wire) {
        let chip = self.0.chip;
        let (x0, x1) = (r.x as u32, r.right() as u32);
        let (y0, y1) = (r.y as u32, r.bottom() as u32);
        self.cmd(wire, 0x15, &[x0 as u8, (x1 - 1) as u8]);
        self.cmd(wire, 0x75, &[y0 as u8, (y1 - 1) as u8]);
        if let Some(c) = chip.write_ram {
            self.cmd(wire, c, &[]);
        }
        let out = wire.open_data();
        for y in y0..y1 {
            for x in x0..x1 {
                out.extend_from_slice(&rgb565(px.rgb(x, y)).to_be_bytes());
            }
        }
        wire.close_data();
    }
}
