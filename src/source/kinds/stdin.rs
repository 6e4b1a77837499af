//! The stdin source: JSON lines read from standard input (or any buffered reader), each
//! flattened under the namespace. A malformed line is logged and skipped.

use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;

use serde::Deserialize;

use super::lines::{LineHandler, Next, ReadLine, next_line, spawn_line_reader};
use crate::source::{SourceError, Stop, StreamSource, Value};

/// Settings of a stdin source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct StdinConfig {
    /// Key prefix (default `stdin`).
    pub namespace: String,
}

impl Default for StdinConfig {
    fn default() -> Self {
        Self {
            namespace: "stdin".to_owned(),
        }
    }
}

/// Emits the values of each JSON line of a reader; ends at end of input.
///
/// The reader is read on a helper thread (so stopping never waits for input); that thread
/// is started by the first run and outlives later runs, which all read the same input.
#[derive(Debug)]
pub struct StdinSource<R: BufRead + Send + 'static> {
    config: StdinConfig,
    reader: Option<R>,
    lines: Option<Receiver<std::io::Result<ReadLine>>>,
    skipped: AtomicU64,
    max_line_bytes: usize,
}

impl StdinSource<std::io::BufReader<std::io::Stdin>> {
    /// A source reading the process's standard input.
    pub fn stdin(config: StdinConfig) -> Self {
        Self::from_reader(config, std::io::BufReader::new(std::io::stdin()))
    }
}

impl<R: BufRead + Send + 'static> StdinSource<R> {
    /// A source reading JSON lines from `reader`.
    pub fn from_reader(config: StdinConfig, reader: R) -> Self {
        Self {
            config,
            reader: Some(reader),
            lines: None,
            skipped: AtomicU64::new(0),
            max_line_bytes: crate::source::policy::DEFAULT_MAX_LINE_BYTES,
        }
    }

    /// Refuses lines longer than `bytes` (the endless line is skipped, memory stays bounded).
    pub fn with_line_limit(mut self, bytes: usize) -> Self {
        self.max_line_bytes = bytes.max(1);
        self
    }

    /// How many malformed lines were skipped so far.
    pub fn skipped_lines(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }
}

impl<R: BufRead + Send + 'static> StreamSource for StdinSource<R> {
    fn run(&mut self, emit: &mut dyn FnMut(String, Value), stop: &Stop) -> Result<(), SourceError> {
        if let Some(reader) = self.reader.take() {
            self.lines = Some(spawn_line_reader(
                "stdin-lines".to_owned(),
                reader,
                self.max_line_bytes,
                stop.clone(),
            )?);
        }
        let Some(lines) = &self.lines else {
            return Ok(());
        };
        let mut handler = LineHandler::new(
            &self.config.namespace,
            "standard input",
            self.max_line_bytes,
        );
        loop {
            match next_line(lines, stop) {
                Next::Line(Ok(line)) => {
                    let before = handler.skipped();
                    handler.handle(line, emit);
                    self.skipped
                        .fetch_add(handler.skipped() - before, Ordering::Relaxed);
                }
                Next::Line(Err(source)) => {
                    self.lines = None;
                    return Err(SourceError::Io {
                        context: "reading standard input".to_owned(),
                        source,
                    });
                }
                Next::End | Next::Stopped => return Ok(()),
            }
        }
    }
}

/// The `Stdin` source kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdinKind;

impl crate::source::kind::SourceKind for StdinKind {
    const NAME: &'static str = "Stdin";
    type Config = StdinConfig;

    fn start(
        c: &StdinConfig,
        name: &str,
        policy: crate::source::Policy,
        tx: std::sync::mpsc::Sender<crate::source::Message>,
    ) -> Result<crate::source::SourceHandle, crate::source::SourceError> {
        let source = StdinSource::stdin(c.clone()).with_line_limit(policy.max_line_bytes);
        Ok(crate::source::spawn_stream(
            name,
            Box::new(source),
            policy,
            tx,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::Cursor;
    use std::time::Duration;

    #[test]
    fn json_lines_with_a_malformed_one_skipped() {
        let input = "{\"a\": 1}\n{broken\n\n{\"b\": {\"c\": [true]}}\n\"hi\"\n";
        let mut src = StdinSource::from_reader(
            StdinConfig {
                namespace: "in".to_owned(),
            },
            Cursor::new(input.as_bytes().to_vec()),
        );
        let mut got = Vec::new();
        let stop = Stop::new();
        let mut problems = Vec::new();
        let result = src.run(
            &mut |k, v| {
                if k == crate::source::PROBLEM_KEY {
                    problems.push(v);
                } else {
                    got.push((k, v));
                }
            },
            &stop,
        );
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(problems.len(), 1, "the bad line is reported: {problems:?}");
        assert_eq!(
            got,
            vec![
                ("in.a".to_owned(), json!(1)),
                ("in.b.c.0".to_owned(), json!(true)),
                ("in.value".to_owned(), json!("hi")),
            ]
        );
        assert_eq!(src.skipped_lines(), 1);
        // The input is spent: a restarted run ends at once.
        let mut more = 0;
        assert!(src.run(&mut |_, _| more += 1, &stop).is_ok());
        assert_eq!(more, 0);
    }

    #[test]
    fn stop_ends_a_waiting_run() {
        // An OS pipe whose writer stays open: the run waits for input until stopped.
        let (reader, writer) = std::io::pipe().expect("an OS pipe");
        let mut src =
            StdinSource::from_reader(StdinConfig::default(), std::io::BufReader::new(reader));
        let stop = Stop::new();
        let flag = stop.clone();
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            flag.stop();
        });
        let started = std::time::Instant::now();
        assert!(src.run(&mut |_, _| {}, &stop).is_ok());
        assert!(started.elapsed() < Duration::from_secs(10));
        let _ = stopper.join();
        drop(writer);
    }

    #[test]
    fn an_endless_line_is_refused_and_later_lines_still_count() {
        let mut input = vec![b'x'; 3 << 20];
        input.extend_from_slice(b"\n{\"a\": 2}\n");
        for _ in 0..500 {
            input.extend_from_slice(b"not json\n");
        }
        let mut src = StdinSource::from_reader(StdinConfig::default(), Cursor::new(input))
            .with_line_limit(1024);
        let (mut got, mut problems) = (Vec::new(), Vec::new());
        let stop = Stop::new();
        let result = src.run(
            &mut |k, v| {
                if k == crate::source::PROBLEM_KEY {
                    problems.push(v);
                } else {
                    got.push((k, v));
                }
            },
            &stop,
        );
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(got, vec![("stdin.a".to_owned(), json!(2))]);
        assert_eq!(src.skipped_lines(), 501);
        // 501 bad lines, reported (and logged) once in this period, not 501 times.
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .as_str()
                .is_some_and(|p| p.contains("limit of 1024 bytes")),
            "{problems:?}"
        );
    }
}
