//! A fleet on one NATS server: three engine processes with different names and `--nats`;
//! a command to one (a request, answered on its reply subject) changes only its frames, a
//! malformed one is answered as an error and on its error subject, each publishes its
//! state, and a clean stop says `offline` (NATS keeps no last will: a killed display just
//! falls silent).

mod servers;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use servers::{nats_collect, nats_request, server, unique};

const PORT: u16 = 4222;

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

fn start(scene: &Path, name: &str, out: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
        .arg("run")
        .arg(scene)
        .args([
            "--name",
            name,
            "--nats",
            &format!("nats://127.0.0.1:{PORT}"),
        ])
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

fn status(payload: &str) -> Option<String> {
    serde_json::from_str::<Value>(payload)
        .ok()
        .and_then(|v| v["status"].as_str().map(str::to_owned))
}

#[test]
fn three_displays_one_nats_server() {
    if server(PORT, "nats-server").is_none() {
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
        .map(|(n, o)| start(&scene, n, o))
        .collect();

    // Every display publishes its state (once a second while it runs); all three online.
    let watched = names.clone();
    let online = nats_collect(
        PORT,
        "tinydisplay.*.state",
        || {},
        move |got| {
            watched.iter().all(|n| {
                got.iter().any(|(t, p)| {
                    t == &format!("tinydisplay.{n}.state") && status(p).as_deref() == Some("online")
                })
            })
        },
    );
    for n in &names {
        let doc = online
            .iter()
            .rev()
            .find(|(t, _)| t == &format!("tinydisplay.{n}.state"))
            .map(|(_, p)| serde_json::from_str::<Value>(p).expect("state is JSON"));
        let doc = doc.unwrap_or_else(|| panic!("{n} published no state: {online:?}"));
        assert_eq!(doc["status"], "online");
        assert_eq!(doc["name"], n.as_str());
        assert!(doc["tick"].as_u64().is_some(), "{doc}");
    }

    // A malformed command to the first: the reply says so, and so does its error subject.
    let first = names[0].clone();
    let control = format!("tinydisplay.{first}.control");
    let errors = nats_collect(
        PORT,
        &format!("tinydisplay.{first}.error"),
        move || {
            let reply = nats_request(PORT, &control, br#"{"cmd": "fly"}"#);
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
        PORT,
        &format!("tinydisplay.{}.control", names[1]),
        br#"{"cmd": "set", "key": "msg", "value": "bye"}"#,
    );
    assert_eq!(reply, json!({"ok": true}));

    // A clean stop says offline, for every display.
    let gone = names.clone();
    let pids: Vec<String> = children.iter().map(|c| c.id().to_string()).collect();
    let finals = nats_collect(
        PORT,
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
