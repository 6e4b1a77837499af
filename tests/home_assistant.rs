//! Home Assistant MQTT discovery against the real Mosquitto: every config carries the
//! fields HA requires for its component and names topics that carry what its templates
//! read; acting as HA (publishing to the command topics) changes the display — the page
//! shown, the contrast and sleep on the emulated panel, a text key, an alert — and the
//! state follows; a restart keeps the unique ids; an entity that went is cleared; and
//! `--ha-forget` removes them all.
//!
//! Each test uses its own display name, so tests (and runs) sharing the broker do not see
//! each other's entities.

mod servers;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::Value;
use servers::{mqtt_publish, server, unique};
use tinydisplay::app::{RunMode, StopFlag, run_ticks};
use tinydisplay::control::ControlSender;
use tinydisplay::control::broker::Surfaces;
use tinydisplay::control::home_assistant::HomeAssistant;
use tinydisplay::panel::bus::{Bus, BusError, Transfer};
use tinydisplay::panel::emulator;
use tinydisplay::panel::{Model, Panel, Rotation, Settings};
use tinydisplay::sink::panel::PanelSink;
use tinydisplay::sink::present::Sinks;

const PORT: u16 = 1883;
const URL: &str = "mqtt://127.0.0.1:1883";
/// A hang guard for what should take well under a second.
const WAIT: Duration = Duration::from_secs(20);

/// The fields HA's MQTT discovery documentation marks required per component
/// (home-assistant.io/integrations/<component>.mqtt): a select needs `command_topic` and
/// `options`; a number, a button and a text need `command_topic`; a sensor and a
/// binary_sensor need `state_topic`. A switch's `command_topic` is optional in HA, but
/// ours must have one to be switchable. With a `device`, HA needs a `unique_id` and the
/// device's `identifiers` (or `connections`); each `availability` entry needs a `topic`.
const REQUIRED: &[(&str, &[&str])] = &[
    ("select", &["command_topic", "options"]),
    ("number", &["command_topic"]),
    ("switch", &["command_topic"]),
    ("button", &["command_topic"]),
    ("sensor", &["state_topic"]),
    ("binary_sensor", &["state_topic"]),
    ("text", &["command_topic"]),
];
const REQUIRED_WITH_DEVICE: &[&str] = &["unique_id", "device"];

