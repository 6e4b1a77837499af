//! Engine behaviour a user relies on: tick order, change-driven rendering, determinism.

mod common;

use bevy_app::App;
use bevy_ecs::prelude::*;
use tinydisplay::app::{RunMode, Tick, TickSchedule, TickSet, run_ticks};
use tinydisplay::render::compose::{RenderStats, Visible};
use tinydisplay::render::{FrameBuffer, Rect};
use tinydisplay::scene::WidgetName;
use tinydisplay::widget::progress::ProgressBar;
use tinydisplay::widget::text::Text;

const SCENE: &str = r#"Scene(
    display: (width: 64, height: 32, mode: Gray4),
    widgets: [
        Text(name: "a", x: 1, y: 1, text: "one"),
        Text(name: "b", x: 1, y: 12, text: "two"),
        ProgressBar(name: "bar", x: 30, y: 2, width: 30, height: 6, value: 0.5),
    ],
)"#;

fn app() -> App {
    common::app_for(common::compile(SCENE))
}

fn redraws(app: &App) -> u64 {
    app.world().resource::<RenderStats>().redraws()
}

fn damage(app: &App) -> Vec<Rect> {
    app.world().resource::<FrameBuffer>().damage().to_vec()
}

fn set_text(app: &mut App, name: &str, text: &str) {
    let world = app.world_mut();
    let mut q = world.query::<(&WidgetName, &mut Text)>();
    for (n, mut t) in q.iter_mut(world) {
        if n.0 == name {
            t.content = text.to_string();
        }
    }
}

#[test]
fn the_first_tick_draws_everything_and_an_idle_tick_nothing() {
    let mut app = app();
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(redraws(&app), 3);
    assert_eq!(damage(&app), vec![Rect::new(0, 0, 64, 32)]);
    let before = app.world().resource::<FrameBuffer>().clone();
    run_ticks(&mut app, RunMode::Ticks(5));
    assert_eq!(redraws(&app), 3, "an idle tick redrew a widget");
    assert!(damage(&app).is_empty(), "an idle tick has damage");
    assert_eq!(app.world().resource::<FrameBuffer>().data(), before.data());
}

#[test]
fn a_change_redraws_only_that_widget_and_damages_its_places() {
    let mut app = app();
    run_ticks(&mut app, RunMode::Ticks(1));
    set_text(&mut app, "b", "twenty-two");
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(redraws(&app), 4);
    // Old "two" (3 glyphs of 5 px) and new "twenty-two" (10 glyphs) overlap: one merged rect.
    assert_eq!(damage(&app), vec![Rect::new(1, 12, 50, 8)]);
}

#[test]
fn hiding_a_widget_damages_where_it_was() {
    let mut app = app();
    run_ticks(&mut app, RunMode::Ticks(1));
    let world = app.world_mut();
    let mut q = world.query::<(&WidgetName, &mut Visible)>();
    for (n, mut v) in q.iter_mut(world) {
        if n.0 == "a" {
            v.0 = false;
        }
    }
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(redraws(&app), 3, "hiding is not a redraw");
    assert_eq!(damage(&app), vec![Rect::new(1, 1, 15, 8)]);
    let fb = app.world().resource::<FrameBuffer>();
    assert!(
        (0..16).all(|x| (0..10).all(|y| fb.gray(x, y) == 0)),
        "hidden text still shows"
    );
}

