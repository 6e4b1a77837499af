//! What the broker sources (MQTT, NATS, MPD) share: their errors, the `connected` key
//! after a lost session, and running an async session on the shared runtime from a source
//! thread until it is told to stop. URLs, secrets and TLS are [`crate::net`]'s.

use std::future::Future;

use crate::source::{SourceError, Stop};

/// A broker client's failure (connecting, subscribing, or the connection dropping).
pub fn broker_error(what: &str, e: impl std::fmt::Display) -> SourceError {
    SourceError::Broker(format!("{what}: {e}"))
}

/// After a session ends: a session that had connected and then failed says so with
/// `<namespace>.connected = false` before the runner retries.
pub fn report_lost(
    namespace: &str,
    connected: bool,
    result: &Result<(), SourceError>,
    emit: &mut dyn FnMut(String, serde_json::Value),
) {
    if connected && result.is_err() {
        emit(
            crate::source::join_key(namespace, "connected"),
            serde_json::Value::Bool(false),
        );
    }
}

/// Runs `session` on the shared runtime, blocking this (source) thread until it ends or
/// `stop` is set (then `Ok`).
pub fn run_session<F>(stop: &Stop, session: F) -> Result<(), SourceError>
where
    F: Future<Output = Result<(), SourceError>>,
{
    let handle = crate::runtime::try_handle().map_err(|e| SourceError::Config(e.to_string()))?;
    handle.block_on(async {
        tokio::select! {
            r = session => r,
            () = stop.stopped() => Ok(()),
        }
    })
}
