//! Panel drivers proven by the controller emulators: what the glass would show after the
//! driver's bytes equals the frame buffer, for every model, rotation, full and partial.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tinydisplay::panel::bus::{Bus, BusError, CaptureBus, Transfer, parse_capture};
use tinydisplay::panel::emulator::{self, Emulator};
use tinydisplay::panel::{Model, Panel, Rotation, Settings, Wire};
use tinydisplay::render::{Color, FrameBuffer, PixelMode, Rect};
use tinydisplay::sink::Sink;
use tinydisplay::sink::panel::{PanelSink, PanelStats};

/// A frame with every pixel different-ish (a small LCG), fully damaged.
/// The model of that command-line name.
fn model(name: &str) -> Model {
    Model::named(name).expect("a model in the table")
}

/// A character LCD (HD44780): no pixel addressing, no inversion.
fn character(model: Model) -> bool {
    matches!(
        model.row().family,
        tinydisplay::panel::models::Family::Hd44780(_)
    )
}

/// A controller with no invert instruction (character LCDs, the WS0010).
fn cannot_invert(model: Model) -> bool {
    character(model)
        || matches!(
            model.row().family,
            tinydisplay::panel::models::Family::Ws0010(_)
        )
}

fn noise(model: Model, rotation: Rotation, seed: u32) -> FrameBuffer {
    let (w, h) = rotation.frame_size(model.native());
    let mut fb = FrameBuffer::new(w, h, model.mode());
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    for y in 0..h {
        for x in 0..w {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let [r, g, b, _] = s.to_be_bytes();
            fb.fill_rect(Rect::new(x as i32, y as i32, 1, 1), Color::rgb(r, g, b));
        }
    }
    fb
}

/// Paints a few rectangles with new colours and records them as damage.
fn scribble(fb: &mut FrameBuffer, rects: &[Rect]) {
    fb.clear_damage();
    for (i, r) in rects.iter().enumerate() {
        let v = (i as u8).wrapping_mul(97).wrapping_add(40);
        fb.fill_rect(*r, Color::rgb(v, 255 - v, v / 2));
        fb.add_damage(*r);
    }
}

/// Asserts the emulator's glass shows `fb` as mounted with `rotation`.
fn assert_shows(
    emu: &dyn Emulator,
    fb: &FrameBuffer,
    model: Model,
    rotation: Rotation,
    what: &str,
) {
    assert!(emu.problems().is_empty(), "{what}: {:?}", emu.problems());
    let native = model.native();
    let mut bad = 0;
    for y in 0..fb.height() {
        for x in 0..fb.width() {
            let (px, py) = rotation.to_panel(x, y, native);
            let want = fb.rgb(x, y);
            // A panel with more colour depth than the frame (RGB666 on an RGB565 frame)
            // shows it at the frame's depth.
            let [r, g, b] = emu.pixel(px, py);
            let got = fb.mode().quantize_rgb(r, g, b);
            if got != want {
                bad += 1;
                assert!(
                    bad < 5,
                    "{what}: frame ({x},{y}) = {want:?} but panel ({px},{py}) shows {got:?}"
                );
            }
        }
    }
    assert_eq!(bad, 0, "{what}: {bad} pixels differ");
}

fn damage_cases(w: u32, h: u32) -> Vec<Vec<Rect>> {
    let (w, h) = (w as i32, h as i32);
    vec![
        vec![Rect::new(3, 5, 7, 3)],
        vec![Rect::new(0, 0, 1, 1), Rect::new(w - 1, h - 1, 1, 1)],
        vec![
            Rect::new(10, 9, 20, 11),
            Rect::new(15, 12, 30, 2),
            Rect::new(w - 9, 2, 9, (h - 4) as u32),
        ],
        vec![Rect::new(1, h / 2, (w - 2) as u32, 1)],
    ]
}

