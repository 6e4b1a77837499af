//! The control command set end to end: commands sent through a `ControlSender`, applied
//! by the tick, answered, and visible in the frame and the published state.

mod common;

use std::time::Duration;

use bevy_app::App;
use serde_json::json;
use tinydisplay::app::{RunMode, Tick, run_ticks};
use tinydisplay::control::{ControlSender, Reply, control_sender};
use tinydisplay::data::Dataset;
use tinydisplay::render::FrameBuffer;

const SCENE: &str = r#"Scene(
    display: (width: 64, height: 32, mode: Gray4),
    data: (initial: {"t.title": "one"}),
    widgets: [
        Marquee(name: "m", x: 0, y: 0, width: 64, height: 10, px_per_tick: 1,
            child: Text(text: "a long moving title that scrolls")),
        Text(name: "title", x: 0, y: 12, text: "{{ t.title }}"),
        Sequence(name: "seq", y: 22, width: 64, height: 10, pages: [
            Page(name: "clock", duration: 1000, children: [Text(text: "clock")]),
            Page(name: "music", duration: 1000, children: [Text(text: "music")]),
            Page(name: "weather", duration: 1000, children: [Text(text: "weather")]),
        ]),
    ],
)"#;

const WAIT: Duration = Duration::from_secs(30);

fn app() -> (App, ControlSender) {
    let mut app = common::app_for(common::compile(SCENE));
    let control = control_sender(app.world_mut());
    (app, control)
}

/// Sends a JSON command, runs one tick, returns the reply.
fn command(app: &mut App, control: &ControlSender, json: serde_json::Value) -> Reply {
    let pending = control.send_json(json.to_string().as_bytes(), "test");
    run_ticks(app, RunMode::Ticks(1));
    pending.wait_blocking(WAIT)
}

fn tick(app: &App) -> u64 {
    app.world().resource::<Tick>().0
}

fn frame(app: &App) -> Vec<u8> {
    app.world().resource::<FrameBuffer>().data().to_vec()
}

fn page(control: &ControlSender) -> Option<String> {
    control.published().state().pages[0].page.clone()
}

#[test]
fn pause_holds_the_tick_and_the_frame_step_moves_it_resume_lets_it_run() {
    let (mut app, control) = app();
    run_ticks(&mut app, RunMode::Ticks(5));
    assert_eq!(
        command(&mut app, &control, json!({"cmd": "pause"})),
        Reply::Ok
    );
    let (t, f) = (tick(&app), frame(&app));
    run_ticks(&mut app, RunMode::Ticks(20));
    assert_eq!(tick(&app), t, "the tick moved while paused");
    assert_eq!(frame(&app), f, "the frame changed while paused");
    assert!(control.published().state().paused);

    assert_eq!(
        command(&mut app, &control, json!({"cmd": "step", "n": 5})),
        Reply::Ok
    );
    run_ticks(&mut app, RunMode::Ticks(20));
    assert_eq!(tick(&app), t + 5, "step 5 ran five ticks");
    assert_ne!(frame(&app), f, "the marquee moved during the steps");

    assert_eq!(
        command(&mut app, &control, json!({"cmd": "resume"})),
        Reply::Ok
    );
    run_ticks(&mut app, RunMode::Ticks(10));
    assert_eq!(tick(&app), t + 5 + 11, "the tick runs again");
    assert!(!control.published().state().paused);
}

#[test]
fn set_changes_the_dataset_and_the_frame_even_while_paused() {
    let (mut app, control) = app();
    run_ticks(&mut app, RunMode::Ticks(2));
    command(&mut app, &control, json!({"cmd": "pause"}));
    let before = frame(&app);
    let reply = command(
        &mut app,
        &control,
        json!({"cmd": "set", "key": "t.title", "value": "two"}),
    );
    assert_eq!(reply, Reply::Ok);
    assert_eq!(
        app.world().resource::<Dataset>().get("t.title"),
        Some(&json!("two"))
    );
    assert_ne!(frame(&app), before, "the new title is not drawn");
    let data = control.published().data("t.");
    assert_eq!(data["t.title"].value, json!("two"), "published dataset");
}

