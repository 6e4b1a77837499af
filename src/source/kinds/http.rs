//! The HTTP source: GETs a URL (http or https) returning JSON, optionally selects a part
//! of it with a JSON pointer, and flattens it under the namespace. Headers may take their
//! values from environment variables (`{{ env("HA_TOKEN") }}`), so secrets stay out of the
//! scene; `ca_file` trusts a self-signed server.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use ureq::Agent;

use crate::source::{PollSource, SourceError, Value, flatten, join_key};

/// Settings of an HTTP source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HttpConfig {
    /// The URL to GET, `http://` or `https://`.
    pub url: String,
    /// Request headers; a value may read environment variables: `"Bearer {{ env("HA_TOKEN") }}"`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A PEM file of CA certificates to trust instead of the bundled roots (relative to
    /// the scene), for a server with a self-signed certificate.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// A JSON pointer such as `/data/0/temp` selecting part of the document.
    #[serde(default)]
    pub pointer: Option<String>,
    /// Key prefix (default `http`).
    #[serde(default = "default_namespace")]
    pub namespace: String,
}

fn default_namespace() -> String {
    "http".to_owned()
}

impl HttpConfig {
    /// Settings for `url` with no pointer and the default namespace.
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            headers: BTreeMap::new(),
            ca_file: None,
            pointer: None,
            namespace: default_namespace(),
        }
    }
}

/// Fetches JSON over HTTP: a selected scalar is `<ns>.value`, an object or array is
/// flattened under `<ns>`; a status outside 2xx is a failure.
#[derive(Debug, Clone)]
pub struct HttpSource {
    config: HttpConfig,
    agent: Agent,
    headers: Vec<(String, String)>,
}

/// Renders a header value: `{{ env("NAME") }}` is the environment variable NAME (an error
/// when it is not set), `{{ env("NAME", "fallback") }}` has a fallback.
pub fn header_value(name: &str, template: &str) -> Result<String, SourceError> {
    if !template.contains("{{") && !template.contains("{%") {
        return Ok(template.to_string());
    }
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_function("env", |var: String, fallback: Option<String>| {
        std::env::var(&var).ok().or(fallback).ok_or_else(|| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("environment variable {var} is not set"),
            )
        })
    });
    env.render_str(template, ()).map_err(|e| {
        let detail = e
            .detail()
            .map_or_else(|| e.kind().to_string(), str::to_string);
        SourceError::Config(format!("header {name}: {detail}"))
    })
}

impl HttpSource {
    /// An HTTP source whose requests give up after `timeout`.
    pub fn new(config: HttpConfig, timeout: Duration) -> Result<Self, SourceError> {
        if let Some(p) = &config.pointer
            && !p.is_empty()
            && !p.starts_with('/')
        {
            return Err(SourceError::Config(format!(
                "JSON pointer {p:?} must be empty or start with '/'"
            )));
        }
        let agent = crate::net::fetch::agent(timeout, config.ca_file.as_deref())
            .map_err(|e| SourceError::Config(e.to_string()))?;
        let headers = config
            .headers
            .iter()
            .map(|(k, v)| Ok((k.clone(), header_value(k, v)?)))
            .collect::<Result<Vec<_>, SourceError>>()?;
        Ok(Self {
            config,
            agent,
            headers,
        })
    }

    /// The updates of a fetched document, after selection by the pointer.
    pub fn updates(&self, document: &Value) -> Result<Vec<(String, Value)>, SourceError> {
        let ns = &self.config.namespace;
        let selected = match &self.config.pointer {
            Some(pointer) => document
                .pointer(pointer)
                .ok_or_else(|| SourceError::Select {
                    pointer: pointer.clone(),
                })?,
            None => document,
        };
        Ok(match selected {
            Value::Object(_) | Value::Array(_) => flatten(ns, selected),
            scalar => vec![(join_key(ns, "value"), scalar.clone())],
        })
    }
}

