//! Fonts: BDF bitmap fonts and TTF/OTF outline fonts (through fontdue), with
//! rasterised glyphs cached per font (a [`Font`] is one face at one pixel size).

mod bdf;
mod outline;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

/// One rasterised glyph: coverage 0..=255 per pixel and where it sits relative to the pen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glyph {
    /// Bitmap width.
    pub width: u32,
    /// Bitmap height.
    pub height: u32,
    /// From the pen position to the bitmap's left edge.
    pub left: i32,
    /// From the baseline up to the bitmap's top row.
    pub top: i32,
    /// How far the pen moves after this glyph.
    pub advance: i32,
    /// `width * height` coverage values, row-major (BDF glyphs only use 0 and 255).
    pub coverage: Vec<u8>,
    /// Every coverage value is 0 or 255 (always for BDF glyphs): drawn without blending.
    pub binary: bool,
    /// For a binary glyph at most 64 wide, each row's ink as bits (bit k = column k);
    /// empty otherwise. Drawing walks the set bits instead of every pixel.
    pub rows: Vec<u64>,
}

impl Glyph {
    /// A glyph from its coverage, with `binary` and `rows` worked out.
    pub fn new(
        width: u32,
        height: u32,
        left: i32,
        top: i32,
        advance: i32,
        coverage: Vec<u8>,
    ) -> Glyph {
        let binary = coverage.iter().all(|&c| c == 0 || c == 255);
        let rows = if binary && (1..=64).contains(&width) {
            coverage
                .chunks_exact(width as usize)
                .map(|row| {
                    row.iter()
                        .enumerate()
                        .fold(0u64, |bits, (k, &c)| bits | (u64::from(c >> 7) << k))
                })
                .collect()
        } else {
            Vec::new()
        };
        Glyph {
            width,
            height,
            left,
            top,
            advance,
            coverage,
            binary,
            rows,
        }
    }
}

