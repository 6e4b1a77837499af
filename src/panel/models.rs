//! The one table of panel models: name, controller, size, pixel mode, and the data its
//! family's driver and emulator read. Parsing model names, the command line's help, the
//! scene check and the emulators all read it. A new panel on a controller tinydisplay
//! knows is one row here; a new controller of a known family is one spec (a
//! [`PagedSpec`] or [`MipiSpec`]) here and its rows.

use super::driver::color::{
    Color, ColorContrast, ColorInit as C, ColorModel, ColorSpec, REMAP_SSD1331,
};
use super::driver::gray::{
    DisplayModes, Gray, GrayArgs, GrayInit as G, GrayModel, GraySpec, REMAP_SSD1322, REMAP_SSD1325,
};
use super::driver::hd44780::{CharModel, Hd44780};
use super::driver::mipi::{Mipi, MipiInit as M, MipiModel, MipiPixel, MipiSpec};
use super::driver::pages::{PageAddressing, Paged, PagedInit as P, PagedModel, PagedSpec};
use super::driver::ssd1680::{Ssd1680, Ssd1680Model};
use super::driver::uc8151::{Uc8151, Uc8151Model};
use super::driver::ws0010::{GraphicModel, Ws0010};
use super::driver::{Driver, pcd8544, ssd1322};
use super::emulator::{Emulator, color, gray, mipi, pages};
use super::error::PanelError;
use super::rotation::Rotation;
use crate::render::PixelMode;

