//! Live data end to end: bindings, propagation that touches only what changed,
//! coalescing of updates, fallbacks, persistence.

mod common;

use bevy_app::App;
use serde_json::json;
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::data::Dataset;
use tinydisplay::data::ingest::DataInbox;
use tinydisplay::render::compose::{RenderStats, Visible};
use tinydisplay::render::{FrameBuffer, Rect};
use tinydisplay::scene::WidgetName;
use tinydisplay::source::Message;
use tinydisplay::widget::progress::ProgressBar;
use tinydisplay::widget::text::Text;

const PLAYER: &str = r#"Scene(
    display: (width: 128, height: 48, mode: Mono),
    data: (initial: {"mpd.title": "Song", "mpd.artist": "Band", "mpd.state": "play", "mpd.elapsed": 30, "mpd.duration": 120}),
    widgets: [
        Text(name: "title", x: 0, y: 0, text: "{{ mpd.title }}"),
        Text(name: "artist", x: 0, y: 8, text: "{{ mpd.artist | upper }}"),
        Text(name: "both", x: 0, y: 16, text: "{{ mpd.artist }} - {{ mpd.title }}"),
        Text(name: "static", x: 64, y: 0, text: "fixed"),
        Canvas(name: "playing", x: 64, y: 8, width: 64, height: 8, when: "mpd.state == 'play'", children: [
            Text(name: "icon", text: "PLAYING"),
        ]),
        ProgressBar(name: "bar", x: 0, y: 40, width: 128, height: 8, value: "mpd.elapsed / mpd.duration"),
        Text(name: "missing", x: 0, y: 24, text: "{{ weather.temp | default('--') }}°", fallback: "broken"),
    ],
)"#;

fn app() -> App {
    let mut app = common::app_for(common::compile(PLAYER));
    run_ticks(&mut app, RunMode::Ticks(1));
    app
}

fn redraws(app: &App) -> u64 {
    app.world().resource::<RenderStats>().redraws()
}

use common::set;

fn text_of(app: &mut App, name: &str) -> String {
    let world = app.world_mut();
    let mut q = world.query::<(&WidgetName, &Text)>();
    q.iter(world)
        .find(|(n, _)| n.0 == name)
        .map(|(_, t)| t.content.clone())
        .unwrap_or_default()
}

fn visible(app: &mut App, name: &str) -> bool {
    let world = app.world_mut();
    let mut q = world.query::<(&WidgetName, &Visible)>();
    q.iter(world).any(|(n, v)| n.0 == name && v.0)
}

#[test]
fn bindings_fill_widgets_at_the_first_tick() {
    let mut app = app();
    assert_eq!(text_of(&mut app, "title"), "Song");
    assert_eq!(text_of(&mut app, "artist"), "BAND");
    assert_eq!(text_of(&mut app, "both"), "Band - Song");
    assert_eq!(
        text_of(&mut app, "missing"),
        "--°",
        "a missing key is undefined: default() applies, the fallback is for failures"
    );
    let world = app.world_mut();
    let bar = world
        .query::<&ProgressBar>()
        .iter(world)
        .next()
        .map(|b| b.value);
    assert_eq!(bar, Some(0.25));
}

#[test]
fn a_changed_key_redraws_exactly_the_widgets_that_read_it() {
    let mut app = app();
    let before = redraws(&app);
    set(&mut app, "mpd.title", json!("Other"));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(redraws(&app) - before, 2, "title and both, nothing else");
    assert_eq!(text_of(&mut app, "both"), "Band - Other");
}

#[test]
fn an_unchanged_value_redraws_nothing() {
    let mut app = app();
    let before = redraws(&app);
    set(&mut app, "mpd.title", json!("Song"));
    set(&mut app, "unrelated.key", json!(1));
    run_ticks(&mut app, RunMode::Ticks(3));
    assert_eq!(redraws(&app), before);
    assert!(app.world().resource::<FrameBuffer>().damage().is_empty());
}

#[test]
fn a_parents_when_hides_and_shows_its_subtree() {
    let mut app = app();
    assert!(visible(&mut app, "playing"));
    let before = redraws(&app);
    set(&mut app, "mpd.state", json!("pause"));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert!(!visible(&mut app, "playing"));
    assert_eq!(redraws(&app), before, "hiding draws nothing");
    let fb = app.world().resource::<FrameBuffer>();
    assert!(
        (64..128).all(|x| (8..16).all(|y| fb.gray(x, y) == 0)),
        "the hidden canvas still shows"
    );
    set(&mut app, "mpd.state", json!("play"));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert!(visible(&mut app, "playing"));
    assert_eq!(
        redraws(&app) - before,
        1,
        "the canvas is drawn again when shown"
    );
    let fb = app.world().resource::<FrameBuffer>();
    assert!((64..128).any(|x| (8..16).any(|y| fb.gray(x, y) > 0)));
}

