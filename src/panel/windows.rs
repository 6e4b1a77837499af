//! Which windows carry a partial update: the cells (a controller's smallest writable
//! step, see [`WindowCost`]) whose pixels differ from what the panel already holds,
//! grouped into windows by that controller's window cost.
//!
//! Only the pixels decide: the same two frames give the same windows whichever damage
//! rectangles pointed at the change (render-ahead's, an inline paint's, several frames'
//! merged), so the bytes of a run depend on its frames alone.
//!
//! The grouping is one pass, top down, linear in the rows and runs. Each row of cells
//! becomes runs of changed cells, neighbouring runs joined where the cells between cost
//! no more than another window on the same rows ([`WindowCost::hop`]: a controller that
//! keeps its address registers needs only the command that changed). A run that overlaps
//! the columns of a window ending on the row above extends that window down when the
//! cells it adds cost no more than a window of its own (only a window one row tall
//! widens to take it); otherwise it opens a window. Where a window costs nothing but its
//! rows' addresses ([`WindowCost::window`] 0: page addressing), windows are one row tall.
//! Windows never overlap. They come out ordered by their rows, so windows on the same
//! rows follow each other and share their row address.

use crate::render::{FrameBuffer, Rect};

use super::driver::WindowCost;
use super::rotation::Rotation;

/// A rectangle of cells: columns `x0..x1`, rows `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cells {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

/// The changed cells of one panel and the windows chosen for them; the memory is kept
/// between frames.
#[derive(Debug)]
pub struct Windows {
    cost: WindowCost,
    native: (u32, u32),
    /// u64 words of the mask per row of cells.
    words: usize,
    /// One bit per cell, row by row: the cell's pixels changed.
    mask: Vec<u64>,
    /// The rows of cells marked so far (first, last).
    touched: Option<(u32, u32)>,
    /// One row's runs of changed cells.
    runs: Vec<(u32, u32)>,
    /// Windows (indices into `cells`) that end on the row above, left to right.
    open: Vec<usize>,
    /// The same for the row being placed.
    next_open: Vec<usize>,
    /// The windows chosen so far.
    cells: Vec<Cells>,
}

impl Windows {
    /// For a panel `native` pixels large whose controller's windows cost `cost`.
    pub fn new(cost: WindowCost, native: (u32, u32)) -> Windows {
        let cols = native.0.div_ceil(cost.col.max(1));
        let rows = native.1.div_ceil(cost.row.max(1));
        let words = cols.div_ceil(64) as usize;
        Windows {
            cost,
            native,
            words,
            mask: vec![0; words * rows as usize],
            touched: None,
            runs: Vec::new(),
            open: Vec::new(),
            next_open: Vec::new(),
            cells: Vec::new(),
        }
    }

    /// The bytes the aligned panel rectangle `r` costs as one window.
    pub fn cost_of(&self, r: Rect) -> u64 {
        let c = &self.cost;
        c.bytes(r.w.div_ceil(c.col.max(1)), r.h.div_ceil(c.row.max(1)))
    }

    /// The bytes of the pixels alone of the aligned panel rectangle `r`.
    pub fn pixel_bytes_of(&self, r: Rect) -> u64 {
        let c = &self.cost;
        c.pixel_bytes(r.w.div_ceil(c.col.max(1)), r.h.div_ceil(c.row.max(1)))
    }

    /// Marks the cells of the panel pixels that differ between `new` and `held` inside
    /// the frame rectangle `r` (frames of one size and mode, mounted turned by `rotation`).
    pub fn mark(&mut self, new: &FrameBuffer, held: &FrameBuffer, r: Rect, rotation: Rotation) {
        let r = r.intersect(&new.bounds());
        if r.is_empty() || new.data().len() != held.data().len() {
            return;
        }
        if rotation == Rotation::R0 {
            self.mark_upright(new, held, r);
            return;
        }
        let ch = new.mode().channels();
        let w = new.width() as usize;
        let (x0, x1) = (r.x as usize, r.right() as usize);
        let (col, row) = (self.cost.col.max(1), self.cost.row.max(1));
        for y in r.y as usize..r.bottom() as usize {
            let span = (y * w + x0) * ch..(y * w + x1) * ch;
            let (a, b) = (&new.data()[span.clone()], &held.data()[span]);
            if a == b {
                continue;
            }
            let mut i = 0;
            while i < a.len() {
                if let (Some(p), Some(q)) = (a.get(i..i + 8), b.get(i..i + 8))
                    && p == q
                {
                    i += 8;
                    continue;
                }
                if a[i] != b[i] {
                    let x = x0 + i / ch;
                    let (px, py) = rotation.to_panel(x as u32, y as u32, self.native);
                    self.set(px / col, py / row);
                    i = (x + 1 - x0) * ch;
                } else {
                    i += 1;
                }
            }
        }
    }

