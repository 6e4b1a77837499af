//! The page-addressed mono controllers (SSD1306 and its kin, SH1106/SH1107, ST7567,
//! UC1701X): a RAM byte holds a column of 8 pixels, bit 0 at the top, so rows are written
//! in pages of 8. What differs between chips is data, a [`PagedSpec`]; what differs
//! between panels on one chip (size, offsets in RAM, COM wiring) is a [`PagedModel`].

use crate::panel::wire::Wire;
use crate::render::{PixelMode, Rect};

use super::{Driver, Pixels, Registers, Settings, WindowCost, align_span};

/// How a controller is told where the next bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAddressing {
    /// Whole frames through a horizontal addressing window (0x20 0x00, then the column
    /// (0x21) and page (0x22) window, set once), after which the controller goes back to
    /// page addressing (0x20 0x02, as its init leaves it); everything else as under
    /// [`PageAddressing::Page`], which costs fewer address bytes for partial updates
    /// (SSD1306, SSD1309, SSD1315/SSD1316).
    Window,
    /// Page mode: each page of a rectangle gets its page (0xB0 | page) and column (low
    /// nibble 0x0L, high nibble 0x1H) commands, then its bytes (SH1106, SH1107, SSD1305,
    /// ST7567, UC1701X).
    Page,
}

/// One step of a page-addressed controller's power-on sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagedInit {
    /// Command bytes sent as they are.
    Cmd(&'static [u8]),
    /// Multiplex ratio for the panel's rows: 0xA8, rows - 1.
    Mux,
    /// Display offset: 0xD3, the model's value.
    DisplayOffset,
    /// COM pins configuration: 0xDA, the model's value.
    ComPins,
    /// The contrast command with the settings' level.
    Contrast,
    /// Normal (0xA6) or inverse (0xA7) display, from the settings.
    Invert,
    /// Wait this many milliseconds.
    Delay(u32),
}

/// What one page-addressed controller is, as data: its RAM, addressing, commands and
/// power-on sequence. The driver and the emulator both read it.
#[derive(Debug)]
pub struct PagedSpec {
    /// The controller's name (`SSD1306`).
    pub chip: &'static str,
    /// Columns of display RAM (128, or 132 on SH1106/SSD1305/ST7567/UC1701X).
    pub ram_columns: u32,
    /// Pages of display RAM (8; 9 with the icon row of the LCDs; 16 on SH1107).
    pub ram_pages: u32,
    /// How partial updates are addressed.
    pub addressing: PageAddressing,
    /// The power-on sequence, ending with the display on.
    pub init: &'static [PagedInit],
    /// The contrast command (0x81 on all of them) whose one argument is the level.
    pub contrast_cmd: u8,
    /// Bits of that level: 8 on the OLEDs, 6 on the LCDs' electronic volume.
    pub contrast_bits: u32,
    /// The contrast register after a reset, as the emulator starts.
    pub contrast_reset: u8,
    /// Sent to sleep (display off; the LCDs add all-pixels-on for their power save).
    pub sleep: &'static [u8],
    /// Sent to wake.
    pub wake: &'static [u8],
    /// Segment remap (0xA1) and reversed COM scan (0xC8) as the init sends them: the
    /// settings under which the module's glass shows RAM upright.
    pub upright: (bool, bool),
    /// The commands it knows: (first, last, argument bytes), arguments sent as commands.
    pub commands: &'static [(u8, u8, u8)],
    /// 0x20 with no argument selects page addressing and 0x21 vertical (SH1107), rather
    /// than 0x20 taking the mode as an argument (SSD1306).
    pub mode_pair: bool,
}

impl PagedSpec {
    /// Argument bytes of command `c`, or None when the chip does not know it.
    pub fn args_of(&self, c: u8) -> Option<usize> {
        self.commands
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&c))
            .map(|(_, _, n)| usize::from(*n))
    }

    /// The register value a contrast level of 0..=255 becomes.
    pub const fn contrast_register(&self, level: u8) -> u8 {
        level >> (8 - self.contrast_bits)
    }
}

