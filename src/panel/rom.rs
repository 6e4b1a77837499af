//! The character generator ROMs of HD44780-compatible controllers, as data: the 5×8
//! glyph of each code the tables here cover, typed from the character tables of the
//! HD44780U datasheet (ROM codes A00, Japanese, and A02, European).
//!
//! Coverage: both ROMs have 0x20–0x7D (printable ASCII; A00 shows ¥ at 0x5C, A02 a
//! backslash). A00 adds → and ← (0x7E, 0x7F), the semi-voiced mark used as a degree
//! sign (0xDF) and from its Greek and maths column α ä ε σ ñ ö θ ∞ Ω ü Σ π ÷, the blanks
//! 0xA0 and 0xFE, and the full block (0xFF); its katakana (0xA1–0xDE) and the glyphs with
//! descenders (they are 5×10 in the datasheet) are not typed. A02 adds the accented
//! letters à è é ä ö ü ñ Ä Ö Ü (Latin-1 code positions). A code not covered is never
//! sent for a ROM match; it can still be shown by a scene that writes nothing there.
//!
//! A glyph is eight rows, top first; bit 4 of a row is its leftmost pixel (the layout of
//! CGRAM patterns). Row 7 is the cursor row: every ROM glyph here leaves it blank except
//! the full block.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Which character ROM the controller has: `display: (rom: A02)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Deserialize)]
pub enum Rom {
    /// HD44780UA00: ASCII, katakana, Greek and maths symbols (the common one).
    #[default]
    A00,
    /// HD44780UA02: ASCII, Cyrillic, Greek and accented European letters.
    A02,
}

impl Rom {
    /// The ROM of that name (`A00`, `a02`), as `decode --rom` takes it.
    pub fn named(name: &str) -> Option<Rom> {
        [Rom::A00, Rom::A02]
            .into_iter()
            .find(|r| format!("{r:?}").eq_ignore_ascii_case(name))
    }
}

/// A glyph: eight rows of five pixels, bit 4 leftmost.
pub type Glyph = [u8; 8];

/// Reads a glyph written as eight space-separated rows of `#` (on) and `.` (off).
const fn glyph(s: &str) -> Glyph {
    let b = s.as_bytes();
    let mut out = [0u8; 8];
    let (mut i, mut row, mut col) = (0, 0, 0);
    while i < b.len() {
        match b[i] {
            b' ' => {
                assert!(col == 5, "a glyph row has five pixels");
                row += 1;
                col = 0;
            }
            c => {
                assert!(c == b'#' || c == b'.', "pixels are # or .");
                assert!(row < 8 && col < 5, "at most eight rows of five");
                if c == b'#' {
                    out[row] |= 0x10 >> col;
                }
                col += 1;
            }
        }
        i += 1;
    }
    assert!(
        col == 5 || (row == 0 && col == 0),
        "a glyph row has five pixels"
    );
    out
}

