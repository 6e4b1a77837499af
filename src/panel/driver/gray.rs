//! The column-window greyscale OLED controllers (SSD1325, SSD1327, SSD1362, SSD1363, and
//! the SSD1322 as Newhaven wires it): 16 grey levels, a nibble a segment, two segments a
//! byte. A column address (0x15) covers two or four segments and a row address (0x75)
//! one row; pixel data fills that window left to right, then down. What differs between
//! chips is data, a [`GraySpec`]: how arguments travel (as commands or as data), whether
//! RAM writing needs a command (0x5C), which nibble is the left pixel, the remap bits, the
//! contrast command and the display modes. What differs between panels on one chip is a
//! [`GrayModel`].

use crate::panel::wire::Wire;
use crate::render::{PixelMode, Rect};

use super::{Driver, Pixels, Settings, WindowCost, align_span};

/// How a controller takes a command's arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrayArgs {
    /// As further command bytes, DC low (SSD1325, SSD1327, SSD1362).
    Command,
    /// As data bytes, DC high (SSD1322, SSD1363).
    Data,
}

/// One step of a grey controller's power-on sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrayInit {
    /// A command and its arguments.
    Cmd(u8, &'static [u8]),
    /// The multiplex ratio for the model's rows: the chip's mux command, `mux - 1`.
    Mux,
    /// The display offset command (0xA2) with the model's value.
    DisplayOffset,
    /// The contrast command with the settings' level.
    Contrast,
    /// Normal or inverse display, from the settings.
    Invert,
    /// Wait this many milliseconds.
    Delay(u32),
}

/// Which bits of the remap command's first argument do what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemapBits {
    /// Column address remap (segments mirrored).
    pub column: u8,
    /// Nibble remap (the two segments of a byte swapped).
    pub nibble: u8,
    /// Vertical address increment (the drivers never set it).
    pub vertical: u8,
    /// COM remap (rows mirrored).
    pub com: u8,
}

/// The remap bits of the SSD1325, SSD1327, SSD1362 and SSD1363.
pub const REMAP_SSD1325: RemapBits = RemapBits {
    column: 0x01,
    nibble: 0x02,
    vertical: 0x04,
    com: 0x10,
};

/// The remap bits of the SSD1322 (its bit 0 is the increment direction).
pub const REMAP_SSD1322: RemapBits = RemapBits {
    column: 0x02,
    nibble: 0x04,
    vertical: 0x01,
    com: 0x10,
};

/// The four display modes of the 0xA4..=0xA7 commands, which differ in order by chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisplayModes {
    /// Shows RAM.
    pub normal: u8,
    /// Shows RAM inverted.
    pub inverse: u8,
    /// Every pixel at level 15.
    pub all_on: u8,
    /// Every pixel at level 0.
    pub all_off: u8,
}

/// What one column-window grey controller is, as data. The driver and the emulator both
/// read it.
#[derive(Debug)]
pub struct GraySpec {
    /// The controller's name (`SSD1325`).
    pub chip: &'static str,
    /// Column addresses in RAM.
    pub ram_columns: u32,
    /// Rows of RAM.
    pub ram_rows: u32,
    /// Segments (4-bit nibbles) a column address covers: 2 or 4.
    pub column_segments: u32,
    /// Segments one pixel of the panel lights: 1, or 2 where the glass joins pairs.
    pub segments_per_pixel: u32,
    /// How arguments travel.
    pub args: GrayArgs,
    /// The command that opens RAM for writing (0x5C), where data is not RAM at once.
    pub write_ram: Option<u8>,
    /// With the init's remap, the high nibble of a byte is the left segment.
    pub high_nibble_first: bool,
    /// The two bytes of a 4-segment column address go in reverse order (SSD1363 glass).
    pub swap_byte_pairs: bool,
    /// The power-on sequence, ending with the display on.
    pub init: &'static [GrayInit],
    /// The contrast command, one argument.
    pub contrast_cmd: u8,
    /// Bits of the contrast register (7 on the SSD1325, else 8).
    pub contrast_bits: u32,
    /// The contrast register after a reset.
    pub contrast_reset: u8,
    /// The multiplex ratio command (0xA8, or 0xCA on the SSD1322/SSD1363).
    pub mux_cmd: u8,
    /// The remap command's bits.
    pub remap: RemapBits,
    /// The remap command's first argument as the init sends it: the setting under which
    /// the module's glass shows RAM upright.
    pub upright: u8,
    /// The display mode commands.
    pub modes: DisplayModes,
    /// The commands it knows: (first, last, argument bytes).
    pub commands: &'static [(u8, u8, u8)],
}

impl GraySpec {
    /// Argument bytes of command `c`, or None when the chip does not know it.
    pub fn args_of(&self, c: u8) -> Option<usize> {
        self.commands
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&c))
            .map(|(_, _, n)| usize::from(*n))
    }

    /// The register value a contrast level of 0..=255 becomes.
    pub const fn contrast_register(&self, level: u8) -> u8 {
        level >> (8 - self.contrast_bits)
    }

    /// Panel pixels a column address covers.
    pub const fn column_pixels(&self) -> u32 {
        self.column_segments / self.segments_per_pixel
    }
}

