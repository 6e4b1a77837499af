//! Emulator of the MIPI-DCS TFT controllers, read from the same
//! [`MipiModel`](crate::panel::driver::mipi::MipiModel) as the driver.
//!
//! A command byte arrives with DC low and its arguments with DC high; after 0x2C every
//! two data bytes (RGB565, COLMOD 0x55) or three (RGB666, COLMOD 0x66) are one pixel,
//! written left to right then down inside the 0x2A/0x2B window. RAM is the chip's size;
//! MADCTL's row/column exchange and mirrors are honoured. The glass is modelled as the
//! common modules are built: it shows RAM upright under the model's MADCTL from the
//! model's offset; IPS panels show colours inverted unless inversion is on, and red and
//! blue swap unless MADCTL's BGR bit matches the panel's colour filter.

use super::{Controller, Decoder, Emulator, State};
use crate::panel::driver::mipi::MipiModel;

/// A MIPI-DCS controller with its panel.
#[derive(Debug, Clone)]
pub struct MipiEmulator {
    model: &'static MipiModel,
    /// Colours as written, 8 bits each (6- or 5-bit values expanded).
    ram: Vec<[u8; 3]>,
    cols: (u32, u32),
    rows: (u32, u32),
    x: u32,
    y: u32,
    partial: Vec<u8>,
    madctl: u8,
    colmod: u8,
    inverted: bool,
    display_on: bool,
    awake: bool,
    brightness: u8,
    dec: Decoder,
    /// Per RAM cell: the glass shows it.
    visible: Vec<bool>,
    /// A pixel outside the glass was reported since the last 0x2C.
    outside_said: bool,
}

/// Expands a `bits`-bit colour level to 8 bits.
fn expand(v: u8, bits: u32) -> u8 {
    let v = v & ((1 << bits) - 1);
    (v << (8 - bits)) | (v >> (2 * bits - 8))
}

impl MipiEmulator {
    /// The controller of `model` with its panel, as after a reset.
    pub fn new(model: &'static MipiModel) -> Self {
        let (w, h) = model.chip.ram;
        let mut e = MipiEmulator {
            model,
            ram: vec![[0; 3]; (w * h) as usize],
            cols: (0, 0),
            rows: (0, 0),
            x: 0,
            y: 0,
            partial: Vec::with_capacity(3),
            madctl: 0,
            colmod: 0x66,
            inverted: false,
            display_on: false,
            awake: false,
            brightness: 0,
            dec: Decoder::default(),
            visible: vec![false; (w * h) as usize],
            outside_said: false,
        };
        for y in 0..model.height {
            for x in 0..model.width {
                if let Some(i) = e.cell(model.madctl, model.offset.0 + x, model.offset.1 + y) {
                    e.visible[i] = true;
                }
            }
        }
        e.reset();
        e
    }

    /// The RAM cell that logical address (x, y) reaches under `madctl` (None: outside).
    fn cell(&self, madctl: u8, x: u32, y: u32) -> Option<usize> {
        let (rw, rh) = self.model.chip.ram;
        let (lw, lh) = if madctl & 0x20 != 0 {
            (rh, rw)
        } else {
            (rw, rh)
        };
        if x >= lw || y >= lh {
            return None;
        }
        let mut cx = if madctl & 0x40 != 0 { lw - 1 - x } else { x };
        let mut cy = if madctl & 0x80 != 0 { lh - 1 - y } else { y };
        if madctl & 0x20 != 0 {
            std::mem::swap(&mut cx, &mut cy);
        }
        Some((cy * rw + cx) as usize)
    }

