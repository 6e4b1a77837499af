//! The image widget: a PNG/JPEG/BMP/GIF file, scaled and converted to the display's mode.

use std::path::PathBuf;
use std::sync::Arc;

use bevy_ecs::prelude::*;

use super::{ToDraw, is_template, redraw_changed, widget_spec};
use crate::data::binding::Target;
use crate::render::compose::RenderStats;
use crate::render::image::{Dither, ImageOptions, load_image};
use crate::render::{Layer, PixelMode};
use crate::scene::compile::Ctx;

fn half() -> u8 {
    128
}

widget_spec! {
    /// An image in a scene: `Image(file: "../assets/images/play.png", anchor: rt, x: 4, y: 4)`.
    /// With `width` and/or `height` it is scaled (one of them: keeping its aspect ratio).
    pub struct ImageSpec {
        /// Image file, relative to the scene file; may be a template (`"icons/{{ weather.icon }}.png"`).
        pub file: String,
        /// Dithering for mono and 4-bit grey: None (threshold), Ordered, FloydSteinberg.
        #[serde(default)]
        pub dither: Dither,
        /// Grey level (0..=255) at and above which a mono pixel is on, without dithering (default 128).
        #[serde(default = "half")]
        pub threshold: u8,
    }
}

/// An image's pixels, converted once per file.
#[derive(Component, Debug, Clone)]
pub struct Image {
    /// The converted pixels, shared.
    pub pixels: Arc<Layer>,
    /// The file shown (relative to `dir`), if any.
    pub file: Option<String>,
    /// Directory relative file names are resolved against (the scene's).
    pub dir: PathBuf,
    /// Scaling and conversion options.
    pub opts: ImageOptions,
    /// The display's pixel mode.
    pub mode: PixelMode,
    /// Recently shown files, converted: switching back to one (album art, weather icons)
    /// costs no decode while the file is unchanged on disk.
    pub recent: Vec<Recent>,
}

/// A converted picture and the file state it came from.
#[derive(Debug, Clone)]
pub struct Recent {
    /// The file as named.
    pub file: String,
    /// Its modification time and length when it was loaded.
    pub stamp: Option<(std::time::SystemTime, u64)>,
    /// The converted pixels.
    pub pixels: Arc<Layer>,
}

/// Converted pictures an image widget keeps.
const RECENT: usize = 8;

impl Image {
    /// Shows `file` (relative to `dir`); a file that cannot be loaded keeps the old
    /// picture and is logged.
    pub fn load(&mut self, file: &str) {
        self.file = Some(file.to_string());
        let path = self.dir.join(file);
        let stamp = std::fs::metadata(&path)
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len())));
        if let Some(i) = self
            .recent
            .iter()
            .position(|r| r.file == file && r.stamp == stamp && stamp.is_some())
        {
            let hit = self.recent.remove(i);
            self.pixels = hit.pixels.clone();
            self.recent.push(hit);
            return;
        }
        match load_image(&path, &self.opts, self.mode) {
            Ok(layer) => {
                self.pixels = Arc::new(layer);
                self.recent.retain(|r| r.file != file);
                if self.recent.len() >= RECENT {
                    self.recent.remove(0);
                }
                self.recent.push(Recent {
                    file: file.to_string(),
                    stamp,
                    pixels: self.pixels.clone(),
                });
            }
            Err(e) => log::warn!("{e}; keeping the previous picture"),
        }
    }
}

/// Loads and converts a scene image; a missing or unreadable file is a problem.
pub fn compile(spec: &ImageSpec, ctx: &mut Ctx) -> Image {
    let opts = ImageOptions {
        width: spec.width,
        height: spec.height,
        dither: spec.dither,
        threshold: spec.threshold,
    };
    let empty = Arc::new(Layer::new(
        spec.width.unwrap_or(1),
        spec.height.unwrap_or(1),
        ctx.mode,
    ));
    let mut image = Image {
        pixels: empty,
        file: None,
        dir: ctx.scene_dir.to_path_buf(),
        opts,
        mode: ctx.mode,
        recent: Vec::new(),
    };
    if is_template(&spec.file) {
        ctx.bind_template(
            Target::ImageFile,
            "file",
            &spec.file,
            serde_json::Value::Null,
        );
        return image;
    }
    match load_image(&ctx.resolve(&spec.file), &image.opts, ctx.mode) {
        Ok(layer) => {
            image.pixels = Arc::new(layer);
            image.file = Some(spec.file.clone());
        }
        Err(e) => ctx.error(Some("file"), e.to_string()),
    }
    image
}

/// Copies changed images into their layers.
pub fn draw_images(mut q: ToDraw<Image>, stats: Res<RenderStats>) {
    redraw_changed(&mut q, &stats, |img, wl| {
        wl.pixels_mut().clone_from(&img.pixels)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_shown_again_is_not_decoded_again_until_it_changes() {
        let dir = std::env::temp_dir().join(format!("tinydisplay-imgcache-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/images");
        std::fs::copy(assets.join("play.png"), dir.join("a.png")).unwrap();
        std::fs::copy(assets.join("note.bmp"), dir.join("b.bmp")).unwrap();
        let mut img = Image {
            pixels: Arc::new(Layer::new(1, 1, PixelMode::Gray8)),
            file: None,
            dir: dir.clone(),
            opts: ImageOptions::default(),
            mode: PixelMode::Gray8,
            recent: Vec::new(),
        };
        img.load("a.png");
        let first = img.pixels.clone();
        img.load("b.bmp");
        assert!(!Arc::ptr_eq(&first, &img.pixels));
        img.load("a.png");
        assert!(Arc::ptr_eq(&first, &img.pixels), "a.png was decoded again");
        // A new file under the same name is decoded.
        image::RgbImage::new(3, 2).save(dir.join("a.png")).unwrap();
        img.load("a.png");
        assert!(
            !Arc::ptr_eq(&first, &img.pixels),
            "a changed file came from the cache"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
