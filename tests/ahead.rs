//! The render orchestrator: frames rendered ahead are the frames inline rendering gives,
//! a visible change purges them, a hidden one does not, and damage is exact.

mod common;

use std::time::Duration;

use bevy_app::App;
use serde_json::json;
use tinydisplay::ahead::{AheadConfig, AheadStats, RenderAhead};
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::prelude::*;

/// An app for `src` with `workers` render-ahead workers (0: inline) that always waits for
/// a frame in flight, so queued frames are really used.
fn app_with(scene: tinydisplay::scene::CompiledScene, workers: usize) -> App {
    with_workers(common::app_for(scene), workers)
}

/// `app` with render-ahead on `workers` threads.
fn with_workers(mut app: App, workers: usize) -> App {
    app.insert_resource(RenderAhead::new(AheadConfig {
        workers,
        depth: 6,
        patience: Duration::from_secs(5),
        engage_above: Duration::ZERO,
    }));
    app
}

fn reference() -> tinydisplay::scene::CompiledScene {
    tinydisplay::scene::load(&common::root().join("scenes/reference.ron")).expect("reference")
}

fn stats(app: &App) -> std::sync::Arc<AheadStats> {
    app.world().resource::<RenderAhead>().stats()
}

fn step(app: &mut App) -> FrameBuffer {
    run_ticks(app, RunMode::Ticks(1));
    app.world().resource::<FrameBuffer>().clone()
}

use common::set;

#[test]
fn queued_frames_equal_inline_frames_for_1000_ticks() {
    for workers in [1, 2, 4] {
        let mut inline = app_with(reference(), 0);
        let mut ahead = app_with(reference(), workers);
        for t in 0..1000 {
            let a = step(&mut inline);
            let b = step(&mut ahead);
            assert!(
                a.data() == b.data(),
                "{workers} worker(s): tick {t} differs"
            );
            assert_eq!(
                a.damage(),
                b.damage(),
                "{workers} worker(s): damage at tick {t}"
            );
        }
        let s = stats(&ahead);
        let (hits, misses) = (AheadStats::get(&s.hits), AheadStats::get(&s.misses));
        // Every tick with damage took its frame from the queue (idle ticks need none).
        assert!(
            hits >= 900,
            "{workers} worker(s): only {hits} of 1000 frames came from the queue"
        );
        assert_eq!(
            misses, 0,
            "{workers} worker(s): {misses} frames painted inline"
        );
        assert_eq!(AheadStats::get(&s.purges), 0);
        tinydisplay::shutdown(ahead.world_mut());
    }
}

const BOUND: &str = r#"Scene(
    display: (width: 128, height: 32, mode: Gray4),
    data: (initial: {"song": "one", "hidden": "a"}),
    widgets: [
        Text(name: "song", x: 0, y: 0, text: "{{ song }}"),
        Text(name: "secret", x: 0, y: 10, text: "{{ hidden }}", visible: false),
        Marquee(x: 0, y: 20, width: 60, height: 8, px_per_tick: 1,
            child: Text(text: "a long title that scrolls by")),
    ],
)"#;

#[test]
fn a_visible_change_purges_and_the_next_frame_shows_it() {
    let mut inline = app_with(common::compile(BOUND), 0);
    let mut ahead = app_with(common::compile(BOUND), 2);
    for t in 0..120 {
        if t == 50 {
            set(&mut inline, "song", json!("two"));
            set(&mut ahead, "song", json!("two"));
        }
        let a = step(&mut inline);
        let b = step(&mut ahead);
        assert!(a.data() == b.data(), "tick {t} differs");
        if t == 50 {
            assert!(a.damage().iter().any(|r| r.y == 0), "the change is damaged");
        }
    }
    let s = stats(&ahead);
    assert_eq!(AheadStats::get(&s.purges), 1, "one change, one purge");
    assert!(
        AheadStats::get(&s.hits) > 100,
        "hits before and after the change"
    );
    assert!(
        AheadStats::get(&s.dropped) > 0,
        "the purged frames were dropped"
    );
}

#[test]
fn a_change_to_a_hidden_widget_does_not_purge() {
    let mut ahead = app_with(common::compile(BOUND), 1);
    for t in 0..80 {
        if t % 10 == 5 {
            set(&mut ahead, "hidden", json!(format!("h{t}")));
        }
        step(&mut ahead);
    }
    let s = stats(&ahead);
    assert_eq!(AheadStats::get(&s.purges), 0);
    assert!(AheadStats::get(&s.hits) > 70);
}

