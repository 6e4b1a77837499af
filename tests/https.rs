//! The Http source over HTTPS against a real TLS server on 127.0.0.1 whose certificate
//! (and the CA that signed it) is made at test time: headers with values from the
//! environment arrive, the value lands in the dataset, and without the CA the source
//! reports a clear health error.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::json;
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::data::Dataset;

/// A CA, and a server certificate for 127.0.0.1 signed by it.
struct Pki {
    ca_pem: String,
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "tinydisplay test CA");
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
    let key = rcgen::KeyPair::generate().expect("server key");
    let cert = params.signed_by(&key, &ca, &ca_key).expect("server cert");
    Pki {
        ca_pem: ca.pem(),
        chain: vec![cert.der().clone()],
        key: rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    }
}

/// An HTTPS server answering every GET with a JSON document, recording request heads.
struct TlsServer {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TlsServer {
    fn start(pki: &Pki) -> TlsServer {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .expect("server config");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let url = format!(
            "https://{}/api/states",
            listener.local_addr().expect("addr")
        );
        listener.set_nonblocking(true).expect("non-blocking");
        let heads = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (heads.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => serve(stream, config.clone(), &h),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        TlsServer {
            url,
            heads,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    stream: std::net::TcpStream,
    config: Arc<rustls::ServerConfig>,
    heads: &Mutex<Vec<String>>,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, stream);
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return, // e.g. the client refused our certificate
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    if let Ok(mut h) = heads.lock() {
        h.push(String::from_utf8_lossy(&head).into_owned());
    }
    let body = r#"{"state": {"temp": 21.5, "name": "living room"}}"#;
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tls.write_all(reply.as_bytes());
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tinydisplay-{tag}-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// A scene with one Http source named `ha`, and `extra` fields in its config.
fn scene(url: &str, extra: &str) -> String {
    format!(
        r#"Scene(
            sources: {{"ha": (source: Http(url: "{url}", namespace: "ha", {extra}),
                             policy: (interval_ms: 60000, timeout_ms: 5000))}},
            widgets: [Text(text: "{{{{ ha.state.temp }}}}")],
        )"#
    )
}

/// Runs ticks until `done` holds for the dataset (hang guard: a minute).
fn run_until(app: &mut bevy_app::App, what: &str, done: impl Fn(&Dataset) -> bool) {
    let start = Instant::now();
    loop {
        run_ticks(app, RunMode::Ticks(1));
        if done(app.world().resource::<Dataset>()) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

const TOKEN_VAR: &str = "TINYDISPLAY_TEST_HA_TOKEN";

#[test]
fn https_with_a_ca_file_sends_env_headers_and_sets_the_value() {
    // The token comes from the environment: run this test again in a child process
    // that has it (a test cannot safely set variables in its own multi-threaded process).
    if std::env::var_os(TOKEN_VAR).is_none() {
        let exe = std::env::current_exe().expect("the test binary");
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "https_with_a_ca_file_sends_env_headers_and_sets_the_value",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(TOKEN_VAR, "s3cret-token")
            .output()
            .expect("the test binary runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "{text}");
        return;
    }
    let pki = pki();
    let server = TlsServer::start(&pki);
    let dir = temp_dir("https-ca");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("CA file written");
    let extra = format!(
        r#"ca_file: "{}", headers: {{"Authorization": "Bearer {{{{ env('{TOKEN_VAR}') }}}}", "X-Plain": "yes"}}"#,
        ca.display()
    );
    let mut app = common::app_for(common::compile_with_sources(&scene(&server.url, &extra)));
    run_until(&mut app, "ha.state.temp", |d| {
        d.get("ha.state.temp").is_some()
    });
    let data = app.world().resource::<Dataset>();
    assert_eq!(data.get("ha.state.temp"), Some(&json!(21.5)));
    assert_eq!(data.get("ha.state.name"), Some(&json!("living room")));
    let heads = server.heads.lock().expect("heads").clone();
    let head = heads
        .first()
        .expect("a request arrived")
        .to_ascii_lowercase();
    assert!(
        head.contains("authorization: bearer s3cret-token\r\n"),
        "{head}"
    );
    assert!(head.contains("x-plain: yes\r\n"), "{head}");
    tinydisplay::shutdown(app.world_mut());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn https_without_the_ca_is_a_clear_health_error() {
    let pki = pki();
    let server = TlsServer::start(&pki);
    let mut app = common::app_for(common::compile_with_sources(&scene(&server.url, "")));
    run_until(&mut app, "the source's health", |d| {
        d.get("_source.ha.ok") == Some(&json!(false))
    });
    let data = app.world().resource::<Dataset>();
    let error = data
        .get("_source.ha.last_error")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    assert!(error.contains("certificate"), "{error}");
    assert!(error.contains("ca_file"), "{error}");
    assert_eq!(data.get("ha.state.temp"), None, "no value without trust");
    assert!(
        server.heads.lock().expect("heads").is_empty(),
        "no request went out"
    );
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn a_header_from_a_missing_variable_stops_the_source_with_its_name() {
    let mut app = common::app_for(common::compile_with_sources(&scene(
        "https://127.0.0.1:9/",
        r#"headers: {"Authorization": "Bearer {{ env('TINYDISPLAY_SURELY_UNSET_VAR') }}"}"#,
    )));
    run_until(&mut app, "the source's health", |d| {
        d.get("_source.ha.ok") == Some(&json!(false))
    });
    let error = app
        .world()
        .resource::<Dataset>()
        .get("_source.ha.last_error")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    assert!(
        error.contains("TINYDISPLAY_SURELY_UNSET_VAR") && error.contains("Authorization"),
        "{error}"
    );
    tinydisplay::shutdown(app.world_mut());
}
