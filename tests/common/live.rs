//! An engine running in real time on its own thread with the HTTP surface on a free
//! loopback port, and a small HTTP client for the tests that talk to it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tinydisplay::app::{RunMode, StopFlag, run_ticks};
use tinydisplay::control::http::{self, HttpConfig};
use tinydisplay::control::{ControlSender, control_sender};
use tinydisplay::scene::CompiledScene;
use tinydisplay::sink::present::Sinks;
use tinydisplay::sink::web::{FrameFeed, WebSink};

/// A running engine with its HTTP server.
pub struct Live {
    /// Where the server listens.
    pub addr: SocketAddr,
    /// The frames the web sink got.
    pub feed: Arc<FrameFeed>,
    /// A sender to the engine.
    pub control: ControlSender,
    stop: StopFlag,
    thread: Option<JoinHandle<()>>,
}

impl Live {
    /// Runs `scene` in real time with the HTTP server (token `token`, if any), the
    /// preview at 30 frames a second.
    pub fn start(scene: CompiledScene, token: Option<&str>) -> Live {
        Live::start_with(scene, token, 30)
    }

    /// Like [`Live::start`], the preview at `preview_fps`.
    pub fn start_with(scene: CompiledScene, token: Option<&str>, preview_fps: u32) -> Live {
        let token = token.map(str::to_string);
        Live::start_config(scene, move |c| {
            c.token = token;
            c.preview_fps = preview_fps;
        })
    }

    /// Like [`Live::start`] with no token, the server's settings changed by `adjust`.
    pub fn start_config(
        scene: CompiledScene,
        adjust: impl FnOnce(&mut HttpConfig) + Send + 'static,
    ) -> Live {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut app = super::app_for(scene);
            let feed = Arc::new(FrameFeed::default());
            let sinks = Sinks::default();
            sinks.push(Box::new(WebSink::new(feed.clone())));
            app.insert_resource(sinks);
            let stop = StopFlag::default();
            app.insert_resource(stop.clone());
            let control = control_sender(app.world_mut());
            let mut config = HttpConfig {
                addr: "127.0.0.1:0".parse().expect("an address"),
                token: None,
                preview_fps: 30,
                allowed_hosts: Vec::new(),
                limits: Default::default(),
            };
            adjust(&mut config);
            let server = http::start(&config, control.clone(), feed.clone())
                .unwrap_or_else(|e| panic!("the server did not start: {e}"));
            tx.send((server.addr(), feed, control, stop))
                .expect("the test waits");
            run_ticks(&mut app, RunMode::RealTime(None));
            drop(server);
            tinydisplay::shutdown(app.world_mut());
        });
        let (addr, feed, control, stop) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the engine started");
        Live {
            addr,
            feed,
            control,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://ADDR/PATH`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Waits (up to a generous hang guard) until `cond` holds.
    pub fn wait_for(&self, what: &str, mut cond: impl FnMut() -> bool) {
        let end = Instant::now() + Duration::from_secs(30);
        while !cond() {
            assert!(Instant::now() < end, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.stop.set();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A plain HTTP client that returns every status as a value.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// GET: (status, body).
pub fn get(url: &str) -> (u16, Vec<u8>) {
    let mut r = agent()
        .get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = r.status().as_u16();
    let body = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap_or_default();
    (status, body)
}

/// POST a body: (status, JSON reply).
pub fn post(url: &str, body: &str) -> (u16, serde_json::Value) {
    let mut r = agent()
        .post(url)
        .header("content-type", "application/json")
        .send(body)
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, json)
}

/// GET a JSON document.
pub fn get_json(url: &str) -> serde_json::Value {
    let (status, body) = get(url);
    assert_eq!(status, 200, "GET {url}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
}
