//! Commands from a broker on their way to the engine. The connection's event loop only
//! offers each message to a bounded queue (never waiting: a loop that waits stops
//! reading and answering the broker, which then drops the connection); a runner task
//! takes them from there, hands them to the tick ([`IN_FLIGHT`] at once, so a burst is
//! applied in a tick or two) and answers the refused ones. Bad commands are logged at
//! most once per [`LOG_EVERY`] with a count, their payload cut to [`SHOWN_BYTES`].

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{ControlSender, Reply};
use crate::source::throttle::{LOG_EVERY, Throttle};

/// Largest command accepted from a broker (1 MiB, NATS's default largest message); a
/// larger one is refused without being parsed.
pub const COMMAND_BYTES: usize = 1024 * 1024;
/// Most commands waiting for the runner; more are refused until it catches up.
pub const QUEUED: usize = 1024;
/// Most bytes of commands waiting for the runner (4 MiB).
pub const QUEUED_BYTES: usize = 4 * 1024 * 1024;
/// Commands handed to the tick and not answered yet, at most.
pub const IN_FLIGHT: usize = 64;
/// Bytes of a command shown in a log line or an error document.
pub const SHOWN_BYTES: usize = 300;

/// The start of a payload as text, cut to [`SHOWN_BYTES`] (with its full size when cut).
pub fn excerpt(payload: &[u8]) -> String {
    if payload.len() <= SHOWN_BYTES {
        return String::from_utf8_lossy(payload).into_owned();
    }
    let cut = String::from_utf8_lossy(&payload[..SHOWN_BYTES]);
    let cut = cut.trim_end_matches('\u{FFFD}');
    format!("{cut}… ({} bytes)", payload.len())
}

/// The error document of a refused command: `{"error": …, "command": excerpt}`.
pub fn error_document(error: &str, command: &str) -> Value {
    json!({"error": error, "command": command})
}

/// The event loop's end: offers commands without ever waiting.
pub struct CommandQueue<P, R> {
    tx: mpsc::Sender<(P, R)>,
    queued: Arc<AtomicUsize>,
    origin: &'static str,
    refused: Throttle,
}

impl<P: AsRef<[u8]> + Send + 'static, R: Send + 'static> CommandQueue<P, R> {
    /// A queue whose runner (on the current runtime) sends to `control` and gives each
    /// command's answer to `answer` (`None` when applied, else the error document).
    pub fn start<F, Fut>(
        control: ControlSender,
        origin: &'static str,
        answer: F,
    ) -> (Self, JoinHandle<()>)
    where
        F: FnMut(R, Option<Value>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(QUEUED);
        let queued = Arc::new(AtomicUsize::new(0));
        let runner = tokio::spawn(run(control, origin, rx, queued.clone(), answer));
        let queue = Self {
            tx,
            queued,
            origin,
            refused: Throttle::default(),
        };
        (queue, runner)
    }

    /// Queues one command; Err(its error document, `reply_to`) when it is refused
    /// (too large, or too many waiting), for the caller to answer without waiting.
    pub fn offer(&mut self, payload: P, reply_to: R) -> Result<(), (R, Value)> {
        let len = payload.as_ref().len();
        let why = if len > COMMAND_BYTES {
            format!("refused a command of {len} bytes: at most {COMMAND_BYTES} bytes")
        } else if self.queued.load(Ordering::Relaxed) + len > QUEUED_BYTES {
            format!("busy: {QUEUED_BYTES} bytes of commands are waiting; try again")
        } else {
            self.queued.fetch_add(len, Ordering::Relaxed);
            match self.tx.try_send((payload, reply_to)) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    self.queued.fetch_sub(len, Ordering::Relaxed);
                    let (payload, reply_to) = match e {
                        mpsc::error::TrySendError::Full(v)
                        | mpsc::error::TrySendError::Closed(v) => v,
                    };
                    let why = format!("busy: {QUEUED} commands are waiting; try again");
                    let doc = self.refuse(&why, payload.as_ref());
                    return Err((reply_to, doc));
                }
            }
        };
        let doc = self.refuse(&why, payload.as_ref());
        Err((reply_to, doc))
    }

    /// Logs a refusal (throttled) and makes its error document.
    fn refuse(&mut self, why: &str, payload: &[u8]) -> Value {
        let shown = excerpt(payload);
        if let Some(held) = self.refused.allow() {
            log::warn!(
                "{} control: {why} (command {shown:?}){}",
                self.origin,
                more(held)
            );
        }
        error_document(why, &shown)
    }
}

/// ", and N more" for a log line after `held` held-back reports.
fn more(held: u64) -> String {
    if held == 0 {
        String::new()
    } else {
        format!(
            "; {held} more not logged in the last {}s",
            LOG_EVERY.as_secs()
        )
    }
}

/// The runner: hands queued commands to the tick, [`IN_FLIGHT`] at most at once, and
/// answers each once the tick did.
async fn run<P, R, F, Fut>(
    control: ControlSender,
    origin: &'static str,
    mut rx: mpsc::Receiver<(P, R)>,
    queued: Arc<AtomicUsize>,
    mut answer: F,
) where
    P: AsRef<[u8]>,
    F: FnMut(R, Option<Value>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut pending = FuturesUnordered::new();
    let mut logged = Throttle::default();
    loop {
        tokio::select! {
            got = rx.recv(), if pending.len() < IN_FLIGHT => {
                let Some((payload, reply_to)) = got else { return };
                let bytes = payload.as_ref();
                queued.fetch_sub(bytes.len(), Ordering::Relaxed);
                let shown = excerpt(bytes);
                let reply = control.send_json(bytes, origin);
                drop(payload);
                pending.push(async move { (reply_to, shown, reply.wait().await) });
            }
            Some((reply_to, shown, reply)) = pending.next(), if !pending.is_empty() => {
                let error = match reply {
                    Reply::Ok => None,
                    Reply::Error(e) => {
                        if let Some(held) = logged.allow() {
                            log::warn!("{origin} control: {e} (command {shown:?}){}", more(held));
                        }
                        Some(error_document(&e, &shown))
                    }
                };
                answer(reply_to, error).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_cut_with_their_size() {
        assert_eq!(excerpt(b"{\"cmd\": 1}"), "{\"cmd\": 1}");
        let long = "é".repeat(1000);
        let shown = excerpt(long.as_bytes());
        assert!(shown.len() < SHOWN_BYTES + 40, "{shown}");
        assert!(shown.ends_with("… (2000 bytes)"), "{shown}");
        assert!(!shown.contains('\u{FFFD}'), "{shown}");
    }
}
