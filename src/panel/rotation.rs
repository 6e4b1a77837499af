//! How the panel is mounted: the scene's frame is turned by 0, 90, 180 or 270 degrees
//! clockwise on the glass. Rotation is applied while packing, so every controller keeps
//! its one well-tested orientation and partial updates work the same in every rotation.

use serde::Deserialize;

use super::error::PanelError;
use crate::render::Rect;

/// Clockwise turn of the frame on the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Hash)]
#[serde(try_from = "u16")]
pub enum Rotation {
    /// As the controller scans.
    #[default]
    R0,
    /// A quarter turn clockwise: the frame is the panel's height wide.
    R90,
    /// Upside down.
    R180,
    /// Three quarters clockwise.
    R270,
}

impl TryFrom<u16> for Rotation {
    type Error = PanelError;

    fn try_from(deg: u16) -> Result<Rotation, PanelError> {
        match deg {
            0 => Ok(Rotation::R0),
            90 => Ok(Rotation::R90),
            180 => Ok(Rotation::R180),
            270 => Ok(Rotation::R270),
            _ => Err(PanelError::Rotation(deg.to_string())),
        }
    }
}

impl std::str::FromStr for Rotation {
    type Err = PanelError;

    fn from_str(s: &str) -> Result<Rotation, PanelError> {
        let deg: u16 = s
            .parse()
            .map_err(|_| PanelError::Rotation(format!("{s:?}")))?;
        Rotation::try_from(deg)
    }
}

impl Rotation {
    /// Every rotation, for tests and loops.
    pub const ALL: [Rotation; 4] = [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270];

    /// True when the frame's width runs along the panel's height.
    pub const fn swaps_axes(self) -> bool {
        matches!(self, Rotation::R90 | Rotation::R270)
    }

    /// The frame size for a panel of `native` size.
    pub const fn frame_size(self, native: (u32, u32)) -> (u32, u32) {
        if self.swaps_axes() {
            (native.1, native.0)
        } else {
            native
        }
    }

    /// The panel pixel that shows frame pixel (x, y), on a panel of `native` size.
    pub const fn to_panel(self, x: u32, y: u32, native: (u32, u32)) -> (u32, u32) {
        let (w, h) = native;
        match self {
            Rotation::R0 => (x, y),
            Rotation::R90 => (w - 1 - y, x),
            Rotation::R180 => (w - 1 - x, h - 1 - y),
            Rotation::R270 => (y, h - 1 - x),
        }
    }

    /// The frame pixel shown at panel pixel (px, py), on a panel of `native` size.
    pub const fn to_frame(self, px: u32, py: u32, native: (u32, u32)) -> (u32, u32) {
        let (w, h) = native;
        match self {
            Rotation::R0 => (px, py),
            Rotation::R90 => (py, w - 1 - px),
            Rotation::R180 => (w - 1 - px, h - 1 - py),
            Rotation::R270 => (h - 1 - py, px),
        }
    }

    /// The panel rectangle covering frame rectangle `r` (non-empty, inside the frame).
    pub fn rect_to_panel(self, r: Rect, native: (u32, u32)) -> Rect {
        let (x0, y0) = self.to_panel(r.x as u32, r.y as u32, native);
        let (x1, y1) = self.to_panel(r.right() as u32 - 1, r.bottom() as u32 - 1, native);
        let (lx, hx) = (x0.min(x1), x0.max(x1));
        let (ly, hy) = (y0.min(y1), y0.max(y1));
        Rect::new(lx as i32, ly as i32, hx - lx + 1, hy - ly + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_frame_undoes_to_panel() {
        let native = (5, 3);
        for r in Rotation::ALL {
            let (fw, fh) = r.frame_size(native);
            for y in 0..fh {
                for x in 0..fw {
                    let (px, py) = r.to_panel(x, y, native);
                    assert!(px < native.0 && py < native.1, "{r:?}");
                    assert_eq!(r.to_frame(px, py, native), (x, y), "{r:?}");
                }
            }
        }
    }

    #[test]
    fn a_quarter_turn_puts_the_top_left_at_the_top_right() {
        assert_eq!(Rotation::R90.to_panel(0, 0, (128, 64)), (127, 0));
        assert_eq!(
            Rotation::R90.rect_to_panel(Rect::new(0, 0, 64, 8), (128, 64)),
            Rect::new(120, 0, 8, 64)
        );
    }
}
