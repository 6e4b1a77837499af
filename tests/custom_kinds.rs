//! A user's widget kind (the gauge of `examples/custom_widget.rs`) named in a RON scene:
//! it renders like the built-in kinds, its bound field follows the data, and `check`
//! reports its field errors at file:line:col.

mod common;

#[allow(dead_code, reason = "the example's main is not used here")]
#[path = "../examples/custom_widget.rs"]
mod custom_widget;

use custom_widget::{GaugeKind, GaugePlugin, SCENE};
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::render::FrameBuffer;
use tinydisplay::widget::kind::register;

fn app(src: &str) -> bevy_app::App {
    register::<GaugeKind>();
    let mut app = common::app_for(common::compile(src));
    app.add_plugins(GaugePlugin);
    app
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
    register::<GaugeKind>();
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
