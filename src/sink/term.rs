//! A live preview in the terminal (works over ssh): half-block cells with 24-bit colour, or
//! braille cells of 2×4 dots. Only the cells that changed since the last frame are redrawn.

use std::io::{self, Write};
use std::str::FromStr;

use serde::Deserialize;

use super::{Sink, SinkError};
use crate::render::FrameBuffer;

/// How frame pixels map to terminal cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TermStyle {
    /// One cell = two vertical pixels, drawn as `▀` with foreground (top) and background (bottom) colours.
    #[default]
    HalfBlock,
    /// One cell = 2×4 pixels drawn as a braille character (dot on when grey ≥ 128).
    Braille,
}

/// A terminal style name that is neither `halfblock` nor `braille`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown terminal style {0:?}: use \"halfblock\" or \"braille\"")]
pub struct ParseTermStyleError(pub String);

impl FromStr for TermStyle {
    type Err = ParseTermStyleError;

    fn from_str(s: &str) -> Result<TermStyle, ParseTermStyleError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "halfblock" | "half-block" | "half_block" | "half" => Ok(TermStyle::HalfBlock),
            "braille" => Ok(TermStyle::Braille),
            _ => Err(ParseTermStyleError(s.to_string())),
        }
    }
}

/// The braille dot bit of the pixel at (dx, dy) inside a 2×4 cell.
const BRAILLE_BITS: [[u8; 2]; 4] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]];

/// The braille character showing the dots `bits` (U+2800 + bits).
pub fn braille_char(bits: u8) -> char {
    char::from_u32(0x2800 + bits as u32).unwrap_or(' ')
}

/// Draws frames in a terminal with ANSI escapes, redrawing only changed cells.
pub struct TermSink {
    out: Box<dyn Write + Send>,
    style: TermStyle,
    fg: [u8; 3],
    /// Cell contents last drawn (packed colours or braille bits), `None` before the first draw.
    cells: Option<Vec<u64>>,
    /// Frame size and cell grid size of the last drawn frame.
    frame_size: (u32, u32),
    grid: (usize, usize),
    /// Cells changed in this present (reused).
    changed: Vec<bool>,
    buf: Vec<u8>,
}

impl std::fmt::Debug for TermSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermSink")
            .field("style", &self.style)
            .field("grid", &self.grid)
            .finish_non_exhaustive()
    }
}

/// Last emitted SGR colours inside one present, to avoid repeating them.
#[derive(Default)]
struct Pen {
    fg: Option<[u8; 3]>,
    bg: Option<[u8; 3]>,
}

impl TermSink {
    /// A sink writing to `out` in the given style.
    pub fn new(out: Box<dyn Write + Send>, style: TermStyle) -> TermSink {
        TermSink {
            out,
            style,
            fg: [255, 255, 255],
            cells: None,
            frame_size: (0, 0),
            grid: (0, 0),
            changed: Vec::new(),
            buf: Vec::new(),
        }
    }

    /// A sink writing to standard output.
    pub fn stdout(style: TermStyle) -> TermSink {
        TermSink::new(Box::new(io::stdout()), style)
    }

    /// Sets the colour of braille dots (white by default).
    pub fn with_braille_color(mut self, rgb: [u8; 3]) -> TermSink {
        self.fg = rgb;
        self
    }

    /// Pixels per cell (columns, rows).
    fn cell_size(&self) -> (u32, u32) {
        match self.style {
            TermStyle::HalfBlock => (1, 2),
            TermStyle::Braille => (2, 4),
        }
    }