    /// [`Windows::mark`] of a panel mounted upright: frame rows are panel rows, so each
    /// row is compared eight bytes at a time and its changed cells set in one pass.
    fn mark_upright(&mut self, new: &FrameBuffer, held: &FrameBuffer, r: Rect) {
        let ch = new.mode().channels();
        let w = new.width() as usize;
        let (col, row) = (self.cost.col.max(1) as usize, self.cost.row.max(1));
        // Bytes of a cell's row; a shift when it is a power of two (it nearly always is).
        let cell_bytes = col * ch;
        let shift = cell_bytes
            .is_power_of_two()
            .then(|| cell_bytes.trailing_zeros());
        let cell_of = |offset: usize| match shift {
            Some(s) => offset >> s,
            None => offset / cell_bytes,
        };
        // Compare from the start of the first cell: the row's bytes from `base` on, where
        // byte offset o is in cell o / cell_bytes.
        let first_cell = r.x as usize / col;
        let (x1, words) = (r.right() as usize, self.words);
        for y in r.y as usize..r.bottom() as usize {
            let base = (y * w + first_cell * col) * ch;
            let end = (y * w + x1) * ch;
            let (a, b) = (&new.data()[base..end], &held.data()[base..end]);
            if a == b {
                continue;
            }
            let cy = y as u32 / row;
            let line = cy as usize * words;
            let Some(bits) = self.mask.get_mut(line..line + words) else {
                continue;
            };
            let mut any = false;
            let (ca, a_rest) = a.as_chunks::<8>();
            let (cb, b_rest) = b.as_chunks::<8>();
            for (k, (p, q)) in ca.iter().zip(cb).enumerate() {
                let mut diff = u64::from_le_bytes(*p) ^ u64::from_le_bytes(*q);
                if diff == 0 {
                    continue;
                }
                any = true;
                match cell_bytes {
                    // Two cells a chunk (4 grey pixels a cell: the SSD1322): both bits
                    // gathered, then set in one write (two when they straddle words).
                    4 => {
                        let two = u64::from(diff as u32 != 0) | u64::from(diff >> 32 != 0) << 1;
                        let cx = first_cell + 2 * k;
                        let (word, bit) = (cx / 64, cx % 64);
                        if let Some(w) = bits.get_mut(word) {
                            *w |= two << bit;
                        }
                        if bit == 63
                            && let Some(w) = bits.get_mut(word + 1)
                        {
                            *w |= two >> 1;
                        }
                        continue;
                    }
                    // A cell a byte (page-addressed mono): the non-zero bytes gathered
                    // into eight bits.
                    1 => {
                        let mut t = diff | (diff >> 4);
                        t |= t >> 2;
                        t |= t >> 1;
                        t &= 0x0101_0101_0101_0101;
                        let lanes = t.wrapping_mul(0x0102_0408_1020_4080) >> 56;
                        let cx = first_cell + 8 * k;
                        bits[cx / 64] |= lanes << (cx % 64);
                        if cx % 64 > 56 {
                            bits[cx / 64 + 1] |= lanes >> (64 - cx % 64);
                        }
                        continue;
                    }
                    _ => {}
                }
                while diff != 0 {
                    let lane = diff.trailing_zeros() as usize / 8;
                    let cell = cell_of(k * 8 + lane);
                    let cx = first_cell + cell;
                    bits[cx / 64] |= 1 << (cx % 64);
                    // Skip the rest of this cell's lanes.
                    let next = (cell + 1) * cell_bytes - k * 8;
                    diff = if next >= 8 {
                        0
                    } else {
                        diff & (u64::MAX << (next * 8))
                    };
                }
            }
            let tail = ca.len() * 8;
            for (i, (p, q)) in a_rest.iter().zip(b_rest).enumerate() {
                if p != q {
                    let cx = first_cell + cell_of(tail + i);
                    bits[cx / 64] |= 1 << (cx % 64);
                    any = true;
                }
            }
            if any {
                self.touched = Some(match self.touched {
                    Some((a, b)) => (a.min(cy), b.max(cy)),
                    None => (cy, cy),
                });
            }
        }
    }

