//! A WS0010 in graphic mode behind the 4-bit connection ([`Port4`]). It models function
//! set, display control, the mode/power instruction (G/C graphic mode, PWR internal
//! power), entry mode, clear, home, set DDRAM address (the column) and set CGRAM address
//! (the row of 8 pixels) and data writes to graphic RAM, a byte a column of 8 pixels with
//! bit 0 at the top. The glass shows graphic RAM while the display is on, internal power
//! is on and graphic mode is set; character mode is reported, not modelled.

use crate::panel::driver::ws0010::GraphicModel;

use super::port4::{Port4, Port4Controller};
use super::{Emulator, State};

/// Columns of the WS0010's graphic RAM.
const COLUMNS: usize = 100;
/// Rows of 8 pixels of the WS0010's graphic RAM.
const PAGES: usize = 2;

/// An emulated WS0010 in graphic mode.
#[derive(Debug, Clone)]
pub struct Ws0010Emulator {
    model: &'static GraphicModel,
    port: Port4,
    gram: [[u8; COLUMNS]; PAGES],
    x: usize,
    page: usize,
    graphic: bool,
    power: bool,
    display_on: bool,
    increment: bool,
    problems: Vec<String>,
}

impl Ws0010Emulator {
    /// A controller just powered up: 8-bit interface, character mode, internal power
    /// off, display off.
    pub fn new(model: &'static GraphicModel) -> Ws0010Emulator {
        Ws0010Emulator {
            model,
            port: Port4::new(),
            gram: [[0; COLUMNS]; PAGES],
            x: 0,
            page: 0,
            graphic: false,
            power: false,
            display_on: false,
            increment: true,
            problems: Vec::new(),
        }
    }

    /// Whether graphic mode is set.
    pub fn graphic(&self) -> bool {
        self.graphic
    }

    fn problem(&mut self, p: String) {
        if self.problems.len() < 100 {
            self.problems.push(p);
        }
    }

    fn exec(&mut self, v: u8, rs: bool) {
        if rs {
            if !self.graphic {
                return self.problem(format!(
                    "data {v:#04X} in character mode: only graphic mode is modelled"
                ));
            }
            if self.x >= self.model.width as usize {
                return self.problem(format!("data past column {}", self.model.width - 1));
            }
            self.gram[self.page][self.x] = v;
            if self.increment {
                self.x += 1;
            } else {
                self.x = self.x.wrapping_sub(1);
            }
            return;
        }
        match v.leading_zeros() {
            0 => {
                let x = usize::from(v & 0x7F);
                if x >= self.model.width as usize {
                    self.problem(format!("column address {x} past the panel"));
                }
                self.x = x;
            }
            1 => {
                let page = usize::from(v & 0x3F);
                if page >= (self.model.height / 8) as usize {
                    self.problem(format!("row address {page} past the panel"));
                } else {
                    self.page = page;
                }
            }
            // Function set: only the interface width matters in graphic mode.
            2 => self.port.set_eight_bit(v & 0x10 != 0),
            3 if v & 0x03 == 0x03 => {
                self.graphic = v & 0x08 != 0;
                self.power = v & 0x04 != 0;
            }
            3 => self.problem(format!("cursor or display shift {v:#04X} is not modelled")),
            4 => {
                self.display_on = v & 0x04 != 0;
                if v & 0x03 != 0 {
                    self.problem("a cursor is not modelled".into());
                }
            }
            5 => {
                self.increment = v & 0x02 != 0;
                if v & 0x01 != 0 {
                    self.problem("entry mode with display shift is not modelled".into());
                }
            }
            6 => {
                self.x = 0;
                self.page = 0;
            }
            7 => {
                self.gram = [[0; COLUMNS]; PAGES];
                self.x = 0;
                self.page = 0;
                self.increment = true;
            }
            _ => {}
        }
    }
}

impl Port4Controller for Ws0010Emulator {
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

impl Emulator for Ws0010Emulator {
    fn command(&mut self, bytes: &[u8]) {
        self.feed_port(bytes);
    }

    fn data(&mut self, bytes: &[u8]) {
        self.feed_port(bytes);
    }

    fn reset(&mut self) {
        // No reset line; the init sequence resynchronises the interface.
    }

    fn size(&self) -> (u32, u32) {
        (self.model.width, self.model.height)
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        if !(self.display_on && self.power && self.graphic) {
            return [0; 3];
        }
        let byte = self.gram[(y / 8) as usize % PAGES][x as usize % COLUMNS];
        if byte >> (y % 8) & 1 != 0 {
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
