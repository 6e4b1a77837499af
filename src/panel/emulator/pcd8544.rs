//! Emulator of the PCD8544 (Nokia 5110): commands decoded in the basic or extended
//! instruction set as the function set's H bit says, six banks of 84 bytes written with
//! horizontal or vertical addressing, display blank / all on / normal / inverse, power
//! down. The glass shows bank `y / 8`, column `x`, bit `y % 8` at (x, y).

use super::{Controller, Decoder, Emulator, State};
use crate::panel::driver::pcd8544::{HEIGHT, WIDTH};

/// A PCD8544 with its 84×48 glass.
#[derive(Debug, Clone)]
pub struct Pcd8544Emulator {
    ram: [[u8; WIDTH as usize]; 6],
    x: u32,
    y: u32,
    extended: bool,
    vertical: bool,
    power_down: bool,
    /// Display control: D and E bits.
    display: (bool, bool),
    vop: u8,
    dec: Decoder,
}

impl Default for Pcd8544Emulator {
    fn default() -> Self {
        Self::new()
    }
}

impl Pcd8544Emulator {
    /// A PCD8544 as after a reset.
    pub fn new() -> Self {
        Pcd8544Emulator {
            ram: [[0; WIDTH as usize]; 6],
            x: 0,
            y: 0,
            extended: false,
            vertical: false,
            power_down: true,
            display: (false, false),
            vop: 0,
            dec: Decoder::default(),
        }
    }
}

impl Controller for Pcd8544Emulator {
    fn args_of(&self, c: u8) -> Option<usize> {
        let common = matches!(c, 0x00 | 0x20..=0x27);
        let basic = matches!(c, 0x08 | 0x09 | 0x0C | 0x0D | 0x40..=0x45 | 0x80..=0xD3);
        let extended = matches!(c, 0x04..=0x07 | 0x10..=0x17 | 0x80..=0xFF);
        let known = common || if self.extended { extended } else { basic };
        known.then_some(0)
    }

    fn run(&mut self, c: u8, _args: &[u8]) {
        match c {
            0x20..=0x27 => {
                self.power_down = c & 4 != 0;
                self.vertical = c & 2 != 0;
                self.extended = c & 1 != 0;
            }
            0x80..=0xFF if self.extended => self.vop = c & 0x7F,
            0x08..=0x0F if !self.extended => self.display = (c & 4 != 0, c & 1 != 0),
            0x40..=0x47 if !self.extended => self.y = u32::from(c & 7),
            0x80..=0xFF => self.x = u32::from(c & 0x7F),
            _ => {}
        }
    }

    fn ram_byte(&mut self, b: u8) {
        self.ram[self.y as usize][self.x as usize] = b;
        if self.vertical {
            self.y += 1;
            if self.y >= HEIGHT / 8 {
                self.y = 0;
                self.x = (self.x + 1) % WIDTH;
            }
        } else {
            self.x += 1;
            if self.x >= WIDTH {
                self.x = 0;
                self.y = (self.y + 1) % (HEIGHT / 8);
            }
        }
    }

    fn decoder(&mut self) -> &mut Decoder {
        &mut self.dec
    }
}

impl Emulator for Pcd8544Emulator {
    fn command(&mut self, bytes: &[u8]) {
        super::command_with_command_args(self, bytes);
    }

    fn data(&mut self, bytes: &[u8]) {
        super::data_all_ram(self, bytes);
    }

    fn reset(&mut self) {
        let ram = self.ram;
        *self = Pcd8544Emulator {
            ram,
            ..Pcd8544Emulator::new()
        };
    }

    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        if !self.state().on || x >= WIDTH || y >= HEIGHT {
            return [0; 3];
        }
        let bit = (self.ram[(y / 8) as usize][x as usize] >> (y % 8)) & 1 == 1;
        let lit = match self.display {
            (false, all_on) => all_on,
            (true, inverse) => bit != inverse,
        };
        if lit { [255; 3] } else { [0; 3] }
    }

    fn state(&self) -> State {
        State {
            on: !self.power_down && self.display != (false, false),
            inverted: self.display == (true, true),
            contrast: self.vop,
        }
    }

    fn problems(&self) -> &[String] {
        &self.dec.problems
    }
}