#[test]
fn pages_are_shown_by_name_and_in_turn() {
    let (mut app, control) = app();
    run_ticks(&mut app, RunMode::Ticks(2));
    assert_eq!(page(&control).as_deref(), Some("clock"));
    let clock = frame(&app);
    let r = command(
        &mut app,
        &control,
        json!({"cmd": "page", "name": "weather"}),
    );
    assert_eq!(r, Reply::Ok);
    assert_eq!(page(&control).as_deref(), Some("weather"));
    assert_ne!(frame(&app), clock);
    command(&mut app, &control, json!({"cmd": "next"}));
    assert_eq!(
        page(&control).as_deref(),
        Some("clock"),
        "next wraps around"
    );
    command(&mut app, &control, json!({"cmd": "previous"}));
    assert_eq!(page(&control).as_deref(), Some("weather"));
    let Reply::Error(e) = command(&mut app, &control, json!({"cmd": "page", "name": "nope"}))
    else {
        panic!("an unknown page was accepted");
    };
    assert!(e.contains("clock, music, weather"), "{e}");
    assert_eq!(page(&control).as_deref(), Some("weather"), "unchanged");
}

#[test]
fn alert_shows_a_page_for_its_seconds_then_what_was_shown_comes_back() {
    let (mut app, control) = app();
    run_ticks(&mut app, RunMode::Ticks(2));
    assert_eq!(page(&control).as_deref(), Some("clock"));
    // The scene runs at 30 fps: 2 seconds are 60 ticks.
    let r = command(
        &mut app,
        &control,
        json!({"cmd": "alert", "page": "music", "seconds": 2}),
    );
    assert_eq!(r, Reply::Ok);
    assert_eq!(page(&control).as_deref(), Some("music"));
    // A harmless command brings the published state up to date.
    run_ticks(&mut app, RunMode::Ticks(57));
    command(&mut app, &control, json!({"cmd": "resume"}));
    assert_eq!(
        page(&control).as_deref(),
        Some("music"),
        "still within its time"
    );
    run_ticks(&mut app, RunMode::Ticks(3));
    command(&mut app, &control, json!({"cmd": "resume"}));
    assert_eq!(
        page(&control).as_deref(),
        Some("clock"),
        "the rotation's page is back after 2 s"
    );
    let Reply::Error(e) = command(
        &mut app,
        &control,
        json!({"cmd": "alert", "page": "nope", "seconds": 2}),
    ) else {
        panic!("an unknown page was accepted");
    };
    assert!(e.contains("clock, music, weather"), "{e}");
    // A `page` command ends a forced page at once.
    command(
        &mut app,
        &control,
        json!({"cmd": "alert", "page": "weather", "seconds": 60}),
    );
    assert_eq!(page(&control).as_deref(), Some("weather"));
    command(&mut app, &control, json!({"cmd": "page", "name": "music"}));
    assert_eq!(page(&control).as_deref(), Some("music"));
}

#[test]
fn an_alert_page_whose_condition_is_false_is_refused_with_the_reason() {
    let src = r#"Scene(
    display: (width: 64, height: 16),
    widgets: [
        Sequence(name: "seq", width: 64, height: 10, pages: [
            Page(name: "clock", duration: 1000, children: [Text(text: "clock")]),
            Page(name: "door", priority: 5, when: "door.open", children: [Text(text: "door")]),
        ]),
    ],
)"#;
    let mut app = common::app_for(common::compile(src));
    let control = control_sender(app.world_mut());
    run_ticks(&mut app, RunMode::Ticks(2));
    let reply = command(&mut app, &control, json!({"cmd": "page", "name": "door"}));
    let Reply::Error(e) = reply else {
        panic!("an alert that cannot show answered {reply:?}");
    };
    assert!(e.contains("`when` is false"), "{e}");
    assert_eq!(page(&control).as_deref(), Some("clock"));
    common::set(&mut app, "door.open", json!(true));
    run_ticks(&mut app, RunMode::Ticks(2));
    assert_eq!(
        command(&mut app, &control, json!({"cmd": "page", "name": "door"})),
        Reply::Ok
    );
    assert_eq!(page(&control).as_deref(), Some("door"));
}

#[test]
fn next_in_a_scene_without_pages_says_no_widget_has_pages() {
    let src = r#"Scene(
    display: (width: 32, height: 8),
    widgets: [Text(text: "no pages")],
)"#;
    let mut app = common::app_for(common::compile(src));
    let control = control_sender(app.world_mut());
    run_ticks(&mut app, RunMode::Ticks(1));
    for cmd in ["next", "previous"] {
        let reply = command(&mut app, &control, json!({"cmd": cmd}));
        let Reply::Error(e) = reply else {
            panic!("`{cmd}` with nothing paged answered {reply:?}");
        };
        assert!(
            e.to_string().contains("no widget of the scene has pages"),
            "{e}"
        );
    }
}

