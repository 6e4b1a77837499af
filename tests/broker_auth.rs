//! Control over brokers that want credentials and TLS: a private Mosquitto (user name and
//! password, TLS with a test CA) and a private nats-server (a token with TLS; an NKey
//! seed), each started by the test in a temporary folder. The scene names the secrets'
//! files (never the secrets) and the CA file; a command from an authenticated client is
//! applied, and a client without credentials is turned away.

mod common;
mod servers;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use servers::{Killed, free_port, program, skip, unique, wait_listening};
use tinydisplay::app::{RunMode, StopFlag, run_ticks};
use tinydisplay::control::{ControlSender, control_sender};

/// A folder with a test CA (`ca.pem`) and a certificate for 127.0.0.1 and localhost
/// signed by it (`server.pem`, `server.key`).
fn pki(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique(tag));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "tinydisplay test CA");
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("params");
    let key = rcgen::KeyPair::generate().expect("server key");
    let cert = params.signed_by(&key, &ca, &ca_key).expect("server cert");
    std::fs::write(dir.join("ca.pem"), ca.pem()).expect("written");
    std::fs::write(dir.join("server.pem"), cert.pem()).expect("written");
    std::fs::write(dir.join("server.key"), key.serialize_pem()).expect("written");
    dir
}

/// An engine running `scene.ron` of `dir` in real time with the broker surfaces the scene
/// names.
struct Engine {
    control: ControlSender,
    stop: StopFlag,
    thread: Option<JoinHandle<()>>,
}

