//! HD44780-compatible character LCDs (16×2, 20×4, …) in 4-bit mode.
//!
//! A scene draws into a pixel frame of 5×8 cells with the glass's 1-pixel gaps between
//! them: `cols·6−1 × rows·9−1` pixels (95×17 for a 16×2). Gap pixels are never shown.
//! Each cell becomes the ROM character whose glyph it matches exactly, else one of the
//! eight custom characters (CGRAM; a pattern already loaded is reused, a free slot is
//! taken least recently used first, nothing is reloaded unless it changes), else, when
//! all eight are held by other cells, the glyph with the fewest differing pixels (logged
//! once). Only cells whose character code changes are written (set DDRAM address, then
//! the codes, relying on the address counter's increment).
//!
//! The bytes are the port states of the PCF8574 on the usual I2C backpack: P0 = RS,
//! P1 = R/W (always 0: write only), P2 = E, P3 = backlight, P4–P7 = D4–D7. Each nibble
//! is three port writes (set up, E high, E low: the controller latches on E's falling
//! edge), high nibble first. Instructions travel as command steps, DDRAM and CGRAM data
//! as data steps; the GPIO bus drives its pins from the same port states.
//!
//! A WS0010 character OLED (Winstar WEH, [`CharModel::ws0010`]) takes the same bytes
//! with its own start: a resynchronising interface set-up and its internal power turned
//! on (it powers up off) in character mode.

use std::cell::RefCell;

use crate::panel::rom::{self, Glyph, Rom};
use crate::panel::rotation::Rotation;
use crate::panel::wire::Wire;
use crate::render::{FrameBuffer, PixelMode, Rect};

use super::{Driver, Pixels, Settings, align_span};

/// Port bit: register select (0 instruction, 1 data).
pub const RS: u8 = 0x01;
/// Port bit: read/write (never set: tinydisplay only writes).
pub const RW: u8 = 0x02;
/// Port bit: enable strobe.
pub const EN: u8 = 0x04;
/// Port bit: backlight transistor.
pub const BACKLIGHT: u8 = 0x08;

/// Pixels from one cell to the next, across (5 pixels and a gap).
pub const CELL_W: u32 = 6;
/// Pixels from one cell to the next, down (8 rows and a gap).
pub const CELL_H: u32 = 9;

/// Custom characters (CGRAM patterns) the controller holds.
pub const SLOTS: usize = 8;

/// A character LCD's geometry.
#[derive(Debug, Clone, Copy)]
pub struct CharModel {
    /// Characters per row.
    pub cols: u32,
    /// Rows.
    pub rows: u32,
    /// DDRAM address of each row's first character.
    pub row_addr: &'static [u8],
    /// A WS0010 (Winstar WEH OLED): its resynchronising init, internal power on.
    pub ws0010: bool,
}

impl CharModel {
    /// The frame size a scene draws: cells with 1-pixel gaps between them.
    pub const fn pixels(&self) -> (u32, u32) {
        (self.cols * CELL_W - 1, self.rows * CELL_H - 1)
    }

    /// Number of cells.
    pub const fn cells(&self) -> usize {
        (self.cols * self.rows) as usize
    }

    /// DDRAM address of cell (col, row).
    pub fn address(&self, col: u32, row: u32) -> u8 {
        self.row_addr[row as usize] + col as u8
    }
}

/// Instruction: clear display (DDRAM to spaces, address 0).
pub const CLEAR: u8 = 0x01;
/// Instruction: entry mode, increment, no shift.
pub const ENTRY_INCREMENT: u8 = 0x06;
/// Instruction: display control (0x08 | D 4 | C 2 | B 1).
pub const DISPLAY: u8 = 0x08;
/// Display control bit: display on.
pub const DISPLAY_ON: u8 = 0x04;
/// Instruction: function set, 4-bit, two lines (all multi-row glass), 5×8 font.
pub const FUNCTION_4BIT_2LINE: u8 = 0x28;
/// Instruction: set CGRAM address (| address).
pub const SET_CGRAM: u8 = 0x40;
/// Instruction: set DDRAM address (| address).
pub const SET_DDRAM: u8 = 0x80;

