//! An HD44780 behind a PCF8574 backpack (the port states decoded by [`Port4`]). It models
//! function set, entry mode, display control, clear, home, cursor moves, set CGRAM/DDRAM
//! address and data writes to both, and shows the DDRAM's characters through the ROM
//! table and CGRAM, cells 6×9 pixels apart. A WS0010 character module (Winstar WEH) is
//! the same with its mode/power instruction (0x13/0x17: internal power off/on; the
//! glass is dark until power is on) and graphic mode refused.

use crate::panel::driver::hd44780::{CELL_H, CELL_W, CharModel};
use crate::panel::rom::Rom;

use super::port4::{Port4, Port4Controller};
use super::{Emulator, State};

/// An emulated HD44780 on a PCF8574.
#[derive(Debug, Clone)]
pub struct Hd44780Emulator {
    model: &'static CharModel,
    rom: Rom,
    port: Port4,
    ddram: [u8; 128],
    cgram: [u8; 64],
    ac: u8,
    to_cgram: bool,
    increment: bool,
    two_lines: bool,
    display_on: bool,
    cursor: bool,
    /// The WS0010's internal power (always on for an HD44780).
    power: bool,
    /// The WS0010's font table (function set FT1 FT0; 0 is English/Japanese, A00).
    font_table: u8,
    problems: Vec<String>,
}

impl Hd44780Emulator {
    /// A controller just powered up (8-bit interface, display off), showing ROM `rom`.
    pub fn new(model: &'static CharModel, rom: Rom) -> Hd44780Emulator {
        Hd44780Emulator {
            model,
            rom,
            port: Port4::new(),
            ddram: [b' '; 128],
            cgram: [0; 64],
            ac: 0,
            to_cgram: false,
            increment: true,
            two_lines: false,
            display_on: false,
            cursor: false,
            power: !model.ws0010,
            font_table: 0,
            problems: Vec::new(),
        }
    }

    /// Whether the backpack's backlight bit is on.
    pub fn backlight(&self) -> bool {
        self.port.backlight()
    }

    /// The character code in cell (col, row).
    pub fn code(&self, col: u32, row: u32) -> u8 {
        self.ddram[usize::from(self.model.address(col, row) & 0x7F)]
    }

    fn problem(&mut self, p: String) {
        if self.problems.len() < 100 {
            self.problems.push(p);
        }
    }

    /// Moves the address counter one step, as the entry mode says.
    fn advance(&mut self) {
        if self.to_cgram {
            self.ac = if self.increment {
                self.ac.wrapping_add(1)
            } else {
                self.ac.wrapping_sub(1)
            } & 0x3F;
            return;
        }
        self.ac = match (self.two_lines, self.increment, self.ac) {
            (true, true, 0x27) => 0x40,
            (true, true, 0x67) => 0x00,
            (true, false, 0x40) => 0x27,
            (true, false, 0x00) => 0x67,
            (false, true, 0x4F) => 0x00,
            (false, false, 0x00) => 0x4F,
            (_, true, a) => a + 1,
            (_, false, a) => a - 1,
        };
    }