impl Engine {
    fn start(dir: &Path, name: &str) -> Engine {
        let scene =
            tinydisplay::scene::load(&dir.join("scene.ron")).unwrap_or_else(|e| panic!("{e}"));
        let name = name.to_owned();
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mqtt = scene.control.mqtt.clone();
            let nats = scene.control.nats.clone();
            let mut app = common::app_for(scene);
            let stop = StopFlag::default();
            app.insert_resource(stop.clone());
            let control = control_sender(app.world_mut());
            let surfaces = tinydisplay::control::broker::Surfaces::start(
                &name,
                mqtt.as_deref(),
                nats.as_deref(),
                app.world_mut(),
            );
            let surfaces = match surfaces {
                Ok(s) => s,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            tx.send(Ok((control, stop))).expect("the test waits");
            run_ticks(&mut app, RunMode::RealTime(None));
            drop(surfaces);
            tinydisplay::shutdown(app.world_mut());
        });
        let (control, stop) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the engine started")
            .unwrap_or_else(|e| panic!("the surfaces did not start: {e}"));
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
            .map(|i| i.value.clone())
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

#[cfg(feature = "mqtt")]
#[test]
fn mqtt_control_with_a_password_over_tls() {
    use rumqttc::{AsyncClient, QoS};
    use tinydisplay::net::auth::MqttAuth;
    use tinydisplay::net::tls::TlsConfig;
    use tinydisplay::net::url::BrokerUrl;
    let Some(mosquitto) = program(&["/usr/sbin/mosquitto", "mosquitto"]) else {
        let _: Option<()> = skip("mosquitto is not installed");
        return;
    };
    let Some(passwd) = program(&["/usr/bin/mosquitto_passwd", "mosquitto_passwd"]) else {
        let _: Option<()> = skip("mosquitto_passwd is not installed");
        return;
    };
    let dir = pki("mqttauth");
    let port = free_port();
    let users = dir.join("passwd");
    for (i, (user, pw)) in [("display", "pw-display"), ("admin", "pw-admin")]
        .iter()
        .enumerate()
    {
        let mut cmd = Command::new(&passwd);
        cmd.arg("-b");
        if i == 0 {
            cmd.arg("-c");
        }
        let ok = cmd
            .arg(&users)
            .args([user, pw])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "mosquitto_passwd failed");
    }
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "per_listener_settings false\nallow_anonymous false\npassword_file {}\n\
             listener {port} 127.0.0.1\ncertfile {}\nkeyfile {}\n",
            users.display(),
            dir.join("server.pem").display(),
            dir.join("server.key").display(),
        ),
    )
    .expect("the config");
    let _server = serve(&mosquitto, &conf, port);
    std::fs::write(dir.join("mqtt.pw"), "pw-display\n").expect("the secret");
    std::fs::write(
        dir.join("scene.ron"),
        format!(
            r#"Scene(
    display: (width: 32, height: 8, mode: Mono, fps: 30),
    control: (
        mqtt: "mqtts://127.0.0.1:{port}",
        mqtt_auth: (username: "display", password_file: "mqtt.pw", tls: (ca_file: "ca.pem")),
    ),
    widgets: [],
)"#
        ),
    )
    .expect("the scene");
    let name = unique("auth");
    let engine = Engine::start(&dir, &name);

    // An admin client, with its own password over TLS, sends a command.
    let url = BrokerUrl::parse(
        &format!("mqtts://127.0.0.1:{port}"),
        tinydisplay::net::mqtt::SCHEMES,
    )
    .expect("a URL");
    let admin = MqttAuth {
        username: Some("admin".into()),
        password_env: None,
        password_file: Some(dir.join("admin.pw")),
        tls: Some(TlsConfig {
            ca_file: Some(dir.join("ca.pem")),
            ..TlsConfig::default()
        }),
    };
    std::fs::write(dir.join("admin.pw"), "pw-admin").expect("the secret");
    let opts = tinydisplay::net::mqtt::options(&unique("admin"), &url, &admin, 10)
        .expect("client options");
    let topic = format!("tinydisplay/{name}/control");
    let end = Instant::now() + Duration::from_secs(30);
    tinydisplay::runtime::handle().block_on(async {
        let (client, mut events) = AsyncClient::new(opts, 10);
        let mut n = 0;
        while engine.value("auth.ok") != Some(json!(true)) {
            assert!(
                Instant::now() < end,
                "no command arrived over the authenticated link"
            );
            n += 1;
            let cmd = json!({"cmd": "set", "key": "auth.ok", "value": true}).to_string();
            client
                .publish(topic.clone(), QoS::AtLeastOnce, false, cmd)
                .await
                .expect("queued");
            let _ = tokio::time::timeout(Duration::from_millis(300), async {
                loop {
                    if let Err(e) = events.poll().await {
                        assert!(n < 100, "the admin client cannot connect: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            })
            .await;
        }
    });
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "nats")]
#[test]
fn nats_control_with_a_token_over_tls() {
    use tinydisplay::net::auth::NatsAuth;
    use tinydisplay::net::tls::TlsConfig;
    let dir = pki("natsauth");
    std::fs::write(dir.join("nats.token"), "t0ken-s3cret\n").expect("the secret");
    let tls = TlsConfig {
        ca_file: Some(dir.join("ca.pem")),
        ..TlsConfig::default()
    };
    nats_round_trip(
        &dir,
        "authorization { token: \"t0ken-s3cret\" }",
        r#"(token_file: "nats.token", tls: (ca_file: "ca.pem"))"#,
        NatsAuth {
            token_file: Some(dir.join("nats.token")),
            tls: Some(tls),
            ..NatsAuth::default()
        },
    );
}

#[cfg(feature = "nats")]
#[test]
fn nats_control_with_an_nkey_seed() {
    use tinydisplay::net::auth::NatsAuth;
    let dir = std::env::temp_dir().join(unique("natsnkey"));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let user = nkeys::KeyPair::new_user();
    let seed = user.seed().expect("the seed");
    std::fs::write(dir.join("nats.nk"), format!("{seed}\n")).expect("the secret");
    nats_round_trip(
        &dir,
        &format!(
            "authorization {{ users: [ {{ nkey: \"{}\" }} ] }}",
            user.public_key()
        ),
        r#"(nkey_file: "nats.nk")"#,
        NatsAuth {
            nkey_file: Some(dir.join("nats.nk")),
            ..NatsAuth::default()
        },
    );
}

/// Starts a private nats-server with `server_auth` (its config's authorization block; TLS
/// with `dir`'s test certificate when `client` has TLS settings) and an engine whose scene
/// says `nats_auth: scene_auth`; a client with `client`'s credentials has a command
/// applied, and one without them is turned away. `dir` is removed at the end.
#[cfg(feature = "nats")]
fn nats_round_trip(
    dir: &Path,
    server_auth: &str,
    scene_auth: &str,
    client: tinydisplay::net::auth::NatsAuth,
) {
    use tinydisplay::net::auth::NatsAuth;
    use tinydisplay::net::url::BrokerUrl;
    let Some(nats) = program(&["/usr/sbin/nats-server", "nats-server"]) else {
        let _: Option<()> = skip("nats-server is not installed");
        return;
    };
    let port = free_port();
    let conf = dir.join("nats.conf");
    let (scheme, tls_block) = match &client.tls {
        Some(_) => (
            "tls",
            format!(
                "tls {{ cert_file: \"{}\", key_file: \"{}\" }}\n",
                dir.join("server.pem").display(),
                dir.join("server.key").display(),
            ),
        ),
        None => ("nats", String::new()),
    };
    std::fs::write(
        &conf,
        format!("listen: \"127.0.0.1:{port}\"\n{server_auth}\n{tls_block}"),
    )
    .expect("the config");
    let _server = serve(&nats, &conf, port);
    std::fs::write(
        dir.join("scene.ron"),
        format!(
            r#"Scene(
    display: (width: 32, height: 8, mode: Mono, fps: 30),
    control: (nats: "{scheme}://127.0.0.1:{port}", nats_auth: {scene_auth}),
    widgets: [],
)"#
        ),
    )
    .expect("the scene");
    let name = unique("auth");
    let engine = Engine::start(dir, &name);
    let url = BrokerUrl::parse(
        &format!("{scheme}://127.0.0.1:{port}"),
        tinydisplay::net::nats::SCHEMES,
    )
    .expect("a URL");
    let subject = format!("tinydisplay.{name}.control");
    let reply = tinydisplay::runtime::handle().block_on(async {
        let client = tinydisplay::net::nats::connect_options("admin", &url, &client)
            .await
            .expect("options")
            .connect(tinydisplay::net::nats::address(&url))
            .await
            .expect("the test client connects with its credentials");
        // The display's surface is subscribed once a request is answered.
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            let cmd = json!({"cmd": "set", "key": "auth.ok", "value": true}).to_string();
            match tokio::time::timeout(
                Duration::from_secs(2),
                client.request(subject.clone(), cmd.into()),
            )
            .await
            {
                Ok(Ok(m)) => break serde_json::from_slice::<Value>(&m.payload).expect("JSON"),
                _ => assert!(Instant::now() < end, "the display never answered"),
            }
        }
    });
    assert_eq!(reply, json!({"ok": true}));
    assert_eq!(engine.value("auth.ok"), Some(json!(true)));
    // Without the credentials the server turns a client away.
    let anonymous = tinydisplay::runtime::handle().block_on(async {
        let opts = tinydisplay::net::nats::connect_options(
            "anon",
            &url,
            &NatsAuth {
                tls: client.tls.clone(),
                ..NatsAuth::default()
            },
        )
        .await
        .expect("options");
        tokio::time::timeout(
            Duration::from_secs(10),
            opts.connect(tinydisplay::net::nats::address(&url)),
        )
        .await
    });
    assert!(
        !matches!(anonymous, Ok(Ok(_))),
        "an anonymous client got in"
    );
    drop(engine);
    let _ = std::fs::remove_dir_all(dir);
}

/// Starts `server -c conf` and waits until it listens on `port`; killed when dropped.
fn serve(server: &Path, conf: &Path, port: u16) -> Killed {
    let child = Command::new(server)
        .arg("-c")
        .arg(conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", server.display()));
    let killed = Killed(child);
    assert!(
        wait_listening(port, Duration::from_secs(10)),
        "{} did not listen on {port}",
        server.display()
    );
    killed
}