/// WS0010 instruction: mode/power with internal power off (character mode).
pub const WS0010_POWER_OFF: u8 = 0x13;
/// WS0010 instruction: mode/power, character mode, internal power on.
pub const WS0010_CHARACTER_ON: u8 = 0x17;
/// WS0010 mode/power bit: graphic mode (G/C).
pub const WS0010_GRAPHIC: u8 = 0x08;

/// Appends one nibble (in the low four bits of `n`) as three port writes.
pub(crate) fn push_nibble(out: &mut Vec<u8>, n: u8, ctl: u8) {
    let b = (n << 4) | ctl;
    out.extend_from_slice(&[b, b | EN, b]);
}

/// Appends a whole byte, high nibble first.
pub(crate) fn push_byte(out: &mut Vec<u8>, v: u8, ctl: u8) {
    push_nibble(out, v >> 4, ctl);
    push_nibble(out, v & 0x0F, ctl);
}

/// Brings the interface to 4 bits from any state it may be in (initialising by
/// instruction, HD44780U datasheet figure 24): three 8-bit function sets, then the switch
/// to 4 bits, as single nibbles. A WS0010 first needs half a second after power-up, and
/// five zero nibbles (no-ops in 8-bit mode; in 4-bit mode they finish a half-sent byte,
/// as its vendors' drivers send them), then 7 ms for the return home they may make.
pub(crate) fn interface_4bit(wire: &mut Wire, ws0010: bool) {
    if ws0010 {
        wire.delay(500);
        let mut b = Vec::with_capacity(15);
        for _ in 0..5 {
            push_nibble(&mut b, 0x0, BACKLIGHT);
        }
        wire.command(&b);
        wire.delay(7);
    } else {
        wire.delay(50);
    }
    for (n, ms) in [(0x3, 5), (0x3, 1), (0x3, 1), (0x2, 1)] {
        let mut b = Vec::with_capacity(3);
        push_nibble(&mut b, n, BACKLIGHT);
        wire.command(&b);
        wire.delay(ms);
    }
}

/// The distinct cell patterns of `frame` (a whole unturned frame of `model`) that no
/// character of `rom` shows: the custom characters the frame needs at once.
pub fn custom_patterns(frame: &FrameBuffer, model: &CharModel, rom: Rom) -> usize {
    if (frame.width(), frame.height()) != model.pixels() {
        return 0;
    }
    let px = Pixels::new(frame, Rotation::R0, model.pixels());
    let table = rom.table();
    let mut seen: Vec<Glyph> = Vec::new();
    for row in 0..model.rows {
        for col in 0..model.cols {
            let g = Hd44780::cell(&px, col, row);
            if table.code_of(&g).is_none() && !seen.contains(&g) {
                seen.push(g);
            }
        }
    }
    seen.len()
}

/// What the driver knows of the controller's RAM.
#[derive(Debug, Clone)]
struct Shadow {
    rom: Rom,
    backlight: bool,
    /// Code in each cell's DDRAM byte (None: unknown).
    shown: Vec<Option<u8>>,
    /// The glyph each cell should show (the frame's, as last packed).
    want: Vec<Glyph>,
    /// Cells showing a nearest glyph because no custom character was free.
    degraded: Vec<bool>,
    cgram: [Option<Glyph>; SLOTS],
    used: [u64; SLOTS],
    clock: u64,
    overflows: u64,
}

impl Shadow {
    fn new(cells: usize, rom: Rom, shown: Option<u8>) -> Shadow {
        Shadow {
            rom,
            backlight: true,
            shown: vec![shown; cells],
            want: vec![[0; 8]; cells],
            degraded: vec![false; cells],
            cgram: [None; SLOTS],
            used: [0; SLOTS],
            clock: 0,
            overflows: 0,
        }
    }

    fn ctl(&self) -> u8 {
        if self.backlight { BACKLIGHT } else { 0 }
    }
}

/// The HD44780 driver: stateful, since what a cell needs sent depends on what the
/// controller already holds.
#[derive(Debug)]
pub struct Hd44780 {
    model: &'static CharModel,
    shadow: RefCell<Shadow>,
}

