//! Ingest: what data sources sent since the last tick lands in the dataset. Several
//! updates to one key within a tick coalesce to the latest, so a chatty source costs
//! one change per key per tick.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

use bevy_ecs::prelude::*;
use serde_json::Value;

use super::dataset::Dataset;
use super::source::Message;
use crate::app::{Paused, Tick};

/// The channel sources send on; Ingest drains it every tick.
#[derive(Resource)]
pub struct DataInbox {
    tx: Sender<Message>,
    rx: Mutex<Receiver<Message>>,
}

impl Default for DataInbox {
    fn default() -> Self {
        let (tx, rx) = channel();
        DataInbox {
            tx,
            rx: Mutex::new(rx),
        }
    }
}

impl DataInbox {
    /// A sender for a source (or any thread) to hand values to the engine.
    pub fn sender(&self) -> Sender<Message> {
        self.tx.clone()
    }
}

/// Drains the inbox into the dataset: the latest value per key wins; a source's health
/// becomes `_source.<name>.ok`, `.last_error`, `.failures` and `.last_ok_tick`. While the
/// tick is paused the values are held back (latest per key) and land when it moves on.
pub fn ingest(
    mut data: ResMut<Dataset>,
    inbox: Res<DataInbox>,
    tick: Res<Tick>,
    paused: Option<Res<Paused>>,
    mut latest: Local<foldhash::HashMap<String, Option<Value>>>,
) {
    let Ok(rx) = inbox.rx.lock() else { return };
    while let Ok(msg) = rx.try_recv() {
        match msg {
            Message::Set { key, value } => {
                latest.insert(key, Some(value));
            }
            Message::Remove { key } => {
                latest.insert(key, None);
            }
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
