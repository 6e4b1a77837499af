//! Which draw items lie in each horizontal band of the frame, so a damaged rectangle is
//! checked against the items near it rather than against every item (200 changing texts
//! would otherwise cost 200 × 200 overlap checks a tick).

use super::Rect;
use super::compose::DrawItem;

/// Height of a band in pixels.
const BAND: i32 = 16;

/// The draw items of each band, by index into the draw list, in paint order. Kept
/// between ticks so that building it again allocates nothing.
#[derive(Debug, Default)]
pub struct Bands {
    lists: Vec<Vec<u32>>,
}

impl Bands {
    /// Indexes `items` for a frame `height` pixels tall.
    pub fn build(&mut self, items: &[DrawItem], height: u32) {
        let n = (height as usize).div_ceil(BAND as usize).max(1);
        self.lists.resize_with(n, Vec::new);
        self.lists.truncate(n);
        for l in &mut self.lists {
            l.clear();
        }
        for (i, item) in items.iter().enumerate() {
            if let Some(range) = self.range(item.shown) {
                for list in &mut self.lists[range] {
                    list.push(i as u32);
                }
            }
        }
    }

    /// The indices of the items that may overlap `rect`, in paint order, into `out`;
    /// false (and `out` left empty) for a rectangle over more than two bands, which is
    /// better checked against every item.
    pub fn candidates(&self, rect: Rect, out: &mut Vec<u32>) -> bool {
        out.clear();
        let Some(range) = self.range(rect) else {
            return true;
        };
        match range.len() {
            1 => out.extend_from_slice(&self.lists[range.start]),
            2 => merge_sorted(&self.lists[range.start], &self.lists[range.start + 1], out),
            _ => return false,
        }
        true
    }

    /// The bands `r`'s rows fall in (none for an empty rectangle or one off the frame).
    fn range(&self, r: Rect) -> Option<std::ops::Range<usize>> {
        if r.is_empty() || self.lists.is_empty() {
            return None;
        }
        let last = self.lists.len() as i32 - 1;
        let top = r.y.div_euclid(BAND);
        let bottom = (r.y.saturating_add(r.h as i32) - 1).div_euclid(BAND);
        if bottom < 0 || top > last {
            return None;
        }
        Some(top.clamp(0, last) as usize..bottom.clamp(0, last) as usize + 1)
    }
}

/// The union of two ascending lists, ascending, each index once.
fn merge_sorted(a: &[u32], b: &[u32], out: &mut Vec<u32>) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
}

#[cfg(test)]
mod tests {
    use bevy_ecs::entity::Entity;

    use super::*;

    fn item(y: i32, h: u32) -> DrawItem {
        let shown = Rect::new(0, y, 10, h);
        DrawItem {
            entity: Entity::PLACEHOLDER,
            origin: (0, y),
            clip: shown,
            shown,
            repeat: None,
            opacity: 255,
            generation: 0,
            dirty: None,
        }
    }

    #[test]
    fn a_rectangle_gets_the_items_of_its_bands_in_paint_order_once() {
        let items = [
            item(0, 64),
            item(2, 8),
            item(20, 8),
            item(14, 4),
            item(40, 8),
        ];
        let mut b = Bands::default();
        b.build(&items, 64);
        let mut out = Vec::new();
        assert!(b.candidates(Rect::new(0, 3, 5, 4), &mut out));
        assert_eq!(out, [0, 1, 3], "band 0 only");
        assert!(b.candidates(Rect::new(0, 10, 5, 12), &mut out));
        assert_eq!(out, [0, 1, 2, 3], "bands 0 and 1, each item once");
        assert!(b.candidates(Rect::new(0, -30, 5, 4), &mut out));
        assert!(out.is_empty(), "above the frame");
        assert!(b.candidates(Rect::new(0, 60, 5, 40), &mut out));
        assert_eq!(out, [0], "past the bottom: the last band");
        assert!(
            !b.candidates(Rect::new(0, 0, 5, 40), &mut out),
            "three bands: all"
        );
    }
}