#[test]
fn every_driver_full_and_partial_in_every_rotation_decodes_to_the_frame() {
    // Character LCDs show noise through 8 custom characters at most: tests/charlcd.rs.
    for model in Model::all().filter(|m| !character(*m)) {
        for rotation in Rotation::ALL {
            let what = format!("{} at {rotation:?}", model.name());
            let mut panel = Panel::new(model, rotation, Settings::default());
            let mut emu = emulator::for_model(model);
            let mut fb = noise(model, rotation, 7);
            assert!(panel.fits(&fb), "{what}");
            let mut wire = Wire::new();
            panel.init(&mut wire);
            panel.full(&fb, &mut wire);
            emulator::feed_wire(emu.as_mut(), &wire);
            assert_shows(emu.as_ref(), &fb, model, rotation, &format!("{what}, full"));
            let full_bytes = wire.len_bytes();
            for (k, rects) in damage_cases(fb.width(), fb.height()).iter().enumerate() {
                scribble(&mut fb, rects);
                wire.clear();
                panel.update(&fb, fb.damage(), &mut wire);
                emulator::feed_wire(emu.as_mut(), &wire);
                assert_shows(
                    emu.as_ref(),
                    &fb,
                    model,
                    rotation,
                    &format!("{what}, partial {k}"),
                );
                if k < 2 {
                    assert!(
                        wire.len_bytes() * 10 < full_bytes,
                        "{what}: partial {k} sent {} bytes, a full frame {full_bytes}",
                        wire.len_bytes()
                    );
                }
            }
        }
    }
}

#[test]
fn the_ssd1306_emulator_wraps_the_column_within_the_page_in_page_mode() {
    // Page addressing (0x20 0x02), page 1, column 127: the second byte goes to column 0
    // of the same page (datasheet 10.1.3), the page does not advance.
    let ssd1306 = model("ssd1306");
    let mut emu = emulator::for_model(ssd1306);
    let mut wire = Wire::new();
    Panel::new(ssd1306, Rotation::R0, Settings::default()).init(&mut wire);
    wire.command(&[0x20, 0x02, 0xB1, 0x0F, 0x17]);
    wire.data(&[0x01, 0x80]);
    emulator::feed_wire(emu.as_mut(), &wire);
    assert!(emu.problems().is_empty(), "{:?}", emu.problems());
    assert_eq!(emu.pixel(127, 8), [255; 3], "column 127, page 1, bit 0");
    assert_eq!(emu.pixel(0, 15), [255; 3], "column 0, page 1, bit 7");
    assert_eq!(emu.pixel(0, 23), [0; 3], "page 2 untouched");
}

#[test]
fn init_sequences_set_what_the_panel_needs() {
    for model in Model::all() {
        let panel = Panel::new(
            model,
            Rotation::R0,
            Settings {
                contrast: 0x42,
                invert: false,
                ..Settings::default()
            },
        );
        let mut emu = emulator::for_model(model);
        let mut wire = Wire::new();
        panel.init(&mut wire);
        emulator::feed_wire(emu.as_mut(), &wire);
        let st = emu.state();
        assert!(st.on, "{}: display is off after init", model.name());
        assert!(!st.inverted, "{}: inverted after init", model.name());
        if let Some(register) = model.driver().contrast_register(0x42) {
            assert_eq!(st.contrast, register, "{}", model.name());
        }
        assert!(
            emu.problems().is_empty(),
            "{}: {:?}",
            model.name(),
            emu.problems()
        );
    }
    let mut wire = Wire::new();
    for (name, rows) in [
        ("ssd1306-128x32", 32),
        ("ssd1306", 64),
        ("ssd1322", 64),
        ("ssd1325", 64),
        ("ssd1327", 128),
        ("ssd1363", 128),
    ] {
        let mut e = emulator::for_model(model(name));
        wire.clear();
        Panel::new(model(name), Rotation::R0, Settings::default()).init(&mut wire);
        emulator::feed_wire(e.as_mut(), &wire);
        assert_eq!(e.rows_scanned(), Some(rows), "{name}");
    }
}

