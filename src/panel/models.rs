//! The one table of panel models: name, controller, size, pixel mode, driver and
//! emulator. Parsing model names, the command line's help, the scene check and the
//! emulators all read it; adding a model is a driver (and emulator) plus one row here.

use super::driver::mipi::{Tft, TftChip};
use super::driver::pages::{PagedChip, PagedOled};
use super::driver::{Driver, ssd1322};
use super::emulator::{Emulator, mipi, pages};
use super::error::PanelError;
use super::rotation::Rotation;
use crate::render::PixelMode;

/// One panel model.
#[derive(Clone, Copy)]
pub struct ModelRow {
    /// The command-line name (`ssd1306-128x32`).
    pub name: &'static str,
    /// The controller a scene names in `display.driver` (`Ssd1306`).
    pub controller: &'static str,
    /// The panel's size as the controller scans it.
    pub native: (u32, u32),
    /// The pixel mode of its frames.
    pub mode: PixelMode,
    /// The fastest SPI clock its controller's datasheet allows, in Hz (`tinydisplay
    /// doctor` warns above it; many modules work faster). From the shortest serial clock
    /// cycle of the 4-wire SPI timing tables: 100 ns on the SSD1306, SSD1322 and ILI9341,
    /// 250 ns on the SH1106, 16 ns on the ST7789.
    pub spi_max_hz: u32,
    /// Makes its driver.
    pub driver: fn() -> Box<dyn Driver>,
    /// Makes a fresh emulator of its controller.
    pub emulator: fn() -> Box<dyn Emulator>,
}

impl std::fmt::Debug for ModelRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelRow")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Every model. The first one that fits a frame is the one `bench` and `replay` pick.
pub const MODELS: &[ModelRow] = &[
    ModelRow {
        name: "ssd1306",
        controller: "Ssd1306",
        native: (128, 64),
        mode: PixelMode::Mono,
        spi_max_hz: 10_000_000,
        driver: || paged(PagedChip::Ssd1306, 64),
        emulator: || Box::new(pages::PagesEmulator::ssd1306(64)),
    },
    ModelRow {
        name: "ssd1306-128x32",
        controller: "Ssd1306",
        native: (128, 32),
        mode: PixelMode::Mono,
        spi_max_hz: 10_000_000,
        driver: || paged(PagedChip::Ssd1306, 32),
        emulator: || Box::new(pages::PagesEmulator::ssd1306(32)),
    },
    ModelRow {
        name: "sh1106",
        controller: "Sh1106",
        native: (128, 64),
        mode: PixelMode::Mono,
        spi_max_hz: 4_000_000,
        driver: || paged(PagedChip::Sh1106, 64),
        emulator: || Box::new(pages::PagesEmulator::sh1106(64)),
    },
    ModelRow {
        name: "sh1106-128x32",
        controller: "Sh1106",
        native: (128, 32),
        mode: PixelMode::Mono,
        spi_max_hz: 4_000_000,
        driver: || paged(PagedChip::Sh1106, 32),
        emulator: || Box::new(pages::PagesEmulator::sh1106(32)),
    },
    ModelRow {
        name: "ssd1322",
        controller: "Ssd1322",
        native: (256, 64),
        mode: PixelMode::Gray4,
        spi_max_hz: 10_000_000,
        driver: || Box::new(ssd1322::Ssd1322),
        emulator: || Box::new(super::emulator::ssd1322::Ssd1322Emulator::new()),
    },
    ModelRow {
        name: "st7789",
        controller: "St7789",
        native: (240, 240),
        mode: PixelMode::Rgb565,
        spi_max_hz: 62_500_000,
        driver: || tft(TftChip::St7789, 240),
        emulator: || Box::new(mipi::MipiEmulator::st7789(240)),
    },
    ModelRow {
        name: "st7789-240x320",
        controller: "St7789",
        native: (240, 320),
        mode: PixelMode::Rgb565,
        spi_max_hz: 62_500_000,
        driver: || tft(TftChip::St7789, 320),
        emulator: || Box::new(mipi::MipiEmulator::st7789(320)),
    },
    ModelRow {
        name: "ili9341",
        controller: "Ili9341",
        native: (240, 320),
        mode: PixelMode::Rgb565,
        spi_max_hz: 10_000_000,
        driver: || tft(TftChip::Ili9341, 320),
        emulator: || Box::new(mipi::MipiEmulator::ili9341()),
    },
];

fn paged(chip: PagedChip, height: u32) -> Box<dyn Driver> {
    Box::new(PagedOled { chip, height })
}

fn tft(chip: TftChip, height: u32) -> Box<dyn Driver> {
    Box::new(Tft { chip, height })
}

/// The command-line names of every model, comma separated (for help and errors).
pub fn names() -> String {
    MODELS.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
}

/// The controllers scenes can name, each once, comma separated (for errors).
pub fn controllers() -> String {
    let mut names: Vec<&str> = Vec::new();
    for row in MODELS {
        if !names.contains(&row.controller) {
            names.push(row.controller);
        }
    }
    names.join(", ")
}

