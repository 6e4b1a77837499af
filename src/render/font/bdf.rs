//! Reading BDF (Glyph Bitmap Distribution Format) bitmap fonts.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::{Face, Font, FontError, Glyph};

/// Parses BDF text into a font; errors name the line.
pub(super) fn parse(text: &str, path: &Path) -> Result<Font, FontError> {
    let mut r = Reader {
        lines: Box::new(text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end()))),
        path,
    };
    let mut glyphs = HashMap::new();
    let (mut ascent, mut descent) = (None, None);
    let mut bbox: Option<[i32; 4]> = None;
    let mut started = false;
    while let Some((no, line)) = r.lines.next() {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "STARTFONT" => started = true,
            "FONTBOUNDINGBOX" => {
                let v = r.nums(no, rest, 4)?;
                bbox = Some([v[0], v[1], v[2], v[3]]);
            }
            "FONT_ASCENT" => ascent = Some(r.nums(no, rest, 1)?[0]),
            "FONT_DESCENT" => descent = Some(r.nums(no, rest, 1)?[0]),
            "STARTCHAR" if !started => {
                return Err(r.err(no, "STARTCHAR before STARTFONT".into()));
            }
            "STARTCHAR" => {
                if let Some((ch, glyph)) = r.glyph(no, bbox)? {
                    glyphs.insert(ch, Arc::new(glyph));
                }
            }
            _ => {}
        }
    }
    if !started {
        return Err(r.err(1, "not a BDF font (no STARTFONT)".into()));
    }
    let b = bbox.unwrap_or([0, 0, 0, 0]);
    Ok(Font::new(
        path.display().to_string(),
        ascent.unwrap_or(b[1] + b[3]),
        descent.unwrap_or(-b[3]),
        Face::Bitmap(glyphs),
    ))
}

/// The numbered lines of a BDF file being read, and its path for errors.
struct Reader<'a> {
    lines: Box<dyn Iterator<Item = (usize, &'a str)> + 'a>,
    path: &'a Path,
}

impl Reader<'_> {
    /// An error at line `line`.
    fn err(&self, line: usize, message: String) -> FontError {
        FontError::Bdf {
            path: self.path.to_path_buf(),
            line,
            message,
        }
    }

    /// At least `n` whitespace-separated integers from `rest`.
    fn nums(&self, line: usize, rest: &str, n: usize) -> Result<Vec<i32>, FontError> {
        let bad = || self.err(line, format!("expected {n} numbers, got {rest:?}"));
        let v: Vec<i32> = rest
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        if v.len() < n {
            return Err(bad());
        }
        Ok(v)
    }

    /// One glyph, from after its STARTCHAR (on line `start`) to its ENDCHAR; `None` for a
    /// glyph without a usable code point, and for a blank one that only fills a gap.
    fn glyph(
        &mut self,
        start: usize,
        bbox: Option<[i32; 4]>,
    ) -> Result<Option<(char, Glyph)>, FontError> {
        let (mut code, mut advance, mut bbx) = (None, None, None);
        loop {
            let Some((no, line)) = self.lines.next() else {
                return Err(self.err(start, "file ends inside a glyph".into()));
            };
            let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
            match word {
                "ENCODING" => code = Some(self.nums(no, rest, 1)?[0]),
                "DWIDTH" => advance = Some(self.nums(no, rest, 1)?[0]),
                "BBX" => {
                    let v = self.nums(no, rest, 4)?;
                    if v[0] < 0 || v[1] < 0 || v[0] > 1024 || v[1] > 1024 {
                        return Err(self.err(no, format!("bad glyph size {}×{}", v[0], v[1])));
                    }
                    bbx = Some([v[0], v[1], v[2], v[3]]);
                }
                "BITMAP" => {
                    let Some([w, h, xoff, yoff]) = bbx.or(bbox) else {
                        return Err(self.err(no, "BITMAP without BBX".into()));
                    };
                    let coverage = self.bitmap(no, w as usize, h as usize)?;
                    self.end_char(no)?;
                    let glyph = Glyph::new(
                        w as u32,
                        h as u32,
                        xoff,
                        yoff + h,
                        advance.unwrap_or(w),
                        coverage,
                    );
                    return Ok(code.and_then(|c| kept(c, &glyph)).map(|ch| (ch, glyph)));
                }
                "ENDCHAR" => return Ok(None),
                _ => {}
            }
        }
    }

    /// The `h` hex rows of a `w`-pixel-wide bitmap, as coverage (0 or 255 per pixel).
    fn bitmap(&mut self, start: usize, w: usize, h: usize) -> Result<Vec<u8>, FontError> {
        let mut coverage = vec![0u8; w * h];
        for row in 0..h {
            let Some((rno, hex)) = self.lines.next() else {
                return Err(self.err(start, "file ends inside a bitmap".into()));
            };
            let hex = hex.trim();
            for col in 0..w {
                let nibble = hex
                    .as_bytes()
                    .get(col / 4)
                    .and_then(|c| (*c as char).to_digit(16))
                    .ok_or_else(|| self.err(rno, format!("bad bitmap row {hex:?}")))?;
                if nibble & (8 >> (col % 4)) != 0 {
                    coverage[row * w + col] = 255;
                }
            }
        }
        Ok(coverage)
    }

    /// The ENDCHAR that must follow a bitmap.
    fn end_char(&mut self, start: usize) -> Result<(), FontError> {
        let Some((eno, end)) = self.lines.next() else {
            return Err(self.err(start, "file ends inside a glyph".into()));
        };
        if end.trim() != "ENDCHAR" {
            return Err(self.err(eno, format!("expected ENDCHAR, got {end:?}")));
        }
        Ok(())
    }
}

