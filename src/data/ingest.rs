//! Ingest: what data sources sent since the last tick lands in the dataset. Several
//! updates to one key within a tick coalesce to the latest, so a chatty source costs
//! one change per key per tick.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy_ecs::prelude::*;
use serde_json::Value;

use super::dataset::Dataset;
use crate::app::{Paused, Tick};
use crate::source::Message;
use crate::source::inline::InlinePolls;

/// The channel sources send on; Ingest drains it every tick. A tickless runner sleeps
/// on it ([`InboxSleep`]): a source's message wakes the engine.
#[derive(Resource)]
pub struct DataInbox {
    tx: Sender<Message>,
    shared: Arc<Shared>,
    /// The sources polled on the tick thread (they send on `tx` too).
    polls: InlinePolls,
}

/// What starting a source takes: the channel it sends on and the engine's list of
/// sources polled on the tick thread.
#[derive(Clone, Debug)]
pub struct Feed {
    /// The sources' channel.
    pub tx: Sender<Message>,
    /// Where a poll source that never blocks goes instead of a thread of its own.
    pub polls: InlinePolls,
}

/// The receiving end, shared with the runner's [`InboxSleep`].
struct Shared {
    rx: Mutex<Receiver<Message>>,
    /// Messages taken while waiting (for the sources' first answers, or for the next
    /// tick), not yet ingested.
    held: Mutex<Vec<Message>>,
}

impl Default for DataInbox {
    fn default() -> Self {
        let (tx, rx) = channel();
        DataInbox {
            tx,
            shared: Arc::new(Shared {
                rx: Mutex::new(rx),
                held: Mutex::new(Vec::new()),
            }),
            polls: InlinePolls::default(),
        }
    }
}

/// The runner's sleep on the sources' channel: a message (or [`Message::Wake`], which
/// control commands, signals and file changes send) ends it and waits for the next tick.
pub struct InboxSleep {
    tx: Mutex<Sender<Message>>,
    shared: Arc<Shared>,
}

impl crate::app::wake::Sleep for InboxSleep {
    fn sleep_until(&self, deadline: Instant) -> bool {
        let (Ok(rx), now) = (self.shared.rx.lock(), Instant::now()) else {
            return false;
        };
        if now >= deadline {
            return false;
        }
        match rx.recv_timeout(deadline - now) {
            Ok(Message::Wake) => true,
            Ok(msg) => {
                if let Ok(mut held) = self.shared.held.lock() {
                    held.push(msg);
                }
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                drop(rx);
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                false
            }
        }
    }

    fn wake(&self) {
        if let Ok(tx) = self.tx.lock() {
            let _ = tx.send(Message::Wake);
        }
    }
}

/// How long the sources must have been quiet, after each has answered, for
/// [`DataInbox::wait_for_first_answers`] to end before its timeout.
const SETTLED: Duration = Duration::from_millis(100);

impl DataInbox {
    /// A sender for a source (or any thread) to hand values to the engine.
    pub fn sender(&self) -> Sender<Message> {
        self.tx.clone()
    }

    /// What starting a source takes (see [`super::scene_sources::start`]).
    pub fn feed(&self) -> Feed {
        Feed {
            tx: self.tx.clone(),
            polls: self.polls.clone(),
        }
    }

    /// The runner's sleep on this inbox (see [`InboxSleep`]).
    pub fn sleep(&self) -> InboxSleep {
        InboxSleep {
            tx: Mutex::new(self.tx.clone()),
            shared: self.shared.clone(),
        }
    }

    /// Waits (before the first tick: `run --wait-data`) until each of `sources` has
    /// answered once (its first health report: a poll that ended, a stream that started or
    /// failed) and nothing more arrived for 100 ms, or until `timeout`. What arrived lands
    /// at the next tick. Returns the sources that did not answer in time.
    pub fn wait_for_first_answers(&self, sources: &[String], timeout: Duration) -> Vec<String> {
        let mut pending: Vec<String> = sources.to_vec();
        let deadline = Instant::now() + timeout;
        let (Ok(rx), Ok(mut held)) = (self.shared.rx.lock(), self.shared.held.lock()) else {
            return pending;
        };
        loop {
            let now = Instant::now();
            if now >= deadline {
                return pending;
            }
            let wait = if pending.is_empty() {
                SETTLED.min(deadline - now)
            } else {
                deadline - now
            };
            match rx.recv_timeout(wait) {
                Ok(msg) => {
                    if let Message::Health { source, .. } = &msg {
                        pending.retain(|p| p != source);
                    }
                    held.push(msg);
                }
                Err(RecvTimeoutError::Timeout) if pending.is_empty() => return pending,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return pending,
            }
        }
    }
}

/// Tells the runner when the next source polled on the tick thread is due.
pub fn plan_wake(inbox: Res<DataInbox>, mut plan: ResMut<crate::app::WakePlan>) {
    if let Some(at) = inbox.polls.next_due() {
        plan.by(at);
    }
}

/// Runs the polls of the sources polled on the tick thread that are due, then drains the
/// inbox (what they sent too) into the dataset: the latest value per key wins; a source's health
/// becomes `_source.<name>.ok`, `.last_error`, `.failures` and `.last_ok_tick`. While the
/// tick is paused the values are held back (latest per key) and land when it moves on.
pub fn ingest(
    mut data: ResMut<Dataset>,
    inbox: Res<DataInbox>,
    tick: Res<Tick>,
    paused: Option<Res<Paused>>,
    plan: Option<ResMut<crate::app::WakePlan>>,
    mut latest: Local<foldhash::HashMap<String, Option<Value>>>,
) {
    inbox.polls.poll_due(Instant::now());
    let mut woken = false;
    let Ok(rx) = inbox.shared.rx.lock() else {
        return;
    };
    let held = inbox
        .shared
        .held
        .lock()
        .map(|mut h| std::mem::take(&mut *h))
        .unwrap_or_default();
    for msg in held
        .into_iter()
        .chain(std::iter::from_fn(|| rx.try_recv().ok()))
    {
        match msg {
            Message::Set { key, value } => {
                latest.insert(key, Some(value));
            }
            Message::Remove { key } => {
                latest.insert(key, None);
            }
            // Something else came (a command, a file change) after its system looked
            // this tick: the next tick runs to see to it.
            Message::Wake => woken = true,
            Message::Health {
                source,
                ok,
                last_error,
                failures,
            } => {
                let base = format!("_source.{source}");
                latest.insert(format!("{base}.ok"), Some(Value::Bool(ok)));
                latest.insert(
                    format!("{base}.last_error"),
                    Some(last_error.map_or(Value::Null, Value::String)),
                );
                latest.insert(format!("{base}.failures"), Some(Value::from(failures)));
                if ok {
                    latest.insert(format!("{base}.last_ok_tick"), Some(Value::from(tick.0)));
                }
            }
        }
    }
    drop(rx);
    if woken && let Some(mut plan) = plan {
        plan.every_tick();
    }
    if latest.is_empty() || paused.is_some_and(|p| !p.moving()) {
        return;
    }
    for (key, value) in latest.drain() {
        match value {
            Some(value) => {
                data.set(&key, value, tick.0);
            }
            None => {
                data.remove(&key);
            }
        }
    }
}
