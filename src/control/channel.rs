//! The way in: surfaces send commands over a bounded channel that the tick drains at
//! `Ingest`, each with a one-shot reply. Nothing here ever blocks the tick.

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::command::{Command, Reply};
use super::limit::RateLimits;
use super::publish::Published;
use crate::app::Alarm;

/// Commands that may wait for the next tick at once; more are refused as busy.
pub const QUEUE: usize = 256;

/// Who sent a command: the surface and, over HTTP, the client's address (for the audit
/// line, the recording and the rate limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The surface: `http`, `mqtt`, `nats`, `on_change`, `home_assistant`, `watch` (a
    /// file change or SIGHUP), or what an embedding program names.
    pub surface: String,
    /// The client's address and port, when the surface knows it (HTTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

impl Origin {
    /// A command from `surface`, client unknown.
    pub fn surface(surface: &str) -> Origin {
        Origin {
            surface: surface.to_owned(),
            client: None,
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.client {
            Some(c) => write!(f, "{} from {c}", self.surface),
            None => f.write_str(&self.surface),
        }
    }
}

/// A command on its way to the tick, with where its reply goes.
pub struct Request {
    /// What to do.
    pub command: Command,
    /// Who sent it, for the audit log and the recording.
    pub origin: Origin,
    /// Gets the reply once the tick has applied it.
    pub reply: oneshot::Sender<Reply>,
}

/// A clone-able handle a surface uses to command the engine and read its state.
#[derive(Clone)]
pub struct ControlSender {
    tx: SyncSender<Request>,
    published: Arc<Published>,
    limits: Arc<RateLimits>,
    alarm: Alarm,
}

/// A reply that will come from the tick.
pub struct PendingReply(Option<oneshot::Receiver<Reply>>, Option<Reply>);

impl PendingReply {
    fn ready(reply: Reply) -> PendingReply {
        PendingReply(None, Some(reply))
    }

    /// Waits for the reply (from async code).
    pub async fn wait(self) -> Reply {
        match self {
            PendingReply(_, Some(r)) => r,
            PendingReply(Some(rx), None) => rx.await.unwrap_or_else(|_| stopped()),
            PendingReply(None, None) => stopped(),
        }
    }

    /// Waits at most `limit` for the reply (from a plain thread).
    pub fn wait_blocking(self, limit: Duration) -> Reply {
        let mut rx = match self {
            PendingReply(_, Some(r)) => return r,
            PendingReply(Some(rx), None) => rx,
            PendingReply(None, None) => return stopped(),
        };
        let end = Instant::now() + limit;
        loop {
            match rx.try_recv() {
                Ok(r) => return r,
                Err(oneshot::error::TryRecvError::Closed) => return stopped(),
                Err(oneshot::error::TryRecvError::Empty) if Instant::now() >= end => {
                    return Reply::Error("no reply from the engine in time".into());
                }
                Err(oneshot::error::TryRecvError::Empty) => {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
    }
}

fn stopped() -> Reply {
    Reply::Error("the engine has stopped".into())
}

impl ControlSender {
    /// Hands `command` to the engine; its reply comes once the next tick has applied it
    /// and published the result (a read after the reply sees the change).
    pub fn send(&self, command: Command, origin: &'static str) -> PendingReply {
        self.send_from(command, Origin::surface(origin))
    }

    /// Like [`ControlSender::send`], saying who sent it; refused at once when that surface
    /// is over its rate limit ([`super::limit`]).
    pub fn send_from(&self, command: Command, origin: Origin) -> PendingReply {
        if let Err(e) = self.limits.take(&origin.surface) {
            return PendingReply::ready(Reply::error(e.to_string()));
        }
        let (reply, rx) = oneshot::channel();
        let request = Request {
            command,
            origin,
            reply,
        };
        match self.tx.try_send(request) {
            Ok(()) => {
                // A tickless runner wakes to apply it.
                self.alarm.ring();
                PendingReply(Some(rx), None)
            }
            Err(TrySendError::Full(_)) => PendingReply::ready(Reply::error(format!(
                "busy: {QUEUE} commands are already waiting for the tick"
            ))),
            Err(TrySendError::Disconnected(_)) => PendingReply::ready(stopped()),
        }
    }

    /// Parses a JSON command and sends it; a malformed one is answered at once and
    /// changes nothing.
    pub fn send_json(&self, json: &[u8], origin: &'static str) -> PendingReply {
        match Command::parse(json) {
            Ok(cmd) => self.send(cmd, origin),
            Err(e) => PendingReply::ready(e.into()),
        }
    }

    /// Sends `command` and waits for its reply (from async code).
    pub async fn request(&self, command: Command, origin: &'static str) -> Reply {
        self.send(command, origin).wait().await
    }

    /// The JSON → command → reply path, as one call (from async code).
    pub async fn request_json(&self, json: &[u8], origin: &'static str) -> Reply {
        self.send_json(json, origin).wait().await
    }

    /// What the engine published at its last `Present`: state, dataset, frame.
    pub fn published(&self) -> &Arc<Published> {
        &self.published
    }

    /// The surfaces' rate limits and what they refused.
    pub fn limits(&self) -> &Arc<RateLimits> {
        &self.limits
    }
}

/// The engine's end of the command channel (a resource).
#[derive(Resource)]
pub struct ControlInbox {
    tx: SyncSender<Request>,
    rx: Mutex<Receiver<Request>>,
    published: Arc<Published>,
    limits: Arc<RateLimits>,
    alarm: Alarm,
}

impl FromWorld for ControlInbox {
    fn from_world(world: &mut World) -> Self {
        let (tx, rx) = sync_channel(QUEUE);
        ControlInbox {
            tx,
            rx: Mutex::new(rx),
            published: Arc::new(Published::default()),
            limits: Arc::new(RateLimits::default()),
            alarm: world.get_resource_or_init::<Alarm>().clone(),
        }
    }
}

impl ControlInbox {
    /// A sender for a surface.
    pub fn sender(&self) -> ControlSender {
        ControlSender {
            tx: self.tx.clone(),
            published: self.published.clone(),
            limits: self.limits.clone(),
            alarm: self.alarm.clone(),
        }
    }

    /// What the engine publishes for surfaces.
    pub fn published(&self) -> &Arc<Published> {
        &self.published
    }

    /// The surfaces' rate limits (set from the scene's `control.rate_limit`).
    pub fn limits(&self) -> &Arc<RateLimits> {
        &self.limits
    }

    /// Takes up to `max` waiting requests without blocking.
    pub fn take(&self, max: usize) -> Vec<Request> {
        let Ok(rx) = self.rx.lock() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        while out.len() < max {
            match rx.try_recv() {
                Ok(r) => out.push(r),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        out
    }
}

/// The sender of the app's control channel (creating the channel if needed).
pub fn control_sender(world: &mut World) -> ControlSender {
    world.get_resource_or_init::<ControlInbox>().sender()
}
