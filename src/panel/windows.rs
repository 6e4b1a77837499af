//! Which windows carry a partial update: the cells (a controller's smallest writable
//! step, see [`WindowCost`]) whose pixels differ from what the panel already holds,
//! grouped into the windows that cost the fewest bytes by that controller's window cost.
//!
//! Only the pixels decide: the same two frames give the same windows whichever damage
//! rectangles pointed at the change (render-ahead's, an inline paint's, several frames'
//! merged), so the bytes of a run depend on its frames alone.
//!
//! The grouping is greedy and deterministic. Each row of cells becomes runs of changed
//! cells, neighbouring runs joined where the cells between cost less than another
//! window. Rows are taken top down; a run joins the window above it (or a little above:
//! [`REACH`]) when one window over both costs no more than two, and windows that grow
//! into others swallow them, so windows never overlap. A last pass joins pairs that
//! still save bytes, and one window over everything is taken when it is cheapest.

use crate::render::{FrameBuffer, Rect};

use super::driver::WindowCost;
use super::rotation::Rotation;

/// Blank rows of cells a window may grow over to take in a change below it.
const REACH: u32 = 2;

/// Windows up to which the last pass looks at every pair (it is cubic).
const PAIRWISE_UP_TO: usize = 16;

/// A rectangle of cells: columns `x0..x1`, rows `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cells {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

