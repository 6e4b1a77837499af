//! The Graph widget as a user sees it: golden frames of a key's history drawn as a line,
//! as bars, with an automatic range and with a grid; and that it redraws only when its
//! key changes or its window slides by a column.

mod common;

use bevy_app::App;
use common::assert_golden;
use serde_json::json;
use tinydisplay::app::{RunMode, Tick, run_ticks};
use tinydisplay::render::FrameBuffer;
use tinydisplay::render::compose::RenderStats;

/// A 64×24 scene around one graph.
fn scene(mode: &str, graph: &str) -> String {
    format!(
        r#"Scene(
    display: (width: 64, height: 24, mode: {mode}),
    widgets: [{graph}],
)"#
    )
}

/// A temperature-like series: one value every 2 ticks from tick 0 to 62.
fn series() -> Vec<(u64, f64)> {
    (0..32u64)
        .map(|i| {
            let v = 20.0 + 6.0 * ((i as f64) / 4.0).sin() + (i % 5) as f64 * 0.5;
            (i * 2, v)
        })
        .collect()
}

fn tick(app: &App) -> u64 {
    app.world().resource::<Tick>().0
}

/// Runs the app tick by tick to `until`, sending each value just before its tick.
fn feed(app: &mut App, key: &str, values: &[(u64, f64)], until: u64) {
    while tick(app) < until {
        let t = tick(app);
        for (_, v) in values.iter().filter(|(at, _)| *at == t) {
            common::set(app, key, json!(v));
        }
        run_ticks(app, RunMode::Ticks(1));
    }
}

fn graph_frame(mode: &str, graph: &str) -> FrameBuffer {
    let mut app = common::app_for(common::compile(&scene(mode, graph)));
    feed(&mut app, "sensor.temp", &series(), 64);
    app.world().resource::<FrameBuffer>().clone()
}

#[test]
fn graph_line_with_a_fixed_range() {
    assert_golden(
        "graph_line",
        &graph_frame(
            "Mono",
            r#"Graph(x: 0, y: 0, width: 64, height: 24, key: "sensor.temp", min: 10, max: 30, window: 64)"#,
        ),
    );
}

#[test]
fn graph_bars() {
    assert_golden(
        "graph_bars",
        &graph_frame(
            "Mono",
            r#"Graph(width: 64, height: 24, key: "sensor.temp", style: bars, bar_width: 3, min: 10, max: 30, window: 64)"#,
        ),
    );
}

#[test]
fn graph_auto_range_fills_the_height() {
    assert_golden(
        "graph_auto",
        &graph_frame(
            "Mono",
            r#"Graph(width: 64, height: 24, key: "sensor.temp", window: 64)"#,
        ),
    );
}

#[test]
fn graph_grid_in_grey() {
    assert_golden(
        "graph_grid",
        &graph_frame(
            "Gray4",
            r##"Graph(width: 64, height: 24, key: "sensor.temp", window: 64, grid: (rows: 4, columns: 8),
                      grid_color: "gray50", color: "#ffffff", background: "gray10")"##,
        ),
    );
}

#[test]
fn a_graph_redraws_when_its_key_changes_or_its_window_slides_a_column() {
    // 32 columns over 320 ticks: the window slides one column every 10 ticks.
    let mut app = common::app_for(common::compile(&scene(
        "Mono",
        r#"Graph(width: 32, height: 24, key: "sensor.temp", window: 320)"#,
    )));
    common::set(&mut app, "sensor.temp", json!(20));
    run_ticks(&mut app, RunMode::Ticks(1));
    let redraws = |app: &App| app.world().resource::<RenderStats>().redraws();
    let before = redraws(&app);
    // Ticks 1..=39: no change of its key (another key changes), the edge moves at 10, 20, 30.
    for t in 1..40 {
        common::set(&mut app, "other.key", json!(t));
        run_ticks(&mut app, RunMode::Ticks(1));
    }
    assert_eq!(redraws(&app) - before, 3, "one redraw per column slid");
    let before = redraws(&app);
    common::set(&mut app, "sensor.temp", json!(25));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(redraws(&app) - before, 1, "a new value redraws at once");
    let before = redraws(&app);
    common::set(&mut app, "sensor.temp", json!(25));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(redraws(&app) - before, 0, "the same value is no change");
}

#[test]
fn bad_graph_fields_are_check_errors_at_their_lines() {
    let src = r#"Scene(
    display: (width: 64, height: 24, contrast: 300),
    widgets: [
        Graph(width: 64, height: 24, key: "a.b", window: 0),
        Graph(width: 64, height: 24, key: "a.b", min: 5, max: 1),
        Graph(width: 64, height: 24, key: "a.b", window: 10, window_s: 2),
        Graph(key: "a.b"),
    ],
)"#;
    let path = common::root().join("scenes").join("bad.ron");
    let problems = match tinydisplay::scene::compile_str(src, &path) {
        Ok(_) => panic!("a bad scene was accepted"),
        Err(tinydisplay::scene::SceneError::Invalid(p)) => p,
        Err(e) => panic!("unexpected error {e}"),
    };
    let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let at = |line: usize, needle: &str| {
        assert!(
            shown
                .iter()
                .any(|s| s.contains(&format!("bad.ron:{line}:")) && s.contains(needle)),
            "no error at line {line} about {needle:?} in {shown:#?}"
        );
    };
    at(2, "contrast must be 0..=255");
    at(4, "window must be at least 1");
    at(5, "max (1) must be greater than min (5)");
    at(6, "not both");
    at(7, "needs a width");
}
