//! Sources that misbehave: over-long lines, no line ends, floods of invalid lines,
//! shrinking arrays, commands that hang past the engine's exit. Each keeps memory bounded,
//! says why in the source's health and keeps the last good value.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::json;
use tinydisplay::source::{
    CommandConfig, CommandSource, Format, Message, Policy, ProcessConfig, ProcessSource,
    StdinConfig, StdinSource, spawn_poll, spawn_stream,
};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tinydisplay-hsrc-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a temp dir");
    d
}

/// Collects messages until `done` says so, or 30 s pass (a hang guard).
fn collect_until(rx: &Receiver<Message>, mut done: impl FnMut(&[Message]) -> bool) -> Vec<Message> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut got = Vec::new();
    while Instant::now() < deadline && !done(&got) {
        if let Ok(m) = rx.recv_timeout(Duration::from_millis(50)) {
            got.push(m);
        }
    }
    got
}

fn unhealthy_with(messages: &[Message], needle: &str) -> bool {
    messages.iter().any(|m| {
        matches!(m, Message::Health { ok: false, last_error: Some(e), .. } if e.contains(needle))
    })
}

fn sets_of<'a>(messages: &'a [Message], key: &str) -> Vec<&'a serde_json::Value> {
    messages
        .iter()
        .filter_map(|m| match m {
            Message::Set { key: k, value } if k == key => Some(value),
            _ => None,
        })
        .collect()
}

#[test]
fn a_process_writing_without_line_ends_is_refused_and_keeps_its_last_value() {
    // A good line, then 8 MB with no newline at all, then `\r` progress forever.
    let script = r#"echo '{"v": 1}'; head -c 8000000 /dev/zero | tr '\0' x; echo; i=0; while [ $i -lt 100000 ]; do printf '%d%%\r' $i; i=$((i+1)); done; sleep 30"#;
    let src = ProcessSource::new(ProcessConfig {
        namespace: "p".into(),
        ..ProcessConfig::new("sh", &["-c", script])
    })
    .expect("valid")
    .with_line_limit(64 * 1024);
    let (tx, rx) = mpsc::channel();
    let handle = spawn_stream("p", Box::new(src), Policy::default(), tx);
    let got = collect_until(&rx, |m| unhealthy_with(m, "max_line_bytes"));
    handle.stop();
    assert_eq!(sets_of(&got, "p.v"), vec![&json!(1)], "the last good value");
    assert!(unhealthy_with(&got, "max_line_bytes"), "{got:?}");
}

#[test]
fn a_flood_of_invalid_stdin_lines_is_reported_in_health_not_logged_per_line() {
    let (reader, mut writer) = std::io::pipe().expect("a pipe");
    let src = StdinSource::from_reader(
        StdinConfig {
            namespace: "in".into(),
        },
        std::io::BufReader::new(reader),
    );
    let (tx, rx) = mpsc::channel();
    let handle = spawn_stream("in", Box::new(src), Policy::default(), tx);
    let feeder = std::thread::spawn(move || {
        let _ = writer.write_all(b"{\"good\": 1}\n");
        for _ in 0..2000 {
            let _ = writer.write_all(b"not json at all\n");
        }
        let _ = writer.write_all(b"{\"good\": 2}\n");
        // Keep the pipe open a while so the stream does not end.
        std::thread::sleep(Duration::from_secs(2));
        drop(writer);
    });
    let got = collect_until(&rx, |m| sets_of(m, "in.good").len() >= 2);
    handle.stop();
    let _ = feeder.join();
    assert!(unhealthy_with(&got, "skipped a line"), "{got:?}");
    let health_reports = got
        .iter()
        .filter(|m| matches!(m, Message::Health { ok: false, .. }))
        .count();
    assert!(
        health_reports <= 3,
        "{health_reports} problem reports for 2000 bad lines"
    );
    // A good line after the flood does not hide the problem at once.
    let last_health = got
        .iter()
        .rev()
        .find_map(|m| match m {
            Message::Health { ok, .. } => Some(*ok),
            _ => None,
        })
        .expect("health was reported");
    assert!(!last_health, "health went back to ok right after the flood");
}