/// Why a font could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// The file could not be read.
    #[error("{}: cannot read the font: {source}", path.display())]
    Io {
        /// The font file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A BDF file is malformed at a line.
    #[error("{}:{line}: bad BDF font: {message}", path.display())]
    Bdf {
        /// The font file.
        path: PathBuf,
        /// 1-based line in the font file.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An outline font could not be parsed.
    #[error("{}: bad outline font: {message}", path.display())]
    Outline {
        /// The font file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Neither `.bdf` nor `.ttf`/`.otf`.
    #[error("{}: unknown font format (use .bdf, .ttf or .otf)", path.display())]
    UnknownFormat {
        /// The font file.
        path: PathBuf,
    },
}

enum Face {
    Bitmap(HashMap<char, Arc<Glyph>>),
    Outline {
        font: Box<fontdue::Font>,
        size: f32,
        cache: RwLock<HashMap<char, Option<Arc<Glyph>>>>,
    },
}

/// Characters below this code point are looked up in a table, not a map.
const TABLE_CHARS: usize = 128;

/// One font face at one pixel size; shared between threads.
pub struct Font {
    name: String,
    ascent: i32,
    descent: i32,
    face: Face,
    /// The glyphs of ASCII characters, each found once (text is mostly ASCII, and a
    /// table read is cheaper than hashing the character).
    table: Box<[OnceLock<Option<Arc<Glyph>>>]>,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font")
            .field("name", &self.name)
            .field("ascent", &self.ascent)
            .field("descent", &self.descent)
            .finish()
    }
}

impl Font {
    /// A font with its glyph table still empty.
    fn new(name: String, ascent: i32, descent: i32, face: Face) -> Font {
        Font {
            name,
            ascent,
            descent,
            face,
            table: (0..TABLE_CHARS).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Loads a `.bdf` bitmap font or a `.ttf`/`.otf` outline font at `size_px` (default 16).
    pub fn load(path: &Path, size_px: Option<f32>) -> Result<Font, FontError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let io = |source| FontError::Io {
            path: path.to_path_buf(),
            source,
        };
        match ext.as_deref() {
            Some("bdf") => {
                let text = std::fs::read_to_string(path).map_err(io)?;
                bdf::parse(&text, path)
            }
            Some("ttf" | "otf") => {
                let bytes = std::fs::read(path).map_err(io)?;
                outline::load(&bytes, size_px.unwrap_or(16.0), path)
            }
            _ => Err(FontError::UnknownFormat {
                path: path.to_path_buf(),
            }),
        }
    }

    /// Parses BDF text; `origin` names it in messages.
    pub fn from_bdf_str(text: &str, origin: &str) -> Result<Font, FontError> {
        bdf::parse(text, Path::new(origin))
    }

    /// Parses an outline font at `size_px`; `origin` names it in messages.
    pub fn from_outline_bytes(bytes: &[u8], size_px: f32, origin: &str) -> Result<Font, FontError> {
        outline::load(bytes, size_px, Path::new(origin))
    }

    /// The file (or origin) the font came from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Pixels from the baseline up to the top of the tallest glyphs.
    pub fn ascent(&self) -> i32 {
        self.ascent
    }

    /// Pixels from the baseline down to the bottom of the lowest glyphs (positive).
    pub fn descent(&self) -> i32 {
        self.descent
    }

    /// Height of one line: ascent + descent.
    pub fn line_height(&self) -> i32 {
        self.ascent + self.descent
    }

    /// True when the font has a glyph for `ch`.
    pub fn has_glyph(&self, ch: char) -> bool {
        match &self.face {
            Face::Bitmap(g) => g.contains_key(&ch),
            Face::Outline { font, .. } => font.lookup_glyph_index(ch) != 0 || ch == '\0',
        }
    }

    /// The rasterised glyph for `ch` (cached), or `None` when the font lacks it.
    pub fn glyph(&self, ch: char) -> Option<Arc<Glyph>> {
        match self.table.get(ch as usize) {
            Some(slot) => slot.get_or_init(|| self.find(ch)).clone(),
            None => self.find(ch),
        }
    }

    /// [`Font::glyph`] for a character of the table (ASCII), borrowed from it: no
    /// reference count is touched. `None` when the font lacks it or `ch` is beyond the table.
    pub fn table_glyph(&self, ch: char) -> Option<&Glyph> {
        self.table
            .get(ch as usize)?
            .get_or_init(|| self.find(ch))
            .as_deref()
    }

    /// [`Font::glyph`] without the table.
    fn find(&self, ch: char) -> Option<Arc<Glyph>> {
        match &self.face {
            Face::Bitmap(g) => g.get(&ch).cloned(),
            Face::Outline { font, size, cache } => {
                if let Ok(c) = cache.read()
                    && let Some(g) = c.get(&ch)
                {
                    return g.clone();
                }
                let g = self
                    .has_glyph(ch)
                    .then(|| Arc::new(outline::rasterize(font, ch, *size)));
                if let Ok(mut c) = cache.write() {
                    c.insert(ch, g.clone());
                }
                g
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/fonts")
            .join(name)
    }

    #[test]
    fn bdf_metrics_from_the_file() {
        let f = Font::load(&asset("spleen-8x16.bdf"), None).expect("font");
        assert_eq!((f.ascent(), f.descent(), f.line_height()), (12, 4, 16));
        let s = Font::load(&asset("spleen-5x8.bdf"), None).expect("font");
        assert_eq!(s.line_height(), 8);
        assert!(s.has_glyph('A'));
        assert!(!s.has_glyph('★'));
        assert!(s.has_glyph(' '), "a blank space is a glyph");
        assert!(
            !s.has_glyph('é'),
            "Spleen 5×8's blank Latin-1 cells count as missing"
        );
    }

    #[test]
    fn outline_glyphs_are_cached() {
        let f = Font::load(&asset("DejaVuSans.ttf"), Some(12.0)).expect("font");
        let a = f.glyph('g').expect("g");
        let b = f.glyph('g').expect("g");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(a.top < a.height as i32, "g descends below the baseline");
        assert!(f.glyph('\u{10FFFF}').is_none());
    }

    #[test]
    fn missing_and_unknown_files() {
        assert!(matches!(
            Font::load(&asset("nope.bdf"), None),
            Err(FontError::Io { .. })
        ));
        assert!(matches!(
            Font::load(&asset("LICENSE-spleen.txt"), None),
            Err(FontError::UnknownFormat { .. })
        ));
    }
}
