//! The `load` command: a scene sent as RON text over HTTP, MQTT or NATS is checked, swapped in
//! like a hot reload, refused with its problems (the running scene stays), kept inside
//! its folder, and written over the scene file only when the scene allows it.

mod common;
mod servers;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::live::{Live, agent, get_json, post};
use serde_json::{Value, json};

/// A scene whose `initial` data names it: `scene.name` is `tag`.
fn scene_text(tag: &str, extra: &str) -> String {
    format!(
        r#"Scene(
    display: (width: 32, height: 8, mode: Mono, fps: 30),
    data: (initial: {{"scene.{tag}": 1}}),
    {extra}
    widgets: [Text(x: 0, y: 0, text: "{tag}")],
)"#
    )
}

/// A folder of its own holding `scene.ron` with `text`.
fn scene_dir(tag: &str, text: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tinydisplay-load-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a temp dir");
    std::fs::write(d.join("scene.ron"), text).expect("the scene");
    d
}

fn compile(path: &Path) -> tinydisplay::scene::CompiledScene {
    let text = std::fs::read_to_string(path).expect("the scene file");
    tinydisplay::scene::compile_str(&text, path).unwrap_or_else(|e| panic!("{e}"))
}

fn load_cmd(scene: &str) -> String {
    json!({"cmd": "load", "scene": scene}).to_string()
}

fn has_key(live: &Live, key: &str) -> bool {
    get_json(&live.url(&format!("/api/data?prefix={key}")))
        .get(key)
        .is_some()
}

#[test]
fn load_over_http_swaps_the_scene_in_and_leaves_the_file_as_it_was() {
    let first = scene_text("first", "");
    let dir = scene_dir("http", &first);
    let path = dir.join("scene.ron");
    let live = Live::start(compile(&path), None);
    live.wait_for("the first scene", || has_key(&live, "scene.first"));

    let (status, reply) = post(
        &live.url("/api/control"),
        &load_cmd(&scene_text("second", "")),
    );
    assert_eq!((status, &reply), (200, &json!({"ok": true})));
    // The reply comes once the tick published the new scene's data.
    assert!(has_key(&live, "scene.second"), "the loaded scene runs");
    let state = get_json(&live.url("/api/state"));
    assert_eq!(state["scene"]["reloads"], json!(1), "{state}");
    assert_eq!(state["scene"]["problems"], json!([]), "{state}");
    // Without `control.allow_write_scene` the file is not touched.
    assert_eq!(std::fs::read_to_string(&path).expect("the file"), first);
}

#[test]
fn a_bad_scene_is_refused_with_its_problems_and_the_running_scene_stays() {
    let dir = scene_dir("bad", &scene_text("first", ""));
    std::fs::write(dir.join("common.ron"), "Include()").expect("an include");
    let outside = dir.with_extension("outside.ron");
    std::fs::write(&outside, "Include()").expect("a file outside");
    std::os::unix::fs::symlink(&outside, dir.join("link.ron")).expect("a link");
    let live = Live::start(compile(&dir.join("scene.ron")), None);
    live.wait_for("the first scene", || has_key(&live, "scene.first"));

    let broken = r#"Scene(
    display: (width: 32, height: 8, mode: Mono),
    widgets: [Text(x: 1, text: "{{ unclosed"), Rectangle(width: 3, height: 3, fill: "nope")],
)"#;
    let (status, reply) = post(&live.url("/api/control"), &load_cmd(broken));
    assert_eq!(status, 409, "{reply}");
    assert_eq!(reply["ok"], json!(false));
    let error = reply["error"].as_str().unwrap_or_default();
    assert!(error.contains("2 problem(s)"), "{error}");
    assert!(error.contains("nope"), "{error}");
    let problems = get_json(&live.url("/api/state"))["scene"]["problems"].clone();
    assert_eq!(problems.as_array().map(Vec::len), Some(2), "{problems}");

    // Another size cannot be swapped into a running display.
    let bigger = scene_text("big", "").replace("width: 32", "width: 64");
    let (status, reply) = post(&live.url("/api/control"), &load_cmd(&bigger));
    assert_eq!(status, 409, "{reply}");
    assert!(reply["error"].as_str().is_some_and(|e| e.contains("64x8")));

    // Includes stay in the scene's folder: `..`, absolute paths and links out are refused.
    for include in [
        "../x.ron".to_string(),
        outside.display().to_string(),
        "link.ron".to_string(),
    ] {
        let text = scene_text("inc", &format!("include: [{include:?}],"));
        let (status, reply) = post(&live.url("/api/control"), &load_cmd(&text));
        assert_eq!(status, 409, "{include}: {reply}");
        assert!(
            reply["error"]
                .as_str()
                .is_some_and(|e| e.contains("outside the scene's folder")),
            "{include}: {reply}"
        );
    }
    let inside = scene_text("inc", r#"include: ["common.ron"],"#);
    let (status, reply) = post(&live.url("/api/control"), &load_cmd(&inside));
    assert_eq!(status, 200, "an include in the folder is fine: {reply}");

    // Nothing refused ran: only the last scene's key arrived.
    assert!(!has_key(&live, "scene.big") && has_key(&live, "scene.inc"));
}