    fn write(&mut self, v: [u8; 3]) {
        match self.cell(self.madctl, self.x, self.y) {
            Some(i) => {
                self.ram[i] = v;
                // The driver writes only what the glass shows: another model's window
                // (a taller panel on the same chip) does not fit.
                if !self.visible[i] && !self.outside_said {
                    self.outside_said = true;
                    self.dec.problems.push(format!(
                        "pixel written outside the {}x{} glass at ({}, {})",
                        self.model.width, self.model.height, self.x, self.y
                    ));
                }
            }
            None => self.dec.problems.push(format!(
                "pixel written outside RAM at ({}, {})",
                self.x, self.y
            )),
        }
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
}

impl Controller for MipiEmulator {
    fn args_of(&self, c: u8) -> Option<usize> {
        self.model.chip.args_of(c)
    }

    fn run(&mut self, c: u8, a: &[u8]) {
        let word = |i: usize| u32::from(u16::from_be_bytes([a[i], a[i + 1]]));
        match c {
            0x01 => self.reset(),
            0x10 | 0x11 => self.awake = c == 0x11,
            0x20 | 0x21 => self.inverted = c == 0x21,
            0x28 | 0x29 => self.display_on = c == 0x29,
            0x2A => {
                self.cols = (word(0), word(2));
                self.x = self.cols.0;
            }
            0x2B => {
                self.rows = (word(0), word(2));
                self.y = self.rows.0;
            }
            0x2C => {
                self.dec.writing = true;
                self.outside_said = false;
                self.x = self.cols.0;
                self.y = self.rows.0;
                self.partial.clear();
            }
            0x36 => self.madctl = a[0],
            0x3A => {
                self.colmod = a[0];
                if a[0] & 0x07 != self.model.chip.pixel.colmod() & 0x07 {
                    self.dec.problems.push(format!(
                        "pixel format {:#04X} is not the {:?} the panel's bus carries",
                        a[0], self.model.chip.pixel
                    ));
                }
            }
            0x51 => self.brightness = a[0],
            _ => {}
        }
    }

    fn ram_byte(&mut self, b: u8) {
        self.partial.push(b);
        if self.colmod & 0x07 == 0x05 {
            if let [h, l] = self.partial[..] {
                let v = u16::from_be_bytes([h, l]);
                self.partial.clear();
                self.write([
                    expand((v >> 11) as u8, 5),
                    expand((v >> 5) as u8, 6),
                    expand(v as u8, 5),
                ]);
            }
        } else if let [r, g, b] = self.partial[..] {
            self.partial.clear();
            self.write([r, g, b].map(|v| expand(v >> 2, 6)));
        }
    }

    fn decoder(&mut self) -> &mut Decoder {
        &mut self.dec
    }
}

impl Emulator for MipiEmulator {
    fn command(&mut self, bytes: &[u8]) {
        super::command_then_data_args(self, bytes);
    }

    fn data(&mut self, bytes: &[u8]) {
        super::data_args_or_ram(self, bytes);
    }

    fn reset(&mut self) {
        let (w, h) = self.model.chip.ram;
        self.cols = (0, w - 1);
        self.rows = (0, h - 1);
        self.x = 0;
        self.y = 0;
        self.partial.clear();
        self.madctl = 0;
        self.colmod = 0x66;
        self.inverted = false;
        self.display_on = false;
        self.awake = false;
        self.brightness = 0;
        self.dec.reset();
    }

    fn size(&self) -> (u32, u32) {
        (self.model.width, self.model.height)
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let m = self.model;
        if !self.display_on || !self.awake || x >= m.width || y >= m.height {
            return [0; 3];
        }
        let Some(i) = self.cell(m.madctl, m.offset.0 + x, m.offset.1 + y) else {
            return [0; 3];
        };
        let mut v = self.ram[i];
        if self.inverted != m.chip.ips {
            v = v.map(|c| !c);
        }
        let [r, g, b] = v;
        if (self.madctl & 0x08) != (m.madctl & 0x08) {
            [b, g, r]
        } else {
            [r, g, b]
        }
    }

    fn state(&self) -> State {
        State {
            on: self.display_on && self.awake,
            inverted: self.inverted != self.model.chip.ips,
            contrast: self.brightness,
        }
    }

    fn problems(&self) -> &[String] {
        &self.dec.problems
    }
}
