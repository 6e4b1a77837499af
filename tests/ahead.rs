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
    let mut app = common::app_for(scene);
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
