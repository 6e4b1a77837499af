//! Display controllers: each [`Driver`] knows its controller's init sequence, its
//! commands for contrast, invert and sleep, and how to pack a panel rectangle of the frame
//! into the bytes its RAM wants, through its window or page addressing.

use crate::render::{FrameBuffer, PixelMode, Rect};

use super::rotation::Rotation;
use super::wire::Wire;

pub mod color;
pub mod epaper;
pub mod gray;
pub mod hd44780;
pub mod mipi;
pub mod pages;
pub mod pcd8544;
pub mod ssd1322;
pub mod ssd1680;
pub mod uc8151;
pub mod ws0010;

/// A display controller driver: it writes commands and pixels into a [`Wire`], which a
/// bus sends, or a controller emulator decodes back into what the glass shows.
///
/// ```
/// use tinydisplay::panel::driver::Pixels;
/// use tinydisplay::panel::emulator::feed_wire;
/// use tinydisplay::panel::{Model, Rotation, Settings, Wire};
/// use tinydisplay::render::{Color, FrameBuffer, Rect};
///
/// let model = Model::named("ssd1306").expect("a model of the table");
/// let driver = model.driver();
/// let (w, h) = driver.native();
/// let mut frame = FrameBuffer::new(w, h, driver.mode());
/// frame.fill_rect(Rect::new(10, 20, 3, 3), Color::WHITE);
///
/// let mut wire = Wire::new();
/// driver.init(&Settings::default(), &mut wire);
/// let all = driver.align(Rect::new(0, 0, w, h));
/// driver.pack(&Pixels::new(&frame, Rotation::R0, (w, h)), all, &mut wire);
///
/// // The bytes, decoded by an SSD1306 emulator, show the frame.
/// let mut glass = model.emulator();
/// feed_wire(&mut *glass, &wire);
/// assert!(glass.state().on, "the init turned the display on");
/// assert_eq!(glass.pixel(11, 21), [255, 255, 255]);
/// assert_eq!(glass.pixel(9, 21), [0, 0, 0]);
/// ```
pub trait Driver: Send {
    /// The panel's size as the controller scans it (before rotation).
    fn native(&self) -> (u32, u32);

    /// The pixel mode of the frames it shows.
    fn mode(&self) -> PixelMode;

    /// The whole power-on sequence, ending with the display on.
    fn init(&self, settings: &Settings, wire: &mut Wire);

    /// Sets contrast (OLED), electronic volume or Vop (LCD) or brightness (TFT), 0..=255.
    fn contrast(&self, level: u8, wire: &mut Wire);

    /// The register value a contrast level becomes (None: the controller has no
    /// contrast or brightness command, so contrast does nothing).
    fn contrast_register(&self, level: u8) -> Option<u8> {
        Some(level)
    }

    /// Shows the panel inverted (or not).
    fn invert(&self, on: bool, wire: &mut Wire);

    /// Puts the panel to sleep (display off, low power) or wakes it.
    fn sleep(&self, asleep: bool, wire: &mut Wire);

    /// Grows a panel rectangle to what the controller's addressing can write.
    fn align(&self, r: Rect) -> Rect;

    /// Writes the (aligned) panel rectangle `r` of `frame` to the controller's RAM.
    fn pack(&self, frame: &Pixels, r: Rect, wire: &mut Wire);

    /// Shows the panel rectangles `rects` that [`Driver::pack`] just wrote, on a panel whose
    /// glass changes only when told (e-paper): a full refresh, or a partial one where the
    /// controller has it. Default: nothing, the glass follows RAM.
    fn refresh(&self, frame: &Pixels, rects: &[Rect], full: bool, wire: &mut Wire) {
        let _ = (frame, rects, full, wire);
    }

    /// What the controller's refreshes allow (e-paper); None: every frame shows at once.
    fn refresh_limits(&self) -> Option<super::refresh::RefreshLimits> {
        None
    }

    /// What a window costs on the wire, for sending only the cells that changed (None:
    /// damage is sent as it comes, aligned; the character displays).
    fn window_cost(&self) -> Option<WindowCost> {
        None
    }

