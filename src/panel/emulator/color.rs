//! Emulator of the colour-window OLED controllers, read from the same
//! [`ColorModel`](crate::panel::driver::color::ColorModel) as the driver.
//!
//! Arguments arrive as commands (SSD1331) or as data (SSD1351), as the chip's spec says;
//! pixel data, after the write-RAM command where the chip has one, is two bytes a pixel
//! (RGB565, high byte first) filling the column (0x15) and row (0x75) window left to
//! right, then down. The glass is modelled as the common modules are built: with the
//! remap the spec calls upright (what the drivers send), RAM (x, y) shows at (x, y) in
//! its colours; a different column or COM remap bit mirrors the picture, a different
//! colour order swaps red and blue. A colour depth other than 65k colours and vertical
//! increment are not modelled and are reported. Inverse display shows each colour's
//! complement; the contrast reported is colour A's.

use super::{Controller, Decoder, Emulator, State};
use crate::panel::driver::color::{ColorContrast, ColorModel};
use crate::panel::driver::gray::GrayArgs;

/// A colour OLED controller with its panel.
#[derive(Debug, Clone)]
pub struct ColorEmulator {
    model: &'static ColorModel,
    ram: Vec<u16>,
    cols: (u32, u32),
    rows: (u32, u32),
    x: u32,
    y: u32,
    high: Option<u8>,
    remap: u8,
    mode: u8,
    on: bool,
    contrast: [u8; 3],
    mux: u32,
    dec: Decoder,
}

/// Expands a `bits`-bit colour level to 8 bits.
fn expand(v: u16, bits: u32) -> u8 {
    let v = (v & ((1 << bits) - 1)) as u8;
    (v << (8 - bits)) | (v >> (2 * bits - 8))
}

impl ColorEmulator {
    /// The controller of `model` with its panel, as after a reset.
    pub fn new(model: &'static ColorModel) -> Self {
        let (w, h) = model.chip.ram;
        let mut e = ColorEmulator {
            model,
            ram: vec![0; (w * h) as usize],
            cols: (0, 0),
            rows: (0, 0),
            x: 0,
            y: 0,
            high: None,
            remap: 0,
            mode: model.chip.modes.normal,
            on: false,
            contrast: [0; 3],
            mux: 0,
            dec: Decoder::default(),
        };
        e.reset();
        e
    }
}

impl Controller for ColorEmulator {
    fn args_of(&self, c: u8) -> Option<usize> {
        self.model.chip.args_of(c)
    }

    fn run(&mut self, c: u8, a: &[u8]) {
        let chip = self.model.chip;
        let (w, h) = chip.ram;
        let clamp = |v: u8, last: u32| u32::from(v).min(last);
        match (c, a.len()) {
            (0x15, 2) => {
                self.cols = (clamp(a[0], w - 1), clamp(a[1], w - 1));
                self.x = self.cols.0;
                self.high = None;
            }
            (0x75, 2) => {
                self.rows = (clamp(a[0], h - 1), clamp(a[1], h - 1));
                self.y = self.rows.0;
                self.high = None;
            }
            (0xA0, 1) => {
                self.remap = a[0];
                let r = chip.remap;
                if a[0] & r.vertical != 0 || a[0] & r.depth != r.depth_65k {
                    self.dec.problems.push(format!(
                        "remap {:#04X}: vertical increment or a depth other than 65k colours is not modelled",
                        a[0]
                    ));
                }
            }
            (0xA4..=0xA7, 0) => self.mode = c,
            (0xAE | 0xAF, 0) => self.on = c == 0xAF,
            (c, 1) if c == chip.mux_cmd => self.mux = u32::from(a[0] & 0x7F),
            (c, 0) if Some(c) == chip.write_ram => {
                self.dec.writing = true;
                self.high = None;
            }
            (c, n) => match chip.contrast {
                ColorContrast::PerColour(cmds) if n == 1 => {
                    if let Some(i) = cmds.iter().position(|&k| k == c) {
                        self.contrast[i] = a[0];
                    }
                }
                ColorContrast::OneCommand(k) if c == k && n == 3 => {
                    self.contrast = [a[0], a[1], a[2]];
                }
                _ => {}
            },
        }
    }

    fn ram_byte(&mut self, b: u8) {
        let Some(high) = self.high.take() else {
            self.high = Some(b);
            return;
        };
        let w = self.model.chip.ram.0;
        self.ram[(self.y * w + self.x) as usize] = u16::from_be_bytes([high, b]);
        self.x += 1;
        if self.x > self.cols.1 {
            self.x = self.cols.0;
            self.y = if self.y >= self.rows.1 {
                self.rows.0
            } else {
                self.y + 1
            };
        }
    }

    fn decoder(&mut self) -> &mut Decoder {
        &mut self.dec
    }
}

impl Emulator for ColorEmulator {
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
        let (w, h) = chip.ram;
        self.cols = (0, w - 1);
        self.rows = (0, h - 1);
        self.x = 0;
        self.y = 0;
        self.high = None;
        self.remap = chip.remap.depth_65k;
        self.mode = chip.modes.normal;
        self.on = false;
        self.contrast = [chip.contrast_reset; 3];
        self.mux = h - 1;
        self.dec.reset();
    }

    fn size(&self) -> (u32, u32) {
        (self.model.width, self.model.height)
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let m = self.model;
        let chip = m.chip;
        if !self.on || x >= m.width || y >= m.height {
            return [0; 3];
        }
        let off = self.remap ^ chip.upright;
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
        let v = self.ram[(y * chip.ram.0 + x) as usize];
        let mut c = [expand(v >> 11, 5), expand(v >> 5, 6), expand(v, 5)];
        let modes = chip.modes;
        match self.mode {
            k if k == modes.all_off => c = [0; 3],
            k if k == modes.all_on => c = [255; 3],
            k if k == modes.inverse => c = c.map(|v| !v),
            _ => {}
        }
        if off & chip.remap.bgr != 0 {
            c.swap(0, 2);
        }
        c
    }

    fn state(&self) -> State {
        State {
            on: self.on,
            inverted: self.mode == self.model.chip.modes.inverse,
            contrast: self.contrast[0],
        }
    }

    fn problems(&self) -> &[String] {
        &self.dec.problems
    }

    fn rows_scanned(&self) -> Option<u32> {
        Some(self.mux + 1)
    }
}