impl PollSource for HttpSource {
    fn poll(&mut self) -> Result<Vec<(String, Value)>, SourceError> {
        let url = &self.config.url;
        let failed = |e: ureq::Error| match e {
            ureq::Error::Timeout(_) => SourceError::Timeout {
                ms: self
                    .agent
                    .config()
                    .timeouts()
                    .global
                    .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            },
            other => {
                let mut message = other.to_string();
                if message.contains("certificate") || message.contains("UnknownIssuer") {
                    message.push_str(
                        " (TLS: the server's certificate is not trusted; for a self-signed one give ca_file)",
                    );
                }
                SourceError::Http {
                    url: url.clone(),
                    message,
                }
            }
        };
        let mut request = self.agent.get(url);
        for (k, v) in &self.headers {
            request = request.header(k, v);
        }
        let mut response = request.call().map_err(failed)?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(SourceError::Status {
                url: url.clone(),
                status,
            });
        }
        let body = response.body_mut().read_to_string().map_err(failed)?;
        let document: Value = serde_json::from_str(&body).map_err(|e| SourceError::Parse {
            what: format!("the response of {url} as JSON"),
            message: e.to_string(),
        })?;
        self.updates(&document)
    }
}

/// The `Http` source kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpKind;

impl crate::source::kind::SourceKind for HttpKind {
    const NAME: &'static str = "Http";
    type Config = HttpConfig;

    fn start(
        c: &HttpConfig,
        name: &str,
        policy: crate::source::Policy,
        tx: std::sync::mpsc::Sender<crate::source::Message>,
    ) -> Result<crate::source::SourceHandle, crate::source::SourceError> {
        let timeout = std::time::Duration::from_millis(policy.timeout_ms.max(1));
        let source = HttpSource::new(c.clone(), timeout)?;
        Ok(crate::source::spawn_poll(
            name,
            Box::new(source),
            policy,
            tx,
        ))
    }

