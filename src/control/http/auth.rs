//! The token check: with a token configured, every request must carry it as
//! `Authorization: Bearer TOKEN` or `?token=TOKEN` (the web page passes its own on).

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Ctx;

/// Lets a request through when no token is configured or it carries the right one.
pub(crate) async fn require_token(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    let Some(want) = ctx.token.as_deref() else {
        return next.run(req).await;
    };
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let query = req.uri().query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "token")
            .map(|(_, v)| v)
    });
    let given = bearer.or(query);
    if given.is_some_and(|g| same(g.as_bytes(), want.as_bytes())) {
        return next.run(req).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "a token is needed: send `Authorization: Bearer TOKEN` or add ?token=TOKEN\n",
    )
        .into_response()
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
