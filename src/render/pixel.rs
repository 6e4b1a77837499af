//! Pixel modes of the panels we drive and how a colour is quantised to each.
//!
//! In memory every mode uses one layout chosen for speed: one byte per pixel (a grey
//! level 0..=255) for mono and grey panels, three bytes (R, G, B) for colour panels.
//! Values are stored already quantised to what the panel can show (mono holds only 0
//! and 255, gray4 only multiples of 17, rgb565 only values whose dropped bits repeat the
//! kept ones), so an image of the frame buffer is exactly what the panel shows. Packing
//! to the wire format (bits in pages, nibbles, RGB565 words) happens once, at present.

use serde::Deserialize;

use super::color::Color;

/// How a panel stores a pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Hash)]
pub enum PixelMode {
    /// 1 bit per pixel: on or off (SSD1306, SH1106).
    #[default]
    Mono,
    /// 16 grey levels (SSD1322).
    Gray4,
    /// 256 grey levels.
    Gray8,
    /// 16-bit colour, 5-6-5 (ST7789, ILI9341).
    Rgb565,
    /// 24-bit colour.
    Rgb888,
    /// Black, white and red only (three-colour e-paper): colours go to the nearest of the
    /// three; stored as RGB.
    Bwr,
}

impl PixelMode {
    /// Bytes per pixel in the in-memory layout: 1 for mono and grey, 3 for colour.
    pub const fn channels(self) -> usize {
        match self {
            PixelMode::Mono | PixelMode::Gray4 | PixelMode::Gray8 => 1,
            PixelMode::Rgb565 | PixelMode::Rgb888 | PixelMode::Bwr => 3,
        }
    }

    /// True for modes with more than two levels (where blending and fades make sense).
    pub const fn has_levels(self) -> bool {
        !matches!(self, PixelMode::Mono | PixelMode::Bwr)
    }

    /// Bits per pixel on the wire.
    pub const fn wire_bits(self) -> u32 {
        match self {
            PixelMode::Mono => 1,
            PixelMode::Gray4 => 4,
            PixelMode::Gray8 => 8,
            PixelMode::Rgb565 => 16,
            PixelMode::Rgb888 => 24,
            PixelMode::Bwr => 2,
        }
    }

    /// Quantises a grey level to the nearest level this mode shows.
    pub const fn quantize_gray(self, v: u8) -> u8 {
        match self {
            PixelMode::Mono => {
                if v >= 128 {
                    255
                } else {
                    0
                }
            }
            PixelMode::Gray4 => ((v as u32 + 8) / 17 * 17) as u8,
            _ => v,
        }
    }

    /// Quantises an RGB triple for the colour modes (no-op for rgb888).
    pub const fn quantize_rgb(self, r: u8, g: u8, b: u8) -> [u8; 3] {
        match self {
            PixelMode::Rgb565 => [
                (r & 0xf8) | (r >> 5),
                (g & 0xfc) | (g >> 6),
                (b & 0xf8) | (b >> 5),
            ],
            PixelMode::Bwr => Self::nearest_bwr(r, g, b),
            _ => [r, g, b],
        }
    }

    /// The colours a [`PixelMode::Bwr`] panel shows: black, white, red.
    pub const BWR: [[u8; 3]; 3] = [[0, 0, 0], [255, 255, 255], [255, 0, 0]];

    /// The nearest of black, white and red (ties go to the earlier of the three).
    const fn nearest_bwr(r: u8, g: u8, b: u8) -> [u8; 3] {
        let mut best = Self::BWR[0];
        let mut best_d = u32::MAX;
        let mut i = 0;
        while i < 3 {
            let c = Self::BWR[i];
            let d = sq(r, c[0]) + sq(g, c[1]) + sq(b, c[2]);
            if d < best_d {
                best_d = d;
                best = c;
            }
            i += 1;
        }
        best
    }

    /// Why a panel in this mode cannot show colour `c`, if it cannot: a black/white/red
    /// panel shows only those three (other modes show every colour, at their depth).
    pub fn cannot_show(self, c: Color) -> Option<String> {
        if self != PixelMode::Bwr || Self::BWR.contains(&[c.r, c.g, c.b]) {
            return None;
        }
        Some(format!(
            "{c} is not a colour a Bwr panel shows: use black, white or red"
        ))
    }

    /// The stored bytes for a colour (only the first `channels()` are meaningful).
    pub const fn encode(self, c: Color) -> [u8; 3] {
        match self.channels() {
            1 => [self.quantize_gray(c.luma()), 0, 0],
            _ => self.quantize_rgb(c.r, c.g, c.b),
        }
    }
}

/// The squared difference of two channel values.
const fn sq(a: u8, b: u8) -> u32 {
    let d = a.abs_diff(b) as u32;
    d * d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantises_to_the_levels_a_panel_shows() {
        assert_eq!(PixelMode::Mono.quantize_gray(127), 0);
        assert_eq!(PixelMode::Mono.quantize_gray(128), 255);
        assert_eq!(PixelMode::Gray4.quantize_gray(26), 34);
        assert_eq!(PixelMode::Gray4.quantize_gray(255), 255);
        assert_eq!(
            PixelMode::Rgb565.quantize_rgb(255, 255, 255),
            [255, 255, 255]
        );
        assert_eq!(
            PixelMode::Rgb565.quantize_rgb(0x0f, 0x07, 0),
            [0x08, 0x04, 0]
        );
        assert_eq!(PixelMode::Gray8.encode(Color::rgb(255, 0, 0)), [76, 0, 0]);
        let bwr = |r, g, b| PixelMode::Bwr.quantize_rgb(r, g, b);
        assert_eq!(bwr(200, 30, 20), [255, 0, 0]);
        assert_eq!(bwr(0, 200, 0), [0, 0, 0], "green is nearest black");
        assert_eq!(bwr(240, 240, 230), [255, 255, 255]);
        assert_eq!(bwr(255, 0, 0), [255, 0, 0]);
    }
}