#[test]
fn array_items_that_disappear_are_removed() {
    let dir = temp_dir("arrays");
    let marker = dir.join("second");
    let script = format!(
        r#"if [ -f {m} ]; then echo '{{"disks": [{{"free": 1}}]}}'; else touch {m}; echo '{{"disks": [{{"free": 1}}, {{"free": 2}}, {{"free": 3}}]}}'; fi"#,
        m = marker.display()
    );
    let src = CommandSource::new(
        CommandConfig {
            namespace: "c".into(),
            format: Format::Json,
            ..CommandConfig::new("sh", &["-c", &script])
        },
        Duration::from_secs(5),
    )
    .expect("valid");
    let policy = Policy {
        interval_ms: 50,
        ..Policy::default()
    };
    let (tx, rx) = mpsc::channel();
    let handle = spawn_poll("c", Box::new(src), policy, tx);
    let removed = |m: &[Message]| {
        m.iter()
            .filter_map(|m| match m {
                Message::Remove { key } => Some(key.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let got = collect_until(&rx, |m| removed(m).len() >= 2);
    handle.stop();
    let mut gone = removed(&got);
    gone.sort();
    assert_eq!(gone, vec!["c.disks.1.free", "c.disks.2.free"], "{got:?}");
}

#[test]
fn array_removal_reaches_the_dataset() {
    use tinydisplay::app::{RunMode, run_ticks};
    use tinydisplay::data::Dataset;
    let dir = temp_dir("arrays-engine");
    let marker = dir.join("second");
    let script = format!(
        r#"if [ -f {m} ]; then echo '{{"l": [7]}}'; else touch {m}; echo '{{"l": [7, 8]}}'; fi"#,
        m = marker.display()
    );
    let src = format!(
        r#"Scene(sources: {{"c": (source: Command(program: "sh", args: ["-c", {script:?}], namespace: "c"), policy: (interval_ms: 50))}})"#
    );
    let mut app = common::app_for(common::compile_with_sources(&src));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut saw_two = false;
    loop {
        run_ticks(&mut app, RunMode::Ticks(1));
        let data = app.world().resource::<Dataset>();
        saw_two |= data.get("c.l.1") == Some(&json!(8));
        if saw_two && data.get("c.l.1").is_none() || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let data = app.world().resource::<Dataset>();
    assert!(saw_two, "the first result never arrived");
    assert_eq!(data.get("c.l.0"), Some(&json!(7)));
    assert_eq!(data.get("c.l.1"), None, "the vanished item is still there");
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn a_hung_command_does_not_outlive_the_engine_after_sigint() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let dir = temp_dir("hung");
    let marker = dir.join("survived");
    let scene = dir.join("hung.ron");
    std::fs::write(
        &scene,
        format!(
            r#"Scene(display: (width: 32, height: 8), sources: {{
                "h": (source: Command(program: "sh", args: ["-c", "sleep 3; touch {}"]),
                      policy: (timeout_ms: 600000)),
            }})"#,
            marker.display()
        ),
    )
    .expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
        .args(["run"])
        .arg(&scene)
        .args(["--sink", "none"])
        .spawn()
        .expect("runs");
    std::thread::sleep(Duration::from_millis(1500));
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("a pid"));
    kill(pid, Signal::SIGINT).expect("SIGINT");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the engine ignored SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_millis(3500));
    assert!(!marker.exists(), "the hung command outlived the engine");
}

#[test]
fn a_source_gives_up_after_max_attempts_and_says_so() {
    let dir = temp_dir("give-up");
    let count = dir.join("count");
    // Counts its runs in a file, and fails each time.
    let script = format!("echo x >> '{}'; exit 3", count.display());
    let src = CommandSource::new(
        CommandConfig::new("sh", &["-c", &script]),
        Duration::from_secs(5),
    )
    .expect("valid");
    let policy = Policy {
        interval_ms: 10,
        backoff_initial_ms: 10,
        backoff_max_ms: 20,
        jitter: 0.0,
        breaker_failures: 0,
        max_attempts: 3,
        ..Policy::default()
    };
    let (tx, rx) = mpsc::channel();
    let handle = spawn_poll("flaky", Box::new(src), policy, tx);
    let got = collect_until(&rx, |m| unhealthy_with(m, "gave up after 3 attempts"));
    assert!(unhealthy_with(&got, "policy.max_attempts"), "{got:?}");
    // Given up: no further attempt in the time several more would have taken.
    std::thread::sleep(Duration::from_millis(300));
    handle.stop();
    let runs = std::fs::read_to_string(&count)
        .unwrap_or_default()
        .lines()
        .count();
    assert_eq!(runs, 3, "attempts made");
}
