//! Bytes on the wire: a panel is sent only what differs from what it holds, never more
//! than the damage's aligned rectangles would take, the decoded glass always equals the
//! frame, and a run's capture depends on its ticks alone (not on render-ahead workers).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::panel::emulator::{self, Emulator};
use tinydisplay::panel::{Model, Panel, Rotation, Settings, Wire};
use tinydisplay::render::FrameBuffer;

/// The 128x64 status scene, its driver replaced by `driver`.
fn status_scene(driver: &str) -> String {
    std::fs::read_to_string(common::root().join("scenes/status-128x64.ron"))
        .expect("scenes/status-128x64.ron")
        .replace("driver: Ssd1306,", &format!("driver: {driver},"))
}

/// Asserts the emulator's glass shows `fb` (unturned or turned by `rotation`).
fn assert_shows(
    emu: &dyn Emulator,
    fb: &FrameBuffer,
    model: Model,
    rotation: Rotation,
    what: &str,
) {
    assert!(emu.problems().is_empty(), "{what}: {:?}", emu.problems());
    for y in 0..fb.height() {
        for x in 0..fb.width() {
            let (px, py) = rotation.to_panel(x, y, model.native());
            let [r, g, b] = emu.pixel(px, py);
            let got = fb.mode().quantize_rgb(r, g, b);
            assert_eq!(got, fb.rgb(x, y), "{what}: frame pixel ({x}, {y})");
        }
    }
}

/// Runs `src` for `ticks` ticks (its clock text changed every 7 ticks when it has
/// `key`), each frame's damage sent to `model` turned by `rotation` as the panel sink
/// does and as the damage's rectangles alone would be; checks every tick. Returns the
/// bytes sent and the bytes the damage needed.
fn run_checked(
    src: &str,
    model: Model,
    rotation: Rotation,
    ticks: u64,
    key: &str,
) -> (usize, usize) {
    let what = format!("{} at {rotation:?}", model.name());
    let mut app = common::app_for(common::compile(src));
    run_ticks(&mut app, RunMode::Ticks(1));
    let mut panel = Panel::new(model, rotation, Settings::default());
    let mut plain = Panel::new(model, rotation, Settings::default()).sending_damage();
    let mut emu = emulator::for_model(model);
    let (mut wire, mut plain_wire) = (Wire::new(), Wire::new());
    {
        let fb = app.world().resource::<FrameBuffer>();
        assert!(panel.fits(fb), "{what}");
        panel.init(&mut wire);
        panel.full(fb, &mut wire);
        plain.full(fb, &mut plain_wire);
        emulator::feed_wire(emu.as_mut(), &wire);
    }
    let (mut sent, mut needed) = (0, 0);
    for tick in 1..ticks {
        if tick % 7 == 0 {
            common::set(
                &mut app,
                key,
                serde_json::json!(format!("{:02}:{:02}", tick / 60 % 24, tick % 60)),
            );
        }
        app.update();
        let fb = app.world().resource::<FrameBuffer>();
        wire.clear();
        plain_wire.clear();
        panel.update(fb, fb.damage(), &mut wire);
        plain.update(fb, fb.damage(), &mut plain_wire);
        emulator::feed_wire(emu.as_mut(), &wire);
        assert_shows(
            emu.as_ref(),
            fb,
            model,
            rotation,
            &format!("{what}, tick {tick}"),
        );
        assert!(
            wire.len_bytes() <= plain_wire.len_bytes(),
            "{what}, tick {tick}: {} bytes sent, the damage's rectangles take {}",
            wire.len_bytes(),
            plain_wire.len_bytes()
        );
        sent += wire.len_bytes();
        needed += plain_wire.len_bytes();
    }
    (sent, needed)
}

#[test]
fn the_reference_scene_sends_what_changed_and_never_more_than_its_damage_needs() {
    let src =
        std::fs::read_to_string(common::root().join("scenes/reference.ron")).expect("reference");
    for rotation in [Rotation::R0, Rotation::R180] {
        for name in ["ssd1322", "ssd1322-nhd"] {
            let Some(model) = Model::named(name) else {
                continue;
            };
            let frame = FrameBuffer::new(256, 64, tinydisplay::render::PixelMode::Gray4);
            if !Panel::new(model, rotation, Settings::default()).fits(&frame) {
                continue;
            }
            let (sent, needed) = run_checked(&src, model, rotation, 120, "player.time");
            // The marquee's 1-px scroll leaves many cells as they were.
            assert!(
                sent * 10 < needed * 9,
                "{name} at {rotation:?}: {sent} bytes sent, the damage needs {needed}"
            );
        }
    }
}

