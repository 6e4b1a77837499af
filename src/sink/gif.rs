//! A sink that records every tick as one frame of an animated, endlessly looping GIF,
//! streamed to a temporary file beside the target and renamed over it when the recording
//! ends, so a full disk or a crash never leaves a truncated GIF in place of the old one.

use std::io::BufWriter;
use std::path::PathBuf;

use gif::{DisposalMethod, Encoder, EncodingError, Frame, Repeat};

use super::{Sink, SinkError};
use crate::atomic_file::AtomicFile;
use crate::render::FrameBuffer;

/// NeuQuant speed for colour frames (1 = best, 30 = fastest).
const QUANT_SPEED: i32 = 10;

/// Records frames into an animated GIF (exact grey palette for grey modes, quantised colour otherwise).
pub struct GifSink {
    path: PathBuf,
    fps: u32,
    name: String,
    encoder: Option<Encoder<BufWriter<AtomicFile>>>,
    size: (u16, u16),
    grey: bool,
    frames: u64,
    centis: u64,
}

impl std::fmt::Debug for GifSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GifSink")
            .field("path", &self.path)
            .field("fps", &self.fps)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl GifSink {
    /// A sink recording to `path` at `fps` frames per second (the file is created at the first frame).
    pub fn new(path: PathBuf, fps: u32) -> GifSink {
        let name = format!("gif:{}", path.display());
        GifSink {
            path,
            fps: fps.max(1),
            name,
            encoder: None,
            size: (0, 0),
            grey: true,
            frames: 0,
            centis: 0,
        }
    }

    /// Number of frames recorded so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The delay of the next frame in centiseconds, carrying the rounding error so the average rate is exact.
    fn next_delay(&mut self) -> u16 {
        let total = (self.frames + 1) * 100 / self.fps as u64;
        let delay = total - self.centis;
        self.centis = total;
        delay.min(u16::MAX as u64) as u16
    }

    fn encode_error(&self, e: EncodingError) -> SinkError {
        match e {
            EncodingError::Io(source) => SinkError::Io {
                path: self.path.clone(),
                source,
            },
            e => SinkError::Encode {
                what: self.path.display().to_string(),
                message: e.to_string(),
            },
        }
    }

    fn open(&mut self, frame: &FrameBuffer) -> Result<(), SinkError> {
        let io_err = |source| SinkError::Io {
            path: self.path.clone(),
            source,
        };
        let (Ok(w), Ok(h)) = (u16::try_from(frame.width()), u16::try_from(frame.height())) else {
            return Err(SinkError::Encode {
                what: self.path.display().to_string(),
                message: format!(
                    "{}×{} is too large for a GIF",
                    frame.width(),
                    frame.height()
                ),
            });
        };
        let file = BufWriter::new(AtomicFile::create(&self.path).map_err(io_err)?);
        self.grey = frame.mode().channels() == 1;
        let palette: Vec<u8> = if self.grey {
            (0..=255u8).flat_map(|v| [v, v, v]).collect()
        } else {
            Vec::new()
        };
        let mut enc = Encoder::new(file, w, h, &palette).map_err(|e| self.encode_error(e))?;
        enc.set_repeat(Repeat::Infinite)
            .map_err(|e| self.encode_error(e))?;
        self.encoder = Some(enc);
        self.size = (w, h);
        Ok(())
    }

    fn record(&mut self, frame: &FrameBuffer) -> Result<(), SinkError> {
        if self.encoder.is_none() {
            self.open(frame)?;
        }
        let (w, h) = self.size;
        if (frame.width(), frame.height()) != (w as u32, h as u32)
            || (frame.mode().channels() == 1) != self.grey
        {
            return Err(SinkError::Encode {
                what: self.path.display().to_string(),
                message: "the frame size or mode changed during the recording".into(),
            });
        }
        let mut f = if self.grey {
            Frame::from_indexed_pixels(w, h, frame.data(), None)
        } else {
            Frame::from_rgb_speed(w, h, frame.data(), QUANT_SPEED)
        };
        f.delay = self.next_delay();
        f.dispose = DisposalMethod::Keep;
        let res = match self.encoder.as_mut() {
            Some(enc) => enc.write_frame(&f),
            None => Ok(()),
        };
        res.map_err(|e| self.encode_error(e))?;
        self.frames += 1;
        Ok(())
    }
}

