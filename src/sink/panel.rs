//! The panel sink: frames go to the panel from a thread of its own, so a slow transfer
//! (6 ms for a full SSD1322 frame at 10 MHz) never delays the next tick's render.
//!
//! The render thread copies only the damaged rectangles into a one-frame mailbox and adds
//! them to its pending damage. If the panel thread has not taken the previous frame yet,
//! the newest frame replaces it (its damage is merged, so nothing is lost) and a drop is
//! counted. A write error is logged with a count, and the panel is reset, initialised
//! and sent a full frame again. While the panel sleeps (`sleep_when`) no pixels are sent;
//! it gets a full frame when it wakes. A new contrast (a command, or a bound `contrast`)
//! goes to the driver and is kept for later initialisations.
//!
//! A sink asked for [`PanelSink::every_frame`] (a run as fast as possible) drops nothing:
//! the render thread waits until the panel thread has taken the frame before, so the
//! bytes sent depend on the frames alone, never on timing (the panel itself sends only
//! what differs from what it holds; see [`crate::panel::device`]).
//!
//! An e-paper panel refreshes as its [`RefreshPolicy`] allows: at most every
//! `min_interval`, full every `full_every` partial refreshes. Until a refresh is allowed
//! the frame waits in the mailbox, where newer frames replace it and merge their damage,
//! so a clock ticking every second refreshes at the allowed rate and shows the newest
//! time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{Sink, SinkError};
use crate::panel::bus::{Bus, BusError};
use crate::panel::device::Panel;
use crate::panel::power::OnExit;
use crate::panel::refresh::{Decision, RefreshPolicy, RefreshState};
use crate::panel::wire::Wire;
use crate::panel::{BusSpec, PanelConfig, PanelError};
use crate::render::{FrameBuffer, Rect};

/// Counters of the panel thread's work.
#[derive(Debug, Default)]
pub struct PanelStats {
    /// Frames (full or partial) sent.
    pub frames: AtomicU64,
    /// Frames replaced by a newer one before they were sent.
    pub dropped: AtomicU64,
    /// Failed transfers.
    pub errors: AtomicU64,
    /// Times the panel was initialised (the first time included).
    pub inits: AtomicU64,
    /// Bytes sent (commands and data).
    pub bytes: AtomicU64,
    /// Full refreshes of an e-paper panel.
    pub full_refreshes: AtomicU64,
    /// Partial refreshes of an e-paper panel.
    pub partial_refreshes: AtomicU64,
}

impl PanelStats {
    /// Reads a counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// The mailbox between the render thread and the panel thread.
#[derive(Default)]
struct Slot {
    frame: Option<FrameBuffer>,
    damage: Vec<Rect>,
    pending: bool,
    full: bool,
    stop: bool,
    power: Option<bool>,
    exit: Option<OnExit>,
    contrast: Option<u8>,
    /// The last send failed (the panel thread is backing off): `present` does not wait for
    /// it, so a failing panel never holds the ticks back.
    failing: bool,
}

#[derive(Default)]
struct Shared {
    slot: Mutex<Slot>,
    ready: Condvar,
    /// Signalled when the panel thread takes what the slot holds.
    taken: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Presents frames on a panel through its bus, from its own thread.
pub struct PanelSink {
    name: String,
    shared: Arc<Shared>,
    stats: Arc<PanelStats>,
    thread: Option<JoinHandle<()>>,
    mismatch_logged: bool,
    expected: ((u32, u32), crate::render::PixelMode),
    on_exit: OnExit,
    /// The panel's refreshes follow the clock (e-paper): frames always coalesce.
    timed: bool,
    /// Every frame is sent: `present` waits for the panel thread rather than replace.
    every_frame: bool,
}

impl PanelSink {
    /// Opens the scene's panel (`display.driver`) on the bus given on the command line
    /// (`--bus`) or else the scene's (`display.bus`). `scene` names the file in errors.
    pub fn open(
        config: Option<&PanelConfig>,
        bus_arg: Option<&str>,
        scene: &std::path::Path,
    ) -> Result<PanelSink, PanelError> {
        let config = config.ok_or_else(|| {
            PanelError::Missing(format!(
                "{}: --sink panel needs a panel: add `driver: ...` (one of {}) and \
                 `bus: Spi(...)` to `display`",
                scene.display(),
                crate::panel::models::controllers()
            ))
        })?;
        let bus = match bus_arg {
            Some(s) => BusSpec::parse_arg(s)?,
            None => config.bus.clone().ok_or_else(|| {
                PanelError::Missing(format!(
                    "{}: --sink panel needs a bus: add `bus: Spi(bus: 0, cs: 0, dc: 24, reset: 25)` \
                     to `display`, or pass --bus",
                    scene.display()
                ))
            })?,
        };
        let bus = bus.open(std::path::Path::new("."))?;
        let panel =
            Panel::new(config.model, config.rotation, config.settings).with_refresh(config.refresh);
        Ok(PanelSink::start(panel, bus).with_on_exit(config.on_exit))
    }

