//! Accepting connections within bounds: at most `max_connections` open at once, a
//! connection with no byte in or out for `idle_timeout` (and no request being answered)
//! closed, request headers read within `header_timeout`. At the cap, a new connection
//! takes the place of the one idle the longest, so idle clients cannot lock out a client
//! with a request; when every connection is busy the new one is closed at once.

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

use crate::source::throttle::Throttle;

/// Default most connections open at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 128;
/// Default time a connection may stay silent between requests.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time a client has to send a request's headers.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a client has to send a request's body.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// How many connections the server keeps and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Most connections open at once (at least 1).
    pub max_connections: usize,
    /// A connection with no byte in or out for this long, and no request being answered,
    /// is closed (the preview stream writes at least every 15 s).
    pub idle_timeout: Duration,
    /// Time a client has to send a request's headers once it started.
    pub header_timeout: Duration,
    /// Time a client has to send a command's body.
    pub body_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
        }
    }
}

/// What the accept loop knows of one open connection.
struct Activity {
    /// Milliseconds since the server started at the last byte in or out.
    last: AtomicU64,
    /// Requests being answered.
    busy: AtomicUsize,
    /// Set when the connection's task ended.
    done: AtomicBool,
    /// Tells the connection to close now.
    close: Notify,
}

impl Activity {
    fn touch(&self, epoch: Instant) {
        self.last
            .store(epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

/// A socket that notes when bytes move.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
    epoch: Instant,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch(self.epoch);
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch(self.epoch);
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch(self.epoch);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Counts a request as being answered while it lives.
struct Busy(Arc<Activity>);

impl Busy {
    fn new(activity: &Arc<Activity>) -> Self {
        activity.busy.fetch_add(1, Ordering::Relaxed);
        Busy(activity.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves `app` on `listener` within `limits` until `stopped` completes.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    stopped: impl Future<Output = ()>,
) {
    let epoch = Instant::now();
    let (shutdown, _) = watch::channel(false);
    let mut open: Vec<Arc<Activity>> = Vec::new();
    let mut refused = Throttle::default();
    let mut stopped = pin!(stopped);
    loop {
        let accepted = tokio::select! {
            () = &mut stopped => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, most likely: wait a little, then go on.
                if let Some(held) = refused.allow() {
                    log::warn!("http: cannot accept a connection: {e} ({held} more)");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        open.retain(|a| !a.done.load(Ordering::Relaxed));
        if open.len() >= limits.max_connections.max(1) {
            let idlest = open
                .iter()
                .enumerate()
                .filter(|(_, a)| a.busy.load(Ordering::Relaxed) == 0)
                .min_by_key(|(_, a)| a.last.load(Ordering::Relaxed))
                .map(|(i, _)| i);
            match idlest {
                Some(i) => {
                    let gone = open.swap_remove(i);
                    gone.close.notify_one();
                }
                None => {
                    if let Some(held) = refused.allow() {
                        log::warn!(
                            "http: {} connections are busy; closed a new one ({held} more)",
                            open.len()
                        );
                    }
                    drop(stream);
                    continue;
                }
            }
        }
        let activity = Arc::new(Activity {
            last: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
            done: AtomicBool::new(false),
            close: Notify::new(),
        });
        activity.touch(epoch);
        open.push(activity.clone());
        let _ = stream.set_nodelay(true);
        let io = Watched {
            inner: stream,
            activity: activity.clone(),
            epoch,
        };
        tokio::spawn(connection(
            io,
            peer,
            app.clone(),
            limits,
            activity,
            epoch,
            shutdown.subscribe(),
        ));
    }
    let _ = shutdown.send(true);
}

/// Serves one connection until it ends, idles out, is closed for a newer one or the
/// server stops.
async fn connection(
    io: Watched,
    peer: std::net::SocketAddr,
    app: Router,
    limits: ConnectionLimits,
    activity: Arc<Activity>,
    epoch: Instant,
    mut shutdown: watch::Receiver<bool>,
) {
    let tower = TowerToHyperService::new(app);
    let counted = activity.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        // The client's address, for the audit line of the commands it sends.
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        let busy = Busy::new(&counted);
        let call = hyper::service::Service::call(&tower, req);
        async move {
            let response = call.await;
            drop(busy);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut conn = pin!(builder.serve_connection(TokioIo::new(io), service));
    let idle_ms = limits.idle_timeout.as_millis() as u64;
    loop {
        let since = quiet_ms(&activity, epoch);
        let check = Duration::from_millis(idle_ms.saturating_sub(since).max(50));
        tokio::select! {
            _ = conn.as_mut() => break,
            () = activity.close.notified() => break,
            Ok(()) = shutdown.changed() => conn.as_mut().graceful_shutdown(),
            () = tokio::time::sleep(check) => {
                if quiet_ms(&activity, epoch) >= idle_ms && activity.busy.load(Ordering::Relaxed) == 0 {
                    break;
                }
            }
        }
    }
    activity.done.store(true, Ordering::Relaxed);
}

/// Milliseconds since a byte last moved on the connection.
fn quiet_ms(activity: &Activity, epoch: Instant) -> u64 {
    (epoch.elapsed().as_millis() as u64).saturating_sub(activity.last.load(Ordering::Relaxed))
}
