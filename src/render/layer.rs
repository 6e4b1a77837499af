//! A widget's own pixels: drawn when its content changes, blitted every time it is composed.

use super::color::Color;
use super::geometry::Rect;
use super::pixel::PixelMode;

/// The most pixels one layer may have (4096²): content that would be larger is cut to
/// this size (and logged once), so a huge text or value can never allocate gigabytes.
pub const MAX_LAYER_PIXELS: u64 = 4096 * 4096;

/// Set once a layer was cut to [`MAX_LAYER_PIXELS`], so it is logged once.
static CUT_LOGGED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `width`×`height`, cut (width first) to at most [`MAX_LAYER_PIXELS`].
pub fn capped_size(width: u32, height: u32) -> (u32, u32) {
    let n = u64::from(width) * u64::from(height);
    if n <= MAX_LAYER_PIXELS {
        return (width, height);
    }
    if !CUT_LOGGED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        log::warn!(
            "a widget of {width}×{height} pixels is over the layer limit of {MAX_LAYER_PIXELS} pixels; it is cut"
        );
    }
    let h = u64::from(height).clamp(1, MAX_LAYER_PIXELS);
    let w = (MAX_LAYER_PIXELS / h).min(u64::from(width));
    (w as u32, h as u32)
}

/// A coverage mask to paint a colour through (a glyph's).
#[derive(Debug, Clone, Copy)]
pub struct Mask<'a> {
    /// Width and height.
    pub size: (u32, u32),
    /// Row-major coverage, 0..=255.
    pub coverage: &'a [u8],
    /// True when it holds only 0 and 255 (a bitmap glyph).
    pub binary: bool,
}

/// A small RGBA-like pixel buffer in the display's mode: `channels` colour bytes plus one alpha byte per pixel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layer {
    width: u32,
    height: u32,
    mode: PixelMode,
    color: Vec<u8>,
    alpha: Vec<u8>,
    /// Some pixel's alpha is neither 0 nor 255 (anti-aliased edges, partial fills); while
    /// false, composition can select pixels instead of blending them.
    partial: bool,
}

/// Blends `src` over `dst` with opacity `a` (0..=255).
#[inline]
pub(crate) fn mix(dst: u8, src: u8, a: u32) -> u8 {
    ((src as u32 * a + dst as u32 * (255 - a) + 127) / 255) as u8
}