/// Which driver and emulator a model has, and the data they read.
#[derive(Debug, Clone, Copy)]
pub enum Family {
    /// A page-addressed mono OLED or LCD.
    Paged(&'static PagedModel),
    /// A MIPI-DCS TFT.
    Mipi(&'static MipiModel),
    /// A column-window greyscale OLED.
    Gray(&'static GrayModel),
    /// A colour-window RGB565 OLED.
    Color(&'static ColorModel),
    /// The SSD1322 greyscale OLED.
    Ssd1322,
    /// The PCD8544 (Nokia 5110) mono LCD.
    Pcd8544,
    /// An HD44780-compatible character LCD (on a PCF8574 backpack or GPIO, 4-bit).
    Hd44780(&'static CharModel),
    /// SSD1680 e-paper.
    Ssd1680(&'static Ssd1680Model),
    /// UC8151 (IL0373) e-paper.
    Uc8151(&'static Uc8151Model),
    /// A WS0010 OLED in graphic mode (on a PCF8574 backpack or GPIO, 4-bit).
    Ws0010(&'static GraphicModel),
}

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
    /// cycle of the 4-wire SPI timing tables: 100 ns on the SSD1306, SSD1305, SSD1309,
    /// SSD1322 and ILI9341, 250 ns on the SH1106 and SH1107, 16 ns on the ST7789, 66 ns on
    /// the ST7735 and ILI9486, 50 ns on the ILI9488 and ST7567, 125 ns on the UC1701X, 4 Mbit/s
    /// on the PCD8544.
    pub spi_max_hz: u32,
    /// Breakouts and boards it fits, for help and the README.
    pub fits: &'static str,
    /// Its driver and emulator, and their data.
    pub family: Family,
}

impl std::fmt::Debug for ModelRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelRow")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ModelRow {
    /// Makes its driver.
    pub fn driver(&self) -> Box<dyn Driver> {
        match self.family {
            Family::Paged(m) => Box::new(Paged(m)),
            Family::Mipi(m) => Box::new(Mipi(m)),
            Family::Gray(m) => Box::new(Gray(m)),
            Family::Color(m) => Box::new(Color(m)),
            Family::Ssd1322 => Box::new(ssd1322::Ssd1322),
            Family::Pcd8544 => Box::new(pcd8544::Pcd8544),
            Family::Hd44780(m) => Box::new(Hd44780::new(m)),
            Family::Ssd1680(m) => Box::new(Ssd1680(m)),
            Family::Uc8151(m) => Box::new(Uc8151(m)),
            Family::Ws0010(m) => Box::new(Ws0010::new(m)),
        }
    }

    /// Makes a fresh emulator of its controller and panel.
    pub fn emulator(&self) -> Box<dyn Emulator> {
        self.emulator_with(super::rom::Rom::default())
    }

    /// Makes a fresh emulator whose character ROM is `rom` (character LCDs; other
    /// controllers have none).
    pub fn emulator_with(&self, rom: super::rom::Rom) -> Box<dyn Emulator> {
        match self.family {
            Family::Paged(m) => Box::new(pages::PagesEmulator::new(m)),
            Family::Mipi(m) => Box::new(mipi::MipiEmulator::new(m)),
            Family::Gray(m) => Box::new(gray::GrayEmulator::new(m)),
            Family::Color(m) => Box::new(color::ColorEmulator::new(m)),
            Family::Ssd1322 => Box::new(super::emulator::ssd1322::Ssd1322Emulator::new()),
            Family::Pcd8544 => Box::new(super::emulator::pcd8544::Pcd8544Emulator::new()),
            Family::Hd44780(m) => Box::new(super::emulator::hd44780::Hd44780Emulator::new(m, rom)),
            Family::Ssd1680(m) => Box::new(super::emulator::ssd1680::Ssd1680Emulator::new(m)),
            Family::Uc8151(m) => Box::new(super::emulator::uc8151::Uc8151Emulator::new(m)),
            Family::Ws0010(m) => Box::new(super::emulator::ws0010::Ws0010Emulator::new(m)),
        }
    }
}

// ---- Page-addressed controllers -------------------------------------------------------

/// Commands of the SSD1306 (and the SSD1315/SSD1316, command-compatible with it).
const SSD1306_COMMANDS: &[(u8, u8, u8)] = &[
    (0x00, 0x1F, 0),
    (0x20, 0x20, 1),
    (0x21, 0x22, 2),
    (0x26, 0x27, 6),
    (0x29, 0x2A, 5),
    (0x2E, 0x2F, 0),
    (0x40, 0x7F, 0),
    (0x81, 0x81, 1),
    (0x8D, 0x8D, 1),
    (0xA0, 0xA1, 0),
    (0xA3, 0xA3, 2),
    (0xA4, 0xA7, 0),
    (0xA8, 0xA8, 1),
    (0xAE, 0xB7, 0),
    (0xC0, 0xC0, 0),
    (0xC8, 0xC8, 0),
    (0xD3, 0xD3, 1),
    (0xD5, 0xD5, 1),
    (0xD9, 0xDB, 1),
    (0xE3, 0xE3, 0),
];

/// SSD1306: 128×64 or 128×32 OLED with its own charge pump. Page addressing for partial
/// updates (page, column low and high nibble per page, fewer bytes than a window); a
/// whole frame goes through one horizontal window (0x20 0x00, 0x21, 0x22) and back.
pub const SSD1306: PagedSpec = PagedSpec {
    chip: "SSD1306",
    ram_columns: 128,
    ram_pages: 8,
    addressing: PageAddressing::Window,
    init: &[
        P::Cmd(&[0xAE, 0xD5, 0x80]), // display off; clock divide / oscillator
        P::Mux,
        P::DisplayOffset,
        P::Cmd(&[
            0x40, // start line 0
            0x8D, 0x14, // charge pump on
            0x20, 0x02, // page addressing (whole frames switch to horizontal and back)
            0xA1, // segment remap: column 127 on SEG0
            0xC8, // COM scan from COM[N-1]
        ]),
        P::ComPins,
        P::Contrast,
        P::Cmd(&[
            0xD9, 0xF1, // pre-charge period
            0xDB, 0x40, // VCOMH deselect level
            0x2E, // scrolling off
            0xA4, // show RAM
        ]),
        P::Invert,
        P::Cmd(&[0xAF]), // display on
        P::Delay(100),
    ],
    contrast_cmd: 0x81,
    contrast_bits: 8,
    contrast_reset: 0x7F,
    sleep: &[0xAE],
    wake: &[0xAF],
    upright: (true, true),
    commands: SSD1306_COMMANDS,
    mode_pair: false,
};

/// SH1106: 128×64 (or 128×32) OLED on a 132-column RAM, the panel from column 2. Page
/// addressing only; the DC-DC converter is switched with 0xAD.
pub const SH1106: PagedSpec = PagedSpec {
    chip: "SH1106",
    ram_columns: 132,
    ram_pages: 8,
    addressing: PageAddressing::Page,
    init: &[
        P::Cmd(&[0xAE, 0xD5, 0x80]), // display off; clock divide / oscillator
        P::Mux,
        P::DisplayOffset,
        P::Cmd(&[
            0x40, // start line 0
            0xAD, 0x8B, // DC-DC converter on
            0x32, // pump voltage 8 V
            0xA1, // segment remap
            0xC8, // COM scan from COM[N-1]
        ]),
        P::ComPins,
        P::Contrast,
        P::Cmd(&[
            0xD9, 0x22, // discharge / pre-charge period
            0xDB, 0x35, // VCOM deselect level
            0xA4, // show RAM
        ]),
        P::Invert,
        P::Cmd(&[0xAF]), // display on
        P::Delay(100),
    ],
    contrast_cmd: 0x81,
    contrast_bits: 8,
    contrast_reset: 0x80,
    sleep: &[0xAE],
    wake: &[0xAF],
    upright: (true, true),
    commands: &[
        (0x00, 0x1F, 0),
        (0x30, 0x33, 0),
        (0x40, 0x7F, 0),
        (0x81, 0x81, 1),
        (0xA0, 0xA1, 0),
        (0xA4, 0xA7, 0),
        (0xA8, 0xA8, 1),
        (0xAD, 0xAD, 1),
        (0xAE, 0xB7, 0),
        (0xC0, 0xC0, 0),
        (0xC8, 0xC8, 0),
        (0xD3, 0xD3, 1),
        (0xD5, 0xD5, 1),
        (0xD9, 0xDB, 1),
        (0xE3, 0xE3, 0),
    ],
    mode_pair: false,
};

/// SSD1309: 128×64 OLED, command-compatible with the SSD1306 but with no charge pump
/// (modules carry a boost converter for VCC), so no 0x8D; a slower oscillator and a
/// lower VCOMH as its datasheet recommends.
pub const SSD1309: PagedSpec = PagedSpec {
    chip: "SSD1309",
    init: &[
        P::Cmd(&[0xAE, 0xD5, 0xA0]), // display off; clock divide / oscillator
        P::Mux,
        P::DisplayOffset,
        P::Cmd(&[
            0x40, // start line 0
            0x20, 0x02, // page addressing (whole frames switch to horizontal and back)
            0xA1, // segment remap
            0xC8, // COM scan from COM[N-1]
        ]),
        P::ComPins,
        P::Contrast,
        P::Cmd(&[
            0xD9, 0x82, // pre-charge: phase 1 two clocks, phase 2 eight
            0xDB, 0x34, // VCOMH 0.78 VCC
            0x2E, // scrolling off
            0xA4, // show RAM
        ]),
        P::Invert,
        P::Cmd(&[0xAF]), // display on
        P::Delay(100),
    ],
    commands: &[
        (0x00, 0x1F, 0),
        (0x20, 0x20, 1),
        (0x21, 0x22, 2),
        (0x26, 0x27, 6),
        (0x29, 0x2A, 5),
        (0x2E, 0x2F, 0),
        (0x40, 0x7F, 0),
        (0x81, 0x81, 1),
        (0xA0, 0xA1, 0),
        (0xA3, 0xA3, 2),
        (0xA4, 0xA7, 0),
        (0xA8, 0xA8, 1),
        (0xAE, 0xB7, 0),
        (0xC0, 0xC0, 0),
        (0xC8, 0xC8, 0),
        (0xD3, 0xD3, 1),
        (0xD5, 0xD5, 1),
        (0xD9, 0xDB, 1),
        (0xE3, 0xE3, 0),
        (0xFD, 0xFD, 1),
    ],
    ..SSD1306
};

/// SSD1305: 132-column RAM, 64 COMs; panels sit at a column and page offset. Page
/// addressing (it also has the SSD1306's window, but page mode is what known-good
/// drivers use with the offsets). External VCC (master configuration 0x8E).
pub const SSD1305: PagedSpec = PagedSpec {
    chip: "SSD1305",
    ram_columns: 132,
    ram_pages: 8,
    addressing: PageAddressing::Page,
    init: &[
        P::Cmd(&[0xAE, 0xD5, 0xF0]), // display off; clock divide / oscillator
        P::Mux,
        P::DisplayOffset,
        P::Cmd(&[
            0x40, // start line 0
            0x2E, // scrolling off
            0xAD, 0x8E, // master configuration: external VCC
            0xD8, 0x05, // area colour off, low-power mode
            0xA1, // segment remap
            0xC8, // COM scan from COM[N-1]
        ]),
        P::ComPins,
        P::Contrast,
        P::Cmd(&[
            0x82, 0x80, // brightness of the colour banks (unused in mono)
            0xD9, 0xF1, // pre-charge period
            0x91, 0x3F, 0x3F, 0x3F, 0x3F, // current pulse widths (look-up table)
            0xA4, // show RAM
        ]),
        P::Invert,
        P::Cmd(&[0xAF]), // display on
        P::Delay(100),
    ],
    contrast_reset: 0x80,
    commands: &[
        (0x00, 0x1F, 0),
        (0x20, 0x20, 1),
        (0x21, 0x22, 2),
        (0x26, 0x27, 5),
        (0x29, 0x2A, 5),
        (0x2E, 0x2F, 0),
        (0x40, 0x7F, 0),
        (0x81, 0x82, 1),
        (0x91, 0x91, 4),
        (0x92, 0x92, 4),
        (0xA0, 0xA1, 0),
        (0xA3, 0xA3, 2),
        (0xA4, 0xA7, 0),
        (0xA8, 0xA8, 1),
        (0xAD, 0xAD, 1),
        (0xAE, 0xB7, 0),
        (0xC0, 0xC0, 0),
        (0xC8, 0xC8, 0),
        (0xD3, 0xD3, 1),
        (0xD5, 0xD5, 1),
        (0xD8, 0xDB, 1),
        (0xE3, 0xE3, 0),
    ],
    ..SSD1306
};

/// SH1107: 128×128 RAM in 16 pages. Its pages run along the segments, so a panel's
/// long side (128) is its page direction and the column address (0..127) runs along
/// the COMs: a 64×128 module scans 64 COMs from a display offset of 0x60. Page mode
/// (0x20 with no argument), start line by 0xDC; upright with no segment or COM remap.
pub const SH1107: PagedSpec = PagedSpec {
    chip: "SH1107",
    ram_columns: 128,
    ram_pages: 16,
    addressing: PageAddressing::Page,
    init: &[
        P::Cmd(&[
            0xAE, // display off
            0xD5, 0x51, // clock divide / oscillator
            0x20, // page addressing
        ]),
        P::Contrast,
        P::Cmd(&[
            0xAD, 0x8A, // DC-DC setting as the modules use it
            0xA0, // no segment remap
            0xC0, // COM scan from COM0
            0xDC, 0x00, // start line 0
        ]),
        P::DisplayOffset,
        P::Cmd(&[
            0xD9, 0x22, // discharge / pre-charge period
            0xDB, 0x35, // VCOM deselect level
        ]),
        P::Mux,
        P::Cmd(&[0xA4]), // show RAM
        P::Invert,
        P::Cmd(&[0xAF]), // display on
        P::Delay(100),
    ],
    contrast_reset: 0x80,
    upright: (false, false),
    commands: &[
        (0x00, 0x17, 0),
        (0x20, 0x21, 0),
        (0x81, 0x81, 1),
        (0xA0, 0xA1, 0),
        (0xA4, 0xA7, 0),
        (0xA8, 0xA8, 1),
        (0xAD, 0xAD, 1),
        (0xAE, 0xBF, 0),
        (0xC0, 0xC0, 0),
        (0xC8, 0xC8, 0),
        (0xD3, 0xD3, 1),
        (0xD5, 0xD5, 1),
        (0xD9, 0xD9, 1),
        (0xDB, 0xDC, 1),
        (0xE0, 0xE0, 0),
        (0xE3, 0xE3, 0),
        (0xEE, 0xEE, 0),
    ],
    mode_pair: true,
    ..SH1106
};

/// Commands of the ST7567 and UC1701X LCD controllers (their own additions follow).
macro_rules! lcd_commands {
    ($($extra:expr),*) => {
        &[
            (0x00, 0x2F, 0), // column low/high; regulation ratio; power control
            (0x40, 0x7F, 0), // start line
            (0x81, 0x81, 1), // electronic volume
            (0xA0, 0xA7, 0), // segment direction, bias, all on, inverse
            (0xAE, 0xB8, 0), // display on/off, page 0..8
            (0xC0, 0xC0, 0),
            (0xC8, 0xC8, 0),
            (0xE0, 0xE0, 0), // read-modify-write
            (0xE2, 0xE3, 0), // reset, nop
            (0xEE, 0xEE, 0), // end read-modify-write
            $($extra),*
        ]
    };
}

/// ST7567: 128×64 mono LCD on a 132×65 RAM (the 65th row is the icon row, page 8).
/// SH1106-like page mode; bias (0xA2 1/9), regulation ratio (0x20..0x27), power control
/// (0x28..0x2F) and a 6-bit electronic volume (0x81, 0..63) for contrast. Sleep is its
/// power save: display off with all pixels on. Upright on the common modules with
/// normal segments (0xA0) and reversed COM scan (0xC8).
pub const ST7567: PagedSpec = PagedSpec {
    chip: "ST7567",
    ram_columns: 132,
    ram_pages: 9,
    addressing: PageAddressing::Page,
    init: &[
        P::Cmd(&[0xE2]), // internal reset
        P::Delay(5),
        P::Cmd(&[
            0xA2, // bias 1/9
            0xA0, // segments normal
            0xC8, // COM scan reversed
            0x25, // regulation ratio 5
        ]),
        P::Contrast,
        P::Cmd(&[0x2C]), // booster on
        P::Delay(50),
        P::Cmd(&[0x2E]), // and the regulator
        P::Delay(50),
        P::Cmd(&[0x2F]), // and the follower
        P::Delay(50),
        P::Cmd(&[
            0xF8, 0x00, // booster x4
            0x40, // start line 0
            0xA4, // show RAM
        ]),
        P::Invert,
        P::Cmd(&[0xAF]), // display on
    ],
    contrast_cmd: 0x81,
    contrast_bits: 6,
    contrast_reset: 0x20,
    sleep: &[0xAE, 0xA5],
    wake: &[0xA4, 0xAF],
    upright: (false, true),
    commands: lcd_commands!((0xF8, 0xF8, 1)),
    mode_pair: false,
};

/// UC1701X: 128×64 mono LCD (the Mini12864 and many 12864 SPI boards) on a 132×65 RAM;
/// command set close to the ST7567's: bias 1/9, power control 0x2F, resistor ratio,
/// 6-bit electronic volume, and advanced program control (0xFA 0x90: temperature
/// compensation). Sleep is display off with all pixels on.
pub const UC1701X: PagedSpec = PagedSpec {
    chip: "UC1701X",
    init: &[
        P::Cmd(&[0xE2]), // system reset
        P::Delay(5),
        P::Cmd(&[
            0x40, // scroll line 0
            0xA0, // segments normal
            0xC8, // COM scan reversed
            0xA2, // bias 1/9
            0x2F, // booster, regulator and follower on
            0x27, // resistor ratio
        ]),
        P::Contrast,
        P::Cmd(&[
            0xFA, 0x90, // temperature compensation -0.11 %/°C
            0xA4, // show RAM
        ]),
        P::Invert,
        P::Cmd(&[0xAF]), // display on
    ],
    commands: lcd_commands!((0xAC, 0xAD, 1), (0xFA, 0xFA, 1)),
    ..ST7567
};

/// CH1115: 128×64 OLED, command-compatible with the SH1106 for what the driver sends
/// (page addressing, DC-DC converter 0xAD 0x8B); known-good drivers write the 128-pixel
/// panel from RAM column 2 as on the SH1106. VCOM deselect level 0x20.
pub const CH1115: PagedSpec = PagedSpec {
    chip: "CH1115",
    init: &[
        P::Cmd(&[0xAE, 0xD5, 0x80]), // display off; clock divide / oscillator
        P::Mux,
        P::DisplayOffset,
        P::Cmd(&[
            0x40, // start line 0
            0xAD, 0x8B, // DC-DC converter on
            0xA1, // segment remap
            0xC8, // COM scan from COM[N-1]
        ]),
        P::ComPins,
        P::Contrast,
        P::Cmd(&[
            0xD9, 0x22, // discharge / pre-charge period
            0xDB, 0x20, // VCOM deselect level
            0xA4, // show RAM
        ]),
        P::Invert,
        P::Cmd(&[0xAF]), // display on
        P::Delay(100),
    ],
    ..SH1106
};

/// A 128-column panel on a page-addressed chip with no offsets.
const fn paged(chip: &'static PagedSpec, height: u32, com_pins: u8) -> PagedModel {
    PagedModel {
        chip,
        width: 128,
        height,
        column_offset: 0,
        page_offset: 0,
        mux: height,
        com_pins,
        display_offset: 0,
    }
}

const SSD1306_128X64: PagedModel = paged(&SSD1306, 64, 0x12);
const SSD1306_128X32: PagedModel = paged(&SSD1306, 32, 0x02);
const SH1106_128X64: PagedModel = PagedModel {
    column_offset: 2,
    ..paged(&SH1106, 64, 0x12)
};
const SH1106_128X32: PagedModel = PagedModel {
    column_offset: 2,
    ..paged(&SH1106, 32, 0x02)
};

const SSD1309_128X64: PagedModel = paged(&SSD1309, 64, 0x12);
const SSD1305_128X64: PagedModel = paged(&SSD1305, 64, 0x12);
/// The 128×32 SSD1305 modules scan 64 COMs and show pages 4..7 from column 4.
const SSD1305_128X32: PagedModel = PagedModel {
    column_offset: 4,
    page_offset: 4,
    mux: 64,
    ..paged(&SSD1305, 32, 0x12)
};
const SH1107_64X128: PagedModel = PagedModel {
    width: 64,
    height: 128,
    mux: 64,
    display_offset: 0x60,
    ..paged(&SH1107, 128, 0)
};
const SH1107_128X128: PagedModel = paged(&SH1107, 128, 0);
const CH1115_128X64: PagedModel = PagedModel {
    column_offset: 2,
    ..paged(&CH1115, 64, 0x12)
};
const ST7567_128X64: PagedModel = paged(&ST7567, 64, 0);
const UC1701X_128X64: PagedModel = paged(&UC1701X, 64, 0);

// ---- MIPI-DCS controllers -------------------------------------------------------------

/// Commands the ST7789 and ILI9341 inits use, with their argument counts.
const DCS_COMMANDS: &[(u8, u8, u8)] = &[
    (0x00, 0x01, 0),
    (0x10, 0x13, 0),
    (0x20, 0x21, 0),
    (0x26, 0x26, 1),
    (0x28, 0x29, 0),
    (0x2A, 0x2B, 4),
    (0x2C, 0x2C, 0),
    (0x36, 0x36, 1),
    (0x38, 0x39, 0),
    (0x3A, 0x3A, 1),
    (0x51, 0x51, 1),
    (0x53, 0x53, 1),
    (0x55, 0x55, 1),
    (0xB1, 0xB1, 2),
    (0xB6, 0xB6, 3),
    (0xC0, 0xC1, 1),
    (0xC5, 0xC5, 2),
    (0xC7, 0xC7, 1),
];

/// ST7789: 240×320 RAM, IPS panels (colours right with inversion on), RGB565.
pub const ST7789: MipiSpec = MipiSpec {
    chip: "ST7789",
    ram: (240, 320),
    pixel: MipiPixel::Rgb565,
    ips: true,
    brightness: true,
    init: &[
        M::Cmd(0x01, &[]), // software reset
        M::Delay(150),
        M::Cmd(0x11, &[]), // sleep out
        M::Delay(120),
        M::Colmod,
        M::Madctl,
        M::Brightness,
        M::Invert,
        M::Cmd(0x13, &[]), // normal display mode
        M::Delay(10),
        M::Cmd(0x29, &[]), // display on
        M::Delay(10),
        M::Backlight,
    ],
    commands: DCS_COMMANDS,
};

/// ILI9341: 240×320 TFT, RGB565, BGR colour filter.
pub const ILI9341: MipiSpec = MipiSpec {
    chip: "ILI9341",
    ram: (240, 320),
    pixel: MipiPixel::Rgb565,
    ips: false,
    brightness: true,
    init: &[
        M::Cmd(0x01, &[]), // software reset
        M::Delay(150),
        M::Cmd(0x28, &[]),           // display off
        M::Cmd(0xC0, &[0x23]),       // power control 1: GVDD 4.6 V
        M::Cmd(0xC1, &[0x10]),       // power control 2
        M::Cmd(0xC5, &[0x3E, 0x28]), // VCOM control 1
        M::Cmd(0xC7, &[0x86]),       // VCOM control 2
        M::Madctl,
        M::Colmod,
        M::Cmd(0xB1, &[0x00, 0x18]),       // frame rate 79 Hz
        M::Cmd(0xB6, &[0x08, 0x82, 0x27]), // display function control
        M::Cmd(0x26, &[0x01]),             // gamma curve 1
        M::Brightness,
        M::Invert,
        M::Cmd(0x11, &[]), // sleep out
        M::Delay(120),
        M::Cmd(0x29, &[]), // display on
        M::Delay(20),
        M::Backlight,
    ],
    commands: DCS_COMMANDS,
};

/// ST7735R: 132×162 RAM, RGB565, no display brightness command (contrast does nothing;
/// the backlight is the board's LED pin). Breakouts differ in where the glass sits in RAM
/// and in its colour filter, hence the "tab" variants; all are upright with rows and
/// columns mirrored (MADCTL 0xC0), as the common drivers' rotation 0 sends it.
pub const ST7735: MipiSpec = MipiSpec {
    chip: "ST7735",
    ram: (132, 162),
    pixel: MipiPixel::Rgb565,
    ips: false,
    brightness: false,
    init: &[
        M::Cmd(0x01, &[]), // software reset
        M::Delay(150),
        M::Cmd(0x11, &[]), // sleep out
        M::Delay(120),
        M::Cmd(0xB1, &[0x01, 0x2C, 0x2D]), // frame rate, normal mode
        M::Cmd(0xB2, &[0x01, 0x2C, 0x2D]), // frame rate, idle mode
        M::Cmd(0xB3, &[0x01, 0x2C, 0x2D, 0x01, 0x2C, 0x2D]), // frame rate, partial mode
        M::Cmd(0xB4, &[0x07]),             // no column inversion
        M::Cmd(0xC0, &[0xA2, 0x02, 0x84]), // power control 1: AVDD, GVDD, auto mode
        M::Cmd(0xC1, &[0xC5]),             // power control 2: VGH/VGL
        M::Cmd(0xC2, &[0x0A, 0x00]),       // power control 3 (normal mode)
        M::Cmd(0xC3, &[0x8A, 0x2A]),       // power control 4 (idle mode)
        M::Cmd(0xC4, &[0x8A, 0xEE]),       // power control 5 (partial mode)
        M::Cmd(0xC5, &[0x0E]),             // VCOM
        M::Invert,
        M::Madctl,
        M::Colmod,
        M::Cmd(0x26, &[0x01]), // gamma curve 1
        M::Cmd(0x13, &[]),     // normal display mode
        M::Delay(10),
        M::Cmd(0x29, &[]), // display on
        M::Delay(100),
        M::Backlight,
    ],
    commands: &[
        (0x00, 0x01, 0),
        (0x10, 0x13, 0),
        (0x20, 0x21, 0),
        (0x26, 0x26, 1),
        (0x28, 0x29, 0),
        (0x2A, 0x2B, 4),
        (0x2C, 0x2C, 0),
        (0x36, 0x36, 1),
        (0x38, 0x39, 0),
        (0x3A, 0x3A, 1),
        (0xB1, 0xB2, 3),
        (0xB3, 0xB3, 6),
        (0xB4, 0xB4, 1),
        (0xC0, 0xC0, 3),
        (0xC1, 0xC1, 1),
        (0xC2, 0xC4, 2),
        (0xC5, 0xC5, 1),
        (0xE0, 0xE1, 16),
    ],
};

/// ILI9486: 320×480 TFT. On plain 4-wire SPI it takes 18-bit pixels only (RGB666, three
/// bytes a pixel). It has display brightness (0x51), but boards rarely wire its PWM
/// output to the backlight.
pub const ILI9486: MipiSpec = MipiSpec {
    chip: "ILI9486",
    ram: (320, 480),
    pixel: MipiPixel::Rgb666,
    ips: false,
    brightness: true,
    init: &[
        M::Cmd(0x01, &[]), // software reset
        M::Delay(120),
        M::Cmd(0x11, &[]), // sleep out
        M::Delay(120),
        M::Colmod,
        M::Madctl,
        M::Cmd(0xC2, &[0x44]),                   // power control 3
        M::Cmd(0xC5, &[0x00, 0x00, 0x00, 0x00]), // VCOM from NV memory
        M::Brightness,
        M::Invert,
        M::Cmd(0x13, &[]), // normal display mode
        M::Cmd(0x29, &[]), // display on
        M::Delay(20),
        M::Backlight,
    ],
    commands: &[
        (0x00, 0x01, 0),
        (0x10, 0x13, 0),
        (0x20, 0x21, 0),
        (0x28, 0x29, 0),
        (0x2A, 0x2B, 4),
        (0x2C, 0x2C, 0),
        (0x36, 0x36, 1),
        (0x38, 0x39, 0),
        (0x3A, 0x3A, 1),
        (0x51, 0x51, 1),
        (0x53, 0x53, 1),
        (0xB0, 0xB0, 1),
        (0xB1, 0xB1, 2),
        (0xB4, 0xB4, 1),
        (0xB6, 0xB6, 3),
        (0xC0, 0xC0, 2),
        (0xC1, 0xC2, 1),
        (0xC5, 0xC5, 4),
        (0xE0, 0xE1, 15),
    ],
};

/// ILI9488: 320×480 TFT; over SPI only 18-bit pixels (RGB666, three bytes a pixel).
pub const ILI9488: MipiSpec = MipiSpec {
    chip: "ILI9488",
    init: &[
        M::Cmd(0x01, &[]), // software reset
        M::Delay(120),
        M::Cmd(0xC0, &[0x17, 0x15]), // power control 1: VREG1OUT, VREG2OUT
        M::Cmd(0xC1, &[0x41]),       // power control 2: VGH, VGL
        M::Cmd(0xC5, &[0x00, 0x12, 0x80]), // VCOM
        M::Madctl,
        M::Colmod,
        M::Cmd(0xB0, &[0x00]),                   // interface mode: SDO in use
        M::Cmd(0xB1, &[0xA0, 0x11]),             // frame rate 60 Hz
        M::Cmd(0xB4, &[0x02]),                   // 2-dot inversion
        M::Cmd(0xB6, &[0x02, 0x02, 0x3B]),       // display function control
        M::Cmd(0xE9, &[0x00]),                   // 24-bit data bus off
        M::Cmd(0xF7, &[0xA9, 0x51, 0x2C, 0x82]), // adjust control 3
        M::Brightness,
        M::Invert,
        M::Cmd(0x11, &[]), // sleep out
        M::Delay(120),
        M::Cmd(0x29, &[]), // display on
        M::Delay(25),
        M::Backlight,
    ],
    commands: &[
        (0x00, 0x01, 0),
        (0x10, 0x13, 0),
        (0x20, 0x21, 0),
        (0x28, 0x29, 0),
        (0x2A, 0x2B, 4),
        (0x2C, 0x2C, 0),
        (0x36, 0x36, 1),
        (0x38, 0x39, 0),
        (0x3A, 0x3A, 1),
        (0x51, 0x51, 1),
        (0x53, 0x53, 1),
        (0xB0, 0xB0, 1),
        (0xB1, 0xB1, 2),
        (0xB4, 0xB4, 1),
        (0xB6, 0xB6, 3),
        (0xC0, 0xC0, 2),
        (0xC1, 0xC1, 1),
        (0xC5, 0xC5, 3),
        (0xE0, 0xE1, 15),
        (0xE9, 0xE9, 1),
        (0xF7, 0xF7, 4),
    ],
    ..ILI9486
};

/// A panel at the origin of its controller's RAM.
const fn tft(chip: &'static MipiSpec, width: u32, height: u32, madctl: u8) -> MipiModel {
    MipiModel {
        chip,
        width,
        height,
        offset: (0, 0),
        madctl,
    }
}

const ST7789_240X240: MipiModel = tft(&ST7789, 240, 240, 0x00);
const ST7789_240X320: MipiModel = tft(&ST7789, 240, 320, 0x00);
const ILI9341_240X320: MipiModel = tft(&ILI9341, 240, 320, 0x08);
/// Green tab: BGR, the glass from RAM column 2, row 1.
const ST7735_GREEN_128X160: MipiModel = MipiModel {
    offset: (2, 1),
    ..tft(&ST7735, 128, 160, 0xC8)
};
/// Green tab 1.44": BGR, the glass from RAM column 2, row 3.
const ST7735_GREEN_128X128: MipiModel = MipiModel {
    offset: (2, 3),
    ..tft(&ST7735, 128, 128, 0xC8)
};
/// Red tab: BGR, no offset.
const ST7735_RED_128X160: MipiModel = tft(&ST7735, 128, 160, 0xC8);
/// Black tab: RGB colour filter, no offset.
const ST7735_BLACK_128X160: MipiModel = tft(&ST7735, 128, 160, 0xC0);
/// Portrait, upright with columns mirrored, BGR, as the common drivers' rotation 0.
const ILI9486_320X480: MipiModel = tft(&ILI9486, 320, 480, 0x48);
const ILI9488_320X480: MipiModel = tft(&ILI9488, 320, 480, 0x48);

// ---- Character LCDs -------------------------------------------------------------------

/// 16×2: rows at DDRAM 0x00 and 0x40.
const HD44780_16X2: CharModel = CharModel {
    cols: 16,
    rows: 2,
    row_addr: &[0x00, 0x40],
    ws0010: false,
};
/// 20×2.
const HD44780_20X2: CharModel = CharModel {
    cols: 20,
    rows: 2,
    row_addr: &[0x00, 0x40],
    ws0010: false,
};
/// 16×4: rows 3 and 4 continue the two 40-character DDRAM lines at column 16.
const HD44780_16X4: CharModel = CharModel {
    cols: 16,
    rows: 4,
    row_addr: &[0x00, 0x40, 0x10, 0x50],
    ws0010: false,
};
/// 20×4: rows 3 and 4 continue the two DDRAM lines at column 20.
const HD44780_20X4: CharModel = CharModel {
    cols: 20,
    rows: 4,
    row_addr: &[0x00, 0x40, 0x14, 0x54],
    ws0010: false,
};
/// Winstar WEH001602 (WS0010 OLED), 16×2, DDRAM as the HD44780's.
const WEH_16X2: CharModel = CharModel {
    ws0010: true,
    ..HD44780_16X2
};
/// Winstar WEH002004 (WS0010 OLED), 20×4.
const WEH_20X4: CharModel = CharModel {
    ws0010: true,
    ..HD44780_20X4
};
/// Winstar WEG010016: 100×16 pixels, the WS0010's whole graphic RAM.
const WEG_100X16: GraphicModel = GraphicModel {
    width: 100,
    height: 16,
};

// ---- E-paper controllers -------------------------------------------------------------

/// 2.13" SSD1680 glass: 122 sources by 250 gates (portrait as scanned).
const SSD1680_2IN13: Ssd1680Model = Ssd1680Model {
    width: 122,
    height: 250,
    red: false,
};
const SSD1680_2IN13_RED: Ssd1680Model = Ssd1680Model {
    red: true,
    ..SSD1680_2IN13
};
/// 2.9" SSD1680 glass: 128 sources by 296 gates.
const SSD1680_2IN9: Ssd1680Model = Ssd1680Model {
    width: 128,
    height: 296,
    red: false,
};
const SSD1680_2IN9_RED: Ssd1680Model = Ssd1680Model {
    red: true,
    ..SSD1680_2IN9
};
/// 2.13" UC8151 glass: 104 sources by 212 gates.
const UC8151_2IN13: Uc8151Model = Uc8151Model {
    width: 104,
    height: 212,
    red: false,
};
const UC8151_2IN13_RED: Uc8151Model = Uc8151Model {
    red: true,
    ..UC8151_2IN13
};
// ---- Column-window grey controllers ---------------------------------------------------

/// The display modes of the SSD1325, SSD1327 and SSD1362 (0xA4 shows RAM).
const MODES_SSD1325: DisplayModes = DisplayModes {
    normal: 0xA4,
    all_on: 0xA5,
    all_off: 0xA6,
    inverse: 0xA7,
};

/// The display modes of the SSD1322 and SSD1363 (0xA6 shows RAM).
const MODES_SSD1322: DisplayModes = DisplayModes {
    all_off: 0xA4,
    all_on: 0xA5,
    normal: 0xA6,
    inverse: 0xA7,
};

/// SSD1325: 128×80 RAM of 4-bit pixels, a column address two pixels (one byte), 128×64
/// panels. Arguments go as command bytes; data is RAM at once. Contrast has 128 steps.
/// The common modules show RAM upright with COM remap and odd/even split (0x50) and a
/// display offset of 76, the low nibble the left pixel.
pub const SSD1325: GraySpec = GraySpec {
    chip: "SSD1325",
    ram_columns: 64,
    ram_rows: 80,
    column_segments: 2,
    segments_per_pixel: 1,
    args: GrayArgs::Command,
    write_ram: None,
    high_nibble_first: false,
    swap_byte_pairs: false,
    init: &[
        G::Cmd(0xAE, &[]),     // display off
        G::Cmd(0xB3, &[0xF2]), // clock divide / oscillator
        G::Mux,
        G::DisplayOffset,
        G::Cmd(0xA1, &[0x00]), // start line 0
        G::Cmd(0xAD, &[0x02]), // master configuration: external VCC
        G::Cmd(0xA0, &[0x50]), // remap: COM remap, COM odd/even split
        G::Cmd(0x86, &[]),     // full current range
        G::Cmd(0xB8, &[0x01, 0x11, 0x22, 0x32, 0x43, 0x54, 0x65, 0x76]), // grey levels
        G::Contrast,
        G::Cmd(0xB2, &[0x51]), // row period
        G::Cmd(0xB1, &[0x55]), // phase lengths
        G::Cmd(0xB4, &[0x03]), // pre-charge compensation level
        G::Cmd(0xB0, &[0x28]), // pre-charge compensation on
        G::Cmd(0xBC, &[0x01]), // pre-charge voltage
        G::Cmd(0xBE, &[0x00]), // VCOMH
        G::Cmd(0xBF, &[0x02]), // VSL
        G::Invert,
        G::Cmd(0xAF, &[]), // display on
        G::Delay(100),
    ],
    contrast_cmd: 0x81,
    contrast_bits: 7,
    contrast_reset: 0x40,
    mux_cmd: 0xA8,
    remap: REMAP_SSD1325,
    upright: 0x50,
    modes: MODES_SSD1325,
    commands: &[
        (0x15, 0x15, 2),
        (0x2E, 0x2F, 0),
        (0x75, 0x75, 2),
        (0x81, 0x81, 1),
        (0x84, 0x86, 0),
        (0xA0, 0xA2, 1),
        (0xA4, 0xA7, 0),
        (0xA8, 0xA8, 1),
        (0xAD, 0xAD, 1),
        (0xAE, 0xAF, 0),
        (0xB0, 0xB4, 1),
        (0xB8, 0xB8, 8),
        (0xBC, 0xBC, 1),
        (0xBE, 0xBF, 1),
        (0xE3, 0xE3, 0),
    ],
};

/// SSD1327: 128×128 RAM of 4-bit pixels, a column address two pixels. Arguments go as
/// command bytes; data is RAM at once. The common 128×128 modules show RAM upright with
/// column and nibble remap and COM remap and split (0x53), the low nibble the left pixel.
/// The init takes the linear grey table (0xB9) rather than sending one.
pub const SSD1327: GraySpec = GraySpec {
    chip: "SSD1327",
    ram_columns: 64,
    ram_rows: 128,
    init: &[
        G::Cmd(0xFD, &[0x12]), // unlock commands
        G::Cmd(0xAE, &[]),     // display off
        G::Cmd(0xA0, &[0x53]), // remap: column, nibble, COM remap, COM split
        G::Cmd(0xA1, &[0x00]), // start line 0
        G::DisplayOffset,
        G::Mux,
        G::Cmd(0xB9, &[]),     // linear grey table
        G::Cmd(0xB3, &[0x00]), // clock divide / oscillator
        G::Cmd(0xAB, &[0x01]), // internal VDD regulator
        G::Cmd(0xB1, &[0xF1]), // phase lengths
        G::Cmd(0xBC, &[0x08]), // pre-charge voltage: VCOMH
        G::Cmd(0xBE, &[0x07]), // VCOMH 0.86 VCC
        G::Cmd(0xD5, &[0x62]), // second pre-charge on
        G::Cmd(0xB6, &[0x0F]), // second pre-charge period
        G::Contrast,
        G::Invert,
        G::Cmd(0xAF, &[]), // display on
        G::Delay(100),
    ],
    contrast_bits: 8,
    contrast_reset: 0x7F,
    upright: 0x53,
    commands: &[
        (0x15, 0x15, 2),
        (0x2E, 0x2F, 0),
        (0x75, 0x75, 2),
        (0x81, 0x81, 1),
        (0xA0, 0xA2, 1),
        (0xA4, 0xA7, 0),
        (0xA8, 0xA8, 1),
        (0xAB, 0xAB, 1),
        (0xAE, 0xAF, 0),
        (0xB1, 0xB1, 1),
        (0xB3, 0xB3, 1),
        (0xB6, 0xB6, 1),
        (0xB8, 0xB8, 15),
        (0xB9, 0xB9, 0),
        (0xBC, 0xBC, 1),
        (0xBE, 0xBE, 1),
        (0xD5, 0xD5, 1),
        (0xE3, 0xE3, 0),
        (0xFD, 0xFD, 1),
    ],
    ..SSD1325
};

/// SSD1327 as Seeed's Grove OLED 1.12" (96×96, LY120 glass) wires it: upright with
/// column remap, COM remap and split but no nibble remap (0x51), so the high nibble is
/// the left pixel; the glass from column address 8 (pixel 16), rows scanned from a
/// display offset of 32 (the values u8g2's and Seeed's drivers send).
pub const SSD1327_SEEED: GraySpec = GraySpec {
    high_nibble_first: true,
    init: &[
        G::Cmd(0xFD, &[0x12]), // unlock commands
        G::Cmd(0xAE, &[]),     // display off
        G::Mux,
        G::Cmd(0xA1, &[0x00]), // start line 0
        G::DisplayOffset,
        G::Cmd(0xA0, &[0x51]), // remap: column, COM remap, COM split
        G::Cmd(0xAB, &[0x01]), // internal VDD regulator
        G::Contrast,
        G::Cmd(0xB1, &[0x51]), // phase lengths
        G::Cmd(0xB3, &[0x01]), // clock divide / oscillator
        G::Cmd(0xB9, &[]),     // linear grey table
        G::Cmd(0xBC, &[0x08]), // pre-charge voltage
        G::Cmd(0xBE, &[0x07]), // VCOMH
        G::Cmd(0xB6, &[0x01]), // second pre-charge period
        G::Cmd(0xD5, &[0x62]), // second pre-charge on, internal VSL
        G::Invert,
        G::Cmd(0xAF, &[]), // display on
        G::Delay(100),
    ],
    upright: 0x51,
    ..SSD1327
};

/// SSD1362: 256×64 RAM of 4-bit pixels, a column address two pixels. Arguments go as
/// command bytes; data is RAM at once. Modules (ELW2106AA) show RAM upright with column
/// and nibble remap and segment split (0x43), the low nibble the left pixel; internal
/// IREF and VDD regulator.
pub const SSD1362: GraySpec = GraySpec {
    chip: "SSD1362",
    ram_columns: 128,
    ram_rows: 64,
    init: &[
        G::Cmd(0xFD, &[0x12]), // unlock commands
        G::Cmd(0xAE, &[]),     // display off
        G::Cmd(0xAB, &[0x01]), // internal VDD regulator
        G::Cmd(0xAD, &[0x9E]), // internal IREF
        G::Cmd(0xA0, &[0x43]), // remap: column, nibble, segment split
        G::Cmd(0xA1, &[0x00]), // start line 0
        G::DisplayOffset,
        G::Mux,
        G::Cmd(0xB1, &[0x11]), // phase lengths
        G::Cmd(0xB3, &[0xF0]), // clock divide / oscillator
        G::Cmd(0xB9, &[]),     // linear grey table
        G::Cmd(0xBC, &[0x04]), // pre-charge voltage
        G::Cmd(0xBE, &[0x05]), // VCOMH 0.82 VCC
        G::Contrast,
        G::Invert,
        G::Cmd(0xAF, &[]), // display on
        G::Delay(100),
    ],
    contrast_bits: 8,
    contrast_reset: 0x7F,
    upright: 0x43,
    commands: &[
        (0x15, 0x15, 2),
        (0x2E, 0x2F, 0),
        (0x75, 0x75, 2),
        (0x81, 0x81, 1),
        (0xA0, 0xA2, 1),
        (0xA3, 0xA3, 2),
        (0xA4, 0xA7, 0),
        (0xA8, 0xA8, 1),
        (0xAB, 0xAB, 1),
        (0xAD, 0xAD, 1),
        (0xAE, 0xAF, 0),
        (0xB1, 0xB1, 1),
        (0xB3, 0xB3, 1),
        (0xB6, 0xB6, 1),
        (0xB9, 0xB9, 0),
        (0xBC, 0xBE, 1),
        (0xE3, 0xE3, 0),
        (0xFD, 0xFD, 1),
    ],
    ..SSD1325
};

/// Commands of the SSD1322 (and the SSD1363, as its drivers use it), arguments as data.
const SSD1322_COMMANDS: &[(u8, u8, u8)] = &[
    (0x15, 0x15, 2),
    (0x5C, 0x5D, 0),
    (0x75, 0x75, 2),
    (0xA0, 0xA0, 2),
    (0xA1, 0xA2, 1),
    (0xA4, 0xA7, 0),
    (0xA8, 0xA8, 2),
    (0xA9, 0xA9, 0),
    (0xAB, 0xAB, 1),
    (0xAD, 0xAD, 1),
    (0xAE, 0xAF, 0),
    (0xB0, 0xB0, 0),
    (0xB1, 0xB1, 1),
    (0xB3, 0xB3, 1),
    (0xB4, 0xB4, 2),
    (0xB5, 0xB6, 1),
    (0xB8, 0xB8, 15),
    (0xB9, 0xB9, 0),
    (0xBB, 0xBB, 1),
    (0xBE, 0xBE, 1),
    (0xC1, 0xC1, 1),
    (0xC7, 0xC7, 1),
    (0xCA, 0xCA, 1),
    (0xD1, 0xD1, 2),
    (0xFD, 0xFD, 1),
];

/// SSD1322 as Newhaven's 128×64 modules wire it: each pixel lights two segments, so a
/// column address (4 segments) is two pixels and every byte is one pixel in both nibbles.
/// Column and nibble remap with the COM scan reversed (0x16, 0x11), columns 28..91;
/// arguments as data, RAM writes after 0x5C.
pub const SSD1322_NHD: GraySpec = GraySpec {
    chip: "SSD1322",
    ram_columns: 120,
    ram_rows: 128,
    column_segments: 4,
    segments_per_pixel: 2,
    args: GrayArgs::Data,
    write_ram: Some(0x5C),
    high_nibble_first: true,
    swap_byte_pairs: false,
    init: &[
        G::Cmd(0xFD, &[0x12]), // unlock commands
        G::Cmd(0xAE, &[]),     // display off
        G::Cmd(0xB3, &[0x91]), // clock divide / oscillator
        G::Mux,
        G::DisplayOffset,
        G::Cmd(0xA1, &[0x00]),       // start line 0
        G::Cmd(0xAB, &[0x01]),       // internal VDD regulator
        G::Cmd(0xA0, &[0x16, 0x11]), // remap: column, nibble, COM scan; dual COM
        G::Cmd(0xC7, &[0x0F]),       // master contrast
        G::Contrast,
        G::Cmd(0xB1, &[0xF2]),       // phase lengths
        G::Cmd(0xBB, &[0x1F]),       // pre-charge voltage
        G::Cmd(0xB4, &[0xA0, 0xFD]), // display enhancement A: external VSL
        G::Cmd(0xBE, &[0x04]),       // VCOMH
        G::Invert,
        G::Cmd(0xA9, &[]), // exit partial display
        G::Cmd(0xAF, &[]), // display on
        G::Delay(50),
    ],
    contrast_cmd: 0xC1,
    contrast_bits: 8,
    contrast_reset: 0x7F,
    mux_cmd: 0xCA,
    remap: REMAP_SSD1322,
    upright: 0x16,
    modes: MODES_SSD1322,
    commands: SSD1322_COMMANDS,
};

/// SSD1363: 256×128 modules (EastRising ER-OLED027-3). As its known-good driver sends it:
/// arguments as data (DC high, even the command's own parameters), RAM writes after
/// 0x5C, a column address four pixels from column 8, the two bytes of each column
/// address in reverse order with the low nibble the left pixel (so the four pixels go
/// right to left), remap 0x32 0x00 (column remap, COM remap, COM split) and a display
/// offset of 32.
pub const SSD1363: GraySpec = GraySpec {
    chip: "SSD1363",
    ram_columns: 80,
    ram_rows: 160,
    column_segments: 4,
    segments_per_pixel: 1,
    high_nibble_first: false,
    swap_byte_pairs: true,
    init: &[
        G::Cmd(0xFD, &[0x12]), // unlock commands
        G::Cmd(0xAE, &[]),     // display off
        G::Contrast,
        G::Cmd(0xA0, &[0x32, 0x00]), // remap: column, COM remap, COM split
        G::DisplayOffset,
        G::Mux,
        G::Cmd(0xAD, &[0x90]), // internal IREF
        G::Cmd(0xB3, &[0x61]), // clock divide / oscillator
        G::Cmd(0xB9, &[]),     // linear grey table
        G::Invert,
        G::Cmd(0xAF, &[]), // display on
        G::Delay(50),
    ],
    upright: 0x32,
    ..SSD1322_NHD
};

/// A grey panel at column address `column_offset`, scanning all its rows.
const fn gray(
    chip: &'static GraySpec,
    width: u32,
    height: u32,
    column_offset: u32,
    display_offset: u8,
) -> GrayModel {
    GrayModel {
        chip,
        width,
        height,
        column_offset,
        mux: height,
        display_offset,
    }
}

const SSD1325_128X64: GrayModel = gray(&SSD1325, 128, 64, 0, 0x4C);
const SSD1327_128X128: GrayModel = gray(&SSD1327, 128, 128, 0, 0);
const SSD1327_96X96: GrayModel = gray(&SSD1327_SEEED, 96, 96, 8, 0x20);
const SSD1362_256X64: GrayModel = gray(&SSD1362, 256, 64, 0, 0);
const SSD1322_NHD_128X64: GrayModel = gray(&SSD1322_NHD, 128, 64, 28, 0);
const SSD1363_256X128: GrayModel = gray(&SSD1363, 256, 128, 8, 0x20);

// ---- Colour-window OLED controllers ---------------------------------------------------

/// SSD1331: 96×64 colour OLED, RGB565 (65k colours, format 1). Arguments go as command
/// bytes; data is RAM at once. Contrast is one command per colour (0x81, 0x82, 0x83) under
/// a master current (0x87). The common modules show RAM upright with column and COM remap
/// and odd/even split (0x72).
pub const SSD1331: ColorSpec = ColorSpec {
    chip: "SSD1331",
    ram: (96, 64),
    args: GrayArgs::Command,
    write_ram: None,
    init: &[
        C::Cmd(0xAE, &[]),     // display off
        C::Cmd(0xA0, &[0x72]), // remap: column, COM remap, COM split, 65k colours
        C::Cmd(0xA1, &[0x00]), // start line 0
        C::Cmd(0xA2, &[0x00]), // display offset 0
        C::Mux,
        C::Cmd(0xAD, &[0x8E]), // master configuration: external VCC
        C::Cmd(0xB0, &[0x0B]), // power save off
        C::Cmd(0xB1, &[0x74]), // phase lengths
        C::Cmd(0xB3, &[0xD0]), // clock divide / oscillator
        C::Cmd(0x8A, &[0x80]), // second pre-charge speed, colour A
        C::Cmd(0x8B, &[0x80]), // colour B
        C::Cmd(0x8C, &[0x80]), // colour C
        C::Cmd(0xBB, &[0x3E]), // pre-charge voltage
        C::Cmd(0xBE, &[0x3E]), // VCOMH
        C::Cmd(0x87, &[0x0F]), // master current: full
        C::Contrast,
        C::Invert,
        C::Cmd(0xAF, &[]), // display on
        C::Delay(100),
    ],
    contrast: ColorContrast::PerColour([0x81, 0x82, 0x83]),
    contrast_reset: 0x80,
    mux_cmd: 0xA8,
    remap: REMAP_SSD1331,
    upright: 0x72,
    modes: MODES_SSD1325,
    commands: &[
        (0x15, 0x15, 2),
        (0x21, 0x21, 7),
        (0x22, 0x22, 10),
        (0x23, 0x23, 6),
        (0x24, 0x25, 4),
        (0x26, 0x26, 1),
        (0x27, 0x27, 5),
        (0x2E, 0x2F, 0),
        (0x75, 0x75, 2),
        (0x81, 0x83, 1),
        (0x87, 0x87, 1),
        (0x8A, 0x8C, 1),
        (0xA0, 0xA2, 1),
        (0xA4, 0xA7, 0),
        (0xA8, 0xA8, 1),
        (0xAB, 0xAB, 5),
        (0xAC, 0xAC, 0),
        (0xAD, 0xAD, 1),
        (0xAE, 0xAF, 0),
        (0xB0, 0xB1, 1),
        (0xB3, 0xB3, 1),
        (0xB8, 0xB8, 32),
        (0xB9, 0xB9, 0),
        (0xBB, 0xBB, 1),
        (0xBC, 0xBD, 0),
        (0xBE, 0xBE, 1),
        (0xE3, 0xE3, 0),
    ],
};

/// SSD1351: 128×128 RAM, RGB565 (65k colours). Arguments go as data, RAM writes after
/// 0x5C. Contrast is one command (0xC1) with the three colours' levels under a master
/// current (0xC7). Modules show RAM upright with COM remap and odd/even split (0x70);
/// commands are unlocked first (0xFD 0x12, 0xFD 0xB1).
pub const SSD1351: ColorSpec = ColorSpec {
    chip: "SSD1351",
    ram: (128, 128),
    args: GrayArgs::Data,
    write_ram: Some(0x5C),
    init: &[
        C::Cmd(0xFD, &[0x12]), // unlock commands
        C::Cmd(0xFD, &[0xB1]), // and the protected ones
        C::Cmd(0xAE, &[]),     // display off
        C::Cmd(0xB3, &[0xF1]), // clock divide / oscillator
        C::Mux,
        C::Cmd(0xA0, &[0x70]), // remap: COM remap, COM split, 65k colours
        C::Cmd(0xA1, &[0x00]), // start line 0
        C::Cmd(0xA2, &[0x00]), // display offset 0
        C::Cmd(0xB5, &[0x00]), // GPIO off
        C::Cmd(0xAB, &[0x01]), // internal VDD regulator
        C::Cmd(0xB1, &[0x32]), // phase lengths
        C::Cmd(0xB4, &[0xA0, 0xB5, 0x55]), // segment low voltage: external VSL
        C::Cmd(0xBE, &[0x05]), // VCOMH
        C::Cmd(0xC7, &[0x0F]), // master current: full
        C::Contrast,
        C::Cmd(0xB6, &[0x01]), // second pre-charge period
        C::Invert,
        C::Cmd(0xAF, &[]), // display on
        C::Delay(100),
    ],
    contrast: ColorContrast::OneCommand(0xC1),
    contrast_reset: 0x8A,
    mux_cmd: 0xCA,
    remap: REMAP_SSD1331,
    upright: 0x70,
    modes: MODES_SSD1322,
    commands: &[
        (0x15, 0x15, 2),
        (0x5C, 0x5D, 0),
        (0x75, 0x75, 2),
        (0x96, 0x96, 1),
        (0x9E, 0x9F, 0),
        (0xA0, 0xA2, 1),
        (0xA4, 0xA7, 0),
        (0xAB, 0xAB, 1),
        (0xAD, 0xAD, 1),
        (0xAE, 0xAF, 0),
        (0xB0, 0xB1, 1),
        (0xB2, 0xB2, 3),
        (0xB3, 0xB3, 1),
        (0xB4, 0xB4, 3),
        (0xB5, 0xB6, 1),
        (0xB8, 0xB8, 63),
        (0xB9, 0xB9, 0),
        (0xBB, 0xBB, 1),
        (0xBE, 0xBE, 1),
        (0xC1, 0xC1, 3),
        (0xC7, 0xC7, 1),
        (0xCA, 0xCA, 1),
        (0xFD, 0xFD, 1),
    ],
};

const SSD1331_96X64: ColorModel = ColorModel {
    chip: &SSD1331,
    width: 96,
    height: 64,
};
const SSD1351_128X128: ColorModel = ColorModel {
    chip: &SSD1351,
    width: 128,
    height: 128,
};
/// 128×96 modules scan 96 rows from RAM row 0.
const SSD1351_128X96: ColorModel = ColorModel {
    chip: &SSD1351,
    width: 128,
    height: 96,
};

// ---- The table ------------------------------------------------------------------------

/// Every model. The first one that fits a frame is the one `bench` and `replay` pick.
pub const MODELS: &[ModelRow] = &[
    ModelRow {
        name: "ssd1306",
        controller: "Ssd1306",
        native: (128, 64),
        mode: PixelMode::Mono,
        spi_max_hz: 10_000_000,
        fits: "0.96\" and 1.3\" 128x64 OLED modules (I2C or SPI)",
        family: Family::Paged(&SSD1306_128X64),
    },
    ModelRow {
        name: "ssd1306-128x32",
        controller: "Ssd1306",
        native: (128, 32),
        mode: PixelMode::Mono,
        spi_max_hz: 10_000_000,
        fits: "0.91\" 128x32 OLED modules",
        family: Family::Paged(&SSD1306_128X32),
    },
    ModelRow {
        name: "sh1106",
        controller: "Sh1106",
        native: (128, 64),
        mode: PixelMode::Mono,
        spi_max_hz: 4_000_000,
        fits: "1.3\" 128x64 OLED modules sold as SH1106",
        family: Family::Paged(&SH1106_128X64),
    },
    ModelRow {
        name: "sh1106-128x32",
        controller: "Sh1106",
        native: (128, 32),
        mode: PixelMode::Mono,
        spi_max_hz: 4_000_000,
        fits: "128x32 SH1106 modules",
        family: Family::Paged(&SH1106_128X32),
    },
    ModelRow {
        name: "ssd1322",
        controller: "Ssd1322",
        native: (256, 64),
        mode: PixelMode::Gray4,
        spi_max_hz: 10_000_000,
        fits: "3.12\" 256x64 greyscale OLED modules",
        family: Family::Ssd1322,
    },
    ModelRow {
        name: "st7789",
        controller: "St7789",
        native: (240, 240),
        mode: PixelMode::Rgb565,
        spi_max_hz: 62_500_000,
        fits: "1.3\" and 1.54\" 240x240 IPS modules",
        family: Family::Mipi(&ST7789_240X240),
    },
    ModelRow {
        name: "st7789-240x320",
        controller: "St7789",
        native: (240, 320),
        mode: PixelMode::Rgb565,
        spi_max_hz: 62_500_000,
        fits: "2\" 240x320 IPS modules",
        family: Family::Mipi(&ST7789_240X320),
    },
    ModelRow {
        name: "ili9341",
        controller: "Ili9341",
        native: (240, 320),
        mode: PixelMode::Rgb565,
        spi_max_hz: 10_000_000,
        fits: "2.2\", 2.4\" and 2.8\" 240x320 SPI TFT modules",
        family: Family::Mipi(&ILI9341_240X320),
    },
    ModelRow {
        name: "ssd1309",
        controller: "Ssd1309",
        native: (128, 64),
        mode: PixelMode::Mono,
        spi_max_hz: 10_000_000,
        fits: "2.42\" and 1.54\" 128x64 OLED modules",
        family: Family::Paged(&SSD1309_128X64),
    },
    // SSD1315: command-compatible with the SSD1306 (charge pump included): same spec.
    ModelRow {
        name: "ssd1315",
        controller: "Ssd1315",
        native: (128, 64),
        mode: PixelMode::Mono,
        spi_max_hz: 10_000_000,
        fits: "0.96\" 128x64 OLED modules sold as SSD1315",
        family: Family::Paged(&SSD1306_128X64),
    },
    // SSD1316: command-compatible with the SSD1306 for 128x32 glass: same spec.
    ModelRow {
        name: "ssd1316-128x32",
        controller: "Ssd1316",
        native: (128, 32),
        mode: PixelMode::Mono,
        spi_max_hz: 10_000_000,
        fits: "0.87\"/0.91\" 128x32 OLED modules sold as SSD1316",
        family: Family::Paged(&SSD1306_128X32),
    },
    ModelRow {
        name: "ssd1305",
        controller: "Ssd1305",
        native: (128, 64),
        mode: PixelMode::Mono,
        spi_max_hz: 10_000_000,
        fits: "128x64 SSD1305 OLED modules",
        family: Family::Paged(&SSD1305_128X64),
    },
    ModelRow {
        name: "ssd1305-128x32",
        controller: "Ssd1305",
        native: (128, 32),
        mode: PixelMode::Mono,
        spi_max_hz: 10_000_000,
        fits: "2.23\" 128x32 OLED (Adafruit 2675 and its kin)",
        family: Family::Paged(&SSD1305_128X32),
    },
    ModelRow {
        name: "sh1107",
        controller: "Sh1107",
        native: (64, 128),
        mode: PixelMode::Mono,
        spi_max_hz: 4_000_000,
        fits: "1.3\" 128x64 OLEDs on SH1107 (Adafruit FeatherWing 4650; use rotation 90 or 270 for 128x64)",
        family: Family::Paged(&SH1107_64X128),
    },
    ModelRow {
        name: "sh1107-128x128",
        controller: "Sh1107",
        native: (128, 128),
        mode: PixelMode::Mono,
        spi_max_hz: 4_000_000,
        fits: "1.12\"/1.5\" 128x128 OLED modules",
        family: Family::Paged(&SH1107_128X128),
    },
    ModelRow {
        name: "st7567",
        controller: "St7567",
        native: (128, 64),
        mode: PixelMode::Mono,
        spi_max_hz: 20_000_000,
        fits: "12864 mono LCD modules on ST7567 (JLX12864 and kin)",
        family: Family::Paged(&ST7567_128X64),
    },
    ModelRow {
        name: "uc1701x",
        controller: "Uc1701x",
        native: (128, 64),
        mode: PixelMode::Mono,
        spi_max_hz: 8_000_000,
        fits: "Mini12864 and other 12864 mono LCDs on UC1701X",
        family: Family::Paged(&UC1701X_128X64),
    },
    ModelRow {
        name: "pcd8544",
        controller: "Pcd8544",
        native: (84, 48),
        mode: PixelMode::Mono,
        spi_max_hz: 4_000_000,
        fits: "Nokia 5110/3310 84x48 LCD breakouts",
        family: Family::Pcd8544,
    },
    ModelRow {
        name: "st7735-green-tab-128x160",
        controller: "St7735",
        native: (128, 160),
        mode: PixelMode::Rgb565,
        spi_max_hz: 15_000_000,
        fits: "1.8\" 128x160 TFT breakouts with a green tab on the film",
        family: Family::Mipi(&ST7735_GREEN_128X160),
    },
    ModelRow {
        name: "st7735-green-tab-128x128",
        controller: "St7735",
        native: (128, 128),
        mode: PixelMode::Rgb565,
        spi_max_hz: 15_000_000,
        fits: "1.44\" 128x128 TFT breakouts (green tab)",
        family: Family::Mipi(&ST7735_GREEN_128X128),
    },
    ModelRow {
        name: "st7735-red-tab-128x160",
        controller: "St7735RedTab",
        native: (128, 160),
        mode: PixelMode::Rgb565,
        spi_max_hz: 15_000_000,
        fits: "1.8\" 128x160 TFT breakouts with a red tab",
        family: Family::Mipi(&ST7735_RED_128X160),
    },
    ModelRow {
        name: "st7735-black-tab-128x160",
        controller: "St7735BlackTab",
        native: (128, 160),
        mode: PixelMode::Rgb565,
        spi_max_hz: 15_000_000,
        fits: "1.8\" 128x160 TFT breakouts with a black tab (RGB filter)",
        family: Family::Mipi(&ST7735_BLACK_128X160),
    },
    ModelRow {
        name: "ili9486",
        controller: "Ili9486",
        native: (320, 480),
        mode: PixelMode::Rgb565,
        spi_max_hz: 15_000_000,
        fits: "3.5\" 320x480 ILI9486 modules wired for plain 4-wire SPI (not the 16-bit shift-register Pi hats)",
        family: Family::Mipi(&ILI9486_320X480),
    },
    ModelRow {
        name: "ili9488",
        controller: "Ili9488",
        native: (320, 480),
        mode: PixelMode::Rgb565,
        spi_max_hz: 20_000_000,
        fits: "3.5\" and 4\" 320x480 SPI TFT modules on ILI9488",
        family: Family::Mipi(&ILI9488_320X480),
    },
    ModelRow {
        name: "hd44780-16x2",
        controller: "Hd44780",
        native: HD44780_16X2.pixels(),
        mode: PixelMode::Mono,
        spi_max_hz: 0,
        fits: "16x2 character LCDs (1602) on a PCF8574 I2C backpack or 4-bit GPIO",
        family: Family::Hd44780(&HD44780_16X2),
    },
    ModelRow {
        name: "hd44780-20x4",
        controller: "Hd44780",
        native: HD44780_20X4.pixels(),
        mode: PixelMode::Mono,
        spi_max_hz: 0,
        fits: "20x4 character LCDs (2004) on a PCF8574 I2C backpack or 4-bit GPIO",
        family: Family::Hd44780(&HD44780_20X4),
    },
    ModelRow {
        name: "hd44780-16x4",
        controller: "Hd44780",
        native: HD44780_16X4.pixels(),
        mode: PixelMode::Mono,
        spi_max_hz: 0,
        fits: "16x4 character LCDs (1604)",
        family: Family::Hd44780(&HD44780_16X4),
    },
    ModelRow {
        name: "hd44780-20x2",
        controller: "Hd44780",
        native: HD44780_20X2.pixels(),
        mode: PixelMode::Mono,
        spi_max_hz: 0,
        fits: "20x2 character LCDs (2002)",
        family: Family::Hd44780(&HD44780_20X2),
    },
    ModelRow {
        name: "weh001602",
        controller: "Weh",
        native: WEH_16X2.pixels(),
        mode: PixelMode::Mono,
        spi_max_hz: 0,
        fits: "Winstar WEH001602 16x2 character OLEDs (WS0010) on a PCF8574 I2C backpack or 4-bit GPIO",
        family: Family::Hd44780(&WEH_16X2),
    },
    ModelRow {
        name: "weh002004",
        controller: "Weh",
        native: WEH_20X4.pixels(),
        mode: PixelMode::Mono,
        spi_max_hz: 0,
        fits: "Winstar WEH002004 20x4 character OLEDs (WS0010) on a PCF8574 I2C backpack or 4-bit GPIO",
        family: Family::Hd44780(&WEH_20X4),
    },
    ModelRow {
        name: "weg010016",
        controller: "Ws0010",
        native: (100, 16),
        mode: PixelMode::Mono,
        spi_max_hz: 0,
        fits: "Winstar WEG010016 100x16 graphic OLEDs (WS0010, graphic mode) on a PCF8574 I2C backpack or 4-bit GPIO",
        family: Family::Ws0010(&WEG_100X16),
    },
    // E-paper: the SSD1680's 4-wire SPI serial clock cycle is at least 50 ns (20 MHz
    // writing), the UC8151's 100 ns (10 MHz).
    ModelRow {
        name: "epd2in13-v4",
        controller: "Ssd1680",
        native: (122, 250),
        mode: PixelMode::Mono,
        spi_max_hz: 20_000_000,
        fits: "Waveshare 2.13\" e-Paper V3 and V4, 250x122 black/white (rotation 90 or 270 for landscape)",
        family: Family::Ssd1680(&SSD1680_2IN13),
    },
    ModelRow {
        name: "epd2in13b-v4",
        controller: "Ssd1680Bwr",
        native: (122, 250),
        mode: PixelMode::Bwr,
        spi_max_hz: 20_000_000,
        fits: "Waveshare 2.13\" e-Paper (B) V4, 250x122 black/white/red (rotation 90 or 270 for landscape)",
        family: Family::Ssd1680(&SSD1680_2IN13_RED),
    },
    ModelRow {
        name: "epd2in9-v2",
        controller: "Ssd1680",
        native: (128, 296),
        mode: PixelMode::Mono,
        spi_max_hz: 20_000_000,
        fits: "Waveshare 2.9\" e-Paper V2, 296x128 black/white (rotation 90 or 270 for landscape)",
        family: Family::Ssd1680(&SSD1680_2IN9),
    },
    ModelRow {
        name: "epd2in9b-v4",
        controller: "Ssd1680Bwr",
        native: (128, 296),
        mode: PixelMode::Bwr,
        spi_max_hz: 20_000_000,
        fits: "Waveshare 2.9\" e-Paper (B) V4, 296x128 black/white/red (rotation 90 or 270 for landscape)",
        family: Family::Ssd1680(&SSD1680_2IN9_RED),
    },
    ModelRow {
        name: "inky-phat-v1",
        controller: "Uc8151",
        native: (104, 212),
        mode: PixelMode::Mono,
        spi_max_hz: 10_000_000,
        fits: "Pimoroni Inky pHAT black/white, first version (212x104; the 250x122 V2 is another chip), Waveshare 2.13\" (D) 212x104 (rotation 90 or 270 for landscape)",
        family: Family::Uc8151(&UC8151_2IN13),
    },
    ModelRow {
        name: "epd2in13b-v3",
        controller: "Uc8151Bwr",
        native: (104, 212),
        mode: PixelMode::Bwr,
        spi_max_hz: 10_000_000,
        fits: "Waveshare 2.13\" e-Paper (B) V1 to V3, 212x104 black/white/red on IL0373 (rotation 90 or 270 for landscape)",
        family: Family::Uc8151(&UC8151_2IN13_RED),
    },
    ModelRow {
        name: "ssd1322-nhd",
        controller: "Ssd1322Nhd",
        native: (128, 64),
        mode: PixelMode::Gray4,
        spi_max_hz: 10_000_000,
        fits: "Newhaven 128x64 greyscale OLEDs on SSD1322 (two segments a pixel)",
        family: Family::Gray(&SSD1322_NHD_128X64),
    },
    ModelRow {
        name: "ssd1325",
        controller: "Ssd1325",
        native: (128, 64),
        mode: PixelMode::Gray4,
        spi_max_hz: 4_000_000,
        fits: "2.7\" and 1.3\" 128x64 greyscale OLEDs on SSD1325",
        family: Family::Gray(&SSD1325_128X64),
    },
    ModelRow {
        name: "ssd1327",
        controller: "Ssd1327",
        native: (128, 128),
        mode: PixelMode::Gray4,
        spi_max_hz: 10_000_000,
        fits: "1.5\" 128x128 greyscale OLED modules (SPI or I2C)",
        family: Family::Gray(&SSD1327_128X128),
    },
    ModelRow {
        name: "ssd1327-96x96",
        controller: "Ssd1327",
        native: (96, 96),
        mode: PixelMode::Gray4,
        spi_max_hz: 10_000_000,
        fits: "Seeed Grove OLED 1.12\" 96x96 v1.0 (SSD1327, I2C; the v2.0 is an SH1107 128x128)",
        family: Family::Gray(&SSD1327_96X96),
    },
    ModelRow {
        name: "ssd1362",
        controller: "Ssd1362",
        native: (256, 64),
        mode: PixelMode::Gray4,
        spi_max_hz: 10_000_000,
        fits: "3.12\" 256x64 greyscale OLEDs on SSD1362 (ELW2106AA)",
        family: Family::Gray(&SSD1362_256X64),
    },
    ModelRow {
        name: "ssd1363",
        controller: "Ssd1363",
        native: (256, 128),
        mode: PixelMode::Gray4,
        spi_max_hz: 10_000_000,
        fits: "2.7\" 256x128 greyscale OLEDs on SSD1363 (ER-OLED027-3)",
        family: Family::Gray(&SSD1363_256X128),
    },
    ModelRow {
        name: "ch1115",
        controller: "Ch1115",
        native: (128, 64),
        mode: PixelMode::Mono,
        spi_max_hz: 4_000_000,
        fits: "128x64 OLED modules on CH1115 (SH1106-style page addressing)",
        family: Family::Paged(&CH1115_128X64),
    },
    ModelRow {
        name: "ssd1331",
        controller: "Ssd1331",
        native: (96, 64),
        mode: PixelMode::Rgb565,
        spi_max_hz: 6_000_000,
        fits: "0.95\" 96x64 colour OLED modules on SSD1331",
        family: Family::Color(&SSD1331_96X64),
    },
    ModelRow {
        name: "ssd1351",
        controller: "Ssd1351",
        native: (128, 128),
        mode: PixelMode::Rgb565,
        spi_max_hz: 20_000_000,
        fits: "1.5\" 128x128 colour OLED modules on SSD1351",
        family: Family::Color(&SSD1351_128X128),
    },
    ModelRow {
        name: "ssd1351-128x96",
        controller: "Ssd1351",
        native: (128, 96),
        mode: PixelMode::Rgb565,
        spi_max_hz: 20_000_000,
        fits: "1.27\" 128x96 colour OLED modules on SSD1351",
        family: Family::Color(&SSD1351_128X96),
    },
];

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
        self.0.driver()
    }

    /// A fresh emulator of its controller.
    pub fn emulator(self) -> Box<dyn Emulator> {
        self.0.emulator()
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
            assert_eq!(row.emulator().size(), row.native, "{row:?}");
            assert_eq!(
                (row.driver().native(), row.driver().mode()),
                (row.native, row.mode)
            );
        }
        let mut names: Vec<&str> = MODELS.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), MODELS.len());
        assert!(controllers().starts_with("Ssd1306, Sh1106, Ssd1322, St7789, Ili9341, "));
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