    /// The packed content of cell (cx, cy) of `frame`.
    fn cell(&self, frame: &FrameBuffer, cx: u32, cy: u32) -> u64 {
        match self.style {
            TermStyle::HalfBlock => {
                let pack = |[r, g, b]: [u8; 3]| (r as u64) << 16 | (g as u64) << 8 | b as u64;
                pack(frame.rgb(cx, cy * 2)) << 24 | pack(frame.rgb(cx, cy * 2 + 1))
            }
            TermStyle::Braille => {
                let (x0, y0) = (cx * 2, cy * 4);
                let mut bits = 0u8;
                for (dy, row) in BRAILLE_BITS.iter().enumerate() {
                    for (dx, bit) in row.iter().enumerate() {
                        let (x, y) = (x0 + dx as u32, y0 + dy as u32);
                        if x < frame.width() && y < frame.height() && frame.gray(x, y) >= 128 {
                            bits |= bit;
                        }
                    }
                }
                bits as u64
            }
        }
    }

    /// Appends the bytes that draw one cell.
    fn emit_cell(buf: &mut Vec<u8>, style: TermStyle, pen: &mut Pen, v: u64) {
        match style {
            TermStyle::HalfBlock => {
                let unpack = |p: u64| [(p >> 16) as u8, (p >> 8) as u8, p as u8];
                let (top, bottom) = (unpack(v >> 24), unpack(v & 0xff_ffff));
                if pen.fg != Some(top) {
                    let _ = write!(buf, "\x1b[38;2;{};{};{}m", top[0], top[1], top[2]);
                    pen.fg = Some(top);
                }
                if pen.bg != Some(bottom) {
                    let _ = write!(buf, "\x1b[48;2;{};{};{}m", bottom[0], bottom[1], bottom[2]);
                    pen.bg = Some(bottom);
                }
                buf.extend_from_slice("▀".as_bytes());
            }
            TermStyle::Braille => {
                let mut tmp = [0u8; 4];
                buf.extend_from_slice(braille_char(v as u8).encode_utf8(&mut tmp).as_bytes());
            }
        }
    }

    /// Starts a present's drawing: the fixed braille colours.
    fn begin(&self, buf: &mut Vec<u8>) {
        if self.style == TermStyle::Braille {
            let [r, g, b] = self.fg;
            let _ = write!(buf, "\x1b[38;2;{r};{g};{b}m\x1b[48;2;0;0;0m");
        }
    }

    /// Builds the bytes for a full redraw of `frame` into `self.buf`.
    fn full_redraw(&mut self, frame: &FrameBuffer) {
        let (pw, ph) = self.cell_size();
        let cols = frame.width().div_ceil(pw) as usize;
        let rows = frame.height().div_ceil(ph) as usize;
        let mut cells = Vec::with_capacity(cols * rows);
        for cy in 0..rows as u32 {
            for cx in 0..cols as u32 {
                cells.push(self.cell(frame, cx, cy));
            }
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        buf.extend_from_slice(b"\x1b[?25l\x1b[0m\x1b[2J");
        self.begin(&mut buf);
        let mut pen = Pen::default();
        for (cy, row) in cells.chunks(cols.max(1)).enumerate() {
            let _ = write!(buf, "\x1b[{};1H", cy + 1);
            for &v in row {
                Self::emit_cell(&mut buf, self.style, &mut pen, v);
            }
        }
        buf.extend_from_slice(b"\x1b[0m");
        self.buf = buf;
        self.cells = Some(cells);
        self.frame_size = (frame.width(), frame.height());
        self.grid = (cols, rows);
        self.changed.clear();
        self.changed.resize(cols * rows, false);
    }

    /// Builds the bytes redrawing only the changed cells inside the damage into `self.buf`.
    fn partial_redraw(&mut self, frame: &FrameBuffer) {
        self.buf.clear();
        let (pw, ph) = self.cell_size();
        let (cols, rows) = self.grid;
        let Some(mut cells) = self.cells.take() else {
            return;
        };
        let mut any = false;
        let (mut row_lo, mut row_hi) = (rows, 0);
        for r in frame.damage() {
            let r = r.intersect(&frame.bounds());
            if r.is_empty() {
                continue;
            }
            let (cx0, cy0) = (r.x as u32 / pw, r.y as u32 / ph);
            let cx1 = (r.right() as u32).div_ceil(pw).min(cols as u32);
            let cy1 = (r.bottom() as u32).div_ceil(ph).min(rows as u32);
            for cy in cy0..cy1 {
                for cx in cx0..cx1 {
                    let i = cy as usize * cols + cx as usize;
                    if self.changed[i] {
                        continue;
                    }
                    let v = self.cell(frame, cx, cy);
                    if v != cells[i] {
                        cells[i] = v;
                        self.changed[i] = true;
                        any = true;
                        row_lo = row_lo.min(cy as usize);
                        row_hi = row_hi.max(cy as usize + 1);
                    }
                }
            }
        }
        if any {
            let mut buf = std::mem::take(&mut self.buf);
            self.begin(&mut buf);
            let mut pen = Pen::default();
            for cy in row_lo..row_hi {
                let row = &mut self.changed[cy * cols..(cy + 1) * cols];
                let mut cx = 0;
                while cx < cols {
                    if !row[cx] {
                        cx += 1;
                        continue;
                    }
                    let _ = write!(buf, "\x1b[{};{}H", cy + 1, cx + 1);
                    while cx < cols && row[cx] {
                        row[cx] = false;
                        Self::emit_cell(&mut buf, self.style, &mut pen, cells[cy * cols + cx]);
                        cx += 1;
                    }
                }
            }
            buf.extend_from_slice(b"\x1b[0m");
            self.buf = buf;
        }
        self.cells = Some(cells);
    }

    fn write_out(&mut self) -> Result<(), SinkError> {
        let err = |source| SinkError::Output {
            what: "terminal".into(),
            source,
        };
        self.out.write_all(&self.buf).map_err(err)?;
        self.out.flush().map_err(err)
    }
}

impl Sink for TermSink {
    fn name(&self) -> &str {
        "terminal"
    }