/// The character a glyph is kept under, if any. Some fonts fill code points they do not
/// draw with blank cells (Spleen 5×8 does for Latin-1); a blank glyph for a visible
/// character counts as missing, so the fallback chain supplies it.
fn kept(code: i32, glyph: &Glyph) -> Option<char> {
    let ch = u32::try_from(code).ok().and_then(char::from_u32)?;
    let blank = glyph.coverage.iter().all(|&c| c == 0);
    (!blank || ch.is_whitespace() || ch.is_control()).then_some(ch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = "STARTFONT 2.1\nFONTBOUNDINGBOX 3 4 0 -1\nFONT_ASCENT 3\nFONT_DESCENT 1\nSTARTCHAR A\nENCODING 65\nDWIDTH 4 0\nBBX 3 4 0 -1\nBITMAP\n40\nA0\nE0\nA0\nENDCHAR\nENDFONT\n";

    #[test]
    fn decodes_a_glyph() {
        let f = parse(TINY, Path::new("tiny.bdf")).expect("parses");
        let g = f.glyph('A').expect("A");
        assert_eq!(
            (g.width, g.height, g.left, g.top, g.advance),
            (3, 4, 0, 3, 4)
        );
        let rows: Vec<String> = g
            .coverage
            .chunks(3)
            .map(|r| r.iter().map(|&c| if c > 0 { '#' } else { '.' }).collect())
            .collect();
        assert_eq!(rows, [".#.", "#.#", "###", "#.#"]);
    }

    #[test]
    fn a_malformed_font_names_its_line() {
        let bad = TINY.replace("E0", "ZZ");
        match parse(&bad, Path::new("bad.bdf")) {
            Err(FontError::Bdf { line, .. }) => assert_eq!(line, 12),
            other => panic!("{other:?}"),
        }
        let cut = &TINY[..TINY.find("A0\nENDCHAR").unwrap_or(0)];
        assert!(matches!(
            parse(cut, Path::new("cut.bdf")),
            Err(FontError::Bdf { .. })
        ));
    }
}
