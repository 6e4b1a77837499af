//! The engine's events — page shown, alert raised/cleared, source failed/recovered,
//! reload applied/refused — reach every surface as one JSON object each: the MQTT
//! `event` topic, the NATS `event` subject and `GET /api/events` (server-sent events).

mod common;
mod servers;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tinydisplay::app::{RunMode, StopFlag, run_ticks};
use tinydisplay::control::{ControlSender, Reply, control_sender};
use tinydisplay::sink::web::FrameFeed;

const MQTT: u16 = 1883;
const NATS: u16 = 4222;

const SCENE: &str = r#"Scene(
    display: (width: 32, height: 8, mode: Mono, fps: 30),
    sources: {"f": (source: File(path: "in.json", namespace: "f"),
        policy: (interval_ms: 50, backoff_initial_ms: 50, backoff_max_ms: 100, breaker_failures: 0))},
    widgets: [Sequence(name: "main", width: 32, height: 8, pages: [
        Page(name: "a", duration: 100000, children: [Text(text: "a")]),
        Page(name: "b", duration: 100000, children: [Text(text: "b")]),
        Page(name: "door", priority: 1, when: "f.ring == 1", children: [Text(text: "door")]),
    ])],
)"#;

/// An engine in real time on its own thread, with the surfaces asked for.
struct Engine {
    control: ControlSender,
    dir: PathBuf,
    addr: Option<std::net::SocketAddr>,
    stop: StopFlag,
    thread: Option<JoinHandle<()>>,
}

impl Engine {
    fn start(tag: &str, name: &str, mqtt: bool, nats: bool, http: bool) -> Engine {
        let dir =
            std::env::temp_dir().join(format!("tinydisplay-events-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        std::fs::write(dir.join("in.json"), r#"{"ring": 0}"#).expect("the input");
        let path = dir.join("scene.ron");
        std::fs::write(&path, SCENE).expect("the scene");
        let scene = tinydisplay::scene::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let name = name.to_owned();
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut app = common::app_for(scene);
            let stop = StopFlag::default();
            app.insert_resource(stop.clone());
            let control = control_sender(app.world_mut());
            let mqtt = mqtt.then(|| format!("mqtt://127.0.0.1:{MQTT}"));
            let nats = nats.then(|| format!("nats://127.0.0.1:{NATS}"));
            let surfaces = tinydisplay::control::broker::Surfaces::start(
                &name,
                mqtt.as_deref(),
                nats.as_deref(),
                app.world_mut(),
            )
            .unwrap_or_else(|e| panic!("the surfaces did not start: {e}"));
            let server = http.then(|| {
                let config = tinydisplay::control::http::HttpConfig::new(
                    "127.0.0.1:0".parse().expect("an address"),
                    None,
                )
                .expect("a loopback config");
                tinydisplay::control::http::start(
                    &config,
                    control.clone(),
                    std::sync::Arc::new(FrameFeed::default()),
                )
                .expect("the server starts")
            });
            tx.send((control, stop, server.as_ref().map(|s| s.addr())))
                .expect("the test waits");
            run_ticks(&mut app, RunMode::RealTime(None));
            drop((surfaces, server));
            tinydisplay::shutdown(app.world_mut());
        });
        let (control, stop, addr) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the engine started");
        let engine = Engine {
            control,
            dir,
            addr,
            stop,
            thread: Some(thread),
        };
        engine.wait_key("f.ring", &json!(0));
        engine
    }

    fn value(&self, key: &str) -> Option<Value> {
        self.control
            .published()
            .data(key)
            .get(key)
            .map(|i| i.value.clone())
    }

