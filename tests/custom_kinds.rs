//! A user's widget kind (the gauge of `examples/custom_widget.rs`) and source kind (the
//! counter of `examples/custom_source.rs`) named in RON scenes: they render like the
//! built-in kinds, a bound field follows the data, and `check` reports their field
//! errors at file:line:col.

mod common;

#[allow(dead_code, reason = "the example's main is not used here")]
#[path = "../examples/custom_widget.rs"]
mod custom_widget;

#[allow(dead_code, reason = "the example's main is not used here")]
#[path = "../examples/custom_source.rs"]
mod custom_source;

use custom_source::CounterKind;
use custom_widget::{Gauge, SCENE};
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::render::FrameBuffer;
use tinydisplay::widget::drawing::Drawn;
use tinydisplay::widget::kind::register;

fn app(src: &str) -> bevy_app::App {
    register::<Drawn<Gauge>>();
    common::app_for(common::compile(src))
}

#[test]
fn a_custom_kind_from_ron_renders_like_a_built_in_one() {
    let mut app = app(SCENE);
    run_ticks(&mut app, RunMode::Ticks(2));
    let fb = app.world().resource::<FrameBuffer>().clone();
    // 62 px / 10 segments = 6 px each; 70 % lights 7 of them.
    let lit = |segment: u32| fb.data()[((12 + 5) * 64 + 1 + segment * 6 + 3) as usize] > 0;
    assert!((0..7).all(lit), "the first seven segments are lit");
    assert!(!(7..10).any(lit), "the last three are outlines");
    common::assert_golden("custom_gauge", &fb);
}

#[test]
fn a_custom_kinds_bound_field_follows_the_data() {
    let mut app = app(SCENE);
    run_ticks(&mut app, RunMode::Ticks(2));
    common::set(&mut app, "cpu.load", serde_json::json!(20));
    run_ticks(&mut app, RunMode::Ticks(2));
    let fb = app.world().resource::<FrameBuffer>();
    let lit = |segment: u32| fb.data()[((12 + 5) * 64 + 1 + segment * 6 + 3) as usize] > 0;
    assert!(
        (0..2).all(lit) && !(2..10).any(lit),
        "20 % lights two segments"
    );
}

#[test]
fn check_reports_a_custom_kinds_field_errors_at_their_place() {
    register::<Drawn<Gauge>>();
    let src = "Scene(\n  widgets: [\n    Gauge(width: 40, height: 6,\n      segments: 0, colr: \"red\"),\n  ],\n)";
    let err = match tinydisplay::scene::compile_str(src, "g.ron".as_ref()) {
        Ok(_) => panic!("a gauge with 0 segments and an unknown field passed the check"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("g.ron:4:7: error: segments must be 1..=64"),
        "{err}"
    );
    assert!(
        err.contains("g.ron:4:20: error: unknown field `colr`"),
        "{err}"
    );
}

#[test]
fn an_unregistered_kind_is_refused_with_the_known_ones() {
    let src = "Scene(widgets: [Dial(width: 4)])";
    let err = match tinydisplay::scene::compile_str(src, "d.ron".as_ref()) {
        Ok(_) => panic!("an unknown kind passed the check"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("Dial") && err.contains("`Text`"), "{err}");
}

#[test]
fn a_custom_source_kind_from_ron_feeds_the_scene() {
    tinydisplay::source::kind::register::<CounterKind>();
    // A long interval: only the first poll (at start) comes, so the frame is certain.
    let src = custom_source::SCENE.replace("interval_ms: 20", "interval_ms: 600000");
    let mut app = common::app_for(common::compile_with_sources(&src));
    let mut ticks = 0;
    loop {
        run_ticks(&mut app, RunMode::Ticks(1));
        let data = app.world().resource::<tinydisplay::data::Dataset>();
        if data.get("counter.value").is_some() || ticks > 2000 {
            break;
        }
        ticks += 1;
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    run_ticks(&mut app, RunMode::Ticks(1));
    let data = app.world().resource::<tinydisplay::data::Dataset>();
    assert_eq!(data.get("counter.value"), Some(&serde_json::json!(1)));
    common::assert_golden("custom_counter", app.world().resource::<FrameBuffer>());
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn check_reports_a_custom_sources_problems_at_their_place() {
    tinydisplay::source::kind::register::<CounterKind>();
    let src = "Scene(\n  sources: {\n    \"c\": (source: Counter(namespace: \"\",\n      fail_evry: 3)),\n  },\n)";
    let err = match tinydisplay::scene::compile_str(src, "c.ron".as_ref()) {
        Ok(_) => panic!("a bad counter passed the check"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("c.ron:3:11: error: a counter needs a namespace"),
        "{err}"
    );
    assert!(
        err.contains("c.ron:4:7: error: unknown field `fail_evry`"),
        "{err}"
    );
}

#[test]
fn the_gauges_drawing_reads_as_a_picture() {
    use tinydisplay::render::layer::Layer;
    use tinydisplay::render::shapes::pattern::assert_pattern;
    use tinydisplay::render::{Color, PixelMode};
    use tinydisplay::widget::drawing::Draw;

    let gauge = Gauge {
        size: (16, 3),
        value: 0.5,
        segments: 4,
        color: Color::WHITE,
    };
    let mut layer = Layer::new(16, 3, PixelMode::Mono);
    gauge.draw(&mut layer);
    assert_pattern(
        &layer,
        &["###.###.###.###.", "###.###.#.#.#.#.", "###.###.###.###."],
    );
}
