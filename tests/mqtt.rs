//! The MQTT source against a real Mosquitto: wildcard subscriptions mapped to keys,
//! retained messages on connect, JSON pointers, the status topic and last will, and a
//! broker that goes down and comes back.

mod common;
mod servers;

use std::time::Duration;

use serde_json::json;
use servers::{mqtt_collect, mqtt_publish, server, start_mosquitto, tick_until, unique, value};
use tinydisplay::render::FrameBuffer;

const PORT: u16 = 1883;

fn scene(port: u16, prefix: &str, extra: &str) -> String {
    format!(
        r#"Scene(
    display: (width: 128, height: 32, mode: Mono, fps: 30),
    fonts: {{"f": (file: "../assets/fonts/spleen-8x16.bdf")}},
    sources: {{
        "ha": (source: Mqtt(
            url: "mqtt://127.0.0.1:{port}",
            namespace: "home",
            subscriptions: [
                (topic: "{prefix}/sensor/+/state", key: "{{3}}", payload: Number),
                (topic: "{prefix}/z2m/#", key: "z.{{rest}}", payload: Json, pointer: "/temperature"),
            ],
            {extra}
        ), policy: (backoff_initial_ms: 100, backoff_max_ms: 400, jitter: 0.0, breaker_failures: 0)),
    }},
    widgets: [
        Text(x: 0, y: 0, text: "{{{{ home.kitchen }}}}", font: "f"),
    ],
)"#
    )
}

fn lit(fb: &FrameBuffer) -> usize {
    fb.to_rgb8().chunks(3).filter(|p| p[0] > 0).count()
}

#[test]
fn topics_map_to_keys_with_retained_values_first() {
    if server(PORT, "Mosquitto").is_none() {
        return;
    }
    let prefix = unique("m");
    // Retained before the display starts: it must show at once.
    mqtt_publish(
        PORT,
        &format!("{prefix}/sensor/kitchen/state"),
        b"21.5",
        true,
    );
    let mut app = common::app_for(common::compile_with_sources(&scene(PORT, &prefix, "")));
    let got = tick_until(&mut app, Duration::from_secs(20), |d| {
        d.get("home.kitchen") == Some(&json!(21.5))
    });
    assert!(
        got,
        "retained value never arrived: {:?}",
        value(&app, "home.kitchen")
    );
    assert_eq!(value(&app, "_source.ha.ok"), json!(true));
    let first = app.world().resource::<FrameBuffer>().clone();
    assert!(lit(&first) > 20, "the value is not drawn");

    mqtt_publish(
        PORT,
        &format!("{prefix}/sensor/kitchen/state"),
        b"19",
        false,
    );
    mqtt_publish(
        PORT,
        &format!("{prefix}/z2m/living/room"),
        br#"{"temperature": 22.25, "humidity": 41}"#,
        false,
    );
    let got = tick_until(&mut app, Duration::from_secs(20), |d| {
        d.get("home.kitchen") == Some(&json!(19))
            && d.get("home.z.living.room") == Some(&json!(22.25))
    });
    assert!(
        got,
        "live values: kitchen {:?}, living {:?}",
        value(&app, "home.kitchen"),
        value(&app, "home.z.living.room")
    );
    let second = app.world().resource::<FrameBuffer>().clone();
    assert_ne!(
        first.to_rgb8(),
        second.to_rgb8(),
        "the frame did not follow the value"
    );
    // A payload that is not a number is skipped, the last good value stays.
    mqtt_publish(
        PORT,
        &format!("{prefix}/sensor/kitchen/state"),
        b"warm",
        false,
    );
    mqtt_publish(PORT, &format!("{prefix}/sensor/hall/state"), b"17", false);
    assert!(tick_until(&mut app, Duration::from_secs(20), |d| d
        .get("home.hall")
        == Some(&json!(17))));
    assert_eq!(value(&app, "home.kitchen"), json!(19));
    // Clear the retained message.
    mqtt_publish(PORT, &format!("{prefix}/sensor/kitchen/state"), b"", true);
}

