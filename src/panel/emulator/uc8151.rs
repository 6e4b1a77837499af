//! Emulator of the UC8151 (IL0373) e-paper controller: its two RAM planes (DTM1 0x10,
//! DTM2 0x13) written row by row over the resolution (0x61) or, in partial mode (0x91 ..
//! 0x92), over the window set by 0x90; the panel setting's black/white or three-colour
//! mode, the DDX bits of 0x50, power on/off, deep sleep, and the glass, which changes
//! only when a refresh (0x12) runs: over the whole glass, or only the window in partial
//! mode. Arguments arrive with DC high.

use super::{Controller, Decoder, Emulator, Refreshes, State};
use crate::panel::driver::epaper::Ink;
use crate::panel::driver::uc8151::Uc8151Model;

/// RAM bytes across (160 sources).
const RAM_COLS: usize = 20;
/// RAM rows (296 gates).
const RAM_ROWS: usize = 296;

/// A UC8151 and its glass.
#[derive(Debug, Clone)]
pub struct Uc8151Emulator {
    model: &'static Uc8151Model,
    ram: [Vec<u8>; 2],
    plane: usize,
    /// Resolution: sources, gates.
    res: (u32, u32),
    /// Partial window: bytes across (first, last), rows (first, last).
    win: ((usize, usize), (usize, usize)),
    partial: bool,
    x: usize,
    y: usize,
    psr: u8,
    cdi: u8,
    powered: bool,
    asleep: bool,
    glass: Vec<Ink>,
    refreshes: Refreshes,
    dec: Decoder,
}

impl Uc8151Emulator {
    /// A fresh controller before any refresh: white glass.
    pub fn new(model: &'static Uc8151Model) -> Self {
        Uc8151Emulator {
            model,
            ram: [vec![0; RAM_COLS * RAM_ROWS], vec![0; RAM_COLS * RAM_ROWS]],
            plane: 0,
            res: (0, 0),
            win: ((0, 0), (0, 0)),
            partial: false,
            x: 0,
            y: 0,
            psr: 0x0F,
            cdi: 0x97,
            powered: false,
            asleep: false,
            glass: vec![Ink::White; (model.width * model.height) as usize],
            refreshes: Refreshes::default(),
            dec: Decoder::default(),
        }
    }

    /// The area RAM writes and refreshes cover now: bytes across, rows (inclusive).
    fn area(&self) -> ((usize, usize), (usize, usize)) {
        if self.partial {
            self.win
        } else {
            let cols = (self.res.0 as usize / 8).max(1);
            let rows = (self.res.1 as usize).max(1);
            ((0, cols - 1), (0, rows - 1))
        }
    }

    fn bit(&self, plane: usize, x: u32, y: u32) -> bool {
        let byte = self.ram[plane][y as usize * RAM_COLS + x as usize / 8];
        (byte >> (7 - x % 8)) & 1 == 1
    }

    /// What RAM asks the glass to show at (x, y).
    fn wanted(&self, x: u32, y: u32) -> Ink {
        let ddx = (self.cdi >> 4) & 3;
        let kw = self.psr & 0x10 != 0;
        let (bw, red) = if kw { (1, None) } else { (0, Some(1)) };
        if let Some(red) = red
            && self.bit(red, x, y) != (ddx & 2 != 0)
        {
            return Ink::Red;
        }
        if self.bit(bw, x, y) == (ddx & 1 != 0) {
            Ink::White
        } else {
            Ink::Black
        }
    }

