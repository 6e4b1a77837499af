//! The JSON API: state, dataset, commands, the current frame as PNG, metrics.

use std::collections::HashMap;
use std::time::Duration;

use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Ctx;
use crate::control::Origin;
use crate::control::command::{Command, Reply};
use crate::control::limit::REFUSED_PREFIX;
use crate::render::{FrameBuffer, PixelMode};

/// How long `POST /api/control` waits for the tick to answer.
const REPLY_WAIT: Duration = Duration::from_secs(10);

/// A JSON error body with a status.
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"ok": false, "error": message.into()}))).into_response()
}

/// `GET /api/state`.
pub(crate) async fn state(State(ctx): State<Ctx>) -> Response {
    Json(&*ctx.control.published().state()).into_response()
}

/// `GET /api/data[?prefix=P]`: `{key: {value, tick}}` in key order.
pub(crate) async fn data(
    State(ctx): State<Ctx>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(bad) = q
        .keys()
        .find(|k| k.as_str() != "prefix" && k.as_str() != "token")
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!("unknown parameter {bad:?}; only `prefix` is known"),
        );
    }
    let prefix = q.get("prefix").map_or("", String::as_str);
    Json(ctx.control.published().data(prefix)).into_response()
}

/// Largest command body (2 MiB).
const BODY_BYTES: usize = 2 * 1024 * 1024;

/// Whether the request says its body is JSON (`application/json`, any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// `POST /api/control` with one JSON command (`Content-Type: application/json`, which a
/// cross-site form cannot send), its body read within the body timeout.
pub(crate) async fn control(
    State(ctx): State<Ctx>,
    client: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !is_json(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the command with `Content-Type: application/json`",
        );
    }
    let body = match tokio::time::timeout(ctx.body_timeout, axum::body::to_bytes(body, BODY_BYTES))
        .await
    {
        Ok(Ok(body)) => body,
        Ok(Err(e)) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("cannot read the command (at most {BODY_BYTES} bytes): {e}"),
            );
        }
        Err(_) => {
            return error(
                StatusCode::REQUEST_TIMEOUT,
                "the command's body did not arrive in time",
            );
        }
    };
    let cmd = match Command::parse(&body) {
        Ok(c) => c,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let origin = Origin {
        surface: "http".into(),
        client: client.map(|Extension(ConnectInfo(addr))| addr.to_string()),
    };
    let pending = ctx.control.send_from(cmd, origin);
    match tokio::time::timeout(REPLY_WAIT, pending.wait()).await {
        Ok(Reply::Ok) => Json(Reply::Ok.to_json()).into_response(),
        Ok(Reply::Error(e)) if e.starts_with(REFUSED_PREFIX) => {
            error(StatusCode::TOO_MANY_REQUESTS, e)
        }
        Ok(Reply::Error(e)) => error(StatusCode::CONFLICT, e),
        Err(_) => error(
            StatusCode::GATEWAY_TIMEOUT,
            "the engine did not answer in time",
        ),
    }
}

/// How long `GET /api/frame.png` waits for the next tick to mirror the frame.
const FRESH_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// `GET /api/frame.png`: the current frame at panel pixels (grey modes as 8-bit grey).
pub(crate) async fn frame_png(State(ctx): State<Ctx>) -> Response {
    ctx.feed.fresh(FRESH_WAIT).await;
    let Some((fb, tick)) = ctx.feed.frame() else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "no frame yet");
    };
    match encode_png(&fb) {
        Ok(png) => (
            [
                (header::CONTENT_TYPE, "image/png".to_string()),
                (header::CACHE_CONTROL, "no-store".to_string()),
                (header::HeaderName::from_static("x-tick"), tick.to_string()),
            ],
            png,
        )
            .into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// The frame as PNG bytes.
pub fn encode_png(fb: &FrameBuffer) -> Result<Vec<u8>, image::ImageError> {
    use image::ImageEncoder;
    let (pixels, color) = match fb.mode() {
        PixelMode::Rgb565 | PixelMode::Rgb888 | PixelMode::Bwr => {
            (fb.to_rgb8(), image::ExtendedColorType::Rgb8)
        }
        _ => (fb.data().to_vec(), image::ExtendedColorType::L8),
    };
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out).write_image(
        &pixels,
        fb.width(),
        fb.height(),
        color,
    )?;
    Ok(out)
}

/// `GET /metrics` in the Prometheus text format (0.0.4).
pub(crate) async fn metrics(State(ctx): State<Ctx>) -> Response {
    let text = crate::control::metrics::render(
        ctx.control.published(),
        Some(&ctx.feed),
        Some(ctx.control.limits()),
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Anything else.
pub(crate) async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such page; try /, /api/state, /api/data, /api/control, /api/events, /api/frame.png, /metrics",
    )
}
