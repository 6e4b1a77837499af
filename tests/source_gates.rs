//! Per-source `enabled`: a source set to `false` never runs, one with a condition runs
//! while the condition holds (started when it turns true, stopped when it turns false),
//! and its health says so in `_source.<name>.enabled`.

mod common;

use bevy_app::App;
use serde_json::json;
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::data::Dataset;
use tinydisplay::data::ingest::DataInbox;
use tinydisplay::data::scene_sources::RunningSources;
use tinydisplay::source::Message;

/// A scene reading `file` with a File source gated by `enabled`.
fn scene(file: &std::path::Path, enabled: &str) -> String {
    format!(
        r#"Scene(
        data: (initial: {{"ctl.on": false}}),
        sources: {{
            "np": (source: File(path: {:?}, namespace: "np"), policy: (interval_ms: 20), enabled: {enabled}),
            "always": (source: Clock(timezone: "UTC"), policy: (interval_ms: 1000)),
        }},
        widgets: [Text(name: "t", text: "{{{{ np.title }}}}")],
    )"#,
        file.display().to_string()
    )
}

fn temp_file(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tinydisplay-gate-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let json = dir.join("now.json");
    std::fs::write(&json, r#"{"title": "From a file"}"#).expect("write");
    json
}

fn runs(app: &App, name: &str) -> bool {
    app.world().resource::<RunningSources>().has(name)
}

fn value(app: &App, key: &str) -> Option<serde_json::Value> {
    app.world().resource::<Dataset>().get(key).cloned()
}

/// Sends a value the way a source would; it lands at the next tick.
fn send(app: &App, key: &str, v: serde_json::Value) {
    let tx = app.world().resource::<DataInbox>().sender();
    tx.send(Message::Set {
        key: key.to_owned(),
        value: v,
    })
    .expect("the inbox");
}

/// Runs ticks (sources work on their own threads) until `done` or 10 s (a hang guard).
fn run_until(app: &mut App, mut done: impl FnMut(&mut App) -> bool) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
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
fn a_source_set_to_false_never_runs_and_its_health_says_disabled() {
    let file = temp_file("off");
    let mut app = common::app_for(common::compile_with_sources(&scene(&file, "false")));
    run_ticks(&mut app, RunMode::Ticks(3));
    assert!(!runs(&app, "np"), "a disabled source is not started");
    assert!(runs(&app, "always"), "the other source runs");
    assert_eq!(value(&app, "_source.np.enabled"), Some(json!(false)));
    assert_eq!(
        value(&app, "_source.always.enabled"),
        None,
        "an ungated source has no enabled key"
    );
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn a_conditional_source_starts_and_stops_with_its_condition() {
    let file = temp_file("cond");
    let mut app = common::app_for(common::compile_with_sources(&scene(
        &file,
        r#""ctl.on == true""#,
    )));
    run_ticks(&mut app, RunMode::Ticks(2));
    assert!(!runs(&app, "np"), "the condition is false at start");
    assert_eq!(value(&app, "_source.np.enabled"), Some(json!(false)));
    assert_eq!(value(&app, "np.title"), None);

    send(&app, "ctl.on", json!(true));
    assert!(
        run_until(&mut app, |a| value(a, "np.title")
            == Some(json!("From a file"))),
        "the source starts when its condition turns true"
    );
    assert!(runs(&app, "np"));
    assert_eq!(value(&app, "_source.np.enabled"), Some(json!(true)));

    send(&app, "ctl.on", json!(false));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert!(!runs(&app, "np"), "stopped when the condition turns false");
    assert_eq!(value(&app, "_source.np.enabled"), Some(json!(false)));
    assert_eq!(
        value(&app, "np.title"),
        Some(json!("From a file")),
        "its values stay"
    );

    std::fs::write(&file, r#"{"title": "Again"}"#).expect("rewrite");
    send(&app, "ctl.on", json!(true));
    assert!(
        run_until(&mut app, |a| value(a, "np.title") == Some(json!("Again"))),
        "started again when it turns true again"
    );
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn a_condition_that_does_not_compile_is_a_check_error() {
    let file = temp_file("bad");
    let src = scene(&file, r#""ctl.on ==""#);
    let path = common::root().join("scenes").join("test.ron");
    let err = tinydisplay::scene::compile_str(&src, &path)
        .map(|_| ())
        .expect_err("a broken condition");
    let text = err.to_string();
    assert!(text.contains("does not compile"), "{text}");
    assert!(
        text.contains("test.ron:4:"),
        "located at its `enabled`: {text}"
    );
}
