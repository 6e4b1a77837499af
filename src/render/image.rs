//! Images for the image widget: loading PNG/JPEG/BMP/GIF files, scaling them and
//! converting them to a [`Layer`] in the display's pixel mode (with optional dithering).

use std::path::{Path, PathBuf};

use image::DynamicImage;
use image::imageops::{self, FilterType};
use serde::Deserialize;

use super::color::Color;
use super::layer::Layer;
use super::pixel::PixelMode;

/// How grey levels are reduced to the few a mono or gray4 panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Dither {
    /// No dithering: a plain threshold (mono) or nearest level (gray4).
    #[default]
    None,
    /// Ordered dithering with an 8×8 Bayer matrix.
    Ordered,
    /// Floyd–Steinberg error diffusion.
    FloydSteinberg,
}

/// How an image is scaled and converted.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageOptions {
    /// Target width in pixels (`None`: from the height keeping the aspect ratio, or native).
    pub width: Option<u32>,
    /// Target height in pixels (`None`: from the width keeping the aspect ratio, or native).
    pub height: Option<u32>,
    /// Dithering used for mono and gray4 panels.
    pub dither: Dither,
    /// Grey level at and above which a mono pixel is on (used with [`Dither::None`]).
    pub threshold: u8,
}

impl Default for ImageOptions {
    fn default() -> Self {
        ImageOptions {
            width: None,
            height: None,
            dither: Dither::None,
            threshold: 128,
        }
    }
}

/// An image file that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The file could not be opened or read.
    #[error("cannot read image {}: {source}", path.display())]
    Io {
        /// The image file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The image (or the size it is scaled to) has more pixels than allowed; it was not decoded.
    #[error("image {} is {width}×{height} pixels, over the limit of {limit} pixels (limits.image_pixels / limits.layer_pixels)", path.display())]
    TooLarge {
        /// The image file.
        path: PathBuf,
        /// Width in its header, or scaled.
        width: u32,
        /// Height in its header, or scaled.
        height: u32,
        /// The pixel limit.
        limit: u64,
    },
    /// The file's content is not an image we can decode.
    #[error("cannot decode image {}: {source}", path.display())]
    Decode {
        /// The image file.
        path: PathBuf,
        /// What went wrong.
        source: image::ImageError,
    },
}

/// Loads an image file (PNG, JPEG, BMP, GIF's first frame) and converts it for `mode`,
/// refusing one over [`MAX_IMAGE_PIXELS`].
pub fn load_image(path: &Path, opts: &ImageOptions, mode: PixelMode) -> Result<Layer, ImageError> {
    load_image_limited(path, opts, mode, MAX_IMAGE_PIXELS)
}

/// The default most pixels of an image file (4096²).
pub const MAX_IMAGE_PIXELS: u64 = 4096 * 4096;

/// Loads an image like [`load_image`]; its header's size, and the size it is scaled to,
/// are checked against `max_pixels` before anything is decoded.
pub fn load_image_limited(
    path: &Path,
    opts: &ImageOptions,
    mode: PixelMode,
    max_pixels: u64,
) -> Result<Layer, ImageError> {
    let native = check_image_pixels(path, opts, max_pixels)?;
    let mut reader = open_reader(path)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(native.0);
    limits.max_image_height = Some(native.1);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| decode_error(path, e))?;
    Ok(image_to_layer(&img, opts, mode))
}

fn open_reader(
    path: &Path,
) -> Result<image::ImageReader<std::io::BufReader<std::fs::File>>, ImageError> {
    let io_err = |source| ImageError::Io {
        path: path.to_path_buf(),
        source,
    };
    image::ImageReader::open(path)
        .map_err(io_err)?
        .with_guessed_format()
        .map_err(io_err)
}

