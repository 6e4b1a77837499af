//! Hot reload: editing the scene file during a run changes the frame; a broken file
//! leaves the old scene running with every problem reported; fixing it loads it. Sources
//! whose configuration did not change keep running.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bevy_app::App;
use tinydisplay::TinyDisplayPlugins;
use tinydisplay::app::{RunMode, Tick, run_ticks};
use tinydisplay::control::reload::HotReload;
use tinydisplay::control::{Reply, SceneStatus, control_sender};
use tinydisplay::render::FrameBuffer;
use tinydisplay::scene::swap::swap;
use tinydisplay::scene::{ScenePlugin, load};

fn scene_text(x: i32) -> String {
    format!(
        r#"Scene(
    display: (width: 64, height: 16, mode: Gray4),
    fonts: {{"f": (file: "{}")}},
    widgets: [Text(x: {x}, y: 2, font: "f", text: "hello")],
)"#,
        common::root().join("assets/fonts/spleen-5x8.bdf").display()
    )
}

const BROKEN: &str = r#"Scene(
    display: (width: 64, height: 16, mode: Gray4),
    widgets: [
        Text(x: 1, y: 2, text: "{{ unclosed"),
        Rectangle(width: 10, height: 5, fill: "no-such-colour"),
    ],
)"#;

fn temp_scene(tag: &str, text: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tinydisplay-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a temp dir");
    let p = d.join("scene.ron");
    std::fs::write(&p, text).expect("the scene");
    p
}

/// An app running `scene`, its files watched.
fn watched(scene: &tinydisplay::scene::CompiledScene) -> App {
    let mut app = App::new();
    app.add_plugins((
        TinyDisplayPlugins,
        ScenePlugin {
            scene: scene.clone(),
        },
    ));
    app.insert_resource(HotReload::watch(scene));
    app
}

fn frame(app: &App) -> Vec<u8> {
    app.world().resource::<FrameBuffer>().data().to_vec()
}