    fn present(&mut self, frame: &FrameBuffer, _tick: u64) -> Result<(), SinkError> {
        if self.cells.is_none() || self.frame_size != (frame.width(), frame.height()) {
            self.full_redraw(frame);
        } else if frame.damage().is_empty() {
            return Ok(());
        } else {
            self.partial_redraw(frame);
        }
        if self.buf.is_empty() {
            return Ok(());
        }
        self.write_out()
    }

    fn finish(&mut self, _frame: &FrameBuffer, _tick: u64) -> Result<(), SinkError> {
        self.buf.clear();
        let _ = write!(self.buf, "\x1b[0m\x1b[?25h\x1b[{};1H", self.grid.1 + 1);
        self.write_out()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Color, PixelMode, Rect};
    use crate::sink::test_util::{pattern, set};
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn take(&self) -> String {
            String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
        }
    }

    /// Counts cursor moves `ESC[row;colH`.
    fn cursor_moves(s: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for part in s.split("\x1b[").skip(1) {
            if let Some(end) = part.find('H')
                && let Some((r, c)) = part[..end].split_once(';')
                && let (Ok(r), Ok(c)) = (r.parse(), c.parse())
            {
                out.push((r, c));
            }
        }
        out
    }

    fn sink(style: TermStyle) -> (TermSink, Shared) {
        let shared = Shared::default();
        (TermSink::new(Box::new(shared.clone()), style), shared)
    }

    #[test]
    fn parses_style_names() {
        assert_eq!("halfblock".parse(), Ok(TermStyle::HalfBlock));
        assert_eq!("Braille".parse(), Ok(TermStyle::Braille));
        assert!("ascii".parse::<TermStyle>().is_err());
        assert_eq!(TermStyle::default(), TermStyle::HalfBlock);
    }

