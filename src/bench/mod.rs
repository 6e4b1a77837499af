//! What `tinydisplay bench` measures: a scene run tick by tick with a render-ahead
//! configuration, the time of each tick, the time to pack its damage for a panel, the
//! bytes that would go over the wire, and the queue's hit rate; optionally a real-time
//! run with the other core kept busy, for present lateness.
//!
//! The scene runs without its data sources and without persistence (a benchmark must not
//! depend on a clock or write files); `churn` stands in for live data.

pub mod churn;
#[cfg(feature = "http")]
mod viewers;
/// Without the `http` feature there is no preview to serve: viewers see nothing.
#[cfg(not(feature = "http"))]
#[path = "viewers_off.rs"]
mod viewers;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bevy_app::App;
use bevy_ecs::schedule::IntoScheduleConfigs;
use serde::Serialize;

use crate::ahead::{AheadStats, RenderAhead};
use crate::app::{Fps, Pacing, RunMode, StopFlag, run_ticks};
use crate::data::ingest::DataInbox;
use crate::panel::refresh::{Decision, RefreshPolicy, RefreshState};
use crate::panel::{Model, Panel, Rotation, Settings, Wire};
use crate::render::FrameBuffer;
use crate::scene::CompiledScene;

pub use self::churn::Churn;

/// One configuration to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchOptions {
    /// Ticks to run (as fast as possible).
    pub ticks: u64,
    /// Render-ahead workers (0: inline).
    pub workers: usize,
    /// Render-ahead depth.
    pub depth: usize,
    /// The panel to pack for (None: no packing figures).
    pub model: Option<Model>,
    /// Change every initial data key every tick.
    pub churn: bool,
    /// Also run this long in real time with the other core busy.
    pub realtime: Option<Duration>,
    /// Ticks per second of the real-time run (None: the scene's).
    pub fps: Option<u32>,
    /// Keep the scene's data sources running during the real-time run (for its CPU cost).
    pub sources: bool,
    /// Web preview viewers to connect during a second real-time run (0: none), to measure
    /// what the HTTP server and the preview stream cost.
    pub viewers: usize,
    /// The preview's frames per second for that run (None: the scene's `preview_fps`).
    pub preview_fps: Option<u32>,
    /// Evict the CPU caches before every measured tick, as the sleep between real-time
    /// ticks does: the tick figures become cold-cache ones, repeatable where real-time
    /// CPU figures are noisy.
    pub cold: bool,
    /// Wake every tick in the real-time run (`--no-tickless`): no tickless idle.
    pub every_tick: bool,
}

/// A median and a 99th percentile, in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Spread {
    /// Median.
    pub median: f64,
    /// 99th percentile.
    pub p99: f64,
}

impl Spread {
    /// The spread of `samples` (sorted in place), in µs.
    pub fn of(samples: &mut [Duration]) -> Spread {
        if samples.is_empty() {
            return Spread::default();
        }
        samples.sort_unstable();
        let at = |q: f64| {
            let i = ((samples.len() - 1) as f64 * q).round() as usize;
            samples[i].as_secs_f64() * 1e6
        };
        Spread {
            median: at(0.5),
            p99: at(0.99),
        }
    }
}