#[test]
fn contrast_invert_and_sleep_reach_the_controller() {
    // Character LCDs and the WS0010 cannot invert; their sleep is in tests/charlcd.rs.
    for model in Model::all().filter(|m| !cannot_invert(*m)) {
        let name = model.name();
        let mut panel = Panel::new(model, Rotation::R0, Settings::default());
        let mut emu = emulator::for_model(model);
        let fb = noise(model, Rotation::R0, 3);
        let mut wire = Wire::new();
        panel.init(&mut wire);
        panel.full(&fb, &mut wire);
        panel.contrast(0x10, &mut wire);
        panel.invert(true, &mut wire);
        emulator::feed_wire(emu.as_mut(), &wire);
        if let Some(register) = model.driver().contrast_register(0x10) {
            assert_eq!(emu.state().contrast, register, "{name}");
        }
        assert!(emu.state().inverted, "{name}");
        // Inverted: every pixel shows its complement (red stays red on three-colour glass,
        // where only the black/white plane inverts).
        let [r, g, b] = fb.rgb(5, 5);
        let want = if [r, g, b] == [255, 0, 0] && fb.mode() == PixelMode::Bwr {
            [r, g, b]
        } else {
            [255 - r, 255 - g, 255 - b]
        };
        let [r, g, b] = emu.pixel(5, 5);
        assert_eq!(
            fb.mode().quantize_rgb(r, g, b),
            want,
            "{name}: inverted pixel"
        );
        wire.clear();
        panel.sleep(true, &mut wire);
        emulator::feed_wire(emu.as_mut(), &wire);
        assert!(!emu.state().on, "{name}: asleep");
        if model.driver().refresh_limits().is_some() {
            let [r, g, b] = emu.pixel(5, 5);
            let kept = fb.mode().quantize_rgb(r, g, b);
            assert_eq!(kept, want, "{name}: e-paper keeps its picture asleep");
        } else {
            assert_eq!(emu.pixel(5, 5), [0; 3], "{name}: a sleeping panel is dark");
        }
        wire.clear();
        panel.sleep(false, &mut wire);
        panel.invert(false, &mut wire);
        emulator::feed_wire(emu.as_mut(), &wire);
        assert!(emu.state().on, "{name}: awake");
        assert_shows(
            emu.as_ref(),
            &fb,
            model,
            Rotation::R0,
            &format!("{name} after waking"),
        );
    }
}

#[test]
fn a_capture_file_decodes_like_the_bytes_themselves() {
    let model = model("ssd1322");
    let mut panel = Panel::new(model, Rotation::R180, Settings::default());
    let mut fb = noise(model, Rotation::R180, 11);
    let mut bus = CaptureBus::new(Vec::new(), "memory".into());
    let mut wire = Wire::new();
    panel.init(&mut wire);
    panel.full(&fb, &mut wire);
    wire.send(&mut bus).unwrap();
    scribble(&mut fb, &[Rect::new(100, 10, 33, 20)]);
    wire.clear();
    panel.update(&fb, fb.damage(), &mut wire);
    wire.send(&mut bus).unwrap();
    let text = String::from_utf8(bus.into_inner()).unwrap();
    assert!(
        text.starts_with("# reset\nC FD\nD 12\nC AE B3\nD 91\n"),
        "{}",
        &text[..40]
    );
    let transfers = parse_capture(&text).unwrap();
    let mut emu = emulator::for_model(model);
    emulator::feed_transfers(emu.as_mut(), &transfers);
    assert_shows(emu.as_ref(), &fb, model, Rotation::R180, "ssd1322 capture");
}

/// A bus that records transfers, can be slow, and fails its `fail_at`-th data write.
#[derive(Clone, Default)]
struct Recorder {
    log: Arc<Mutex<Vec<Transfer>>>,
    writes: Arc<Mutex<u32>>,
    fail_at: Option<u32>,
    slow: Duration,
}

