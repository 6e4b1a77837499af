//! Emulator of the column-window grey controllers, read from the same
//! [`GrayModel`](crate::panel::driver::gray::GrayModel) as the driver.
//!
//! RAM is `ram_columns × column_segments` segments by `ram_rows` rows, a nibble each.
//! Arguments arrive as commands or as data, as the chip's spec says; pixel data fills the
//! column (0x15) and row (0x75) window left to right, then down, after the write-RAM
//! command where the chip has one. The nibble remap bit decides which nibble is the
//! left segment. The glass is modelled as the common modules are built: with the remap
//! the spec calls upright (what the drivers send), segment `column_offset ×
//! column_segments + x × segments_per_pixel` of row y shows at (x, y); a different
//! column or COM remap bit mirrors the picture, and a display offset other than the
//! model's shows nothing recognisable. Vertical increment is not modelled and is
//! reported.

use super::{Controller, Decoder, Emulator, State};
use crate::panel::driver::gray::{GrayArgs, GrayModel};

/// A grey controller with its panel.
#[derive(Debug, Clone)]
pub struct GrayEmulator {
    model: &'static GrayModel,
    ram: Vec<u8>,
    cols: (u32, u32),
    rows: (u32, u32),
    col: u32,
    row: u32,
    byte: u32,
    remap: u8,
    mode: u8,
    on: bool,
    contrast: u8,
    mux: u32,
    offset: u8,
    dec: Decoder,
}

impl GrayEmulator {
    /// The controller of `model` with its panel, as after a reset.
    pub fn new(model: &'static GrayModel) -> Self {
        let chip = model.chip;
        let mut e = GrayEmulator {
            model,
            ram: vec![0; (chip.ram_columns * chip.column_segments * chip.ram_rows) as usize],
            cols: (0, 0),
            rows: (0, 0),
            col: 0,
            row: 0,
            byte: 0,
            remap: 0,
            mode: chip.modes.normal,
            on: false,
            contrast: 0,
            mux: 0,
            offset: 0,
            dec: Decoder::default(),
        };
        e.reset();
        e
    }

    /// Segments in a RAM row.
    fn row_segments(&self) -> u32 {
        self.model.chip.ram_columns * self.model.chip.column_segments
    }

    /// The remap bits that differ from the upright setting.
    fn off_upright(&self) -> u8 {
        self.remap ^ self.model.chip.upright
    }
}

impl Controller for GrayEmulator {
    fn args_of(&self, c: u8) -> Option<usize> {
        self.model.chip.args_of(c)
    }

    fn run(&mut self, c: u8, a: &[u8]) {
        let chip = self.model.chip;
        let clamp = |v: u8, last: u32| u32::from(v).min(last);
        match (c, a.len()) {
            (0x15, 2) => {
                let last = chip.ram_columns - 1;
                self.cols = (clamp(a[0], last), clamp(a[1], last));
                self.col = self.cols.0;
                self.byte = 0;
            }
            (0x75, 2) => {
                let last = chip.ram_rows - 1;
                self.rows = (clamp(a[0], last), clamp(a[1], last));
                self.row = self.rows.0;
                self.byte = 0;
            }
            (0xA0, 1..) => {
                self.remap = a[0];
                if a[0] & chip.remap.vertical != 0 {
                    self.dec.problems.push(format!(
                        "remap {:#04X}: vertical address increment is not modelled",
                        a[0]
                    ));
                }
            }
            (0xA2, 1) => {
                if a[0] != self.model.display_offset {
                    self.dec.problems.push(format!(
                        "display offset {} is not the panel's {}",
                        a[0], self.model.display_offset
                    ));
                }
                self.offset = a[0];
            }
            (0xA4..=0xA7, 0) => self.mode = c,
            (0xAE | 0xAF, 0) => self.on = c == 0xAF,
            (c, 1) if c == chip.contrast_cmd => self.contrast = a[0],
            (c, 1) if c == chip.mux_cmd => self.mux = u32::from(a[0] & 0x7F),
            (c, 0) if Some(c) == chip.write_ram => {
                self.dec.writing = true;
                self.byte = 0;
            }
            _ => {}
        }
    }

    fn ram_byte(&mut self, b: u8) {
        let chip = self.model.chip;
        let per_column = chip.column_segments / 2;
        let k = if chip.swap_byte_pairs {
            per_column - 1 - self.byte
        } else {
            self.byte
        };
        let swapped = self.off_upright() & chip.remap.nibble != 0;
        let high_first = chip.high_nibble_first != swapped;
        let (left, right) = if high_first {
            (b >> 4, b & 0x0F)
        } else {
            (b & 0x0F, b >> 4)
        };
        let seg = self.col * chip.column_segments + k * 2;
        let i = (self.row * self.row_segments() + seg) as usize;
        self.ram[i] = left;
        self.ram[i + 1] = right;
        self.byte += 1;
        if self.byte == per_column {
            self.byte = 0;
            self.col += 1;
            if self.col > self.cols.1 {
                self.col = self.cols.0;
                self.row = if self.row >= self.rows.1 {
                    self.rows.0
                } else {
                    self.row + 1
                };
            }
        }
    }

    fn decoder(&mut self) -> &mut Decoder {
        &mut self.dec
    }
}

impl Emulator for GrayEmulator {
    fn command(&mut self, bytes: &[u8]) {
        match self.model.chip.args {
            GrayArgs::Command => super::command_with_command_args(self, bytes),
            GrayArgs::Data => super::command_then_data_args(self, bytes),
        }
    }

    fn data(&mut self, bytes: &[u8]) {
        match self.model.chip.args {
            GrayArgs::Command => super::data_all_ram(self, bytes),
            GrayArgs::Data => super::data_args_or_ram(self, bytes),
        }
    }

    fn reset(&mut self) {
        let chip = self.model.chip;
        self.cols = (0, chip.ram_columns - 1);
        self.rows = (0, chip.ram_rows - 1);
        self.col = 0;
        self.row = 0;
        self.byte = 0;
        self.remap = 0;
        self.mode = chip.modes.normal;
        self.on = false;
        self.contrast = chip.contrast_reset;
        self.mux = chip.ram_rows - 1;
        self.offset = 0;
        self.dec.reset();
    }

    fn size(&self) -> (u32, u32) {
        (self.model.width, self.model.height)
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let m = self.model;
        let chip = m.chip;
        if !self.on || x >= m.width || y >= m.height || self.offset != m.display_offset {
            return [0; 3];
        }
        let off = self.off_upright();
        let x = if off & chip.remap.column != 0 {
            m.width - 1 - x
        } else {
            x
        };
        let y = if off & chip.remap.com != 0 {
            m.height - 1 - y
        } else {
            y
        };
        let seg = m.column_offset * chip.column_segments + x * chip.segments_per_pixel;
        let v = self.ram[(y * self.row_segments() + seg) as usize];
        let modes = chip.modes;
        let v = match self.mode {
            c if c == modes.all_off => 0,
            c if c == modes.all_on => 15,
            c if c == modes.inverse => 15 - v,
            _ => v,
        };
        [v * 17; 3]
    }

    fn state(&self) -> State {
        State {
            on: self.on,
            inverted: self.mode == self.model.chip.modes.inverse,
            contrast: self.contrast,
        }
    }

    fn problems(&self) -> &[String] {
        &self.dec.problems
    }

    fn rows_scanned(&self) -> Option<u32> {
        Some(self.mux + 1)
    }
}