/// What one configuration measured (also the `--json` line; fields in the README).
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// The scene file.
    pub scene: String,
    /// The panel packed for.
    pub display: Option<String>,
    /// Ticks measured.
    pub ticks: u64,
    /// Render-ahead workers.
    pub workers: usize,
    /// Render-ahead depth.
    pub depth: usize,
    /// Data changed every tick.
    pub churn: bool,
    /// Caches evicted before every measured tick (`--cold`).
    pub cold: bool,
    /// Time of a whole tick (ingest, propagate, animate, render), µs.
    pub tick_us: Spread,
    /// Time to pack the tick's damage for the panel, µs.
    pub pack_us: Spread,
    /// Render + pack per tick, µs.
    pub render_pack_us: Spread,
    /// Bytes of a full frame (window commands and pixels).
    pub bytes_full: usize,
    /// Mean bytes per tick with damage-driven partial updates.
    pub bytes_damage_mean: f64,
    /// Most bytes sent in one tick.
    pub bytes_damage_max: usize,
    /// Mean damaged pixels per tick.
    pub damage_px_mean: f64,
    /// Partial-update bytes over the bytes of the damaged area at the panel's depth
    /// (1.0 = nothing but the damaged pixels; alignment and commands add to it).
    pub wire_ratio: Option<f64>,
    /// Mean bytes per tick the damage needs: its aligned rectangles sent as they are,
    /// windows included (what the panel sent before it compared with what it holds).
    pub bytes_need_mean: f64,
    /// Bytes sent over the bytes the damage needs (at most 1.0: only the cells that
    /// differ from what the panel holds are sent, when that is cheaper).
    pub need_ratio: Option<f64>,
    /// Ticks that sent more bytes than their damage needs (0 expected).
    pub over_need_ticks: u64,
    /// Ticks that had no damage.
    pub idle_ticks: u64,
    /// Median time of a tick without damage, µs.
    pub idle_tick_us: Option<f64>,
    /// Bytes sent on ticks without damage (0 expected).
    pub idle_bytes: usize,
    /// Frames taken from the render-ahead queue.
    pub hits: u64,
    /// Frames painted inline while render-ahead was on.
    pub misses: u64,
    /// Queue purges.
    pub purges: u64,
    /// Frames rendered ahead and not used.
    pub dropped: u64,
    /// hits / (hits + misses), when render-ahead is on.
    pub hit_rate: Option<f64>,
    /// The refreshes an e-paper panel ran, its refresh policy followed on the scene's
    /// tick clock (None: not e-paper).
    pub refreshes: Option<RefreshCounts>,
    /// The real-time run, if asked for.
    pub realtime: Option<RealtimeReport>,
    /// The real-time run again with the web preview served and viewers connected.
    pub preview: Option<PreviewReport>,
}

/// Full and partial refreshes of an e-paper panel over a bench run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RefreshCounts {
    /// Whole-panel refreshes (the first frame's included).
    pub full: u64,
    /// Partial refreshes.
    pub partial: u64,
    /// Seconds the ticks stand for at the scene's (or `--fps`) rate.
    pub seconds: u64,
}

/// An e-paper panel's refreshes during a bench run: frames coalesce (their damage
/// merged) until the policy allows a refresh, as the panel sink does.
struct Refreshing {
    policy: RefreshPolicy,
    state: RefreshState,
    pending: Vec<crate::render::Rect>,
    /// The damage of the last partial refresh.
    sent: Vec<crate::render::Rect>,
    period: Duration,
    counts: RefreshCounts,
}

impl Refreshing {
    /// Follows `policy` at `fps` ticks per second, the first full refresh sent at 0.
    fn new(policy: RefreshPolicy, fps: u32) -> Refreshing {
        let mut state = RefreshState::default();
        state.refreshed(Duration::ZERO, true);
        Refreshing {
            policy,
            state,
            pending: Vec::new(),
            sent: Vec::new(),
            period: Duration::from_secs(1) / fps.max(1),
            counts: RefreshCounts {
                full: 1,
                ..RefreshCounts::default()
            },
        }
    }

    /// Tick `i` (from 0) rendered `fb`: refreshes the panel when the policy says so, and
    /// says what it sent (a partial refresh's damage is left in `sent`).
    fn tick(&mut self, i: u64, fb: &FrameBuffer, panel: &mut Panel, wire: &mut Wire) -> Sent {
        self.pending.extend_from_slice(fb.damage());
        let now = self.period * u32::try_from(i + 1).unwrap_or(u32::MAX);
        self.counts.seconds = now.as_secs();
        match self
            .state
            .decide(&self.policy, now, !self.pending.is_empty())
        {
            Decision::Full => {
                panel.full(fb, wire);
                self.state.refreshed(now, true);
                self.counts.full += 1;
                self.pending.clear();
                Sent::Full
            }
            Decision::Partial => {
                panel.update(fb, &self.pending, wire);
                self.state.refreshed(now, false);
                self.counts.partial += 1;
                std::mem::swap(&mut self.sent, &mut self.pending);
                self.pending.clear();
                Sent::Partial
            }
            Decision::Wait(_) | Decision::Nothing => Sent::Nothing,
        }
    }
}

