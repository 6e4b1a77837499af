//! The HTTP surface: JSON API, live web preview and Prometheus metrics, served by axum
//! on the shared runtime ([`crate::runtime`]), never on the tick thread.
//!
//! It binds to loopback unless told otherwise; an address that is not loopback needs a
//! token (from a file or an environment variable, never the scene), and then every
//! request without it is answered 401. Requests naming another host or coming from
//! another site's page are answered 403 ([`origin`]); connections are bounded in number
//! and time ([`conn`]).

mod api;
mod auth;
pub mod conn;
mod events;
mod origin;
mod preview;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use tokio::sync::oneshot;

pub use self::conn::ConnectionLimits;
pub use self::preview::DEFAULT_PREVIEW_FPS;
use super::channel::ControlSender;
use crate::sink::web::FrameFeed;

/// The environment variable a token may come from.
pub const TOKEN_ENV: &str = "TINYDISPLAY_HTTP_TOKEN";

/// How to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The token every request must carry, if any.
    pub token: Option<String>,
    /// Frames per second the web preview is sent at most (the damage between is merged).
    pub preview_fps: u32,
    /// Host names requests may name besides IP addresses, `localhost` and the machine's
    /// host name (`--http-allow-host`).
    pub allowed_hosts: Vec<String>,
    /// How many connections are kept open and for how long.
    pub limits: ConnectionLimits,
}

/// Why the HTTP server did not start.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// A non-loopback address without a token.
    #[error(
        "{0} is not a loopback address: give a token with --http-token-file FILE or the \
         {TOKEN_ENV} environment variable (or listen on 127.0.0.1)"
    )]
    TokenNeeded(SocketAddr),
    /// The token file could not be read or is empty.
    #[error("cannot read the HTTP token from {path}: {message}")]
    Token {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The async runtime is not available.
    #[error("{0}")]
    Runtime(#[from] crate::runtime::RuntimeError),
}

impl HttpConfig {
    /// A config for `addr` with the token from `token_file`, else from [`TOKEN_ENV`];
    /// refused when the address is not loopback and there is no token.
    pub fn new(addr: SocketAddr, token_file: Option<&std::path::Path>) -> Result<Self, HttpError> {
        let token = match token_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| HttpError::Token {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
                // The first line only: a file may end with a newline or carry comments.
                let t = text.lines().next().unwrap_or("").trim().to_string();
                if t.is_empty() {
                    return Err(HttpError::Token {
                        path: path.display().to_string(),
                        message: "its first line is empty".into(),
                    });
                }
                Some(t)
            }
            None => std::env::var(TOKEN_ENV)
                .ok()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
        };
        if token.is_none() && !addr.ip().is_loopback() {
            return Err(HttpError::TokenNeeded(addr));
        }
        Ok(HttpConfig {
            addr,
            token,
            preview_fps: DEFAULT_PREVIEW_FPS,
            allowed_hosts: Vec::new(),
            limits: ConnectionLimits::default(),
        })
    }
}

/// What the handlers share.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub(crate) control: ControlSender,
    pub(crate) feed: Arc<FrameFeed>,
    pub(crate) token: Option<Arc<str>>,
    pub(crate) pump: Arc<preview::Pump>,
    pub(crate) hosts: Arc<origin::AllowedHosts>,
    pub(crate) body_timeout: std::time::Duration,
}

/// A running server; dropping it stops it.
pub struct HttpServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl HttpServer {
    /// The address it listens on (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The routes (public for tests that drive them without a socket).
fn router(ctx: Ctx) -> Router {
    Router::new()
        .route("/", get(preview::index))
        .route("/preview.js", get(preview::script))
        .route("/preview.css", get(preview::style))
        .route("/api/stream", get(preview::stream))
        .route("/api/state", get(api::state))
        .route("/api/events", get(events::events))
        .route("/api/data", get(api::data))
        .route("/api/control", post(api::control))
        .route("/api/frame.png", get(api::frame_png))
        .route("/metrics", get(api::metrics))
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(
            ctx.clone(),
            auth::require_token,
        ))
        .layer(axum::middleware::from_fn_with_state(
            ctx.clone(),
            origin::same_site,
        ))
        .with_state(ctx)
}

/// Binds `config.addr` and serves on the shared runtime until the returned server is
/// dropped.
pub fn start(
    config: &HttpConfig,
    control: ControlSender,
    feed: Arc<FrameFeed>,
) -> Result<HttpServer, HttpError> {
    let handle = crate::runtime::try_handle()?;
    let std_listener =
        std::net::TcpListener::bind(config.addr).map_err(|source| HttpError::Bind {
            addr: config.addr,
            source,
        })?;
    let bind_err = |source| HttpError::Bind {
        addr: config.addr,
        source,
    };
    std_listener.set_nonblocking(true).map_err(bind_err)?;
    let addr = std_listener.local_addr().map_err(bind_err)?;
    let listener = {
        let _guard = handle.enter();
        tokio::net::TcpListener::from_std(std_listener).map_err(bind_err)?
    };
    let pump = preview::Pump::start(
        &handle,
        feed.clone(),
        control.published().clone(),
        config.preview_fps,
    );
    let ctx = Ctx {
        control,
        feed,
        token: config.token.as_deref().map(Arc::from),
        pump,
        hosts: Arc::new(origin::AllowedHosts::new(&config.allowed_hosts)),
        body_timeout: config.limits.body_timeout,
    };
    let app = router(ctx);
    let (stop, stopped) = oneshot::channel::<()>();
    let limits = config.limits;
    handle.spawn(conn::serve(listener, app, limits, async {
        let _ = stopped.await;
    }));
    log::info!("http: serving the API and web preview on http://{addr}/");
    Ok(HttpServer {
        addr,
        stop: Some(stop),
    })
}
