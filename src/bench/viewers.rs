//! Web preview viewers for the real-time bench: the HTTP server and web sink a `run
//! --http` has, and plain threads reading `/api/stream` the way a browser's EventSource
//! does (their threads are left out of the engine's CPU and wakes: a browser runs
//! elsewhere).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use bevy_app::App;

use crate::control::control_sender;
use crate::control::http::{HttpConfig, HttpServer};
use crate::sink::present::Sinks;
use crate::sink::web::{FrameFeed, WebSink};

/// What the viewers received.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Streamed {
    /// Bytes the server counted as sent.
    pub bytes: u64,
    /// Frame events received, all viewers.
    pub frames: u64,
}

/// A served preview with viewers attached.
pub(super) struct Preview {
    server: Option<HttpServer>,
    feed: Arc<FrameFeed>,
    busy: Arc<AtomicBool>,
    viewers: Vec<JoinHandle<u64>>,
    /// The viewers' thread ids (Linux).
    tids: Vec<u64>,
}

impl Preview {
    /// Serves the preview of `app` on a free loopback port at `preview_fps` and connects
    /// `n` viewers.
    pub(super) fn start(app: &mut App, n: usize, preview_fps: u32) -> Preview {
        let feed = Arc::new(FrameFeed::default());
        if let Some(sinks) = app.world().get_resource::<Sinks>() {
            sinks.push(Box::new(WebSink::new(feed.clone())));
        }
        let config = HttpConfig {
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            token: None,
            preview_fps,
            allowed_hosts: Vec::new(),
            limits: Default::default(),
        };
        let control = control_sender(app.world_mut());
        let server = match crate::control::http::start(&config, control, feed.clone()) {
            Ok(s) => Some(s),
            Err(e) => {
                log::error!("bench: cannot serve the preview: {e}");
                None
            }
        };
        let busy = Arc::new(AtomicBool::new(true));
        let (tid_tx, tid_rx) = std::sync::mpsc::channel();
        let viewers: Vec<JoinHandle<u64>> = server
            .as_ref()
            .map(|s| {
                (0..n)
                    .map(|_| {
                        let (addr, busy, tid) = (s.addr(), busy.clone(), tid_tx.clone());
                        std::thread::spawn(move || {
                            let _ = tid.send(super::thread_id());
                            drop(tid);
                            watch(addr, &busy)
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        drop(tid_tx);
        // Each viewer names its thread first thing, so they are all known before the
        // run's first CPU reading.
        let tids = tid_rx.iter().flatten().collect();
        Preview {
            server,
            feed,
            busy,
            viewers,
            tids,
        }
    }

    /// The viewers' thread ids, to leave out of the engine's CPU and wakes.
    pub(super) fn viewer_tids(&self) -> impl Iterator<Item = u64> + '_ {
        self.tids.iter().copied()
    }

    /// Disconnects the viewers, stops the server and tells what was streamed.
    pub(super) fn stop(mut self) -> Streamed {
        self.busy.store(false, Ordering::Relaxed);
        let mut out = Streamed {
            bytes: self.feed.bytes_sent.load(Ordering::Relaxed),
            ..Streamed::default()
        };
        for v in self.viewers.drain(..) {
            out.frames += v.join().unwrap_or(0);
        }
        self.server.take();
        out
    }
}

/// One viewer: reads the event stream until told to stop; the frame events it got.
fn watch(addr: std::net::SocketAddr, busy: &AtomicBool) -> u64 {
    const EVENT: &[u8] = b"event: frame";
    let mut frames = 0;
    if let Ok(mut s) = TcpStream::connect(addr) {
        let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
        let _ = s.write_all(
            b"GET /api/stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n",
        );
        let mut buf = vec![0u8; 64 * 1024];
        // The tail of the previous read, so that a marker split across reads counts.
        let mut carry: Vec<u8> = Vec::new();
        while busy.load(Ordering::Relaxed) {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    carry.extend_from_slice(&buf[..n]);
                    frames += carry.windows(EVENT.len()).filter(|w| *w == EVENT).count() as u64;
                    let keep = carry.len().min(EVENT.len() - 1);
                    carry.drain(..carry.len() - keep);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => break,
            }
        }
    }
    frames
}