/// What a bench tick sent to the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// Nothing (an e-paper frame waiting for its refresh).
    Nothing,
    /// The whole frame.
    Full,
    /// A partial update.
    Partial,
}

/// What serving the web preview to viewers cost, from two real-time runs.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PreviewReport {
    /// Viewers connected to `/api/stream`.
    pub viewers: usize,
    /// The preview's frames per second at most.
    pub preview_fps: u32,
    /// CPU of the run with the server and its viewers, % of one core (the viewers'
    /// own reading threads are not counted: they stand in for browsers elsewhere).
    pub cpu_percent: Option<f64>,
    /// What the server and the preview stream added, in % of the run without them.
    pub cost_percent: Option<f64>,
    /// CPU of the tick thread alone in the run with viewers, % of one core.
    pub tick_thread_cpu_percent: Option<f64>,
    /// What serving added to the tick thread, in % of its CPU in the run without.
    pub tick_thread_cost_percent: Option<f64>,
    /// Bytes per second the preview stream sent (all viewers).
    pub bytes_per_s: f64,
    /// Frame events per second each viewer received.
    pub frames_per_s: f64,
}

/// Present lateness of a real-time run.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RealtimeReport {
    /// Ticks per second.
    pub fps: u32,
    /// Seconds run.
    pub seconds: f64,
    /// Ticks run (skipped ones included).
    pub ticks: u64,
    /// Median present lateness, µs (bucket upper edge, 50 µs buckets).
    pub late_median_us: f64,
    /// 99th-percentile present lateness, µs.
    pub late_p99_us: f64,
    /// Ticks skipped to keep time.
    pub skipped: u64,
    /// Queue hit rate during the run.
    pub hit_rate: Option<f64>,
    /// CPU the engine used over the run, in % of one core (the process's threads less
    /// the spinner that keeps the other core busy); None where /proc has no schedstat.
    pub cpu_percent: Option<f64>,
    /// CPU of the tick thread alone over the run, % of one core.
    pub tick_thread_cpu_percent: Option<f64>,
    /// This machine's floor: CPU of a thread that only sleeps to each tick's deadline
    /// (no work), % of one core, measured after the run with the other core still busy.
    pub wake_floor_percent: Option<f64>,
    /// Wakes per second of the whole process over the run (its threads' voluntary
    /// context switches: waits that ended), the spinner's left out.
    pub wakes_per_second: Option<f64>,
    /// Wakes per second of the floor's thread.
    pub floor_wakes_per_second: Option<f64>,
    /// Wakes per second of the runner alone (the tick thread; `/metrics` shows it too).
    pub runner_wakes_per_second: f64,
    /// Ticks skipped because nothing could change at them (tickless idle).
    pub idle_ticks: u64,
    /// True when the run was tickless (the default; `--no-tickless` wakes every tick).
    pub tickless: bool,
}

/// CPU time run so far by every live thread of this process but those in `except`
/// (thread ids), in ns (Linux schedstat).
fn process_cpu_ns(except: &[u64]) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let task = task.ok()?;
        if is_one_of(&task, except) {
            continue;
        }
        total += schedstat_ns(&std::fs::read_to_string(task.path().join("schedstat")).ok()?)?;
    }
    Some(total)
}

/// Voluntary context switches (waits that ended) so far of every live thread of this
/// process but those in `except` (thread ids).
fn process_wakes(except: &[u64]) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let task = task.ok()?;
        if is_one_of(&task, except) {
            continue;
        }
        total += wakes_in(&std::fs::read_to_string(task.path().join("status")).ok()?)?;
    }
    Some(total)
}

/// Whether the /proc task entry `task` is one of the threads `ids`.
fn is_one_of(task: &std::fs::DirEntry, ids: &[u64]) -> bool {
    task.file_name()
        .to_str()
        .and_then(|s| s.parse::<u64>().ok())
        .is_some_and(|t| ids.contains(&t))
}

/// Voluntary context switches of the calling thread so far.
fn thread_wakes() -> Option<u64> {
    wakes_in(&std::fs::read_to_string("/proc/thread-self/status").ok()?)
}

