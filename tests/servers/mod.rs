//! Helpers for the tests that talk to real servers (Mosquitto, nats-server, mpd): finding
//! them, skipping (or failing under `CI=true`) when one is missing, unique topic prefixes,
//! and stepping an app until the dataset shows a value.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bevy_app::App;
use serde_json::Value;
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::data::Dataset;

/// Whether a missing server must fail the test (`CI=true`).
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// `Some(())` if something listens on 127.0.0.1:`port`; otherwise fails under CI or
/// prints why the test skips.
pub fn server(port: u16, what: &str) -> Option<()> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    if TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok() {
        return Some(());
    }
    skip(&format!("no {what} on 127.0.0.1:{port}"))
}

/// Fails under CI, else prints that the test skips and why.
pub fn skip<T>(why: &str) -> Option<T> {
    if required() {
        panic!("{why} (CI=true: the server is required)");
    }
    eprintln!("skipping: {why}");
    None
}

/// A prefix no other test run uses: `td<pid>x<nanos>`.
pub fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("td{}{tag}{nanos}", std::process::id())
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Waits until something listens on `port` (true) or `limit` passes (false).
pub fn wait_listening(port: u16, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// The path of a program if it is installed.
pub fn program(candidates: &[&str]) -> Option<PathBuf> {
    for c in candidates {
        let p = PathBuf::from(c);
        if p.is_absolute() && p.exists() {
            return Some(p);
        }
        if let Some(paths) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&paths) {
                let full = dir.join(c);
                if full.exists() {
                    return Some(full);
                }
            }
        }
    }
    None
}

/// A child process killed when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a private Mosquitto on `port` (loopback only).
pub fn start_mosquitto(port: u16) -> Option<Killed> {
    let Some(bin) = program(&["/usr/sbin/mosquitto", "mosquitto"]) else {
        return skip("mosquitto is not installed");
    };
    let child = Command::new(bin)
        .args(["-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto starts");
    let k = Killed(child);
    assert!(
        wait_listening(port, Duration::from_secs(10)),
        "mosquitto did not listen on {port}"
    );
    Some(k)
}

/// Runs one tick at a time until `ok` holds for the dataset (true) or `limit` passes.
pub fn tick_until(app: &mut App, limit: Duration, ok: impl Fn(&Dataset) -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        run_ticks(app, RunMode::Ticks(1));
        if ok(app.world().resource::<Dataset>()) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The dataset's value at `key`, or null.
pub fn value(app: &App, key: &str) -> Value {
    app.world()
        .resource::<Dataset>()
        .get(key)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Publishes one message on the broker at 127.0.0.1:`port` and waits for its ack.
#[cfg(feature = "mqtt")]
pub fn mqtt_publish(port: u16, topic: &str, payload: &[u8], retain: bool) {
    use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};
    let id = unique("pub");
    let topic = topic.to_owned();
    let payload = payload.to_vec();
    tinydisplay::runtime::handle().block_on(async move {
        let mut opts = MqttOptions::new(id, "127.0.0.1", port);
        opts.set_keep_alive(Duration::from_secs(5));
        opts.set_max_packet_size(32 << 20, 32 << 20);
        let (client, mut events) = AsyncClient::new(opts, 10);
        client
            .publish(topic, QoS::AtLeastOnce, retain, payload)
            .await
            .expect("queued");
        let guard = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match events.poll().await.expect("broker reachable") {
                    Event::Incoming(Packet::PubAck(_)) => break,
                    Event::Outgoing(Outgoing::Disconnect) => break,
                    _ => {}
                }
            }
        });
        guard.await.expect("publish acknowledged within 10 s");
        let _ = client.disconnect().await;
        let _ = tokio::time::timeout(Duration::from_secs(2), events.poll()).await;
    });
}

/// Publishes `payloads` on one topic over one connection and waits for every ack.
#[cfg(feature = "mqtt")]
pub fn mqtt_publish_many(port: u16, topic: &str, payloads: Vec<Vec<u8>>, retain: bool) {
    use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
    let id = unique("pubmany");
    let topic = topic.to_owned();
    tinydisplay::runtime::handle().block_on(async move {
        let mut opts = MqttOptions::new(id, "127.0.0.1", port);
        opts.set_keep_alive(Duration::from_secs(5));
        opts.set_max_packet_size(32 << 20, 32 << 20);
        opts.set_inflight(1000);
        let n = payloads.len();
        let (client, mut events) = AsyncClient::new(opts, n + 10);
        for payload in payloads {
            client
                .try_publish(topic.clone(), QoS::AtLeastOnce, retain, payload)
                .expect("queued");
        }
        let guard = tokio::time::timeout(Duration::from_secs(20), async {
            let mut acks = 0;
            while acks < n {
                if let Event::Incoming(Packet::PubAck(_)) =
                    events.poll().await.expect("broker reachable")
                {
                    acks += 1;
                }
            }
        });
        guard.await.expect("every publish acknowledged within 20 s");
        let _ = client.disconnect().await;
        let _ = tokio::time::timeout(Duration::from_secs(2), events.poll()).await;
    });
}

