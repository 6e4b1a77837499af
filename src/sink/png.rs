//! A sink that writes frames as PNG files: one per tick with a `{tick}` path template,
//! otherwise only the last frame at shutdown.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};

use crate::atomic_file::AtomicFile;

use super::{Sink, SinkError};
use crate::render::FrameBuffer;

/// The placeholder replaced by the zero-padded tick number.
const TICK: &str = "{tick}";

/// Writes frames to PNG files (8-bit grey for grey modes, RGB for colour modes).
#[derive(Debug)]
pub struct PngSink {
    path: PathBuf,
    per_tick: bool,
    name: String,
}

impl PngSink {
    /// A sink writing to `path`; a `{tick}` in it means one file per tick.
    pub fn new(path: PathBuf) -> PngSink {
        let per_tick = path.to_string_lossy().contains(TICK);
        let name = format!("png:{}", path.display());
        PngSink {
            path,
            per_tick,
            name,
        }
    }

    /// The file written for `tick`.
    pub fn path_for(&self, tick: u64) -> PathBuf {
        if self.per_tick {
            PathBuf::from(
                self.path
                    .to_string_lossy()
                    .replace(TICK, &format!("{tick:06}")),
            )
        } else {
            self.path.clone()
        }
    }
}

/// Encodes `frame` as a PNG file at `path`, creating parent directories. The file is
/// written beside `path` under a temporary name and renamed, so a full disk or a crash
/// leaves the previous file whole.
pub fn write_png(path: &Path, frame: &FrameBuffer) -> Result<(), SinkError> {
    let io_err = |source| SinkError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut out = BufWriter::new(AtomicFile::create(path).map_err(io_err)?);
    let color = match frame.mode().channels() {
        1 => ExtendedColorType::L8,
        _ => ExtendedColorType::Rgb8,
    };
    PngEncoder::new(&mut out)
        .write_image(frame.data(), frame.width(), frame.height(), color)
        .map_err(|e| match e {
            image::ImageError::IoError(source) => SinkError::Io {
                path: path.to_path_buf(),
                source,
            },
            e => SinkError::Encode {
                what: path.display().to_string(),
                message: e.to_string(),
            },
        })?;
    let file = out.into_inner().map_err(|e| io_err(e.into_error()))?;
    file.commit().map_err(io_err)
}

impl Sink for PngSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn present(&mut self, frame: &FrameBuffer, tick: u64) -> Result<(), SinkError> {
        if self.per_tick {
            write_png(&self.path_for(tick), frame)?;
        }
        Ok(())
    }

    fn every_tick(&self) -> bool {
        // A file per tick.
        self.per_tick
    }

    fn finish(&mut self, frame: &FrameBuffer, tick: u64) -> Result<(), SinkError> {
        if !self.per_tick {
            write_png(&self.path_for(tick), frame)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::PixelMode;
    use crate::sink::test_util::{pattern, temp_dir};

    fn assert_same(path: &Path, fb: &FrameBuffer) {
        let img = image::open(path).unwrap();
        assert_eq!((img.width(), img.height()), (fb.width(), fb.height()));
        match fb.mode().channels() {
            1 => {
                let g = img.as_luma8().expect("grey frames are written as L8");
                assert_eq!(g.as_raw(), fb.data());
            }
            _ => {
                let c = img.as_rgb8().expect("colour frames are written as RGB8");
                assert_eq!(c.as_raw(), &fb.to_rgb8());
            }
        }
    }

    #[test]
    fn writes_one_file_per_tick_with_a_template() {
        let dir = temp_dir("png-tick");
        let mut sink = PngSink::new(dir.join("sub/frame-{tick}.png"));
        let a = pattern(12, 7, PixelMode::Gray4);
        let b = pattern(12, 7, PixelMode::Rgb565);
        sink.present(&a, 3).unwrap();
        let mut c = FrameBuffer::new(12, 7, PixelMode::Gray4);
        c.fill_rect(c.bounds(), crate::render::Color::WHITE);
        sink.present(&c, 1234).unwrap();
        assert_same(&dir.join("sub/frame-000003.png"), &a);
        assert_same(&dir.join("sub/frame-001234.png"), &c);
        sink.finish(&b, 1235).unwrap();
        assert!(!dir.join("sub/frame-001235.png").exists());
    }

    #[test]
    fn writes_only_the_last_frame_without_a_template() {
        let dir = temp_dir("png-last");
        let path = dir.join("deep/er/out.png");
        let mut sink = PngSink::new(path.clone());
        let a = pattern(9, 5, PixelMode::Rgb888);
        sink.present(&a, 0).unwrap();
        assert!(!path.exists());
        let b = pattern(9, 5, PixelMode::Rgb565);
        sink.finish(&b, 1).unwrap();
        assert_same(&path, &b);
    }

    #[test]
    fn an_unwritable_path_names_the_path() {
        let dir = temp_dir("png-err");
        std::fs::write(dir.join("file"), b"x").unwrap();
        let mut sink = PngSink::new(dir.join("file/out.png"));
        let e = sink.finish(&pattern(2, 2, PixelMode::Mono), 0).unwrap_err();
        assert!(matches!(e, SinkError::Io { .. }), "{e:?}");
        assert!(e.to_string().contains("file"), "{e}");
    }
}
