//! Emulator of the page-addressed mono OLED controllers, SSD1306 and SH1106.
//!
//! Every command byte arrives with DC low, arguments too. RAM is 8 pages of 128 (SSD1306)
//! or 132 (SH1106) bytes, bit 0 of a byte the top row of its page. Horizontal, vertical
//! and page addressing are modelled (the SH1106 has page addressing only). The glass is
//! modelled as on the common modules: with segment remap (0xA1) and reversed COM scan
//! (0xC8) — what the drivers send — RAM column `offset + x`, row `y` shows at (x, y);
//! without them the image is mirrored.

use super::{Controller, Decoder, Emulator, State};

/// Which controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chip {
    Ssd1306,
    Sh1106,
}

/// Addressing mode (SSD1306 0x20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Addressing {
    Horizontal,
    Vertical,
    Page,
}

/// An SSD1306 or SH1106.
#[derive(Debug, Clone)]
pub struct PagesEmulator {
    chip: Chip,
    height: u32,
    ram: Vec<[u8; 132]>,
    addressing: Addressing,
    cols: (u32, u32),
    pages: (u32, u32),
    col: u32,
    page: u32,
    seg_remap: bool,
    com_remap: bool,
    inverted: bool,
    entire_on: bool,
    on: bool,
    contrast: u8,
    mux: u32,
    dec: Decoder,
}

impl PagesEmulator {
    /// An SSD1306 driving 128 × `height`.
    pub fn ssd1306(height: u32) -> Self {
        Self::new(Chip::Ssd1306, height)
    }

    /// An SH1106 driving 128 × `height`.
    pub fn sh1106(height: u32) -> Self {
        Self::new(Chip::Sh1106, height)
    }

    fn new(chip: Chip, height: u32) -> Self {
        let mut e = PagesEmulator {
            chip,
            height,
            ram: vec![[0; 132]; 8],
            addressing: Addressing::Page,
            cols: (0, 127),
            pages: (0, 7),
            col: 0,
            page: 0,
            seg_remap: false,
            com_remap: false,
            inverted: false,
            entire_on: false,
            on: false,
            contrast: 0x7F,
            mux: 63,
            dec: Decoder::default(),
        };
        e.reset();
        e
    }

    fn ram_cols(&self) -> u32 {
        match self.chip {
            Chip::Ssd1306 => 128,
            Chip::Sh1106 => 132,
        }
    }

    fn offset(&self) -> u32 {
        match self.chip {
            Chip::Ssd1306 => 0,
            Chip::Sh1106 => 2,
        }
    }
}

impl Controller for PagesEmulator {
    fn args_of(&self, c: u8) -> Option<usize> {
        let ssd = self.chip == Chip::Ssd1306;
        Some(match c {
            0x00..=0x1F | 0x40..=0x7F | 0xA0 | 0xA1 | 0xA4..=0xA7 | 0xAE | 0xAF => 0,
            0xB0..=0xB7 | 0xC0 | 0xC8 | 0xE3 => 0,
            0x81 | 0xA8 | 0xD3 | 0xD5 | 0xD9 | 0xDA | 0xDB => 1,
            0x20 if ssd => 1,
            0x21 | 0x22 if ssd => 2,
            0x8D if ssd => 1,
            0x2E | 0x2F if ssd => 0,
            0x26 | 0x27 if ssd => 6,
            0x29 | 0x2A if ssd => 5,
            0xA3 if ssd => 2,
            0x30..=0x33 if !ssd => 0,
            0xAD if !ssd => 1,
            _ => return None,
        })
    }

    fn run(&mut self, c: u8, a: &[u8]) {
        match c {
            0x00..=0x0F => self.col = (self.col & 0xF0) | u32::from(c),
            0x10..=0x1F => self.col = (u32::from(c & 0x0F) << 4) | (self.col & 0x0F),
            0x20 => {
                self.addressing = match a[0] & 3 {
                    0 => Addressing::Horizontal,
                    1 => Addressing::Vertical,
                    _ => Addressing::Page,
                }
            }
            0x21 => {
                self.cols = (u32::from(a[0] & 0x7F), u32::from(a[1] & 0x7F));
                self.col = self.cols.0;
            }
            0x22 => {
                self.pages = (u32::from(a[0] & 7), u32::from(a[1] & 7));
                self.page = self.pages.0;
            }
            0x81 => self.contrast = a[0],
            0xA0 | 0xA1 => self.seg_remap = c == 0xA1,
            0xA4 | 0xA5 => self.entire_on = c == 0xA5,
            0xA6 | 0xA7 => self.inverted = c == 0xA7,
            0xA8 => self.mux = u32::from(a[0] & 0x3F),
            0xAE | 0xAF => self.on = c == 0xAF,
            0xB0..=0xB7 => self.page = u32::from(c & 7),
            0xC0 | 0xC8 => self.com_remap = c == 0xC8,
            0xD3 if a[0] != 0 => self
                .dec
                .problems
                .push(format!("display offset {} is not modelled", a[0])),
            _ => {}
        }
    }

    fn ram_byte(&mut self, b: u8) {
        if self.col >= self.ram_cols() {
            self.dec
                .problems
                .push(format!("data written past column {}", self.ram_cols() - 1));
            return;
        }
        self.ram[self.page as usize][self.col as usize] = b;
        match self.addressing {
            Addressing::Horizontal => {
                self.col += 1;
                if self.col > self.cols.1 {
                    self.col = self.cols.0;
                    self.page = if self.page >= self.pages.1 {
                        self.pages.0
                    } else {
                        self.page + 1
                    };
                }
            }
            Addressing::Vertical => {
                self.page += 1;
                if self.page > self.pages.1 {
                    self.page = self.pages.0;
                    self.col = if self.col >= self.cols.1 {
                        self.cols.0
                    } else {
                        self.col + 1
                    };
                }
            }
            Addressing::Page => self.col += 1,
        }
    }

    fn decoder(&mut self) -> &mut Decoder {
        &mut self.dec
    }
}

impl Emulator for PagesEmulator {
    fn command(&mut self, bytes: &[u8]) {
        super::command_with_command_args(self, bytes);
    }

    fn data(&mut self, bytes: &[u8]) {
        super::data_all_ram(self, bytes);
    }

    fn reset(&mut self) {
        self.addressing = Addressing::Page;
        self.cols = (0, 127);
        self.pages = (0, 7);
        self.col = 0;
        self.page = 0;
        self.seg_remap = false;
        self.com_remap = false;
        self.inverted = false;
        self.entire_on = false;
        self.on = false;
        self.contrast = 0x7F;
        self.mux = 63;
        self.dec.reset();
    }

    fn size(&self) -> (u32, u32) {
        (128, self.height)
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        if !self.on || x >= 128 || y >= self.height {
            return [0; 3];
        }
        let col = if self.seg_remap {
            self.offset() + x
        } else {
            self.ram_cols() - 1 - self.offset() - x
        };
        let row = if self.com_remap {
            y
        } else {
            self.height - 1 - y
        };
        let bit = (self.ram[(row / 8) as usize][col as usize] >> (row % 8)) & 1 == 1;
        let lit = self.entire_on || (bit != self.inverted);
        if lit { [255; 3] } else { [0; 3] }
    }

    fn state(&self) -> State {
        State {
            on: self.on,
            inverted: self.inverted,
            contrast: self.contrast,
        }
    }

    fn problems(&self) -> &[String] {
        &self.dec.problems
    }
}

impl PagesEmulator {
    /// The multiplex ratio set (rows scanned), for checking the init sequence.
    pub fn rows_scanned(&self) -> u32 {
        self.mux + 1
    }
}
