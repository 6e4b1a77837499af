//! SSD1680: e-paper up to 176 sources × 296 gates (Waveshare 2.13" V3/V4 and 2.9" V2,
//! black/white, and their three-colour "B" versions). Two RAM planes of one bit a pixel:
//! 0x24 black/white (1 white) and 0x26, which is the red plane on three-colour glass and
//! the previous picture on black/white glass, where the display-mode-2 (partial) waveform
//! compares the two to drive only pixels that change. RAM is written through a window
//! (0x44 columns in bytes, 0x45 rows) from an address counter (0x4E, 0x4F); the glass
//! changes only when a refresh runs: 0x22 picks the sequence (0xF7: full, mode 1; 0xFF:
//! mode 2, both loading the waveform from OTP with the temperature) and 0x20 starts it,
//! with BUSY high until it ends. Commands go with DC low, arguments with DC high.

use std::time::Duration;

use super::epaper::{Plane, align_bytes, byte_span, push_plane};
use super::{Driver, Pixels, Settings, WindowCost};
use crate::panel::refresh::RefreshLimits;
use crate::panel::wire::Wire;
use crate::render::{PixelMode, Rect};

/// One SSD1680 panel: its glass and whether it has the red plane.
#[derive(Debug)]
pub struct Ssd1680Model {
    /// Sources (pixels across, as scanned).
    pub width: u32,
    /// Gates (rows).
    pub height: u32,
    /// Three-colour glass (black, white, red): full refreshes only.
    pub red: bool,
}

/// The BUSY level that means busy.
pub const BUSY_HIGH: bool = true;
/// After a software reset (0x12): the datasheet's worst case is a few milliseconds; this
/// leaves margin.
pub const RESET_MS: u32 = 100;
/// A full black/white refresh takes about 2 s at room temperature, longer in the cold.
pub const FULL_MS: u32 = 4_000;
/// A partial (mode 2) refresh takes about 0.3 to 0.5 s.
pub const PARTIAL_MS: u32 = 1_000;
/// A full three-colour refresh takes about 15 s.
pub const RED_FULL_MS: u32 = 20_000;

/// 0x22 sequence for a full refresh: clock and analog on, temperature, OTP waveform for
/// display mode 1, display, analog and clock off.
pub const SEQ_FULL: u8 = 0xF7;
/// 0x22 sequence for a partial refresh: the same with display mode 2.
pub const SEQ_PARTIAL: u8 = 0xFF;

