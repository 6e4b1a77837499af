//! Display controllers: each [`Driver`] knows its controller's init sequence, its
//! commands for contrast, invert and sleep, and how to pack a panel rectangle of the frame
//! into the bytes its RAM wants, through its window or page addressing.

use crate::render::{FrameBuffer, PixelMode, Rect};

use super::error::PanelError;
use super::models::{MODELS, ModelRow};
use super::rotation::Rotation;
use super::wire::Wire;

pub mod ili9341;
pub mod mipi;
pub mod pages;
pub mod sh1106;
pub mod ssd1306;
pub mod ssd1322;
pub mod st7789;

/// A display controller driver.
pub trait Driver: Send {
    /// The panel's size as the controller scans it (before rotation).
    fn native(&self) -> (u32, u32);

    /// The pixel mode of the frames it shows.
    fn mode(&self) -> PixelMode;

    /// The whole power-on sequence, ending with the display on.
    fn init(&self, settings: &Settings, wire: &mut Wire);

    /// Sets contrast (OLED) or brightness (TFT), 0..=255.
    fn contrast(&self, level: u8, wire: &mut Wire);

    /// Shows the panel inverted (or not).
    fn invert(&self, on: bool, wire: &mut Wire);

    /// Puts the panel to sleep (display off, low power) or wakes it.
    fn sleep(&self, asleep: bool, wire: &mut Wire);

    /// Grows a panel rectangle to what the controller's addressing can write.
    fn align(&self, r: Rect) -> Rect;

    /// Writes the (aligned) panel rectangle `r` of `frame` to the controller's RAM.
    fn pack(&self, frame: &Pixels, r: Rect, wire: &mut Wire);
}

/// Settings sent at init.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Contrast or brightness, 0..=255.
    pub contrast: u8,
    /// Inverted display.
    pub invert: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            contrast: 0xCF,
            invert: false,
        }
    }
}

/// A frame seen in panel coordinates: rotation is undone pixel by pixel.
pub struct Pixels<'a> {
    frame: &'a FrameBuffer,
    rotation: Rotation,
    native: (u32, u32),
}

impl<'a> Pixels<'a> {
    /// Views `frame` (whose size is `rotation.frame_size(native)`) as the panel scans it.
    pub fn new(frame: &'a FrameBuffer, rotation: Rotation, native: (u32, u32)) -> Self {
        Pixels {
            frame,
            rotation,
            native,
        }
    }

    /// Index of panel pixel (px, py) in the frame's bytes.
    #[inline]
    fn index(&self, px: u32, py: u32) -> usize {
        let (x, y) = self.rotation.to_frame(px, py, self.native);
        (y as usize * self.frame.width() as usize + x as usize) * self.frame.mode().channels()
    }

    /// Grey level of panel pixel (px, py) (the first channel for colour frames).
    #[inline]
    pub fn gray(&self, px: u32, py: u32) -> u8 {
        self.frame.data()[self.index(px, py)]
    }

    /// Grey levels of panel pixels `x0..x1` of row `py`, when they lie in one frame row
    /// (no rotation, one byte per pixel): the fast path of packers.
    #[inline]
    pub fn gray_row(&self, py: u32, x0: u32, x1: u32) -> Option<&'a [u8]> {
        if self.rotation != Rotation::R0 || self.frame.mode().channels() != 1 {
            return None;
        }
        let w = self.frame.width() as usize;
        let start = py as usize * w + x0 as usize;
        self.frame.data().get(start..start + (x1 - x0) as usize)
    }

    /// RGB of panel pixel (px, py) of a colour frame.
    #[inline]
    pub fn rgb(&self, px: u32, py: u32) -> [u8; 3] {
        let i = self.index(px, py);
        let d = self.frame.data();
        [d[i], d[i + 1], d[i + 2]]
    }
}

/// The panels tinydisplay drives, by controller and size; each has a row in
/// [`MODELS`] (in this order) that says everything else about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Model {
    /// SSD1306, 128×64 mono.
    Ssd1306,
    /// SSD1306, 128×32 mono.
    Ssd1306x32,
    /// SH1106, 128×64 mono.
    Sh1106,
    /// SH1106, 128×32 mono.
    Sh1106x32,
    /// SSD1322, 256×64 4-bit grey.
    Ssd1322,
    /// ST7789, 240×240 RGB565.
    St7789,
    /// ST7789, 240×320 RGB565.
    St7789x320,
    /// ILI9341, 240×320 RGB565 (320×240 turned 90° or 270°).
    Ili9341,
}

