//! E-paper: the refresh policy over a long run of a clock, the panel sink's pacing of
//! refreshes, and what the emulated glass shows afterwards.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy_app::App;
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::panel::bus::{Bus, BusError, BusyWait, Transfer};
use tinydisplay::panel::emulator::{self, Emulator};
use tinydisplay::panel::refresh::{Decision, RefreshOptions, RefreshState};
use tinydisplay::panel::{Model, Panel, Rotation, Settings, Wire};
use tinydisplay::render::{FrameBuffer, Rect};
use tinydisplay::sink::Sink;
use tinydisplay::sink::panel::{PanelSink, PanelStats};

/// A clock at fps 1 on the 2.13" black/white panel, landscape.
const CLOCK: &str = r#"Scene(
    display: (width: 250, height: 122, rotation: 90, driver: Ssd1680, fps: 1,
              background: "white", foreground: "black"),
    fonts: { "large": (file: "../assets/fonts/spleen-8x16.bdf") },
    data: (initial: {"clock.time": "00:00:00"}),
    widgets: [
        Text(x: 10, y: 10, text: "tinydisplay", font: "large"),
        Text(x: 10, y: 60, text: "{{ clock.time }}", font: "large"),
    ],
)"#;

fn model(name: &str) -> Model {
    Model::named(name).expect("a model in the table")
}

