//! The process source: a long-running program writing one JSON object per line, each
//! flattened under the namespace. When it exits, `spawn_stream` restarts it with backoff.

use std::io::BufReader;
use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::child::{forget_group, kill_group, kill_group_id, spawn_piped};
use super::lines::{BoundedLines, LineHandler, Next, ReadLine, next_line, spawn_line_reader};
use super::pipe::{ReleasablePipe, Release};
use crate::source::{SourceError, Stop, StreamSource, Value, Woken};

/// Settings of a process source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProcessConfig {
    /// The program to run (looked up in `PATH`).
    pub program: String,
    /// Its arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// Key prefix (default `proc`).
    #[serde(default = "default_namespace")]
    pub namespace: String,
}

fn default_namespace() -> String {
    "proc".to_owned()
}

impl ProcessConfig {
    /// Settings for `program args…` with the default namespace.
    pub fn new(program: &str, args: &[&str]) -> Self {
        Self {
            program: program.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            namespace: default_namespace(),
        }
    }
}

/// Runs a program and emits the values of each JSON line it prints; stderr is logged.
#[derive(Debug, Clone)]
pub struct ProcessSource {
    config: ProcessConfig,
    max_line_bytes: usize,
}

impl ProcessSource {
    /// A process source from its settings.
    pub fn new(config: ProcessConfig) -> Result<Self, SourceError> {
        if config.program.trim().is_empty() {
            return Err(SourceError::Config(
                "the process's program is empty".to_owned(),
            ));
        }
        Ok(Self {
            config,
            max_line_bytes: crate::source::policy::DEFAULT_MAX_LINE_BYTES,
        })
    }

    /// Refuses output lines (and stderr lines) longer than `bytes`.
    pub fn with_line_limit(mut self, bytes: usize) -> Self {
        self.max_line_bytes = bytes.max(1);
        self
    }
}

impl StreamSource for ProcessSource {
    fn run(&mut self, emit: &mut dyn FnMut(String, Value), stop: &Stop) -> Result<(), SourceError> {
        let program = &self.config.program;
        let mut child = spawn_piped(program, &self.config.args)?;
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            kill_group(&mut child);
            return Err(SourceError::Config(format!("{program}: no pipes")));
        };
        let max = self.max_line_bytes;
        // Once the program has exited, its pipes are read to what they hold and let go:
        // a descendant that escaped the group (`setsid`) may keep them open for ever.
        let release = Release::default();
        let reader = BufReader::new(ReleasablePipe::new(stdout, release.clone()));
        let lines =
            match spawn_line_reader(format!("proc-{program}-out"), reader, max, stop.clone()) {
                Ok(rx) => rx,
                Err(e) => {
                    kill_group(&mut child);
                    return Err(e);
                }
            };
        let last_stderr = Arc::new(Mutex::new(String::new()));
        let stderr = ReleasablePipe::new(stderr, release.clone());
        let stderr_thread = log_stderr(program, stderr, max, last_stderr.clone());
        // A thread waits for the program: when it exits, the pipes are let go (so the
        // output ends once what it wrote is read) and the source is woken.
        let pgid = child.id();
        let (status_tx, status_rx) = mpsc::channel();
        let (release_on_exit, wake) = (release.clone(), stop.clone());
        let waiter = thread::Builder::new()
            .name(format!("proc-{program}-wait"))
            .spawn(move || {
                let status = child.wait();
                release_on_exit.release();
                let _ = status_tx.send(status);
                wake.wake();
            });
        let give_up = || {
            kill_group_id(pgid);
            release.release();
        };
        let waiter = match waiter {
            Ok(w) => w,
            Err(source) => {
                give_up();
                return Err(SourceError::Io {
                    context: "starting a process waiter thread".to_owned(),
                    source,
                });
            }
        };

        // Read lines until the output ends (or we are told to stop).
        let mut handler = LineHandler::new(&self.config.namespace, program, max);
        loop {
            match next_line(&lines, stop) {
                Next::Line(Ok(line)) => handler.handle(line, emit),
                Next::Stopped => {
                    give_up();
                    return Ok(());
                }
                Next::Line(Err(source)) => {
                    give_up();
                    return Err(SourceError::Io {
                        context: format!("reading the output of {program}"),
                        source,
                    });
                }
                Next::End => break,
            }
        }

        // The output is closed; wait for the exit status (the waiter wakes us).
        let status = loop {
            if stop.is_stopped() {
                give_up();
                return Ok(());
            }
            let seen = stop.wakes();
            match status_rx.try_recv() {
                Ok(Ok(status)) => break status,
                Ok(Err(source)) => {
                    give_up();
                    return Err(SourceError::Io {
                        context: format!("waiting for {program}"),
                        source,
                    });
                }
                Err(TryRecvError::Disconnected) => {
                    give_up();
                    return Err(SourceError::Config(format!("{program}: lost its waiter")));
                }
                Err(TryRecvError::Empty) => {}
            }
            if stop.wait(seen, None) == Woken::Stopped {
                give_up();
                return Ok(());
            }
        };
        forget_group(pgid);
        let _ = waiter.join();
        // Give the stderr reader a moment to see the last line.
        if let Some(t) = stderr_thread {
            join_soon(t, Duration::from_millis(200));
        }
        if status.success() {
            return Ok(());
        }
        let stderr = last_stderr.lock().map(|s| s.clone()).unwrap_or_default();
        Err(SourceError::Exited {
            code: status.code(),
            stderr,
        })
    }
}

