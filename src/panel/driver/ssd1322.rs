//! SSD1322: 256×64 OLED with 16 grey levels. Its RAM is 480 pixels wide, addressed in
//! columns of 4 pixels (2 bytes); a 256-pixel panel sits in the middle, from column
//! address 28. A command byte goes with DC low and its arguments with DC high. With the
//! nibble remap set at init, the high nibble of each byte is the left pixel.

use crate::render::{PixelMode, Rect};

use super::{Driver, Pixels, Registers, Settings, WindowCost, align_span};
use crate::panel::wire::Wire;

/// Column address (4 pixels each) of the panel's first pixel.
pub const COLUMN_OFFSET: u32 = 28;

/// The SSD1322 driver.
#[derive(Debug, Clone, Copy)]
pub struct Ssd1322;

/// A command and its arguments.
fn cmd(wire: &mut Wire, c: u8, args: &[u8]) {
    wire.command(&[c]);
    if !args.is_empty() {
        wire.data(args);
    }
}

impl Driver for Ssd1322 {
    fn native(&self) -> (u32, u32) {
        (256, 64)
    }

    fn mode(&self) -> PixelMode {
        PixelMode::Gray4
    }

    fn init(&self, s: &Settings, wire: &mut Wire) {
        cmd(wire, 0xFD, &[0x12]); // unlock commands
        cmd(wire, 0xAE, &[]); // display off
        cmd(wire, 0xB3, &[0x91]); // clock divide / oscillator
        cmd(wire, 0xCA, &[0x3F]); // multiplex ratio: 64 rows
        cmd(wire, 0xA2, &[0x00]); // display offset
        cmd(wire, 0xA1, &[0x00]); // start line
        cmd(wire, 0xA0, &[0x14, 0x11]); // remap: nibble remap, COM scan down, dual COM
        cmd(wire, 0xB5, &[0x00]); // GPIO off
        cmd(wire, 0xAB, &[0x01]); // internal VDD regulator
        cmd(wire, 0xB4, &[0xA0, 0xFD]); // display enhancement A: external VSL
        cmd(wire, 0xC1, &[s.contrast]); // contrast current
        cmd(wire, 0xC7, &[0x0F]); // master contrast
        cmd(wire, 0xB9, &[]); // default linear grey table
        cmd(wire, 0xB1, &[0xE2]); // phase lengths
        cmd(wire, 0xD1, &[0x82, 0x20]); // display enhancement B
        cmd(wire, 0xBB, &[0x1F]); // pre-charge voltage
        cmd(wire, 0xB6, &[0x08]); // second pre-charge period
        cmd(wire, 0xBE, &[0x07]); // VCOMH
        cmd(wire, if s.invert { 0xA7 } else { 0xA6 }, &[]); // normal or inverse
        cmd(wire, 0xA9, &[]); // exit partial display
        cmd(wire, 0xAF, &[]); // display on
        wire.delay(50);
    }

    fn contrast(&self, level: u8, wire: &mut Wire) {
        cmd(wire, 0xC1, &[level]);
    }

    fn invert(&self, on: bool, wire: &mut Wire) {
        cmd(wire, if on { 0xA7 } else { 0xA6 }, &[]);
    }

    fn sleep(&self, asleep: bool, wire: &mut Wire) {
        cmd(wire, if asleep { 0xAE } else { 0xAF }, &[]);
    }

    fn window_cost(&self) -> Option<WindowCost> {
        // 0x15 c0 c1, 0x75 r0 r1, 0x5C; a column address is 4 pixels, 2 bytes a row.
        Some(WindowCost {
            col: 4,
            row: 1,
            window: 7,
            per_row: 0,
            cell: 2,
            // 0x15 c0 c1, 0x5C: the row address kept.
            hop: 4,
        })
    }

    fn address_bytes(&self, r: Rect, regs: &mut Registers) -> u64 {
        address(r, regs, None)
    }

    fn pack_from(&self, px: &Pixels, r: Rect, regs: &mut Registers, wire: &mut Wire) {
        address(r, regs, Some(&mut *wire));
        pack_pixels(px, r, wire);
    }

    fn align(&self, r: Rect) -> Rect {
        let (x0, x1) = align_span(r.x, r.right(), 4);
        Rect::new(x0, r.y, (x1 - x0) as u32, r.h)
    }