/// Codes 0x20–0x7D, the same in both ROMs except 0x5C (given per ROM below).
const ASCII: &[(u8, &str)] = &[
    (0x20, ""),
    (0x21, "..#.. ..#.. ..#.. ..#.. ..... ..... ..#.."),
    (0x22, ".#.#. .#.#. .#.#. ..... ..... ..... ....."),
    (0x23, ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#."),
    (0x24, "..#.. .#### #.#.. .###. ..#.# ####. ..#.."),
    (0x25, "##... ##..# ...#. ..#.. .#... #..## ...##"),
    (0x26, ".##.. #..#. #.#.. .#... #.#.# #..#. .##.#"),
    (0x27, ".##.. ..#.. .#... ..... ..... ..... ....."),
    (0x28, "...#. ..#.. .#... .#... .#... ..#.. ...#."),
    (0x29, ".#... ..#.. ...#. ...#. ...#. ..#.. .#..."),
    (0x2A, "..... ..#.. #.#.# .###. #.#.# ..#.. ....."),
    (0x2B, "..... ..#.. ..#.. ##### ..#.. ..#.. ....."),
    (0x2C, "..... ..... ..... ..... .##.. ..#.. .#..."),
    (0x2D, "..... ..... ..... ##### ..... ..... ....."),
    (0x2E, "..... ..... ..... ..... ..... .##.. .##.."),
    (0x2F, "..... ....# ...#. ..#.. .#... #.... ....."),
    (0x30, ".###. #...# #..## #.#.# ##..# #...# .###."),
    (0x31, "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###."),
    (0x32, ".###. #...# ....# ...#. ..#.. .#... #####"),
    (0x33, "##### ...#. ..#.. ...#. ....# #...# .###."),
    (0x34, "...#. ..##. .#.#. #..#. ##### ...#. ...#."),
    (0x35, "##### #.... ####. ....# ....# #...# .###."),
    (0x36, "..##. .#... #.... ####. #...# #...# .###."),
    (0x37, "##### ....# ...#. ..#.. .#... .#... .#..."),
    (0x38, ".###. #...# #...# .###. #...# #...# .###."),
    (0x39, ".###. #...# #...# .#### ....# ...#. .##.."),
    (0x3A, "..... .##.. .##.. ..... .##.. .##.. ....."),
    (0x3B, "..... .##.. .##.. ..... .##.. ..#.. .#..."),
    (0x3C, "...#. ..#.. .#... #.... .#... ..#.. ...#."),
    (0x3D, "..... ..... ##### ..... ##### ..... ....."),
    (0x3E, ".#... ..#.. ...#. ....# ...#. ..#.. .#..."),
    (0x3F, ".###. #...# ....# ...#. ..#.. ..... ..#.."),
    (0x40, ".###. #...# ....# .##.# #.#.# #.#.# .###."),
    (0x41, ".###. #...# #...# #...# ##### #...# #...#"),
    (0x42, "####. #...# #...# ####. #...# #...# ####."),
    (0x43, ".###. #...# #.... #.... #.... #...# .###."),
    (0x44, "###.. #..#. #...# #...# #...# #..#. ###.."),
    (0x45, "##### #.... #.... ####. #.... #.... #####"),
    (0x46, "##### #.... #.... ####. #.... #.... #...."),
    (0x47, ".###. #...# #.... #.### #...# #...# .####"),
    (0x48, "#...# #...# #...# ##### #...# #...# #...#"),
    (0x49, ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###."),
    (0x4A, "..### ...#. ...#. ...#. ...#. #..#. .##.."),
    (0x4B, "#...# #..#. #.#.. ##... #.#.. #..#. #...#"),
    (0x4C, "#.... #.... #.... #.... #.... #.... #####"),
    (0x4D, "#...# ##.## #.#.# #.#.# #...# #...# #...#"),
    (0x4E, "#...# #...# ##..# #.#.# #..## #...# #...#"),
    (0x4F, ".###. #...# #...# #...# #...# #...# .###."),
    (0x50, "####. #...# #...# ####. #.... #.... #...."),
    (0x51, ".###. #...# #...# #...# #.#.# #..#. .##.#"),
    (0x52, "####. #...# #...# ####. #.#.. #..#. #...#"),
    (0x53, ".#### #.... #.... .###. ....# ....# ####."),
    (0x54, "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#.."),
    (0x55, "#...# #...# #...# #...# #...# #...# .###."),
    (0x56, "#...# #...# #...# #...# #...# .#.#. ..#.."),
    (0x57, "#...# #...# #...# #.#.# #.#.# #.#.# .#.#."),
    (0x58, "#...# #...# .#.#. ..#.. .#.#. #...# #...#"),
    (0x59, "#...# #...# #...# .#.#. ..#.. ..#.. ..#.."),
    (0x5A, "##### ....# ...#. ..#.. .#... #.... #####"),
    (0x5B, ".###. .#... .#... .#... .#... .#... .###."),
    (0x5D, ".###. ...#. ...#. ...#. ...#. ...#. .###."),
    (0x5E, "..#.. .#.#. #...# ..... ..... ..... ....."),
    (0x5F, "..... ..... ..... ..... ..... ..... #####"),
    (0x60, ".#... ..#.. ...#. ..... ..... ..... ....."),
    (0x61, "..... ..... .###. ....# .#### #...# .####"),
    (0x62, "#.... #.... #.##. ##..# #...# #...# ####."),
    (0x63, "..... ..... .###. #.... #.... #...# .###."),
    (0x64, "....# ....# .##.# #..## #...# #...# .####"),
    (0x65, "..... ..... .###. #...# ##### #.... .###."),
    (0x66, "..##. .#..# .#... ###.. .#... .#... .#..."),
    (0x67, "..... .#### #...# #...# .#### ....# .###."),
    (0x68, "#.... #.... #.##. ##..# #...# #...# #...#"),
    (0x69, "..#.. ..... .##.. ..#.. ..#.. ..#.. .###."),
    (0x6A, "...#. ..... ..##. ...#. ...#. #..#. .##.."),
    (0x6B, "#.... #.... #..#. #.#.. ##... #.#.. #..#."),
    (0x6C, ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###."),
    (0x6D, "..... ..... ##.#. #.#.# #.#.# #...# #...#"),
    (0x6E, "..... ..... #.##. ##..# #...# #...# #...#"),
    (0x6F, "..... ..... .###. #...# #...# #...# .###."),
    (0x70, "..... ..... ####. #...# ####. #.... #...."),
    (0x71, "..... ..... .##.# #..## .#### ....# ....#"),
    (0x72, "..... ..... #.##. ##..# #.... #.... #...."),
    (0x73, "..... ..... .###. #.... .###. ....# ####."),
    (0x74, ".#... .#... ###.. .#... .#... .#..# ..##."),
    (0x75, "..... ..... #...# #...# #...# #..## .##.#"),
    (0x76, "..... ..... #...# #...# #...# .#.#. ..#.."),
    (0x77, "..... ..... #...# #...# #.#.# #.#.# .#.#."),
    (0x78, "..... ..... #...# .#.#. ..#.. .#.#. #...#"),
    (0x79, "..... ..... #...# #...# .#### ....# .###."),
    (0x7A, "..... ..... ##### ...#. ..#.. .#... #####"),
    (0x7B, "...#. ..#.. ..#.. .#... ..#.. ..#.. ...#."),
    (0x7C, "..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#.."),
    (0x7D, ".#... ..#.. ..#.. ...#. ..#.. ..#.. .#..."),
];

/// A00's own codes.
const A00: &[(u8, Option<char>, &str)] = &[
    (0x5C, Some('¥'), "#...# .#.#. ##### ..#.. ##### ..#.. ..#.."), // ¥
    (0x7E, Some('→'), "..... ..#.. ...#. ##### ...#. ..#.. ....."), // →
    (0x7F, Some('←'), "..... ..#.. .#... ##### .#... ..#.. ....."), // ←
    (0xA0, None, ""),
    (0xDF, Some('°'), "###.. #.#.. ###.. ..... ..... ..... ....."), // ゜ (a degree sign)
    (0xE0, Some('α'), "..... ..... .#..# #.#.# #..#. #..#. .##.#"), // α
    (0xE1, Some('ä'), ".#.#. ..... .###. ....# .#### #...# .####"), // ä
    (0xE3, Some('ε'), "..... ..... .###. #.... .##.. #...# .###."), // ε
    (0xE5, Some('σ'), "..... ..... .#### #.#.. #...# #...# .###."), // σ
    (0xEE, Some('ñ'), ".###. ..... #.##. ##..# #...# #...# #...#"), // ñ
    (0xEF, Some('ö'), ".#.#. ..... .###. #...# #...# #...# .###."), // ö
    (0xF2, Some('θ'), "..... .###. #...# ##### #...# #...# .###."), // θ
    (0xF3, Some('∞'), "..... ..... ..... .#.#. #.#.# .#.#. ....."), // ∞
    (0xF4, Some('Ω'), "..... ..... .###. #...# #...# .#.#. ##.##"), // Ω
    (0xF5, Some('ü'), ".#.#. ..... #...# #...# #...# #..## .##.#"), // ü
    (0xF6, Some('Σ'), "##### #.... .#... ..#.. .#... #.... #####"), // Σ
    (0xF7, Some('π'), "..... ..... ##### .#.#. .#.#. .#.#. #..##"), // π
    (0xFD, Some('÷'), "..... ..#.. ..... ##### ..... ..#.. ....."), // ÷
    (0xFE, None, ""),
    (
        0xFF,
        Some('█'),
        "##### ##### ##### ##### ##### ##### ##### #####",
    ), // █
];

/// A02's own codes.
const A02: &[(u8, Option<char>, &str)] = &[
    (
        0x5C,
        Some('\\'),
        "..... #.... .#... ..#.. ...#. ....# .....",
    ), // backslash
    (0xC4, Some('Ä'), ".#.#. ..... .###. #...# ##### #...# #...#"), // Ä
    (0xD6, Some('Ö'), ".#.#. ..... .###. #...# #...# #...# .###."), // Ö
    (0xDC, Some('Ü'), ".#.#. ..... #...# #...# #...# #...# .###."), // Ü
    (0xE0, Some('à'), ".#... ..#.. .###. ....# .#### #...# .####"), // à
    (0xE4, Some('ä'), ".#.#. ..... .###. ....# .#### #...# .####"), // ä
    (0xE8, Some('è'), ".#... ..#.. .###. #...# ##### #.... .###."), // è
    (0xE9, Some('é'), "...#. ..#.. .###. #...# ##### #.... .###."), // é
    (0xF1, Some('ñ'), ".###. ..... #.##. ##..# #...# #...# #...#"), // ñ
    (0xF6, Some('ö'), ".#.#. ..... .###. #...# #...# #...# .###."), // ö
    (0xFC, Some('ü'), ".#.#. ..... #...# #...# #...# #..## .##.#"), // ü
];

/// A ROM as the driver uses it: the glyph of each covered code, and the code of each
/// glyph (the lowest code when two codes look the same).
#[derive(Debug)]
pub struct Table {
    glyphs: Vec<(u8, Glyph)>,
    chars: Vec<(u8, char)>,
    by_glyph: HashMap<Glyph, u8>,
}

impl Table {
    fn build(own: &[(u8, Option<char>, &str)]) -> Table {
        let ascii = ASCII.iter().map(|&(c, s)| (c, Some(char::from(c)), s));
        let mut all: Vec<(u8, Option<char>, Glyph)> = ascii
            .chain(own.iter().copied())
            .map(|(c, ch, s)| (c, ch, glyph(s)))
            .collect();
        all.sort_by_key(|&(c, _, _)| c);
        let glyphs: Vec<(u8, Glyph)> = all.iter().map(|&(c, _, g)| (c, g)).collect();
        let chars = all
            .iter()
            .filter_map(|&(c, ch, _)| ch.map(|ch| (c, ch)))
            .collect();
        let mut by_glyph = HashMap::new();
        for &(c, g) in &glyphs {
            by_glyph.entry(g).or_insert(c);
        }
        Table {
            glyphs,
            chars,
            by_glyph,
        }
    }

    /// The Unicode character each covered code shows (blanks other than 0x20 have none).
    pub fn chars(&self) -> &[(u8, char)] {
        &self.chars
    }

    /// The glyph of `code`, if this table covers it.
    pub fn glyph(&self, code: u8) -> Option<Glyph> {
        self.glyphs
            .binary_search_by_key(&code, |&(c, _)| c)
            .ok()
            .map(|i| self.glyphs[i].1)
    }

    /// The code whose glyph is exactly `g`.
    pub fn code_of(&self, g: &Glyph) -> Option<u8> {
        self.by_glyph.get(g).copied()
    }

    /// Every covered code and its glyph, in code order.
    pub fn glyphs(&self) -> &[(u8, Glyph)] {
        &self.glyphs
    }
}

impl Rom {
    /// Its table.
    pub fn table(self) -> &'static Table {
        static A00_TABLE: OnceLock<Table> = OnceLock::new();
        static A02_TABLE: OnceLock<Table> = OnceLock::new();
        match self {
            Rom::A00 => A00_TABLE.get_or_init(|| Table::build(A00)),
            Rom::A02 => A02_TABLE.get_or_init(|| Table::build(A02)),
        }
    }
}

impl Rom {
    /// The ROM's glyphs as a BDF font (6-pixel advance, 9-pixel lines: text drawn with
    /// it at multiples of 6 and 9 lands on ROM characters exactly).
    pub fn bdf(self) -> String {
        use std::fmt::Write as _;
        let t = self.table();
        let name = format!("{self:?}").to_ascii_lowercase();
        let mut out = String::new();
        let _ = write!(
            out,
            "STARTFONT 2.1\nFONT -tinydisplay-hd44780{name}-medium-r-normal--8-80-72-72-C-60-ISO10646-1\n\
             SIZE 8 72 72\nFONTBOUNDINGBOX 5 8 0 0\nSTARTPROPERTIES 3\n\
             FAMILY_NAME \"HD44780 {self:?}\"\n\
             COMMENT \"the character ROM {self:?} of HD44780U controllers, from tinydisplay\"\n\
             FONT_ASCENT 8\nFONT_DESCENT 1\nENDPROPERTIES\nCHARS {}\n",
            t.chars().len()
        );
        for &(code, ch) in t.chars() {
            let g = t.glyph(code).unwrap_or_default();
            let _ = write!(
                out,
                "STARTCHAR U+{:04X}\nENCODING {}\nSWIDTH 750 0\nDWIDTH 6 0\nBBX 5 8 0 0\nBITMAP\n",
                u32::from(ch),
                u32::from(ch)
            );
            for row in g {
                let _ = writeln!(out, "{:02X}", row << 3);
            }
            out.push_str("ENDCHAR\n");
        }
        out.push_str("ENDFONT\n");
        out
    }
}

/// Pixels that differ between two glyphs.
pub fn distance(a: &Glyph, b: &Glyph) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_read_as_drawn() {
        let a = Rom::A00.table().glyph(b'A').expect("A");
        assert_eq!(a, [0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x00]);
        assert_eq!(Rom::A00.table().glyph(b' '), Some([0; 8]));
        assert_eq!(Rom::A00.table().code_of(&[0; 8]), Some(0x20));
        assert_eq!(Rom::A00.table().code_of(&[0x1F; 8]), Some(0xFF));
    }

    #[test]
    fn both_roms_cover_printable_ascii_and_differ_where_the_datasheet_says() {
        for rom in [Rom::A00, Rom::A02] {
            let t = rom.table();
            for c in 0x20..=0x7D {
                assert!(t.glyph(c).is_some(), "{rom:?} lacks {c:#04x}");
            }
            // No two printable ASCII codes look the same (a typo would show here).
            for c in 0x21..=0x7Du8 {
                let g = t.glyph(c).expect("covered");
                assert_eq!(t.code_of(&g), Some(c), "{rom:?} {c:#04x} repeats a glyph");
                assert_eq!(g[7], 0, "{rom:?} {c:#04x} uses the cursor row");
            }
        }
        assert_ne!(Rom::A00.table().glyph(0x5C), Rom::A02.table().glyph(0x5C));
        assert_eq!(Rom::A02.table().glyph(0x7E), None);
    }

    #[test]
    fn the_shipped_bdf_fonts_are_the_tables() {
        for rom in [Rom::A00, Rom::A02] {
            let name = format!("hd44780-{rom:?}.bdf").to_ascii_lowercase();
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets/fonts")
                .join(name);
            if std::env::var_os("TINYDISPLAY_BLESS").is_some_and(|v| v == "1") {
                std::fs::write(&path, rom.bdf()).expect("write the font");
            }
            let shipped = std::fs::read_to_string(&path).expect("the font is shipped");
            assert!(
                shipped == rom.bdf(),
                "{} differs from the table",
                path.display()
            );
        }
    }
}
