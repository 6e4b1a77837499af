//! A fleet on one broker: three engine processes with different names and `--mqtt`; a
//! control message to one changes only its frames, a malformed one is answered on its
//! error topic, each publishes its state, and killing one makes its state `offline`
//! (the broker's last will). The same on one NATS server with `--nats`, where a command
//! is a request answered on its reply subject and a clean stop says `offline` (NATS
//! keeps no last will: a killed display just falls silent).

mod servers;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use servers::{mqtt_collect, mqtt_publish, nats_collect, nats_request, server, unique};

const PORT: u16 = 1883;
const NATS_PORT: u16 = 4222;

fn scene(dir: &Path) -> PathBuf {
    let root = env!("CARGO_MANIFEST_DIR");
    let path = dir.join("fleet.ron");
    std::fs::write(
        &path,
        format!(
            r#"Scene(
    display: (width: 64, height: 16, mode: Mono, fps: 20),
    fonts: {{"f": (file: "{root}/assets/fonts/spleen-8x16.bdf")}},
    data: (initial: {{"msg": "hello"}}),
    widgets: [Text(x: 0, y: 0, text: "{{{{ msg }}}}", font: "f")],
)"#
        ),
    )
    .expect("scene written");
    path
}

/// Starts a display named `name` on the broker `flag url` (`--mqtt mqtt://…`).
fn start(scene: &Path, name: &str, out: &Path, flag: &str, url: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
        .arg("run")
        .arg(scene)
        .args(["--name", name, flag, url])
        .args(["--sink", "png", "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the engine starts")
}

fn interrupt(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    for _ in 0..200 {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("the engine did not stop on SIGINT within 10 s");
}

/// True once every display of `names` said it is online on its state topic.
fn all_online(got: &[(String, String)], names: &[String], topic: fn(&str) -> String) -> bool {
    names.iter().all(|n| {
        got.iter()
            .any(|(t, p)| *t == topic(n) && status(p).as_deref() == Some("online"))
    })
}

/// Each display's last state document, checked to say online, its name and its tick.
fn online_states(
    got: &[(String, String)],
    names: &[String],
    topic: fn(&str) -> String,
) -> Vec<Value> {
    let docs = names.iter().map(|n| {
        let doc = got
            .iter()
            .rev()
            .find(|(t, _)| *t == topic(n))
            .map(|(_, p)| serde_json::from_str::<Value>(p).expect("state is JSON"));
        let doc = doc.unwrap_or_else(|| panic!("{n} published no state: {got:?}"));
        assert_eq!(doc["status"], "online");
        assert_eq!(doc["name"], n.as_str());
        assert!(doc["tick"].as_u64().is_some(), "{doc}");
        doc
    });
    docs.collect()
}

fn status(payload: &str) -> Option<String> {
    serde_json::from_str::<Value>(payload)
        .ok()
        .and_then(|v| v["status"].as_str().map(str::to_owned))
}

#[test]
fn three_displays_one_broker() {
    if server(PORT, "Mosquitto").is_none() {
        return;
    }
    let dir = std::env::temp_dir().join(unique("fleet"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let scene = scene(&dir);
    let base = unique("d");
    let names: Vec<String> = (0..3).map(|i| format!("{base}n{i}")).collect();
    let outs: Vec<PathBuf> = names.iter().map(|n| dir.join(format!("{n}.png"))).collect();
    let mut children: Vec<Option<Child>> = names
        .iter()
        .zip(&outs)
        .map(|(n, o)| {
            Some(start(
                &scene,
                n,
                o,
                "--mqtt",
                &format!("mqtt://127.0.0.1:{PORT}"),
            ))
        })
        .collect();

    // Every display publishes its state; all three come online.
    let state_topic = |n: &str| format!("tinydisplay/{n}/state");
    let watched = names.clone();
    let online = mqtt_collect(
        PORT,
        "tinydisplay/+/state",
        || {},
        move |got| all_online(got, &watched, state_topic),
    );
    for doc in online_states(&online, &names, state_topic) {
        assert!(doc.get("fps_achieved").is_some(), "{doc}");
        assert!(doc.get("skipped_ticks").is_some(), "{doc}");
        assert!(doc.get("sources").is_some(), "{doc}");
    }

    // A malformed command to the first: answered on its error topic.
    let first = names[0].clone();
    let errors = mqtt_collect(
        PORT,
        &format!("tinydisplay/{first}/error"),
        move || {
            mqtt_publish(
                PORT,
                &format!("tinydisplay/{first}/control"),
                br#"{"cmd": "fly"}"#,
                false,
            )
        },
        |got| !got.is_empty(),
    );
    let err: Value =
        serde_json::from_str(&errors.first().expect("an error answer").1).expect("JSON");
    assert!(
        err["error"]
            .as_str()
            .is_some_and(|e| e.contains("bad command")),
        "{err}"
    );

    // A command to the second changes only its frames.
    mqtt_publish(
        PORT,
        &format!("tinydisplay/{}/control", names[1]),
        br#"{"cmd": "set", "key": "msg", "value": "bye"}"#,
        false,
    );
    // Two state updates later the command has surely been applied (one tick).
    let second = names[1].clone();
    let topic = format!("tinydisplay/{second}/state");
    mqtt_collect(PORT, &topic, || {}, |got| got.len() >= 3);

    // Killing the third: its last will says offline.
    let mut third = children[2].take().expect("running");
    let third_topic = format!("tinydisplay/{}/state", names[2]);
    let killed = mqtt_collect(
        PORT,
        &third_topic,
        move || {
            let _ = third.kill();
            let _ = third.wait();
        },
        |got| {
            got.iter()
                .any(|(_, p)| status(p).as_deref() == Some("offline"))
        },
    );
    assert!(
        killed
            .iter()
            .any(|(_, p)| status(p).as_deref() == Some("offline")),
        "{killed:?}"
    );

    // The other two stop cleanly and write their last frames.
    for c in children.iter_mut().take(2) {
        if let Some(mut child) = c.take() {
            interrupt(&mut child);
        }
    }
    let frame = |p: &Path| {
        image::open(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .to_luma8()
    };
    let (a, b) = (frame(&outs[0]), frame(&outs[1]));
    assert_ne!(
        a.as_raw(),
        b.as_raw(),
        "the command did not change the second display's frame"
    );
    assert!(
        a.as_raw().iter().any(|&p| p > 0),
        "the first display shows nothing"
    );
    // A clean stop says offline too (retained), for every display.
    let gone = names.clone();
    let finals = mqtt_collect(
        PORT,
        "tinydisplay/+/state",
        || {},
        move |got| {
            gone.iter().all(|n| {
                got.iter()
                    .any(|(t, _)| t == &format!("tinydisplay/{n}/state"))
            })
        },
    );
    for n in &names {
        let last = finals
            .iter()
            .rev()
            .find(|(t, _)| t == &format!("tinydisplay/{n}/state"))
            .map(|(_, p)| status(p));
        assert_eq!(last, Some(Some("offline".to_owned())), "{n}: {finals:?}");
        mqtt_publish(PORT, &format!("tinydisplay/{n}/state"), b"", true);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn three_displays_one_nats_server() {
    if server(NATS_PORT, "nats-server").is_none() {
        return;
    }
    let dir = std::env::temp_dir().join(unique("natsfleet"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let scene = scene(&dir);
    let base = unique("d");
    let names: Vec<String> = (0..3).map(|i| format!("{base}n{i}")).collect();
    let outs: Vec<PathBuf> = names.iter().map(|n| dir.join(format!("{n}.png"))).collect();
    let mut children: Vec<Child> = names
        .iter()
        .zip(&outs)
        .map(|(n, o)| {
            start(
                &scene,
                n,
                o,
                "--nats",
                &format!("nats://127.0.0.1:{NATS_PORT}"),
            )
        })
        .collect();

    // Every display publishes its state (once a second while it runs); all three online.
    let state_subject = |n: &str| format!("tinydisplay.{n}.state");
    let watched = names.clone();
    let online = nats_collect(
        NATS_PORT,
        "tinydisplay.*.state",
        || {},
        move |got| all_online(got, &watched, state_subject),
    );
    online_states(&online, &names, state_subject);

    // A malformed command to the first: the reply says so, and so does its error subject.
    let first = names[0].clone();
    let control = format!("tinydisplay.{first}.control");
    let errors = nats_collect(
        NATS_PORT,
        &format!("tinydisplay.{first}.error"),
        move || {
            let reply = nats_request(NATS_PORT, &control, br#"{"cmd": "fly"}"#);
            assert_eq!(reply["ok"], json!(false), "{reply}");
        },
        |got| !got.is_empty(),
    );
    let err: Value =
        serde_json::from_str(&errors.first().expect("an error answer").1).expect("JSON");
    assert!(
        err["error"]
            .as_str()
            .is_some_and(|e| e.contains("bad command")),
        "{err}"
    );

    // A command to the second, as a request: answered once applied; only its frames change.
    let reply = nats_request(
        NATS_PORT,
        &format!("tinydisplay.{}.control", names[1]),
        br#"{"cmd": "set", "key": "msg", "value": "bye"}"#,
    );
    assert_eq!(reply, json!({"ok": true}));

    // A clean stop says offline, for every display.
    let gone = names.clone();
    let pids: Vec<String> = children.iter().map(|c| c.id().to_string()).collect();
    let finals = nats_collect(
        NATS_PORT,
        "tinydisplay.*.state",
        move || {
            for pid in pids {
                let _ = Command::new("kill").args(["-INT", &pid]).status();
            }
        },
        move |got| {
            gone.iter().all(|n| {
                got.iter().any(|(t, p)| {
                    t == &format!("tinydisplay.{n}.state")
                        && status(p).as_deref() == Some("offline")
                })
            })
        },
    );
    for n in &names {
        assert!(
            finals.iter().any(|(t, p)| {
                t == &format!("tinydisplay.{n}.state") && status(p).as_deref() == Some("offline")
            }),
            "{n}: {finals:?}"
        );
    }
    // Each writes its last frame as it ends.
    for child in &mut children {
        interrupt(child);
    }
    let frame = |p: &Path| {
        image::open(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .to_luma8()
    };
    let (a, b, c) = (frame(&outs[0]), frame(&outs[1]), frame(&outs[2]));
    assert_ne!(
        a.as_raw(),
        b.as_raw(),
        "the command did not change the second display"
    );
    assert_eq!(
        a.as_raw(),
        c.as_raw(),
        "the command changed another display"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