    fn pack(&self, px: &Pixels, r: Rect, wire: &mut Wire) {
        address(r, &mut Registers::default(), Some(&mut *wire));
        pack_pixels(px, r, wire);
    }
}

/// The window commands of panel rectangle `r` (into `wire`, when given) that the
/// registers `regs` do not already hold, then the RAM write command; their bytes. A
/// window written whole leaves the RAM pointer at its start, so a column (0x15) or row
/// (0x75) address the controller holds need not be sent again.
fn address(r: Rect, regs: &mut Registers, mut wire: Option<&mut Wire>) -> u64 {
    let (x0, x1) = (r.x as u32, r.right() as u32);
    let (y0, y1) = (r.y as u32, r.bottom() as u32);
    let cols = (COLUMN_OFFSET + x0 / 4, COLUMN_OFFSET + x1 / 4 - 1);
    let rows = (y0, y1 - 1);
    let mut bytes = 1;
    if regs.cols != Some(cols) {
        bytes += 3;
        if let Some(w) = wire.as_deref_mut() {
            cmd(w, 0x15, &[cols.0 as u8, cols.1 as u8]);
        }
    }
    if regs.rows != Some(rows) {
        bytes += 3;
        if let Some(w) = wire.as_deref_mut() {
            cmd(w, 0x75, &[rows.0 as u8, rows.1 as u8]);
        }
    }
    if let Some(w) = wire {
        cmd(w, 0x5C, &[]);
    }
    *regs = Registers {
        cols: Some(cols),
        rows: Some(rows),
    };
    bytes
}

/// The pixels of panel rectangle `r`, two a byte, as one data step.
fn pack_pixels(px: &Pixels, r: Rect, wire: &mut Wire) {
    let (x0, x1) = (r.x as u32, r.right() as u32);
    let (y0, y1) = (r.y as u32, r.bottom() as u32);
    let out = wire.open_data();
    for y in y0..y1 {
        if let Some(row) = px.gray_row(y, x0, x1) {
            let start = out.len();
            out.resize(start + row.len() / 2, 0);
            pack_row(&mut out[start..], row);
            continue;
        }
        for x in (x0..x1).step_by(2) {
            out.push(((px.gray(x, y) / 17) << 4) | (px.gray(x + 1, y) / 17));
        }
    }
    wire.close_data();
}

/// Packs one row of stored grey levels, two pixels per byte. Levels are stored as
/// multiples of 17 (16·k + k), so the high nibble of a stored level is its 4-bit value:
/// no division. Eight pixels at a time go through one `u64` (the pair `a, b` is the
/// 16-bit lane `a | b << 8`, and `(a & 0xF0) | (b >> 4)` is computed in every lane at
/// once, then the four result bytes are gathered).
fn pack_row(out: &mut [u8], row: &[u8]) {
    let (src, src_rest) = row.as_chunks::<8>();
    let (dst, dst_rest) = out.as_chunks_mut::<4>();
    for (d, s) in dst.iter_mut().zip(src) {
        let x = u64::from_le_bytes(*s);
        let mut y = (x & 0x00F0_00F0_00F0_00F0) | ((x >> 12) & 0x000F_000F_000F_000F);
        y = (y | (y >> 8)) & 0x0000_FFFF_0000_FFFF;
        y = (y | (y >> 16)) & 0xFFFF_FFFF;
        *d = (y as u32).to_le_bytes();
    }
    for (o, p) in dst_rest.iter_mut().zip(src_rest.chunks_exact(2)) {
        *o = (p[0] & 0xF0) | (p[1] >> 4);
    }
}

#[cfg(test)]
mod pack_row_tests {
    use super::pack_row;

    #[test]
    fn eight_at_a_time_equals_pair_by_pair() {
        let row: Vec<u8> = (0..38u32).map(|i| ((i * 7) % 16 * 17) as u8).collect();
        let mut fast = vec![0; 19];
        pack_row(&mut fast, &row);
        let slow: Vec<u8> = row
            .chunks_exact(2)
            .map(|p| ((p[0] / 17) << 4) | (p[1] / 17))
            .collect();
        assert_eq!(fast, slow);
    }
}
