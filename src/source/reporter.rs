//! What a source's thread reports to the engine: values (refused when over the size
//! limit), removals and health, with problems logged at most once per period.

use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use super::size::json_bytes;
use super::throttle::Throttle;
use super::{Message, Stop, Value};

/// How long a reported problem (a refused line or value) keeps a running stream's health
/// at not-ok although good values keep coming, so the health stays readable.
const PROBLEM_HOLD: Duration = Duration::from_secs(15);

/// Sends values and health to the engine; stops the source when the engine is gone.
pub(super) struct Reporter {
    pub(super) name: String,
    tx: Sender<Message>,
    pub(super) stop: Stop,
    last_ok: Option<bool>,
    pub(super) max_value_bytes: usize,
    last_problem: Option<Instant>,
    throttle: Throttle,
}

impl Reporter {
    pub(super) fn new(name: &str, tx: Sender<Message>, stop: Stop) -> Self {
        Self {
            name: name.to_owned(),
            tx,
            stop,
            last_ok: None,
            max_value_bytes: super::policy::DEFAULT_MAX_VALUE_BYTES,
            last_problem: None,
            throttle: Throttle::default(),
        }
    }

    /// Why `value` may not be set (over the size limit), if it may not.
    pub(super) fn oversize(&self, key: &str, value: &Value) -> Option<String> {
        let n = json_bytes(value, self.max_value_bytes);
        (n > self.max_value_bytes).then(|| {
            format!(
                "refused a value of {key}: over the limit of {} bytes (policy max_value_bytes); keeping the last good one",
                self.max_value_bytes
            )
        })
    }

    /// Sends the value unless it is over the size limit; then returns why it was refused.
    pub(super) fn checked_set(&self, key: String, value: Value) -> Result<(), String> {
        if let Some(why) = self.oversize(&key, &value) {
            return Err(why);
        }
        self.set(key, value);
        Ok(())
    }

    /// Reports a problem that did not end the source (a refused line or value): health
    /// not ok with the reason; logged here at most once per period.
    pub(super) fn problem(&mut self, error: String, failures: u64, log_it: bool) {
        self.last_problem = Some(Instant::now());
        if !log_it {
            self.failed(error, failures);
            return;
        }
        match self.throttle.allow() {
            Some(held) => {
                if held > 0 {
                    log::warn!(
                        "source {}: {error} ({held} more since the last report)",
                        self.name
                    );
                } else {
                    log::warn!("source {}: {error}", self.name);
                }
                self.failed(error, failures);
            }
            None if self.last_ok != Some(false) => self.failed(error, failures),
            None => {}
        }
    }

    /// Whether a problem was reported recently (good values then do not clear health).
    pub(super) fn holding_problem(&self) -> bool {
        self.last_problem
            .is_some_and(|t| t.elapsed() < PROBLEM_HOLD)
    }

    pub(super) fn send(&self, message: Message) {
        if self.tx.send(message).is_err() {
            // Nobody is listening any more: there is no point in running.
            self.stop.stop();
        }
    }

    pub(super) fn remove(&self, key: String) {
        self.send(Message::Remove { key });
    }

    pub(super) fn set(&self, key: String, value: Value) {
        self.send(Message::Set { key, value });
    }

    /// Reports success if the last health sent was not a success.
    pub(super) fn ok(&mut self, failures: u64) {
        if self.last_ok != Some(true) {
            if self.last_ok == Some(false) {
                log::info!("source {}: healthy again", self.name);
            }
            self.last_ok = Some(true);
            self.send(Message::Health {
                source: self.name.clone(),
                ok: true,
                last_error: None,
                failures,
            });
        }
    }

    /// Reports a failure (always, so the failure count is visible).
    pub(super) fn failed(&mut self, error: String, failures: u64) {
        self.last_ok = Some(false);
        self.send(Message::Health {
            source: self.name.clone(),
            ok: false,
            last_error: Some(error),
            failures,
        });
    }
}
