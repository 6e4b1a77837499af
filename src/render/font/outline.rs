//! Outline (TTF/OTF) fonts through fontdue.

use std::collections::HashMap;
use std::path::Path;
use std::sync::RwLock;

use super::{Face, Font, FontError, Glyph};

/// Parses an outline font for rendering at `size` pixels.
pub(super) fn load(bytes: &[u8], size: f32, path: &Path) -> Result<Font, FontError> {
    let settings = fontdue::FontSettings {
        scale: size,
        ..fontdue::FontSettings::default()
    };
    let font = fontdue::Font::from_bytes(bytes, settings).map_err(|m| FontError::Outline {
        path: path.to_path_buf(),
        message: m.to_string(),
    })?;
    let (ascent, descent) = match font.horizontal_line_metrics(size) {
        Some(m) => (m.ascent.ceil() as i32, (-m.descent).ceil() as i32),
        None => (size.ceil() as i32, 0),
    };
    Ok(Font::new(
        path.display().to_string(),
        ascent,
        descent,
        Face::Outline {
            font: Box::new(font),
            size,
            cache: RwLock::new(HashMap::new()),
        },
    ))
}

/// Rasterises one glyph with antialiasing.
pub(super) fn rasterize(font: &fontdue::Font, ch: char, size: f32) -> Glyph {
    let (m, coverage) = font.rasterize(ch, size);
    Glyph::new(
        m.width as u32,
        m.height as u32,
        m.xmin,
        m.ymin + m.height as i32,
        m.advance_width.round() as i32,
        coverage,
    )
}