#[test]
fn malformed_commands_are_answered_and_change_nothing() {
    let (mut app, control) = app();
    run_ticks(&mut app, RunMode::Ticks(3));
    let (t, f) = (tick(&app), frame(&app));
    for bad in [
        "{",
        r#"{"cmd": "explode"}"#,
        r#"{"cmd": "set", "key": "x"}"#,
        r#"{"cmd": "contrast", "value": "high"}"#,
    ] {
        let reply = control
            .send_json(bad.as_bytes(), "test")
            .wait_blocking(WAIT);
        let Reply::Error(e) = reply else {
            panic!("{bad} was accepted")
        };
        assert!(e.starts_with("bad command"), "{bad}: {e}");
    }
    assert_eq!((tick(&app), frame(&app)), (t, f));
    let reply = command(&mut app, &control, json!({"cmd": "contrast", "value": 10}));
    assert!(
        matches!(&reply, Reply::Error(e) if e.contains("--sink panel")),
        "contrast without a panel: {reply:?}"
    );
}

#[test]
fn reset_starts_the_scene_over_and_keeps_the_dataset() {
    let (mut app, control) = app();
    run_ticks(&mut app, RunMode::Ticks(1));
    let first = frame(&app);
    command(
        &mut app,
        &control,
        json!({"cmd": "set", "key": "t.title", "value": "kept"}),
    );
    command(&mut app, &control, json!({"cmd": "page", "name": "music"}));
    run_ticks(&mut app, RunMode::Ticks(30));
    assert_eq!(
        command(&mut app, &control, json!({"cmd": "reset"})),
        Reply::Ok
    );
    assert_eq!(tick(&app), 1, "the reset tick was tick 0");
    assert_eq!(
        page(&control).as_deref(),
        Some("clock"),
        "the rotation restarted"
    );
    assert_eq!(
        app.world().resource::<Dataset>().get("t.title"),
        Some(&json!("kept"))
    );
    command(
        &mut app,
        &control,
        json!({"cmd": "set", "key": "t.title", "value": "one"}),
    );
    command(&mut app, &control, json!({"cmd": "reset"}));
    assert_eq!(
        frame(&app),
        first,
        "after a reset the frame is tick 0's again"
    );
}

#[test]
fn the_state_tells_tick_pause_pages_and_dataset_size() {
    let (mut app, control) = app();
    run_ticks(&mut app, RunMode::Ticks(4));
    let s = control.published().state();
    assert_eq!(s.tick, 3, "the tick presented last");
    assert_eq!(s.fps, 30);
    assert!(!s.paused);
    assert_eq!(s.pages.len(), 1);
    assert_eq!(s.pages[0].sequence.as_deref(), Some("seq"));
    assert_eq!(s.pages[0].pages, 3);
    assert!(s.dataset_keys >= 1);
    assert!(s.scene.path.ends_with("test.ron"), "{}", s.scene.path);
    let json = serde_json::to_value(&*s).expect("the state is JSON");
    assert_eq!(json["pages"][0]["page"], json!("clock"));
}

#[test]
fn watchers_hear_of_a_pause_at_once_but_not_of_every_tick() {
    let (mut app, control) = app();
    let mut watch = control.published().watch_state();
    run_ticks(&mut app, RunMode::Ticks(1));
    assert!(watch.has_changed().unwrap_or(false), "the first state");
    watch.borrow_and_update();
    // Ticks back to back move only the counters: watchers are told at most every
    // SIGNAL_EVERY (250 ms), not once a tick, while the state itself stays exact.
    let mut told = 0;
    for _ in 0..60 {
        run_ticks(&mut app, RunMode::Ticks(1));
        if watch.has_changed().unwrap_or(false) {
            told += 1;
            watch.borrow_and_update();
        }
    }
    assert!(told < 60, "told of every tick");
    assert_eq!(control.published().state().tick, tick(&app) - 1);
    // A pause is more than a counter: the tick it is applied in tells the watchers.
    assert_eq!(
        command(&mut app, &control, json!({"cmd": "pause"})),
        Reply::Ok
    );
    assert!(
        watch.has_changed().unwrap_or(false),
        "the pause was not signalled"
    );
    assert!(control.published().state().paused);
}
