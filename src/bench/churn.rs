//! Data that changes every tick, for benchmarks: every key of the scene's initial data
//! gets a new value each tick (strings become a clock `HH:MM:SS`, numbers a ramp 0..1,
//! booleans flip).

use serde_json::Value;

use crate::data::ingest::DataInbox;
use crate::source::Message;

/// The keys to change and their kinds.
#[derive(Debug, Clone, Default)]
pub struct Churn {
    keys: Vec<(String, Value)>,
}

impl Churn {
    /// Changes every key of `initial`.
    pub fn new<'a>(initial: impl IntoIterator<Item = (&'a String, &'a Value)>) -> Churn {
        Churn {
            keys: initial
                .into_iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// Keys changed per tick.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The value of key number `i` at tick `t`.
    pub fn value(&self, i: usize, t: u64) -> Value {
        match &self.keys[i].1 {
            Value::String(_) => Value::String(format!(
                "{:02}:{:02}:{:02}",
                (t / 3600) % 24,
                (t / 60) % 60,
                t % 60
            )),
            Value::Number(_) => serde_json::json!((t % 101) as f64 / 100.0),
            Value::Bool(_) => Value::Bool(t.is_multiple_of(2)),
            other => other.clone(),
        }
    }

    /// Sends this tick's values into the engine's inbox.
    pub fn send(&self, inbox: &DataInbox, t: u64) {
        let tx = inbox.sender();
        for (i, (key, _)) in self.keys.iter().enumerate() {
            let _ = tx.send(Message::Set {
                key: key.clone(),
                value: self.value(i, t),
            });
        }
    }
}
