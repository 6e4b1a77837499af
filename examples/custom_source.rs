//! A data source kind of your own, named in a RON scene like the built-in ones.
//!
//! Implement [`PollSource`] (asked at an interval) or `StreamSource` (runs and emits), and
//! a [`SourceKind`]: the name scenes write (`Counter`), the configuration serde reads, and
//! how it starts (`spawn_poll`/`spawn_stream`). Register it on the [`Kinds`] a scene
//! naming it is read with, and give the engine those kinds. The engine's failure policy (timeout, backoff with
//! jitter, circuit breaker) applies to it like to the built-in ones, and its health shows
//! up as `_source.<name>.*` keys.
//!
//! Run: `cargo run --example custom_source -- /tmp/custom.png`

use std::sync::mpsc::Sender;
use std::time::Duration;

use serde_json::Value;
use tinydisplay::prelude::*;
use tinydisplay::scene::compile_str_with;
use tinydisplay::sink::png::PngSink;
use tinydisplay::source::kind::{CheckError, SourceKind};
use tinydisplay::source::{
    Message, Policy, PollSource, SourceError, SourceHandle, join_key, spawn_poll,
};

/// The scene's configuration: `Counter(fail_every: 5)`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct CounterConfig {
    /// Fail every this many polls, to show the policy at work (default 5; 0: never).
    #[serde(default = "five")]
    pub fail_every: u64,
    /// Namespace of its keys (default `counter`).
    #[serde(default = "counter")]
    pub namespace: String,
}

fn five() -> u64 {
    5
}

fn counter() -> String {
    "counter".into()
}

/// Counts how often it was asked.
struct Counter {
    config: CounterConfig,
    polls: u64,
}

impl PollSource for Counter {
    fn poll(&mut self) -> Result<Vec<(String, Value)>, SourceError> {
        self.polls += 1;
        if self.config.fail_every > 0 && self.polls.is_multiple_of(self.config.fail_every) {
            return Err(SourceError::Config(format!(
                "poll {} failed on purpose",
                self.polls
            )));
        }
        Ok(vec![(
            join_key(&self.config.namespace, "value"),
            Value::from(self.polls),
        )])
    }
}

/// The `Counter` source kind.
pub struct CounterKind;

impl SourceKind for CounterKind {
    const NAME: &'static str = "Counter";
    type Config = CounterConfig;

    fn start(
        config: &CounterConfig,
        name: &str,
        policy: Policy,
        tx: Sender<Message>,
    ) -> Result<SourceHandle, SourceError> {
        let source = Counter {
            config: config.clone(),
            polls: 0,
        };
        Ok(spawn_poll(name, Box::new(source), policy, tx))
    }

    fn check(config: &CounterConfig) -> Result<(), CheckError> {
        if config.namespace.is_empty() {
            return Err("a counter needs a namespace".into());
        }
        Ok(())
    }
}

/// A scene naming the counter source.
pub const SCENE: &str = r#"Scene(
    display: (width: 128, height: 24, mode: Mono, fps: 30),
    sources: {"counter": (source: Counter(fail_every: 5), policy: (interval_ms: 20))},
    widgets: [
        Text(x: 2, y: 2, text: "polls: {{ counter.value }}", fallback: "waiting…"),
        Text(x: 2, y: 12, text: "failures: {{ _source.counter.failures }}", fallback: "failures: 0"),
    ],
)"#;

#[allow(dead_code, reason = "the tests include this file and use the rest")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "custom_source.png".into());
    // The built-in kinds and ours: the scene is read with them, the engine runs with them.
    let mut kinds = Kinds::builtin();
    kinds.register_source::<CounterKind>();
    let scene = compile_str_with(SCENE, "custom.ron".as_ref(), &kinds)?;
    let mut app = Engine::new(scene).kinds(kinds).build();
    app.world_mut()
        .resource::<Sinks>()
        .push(Box::new(PngSink::new(out.clone().into())));
    // One second in real time, so the source (on its own thread) has time to report.
    run_ticks(&mut app, RunMode::RealTime(Some(30)));
    std::thread::sleep(Duration::from_millis(10));
    for e in shutdown(app.world_mut()) {
        eprintln!("{e}");
    }
    eprintln!("wrote {out}");
    Ok(())
}
