//! UC8151 (sold as IL0373 too): e-paper up to 160 sources × 296 gates (Pimoroni Inky pHAT
//! 212×104, the older Waveshare 2.13" 212×104 modules), black/white or black/white/red.
//! Two RAM planes of one bit a pixel: in black/white (KW) mode DTM1 (0x10) is the previous
//! picture and DTM2 (0x13) the new one; in three-colour (KWR) mode DTM1 is black/white and
//! DTM2 red. The panel setting (0x00) picks the mode and the OTP waveform, the resolution
//! (0x61) the glass, VCOM and data interval (0x50) how a bit reads (its DDX bits invert).
//! Partial mode (0x91 in, 0x92 out) confines RAM writes and the refresh (0x12) to the
//! window set by 0x90. Power on (0x04), refresh and power off (0x02) hold BUSY_N low until
//! they are done. Commands go with DC low, arguments with DC high.

use std::time::Duration;

use super::epaper::{Plane, align_bytes, bounds, byte_span, push_plane};
use super::{Driver, Pixels, Settings, WindowCost};
use crate::panel::refresh::RefreshLimits;
use crate::panel::wire::Wire;
use crate::render::{PixelMode, Rect};

/// One UC8151 panel: its glass and whether it has red.
#[derive(Debug)]
pub struct Uc8151Model {
    /// Sources (pixels across, as scanned; a multiple of 8).
    pub width: u32,
    /// Gates (rows).
    pub height: u32,
    /// Three-colour glass (black, white, red): full refreshes only.
    pub red: bool,
}

/// The BUSY_N level that means busy.
pub const BUSY_LOW: bool = false;
/// After a reset: a few milliseconds; this leaves margin.
pub const RESET_MS: u32 = 100;
/// Power on or off: about 100 ms.
pub const POWER_MS: u32 = 300;
/// A black/white refresh with the OTP waveform (whole glass or a window): about 2 s.
pub const FULL_MS: u32 = 4_000;
/// A three-colour refresh: about 15 s.
pub const RED_FULL_MS: u32 = 20_000;

/// Panel setting: OTP waveform, gates scanned up, sources shifted right, booster on, no
/// soft reset; bit 4 chooses black/white (KW) over three-colour (KWR).
const PSR_KWR: u8 = 0x0F;
/// The black/white mode bit of the panel setting.
const PSR_KW: u8 = 0x10;

/// The VCOM and data interval setting: border from the waveform, data interval 10 lines,
/// DDX 01 (a set DTM bit is white, a set red bit red); DDX bit 0 cleared inverts.
const fn cdi(invert: bool) -> u8 {
    if invert { 0x87 } else { 0x97 }
}