impl Layer {
    /// A transparent layer of the given size.
    pub fn new(width: u32, height: u32, mode: PixelMode) -> Layer {
        let (width, height) = capped_size(width, height);
        let n = width as usize * height as usize;
        Layer {
            width,
            height,
            mode,
            color: vec![0; n * mode.channels()],
            alpha: vec![0; n],
            partial: false,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Bytes its pixels take (colour and alpha).
    pub fn bytes(&self) -> u64 {
        (self.color.len() + self.alpha.len()) as u64
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Pixel mode the colours are quantised for.
    pub fn mode(&self) -> PixelMode {
        self.mode
    }

    /// The layer's extent at the origin.
    pub fn bounds(&self) -> Rect {
        Rect::new(0, 0, self.width, self.height)
    }

    /// Makes the layer `width`×`height` and fully transparent, reusing its memory.
    pub fn reset(&mut self, width: u32, height: u32, mode: PixelMode) {
        let (width, height) = capped_size(width, height);
        let n = width as usize * height as usize;
        self.width = width;
        self.height = height;
        self.mode = mode;
        self.color.clear();
        self.color.resize(n * mode.channels(), 0);
        self.alpha.clear();
        self.alpha.resize(n, 0);
        self.partial = false;
    }

    /// True when some pixel is partly transparent (alpha neither 0 nor 255).
    pub fn has_partial_alpha(&self) -> bool {
        self.partial
    }

    /// The stored colour bytes and alpha of a pixel, or `None` outside the layer.
    pub fn get(&self, x: i32, y: i32) -> Option<([u8; 3], u8)> {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return None;
        }
        let i = y as usize * self.width as usize + x as usize;
        let ch = self.mode.channels();
        let mut c = [0; 3];
        c[..ch].copy_from_slice(&self.color[i * ch..i * ch + ch]);
        Some((c, self.alpha[i]))
    }

    /// Raw colour bytes, row-major, `channels` per pixel.
    pub fn color_bytes(&self) -> &[u8] {
        &self.color
    }

    /// Raw alpha bytes, row-major.
    pub fn alpha_bytes(&self) -> &[u8] {
        &self.alpha
    }

    /// Paints `color` over the pixel at (x, y) with extra coverage `cov` (255 = full); outside is ignored.
    #[inline]
    pub fn blend(&mut self, x: i32, y: i32, color: Color, cov: u8) {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return;
        }
        let mut a = color.a as u32 * cov as u32 / 255;
        if self.mode == PixelMode::Mono {
            a = if a >= 128 { 255 } else { 0 };
        }
        if a == 0 {
            return;
        }
        let i = y as usize * self.width as usize + x as usize;
        let ch = self.mode.channels();
        let src = self.mode.encode(color);
        let da = self.alpha[i] as u32;
        if a == 255 || da == 0 {
            if ch == 1 {
                self.color[i] = src[0];
            } else {
                self.color[i * 3] = src[0];
                self.color[i * 3 + 1] = src[1];
                self.color[i * 3 + 2] = src[2];
            }
            self.alpha[i] = a as u8;
            self.partial |= a != 255;
            return;
        }
        // Porter-Duff "over" for two partially covered pixels.
        let out_a = a + da * (255 - a) / 255;
        for (k, s) in src.iter().enumerate().take(ch) {
            let d = self.color[i * ch + k] as u32;
            let v = (*s as u32 * a + d * da * (255 - a) / 255) / out_a.max(1);
            self.color[i * ch + k] = v.min(255) as u8;
        }
        let q = self.mode.encode_stored(&self.color[i * ch..i * ch + ch]);
        self.color[i * ch..i * ch + ch].copy_from_slice(&q[..ch]);
        self.alpha[i] = out_a as u8;
        self.partial |= out_a != 255;
    }

    /// Paints `color` through a `w`×`h` coverage mask (row-major, 0..=255) whose top-left
    /// lands at (x, y); clipped to the layer. Same result as [`Layer::blend`] per pixel.
    pub fn blend_mask(&mut self, x: i32, y: i32, w: u32, h: u32, mask: &[u8], color: Color) {
        self.blend_mask_of(x, y, (w, h), mask, false, color);
    }

    /// [`Layer::blend_mask`] for a mask known to hold only 0 and 255 when `binary`
    /// (a bitmap glyph): its rows are not looked over for partial coverage first.
    pub fn blend_mask_of(
        &mut self,
        x: i32,
        y: i32,
        size: (u32, u32),
        mask: &[u8],
        binary: bool,
        color: Color,
    ) {
        let mask = Mask {
            size,
            coverage: mask,
            binary,
        };
        self.blend_mask_in(self.bounds(), (x, y), mask, color);
    }

    /// [`Layer::blend_mask_of`] painting only inside `clip` (and the layer), the mask's
    /// top-left at `at`.
    pub fn blend_mask_in(&mut self, clip: Rect, at: (i32, i32), mask: Mask<'_>, color: Color) {
        let ((x, y), (w, h), binary, mask) = (at, mask.size, mask.binary, mask.coverage);
        let area = Rect::new(x, y, w, h)
            .intersect(&self.bounds())
            .intersect(&clip);
        if area.is_empty() || mask.len() < w as usize * h as usize {
            return;
        }
        let ch = self.mode.channels();
        let src = self.mode.encode(color);
        let lw = self.width as usize;
        let n = area.w as usize;
        // With an opaque colour, full coverage (all of a bitmap glyph's ink, the inside of
        // an outline glyph) is a plain store; only edges need blending.
        let full = if color.a == 255 { 255 } else { 256 };
        let mono = self.mode == PixelMode::Mono;
        for py in area.y..area.bottom() {
            let m0 = (py - y) as usize * w as usize + (area.x - x) as usize;
            let i0 = py as usize * lw + area.x as usize;
            let mrow = &mask[m0..m0 + n];
            if ch == 1
                && color.a == 255
                && (mono || binary || mrow.iter().all(|&c| c == 0 || c == 255))
            {
                // Every pixel is either untouched or fully painted: a byte mask selects
                // (255 where coverage ≥ 128, which for a 0/255 mask is the mask itself).
                let (crow, arow) = (&mut self.color[i0..i0 + n], &mut self.alpha[i0..i0 + n]);
                for ((c, a), &cov) in crow.iter_mut().zip(arow.iter_mut()).zip(mrow) {
                    let m = 0u8.wrapping_sub(cov >> 7);
                    *c = (src[0] & m) | (*c & !m);
                    *a |= m;
                }
                continue;
            }
            if ch == 3 && color.a == 255 && (binary || mrow.iter().all(|&c| c == 0 || c == 255)) {
                // The same for three bytes a pixel: ink is a store, the rest untouched.
                let crow = &mut self.color[i0 * 3..(i0 + n) * 3];
                let arow = &mut self.alpha[i0..i0 + n];
                for ((c, a), &cov) in crow.chunks_exact_mut(3).zip(arow.iter_mut()).zip(mrow) {
                    if cov >= 128 {
                        c.copy_from_slice(&src[..3]);
                        *a = 255;
                    }
                }
                continue;
            }
            for (k, &cov) in mrow.iter().enumerate() {
                if cov == 0 {
                    continue;
                }
                let i = i0 + k;
                if u16::from(cov) == full || (mono && cov >= 128 && color.a == 255) {
                    if ch == 1 {
                        self.color[i] = src[0];
                    } else {
                        self.color[i * 3..i * 3 + 3].copy_from_slice(&src[..3]);
                    }
                    self.alpha[i] = 255;
                } else {
                    self.blend(area.x + k as i32, py, color, cov);
                }
            }
        }
    }

    /// Paints an opaque `color` where the bits of `rows` are set (a binary glyph's
    /// [`rows`](crate::render::font::Glyph::rows): bit k of row r is pixel (x + k, y + r)),
    /// `w` pixels wide, clipped by the layer. Gives what [`Layer::blend_mask_of`] gives
    /// for the same glyph; a translucent colour goes there instead.
    pub fn stamp_bits(&mut self, x: i32, y: i32, w: u32, rows: &[u64], color: Color) {
        self.stamp_bits_in(self.bounds(), x, y, w, rows, color);
    }

    /// [`Layer::stamp_bits`] painting only inside `clip` (and the layer).
    pub fn stamp_bits_in(
        &mut self,
        clip: Rect,
        x: i32,
        y: i32,
        w: u32,
        rows: &[u64],
        color: Color,
    ) {
        let area = Rect::new(x, y, w.min(64), rows.len() as u32)
            .intersect(&self.bounds())
            .intersect(&clip);
        if area.is_empty() {
            return;
        }
        let ch = self.mode.channels();
        let src = self.mode.encode(color);
        let lw = self.width as usize;
        let skip = (area.x - x) as u32;
        let keep = if area.w >= 64 {
            u64::MAX
        } else {
            (1u64 << area.w) - 1
        };
        for py in area.y..area.bottom() {
            let mut bits = (rows[(py - y) as usize] >> skip) & keep;
            let i0 = py as usize * lw + area.x as usize;
            while bits != 0 {
                let i = i0 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if ch == 1 {
                    self.color[i] = src[0];
                } else {
                    self.color[i * 3..i * 3 + 3].copy_from_slice(&src[..3]);
                }
                self.alpha[i] = 255;
            }
        }
    }

    /// Paints one fully covered pixel.
    #[inline]
    pub fn put(&mut self, x: i32, y: i32, color: Color) {
        self.blend(x, y, color, 255);
    }

    /// Fills a rectangle (clipped to the layer).
    pub fn fill_rect(&mut self, r: Rect, color: Color) {
        let r = r.intersect(&self.bounds());
        if r.is_empty() {
            return;
        }
        if color.a == 255 {
            // Opaque: whole rows of the encoded colour, no per-pixel blending.
            let ch = self.mode.channels();
            let src = self.mode.encode(color);
            let w = self.width as usize;
            for y in r.y as usize..r.bottom() as usize {
                let (a, b) = (y * w + r.x as usize, y * w + r.right() as usize);
                self.alpha[a..b].fill(255);
                let row = &mut self.color[a * ch..b * ch];
                if ch == 1 {
                    row.fill(src[0]);
                } else {
                    for p in row.chunks_exact_mut(3) {
                        p.copy_from_slice(&src[..3]);
                    }
                }
            }
            return;
        }
        for y in r.y..r.bottom() {
            for x in r.x..r.right() {
                self.blend(x, y, color, 255);
            }
        }
    }

    /// Makes a rectangle (clipped to the layer) transparent, as [`Layer::reset`] leaves
    /// every pixel.
    pub fn clear_rect(&mut self, r: Rect) {
        let r = r.intersect(&self.bounds());
        if r.is_empty() {
            return;
        }
        let ch = self.mode.channels();
        let w = self.width as usize;
        for y in r.y as usize..r.bottom() as usize {
            let (a, b) = (y * w + r.x as usize, y * w + r.right() as usize);
            self.alpha[a..b].fill(0);
            self.color[a * ch..b * ch].fill(0);
        }
    }

    /// Fills the whole layer with one colour.
    pub fn fill(&mut self, color: Color) {
        self.fill_rect(self.bounds(), color);
    }
}

impl PixelMode {
    /// Re-quantises already stored bytes (after a blend produced an in-between value).
    pub(crate) fn encode_stored(self, bytes: &[u8]) -> [u8; 3] {
        match self.channels() {
            1 => [self.quantize_gray(bytes[0]), 0, 0],
            _ => self.quantize_rgb(bytes[0], bytes[1], bytes[2]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_coverage_is_thresholded() {
        let mut l = Layer::new(2, 1, PixelMode::Mono);
        l.blend(0, 0, Color::WHITE, 100);
        l.blend(1, 0, Color::WHITE, 200);
        assert_eq!(l.get(0, 0), Some(([0, 0, 0], 0)));
        assert_eq!(l.get(1, 0), Some(([255, 0, 0], 255)));
    }

    #[test]
    fn mask_blending_equals_blending_pixel_by_pixel() {
        // Masks of every kind (0/255 bitmaps, anti-aliased edges) over a layer that already
        // holds partly covered pixels, in every mode, clipped at the layer's edges.
        let masks: [Vec<u8>; 3] = [
            (0..35).map(|i| if i % 3 == 0 { 255 } else { 0 }).collect(),
            (0..35).map(|i| (i * 37 % 256) as u8).collect(),
            vec![255; 35],
        ];
        for mode in [
            PixelMode::Mono,
            PixelMode::Gray4,
            PixelMode::Gray8,
            PixelMode::Rgb565,
        ] {
            for color in [
                Color::WHITE,
                Color::rgb(200, 40, 90),
                Color {
                    a: 128,
                    ..Color::rgb(90, 200, 40)
                },
            ] {
                for mask in &masks {
                    let mut base = Layer::new(6, 5, mode);
                    base.blend(1, 1, Color::rgb(60, 60, 60), 100);
                    base.blend(2, 2, Color::WHITE, 255);
                    let (mut fast, mut slow) = (base.clone(), base.clone());
                    fast.blend_mask(-1, 0, 7, 5, mask, color);
                    for y in 0..5 {
                        for x in 0..7 {
                            let cov = mask[y * 7 + x];
                            if cov > 0 {
                                slow.blend(x as i32 - 1, y as i32, color, cov);
                            }
                        }
                    }
                    assert_eq!(fast.color_bytes(), slow.color_bytes(), "{mode:?} {color:?}");
                    assert_eq!(fast.alpha_bytes(), slow.alpha_bytes(), "{mode:?} {color:?}");
                    assert_eq!(fast.has_partial_alpha(), slow.has_partial_alpha());
                }
            }
        }
    }

    #[test]
    fn stamping_a_glyphs_bits_equals_blending_its_mask() {
        // A 0/255 glyph at every offset around the layer's edges, in every mode, over a
        // layer holding partly covered pixels: the bit rows paint what the mask paints.
        let (w, h) = (7u32, 5u32);
        let mask: Vec<u8> = (0..w * h)
            .map(|i| if (i * 7 + i / 3) % 5 < 2 { 255 } else { 0 })
            .collect();
        let glyph = crate::render::font::Glyph::new(w, h, 0, 0, 0, mask.clone());
        assert_eq!(glyph.rows.len(), h as usize);
        for mode in [
            PixelMode::Mono,
            PixelMode::Gray4,
            PixelMode::Gray8,
            PixelMode::Rgb565,
            PixelMode::Rgb888,
        ] {
            for (x, y) in [(-8, 0), (-3, -2), (0, 0), (2, 1), (4, 3), (6, 5), (9, 9)] {
                let mut base = Layer::new(9, 6, mode);
                base.blend(1, 1, Color::rgb(60, 60, 60), 100);
                base.blend(2, 2, Color::WHITE, 255);
                let (mut bits, mut masked) = (base.clone(), base.clone());
                let color = Color::rgb(200, 40, 90);
                bits.stamp_bits(x, y, w, &glyph.rows, color);
                masked.blend_mask_of(x, y, (w, h), &mask, true, color);
                assert_eq!(bits, masked, "{mode:?} at ({x}, {y})");
            }
        }
    }

    #[test]
    fn opaque_fills_are_rows_and_keep_alpha_whole() {
        let mut l = Layer::new(4, 2, PixelMode::Gray4);
        l.fill_rect(Rect::new(1, 0, 9, 1), Color::WHITE);
        assert_eq!(l.alpha_bytes(), &[0, 255, 255, 255, 0, 0, 0, 0]);
        assert!(!l.has_partial_alpha());
        l.fill_rect(
            Rect::new(0, 1, 1, 1),
            Color {
                a: 100,
                ..Color::WHITE
            },
        );
        assert!(
            l.has_partial_alpha(),
            "a translucent fill leaves partial alpha"
        );
    }

    #[test]
    fn gray_coverage_keeps_alpha_and_quantises_colour() {
        let mut l = Layer::new(1, 1, PixelMode::Gray4);
        l.blend(0, 0, Color::rgb(100, 100, 100), 128);
        assert_eq!(l.get(0, 0), Some(([102, 0, 0], 128)));
        assert_eq!(l.get(5, 0), None);
    }

    #[test]
    fn a_huge_layer_is_cut_to_the_limit() {
        let mut l = Layer::new(1, 1, PixelMode::Rgb888);
        l.reset(100_000, 100_000, PixelMode::Rgb888);
        assert!(u64::from(l.width()) * u64::from(l.height()) <= MAX_LAYER_PIXELS);
        assert!(l.color_bytes().len() as u64 <= MAX_LAYER_PIXELS * 3);
        let wide = Layer::new(60_000_000, 8, PixelMode::Mono);
        assert_eq!(wide.height(), 8);
        assert_eq!(u64::from(wide.width()), MAX_LAYER_PIXELS / 8);
    }
}
