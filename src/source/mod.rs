//! Data sources, a layer of their own: threads that fetch live values and send them to the
//! engine over a channel. No ECS here: the data layer (`data::scene_sources`) starts the scene's
//! sources and drains their channel once per tick.
//!
//! [`kind`] says what a source kind is and holds the registry scenes name kinds from;
//! [`kinds`] holds the built-in kinds; [`runner`](spawn_poll) runs one under its
//! [`policy`] and [`Stop`] signal; the reporter sends its values and health.
//!
//! A source is either polled ([`PollSource`]: clock, system, file, command, http) or runs
//! as a stream ([`StreamSource`]: process, stdin). [`spawn_poll`] and [`spawn_stream`] run
//! one on its own thread under a [`Policy`] (interval, timeout, backoff with jitter, circuit
//! breaker) and send [`Message`]s to a `std::sync::mpsc::Sender`. The engine drains the
//! channel once per tick; a slow or failing source never stalls a frame, and a failing
//! source sends no values, so the engine keeps showing the last good one. A poll source
//! that never blocks (the clock) started by the engine is polled on its tick thread
//! instead ([`inline`]).
//!
//! ```no_run
//! use std::sync::mpsc;
//! use tinydisplay::source::{ClockConfig, ClockSource, Message, Policy, spawn_poll};
//!
//! let (tx, rx) = mpsc::channel();
//! let clock = ClockSource::new(ClockConfig::default()).expect("the local time zone");
//! let handle = spawn_poll("clock", Box::new(clock), Policy::default(), tx);
//! if let Ok(Message::Set { key, value }) = rx.recv() {
//!     println!("{key} = {value}");
//! }
//! handle.stop();
//! ```

mod flatten;
pub mod inline;
pub mod kind;
pub mod kinds;
pub mod policy;
pub mod ramp;
mod reporter;
mod runner;
pub mod size;
mod stop;
pub(crate) mod throttle;

use serde::Deserialize;

pub use flatten::{flatten, join_key};
pub use kind::{CheckError, SourceConfig, SourceKind};
#[cfg(feature = "gpio")]
pub use kinds::gpio::{GpioConfig, GpioSource};
#[cfg(feature = "http")]
pub use kinds::http::{HttpConfig, HttpSource};
#[cfg(feature = "mpd")]
pub use kinds::mpd::{MpdConfig, MpdSource};
#[cfg(feature = "mqtt")]
pub use kinds::mqtt::{MqttConfig, MqttSource};
#[cfg(feature = "nats")]
pub use kinds::nats::{NatsConfig, NatsSource};
pub use kinds::{
    ClockConfig, ClockSource, CommandConfig, CommandSource, FileConfig, FileSource, ProcessConfig,
    ProcessSource, StdinConfig, StdinSource, SystemConfig, SystemSource,
};
pub use policy::{Breaker, Policy, PolicyState};
pub use runner::{SourceHandle, spawn_poll, spawn_stream};
pub use stop::{Stop, Woken};

/// Kills the process groups of every command and process still running (at shutdown, so
/// a hung command never outlives the engine); returns how many groups were signalled.
pub fn kill_children() -> usize {
    kinds::child::kill_all()
}

/// How many child process groups sources have running.
pub fn running_children() -> usize {
    kinds::child::live_groups()
}

/// The key a stream source emits to report a problem that does not end its run (a
/// refused line); the runner turns it into the source's health, never into a value.
pub const PROBLEM_KEY: &str = "\u{1}problem";

/// A value a source produces (numbers, strings, booleans, null, or structured JSON).
pub type Value = serde_json::Value;