    fn wait_key(&self, key: &str, want: &Value) {
        let end = Instant::now() + Duration::from_secs(30);
        while self.value(key).as_ref() != Some(want) {
            assert!(Instant::now() < end, "{key} never became {want}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn command(&self, cmd: Value) -> Reply {
        self.control
            .send_json(cmd.to_string().as_bytes(), "test")
            .wait_blocking(Duration::from_secs(30))
    }

    /// Makes every kind of event happen once, in order, each after the one before.
    fn drive(&self) {
        let input = self.dir.join("in.json");
        std::fs::remove_file(&input).expect("the input goes");
        self.wait_key("_source.f.ok", &json!(false));
        std::fs::write(&input, r#"{"ring": 1}"#).expect("the input comes back");
        self.wait_key("_source.f.ok", &json!(true));
        self.wait_key("f.ring", &json!(1));
        std::fs::write(&input, r#"{"ring": 0, "pad": 1}"#).expect("the input changes");
        self.wait_key("f.ring", &json!(0));
        assert_eq!(self.command(json!({"cmd": "page", "name": "b"})), Reply::Ok);
        let refused = self.command(json!({"cmd": "load", "scene": "Scene(oops"}));
        assert!(!refused.is_ok(), "{refused:?}");
        assert_eq!(self.command(json!({"cmd": "reload"})), Reply::Ok);
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop.set();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether the list holds the last event [`Engine::drive`] causes.
fn finished(events: &[Value]) -> bool {
    events.iter().any(|e| e["event"] == json!("reload_applied"))
}

/// Every event `drive` causes is there, in order, each a JSON object with a tick.
fn check(events: &[Value]) {
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    let find = |want: &Value| {
        events
            .iter()
            .position(|e| {
                want.as_object()
                    .is_some_and(|w| w.iter().all(|(k, v)| &e[k] == v))
            })
            .unwrap_or_else(|| panic!("no {want} among {kinds:?}"))
    };
    let order = [
        find(&json!({"event": "source_failed", "source": "f"})),
        find(&json!({"event": "source_recovered", "source": "f"})),
        find(&json!({"event": "alert_raised", "sequence": "main", "page": "door"})),
        find(&json!({"event": "alert_cleared", "sequence": "main", "page": "door"})),
        find(&json!({"event": "page_shown", "sequence": "main", "page": "b", "index": 1})),
        find(&json!({"event": "reload_refused", "by": "load"})),
        find(&json!({"event": "reload_applied", "by": "reload"})),
    ];
    assert!(order.is_sorted(), "out of order: {kinds:?}");
    let failed = &events[order[0]];
    assert!(
        failed["error"]
            .as_str()
            .is_some_and(|e| e.contains("in.json")),
        "{failed}"
    );
    let refused = &events[order[5]];
    assert!(
        refused["problems"]
            .as_array()
            .is_some_and(|p| !p.is_empty()),
        "{refused}"
    );
    for e in events {
        assert!(e["tick"].as_u64().is_some(), "{e}");
    }
}

#[test]
fn events_stream_over_http_server_sent_events() {
    let engine = Engine::start("sse", "sse", false, false, true);
    let addr = engine.addr.expect("the server runs");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let response = ureq::get(&format!("http://{addr}/api/events"))
            .call()
            .expect("the stream opens");
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let mut lines = BufReader::new(response.into_body().into_reader()).lines();
        // The opening comment: subscribed.
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        tx.send(()).expect("the test waits");
        let mut got = Vec::new();
        for line in lines {
            let Ok(line) = line else { break };
            if let Some(data) = line.strip_prefix("data: ") {
                got.push(serde_json::from_str::<Value>(data).expect("each event is JSON"));
                if finished(&got) {
                    break;
                }
            }
        }
        (kind, first, got)
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the stream opened");
    engine.drive();
    let (kind, first, got) = reader.join().expect("the reader");
    assert_eq!(kind, "text/event-stream");
    assert!(first.starts_with(':'), "{first}");
    check(&got);
}

#[cfg(feature = "mqtt")]
#[test]
fn events_are_published_on_the_mqtt_event_topic() {
    if servers::server(MQTT, "Mosquitto").is_none() {
        return;
    }
    let name = servers::unique("ev");
    let engine = Engine::start("mqtt", &name, true, false, false);
    let (tx, rx) = mpsc::channel();
    let topic = format!("tinydisplay/{name}/event");
    let collector = std::thread::spawn(move || {
        servers::mqtt_collect(
            MQTT,
            &topic,
            move || tx.send(()).expect("the test waits"),
            |got| {
                let values: Vec<Value> = got
                    .iter()
                    .filter_map(|(_, p)| serde_json::from_str(p).ok())
                    .collect();
                finished(&values)
            },
        )
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("subscribed");
    engine.drive();
    let got = collector.join().expect("the collector");
    let values: Vec<Value> = got
        .iter()
        .map(|(_, p)| serde_json::from_str(p).expect("each event is JSON"))
        .collect();
    check(&values);
}

#[cfg(feature = "nats")]
#[test]
fn events_are_published_on_the_nats_event_subject() {
    use futures_util::StreamExt;
    if servers::server(NATS, "nats-server").is_none() {
        return;
    }
    let name = servers::unique("ev");
    let engine = Engine::start("nats", &name, false, true, false);
    let (tx, rx) = mpsc::channel();
    let subject = format!("tinydisplay.{name}.event");
    let collector = std::thread::spawn(move || {
        tinydisplay::runtime::handle().block_on(async move {
            let client = async_nats::connect(format!("nats://127.0.0.1:{NATS}"))
                .await
                .expect("nats-server reachable");
            let mut sub = client.subscribe(subject).await.expect("subscribed");
            client.flush().await.expect("flushed");
            tx.send(()).expect("the test waits");
            let mut got = Vec::new();
            let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
            while !finished(&got) {
                match tokio::time::timeout_at(deadline, sub.next()).await {
                    Ok(Some(m)) => got.push(
                        serde_json::from_slice::<Value>(&m.payload).expect("each event is JSON"),
                    ),
                    _ => break,
                }
            }
            got
        })
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("subscribed");
    engine.drive();
    check(&collector.join().expect("the collector"));
}
