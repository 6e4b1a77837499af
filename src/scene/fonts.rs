//! The scene's fonts: the built-in ones and those the scene names, with fallback chains.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::problems::{Raw, Severity};
use super::schema::SceneFile;
use crate::render::font::Font;

/// The built-in 5×8 bitmap font (Spleen, BSD-2), available as `small`.
const SMALL_BDF: &str = include_str!("../../assets/fonts/spleen-5x8.bdf");
/// The built-in 8×16 bitmap font (Spleen, BSD-2), available as `large`.
const LARGE_BDF: &str = include_str!("../../assets/fonts/spleen-8x16.bdf");

/// Loads the built-in and the scene's fonts and builds each name's fallback chain.
pub(super) fn load_fonts(
    file: &SceneFile,
    dir: &Path,
    raw: &mut Vec<Raw>,
) -> HashMap<String, Vec<Arc<Font>>> {
    let mut single: HashMap<String, Arc<Font>> = HashMap::new();
    for (name, bdf) in [("small", SMALL_BDF), ("large", LARGE_BDF)] {
        if let Ok(f) = Font::from_bdf_str(bdf, &format!("{name} (built-in)")) {
            single.insert(name.to_string(), Arc::new(f));
        }
    }
    for (name, spec) in &file.fonts {
        // Checked before loading: the rasteriser panics or allocates without bound on a
        // size like NaN, -1 or 1e30.
        if let Some(size) = spec.size.filter(|s| !(*s >= 1.0 && *s <= 512.0)) {
            raw.push(Raw {
                severity: Severity::Error,
                path: format!("fonts.{name}.size"),
                message: format!("size must be 1 to 512 pixels, not {size}"),
            });
            continue;
        }
        match Font::load(&dir.join(&spec.file), spec.size) {
            Ok(f) => {
                single.insert(name.clone(), Arc::new(f));
            }
            Err(e) => raw.push(Raw {
                severity: Severity::Error,
                path: format!("fonts.{name}.file"),
                message: e.to_string(),
            }),
        }
    }
    let mut chains: HashMap<String, Vec<Arc<Font>>> = single
        .iter()
        .map(|(n, f)| (n.clone(), vec![f.clone()]))
        .collect();
    for (name, spec) in &file.fonts {
        let Some(chain) = chains.get_mut(name) else {
            continue;
        };
        for (i, fb) in spec.fallback.iter().enumerate() {
            match single.get(fb) {
                Some(f) => chain.push(f.clone()),
                None => raw.push(Raw {
                    severity: Severity::Error,
                    path: format!("fonts.{name}.fallback[{i}]"),
                    message: format!("unknown fallback font {fb:?}"),
                }),
            }
        }
    }
    chains
}