/// The UC8151 driver.
#[derive(Debug, Clone, Copy)]
pub struct Uc8151(pub &'static Uc8151Model);

/// A command and its arguments.
fn cmd(wire: &mut Wire, c: u8, args: &[u8]) {
    wire.command(&[c]);
    if !args.is_empty() {
        wire.data(args);
    }
}

impl Uc8151 {
    /// The whole glass.
    fn all(&self) -> Rect {
        Rect::new(0, 0, self.0.width, self.0.height)
    }

    /// Enters partial mode with the window `r` (whole bytes across).
    fn window(&self, r: Rect, wire: &mut Wire) {
        let (x0, x1) = byte_span(r);
        let (y0, y1) = (r.y as u32, r.bottom() as u32 - 1);
        wire.command(&[0x91]);
        cmd(
            wire,
            0x90,
            &[
                (x0 * 8) as u8,
                (x1 * 8 - 1) as u8,
                (y0 >> 8) as u8,
                y0 as u8,
                (y1 >> 8) as u8,
                y1 as u8,
                0x01, // scan the gates outside the window too
            ],
        );
    }

    /// Writes rectangle `r` of one plane to DTM1 (0x10) or DTM2 (0x13), through a window
    /// unless it is the whole glass.
    fn write(&self, px: &Pixels, r: Rect, dtm: u8, plane: Plane, wire: &mut Wire) {
        if r != self.all() {
            self.window(r, wire);
        }
        wire.command(&[dtm]);
        push_plane(px, r, self.mode(), plane, self.0.width, wire.open_data());
        wire.close_data();
    }

    /// Refreshes (the window in partial mode, else the whole glass) and waits.
    fn refresh_now(&self, max_ms: u32, wire: &mut Wire) {
        wire.command(&[0x12]);
        wire.wait_busy(BUSY_LOW, max_ms);
    }
}

impl Driver for Uc8151 {
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
        let (w, h) = self.native();
        wire.wait_busy(BUSY_LOW, RESET_MS);
        cmd(wire, 0x06, &[0x17, 0x17, 0x17]); // booster soft start, the datasheet's default
        wire.command(&[0x04]); // power on
        wire.wait_busy(BUSY_LOW, POWER_MS);
        let psr = if self.0.red {
            PSR_KWR
        } else {
            PSR_KWR | PSR_KW
        };
        cmd(wire, 0x00, &[psr]);
        cmd(wire, 0x50, &[cdi(s.invert)]);
        cmd(wire, 0x61, &[w as u8, (h >> 8) as u8, h as u8]);
    }

    fn contrast(&self, _level: u8, _wire: &mut Wire) {}

    fn contrast_register(&self, _level: u8) -> Option<u8> {
        None
    }

    /// Inverts through the DDX bits and refreshes in full to show it.
    fn invert(&self, on: bool, wire: &mut Wire) {
        cmd(wire, 0x50, &[cdi(on)]);
        wire.command(&[0x92]);
        let ms = if self.0.red { RED_FULL_MS } else { FULL_MS };
        self.refresh_now(ms, wire);
    }

    /// Power off, then deep sleep (check code 0xA5); only a reset wakes it.
    fn sleep(&self, asleep: bool, wire: &mut Wire) {
        if asleep {
            wire.command(&[0x02]);
            wire.wait_busy(BUSY_LOW, POWER_MS);
            cmd(wire, 0x07, &[0xA5]);
        } else {
            wire.reset();
            self.init(&Settings::default(), wire);
        }
    }

    fn window_cost(&self) -> Option<WindowCost> {
        // A plane through its partial window (0x91, 0x90 and 7 bytes) and DTM command,
        // twice (both planes, or the new picture and then the previous one), with 0x92
        // (partial out) after the new picture, and after the previous one on black/white.
        Some(WindowCost {
            col: 8,
            row: 1,
            window: if self.0.red { 21 } else { 22 },
            per_row: 0,
            cell: 2,
            hop: if self.0.red { 21 } else { 22 },
        })
    }

    fn align(&self, r: Rect) -> Rect {
        align_bytes(r)
    }

    fn pack(&self, px: &Pixels, r: Rect, wire: &mut Wire) {
        if self.0.red {
            self.write(px, r, 0x10, Plane::BlackWhite, wire);
            self.write(px, r, 0x13, Plane::Red, wire);
        } else {
            self.write(px, r, 0x13, Plane::BlackWhite, wire);
        }
        if r == self.all() {
            return;
        }
        wire.command(&[0x92]);
    }

    /// Three-colour glass: always the whole glass. Black/white: the whole glass, or the
    /// window around `rects`; then the previous picture (DTM1) is brought up to date.
    fn refresh(&self, px: &Pixels, rects: &[Rect], full: bool, wire: &mut Wire) {
        if self.0.red {
            self.refresh_now(RED_FULL_MS, wire);
            return;
        }
        match bounds(rects) {
            Some(b) if !full && b != self.all() => {
                self.window(b, wire);
                self.refresh_now(FULL_MS, wire);
                wire.command(&[0x92]);
            }
            _ => self.refresh_now(FULL_MS, wire),
        }
        for r in rects {
            self.write(px, *r, 0x10, Plane::BlackWhite, wire);
            if *r != self.all() {
                wire.command(&[0x92]);
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
                full_every: 10,
                min_interval: Duration::from_secs(3),
                full_takes: Duration::from_secs(2),
            }
        })
    }
}
