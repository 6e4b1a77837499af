//! Emulator of the SSD1680 e-paper controller: its two RAM planes (0x24 black/white, 0x26
//! red or previous picture) written through the window and address counter with data
//! entry mode 0x03, the RAM options (0x21), deep sleep, and the glass, which changes only
//! when a refresh runs (0x22 then 0x20). A full refresh (mode 1) shows RAM everywhere.
//! A partial refresh (mode 2, black/white glass only) drives only pixels whose new value
//! (0x24) differs from the previous picture (0x26); where the previous picture is not what
//! the glass shows, the driver lost track, and that is reported. Arguments arrive with DC
//! high, as on the SSD1322.

use super::{Controller, Decoder, Emulator, Refreshes, State};
use crate::panel::driver::epaper::Ink;
use crate::panel::driver::ssd1680::Ssd1680Model;

/// RAM bytes across (176 sources).
const RAM_COLS: usize = 22;
/// RAM rows (296 gates).
const RAM_ROWS: usize = 296;

/// An SSD1680 and its glass.
#[derive(Debug, Clone)]
pub struct Ssd1680Emulator {
    model: &'static Ssd1680Model,
    /// Plane 0x24 then plane 0x26, `RAM_COLS` bytes a row.
    ram: [Vec<u8>; 2],
    plane: usize,
    xs: (usize, usize),
    ys: (usize, usize),
    x: usize,
    y: usize,
    entry: u8,
    gates: u32,
    options: u8,
    sequence: u8,
    asleep: bool,
    glass: Vec<Ink>,
    refreshes: Refreshes,
    dec: Decoder,
}

impl Ssd1680Emulator {
    /// A fresh controller before any refresh: white glass.
    pub fn new(model: &'static Ssd1680Model) -> Self {
        Ssd1680Emulator {
            model,
            ram: [
                vec![0xFF; RAM_COLS * RAM_ROWS],
                vec![0; RAM_COLS * RAM_ROWS],
            ],
            plane: 0,
            xs: (0, RAM_COLS - 1),
            ys: (0, RAM_ROWS - 1),
            x: 0,
            y: 0,
            entry: 0x03,
            gates: RAM_ROWS as u32,
            options: 0,
            sequence: 0xFF,
            asleep: false,
            glass: vec![Ink::White; (model.width * model.height) as usize],
            refreshes: Refreshes::default(),
            dec: Decoder::default(),
        }
    }

    /// Bit (x, y) of a plane, with the RAM option of that plane applied.
    fn bit(&self, plane: usize, x: u32, y: u32) -> bool {
        let byte = self.ram[plane][y as usize * RAM_COLS + x as usize / 8];
        let set = (byte >> (7 - x % 8)) & 1 == 1;
        let option = if plane == 0 {
            self.options & 0x0F
        } else {
            self.options >> 4
        };
        match option {
            0x4 => false,
            0x8 => !set,
            _ => set,
        }
    }

    /// What RAM asks the glass to show at (x, y).
    fn wanted(&self, x: u32, y: u32) -> Ink {
        if self.model.red && self.bit(1, x, y) {
            Ink::Red
        } else if self.bit(0, x, y) {
            Ink::White
        } else {
            Ink::Black
        }
    }

    /// Master activation: runs the 0x22 sequence.
    fn activate(&mut self) {
        if self.sequence & 0x04 == 0 {
            return; // no display step: power or clock only
        }
        if self.gates != self.model.height {
            self.dec.problems.push(format!(
                "driver output control scans {} gates; the glass has {}",
                self.gates, self.model.height
            ));
        }
        let (w, h) = (self.model.width, self.model.height);
        let partial = self.sequence & 0x08 != 0;
        if partial && self.model.red {
            self.dec
                .problems
                .push("a mode 2 (partial) refresh on three-colour glass".into());
        }
        let mut stale = None;
        for y in 0..h {
            for x in 0..w {
                let i = (y * w + x) as usize;
                let new = self.wanted(x, y);
                if !partial {
                    self.glass[i] = new;
                    continue;
                }
                let old = if self.bit(1, x, y) {
                    Ink::White
                } else {
                    Ink::Black
                };
                if old != self.glass[i] && stale.is_none() {
                    stale = Some((x, y));
                }
                if new != old {
                    self.glass[i] = new;
                }
            }
        }
        if let Some((x, y)) = stale {
            self.dec.problems.push(format!(
                "partial refresh: the previous picture (0x26) differs from the glass at ({x}, {y})"
            ));
        }
        if partial {
            self.refreshes.partial += 1;
        } else {
            self.refreshes.full += 1;
        }
    }
}

