//! The live web preview: one page (assets embedded in the binary) and one Server-Sent
//! Events stream carrying the frame's damaged rectangles, the state and the dataset's
//! changes.
//!
//! One pump serves every viewer: at the preview rate (`control.preview_fps`, default 10)
//! it takes the damage the tick copied for it since it last looked (asked for one period
//! earlier, see [`FrameFeed::request`]), encodes it once and broadcasts the text; each
//! viewer's connection only writes it out. With nobody watching the pump sleeps until a
//! viewer comes and asks for nothing, so the tick copies no pixels for it.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use tokio::sync::{Notify, broadcast};

use super::Ctx;
use crate::control::publish::Published;
use crate::sink::web::{FrameFeed, FrameUpdate};

pub use crate::scene::schema::DEFAULT_PREVIEW_FPS;
/// State events per second at most (the tick changes every tick).
const STATE_EVERY: Duration = Duration::from_millis(250);
/// Encoded events a slow viewer may fall behind by before it starts again from the
/// whole frame.
const BACKLOG: usize = 64;

/// One encoded event.
#[derive(Debug)]
struct Part {
    /// `frame`, `state` or `data`.
    name: &'static str,
    /// The event's data (JSON text).
    data: String,
    /// For frames: the update's version (a viewer skips those its first frame had).
    version: u64,
}

/// What one pump period sends every viewer, encoded once.
type Message = Arc<[Part]>;

/// The preview pump's channel, shared by the stream handlers.
pub(crate) struct Pump {
    tx: broadcast::Sender<Message>,
    viewer_came: Notify,
}

impl Pump {
    /// Starts the pump for `feed` on the current runtime, at `fps` frames a second.
    pub(crate) fn start(
        runtime: &tokio::runtime::Handle,
        feed: Arc<FrameFeed>,
        published: Arc<Published>,
        fps: u32,
    ) -> Arc<Pump> {
        let pump = Arc::new(Pump {
            tx: broadcast::Sender::new(BACKLOG),
            viewer_came: Notify::new(),
        });
        runtime.spawn(run_pump(pump.clone(), feed, published, fps.clamp(1, 240)));
        pump
    }
}

/// Takes, encodes and broadcasts what changed, while anyone watches.
async fn run_pump(pump: Arc<Pump>, feed: Arc<FrameFeed>, published: Arc<Published>, fps: u32) {
    let period = Duration::from_secs_f64(1.0 / f64::from(fps));
    let state_every = (STATE_EVERY.as_secs_f64() / period.as_secs_f64())
        .ceil()
        .max(1.0) as u64;
    let mut state = published.watch_state();
    let mut seen_version = published.data_version();
    let mut n: u64 = 0;
    loop {
        if pump.tx.receiver_count() == 0 {
            pump.viewer_came.notified().await;
            // A new viewer starts from the whole frame and dataset.
            feed.clear_pending();
            seen_version = published.data_version();
            state.mark_unchanged();
        }
        // Asked now, the next tick copies the damage into the mirror; the pump takes it
        // a period later, so the preview shows frames at most one period old.
        feed.request();
        tokio::time::sleep(period).await;
        n += 1;
        let mut parts = Vec::new();
        if let Some(update) = feed.take_update() {
            parts.push(Part {
                name: "frame",
                data: frame_json(&update).to_string(),
                version: update.version,
            });
        }
        if n.is_multiple_of(state_every) && state.has_changed().unwrap_or(false) {
            state.borrow_and_update();
            parts.push(Part {
                name: "state",
                data: serde_json::to_string(&*published.state()).unwrap_or_default(),
                version: 0,
            });
        }
        let v = published.data_version();
        if v != seen_version {
            let changed = published.changed_since(seen_version);
            seen_version = v;
            if !changed.is_empty() {
                parts.push(Part {
                    name: "data",
                    data: json!({"full": false, "keys": changed}).to_string(),
                    version: 0,
                });
            }
        }
        if !parts.is_empty() {
            let _ = pump.tx.send(parts.into());
        }
    }
}

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/preview.js");
const STYLE: &str = include_str!("assets/preview.css");

/// `GET /`.
pub(crate) async fn index() -> Html<&'static str> {
    Html(INDEX)
}

/// `GET /preview.js`.
pub(crate) async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

/// `GET /preview.css`.
pub(crate) async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