#[test]
fn ten_thousand_updates_in_a_tick_are_one_change() {
    let mut app = app();
    let tx = app.world().resource::<DataInbox>().sender();
    for i in 0..10_000 {
        tx.send(Message::Set {
            key: "mpd.title".into(),
            value: json!(format!("v{i}")),
        })
        .expect("send");
    }
    let before = redraws(&app);
    run_ticks(&mut app, RunMode::Ticks(1));
    let data = app.world().resource::<Dataset>();
    let entry = data.entry("mpd.title").expect("entry");
    assert_eq!(entry.value, json!("v9999"));
    assert_eq!(entry.previous, Some(json!("Song")));
    assert_eq!(entry.history.len(), 2, "initial value and one change");
    assert_eq!(data.changed(), &["mpd.title".to_string()]);
    assert_eq!(redraws(&app) - before, 2);
}

#[test]
fn a_missing_key_recovers_when_it_arrives() {
    let mut app = app();
    set(&mut app, "weather.temp", json!(21));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(text_of(&mut app, "missing"), "21°");
}

#[test]
fn source_health_lands_in_the_dataset() {
    let mut app = app();
    let tx = app.world().resource::<DataInbox>().sender();
    tx.send(Message::Health {
        source: "web".into(),
        ok: false,
        last_error: Some("timeout".into()),
        failures: 3,
    })
    .expect("send");
    run_ticks(&mut app, RunMode::Ticks(1));
    let data = app.world().resource::<Dataset>();
    assert_eq!(data.get("_source.web.ok"), Some(&json!(false)));
    assert_eq!(data.get("_source.web.failures"), Some(&json!(3)));
    assert_eq!(data.get("_source.web.last_error"), Some(&json!("timeout")));
    assert_eq!(data.get("_source.web.last_ok_tick"), None);
}

#[test]
fn rules_from_the_scene_refuse_bad_values() {
    let src = r#"Scene(
        data: (rules: {"mpd.volume": (type: Number, default: 50, min: 0, max: 100)}),
        widgets: [Text(text: "{{ mpd.volume }}")],
    )"#;
    let mut app = common::app_for(common::compile(src));
    run_ticks(&mut app, RunMode::Ticks(1));
    set(&mut app, "mpd.volume", json!("75"));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(
        app.world().resource::<Dataset>().get("mpd.volume"),
        Some(&json!(75.0))
    );
    set(&mut app, "mpd.volume", json!(180));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(
        app.world().resource::<Dataset>().get("mpd.volume"),
        Some(&json!(75.0))
    );
}

#[test]
fn persisted_values_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("tinydisplay-data-{}", std::process::id()));
    let file = dir.join("mpd.json");
    let src = format!(
        r#"Scene(
        data: (persist: [(namespace: "mpd", file: {:?}, every_s: 1)]),
        widgets: [Text(text: "{{{{ mpd.title }}}}", fallback: "none yet")],
    )"#,
        file.display().to_string()
    );
    let mut first = common::app_for(common::compile(&src));
    run_ticks(&mut first, RunMode::Ticks(1));
    set(&mut first, "mpd.title", json!("Kept"));
    run_ticks(&mut first, RunMode::Ticks(1));
    tinydisplay::shutdown(first.world_mut());
    assert!(file.exists());

    let mut second = common::app_for(common::compile(&src));
    run_ticks(&mut second, RunMode::Ticks(1));
    let world = second.world_mut();
    let shown: Vec<String> = world
        .query::<&Text>()
        .iter(world)
        .map(|t| t.content.clone())
        .collect();
    assert_eq!(shown, vec!["Kept".to_string()]);
}