/// Writes a scene into `dir`: pages `pages` (names) plus the alert page `door`, a clock
/// source per name in `sources`, `text_keys`.
fn write_scene(dir: &Path, pages: &[&str], sources: &[&str], text_keys: &[&str]) -> PathBuf {
    let root = env!("CARGO_MANIFEST_DIR");
    let pages: String = pages
        .iter()
        .map(|p| format!(r#"Page(name: "{p}", duration: 100000, children: [Text(text: "{p}")]),"#))
        .collect();
    let sources: String = sources
        .iter()
        .map(|s| format!(r#""{s}": (source: Clock(timezone: "UTC")),"#))
        .collect();
    let keys: String = text_keys.iter().map(|k| format!(r#""{k}","#)).collect();
    let path = dir.join("ha.ron");
    std::fs::write(
        &path,
        format!(
            r#"Scene(
    display: (width: 128, height: 64, driver: Ssd1306, fps: 30),
    fonts: {{"f": (file: "{root}/assets/fonts/spleen-8x16.bdf")}},
    data: (initial: {{"msg.text": "", "door.open": false}}),
    sources: {{ {sources} }},
    control: (home_assistant: (text_keys: [{keys}])),
    widgets: [
        Text(x: 0, y: 48, text: "{{{{ msg.text }}}}", font: "f"),
        Sequence(width: 128, height: 40, pages: [
            {pages}
            Page(name: "door", priority: 5, when: "door.open", children: [Text(text: "door")]),
        ]),
    ],
)"#
        ),
    )
    .expect("scene written");
    path
}

/// A bus that keeps every transfer, for the emulator.
struct Recorder(Arc<Mutex<Vec<Transfer>>>);

impl Bus for Recorder {
    fn describe(&self) -> String {
        "recorder".into()
    }
    fn command(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.0
            .lock()
            .expect("log")
            .push(Transfer::Command(bytes.to_vec()));
        Ok(())
    }
    fn data(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.0
            .lock()
            .expect("log")
            .push(Transfer::Data(bytes.to_vec()));
        Ok(())
    }
    fn reset(&mut self) -> Result<(), BusError> {
        self.0.lock().expect("log").push(Transfer::Reset);
        Ok(())
    }
    fn delay_ms(&mut self, _ms: u32) {}
}

/// A display running in real time on its own thread with the MQTT control surface and
/// Home Assistant discovery, its panel an SSD1306 on a recording bus.
struct Display {
    log: Arc<Mutex<Vec<Transfer>>>,
    control: ControlSender,
    stop: StopFlag,
    thread: Option<JoinHandle<()>>,
}

impl Display {
    fn start(scene: &Path, name: &str) -> Display {
        let scene = tinydisplay::scene::load(scene).unwrap_or_else(|e| panic!("scene: {e}"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let bus_log = log.clone();
        let name = name.to_owned();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut app = tinydisplay::engine::Engine::new(scene).build();
            let sinks = Sinks::default();
            sinks.push(Box::new(PanelSink::start(
                Panel::new(ssd1306(), Rotation::R0, Settings::default()),
                Box::new(Recorder(bus_log)),
            )));
            app.insert_resource(sinks);
            let stop = StopFlag::default();
            app.insert_resource(stop.clone());
            let control = tinydisplay::control::control_sender(app.world_mut());
            let surfaces = Surfaces::start(&name, Some(URL), None, app.world_mut())
                .expect("the MQTT surface starts");
            let ha = HomeAssistant::start(URL, &name, Default::default(), app.world_mut())
                .expect("Home Assistant discovery starts");
            tx.send((control, stop)).expect("the test waits");
            run_ticks(&mut app, RunMode::RealTime(None));
            drop(ha);
            drop(surfaces);
            tinydisplay::shutdown(app.world_mut());
        });
        let (control, stop) = rx.recv_timeout(WAIT).expect("the display started");
        Display {
            log,
            control,
            stop,
            thread: Some(thread),
        }
    }

    /// The emulated controller's state (contrast, on).
    fn panel(&self) -> emulator::State {
        let mut emu = emulator::for_model(ssd1306());
        emulator::feed_transfers(emu.as_mut(), &self.log.lock().expect("log"));
        emu.state()
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.stop.set();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn ssd1306() -> Model {
    Model::named("ssd1306").expect("a model")
}

/// The latest message on every topic under some filters, as a broker client sees them.
struct Watcher {
    latest: Arc<Mutex<BTreeMap<String, String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Watcher {
    /// Subscribes to `filters` and waits until the broker acknowledged.
    fn start(filters: &[String]) -> Watcher {
        let latest = Arc::new(Mutex::new(BTreeMap::new()));
        let seen = latest.clone();
        let filters = filters.to_vec();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let task = tinydisplay::runtime::handle().spawn(async move {
            let mut opts = MqttOptions::new(unique("hawatch"), "127.0.0.1", PORT);
            opts.set_keep_alive(Duration::from_secs(5));
            opts.set_max_packet_size(1 << 20, 1 << 20);
            let (client, mut events) = AsyncClient::new(opts, 16);
            for f in &filters {
                client
                    .subscribe(f.clone(), QoS::AtLeastOnce)
                    .await
                    .expect("queued");
            }
            let mut acks = 0;
            while let Ok(event) = events.poll().await {
                match event {
                    Event::Incoming(Packet::SubAck(_)) => {
                        acks += 1;
                        if acks == filters.len() {
                            let _ = ready_tx.send(());
                        }
                    }
                    Event::Incoming(Packet::Publish(p)) => {
                        let payload = String::from_utf8_lossy(&p.payload).into_owned();
                        seen.lock().expect("map").insert(p.topic.clone(), payload);
                    }
                    _ => {}
                }
            }
        });
        ready_rx.recv_timeout(WAIT).expect("subscribed");
        Watcher { latest, task }
    }

    fn get(&self, topic: &str) -> Option<String> {
        self.latest.lock().expect("map").get(topic).cloned()
    }

    fn json(&self, topic: &str) -> Option<Value> {
        self.get(topic).and_then(|p| serde_json::from_str(&p).ok())
    }

    /// The non-empty configs of node `node`: topic → config.
    fn configs(&self, node: &str) -> BTreeMap<String, Value> {
        self.latest
            .lock()
            .expect("map")
            .iter()
            .filter(|(t, p)| {
                t.contains(&format!("/{node}/")) && t.ends_with("/config") && !p.is_empty()
            })
            .filter_map(|(t, p)| Some((t.clone(), serde_json::from_str(p).ok()?)))
            .collect()
    }

    /// Waits until `cond` holds for what was seen; returns how long it took.
    fn wait(&self, what: &str, cond: impl Fn(&Watcher) -> bool) -> Duration {
        let start = Instant::now();
        while !cond(self) {
            assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
        start.elapsed()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn node(name: &str) -> String {
    format!("tinydisplay_{name}")
}

/// Renders an HA template (Jinja) against a message as HA does: `value_json` is the
/// payload parsed.
fn render(template: &str, payload: &str) -> String {
    let value_json: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
    let env = minijinja::Environment::new();
    env.render_str(template, minijinja::context! { value_json => tinydisplay::data::binding::to_jinja(&value_json), value => payload })
        .unwrap_or_else(|e| panic!("template {template:?}: {e}"))
}

/// The field `key` of the display's HA state document.
fn ha_state(w: &Watcher, name: &str, key: &str) -> Value {
    w.json(&format!("tinydisplay/{name}/ha/state"))
        .map_or(Value::Null, |d| d[key].clone())
}

fn watch(name: &str) -> Watcher {
    Watcher::start(&[
        "homeassistant/#".to_owned(),
        format!("tinydisplay/{name}/#"),
    ])
}

/// Removes what a test left on the shared broker.
fn forget(scene: &Path, name: &str) {
    let scene = tinydisplay::scene::load(scene).expect("scene");
    let cat =
        tinydisplay::control::home_assistant::catalogue::Catalogue::of(&scene, &Default::default());
    tinydisplay::control::home_assistant::forget(URL, name, &cat).expect("forgotten");
    mqtt_publish(PORT, &format!("tinydisplay/{name}/state"), b"", true);
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique(tag));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn configs_have_the_required_fields_and_name_topics_that_carry_what_they_read() {
    if server(PORT, "Mosquitto").is_none() {
        return;
    }
    let name = unique("ha");
    let dir = temp_dir("hascene");
    let scene = write_scene(&dir, &["clock", "weather"], &["clock"], &["msg.text"]);
    let w = watch(&name);
    let display = Display::start(&scene, &name);
    w.wait("every entity announced", |w| {
        w.configs(&node(&name)).len() == 10
    });
    // The source's health arrives once it ran.
    w.wait("the source reports", |w| {
        ha_state(w, &name, "source_clock") == "ON"
    });
    let configs = w.configs(&node(&name));
    let mut components = Vec::new();
    for (topic, c) in &configs {
        let component = topic.split('/').nth(1).expect("a component");
        components.push(component.to_owned());
        let (_, required) = REQUIRED
            .iter()
            .find(|(k, _)| *k == component)
            .unwrap_or_else(|| panic!("unexpected component {component}"));
        for field in required.iter().chain(REQUIRED_WITH_DEVICE) {
            assert!(c.get(*field).is_some(), "{topic}: {field} missing in {c}");
        }
        assert_eq!(
            c["device"]["identifiers"][0],
            node(&name).as_str(),
            "{topic}"
        );
        assert!(
            c["unique_id"]
                .as_str()
                .is_some_and(|u| u.starts_with(&node(&name))),
            "{topic}"
        );
        // Availability: the display's state topic, whose status is online.
        let avail = &c["availability"][0];
        let atopic = avail["topic"].as_str().expect("an availability topic");
        let payload = w
            .get(atopic)
            .unwrap_or_else(|| panic!("{atopic} carries nothing"));
        assert_eq!(
            render(
                avail["value_template"].as_str().expect("a template"),
                &payload
            ),
            avail["payload_available"].as_str().expect("online"),
            "{topic}: availability"
        );
        // A command topic is the display's own.
        if let Some(cmd) = c.get("command_topic") {
            assert!(
                cmd.as_str()
                    .is_some_and(|t| t.starts_with(&format!("tinydisplay/{name}/ha/"))),
                "{topic}: {cmd}"
            );
        }
        // The state topic exists and its template gives what the component reads.
        let Some(stopic) = c.get("state_topic").and_then(Value::as_str) else {
            assert_eq!(component, "button", "{topic}: only buttons have no state");
            continue;
        };
        let payload = w
            .get(stopic)
            .unwrap_or_else(|| panic!("{stopic} carries nothing"));
        let tpl = c["value_template"].as_str().expect("a value template");
        let got = render(tpl, &payload);
        match component {
            "select" => {
                let options: Vec<&str> = c["options"]
                    .as_array()
                    .expect("options")
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                assert_eq!(options, ["clock", "weather", "door"], "{topic}");
                assert!(options.contains(&got.as_str()), "{topic}: {got:?}");
            }
            "switch" | "binary_sensor" => {
                assert!(
                    got == c["payload_on"] || got == c["payload_off"],
                    "{topic}: {got:?}"
                );
            }
            "sensor" => assert!(got.parse::<f64>().is_ok(), "{topic}: {got:?}"),
            // Unknown until a level is set: the payload HA resets the number with.
            "number" => assert!(
                got == c["payload_reset"] || got.parse::<f64>().is_ok(),
                "{topic}: {got:?}"
            ),
            "text" => assert_eq!(got, "", "{topic}: the key is empty"),
            _ => {}
        }
    }
    components.sort();
    assert_eq!(
        components,
        [
            "binary_sensor",
            "button",
            "button",
            "button",
            "number",
            "select",
            "sensor",
            "sensor",
            "switch",
            "text"
        ]
    );
    drop(display);
    forget(&scene, &name);
}

#[test]
fn acting_as_home_assistant_changes_the_display_and_the_state_follows() {
    if server(PORT, "Mosquitto").is_none() {
        return;
    }
    let name = unique("hb");
    let dir = temp_dir("hascene");
    let scene = write_scene(&dir, &["clock", "weather", "music"], &[], &["msg.text"]);
    let w = watch(&name);
    let display = Display::start(&scene, &name);
    let node = node(&name);
    w.wait("announced", |w| w.configs(&node).len() == 9);
    w.wait("the first page", |w| ha_state(w, &name, "page") == "clock");
    let configs = w.configs(&node);
    let command = |component: &str, id: &str| -> String {
        configs[&format!("homeassistant/{component}/{node}/{id}/config")]["command_topic"]
            .as_str()
            .expect("a command topic")
            .to_owned()
    };
    let send = |topic: &str, payload: &str| mqtt_publish(PORT, topic, payload.as_bytes(), false);
    let mut took = Vec::new();

    // The select: a page by name.
    send(&command("select", "page"), "weather");
    took.push(w.wait("page weather", |w| ha_state(w, &name, "page") == "weather"));
    let page = |c: &ControlSender| c.published().state().pages[0].page.clone();
    assert_eq!(page(&display.control).as_deref(), Some("weather"));

    // The buttons.
    send(&command("button", "next"), "PRESS");
    took.push(w.wait("next page", |w| ha_state(w, &name, "page") == "music"));
    send(&command("button", "previous"), "PRESS");
    took.push(w.wait("previous page", |w| ha_state(w, &name, "page") == "weather"));

    // The number: the contrast reaches the controller.
    send(&command("number", "contrast"), "40");
    took.push(w.wait("contrast 40", |w| ha_state(w, &name, "contrast") == 40));
    let deadline = Instant::now() + WAIT;
    while display.panel().contrast != 40 {
        assert!(
            Instant::now() < deadline,
            "the controller's contrast stays {}",
            display.panel().contrast
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    // The switch: OFF puts the panel to sleep, ON wakes it.
    send(&command("switch", "panel"), "OFF");
    took.push(w.wait("panel off", |w| ha_state(w, &name, "panel") == "OFF"));
    let deadline = Instant::now() + WAIT;
    while display.panel().on {
        assert!(Instant::now() < deadline, "the controller stays on");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(display.control.published().state().asleep);
    send(&command("switch", "panel"), "ON");
    took.push(w.wait("panel on", |w| ha_state(w, &name, "panel") == "ON"));
    let deadline = Instant::now() + WAIT;
    while !display.panel().on {
        assert!(Instant::now() < deadline, "the controller stays asleep");
        std::thread::sleep(Duration::from_millis(10));
    }

    // The text: a `set` of the key.
    send(&command("text", "text_msg_text"), "Washing machine done");
    took.push(w.wait("the text", |w| {
        ha_state(w, &name, "text_msg_text") == "Washing machine done"
    }));
    assert_eq!(
        display.control.published().data("msg.text")["msg.text"].value,
        "Washing machine done"
    );

    // The alert topic: a named page for N seconds, then back.
    send(
        &format!("tinydisplay/{name}/ha/alert"),
        r#"{"page": "door", "seconds": 1}"#,
    );
    took.push(w.wait("the alert", |w| ha_state(w, &name, "page") == "door"));
    w.wait("back after the alert", |w| {
        ha_state(w, &name, "page") == "weather"
    });

    // A payload HA should not send is answered on the error topic, nothing changes.
    send(&command("number", "contrast"), "loud");
    w.wait("an error answer", |w| {
        w.json(&format!("tinydisplay/{name}/error"))
            .is_some_and(|e| e["error"].as_str().is_some_and(|e| e.contains("loud")))
    });

    // The reload button, after the scene lost a page: its option is gone.
    write_scene(&dir, &["clock", "music"], &[], &["msg.text"]);
    send(&command("button", "reload"), "PRESS");
    let select = format!("homeassistant/select/{node}/page/config");
    took.push(w.wait("the option gone", |w| {
        w.json(&select)
            .is_some_and(|c| c["options"] == serde_json::json!(["clock", "music", "door"]))
    }));
    eprintln!("state followed each command within {:?}", took.iter().max());
    drop(display);
    forget(&scene, &name);
}

#[test]
fn a_restart_keeps_the_ids_entities_that_went_are_cleared_and_forget_clears_all() {
    if server(PORT, "Mosquitto").is_none() {
        return;
    }
    let name = unique("hc");
    let node = node(&name);
    let dir = temp_dir("hascene");
    let scene = write_scene(
        &dir,
        &["clock", "weather"],
        &["clock"],
        &["msg.text", "msg.title"],
    );
    let ids = |w: &Watcher| -> Vec<String> {
        w.configs(&node)
            .values()
            .map(|c| c["unique_id"].as_str().expect("an id").to_owned())
            .collect()
    };
    let first = {
        let w = watch(&name);
        let _display = Display::start(&scene, &name);
        w.wait("announced", |w| w.configs(&node).len() == 11);
        ids(&w)
    };
    // Nothing retained from the first run: the second announces everything anew.
    forget(&scene, &name);
    let second = {
        let w = watch(&name);
        let _display = Display::start(&scene, &name);
        w.wait("announced again", |w| w.configs(&node).len() == 11);
        ids(&w)
    };
    assert_eq!(first, second, "the same unique ids after a restart");

    // Started with a scene that lost a page, a source and a text key.
    write_scene(&dir, &["clock"], &[], &["msg.text"]);
    {
        let w = watch(&name);
        let _display = Display::start(&scene, &name);
        w.wait("the stale configs cleared", |w| w.configs(&node).len() == 9);
        let select = w.json(&format!("homeassistant/select/{node}/page/config"));
        assert_eq!(
            select.map(|c| c["options"].clone()),
            Some(serde_json::json!(["clock", "door"]))
        );
        for gone in [
            format!("homeassistant/binary_sensor/{node}/source_clock/config"),
            format!("homeassistant/text/{node}/text_msg_title/config"),
        ] {
            assert_eq!(w.get(&gone).as_deref(), Some(""), "{gone} is not cleared");
        }
    }

    // `--ha-forget` removes every entity and exits.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
        .arg("run")
        .arg(&scene)
        .args(["--name", &name, "--mqtt", URL, "--ha-forget"])
        .output()
        .expect("tinydisplay runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("removed 9 Home Assistant entities"), "{said}");
    let w = watch(&name);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        w.configs(&node).is_empty(),
        "retained configs left: {:?}",
        w.configs(&node).keys()
    );
    mqtt_publish(PORT, &format!("tinydisplay/{name}/state"), b"", true);
}

#[test]
fn discovery_without_a_broker_is_refused_before_the_run() {
    let dir = temp_dir("hanobroker");
    let with_section = write_scene(&dir, &["clock"], &[], &[]);
    let plain = dir.join("plain.ron");
    std::fs::write(&plain, "Scene(widgets: [])").expect("scene written");
    for (scene, flag) in [(&with_section, None), (&plain, Some("--ha"))] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
            .arg("run")
            .arg(scene)
            .args(["--ticks", "1", "--sink", "none"])
            .args(flag)
            .output()
            .expect("tinydisplay runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{flag:?}: ran without a broker");
        assert!(err.contains("needs an MQTT broker"), "{flag:?}: {err}");
    }
}
