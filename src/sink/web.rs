//! The web preview's sink: keeps a copy of the frame (for `GET /api/frame.png` and a new
//! viewer's first picture) and the damage since the preview last looked. It wakes
//! nobody and copies pixels only when somebody asked for them: a tick notes its damage
//! (a few rectangles), and the copy of the damaged pixels is made at the first tick after
//! a reader's [`FrameFeed::request`] — or when the frame stands still — so a tick with
//! the preview open costs about the same as one without.
//!
//! The preview pump asks once per preview frame; `GET /api/frame.png` asks and waits for
//! the next tick ([`FrameFeed::fresh`]).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use super::{Sink, SinkError};
use crate::render::{FrameBuffer, PixelMode, Rect};

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
    /// Set by a reader that wants the mirror brought up to date at the next tick.
    wanted: AtomicBool,
    /// Told when the mirror was brought up to date.
    synced: Notify,
    /// Readers waiting on `synced` (the tick tells nobody when none waits).
    waiting: AtomicUsize,
    /// Bytes the preview streams have sent (counted by the server).
    pub bytes_sent: AtomicU64,
}

impl FrameFeed {
    /// Asks the sink to bring the mirror up to date at the next tick.
    pub fn request(&self) {
        // Release: a reader counted in `waiting` before asking is seen by the tick.
        self.wanted.store(true, Ordering::Release);
        // A sleeping (tickless) engine wakes for it.
        crate::app::wake::ring_all();
    }

    /// Asks for the mirror to be brought up to date and waits for the next tick to do it
    /// (at most `wait`: a stopped engine leaves the mirror as its last tick left it).
    pub async fn fresh(&self, wait: Duration) {
        let synced = self.synced.notified();
        tokio::pin!(synced);
        synced.as_mut().enable();
        let _counted = Waiting::count(&self.waiting);
        self.request();
        let _ = tokio::time::timeout(wait, synced).await;
    }