/// What a source sends over the channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A new value for a dotted key, e.g. ("sys.cpu_temp", 48.2).
    Set {
        /// The dotted key, namespaced by the source.
        key: String,
        /// The new value.
        value: Value,
    },
    /// A key is gone: an array item a poll no longer reports (a poll source's result
    /// replaces the array keys of its previous result).
    Remove {
        /// The dotted key.
        key: String,
    },
    /// The health of a source changed or was re-stated after an attempt.
    Health {
        /// The name the source was spawned with.
        source: String,
        /// Whether the last attempt succeeded (for a stream: whether it is running).
        ok: bool,
        /// The text of the last error, if the source has failed.
        last_error: Option<String>,
        /// Consecutive failures (for a stream: exits since its last long, stable run).
        failures: u64,
    },
    /// No news: wakes a sleeping (tickless) engine for something else that came (a
    /// control command, a signal, a changed file).
    Wake,
}

/// A source that is asked for values at an interval (clock, system, file, command, http).
pub trait PollSource: Send + 'static {
    /// One attempt: the updates it found, or why it failed.
    fn poll(&mut self) -> Result<Vec<(String, Value)>, SourceError>;

    /// True when a poll returns at once (microseconds) and cannot hang (no I/O, no lock
    /// it does not own): the engine then polls it on its tick thread when it is due (see
    /// [`inline`]), with no thread of its own and no wake but the engine's; started
    /// outside an engine, it runs on its own thread without the worker thread that times
    /// other polls out (default: false).
    fn never_blocks(&self) -> bool {
        false
    }

    /// True when its polls should fall on whole multiples of the interval in wall-clock
    /// time (an interval of 1000 ms: just after each second begins), so what it shows
    /// turns over when the time does; a clock says so (default: false, polls an interval
    /// apart from the first).
    fn wall_aligned(&self) -> bool {
        false
    }
}

/// A source that runs and emits values until it ends or fails (process, stdin).
pub trait StreamSource: Send + 'static {
    /// Runs until `stop` is set or the stream ends; `emit` sends one update. Wait on
    /// `stop` ([`Stop::sleep`], [`Stop::wait`], [`Stop::stopped`]) rather than polling
    /// it, so the thread sleeps until it has work.
    fn run(&mut self, emit: &mut dyn FnMut(String, Value), stop: &Stop) -> Result<(), SourceError>;
}

/// Why one attempt of a source failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Reading a file, a pipe or starting a program failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The attempt took longer than the policy's timeout.
    #[error("timed out after {ms} ms")]
    Timeout {
        /// The time limit that was exceeded.
        ms: u64,
    },
    /// The previous attempt is still running (it timed out and has not returned yet).
    #[error("the previous attempt is still running")]
    Busy,
    /// Data could not be parsed.
    #[error("cannot parse {what}: {message}")]
    Parse {
        /// What was being parsed.
        what: String,
        /// The parser's message.
        message: String,
    },
    /// A JSON pointer selected nothing.
    #[error("JSON pointer {pointer:?} selects nothing")]
    Select {
        /// The pointer.
        pointer: String,
    },
    /// The server answered with a status outside 2xx.
    #[error("HTTP {status} from {url}")]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// The HTTP request failed (connection, protocol, timeout inside the client).
    #[error("HTTP request to {url} failed: {message}")]
    Http {
        /// The URL requested.
        url: String,
        /// The client's message.
        message: String,
    },
    /// A program exited unsuccessfully.
    #[error("exited with {}{}", code.map_or("a signal".to_owned(), |c| format!("code {c}")), if stderr.is_empty() { String::new() } else { format!(": {stderr}") })]
    Exited {
        /// The exit code, or `None` if a signal ended it.
        code: Option<i32>,
        /// A line of what it wrote to stderr (the first for commands, the last for processes).
        stderr: String,
    },
    /// Output, a line or a value is over its limit and was refused.
    #[error("{what} is over the limit of {limit} bytes (raise {setting} if it is meant)")]
    TooLarge {
        /// What was too large.
        what: String,
        /// The limit in bytes.
        limit: usize,
        /// The setting that holds the limit.
        setting: &'static str,
    },
    /// The source's configuration is unusable (unknown time zone, empty program name, …).
    #[error("bad configuration: {0}")]
    Config(String),
    /// A broker or server connection failed or dropped (MQTT, NATS, MPD).
    #[error("{0}")]
    Broker(String),
    /// The source panicked during the attempt.
    #[error("the source panicked: {0}")]
    Panicked(String),
}