#[test]
fn image_file_and_colours_follow_the_data() {
    let src = r##"Scene(
        display: (width: 40, height: 20, mode: Rgb888),
        data: (initial: {"ui.icon": "play.png", "ui.hot": false}),
        widgets: [
            Image(x: 0, y: 0, file: "../assets/images/{{ ui.icon }}"),
            Rectangle(x: 20, y: 0, width: 10, height: 10, fill: "{{ '#ff0000' if ui.hot else '#0000ff' }}"),
            Text(x: 20, y: 11, text: "x", color: "{{ 'red' if ui.hot else 'white' }}"),
        ],
    )"##;
    let mut app = common::app_for(common::compile(src));
    run_ticks(&mut app, RunMode::Ticks(1));
    let fb = app.world().resource::<FrameBuffer>().clone();
    assert_eq!(fb.rgb(8, 8), [255, 255, 255], "the play icon is drawn");
    assert_eq!(fb.rgb(25, 5), [0, 0, 255]);
    set(&mut app, "ui.hot", json!(true));
    set(&mut app, "ui.icon", json!("note.bmp"));
    run_ticks(&mut app, RunMode::Ticks(1));
    let fb = app.world().resource::<FrameBuffer>().clone();
    assert_eq!(fb.rgb(25, 5), [255, 0, 0]);
    let expected = image::open(common::root().join("assets/images/note.bmp"))
        .expect("note")
        .to_rgb8();
    for (x, y) in [(5, 1), (3, 9), (8, 2), (0, 0)] {
        assert_eq!(
            fb.rgb(x, y),
            expected.get_pixel(x, y).0,
            "the image shows note.bmp at {x},{y}"
        );
    }
}

