//! Colours as a scene writes them (`"#ff8800"`, `"white"`, `"gray50"`), parsed into RGBA.

use std::fmt;

/// An 8-bit RGBA colour; alpha 0 is fully transparent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Color {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
    /// Alpha (opacity).
    pub a: u8,
}

/// A colour string that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "bad colour {0:?}: use \"#rgb\", \"#rrggbb\", \"#rrggbbaa\", \"grayN\" (N = 0..=100 %) or a name (black, white, red, green, blue, yellow, cyan, magenta, orange, gray, transparent)"
)]
pub struct ColorError(pub String);

impl Color {
    /// Opaque black.
    pub const BLACK: Color = Color::rgb(0, 0, 0);
    /// Opaque white.
    pub const WHITE: Color = Color::rgb(255, 255, 255);
    /// Fully transparent.
    pub const TRANSPARENT: Color = Color {
        r: 0,
        g: 0,
        b: 0,
        a: 0,
    };

    /// An opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b, a: 255 }
    }

    /// Perceived brightness (ITU-R BT.601 weights), 0..=255.
    pub const fn luma(&self) -> u8 {
        ((self.r as u32 * 299 + self.g as u32 * 587 + self.b as u32 * 114 + 500) / 1000) as u8
    }

    /// Reads a colour from its scene spelling.
    pub fn parse(s: &str) -> Result<Color, ColorError> {
        let t = s.trim().to_ascii_lowercase();
        let err = || ColorError(s.to_string());
        if let Some(hex) = t.strip_prefix('#') {
            let digits: Vec<u8> = hex
                .chars()
                .map(|c| c.to_digit(16).map(|d| d as u8))
                .collect::<Option<_>>()
                .ok_or_else(err)?;
            return match digits.len() {
                3 => Ok(Color::rgb(digits[0] * 17, digits[1] * 17, digits[2] * 17)),
                6 | 8 => {
                    let byte = |i: usize| digits[i] * 16 + digits[i + 1];
                    let a = if digits.len() == 8 { byte(6) } else { 255 };
                    Ok(Color {
                        r: byte(0),
                        g: byte(2),
                        b: byte(4),
                        a,
                    })
                }
                _ => Err(err()),
            };
        }
        if let Some(pct) = t.strip_prefix("gray").or_else(|| t.strip_prefix("grey"))
            && !pct.is_empty()
        {
            let p: u32 = pct.parse().map_err(|_| err())?;
            if p > 100 {
                return Err(err());
            }
            let v = ((p * 255 + 50) / 100) as u8;
            return Ok(Color::rgb(v, v, v));
        }
        Ok(match t.as_str() {
            "black" => Color::BLACK,
            "white" => Color::WHITE,
            "red" => Color::rgb(255, 0, 0),
            "green" => Color::rgb(0, 255, 0),
            "blue" => Color::rgb(0, 0, 255),
            "yellow" => Color::rgb(255, 255, 0),
            "cyan" => Color::rgb(0, 255, 255),
            "magenta" => Color::rgb(255, 0, 255),
            "orange" => Color::rgb(255, 165, 0),
            "gray" | "grey" => Color::rgb(128, 128, 128),
            "transparent" | "none" => Color::TRANSPARENT,
            _ => return Err(err()),
        })
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)?;
        if self.a != 255 {
            write!(f, "{:02x}", self.a)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        assert_eq!(Color::parse("#fff"), Ok(Color::WHITE));
        assert_eq!(Color::parse("#FF8800"), Ok(Color::rgb(255, 136, 0)));
        assert_eq!(Color::parse("#00000080").map(|c| c.a), Ok(128));
        assert_eq!(Color::parse("gray50"), Ok(Color::rgb(128, 128, 128)));
        assert_eq!(Color::parse(" White "), Ok(Color::WHITE));
        assert!(Color::parse("#12").is_err());
        assert!(Color::parse("gray101").is_err());
        assert!(Color::parse("purplish").is_err());
    }
}