/// Runs ticks (with a short sleep, so the watcher's thread gets to work) until `cond`.
fn tick_until(app: &mut App, what: &str, mut cond: impl FnMut(&App) -> bool) {
    let end = Instant::now() + Duration::from_secs(30);
    while !cond(app) {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        run_ticks(app, RunMode::Ticks(1));
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn problems(app: &App) -> Vec<String> {
    app.world().resource::<SceneStatus>().problems.clone()
}

#[test]
fn editing_the_file_reloads_a_broken_file_is_refused_and_a_fix_loads() {
    let path = temp_scene("reload", &scene_text(2));
    let scene = load(&path).expect("the scene loads");
    let mut app = watched(&scene);
    run_ticks(&mut app, RunMode::Ticks(3));
    let before = frame(&app);

    std::fs::write(&path, scene_text(20)).expect("edited");
    tick_until(&mut app, "the edit to show", |a| frame(a) != before);
    let moved = frame(&app);
    assert_eq!(app.world().resource::<SceneStatus>().reloads, 1);

    std::fs::write(&path, BROKEN).expect("broken");
    tick_until(&mut app, "the problems to be reported", |a| {
        !problems(a).is_empty()
    });
    let reported = problems(&app);
    assert!(
        reported.len() >= 2,
        "every problem is reported: {reported:?}"
    );
    assert!(
        reported.iter().all(|p| p.contains("scene.ron:")),
        "with file:line:col: {reported:?}"
    );
    let t = app.world().resource::<Tick>().0;
    run_ticks(&mut app, RunMode::Ticks(5));
    assert_eq!(frame(&app), moved, "the old scene keeps running");
    assert_eq!(app.world().resource::<Tick>().0, t + 5);

    std::fs::write(&path, scene_text(2)).expect("fixed");
    tick_until(&mut app, "the fix to load", |a| problems(a).is_empty());
    assert_eq!(frame(&app), before, "the fixed scene is drawn");
    assert_eq!(app.world().resource::<SceneStatus>().reloads, 2);
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn the_reload_command_answers_with_every_problem() {
    let path = temp_scene("reloadcmd", &scene_text(2));
    let mut app = common::app_for(load(&path).expect("loads"));
    let control = control_sender(app.world_mut());
    run_ticks(&mut app, RunMode::Ticks(1));
    std::fs::write(&path, BROKEN).expect("broken");
    let pending = control.send_json(br#"{"cmd": "reload"}"#, "test");
    run_ticks(&mut app, RunMode::Ticks(1));
    let Reply::Error(e) = pending.wait_blocking(Duration::from_secs(30)) else {
        panic!("a broken scene was accepted")
    };
    assert!(
        e.contains("2 problem(s)") || e.matches("scene.ron:").count() >= 2,
        "{e}"
    );
    run_ticks(&mut app, RunMode::Ticks(1));
    assert!(
        !control.published().state().scene.problems.is_empty(),
        "in /api/state too"
    );
    std::fs::write(&path, scene_text(9)).expect("fixed");
    let pending = control.send_json(br#"{"cmd": "reload"}"#, "test");
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(pending.wait_blocking(Duration::from_secs(30)), Reply::Ok);
}

#[test]
fn only_changed_sources_restart() {
    let src = |b: &str| {
        format!(
            r#"Scene(sources: {{
                "a": (source: Command(program: "true", format: Text, namespace: "a"), policy: (interval_ms: 100000)),
                "b": (source: Command(program: "{b}", format: Text, namespace: "b"), policy: (interval_ms: 100000)),
            }})"#
        )
    };
    let path = temp_scene("sources", &src("true"));
    let mut app = common::app_for(load(&path).expect("loads"));
    run_ticks(&mut app, RunMode::Ticks(1));
    std::fs::write(&path, src("false")).expect("edited");
    let swapped = swap(app.world_mut(), load(&path).expect("loads")).expect("swapped");
    assert_eq!(swapped.stopped, vec!["b".to_string()]);
    assert_eq!(swapped.started, vec!["b".to_string()]);
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn editing_an_included_file_reloads_the_scene() {
    let path = temp_scene(
        "reload-include",
        r#"Scene(
    include: ["common.ron"],
    display: (width: 64, height: 16, mode: Gray4),
    widgets: [Text(x: 1, y: 2, font: "f", text: "{{ label }}")],
)"#,
    );
    let common = path.with_file_name("common.ron");
    let include = |label: &str| {
        format!(
            "Include(fonts: {{\"f\": (file: \"{}\")}}, data: (initial: {{\"label\": \"{label}\"}}))",
            common::root().join("assets/fonts/spleen-5x8.bdf").display()
        )
    };
    std::fs::write(&common, include("one")).expect("the include");
    let scene = load(&path).expect("the scene loads");
    let mut app = watched(&scene);
    run_ticks(&mut app, RunMode::Ticks(3));
    let before = frame(&app);
    assert!(before.iter().any(|&b| b != 0), "the included font draws");

    // A new font size in the shared file: the scene reloads with it.
    std::fs::write(&common, include("one").replace("spleen-5x8", "spleen-8x16")).expect("edited");
    tick_until(&mut app, "the edit to the include to show", |a| {
        frame(a) != before
    });
    assert_eq!(app.world().resource::<SceneStatus>().reloads, 1);

    std::fs::write(&common, "Include(fonts: {\"f\": (file: 3)})").expect("broken");
    tick_until(&mut app, "the include's problems to be reported", |a| {
        !problems(a).is_empty()
    });
    let reported = problems(&app);
    assert!(
        reported.iter().any(|p| p.contains("common.ron:1:")),
        "at the include's line: {reported:?}"
    );
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn a_reload_that_brings_new_widget_kinds_adds_their_systems_and_draws_them() {
    use tinydisplay::widget::kind::KindSystems;
    let font = common::root().join("assets/fonts/spleen-5x8.bdf");
    let with_new_kinds = format!(
        r#"Scene(
    display: (width: 64, height: 16, mode: Gray4),
    fonts: {{"f": (file: "{}")}},
    widgets: [
        Text(x: 2, y: 2, font: "f", text: "hello"),
        Line(x: 0, y: 14, x2: 63, y2: 14),
        Canvas(x: 40, y: 0, width: 20, height: 10, background: "gray50",
            children: [Text(x: 1, y: 1, font: "f", text: "ok")]),
    ],
)"#,
        font.display()
    );
    let path = temp_scene("reload-kinds", &scene_text(2));
    let mut app = common::app_for(load(&path).expect("loads"));
    run_ticks(&mut app, RunMode::Ticks(2));
    let kinds = |app: &App| app.world().resource::<KindSystems>().added().to_vec();
    assert_eq!(
        kinds(&app),
        vec!["Text"],
        "only the kinds the scene has run"
    );

    std::fs::write(&path, &with_new_kinds).expect("edited");
    let control = control_sender(app.world_mut());
    let pending = control.send_json(br#"{"cmd": "reload"}"#, "test");
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(pending.wait_blocking(Duration::from_secs(30)), Reply::Ok);
    run_ticks(&mut app, RunMode::Ticks(2));
    let mut added = kinds(&app);
    added.sort();
    assert_eq!(added, vec!["Canvas", "Line", "Text"]);

    // The same frame as an engine that ran the new scene from the start.
    let mut fresh = common::app_for(load(&path).expect("loads"));
    run_ticks(&mut fresh, RunMode::Ticks(3));
    assert_eq!(
        frame(&app),
        frame(&fresh),
        "the new kinds' widgets are drawn"
    );
    assert!(frame(&fresh).iter().any(|&p| p != 0));
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn a_symlinked_scene_reloads_when_its_target_is_edited_or_the_link_retargeted() {
    let path = temp_scene("reload-link", "");
    let dir = path.parent().expect("a folder").to_path_buf();
    std::fs::remove_file(&path).expect("no plain file");
    let scenes = dir.join("scenes");
    std::fs::create_dir_all(&scenes).expect("a folder");
    let (winter, summer) = (scenes.join("winter.ron"), scenes.join("summer.ron"));
    std::fs::write(&winter, scene_text(2)).expect("winter");
    std::fs::write(&summer, scene_text(30)).expect("summer");
    // scene.ron -> scenes/winter.ron, relative, as a deployment has it.
    std::os::unix::fs::symlink("scenes/winter.ron", &path).expect("the link");
    let scene = load(&path).expect("the scene loads");
    let mut app = watched(&scene);
    run_ticks(&mut app, RunMode::Ticks(3));
    let first = frame(&app);

    // The target is edited.
    std::fs::write(&winter, scene_text(12)).expect("edited");
    tick_until(&mut app, "the target's edit to show", |a| frame(a) != first);
    let edited = frame(&app);

    // The link is retargeted (atomically: a new link renamed over the old one).
    let tmp = dir.join(".scene.ron.new");
    std::os::unix::fs::symlink("scenes/summer.ron", &tmp).expect("a new link");
    std::fs::rename(&tmp, &path).expect("retargeted");
    tick_until(&mut app, "the new target to show", |a| frame(a) != edited);
    let retargeted = frame(&app);

    // The new target is edited.
    std::fs::write(&summer, scene_text(40)).expect("edited");
    tick_until(&mut app, "the new target's edit to show", |a| {
        frame(a) != retargeted
    });
    assert!(app.world().resource::<SceneStatus>().reloads >= 3);
    tinydisplay::shutdown(app.world_mut());
    let _ = std::fs::remove_dir_all(&dir);
}