impl Sink for GifSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn present(&mut self, frame: &FrameBuffer, _tick: u64) -> Result<(), SinkError> {
        self.record(frame)
    }

    fn every_tick(&self) -> bool {
        // One frame per tick: a skipped tick would shorten the recording.
        true
    }

    fn finish(&mut self, frame: &FrameBuffer, _tick: u64) -> Result<(), SinkError> {
        if self.encoder.is_none() {
            // Nothing was presented: record the final frame so the file is a valid GIF.
            self.record(frame)?;
        }
        if let Some(enc) = self.encoder.take() {
            let io_err = |source| SinkError::Io {
                path: self.path.clone(),
                source,
            };
            let file = enc.into_inner().map_err(|e| self.encode_error(e))?;
            let file = file.into_inner().map_err(|e| io_err(e.into_error()))?;
            file.commit().map_err(io_err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Color, PixelMode};
    use crate::sink::test_util::{pattern, set, temp_dir};
    use std::fs::File;

    fn decode(path: &std::path::Path) -> (Vec<Vec<u8>>, Vec<u16>, gif::Repeat) {
        let mut opts = gif::DecodeOptions::new();
        opts.set_color_output(gif::ColorOutput::RGBA);
        let mut dec = opts.read_info(File::open(path).unwrap()).unwrap();
        let (mut frames, mut delays) = (Vec::new(), Vec::new());
        while let Some(f) = dec.read_next_frame().unwrap() {
            frames.push(f.buffer.to_vec());
            delays.push(f.delay);
        }
        (frames, delays, dec.repeat())
    }

    fn grey_of_rgba(rgba: &[u8]) -> Vec<u8> {
        rgba.chunks_exact(4).map(|p| p[0]).collect()
    }

    #[test]
    fn grey_recording_has_one_exact_frame_per_present() {
        let dir = temp_dir("gif-grey");
        let path = dir.join("rec/out.gif");
        let mut sink = GifSink::new(path.clone(), 30);
        let mut fb = pattern(10, 6, PixelMode::Gray8);
        let mut expected = Vec::new();
        for tick in 0..7u64 {
            if tick == 3 {
                set(&mut fb, 2, 2, Color::rgb(200, 200, 200));
            }
            sink.present(&fb, tick).unwrap();
            expected.push(fb.data().to_vec());
            fb.clear_damage();
        }
        sink.finish(&fb, 7).unwrap();
        let (frames, delays, repeat) = decode(&path);
        assert_eq!(frames.len(), 7);
        for (got, want) in frames.iter().zip(&expected) {
            assert_eq!(&grey_of_rgba(got), want);
        }
        assert_eq!(delays, vec![3, 3, 4, 3, 3, 4, 3]);
        assert_eq!(repeat, gif::Repeat::Infinite);
    }

    #[test]
    fn delays_sum_to_the_elapsed_time() {
        let dir = temp_dir("gif-delay");
        let path = dir.join("out.gif");
        let mut sink = GifSink::new(path.clone(), 7);
        let fb = pattern(4, 4, PixelMode::Mono);
        for tick in 0..70 {
            sink.present(&fb, tick).unwrap();
        }
        sink.finish(&fb, 70).unwrap();
        let (frames, delays, _) = decode(&path);
        assert_eq!(frames.len(), 70);
        assert_eq!(delays.iter().map(|&d| d as u32).sum::<u32>(), 1000);
        assert!(delays.iter().all(|&d| d == 14 || d == 15));
    }

    #[test]
    fn colour_recording_is_close() {
        let dir = temp_dir("gif-colour");
        let path = dir.join("out.gif");
        let mut sink = GifSink::new(path.clone(), 10);
        let mut fb = FrameBuffer::new(8, 8, PixelMode::Rgb565);
        fb.fill_rect(crate::render::Rect::new(0, 0, 4, 8), Color::rgb(255, 0, 0));
        fb.fill_rect(crate::render::Rect::new(4, 0, 4, 8), Color::rgb(0, 0, 255));
        sink.present(&fb, 0).unwrap();
        sink.present(&fb, 1).unwrap();
        sink.finish(&fb, 2).unwrap();
        let (frames, delays, _) = decode(&path);
        assert_eq!(frames.len(), 2);
        assert_eq!(delays, vec![10, 10]);
        let px = |x: usize, y: usize| &frames[0][(y * 8 + x) * 4..(y * 8 + x) * 4 + 3];
        assert!(px(1, 1)[0] > 240 && px(1, 1)[2] < 16, "{:?}", px(1, 1));
        assert!(px(6, 6)[2] > 240 && px(6, 6)[0] < 16, "{:?}", px(6, 6));
    }

    #[test]
    fn finish_without_presents_writes_one_frame() {
        let dir = temp_dir("gif-empty");
        let path = dir.join("out.gif");
        let mut sink = GifSink::new(path.clone(), 30);
        sink.finish(&pattern(3, 3, PixelMode::Gray4), 0).unwrap();
        assert_eq!(decode(&path).0.len(), 1);
    }
}