/// Sends `frames` to `model` (a full frame of the first, then partial updates with the
/// whole frame as damage), checks the glass after each and returns each update's wire.
fn update_wires(model: Model, frames: &[FrameBuffer]) -> Vec<Wire> {
    let mut panel = Panel::new(model, Rotation::R0, Settings::default());
    let mut emu = emulator::for_model(model);
    let mut wire = Wire::new();
    panel.init(&mut wire);
    panel.full(&frames[0], &mut wire);
    emulator::feed_wire(emu.as_mut(), &wire);
    let mut wires = Vec::new();
    for (i, fb) in frames.iter().enumerate().skip(1) {
        let mut wire = Wire::new();
        panel.update(fb, &[fb.bounds()], &mut wire);
        emulator::feed_wire(emu.as_mut(), &wire);
        assert_shows(emu.as_ref(), fb, model, Rotation::R0, &format!("frame {i}"));
        wires.push(wire);
    }
    wires
}

/// [`update_wires`]' bytes of each update.
fn update_bytes(model: Model, frames: &[FrameBuffer]) -> Vec<usize> {
    update_wires(model, frames)
        .iter()
        .map(Wire::len_bytes)
        .collect()
}

/// The command steps of `wire`, in order.
fn commands(wire: &Wire) -> Vec<Vec<u8>> {
    use tinydisplay::panel::wire::Step;
    wire.steps()
        .iter()
        .filter_map(|s| match s {
            Step::Command(r) => Some(wire.bytes(r).to_vec()),
            _ => None,
        })
        .collect()
}

#[test]
fn an_ssd1306_partial_update_goes_in_page_mode_and_pages_are_sent_one_by_one() {
    use tinydisplay::render::{Color, PixelMode, Rect};
    // SSD1306: two runs on page 0 in one 16-column block go in page addressing (the
    // init's 0x20 0x02): page, column low and high nibble (3 bytes), then the low nibble
    // alone (1 byte), not two horizontal windows (0x21 c0 c1 0x22 p0 p1, then 0x21 c0 c1).
    let blank = FrameBuffer::new(128, 64, PixelMode::Mono);
    let mut two = blank.clone();
    two.fill_rect(Rect::new(20, 0, 2, 1), Color::WHITE);
    two.fill_rect(Rect::new(26, 0, 2, 1), Color::WHITE);
    // Then a change across pages 2 and 3: each page its own run, page 2 first.
    let mut tall = two.clone();
    tall.fill_rect(Rect::new(40, 20, 3, 8), Color::WHITE);
    let ssd1306 = Model::named("ssd1306").expect("ssd1306");
    let wires = update_wires(ssd1306, &[blank.clone(), two.clone(), tall]);
    assert_eq!(commands(&wires[0]), [vec![0xB0, 0x04, 0x11], vec![0x0A]]);
    assert_eq!(
        commands(&wires[1]),
        [vec![0xB2, 0x08, 0x12], vec![0xB3, 0x08]]
    );
    assert_eq!(
        wires.iter().map(Wire::len_bytes).collect::<Vec<_>>(),
        [(3 + 2) + (1 + 2), (3 + 3) + (2 + 3)]
    );
    // SH1106 after a full frame holds its last page (7): a change on pages 6 and 7 in
    // the same columns is sent bottom up, page 7 without its page command, each page a
    // run of its own (not one window over both pages): 2 + 2 + (2 + 2) bytes, not 9.
    let mut low = blank.clone();
    low.fill_rect(Rect::new(30, 50, 2, 12), Color::WHITE);
    let sh1106 = Model::named("sh1106").expect("sh1106");
    let wires = update_wires(sh1106, &[blank, low]);
    assert_eq!(commands(&wires[0]), [vec![0x00, 0x12], vec![0xB6, 0x00]]);
    assert_eq!(wires[0].len_bytes(), (2 + 2) + (2 + 2));
}

#[test]
fn an_address_the_controller_holds_is_not_sent_again() {
    use tinydisplay::render::{Color, PixelMode, Rect};
    // SSD1322: two changes far apart on one row are two windows; the second sends its
    // column address and the write command (4 bytes), not the row address again.
    let blank = FrameBuffer::new(256, 64, PixelMode::Gray4);
    let mut two = blank.clone();
    two.fill_rect(Rect::new(8, 10, 4, 1), Color::WHITE);
    two.fill_rect(Rect::new(200, 10, 4, 1), Color::WHITE);
    // Then the same columns one row down: only the row address and the write command.
    let mut below = two.clone();
    below.fill_rect(Rect::new(200, 11, 4, 1), Color::WHITE);
    let ssd1322 = Model::named("ssd1322").expect("ssd1322");
    assert_eq!(
        update_bytes(ssd1322, &[blank, two, below]),
        [(7 + 2) + (4 + 2), 4 + 2]
    );
    // SH1106 (page addressing): a second run on the page within the same 16 columns
    // moves the column pointer with its low nibble alone (1 byte).
    let blank = FrameBuffer::new(128, 64, PixelMode::Mono);
    let mut two = blank.clone();
    two.fill_rect(Rect::new(20, 0, 2, 1), Color::WHITE);
    two.fill_rect(Rect::new(26, 0, 2, 1), Color::WHITE);
    let sh1106 = Model::named("sh1106").expect("sh1106");
    assert_eq!(update_bytes(sh1106, &[blank, two]), [(3 + 2) + (1 + 2)]);
}

