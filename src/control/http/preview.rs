//! The live web preview: one page (assets embedded in the binary) and one Server-Sent
//! Events stream carrying the frame's damaged rectangles, the state and the dataset's
//! changes.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use futures_util::Stream;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::Ctx;
use crate::sink::web::FrameUpdate;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/preview.js");
const STYLE: &str = include_str!("assets/preview.css");

/// State events per second at most (the tick changes every tick).
const STATE_EVERY: Duration = Duration::from_millis(250);
/// How often the dataset is looked at for changes.
const DATA_EVERY: Duration = Duration::from_millis(100);

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

/// `GET /api/stream`: events `frame`, `state` and `data` (changed keys).
pub(crate) async fn stream(
    State(ctx): State<Ctx>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (tx, rx) = mpsc::channel::<Event>(16);
    tokio::spawn(feed_viewer(ctx, tx));
    let events =
        futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
        );
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Sends one event, counting its bytes; false when the viewer left.
async fn send(ctx: &Ctx, tx: &mpsc::Sender<Event>, name: &str, data: String) -> bool {
    // "event: NAME\ndata: DATA\n\n"
    ctx.feed.count_sent(name.len() + data.len() + 16);
    tx.send(Event::default().event(name).data(data))
        .await
        .is_ok()
}

/// Everything one viewer gets, until it leaves.
async fn feed_viewer(ctx: Ctx, tx: mpsc::Sender<Event>) {
    let published = ctx.control.published().clone();
    let mut frames = ctx.feed.subscribe();
    let mut state = published.watch_state();
    // First the whole picture, then changes.
    if let Some(full) = ctx.feed.full_update()
        && !send(&ctx, &tx, "frame", frame_json(&full).to_string()).await
    {
        return;
    }
    let first = serde_json::to_string(&*published.state()).unwrap_or_default();
    if !send(&ctx, &tx, "state", first).await {
        return;
    }
    let mut seen_version = published.data_version();
    let all = published.data("");
    if !send(
        &ctx,
        &tx,
        "data",
        json!({"full": true, "keys": all}).to_string(),
    )
    .await
    {
        return;
    }
    let mut state_tick = tokio::time::interval(STATE_EVERY);
    let mut data_tick = tokio::time::interval(DATA_EVERY);
    let mut state_dirty = false;
    loop {
        tokio::select! {
            f = frames.recv() => {
                let update = match f {
                    Ok(u) => u,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // Too slow: start again from the whole frame.
                        match ctx.feed.full_update() {
                            Some(full) => Arc::new(full),
                            None => continue,
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if !send(&ctx, &tx, "frame", frame_json(&update).to_string()).await {
                    return;
                }
            }
            changed = state.changed() => {
                if changed.is_err() {
                    return;
                }
                state_dirty = true;
            }
            _ = state_tick.tick() => {
                if state_dirty {
                    state_dirty = false;
                    let s = serde_json::to_string(&*published.state()).unwrap_or_default();
                    if !send(&ctx, &tx, "state", s).await {
                        return;
                    }
                }
            }
            _ = data_tick.tick() => {
                let v = published.data_version();
                if v == seen_version {
                    continue;
                }
                let changed: serde_json::Map<String, Value> = published
                    .data("")
                    .into_iter()
                    .filter(|(_, d)| d.seq > seen_version)
                    .map(|(k, d)| (k, json!(d)))
                    .collect();
                seen_version = v;
                if !changed.is_empty()
                    && !send(&ctx, &tx, "data", json!({"full": false, "keys": changed}).to_string()).await
                {
                    return;
                }
            }
            _ = tx.closed() => return,
        }
    }
}