    /// Marks cell (cx, cy).
    #[inline]
    fn set(&mut self, cx: u32, cy: u32) {
        let i = cy as usize * self.words + cx as usize / 64;
        if let Some(word) = self.mask.get_mut(i) {
            *word |= 1 << (cx % 64);
            self.touched = Some(match self.touched {
                Some((a, b)) => (a.min(cy), b.max(cy)),
                None => (cy, cy),
            });
        }
    }

    /// The windows for the cells marked since the last call, as aligned panel
    /// rectangles into `out` (cleared first), ordered by their rows then columns; the
    /// marks are cleared. `hop(end, start)` is the bytes of a window on the rows of one
    /// just sent that ended at panel column `end`, starting at panel column `start`.
    pub fn choose(&mut self, out: &mut Vec<Rect>, hop_at: &dyn Fn(u32, u32) -> u32) {
        out.clear();
        self.cells.clear();
        self.open.clear();
        let Some((first, last)) = self.touched.take() else {
            return;
        };
        let c = self.cost;
        let cell = u64::from(c.cell.max(1));
        let hop = u64::from(c.hop);
        let window = u64::from(c.window + c.per_row);
        for y in first..=last {
            self.runs_of(y, cell, hop_at);
            self.next_open.clear();
            let mut j = 0;
            let mut alone_on_row = false;
            // Cells of this row left of `covered` are in a window extended down; windows
            // on this row end at `row_end` at most.
            let (mut covered, mut row_end) = (0, 0);
            for k in 0..self.runs.len() {
                let (a, b) = self.runs[k];
                let a = a.max(covered);
                if a >= b {
                    continue;
                }
                // Windows above that end left of this run cannot take it (nor later ones).
                while j < self.open.len() && self.cells[self.open[j]].x1 <= a {
                    j += 1;
                }
                if let Some(&i) = self.open.get(j) {
                    let w = self.cells[i];
                    if w.x0 < b {
                        // Overlapping columns: extend the window down (over the union of
                        // their columns) when the cells it adds cost no more than a window
                        // of the run's own. A window is widened only while it is one row
                        // tall, and never over a neighbour.
                        let (u0, u1) = (a.min(w.x0), b.max(w.x1));
                        let rows = u64::from(w.y1 - w.y0);
                        let added = (u64::from((u1 - u0) - (w.x1 - w.x0)) * rows
                            + u64::from((u1 - u0) - (b - a)))
                            * cell;
                        let fits = (u0, u1) == (w.x0, w.x1)
                            || (rows == 1
                                && u0 >= row_end
                                && (j == 0 || self.cells[self.open[j - 1]].x1 <= u0)
                                && self.open.get(j + 1).is_none_or(|&n| self.cells[n].x0 >= u1));
                        j += 1;
                        let alone = if alone_on_row { hop } else { window };
                        if fits && added <= alone {
                            self.cells[i] = Cells {
                                x0: u0,
                                y0: w.y0,
                                x1: u1,
                                y1: y + 1,
                            };
                            self.next_open.push(i);
                            (covered, row_end) = (u1, u1);
                            continue;
                        }
                    }
                }
                // Windows above under this run's columns end here.
                while j < self.open.len() && self.cells[self.open[j]].x0 < b {
                    j += 1;
                }
                alone_on_row = true;
                row_end = b;
                self.next_open.push(self.cells.len());
                self.cells.push(Cells {
                    x0: a,
                    y0: y,
                    x1: b,
                    y1: y + 1,
                });
            }
            std::mem::swap(&mut self.open, &mut self.next_open);
            if c.window == 0 {
                // Every row of cells pays its own address (page addressing): a taller
                // window saves nothing and would only widen over unchanged cells.
                self.open.clear();
            }
        }
        self.cells.sort_unstable_by_key(|w| (w.y0, w.y1, w.x0));
        let panel = Rect::new(0, 0, self.native.0, self.native.1);
        out.extend(self.cells.iter().map(|w| {
            Rect::new(
                (w.x0 * c.col) as i32,
                (w.y0 * c.row) as i32,
                (w.x1 - w.x0) * c.col,
                (w.y1 - w.y0) * c.row,
            )
            .intersect(&panel)
        }));
    }

