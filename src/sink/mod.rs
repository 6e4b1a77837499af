//! Where frames go: the [`Sink`] trait and the sinks that need no hardware
//! (a live terminal preview, PNG snapshots, an animated GIF recording).

use std::io;
use std::path::PathBuf;

use crate::render::FrameBuffer;

pub mod gif;
pub mod panel;
pub mod png;
pub mod present;
pub mod term;
#[cfg(feature = "http")]
pub mod web;

pub use self::gif::GifSink;
pub use self::png::PngSink;
pub use self::term::{ParseTermStyleError, TermSink, TermStyle};

/// A destination for rendered frames.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use tinydisplay::prelude::*;
/// use tinydisplay::sink::SinkError;
///
/// /// Counts the frames that changed something (a real sink would send them somewhere).
/// struct Changes(Arc<AtomicU64>);
///
/// impl Sink for Changes {
///     fn name(&self) -> &str {
///         "changes"
///     }
///     fn present(&mut self, frame: &FrameBuffer, _tick: u64) -> Result<(), SinkError> {
///         if !frame.damage().is_empty() {
///             self.0.fetch_add(1, Ordering::Relaxed);
///         }
///         Ok(())
///     }
/// }
///
/// let src = "Scene(display: (width: 32, height: 8), widgets: [Text(text: \"hi\")])";
/// let scene = tinydisplay::scene::compile_str(src, "hi.ron".as_ref()).expect("a scene");
/// let mut app = Engine::new(scene).build();
/// let changes = Arc::new(AtomicU64::new(0));
/// app.world_mut().resource::<Sinks>().push(Box::new(Changes(changes.clone())));
/// run_ticks(&mut app, RunMode::Ticks(5));
/// assert_eq!(changes.load(Ordering::Relaxed), 1, "a still scene changes the glass once");
/// ```
pub trait Sink: Send + 'static {
    /// A short name for logs and error messages.
    fn name(&self) -> &str;

    /// Shows the frame rendered this tick (called every tick that runs; `frame.damage()`
    /// is empty on an idle tick). A tickless runner skips ticks at which nothing changes:
    /// `tick` may then jump by more than one.
    fn present(&mut self, frame: &FrameBuffer, tick: u64) -> Result<(), SinkError>;

    /// True when it must be called at every tick, also those at which nothing changes (a
    /// GIF records one frame per tick): the runner then wakes every tick (default: false).
    fn every_tick(&self) -> bool {
        false
    }

    /// The panel should sleep (true) or wake (called when that changes; most sinks have
    /// nothing to switch off).
    fn power(&mut self, asleep: bool) -> Result<(), SinkError> {
        let _ = asleep;
        Ok(())
    }

    /// Sets the panel's contrast or brightness (0..=255); returns false for a sink that has
    /// none (previews).
    fn contrast(&mut self, level: u8) -> Result<bool, SinkError> {
        let _ = level;
        Ok(false)
    }

    /// Called once at shutdown with the last frame, to flush and close.
    fn finish(&mut self, frame: &FrameBuffer, tick: u64) -> Result<(), SinkError> {
        let _ = (frame, tick);
        Ok(())
    }
}

/// A sink that could not present or finish a frame.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// A file could not be created or written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// A stream (such as the terminal) could not be written.
    #[error("cannot write to {what}: {source}")]
    Output {
        /// The stream.
        what: String,
        /// What went wrong.
        source: io::Error,
    },
    /// A frame could not be encoded.
    #[error("cannot encode {what}: {message}")]
    Encode {
        /// What was being encoded (usually the output path).
        what: String,
        /// What went wrong.
        message: String,
    },
}

#[cfg(test)]
pub(crate) mod test_util {
    //! Helpers shared by the sink tests.

    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU32, Ordering};

    use crate::render::{Color, FrameBuffer, PixelMode, Rect};

    /// A fresh, empty temporary directory.
    pub fn temp_dir(tag: &str) -> PathBuf {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tinydisplay-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Sets one pixel and records it as damage.
    pub fn set(fb: &mut FrameBuffer, x: i32, y: i32, c: Color) {
        let r = Rect::new(x, y, 1, 1);
        fb.fill_rect(r, c);
        fb.add_damage(r);
    }

    /// A frame with a recognisable pattern, fully damaged.
    pub fn pattern(w: u32, h: u32, mode: PixelMode) -> FrameBuffer {
        let mut fb = FrameBuffer::new(w, h, mode);
        for y in 0..h {
            for x in 0..w {
                let v = ((x * 37 + y * 91) % 256) as u8;
                let c = Color::rgb(v, 255 - v, (x * 16) as u8);
                fb.fill_rect(Rect::new(x as i32, y as i32, 1, 1), c);
            }
        }
        fb.add_damage(fb.bounds());
        fb
    }
}