/// The `voluntary_ctxt_switches` of a /proc status text.
fn wakes_in(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))?
        .trim()
        .parse()
        .ok()
}

/// The calling thread's id (Linux).
fn thread_id() -> Option<u64> {
    std::fs::read_link("/proc/thread-self")
        .ok()?
        .file_name()?
        .to_str()?
        .parse()
        .ok()
}

/// CPU time run so far by the calling thread, in ns.
fn thread_cpu_ns() -> Option<u64> {
    schedstat_ns(&std::fs::read_to_string("/proc/thread-self/schedstat").ok()?)
}

/// The first field of a schedstat line: time spent on a CPU, in ns.
fn schedstat_ns(text: &str) -> Option<u64> {
    text.split_whitespace().next()?.parse().ok()
}

/// The panel that fits a scene's frame: its own, else the first of that size and mode.
pub fn panel_for(scene: &CompiledScene) -> Option<(Model, Rotation)> {
    if let Some(p) = &scene.display.panel {
        return Some((p.model, p.rotation));
    }
    let d = &scene.display;
    Model::fitting((d.width, d.height), d.mode)
}

/// An app for a benchmark: the scene without persistence (and without its sources unless
/// `sources`), render-ahead as asked.
pub fn app(scene: &CompiledScene, workers: usize, depth: usize, sources: bool) -> App {
    let engine = crate::engine::Engine::new(scene.clone())
        .workers(Some(workers))
        .depth(Some(depth))
        .without_persistence();
    if sources {
        engine.build()
    } else {
        engine.without_sources().build()
    }
}

/// Measures one configuration.
pub fn run(scene: &CompiledScene, opts: &BenchOptions) -> BenchReport {
    let churn = if opts.churn {
        Churn::new(&scene.data.initial)
    } else {
        Churn::default()
    };
    let mut app = app(scene, opts.workers, opts.depth, false);
    // The first tick draws everything; it is set-up, not a steady-state tick.
    run_ticks(&mut app, RunMode::Ticks(1));
    let mut wire = Wire::new();
    let Measured {
        mut panel,
        bytes_full,
        mut need,
        mut refreshing,
    } = Measured::new(
        scene,
        opts,
        app.world().resource::<FrameBuffer>(),
        &mut wire,
    );
    let mut m = Samples::default();
    let bits = opts.model.map_or(0, |m| m.mode().wire_bits());
    let mut evict = Evict::new(opts.cold);
    for i in 0..opts.ticks {
        if !churn.is_empty() {
            churn.send(app.world().resource::<DataInbox>(), i + 1);
        }
        evict.run();
        let start = Instant::now();
        app.update();
        let took = start.elapsed();
        let fb = app.world().resource::<FrameBuffer>();
        wire.clear();
        let pack_start = Instant::now();
        let sent = match (panel.as_mut(), refreshing.as_mut()) {
            (Some(p), Some(r)) => r.tick(i, fb, p, &mut wire),
            (Some(p), None) => {
                p.update(fb, fb.damage(), &mut wire);
                Sent::Partial
            }
            _ => Sent::Nothing,
        };
        let packed = pack_start.elapsed();
        let needed = need.as_mut().map_or(0, |(q, w)| {
            w.clear();
            match (sent, refreshing.as_ref()) {
                (Sent::Full, _) => q.full(fb, w),
                (Sent::Partial, Some(r)) => q.update(fb, &r.sent, w),
                (Sent::Partial, None) => q.update(fb, fb.damage(), w),
                (Sent::Nothing, _) => {}
            }
            w.len_bytes()
        });
        m.add(took, packed, fb, (wire.len_bytes(), needed), bits);
    }
    let stats = app.world().resource::<RenderAhead>().stats();
    let (hits, misses) = (AheadStats::get(&stats.hits), AheadStats::get(&stats.misses));
    let hit_rate = |h: u64, m: u64| (h + m > 0).then(|| h as f64 / (h + m) as f64);
    let idle_ticks = m.idle.len() as u64;
    let ticks = opts.ticks.max(1) as f64;
    let report = BenchReport {
        scene: scene.path.display().to_string(),
        display: panel.as_ref().map(|p| p.model().name().to_string()),
        ticks: opts.ticks,
        workers: opts.workers,
        depth: opts.depth,
        churn: opts.churn,
        cold: opts.cold,
        tick_us: Spread::of(&mut m.tick),
        pack_us: Spread::of(&mut m.pack),
        render_pack_us: Spread::of(&mut m.both),
        bytes_full,
        bytes_damage_mean: m.bytes_sum as f64 / ticks,
        bytes_damage_max: m.bytes_max,
        damage_px_mean: m.px_sum as f64 / ticks,
        wire_ratio: (panel.is_some() && m.ideal_bytes > 0.0)
            .then(|| m.bytes_sum as f64 / m.ideal_bytes),
        bytes_need_mean: m.need_sum as f64 / ticks,
        need_ratio: (panel.is_some() && m.need_sum > 0)
            .then(|| m.bytes_sum as f64 / m.need_sum as f64),
        over_need_ticks: m.over_need,
        idle_ticks,
        idle_tick_us: (idle_ticks > 0).then(|| Spread::of(&mut m.idle).median),
        idle_bytes: m.idle_bytes,
        hits,
        misses,
        purges: AheadStats::get(&stats.purges),
        dropped: AheadStats::get(&stats.dropped),
        hit_rate: hit_rate(hits, misses),
        refreshes: refreshing.map(|r| r.counts),
        realtime: None,
        preview: None,
    };
    crate::shutdown(app.world_mut());
    let alone = opts.realtime.map(|d| realtime(scene, opts, &churn, d, 0).0);
    BenchReport {
        realtime: alone,
        preview: preview(scene, opts, &churn, alone),
        ..report
    }
}