impl Bus for Recorder {
    fn describe(&self) -> String {
        "recorder".into()
    }
    fn command(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.log
            .lock()
            .unwrap()
            .push(Transfer::Command(bytes.to_vec()));
        Ok(())
    }
    fn data(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        let n = {
            let mut w = self.writes.lock().unwrap();
            *w += 1;
            *w
        };
        if Some(n) == self.fail_at {
            return Err(BusError::Write {
                what: "recorder".into(),
                reason: "injected failure".into(),
            });
        }
        std::thread::sleep(self.slow);
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
}

/// Waits (at most 10 s, a hang guard) until `done` holds.
fn wait_for(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_slow_panel_gets_the_newest_frame_and_counts_drops() {
    let model = model("ssd1306");
    let rec = Recorder {
        slow: Duration::from_millis(30),
        ..Recorder::default()
    };
    let log = rec.log.clone();
    let mut sink = PanelSink::start(
        Panel::new(model, Rotation::R0, Settings::default()),
        Box::new(rec),
    );
    let stats = sink.stats();
    let mut fb = noise(model, Rotation::R0, 1);
    fb.add_damage(fb.bounds());
    for t in 0..40u32 {
        sink.present(&fb, u64::from(t)).unwrap();
        scribble(
            &mut fb,
            &[Rect::new((t * 3) as i32 % 120, (t * 5) as i32 % 60, 4, 3)],
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    sink.present(&fb, 40).unwrap();
    sink.finish(&fb, 40).unwrap();
    assert!(PanelStats::get(&stats.dropped) > 0, "nothing was dropped");
    assert_eq!(PanelStats::get(&stats.errors), 0);
    let mut emu = emulator::for_model(model);
    emulator::feed_transfers(emu.as_mut(), &log.lock().unwrap());
    assert_shows(emu.as_ref(), &fb, model, Rotation::R0, "after drops");
}

#[test]
fn a_write_error_reinitialises_the_panel_and_carries_on() {
    let model = model("st7789");
    let rec = Recorder {
        fail_at: Some(40),
        ..Recorder::default()
    };
    let (log, writes) = (rec.log.clone(), rec.writes.clone());
    let mut sink = PanelSink::start(
        Panel::new(model, Rotation::R90, Settings::default()),
        Box::new(rec),
    );
    let stats = sink.stats();
    let mut fb = noise(model, Rotation::R90, 5);
    fb.add_damage(fb.bounds());
    sink.present(&fb, 0).unwrap();
    for t in 1..30u32 {
        wait_for("the previous frame to go out", || {
            PanelStats::get(&stats.frames) + PanelStats::get(&stats.errors) >= u64::from(t)
        });
        scribble(&mut fb, &[Rect::new(t as i32 * 5, 20, 6, 6)]);
        sink.present(&fb, u64::from(t)).unwrap();
    }
    sink.finish(&fb, 30).unwrap();
    assert!(*writes.lock().unwrap() >= 40);
    assert_eq!(PanelStats::get(&stats.errors), 1);
    assert_eq!(
        PanelStats::get(&stats.inits),
        2,
        "initialised again after the error"
    );
    let mut emu = emulator::for_model(model);
    emulator::feed_transfers(emu.as_mut(), &log.lock().unwrap());
    assert_shows(
        emu.as_ref(),
        &fb,
        model,
        Rotation::R90,
        "after a write error",
    );
}

#[test]
fn an_idle_frame_sends_nothing() {
    let model = model("ssd1322");
    let rec = Recorder::default();
    let log = rec.log.clone();
    let mut sink = PanelSink::start(
        Panel::new(model, Rotation::R0, Settings::default()),
        Box::new(rec),
    );
    let mut fb = noise(model, Rotation::R0, 9);
    fb.add_damage(fb.bounds());
    sink.present(&fb, 0).unwrap();
    wait_for("the first frame", || {
        PanelStats::get(&sink.stats().frames) == 1
    });
    let n = log.lock().unwrap().len();
    fb.clear_damage();
    for t in 1..20 {
        sink.present(&fb, t).unwrap();
    }
    sink.finish(&fb, 20).unwrap();
    assert_eq!(log.lock().unwrap().len(), n, "an idle tick sent bytes");
}

/// What the glass shows after everything recorded so far.
fn replay(model: Model, log: &Mutex<Vec<Transfer>>) -> Box<dyn Emulator> {
    let mut emu = emulator::for_model(model);
    emulator::feed_transfers(emu.as_mut(), &log.lock().unwrap());
    emu
}

#[test]
fn sleep_when_puts_the_panel_to_sleep_and_wakes_it() {
    use tinydisplay::app::{RunMode, run_ticks};
    use tinydisplay::sink::present::Sinks;

    let scene = common::compile(
        r#"Scene(
            display: (width: 128, height: 64, driver: Ssd1306, sleep_when: "night"),
            data: (initial: {"night": false}),
            widgets: [Rectangle(x: 10, y: 10, width: 20, height: 20, fill: "white")],
        )"#,
    );
    let model = model("ssd1306");
    let rec = Recorder::default();
    let log = rec.log.clone();
    let mut app = common::app_for(scene);
    let sinks = Sinks::default();
    sinks.push(Box::new(PanelSink::start(
        Panel::new(model, Rotation::R0, Settings::default()),
        Box::new(rec),
    )));
    app.insert_resource(sinks);
    let set_night = |app: &mut bevy_app::App, night: bool| {
        common::set(app, "night", serde_json::json!(night));
        run_ticks(app, RunMode::Ticks(2));
    };
    run_ticks(&mut app, RunMode::Ticks(2));
    wait_for("the panel on", || replay(model, &log).state().on);
    set_night(&mut app, true);
    wait_for("the panel asleep", || !replay(model, &log).state().on);
    // Asleep, a change sends no pixels.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let sent = log.lock().unwrap().len();
    {
        let world = app.world_mut();
        let mut q = world.query::<&mut tinydisplay::prelude::Placement>();
        for mut p in q.iter_mut(world) {
            p.x = 60;
        }
    }
    run_ticks(&mut app, RunMode::Ticks(3));
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(
        log.lock().unwrap().len(),
        sent,
        "pixels were sent to a sleeping panel"
    );
    set_night(&mut app, false);
    wait_for("the panel awake", || replay(model, &log).state().on);
    let emu = replay(model, &log);
    assert_eq!(
        emu.pixel(65, 15),
        [255; 3],
        "the picture is back, as it is now"
    );
    assert_eq!(
        emu.pixel(15, 15),
        [0; 3],
        "the picture is back, as it is now"
    );
    assert!(emu.problems().is_empty(), "{:?}", emu.problems());
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn a_bound_contrast_reaches_the_controller_when_the_data_changes() {
    use tinydisplay::app::{RunMode, run_ticks};
    use tinydisplay::sink::present::Sinks;

    let scene = common::compile(
        r#"Scene(
            display: (width: 128, height: 64, driver: Ssd1306, contrast: "10 if clock.hour >= 22 else 200"),
            data: (initial: {"clock.hour": 12}),
            widgets: [Rectangle(x: 10, y: 10, width: 20, height: 20, fill: "white")],
        )"#,
    );
    let model = model("ssd1306");
    let rec = Recorder::default();
    let log = rec.log.clone();
    let mut app = common::app_for(scene);
    let sinks = Sinks::default();
    sinks.push(Box::new(PanelSink::start(
        Panel::new(model, Rotation::R0, Settings::default()),
        Box::new(rec),
    )));
    app.insert_resource(sinks);
    run_ticks(&mut app, RunMode::Ticks(2));
    wait_for("the day contrast", || {
        replay(model, &log).state().contrast == 200
    });
    common::set(&mut app, "clock.hour", serde_json::json!(23));
    run_ticks(&mut app, RunMode::Ticks(2));
    wait_for("the night contrast", || {
        replay(model, &log).state().contrast == 10
    });
    common::set(&mut app, "clock.hour", serde_json::json!(8));
    run_ticks(&mut app, RunMode::Ticks(2));
    wait_for("the day contrast again", || {
        replay(model, &log).state().contrast == 200
    });
    let emu = replay(model, &log);
    assert_eq!(emu.pixel(15, 15), [255; 3], "the picture is shown");
    assert!(emu.problems().is_empty(), "{:?}", emu.problems());
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn a_pwm_backlight_follows_the_contrast_and_a_plain_pin_is_only_switched() {
    use tinydisplay::panel::wire::Step;
    let levels = |bus: &str| -> Vec<u8> {
        let scene = common::compile(&format!(
            r#"Scene(display: (width: 160, height: 128, mode: Rgb565, driver: St7735,
                rotation: 90, contrast: 66, bus: {bus}))"#
        ));
        let cfg = scene.display.panel.as_ref().expect("a panel");
        let mut panel = Panel::new(cfg.model, cfg.rotation, cfg.settings);
        let mut wire = Wire::new();
        panel.init(&mut wire);
        panel.set_contrast(200, &mut wire);
        // What a capture of it says.
        let mut capture = CaptureBus::new(Vec::new(), "capture".into());
        wire.send(&mut capture).expect("capture");
        let text = String::from_utf8(capture.into_inner()).expect("text");
        let noted: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("# backlight"))
            .collect();
        let steps: Vec<u8> = wire
            .steps()
            .iter()
            .filter_map(|s| match s {
                Step::BacklightLevel(l) => Some(*l),
                _ => None,
            })
            .collect();
        assert_eq!(
            noted
                .iter()
                .filter(|l| !l.ends_with("on") && !l.ends_with("off"))
                .count(),
            steps.len(),
            "{text}"
        );
        steps
    };
    // ST7735 has no brightness register: with PWM the backlight is the brightness.
    assert_eq!(
        levels("Spi(dc: 24, backlight: 18, backlight_pwm: 500)"),
        [66, 200]
    );
    assert_eq!(levels("Spi(dc: 24, backlight: 18)"), [] as [u8; 0]);
}

/// The steps on `wire` as text: commands and short data in hex, long data (pixels) as
/// its length and an FNV-1a digest, delays, resets and backlight changes as notes.
fn describe(wire: &Wire, out: &mut String) {
    use std::fmt::Write as _;
    use tinydisplay::panel::wire::Step;
    let hex = |b: &[u8]| {
        b.iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for step in wire.steps() {
        let _ = match step {
            Step::Command(r) => writeln!(out, "C {}", hex(wire.bytes(r))),
            Step::Data(r) if r.len() <= 16 => writeln!(out, "D {}", hex(wire.bytes(r))),
            Step::Data(r) => {
                let digest = wire
                    .bytes(r)
                    .iter()
                    .fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
                        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                    });
                writeln!(out, "D {} bytes, fnv {digest:016x}", r.len())
            }
            Step::Delay(ms) => writeln!(out, "# delay {ms}"),
            Step::Reset => writeln!(out, "# reset"),
            Step::Backlight(on) => writeln!(out, "# backlight {}", if *on { "on" } else { "off" }),
            Step::BacklightLevel(level) => writeln!(out, "# backlight {level}"),
            Step::WaitBusy(b) => writeln!(out, "# busy {}", b.max_ms),
        };
    }
}