/// One frame update as the page reads it: `{tick, width, height, channels, rects:
/// [[x, y, w, h, base64 pixels], …]}`.
pub fn frame_json(u: &FrameUpdate) -> Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({
        "tick": u.tick,
        "width": u.width,
        "height": u.height,
        "channels": u.channels,
        "rects": u.rects.iter().map(|(r, px)| json!([r.x, r.y, r.w, r.h, b64.encode(px)])).collect::<Vec<_>>(),
    })
}

/// What one viewer's stream has left to send.
struct Viewer {
    ctx: Ctx,
    rx: broadcast::Receiver<Message>,
    /// Events to send before the broadcast ones (the first picture and dataset).
    queued: std::collections::VecDeque<(&'static str, Arc<str>)>,
    /// The version of the whole frame sent last; older updates are skipped.
    base: u64,
}

/// `GET /api/stream`: events `frame`, `state` and `data` (changed keys). Everything the
/// pump sent since the viewer's last write goes out in one write (one system call per
/// preview frame, whatever the number of events).
pub(crate) async fn stream(State(ctx): State<Ctx>) -> Response {
    let rx = ctx.pump.tx.subscribe();
    ctx.pump.viewer_came.notify_one();
    let mut viewer = Viewer {
        rx,
        queued: Default::default(),
        base: 0,
        ctx,
    };
    viewer.start_over(true);
    let chunks = futures_util::stream::unfold(viewer, |mut v| async move {
        let chunk = v.next_chunk().await?;
        v.ctx.feed.count_sent(chunk.len());
        Some((Ok::<_, Infallible>(chunk), v))
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        axum::body::Body::from_stream(chunks),
    )
        .into_response()
}

/// How long a quiet stream waits before it sends a comment, so proxies keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Appends one Server-Sent Event to `out`.
fn push_event(out: &mut String, name: &str, data: &str) {
    out.push_str("event: ");
    out.push_str(name);
    for line in data.split('\n') {
        out.push_str("\ndata: ");
        out.push_str(line);
    }
    out.push_str("\n\n");
}

impl Viewer {
    /// Queues the whole frame (and with `everything`, the state and the whole dataset).
    fn start_over(&mut self, everything: bool) {
        if let Some(full) = self.ctx.feed.full_update() {
            self.base = full.version;
            self.queued
                .push_back(("frame", frame_json(&full).to_string().into()));
        }
        if everything {
            let published = self.ctx.control.published();
            let state = serde_json::to_string(&*published.state()).unwrap_or_default();
            self.queued.push_back(("state", state.into()));
            let all = json!({"full": true, "keys": published.data("")}).to_string();
            self.queued.push_back(("data", all.into()));
        }
    }

    /// The events to send next, as one chunk; None when the server stops.
    async fn next_chunk(&mut self) -> Option<String> {
        let mut out = String::new();
        loop {
            // The whole frame first (a newer update must not be painted over by it)...
            while let Some((name, data)) = self.queued.pop_front() {
                push_event(&mut out, name, &data);
            }
            // ...then whatever else is ready, in the same chunk.
            loop {
                match self.rx.try_recv() {
                    Ok(m) => self.take(m, &mut out),
                    Err(broadcast::error::TryRecvError::Lagged(_)) => self.start_over(false),
                    Err(broadcast::error::TryRecvError::Closed) => return None,
                    Err(broadcast::error::TryRecvError::Empty) => break,
                }
            }
            // A lagging viewer's new whole frame goes last, over what it replaces.
            while let Some((name, data)) = self.queued.pop_front() {
                push_event(&mut out, name, &data);
            }
            if !out.is_empty() {
                return Some(out);
            }
            match tokio::time::timeout(KEEP_ALIVE, self.rx.recv()).await {
                Ok(Ok(m)) => self.take(m, &mut out),
                // Too slow: start again from the whole frame.
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => self.start_over(false),
                Ok(Err(broadcast::error::RecvError::Closed)) => return None,
                Err(_) => out.push_str(":\n\n"),
            }
        }
    }

    /// Adds a broadcast message to `out`, less a frame older than the one sent.
    fn take(&mut self, m: Message, out: &mut String) {
        for p in m.iter() {
            if p.name == "frame" && p.version <= self.base {
                continue;
            }
            push_event(out, p.name, &p.data);
        }
    }
}
