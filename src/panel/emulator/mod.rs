//! Controller emulators: they take the byte stream a driver sent (or a capture file) and
//! rebuild the controller's RAM and what the glass shows, honouring the commands the
//! drivers use. They prove the bytes without hardware, and `tinydisplay decode` uses them.

use super::bus::Transfer;
use super::models::Model;
use super::wire::{Step, Wire};

pub mod color;
pub mod gray;
pub mod hd44780;
pub mod mipi;
pub mod pages;
pub mod pcd8544;
pub mod port4;
pub mod proof;
pub mod ssd1322;
pub mod ssd1680;
pub mod uc8151;
pub mod ws0010;

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
    /// Rows the controller was told to scan, where it has a multiplex ratio.
    fn rows_scanned(&self) -> Option<u32> {
        None
    }
    /// Refreshes run so far, on a panel whose glass changes only when refreshed (e-paper).
    fn refreshes(&self) -> Option<Refreshes> {
        None
    }
}

/// The refreshes an e-paper controller ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Refreshes {
    /// Whole-panel refreshes.
    pub full: u64,
    /// Partial refreshes (a fast waveform or a window).
    pub partial: u64,
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
    model.emulator()
}

/// Feeds everything on `wire` (delays, BUSY waits and backlight changes do not change RAM;
/// an emulated controller is never busy).
pub fn feed_wire(emu: &mut dyn Emulator, wire: &Wire) {
    for step in wire.steps() {
        match step {
            Step::Command(r) => emu.command(wire.bytes(r)),
            Step::Data(r) => emu.data(wire.bytes(r)),
            Step::Reset => emu.reset(),
            Step::Delay(_) | Step::Backlight(_) | Step::BacklightLevel(_) | Step::WaitBusy(_) => {}
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

/// A command waiting for its arguments.
#[derive(Debug, Default, Clone)]
struct Pending {
    cmd: u8,
    args: Vec<u8>,
    need: usize,
}

/// The command decoding state the emulators share: a command waiting for arguments,
/// whether RAM is being written, and the problems found.
#[derive(Debug, Default, Clone)]
pub struct Decoder {
    pending: Option<Pending>,
    /// Data bytes go to RAM (after a write-RAM command).
    pub writing: bool,
    /// Commands not understood or not modelled, in order.
    pub problems: Vec<String>,
}

impl Decoder {
    /// Forgets a half-received command (a reset).
    pub fn reset(&mut self) {
        self.pending = None;
        self.writing = false;
    }
}

/// What the shared decoding needs of an emulated controller.
pub(crate) trait Controller {
    /// Argument bytes of command `c` (None: unknown to this controller).
    fn args_of(&self, c: u8) -> Option<usize>;
    /// Carries out a complete command.
    fn run(&mut self, c: u8, args: &[u8]);
    /// Takes one byte written to RAM.
    fn ram_byte(&mut self, b: u8);
    /// The decoding state.
    fn decoder(&mut self) -> &mut Decoder;
}

/// Starts command `b`, or runs it at once when it takes no arguments.
fn start<C: Controller>(c: &mut C, b: u8) {
    match c.args_of(b) {
        Some(0) => c.run(b, &[]),
        Some(need) => {
            c.decoder().pending = Some(Pending {
                cmd: b,
                args: Vec::new(),
                need,
            })
        }
        None => c
            .decoder()
            .problems
            .push(format!("unknown command {b:#04X}")),
    }
}

/// Adds an argument to the waiting command; runs it when complete. False when no
/// command is waiting.
fn argument<C: Controller>(c: &mut C, b: u8) -> bool {
    let Some(p) = &mut c.decoder().pending else {
        return false;
    };
    p.args.push(b);
    if p.args.len() >= p.need
        && let Some(p) = c.decoder().pending.take()
    {
        c.run(p.cmd, &p.args);
    }
    true
}

/// Command bytes for controllers whose arguments arrive as data (SSD1322, MIPI DCS).
pub(crate) fn command_then_data_args<C: Controller>(c: &mut C, bytes: &[u8]) {
    for &b in bytes {
        if let Some(p) = c.decoder().pending.take() {
            c.decoder().problems.push(format!(
                "command {:#04X} got {} of {} arguments",
                p.cmd,
                p.args.len(),
                p.need
            ));
        }
        c.decoder().writing = false;
        start(c, b);
    }
}

/// Data bytes for those controllers: arguments of the waiting command, else RAM.
pub(crate) fn data_args_or_ram<C: Controller>(c: &mut C, bytes: &[u8]) {
    for &b in bytes {
        if argument(c, b) {
            continue;
        }
        if c.decoder().writing {
            c.ram_byte(b);
        } else {
            c.decoder()
                .problems
                .push(format!("data byte {b:#04X} outside a command"));
        }
    }
}

/// Command bytes for controllers whose arguments are command bytes too (SSD1306, SH1106).
pub(crate) fn command_with_command_args<C: Controller>(c: &mut C, bytes: &[u8]) {
    for &b in bytes {
        if !argument(c, b) {
            start(c, b);
        }
    }
}

/// Data bytes for those controllers: all RAM.
pub(crate) fn data_all_ram<C: Controller>(c: &mut C, bytes: &[u8]) {
    if let Some(p) = c.decoder().pending.take() {
        c.decoder()
            .problems
            .push(format!("command {:#04X} cut short by data", p.cmd));
    }
    for &b in bytes {
        c.ram_byte(b);
    }
}