    /// A display refresh over the current area.
    fn refresh(&mut self) {
        if !self.powered {
            self.dec
                .problems
                .push("display refresh with the power off".into());
            return;
        }
        let (w, h) = (self.model.width, self.model.height);
        if self.res != (w, h) {
            self.dec.problems.push(format!(
                "resolution {}x{} set; the glass is {w}x{h}",
                self.res.0, self.res.1
            ));
        }
        if (self.psr & 0x10 == 0) != self.model.red {
            self.dec.problems.push(format!(
                "panel setting {:#04X} picks the wrong colour mode for this glass",
                self.psr
            ));
        }
        if self.partial && self.model.red {
            self.dec
                .problems
                .push("a partial refresh on three-colour glass".into());
        }
        let ((c0, c1), (r0, r1)) = self.area();
        for y in r0..=r1.min(h as usize - 1) {
            for x in c0 * 8..((c1 + 1) * 8).min(w as usize) {
                let ink = self.wanted(x as u32, y as u32);
                self.glass[y * w as usize + x] = ink;
            }
        }
        if self.partial {
            self.refreshes.partial += 1;
        } else {
            self.refreshes.full += 1;
        }
    }
}

impl Controller for Uc8151Emulator {
    fn args_of(&self, c: u8) -> Option<usize> {
        Some(match c {
            0x02 | 0x04 | 0x05 | 0x10..=0x13 | 0x40 | 0x91 | 0x92 => 0,
            0x00 | 0x03 | 0x07 | 0x30 | 0x41 | 0x50 | 0x60 | 0x82 => 1,
            0x06 | 0x61 => 3,
            0x01 => 5,
            0x90 => 7,
            _ => return None,
        })
    }

    fn run(&mut self, c: u8, a: &[u8]) {
        match c {
            0x00 => self.psr = a[0],
            0x02 => self.powered = false,
            0x04 => self.powered = true,
            0x07 if a[0] == 0xA5 => self.asleep = true,
            0x07 => self.dec.problems.push(format!(
                "deep sleep without its check code 0xA5 ({:#04X})",
                a[0]
            )),
            0x10 | 0x13 => {
                self.plane = usize::from(c == 0x13);
                let ((c0, _), (r0, _)) = self.area();
                (self.x, self.y) = (c0, r0);
                self.dec.writing = true;
            }
            0x12 => self.refresh(),
            0x50 => self.cdi = a[0],
            0x61 => {
                self.res = (
                    u32::from(a[0] & 0xF8),
                    (u32::from(a[1] & 1) << 8) | u32::from(a[2]),
                )
            }
            0x90 => {
                let word = |hi: u8, lo: u8| (usize::from(hi & 1) << 8) | usize::from(lo);
                self.win = (
                    (usize::from(a[0]) / 8, usize::from(a[1]) / 8),
                    (word(a[2], a[3]), word(a[4], a[5])),
                );
            }
            0x91 => self.partial = true,
            0x92 => self.partial = false,
            _ => {}
        }
    }

    fn ram_byte(&mut self, b: u8) {
        if self.x >= RAM_COLS || self.y >= RAM_ROWS {
            self.dec.problems.push(format!(
                "RAM write outside the RAM at byte {}, row {}",
                self.x, self.y
            ));
            self.dec.writing = false;
            return;
        }
        self.ram[self.plane][self.y * RAM_COLS + self.x] = b;
        let ((c0, c1), (r0, r1)) = self.area();
        if self.x >= c1 {
            self.x = c0;
            self.y = if self.y >= r1 { r0 } else { self.y + 1 };
        } else {
            self.x += 1;
        }
    }

    fn decoder(&mut self) -> &mut Decoder {
        &mut self.dec
    }
}

impl Emulator for Uc8151Emulator {
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

    /// A reset wakes it from deep sleep with the power off; RAM and the glass stay.
    fn reset(&mut self) {
        self.asleep = false;
        self.powered = false;
        self.partial = false;
        self.dec.reset();
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
            on: self.powered && !self.asleep,
            inverted: self.cdi & 0x10 == 0,
            contrast: 0,
        }
    }

    fn problems(&self) -> &[String] {
        &self.dec.problems
    }

    fn rows_scanned(&self) -> Option<u32> {
        Some(self.res.1)
    }

    fn refreshes(&self) -> Option<Refreshes> {
        Some(self.refreshes)
    }
}
