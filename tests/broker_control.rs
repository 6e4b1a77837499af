//! The MQTT and NATS control surfaces under hostile traffic, against the running
//! Mosquitto and nats-server: a burst of bad commands, a retained control message over
//! rumqttc's default packet size, a flood of `set`s (all applied within a few ticks, not
//! one per tick), errors with their command cut short, and refused `set`s answered as
//! errors.

mod common;
mod servers;

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use servers::{mqtt_collect, mqtt_publish, mqtt_publish_many, server, unique};
use tinydisplay::app::{RunMode, StopFlag, run_ticks};
use tinydisplay::control::{ControlSender, control_sender};

const MQTT: u16 = 1883;
const NATS: u16 = 4222;

/// An engine running in real time on its own thread with broker surfaces.
struct Engine {
    control: ControlSender,
    stop: StopFlag,
    thread: Option<JoinHandle<()>>,
}

impl Engine {
    fn start(name: &str, fps: u32, mqtt: bool, nats: bool) -> Engine {
        let scene = format!(
            r#"Scene(
    display: (width: 32, height: 8, mode: Mono, fps: {fps}),
    limits: (value_bytes: 4096),
    data: (initial: {{"t.n": 0}}),
    widgets: [],
)"#
        );
        let name = name.to_owned();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut app = common::app_for(common::compile(&scene));
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
            tx.send((control, stop)).expect("the test waits");
            run_ticks(&mut app, RunMode::RealTime(None));
            drop(surfaces);
            tinydisplay::shutdown(app.world_mut());
        });
        let (control, stop) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the engine started");
        Engine {
            control,
            stop,
            thread: Some(thread),
        }
    }

    fn value(&self, key: &str) -> Option<Value> {
        self.control
            .published()
            .data(key)
            .get(key)
            .map(|item| item.value.clone())
    }

    fn tick(&self) -> u64 {
        self.control.published().state().tick
    }

    /// Waits up to `limit` for `key` to hold `want`, calling `poke` every half second.
    fn wait_for(&self, key: &str, want: &Value, limit: Duration, mut poke: impl FnMut()) -> bool {
        let end = Instant::now() + limit;
        let mut next_poke = Instant::now();
        while Instant::now() < end {
            if self.value(key).as_ref() == Some(want) {
                return true;
            }
            if Instant::now() >= next_poke {
                poke();
                next_poke = Instant::now() + Duration::from_millis(500);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop.set();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn set(key: &str, value: Value) -> Vec<u8> {
    json!({"cmd": "set", "key": key, "value": value})
        .to_string()
        .into_bytes()
}

#[test]
fn mqtt_control_survives_a_burst_of_bad_commands() {
    if server(MQTT, "Mosquitto").is_none() {
        return;
    }
    let name = unique("burst");
    let topic = format!("tinydisplay/{name}/control");
    let engine = Engine::start(&name, 30, true, false);
    // Connected and subscribed once a good command lands.
    assert!(
        engine.wait_for("t.n", &json!(1), Duration::from_secs(20), || {
            mqtt_publish(MQTT, &topic, &set("t.n", json!(1)), false)
        }),
        "the surface never applied a command"
    );
    let bad: Vec<Vec<u8>> = (0..200)
        .map(|i| format!("not json {i} {}", "x".repeat(i * 5)).into_bytes())
        .collect();
    mqtt_publish_many(MQTT, &topic, bad, false);
    // Every later good command still applies (it used to stop for good at ~70-100).
    for n in 2..5 {
        assert!(
            engine.wait_for("t.n", &json!(n), Duration::from_secs(20), || {
                mqtt_publish(MQTT, &topic, &set("t.n", json!(n)), false)
            }),
            "command {n} after the burst was never applied"
        );
    }
}

#[test]
fn a_large_retained_control_message_keeps_the_mqtt_surface_up() {
    if server(MQTT, "Mosquitto").is_none() {
        return;
    }
    let name = unique("retained");
    let topic = format!("tinydisplay/{name}/control");
    let errors = format!("tinydisplay/{name}/error");
    // 40 KB, retained, before the display starts: four times rumqttc's default limit.
    let big = format!(
        "{{\"cmd\": \"set\", \"key\": \"t.big\", \"value\": \"{}\"",
        "y".repeat(40_000)
    );
    mqtt_publish(MQTT, &topic, big.as_bytes(), true);
    let engine = Engine::start(&name, 30, true, false);
    let ok = engine.wait_for("t.n", &json!(7), Duration::from_secs(20), || {
        mqtt_publish(MQTT, &topic, &set("t.n", json!(7)), false)
    });
    mqtt_publish(MQTT, &topic, b"", true);
    assert!(
        ok,
        "no command was applied with a large retained message on the topic"
    );
    // A bad command's error carries the command cut short, not the whole payload.
    let huge = format!("nope {}", "z".repeat(100_000)).into_bytes();
    let topic2 = topic.clone();
    let got = mqtt_collect(
        MQTT,
        &errors,
        move || mqtt_publish(MQTT, &topic2, &huge, false),
        |got| !got.is_empty(),
    );
    let (_, doc) = got.first().expect("an error for the bad command");
    let doc: Value = serde_json::from_str(doc).expect("the error is JSON");
    let shown = doc["command"].as_str().unwrap_or_default();
    assert!(shown.starts_with("nope zzz"), "{doc}");
    assert!(
        shown.len() < 400,
        "the command is cut: {} bytes",
        shown.len()
    );
}

/// Publishes `messages` on NATS and flushes.
fn nats_publish(messages: Vec<(String, Vec<u8>)>) {
    tinydisplay::runtime::handle().block_on(async move {
        let client = tokio::time::timeout(
            Duration::from_secs(10),
            async_nats::connect(format!("nats://127.0.0.1:{NATS}")),
        )
        .await
        .expect("connects within 10 s")
        .expect("nats-server reachable");
        for (subject, payload) in messages {
            client
                .publish(subject, payload.into())
                .await
                .expect("published");
        }
        client.flush().await.expect("flushed");
    });
}

/// A NATS request: the reply document.
fn nats_request(subject: &str, payload: Vec<u8>) -> Value {
    let subject = subject.to_owned();
    tinydisplay::runtime::handle().block_on(async move {
        let client = async_nats::connect(format!("nats://127.0.0.1:{NATS}"))
            .await
            .expect("nats-server reachable");
        let reply = tokio::time::timeout(
            Duration::from_secs(10),
            client.request(subject, payload.into()),
        )
        .await
        .expect("a reply within 10 s")
        .expect("a reply");
        serde_json::from_slice(&reply.payload).expect("the reply is JSON")
    })
}

#[test]
fn nats_applies_a_burst_of_sets_in_a_few_ticks_and_refuses_too_large_ones() {
    if server(NATS, "nats-server").is_none() {
        return;
    }
    let name = unique("natsburst");
    let subject = format!("tinydisplay.{name}.control");
    // 5 ticks a second: one command per tick would take 40 s for 200.
    let engine = Engine::start(&name, 5, false, true);
    assert!(
        engine.wait_for("t.n", &json!(1), Duration::from_secs(20), || {
            nats_publish(vec![(subject.clone(), set("t.n", json!(1)))])
        }),
        "the surface never applied a command"
    );
    let mut burst: Vec<(String, Vec<u8>)> = (0..200)
        .map(|i| (subject.clone(), set(&format!("t.k{i}"), json!(i))))
        .collect();
    burst.push((subject.clone(), b"garbage".to_vec()));
    burst.push((subject.clone(), set("t.n", json!(2))));
    let before = engine.tick();
    nats_publish(burst);
    assert!(
        engine.wait_for("t.n", &json!(2), Duration::from_secs(60), || {}),
        "the burst was not applied"
    );
    let took = engine.tick() - before;
    assert!(took <= 20, "200 commands took {took} ticks");
    assert_eq!(engine.value("t.k199"), Some(json!(199)));
    // A refused `set` (over limits.value_bytes) is an error, not {"ok": true}.
    let reply = nats_request(&subject, set("t.big", json!("x".repeat(10_000))));
    assert_eq!(reply["ok"], json!(false), "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .is_some_and(|e| e.contains("value_bytes")),
        "{reply}"
    );
    let reply = nats_request(&subject, set("t.small", json!("fine")));
    assert_eq!(reply, json!({"ok": true}));
}

#[test]
fn nats_control_round_trip_answers_requests_and_publishes_the_state() {
    if server(NATS, "nats-server").is_none() {
        return;
    }
    let name = unique("natsrt");
    let subject = format!("tinydisplay.{name}.control");
    let engine = Engine::start(&name, 30, false, true);
    // The surface is up once a request is answered.
    let end = Instant::now() + Duration::from_secs(30);
    let reply = loop {
        let reply = tinydisplay::runtime::handle().block_on(async {
            let client = async_nats::connect(format!("nats://127.0.0.1:{NATS}"))
                .await
                .expect("nats-server reachable");
            tokio::time::timeout(
                Duration::from_secs(2),
                client.request(subject.clone(), br#"{"cmd": "resume"}"#.to_vec().into()),
            )
            .await
        });
        match reply {
            Ok(Ok(m)) => break serde_json::from_slice::<Value>(&m.payload).expect("JSON"),
            _ => assert!(Instant::now() < end, "the surface never answered"),
        }
    };
    assert_eq!(reply, json!({"ok": true}));
    // A pause is answered once applied, and the state subject says so.
    let pause_to = subject.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let state = servers::nats_collect(
        NATS,
        &format!("tinydisplay.{name}.state"),
        move || {
            let _ = tx.send(nats_request(&pause_to, br#"{"cmd": "pause"}"#.to_vec()));
        },
        |got| {
            got.iter().any(|(_, p)| {
                serde_json::from_str::<Value>(p).is_ok_and(|v| v["paused"] == json!(true))
            })
        },
    );
    let reply = rx.recv_timeout(Duration::from_secs(20)).expect("a reply");
    assert_eq!(reply, json!({"ok": true}));
    assert!(
        engine.control.published().state().paused,
        "applied before the answer"
    );
    let doc: Value = serde_json::from_str(&state.last().expect("a state").1).expect("JSON");
    assert_eq!(doc["paused"], json!(true), "{doc}");
    assert_eq!(doc["name"], json!(name), "{doc}");
    let refused = nats_request(&subject, br#"{"cmd": "page", "name": "nope"}"#.to_vec());
    assert_eq!(refused["ok"], json!(false), "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("nope")),
        "{refused}"
    );
    assert_eq!(
        nats_request(&subject, br#"{"cmd": "resume"}"#.to_vec()),
        json!({"ok": true})
    );
    assert!(!engine.control.published().state().paused);
}
