//! Emulator of the MIPI-DCS TFT controllers, ST7789 and ILI9341.
//!
//! A command byte arrives with DC low and its arguments with DC high; after 0x2C every
//! two data bytes are one big-endian RGB565 pixel, written left to right then down inside
//! the 0x2A/0x2B window. RAM is 240×320; MADCTL's row/column exchange and mirrors are
//! honoured. The glass is modelled as the common modules are built: ST7789 IPS panels
//! show colours inverted unless inversion is on, and ILI9341 panels have red and blue
//! swapped unless MADCTL's BGR bit is set.

use super::{Controller, Decoder, Emulator, State};

/// RAM width.
const RAM_W: u32 = 240;
/// RAM height.
const RAM_H: u32 = 320;

/// An ST7789 or ILI9341 with its panel.
#[derive(Debug, Clone)]
pub struct MipiEmulator {
    height: u32,
    ips: bool,
    bgr_panel: bool,
    ram: Vec<u16>,
    cols: (u32, u32),
    rows: (u32, u32),
    x: u32,
    y: u32,
    high: Option<u8>,
    madctl: u8,
    colmod: u8,
    inverted: bool,
    display_on: bool,
    awake: bool,
    brightness: u8,
    dec: Decoder,
}

impl MipiEmulator {
    /// An ST7789 with a 240 × `height` IPS panel.
    pub fn st7789(height: u32) -> Self {
        Self::new(height, true, false)
    }

    /// An ILI9341 with its 240×320 BGR panel.
    pub fn ili9341() -> Self {
        Self::new(320, false, true)
    }

    fn new(height: u32, ips: bool, bgr_panel: bool) -> Self {
        let mut e = MipiEmulator {
            height,
            ips,
            bgr_panel,
            ram: vec![0; (RAM_W * RAM_H) as usize],
            cols: (0, 0),
            rows: (0, 0),
            x: 0,
            y: 0,
            high: None,
            madctl: 0,
            colmod: 0x66,
            inverted: false,
            display_on: false,
            awake: false,
            brightness: 0,
            dec: Decoder::default(),
        };
        e.reset();
        e
    }

    /// Logical window size: rows and columns exchange with MADCTL's MV bit.
    fn logical(&self) -> (u32, u32) {
        if self.madctl & 0x20 != 0 {
            (RAM_H, RAM_W)
        } else {
            (RAM_W, RAM_H)
        }
    }

    fn write(&mut self, v: u16) {
        let (lw, lh) = self.logical();
        if self.x >= lw || self.y >= lh {
            self.dec.problems.push(format!(
                "pixel written outside RAM at ({}, {})",
                self.x, self.y
            ));
        } else {
            let mut cx = if self.madctl & 0x40 != 0 {
                lw - 1 - self.x
            } else {
                self.x
            };
            let mut cy = if self.madctl & 0x80 != 0 {
                lh - 1 - self.y
            } else {
                self.y
            };
            if self.madctl & 0x20 != 0 {
                std::mem::swap(&mut cx, &mut cy);
            }
            self.ram[(cy * RAM_W + cx) as usize] = v;
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
        Some(match c {
            0x00 | 0x01 | 0x10 | 0x11 | 0x12 | 0x13 | 0x20 | 0x21 | 0x28 | 0x29 | 0x2C | 0x38
            | 0x39 => 0,
            0x26 | 0x36 | 0x3A | 0x51 | 0x53 | 0x55 | 0xC0 | 0xC1 | 0xC7 => 1,
            0xB1 | 0xC5 => 2,
            0xB6 => 3,
            0x2A | 0x2B => 4,
            _ => return None,
        })
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
                self.x = self.cols.0;
                self.y = self.rows.0;
                self.high = None;
            }
            0x36 => self.madctl = a[0],
            0x3A => {
                self.colmod = a[0];
                if a[0] & 0x07 != 0x05 {
                    self.dec
                        .problems
                        .push(format!("pixel format {:#04X} is not RGB565", a[0]));
                }
            }
            0x51 => self.brightness = a[0],
            _ => {}
        }
    }

    fn ram_byte(&mut self, b: u8) {
        match self.high.take() {
            None => self.high = Some(b),
            Some(h) => self.write(u16::from_be_bytes([h, b])),
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
        self.cols = (0, RAM_W - 1);
        self.rows = (0, RAM_H - 1);
        self.x = 0;
        self.y = 0;
        self.high = None;
        self.madctl = 0;
        self.colmod = 0x66;
        self.inverted = false;
        self.display_on = false;
        self.awake = false;
        self.brightness = 0;
        self.dec.reset();
    }

    fn size(&self) -> (u32, u32) {
        (RAM_W, self.height)
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        if !self.display_on || !self.awake || x >= RAM_W || y >= self.height {
            return [0; 3];
        }
        let mut v = self.ram[(y * RAM_W + x) as usize];
        if self.inverted != self.ips {
            v = !v;
        }
        let r5 = (v >> 11) as u8;
        let g6 = ((v >> 5) & 0x3F) as u8;
        let b5 = (v & 0x1F) as u8;
        let (r, g, b) = (
            (r5 << 3) | (r5 >> 2),
            (g6 << 2) | (g6 >> 4),
            (b5 << 3) | (b5 >> 2),
        );
        if (self.madctl & 0x08 != 0) != self.bgr_panel {
            [b, g, r]
        } else {
            [r, g, b]
        }
    }

    fn state(&self) -> State {
        State {
            on: self.display_on && self.awake,
            inverted: self.inverted != self.ips,
            contrast: self.brightness,
        }
    }

    fn problems(&self) -> &[String] {
        &self.dec.problems
    }
}