/// A panel tinydisplay drives: a row of [`MODELS`].
#[derive(Clone, Copy)]
pub struct Model(&'static ModelRow);

impl PartialEq for Model {
    fn eq(&self, other: &Model) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for Model {}

impl std::hash::Hash for Model {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

impl Model {
    /// Every model, in table order.
    pub fn all() -> impl Iterator<Item = Model> + Clone {
        MODELS.iter().map(Model)
    }

    /// The model of that command-line name (`ssd1306-128x32`; any case), if there is one.
    pub fn named(name: &str) -> Option<Model> {
        Model::all().find(|m| m.name().eq_ignore_ascii_case(name))
    }

    /// Its row of the model table.
    pub const fn row(self) -> &'static ModelRow {
        self.0
    }

    /// The command-line name (`ssd1306`, `ssd1306-128x32`, `st7789-240x320`, ...).
    pub const fn name(self) -> &'static str {
        self.0.name
    }

    /// The controller it has.
    pub const fn controller(self) -> Controller {
        Controller(self.0.controller)
    }

    /// The panel's size as the controller scans it.
    pub const fn native(self) -> (u32, u32) {
        self.0.native
    }

    /// The pixel mode of its frames.
    pub const fn mode(self) -> PixelMode {
        self.0.mode
    }

    /// The fastest SPI clock its controller's datasheet allows, in Hz.
    pub const fn spi_max_hz(self) -> u32 {
        self.0.spi_max_hz
    }

    /// Its driver.
    pub fn driver(self) -> Box<dyn Driver> {
        (self.0.driver)()
    }

    /// A fresh emulator of its controller.
    pub fn emulator(self) -> Box<dyn Emulator> {
        (self.0.emulator)()
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
        Model::all().find_map(|m| m.fits(size, mode).map(|r| (m, r)))
    }

    /// The model of a scene's `driver` for a frame of `size` turned by `rotation`.
    pub fn for_scene(
        controller: Controller,
        size: (u32, u32),
        rotation: Rotation,
    ) -> Result<Model, PanelError> {
        let native = rotation.frame_size(size);
        let candidates = Model::all().filter(|m| m.controller() == controller);
        if let Some(m) = candidates.clone().find(|m| m.native() == native) {
            return Ok(m);
        }
        let sizes: Vec<String> = candidates
            .map(|m| {
                let (w, h) = rotation.frame_size(m.native());
                format!("{w}x{h}")
            })
            .collect();
        Err(PanelError::Size {
            controller: controller.name().to_string(),
            sizes: sizes.join(" or "),
            width: size.0,
            height: size.1,
        })
    }
}

impl std::str::FromStr for Model {
    type Err = PanelError;

    fn from_str(s: &str) -> Result<Model, PanelError> {
        Model::named(s).ok_or_else(|| PanelError::UnknownModel {
            name: s.to_ascii_lowercase(),
            known: names(),
        })
    }
}

/// The controller named in a scene's `display: (driver: ...)`: one of the table's
/// `controller` names, written as a RON identifier (`driver: Ssd1306`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Controller(&'static str);

impl Controller {
    /// The controller of that name (`Ssd1306`), if a model in the table has it.
    pub fn named(name: &str) -> Option<Controller> {
        MODELS
            .iter()
            .find(|r| r.controller == name)
            .map(|r| Controller(r.controller))
    }

    /// Its name as a scene writes it.
    pub const fn name(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::fmt::Display for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Controller {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Controller, D::Error> {
        d.deserialize_enum("Controller", &[], ControllerVisitor)
    }
}

/// Reads a controller name, written as an enum variant (or a string).
struct ControllerVisitor;

impl ControllerVisitor {
    fn find<E: serde::de::Error>(name: &str) -> Result<Controller, E> {
        Controller::named(name).ok_or_else(|| {
            E::custom(format!(
                "unknown driver `{name}`, expected one of {}",
                controllers()
            ))
        })
    }
}

impl<'de> serde::de::Visitor<'de> for ControllerVisitor {
    type Value = Controller;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "a display controller ({})", controllers())
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Controller, E> {
        Self::find(v)
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Controller, A::Error> {
        use serde::de::VariantAccess;
        let (Ident(name), variant) = data.variant()?;
        variant.unit_variant()?;
        Self::find(&name)
    }
}

/// An enum variant's name, read as an identifier (not a quoted string).
struct Ident(String);

impl<'de> serde::Deserialize<'de> for Ident {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Ident, D::Error> {
        /// Takes the identifier's text.
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Ident;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a controller name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Ident, E> {
                Ok(Ident(v.to_string()))
            }
        }
        d.deserialize_identifier(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_agree_with_their_drivers_and_emulators_and_names_are_unique() {
        for row in MODELS {
            assert_eq!((row.emulator)().size(), row.native, "{row:?}");
            assert_eq!(
                ((row.driver)().native(), (row.driver)().mode()),
                (row.native, row.mode)
            );
        }
        let mut names: Vec<&str> = MODELS.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), MODELS.len());
        assert_eq!(controllers(), "Ssd1306, Sh1106, Ssd1322, St7789, Ili9341");
    }

    #[test]
    fn a_scene_size_picks_the_model() {
        let c = |name| Controller::named(name).expect("a controller");
        let m = |c, w, h, r| Model::for_scene(c, (w, h), r).map(Model::name);
        assert_eq!(m(c("Ssd1306"), 128, 32, Rotation::R0), Ok("ssd1306-128x32"));
        assert_eq!(m(c("Ssd1306"), 64, 128, Rotation::R90), Ok("ssd1306"));
        assert_eq!(m(c("Ili9341"), 320, 240, Rotation::R270), Ok("ili9341"));
        let e = m(c("Ili9341"), 320, 240, Rotation::R0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("240x320"), "{e}");
        assert_eq!(
            "ST7789-240x320".parse::<Model>().map(Model::name),
            Ok("st7789-240x320")
        );
        assert!("ssd9999".parse::<Model>().is_err());
        assert!(Controller::named("Ssd9999").is_none());
    }
}