    /// Starts the panel thread; the panel is initialised when the first frame arrives.
    pub fn start(panel: Panel, bus: Box<dyn Bus>) -> PanelSink {
        let name = format!("panel {} on {}", panel.model().name(), bus.describe());
        let expected = (panel.frame_size(), panel.model().mode());
        let timed = panel.refresh_policy().is_some();
        let shared = Arc::new(Shared::default());
        let stats = Arc::new(PanelStats::default());
        let thread = {
            let (shared, stats) = (shared.clone(), stats.clone());
            std::thread::Builder::new()
                .name("tinydisplay-panel".into())
                .spawn(move || feed(panel, bus, &shared, &stats))
                .ok()
        };
        if thread.is_none() {
            log::error!("{name}: could not start the panel thread");
        }
        PanelSink {
            name,
            shared,
            stats,
            thread,
            mismatch_logged: false,
            expected,
            on_exit: OnExit::Keep,
            timed,
            every_frame: false,
        }
    }

    /// Sends every frame: `present` waits until the panel thread has taken the frame
    /// before instead of replacing it, so a run as fast as possible sends the same bytes
    /// whatever the timing. An e-paper panel, whose refreshes follow the clock, still
    /// coalesces frames.
    pub fn every_frame(mut self) -> PanelSink {
        self.every_frame = !self.timed;
        self
    }

    /// Sets what the panel shows once the sink finishes (a sink started alone keeps its
    /// last frame; `run` passes the scene's `display.on_exit`, default Clear).
    pub fn with_on_exit(mut self, on_exit: OnExit) -> PanelSink {
        self.on_exit = on_exit;
        self
    }

    /// The thread's counters.
    pub fn stats(&self) -> Arc<PanelStats> {
        self.stats.clone()
    }

    fn stop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.ready.notify_all();
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            log::error!("{}: the panel thread panicked", self.name);
        }
    }
}

impl Sink for PanelSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn present(&mut self, frame: &FrameBuffer, _tick: u64) -> Result<(), SinkError> {
        if ((frame.width(), frame.height()), frame.mode()) != self.expected {
            let message = format!(
                "the frame is {}x{} {:?}; the panel shows {}x{} {:?}",
                frame.width(),
                frame.height(),
                frame.mode(),
                self.expected.0.0,
                self.expected.0.1,
                self.expected.1
            );
            if !self.mismatch_logged {
                self.mismatch_logged = true;
                return Err(SinkError::Encode {
                    what: self.name.clone(),
                    message,
                });
            }
            return Ok(());
        }
        let mut slot = self.shared.lock();
        while self.every_frame
            && slot.pending
            && !slot.stop
            && !slot.failing
            && self.thread.as_ref().is_some_and(|t| !t.is_finished())
        {
            slot = self
                .shared
                .taken
                .wait_timeout(slot, Duration::from_millis(100))
                .map_or_else(|p| p.into_inner().0, |r| r.0);
        }
        match &mut slot.frame {
            None => {
                slot.frame = Some(frame.clone());
                slot.full = true;
            }
            Some(_) if frame.damage().is_empty() => return Ok(()),
            Some(mirror) => {
                for r in frame.damage() {
                    mirror.copy_rect(frame, *r);
                }
            }
        }
        slot.damage.extend_from_slice(frame.damage());
        if slot.pending {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
        }
        slot.pending = true;
        drop(slot);
        self.shared.ready.notify_one();
        Ok(())
    }

    fn power(&mut self, asleep: bool) -> Result<(), SinkError> {
        let mut slot = self.shared.lock();
        slot.power = Some(asleep);
        slot.pending = true;
        drop(slot);
        self.shared.ready.notify_one();
        Ok(())
    }

    fn contrast(&mut self, level: u8) -> Result<bool, SinkError> {
        let mut slot = self.shared.lock();
        slot.contrast = Some(level);
        slot.pending = true;
        drop(slot);
        self.shared.ready.notify_one();
        Ok(true)
    }

    fn finish(&mut self, _frame: &FrameBuffer, _tick: u64) -> Result<(), SinkError> {
        if self.on_exit != OnExit::Keep {
            let mut slot = self.shared.lock();
            slot.exit = Some(self.on_exit);
            slot.pending = true;
            drop(slot);
            self.shared.ready.notify_one();
        }
        self.stop();
        Ok(())
    }
}

