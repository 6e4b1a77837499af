//! A data source of your own, added from a plugin.
//!
//! Implement [`PollSource`] (asked at an interval) or `StreamSource` (runs and emits),
//! start it with `spawn_poll`/`spawn_stream` on the engine's [`DataInbox`], and keep the
//! handle in [`RunningSources`] so it is stopped at shutdown. The engine's failure policy
//! (timeout, backoff with jitter, circuit breaker) applies to it like to the built-in ones,
//! and its health shows up as `_source.<name>.*` keys.
//!
//! Run: `cargo run --example custom_source -- /tmp/custom.png`

use std::time::Duration;

use bevy_app::{App, Plugin};
use serde_json::Value;
use tinydisplay::data::ingest::DataInbox;
use tinydisplay::data::source::{Policy, PollSource, SourceError, spawn_poll};
use tinydisplay::data::sources::RunningSources;
use tinydisplay::prelude::*;
use tinydisplay::scene::compile_str;
use tinydisplay::sink::png::PngSink;

/// Counts how often it was asked, and fails every fifth time (to show the policy at work).
struct Counter {
    polls: u64,
}

impl PollSource for Counter {
    fn poll(&mut self) -> Result<Vec<(String, Value)>, SourceError> {
        self.polls += 1;
        if self.polls.is_multiple_of(5) {
            return Err(SourceError::Config(format!(
                "poll {} failed on purpose",
                self.polls
            )));
        }
        Ok(vec![("counter.value".into(), Value::from(self.polls))])
    }
}

/// The plugin: starts the source when the app is built.
struct CounterPlugin;

impl Plugin for CounterPlugin {
    fn build(&self, app: &mut App) {
        let tx = app.world_mut().get_resource_or_init::<DataInbox>().sender();
        let policy = Policy {
            interval_ms: 20,
            ..Policy::default()
        };
        let handle = spawn_poll("counter", Box::new(Counter { polls: 0 }), policy, tx);
        app.world_mut()
            .get_resource_or_init::<RunningSources>()
            .0
            .push(handle);
    }
}

const SCENE: &str = r#"Scene(
    display: (width: 128, height: 24, mode: Mono, fps: 30),
    widgets: [
        Text(x: 2, y: 2, text: "polls: {{ counter.value }}", fallback: "waiting…"),
        Text(x: 2, y: 12, text: "failures: {{ _source.counter.failures }}", fallback: "failures: 0"),
    ],
)"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "custom_source.png".into());
    let scene = compile_str(SCENE, "custom.ron".as_ref())?;
    let mut app = Engine::new(scene).build();
    app.add_plugins(CounterPlugin);
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