    /// Bytes of the address commands [`Driver::pack_from`] sends before the pixels of the
    /// aligned panel rectangle `r` when the controller's registers hold `regs`, which
    /// become what they hold after it. Default: every address command of the window (as
    /// [`WindowCost`] counts them), the registers then unknown.
    fn address_bytes(&self, r: Rect, regs: &mut Registers) -> u64 {
        *regs = Registers::default();
        self.window_cost().map_or(0, |c| {
            u64::from(c.window) + u64::from(c.per_row) * u64::from(r.h.div_ceil(c.row.max(1)))
        })
    }

    /// Bytes that open a window on the rows of the window just sent, which ended at panel
    /// column `end` (exclusive), at panel column `start`. Default: [`WindowCost::hop`].
    fn hop_bytes(&self, end: u32, start: u32) -> u32 {
        let _ = (end, start);
        self.window_cost().map_or(0, |c| c.hop)
    }

    /// [`Driver::pack`] of the whole panel `r` (a full frame: every address command, so
    /// its bytes never depend on what came before), then `regs` set to what the
    /// registers hold after it.
    fn pack_whole(&self, frame: &Pixels, r: Rect, regs: &mut Registers, wire: &mut Wire) {
        self.pack(frame, r, wire);
        *regs = Registers::default();
        self.address_bytes(r, regs);
    }

    /// [`Driver::pack`], leaving out the address commands whose registers already hold
    /// what they would set (`regs`, updated to what they hold after). Default: all of
    /// them, the registers then unknown.
    fn pack_from(&self, frame: &Pixels, r: Rect, regs: &mut Registers, wire: &mut Wire) {
        *regs = Registers::default();
        self.pack(frame, r, wire);
    }
}

/// What a controller's address registers hold after the writes sent so far, where that is
/// known (a reset, an init or a full frame after a failure make it unknown): under window
/// addressing the last window's columns and rows, its RAM pointer back at the window's
/// start once the window was written whole; under page addressing the page and the next
/// column (`cols` is that column twice). In the controller's own RAM units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Registers {
    /// Columns (first, last), or the next column under page addressing.
    pub cols: Option<(u32, u32)>,
    /// Rows or pages (first, last).
    pub rows: Option<(u32, u32)>,
}

/// The bytes a controller's window costs on the wire: its address commands, a command
/// per row unit where it has one (page mode), and its pixels, in cells (the smallest
/// writable step: 4 columns of a row on the SSD1322, one column of an 8-row page on the
/// page-addressed controllers, one pixel on a TFT). Partial writes of an e-paper panel
/// count both RAM planes they write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCost {
    /// Panel columns a cell spans.
    pub col: u32,
    /// Panel rows a cell spans.
    pub row: u32,
    /// Bytes that open a window, before its pixels.
    pub window: u32,
    /// Bytes each row of cells of a window adds besides its pixels.
    pub per_row: u32,
    /// Bytes of one cell's pixels.
    pub cell: u32,
    /// Bytes that open a window on the same rows as the window sent just before it (a
    /// controller that keeps its address registers needs only the column command, and the
    /// write command where it has one); `window + per_row` where nothing is shared.
    pub hop: u32,
}

impl WindowCost {
    /// Bytes of a window `cols` cells wide and `rows` cells tall.
    #[inline]
    pub const fn bytes(&self, cols: u32, rows: u32) -> u64 {
        self.window as u64 + rows as u64 * (self.per_row as u64 + cols as u64 * self.cell as u64)
    }

    /// Bytes of the pixels alone of a window `cols` cells wide and `rows` cells tall.
    #[inline]
    pub const fn pixel_bytes(&self, cols: u32, rows: u32) -> u64 {
        rows as u64 * cols as u64 * self.cell as u64
    }
}

/// Settings sent at init.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Contrast or brightness, 0..=255.
    pub contrast: u8,
    /// Inverted display.
    pub invert: bool,
    /// The bus dims the backlight by PWM (`Spi(backlight_pwm: HZ)`): the contrast level
    /// also sets the backlight's duty cycle.
    pub backlight_pwm: bool,
    /// The character ROM of a character LCD (A00 unless the scene says `rom: A02`).
    pub rom: super::rom::Rom,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            contrast: 0xCF,
            invert: false,
            backlight_pwm: false,
            rom: super::rom::Rom::A00,
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

/// Rounds a span [a, b) out to multiples of `n`.
pub(crate) fn align_span(a: i32, b: i32, n: i32) -> (i32, i32) {
    (a.div_euclid(n) * n, (b + n - 1).div_euclid(n) * n)
}