impl Hd44780 {
    /// A driver for `model`; until `init`, every cell counts as unknown.
    pub fn new(model: &'static CharModel) -> Hd44780 {
        Hd44780 {
            model,
            shadow: RefCell::new(Shadow::new(model.cells(), Rom::default(), None)),
        }
    }

    /// Frames in which more custom characters were needed than the controller holds.
    pub fn overflows(&self) -> u64 {
        self.shadow.borrow().overflows
    }

    fn instruction(&self, v: u8, wire: &mut Wire) {
        let mut b = Vec::with_capacity(6);
        push_byte(&mut b, v, self.shadow.borrow().ctl());
        wire.command(&b);
    }

    /// The glyph of cell (col, row) in `frame`.
    fn cell(frame: &Pixels, col: u32, row: u32) -> Glyph {
        let mut g = [0u8; 8];
        for (dy, bits) in g.iter_mut().enumerate() {
            for dx in 0..5 {
                if frame.gray(col * CELL_W + dx, row * CELL_H + dy as u32) >= 0x80 {
                    *bits |= 0x10 >> dx;
                }
            }
        }
        g
    }
}

impl Driver for Hd44780 {
    fn native(&self) -> (u32, u32) {
        self.model.pixels()
    }

    fn mode(&self) -> PixelMode {
        PixelMode::Mono
    }

    fn init(&self, s: &Settings, wire: &mut Wire) {
        // After the clear below every cell holds a space; CGRAM is whatever power-up left.
        *self.shadow.borrow_mut() = Shadow::new(self.model.cells(), s.rom, Some(b' '));
        interface_4bit(wire, self.model.ws0010);
        self.instruction(FUNCTION_4BIT_2LINE, wire);
        self.instruction(DISPLAY, wire); // display off while it is cleared
        self.instruction(CLEAR, wire);
        wire.delay(if self.model.ws0010 { 7 } else { 2 }); // 6.2 ms on the WS0010, 1.52 on the HD44780
        self.instruction(ENTRY_INCREMENT, wire);
        if self.model.ws0010 {
            // Internal power off and on again (character mode), as after a power-up.
            self.instruction(WS0010_POWER_OFF, wire);
            self.instruction(WS0010_CHARACTER_ON, wire);
        }
        self.instruction(DISPLAY | DISPLAY_ON, wire);
    }

    fn contrast(&self, _level: u8, _wire: &mut Wire) {
        // Contrast is the module's potentiometer on V0: nothing to send.
    }

    fn contrast_register(&self, _level: u8) -> Option<u8> {
        None
    }

    fn invert(&self, _on: bool, _wire: &mut Wire) {
        // The controller cannot invert; the scene check refuses `invert: true`.
    }

    fn sleep(&self, asleep: bool, wire: &mut Wire) {
        self.shadow.borrow_mut().backlight = !asleep;
        let on = if asleep { 0 } else { DISPLAY_ON };
        self.instruction(DISPLAY | on, wire);
    }

    fn align(&self, r: Rect) -> Rect {
        let (x0, x1) = align_span(r.x, r.x + r.w as i32, CELL_W as i32);
        let (y0, y1) = align_span(r.y, r.y + r.h as i32, CELL_H as i32);
        Rect::new(x0, y0, (x1 - x0) as u32, (y1 - y0) as u32)
    }

