//! The image widget: a PNG/JPEG/BMP/GIF file, scaled and converted to the display's mode.

use std::sync::Arc;

use bevy_ecs::prelude::*;

use super::widget_spec;
use crate::render::Layer;
use crate::render::compose::{RenderStats, WidgetLayer};
use crate::render::image::{Dither, ImageOptions, load_image};
use crate::scene::compile::Ctx;

fn half() -> u8 {
    128
}

widget_spec! {
    /// An image in a scene: `Image(file: "../assets/images/play.png", anchor: rt, x: 4, y: 4)`.
    /// With `width` and/or `height` it is scaled (one of them: keeping its aspect ratio).
    pub struct ImageSpec {
        /// Image file, relative to the scene file.
        pub file: String,
        /// Dithering for mono and 4-bit grey: None (threshold), Ordered, FloydSteinberg.
        #[serde(default)]
        pub dither: Dither,
        /// Grey level (0..=255) at and above which a mono pixel is on, without dithering (default 128).
        #[serde(default = "half")]
        pub threshold: u8,
    }
}

/// An image's pixels, converted once at load.
#[derive(Component, Debug, Clone)]
pub struct Image {
    /// The converted pixels, shared.
    pub pixels: Arc<Layer>,
}

/// Loads and converts a scene image; a missing or unreadable file is a problem.
pub fn compile(spec: &ImageSpec, ctx: &mut Ctx) -> Image {
    let opts = ImageOptions {
        width: spec.width,
        height: spec.height,
        dither: spec.dither,
        threshold: spec.threshold,
    };
    let path = ctx.resolve(&spec.file);
    match load_image(&path, &opts, ctx.mode) {
        Ok(layer) => Image {
            pixels: Arc::new(layer),
        },
        Err(e) => {
            ctx.error(Some("file"), e.to_string());
            Image {
                pixels: Arc::new(Layer::new(
                    spec.width.unwrap_or(1),
                    spec.height.unwrap_or(1),
                    ctx.mode,
                )),
            }
        }
    }
}

/// Copies changed images into their layers.
pub fn draw_images(
    mut q: Query<(&Image, &mut WidgetLayer), Changed<Image>>,
    stats: Res<RenderStats>,
) {
    q.par_iter_mut().for_each(|(img, mut wl)| {
        wl.layer.clone_from(&img.pixels);
        stats.count_redraw();
    });
}