/// Compares `text` with `tests/golden/panel/NAME.txt` (`TINYDISPLAY_BLESS=1` writes it).
fn assert_golden_text(name: &str, text: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/panel")
        .join(format!("{name}.txt"));
    if std::env::var_os("TINYDISPLAY_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "no golden {} ({e}); run with TINYDISPLAY_BLESS=1 to write it, and read it",
            path.display()
        )
    });
    assert!(
        want == text,
        "{name}: the bytes differ from {}:\n{text}",
        path.display()
    );
}

#[test]
fn every_model_sends_the_bytes_of_its_golden() {
    for model in Model::all() {
        let mut out = String::new();
        let mut wire = Wire::new();
        let mut panel = Panel::new(model, Rotation::R0, Settings::default());
        out.push_str("## init\n");
        panel.init(&mut wire);
        describe(&wire, &mut out);
        let mut fb = noise(model, Rotation::R0, 21);
        for (what, rotation) in [("full", Rotation::R0), ("full at 90", Rotation::R90)] {
            let mut p = Panel::new(model, rotation, Settings::default());
            let fb = noise(model, rotation, 21);
            wire.clear();
            p.full(&fb, &mut wire);
            out.push_str(&format!("## {what}\n"));
            describe(&wire, &mut out);
        }
        scribble(&mut fb, &[Rect::new(3, 5, 7, 3)]);
        wire.clear();
        panel.update(&fb, fb.damage(), &mut wire);
        out.push_str("## partial (3, 5) 7x3\n");
        describe(&wire, &mut out);
        // After a full frame the panel knows what it holds: of a damage over the whole
        // frame, only the cells of the two changed patches travel.
        let mut p = Panel::new(model, Rotation::R0, Settings::default());
        let mut fb = noise(model, Rotation::R0, 21);
        wire.clear();
        p.init(&mut wire);
        p.full(&fb, &mut wire);
        let (w, h) = (fb.width() as i32, fb.height() as i32);
        scribble(
            &mut fb,
            &[Rect::new(2, 1, 3, 2), Rect::new(w - 6, h - 3, 4, 2)],
        );
        fb.add_damage(fb.bounds());
        let mut emu = emulator::for_model(model);
        emulator::feed_wire(emu.as_mut(), &wire);
        wire.clear();
        p.update(&fb, fb.damage(), &mut wire);
        emulator::feed_wire(emu.as_mut(), &wire);
        if !character(model) {
            assert_shows(emu.as_ref(), &fb, model, Rotation::R0, model.name());
        }
        out.push_str("## after a full frame: (2, 1) 3x2 and (w-6, h-3) 4x2 changed, all damaged\n");
        describe(&wire, &mut out);
        wire.clear();
        panel.contrast(0x42, &mut wire);
        panel.invert(true, &mut wire);
        panel.invert(false, &mut wire);
        panel.sleep(true, &mut wire);
        panel.sleep(false, &mut wire);
        out.push_str("## contrast 0x42, invert, normal, sleep, wake\n");
        describe(&wire, &mut out);
        assert_golden_text(model.name(), &out);
    }
}