    fn resolve_paths(c: &mut HttpConfig, dir: &std::path::Path) {
        if let Some(ca) = &mut c.ca_file {
            *ca = dir.join(&*ca);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Message, Policy, spawn_poll};
    use serde_json::json;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::thread::{self, JoinHandle};
    use std::time::Instant;

    const DOC: &str = r#"{"data": [{"temp": 21.5, "hum": 40}], "station": "roof"}"#;

    /// A tiny HTTP/1.1 server on 127.0.0.1 that answers DOC, or 500 while `failing`.
    struct Server {
        url: String,
        requests: Arc<AtomicUsize>,
        failing: Arc<AtomicBool>,
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<()>>,
    }

    impl Server {
        fn start() -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
            let url = format!(
                "http://{}/weather",
                listener.local_addr().expect("an address")
            );
            listener.set_nonblocking(true).expect("non-blocking accept");
            let requests = Arc::new(AtomicUsize::new(0));
            let failing = Arc::new(AtomicBool::new(false));
            let stop = Arc::new(AtomicBool::new(false));
            let (r, f, s) = (requests.clone(), failing.clone(), stop.clone());
            let thread = thread::spawn(move || {
                while !s.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => answer(stream, &r, &f),
                        Err(_) => thread::sleep(Duration::from_millis(2)),
                    }
                }
            });
            Server {
                url,
                requests,
                failing,
                stop,
                thread: Some(thread),
            }
        }

        fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }

    fn answer(mut stream: TcpStream, requests: &AtomicUsize, failing: &AtomicBool) {
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut head = Vec::new();
        let mut buf = [0u8; 512];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        requests.fetch_add(1, Ordering::SeqCst);
        let (status, body) = if failing.load(Ordering::SeqCst) {
            ("500 Internal Server Error", "oops")
        } else {
            ("200 OK", DOC)
        };
        let reply = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(reply.as_bytes());
    }

    fn source(url: &str, pointer: Option<&str>) -> HttpSource {
        HttpSource::new(
            HttpConfig {
                pointer: pointer.map(str::to_owned),
                namespace: "w".to_owned(),
                ..HttpConfig::new(url)
            },
            Duration::from_secs(2),
        )
        .expect("a valid config")
    }

    #[test]
    fn selects_by_json_pointer() {
        let server = Server::start();
        let scalar = source(&server.url, Some("/data/0/temp")).poll();
        assert_eq!(
            scalar.expect("a fetch"),
            vec![("w.value".to_owned(), json!(21.5))]
        );
        let object = source(&server.url, Some("/data/0")).poll();
        assert_eq!(
            object.expect("a fetch"),
            vec![
                ("w.hum".to_owned(), json!(40)),
                ("w.temp".to_owned(), json!(21.5))
            ]
        );
        let whole = source(&server.url, None).poll().expect("a fetch");
        assert!(whole.contains(&("w.station".to_owned(), json!("roof"))));
        assert!(whole.contains(&("w.data.0.temp".to_owned(), json!(21.5))));
        let missing = source(&server.url, Some("/data/3")).poll();
        assert!(
            matches!(missing, Err(SourceError::Select { .. })),
            "{missing:?}"
        );
        server.failing.store(true, Ordering::SeqCst);
        let failed = source(&server.url, None).poll();
        assert!(
            matches!(failed, Err(SourceError::Status { status: 500, .. })),
            "{failed:?}"
        );
        assert_eq!(server.requests(), 5);
        assert!(
            HttpSource::new(
                HttpConfig {
                    pointer: Some("data".to_owned()),
                    ..HttpConfig::new(&server.url)
                },
                Duration::from_secs(1)
            )
            .is_err()
        );
    }

    #[test]
    fn refused_connection_is_an_http_error() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").expect("a local port");
            l.local_addr().expect("an address").port()
        };
        let result = source(&format!("http://127.0.0.1:{port}/"), None).poll();
        assert!(
            matches!(result, Err(SourceError::Http { .. })),
            "{result:?}"
        );
    }

    /// Waits for the next health message.
    fn next_health(rx: &mpsc::Receiver<Message>, within: Duration) -> Option<(bool, u64)> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Message::Health { ok, failures, .. }) =
                rx.recv_timeout(Duration::from_millis(10))
            {
                return Some((ok, failures));
            }
        }
        None
    }

    #[test]
    fn failures_open_the_breaker_and_a_probe_closes_it() {
        let server = Server::start();
        let policy = Policy {
            interval_ms: 20,
            timeout_ms: 1000,
            backoff_initial_ms: 20,
            backoff_max_ms: 40,
            backoff_factor: 2.0,
            jitter: 0.0,
            breaker_failures: 3,
            breaker_cooldown_ms: 1500,
            ..Policy::default()
        };
        let (tx, rx) = mpsc::channel();
        let handle = spawn_poll(
            "weather",
            Box::new(source(&server.url, Some("/data/0/temp"))),
            policy,
            tx,
        );
        let first = rx.recv_timeout(Duration::from_secs(2));
        assert_eq!(
            first.ok(),
            Some(Message::Set {
                key: "w.value".to_owned(),
                value: json!(21.5)
            })
        );
        assert_eq!(next_health(&rx, Duration::from_secs(5)), Some((true, 0)));

        // The server fails: three failures open the breaker.
        server.failing.store(true, Ordering::SeqCst);
        for n in 1..=3 {
            assert_eq!(next_health(&rx, Duration::from_secs(5)), Some((false, n)));
        }
        let opened = Instant::now();
        let at_open = server.requests();
        thread::sleep(Duration::from_millis(200));
        assert_eq!(server.requests(), at_open, "requests during the cool-down");

        // The half-open probe fails: open again.
        assert_eq!(next_health(&rx, Duration::from_secs(5)), Some((false, 4)));
        assert!(
            opened.elapsed() >= Duration::from_millis(1400),
            "{:?}",
            opened.elapsed()
        );
        assert_eq!(server.requests(), at_open + 1, "one probe");
        let reopened = Instant::now();
        thread::sleep(Duration::from_millis(150));
        assert_eq!(
            server.requests(),
            at_open + 1,
            "requests during the second cool-down"
        );

        // The server recovers: the next probe succeeds and health is ok again.
        server.failing.store(false, Ordering::SeqCst);
        assert_eq!(next_health(&rx, Duration::from_secs(5)), Some((true, 0)));
        assert!(
            reopened.elapsed() >= Duration::from_millis(1400),
            "{:?}",
            reopened.elapsed()
        );
        handle.stop();
        let values: Vec<Message> = rx.try_iter().collect();
        assert!(values.iter().all(|m| matches!(m, Message::Set { .. })));
    }
}