    /// Tells the readers waiting in [`FrameFeed::fresh`] that the mirror is up to date.
    fn tell_waiting(&self) {
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.synced.notify_waiters();
        }
    }

    /// The mirrored frame and the tick it shows (None before the first tick).
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

    /// The pixels copied into the mirror since the last call (None when none were).
    pub fn take_update(&self) -> Option<FrameUpdate> {
        let mut m = self.mirror.lock().ok()?;
        if m.pending.is_empty() {
            return None;
        }
        // Drained, not taken: the tick's list keeps its room.
        let rects: Vec<Rect> = m.pending.drain(..).collect();
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

/// One reader counted in [`FrameFeed`]'s `waiting` while it lives (a dropped request, a
/// client gone, counts out too).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    /// Counts one more reader in `n`.
    fn count(n: &'a AtomicUsize) -> Waiting<'a> {
        n.fetch_add(1, Ordering::SeqCst);
        Waiting(n)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
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
    /// The size and pixel mode of the mirrored frame (None before the first frame).
    shape: Option<(Rect, PixelMode)>,
    /// Damage not yet copied into the mirror.
    unsynced: Vec<Rect>,
}

impl WebSink {
    /// A sink feeding `feed`.
    pub fn new(feed: std::sync::Arc<FrameFeed>) -> WebSink {
        WebSink {
            feed,
            shape: None,
            unsynced: Vec::new(),
        }
    }

    /// Copies the damage gathered so far into the mirror, and tells the readers.
    fn sync(&mut self, frame: &FrameBuffer, tick: u64) {
        if let Ok(mut guard) = self.feed.mirror.lock() {
            let m = &mut *guard;
            m.tick = tick;
            if let Some(mirror) = &mut m.frame {
                for r in self.unsynced.drain(..) {
                    mirror.copy_rect(frame, r);
                    add_pending(&mut m.pending, r);
                }
                m.version += 1;
            }
        }
        self.feed.tell_waiting();
    }
}

impl Sink for WebSink {
    fn name(&self) -> &str {
        "web preview"
    }

    fn present(&mut self, frame: &FrameBuffer, tick: u64) -> Result<(), SinkError> {
        let shape = (frame.bounds(), frame.mode());
        if self.shape != Some(shape) {
            // The first frame, or a new scene's of another size: mirrored whole.
            if let Ok(mut m) = self.feed.mirror.lock() {
                m.frame = Some(frame.clone());
                m.tick = tick;
                m.pending.clear();
                m.pending.push(frame.bounds());
                m.version += 1;
                self.shape = Some(shape);
            }
            self.unsynced.clear();
            self.feed.wanted.store(false, Ordering::Relaxed);
            self.feed.tell_waiting();
            return Ok(());
        }
        for r in frame.damage() {
            add_pending(&mut self.unsynced, *r);
        }
        let wanted = self.feed.wanted.load(Ordering::Acquire);
        // A frame standing still is mirrored without being asked: readers then find it
        // as it is, even once the ticks stop.
        let settled = frame.damage().is_empty() && !self.unsynced.is_empty();
        if wanted || settled {
            self.feed.wanted.store(false, Ordering::Relaxed);
            if self.unsynced.is_empty() {
                // Nothing to copy, but the mirror shows this tick now (a reader asking
                // for the frame learns it is current, not an old one).
                if wanted && let Ok(mut m) = self.feed.mirror.lock() {
                    m.tick = tick;
                }
                self.feed.tell_waiting();
            } else {
                self.sync(frame, tick);
            }
        }
        Ok(())
    }

    fn every_tick(&self) -> bool {
        // Damage not mirrored yet: the next tick, standing still, mirrors it (a tickless
        // engine would otherwise sleep with the preview behind).
        !self.unsynced.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Color, PixelMode};
    use crate::sink::test_util::{pattern, set};
    use std::sync::Arc;

    #[test]
    fn pixels_are_copied_when_a_reader_asks_or_the_frame_stands_still() {
        let feed = Arc::new(FrameFeed::default());
        let mut sink = WebSink::new(feed.clone());
        let mut fb = pattern(8, 4, PixelMode::Gray4);
        let first_frame = fb.clone();
        sink.present(&fb, 0).unwrap();
        let first = feed.take_update().expect("the first frame");
        assert_eq!(first.rects[0].0, fb.bounds());
        assert!(feed.take_update().is_none(), "nothing new");
        // Two moving ticks nobody asked about: noted, not copied.
        for (tick, x) in [(1, 2), (2, 5)] {
            fb.clear_damage();
            set(&mut fb, x, 1, Color::WHITE);
            sink.present(&fb, tick).unwrap();
        }
        assert!(feed.take_update().is_none(), "nothing copied yet");
        let (mirror, tick) = feed.frame().expect("a frame");
        assert_eq!((mirror.data(), tick), (first_frame.data(), 0));
        // Asked for, the next tick copies everything that changed since.
        feed.request();
        fb.clear_damage();
        set(&mut fb, 7, 3, Color::WHITE);
        sink.present(&fb, 3).unwrap();
        let u = feed.take_update().expect("an update");
        assert_eq!((u.tick, u.version), (3, 2));
        assert_eq!(
            u.rects,
            vec![
                (Rect::new(2, 1, 1, 1), vec![fb.gray(2, 1)]),
                (Rect::new(5, 1, 1, 1), vec![fb.gray(5, 1)]),
                (Rect::new(7, 3, 1, 1), vec![fb.gray(7, 3)]),
            ]
        );
        let (mirror, tick) = feed.frame().expect("a frame");
        assert_eq!((mirror.data(), tick), (fb.data(), 3));
        // A moving tick, then a still one: the still frame is copied unasked.
        fb.clear_damage();
        set(&mut fb, 0, 0, Color::WHITE);
        sink.present(&fb, 4).unwrap();
        assert!(feed.take_update().is_none(), "moving, not asked");
        fb.clear_damage();
        sink.present(&fb, 5).unwrap();
        let u = feed.take_update().expect("the frame stood still");
        assert_eq!(u.rects, vec![(Rect::new(0, 0, 1, 1), vec![fb.gray(0, 0)])]);
        fb.clear_damage();
        sink.present(&fb, 6).unwrap();
        assert!(feed.take_update().is_none(), "an idle tick adds nothing");
        let full = feed.full_update().expect("a full frame");
        assert_eq!(full.rects[0].1, fb.data());
    }

    #[test]
    fn a_reader_waiting_for_a_fresh_frame_is_answered_by_the_next_tick() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        let feed = Arc::new(FrameFeed::default());
        let mut sink = WebSink::new(feed.clone());
        let mut fb = pattern(8, 4, PixelMode::Gray4);
        sink.present(&fb, 0).unwrap();
        fb.clear_damage();
        set(&mut fb, 3, 2, Color::WHITE);
        sink.present(&fb, 1).unwrap();
        let ticker = {
            let feed = feed.clone();
            std::thread::spawn(move || {
                // Ticks go on (the frame keeps moving) until the reader was answered.
                for tick in 2..2000 {
                    if feed.frame().is_some_and(|(_, t)| t > 0) {
                        return;
                    }
                    fb.clear_damage();
                    set(&mut fb, (tick % 8) as i32, 0, Color::WHITE);
                    sink.present(&fb, tick).unwrap();
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        };
        runtime.block_on(feed.fresh(Duration::from_secs(30)));
        let (mirror, tick) = feed.frame().expect("a frame");
        assert!(tick >= 2, "a tick after the request mirrored the frame");
        assert_eq!(mirror.gray(3, 2), 255, "the damage before the request too");
        ticker.join().expect("the ticks");
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