#[test]
fn idle_damage_is_empty_and_a_move_damages_both_places() {
    let src = r#"Scene(display: (width: 64, height: 32),
        widgets: [Rectangle(name: "box", x: 2, y: 3, width: 5, height: 4, fill: "white")])"#;
    let mut app = app_with(common::compile(src), 1);
    step(&mut app);
    assert!(
        step(&mut app).damage().is_empty(),
        "an idle tick has damage"
    );
    let world = app.world_mut();
    let mut q = world.query::<&mut Placement>();
    for mut p in q.iter_mut(world) {
        p.x = 40;
        p.y = 20;
    }
    let fb = step(&mut app);
    let d = fb.damage();
    let covers = |r: Rect| d.iter().any(|x| x.intersect(&r) == r);
    assert!(
        covers(Rect::new(2, 3, 5, 4)),
        "old place not damaged: {d:?}"
    );
    assert!(
        covers(Rect::new(40, 20, 5, 4)),
        "new place not damaged: {d:?}"
    );
    assert_eq!(fb.gray(3, 4), 0, "old place cleared");
    assert_eq!(fb.gray(41, 21), 255, "new place drawn");
}

#[test]
fn the_scene_sets_the_workers() {
    let scene = |ahead: &str| {
        common::compile(&format!(
            r#"Scene(display: (width: 64, height: 16, {ahead}),
            widgets: [Marquee(width: 30, height: 8, px_per_tick: 1,
                child: Text(text: "a title longer than its window"))])"#
        ))
    };
    let queue_work = |scene| {
        let mut app = common::app_for(scene);
        run_ticks(&mut app, RunMode::Ticks(40));
        let s = stats(&app);
        tinydisplay::shutdown(app.world_mut());
        AheadStats::get(&s.hits) + AheadStats::get(&s.misses)
    };
    assert_eq!(
        queue_work(scene("render_ahead: (workers: 0)")),
        0,
        "inline only"
    );
    assert!(
        queue_work(scene(
            "render_ahead: (workers: 2, depth: 3, engage_above_us: 0)"
        )) > 0
    );
    assert_eq!(
        queue_work(scene("render_ahead: (workers: 2, depth: 3)")),
        0,
        "painting this scene takes microseconds: render-ahead does not engage"
    );
    assert_eq!(
        queue_work(scene("")),
        0,
        "by default render-ahead waits until painting is slow"
    );
}

/// A music scene as the frozen-preview report had it: a marquee pausing at each cycle's
/// start, a progress bar on a ramp (MPD's `elapsed`), a title; `title` is what an edit of
/// the file changes.
fn music(title: &str) -> tinydisplay::scene::CompiledScene {
    common::compile(&format!(
        r#"Scene(
    display: (width: 128, height: 32, mode: Gray4),
    widgets: [
        Marquee(x: 0, y: 0, width: 64, height: 10, px_per_tick: 1, pause: 20,
            child: Text(text: "a long moving title that scrolls and pauses")),
        Text(x: 0, y: 12, text: "{title} {{{{ m.elapsed_text }}}}"),
        ProgressBar(x: 0, y: 24, width: 128, height: 6, value: "m.elapsed / m.duration"),
    ],
)"#
    ))
}

/// The ramp MPD's source declares, under `m.`.
fn ramp() -> tinydisplay::data::ramp::Ramps {
    use tinydisplay::data::ramp::{Ramp, Ramps};
    Ramps(vec![Ramp {
        key: "m.elapsed".into(),
        base: "m.elapsed_reported".into(),
        restart: vec!["m.state".into()],
        while_key: "m.state".into(),
        while_value: json!("play"),
        max: Some("m.duration".into()),
        text: Some("m.elapsed_text".into()),
    }])
}

#[test]
fn the_web_preview_follows_every_frame_across_hot_reloads_under_render_ahead() {
    use std::sync::Arc;
    use tinydisplay::sink::present::Sinks;
    use tinydisplay::sink::web::{FrameFeed, WebSink};
    let mut inline = app_with(music("one"), 0);
    let mut ahead = app_with(music("one"), 2);
    let feed = Arc::new(FrameFeed::default());
    let sinks = Sinks::default();
    sinks.push(Box::new(WebSink::new(feed.clone())));
    ahead.insert_resource(sinks);
    for app in [&mut inline, &mut ahead] {
        app.insert_resource(ramp());
        set(app, "m.duration", json!(20));
        set(app, "m.elapsed_reported", json!(0));
        set(app, "m.state", json!("play"));
    }
    for t in 0..400u64 {
        if t % 60 == 30 {
            // An edit of the file, swapped in the way hot reload does, with the queue full.
            for app in [&mut inline, &mut ahead] {
                let new = music(&format!("title {t}"));
                tinydisplay::scene::swap::swap(app.world_mut(), new).expect("swapped");
            }
        }
        if t == 200 {
            for app in [&mut inline, &mut ahead] {
                set(app, "m.state", json!("pause"));
            }
        }
        // A viewer asks every few ticks (as the preview pump does at its own rate).
        if t % 3 == 0 {
            feed.request();
        }
        let a = step(&mut inline);
        let b = step(&mut ahead);
        assert!(a.data() == b.data(), "tick {t}: queued and inline differ");
        if t % 3 == 0 {
            let (mirror, at) = feed.frame().expect("the preview has a frame");
            assert_eq!(at, t, "tick {t}: the preview is at tick {at}");
            assert!(
                mirror.data() == b.data(),
                "tick {t}: the preview shows another frame than the panel"
            );
        }
    }
    let s = stats(&ahead);
    assert!(AheadStats::get(&s.hits) > 100, "render-ahead was used");
    tinydisplay::shutdown(ahead.world_mut());
}

