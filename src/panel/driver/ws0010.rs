//! WS0010 in graphic mode (Winstar WEG OLEDs, 100×16): the HD44780-compatible
//! controller of Winstar's OLED modules, switched to graphic mode by its mode/power
//! instruction (0x1F: G/C = 1, internal power on). In graphic mode, set DDRAM address
//! (0x80 | x) picks the column (0..width) and set CGRAM address (0x40 | y) the row of
//! 8 pixels (0..height/8); each data byte is a column of 8 pixels, bit 0 at the top, and
//! the address counter steps to the next column.
//!
//! The bytes are the port states of the 4-bit connection, exactly as for the HD44780
//! (PCF8574 backpack or GPIO 4-bit): three port writes per nibble, high nibble first.

use std::cell::Cell;

use crate::panel::wire::Wire;
use crate::render::{PixelMode, Rect};

use super::hd44780::{
    BACKLIGHT, DISPLAY, DISPLAY_ON, ENTRY_INCREMENT, FUNCTION_4BIT_2LINE, RS, SET_CGRAM, SET_DDRAM,
    WS0010_CHARACTER_ON, WS0010_GRAPHIC, WS0010_POWER_OFF, interface_4bit, push_byte,
};
use super::pages::{align_pages, push_page};
use super::{Driver, Pixels, Settings};

/// Mode/power instruction: graphic mode, internal power on.
pub const GRAPHIC_ON: u8 = WS0010_CHARACTER_ON | WS0010_GRAPHIC;

/// A WS0010 graphic panel's size.
#[derive(Debug, Clone, Copy)]
pub struct GraphicModel {
    /// Columns (at most 100).
    pub width: u32,
    /// Rows, a multiple of 8 (at most 16).
    pub height: u32,
}

/// The WS0010 graphic-mode driver.
#[derive(Debug)]
pub struct Ws0010 {
    model: &'static GraphicModel,
    asleep: Cell<bool>,
}

impl Ws0010 {
    /// A driver for `model`.
    pub fn new(model: &'static GraphicModel) -> Ws0010 {
        Ws0010 {
            model,
            asleep: Cell::new(false),
        }
    }

    fn ctl(&self) -> u8 {
        if self.asleep.get() { 0 } else { BACKLIGHT }
    }

    fn instruction(&self, v: u8, wire: &mut Wire) {
        let mut b = Vec::with_capacity(6);
        push_byte(&mut b, v, self.ctl());
        wire.command(&b);
    }
}

impl Driver for Ws0010 {
    fn native(&self) -> (u32, u32) {
        (self.model.width, self.model.height)
    }

    fn mode(&self) -> PixelMode {
        PixelMode::Mono
    }

    fn init(&self, _s: &Settings, wire: &mut Wire) {
        self.asleep.set(false);
        interface_4bit(wire, true);
        self.instruction(FUNCTION_4BIT_2LINE, wire);
        self.instruction(DISPLAY, wire); // display off
        self.instruction(WS0010_POWER_OFF, wire);
        self.instruction(ENTRY_INCREMENT, wire);
        self.instruction(GRAPHIC_ON, wire);
        self.instruction(DISPLAY | DISPLAY_ON, wire);
    }

    fn contrast(&self, _level: u8, _wire: &mut Wire) {
        // The WS0010 has no contrast or brightness instruction.
    }

    fn contrast_register(&self, _level: u8) -> Option<u8> {
        None
    }

    fn invert(&self, _on: bool, _wire: &mut Wire) {
        // The controller cannot invert; the scene check refuses `invert: true`.
    }

    fn sleep(&self, asleep: bool, wire: &mut Wire) {
        self.asleep.set(asleep);
        let on = if asleep { 0 } else { DISPLAY_ON };
        self.instruction(DISPLAY | on, wire);
    }

    fn align(&self, r: Rect) -> Rect {
        align_pages(r)
    }

    fn pack(&self, frame: &Pixels, r: Rect, wire: &mut Wire) {
        let x0 = r.x.max(0) as u32;
        let x1 = (x0 + r.w).min(self.model.width);
        if x0 >= x1 {
            return;
        }
        let pages = (r.y.max(0) as u32 / 8)..(r.bottom().max(0) as u32).div_ceil(8);
        let ctl = self.ctl();
        let mut column = Vec::with_capacity((x1 - x0) as usize);
        for page in pages.start..pages.end.min(self.model.height / 8) {
            let mut b = Vec::with_capacity(12);
            push_byte(&mut b, SET_DDRAM | x0 as u8, ctl);
            push_byte(&mut b, SET_CGRAM | page as u8, ctl);
            wire.command(&b);
            column.clear();
            push_page(frame, page, x0, x1, &mut column);
            let buf = wire.open_data();
            for &v in &column {
                push_byte(buf, v, ctl | RS);
            }
            wire.close_data();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphic_mode_is_the_mode_power_instruction_with_g_c_set() {
        assert_eq!(GRAPHIC_ON, 0x1F);
    }
}