fn decode_error(path: &Path, source: image::ImageError) -> ImageError {
    match source {
        image::ImageError::IoError(e) => ImageError::Io {
            path: path.to_path_buf(),
            source: e,
        },
        source => ImageError::Decode {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// Reads only the header of the image at `path` and refuses it when it, or the size
/// `opts` scale it to, has more than `max_pixels` pixels; returns its native size.
pub fn check_image_pixels(
    path: &Path,
    opts: &ImageOptions,
    max_pixels: u64,
) -> Result<(u32, u32), ImageError> {
    let native = open_reader(path)?
        .into_dimensions()
        .map_err(|e| decode_error(path, e))?;
    let target = target_size(native, opts);
    let layer_limit = MAX_IMAGE_PIXELS.max(super::layer::MAX_LAYER_PIXELS);
    for ((w, h), limit) in [(native, max_pixels), (target, max_pixels.min(layer_limit))] {
        if u64::from(w) * u64::from(h) > limit {
            return Err(ImageError::TooLarge {
                path: path.to_path_buf(),
                width: w,
                height: h,
                limit,
            });
        }
    }
    Ok(native)
}

/// The size an image of `native` size is scaled to under `opts` (never below 1×1).
fn target_size(native: (u32, u32), opts: &ImageOptions) -> (u32, u32) {
    let (nw, nh) = (native.0.max(1) as u64, native.1.max(1) as u64);
    let scaled = |num: u64, den: u64, v: u32| ((v as u64 * num + den / 2) / den).max(1) as u32;
    match (opts.width, opts.height) {
        (Some(w), Some(h)) => (w.max(1), h.max(1)),
        (Some(w), None) => (w.max(1), scaled(nh, nw, w.max(1))),
        (None, Some(h)) => (scaled(nw, nh, h.max(1)), h.max(1)),
        (None, None) => native,
    }
}

/// Scales `img` as `opts` asks and converts it to a layer in `mode`.
pub fn image_to_layer(img: &DynamicImage, opts: &ImageOptions, mode: PixelMode) -> Layer {
    let native = (img.width(), img.height());
    let (w, h) = target_size(native, opts);
    let mut rgba = img.to_rgba8();
    if (w, h) != native {
        rgba = imageops::resize(&rgba, w, h, FilterType::Triangle);
    }
    let mut layer = Layer::new(w, h, mode);
    if w == 0 || h == 0 {
        return layer;
    }
    let (wu, hu) = (w as usize, h as usize);
    let dithered = matches!(mode, PixelMode::Mono | PixelMode::Gray4);
    if !dithered {
        for (x, y, p) in rgba.enumerate_pixels() {
            let [r, g, b, a] = p.0;
            layer.put(x as i32, y as i32, Color { r, g, b, a });
        }
        return layer;
    }
    let grey: Vec<u8> = rgba
        .pixels()
        .map(|p| Color::rgb(p.0[0], p.0[1], p.0[2]).luma())
        .collect();
    let levels = match (mode, opts.dither) {
        (PixelMode::Mono, Dither::None) => grey
            .iter()
            .map(|&v| if v >= opts.threshold { 255 } else { 0 })
            .collect(),
        (_, Dither::None) => grey.iter().map(|&v| mode.quantize_gray(v)).collect(),
        (_, Dither::Ordered) => ordered_dither(&grey, wu, hu, level_step(mode)),
        (_, Dither::FloydSteinberg) => floyd_steinberg(&grey, wu, mode),
    };
    for (i, (&v, p)) in levels.iter().zip(rgba.pixels()).enumerate() {
        let (x, y) = ((i % wu) as i32, (i / wu) as i32);
        layer.put(
            x,
            y,
            Color {
                r: v,
                g: v,
                b: v,
                a: p.0[3],
            },
        );
    }
    layer
}

/// Distance between two neighbouring levels of a mono or gray4 panel.
fn level_step(mode: PixelMode) -> u32 {
    match mode {
        PixelMode::Gray4 => 17,
        _ => 255,
    }
}

/// Builds the n×n Bayer threshold matrix (n a power of two, at most 8), values 0..n².
const fn bayer<const N: usize>() -> [[u8; N]; N] {
    let mut m = [[0u8; N]; N];
    let mut size = 1;
    while size < N {
        // Grow the top-left `size`×`size` block to `2size`×`2size`: M' = 4M + D(quadrant).
        let mut y = 2 * size;
        while y > 0 {
            y -= 1;
            let mut x = 2 * size;
            while x > 0 {
                x -= 1;
                let q = match (y / size, x / size) {
                    (0, 0) => 0,
                    (0, _) => 2,
                    (1, 0) => 3,
                    _ => 1,
                };
                m[y][x] = 4 * m[y % size][x % size] + q;
            }
        }
        size *= 2;
    }
    m
}

/// The 8×8 Bayer matrix used for ordered dithering.
const BAYER8: [[u8; 8]; 8] = bayer::<8>();

/// Ordered dithering of a grey plane to levels `step` apart (0, step, 2·step, … ≤ 255).
fn ordered_dither(grey: &[u8], w: usize, h: usize, step: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let v = grey[y * w + x] as u32;
            let b = BAYER8[y % 8][x % 8] as u32;
            // floor(v / step + (b + 0.5) / 64), in integers.
            let k = (128 * v + step * (2 * b + 1)) / (128 * step);
            out.push((k * step).min(255) as u8);
        }
    }
    out
}

/// Floyd–Steinberg error diffusion of a grey plane to the levels of `mode`.
fn floyd_steinberg(grey: &[u8], w: usize, mode: PixelMode) -> Vec<u8> {
    let mut acc: Vec<i32> = grey.iter().map(|&v| v as i32 * 16).collect();
    let mut out = vec![0u8; grey.len()];
    let h = grey.len() / w.max(1);
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let old = ((acc[i] + 8) / 16).clamp(0, 255);
            let new = mode.quantize_gray(old as u8);
            out[i] = new;
            let err = old - new as i32; // distributed in sixteenths
            if x + 1 < w {
                acc[i + 1] += err * 7;
            }
            if y + 1 < h {
                if x > 0 {
                    acc[i + w - 1] += err * 3;
                }
                acc[i + w] += err * 5;
                if x + 1 < w {
                    acc[i + w + 1] += err;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma, Rgba, RgbaImage};
    use std::sync::atomic::{AtomicU32, Ordering};

    fn temp_path(name: &str) -> PathBuf {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tinydisplay-image-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    /// A 16×4 horizontal gradient: column x has grey x·17.
    fn gradient() -> GrayImage {
        GrayImage::from_fn(16, 4, |x, _| Luma([(x * 17) as u8]))
    }

    fn greys(l: &Layer) -> Vec<u8> {
        l.color_bytes().to_vec()
    }

    fn opts(dither: Dither) -> ImageOptions {
        ImageOptions {
            dither,
            ..ImageOptions::default()
        }
    }

    #[test]
    fn bayer_matrix_is_a_permutation_with_the_classic_first_row() {
        assert_eq!(BAYER8[0], [0, 32, 8, 40, 2, 34, 10, 42]);
        assert_eq!(BAYER8[1], [48, 16, 56, 24, 50, 18, 58, 26]);
        let mut seen = [false; 64];
        BAYER8
            .iter()
            .flatten()
            .for_each(|&v| seen[v as usize] = true);
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn loads_png_jpeg_bmp_and_gif() {
        let g = DynamicImage::ImageLuma8(gradient());
        for ext in ["png", "jpg", "bmp", "gif"] {
            let path = temp_path(&format!("gradient.{ext}"));
            let img = if ext == "gif" {
                DynamicImage::ImageRgba8(g.to_rgba8())
            } else {
                g.clone()
            };
            img.save(&path).unwrap();
            let l = load_image(&path, &ImageOptions::default(), PixelMode::Gray8).unwrap();
            assert_eq!((l.width(), l.height()), (16, 4), "{ext}");
            assert!(l.alpha_bytes().iter().all(|&a| a == 255), "{ext}");
            for x in 0..16 {
                let (c, _) = l.get(x, 2).unwrap();
                let want = x * 17;
                let tol = if ext == "jpg" { 12 } else { 0 };
                assert!(
                    (c[0] as i32 - want).abs() <= tol,
                    "{ext} x={x}: {} vs {want}",
                    c[0]
                );
            }
        }
    }

    #[test]
    fn mono_threshold_is_exact_on_a_gradient() {
        let img = DynamicImage::ImageLuma8(gradient());
        let l = image_to_layer(&img, &opts(Dither::None), PixelMode::Mono);
        let row: Vec<u8> = greys(&l)[..16].to_vec();
        // 7·17 = 119 < 128 ≤ 8·17 = 136
        let want: Vec<u8> = (0..16).map(|x| if x >= 8 { 255 } else { 0 }).collect();
        assert_eq!(row, want);
        let l = image_to_layer(
            &img,
            &ImageOptions {
                threshold: 200,
                ..opts(Dither::None)
            },
            PixelMode::Mono,
        );
        let want: Vec<u8> = (0..16)
            .map(|x| if x * 17 >= 200 { 255 } else { 0 })
            .collect();
        assert_eq!(&greys(&l)[..16], &want[..]);
    }

    #[test]
    fn gray4_without_dither_quantises_and_with_dither_keeps_exact_levels() {
        let img = DynamicImage::ImageLuma8(GrayImage::from_fn(8, 8, |x, _| Luma([(x * 30) as u8])));
        let l = image_to_layer(&img, &opts(Dither::None), PixelMode::Gray4);
        for x in 0..8 {
            assert_eq!(
                l.get(x, 0).unwrap().0[0],
                PixelMode::Gray4.quantize_gray((x * 30) as u8)
            );
        }
        let exact = DynamicImage::ImageLuma8(GrayImage::from_pixel(8, 8, Luma([68])));
        for d in [Dither::Ordered, Dither::FloydSteinberg] {
            let l = image_to_layer(&exact, &opts(d), PixelMode::Gray4);
            assert!(greys(&l).iter().all(|&v| v == 68), "{d:?}");
            let l = image_to_layer(&img, &opts(d), PixelMode::Gray4);
            assert!(greys(&l).iter().all(|&v| v % 17 == 0), "{d:?}");
        }
        // A grey between two levels mixes exactly those two.
        let mid = DynamicImage::ImageLuma8(GrayImage::from_pixel(8, 8, Luma([76])));
        let l = image_to_layer(&mid, &opts(Dither::Ordered), PixelMode::Gray4);
        let v = greys(&l);
        assert!(v.iter().all(|&g| g == 68 || g == 85));
        assert!(v.contains(&68) && v.contains(&85));
    }

    #[test]
    fn ordered_dither_of_half_grey_is_a_checkerboard() {
        let img = DynamicImage::ImageLuma8(GrayImage::from_pixel(8, 8, Luma([128])));
        let l = image_to_layer(&img, &opts(Dither::Ordered), PixelMode::Mono);
        let v = greys(&l);
        assert!(v.iter().all(|&g| g == 0 || g == 255));
        assert_eq!(v.iter().filter(|&&g| g == 255).count(), 32);
        for y in 0..8 {
            for x in 0..8 {
                let (a, b) = (
                    l.get(x, y).unwrap().0[0],
                    l.get((x + 1) % 8, y).unwrap().0[0],
                );
                assert_ne!(a, b, "neighbours at ({x},{y}) should differ");
            }
        }
        let black = DynamicImage::ImageLuma8(GrayImage::from_pixel(8, 8, Luma([0])));
        let white = DynamicImage::ImageLuma8(GrayImage::from_pixel(8, 8, Luma([255])));
        assert!(
            greys(&image_to_layer(
                &black,
                &opts(Dither::Ordered),
                PixelMode::Mono
            ))
            .iter()
            .all(|&g| g == 0)
        );
        assert!(
            greys(&image_to_layer(
                &white,
                &opts(Dither::Ordered),
                PixelMode::Mono
            ))
            .iter()
            .all(|&g| g == 255)
        );
    }

    #[test]
    fn floyd_steinberg_of_quarter_grey_lights_a_quarter() {
        let img = DynamicImage::ImageLuma8(GrayImage::from_pixel(32, 32, Luma([64])));
        let l = image_to_layer(&img, &opts(Dither::FloydSteinberg), PixelMode::Mono);
        let v = greys(&l);
        assert!(v.iter().all(|&g| g == 0 || g == 255));
        let on = v.iter().filter(|&&g| g == 255).count() as f64 / v.len() as f64;
        assert!((on - 0.25).abs() < 0.02, "on fraction {on}");
    }

    #[test]
    fn scaling_keeps_the_aspect_ratio() {
        let img = DynamicImage::ImageLuma8(GrayImage::from_pixel(40, 20, Luma([200])));
        let w = ImageOptions {
            width: Some(10),
            ..ImageOptions::default()
        };
        let l = image_to_layer(&img, &w, PixelMode::Gray8);
        assert_eq!((l.width(), l.height()), (10, 5));
        let h = ImageOptions {
            height: Some(8),
            ..ImageOptions::default()
        };
        let l = image_to_layer(&img, &h, PixelMode::Gray8);
        assert_eq!((l.width(), l.height()), (16, 8));
        let both = ImageOptions {
            width: Some(7),
            height: Some(9),
            ..ImageOptions::default()
        };
        let l = image_to_layer(&img, &both, PixelMode::Rgb565);
        assert_eq!((l.width(), l.height()), (7, 9));
        assert_eq!(
            l.get(3, 3).unwrap().0,
            PixelMode::Rgb565.quantize_rgb(200, 200, 200)
        );
    }

    #[test]
    fn transparent_png_pixels_stay_transparent() {
        let mut img = RgbaImage::from_pixel(4, 4, Rgba([255, 0, 0, 255]));
        img.put_pixel(1, 1, Rgba([255, 255, 255, 0]));
        img.put_pixel(2, 2, Rgba([255, 255, 255, 100]));
        let path = temp_path("alpha.png");
        img.save(&path).unwrap();
        let l = load_image(&path, &ImageOptions::default(), PixelMode::Rgb888).unwrap();
        assert_eq!(l.get(0, 0), Some(([255, 0, 0], 255)));
        assert_eq!(l.get(1, 1).unwrap().1, 0);
        assert_eq!(l.get(2, 2), Some(([255, 255, 255], 100)));
        let m = load_image(&path, &opts(Dither::FloydSteinberg), PixelMode::Mono).unwrap();
        assert_eq!(m.get(1, 1).unwrap().1, 0);
        assert_eq!(
            m.get(2, 2).unwrap().1,
            0,
            "mono alpha is thresholded at 128"
        );
        assert_eq!(m.get(0, 0).unwrap().1, 255);
    }

    #[test]
    fn missing_and_corrupt_files_give_their_error() {
        let missing = temp_path("nope.png");
        let e = load_image(&missing, &ImageOptions::default(), PixelMode::Mono).unwrap_err();
        assert!(matches!(e, ImageError::Io { .. }), "{e:?}");
        assert!(e.to_string().contains("nope.png"));
        let corrupt = temp_path("corrupt.png");
        std::fs::write(&corrupt, b"this is not an image at all").unwrap();
        let e = load_image(&corrupt, &ImageOptions::default(), PixelMode::Mono).unwrap_err();
        assert!(matches!(e, ImageError::Decode { .. }), "{e:?}");
        assert!(e.to_string().contains("corrupt.png"));
    }

    #[test]
    fn a_huge_image_is_refused_from_its_header_without_decoding() {
        // A 20000×20000 grey PNG's header (decoding such a file takes seconds and 400 MB
        // and more; the check must not get there). Its data is cut short on purpose.
        let path = temp_path("huge.png");
        std::fs::write(&path, png_header(20_000, 20_000)).expect("write");
        let result = load_image(&path, &ImageOptions::default(), PixelMode::Gray8);
        assert!(
            matches!(
                result,
                Err(ImageError::TooLarge {
                    width: 20_000,
                    height: 20_000,
                    ..
                })
            ),
            "{result:?}"
        );
        // Scaled up past the limit: refused too.
        let small = temp_path("tall.png");
        image::GrayImage::new(1, 100).save(&small).expect("save");
        let opts = ImageOptions {
            width: Some(100_000),
            ..ImageOptions::default()
        };
        let result = load_image(&small, &opts, PixelMode::Gray8);
        assert!(
            matches!(result, Err(ImageError::TooLarge { .. })),
            "{result:?}"
        );
        let _ = std::fs::remove_file(&path);
    }

    /// The bytes of a PNG whose header says `w`×`h` grey, with an empty image data chunk.
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        fn crc(bytes: &[u8]) -> u32 {
            let mut c = 0xFFFF_FFFFu32;
            for b in bytes {
                c ^= u32::from(*b);
                for _ in 0..8 {
                    c = if c & 1 == 1 {
                        0xEDB8_8320 ^ (c >> 1)
                    } else {
                        c >> 1
                    };
                }
            }
            !c
        }
        fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut body = kind.to_vec();
            body.extend_from_slice(data);
            out.extend_from_slice(&body);
            out.extend_from_slice(&crc(&body).to_be_bytes());
        }
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(&mut out, b"IDAT", &[]);
        chunk(&mut out, b"IEND", &[]);
        out
    }
}