/// Collects messages on `filter` at 127.0.0.1:`port` until `done` holds for the list (or
/// 20 s pass); `after_subscribe` runs once the subscription is in place.
#[cfg(feature = "mqtt")]
pub fn mqtt_collect(
    port: u16,
    filter: &str,
    after_subscribe: impl FnOnce() + Send + 'static,
    done: impl Fn(&[(String, String)]) -> bool,
) -> Vec<(String, String)> {
    use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
    let id = unique("sub");
    let filter = filter.to_owned();
    tinydisplay::runtime::handle().block_on(async move {
        let mut opts = MqttOptions::new(id, "127.0.0.1", port);
        opts.set_keep_alive(Duration::from_secs(5));
        opts.set_max_packet_size(32 << 20, 32 << 20);
        let (client, mut events) = AsyncClient::new(opts, 10);
        client
            .subscribe(filter, QoS::AtLeastOnce)
            .await
            .expect("queued");
        let mut got = Vec::new();
        let mut after = Some(after_subscribe);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !done(&got) && tokio::time::Instant::now() < deadline {
            let Ok(event) = tokio::time::timeout_at(deadline, events.poll()).await else {
                break;
            };
            match event.expect("broker reachable") {
                Event::Incoming(Packet::SubAck(_)) => {
                    if let Some(f) = after.take() {
                        std::thread::spawn(f);
                    }
                }
                Event::Incoming(Packet::Publish(p)) => got.push((
                    p.topic.clone(),
                    String::from_utf8_lossy(&p.payload).into_owned(),
                )),
                _ => {}
            }
        }
        let _ = client.disconnect().await;
        got
    })
}

/// Collects messages on `subject` (wildcards allowed) at 127.0.0.1:`port` until `done`
/// holds for the list (or 20 s pass); `after_subscribe` runs once the subscription is in
/// place.
#[cfg(feature = "nats")]
pub fn nats_collect(
    port: u16,
    subject: &str,
    after_subscribe: impl FnOnce() + Send + 'static,
    done: impl Fn(&[(String, String)]) -> bool,
) -> Vec<(String, String)> {
    use futures_util::StreamExt;
    let subject = subject.to_owned();
    tinydisplay::runtime::handle().block_on(async move {
        let client = async_nats::connect(format!("nats://127.0.0.1:{port}"))
            .await
            .expect("nats-server reachable");
        let mut sub = client.subscribe(subject).await.expect("subscribed");
        client.flush().await.expect("flushed");
        std::thread::spawn(after_subscribe);
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !done(&got) {
            match tokio::time::timeout_at(deadline, sub.next()).await {
                Ok(Some(m)) => got.push((
                    m.subject.to_string(),
                    String::from_utf8_lossy(&m.payload).into_owned(),
                )),
                _ => break,
            }
        }
        got
    })
}

/// A NATS request to `subject` at 127.0.0.1:`port`: the reply as JSON.
#[cfg(feature = "nats")]
pub fn nats_request(port: u16, subject: &str, payload: &[u8]) -> Value {
    nats_try_request(port, subject, payload, Duration::from_secs(10)).expect("a reply within 10 s")
}

/// A NATS request to `subject` at 127.0.0.1:`port`: the reply as JSON, or None when
/// nobody answered within `wait` (a surface not subscribed yet).
#[cfg(feature = "nats")]
pub fn nats_try_request(port: u16, subject: &str, payload: &[u8], wait: Duration) -> Option<Value> {
    let (subject, payload) = (subject.to_owned(), payload.to_vec());
    tinydisplay::runtime::handle().block_on(async move {
        let client = async_nats::connect(format!("nats://127.0.0.1:{port}"))
            .await
            .expect("nats-server reachable");
        let reply = tokio::time::timeout(wait, client.request(subject, payload.into()))
            .await
            .ok()?
            .ok()?;
        Some(serde_json::from_slice(&reply.payload).expect("the reply is JSON"))
    })
}
