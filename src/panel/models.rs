//! The one table of panel models: name, controller, size, pixel mode, driver and
//! emulator. Parsing model names, the command line's help, the scene check and the
//! emulators all read it; adding a model is a driver (and emulator) plus one row here.

use super::driver::mipi::{Tft, TftChip};
use super::driver::pages::{PagedChip, PagedOled};
use super::driver::{Controller, Driver, Model, ssd1322};
use super::emulator::{Emulator, mipi, pages};
use crate::render::PixelMode;

/// One panel model.
#[derive(Clone, Copy)]
pub struct ModelRow {
    /// The model this row describes.
    pub model: Model,
    /// The command-line name (`ssd1306-128x32`).
    pub name: &'static str,
    /// The controller a scene names in `display.driver`.
    pub controller: Controller,
    /// The panel's size as the controller scans it.
    pub native: (u32, u32),
    /// The pixel mode of its frames.
    pub mode: PixelMode,
    /// Makes its driver.
    pub driver: fn() -> Box<dyn Driver>,
    /// Makes a fresh emulator of its controller.
    pub emulator: fn() -> Box<dyn Emulator>,
}

impl std::fmt::Debug for ModelRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelRow")
            .field("model", &self.model)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Every model, in the order of [`Model`]'s variants.
pub const MODELS: [ModelRow; 8] = [
    ModelRow {
        model: Model::Ssd1306,
        name: "ssd1306",
        controller: Controller::Ssd1306,
        native: (128, 64),
        mode: PixelMode::Mono,
        driver: || paged(PagedChip::Ssd1306, 64),
        emulator: || Box::new(pages::PagesEmulator::ssd1306(64)),
    },
    ModelRow {
        model: Model::Ssd1306x32,
        name: "ssd1306-128x32",
        controller: Controller::Ssd1306,
        native: (128, 32),
        mode: PixelMode::Mono,
        driver: || paged(PagedChip::Ssd1306, 32),
        emulator: || Box::new(pages::PagesEmulator::ssd1306(32)),
    },
    ModelRow {
        model: Model::Sh1106,
        name: "sh1106",
        controller: Controller::Sh1106,
        native: (128, 64),
        mode: PixelMode::Mono,
        driver: || paged(PagedChip::Sh1106, 64),
        emulator: || Box::new(pages::PagesEmulator::sh1106(64)),
    },
    ModelRow {
        model: Model::Sh1106x32,
        name: "sh1106-128x32",
        controller: Controller::Sh1106,
        native: (128, 32),
        mode: PixelMode::Mono,
        driver: || paged(PagedChip::Sh1106, 32),
        emulator: || Box::new(pages::PagesEmulator::sh1106(32)),
    },
    ModelRow {
        model: Model::Ssd1322,
        name: "ssd1322",
        controller: Controller::Ssd1322,
        native: (256, 64),
        mode: PixelMode::Gray4,
        driver: || Box::new(ssd1322::Ssd1322),
        emulator: || Box::new(super::emulator::ssd1322::Ssd1322Emulator::new()),
    },
    ModelRow {
        model: Model::St7789,
        name: "st7789",
        controller: Controller::St7789,
        native: (240, 240),
        mode: PixelMode::Rgb565,
        driver: || tft(TftChip::St7789, 240),
        emulator: || Box::new(mipi::MipiEmulator::st7789(240)),
    },
    ModelRow {
        model: Model::St7789x320,
        name: "st7789-240x320",
        controller: Controller::St7789,
        native: (240, 320),
        mode: PixelMode::Rgb565,
        driver: || tft(TftChip::St7789, 320),
        emulator: || Box::new(mipi::MipiEmulator::st7789(320)),
    },
    ModelRow {
        model: Model::Ili9341,
        name: "ili9341",
        controller: Controller::Ili9341,
        native: (240, 320),
        mode: PixelMode::Rgb565,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_variant_order_with_unique_names() {
        for (i, row) in MODELS.iter().enumerate() {
            assert_eq!(row.model as usize, i, "{row:?} is out of order");
            assert_eq!(row.model.row().name, row.name);
            assert_eq!((row.emulator)().size(), row.native, "{row:?}");
            assert_eq!(
                ((row.driver)().native(), (row.driver)().mode()),
                (row.native, row.mode)
            );
        }
        let mut names: Vec<&str> = MODELS.iter().map(|r| r.name).collect();
        names.dedup();
        assert_eq!(names.len(), MODELS.len());
    }
}