#[test]
fn allow_write_scene_writes_the_loaded_scene_over_the_file() {
    let allowed = "control: (allow_write_scene: true),";
    let dir = scene_dir("write", &scene_text("first", allowed));
    let path = dir.join("scene.ron");
    let live = Live::start(compile(&path), None);
    live.wait_for("the first scene", || has_key(&live, "scene.first"));
    let second = scene_text("second", "");
    let (status, reply) = post(&live.url("/api/control"), &load_cmd(&second));
    assert_eq!((status, &reply), (200, &json!({"ok": true})));
    assert_eq!(std::fs::read_to_string(&path).expect("the file"), second);
    let left: Vec<_> = std::fs::read_dir(&dir)
        .expect("the folder")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("scene.ron")],
        "no temporary file is left"
    );
    // The permission is the starting scene's: the loaded one (which does not grant it)
    // is written over too, and a refused one is not written.
    let (status, _) = post(&live.url("/api/control"), &load_cmd("Scene(oops"));
    assert_eq!(status, 409);
    assert_eq!(std::fs::read_to_string(&path).expect("the file"), second);
}

#[test]
fn load_needs_the_token_when_one_is_set() {
    let dir = scene_dir("token", &scene_text("first", ""));
    let live = Live::start(compile(&dir.join("scene.ron")), Some("s3cret"));
    let body = load_cmd(&scene_text("second", ""));
    let r = agent()
        .post(live.url("/api/control"))
        .header("content-type", "application/json")
        .send(body.as_bytes())
        .expect("an answer");
    assert_eq!(r.status().as_u16(), 401);
    let mut r = agent()
        .post(live.url("/api/control"))
        .header("content-type", "application/json")
        .header("authorization", "Bearer s3cret")
        .send(body.as_bytes())
        .expect("an answer");
    assert_eq!(r.status().as_u16(), 200);
    let reply: Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap_or_default()).expect("JSON");
    assert_eq!(reply, json!({"ok": true}));
}

/// The scene of `dir` running in real time on a thread of its own with the broker
/// surfaces named `name` at `mqtt` and `nats`: its control sender, stop flag and thread.
#[cfg(any(feature = "mqtt", feature = "nats"))]
fn start_with_surfaces(
    dir: &Path,
    name: &str,
    mqtt: Option<&str>,
    nats: Option<&str>,
) -> (
    tinydisplay::control::ControlSender,
    tinydisplay::app::StopFlag,
    std::thread::JoinHandle<()>,
) {
    let scene = compile(&dir.join("scene.ron"));
    let (name, mqtt, nats) = (
        name.to_owned(),
        mqtt.map(str::to_owned),
        nats.map(str::to_owned),
    );
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let mut app = common::app_for(scene);
        let stop = tinydisplay::app::StopFlag::default();
        app.insert_resource(stop.clone());
        let control = tinydisplay::control::control_sender(app.world_mut());
        let surfaces = tinydisplay::control::broker::Surfaces::start(
            &name,
            mqtt.as_deref(),
            nats.as_deref(),
            app.world_mut(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        tx.send((control, stop)).expect("the test waits");
        tinydisplay::app::run_ticks(&mut app, tinydisplay::app::RunMode::RealTime(None));
        drop(surfaces);
        tinydisplay::shutdown(app.world_mut());
    });
    let (control, stop) = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the engine started");
    (control, stop, thread)
}

