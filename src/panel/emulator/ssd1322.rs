//! Emulator of the SSD1322 grey OLED controller.
//!
//! A command byte arrives with DC low and its arguments with DC high; after 0x5C every
//! data byte is two pixels. RAM is 480×128 pixels of 4 bits, addressed in columns of 4
//! pixels (2 bytes) by 0x15 and rows by 0x75, written left to right then down inside the
//! window. With nibble remap (0xA0 bit 2) the high nibble is the left pixel. The 256-pixel
//! glass shows RAM columns 28..92; the COM scan direction set by the drivers (bit 4) shows
//! row y at y, as on the common modules. Column remap is not modelled and is reported.

use super::{Controller, Decoder, Emulator, State};

/// RAM width in pixels.
const RAM_W: usize = 480;
/// RAM height in rows.
const RAM_H: usize = 128;
/// First RAM pixel the glass shows.
const FIRST: usize = 28 * 4;

/// An SSD1322.
#[derive(Debug, Clone)]
pub struct Ssd1322Emulator {
    ram: Vec<u8>,
    cols: (usize, usize),
    rows: (usize, usize),
    col: usize,
    row: usize,
    half: usize,
    remap: (u8, u8),
    display: u8,
    on: bool,
    contrast: u8,
    mux: u8,
    dec: Decoder,
}

impl Default for Ssd1322Emulator {
    fn default() -> Self {
        Self::new()
    }
}

impl Ssd1322Emulator {
    /// A fresh controller, as after reset.
    pub fn new() -> Self {
        let mut e = Ssd1322Emulator {
            ram: vec![0; RAM_W * RAM_H],
            cols: (0, 119),
            rows: (0, 127),
            col: 0,
            row: 0,
            half: 0,
            remap: (0, 0),
            display: 0xA6,
            on: false,
            contrast: 0x7F,
            mux: 127,
            dec: Decoder::default(),
        };
        e.reset();
        e
    }

    /// Rows scanned (multiplex ratio + 1), for checking the init sequence.
    pub fn rows_scanned(&self) -> u32 {
        u32::from(self.mux) + 1
    }
}

impl Controller for Ssd1322Emulator {
    fn args_of(&self, c: u8) -> Option<usize> {
        Some(match c {
            0x5C | 0x5D | 0xA4..=0xA7 | 0xA9 | 0xAE | 0xAF | 0xB0 | 0xB9 => 0,
            0xA1 | 0xA2 | 0xAB | 0xB1 | 0xB3 | 0xB5 | 0xB6 | 0xBB | 0xBE | 0xC1 | 0xC7 | 0xCA
            | 0xFD => 1,
            0x15 | 0x75 | 0xA0 | 0xA8 | 0xB4 | 0xD1 => 2,
            0xB8 => 15,
            _ => return None,
        })
    }

    fn run(&mut self, c: u8, a: &[u8]) {
        match c {
            0x15 => {
                self.cols = (usize::from(a[0].min(119)), usize::from(a[1].min(119)));
                self.col = self.cols.0;
                self.half = 0;
            }
            0x75 => {
                self.rows = (usize::from(a[0] & 0x7F), usize::from(a[1] & 0x7F));
                self.row = self.rows.0;
                self.half = 0;
            }
            0x5C => {
                self.dec.writing = true;
                self.half = 0;
            }
            0xA0 => {
                self.remap = (a[0], a[1]);
                if a[0] & 0x03 != 0 {
                    self.dec.problems.push(format!(
                        "remap {:#04X}: column remap or vertical increment is not modelled",
                        a[0]
                    ));
                }
            }
            0xA4..=0xA7 => self.display = c,
            0xAE | 0xAF => self.on = c == 0xAF,
            0xC1 => self.contrast = a[0],
            0xCA => self.mux = a[0] & 0x7F,
            _ => {}
        }
    }

    fn ram_byte(&mut self, b: u8) {
        let (first, second) = if self.remap.0 & 0x04 != 0 {
            (b >> 4, b & 0x0F)
        } else {
            (b & 0x0F, b >> 4)
        };
        let x = self.col * 4 + self.half * 2;
        let i = self.row * RAM_W + x;
        self.ram[i] = first;
        self.ram[i + 1] = second;
        self.half += 1;
        if self.half == 2 {
            self.half = 0;
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

impl Emulator for Ssd1322Emulator {
    fn command(&mut self, bytes: &[u8]) {
        super::command_then_data_args(self, bytes);
    }

    fn data(&mut self, bytes: &[u8]) {
        super::data_args_or_ram(self, bytes);
    }

    fn reset(&mut self) {
        self.cols = (0, 119);
        self.rows = (0, 127);
        self.col = 0;
        self.row = 0;
        self.half = 0;
        self.remap = (0, 0);
        self.display = 0xA6;
        self.on = false;
        self.contrast = 0x7F;
        self.mux = 127;
        self.dec.reset();
    }

    fn size(&self) -> (u32, u32) {
        (256, 64)
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        if !self.on || x >= 256 || y >= 64 {
            return [0; 3];
        }
        let row = if self.remap.0 & 0x10 != 0 {
            y as usize
        } else {
            63 - y as usize
        };
        let v = self.ram[row * RAM_W + FIRST + x as usize];
        let v = match self.display {
            0xA4 => 0,
            0xA5 => 15,
            0xA7 => 15 - v,
            _ => v,
        };
        [v * 17; 3]
    }

    fn state(&self) -> State {
        State {
            on: self.on,
            inverted: self.display == 0xA7,
            contrast: self.contrast,
        }
    }

    fn problems(&self) -> &[String] {
        &self.dec.problems
    }

    fn rows_scanned(&self) -> Option<u32> {
        Some(Ssd1322Emulator::rows_scanned(self))
    }
}
