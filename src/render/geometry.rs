//! Integer rectangles and anchors: the geometry every widget, layer and damage region uses.

use serde::Deserialize;

/// An axis-aligned rectangle in pixels; `x`/`y` may be negative, an empty one has `w == 0 || h == 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Rect {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width in pixels.
    pub w: u32,
    /// Height in pixels.
    pub h: u32,
}

impl Rect {
    /// A rectangle from its top-left corner and size.
    pub const fn new(x: i32, y: i32, w: u32, h: u32) -> Self {
        Self { x, y, w, h }
    }

    /// True when the rectangle covers no pixel.
    pub const fn is_empty(&self) -> bool {
        self.w == 0 || self.h == 0
    }

    /// One past the right edge.
    pub const fn right(&self) -> i32 {
        // Saturating: a scene may place a widget near i32::MAX (never a panic).
        let w = if self.w > i32::MAX as u32 {
            i32::MAX
        } else {
            self.w as i32
        };
        self.x.saturating_add(w)
    }

    /// One past the bottom edge.
    pub const fn bottom(&self) -> i32 {
        let h = if self.h > i32::MAX as u32 {
            i32::MAX
        } else {
            self.h as i32
        };
        self.y.saturating_add(h)
    }

    /// Number of pixels covered.
    pub const fn area(&self) -> u64 {
        self.w as u64 * self.h as u64
    }

    /// The overlap of two rectangles (empty when they do not overlap).
    pub fn intersect(&self, other: &Rect) -> Rect {
        let x0 = self.x.max(other.x);
        let y0 = self.y.max(other.y);
        let x1 = self.right().min(other.right());
        let y1 = self.bottom().min(other.bottom());
        if x1 <= x0 || y1 <= y0 {
            Rect::default()
        } else {
            Rect::new(x0, y0, (x1 - x0) as u32, (y1 - y0) as u32)
        }
    }

    /// The smallest rectangle holding both (an empty side is ignored).
    pub fn union(&self, other: &Rect) -> Rect {
        if self.is_empty() {
            return *other;
        }
        if other.is_empty() {
            return *self;
        }
        let x0 = self.x.min(other.x);
        let y0 = self.y.min(other.y);
        let x1 = self.right().max(other.right());
        let y1 = self.bottom().max(other.bottom());
        Rect::new(x0, y0, (x1 - x0) as u32, (y1 - y0) as u32)
    }

    /// True when the rectangles share at least one pixel.
    #[inline]
    pub fn overlaps(&self, other: &Rect) -> bool {
        // The same as a non-empty `intersect`, without building it: min(right) > max(x)
        // and min(bottom) > max(y), the tests most often false first.
        let (r1, b1, r2, b2) = (self.right(), self.bottom(), other.right(), other.bottom());
        r1 > other.x
            && r2 > self.x
            && b1 > other.y
            && b2 > self.y
            && r1 > self.x
            && b1 > self.y
            && r2 > other.x
            && b2 > other.y
    }

    /// True when `other` lies entirely inside `self`.
    pub fn contains_rect(&self, other: &Rect) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.right() <= self.right()
            && other.bottom() <= self.bottom()
    }

    /// The rectangle moved by (dx, dy).
    pub const fn offset(&self, dx: i32, dy: i32) -> Rect {
        Rect::new(
            self.x.saturating_add(dx),
            self.y.saturating_add(dy),
            self.w,
            self.h,
        )
    }
}

/// Which point of a widget its (x, y) refers to: l/m/r horizontally, t/m/b vertically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Anchor {
    /// Left, top (the default).
    #[default]
    Lt,
    /// Middle, top.
    Mt,
    /// Right, top.
    Rt,
    /// Left, middle.
    Lm,
    /// Middle, middle.
    Mm,
    /// Right, middle.
    Rm,
    /// Left, bottom.
    Lb,
    /// Middle, bottom.
    Mb,
    /// Right, bottom.
    Rb,
}

impl Anchor {
    /// The top-left corner of a `w`×`h` box whose anchor point is at (x, y) inside a parent of size `parent`.
    ///
    /// For right/bottom anchors, x and y count from the parent's right/bottom edge inwards, so
    /// `Rt` at (4, 4) sits 4 px in from the top-right corner; middle anchors count from the centre.
    pub fn place(self, x: i32, y: i32, w: u32, h: u32, parent: (u32, u32)) -> (i32, i32) {
        let (pw, ph) = (parent.0 as i32, parent.1 as i32);
        let (w, h) = (w as i32, h as i32);
        // Saturating throughout: far-off positions stay far off instead of panicking.
        let left = match self {
            Anchor::Lt | Anchor::Lm | Anchor::Lb => x,
            Anchor::Mt | Anchor::Mm | Anchor::Mb => {
                (pw / 2).saturating_add(x).saturating_sub(w / 2)
            }
            Anchor::Rt | Anchor::Rm | Anchor::Rb => pw.saturating_sub(x).saturating_sub(w),
        };
        let top = match self {
            Anchor::Lt | Anchor::Mt | Anchor::Rt => y,
            Anchor::Lm | Anchor::Mm | Anchor::Rm => {
                (ph / 2).saturating_add(y).saturating_sub(h / 2)
            }
            Anchor::Lb | Anchor::Mb | Anchor::Rb => ph.saturating_sub(y).saturating_sub(h),
        };
        (left, top)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn overlaps_is_a_non_empty_intersection_even_at_the_extremes() {
        let v = [
            i32::MIN,
            -1000,
            -7,
            -1,
            0,
            1,
            3,
            8,
            1000,
            i32::MAX - 5,
            i32::MAX,
        ];
        let sizes = [0u32, 1, 2, 5, 40, u32::MAX];
        let mut rects = Vec::new();
        for &x in &v {
            for &w in &sizes {
                rects.push(Rect::new(x, x / 2, w, sizes[(w % 5) as usize]));
                rects.push(Rect::new(x, 3, w, 4));
            }
        }
        for a in &rects {
            for b in &rects {
                assert_eq!(a.overlaps(b), !a.intersect(b).is_empty(), "{a:?} {b:?}");
            }
        }
    }
    use super::*;

    #[test]
    fn intersect_and_union() {
        let a = Rect::new(0, 0, 10, 10);
        let b = Rect::new(5, 5, 10, 10);
        assert_eq!(a.intersect(&b), Rect::new(5, 5, 5, 5));
        assert_eq!(a.union(&b), Rect::new(0, 0, 15, 15));
        assert!(a.intersect(&Rect::new(10, 0, 3, 3)).is_empty());
        assert_eq!(Rect::default().union(&b), b);
    }

    #[test]
    fn anchors_place_from_their_edge() {
        let parent = (100, 50);
        assert_eq!(Anchor::Lt.place(4, 3, 10, 10, parent), (4, 3));
        assert_eq!(Anchor::Rt.place(4, 4, 16, 16, parent), (80, 4));
        assert_eq!(Anchor::Mm.place(0, 0, 10, 10, parent), (45, 20));
        assert_eq!(Anchor::Rb.place(0, 0, 10, 10, parent), (90, 40));
        assert_eq!(Anchor::Mb.place(0, 2, 10, 10, parent), (45, 38));
    }
}