#[test]
fn a_128x64_scene_sends_what_changed_on_every_mono_panel_of_that_size() {
    let src = status_scene("Ssd1306");
    let mut checked = 0;
    for model in Model::all().filter(|m| m.native() == (128, 64)) {
        let frame = FrameBuffer::new(128, 64, model.mode());
        if !Panel::new(model, Rotation::R0, Settings::default()).fits(&frame)
            || model.mode() != tinydisplay::render::PixelMode::Mono
        {
            continue;
        }
        let (sent, needed) = run_checked(&src, model, Rotation::R0, 120, "status.time");
        assert!(sent <= needed, "{}: {sent} > {needed}", model.name());
        checked += 1;
    }
    assert!(
        checked >= 3,
        "the 128x64 mono models (SSD1306, SH1106, ...)"
    );
}

fn tinydisplay() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tinydisplay"));
    c.current_dir(common::root());
    c
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tinydisplay-bytes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// `run SCENE --ticks N --sink panel --bus capture:OUT --workers W`; the capture's text.
fn capture(scene: &Path, ticks: u32, workers: &str, out: &Path) -> String {
    let result = tinydisplay()
        .arg("run")
        .arg(scene)
        .args([
            "--ticks",
            &ticks.to_string(),
            "--sink",
            "panel",
            "--workers",
            workers,
        ])
        .arg("--bus")
        .arg(format!("capture:{}", out.display()))
        .output()
        .expect("tinydisplay runs");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::read_to_string(out).expect("the capture")
}

#[test]
fn a_runs_bytes_are_the_same_with_and_without_render_ahead_workers() {
    // Render-ahead told to engage from the first tick (engage_above_us: 0), so with
    // workers the frames come from its queue, with their own damage rectangles.
    let reference =
        std::fs::read_to_string(common::root().join("scenes/reference.ron")).expect("reference");
    let variants = [
        ("reference", reference),
        ("status-ssd1306", status_scene("Ssd1306")),
        ("status-sh1106", status_scene("Sh1106")),
    ];
    for (name, src) in variants {
        let src = src
            .replace(
                "on_exit: Keep,",
                "on_exit: Keep, render_ahead: (engage_above_us: 0),",
            )
            .replace(
                "../assets/",
                &format!("{}/assets/", common::root().display()),
            );
        assert!(src.contains("engage_above_us: 0"), "{name}");
        let scene = temp(&format!("{name}.ron"));
        std::fs::write(&scene, src).expect("scene");
        let inline = capture(&scene, 300, "0", &temp(&format!("{name}-inline.capture")));
        let ahead = capture(&scene, 300, "2", &temp(&format!("{name}-ahead.capture")));
        assert!(
            inline.lines().count() > 100,
            "{name}: a capture of 300 ticks"
        );
        assert!(
            inline == ahead,
            "{name}: --workers 0 and --workers 2 sent different bytes"
        );
    }
}

#[test]
#[cfg(feature = "bench")]
fn bench_reports_bytes_never_above_what_the_damage_needs() {
    use tinydisplay::bench::{BenchOptions, run};
    let reference =
        tinydisplay::scene::load(&common::root().join("scenes/reference.ron")).expect("reference");
    let status = common::compile(&status_scene("Sh1106"));
    for (scene, model) in [
        (&reference, "ssd1322"),
        (&status, "sh1106"),
        (&status, "ssd1306"),
    ] {
        let opts = BenchOptions {
            ticks: 120,
            workers: 0,
            depth: 0,
            model: Model::named(model),
            churn: true,
            realtime: None,
            fps: None,
            sources: false,
            viewers: 0,
            preview_fps: None,
            cold: false,
            every_tick: false,
        };
        let report = run(scene, &opts);
        assert_eq!(report.over_need_ticks, 0, "{model}");
        let ratio = report.need_ratio.expect("a panel was measured");
        assert!(ratio <= 1.0, "{model}: {ratio}");
        assert!(
            report.bytes_damage_mean <= report.bytes_need_mean,
            "{model}: {} > {}",
            report.bytes_damage_mean,
            report.bytes_need_mean
        );
    }
}
