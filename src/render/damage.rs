//! Merging a tick's damage: overlapping rectangles grow into one until the output is
//! pairwise disjoint, so no pixel is composed (or sent) twice.
//!
//! Each rectangle grows by the first output rectangle it overlaps, again until it
//! overlaps none, then joins the output. With many rectangles (200 small texts) the
//! search for that first overlap looks only at the outputs sharing one of its 16-row
//! bands; the result is the same as the plain scan's, order included.

use super::geometry::Rect;

/// Rows per band (as a shift).
const BAND_SHIFT: u32 = 4;

/// Bands kept; rows below the last band's top share it.
const BANDS: usize = 64;

/// Input rectangles from which the search goes by bands: below, scanning every output
/// costs less than keeping the bands.
const BANDED_FROM: usize = 24;

/// The merge's reusable memory.
#[derive(Debug, Default)]
pub struct Merger {
    /// Each output rectangle's left, top, right and bottom, beside it.
    edges: Vec<[i32; 4]>,
    /// For each band, the indices of the outputs that cover some of its rows.
    bands: Vec<Vec<u32>>,
}

impl Merger {
    /// Merges `rects` (empty ones dropped) into `out`, cleared first.
    pub fn merge_into(&mut self, rects: &[Rect], out: &mut Vec<Rect>) {
        out.clear();
        self.edges.clear();
        let banded = rects.len() >= BANDED_FROM;
        if banded {
            self.bands.resize_with(BANDS, Vec::new);
            self.bands.iter_mut().for_each(Vec::clear);
        }
        for r in rects.iter().filter(|r| !r.is_empty()) {
            let mut cur = *r;
            let mut e = edges_of(&cur);
            loop {
                let found = if banded {
                    self.first_in_bands(e)
                } else {
                    first_overlap(&self.edges, e)
                };
                let Some(i) = found else { break };
                if banded {
                    self.forget(i);
                }
                cur = cur.union(&out.swap_remove(i));
                self.edges.swap_remove(i);
                e = edges_of(&cur);
            }
            if banded {
                let i = self.edges.len() as u32;
                for b in band_range(&e) {
                    self.bands[b].push(i);
                }
            }
            out.push(cur);
            self.edges.push(e);
        }
    }

    /// The lowest index of an output overlapping `e`, looking in `e`'s bands only.
    fn first_in_bands(&self, e: [i32; 4]) -> Option<usize> {
        let mut best: Option<u32> = None;
        for b in band_range(&e) {
            for &i in &self.bands[b] {
                if best.is_none_or(|k| i < k) && overlap(&self.edges[i as usize], &e) {
                    best = Some(i);
                }
            }
        }
        best.map(|i| i as usize)
    }

    /// Takes output `i` out of its bands before it is swap-removed: the last output
    /// then takes its index.
    fn forget(&mut self, i: usize) {
        let last = self.edges.len() - 1;
        for b in band_range(&self.edges[i]) {
            let v = &mut self.bands[b];
            if let Some(p) = v.iter().position(|&x| x as usize == i) {
                v.swap_remove(p);
            }
        }
        if last != i {
            for b in band_range(&self.edges[last]) {
                for x in self.bands[b].iter_mut().filter(|x| **x as usize == last) {
                    *x = i as u32;
                }
            }
        }
    }
}

/// The band of row `y` (rows above 0 in the first, rows past the last band in it).
fn band(y: i32) -> usize {
    ((y.max(0) >> BAND_SHIFT) as usize).min(BANDS - 1)
}

/// The bands a rectangle with edges `e` covers (none for one that covers nothing).
fn band_range(e: &[i32; 4]) -> std::ops::Range<usize> {
    if e[0] >= e[2] || e[1] >= e[3] {
        return 0..0;
    }
    band(e[1])..band(e[3] - 1) + 1
}

/// Left, top, right and bottom of `r`; for a rectangle that covers nothing (after
/// saturation at the far edge), edges nothing overlaps.
fn edges_of(r: &Rect) -> [i32; 4] {
    let (right, bottom) = (r.right(), r.bottom());
    if right > r.x && bottom > r.y {
        [r.x, r.y, right, bottom]
    } else {
        [i32::MAX, i32::MAX, i32::MIN, i32::MIN]
    }
}

/// True when the rectangles with edges `o` and `e` share a pixel, as [`Rect::overlaps`]
/// says.
#[inline]
fn overlap(o: &[i32; 4], e: &[i32; 4]) -> bool {
    o[2] > e[0] && e[2] > o[0] && o[3] > e[1] && e[3] > o[1]
}

/// The first of `edges` overlapping `e`.
fn first_overlap(edges: &[[i32; 4]], e: [i32; 4]) -> Option<usize> {
    if e[0] >= e[2] {
        return None;
    }
    edges.iter().position(|o| overlap(o, &e))
}

/// Merges overlapping rectangles (a new vector; the engine reuses a [`Merger`]).
pub fn merge(rects: &[Rect]) -> Vec<Rect> {
    let mut out = Vec::new();
    Merger::default().merge_into(rects, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The merge as it reads: each rectangle grows by the first output it overlaps.
    fn merge_plainly(rects: &[Rect]) -> Vec<Rect> {
        let mut out: Vec<Rect> = Vec::new();
        for r in rects.iter().filter(|r| !r.is_empty()) {
            let mut cur = *r;
            while let Some(i) = out.iter().position(|o| o.overlaps(&cur)) {
                cur = cur.union(&out.swap_remove(i));
            }
            out.push(cur);
        }
        out
    }

    #[test]
    fn the_merge_by_edges_and_bands_equals_the_plain_merge() {
        // Few rectangles (scanned) and many (by bands), spread over more rows than the
        // bands hold, at the far edges of the coordinates, one merger reused.
        let mut seed = 7u32;
        let mut next = |m: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 8) % m
        };
        let mut merger = Merger::default();
        let mut out = Vec::new();
        for round in 0..400 {
            let n = 1 + next(if round % 2 == 0 { 30 } else { 250 }) as usize;
            let tall = if round % 3 == 0 { 2000 } else { 120 };
            let mut rects: Vec<Rect> = (0..n)
                .map(|_| {
                    Rect::new(
                        next(300) as i32 - 20,
                        next(tall) as i32 - 10,
                        next(30),
                        next(if round % 5 == 0 { 200 } else { 20 }),
                    )
                })
                .collect();
            if round % 10 == 0 {
                rects.push(Rect::new(i32::MAX - 1, 5, 40, 3));
                rects.push(Rect::new(i32::MIN, i32::MIN, u32::MAX, 9));
                rects.push(Rect::new(3, i32::MAX - 2, 9, 9));
            }
            merger.merge_into(&rects, &mut out);
            assert_eq!(out, merge_plainly(&rects), "{rects:?}");
        }
    }

    #[test]
    fn overlapping_damage_merges() {
        let m = merge(&[
            Rect::new(0, 0, 4, 4),
            Rect::new(2, 2, 4, 4),
            Rect::new(10, 10, 1, 1),
        ]);
        assert_eq!(m, vec![Rect::new(0, 0, 6, 6), Rect::new(10, 10, 1, 1)]);
    }
}