/// The panel a bench measures, set up with the first frame.
struct Measured {
    /// The panel as the engine drives it (`--display`), if it fits the scene.
    panel: Option<Panel>,
    /// Bytes of its full frame.
    bytes_full: usize,
    /// The yardstick: the same panel sending each tick's damage as it comes.
    need: Option<(Panel, Wire)>,
    /// Its refresh policy's state (e-paper).
    refreshing: Option<Refreshing>,
}

impl Measured {
    fn new(scene: &CompiledScene, opts: &BenchOptions, fb: &FrameBuffer, wire: &mut Wire) -> Self {
        let rotation = panel_for(scene).map_or(Rotation::R0, |p| p.1);
        // The scene's refresh options (e-paper) apply to whichever panel is measured.
        let refresh = scene.display.panel.as_ref().and_then(|p| p.refresh);
        let mut panel = opts
            .model
            .map(|m| Panel::new(m, rotation, Settings::default()).with_refresh(refresh))
            .filter(|p| p.fits(fb));
        let bytes_full = panel.as_mut().map_or(0, |p| {
            p.full(fb, wire);
            wire.len_bytes()
        });
        let need = panel.as_ref().map(|p| {
            let mut q = Panel::new(p.model(), rotation, Settings::default())
                .with_refresh(refresh)
                .sending_damage();
            q.full(fb, &mut Wire::new());
            (q, Wire::new())
        });
        let fps = opts.fps.unwrap_or(scene.display.fps);
        let refreshing = panel
            .as_ref()
            .and_then(Panel::refresh_policy)
            .map(|p| Refreshing::new(p, fps));
        Measured {
            panel,
            bytes_full,
            need,
            refreshing,
        }
    }
}

/// A buffer larger than the CPU's caches, read through to push everything else out.
struct Evict(Vec<u8>);

/// Bytes [`Evict`] reads: more than the last-level cache of the machines we run on.
const EVICT_BYTES: usize = 64 << 20;

impl Evict {
    /// A buffer when `on`, else nothing to read.
    fn new(on: bool) -> Evict {
        Evict(if on { vec![1; EVICT_BYTES] } else { Vec::new() })
    }

    /// Reads one byte of every cache line of the buffer (and writes a few, so the
    /// lines are not shared clean copies).
    fn run(&mut self) {
        let mut sum = 0u8;
        for line in self.0.chunks_exact_mut(64) {
            sum = sum.wrapping_add(line[0]);
            line[1] = line[1].wrapping_add(1);
        }
        std::hint::black_box(sum);
    }
}