    #[test]
    fn halfblock_first_present_draws_every_cell_then_only_changes() {
        let (mut s, out) = sink(TermStyle::HalfBlock);
        let mut fb = pattern(6, 5, PixelMode::Rgb888);
        s.present(&fb, 0).unwrap();
        let first = out.take();
        assert!(first.starts_with("\x1b[?25l"));
        assert!(first.contains("\x1b[2J"));
        assert_eq!(first.matches('▀').count(), 6 * 3);
        assert_eq!(cursor_moves(&first), vec![(1, 1), (2, 1), (3, 1)]);
        let [r, g, b] = fb.rgb(0, 0);
        assert!(first.contains(&format!("\x1b[38;2;{r};{g};{b}m")));
        let [r, g, b] = fb.rgb(0, 1);
        assert!(first.contains(&format!("\x1b[48;2;{r};{g};{b}m")));

        // Idle tick: nothing at all.
        fb.clear_damage();
        s.present(&fb, 1).unwrap();
        assert_eq!(out.take().len(), 0);

        // Damage without an actual change: nothing either.
        fb.add_damage(Rect::new(0, 0, 6, 5));
        s.present(&fb, 2).unwrap();
        assert_eq!(out.take().len(), 0);

        // One pixel: one cell at its position.
        fb.clear_damage();
        set(&mut fb, 4, 3, Color::rgb(1, 2, 3));
        s.present(&fb, 3).unwrap();
        let third = out.take();
        assert_eq!(cursor_moves(&third), vec![(2, 5)]);
        assert_eq!(third.matches('▀').count(), 1);
        assert!(third.contains("\x1b[48;2;1;2;3m"));

        s.finish(&fb, 4).unwrap();
        let end = out.take();
        assert!(end.contains("\x1b[?25h") && end.contains("\x1b[0m"));
        assert_eq!(cursor_moves(&end), vec![(4, 1)]);
    }

    #[test]
    fn runs_of_changed_cells_share_one_cursor_move() {
        let (mut s, out) = sink(TermStyle::HalfBlock);
        let mut fb = FrameBuffer::new(10, 4, PixelMode::Gray8);
        s.present(&fb, 0).unwrap();
        out.take();
        fb.clear_damage();
        for x in [1, 2, 3, 7] {
            set(&mut fb, x, 2, Color::WHITE);
        }
        s.present(&fb, 1).unwrap();
        let s2 = out.take();
        assert_eq!(cursor_moves(&s2), vec![(2, 2), (2, 8)]);
        assert_eq!(s2.matches('▀').count(), 4);
    }

    #[test]
    fn braille_maps_a_known_pattern() {
        let (mut s, out) = sink(TermStyle::Braille);
        let mut fb = FrameBuffer::new(2, 4, PixelMode::Mono);
        // Left column top two dots, right column bottom dot: bits 0x01 | 0x02 | 0x80.
        for (x, y) in [(0, 0), (0, 1), (1, 3)] {
            set(&mut fb, x, y, Color::WHITE);
        }
        s.present(&fb, 0).unwrap();
        let first = out.take();
        assert!(first.contains('\u{2883}'), "{first:?}");
        assert_eq!(braille_char(0xff), '⣿');
        assert_eq!(braille_char(0), '\u{2800}');

        fb.clear_damage();
        set(&mut fb, 1, 0, Color::WHITE);
        s.present(&fb, 1).unwrap();
        let second = out.take();
        assert_eq!(cursor_moves(&second), vec![(1, 1)]);
        assert!(second.contains('\u{288b}'));
    }

    #[test]
    fn a_size_change_redraws_everything() {
        let (mut s, out) = sink(TermStyle::Braille);
        s.present(&FrameBuffer::new(4, 4, PixelMode::Mono), 0)
            .unwrap();
        out.take();
        let mut big = FrameBuffer::new(8, 8, PixelMode::Mono);
        big.clear_damage();
        s.present(&big, 1).unwrap();
        let all = out.take();
        assert!(all.contains("\x1b[2J"));
        assert_eq!(
            all.chars()
                .filter(|c| ('\u{2800}'..='\u{28ff}').contains(c))
                .count(),
            8
        );
    }
}