#[test]
fn status_topic_is_online_then_offline_by_last_will() {
    if server(PORT, "Mosquitto").is_none() {
        return;
    }
    let prefix = unique("w");
    let status = format!("{prefix}/display/status");
    let src = scene(PORT, &prefix, &format!(r#"status_topic: "{status}","#));
    let seen = mqtt_collect(
        PORT,
        &status,
        move || {
            let mut app = common::app_for(common::compile_with_sources(&src));
            let online = tick_until(&mut app, Duration::from_secs(20), |d| {
                d.get("home.connected") == Some(&json!(true))
            });
            assert!(online, "the source never connected");
            // Give the broker the "online" message before the connection goes.
            std::thread::sleep(Duration::from_millis(300));
            drop(app); // stops the source without a clean DISCONNECT: the will fires
        },
        |got| got.iter().any(|(_, p)| p == "offline"),
    );
    let payloads: Vec<&str> = seen.iter().map(|(_, p)| p.as_str()).collect();
    assert!(payloads.contains(&"online"), "{payloads:?}");
    assert_eq!(payloads.last(), Some(&"offline"), "{payloads:?}");
    mqtt_publish(PORT, &status, b"", true);
}

#[test]
fn broker_down_and_back_keeps_values_and_reports_health() {
    let port = servers::free_port();
    let Some(broker) = start_mosquitto(port) else {
        return;
    };
    let prefix = unique("d");
    mqtt_publish(
        port,
        &format!("{prefix}/sensor/kitchen/state"),
        b"20.5",
        true,
    );
    let mut app = common::app_for(common::compile_with_sources(&scene(
        port,
        &prefix,
        "keep_alive_s: 5,",
    )));
    assert!(tick_until(&mut app, Duration::from_secs(20), |d| {
        d.get("home.kitchen") == Some(&json!(20.5))
    }));
    let before = app.world().resource::<FrameBuffer>().clone();

    drop(broker);
    let down = tick_until(&mut app, Duration::from_secs(30), |d| {
        d.get("_source.ha.ok") == Some(&json!(false))
    });
    assert!(down, "health did not go false");
    let err = value(&app, "_source.ha.last_error");
    assert!(err.as_str().is_some_and(|e| e.contains("MQTT")), "{err}");
    assert_eq!(value(&app, "home.kitchen"), json!(20.5), "the value stays");
    let during = app.world().resource::<FrameBuffer>().clone();
    assert_eq!(
        before.to_rgb8(),
        during.to_rgb8(),
        "the screen keeps showing it"
    );

    let _broker = start_mosquitto(port).expect("mosquitto restarts");
    // The new broker has no retained state: a publisher sends the value again.
    let back = tick_until(&mut app, Duration::from_secs(30), |d| {
        d.get("_source.ha.ok") == Some(&json!(true))
    });
    assert!(
        back,
        "never reconnected: {}",
        value(&app, "_source.ha.last_error")
    );
    mqtt_publish(port, &format!("{prefix}/sensor/kitchen/state"), b"23", true);
    assert!(tick_until(&mut app, Duration::from_secs(20), |d| {
        d.get("home.kitchen") == Some(&json!(23))
    }));
    assert!(value(&app, "_source.ha.failures").as_u64().is_some());
}

#[test]
fn large_messages_are_read_and_too_large_ones_refused_without_losing_the_connection() {
    if server(PORT, "Mosquitto").is_none() {
        return;
    }
    let prefix = unique("big");
    let topic = format!("{prefix}/z2m/living");
    let json = |t: f64, pad: usize| {
        format!(r#"{{"temperature": {t}, "pad": "{}"}}"#, "x".repeat(pad)).into_bytes()
    };
    // 50 KB, retained: five times rumqttc's default packet limit.
    mqtt_publish(PORT, &topic, &json(19.5, 50_000), true);
    let src = scene(PORT, &prefix, "").replace(
        "breaker_failures: 0)",
        "breaker_failures: 0, max_output_bytes: 100000)",
    );
    let mut app = common::app_for(common::compile_with_sources(&src));
    let got = tick_until(&mut app, Duration::from_secs(20), |d| {
        d.get("home.z.living") == Some(&json!(19.5))
    });
    mqtt_publish(PORT, &topic, b"", true);
    assert!(
        got,
        "the 50 KB message never arrived: {}",
        value(&app, "_source.ha.last_error")
    );
    // 200 KB: over the source's max_output_bytes, refused on its own.
    mqtt_publish(PORT, &topic, &json(30.0, 200_000), false);
    let refused = tick_until(&mut app, Duration::from_secs(20), |d| {
        d.get("_source.ha.last_error")
            .and_then(|e| e.as_str())
            .is_some_and(|e| e.contains("max_output_bytes"))
    });
    assert!(refused, "{}", value(&app, "_source.ha.last_error"));
    assert_eq!(
        value(&app, "home.z.living"),
        json!(19.5),
        "the last good value stays"
    );
    // The connection stayed: the next message arrives without a reconnect.
    mqtt_publish(PORT, &topic, &json(21.5, 10), false);
    assert!(tick_until(&mut app, Duration::from_secs(20), |d| {
        d.get("home.z.living") == Some(&json!(21.5))
    }));
    let failures = value(&app, "_source.ha.failures");
    assert!(
        failures.as_u64().unwrap_or(0) == 0 || failures.is_null(),
        "reconnected: {failures}"
    );
}