    /// Row `y`'s runs of marked cells into `self.runs`, neighbouring runs joined where
    /// the cells between (`cell` bytes each) cost no more than a hop between them; the
    /// row's marks are cleared.
    fn runs_of(&mut self, y: u32, cell: u64, hop_at: &dyn Fn(u32, u32) -> u32) {
        let col = self.cost.col.max(1);
        self.runs.clear();
        let row = &mut self.mask[y as usize * self.words..(y as usize + 1) * self.words];
        let mut open: Option<(u32, u32)> = None;
        for (k, word) in row.iter_mut().enumerate() {
            let mut bits = std::mem::take(word);
            while bits != 0 {
                let start = bits.trailing_zeros();
                let len = (!(bits >> start)).trailing_zeros();
                let (a, b) = (k as u32 * 64 + start, k as u32 * 64 + start + len);
                bits = if start + len >= 64 {
                    0
                } else {
                    bits & (u64::MAX << (start + len))
                };
                open = match open {
                    Some((oa, ob))
                        if u64::from(a - ob) * cell <= u64::from(hop_at(ob * col, a * col)) =>
                    {
                        Some((oa, b))
                    }
                    Some(prev) => {
                        self.runs.push(prev);
                        Some((a, b))
                    }
                    None => Some((a, b)),
                };
            }
        }
        self.runs.extend(open);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Color, PixelMode};

    const SSD1322: WindowCost = WindowCost {
        col: 4,
        row: 1,
        window: 7,
        per_row: 0,
        cell: 2,
        hop: 4,
    };

    fn frames() -> (FrameBuffer, FrameBuffer) {
        (
            FrameBuffer::new(256, 64, PixelMode::Gray4),
            FrameBuffer::new(256, 64, PixelMode::Gray4),
        )
    }

    /// The windows (and their bytes) for a panel of the frames' size, mounted upright.
    fn windows_for(new: &FrameBuffer, held: &FrameBuffer, damage: &[Rect]) -> (Vec<Rect>, u64) {
        let mut w = Windows::new(SSD1322, (new.width(), new.height()));
        for r in damage {
            w.mark(new, held, *r, Rotation::R0);
        }
        let mut out = Vec::new();
        w.choose(&mut out, &|_, _| 4);
        let bytes = out.iter().map(|r| w.cost_of(*r)).sum();
        (out, bytes)
    }

    #[test]
    fn only_the_cells_that_differ_are_sent() {
        let (mut new, held) = frames();
        new.fill_rect(Rect::new(41, 10, 3, 2), Color::WHITE);
        let (rects, bytes) = windows_for(&new, &held, &[Rect::new(0, 0, 256, 64)]);
        assert_eq!(rects, [Rect::new(40, 10, 4, 2)]);
        assert_eq!(bytes, 7 + 2 * 2);
        let (none, zero) = windows_for(&held, &held, &[Rect::new(0, 0, 256, 64)]);
        assert!(
            none.is_empty() && zero == 0,
            "nothing differs, nothing is sent"
        );
    }