/// What the ticks of a bench run measured.
#[derive(Default)]
struct Samples {
    tick: Vec<Duration>,
    pack: Vec<Duration>,
    both: Vec<Duration>,
    idle: Vec<Duration>,
    bytes_sum: usize,
    bytes_max: usize,
    px_sum: u64,
    idle_bytes: usize,
    ideal_bytes: f64,
    need_sum: usize,
    over_need: u64,
}

impl Samples {
    /// Adds one tick that took `took` and `packed` to pack `bytes` bytes (`bits` per
    /// pixel on the wire) of `fb`'s damage, whose aligned rectangles take `need` bytes.
    fn add(
        &mut self,
        took: Duration,
        packed: Duration,
        fb: &FrameBuffer,
        (bytes, need): (usize, usize),
        bits: u32,
    ) {
        let px: u64 = fb.damage().iter().map(|r| r.area()).sum();
        self.need_sum += need;
        self.over_need += u64::from(bytes > need);
        self.tick.push(took);
        self.pack.push(packed);
        self.both.push(took + packed);
        self.bytes_sum += bytes;
        self.bytes_max = self.bytes_max.max(bytes);
        self.px_sum += px;
        self.ideal_bytes += px as f64 * f64::from(bits) / 8.0;
        if fb.damage().is_empty() {
            self.idle.push(took);
            self.idle_bytes += bytes;
        }
    }
}

/// With `--realtime` and `--viewers`: a real-time run with preview viewers connected,
/// against the run without them (`alone`).
fn preview(
    scene: &CompiledScene,
    opts: &BenchOptions,
    churn: &Churn,
    alone: Option<RealtimeReport>,
) -> Option<PreviewReport> {
    let d = opts.realtime.filter(|_| opts.viewers > 0)?;
    let (with, stream) = realtime(scene, opts, churn, d, opts.viewers);
    let without = alone.and_then(|r| r.cpu_percent);
    let tick_without = alone.and_then(|r| r.tick_thread_cpu_percent);
    let growth = |w: Option<f64>, o: Option<f64>| match (w, o) {
        (Some(w), Some(o)) if o > 0.0 => Some((w - o) / o * 100.0),
        _ => None,
    };
    Some(PreviewReport {
        viewers: opts.viewers,
        preview_fps: opts.preview_fps.unwrap_or(scene.control.preview_fps),
        cpu_percent: with.cpu_percent,
        cost_percent: growth(with.cpu_percent, without),
        tick_thread_cpu_percent: with.tick_thread_cpu_percent,
        tick_thread_cost_percent: growth(with.tick_thread_cpu_percent, tick_without),
        bytes_per_s: stream.bytes as f64 / with.seconds.max(1e-9),
        frames_per_s: stream.frames as f64 / opts.viewers as f64 / with.seconds.max(1e-9),
    })
}