/// One panel on a page-addressed controller: its size and where it sits in RAM.
#[derive(Debug)]
pub struct PagedModel {
    /// The controller.
    pub chip: &'static PagedSpec,
    /// Columns (as the controller scans them).
    pub width: u32,
    /// Rows (a multiple of 8).
    pub height: u32,
    /// RAM column of the panel's first pixel.
    pub column_offset: u32,
    /// RAM page of the panel's top row.
    pub page_offset: u32,
    /// Rows the controller scans (the multiplex ratio sent at init).
    pub mux: u32,
    /// The COM pins configuration byte (0xDA), where the init sends one.
    pub com_pins: u8,
    /// The display offset (0xD3), where the init sends one.
    pub display_offset: u8,
}

/// The RAM byte for panel column `x` of page `page`: bit i is row `page * 8 + i`.
#[inline]
pub fn page_byte(px: &Pixels, x: u32, page: u32) -> u8 {
    let mut b = 0;
    for bit in 0..8 {
        if px.gray(x, page * 8 + bit) >= 128 {
            b |= 1 << bit;
        }
    }
    b
}

/// Rows grown to whole pages; columns as they are.
pub fn align_pages(r: Rect) -> Rect {
    let (y0, y1) = align_span(r.y, r.bottom(), 8);
    Rect::new(r.x, y0, r.w, (y1 - y0) as u32)
}

/// Appends the bytes of columns `x0..x1` of `page`.
pub fn push_page(px: &Pixels, page: u32, x0: u32, x1: u32, out: &mut Vec<u8>) {
    out.extend((x0..x1).map(|x| page_byte(px, x, page)));
}

