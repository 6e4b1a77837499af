//! Animated GIFs: every frame converted once to a layer, with its delay in ticks, so the
//! frame shown at any tick is a lookup.

use std::path::Path;
use std::sync::Arc;

use image::AnimationDecoder;
use image::codecs::gif::GifDecoder;

use super::image::{ImageError, ImageOptions, image_to_layer};
use super::layer::Layer;
use super::pixel::PixelMode;

/// Frames an animation keeps at most; later ones are dropped (and logged).
pub const MAX_FRAMES: usize = 1000;

/// Delay browsers use for a frame that gives none (0 or 1 hundredths of a second).
const DEFAULT_DELAY_MS: u64 = 100;

/// A looping animation: its frames and, for each, the tick (from the start) it ends at.
#[derive(Debug, Clone, PartialEq)]
pub struct Animation {
    /// The frames, converted for the display.
    pub frames: Vec<Arc<Layer>>,
    /// Cumulative end tick of each frame; the last is the loop's length.
    pub ends: Vec<u64>,
}

impl Animation {
    /// Ticks one loop takes.
    pub fn period(&self) -> u64 {
        self.ends.last().copied().unwrap_or(1).max(1)
    }

    /// Ticks from `elapsed` to the next change of frame (None for one frame: it stays).
    pub fn until_next_frame(&self, elapsed: u64) -> Option<u64> {
        if self.frames.len() < 2 {
            return None;
        }
        let t = elapsed % self.period();
        let i = self.ends.partition_point(|&end| end <= t);
        let end = self.ends.get(i).copied().unwrap_or(self.period());
        Some(end.saturating_sub(t).max(1))
    }

    /// The frame shown `elapsed` ticks after the animation started (looping).
    pub fn frame_at(&self, elapsed: u64) -> usize {
        let t = elapsed % self.period();
        self.ends
            .partition_point(|&end| end <= t)
            .min(self.frames.len().saturating_sub(1))
    }
}

/// A frame delay in ticks at `fps`: rounded, at least one tick; a delay of 0 or 10 ms
/// counts as 100 ms, as browsers do.
pub fn delay_ticks(ms: u64, fps: u32) -> u64 {
    let ms = if ms <= 10 { DEFAULT_DELAY_MS } else { ms };
    ((ms * u64::from(fps) + 500) / 1000).max(1)
}

/// True when the file's content is a GIF.
pub fn is_gif(path: &Path) -> bool {
    let mut head = [0u8; 6];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && (&head == b"GIF89a" || &head == b"GIF87a")
}

/// Decodes a GIF's frames (composited, as a viewer shows them) and converts them; `None`
/// for a GIF of one frame.
pub fn load_animation(
    path: &Path,
    opts: &ImageOptions,
    mode: PixelMode,
    fps: u32,
) -> Result<Option<Animation>, ImageError> {
    let io_err = |source| ImageError::Io {
        path: path.to_path_buf(),
        source,
    };
    let decode_err = |source| ImageError::Decode {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let decoder = GifDecoder::new(std::io::BufReader::new(file)).map_err(decode_err)?;
    let mut frames = Vec::new();
    let mut ends = Vec::new();
    let mut end = 0;
    for (i, frame) in decoder.into_frames().enumerate() {
        if i == MAX_FRAMES {
            log::warn!(
                "{}: more than {MAX_FRAMES} frames; showing the first {MAX_FRAMES}",
                path.display()
            );
            break;
        }
        let frame = frame.map_err(decode_err)?;
        let (num, den) = frame.delay().numer_denom_ms();
        let ms = u64::from(num) / u64::from(den.max(1));
        end += delay_ticks(ms, fps);
        ends.push(end);
        let img = image::DynamicImage::ImageRgba8(frame.into_buffer());
        frames.push(Arc::new(image_to_layer(&img, opts, mode)));
    }
    Ok((frames.len() > 1).then_some(Animation { frames, ends }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_become_ticks() {
        assert_eq!(delay_ticks(100, 30), 3);
        assert_eq!(delay_ticks(50, 30), 2, "1.5 ticks round up");
        assert_eq!(delay_ticks(20, 30), 1);
        assert_eq!(delay_ticks(0, 30), 3, "no delay counts as 100 ms");
        assert_eq!(delay_ticks(15, 10), 1, "never below one tick");
    }

    #[test]
    fn the_frame_at_a_tick_loops() {
        let layer = Arc::new(Layer::new(1, 1, PixelMode::Mono));
        let a = Animation {
            frames: vec![layer.clone(), layer.clone(), layer],
            ends: vec![2, 3, 6],
        };
        let shown: Vec<usize> = (0..13).map(|t| a.frame_at(t)).collect();
        assert_eq!(shown, [0, 0, 1, 2, 2, 2, 0, 0, 1, 2, 2, 2, 0]);
        assert_eq!(
            a.frame_at(6_000_001),
            a.frame_at(1),
            "a jump agrees with steps"
        );
    }
}
