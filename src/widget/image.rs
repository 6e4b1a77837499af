//! The image widget: a PNG/JPEG/BMP/GIF file or URL, scaled and converted to the display's
//! mode. An animated GIF loops, its frame at each tick computed from the ticks since it
//! was shown; a URL is fetched off the tick thread (see [`super::remote`]) while the
//! previous picture stays.

use std::path::PathBuf;
use std::sync::Arc;

use bevy_ecs::prelude::*;

use super::{ToDraw, is_template, redraw_changed, widget_spec};
use crate::app::Tick;
use crate::render::animation::{Animation, is_gif, load_animation};
use crate::render::compose::RenderStats;
use crate::render::image::{Dither, ImageError, ImageOptions, check_image_pixels, load_image};
use crate::render::{Layer, PixelMode};
use crate::widget::compile::Ctx;

fn half() -> u8 {
    128
}

widget_spec! {
    /// An image in a scene: `Image(file: "../assets/images/play.png", anchor: rt, x: 4, y: 4)`.
    /// With `width` and/or `height` it is scaled (one of them: keeping its aspect ratio).
    pub struct ImageSpec {
        /// Image file, relative to the scene file, or an `http://`/`https://` URL; may be a
        /// template (`"icons/{{ weather.icon }}.png"`, `"{{ mpd.art_url }}"`).
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
    /// The frames of the animated GIF shown, if it is one.
    pub animation: Option<Arc<Animation>>,
    /// Tick the animation started at (None: it starts at the next Animate step).
    pub anim_start: Option<u64>,
    /// Index of the animation frame shown.
    pub frame: usize,
    /// The display's tick rate, for GIF frame delays.
    pub fps: u32,
    /// A URL asked for and not yet arrived (the previous picture is shown meanwhile).
    pub remote: Option<String>,
}

/// A decoded picture: its first frame and, for an animated GIF, all its frames.
#[derive(Debug, Clone)]
pub struct Picture {
    /// The first (or only) frame.
    pub first: Arc<Layer>,
    /// The frames, when there are several.
    pub animation: Option<Arc<Animation>>,
}

/// Decodes an image file for `mode`; a GIF of several frames becomes an animation (one that
/// cannot be decoded frame by frame shows its first frame, logged).
pub fn decode(
    path: &std::path::Path,
    opts: &ImageOptions,
    mode: PixelMode,
    fps: u32,
) -> Result<Picture, ImageError> {
    let first = Arc::new(load_image(path, opts, mode)?);
    let animation = if is_gif(path) {
        match load_animation(path, opts, mode, fps) {
            Ok(a) => a.map(Arc::new),
            Err(e) => {
                log::warn!("{e}; showing its first frame");
                None
            }
        }
    } else {
        None
    };
    Ok(Picture { first, animation })
}

/// True when an image `file` names a URL to fetch rather than a file.
pub fn is_url(file: &str) -> bool {
    let f = file.trim_start().to_ascii_lowercase();
    f.starts_with("http://") || f.starts_with("https://")
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
    /// Its frames, if animated.
    pub animation: Option<Arc<Animation>>,
}

/// Converted pictures an image widget keeps.
const RECENT: usize = 8;

impl Image {
    /// Shows `file` (relative to `dir`, or a URL); a file that cannot be loaded keeps the
    /// old picture and is logged. A URL is only noted here: the picture changes when the
    /// fetch brings it. An empty name (a template whose value is `""`, such as
    /// `mpd.albumart` for a song without a cover) shows nothing, silently.
    pub fn load(&mut self, file: &str) {
        if file.trim().is_empty() {
            self.file = None;
            self.remote = None;
            let blank = Layer::new(self.pixels.width(), self.pixels.height(), self.mode);
            self.show(&Arc::new(blank), None);
            return;
        }
        self.file = Some(file.to_string());
        if is_url(file) {
            self.remote = None;
            if let Some(i) = self.recent.iter().position(|r| r.file == file) {
                let hit = self.recent.remove(i);
                self.show(&hit.pixels, hit.animation.clone());
                self.recent.push(hit);
            } else {
                self.remote = Some(file.to_string());
            }
            return;
        }
        self.remote = None;
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
            self.show(&hit.pixels, hit.animation.clone());
            self.recent.push(hit);
            return;
        }
        match decode(&path, &self.opts, self.mode, self.fps) {
            Ok(picture) => self.arrived(file, stamp, picture),
            Err(e) => log::warn!("{e}; keeping the previous picture"),
        }
    }

    /// Shows a decoded picture for `file` and remembers it.
    pub fn arrived(
        &mut self,
        file: &str,
        stamp: Option<(std::time::SystemTime, u64)>,
        picture: Picture,
    ) {
        self.show(&picture.first, picture.animation.clone());
        self.recent.retain(|r| r.file != file);
        if self.recent.len() >= RECENT {
            self.recent.remove(0);
        }
        self.recent.push(Recent {
            file: file.to_string(),
            stamp,
            pixels: picture.first,
            animation: picture.animation,
        });
    }

    fn show(&mut self, first: &Arc<Layer>, animation: Option<Arc<Animation>>) {
        self.pixels = first.clone();
        self.animation = animation;
        self.anim_start = None;
        self.frame = 0;
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
    let max = ctx.limits.layer_pixels;
    let (w, h) = (spec.width.unwrap_or(1), spec.height.unwrap_or(1));
    let (w, h) = if u64::from(w) * u64::from(h) > max {
        ctx.error(
            None,
            format!(
                "this image is {w}×{h} pixels, over the limit of {max} pixels per widget (limits.layer_pixels)"
            ),
        );
        (1, 1)
    } else {
        (w, h)
    };
    let empty = Arc::new(Layer::new(w, h, ctx.mode));
    let mut image = Image {
        pixels: empty,
        file: None,
        dir: ctx.scene_dir.to_path_buf(),
        opts,
        mode: ctx.mode,
        recent: Vec::new(),
        animation: None,
        anim_start: Some(0),
        frame: 0,
        fps: ctx.fps,
        remote: None,
    };
    if is_template(&spec.file) {
        ctx.bind_template("file", "file", &spec.file, serde_json::Value::Null);
        return image;
    }
    if (w, h) == (1, 1) && (spec.width.unwrap_or(1), spec.height.unwrap_or(1)) != (1, 1) {
        // Refused above: not loaded, not scaled.
        return image;
    }
    if is_url(&spec.file) {
        if let Err(e) = crate::features::require("an image from a URL", "http") {
            ctx.error(Some("file"), e.to_string());
            return image;
        }
        // Fetched once the scene runs; nothing is shown until it arrives.
        image.file = Some(spec.file.clone());
        image.remote = Some(spec.file.clone());
        return image;
    }
    // The scene's pixel limit, from the file's header, before anything is decoded.
    let path = ctx.resolve(&spec.file);
    if let Err(e) = check_image_pixels(&path, &image.opts, ctx.limits.image_pixels) {
        ctx.error(Some("file"), e.to_string());
        return image;
    }
    match decode(&path, &image.opts, ctx.mode, ctx.fps) {
        Ok(picture) => {
            image.pixels = picture.first;
            image.animation = picture.animation;
            image.file = Some(spec.file.clone());
        }
        Err(e) => ctx.error(Some("file"), e.to_string()),
    }
    image
}

/// Shows each animated image's frame for this tick; only a new frame marks it changed
/// (so it is redrawn and damaged only then). The frame is a function of the ticks since
/// the animation was shown, so stepping and jumping agree.
pub fn animate_images(
    tick: Res<Tick>,
    mut q: Query<(&mut Image, Option<&mut crate::app::NextChange<Image>>)>,
) {
    for (mut img, next) in &mut q {
        let Some(anim) = img.animation.clone() else {
            if let Some(mut next) = next
                && next.at.is_some()
            {
                next.at = None;
            }
            continue;
        };
        let start = *img
            .bypass_change_detection()
            .anim_start
            .get_or_insert(tick.0);
        let elapsed = tick.0.saturating_sub(start);
        if let Some(mut next) = next {
            let at = anim.until_next_frame(elapsed).map(|d| tick.0 + d);
            if next.at != at {
                next.at = at;
            }
        }
        let i = anim.frame_at(elapsed);
        if i != img.frame
            && let Some(layer) = anim.frames.get(i).cloned()
        {
            img.frame = i;
            img.pixels = layer;
        }
    }
}

/// Copies changed images into their layers.
pub fn draw_images(mut q: ToDraw<Image>, stats: Res<RenderStats>) {
    // The picture is shared, not copied: a layer is never drawn into after this.
    redraw_changed(&mut q, &stats, |img, wl| wl.layer = Arc::clone(&img.pixels));
}

/// The `Image` kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageKind;

impl crate::widget::kind::Kind for ImageKind {
    const NAME: &'static str = "Image";
    type Spec = ImageSpec;
    type Compiled = Image;

    fn compile(
        spec: &ImageSpec,
        ctx: &mut Ctx,
        _placement: &mut crate::render::compose::Placement,
    ) -> Image {
        compile(spec, ctx)
    }

    fn size(compiled: &Image) -> (u32, u32) {
        (compiled.pixels.width(), compiled.pixels.height())
    }

    fn spawn(compiled: &Image, entity: &mut bevy_ecs::world::EntityWorldMut) {
        entity.insert((
            compiled.clone(),
            crate::app::NextChange::<Image>::new(compiled.animation.as_ref().map(|_| 0)),
            crate::app::wake::Declared,
        ));
    }

    fn files(compiled: &Image) -> Vec<std::path::PathBuf> {
        compiled.file.iter().map(|f| compiled.dir.join(f)).collect()
    }

    fn bound_bytes(bound: &[&str], screen: u64) -> Option<(u64, &'static str)> {
        bound.contains(&"file").then_some((
            RECENT as u64 * screen,
            "bound file: 8 recent at the display's size",
        ))
    }

    fn decoded_bytes(compiled: &Image) -> u64 {
        let frames = compiled
            .animation
            .as_ref()
            .map_or(0, |a| a.frames.iter().map(|f| f.bytes()).sum());
        compiled.pixels.bytes() + frames
    }

    fn setup(world: &mut bevy_ecs::world::World, scene: &crate::widget::setup::SceneSetup) {
        // A fresh cache handle per scene: fetches of the last scene's widgets are dropped.
        world.insert_resource(crate::widget::remote::RemoteImages::new(
            scene.image_cache.clone(),
        ));
    }

    fn systems(app: &mut bevy_app::App) {
        app.init_resource::<crate::widget::remote::RemoteImages>();
        crate::widget::bind::add_apply::<Image>(app);
        app.add_systems(
            crate::app::TickSchedule,
            (
                (
                    crate::widget::remote::fetch_remote_images
                        .run_if(crate::widget::remote::fetches_to_tend),
                    animate_images,
                )
                    .chain()
                    .in_set(crate::app::TickSet::Animate),
                draw_images.in_set(crate::render::RenderSet::Draw),
                crate::widget::remote::plan_wake.in_set(crate::app::PlanWake),
            ),
        );
        crate::app::wake::track::<Image>(app);
    }
}

impl crate::widget::bind::BindFields for Image {
    const FIELDS: &'static [crate::widget::bind::Field<Self>] =
        &[crate::widget::bind::Field::new("file", |this, value| {
            let file = crate::data::propagate::as_text(value);
            if this.file.as_deref() != Some(file.as_str()) {
                this.bypass_change_detection().load(&file);
                this.set_changed();
            }
            Ok(())
        })];
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
            animation: None,
            anim_start: None,
            frame: 0,
            fps: 30,
            remote: None,
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