#[cfg(feature = "mqtt")]
#[test]
fn load_over_mqtt_swaps_the_scene_in_or_answers_its_problems_on_the_error_topic() {
    use servers::{mqtt_collect, mqtt_publish, server, unique};
    const MQTT: u16 = 1883;
    if server(MQTT, "Mosquitto").is_none() {
        return;
    }
    let dir = scene_dir("mqtt", &scene_text("first", ""));
    let name = unique("load");
    let url = format!("mqtt://127.0.0.1:{MQTT}");
    let (control, stop, thread) = start_with_surfaces(&dir, &name, Some(&url), None);
    let topic = format!("tinydisplay/{name}/control");
    let has = |key: &str| control.published().data(key).contains_key(key);
    let end = std::time::Instant::now() + Duration::from_secs(30);
    while !has("scene.second") {
        assert!(std::time::Instant::now() < end, "the load never applied");
        mqtt_publish(
            MQTT,
            &topic,
            load_cmd(&scene_text("second", "")).as_bytes(),
            false,
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let bad_topic = topic.clone();
    let got = mqtt_collect(
        MQTT,
        &format!("tinydisplay/{name}/error"),
        move || mqtt_publish(MQTT, &bad_topic, load_cmd("Scene(oops").as_bytes(), false),
        |got| !got.is_empty(),
    );
    stop.set();
    let _ = thread.join();
    let doc: Value = serde_json::from_str(&got.first().expect("an error document").1)
        .expect("the error is JSON");
    assert!(
        doc["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("the scene was not loaded")),
        "{doc}"
    );
    assert!(has("scene.second"), "the refused scene changed nothing");
}

#[cfg(feature = "nats")]
#[test]
fn load_over_nats_swaps_the_scene_in_or_answers_its_problems() {
    use servers::{nats_request, nats_try_request, server, unique};
    const NATS: u16 = 4222;
    if server(NATS, "nats-server").is_none() {
        return;
    }
    let dir = scene_dir("nats", &scene_text("first", ""));
    let name = unique("loadnats");
    let url = format!("nats://127.0.0.1:{NATS}");
    let (control, stop, thread) = start_with_surfaces(&dir, &name, None, Some(&url));
    let subject = format!("tinydisplay.{name}.control");
    // The surface is up once a request is answered; a request is answered once applied.
    let end = std::time::Instant::now() + Duration::from_secs(30);
    let ok = loop {
        let load = load_cmd(&scene_text("second", ""));
        if let Some(reply) =
            nats_try_request(NATS, &subject, load.as_bytes(), Duration::from_secs(2))
        {
            break reply;
        }
        assert!(
            std::time::Instant::now() < end,
            "the surface never answered"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let refused = nats_request(NATS, &subject, load_cmd("Scene(oops").as_bytes());
    let has = |key: &str| control.published().data(key).contains_key(key);
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while !has("scene.second") && std::time::Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    let loaded = has("scene.second");
    stop.set();
    let _ = thread.join();
    assert_eq!(ok, json!({"ok": true}));
    assert!(loaded, "the answered load applied");
    assert_eq!(refused["ok"], json!(false), "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("the scene was not loaded")),
        "{refused}"
    );
    assert!(has("scene.second"), "the refused scene changed nothing");
}