/// The SSD1680 driver.
#[derive(Debug, Clone, Copy)]
pub struct Ssd1680(pub &'static Ssd1680Model);

/// A command and its arguments.
fn cmd(wire: &mut Wire, c: u8, args: &[u8]) {
    wire.command(&[c]);
    if !args.is_empty() {
        wire.data(args);
    }
}

/// The 0x21 RAM options: plane 0x24 inverted when `invert`; on black/white glass the
/// previous picture (0x26) is inverted with it, so mode 2 still compares like with like.
const fn ram_options(invert: bool, red: bool) -> u8 {
    match (invert, red) {
        (false, _) => 0x00,
        (true, true) => 0x08,
        (true, false) => 0x88,
    }
}

impl Ssd1680 {
    /// Sets the RAM window to panel rectangle `r` (whole bytes across) and the address
    /// counter to its top-left corner.
    fn window(&self, r: Rect, wire: &mut Wire) {
        let (x0, x1) = byte_span(r);
        let (y0, y1) = (r.y as u32, r.bottom() as u32 - 1);
        cmd(wire, 0x44, &[x0 as u8, (x1 - 1) as u8]);
        cmd(
            wire,
            0x45,
            &[y0 as u8, (y0 >> 8) as u8, y1 as u8, (y1 >> 8) as u8],
        );
        cmd(wire, 0x4E, &[x0 as u8]);
        cmd(wire, 0x4F, &[y0 as u8, (y0 >> 8) as u8]);
    }

    /// Writes rectangle `r` of one plane (0x24 or 0x26).
    fn write(&self, px: &Pixels, r: Rect, ram: u8, plane: Plane, wire: &mut Wire) {
        self.window(r, wire);
        wire.command(&[ram]);
        push_plane(px, r, self.mode(), plane, self.0.width, wire.open_data());
        wire.close_data();
    }

    /// Runs the refresh sequence `seq` and waits for BUSY to clear.
    fn activate(&self, seq: u8, max_ms: u32, wire: &mut Wire) {
        cmd(wire, 0x22, &[seq]);
        wire.command(&[0x20]);
        wire.wait_busy(BUSY_HIGH, max_ms);
    }

    /// The worst case of a full refresh of this glass.
    const fn full_ms(&self) -> u32 {
        if self.0.red { RED_FULL_MS } else { FULL_MS }
    }
}

impl Driver for Ssd1680 {
    fn native(&self) -> (u32, u32) {
        (self.0.width, self.0.height)
    }

    fn mode(&self) -> PixelMode {
        if self.0.red {
            PixelMode::Bwr
        } else {
            PixelMode::Mono
        }
    }

    fn init(&self, s: &Settings, wire: &mut Wire) {
        let gates = self.0.height - 1;
        wire.wait_busy(BUSY_HIGH, RESET_MS);
        wire.command(&[0x12]); // software reset
        wire.wait_busy(BUSY_HIGH, RESET_MS);
        // Driver output control: gates scanned, in the default order.
        cmd(wire, 0x01, &[gates as u8, (gates >> 8) as u8, 0x00]);
        cmd(wire, 0x11, &[0x03]); // data entry: X then Y, both increasing
        cmd(wire, 0x3C, &[0x05]); // border follows the white waveform
        // RAM options; sources S8..S167, where the common glass is wired.
        cmd(wire, 0x21, &[ram_options(s.invert, self.0.red), 0x80]);
        cmd(wire, 0x18, &[0x80]); // the internal temperature sensor
        let (w, h) = self.native();
        self.window(Rect::new(0, 0, w, h), wire);
    }

    fn contrast(&self, _level: u8, _wire: &mut Wire) {}

    fn contrast_register(&self, _level: u8) -> Option<u8> {
        None
    }

    /// Inverts through the RAM options and refreshes in full to show it.
    fn invert(&self, on: bool, wire: &mut Wire) {
        cmd(wire, 0x21, &[ram_options(on, self.0.red), 0x80]);
        self.activate(SEQ_FULL, self.full_ms(), wire);
    }

    /// Deep sleep mode 1 keeps RAM; only a reset wakes it (then `init` again).
    fn sleep(&self, asleep: bool, wire: &mut Wire) {
        if asleep {
            cmd(wire, 0x10, &[0x01]);
        } else {
            wire.reset();
            self.init(&Settings::default(), wire);
        }
    }

    fn window_cost(&self) -> Option<WindowCost> {
        // A plane written through its window (0x44, 0x45, 0x4E, 0x4F: 13 bytes) and RAM
        // command, twice: both planes (three colours), or the new picture and, after a
        // partial refresh, the previous one (black/white). A byte is 8 columns.
        Some(WindowCost {
            col: 8,
            row: 1,
            window: 2 * 14,
            per_row: 0,
            cell: 2,
            hop: 2 * 14,
        })
    }

    fn align(&self, r: Rect) -> Rect {
        align_bytes(r)
    }

    fn pack(&self, px: &Pixels, r: Rect, wire: &mut Wire) {
        self.write(px, r, 0x24, Plane::BlackWhite, wire);
        if self.0.red {
            self.write(px, r, 0x26, Plane::Red, wire);
        }
    }

    /// Three-colour glass: always a full refresh. Black/white glass: a full refresh with
    /// the previous-picture plane set to the new picture first, or a partial one after
    /// which that plane is brought up to date.
    fn refresh(&self, px: &Pixels, rects: &[Rect], full: bool, wire: &mut Wire) {
        if self.0.red {
            self.activate(SEQ_FULL, RED_FULL_MS, wire);
            return;
        }
        if full {
            for r in rects {
                self.write(px, *r, 0x26, Plane::BlackWhite, wire);
            }
            self.activate(SEQ_FULL, FULL_MS, wire);
        } else {
            self.activate(SEQ_PARTIAL, PARTIAL_MS, wire);
            for r in rects {
                self.write(px, *r, 0x26, Plane::BlackWhite, wire);
            }
        }
    }

    fn refresh_limits(&self) -> Option<RefreshLimits> {
        Some(if self.0.red {
            RefreshLimits {
                partial: false,
                full_every: 0,
                min_interval: Duration::from_secs(180),
                full_takes: Duration::from_secs(15),
            }
        } else {
            RefreshLimits {
                partial: true,
                full_every: 30,
                min_interval: Duration::from_secs(1),
                full_takes: Duration::from_secs(2),
            }
        })
    }
}
