//! Emulator of the page-addressed mono controllers, read from the same
//! [`PagedModel`](crate::panel::driver::pages::PagedModel) as the driver.
//!
//! Every command byte arrives with DC low, arguments too. RAM is `ram_pages` pages of
//! `ram_columns` bytes, bit 0 of a byte the top row of its page. Horizontal, vertical
//! and page addressing are modelled where the chip has them. The glass is modelled as
//! the common modules are built: with the segment remap and COM scan the chip's spec
//! calls upright (what the drivers send), RAM column `column_offset + x`, row
//! `page_offset * 8 + y` shows at (x, y); with the other settings the image is mirrored.
//! In page addressing the page does not advance; on the SSD130x the column wraps to 0
//! after the last one (datasheet 10.1.3), elsewhere writing past it is a problem.

use super::{Controller, Decoder, Emulator, State};
use crate::panel::driver::pages::PagedModel;

/// Addressing mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Addressing {
    Horizontal,
    Vertical,
    Page,
}

/// A page-addressed controller with its panel.
#[derive(Debug, Clone)]
pub struct PagesEmulator {
    model: &'static PagedModel,
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
    offset: u8,
    dec: Decoder,
}

impl PagesEmulator {
    /// The controller of `model` with its panel, as after a reset.
    pub fn new(model: &'static PagedModel) -> Self {
        let mut e = PagesEmulator {
            model,
            ram: vec![[0; 132]; model.chip.ram_pages as usize],
            addressing: Addressing::Page,
            cols: (0, 0),
            pages: (0, 0),
            col: 0,
            page: 0,
            seg_remap: false,
            com_remap: false,
            inverted: false,
            entire_on: false,
            on: false,
            contrast: 0,
            mux: 0,
            offset: 0,
            dec: Decoder::default(),
        };
        e.reset();
        e
    }

    fn ram_cols(&self) -> u32 {
        self.model.chip.ram_columns
    }

    /// The multiplex ratio set (rows scanned), for checking the init sequence.
    pub fn rows_scanned(&self) -> u32 {
        self.mux + 1
    }
}

impl Controller for PagesEmulator {
    fn args_of(&self, c: u8) -> Option<usize> {
        self.model.chip.args_of(c)
    }

    fn run(&mut self, c: u8, a: &[u8]) {
        let chip = self.model.chip;
        let last_col = chip.ram_columns - 1;
        let last_page = chip.ram_pages - 1;
        match (c, a.len()) {
            (0x00..=0x0F, 0) => self.col = (self.col & 0xF0) | u32::from(c),
            (0x10..=0x1F, 0) => self.col = (u32::from(c & 0x0F) << 4) | (self.col & 0x0F),
            (0x20, 1) => {
                self.addressing = match a[0] & 3 {
                    0 => Addressing::Horizontal,
                    1 => Addressing::Vertical,
                    _ => Addressing::Page,
                }
            }
            (0x20 | 0x21, 0) if chip.mode_pair => {
                self.addressing = if c == 0x20 {
                    Addressing::Page
                } else {
                    Addressing::Vertical
                }
            }
            (0x21, 2) => {
                self.cols = (u32::from(a[0]).min(last_col), u32::from(a[1]).min(last_col));
                self.col = self.cols.0;
            }
            (0x22, 2) => {
                self.pages = (
                    u32::from(a[0]).min(last_page),
                    u32::from(a[1]).min(last_page),
                );
                self.page = self.pages.0;
            }
            (0x81, 1) => self.contrast = a[0],
            (0xA0 | 0xA1, 0) => self.seg_remap = c == 0xA1,
            (0xA4 | 0xA5, 0) => self.entire_on = c == 0xA5,
            (0xA6 | 0xA7, 0) => self.inverted = c == 0xA7,
            (0xA8, 1) => self.mux = u32::from(a[0] & 0x7F),
            (0xAE | 0xAF, 0) => self.on = c == 0xAF,
            (0xB0..=0xBF, 0) => {
                let p = u32::from(c & 0x0F);
                if p > last_page {
                    self.dec.problems.push(format!("page {p} is outside RAM"));
                } else {
                    self.page = p;
                }
            }
            (0xC0 | 0xC8, 0) => self.com_remap = c == 0xC8,
            (0xE2, 0) => self.reset(),
            (0xD3, 1) => {
                if a[0] != self.model.display_offset {
                    self.dec.problems.push(format!(
                        "display offset {} is not the panel's {}",
                        a[0], self.model.display_offset
                    ));
                }
                self.offset = a[0];
            }
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
            Addressing::Page => {
                // SSD130x (the chips whose 0x20 takes the mode as an argument): the column
                // wraps to 0 of the same page; the others' pointer runs off the end.
                self.col += 1;
                if self.col >= self.ram_cols() && self.model.chip.args_of(0x20) == Some(1) {
                    self.col = 0;
                }
            }
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
        let chip = self.model.chip;
        self.addressing = Addressing::Page;
        self.cols = (0, chip.ram_columns - 1);
        self.pages = (0, chip.ram_pages - 1);
        self.col = 0;
        self.page = 0;
        self.seg_remap = false;
        self.com_remap = false;
        self.inverted = false;
        self.entire_on = false;
        self.on = false;
        self.contrast = chip.contrast_reset;
        self.mux = self.model.mux - 1;
        self.offset = self.model.display_offset;
        self.dec.reset();
    }

    fn size(&self) -> (u32, u32) {
        (self.model.width, self.model.height)
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let m = self.model;
        if !self.on || x >= m.width || y >= m.height {
            return [0; 3];
        }
        if self.offset != m.display_offset {
            // The panel's rows are wired to COMs the offset no longer maps: modelled as
            // showing nothing recognisable.
            return [0; 3];
        }
        let (seg_up, com_up) = m.chip.upright;
        let col = if self.seg_remap == seg_up {
            m.column_offset + x
        } else {
            self.ram_cols() - 1 - m.column_offset - x
        };
        let row0 = m.page_offset * 8;
        let row = if self.com_remap == com_up {
            row0 + y
        } else {
            row0 + m.height - 1 - y
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

    fn rows_scanned(&self) -> Option<u32> {
        let has_mux = self.model.chip.args_of(0xA8) == Some(1);
        has_mux.then(|| self.rows_scanned())
    }
}