#[test]
fn the_emulators_notice_a_mirrored_or_offset_panel() {
    use tinydisplay::panel::driver::gray::GrayArgs;
    use tinydisplay::panel::models::Family;
    for model in Model::all() {
        let name = model.name();
        let fb = noise(model, Rotation::R0, 17);
        let mut panel = Panel::new(model, Rotation::R0, Settings::default());
        let mut wire = Wire::new();
        panel.init(&mut wire);
        // The other segment direction (page-addressed) or no mirroring at all (TFTs).
        match model.row().family {
            Family::Paged(m) => wire.command(&[if m.chip.upright.0 { 0xA0 } else { 0xA1 }]),
            Family::Mipi(m) => {
                wire.command(&[0x36]);
                wire.data(&[m.madctl ^ 0x40]);
            }
            Family::Gray(m) => {
                // The column remap bit flipped; the SSD1322's second byte kept.
                let a = [m.chip.upright ^ m.chip.remap.column, 0x11];
                let args = &a[..m.chip.args_of(0xA0).unwrap_or(1)];
                match m.chip.args {
                    GrayArgs::Command => {
                        wire.command(&[0xA0]);
                        wire.command(args);
                    }
                    GrayArgs::Data => {
                        wire.command(&[0xA0]);
                        wire.data(args);
                    }
                }
            }
            Family::Color(m) => {
                // The column remap bit flipped.
                wire.command(&[0xA0]);
                let a = [m.chip.upright ^ m.chip.remap.column];
                match m.chip.args {
                    GrayArgs::Command => wire.command(&a),
                    GrayArgs::Data => wire.data(&a),
                }
            }
            Family::Ssd1322 | Family::Pcd8544 | Family::Hd44780(_) | Family::Ws0010(_) => {
                continue;
            }
            // The e-paper emulators model one data entry mode and report any other.
            Family::Ssd1680(_) | Family::Uc8151(_) => continue,
        }
        panel.full(&fb, &mut wire);
        let mut emu = emulator::for_model(model);
        emulator::feed_wire(emu.as_mut(), &wire);
        let (w, h) = model.native();
        let differ = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .filter(|&(x, y)| emu.pixel(x, y) != fb.rgb(x, y))
            .count();
        assert!(
            differ > (w * h / 4) as usize,
            "{name}: a mirrored panel still shows the frame"
        );
    }
}

#[test]
fn the_readme_lists_every_model() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    for model in Model::all() {
        let row = format!("| `{}` | `{}` |", model.name(), model.controller().name());
        assert!(
            readme.contains(&row),
            "README's Real panels table lacks {row}"
        );
    }
}