impl Model {
    /// Every model, in table order.
    pub const ALL: [Model; MODELS.len()] = {
        let mut all = [Model::Ssd1306; MODELS.len()];
        let mut i = 0;
        while i < MODELS.len() {
            all[i] = MODELS[i].model;
            i += 1;
        }
        all
    };

    /// Its row of the model table.
    pub const fn row(self) -> &'static ModelRow {
        &MODELS[self as usize]
    }

    /// The command-line name (`ssd1306`, `ssd1306-128x32`, `st7789-240x320`, ...).
    pub const fn name(self) -> &'static str {
        self.row().name
    }

    /// The panel's size as the controller scans it.
    pub const fn native(self) -> (u32, u32) {
        self.row().native
    }

    /// The pixel mode of its frames.
    pub const fn mode(self) -> PixelMode {
        self.row().mode
    }

    /// Its driver.
    pub fn driver(self) -> Box<dyn Driver> {
        (self.row().driver)()
    }

    /// The rotation in which this model shows a frame of `size` in `mode`, if any.
    pub fn fits(self, size: (u32, u32), mode: PixelMode) -> Option<Rotation> {
        Rotation::ALL
            .into_iter()
            .find(|r| r.frame_size(self.native()) == size && self.mode() == mode)
    }

    /// The first model (in table order) that shows a frame of `size` in `mode`, and how
    /// it is turned.
    pub fn fitting(size: (u32, u32), mode: PixelMode) -> Option<(Model, Rotation)> {
        Model::ALL
            .into_iter()
            .find_map(|m| m.fits(size, mode).map(|r| (m, r)))
    }

    /// The model of a scene's `driver` for a frame of `size` turned by `rotation`.
    pub fn for_scene(
        controller: Controller,
        size: (u32, u32),
        rotation: Rotation,
    ) -> Result<Model, PanelError> {
        let native = rotation.frame_size(size);
        let candidates = MODELS.iter().filter(|r| r.controller == controller);
        if let Some(row) = candidates.clone().find(|r| r.native == native) {
            return Ok(row.model);
        }
        let sizes: Vec<String> = candidates
            .map(|r| {
                let (w, h) = rotation.frame_size(r.native);
                format!("{w}x{h}")
            })
            .collect();
        Err(PanelError::Size {
            controller: format!("{controller:?}"),
            sizes: sizes.join(" or "),
            width: size.0,
            height: size.1,
        })
    }
}

impl std::str::FromStr for Model {
    type Err = PanelError;

    fn from_str(s: &str) -> Result<Model, PanelError> {
        let s = s.to_ascii_lowercase();
        MODELS
            .iter()
            .find(|r| r.name == s)
            .map(|r| r.model)
            .ok_or_else(|| PanelError::UnknownModel {
                name: s,
                known: super::models::names(),
            })
    }
}

/// The controller named in a scene's `display: (driver: ...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum Controller {
    /// SSD1306 OLED (128×64 or 128×32, mono).
    Ssd1306,
    /// SH1106 OLED (128×64 or 128×32, mono).
    Sh1106,
    /// SSD1322 OLED (256×64, 16 greys).
    Ssd1322,
    /// ST7789 TFT (240×240 or 240×320, RGB565).
    St7789,
    /// ILI9341 TFT (240×320, RGB565).
    Ili9341,
}

/// Rounds a span [a, b) out to multiples of `n`.
pub(crate) fn align_span(a: i32, b: i32, n: i32) -> (i32, i32) {
    (a.div_euclid(n) * n, (b + n - 1).div_euclid(n) * n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scene_size_picks_the_model() {
        let m = |c, w, h, r| Model::for_scene(c, (w, h), r);
        assert_eq!(
            m(Controller::Ssd1306, 128, 32, Rotation::R0),
            Ok(Model::Ssd1306x32)
        );
        assert_eq!(
            m(Controller::Ssd1306, 64, 128, Rotation::R90),
            Ok(Model::Ssd1306)
        );
        assert_eq!(
            m(Controller::Ili9341, 320, 240, Rotation::R270),
            Ok(Model::Ili9341)
        );
        let e = m(Controller::Ili9341, 320, 240, Rotation::R0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("240x320"), "{e}");
        assert_eq!("ST7789-240x320".parse(), Ok(Model::St7789x320));
        assert!("ssd9999".parse::<Model>().is_err());
    }
}