impl From<crate::net::NetError> for SourceError {
    fn from(e: crate::net::NetError) -> SourceError {
        match e {
            crate::net::NetError::Config(message) => SourceError::Config(message),
        }
    }
}

/// How a file's or a command's output is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Format {
    /// A JSON document, flattened into dotted keys under the namespace.
    #[default]
    Json,
    /// Plain text, trimmed, as `<namespace>.text`.
    Text,
}

impl Format {
    /// Parses `text` (from `what`, for errors) into updates under `ns`.
    pub fn updates(
        self,
        ns: &str,
        text: &str,
        what: &str,
    ) -> Result<Vec<(String, Value)>, SourceError> {
        match self {
            Format::Text => Ok(vec![(join_key(ns, "text"), Value::from(text.trim()))]),
            Format::Json => {
                let value: Value = serde_json::from_str(text).map_err(|e| SourceError::Parse {
                    what: format!("{what} as JSON"),
                    message: e.to_string(),
                })?;
                Ok(flatten(ns, &value))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    #[cfg(feature = "http")]
    fn source_configs_deserialise_from_ron() {
        let list: Vec<SourceConfig> = ron::from_str(
            r#"[
                Clock((timezone: Some("UTC"))),
                System((interface: Some("eth0"))),
                File((path: "/run/weather.json")),
                Command((program: "vcgencmd", args: ["measure_temp"], format: Text)),
                Process((program: "sensor-daemon", namespace: "env")),
                Http((url: "http://127.0.0.1:8080/api", pointer: Some("/data/0/temp"))),
                Stdin(()),
            ]"#,
        )
        .expect("valid RON");
        assert_eq!(list.len(), 7);
        assert_eq!(
            list[0],
            SourceConfig::of::<kinds::clock::ClockKind>(ClockConfig {
                timezone: Some("UTC".to_owned()),
                ..ClockConfig::default()
            })
        );
        let c = list[3]
            .downcast::<kinds::command::CommandKind>()
            .expect("a command");
        assert_eq!(c.namespace, "cmd");
        assert_eq!(c.format, Format::Text);
        let h = list[5].downcast::<kinds::http::HttpKind>().expect("http");
        assert_eq!(h.namespace, "http");
        let err = ron::from_str::<SourceConfig>("Weather(())").expect_err("not a kind");
        assert!(err.to_string().contains("`Clock`"), "{err}");
    }

    #[test]
    fn formats_parse_text_and_json() {
        assert_eq!(
            Format::Text.updates("n", " hi \n", "x").expect("text"),
            vec![("n.text".to_owned(), json!("hi"))]
        );
        assert_eq!(
            Format::Json
                .updates("n", r#"{"a": [1]}"#, "x")
                .expect("json"),
            vec![("n.a.0".to_owned(), json!(1))]
        );
        let err = Format::Json.updates("n", "nope", "the file").map(|_| ());
        assert!(matches!(err, Err(SourceError::Parse { .. })));
    }

    #[test]
    fn spawned_from_config_and_stopped() {
        let (tx, rx) = std::sync::mpsc::channel();
        let config = SourceConfig::of::<kinds::clock::ClockKind>(ClockConfig::default());
        let policy = Policy {
            interval_ms: 20,
            ..Policy::default()
        };
        let handle = config.spawn("clock", policy, tx).expect("a clock");
        let first = rx.recv_timeout(std::time::Duration::from_secs(2));
        assert!(
            matches!(&first, Ok(Message::Set { key, .. }) if key == "clock.time"),
            "{first:?}"
        );
        assert_eq!(handle.name(), "clock");
        handle.stop();
    }
}
