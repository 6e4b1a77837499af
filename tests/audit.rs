//! Rate limits and the audit trail: a surface that sends more than `control.rate_limit`
//! commands a second is refused with a clear error (HTTP 429) and counted in `/metrics`;
//! every applied command is logged once at info with its surface and, over HTTP, the
//! client's address, and a recording says who sent each command.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use common::live::{Live, get, post};
use serde_json::{Value, json};
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::control::record::Recorder;
use tinydisplay::control::replay::RecordPlugin;
use tinydisplay::control::{Origin, control_sender};

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

#[test]
fn a_surface_over_its_rate_limit_is_refused_counted_and_applied_commands_are_audited() {
    let _ = log::set_logger(&Capture);
    log::set_max_level(log::LevelFilter::Info);
    let scene = r#"Scene(
    display: (width: 32, height: 8, mode: Mono, fps: 30),
    control: (rate_limit: 1),
    widgets: [],
)"#;
    let live = Live::start(common::compile(scene), None);
    // One a second in bursts of ten: commands sent one after the other (each answered in a
    // tick) go through ten and more (the bucket refills meanwhile), then one is refused.
    let mut refused = None;
    for i in 0..200 {
        let cmd = json!({"cmd": "set", "key": "audit.n", "value": i});
        let (status, reply) = post(&live.url("/api/control"), &cmd.to_string());
        if status != 200 {
            refused = Some((i, status, reply));
            break;
        }
    }
    let (i, status, reply) = refused.expect("a command was refused");
    assert!(i >= 10, "a burst of ten is allowed, {i} went through");
    assert_eq!(status, 429, "{reply}");
    let error = reply["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("rate limit: http sent more than 1 commands a second"),
        "{error}"
    );
    assert!(error.contains("control.rate_limit"), "{error}");
    // Another surface has its own allowance.
    let other = live
        .control
        .send_json(br#"{"cmd": "pause"}"#, "mqtt")
        .wait_blocking(Duration::from_secs(30));
    assert!(other.is_ok(), "{other:?}");
    let (_, body) = get(&live.url("/metrics"));
    let metrics = String::from_utf8_lossy(&body);
    assert!(
        metrics.contains(r#"tinydisplay_control_rate_limited_total{surface="http"} 1"#),
        "{metrics}"
    );
    // Each applied command once, at info, with the client's address; the refused one not.
    let audit = lines_about("control (http from 127.0.0.1:");
    assert!(audit.iter().all(|l| l.starts_with("INFO ")), "{audit:#?}");
    let logged: Vec<String> = audit
        .iter()
        .filter_map(|l| l.split_once("): ").map(|(_, cmd)| cmd.to_owned()))
        .collect();
    let applied: Vec<String> = (0..i)
        .map(|n| json!({"cmd": "set", "key": "audit.n", "value": n}).to_string())
        .collect();
    assert_eq!(
        logged, applied,
        "each applied command once, the refused one not"
    );
    assert_eq!(
        lines_about(r#"control (mqtt): {"cmd":"pause"}"#).len(),
        1,
        "{:#?}",
        lines_about("control (")
    );
}

#[test]
fn a_recording_says_who_sent_each_command() {
    let dir = std::env::temp_dir().join(format!("tinydisplay-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let rec = dir.join("run.tdrec");
    let scene = common::compile("Scene(widgets: [])");
    let mut app = common::app_for(scene.clone());
    app.insert_resource(Recorder::create(&rec, &scene.path, 30).expect("a recording"));
    app.add_plugins(RecordPlugin);
    let control = control_sender(app.world_mut());
    let from_http = Origin {
        surface: "http".into(),
        client: Some("192.0.2.7:4242".into()),
    };
    let a = control.send_from(tinydisplay::control::Command::Pause, from_http.clone());
    let b = control.send_json(br#"{"cmd": "resume"}"#, "nats");
    run_ticks(&mut app, RunMode::Ticks(2));
    assert!(a.wait_blocking(Duration::from_secs(5)).is_ok());
    assert!(b.wait_blocking(Duration::from_secs(5)).is_ok());
    tinydisplay::shutdown(app.world_mut());
    drop(app);
    let text = std::fs::read_to_string(&rec).expect("the recording");
    let line: Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l.get("cmd").is_some())
        .expect("a line with the commands");
    assert_eq!(
        line["cmd"],
        json!([{"cmd": "pause"}, {"cmd": "resume"}]),
        "{line}"
    );
    assert_eq!(
        line["by"],
        json!([{"surface": "http", "client": "192.0.2.7:4242"}, {"surface": "nats"}]),
        "{line}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