/// A thread logging each line the program writes to stderr (at info level) and keeping
/// the last one in `last`.
fn log_stderr<R: std::io::Read + Send + 'static>(
    program: &str,
    stderr: R,
    max: usize,
    last: Arc<Mutex<String>>,
) -> Option<thread::JoinHandle<()>> {
    let name = program.to_string();
    thread::Builder::new()
        .name(format!("proc-{program}-err"))
        .spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut split = BoundedLines::new(max);
            while let Ok(Some(line)) = split.next_line(&mut reader) {
                let ReadLine::Text(line) = line else { continue };
                let line = line.trim().to_owned();
                if line.is_empty() {
                    continue;
                }
                log::info!("{name} (stderr): {line}");
                if let Ok(mut slot) = last.lock() {
                    *slot = line;
                }
            }
        })
        .ok()
}

/// Joins `t` if it finishes within `wait`; otherwise leaves it running.
fn join_soon(t: thread::JoinHandle<()>, wait: Duration) {
    let deadline = Instant::now() + wait;
    while !t.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(2));
    }
    if t.is_finished() {
        let _ = t.join();
    }
}

/// The `Process` source kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessKind;

impl crate::source::kind::SourceKind for ProcessKind {
    const NAME: &'static str = "Process";
    type Config = ProcessConfig;

    fn start(
        c: &ProcessConfig,
        name: &str,
        policy: crate::source::Policy,
        tx: std::sync::mpsc::Sender<crate::source::Message>,
    ) -> Result<crate::source::SourceHandle, crate::source::SourceError> {
        let source = ProcessSource::new(c.clone())?.with_line_limit(policy.max_line_bytes);
        Ok(crate::source::spawn_stream(
            name,
            Box::new(source),
            policy,
            tx,
        ))
    }

    fn resolve_paths(c: &mut ProcessConfig, dir: &std::path::Path) {
        c.program = crate::source::kind::resolve_program(dir, &c.program);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Message, Policy, spawn_stream};
    use serde_json::json;
    use std::sync::mpsc;

    #[test]
    fn restarts_with_growing_backoff_and_counts_exits() {
        // Each run prints its start time (ms) and exits non-zero.
        let script =
            r#"echo "{\"started\": $(date +%s%3N), \"ok\": true}"; echo 'sensor gone' >&2; exit 3"#;
        let src = ProcessSource::new(ProcessConfig {
            namespace: "p".to_owned(),
            ..ProcessConfig::new("sh", &["-c", script])
        })
        .expect("a valid program");
        let policy = Policy {
            interval_ms: 20,
            backoff_initial_ms: 60,
            backoff_max_ms: 2000,
            backoff_factor: 2.0,
            jitter: 0.0,
            breaker_failures: 0,
            ..Policy::default()
        };
        let (tx, rx) = mpsc::channel();
        let handle = spawn_stream("p", Box::new(src), policy, tx);
        let mut starts: Vec<i64> = Vec::new();
        let mut failures: Vec<u64> = Vec::new();
        let mut errors: Vec<String> = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(4);
        while failures.len() < 3 && Instant::now() < deadline {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(Message::Set { key, value }) if key == "p.started" => {
                    starts.push(value.as_i64().unwrap_or_default());
                }
                Ok(Message::Set { key, value }) => {
                    assert_eq!((key.as_str(), value), ("p.ok", json!(true)));
                }
                Ok(Message::Health {
                    ok: false,
                    failures: n,
                    last_error,
                    ..
                }) => {
                    failures.push(n);
                    errors.push(last_error.unwrap_or_default());
                }
                Ok(Message::Health { ok: true, .. } | Message::Remove { .. } | Message::Wake)
                | Err(_) => {}
            }
        }
        let t = Instant::now();
        handle.stop();
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "stop took {:?}",
            t.elapsed()
        );
        assert_eq!(failures, [1, 2, 3], "exits counted");
        assert!(starts.len() >= 3, "runs observed: {starts:?}");
        assert!(
            errors[0].contains("code 3") && errors[0].contains("sensor gone"),
            "{errors:?}"
        );
        // Backoff doubles: ~60 ms then ~120 ms between runs (plus the run time itself).
        let gap1 = starts[1] - starts[0];
        let gap2 = starts[2] - starts[1];
        assert!(gap1 >= 55, "first restart after {gap1} ms");
        assert!(gap2 >= 115, "second restart after {gap2} ms");
        assert!(
            gap2 > gap1,
            "backoff does not grow: {gap1} ms then {gap2} ms"
        );
    }

    #[test]
    fn stop_kills_a_running_process() {
        let script = r#"while true; do echo '{"tick": 1}'; sleep 0.05; done"#;
        let src = ProcessSource::new(ProcessConfig::new("sh", &["-c", script])).expect("valid");
        let (tx, rx) = mpsc::channel();
        let handle = spawn_stream("loop", Box::new(src), Policy::default(), tx);
        let first = rx.recv_timeout(Duration::from_secs(2));
        assert!(
            matches!(&first, Ok(Message::Health { ok: true, .. })),
            "{first:?}"
        );
        let t = Instant::now();
        handle.stop();
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "stop took {:?}",
            t.elapsed()
        );
        // Drain what was sent; no more values arrive once stopped.
        while rx.try_recv().is_ok() {}
        thread::sleep(Duration::from_millis(150));
        assert!(rx.try_recv().is_err(), "values after stop");
    }
}
