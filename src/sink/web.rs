//! The web preview's sink: keeps a copy of the frame (for `GET /api/frame.png` and a new
//! viewer's first picture) and gathers the damage since the preview last looked. It wakes
//! nobody: the HTTP server's preview pump takes the damage at its own pace
//! ([`FrameFeed::take_update`]), so a tick costs the same with or without viewers (a
//! copy of the damaged pixels, a few µs).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Sink, SinkError};
use crate::render::{FrameBuffer, Rect};

/// Damaged rectangles kept apart before they are merged into their bounding box.
const MAX_PENDING: usize = 32;

/// Changed pixels: rectangles with their bytes (`channels` per pixel, row-major).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameUpdate {
    /// The tick shown.
    pub tick: u64,
    /// Counts the frames that changed pixels; a viewer skips updates not newer than the
    /// whole frame it started from.
    pub version: u64,
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// Bytes per pixel: 1 (grey level, mono as 0/255) or 3 (RGB).
    pub channels: usize,
    /// The changed rectangles and their pixels.
    pub rects: Vec<(Rect, Vec<u8>)>,
}

/// The mirror of the frame and what changed in it since the last update was taken.
#[derive(Default)]
struct Mirror {
    frame: Option<FrameBuffer>,
    tick: u64,
    version: u64,
    pending: Vec<Rect>,
}

/// Where the web sink leaves frames for the HTTP server (shared, thread-safe).
#[derive(Default)]
pub struct FrameFeed {
    mirror: Mutex<Mirror>,
    /// Bytes the preview streams have sent (counted by the server).
    pub bytes_sent: AtomicU64,
}

impl FrameFeed {
    /// The last frame presented and its tick (None before the first tick).
    pub fn frame(&self) -> Option<(FrameBuffer, u64)> {
        let m = self.mirror.lock().ok()?;
        m.frame.clone().map(|f| (f, m.tick))
    }

    /// The whole last frame as one update (a new or lagging viewer starts from it).
    pub fn full_update(&self) -> Option<FrameUpdate> {
        let m = self.mirror.lock().ok()?;
        let fb = m.frame.as_ref()?;
        Some(update_of(fb, m.tick, m.version, &[fb.bounds()]))
    }

    /// The pixels changed since the last call (None when nothing changed).
    pub fn take_update(&self) -> Option<FrameUpdate> {
        let mut m = self.mirror.lock().ok()?;
        if m.pending.is_empty() {
            return None;
        }
        let rects = std::mem::take(&mut m.pending);
        let fb = m.frame.as_ref()?;
        Some(update_of(fb, m.tick, m.version, &rects))
    }

    /// Forgets the damage gathered so far (a first viewer starts from the whole frame).
    pub fn clear_pending(&self) {
        if let Ok(mut m) = self.mirror.lock() {
            m.pending.clear();
        }
    }

    /// Counts bytes a stream sent.
    pub fn count_sent(&self, n: usize) {
        self.bytes_sent.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// The pixels of `rects` in `fb`.
fn update_of(fb: &FrameBuffer, tick: u64, version: u64, rects: &[Rect]) -> FrameUpdate {
    let ch = fb.mode().channels();
    let stride = fb.width() as usize * ch;
    let data = fb.data();
    let rects = rects
        .iter()
        .map(|r| {
            let mut px = Vec::with_capacity(r.w as usize * r.h as usize * ch);
            for y in r.y..r.y + r.h as i32 {
                let start = y as usize * stride + r.x as usize * ch;
                px.extend_from_slice(&data[start..start + r.w as usize * ch]);
            }
            (*r, px)
        })
        .collect();
    FrameUpdate {
        tick,
        version,
        width: fb.width(),
        height: fb.height(),
        channels: ch,
        rects,
    }
}

/// Adds `r` to the pending damage, merging into one bounding box past [`MAX_PENDING`].
fn add_pending(pending: &mut Vec<Rect>, r: Rect) {
    if pending.iter().any(|p| p.contains_rect(&r)) {
        return;
    }
    pending.push(r);
    if pending.len() > MAX_PENDING {
        let all = pending.iter().skip(1).fold(pending[0], |a, b| a.union(b));
        pending.clear();
        pending.push(all);
    }
}

/// Presents frames to the web preview through a [`FrameFeed`].
pub struct WebSink {
    feed: std::sync::Arc<FrameFeed>,
}

impl WebSink {
    /// A sink feeding `feed`.
    pub fn new(feed: std::sync::Arc<FrameFeed>) -> WebSink {
        WebSink { feed }
    }
}

impl Sink for WebSink {
    fn name(&self) -> &str {
        "web preview"
    }

    fn present(&mut self, frame: &FrameBuffer, tick: u64) -> Result<(), SinkError> {
        let Ok(mut guard) = self.feed.mirror.lock() else {
            return Ok(());
        };
        let m = &mut *guard;
        m.tick = tick;
        match &mut m.frame {
            Some(mirror) if mirror.bounds() == frame.bounds() => {
                if frame.damage().is_empty() {
                    return Ok(());
                }
                for r in frame.damage() {
                    mirror.copy_rect(frame, *r);
                    add_pending(&mut m.pending, *r);
                }
            }
            _ => {
                m.frame = Some(frame.clone());
                m.pending.clear();
                m.pending.push(frame.bounds());
            }
        }
        m.version += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Color, PixelMode};
    use crate::sink::test_util::{pattern, set};
    use std::sync::Arc;

    #[test]
    fn the_pump_takes_the_damage_gathered_since_it_last_looked() {
        let feed = Arc::new(FrameFeed::default());
        let mut sink = WebSink::new(feed.clone());
        let mut fb = pattern(8, 4, PixelMode::Gray4);
        sink.present(&fb, 0).unwrap();
        let first = feed.take_update().expect("the first frame");
        assert_eq!(first.rects[0].0, fb.bounds());
        assert!(feed.take_update().is_none(), "nothing new");
        // Two ticks change two pixels: one update carries both.
        for (tick, x) in [(1, 2), (2, 5)] {
            fb.clear_damage();
            set(&mut fb, x, 1, Color::WHITE);
            sink.present(&fb, tick).unwrap();
        }
        let u = feed.take_update().expect("an update");
        assert_eq!((u.tick, u.version), (2, 3));
        assert_eq!(
            u.rects,
            vec![
                (Rect::new(2, 1, 1, 1), vec![fb.gray(2, 1)]),
                (Rect::new(5, 1, 1, 1), vec![fb.gray(5, 1)])
            ]
        );
        let (mirror, tick) = feed.frame().expect("a frame");
        assert_eq!((mirror.data(), tick), (fb.data(), 2));
        fb.clear_damage();
        sink.present(&fb, 3).unwrap();
        assert!(feed.take_update().is_none(), "an idle tick adds nothing");
        let full = feed.full_update().expect("a full frame");
        assert_eq!(full.rects[0].1, fb.data());
    }

    #[test]
    fn much_damage_is_merged_into_its_bounding_box() {
        let mut pending = Vec::new();
        for i in 0..40 {
            add_pending(&mut pending, Rect::new(i * 2, i, 1, 1));
        }
        assert!(pending.len() <= MAX_PENDING);
        assert!(pending[0].contains_rect(&Rect::new(0, 0, 1, 1)));
    }
}