    fn pack(&self, frame: &Pixels, r: Rect, wire: &mut Wire) {
        let m = self.model;
        let cols = m.cols as usize;
        let c0 = (r.x.max(0) as u32 / CELL_W).min(m.cols);
        let c1 = ((r.x.max(0) as u32 + r.w).div_ceil(CELL_W)).min(m.cols);
        let r0 = (r.y.max(0) as u32 / CELL_H).min(m.rows);
        let r1 = ((r.y.max(0) as u32 + r.h).div_ceil(CELL_H)).min(m.rows);
        let mut s = self.shadow.borrow_mut();
        let table = s.rom.table();
        s.clock += 1;
        let clock = s.clock;
        // The cells to decide: those in the rectangle, and any showing a stand-in.
        let mut work: Vec<usize> = Vec::new();
        for row in r0..r1 {
            for col in c0..c1 {
                let i = row as usize * cols + col as usize;
                s.want[i] = Self::cell(frame, col, row);
            }
        }
        for i in 0..m.cells() {
            let (col, row) = ((i % cols) as u32, (i / cols) as u32);
            if (c0..c1).contains(&col) && (r0..r1).contains(&row) || s.degraded[i] {
                work.push(i);
            }
        }
        // Custom characters other cells show stay as they are.
        let mut pinned = [false; SLOTS];
        let mut in_work = vec![false; m.cells()];
        for &i in &work {
            in_work[i] = true;
        }
        for (i, code) in s.shown.iter().enumerate() {
            if let Some(c) = code
                && usize::from(*c) < SLOTS
                && !in_work[i]
            {
                pinned[usize::from(*c)] = true;
            }
        }
        let mut codes: Vec<(usize, Option<u8>)> = Vec::with_capacity(work.len());
        for &i in &work {
            let g = s.want[i];
            let code = table.code_of(&g).or_else(|| {
                let k = s.cgram.iter().position(|p| *p == Some(g))?;
                pinned[k] = true;
                s.used[k] = clock;
                Some(k as u8)
            });
            codes.push((i, code));
        }
        // New patterns into free slots, least recently used first.
        let mut loads: Vec<usize> = Vec::new();
        let mut short = 0;
        for (i, code) in &mut codes {
            if code.is_some() {
                continue;
            }
            let g = s.want[*i];
            let already = loads.iter().find(|&&k| s.cgram[k] == Some(g)).copied();
            let slot = already.or_else(|| {
                let k = (0..SLOTS)
                    .filter(|&k| !pinned[k])
                    .min_by_key(|&k| (s.cgram[k].is_some(), s.used[k]))?;
                pinned[k] = true;
                s.cgram[k] = Some(g);
                s.used[k] = clock;
                loads.push(k);
                Some(k)
            });
            *code = slot.map(|k| k as u8);
            if slot.is_none() {
                short += 1;
            }
        }
        for (i, code) in &mut codes {
            s.degraded[*i] = code.is_none();
            if code.is_none() {
                let g = s.want[*i];
                let roms = table.glyphs().iter().map(|&(c, p)| (c, p));
                let slots = (0..SLOTS)
                    .filter_map(|k| s.cgram[k].map(|p| (k as u8, p)))
                    .collect::<Vec<_>>();
                *code = roms
                    .chain(slots)
                    .min_by_key(|(_, p)| rom::distance(p, &g))
                    .map(|(c, _)| c);
            }
        }
        if short > 0 {
            s.overflows += 1;
            if s.overflows == 1 {
                log::warn!(
                    "hd44780: a frame needs more than {SLOTS} custom characters at once; \
                     {short} cell pattern(s) show the nearest glyph (logged once)"
                );
            }
        }
        let ctl = s.ctl();
        for &k in &loads {
            let mut b = Vec::with_capacity(6);
            push_byte(&mut b, SET_CGRAM | (k as u8) << 3, ctl);
            wire.command(&b);
            let buf = wire.open_data();
            for row in s.cgram[k].unwrap_or_default() {
                push_byte(buf, row, ctl | RS);
            }
            wire.close_data();
        }
        let mut next_addr: Option<u8> = None;
        for (i, code) in codes {
            let Some(code) = code else { continue };
            if s.shown[i] == Some(code) {
                continue;
            }
            s.shown[i] = Some(code);
            let addr = m.address((i % cols) as u32, (i / cols) as u32);
            if next_addr != Some(addr) {
                let mut b = Vec::with_capacity(6);
                push_byte(&mut b, SET_DDRAM | addr, ctl);
                wire.command(&b);
            }
            push_byte(wire.open_data(), code, ctl | RS);
            wire.close_data();
            next_addr = Some(addr + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_is_two_nibbles_of_three_port_writes() {
        let mut out = Vec::new();
        push_byte(&mut out, 0x41, BACKLIGHT | RS);
        assert_eq!(out, [0x49, 0x4D, 0x49, 0x19, 0x1D, 0x19]);
    }
}
