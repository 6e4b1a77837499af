//! The web preview's sink: keeps a copy of the frame (for `GET /api/frame.png` and a new
//! viewer's first picture) and broadcasts each tick's damaged rectangles to the viewers.
//! With nobody watching it copies only the damage into its mirror (a few µs).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use super::{Sink, SinkError};
use crate::render::{FrameBuffer, PixelMode, Rect};

/// Updates a slow viewer may fall behind by before it is sent a whole frame instead.
pub const BACKLOG: usize = 64;

/// One tick's changed pixels: rectangles with their bytes (`channels` per pixel, row-major).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameUpdate {
    /// The tick shown.
    pub tick: u64,
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// Bytes per pixel: 1 (grey level, mono as 0/255) or 3 (RGB).
    pub channels: usize,
    /// The changed rectangles and their pixels.
    pub rects: Vec<(Rect, Vec<u8>)>,
}

/// Where the web sink leaves frames for the HTTP server (shared, thread-safe).
pub struct FrameFeed {
    frame: Mutex<Option<(FrameBuffer, u64)>>,
    tx: broadcast::Sender<Arc<FrameUpdate>>,
    /// Bytes the preview streams have sent (counted by the server).
    pub bytes_sent: AtomicU64,
}

impl Default for FrameFeed {
    fn default() -> Self {
        FrameFeed {
            frame: Mutex::new(None),
            tx: broadcast::Sender::new(BACKLOG),
            bytes_sent: AtomicU64::new(0),
        }
    }
}

impl FrameFeed {
    /// The last frame presented and its tick (None before the first tick).
    pub fn frame(&self) -> Option<(FrameBuffer, u64)> {
        self.frame.lock().ok().and_then(|f| f.clone())
    }

    /// The whole last frame as one update (a new or lagging viewer starts from it).
    pub fn full_update(&self) -> Option<FrameUpdate> {
        let guard = self.frame.lock().ok()?;
        let (fb, tick) = guard.as_ref()?;
        Some(update_of(fb, *tick, &[fb.bounds()]))
    }

    /// Receives every update from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<FrameUpdate>> {
        self.tx.subscribe()
    }

    /// Counts bytes a stream sent.
    pub fn count_sent(&self, n: usize) {
        self.bytes_sent.fetch_add(n as u64, Ordering::Relaxed);
    }
}

fn channels(mode: PixelMode) -> usize {
    mode.channels()
}

/// The pixels of `rects` in `fb`.
fn update_of(fb: &FrameBuffer, tick: u64, rects: &[Rect]) -> FrameUpdate {
    let ch = channels(fb.mode());
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
        width: fb.width(),
        height: fb.height(),
        channels: ch,
        rects,
    }
}

/// Presents frames to the web preview through a [`FrameFeed`].
pub struct WebSink {
    feed: Arc<FrameFeed>,
}

impl WebSink {
    /// A sink feeding `feed`.
    pub fn new(feed: Arc<FrameFeed>) -> WebSink {
        WebSink { feed }
    }
}

impl Sink for WebSink {
    fn name(&self) -> &str {
        "web preview"
    }

    fn present(&mut self, frame: &FrameBuffer, tick: u64) -> Result<(), SinkError> {
        let Ok(mut slot) = self.feed.frame.lock() else {
            return Ok(());
        };
        let damage: Vec<Rect> = match &mut *slot {
            Some((mirror, t)) if mirror.bounds() == frame.bounds() => {
                *t = tick;
                if frame.damage().is_empty() {
                    return Ok(());
                }
                for r in frame.damage() {
                    mirror.copy_rect(frame, *r);
                }
                frame.damage().to_vec()
            }
            _ => {
                *slot = Some((frame.clone(), tick));
                vec![frame.bounds()]
            }
        };
        drop(slot);
        if self.feed.tx.receiver_count() > 0 {
            // A send fails only when the last viewer left meanwhile.
            let _ = self.feed.tx.send(Arc::new(update_of(frame, tick, &damage)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Color;
    use crate::sink::test_util::{pattern, set};

    #[test]
    fn viewers_get_the_damaged_pixels_and_the_mirror_follows() {
        let feed = Arc::new(FrameFeed::default());
        let mut sink = WebSink::new(feed.clone());
        let mut fb = pattern(8, 4, PixelMode::Gray4);
        sink.present(&fb, 0).unwrap();
        let mut rx = feed.subscribe();
        fb.clear_damage();
        set(&mut fb, 2, 1, Color::WHITE);
        sink.present(&fb, 1).unwrap();
        let u = rx.try_recv().expect("an update");
        assert_eq!(u.tick, 1);
        assert_eq!(u.rects, vec![(Rect::new(2, 1, 1, 1), vec![fb.gray(2, 1)])]);
        let (mirror, tick) = feed.frame().expect("a frame");
        assert_eq!((mirror.data(), tick), (fb.data(), 1));
        fb.clear_damage();
        sink.present(&fb, 2).unwrap();
        assert!(rx.try_recv().is_err(), "an idle tick sends nothing");
        let full = feed.full_update().expect("a full frame");
        assert_eq!(full.rects[0].1, fb.data());
    }
}
