//! `GET /api/events`: the engine's events (see [`crate::control::events`]) as
//! server-sent events, one JSON object per `data:` line, from the moment of the request.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast::error::RecvError;

use super::Ctx;

/// How long a quiet stream waits before it sends a comment, so proxies keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The stream: `data: {"tick": …, "event": "page_shown", …}` per event; a client too slow
/// to keep up gets a comment saying how many it missed.
pub(crate) async fn events(State(ctx): State<Ctx>) -> Response {
    let rx = ctx.control.published().events.subscribe();
    // A first comment, so the client knows the stream is open before any event.
    let opened =
        futures_util::stream::once(async { Ok::<_, Infallible>(": events\n\n".to_owned()) });
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
        let chunk = match tokio::time::timeout(KEEP_ALIVE, rx.recv()).await {
            Ok(Ok(json)) => format!("data: {json}\n\n"),
            Ok(Err(RecvError::Lagged(n))) => format!(": {n} events missed\n\n"),
            Ok(Err(RecvError::Closed)) => return None,
            Err(_) => ":\n\n".to_owned(),
        };
        Some((Ok::<_, Infallible>(chunk), rx))
    });
    use futures_util::StreamExt;
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        axum::body::Body::from_stream(opened.chain(chunks)),
    )
        .into_response()
}
