//! A template that fails at run time is logged once per binding until it recovers, naming
//! the widget, the scene line and the error, and the widget shows its fallback.

mod common;

use std::sync::Mutex;

use serde_json::json;
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::scene::WidgetName;
use tinydisplay::widget::text::Text;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        if let Ok(mut l) = LINES.lock() {
            l.push(format!("{} {}", record.level(), record.args()));
        }
    }
    fn flush(&self) {}
}

fn lines_about(needle: &str) -> Vec<String> {
    LINES
        .lock()
        .map(|l| l.iter().filter(|s| s.contains(needle)).cloned().collect())
        .unwrap_or_default()
}

fn text_of(app: &mut bevy_app::App, name: &str) -> String {
    let world = app.world_mut();
    let mut q = world.query::<(&WidgetName, &Text)>();
    q.iter(world)
        .find(|(n, _)| n.0 == name)
        .map(|(_, t)| t.content.clone())
        .unwrap_or_default()
}

#[test]
fn a_failing_template_is_logged_once_with_widget_and_line_until_it_recovers() {
    let _ = log::set_logger(&Capture);
    log::set_max_level(log::LevelFilter::Info);
    let src = r#"Scene(
    data: (initial: {"mpd.elapsed": "soon"}),
    widgets: [
        Text(text: "static"),
        Text(name: "elapsed",
             text: "{{ mpd.elapsed | duration }}", fallback: "-:--"),
        Text(y: 8, text: "{{ mpd.elapsed | filesize }}", fallback: "?"),
    ],
)"#;
    let mut app = common::app_for(common::compile(src));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(text_of(&mut app, "elapsed"), "-:--");
    for v in ["later", "never"] {
        common::set(&mut app, "mpd.elapsed", json!(v));
        run_ticks(&mut app, RunMode::Ticks(1));
    }
    let named = lines_about("Text \"elapsed\"");
    assert_eq!(named.len(), 1, "logged once while failing: {named:#?}");
    let line = &named[0];
    assert!(line.starts_with("WARN"), "{line}");
    assert!(
        line.contains("test.ron:6:14"),
        "the scene line of `text`: {line}"
    );
    assert!(
        line.contains("not a number of seconds"),
        "the error: {line}"
    );
    assert!(line.contains("fallback"), "{line}");
    let unnamed = lines_about("Text widgets[2]");
    assert_eq!(
        unnamed.len(),
        1,
        "an unnamed widget by kind and index: {unnamed:#?}"
    );

    common::set(&mut app, "mpd.elapsed", json!(125));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(text_of(&mut app, "elapsed"), "2:05");
    assert_eq!(
        lines_about("Text \"elapsed\"").len(),
        2,
        "recovery is logged"
    );
    common::set(&mut app, "mpd.elapsed", json!("again"));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(
        lines_about("Text \"elapsed\"").len(),
        3,
        "a new failure after recovering is logged again"
    );
}

#[test]
fn an_empty_or_not_yet_arrived_image_name_shows_nothing_silently() {
    let _ = log::set_logger(&Capture);
    log::set_max_level(log::LevelFilter::Info);
    let src = r#"Scene(
    widgets: [
        Image(name: "cover", file: "{{ art.file }}", when: "art.file != ''",
              width: 8, height: 8),
    ],
)"#;
    let mut app = common::app_for(common::compile(src));
    run_ticks(&mut app, RunMode::Ticks(2));
    common::set(&mut app, "art.file", json!(""));
    run_ticks(&mut app, RunMode::Ticks(2));
    let noisy = lines_about("cannot read image");
    assert!(noisy.is_empty(), "an empty name is not a file: {noisy:#?}");
    let about = lines_about("Image \"cover\"");
    assert!(
        about.is_empty(),
        "nothing to say before art.file arrives: {about:#?}"
    );
}

#[test]
fn a_value_not_arrived_yet_shows_the_fallback_silently_but_a_real_error_logs() {
    let _ = log::set_logger(&Capture);
    log::set_max_level(log::LevelFilter::Info);
    let src = r#"Scene(
    widgets: [
        Text(name: "blink", text: "{{ 'on' if tick.second % 2 else 'off' }}", fallback: "-"),
        Text(name: "secs", y: 8, text: "{{ tick.elapsed | duration }}", fallback: "-:--"),
    ],
)"#;
    let mut app = common::app_for(common::compile(src));
    run_ticks(&mut app, RunMode::Ticks(3));
    assert_eq!(text_of(&mut app, "blink"), "-");
    assert_eq!(text_of(&mut app, "secs"), "-:--");
    let early = [lines_about("Text \"blink\""), lines_about("Text \"secs\"")].concat();
    assert!(early.is_empty(), "nothing is wrong yet: {early:#?}");
    common::set(&mut app, "tick.second", json!("soon"));
    common::set(&mut app, "tick.elapsed", json!(""));
    run_ticks(&mut app, RunMode::Ticks(1));
    let blink = lines_about("Text \"blink\"");
    assert_eq!(blink.len(), 1, "a real error is logged once: {blink:#?}");
    let secs = lines_about("Text \"secs\"");
    assert_eq!(secs.len(), 1, "{secs:#?}");
    assert!(
        secs[0].contains("\"\" is not a number of seconds"),
        "the empty value is shown quoted: {}",
        secs[0]
    );
}