/// Runs ticks (in real time, sources work on their own threads) until `done` or 5 s.
fn run_until(app: &mut App, mut done: impl FnMut(&mut App) -> bool) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < until {
        run_ticks(app, RunMode::Ticks(1));
        if done(app) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

#[test]
fn sources_declared_in_the_scene_feed_the_widgets() {
    let dir = std::env::temp_dir().join(format!("tinydisplay-src-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let json = dir.join("now.json");
    std::fs::write(&json, r#"{"title": "From a file", "n": 3}"#).expect("write");
    let src = format!(
        r#"Scene(
        sources: {{
            "np": (source: File(path: {:?}, namespace: "np"), policy: (interval_ms: 20)),
            "cmd": (source: Command(program: "sh", args: ["-c", "echo '{{\"v\": 42}}'"], namespace: "cmd"), policy: (interval_ms: 50)),
            "clock": (source: Clock(timezone: "UTC"), policy: (interval_ms: 100)),
        }},
        widgets: [
            Text(name: "t", text: "{{{{ np.title }}}} {{{{ cmd.v }}}}"),
            Text(name: "c", y: 10, text: "{{{{ clock.time }}}}"),
        ],
    )"#,
        json.display().to_string()
    );
    let mut app = common::app_for(common::compile_with_sources(&src));
    assert!(
        run_until(&mut app, |a| text_of(a, "t") == "From a file 42"),
        "got {:?}",
        text_of(&mut app, "t")
    );
    assert!(
        run_until(&mut app, |a| text_of(a, "c").len() == 8),
        "clock shows HH:MM:SS"
    );
    std::fs::write(&json, r#"{"title": "Rewritten file!", "n": 4}"#).expect("rewrite");
    assert!(
        run_until(&mut app, |a| text_of(a, "t") == "Rewritten file! 42"),
        "got {:?}",
        text_of(&mut app, "t")
    );
    let data = app.world().resource::<Dataset>();
    assert_eq!(data.get("_source.np.ok"), Some(&json!(true)));
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn persisted_namespaces_are_saved_every_few_seconds_of_ticks() {
    let file = std::env::temp_dir().join(format!(
        "tinydisplay-periodic-{}/mpd.json",
        std::process::id()
    ));
    let src = format!(
        r#"Scene(display: (fps: 10), data: (initial: {{"mpd.title": "x"}}, persist: [(namespace: "mpd", file: {:?}, every_s: 2)]))"#,
        file.display().to_string()
    );
    let mut app = common::app_for(common::compile(&src));
    run_ticks(&mut app, RunMode::Ticks(20));
    assert!(!file.exists(), "not yet: 2 s are 20 ticks at 10 fps");
    run_ticks(&mut app, RunMode::Ticks(1));
    // Written by the writer thread: a bounded wait.
    assert!(
        eventually(|| file.exists()),
        "saved at tick 20 without a shutdown"
    );
}

/// Polls `ok` for up to 30 s (a hang guard, not a speed target).
fn eventually(mut ok: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if ok() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

#[test]
fn an_unchanged_namespace_is_not_written_again() {
    use std::os::unix::fs::MetadataExt;
    let dir = std::env::temp_dir().join(format!("tinydisplay-unchanged-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("mpd.json");
    let src = format!(
        r#"Scene(display: (fps: 10), data: (initial: {{"mpd.title": "x"}}, persist: [(namespace: "mpd", file: {:?}, every_s: 1)]))"#,
        file.display().to_string()
    );
    let stamp =
        |f: &std::path::Path| std::fs::metadata(f).map(|m| (m.ino(), m.mtime(), m.mtime_nsec()));
    let mut app = common::app_for(common::compile(&src));
    run_ticks(&mut app, RunMode::Ticks(11));
    assert!(eventually(|| file.exists()), "the first save (no file yet)");
    let first = stamp(&file).expect("saved");
    // Three more periods and nothing changed: not written.
    std::thread::sleep(std::time::Duration::from_millis(20));
    run_ticks(&mut app, RunMode::Ticks(30));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        stamp(&file).expect("there"),
        first,
        "rewritten without a change"
    );
    // A change is written at the next period.
    set(&mut app, "mpd.title", json!("y"));
    run_ticks(&mut app, RunMode::Ticks(10));
    assert!(
        eventually(|| std::fs::read_to_string(&file).is_ok_and(|t| t.contains("\"y\""))),
        "the change was saved"
    );
    let second = stamp(&file).expect("there");
    assert_ne!(second, first);
    // Nothing changed since: shutdown does not write either.
    tinydisplay::shutdown(app.world_mut());
    assert_eq!(
        stamp(&file).expect("there"),
        second,
        "rewritten at shutdown"
    );
    // Nor does a restart that finds the file as it left it.
    let mut again = common::app_for(common::compile(&src));
    run_ticks(&mut again, RunMode::Ticks(25));
    tinydisplay::shutdown(again.world_mut());
    assert_eq!(
        stamp(&file).expect("there"),
        second,
        "rewritten by a restart"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_keys_are_undefined_not_failures() {
    let src = r#"Scene(
    display: (width: 128, height: 64),
    data: (initial: {"mpd.title": "Radio Paradise", "sys.load": "high"}),
    widgets: [
        Text(name: "line", text: "{{ mpd.artist | default('?') }} - {{ mpd.title }}", fallback: "F"),
        Text(name: "defined", y: 8, text: "{% if mpd.artist is defined %}yes{% else %}no{% endif %}|{% if weather.ok %}ok{% endif %}", fallback: "F"),
        Text(name: "empty", y: 16, text: "[{{ mpd.album }}][{{ weather.today.temp }}]", fallback: "F"),
        Text(name: "failing", y: 24, text: "{{ sys.load | duration }}", fallback: "F"),
        Text(name: "hidden", y: 32, text: "x", when: "weather.ok"),
        Text(name: "shown", y: 40, text: "y", when: "weather.ok is undefined"),
        ProgressBar(name: "bar", y: 56, width: 100, height: 4, value: "mpd.elapsed"),
    ],
)"#;
    let mut app = common::app_for(common::compile(src));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(text_of(&mut app, "line"), "? - Radio Paradise");
    assert_eq!(text_of(&mut app, "defined"), "no|");
    assert_eq!(
        text_of(&mut app, "empty"),
        "[][]",
        "an undefined prints as nothing"
    );
    assert_eq!(
        text_of(&mut app, "failing"),
        "F",
        "a failed render shows the fallback"
    );
    assert!(!visible(&mut app, "hidden"), "an undefined `when` is false");
    assert!(visible(&mut app, "shown"));
    let world = app.world_mut();
    let bar = world
        .query::<&ProgressBar>()
        .iter(world)
        .next()
        .map(|b| b.value);
    assert_eq!(
        bar,
        Some(0.0),
        "an undefined value gives the fallback (the literal default)"
    );
    set(&mut app, "mpd.artist", json!("Various"));
    set(&mut app, "weather.ok", json!(true));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(text_of(&mut app, "line"), "Various - Radio Paradise");
    assert_eq!(text_of(&mut app, "defined"), "yes|ok");
    assert!(visible(&mut app, "hidden"));
    assert!(!visible(&mut app, "shown"));
}

#[test]
fn history_functions_follow_ticks_and_re_evaluate_each_second() {
    let src = r#"Scene(
    display: (width: 128, height: 32, fps: 10),
    data: (initial: {"mpd.title": "One", "sys.load": 1}),
    widgets: [
        Text(name: "ago", text: "{{ changed_ago('mpd.title') }}s after {{ prev('mpd.title') | default('-') }}"),
        Text(name: "hist", y: 8, text: "{{ history('sys.load', 3) | join(',') }}"),
        Text(name: "fresh", y: 16, text: "new", when: "changed_ago('mpd.title') < 2"),
    ],
)"#;
    let mut app = common::app_for(common::compile(src));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(text_of(&mut app, "ago"), "0s after -");
    assert!(visible(&mut app, "fresh"));
    // Tick 25 at 10 fps: 2.5 s after the initial value, with no data change at all.
    run_ticks(&mut app, RunMode::Ticks(25));
    assert_eq!(text_of(&mut app, "ago"), "2s after -");
    assert!(
        !visible(&mut app, "fresh"),
        "changed_ago is re-evaluated as time passes"
    );
    set(&mut app, "mpd.title", json!("Two"));
    for v in [2, 3, 4] {
        set(&mut app, "sys.load", json!(v));
        run_ticks(&mut app, RunMode::Ticks(1));
    }
    assert_eq!(text_of(&mut app, "ago"), "0s after One");
    assert_eq!(text_of(&mut app, "hist"), "2,3,4");
    assert!(visible(&mut app, "fresh"));
    run_ticks(&mut app, RunMode::Ticks(12));
    assert_eq!(text_of(&mut app, "ago"), "1s after One");
}

#[test]
fn relative_programs_run_from_the_scene_folder() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("tinydisplay-prog-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("bin")).expect("dir");
    let script = dir.join("bin/answer.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho '{\"v\": \"next to the scene\"}'\n",
    )
    .expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let scene = dir.join("scene.ron");
    std::fs::write(
        &scene,
        r#"Scene(
        sources: {
            "c": (source: Command(program: "./bin/answer.sh", namespace: "c"), policy: (interval_ms: 50)),
            "p": (source: Process(program: "bin/answer.sh", namespace: "p")),
        },
        widgets: [Text(name: "t", text: "{{ c.v }}|{{ p.v }}")],
    )"#,
    )
    .expect("scene");
    // Run from another working directory than the scene's.
    let compiled = tinydisplay::scene::load(&scene).expect("valid scene");
    let mut app = common::app_for(compiled);
    assert!(
        run_until(&mut app, |a| text_of(a, "t")
            == "next to the scene|next to the scene"),
        "got {:?}",
        text_of(&mut app, "t")
    );
    tinydisplay::shutdown(app.world_mut());
}

/// A scene of two bound texts, one left-aligned and one right-aligned in a fixed box.
fn digits_scene(v: f64, t: &str) -> String {
    format!(
        r#"Scene(
    display: (width: 64, height: 20, mode: Gray4),
    data: (initial: {{"d.v": {v}, "d.t": "{t}"}}),
    widgets: [
        Text(name: "v", x: 3, y: 1, text: "v={{{{ d.v }}}}"),
        Text(name: "t", x: 2, y: 10, width: 60, align: right, text: "{{{{ d.t }}}}", color: "gray60"),
    ],
)"#
    )
}

#[test]
fn a_value_changing_its_last_digit_redraws_and_damages_only_that_digit() {
    let mut app = common::app_for(common::compile(&digits_scene(0.37, "12:34:59")));
    run_ticks(&mut app, RunMode::Ticks(1));
    set(&mut app, "d.v", json!(0.38));
    run_ticks(&mut app, RunMode::Ticks(1));
    // "v=0.3" stays; the built-in 5×8 font puts the last digit 25 pixels in.
    assert_eq!(damage_of(&app), vec![Rect::new(3 + 25, 1, 5, 8)]);
    set(&mut app, "d.t", json!("12:35:00"));
    run_ticks(&mut app, RunMode::Ticks(1));
    // "12:3" stays: the last four characters of eight, right-aligned in 60 pixels.
    assert_eq!(damage_of(&app), vec![Rect::new(2 + 20 + 20, 10, 20, 8)]);
    // The frame is the one a fresh engine draws for the same data.
    let mut fresh = common::app_for(common::compile(&digits_scene(0.38, "12:35:00")));
    run_ticks(&mut fresh, RunMode::Ticks(1));
    assert_eq!(
        app.world().resource::<FrameBuffer>().data(),
        fresh.world().resource::<FrameBuffer>().data()
    );
    // A value of another width redraws the whole text (its layer changes size).
    set(&mut app, "d.v", json!(0.4));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(damage_of(&app), vec![Rect::new(3, 1, 30, 8)]);
}

fn damage_of(app: &App) -> Vec<Rect> {
    app.world().resource::<FrameBuffer>().damage().to_vec()
}
