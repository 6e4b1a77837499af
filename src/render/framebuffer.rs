//! The frame the sinks present: pixels in the display's mode plus the damage of this tick.

use bevy_ecs::prelude::Resource;

use super::color::Color;
use super::geometry::Rect;
use super::layer::{Layer, mix};
use super::pixel::PixelMode;

/// The composed frame: `width`×`height` pixels, `mode.channels()` bytes each, and the
/// rectangles that changed during the current tick.
#[derive(Resource, Debug, Clone, PartialEq, Eq)]
pub struct FrameBuffer {
    width: u32,
    height: u32,
    mode: PixelMode,
    data: Vec<u8>,
    damage: Vec<Rect>,
}

impl FrameBuffer {
    /// A black frame of the given size and mode.
    pub fn new(width: u32, height: u32, mode: PixelMode) -> FrameBuffer {
        let n = width as usize * height as usize * mode.channels();
        FrameBuffer {
            width,
            height,
            mode,
            data: vec![0; n],
            damage: Vec::new(),
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The display's pixel mode.
    pub fn mode(&self) -> PixelMode {
        self.mode
    }

    /// The whole frame as a rectangle.
    pub fn bounds(&self) -> Rect {
        Rect::new(0, 0, self.width, self.height)
    }

    /// Raw bytes, row-major, `mode.channels()` per pixel.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The rectangles that changed this tick (empty on an idle tick).
    pub fn damage(&self) -> &[Rect] {
        &self.damage
    }

    /// Records a changed rectangle (clipped to the frame).
    pub fn add_damage(&mut self, r: Rect) {
        let r = r.intersect(&self.bounds());
        if !r.is_empty() {
            self.damage.push(r);
        }
    }

    /// Forgets this tick's damage (done at the start of each Render).
    pub fn clear_damage(&mut self) {
        self.damage.clear();
    }

    /// The pixel at (x, y) as RGB (grey modes repeat their level), black outside.
    pub fn rgb(&self, x: u32, y: u32) -> [u8; 3] {
        if x >= self.width || y >= self.height {
            return [0; 3];
        }
        let ch = self.mode.channels();
        let i = (y as usize * self.width as usize + x as usize) * ch;
        if ch == 1 {
            let v = self.data[i];
            [v, v, v]
        } else {
            [self.data[i], self.data[i + 1], self.data[i + 2]]
        }
    }

    /// The pixel's grey level (luma for colour modes).
    pub fn gray(&self, x: u32, y: u32) -> u8 {
        let [r, g, b] = self.rgb(x, y);
        Color::rgb(r, g, b).luma()
    }

    /// The whole frame as packed RGB bytes (for PNG/GIF/terminal output).
    pub fn to_rgb8(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.width as usize * self.height as usize * 3);
        match self.mode.channels() {
            1 => self
                .data
                .iter()
                .for_each(|&v| out.extend_from_slice(&[v, v, v])),
            _ => out.extend_from_slice(&self.data),
        }
        out
    }

    /// Makes this frame a copy of `src`'s pixels (reusing its buffer), with no damage.
    pub fn copy_from(&mut self, src: &FrameBuffer) {
        self.width = src.width;
        self.height = src.height;
        self.mode = src.mode;
        self.data.clear();
        self.data.extend_from_slice(&src.data);
        self.damage.clear();
    }

    /// Copies rectangle `r` of `src` (same size and mode) into this frame.
    pub fn copy_rect(&mut self, src: &FrameBuffer, r: Rect) {
        let r = r.intersect(&self.bounds()).intersect(&src.bounds());
        if r.is_empty() || src.mode != self.mode || src.width != self.width {
            return;
        }
        let ch = self.mode.channels();
        let w = self.width as usize;
        for y in r.y as usize..r.bottom() as usize {
            let span = (y * w + r.x as usize) * ch..(y * w + r.right() as usize) * ch;
            self.data[span.clone()].copy_from_slice(&src.data[span]);
        }
    }

    /// Fills a rectangle (clipped to the frame) with an opaque colour.
    pub fn fill_rect(&mut self, r: Rect, color: Color) {
        let r = r.intersect(&self.bounds());
        if r.is_empty() {
            return;
        }
        let ch = self.mode.channels();
        let px = self.mode.encode(color);
        let w = self.width as usize;
        for y in r.y as usize..r.bottom() as usize {
            let row =
                &mut self.data[(y * w + r.x as usize) * ch..(y * w + r.right() as usize) * ch];
            if ch == 1 {
                row.fill(px[0]);
            } else if px[0] == px[1] && px[1] == px[2] {
                // A grey (black, most often): every byte is the same.
                row.fill(px[0]);
            } else {
                for p in row.chunks_exact_mut(3) {
                    p.copy_from_slice(&px[..3]);
                }
            }
        }
    }

    /// Draws `layer` with its top-left at (x, y), only inside `clip`, blending by the layer's alpha.
    pub fn blit(&mut self, layer: &Layer, x: i32, y: i32, clip: Rect) {
        self.blit_faded(layer, x, y, clip, 255);
    }

    /// Like [`FrameBuffer::blit`], with the whole layer's opacity scaled by `opacity` (255 = as is).
    pub fn blit_faded(&mut self, layer: &Layer, x: i32, y: i32, clip: Rect, opacity: u8) {
        if opacity == 0 {
            return;
        }
        let dst = Rect::new(x, y, layer.width(), layer.height())
            .intersect(&clip)
            .intersect(&self.bounds());
        if dst.is_empty() {
            return;
        }
        let ch = self.mode.channels();
        debug_assert_eq!(
            ch,
            layer.mode().channels(),
            "layer mode differs from the frame's"
        );
        let (lw, fw) = (layer.width() as usize, self.width as usize);
        let (lc, la) = (layer.color_bytes(), layer.alpha_bytes());
        if ch == 1 {
            // One byte per pixel: straight row loops, no per-pixel slice copies.
            let n = dst.w as usize;
            let mode = self.mode;
            for fy in dst.y..dst.bottom() {
                let li0 = (fy - y) as usize * lw + (dst.x - x) as usize;
                let fi0 = fy as usize * fw + dst.x as usize;
                let (src, alpha) = (&lc[li0..li0 + n], &la[li0..li0 + n]);
                let row = &mut self.data[fi0..fi0 + n];
                if opacity == 255 && !layer.has_partial_alpha() {
                    // Every alpha is 0 or 255: a byte mask selects layer or frame.
                    for ((d, &s), &m) in row.iter_mut().zip(src).zip(alpha) {
                        *d = (s & m) | (*d & !m);
                    }
                    continue;
                }
                for k in 0..n {
                    let a = if opacity == 255 {
                        u32::from(alpha[k])
                    } else {
                        u32::from(alpha[k]) * u32::from(opacity) / 255
                    };
                    if a == 255 {
                        row[k] = src[k];
                    } else if a != 0 {
                        row[k] = mode.quantize_gray(mix(row[k], src[k], a));
                    }
                }
            }
            return;
        }
        if opacity == 255 && !layer.has_partial_alpha() {
            // Every alpha is 0 or 255: covered pixels are copied, the rest kept (three
            // bytes a pixel here, one byte was above).
            let n = dst.w as usize;
            for fy in dst.y..dst.bottom() {
                let li0 = (fy - y) as usize * lw + (dst.x - x) as usize;
                let fi0 = fy as usize * fw + dst.x as usize;
                let row = &mut self.data[fi0 * 3..(fi0 + n) * 3];
                let src = &lc[li0 * 3..(li0 + n) * 3];
                for ((d, s), &a) in row
                    .chunks_exact_mut(3)
                    .zip(src.chunks_exact(3))
                    .zip(&la[li0..li0 + n])
                {
                    if a != 0 {
                        d.copy_from_slice(s);
                    }
                }
            }
            return;
        }
        for fy in dst.y..dst.bottom() {
            let ly = (fy - y) as usize;
            let lx0 = (dst.x - x) as usize;
            for (k, fx) in (dst.x..dst.right()).enumerate() {
                let li = ly * lw + lx0 + k;
                let a = la[li] as u32 * opacity as u32 / 255;
                if a == 0 {
                    continue;
                }
                let fi = (fy as usize * fw + fx as usize) * ch;
                let src = &lc[li * ch..li * ch + ch];
                if a == 255 {
                    self.data[fi..fi + ch].copy_from_slice(src);
                } else {
                    for (d, s) in self.data[fi..fi + ch].iter_mut().zip(src) {
                        *d = mix(*d, *s, a);
                    }
                    let q = self.mode.encode_stored(&self.data[fi..fi + ch]);
                    self.data[fi..fi + ch].copy_from_slice(&q[..ch]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blit_is_clipped_and_respects_alpha() {
        let mut fb = FrameBuffer::new(4, 2, PixelMode::Gray8);
        let mut l = Layer::new(3, 1, PixelMode::Gray8);
        l.put(0, 0, Color::WHITE);
        l.put(2, 0, Color::WHITE);
        fb.blit(&l, 1, 0, Rect::new(0, 0, 3, 2));
        assert_eq!(&fb.data()[..4], &[0, 255, 0, 0]);
    }

    #[test]
    fn damage_is_clipped_to_the_frame() {
        let mut fb = FrameBuffer::new(10, 10, PixelMode::Mono);
        fb.add_damage(Rect::new(-5, -5, 10, 10));
        fb.add_damage(Rect::new(20, 20, 3, 3));
        assert_eq!(fb.damage(), &[Rect::new(0, 0, 5, 5)]);
    }
}