impl Cells {
    fn union(self, o: Cells) -> Cells {
        Cells {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }

    fn overlaps(self, o: Cells) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    fn cost(self, c: &WindowCost) -> u64 {
        c.bytes(self.x1 - self.x0, self.y1 - self.y0)
    }
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
            cells: Vec::new(),
        }
    }

    /// The bytes the aligned panel rectangle `r` costs as one window.
    pub fn cost_of(&self, r: Rect) -> u64 {
        let c = &self.cost;
        c.bytes(r.w.div_ceil(c.col.max(1)), r.h.div_ceil(c.row.max(1)))
    }

    /// Marks the cells of the panel pixels that differ between `new` and `held` inside
    /// the frame rectangle `r` (frames of one size and mode, mounted turned by `rotation`).
    pub fn mark(&mut self, new: &FrameBuffer, held: &FrameBuffer, r: Rect, rotation: Rotation) {
        let r = r.intersect(&new.bounds());
        if r.is_empty() || new.data().len() != held.data().len() {
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
                if a[i] == b[i] {
                    i += 1;
                    continue;
                }
                let x = x0 + i / ch;
                let (px, py) = rotation.to_panel(x as u32, y as u32, self.native);
                self.set(px / col, py / row);
                // Unturned, the rest of this cell's columns are marked already.
                let next = if rotation == Rotation::R0 {
                    ((px / col + 1) * col) as usize
                } else {
                    x + 1
                };
                i = (next - x0) * ch;
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
    /// rectangles into `out` (cleared first), and the bytes they cost; the marks are
    /// cleared.
    pub fn choose(&mut self, out: &mut Vec<Rect>) -> u64 {
        out.clear();
        self.cells.clear();
        let Some((first, last)) = self.touched.take() else {
            return 0;
        };
        let c = self.cost;
        let gap = u64::from(c.window + c.per_row) / u64::from(c.cell.max(1));
        for y in first..=last {
            self.runs_of(y, gap);
            for k in 0..self.runs.len() {
                let (x0, x1) = self.runs[k];
                self.place(Cells {
                    x0,
                    y0: y,
                    x1,
                    y1: y + 1,
                });
            }
        }
        self.join_pairs();
        let mut total: u64 = self.cells.iter().map(|w| w.cost(&c)).sum();
        if let Some(all) = self.cells.iter().copied().reduce(Cells::union)
            && self.cells.len() > 1
            && all.cost(&c) <= total
        {
            self.cells.clear();
            self.cells.push(all);
            total = all.cost(&c);
        }
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
        total
    }

    /// Row `y`'s runs of marked cells into `self.runs`, runs at most `gap` cells apart
    /// joined; the row's marks are cleared.
    fn runs_of(&mut self, y: u32, gap: u64) {
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
                    Some((oa, ob)) if u64::from(a - ob) <= gap => Some((oa, b)),
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

    /// Adds the run `n`: into the window it overlaps, or the nearby window it is
    /// cheapest to join (when joining costs no more than a window of its own), or alone.
    fn place(&mut self, n: Cells) {
        let c = self.cost;
        let mut best: Option<(usize, i64)> = None;
        for (i, w) in self.cells.iter().enumerate() {
            let forced = w.overlaps(n);
            // Too far above, or dearer as one window than as two even before what it
            // would take in: not a candidate (this keeps the closure for the few that are).
            if !forced && (w.y1 + REACH < n.y0 || w.union(n).cost(&c) > w.cost(&c) + n.cost(&c)) {
                continue;
            }
            let (u, absorbed) = self.closure(w.union(n), i);
            let saving = (w.cost(&c) + n.cost(&c) + absorbed) as i64 - u.cost(&c) as i64;
            if forced {
                best = Some((i, i64::MAX));
                break;
            }
            if saving >= 0 && best.is_none_or(|(_, s)| saving > s) {
                best = Some((i, saving));
            }
        }
        match best {
            Some((i, _)) => {
                let u = self.closure(self.cells[i].union(n), i).0;
                self.cells.retain(|w| !w.overlaps(u));
                self.cells.push(u);
            }
            None => self.cells.push(n),
        }
    }

    /// `u` grown by every window but `skip` it overlaps, until it overlaps no other; and
    /// the bytes of the windows it took in.
    fn closure(&self, mut u: Cells, skip: usize) -> (Cells, u64) {
        loop {
            let grown = self
                .cells
                .iter()
                .enumerate()
                .filter(|&(j, w)| j != skip && w.overlaps(u))
                .fold(u, |acc, (_, w)| acc.union(*w));
            if grown == u {
                break;
            }
            u = grown;
        }
        let absorbed = self
            .cells
            .iter()
            .enumerate()
            .filter(|&(j, w)| j != skip && w.overlaps(u))
            .map(|(_, w)| w.cost(&self.cost))
            .sum();
        (u, absorbed)
    }

    /// Joins pairs of windows while one window over a pair (and whatever it then
    /// overlaps) costs fewer bytes than they do.
    fn join_pairs(&mut self) {
        let c = self.cost;
        while self.cells.len() > 1 && self.cells.len() <= PAIRWISE_UP_TO {
            let mut best: Option<(Cells, i64)> = None;
            for i in 0..self.cells.len() {
                for j in i + 1..self.cells.len() {
                    let (a, b) = (self.cells[i], self.cells[j]);
                    if a.union(b).cost(&c) >= a.cost(&c) + b.cost(&c) {
                        continue;
                    }
                    let (u, absorbed) = self.closure(a.union(b), i);
                    // `absorbed` counts b (it overlaps u) and whatever else u took in.
                    let saving = (a.cost(&c) + absorbed) as i64 - u.cost(&c) as i64;
                    if saving > 0 && best.is_none_or(|(_, s)| saving > s) {
                        best = Some((u, saving));
                    }
                }
            }
            let Some((u, _)) = best else { break };
            self.cells.retain(|w| !w.overlaps(u));
            self.cells.push(u);
        }
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
    };

    fn frames() -> (FrameBuffer, FrameBuffer) {
        (
            FrameBuffer::new(256, 64, PixelMode::Gray4),
            FrameBuffer::new(256, 64, PixelMode::Gray4),
        )
    }

    fn windows_for(new: &FrameBuffer, held: &FrameBuffer, damage: &[Rect]) -> (Vec<Rect>, u64) {
        let mut w = Windows::new(SSD1322, (256, 64));
        for r in damage {
            w.mark(new, held, *r, Rotation::R0);
        }
        let mut out = Vec::new();
        let bytes = w.choose(&mut out);
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
    fn a_turned_panel_marks_the_cells_the_pixels_land_in() {
        // A 64x256 frame on a 256x64 panel turned a quarter: frame pixel (0, 0) is
        // panel pixel (255, 0) (see Rotation::to_panel).
        let mut new = FrameBuffer::new(64, 256, PixelMode::Gray4);
        let held = FrameBuffer::new(64, 256, PixelMode::Gray4);
        new.fill_rect(Rect::new(0, 0, 1, 1), Color::WHITE);
        let mut w = Windows::new(SSD1322, (256, 64));
        w.mark(&new, &held, Rect::new(0, 0, 64, 256), Rotation::R90);
        let mut out = Vec::new();
        w.choose(&mut out);
        let (px, py) = Rotation::R90.to_panel(0, 0, (256, 64));
        assert_eq!(out, [Rect::new((px / 4 * 4) as i32, py as i32, 4, 1)]);
    }
}