/// A user's kind that moves: a square that walks right and back by `actions`, told to
/// the engine only by the [`Motion`](tinydisplay::timeline::place::Motion) component
/// it writes (render-ahead names no widget kind).
mod walker {
    use bevy_ecs::world::EntityWorldMut;
    use tinydisplay::render::compose::Placement;
    use tinydisplay::timeline::place::{Clock, Motion, Script, Step};
    use tinydisplay::widget::compile::Ctx;
    use tinydisplay::widget::drawing::Drawn;
    use tinydisplay::widget::kind::{Kind, require};
    use tinydisplay::widget::rectangle::Rectangle;

    tinydisplay::widget_spec! {
        /// A walking square: `Walker(side: 4, steps: 20)`.
        pub struct WalkerSpec {
            /// Its side in pixels.
            pub side: u32,
            /// How far it walks, in pixels.
            pub steps: i32,
        }
    }

    /// The square and how it walks.
    #[derive(Debug, Clone)]
    pub struct Walker(Rectangle, Motion);

    /// The `Walker` kind.
    pub struct WalkerKind;

    impl Kind for WalkerKind {
        const NAME: &'static str = "Walker";
        type Spec = WalkerSpec;
        type Compiled = Walker;

        fn compile(spec: &WalkerSpec, ctx: &mut Ctx, _: &mut Placement) -> Walker {
            let walk = |by: i32| Step::Move {
                by: Some((by, 0)),
                to: None,
                ticks: None,
                px_per_tick: Some(1),
            };
            let steps = [
                Step::Wait(5),
                walk(spec.steps),
                Step::Wait(3),
                walk(-spec.steps),
                Step::Loop,
            ];
            let script = Script::compile(&steps).unwrap_or_default();
            let square = Rectangle {
                size: (spec.side, spec.side),
                outline: None,
                fill: Some(ctx.foreground),
                line_width: 1,
            };
            Walker(
                square,
                Motion::Script {
                    script,
                    clock: Clock::from(0),
                },
            )
        }
        fn size(w: &Walker) -> (u32, u32) {
            w.0.size
        }
        fn spawn(w: &Walker, entity: &mut EntityWorldMut) {
            entity.insert((w.0.clone(), w.1.clone(), tinydisplay::app::wake::Declared));
        }
        fn systems(app: &mut bevy_app::App) {
            require::<Drawn<Rectangle>>(app);
        }
    }
}

#[test]
fn render_ahead_predicts_a_user_kind_that_moves_by_its_motion_component() {
    let kinds = Kinds::builtin()
        .register_kind::<walker::WalkerKind>()
        .clone();
    let src = r#"Scene(
        display: (width: 64, height: 16, mode: Gray4),
        widgets: [Text(text: "still"), Walker(x: 2, y: 10, side: 4, steps: 30)],
    )"#;
    let app = |workers| {
        let scene = common::compile_kinds(src, &kinds);
        with_workers(common::app_kinds(scene, &kinds), workers)
    };
    let (mut inline, mut ahead) = (app(0), app(1));
    let (mut first, mut moved) = (None, false);
    for t in 0..150 {
        let a = step(&mut inline);
        let b = step(&mut ahead);
        assert!(a.data() == b.data(), "tick {t} differs");
        moved |= first
            .as_ref()
            .is_some_and(|f: &FrameBuffer| f.data() != a.data());
        first.get_or_insert(a);
    }
    assert!(moved, "the walker walks");
    let s = stats(&ahead);
    assert_eq!(
        AheadStats::get(&s.misses),
        0,
        "every moving frame was predicted"
    );
    assert_eq!(AheadStats::get(&s.purges), 0, "no prediction failed");
    assert!(AheadStats::get(&s.hits) > 100, "frames came from the queue");
    tinydisplay::shutdown(ahead.world_mut());
}