/// The clock's time at second `s`.
fn time(s: u64) -> String {
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The frame after setting the clock to second `s` and running one tick.
fn tick(app: &mut App, s: u64) -> FrameBuffer {
    common::set(app, "clock.time", serde_json::json!(time(s)));
    run_ticks(app, RunMode::Ticks(1));
    app.world().resource::<FrameBuffer>().clone()
}

/// Asserts the emulator's glass shows `fb` (turned by `rotation`).
fn assert_glass(emu: &dyn Emulator, fb: &FrameBuffer, m: Model, rotation: Rotation) {
    assert!(emu.problems().is_empty(), "{:?}", emu.problems());
    for y in 0..fb.height() {
        for x in 0..fb.width() {
            let (px, py) = rotation.to_panel(x, y, m.native());
            assert_eq!(emu.pixel(px, py), fb.rgb(x, y), "({x}, {y})");
        }
    }
}

#[test]
fn a_clock_for_ten_minutes_refreshes_at_the_allowed_rate_and_ends_on_the_last_frame() {
    let m = model("epd2in13-v4");
    let options = RefreshOptions {
        full_every: Some(10),
        min_interval_ms: Some(3000),
    };
    let mut panel = Panel::new(m, Rotation::R90, Settings::default()).with_refresh(Some(options));
    let policy = panel.refresh_policy().expect("e-paper has a policy");
    let mut emu = emulator::for_model(m);
    let mut wire = Wire::new();
    panel.init(&mut wire);
    emulator::feed_wire(emu.as_mut(), &wire);

    let mut app = common::app_for(common::compile(CLOCK));
    let mut state = RefreshState::default();
    let mut damage: Vec<Rect> = Vec::new();
    let mut refreshes: Vec<(Duration, bool)> = Vec::new();
    let mut frame = FrameBuffer::new(1, 1, m.mode());
    // One tick a second for ten minutes, then a second more for what is still pending.
    for s in 0..=600u64 {
        let now = Duration::from_secs(s);
        if s < 600 {
            frame = tick(&mut app, s);
            damage.extend_from_slice(frame.damage());
        }
        let decision = state.decide(&policy, now, !damage.is_empty());
        wire.clear();
        match decision {
            Decision::Full => panel.full(&frame, &mut wire),
            Decision::Partial => panel.update(&frame, &damage, &mut wire),
            Decision::Wait(_) | Decision::Nothing => continue,
        }
        let full = decision == Decision::Full;
        emulator::feed_wire(emu.as_mut(), &wire);
        state.refreshed(now, full);
        refreshes.push((now, full));
        damage.clear();
    }
    // Refreshes at 0, 3, 6, ... 597 s and the last at 600 s: 201, of which every 11th
    // (after ten partial ones) is full.
    let fulls = refreshes.iter().filter(|r| r.1).count();
    assert_eq!(refreshes.len(), 201);
    assert_eq!((fulls, refreshes.len() - fulls), (19, 182));
    for pair in refreshes.windows(2) {
        assert!(
            pair[1].0 - pair[0].0 >= policy.min_interval,
            "refreshes at {:?} and {:?}",
            pair[0].0,
            pair[1].0
        );
    }
    let counted = emu
        .refreshes()
        .expect("an e-paper emulator counts refreshes");
    assert_eq!((counted.full, counted.partial), (19, 182));
    assert_glass(emu.as_ref(), &frame, m, Rotation::R90);
    tinydisplay::shutdown(app.world_mut());
}

/// A bus that records transfers and the instant of every BUSY wait (a refresh's end).
#[derive(Clone, Default)]
struct Recorder {
    log: Arc<Mutex<Vec<Transfer>>>,
}

impl Bus for Recorder {
    fn describe(&self) -> String {
        "recorder".into()
    }
    fn command(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        let t = Transfer::Command(bytes.to_vec());
        self.log.lock().unwrap().push(t);
        Ok(())
    }
    fn data(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.log
            .lock()
            .unwrap()
            .push(Transfer::Data(bytes.to_vec()));
        Ok(())
    }
    fn reset(&mut self) -> Result<(), BusError> {
        self.log.lock().unwrap().push(Transfer::Reset);
        Ok(())
    }
    fn delay_ms(&mut self, _ms: u32) {}
    fn wait_busy(&mut self, _busy: BusyWait) -> Result<(), BusError> {
        Ok(())
    }
}

#[test]
fn the_panel_sink_coalesces_frames_between_refreshes() {
    let m = model("epd2in9-v2");
    let options = RefreshOptions {
        full_every: Some(3),
        min_interval_ms: Some(150),
    };
    let rec = Recorder::default();
    let log = rec.log.clone();
    let panel = Panel::new(m, Rotation::R0, Settings::default()).with_refresh(Some(options));
    let mut sink = PanelSink::start(panel, Box::new(rec));
    let stats = sink.stats();
    let (w, h) = m.native();
    let mut fb = FrameBuffer::new(w, h, m.mode());
    fb.fill_rect(fb.bounds(), tinydisplay::render::Color::WHITE);
    fb.add_damage(fb.bounds());
    let start = Instant::now();
    // A frame every 10 ms for a second: about 100 frames, at most 7 or 8 refreshes.
    let mut t = 0u64;
    while start.elapsed() < Duration::from_secs(1) {
        sink.present(&fb, t).unwrap();
        fb.clear_damage();
        let r = Rect::new((t * 8 % 120) as i32, (t * 5 % 280) as i32, 8, 8);
        let color = if t.is_multiple_of(2) {
            tinydisplay::render::Color::BLACK
        } else {
            tinydisplay::render::Color::WHITE
        };
        fb.fill_rect(r, color);
        fb.add_damage(r);
        t += 1;
        std::thread::sleep(Duration::from_millis(10));
    }
    sink.present(&fb, t).unwrap();
    let presented = t + 1;
    std::thread::sleep(Duration::from_millis(400));
    sink.finish(&fb, t).unwrap();
    let (full, partial) = (
        PanelStats::get(&stats.full_refreshes),
        PanelStats::get(&stats.partial_refreshes),
    );
    let refreshes = full + partial;
    assert!(
        (2..=10).contains(&refreshes),
        "{refreshes} refreshes for {presented} frames"
    );
    assert!(full >= 1 && partial >= 1, "{full} full, {partial} partial");
    assert!(
        full <= refreshes.div_ceil(4) + 1,
        "{full} full of {refreshes}"
    );
    assert!(PanelStats::get(&stats.dropped) > presented / 2);
    let mut emu = emulator::for_model(m);
    emulator::feed_transfers(emu.as_mut(), &log.lock().unwrap());
    let counted = emu.refreshes().expect("counted");
    assert_eq!((counted.full, counted.partial), (full, partial));
    assert_glass(emu.as_ref(), &fb, m, Rotation::R0);
}

#[test]
fn every_e_paper_model_round_trips_a_three_colour_or_mono_frame_in_every_rotation() {
    // The table-driven tests in tests/panel.rs cover every model; this one checks that the
    // e-paper emulators saw each kind of refresh they should.
    for m in Model::all().filter(|m| m.driver().refresh_limits().is_some()) {
        let limits = m.driver().refresh_limits().expect("e-paper");
        for rotation in Rotation::ALL {
            let mut panel = Panel::new(m, rotation, Settings::default());
            let mut emu = emulator::for_model(m);
            let (fw, fh) = rotation.frame_size(m.native());
            let mut fb = FrameBuffer::new(fw, fh, m.mode());
            fb.fill_rect(fb.bounds(), tinydisplay::render::Color::WHITE);
            let mut wire = Wire::new();
            panel.init(&mut wire);
            panel.full(&fb, &mut wire);
            fb.clear_damage();
            let r = Rect::new(5, 7, 20, 9);
            fb.fill_rect(r, tinydisplay::render::Color::rgb(255, 0, 0));
            fb.add_damage(r);
            panel.update(&fb, fb.damage(), &mut wire);
            emulator::feed_wire(emu.as_mut(), &wire);
            assert_glass(emu.as_ref(), &fb, m, rotation);
            let counted = emu.refreshes().expect("counted");
            let want = if limits.partial { (1, 1) } else { (2, 0) };
            assert_eq!((counted.full, counted.partial), want, "{}", m.name());
        }
    }
}

#[test]
fn a_three_colour_capture_decodes_to_the_frame_busy_notes_and_all() {
    use tinydisplay::panel::bus::{CaptureBus, parse_capture};
    let m = model("epd2in13b-v4");
    let mut panel = Panel::new(m, Rotation::R270, Settings::default());
    let (fw, fh) = Rotation::R270.frame_size(m.native());
    let mut fb = FrameBuffer::new(fw, fh, m.mode());
    fb.fill_rect(fb.bounds(), tinydisplay::render::Color::WHITE);
    fb.fill_rect(
        Rect::new(10, 10, 60, 20),
        tinydisplay::render::Color::rgb(255, 0, 0),
    );
    fb.fill_rect(
        Rect::new(100, 40, 30, 30),
        tinydisplay::render::Color::BLACK,
    );
    let mut bus = CaptureBus::new(Vec::new(), "memory".into());
    let mut wire = Wire::new();
    panel.init(&mut wire);
    panel.full(&fb, &mut wire);
    wire.send(&mut bus).unwrap();
    let text = String::from_utf8(bus.into_inner()).unwrap();
    assert!(
        text.contains("C 20\n# busy 20000\n"),
        "a refresh waits for BUSY"
    );
    let mut emu = emulator::for_model(m);
    emulator::feed_transfers(emu.as_mut(), &parse_capture(&text).unwrap());
    assert_glass(emu.as_ref(), &fb, m, Rotation::R270);
    let (px, py) = Rotation::R270.to_panel(20, 15, m.native());
    assert_eq!(emu.pixel(px, py), [255, 0, 0], "red on the glass");
}

#[test]
#[cfg(feature = "bench")]
fn bench_counts_the_refreshes_of_ten_minutes_of_a_clock() {
    use tinydisplay::bench::{BenchOptions, RefreshCounts, run};
    // A refresh at most every 3 s, nine partials between full ones; the clock changes
    // every tick (churn) at 1 tick per second: 600 ticks are ten minutes.
    let scene = common::compile(&CLOCK.replace(
        "fps: 1,",
        "fps: 1, refresh: (full_every: 9, min_interval_ms: 3000),",
    ));
    let opts = BenchOptions {
        ticks: 600,
        workers: 0,
        depth: 0,
        model: Some(model("epd2in13-v4")),
        churn: true,
        realtime: None,
        fps: None,
        sources: false,
        viewers: 0,
        preview_fps: None,
        cold: false,
        every_tick: false,
    };
    let report = run(&scene, &opts);
    // The first frame's full refresh, then one every 3 s (200): every tenth is full.
    assert_eq!(
        report.refreshes,
        Some(RefreshCounts {
            full: 21,
            partial: 180,
            seconds: 600
        })
    );
    // A panel that is not e-paper has no refreshes to count.
    let oled = common::compile(
        r#"Scene(display: (width: 128, height: 64, driver: Ssd1306),
            widgets: [Text(text: "x")])"#,
    );
    let report = run(
        &oled,
        &BenchOptions {
            ticks: 3,
            model: Some(model("ssd1306")),
            ..opts
        },
    );
    assert_eq!(report.refreshes, None);
}