/// Records which set each of a user's systems ran in.
#[derive(Resource, Default)]
struct Order(Vec<&'static str>);

#[test]
fn user_systems_run_in_the_public_sets_in_order() {
    let mut app = app();
    app.init_resource::<Order>();
    // Added in reverse on purpose: the sets, not the insertion order, decide.
    app.add_systems(
        TickSchedule,
        (|mut o: ResMut<Order>| o.0.push("advance")).in_set(TickSet::Advance),
    );
    app.add_systems(
        TickSchedule,
        (|mut o: ResMut<Order>| o.0.push("present")).in_set(TickSet::Present),
    );
    app.add_systems(
        TickSchedule,
        (|mut o: ResMut<Order>| o.0.push("render")).in_set(TickSet::Render),
    );
    app.add_systems(
        TickSchedule,
        (|mut o: ResMut<Order>| o.0.push("animate")).in_set(TickSet::Animate),
    );
    app.add_systems(
        TickSchedule,
        (|mut o: ResMut<Order>| o.0.push("propagate")).in_set(TickSet::Propagate),
    );
    app.add_systems(
        TickSchedule,
        (|mut o: ResMut<Order>| o.0.push("ingest")).in_set(TickSet::Ingest),
    );
    run_ticks(&mut app, RunMode::Ticks(2));
    let order = &app.world().resource::<Order>().0;
    let one = [
        "ingest",
        "propagate",
        "animate",
        "render",
        "present",
        "advance",
    ];
    assert_eq!(order[..6], one);
    assert_eq!(order[6..], one);
    assert_eq!(app.world().resource::<Tick>().0, 2);
}

#[test]
fn a_user_system_in_animate_changes_the_frame_of_the_same_tick() {
    let mut app = app();
    app.add_systems(
        TickSchedule,
        (|tick: Res<Tick>, mut bars: Query<&mut ProgressBar>| {
            for mut b in &mut bars {
                b.value = tick.0 as f64 / 10.0;
            }
        })
        .in_set(TickSet::Animate),
    );
    run_ticks(&mut app, RunMode::Ticks(11));
    let fb = app.world().resource::<FrameBuffer>();
    // Tick 10: value 1.0, the whole inside of the bar is filled.
    assert!((31..59).all(|x| fb.gray(x, 4) == 255));
}

#[test]
fn same_scene_same_frames() {
    let run = || {
        let mut app = app();
        let mut frames = Vec::new();
        for i in 0..5 {
            set_text(&mut app, "a", &format!("n={i}"));
            run_ticks(&mut app, RunMode::Ticks(1));
            frames.push(app.world().resource::<FrameBuffer>().data().to_vec());
        }
        frames
    };
    assert_eq!(run(), run());
}

#[test]
fn real_time_mode_runs_the_asked_number_of_ticks() {
    let mut app = app();
    run_ticks(&mut app, RunMode::RealTime(Some(3)));
    assert_eq!(app.world().resource::<Tick>().0, 3);
    let pacing = app.world().resource::<tinydisplay::app::Pacing>();
    assert_eq!(pacing.ticks, 3);
}

#[test]
fn a_tick_a_whole_period_late_skips_ticks_instead_of_drifting() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let mut app = app();
    app.insert_resource(tinydisplay::app::Fps(100));
    let runs = Arc::new(AtomicU64::new(0));
    let counter = runs.clone();
    app.add_systems(
        tinydisplay::app::TickSchedule,
        (move |tick: bevy_ecs::prelude::Res<Tick>| {
            counter.fetch_add(1, Ordering::Relaxed);
            if tick.0 == 2 {
                std::thread::sleep(std::time::Duration::from_millis(35));
            }
        })
        .in_set(tinydisplay::app::TickSet::Animate),
    );
    run_ticks(&mut app, RunMode::RealTime(Some(10)));
    let pacing = *app.world().resource::<tinydisplay::app::Pacing>();
    assert_eq!(app.world().resource::<Tick>().0, 10, "the clock kept time");
    assert!(pacing.skipped >= 2, "{pacing:?}");
    assert_eq!(runs.load(Ordering::Relaxed), 10 - pacing.skipped);
    assert!(pacing.present_late_quantile(1.0).is_some());
}

#[test]
fn without_render_ahead_the_render_plugin_paints_inline() {
    use tinydisplay::{app, control, data, motion, panel, render, sink, widget};
    let scene = common::compile(SCENE);
    let mut full = common::app_for(scene.clone());
    run_ticks(&mut full, RunMode::Ticks(3));
    let mut bare = App::new();
    bare.add_plugins((
        bevy_app::TaskPoolPlugin::default(),
        app::TickPlugin,
        data::DataPlugin,
        motion::MotionPlugin,
        render::RenderPlugin,
        widget::WidgetPlugin,
        panel::power::PowerPlugin,
        sink::present::PresentPlugin,
        control::ControlPlugin,
        tinydisplay::scene::ScenePlugin { scene },
    ));
    run_ticks(&mut bare, RunMode::Ticks(3));
    let fb = bare.world().resource::<FrameBuffer>();
    assert!(fb.data().iter().any(|&p| p != 0), "something was painted");
    assert_eq!(fb, full.world().resource::<FrameBuffer>());
}

#[test]
fn the_engine_resolves_render_ahead_once_scene_then_overrides() {
    use tinydisplay::engine::Engine;
    let scene = common::compile(
        r#"Scene(display: (width: 32, height: 8, render_ahead: (workers: 2, depth: 3)))"#,
    );
    let engine = Engine::new(scene.clone());
    assert_eq!(
        (engine.ahead_config().workers, engine.ahead_config().depth),
        (2, 3)
    );
    let engine = Engine::new(scene).workers(Some(0));
    assert_eq!(
        (engine.ahead_config().workers, engine.ahead_config().depth),
        (0, 3)
    );
}

/// What ran at shutdown, in order.
#[derive(Resource, Default)]
struct Stopped(Vec<&'static str>);

#[test]
fn shutdown_runs_every_plugins_steps_in_order_a_users_included() {
    use tinydisplay::app::{Shutdown, ShutdownSet};
    let mut app = app();
    app.init_resource::<Stopped>();
    app.add_systems(
        Shutdown,
        (
            (|mut s: ResMut<Stopped>| s.0.push("outputs")).in_set(ShutdownSet::Outputs),
            (|mut s: ResMut<Stopped>| s.0.push("save")).in_set(ShutdownSet::Save),
            (|mut s: ResMut<Stopped>| s.0.push("inputs")).in_set(ShutdownSet::Inputs),
        ),
    );
    run_ticks(&mut app, RunMode::Ticks(2));
    assert!(tinydisplay::shutdown(app.world_mut()).is_empty());
    assert_eq!(
        app.world().resource::<Stopped>().0,
        ["inputs", "save", "outputs"]
    );
}