    fn exec(&mut self, v: u8, rs: bool) {
        if rs {
            if self.to_cgram {
                self.cgram[usize::from(self.ac & 0x3F)] = v & 0x1F;
            } else {
                if self.model.ws0010 && self.font_table != 0 {
                    self.problem(format!(
                        "character {v:#04X} written with font table {}, not English/Japanese",
                        self.font_table
                    ));
                }
                if v >= 0x10 && self.rom.table().glyph(v).is_none() {
                    self.problem(format!("code {v:#04X} is not in the {:?} table", self.rom));
                }
                self.ddram[usize::from(self.ac & 0x7F)] = v;
            }
            return self.advance();
        }
        match v.leading_zeros() {
            0 => {
                let a = v & 0x7F;
                let valid = if self.two_lines {
                    a < 0x28 || (0x40..0x68).contains(&a)
                } else {
                    a < 0x50
                };
                if !valid {
                    self.problem(format!("DDRAM address {a:#04X} does not exist"));
                }
                self.ac = a;
                self.to_cgram = false;
            }
            1 => {
                self.ac = v & 0x3F;
                self.to_cgram = true;
            }
            2 => {
                let eight = v & 0x10 != 0;
                self.two_lines = v & 0x08 != 0;
                // (In 8-bit mode the line bit comes from unwired pins: only a 4-bit
                // function set says how many lines there are.)
                if !self.port.eight_bit() && !eight && !self.two_lines && self.model.rows > 1 {
                    self.problem("function set to one line on a multi-row display".into());
                }
                self.font_table = v & 0x03;
                self.port.set_eight_bit(eight);
            }
            3 if self.model.ws0010 && v & 0x03 == 0x03 => {
                // WS0010 mode/power: G/C (bit 3) graphic mode, PWR (bit 2) power.
                if v & 0x08 != 0 {
                    self.problem("graphic mode on a character model".into());
                }
                self.power = v & 0x04 != 0;
            }
            3 => {
                if v & 0x08 != 0 {
                    self.problem(format!("display shift {v:#04X} is not modelled"));
                } else {
                    let inc = self.increment;
                    self.increment = v & 0x04 != 0;
                    self.advance();
                    self.increment = inc;
                }
            }
            4 => {
                self.display_on = v & 0x04 != 0;
                self.cursor = v & 0x02 != 0;
                if v & 0x01 != 0 {
                    self.problem("a blinking cursor is not modelled".into());
                }
            }
            5 => {
                self.increment = v & 0x02 != 0;
                if v & 0x01 != 0 {
                    self.problem("entry mode with display shift is not modelled".into());
                }
            }
            6 => {
                self.ac = 0;
                self.to_cgram = false;
            }
            7 => {
                self.ddram = [b' '; 128];
                self.ac = 0;
                self.to_cgram = false;
                self.increment = true;
            }
            _ => {}
        }
    }

    /// Row `dy` (0..8) of the glyph shown in cell (col, row), bit 4 leftmost.
    fn glyph_row(&self, col: u32, row: u32, dy: u32) -> u8 {
        let addr = self.model.address(col, row);
        let code = self.ddram[usize::from(addr & 0x7F)];
        let mut bits = if code < 0x10 {
            self.cgram[usize::from(code & 7) * 8 + dy as usize]
        } else {
            self.rom.table().glyph(code).map_or(0, |g| g[dy as usize])
        };
        if self.cursor && dy == 7 && !self.to_cgram && self.ac == addr {
            bits = 0x1F;
        }
        bits
    }
}

impl Port4Controller for Hd44780Emulator {
    fn port4(&mut self) -> &mut Port4 {
        &mut self.port
    }

    fn report(&mut self, problem: String) {
        self.problem(problem);
    }

    fn latch(&mut self, v: u8, rs: bool) {
        self.exec(v, rs);
    }
}

impl Emulator for Hd44780Emulator {
    fn command(&mut self, bytes: &[u8]) {
        self.feed_port(bytes);
    }

    fn data(&mut self, bytes: &[u8]) {
        self.feed_port(bytes);
    }

    fn reset(&mut self) {
        // The HD44780 has no reset line; the init sequence resynchronises it.
    }

    fn size(&self) -> (u32, u32) {
        self.model.pixels()
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let (dx, dy) = (x % CELL_W, y % CELL_H);
        if !self.display_on || !self.power || dx == CELL_W - 1 || dy == CELL_H - 1 {
            return [0; 3];
        }
        let bits = self.glyph_row(x / CELL_W, y / CELL_H, dy);
        if bits & (0x10 >> dx) != 0 {
            [255; 3]
        } else {
            [0; 3]
        }
    }

    fn state(&self) -> State {
        State {
            on: self.display_on && self.power,
            inverted: false,
            contrast: 0,
        }
    }

    fn problems(&self) -> &[String] {
        &self.problems
    }
}
