//! Seek: the `seek` command and `run --start-tick N` show exactly the frame a run stepped
//! from tick 0 to N shows (motion, sequences and alerts are functions of the tick; the
//! dataset keeps its values), with render-ahead on or off.

mod common;

use std::time::Duration;

use bevy_app::App;
use tinydisplay::ahead::{AheadConfig, RenderAhead};
use tinydisplay::app::{RunMode, Tick, run_ticks};
use tinydisplay::control::Command;
use tinydisplay::engine::Engine;
use tinydisplay::render::FrameBuffer;

/// A sequence with transitions and a recurring alert, a marquee and a sliding widget; a
/// popup following `actions` while its `run_when` holds, and a slide whose `run_when`
/// does not (it waits at its start).
const SCENE: &str = r#"Scene(
    display: (width: 128, height: 32, mode: Gray4, fps: 30),
    data: (initial: {"x.alarm": true, "x.title": "A title far too long for the window it scrolls in"}),
    widgets: [
        Sequence(name: "seq", width: 128, height: 16, transition: slide_left, transition_ticks: 8, pages: [
            Page(name: "one", duration: 40, children: [Text(text: "page one")]),
            Page(name: "two", duration: 25, children: [Text(text: "page two")]),
            Page(name: "three", duration: 33, children: [Text(text: "page three")]),
            Page(name: "alarm", priority: 5, when: "x.alarm", duration: 20, cooldown: 70, children: [Text(text: "ALARM")]),
        ]),
        Marquee(x: 0, y: 16, width: 80, height: 8, px_per_tick: 1, pause: 12, gap: 10,
            child: Text(text: "{{ x.title }}")),
        Text(text: "*", x: 0, y: 24, slide: (by: (100, 0), duration: 45, pause: 10, pause_end: 5, back: true, repeat: true)),
        Popup(x: 84, y: 16, width: 44, height: 8, run_when: "x.alarm",
            actions: [Wait(7), Move(by: (0, -8), ticks: 8), Pause(11), Move(to: (0, 0), px_per_tick: 2), Loop],
            child: Text(text: "up\ndown")),
        Text(text: "z", x: 110, y: 24, run_when: "x.title == ''", slide: (by: (-20, 0), duration: 9)),
    ],
)"#;

/// An app for the scene, render-ahead with `workers` (0: inline), always engaged.
fn app(workers: usize) -> App {
    let mut app = common::app_for(common::compile(SCENE));
    app.insert_resource(RenderAhead::new(AheadConfig {
        workers,
        depth: 6,
        patience: Duration::from_secs(5),
        engage_above: Duration::ZERO,
    }));
    app
}

fn png(app: &App) -> Vec<u8> {
    let fb = app.world().resource::<FrameBuffer>();
    let mut out = std::io::Cursor::new(Vec::new());
    image::write_buffer_with_format(
        &mut out,
        &fb.to_rgb8(),
        fb.width(),
        fb.height(),
        image::ExtendedColorType::Rgb8,
        image::ImageFormat::Png,
    )
    .expect("PNG");
    out.into_inner()
}

/// The frame of tick `n`, stepped to from tick 0.
fn stepped_to(n: u64, workers: usize) -> Vec<u8> {
    let mut a = app(workers);
    run_ticks(&mut a, RunMode::Ticks(n + 1));
    assert_eq!(a.world().resource::<Tick>().0, n + 1);
    let frame = png(&a);
    tinydisplay::shutdown(a.world_mut());
    frame
}

const TICKS: [u64; 5] = [7, 45, 118, 389, 2024];

#[test]
fn seek_shows_the_frame_a_run_stepped_to_n_shows() {
    for workers in [0, 1] {
        let mut b = app(workers);
        run_ticks(&mut b, RunMode::Ticks(60));
        // Forwards and backwards, from wherever the run is.
        for n in TICKS.into_iter().rev().chain(TICKS) {
            let reply =
                tinydisplay::control::apply::apply(b.world_mut(), &Command::Seek { tick: n });
            assert!(reply.is_ok(), "{reply:?}");
            assert_eq!(
                b.world().resource::<RenderAhead>().queued(),
                0,
                "frames rendered ahead are thrown away"
            );
            run_ticks(&mut b, RunMode::Ticks(1));
            assert!(
                png(&b) == stepped_to(n, workers),
                "{workers} worker(s): the frame after seeking to {n} differs from tick {n}"
            );
            // And it runs on from there as a run from 0 would.
            run_ticks(&mut b, RunMode::Ticks(9));
            assert!(
                png(&b) == stepped_to(n + 9, workers),
                "{workers} worker(s): 9 ticks after seeking to {n}"
            );
        }
        tinydisplay::shutdown(b.world_mut());
    }
}

#[test]
fn an_engine_started_at_tick_n_shows_tick_n_first() {
    for n in TICKS {
        let mut a = Engine::new(common::compile(SCENE))
            .workers(Some(0))
            .start_tick(n)
            .build();
        run_ticks(&mut a, RunMode::Ticks(1));
        assert!(png(&a) == stepped_to(n, 0), "start at {n}");
    }
}

#[test]
fn seek_refuses_a_tick_out_of_range() {
    let err = Command::parse(br#"{"cmd": "seek", "tick": 99999999999999}"#).map(|_| ());
    assert!(err.is_err(), "{err:?}");
    let ok = Command::parse(br#"{"cmd": "seek", "tick": 900}"#).expect("a seek");
    assert_eq!(ok, Command::Seek { tick: 900 });
}

#[test]
fn run_start_tick_writes_the_png_of_a_run_to_that_tick() {
    let dir = std::env::temp_dir().join(format!("tinydisplay-seek-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let scene = common::root().join("scenes").join("reference.ron");
    let run = |out: &std::path::Path, extra: &[&str]| {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
            .arg("run")
            .arg(&scene)
            .args(["--sink", "png", "--workers", "0", "--no-watch", "--out"])
            .arg(out)
            .args(extra)
            .status()
            .expect("tinydisplay runs");
        assert!(status.success(), "{extra:?}");
        std::fs::read(out).expect("the PNG")
    };
    let stepped = run(&dir.join("stepped.png"), &["--ticks", "301"]);
    let started = run(
        &dir.join("started.png"),
        &["--ticks", "1", "--start-tick", "300"],
    );
    assert!(
        stepped == started,
        "run --start-tick 300 differs from 301 ticks"
    );
    let first = run(&dir.join("first.png"), &["--ticks", "1"]);
    assert!(first != started, "the marquee has moved by tick 300");
}