impl Drop for PanelSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The last commands to the panel: all pixels off, or sleep.
fn leave(panel: &mut Panel, exit: OnExit, wire: &mut Wire) {
    match exit {
        OnExit::Clear => {
            let ((w, h), mode) = (panel.frame_size(), panel.model().mode());
            panel.full(&FrameBuffer::new(w, h, mode), wire);
        }
        OnExit::Sleep => panel.sleep(true, wire),
        OnExit::Keep => {}
    }
}

/// The panel thread: waits for a frame, packs it under the lock (microseconds), sends it
/// without the lock (milliseconds).
fn feed(panel: Panel, bus: Box<dyn Bus>, shared: &Shared, stats: &PanelStats) {
    let mut f = Feeder {
        refresh: panel.refresh_policy().map(|p| Refresher {
            policy: p,
            state: RefreshState::default(),
            epoch: Instant::now(),
            next: None,
        }),
        panel,
        bus,
        wire: Wire::new(),
        needs_init: true,
        asleep: false,
        missed: false,
        backoff: Duration::from_millis(50),
    };
    let mut damage: Vec<Rect> = Vec::new();
    loop {
        {
            let mut slot = shared.lock();
            loop {
                while !slot.pending && !slot.stop {
                    slot = shared.ready.wait(slot).unwrap_or_else(|p| p.into_inner());
                }
                if !slot.pending {
                    return;
                }
                // E-paper: too soon after the last refresh, the frame waits (and newer
                // ones merge into it); stopping or leaving goes through at once.
                let wait = match &mut f.refresh {
                    Some(r) if !slot.stop && slot.exit.is_none() && !f.needs_init => {
                        r.hold(slot.full || !slot.damage.is_empty())
                    }
                    _ => None,
                };
                let Some(wait) = wait else { break };
                slot = shared
                    .ready
                    .wait_timeout(slot, wait)
                    .map_or_else(|p| p.into_inner().0, |r| r.0);
            }
            slot.pending = false;
            shared.taken.notify_all();
            let full = std::mem::take(&mut slot.full) || f.needs_init;
            damage.clear();
            damage.append(&mut slot.damage);
            let (power, contrast) = (slot.power.take(), slot.contrast.take());
            f.wire.clear();
            if f.needs_init {
                f.panel.init(&mut f.wire);
            }
            if let Some(exit) = slot.exit.take() {
                drop(slot);
                leave(&mut f.panel, exit, &mut f.wire);
                if let Err(e) = f.send() {
                    log::warn!("panel: {e} (while leaving the panel as `on_exit` says)");
                }
                return;
            }
            f.commands(power, contrast);
            let Some(frame) = &slot.frame else {
                if !f.wire.is_empty() && !f.needs_init {
                    drop(slot);
                    if let Err(e) = f.send() {
                        log::warn!("panel: {e}");
                    }
                }
                continue;
            };
            if !f.pixels(frame, full, &damage) {
                continue;
            }
        }
        match f.send() {
            Ok(()) => {
                // A send after a failure carries an init: only then is there a flag to
                // clear (no extra lock per frame).
                let recovered = f.needs_init;
                f.sent(stats);
                if recovered {
                    shared.lock().failing = false;
                }
            }
            Err(e) => {
                if !f.failed(&e, shared, stats) {
                    return;
                }
            }
        }
    }
}

/// An e-paper panel's refresh policy and what it remembers.
struct Refresher {
    policy: RefreshPolicy,
    state: RefreshState,
    epoch: Instant,
    /// The refresh being sent: full or not, and when it began.
    next: Option<(bool, Duration)>,
}