/// One panel on a grey controller: its size and where it sits in RAM.
#[derive(Debug)]
pub struct GrayModel {
    /// The controller.
    pub chip: &'static GraySpec,
    /// Columns (as the controller scans them).
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// Column address of the panel's first pixel.
    pub column_offset: u32,
    /// Rows the controller scans (the multiplex ratio sent at init).
    pub mux: u32,
    /// The display offset (0xA2) the init sends.
    pub display_offset: u8,
}

/// The driver of a column-window grey panel, all of it read from its model.
#[derive(Debug, Clone, Copy)]
pub struct Gray(pub &'static GrayModel);

impl Gray {
    /// A command and its arguments, as the chip takes them.
    fn cmd(&self, wire: &mut Wire, c: u8, args: &[u8]) {
        match self.0.chip.args {
            GrayArgs::Command => {
                wire.command(&[c]);
                if !args.is_empty() {
                    wire.command(args);
                }
            }
            GrayArgs::Data => {
                wire.command(&[c]);
                if !args.is_empty() {
                    wire.data(args);
                }
            }
        }
    }
}

impl Driver for Gray {
    fn native(&self) -> (u32, u32) {
        (self.0.width, self.0.height)
    }

    fn mode(&self) -> PixelMode {
        PixelMode::Gray4
    }

    fn init(&self, settings: &Settings, wire: &mut Wire) {
        let m = self.0;
        for step in m.chip.init {
            match *step {
                GrayInit::Cmd(c, args) => self.cmd(wire, c, args),
                GrayInit::Mux => self.cmd(wire, m.chip.mux_cmd, &[(m.mux - 1) as u8]),
                GrayInit::DisplayOffset => self.cmd(wire, 0xA2, &[m.display_offset]),
                GrayInit::Contrast => self.contrast(settings.contrast, wire),
                GrayInit::Invert => self.invert(settings.invert, wire),
                GrayInit::Delay(ms) => wire.delay(ms),
            }
        }
    }

    fn contrast(&self, level: u8, wire: &mut Wire) {
        let chip = self.0.chip;
        self.cmd(wire, chip.contrast_cmd, &[chip.contrast_register(level)]);
    }

    fn contrast_register(&self, level: u8) -> Option<u8> {
        Some(self.0.chip.contrast_register(level))
    }

    fn invert(&self, on: bool, wire: &mut Wire) {
        let modes = self.0.chip.modes;
        self.cmd(wire, if on { modes.inverse } else { modes.normal }, &[]);
    }

    fn sleep(&self, asleep: bool, wire: &mut Wire) {
        self.cmd(wire, if asleep { 0xAE } else { 0xAF }, &[]);
    }

    fn window_cost(&self) -> Option<WindowCost> {
        // Column and row windows of three bytes each (as commands or data), the RAM write
        // command where there is one; a column address is `column_segments` nibbles.
        let chip = self.0.chip;
        Some(WindowCost {
            col: chip.column_pixels(),
            row: 1,
            window: 6 + u32::from(chip.write_ram.is_some()),
            per_row: 0,
            cell: chip.column_segments / 2,
            hop: 6 + u32::from(chip.write_ram.is_some()),
        })
    }

    fn align(&self, r: Rect) -> Rect {
        let n = self.0.chip.column_pixels() as i32;
        let (x0, x1) = align_span(r.x, r.right(), n);
        Rect::new(x0, r.y, (x1 - x0) as u32, r.h)
    }

    fn pack(&self, px: &Pixels, r: Rect, wire: &mut Wire) {
        let m = self.0;
        let chip = m.chip;
        let n = chip.column_pixels();
        let (x0, x1) = (r.x as u32, r.right() as u32);
        let (y0, y1) = (r.y as u32, r.bottom() as u32);
        let c0 = (m.column_offset + x0 / n) as u8;
        let c1 = (m.column_offset + x1 / n - 1) as u8;
        self.cmd(wire, 0x15, &[c0, c1]);
        self.cmd(wire, 0x75, &[y0 as u8, (y1 - 1) as u8]);
        if let Some(c) = chip.write_ram {
            self.cmd(wire, c, &[]);
        }
        let level = |x, y| px.gray(x, y) >> 4;
        let byte = |a: u8, b: u8| {
            if chip.high_nibble_first {
                (a << 4) | b
            } else {
                (b << 4) | a
            }
        };
        let out = wire.open_data();
        for y in y0..y1 {
            if chip.segments_per_pixel == 2 {
                out.extend((x0..x1).map(|x| {
                    let v = level(x, y);
                    (v << 4) | v
                }));
                continue;
            }
            let start = out.len();
            out.extend(
                (x0..x1)
                    .step_by(2)
                    .map(|x| byte(level(x, y), level(x + 1, y))),
            );
            if chip.swap_byte_pairs {
                for pair in out[start..].chunks_exact_mut(2) {
                    pair.swap(0, 1);
                }
            }
        }
        wire.close_data();
    }
}
