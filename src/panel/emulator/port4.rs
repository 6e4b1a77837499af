//! The 4-bit parallel connection of HD44780-style controllers (HD44780, WS0010) as the
//! PCF8574 backpack drives it: every byte is a port state (P0 = RS, P1 = R/W, P2 = E,
//! P3 = backlight, P4–P7 = D4–D7). A falling E latches D4–D7: one instruction or data
//! byte per strobe in 8-bit mode (the power-up state; D0–D3 read as 0), two (high nibble
//! first) in 4-bit mode. The controller's emulator says which mode its function set chose.

use crate::panel::driver::hd44780::{BACKLIGHT, EN, RS, RW};

/// Port states in, latched bytes out.
#[derive(Debug, Clone)]
pub struct Port4 {
    port: u8,
    eight_bit: bool,
    high: Option<(u8, bool)>,
    backlight: bool,
}

impl Default for Port4 {
    fn default() -> Self {
        Port4::new()
    }
}

impl Port4 {
    /// The connection of a controller just powered up (8-bit interface).
    pub fn new() -> Port4 {
        Port4 {
            port: 0,
            eight_bit: true,
            high: None,
            backlight: false,
        }
    }

    /// Whether the backpack's backlight bit is on.
    pub fn backlight(&self) -> bool {
        self.backlight
    }

    /// Whether the controller takes whole bytes per strobe.
    pub fn eight_bit(&self) -> bool {
        self.eight_bit
    }

    /// A function set chose the interface width (a change drops a half-received byte).
    pub fn set_eight_bit(&mut self, eight: bool) {
        if eight != self.eight_bit {
            self.high = None;
        }
        self.eight_bit = eight;
    }

    /// Takes one port state; the byte and its RS when a strobe completed one. Problems
    /// (a read, RS changing within a byte) go to `problem`.
    pub fn feed(&mut self, b: u8, problem: &mut impl FnMut(String)) -> Option<(u8, bool)> {
        if b & RW != 0 {
            problem(format!(
                "port byte {b:#04X} sets R/W: reads are not modelled"
            ));
        }
        let falling = self.port & EN != 0 && b & EN == 0;
        let (nibble, rs) = (self.port >> 4, self.port & RS != 0);
        self.backlight = b & BACKLIGHT != 0;
        self.port = b;
        if !falling {
            return None;
        }
        if self.eight_bit {
            return Some((nibble << 4, rs));
        }
        match self.high.take() {
            None => {
                self.high = Some((nibble, rs));
                None
            }
            Some((hi, hrs)) => {
                if hrs != rs {
                    problem("RS changed between the two nibbles of a byte".into());
                }
                Some((hi << 4 | nibble, rs))
            }
        }
    }
}

/// A controller behind a [`Port4`]: where its latched bytes and problems go.
pub trait Port4Controller {
    /// Its port.
    fn port4(&mut self) -> &mut Port4;
    /// Records a problem.
    fn report(&mut self, problem: String);
    /// Executes a latched instruction (`rs` false) or data byte.
    fn latch(&mut self, v: u8, rs: bool);

    /// Feeds port states: each latched byte is executed, each problem reported.
    fn feed_port(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let mut found = Vec::new();
            let latched = self.port4().feed(b, &mut |p| found.push(p));
            for p in found {
                self.report(p);
            }
            if let Some((v, rs)) = latched {
                self.latch(v, rs);
            }
        }
    }
}