    #[test]
    fn far_apart_changes_get_windows_of_their_own_and_near_ones_share() {
        let (mut new, held) = frames();
        new.fill_rect(Rect::new(0, 0, 4, 1), Color::WHITE);
        new.fill_rect(Rect::new(200, 40, 4, 1), Color::WHITE);
        let (rects, bytes) = windows_for(&new, &held, &[Rect::new(0, 0, 256, 64)]);
        assert_eq!(rects.len(), 2, "{rects:?}");
        assert_eq!(bytes, 2 * (7 + 2));
        // Two changes 8 pixels apart on one row: the 2 cells between (4 bytes) cost less
        // than a second window (7 bytes).
        let (mut new, held) = frames();
        new.fill_rect(Rect::new(0, 5, 4, 1), Color::WHITE);
        new.fill_rect(Rect::new(12, 5, 4, 1), Color::WHITE);
        let (rects, _) = windows_for(&new, &held, &[Rect::new(0, 0, 256, 64)]);
        assert_eq!(rects, [Rect::new(0, 5, 16, 1)]);
    }

    #[test]
    fn the_windows_depend_on_the_pixels_not_on_the_damage_rectangles() {
        let (mut new, held) = frames();
        let mut seed = 11u32;
        for _ in 0..40 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let x = (seed >> 8) % 250;
            let y = (seed >> 20) % 60;
            new.fill_rect(Rect::new(x as i32, y as i32, 3, 2), Color::WHITE);
        }
        let whole = windows_for(&new, &held, &[Rect::new(0, 0, 256, 64)]);
        let halves = windows_for(
            &new,
            &held,
            &[Rect::new(0, 32, 256, 32), Rect::new(0, 0, 256, 32)],
        );
        let overlapping = windows_for(
            &new,
            &held,
            &[Rect::new(0, 0, 200, 64), Rect::new(100, 0, 156, 64)],
        );
        assert_eq!(whole, halves);
        assert_eq!(whole, overlapping);
        // Windows never overlap, and cover every changed pixel.
        let rects = &whole.0;
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} and {b:?}");
            }
        }
        for y in 0..64 {
            for x in 0..256 {
                if new.rgb(x, y) != held.rgb(x, y) {
                    assert!(
                        rects
                            .iter()
                            .any(|r| r.contains_rect(&Rect::new(x as i32, y as i32, 1, 1))),
                        "({x}, {y}) changed but is in no window"
                    );
                }
            }
        }
    }

    #[test]
    fn two_cells_compared_at_once_may_straddle_two_words_of_the_mask() {
        // A 512-pixel row is 128 cells, two words of the mask. Damage from pixel 4 puts
        // cells 63 and 64 in one 8-byte chunk: the first is the last bit of word 0, the
        // second the first bit of word 1.
        let held = FrameBuffer::new(512, 4, PixelMode::Gray4);
        let damage = [Rect::new(4, 0, 508, 4)];
        let mut new = held.clone();
        new.fill_rect(Rect::new(252, 1, 8, 1), Color::WHITE);
        assert_eq!(
            windows_for(&new, &held, &damage).0,
            [Rect::new(252, 1, 8, 1)]
        );
        // Only the second of the two changed: it alone is sent.
        let mut new = held.clone();
        new.fill_rect(Rect::new(257, 2, 1, 1), Color::WHITE);
        assert_eq!(
            windows_for(&new, &held, &damage).0,
            [Rect::new(256, 2, 4, 1)]
        );
    }

    #[test]
    fn a_turned_panel_marks_the_cells_the_pixels_land_in() {
        // A 64x256 frame on a 256x64 panel turned a quarter: frame pixel (0, 0) is
        // panel pixel (255, 0) (see Rotation::to_panel).
        let mut new = FrameBuffer::new(64, 256, PixelMode::Gray4);
        let held = FrameBuffer::new(64, 256, PixelMode::Gray4);
        new.fill_rect(Rect::new(0, 0, 1, 1), Color::WHITE);
        let mut w = Windows::new(SSD1322, (256, 64));
        w.mark(&new, &held, Rect::new(0, 0, 64, 256), Rotation::R90);
        let mut out = Vec::new();
        w.choose(&mut out, &|_, _| 4);
        let (px, py) = Rotation::R90.to_panel(0, 0, (256, 64));
        assert_eq!(out, [Rect::new((px / 4 * 4) as i32, py as i32, 4, 1)]);
    }
}
