//! The NATS source against a real nats-server: subjects with `*` and `>` mapped to keys,
//! JSON pointers, health, and a server that goes away and comes back.

mod common;
mod servers;

use std::time::Duration;

use serde_json::json;
use servers::{server, tick_until, unique, value};
use tinydisplay::render::FrameBuffer;

const PORT: u16 = 4222;

fn publish(port: u16, messages: &[(&str, &[u8])]) {
    let messages: Vec<(String, Vec<u8>)> = messages
        .iter()
        .map(|(s, p)| ((*s).to_owned(), p.to_vec()))
        .collect();
    tinydisplay::runtime::handle().block_on(async move {
        let client = tokio::time::timeout(
            Duration::from_secs(10),
            async_nats::connect(format!("nats://127.0.0.1:{port}")),
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

fn scene(port: u16, prefix: &str) -> String {
    format!(
        r#"Scene(
    display: (width: 128, height: 32, mode: Mono, fps: 30),
    fonts: {{"f": (file: "../assets/fonts/spleen-8x16.bdf")}},
    sources: {{
        "bus": (source: Nats(
            url: "nats://127.0.0.1:{port}",
            namespace: "fleet",
            subscriptions: [
                (topic: "{prefix}.sensor.*.temp", key: "{{3}}", payload: Number),
                (topic: "{prefix}.weather.>", key: "w.{{rest}}", payload: Json, pointer: "/now"),
            ],
        ), policy: (backoff_initial_ms: 100, backoff_max_ms: 400, jitter: 0.0, breaker_failures: 0)),
    }},
    widgets: [
        Text(x: 0, y: 0, text: "{{{{ fleet.kitchen }}}}", font: "f"),
    ],
)"#
    )
}

#[test]
fn subjects_map_to_keys_and_frames_follow() {
    if server(PORT, "nats-server").is_none() {
        return;
    }
    let prefix = unique("n");
    let mut app = common::app_for(common::compile_with_sources(&scene(PORT, &prefix)));
    assert!(
        tick_until(&mut app, Duration::from_secs(20), |d| d
            .get("fleet.connected")
            == Some(&json!(true))),
        "never connected: {}",
        value(&app, "_source.bus.last_error")
    );
    assert_eq!(value(&app, "_source.bus.ok"), json!(true));
    let blank = app.world().resource::<FrameBuffer>().clone();
    publish(
        PORT,
        &[
            (&format!("{prefix}.sensor.kitchen.temp"), b"21.5"),
            (
                &format!("{prefix}.weather.berlin.today"),
                br#"{"now": 7.5, "max": 9}"#,
            ),
            (&format!("{prefix}.sensor.kitchen.humidity"), b"50"),
        ],
    );
    let got = tick_until(&mut app, Duration::from_secs(20), |d| {
        d.get("fleet.kitchen") == Some(&json!(21.5))
            && d.get("fleet.w.berlin.today") == Some(&json!(7.5))
    });
    assert!(
        got,
        "kitchen {:?}, weather {:?}",
        value(&app, "fleet.kitchen"),
        value(&app, "fleet.w.berlin.today")
    );
    assert!(
        app.world()
            .resource::<tinydisplay::data::Dataset>()
            .get("fleet.humidity")
            .is_none(),
        "a subject no filter matches gave a key"
    );
    let shown = app.world().resource::<FrameBuffer>().clone();
    assert_ne!(
        blank.to_rgb8(),
        shown.to_rgb8(),
        "the frame did not follow the value"
    );
}

#[test]
fn server_down_and_back_keeps_values_and_reports_health() {
    let Some(bin) = servers::program(&["/usr/sbin/nats-server", "nats-server"]) else {
        servers::skip::<()>("nats-server is not installed");
        return;
    };
    let port = servers::free_port();
    let start = || {
        let child = std::process::Command::new(&bin)
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let k = servers::Killed(child);
        assert!(servers::wait_listening(port, Duration::from_secs(10)));
        k
    };
    let server = start();
    let prefix = unique("nd");
    let mut app = common::app_for(common::compile_with_sources(&scene(port, &prefix)));
    assert!(tick_until(&mut app, Duration::from_secs(20), |d| d
        .get("fleet.connected")
        == Some(&json!(true))));
    publish(port, &[(&format!("{prefix}.sensor.kitchen.temp"), b"18")]);
    assert!(tick_until(&mut app, Duration::from_secs(20), |d| d
        .get("fleet.kitchen")
        == Some(&json!(18))));
    let before = app.world().resource::<FrameBuffer>().clone();

    drop(server);
    assert!(
        tick_until(&mut app, Duration::from_secs(30), |d| d
            .get("_source.bus.ok")
            == Some(&json!(false))),
        "health did not go false"
    );
    assert_eq!(value(&app, "fleet.kitchen"), json!(18), "the value stays");
    assert_eq!(value(&app, "fleet.connected"), json!(false));
    assert_eq!(
        before.to_rgb8(),
        app.world().resource::<FrameBuffer>().to_rgb8()
    );

    let _server = start();
    assert!(
        tick_until(&mut app, Duration::from_secs(30), |d| d
            .get("_source.bus.ok")
            == Some(&json!(true))),
        "never reconnected: {}",
        value(&app, "_source.bus.last_error")
    );
    publish(port, &[(&format!("{prefix}.sensor.kitchen.temp"), b"24")]);
    assert!(tick_until(&mut app, Duration::from_secs(20), |d| d
        .get("fleet.kitchen")
        == Some(&json!(24))));
}