impl Refresher {
    /// Time since the panel thread began (the policy's clock).
    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// How long a changed frame must still wait, if it must.
    fn hold(&self, changed: bool) -> Option<Duration> {
        match self.state.decide(&self.policy, self.now(), changed) {
            Decision::Wait(d) => Some(d),
            _ => None,
        }
    }
}

/// The panel thread's side of one panel: its bus, the bytes being sent and its state.
struct Feeder {
    refresh: Option<Refresher>,
    panel: Panel,
    bus: Box<dyn Bus>,
    wire: Wire,
    needs_init: bool,
    asleep: bool,
    missed: bool,
    backoff: Duration,
}

impl Feeder {
    /// Sends the wire's bytes and flushes the bus.
    fn send(&mut self) -> Result<(), BusError> {
        self.wire
            .send(self.bus.as_mut())
            .and_then(|()| self.bus.flush())
    }

    /// Adds the contrast and sleep/wake commands asked for (sleep again after a re-init).
    fn commands(&mut self, power: Option<bool>, contrast: Option<u8>) {
        if let Some(level) = contrast {
            self.panel.set_contrast(level, &mut self.wire);
        }
        match power {
            Some(p) if p != self.asleep || self.needs_init => {
                self.asleep = p;
                self.panel.sleep(p, &mut self.wire);
            }
            _ if self.needs_init && self.asleep => self.panel.sleep(true, &mut self.wire),
            _ => {}
        }
    }

    /// Adds the frame's pixels (all of them, or the damage); false when there is nothing
    /// to send at all.
    fn pixels(&mut self, frame: &FrameBuffer, full: bool, damage: &[Rect]) -> bool {
        if self.asleep && !self.needs_init {
            // Nothing is shown while asleep: no pixels travel, only the commands; the
            // whole frame goes when the panel wakes.
            self.missed = true;
            return !self.wire.is_empty();
        }
        let mut full = full || std::mem::take(&mut self.missed);
        if let Some(r) = &mut self.refresh {
            if self.needs_init {
                r.state.forget();
            }
            match r
                .state
                .decide(&r.policy, r.now(), full || !damage.is_empty())
            {
                Decision::Nothing => return !self.wire.is_empty(),
                Decision::Full => full = true,
                Decision::Partial | Decision::Wait(_) => {}
            }
            r.next = Some((full, r.now()));
        }
        if full {
            self.panel.full(frame, &mut self.wire);
        } else {
            self.panel.update(frame, damage, &mut self.wire);
        }
        true
    }

    /// Counts a frame sent (and the refresh it ran, on e-paper).
    fn sent(&mut self, stats: &PanelStats) {
        if let Some(r) = &mut self.refresh
            && let Some((full, began)) = r.next.take()
        {
            r.state.refreshed(began, full);
            let counter = if full {
                &stats.full_refreshes
            } else {
                &stats.partial_refreshes
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
        if self.needs_init {
            stats.inits.fetch_add(1, Ordering::Relaxed);
        }
        self.needs_init = false;
        self.backoff = Duration::from_millis(50);
        stats.frames.fetch_add(1, Ordering::Relaxed);
        stats
            .bytes
            .fetch_add(self.wire.len_bytes() as u64, Ordering::Relaxed);
    }

    /// After a failed send: logs it (now and then), and asks for a re-init and a full
    /// frame after a pause that grows to a second while the panel keeps failing, even if
    /// no new frame comes. False when the sink is stopping.
    fn failed(&mut self, e: &BusError, shared: &Shared, stats: &PanelStats) -> bool {
        let n = stats.errors.fetch_add(1, Ordering::Relaxed) + 1;
        if n % 100 == 1 {
            log::warn!("panel: {e} ({n} error(s) so far); re-initialising the panel");
        }
        self.needs_init = true;
        if let Some(r) = &mut self.refresh {
            r.next = None;
        }
        let mut slot = shared.lock();
        slot.failing = true;
        shared.taken.notify_all();
        // The pause ends early when the sink stops (new frames only merge meanwhile).
        let until = Instant::now() + self.backoff;
        while !slot.stop {
            let Some(left) = until.checked_duration_since(Instant::now()) else {
                break;
            };
            slot = shared
                .ready
                .wait_timeout(slot, left)
                .map_or_else(|p| p.into_inner().0, |r| r.0);
        }
        if slot.stop {
            return false;
        }
        slot.pending = true;
        slot.full = true;
        drop(slot);
        self.backoff = (self.backoff * 2).min(Duration::from_secs(1));
        true
    }
}