/// The driver of a page-addressed mono panel, all of it read from its model.
#[derive(Debug, Clone, Copy)]
pub struct Paged(pub &'static PagedModel);

impl Driver for Paged {
    fn native(&self) -> (u32, u32) {
        (self.0.width, self.0.height)
    }

    fn mode(&self) -> PixelMode {
        PixelMode::Mono
    }

    fn init(&self, settings: &Settings, wire: &mut Wire) {
        let m = self.0;
        for step in m.chip.init {
            match *step {
                PagedInit::Cmd(bytes) => wire.command(bytes),
                PagedInit::Mux => wire.command(&[0xA8, (m.mux - 1) as u8]),
                PagedInit::DisplayOffset => wire.command(&[0xD3, m.display_offset]),
                PagedInit::ComPins => wire.command(&[0xDA, m.com_pins]),
                PagedInit::Contrast => self.contrast(settings.contrast, wire),
                PagedInit::Invert => self.invert(settings.invert, wire),
                PagedInit::Delay(ms) => wire.delay(ms),
            }
        }
    }

    fn contrast(&self, level: u8, wire: &mut Wire) {
        let chip = self.0.chip;
        wire.command(&[chip.contrast_cmd, chip.contrast_register(level)]);
    }

    fn contrast_register(&self, level: u8) -> Option<u8> {
        Some(self.0.chip.contrast_register(level))
    }

    fn invert(&self, on: bool, wire: &mut Wire) {
        wire.command(&[if on { 0xA7 } else { 0xA6 }]);
    }

    fn sleep(&self, asleep: bool, wire: &mut Wire) {
        let chip = self.0.chip;
        wire.command(if asleep { chip.sleep } else { chip.wake });
    }

    fn window_cost(&self) -> Option<WindowCost> {
        // Partial updates go in page mode (both addressings): page and column (3 bytes)
        // for every page. A byte is a column of a page. Kept registers: a run on the
        // same page at most the two column commands.
        Some(WindowCost {
            col: 1,
            row: 8,
            window: 0,
            per_row: 3,
            cell: 1,
            hop: 2,
        })
    }

    fn hop_bytes(&self, end: u32, start: u32) -> u32 {
        // The column pointer is at `end`: the low nibble, and the high one if it differs.
        let off = self.0.column_offset;
        1 + u32::from((end + off) >> 4 != (start + off) >> 4)
    }

    fn address_bytes(&self, r: Rect, regs: &mut Registers) -> u64 {
        let (p0, p1) = (r.y as u32 / 8, r.bottom() as u32 / 8);
        (p0..p1)
            .map(|page| self.page_address(r, page, regs, None))
            .sum()
    }

    fn pack_from(&self, px: &Pixels, r: Rect, regs: &mut Registers, wire: &mut Wire) {
        let (x0, x1) = (r.x as u32, r.right() as u32);
        let (p0, p1) = (r.y as u32 / 8, r.bottom() as u32 / 8);
        for page in p0..p1 {
            self.page_address(r, page, regs, Some(&mut *wire));
            push_page(px, page, x0, x1, wire.open_data());
            wire.close_data();
        }
    }

    fn pack_whole(&self, px: &Pixels, r: Rect, regs: &mut Registers, wire: &mut Wire) {
        match self.0.chip.addressing {
            PageAddressing::Window => {
                // One horizontal window for the whole frame, then page mode again; where
                // the pointer is after the switch is not documented: unknown.
                self.window(px, r, wire);
                *regs = Registers::default();
            }
            PageAddressing::Page => {
                self.pack(px, r, wire);
                *regs = Registers::default();
                self.address_bytes(r, regs);
            }
        }
    }

    fn align(&self, r: Rect) -> Rect {
        align_pages(r)
    }

    fn pack(&self, px: &Pixels, r: Rect, wire: &mut Wire) {
        // Every page with all its commands.
        let (p0, p1) = (r.y as u32 / 8, r.bottom() as u32 / 8);
        for page in p0..p1 {
            let row = Rect::new(r.x, (page * 8) as i32, r.w, 8);
            self.pack_from(px, row, &mut Registers::default(), wire);
        }
    }
}

impl Paged {
    /// Panel rectangle `r` through a horizontal addressing window: horizontal mode
    /// (0x20 0x00), the column (0x21) and page (0x22) window, the pages' bytes, then page
    /// addressing again (0x20 0x02).
    fn window(&self, px: &Pixels, r: Rect, wire: &mut Wire) {
        let m = self.0;
        let (x0, x1) = (r.x as u32, r.right() as u32);
        let (p0, p1) = (r.y as u32 / 8, r.bottom() as u32 / 8);
        wire.command(&[
            0x20,
            0x00,
            0x21,
            (x0 + m.column_offset) as u8,
            (x1 - 1 + m.column_offset) as u8,
            0x22,
            (p0 + m.page_offset) as u8,
            (p1 - 1 + m.page_offset) as u8,
        ]);
        let out = wire.open_data();
        for page in p0..p1 {
            push_page(px, page, x0, x1, out);
        }
        wire.close_data();
        wire.command(&[0x20, 0x02]);
    }

    /// Page addressing: the page (0xB0 | page) and column (0x0L, 0x1H) commands for
    /// `page` of panel rectangle `r` that the registers do not already hold, into `wire`
    /// when given; their bytes. Writing moves the column on by the bytes written.
    fn page_address(
        &self,
        r: Rect,
        page: u32,
        regs: &mut Registers,
        wire: Option<&mut Wire>,
    ) -> u64 {
        let m = self.0;
        let col = r.x as u32 + m.column_offset;
        let page = page + m.page_offset;
        let held = regs.cols.map(|c| c.0);
        let mut bytes = [0u8; 3];
        let mut n = 0;
        if regs.rows != Some((page, page)) {
            bytes[n] = 0xB0 | page as u8;
            n += 1;
        }
        if held.map(|c| c & 0x0F) != Some(col & 0x0F) {
            bytes[n] = (col & 0x0F) as u8;
            n += 1;
        }
        if held.map(|c| c >> 4) != Some(col >> 4) {
            bytes[n] = 0x10 | (col >> 4) as u8;
            n += 1;
        }
        if let Some(w) = wire
            && n > 0
        {
            w.command(&bytes[..n]);
        }
        let next = col + r.w;
        *regs = Registers {
            cols: Some((next, next)),
            rows: Some((page, page)),
        };
        n as u64
    }
}