/// Runs in real time for `length` with a thread spinning on the other core, and reports
/// how late frames were presented.
fn realtime(
    scene: &CompiledScene,
    opts: &BenchOptions,
    churn: &Churn,
    length: Duration,
    viewers: usize,
) -> (RealtimeReport, viewers::Streamed) {
    let (mut app, fps) = realtime_app(scene, opts, churn);
    let preview_fps = opts.preview_fps.unwrap_or(scene.control.preview_fps);
    let preview = (viewers > 0).then(|| viewers::Preview::start(&mut app, viewers, preview_fps));
    let spinner = Spinner::start();
    // The spinner's thread is left out of both readings, at the same instants as the
    // rest (subtracting its own total afterwards counted the moments it spun after the
    // end reading, which weighs as much as a second of an idle engine).
    // The viewers' threads are left out too (a browser runs elsewhere).
    let not_ours: Vec<u64> = spinner
        .tid
        .into_iter()
        .chain(preview.iter().flat_map(viewers::Preview::viewer_tids))
        .collect();
    let cpu_start = process_cpu_ns(&not_ours);
    let wakes_start = process_wakes(&not_ours);
    let stop = StopFlag::default();
    app.insert_resource(stop.clone());
    let ticks = (length.as_secs_f64() * f64::from(fps)).round() as u64;
    let start = Instant::now();
    let tick_thread_start = thread_cpu_ns();
    run_ticks(&mut app, RunMode::RealTime(Some(ticks)));
    let tick_thread_end = thread_cpu_ns();
    let seconds = start.elapsed().as_secs_f64();
    let cpu_end = process_cpu_ns(&not_ours);
    let wakes_end = process_wakes(&not_ours);
    spinner.stop();
    // Measured apart, with its own spinner, so the run's figures above leave it out;
    // once per configuration (the run with viewers reports no floor of its own).
    let (wake_floor_percent, floor_wakes_per_second) = if viewers == 0 {
        floor_beside_a_spinner(fps, length)
    } else {
        (None, None)
    };
    let streamed = preview.map(viewers::Preview::stop).unwrap_or_default();
    let cpu_percent = match (cpu_start, cpu_end) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 / 1e9 / seconds.max(1e-9) * 100.0),
        _ => None,
    };
    let pacing = *app.world().resource::<Pacing>();
    let stats = app.world().resource::<RenderAhead>().stats();
    let (hits, misses) = (AheadStats::get(&stats.hits), AheadStats::get(&stats.misses));
    crate::shutdown(app.world_mut());
    let us = |q: f64| {
        pacing
            .present_late_quantile(q)
            .map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    let report = RealtimeReport {
        fps,
        seconds,
        ticks: pacing.ticks,
        late_median_us: us(0.5),
        late_p99_us: us(0.99),
        skipped: pacing.skipped,
        hit_rate: (hits + misses > 0).then(|| hits as f64 / (hits + misses) as f64),
        cpu_percent,
        tick_thread_cpu_percent: tick_thread_start
            .zip(tick_thread_end)
            .map(|(a, b)| b.saturating_sub(a) as f64 / 1e9 / seconds.max(1e-9) * 100.0),
        wake_floor_percent,
        wakes_per_second: wakes_start
            .zip(wakes_end)
            .map(|(a, b)| b.saturating_sub(a) as f64 / seconds.max(1e-9)),
        floor_wakes_per_second,
        runner_wakes_per_second: pacing.wakes as f64 / seconds.max(1e-9),
        idle_ticks: pacing.idle,
        tickless: !opts.every_tick,
    };
    (report, streamed)
}

/// The app a real-time bench runs: the scene at the bench's fps, the churn sent each
/// tick, tickless unless `--no-tickless`; with its fps.
fn realtime_app(scene: &CompiledScene, opts: &BenchOptions, churn: &Churn) -> (App, u32) {
    let mut app = app(scene, opts.workers, opts.depth, opts.sources);
    let fps = opts.fps.unwrap_or(scene.display.fps).max(1);
    app.insert_resource(Fps(fps));
    if !churn.is_empty() {
        let churn = churn.clone();
        app.add_systems(
            crate::app::TickSchedule,
            (move |tick: bevy_ecs::prelude::Res<crate::app::Tick>,
                   inbox: bevy_ecs::prelude::Res<DataInbox>| {
                churn.send(&inbox, tick.0 + 1)
            })
            .in_set(crate::app::TickSet::Advance),
        );
    }
    app.insert_resource(crate::app::Tickless {
        real_time: !opts.every_tick,
        stepped: false,
    });
    (app, fps)
}

/// The machine's wake floor at `fps` (its CPU percent and wakes a second), measured for
/// up to 10 s with the other core kept busy.
fn floor_beside_a_spinner(fps: u32, length: Duration) -> (Option<f64>, Option<f64>) {
    let spinner = Spinner::start();
    let floor = wake_floor(fps, length.min(Duration::from_secs(10)));
    spinner.stop();
    match floor {
        Some((cpu, wakes)) => (Some(cpu), wakes),
        None => (None, None),
    }
}

/// A thread spinning on the other core, as a busy machine would.
struct Spinner {
    busy: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
    /// Its thread id (its wakes and CPU are not the engine's).
    tid: Option<u64>,
}