impl Controller for Ssd1680Emulator {
    fn args_of(&self, c: u8) -> Option<usize> {
        Some(match c {
            0x12 | 0x20 | 0x24 | 0x26 | 0x7F => 0,
            0x03 | 0x10 | 0x11 | 0x18 | 0x22 | 0x2C | 0x3C | 0x3F | 0x4E => 1,
            0x1A | 0x21 | 0x44 | 0x4F => 2,
            0x01 | 0x04 => 3,
            0x0C | 0x45 => 4,
            0x37 => 10,
            0x32 => 153,
            _ => return None,
        })
    }

    fn run(&mut self, c: u8, a: &[u8]) {
        let word = |lo: u8, hi: u8| usize::from(lo) | (usize::from(hi & 1) << 8);
        match c {
            0x01 => self.gates = word(a[0], a[1]) as u32 + 1,
            0x10 => self.asleep = a[0] & 0x03 != 0,
            0x11 => {
                self.entry = a[0];
                if a[0] & 0x07 != 0x03 {
                    self.dec
                        .problems
                        .push(format!("data entry mode {:#04X} is not modelled", a[0]));
                }
            }
            0x12 => {
                self.options = 0;
                self.sequence = 0xFF;
                self.entry = 0x03;
            }
            0x20 => self.activate(),
            0x21 => self.options = a[0],
            0x22 => self.sequence = a[0],
            0x24 | 0x26 => {
                self.plane = usize::from(c == 0x26);
                self.dec.writing = true;
            }
            0x44 => self.xs = (usize::from(a[0] & 0x3F), usize::from(a[1] & 0x3F)),
            0x45 => self.ys = (word(a[0], a[1]), word(a[2], a[3])),
            0x4E => self.x = usize::from(a[0] & 0x3F),
            0x4F => self.y = word(a[0], a[1]),
            _ => {}
        }
    }

    fn ram_byte(&mut self, b: u8) {
        if self.x < RAM_COLS && self.y < RAM_ROWS {
            self.ram[self.plane][self.y * RAM_COLS + self.x] = b;
        } else {
            self.dec.problems.push(format!(
                "RAM write outside the RAM at byte {}, row {}",
                self.x, self.y
            ));
            self.dec.writing = false;
            return;
        }
        if self.x >= self.xs.1 {
            self.x = self.xs.0;
            self.y = if self.y >= self.ys.1 {
                self.ys.0
            } else {
                self.y + 1
            };
        } else {
            self.x += 1;
        }
    }

    fn decoder(&mut self) -> &mut Decoder {
        &mut self.dec
    }
}

impl Emulator for Ssd1680Emulator {
    fn command(&mut self, bytes: &[u8]) {
        if self.asleep {
            self.dec
                .problems
                .push("a command to a controller in deep sleep (only a reset wakes it)".into());
            return;
        }
        super::command_then_data_args(self, bytes);
    }

    fn data(&mut self, bytes: &[u8]) {
        if !self.asleep {
            super::data_args_or_ram(self, bytes);
        }
    }

    /// A reset wakes it from deep sleep; RAM and the glass stay.
    fn reset(&mut self) {
        self.asleep = false;
        self.dec.reset();
        self.run(0x12, &[]);
    }

    fn size(&self) -> (u32, u32) {
        (self.model.width, self.model.height)
    }

    /// What the glass shows, asleep or not (e-paper keeps its picture).
    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        if x >= self.model.width || y >= self.model.height {
            return [0; 3];
        }
        self.glass[(y * self.model.width + x) as usize].rgb()
    }

    fn state(&self) -> State {
        State {
            on: !self.asleep,
            inverted: self.options & 0x0F == 0x08,
            contrast: 0,
        }
    }

    fn problems(&self) -> &[String] {
        &self.dec.problems
    }

    fn rows_scanned(&self) -> Option<u32> {
        Some(self.gates)
    }

    fn refreshes(&self) -> Option<Refreshes> {
        Some(self.refreshes)
    }
}
