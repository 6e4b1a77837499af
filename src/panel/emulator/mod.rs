//! Controller emulators: they take the byte stream a driver sent (or a capture file) and
//! rebuild the controller's RAM and what the glass shows, honouring the commands the
//! drivers use. They prove the bytes without hardware, and `tinydisplay decode` uses them.

use super::bus::Transfer;
use super::driver::Model;
use super::wire::{Step, Wire};

pub mod mipi;
pub mod pages;
pub mod ssd1322;

/// A display controller, emulated.
pub trait Emulator {
    /// Command bytes arrived (DC low).
    fn command(&mut self, bytes: &[u8]);
    /// Data bytes arrived (DC high).
    fn data(&mut self, bytes: &[u8]);
    /// The RESET line was pulsed.
    fn reset(&mut self);
    /// The panel's size as the controller scans it.
    fn size(&self) -> (u32, u32);
    /// What the glass shows at (x, y), as RGB.
    fn pixel(&self, x: u32, y: u32) -> [u8; 3];
    /// Display on/off, inversion, contrast.
    fn state(&self) -> State;
    /// Commands it did not understand or could not model, in order.
    fn problems(&self) -> &[String];
}

/// The display state the commands set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct State {
    /// Display on and awake.
    pub on: bool,
    /// Inverted.
    pub inverted: bool,
    /// Contrast or brightness.
    pub contrast: u8,
}

/// A fresh emulator of the controller of `model`.
pub fn for_model(model: Model) -> Box<dyn Emulator> {
    match model {
        Model::Ssd1306 => Box::new(pages::PagesEmulator::ssd1306(64)),
        Model::Ssd1306x32 => Box::new(pages::PagesEmulator::ssd1306(32)),
        Model::Sh1106 => Box::new(pages::PagesEmulator::sh1106(64)),
        Model::Sh1106x32 => Box::new(pages::PagesEmulator::sh1106(32)),
        Model::Ssd1322 => Box::new(ssd1322::Ssd1322Emulator::new()),
        Model::St7789 => Box::new(mipi::MipiEmulator::st7789(240)),
        Model::St7789x320 => Box::new(mipi::MipiEmulator::st7789(320)),
        Model::Ili9341 => Box::new(mipi::MipiEmulator::ili9341()),
    }
}

/// Feeds everything on `wire` (delays and backlight changes do not change RAM).
pub fn feed_wire(emu: &mut dyn Emulator, wire: &Wire) {
    for step in wire.steps() {
        match step {
            Step::Command(r) => emu.command(wire.bytes(r)),
            Step::Data(r) => emu.data(wire.bytes(r)),
            Step::Reset => emu.reset(),
            Step::Delay(_) | Step::Backlight(_) => {}
        }
    }
}

/// Feeds transfers read from a capture.
pub fn feed_transfers(emu: &mut dyn Emulator, transfers: &[Transfer]) {
    for t in transfers {
        match t {
            Transfer::Command(b) => emu.command(b),
            Transfer::Data(b) => emu.data(b),
            Transfer::Reset => emu.reset(),
        }
    }
}

/// What the glass shows, as packed RGB rows (for PNG output).
pub fn to_rgb8(emu: &dyn Emulator) -> Vec<u8> {
    let (w, h) = emu.size();
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    for y in 0..h {
        for x in 0..w {
            out.extend_from_slice(&emu.pixel(x, y));
        }
    }
    out
}

/// Collects a command and its arguments across transfers: `need` is how many argument
/// bytes the command takes.
#[derive(Debug, Default, Clone)]
pub(crate) struct Pending {
    /// The command byte.
    pub cmd: u8,
    /// Arguments so far.
    pub args: Vec<u8>,
    /// Arguments it takes.
    pub need: usize,
}

impl Pending {
    /// Adds an argument; true when the command is complete.
    pub fn push(&mut self, b: u8) -> bool {
        self.args.push(b);
        self.args.len() >= self.need
    }
}