impl Spinner {
    /// Starts spinning.
    fn start() -> Spinner {
        let busy = Arc::new(AtomicBool::new(true));
        let flag = busy.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let _ = tx.send(thread_id());
            let mut x: u64 = 1;
            while flag.load(Ordering::Relaxed) {
                x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
            }
        });
        let tid = rx.recv().ok().flatten();
        Spinner { busy, thread, tid }
    }

    /// Stops it.
    fn stop(self) {
        self.busy.store(false, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}

/// CPU of a loop that sleeps to each of `fps` deadlines for `length` and does nothing
/// else, % of one core: what waking once per tick costs on this machine; and its wakes
/// per second.
fn wake_floor(fps: u32, length: Duration) -> Option<(f64, Option<f64>)> {
    paced_loop(fps, length, || {})
}

/// CPU of a loop on the calling thread that sleeps to each of `fps` deadlines for
/// `length` and runs `work` after each wake, % of one core, and its wakes per second (the
/// floor when `work` does nothing; `examples/floor_schedule.rs` runs a bare bevy schedule).
pub fn paced_loop(
    fps: u32,
    length: Duration,
    mut work: impl FnMut(),
) -> Option<(f64, Option<f64>)> {
    let period = Duration::from_secs_f64(1.0 / f64::from(fps.max(1)));
    let ticks = (length.as_secs_f64() * f64::from(fps)).round().max(1.0) as u32;
    let wakes_start = thread_wakes();
    let cpu_start = thread_cpu_ns()?;
    let start = Instant::now();
    for n in 1..=ticks {
        let due = start + period * n;
        let now = Instant::now();
        if now < due {
            std::thread::sleep(due - now);
        }
        work();
    }
    let seconds = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_ns()?.saturating_sub(cpu_start);
    let wakes = wakes_start
        .zip(thread_wakes())
        .map(|(a, b)| b.saturating_sub(a) as f64 / seconds.max(1e-9));
    Some((cpu as f64 / 1e9 / seconds.max(1e-9) * 100.0, wakes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_is_a_share_of_one_core_over_the_time_slept() {
        let start = Instant::now();
        let floor = wake_floor(50, Duration::from_millis(200));
        // Ten deadlines 20 ms apart: the loop slept to them rather than spinning.
        assert!(start.elapsed() >= Duration::from_millis(180));
        if let Some((f, wakes)) = floor {
            assert!(
                (0.0..50.0).contains(&f),
                "{f} % of a core for a sleeping loop"
            );
            // It woke for its deadlines (a wait that ended each time).
            assert!(wakes.is_none_or(|w| w > 0.0), "{wakes:?}");
        }
    }

    #[test]
    fn threads_not_ours_are_left_out_of_the_process_readings() {
        let Some(me) = thread_id() else {
            return; // not Linux
        };
        let mut seen = false;
        for task in std::fs::read_dir("/proc/self/task")
            .into_iter()
            .flatten()
            .flatten()
        {
            let mine = task.file_name().to_string_lossy() == me.to_string();
            seen |= mine;
            assert_eq!(is_one_of(&task, &[me]), mine);
            assert!(!is_one_of(&task, &[]));
        }
        assert!(seen, "this thread is a task of the process");
        // The viewers name their threads before the run's first reading.
        if cfg!(not(feature = "http")) {
            return;
        }
        let scene = crate::scene::compile_str(
            "Scene(display: (width: 16, height: 8), widgets: [])",
            std::path::Path::new("t.ron"),
        )
        .expect("compiles");
        let mut app = app(&scene, 0, 1, false);
        let preview = viewers::Preview::start(&mut app, 2, 10);
        let tids: Vec<u64> = preview.viewer_tids().collect();
        preview.stop();
        assert_eq!(tids.len(), 2, "{tids:?}");
        assert!(!tids.contains(&me));
    }

    #[test]
    fn evicting_reads_the_whole_buffer_only_when_asked() {
        let mut off = Evict::new(false);
        off.run();
        assert!(off.0.is_empty());
        let mut on = Evict::new(true);
        on.run();
        assert_eq!(on.0.len(), EVICT_BYTES);
        assert!(
            on.0.chunks_exact(64).all(|l| l[1] == 2),
            "every line was written"
        );
    }
}
