//! Reading lines on a helper thread so a stream source can wait for a line or its stop
//! signal at once (stop stays prompt while a read blocks, and the source sleeps until a
//! line comes), and turning JSON lines into updates.
//!
//! Lines are bounded: a line ends at `\n` or `\r` (so `\r`-progress output gives one line
//! per update), and a line longer than the limit is not kept: its bytes are skipped up to
//! the next line end and the reader reports [`ReadLine::TooLong`] instead, so output without
//! any line end never grows memory. At most [`QUEUE`] lines wait in the channel; a faster
//! writer is held back by the pipe.

use std::io::BufRead;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;

use crate::source::throttle::Throttle;
use crate::source::{PROBLEM_KEY, SourceError, Stop, Value, Woken, flatten};

/// Lines buffered between the reader thread and the source.
pub const QUEUE: usize = 256;

/// What the reader thread hands over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadLine {
    /// A complete line (without its line end; invalid UTF-8 replaced).
    Text(String),
    /// A line over the limit was skipped; it had at least this many bytes.
    TooLong(usize),
}

/// Reads `reader` line by line on a thread, each line at most `max_bytes`, and wakes
/// `wake` for each line and at the end (see [`next_line`]); the receiver disconnects at
/// end of input. The thread ends at end of input, on a read error, or when the receiver
/// is dropped (at its next line).
pub fn spawn_line_reader<R: BufRead + Send + 'static>(
    thread_name: String,
    mut reader: R,
    max_bytes: usize,
    wake: Stop,
) -> Result<Receiver<std::io::Result<ReadLine>>, SourceError> {
    let (tx, rx) = mpsc::sync_channel(QUEUE);
    thread::Builder::new()
        .name(thread_name)
        .spawn(move || {
            let mut lines = BoundedLines::new(max_bytes);
            loop {
                let item = lines.next_line(&mut reader);
                let end = matches!(item, Ok(None) | Err(_));
                let sent = match item {
                    Ok(Some(line)) => tx.send(Ok(line)),
                    Ok(None) => break,
                    Err(e) => tx.send(Err(e)),
                };
                wake.wake();
                if sent.is_err() || end {
                    break;
                }
            }
            drop(tx);
            wake.wake();
        })
        .map_err(|source| SourceError::Io {
            context: "starting a line reader thread".to_owned(),
            source,
        })?;
    Ok(rx)
}

/// What waiting for a line gave.
#[derive(Debug)]
pub enum Next {
    /// A line (or the read error that ended the input).
    Line(std::io::Result<ReadLine>),
    /// The input ended.
    End,
    /// The source was told to stop.
    Stopped,
}

/// Sleeps until the reader spawned with `stop` hands over a line, the input ends, or
/// the source is stopped.
pub fn next_line(lines: &Receiver<std::io::Result<ReadLine>>, stop: &Stop) -> Next {
    loop {
        if stop.is_stopped() {
            return Next::Stopped;
        }
        let seen = stop.wakes();
        match lines.try_recv() {
            Ok(item) => return Next::Line(item),
            Err(TryRecvError::Disconnected) => return Next::End,
            Err(TryRecvError::Empty) => {}
        }
        if stop.wait(seen, None) == Woken::Stopped {
            return Next::Stopped;
        }
    }
}

/// Splits a byte stream into lines of at most `max` bytes.
#[derive(Debug)]
pub struct BoundedLines {
    max: usize,
    buf: Vec<u8>,
    skipping: Option<usize>,
}

impl BoundedLines {
    /// A splitter for lines of at most `max` bytes (at least 1).
    pub fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            buf: Vec::new(),
            skipping: None,
        }
    }

    /// The next line, `None` at end of input.
    pub fn next_line<R: BufRead>(&mut self, reader: &mut R) -> std::io::Result<Option<ReadLine>> {
        loop {
            let chunk = match reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                // End of input: what is left is the last line.
                if let Some(n) = self.skipping.take() {
                    return Ok(Some(ReadLine::TooLong(n)));
                }
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(self.take()));
            }
            let end = chunk.iter().position(|b| *b == b'\n' || *b == b'\r');
            let used = end.map_or(chunk.len(), |i| i + 1);
            let body = &chunk[..end.unwrap_or(chunk.len())];
            match &mut self.skipping {
                Some(n) => *n += body.len(),
                None if self.buf.len() + body.len() > self.max => {
                    self.skipping = Some(self.buf.len() + body.len());
                    self.buf.clear();
                    self.buf.shrink_to(self.max.min(4096));
                }
                None => self.buf.extend_from_slice(body),
            }
            reader.consume(used);
            if end.is_some() {
                if let Some(n) = self.skipping.take() {
                    return Ok(Some(ReadLine::TooLong(n)));
                }
                return Ok(Some(self.take()));
            }
        }
    }

    fn take(&mut self) -> ReadLine {
        let text = String::from_utf8_lossy(&self.buf).into_owned();
        self.buf.clear();
        ReadLine::Text(text)
    }
}

/// Turns received lines into updates under a namespace; a bad line (not JSON, over the
/// limit) is skipped, counted, logged at most once per [`crate::source::throttle::LOG_EVERY`] and
/// reported to the runner as a problem (the source's health says why).
#[derive(Debug)]
pub struct LineHandler {
    namespace: String,
    what: String,
    max_bytes: usize,
    throttle: Throttle,
    skipped: u64,
}

impl LineHandler {
    /// A handler for lines of `what` (for messages) under `namespace`.
    pub fn new(namespace: &str, what: &str, max_bytes: usize) -> Self {
        Self {
            namespace: namespace.to_owned(),
            what: what.to_owned(),
            max_bytes,
            throttle: Throttle::default(),
            skipped: 0,
        }
    }

    /// How many lines were skipped so far.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Emits the updates of `line`, or reports why it was skipped.
    pub fn handle(&mut self, line: ReadLine, emit: &mut dyn FnMut(String, Value)) {
        let problem = match line {
            ReadLine::Text(text) => match json_line_updates(&self.namespace, &text) {
                Ok(updates) => {
                    for (key, value) in updates {
                        emit(key, value);
                    }
                    return;
                }
                Err(e) => format!("skipped a line: {e}"),
            },
            ReadLine::TooLong(n) => format!(
                "refused a line of {n} bytes: over the limit of {} bytes (policy max_line_bytes)",
                self.max_bytes
            ),
        };
        self.skipped += 1;
        if let Some(held) = self.throttle.allow() {
            if held > 0 {
                log::warn!(
                    "{}: {problem} ({held} more bad lines since the last report)",
                    self.what
                );
            } else {
                log::warn!("{}: {problem}", self.what);
            }
            emit(PROBLEM_KEY.to_owned(), Value::String(problem));
        }
    }
}

/// The updates of one JSON line under `ns`: an object or array is flattened, a scalar
/// becomes `<ns>.value`; a blank line gives nothing; anything else is a parse error.
pub fn json_line_updates(ns: &str, line: &str) -> Result<Vec<(String, Value)>, SourceError> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(Vec::new());
    }
    let value: Value = serde_json::from_str(line).map_err(|e| SourceError::Parse {
        what: format!("JSON line {:?}", shorten(line)),
        message: e.to_string(),
    })?;
    Ok(match value {
        Value::Object(_) | Value::Array(_) => flatten(ns, &value),
        scalar => vec![(crate::source::join_key(ns, "value"), scalar)],
    })
}

/// At most 60 characters of `text`, for error messages.
pub fn shorten(text: &str) -> String {
    const LIMIT: usize = 60;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::{BufReader, Read};

    /// An endless stream of one byte, like `yes | tr -d '\n'`.
    struct Endless(u8);

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            buf.fill(self.0);
            Ok(buf.len())
        }
    }

    fn all(input: &[u8], max: usize) -> Vec<ReadLine> {
        let mut r = std::io::Cursor::new(input.to_vec());
        let mut lines = BoundedLines::new(max);
        let mut out = Vec::new();
        while let Some(l) = lines.next_line(&mut r).expect("reads") {
            out.push(l);
        }
        out
    }

    #[test]
    fn carriage_returns_end_lines_and_long_lines_are_refused() {
        let t = |s: &str| ReadLine::Text(s.to_owned());
        assert_eq!(
            all(b"10%\r20%\r{\"a\":1}\n", 16),
            vec![t("10%"), t("20%"), t("{\"a\":1}")]
        );
        assert_eq!(
            all(b"short\nxxxxxxxxxxxxxxxxxxxxxxxx\nok\nlast", 8),
            vec![t("short"), ReadLine::TooLong(24), t("ok"), t("last")]
        );
        assert_eq!(all(b"a\r\nb", 8), vec![t("a"), t(""), t("b")]);
    }

    #[test]
    fn output_without_a_line_end_keeps_memory_bounded() {
        // 64 MiB of one endless line through an 8 KiB buffer, 1 KiB limit.
        let mut r = BufReader::with_capacity(8192, Endless(b'y').take(64 << 20));
        let mut lines = BoundedLines::new(1024);
        let first = lines.next_line(&mut r).expect("reads");
        assert_eq!(first, Some(ReadLine::TooLong(64 << 20)));
        assert!(lines.buf.capacity() <= 4096, "{}", lines.buf.capacity());
        assert_eq!(lines.next_line(&mut r).expect("reads"), None);
    }

    #[test]
    fn json_lines() {
        assert_eq!(
            json_line_updates("p", r#"{"a": 1}"#).expect("valid line"),
            vec![("p.a".to_owned(), json!(1))]
        );
        assert_eq!(
            json_line_updates("p", "7").expect("valid line"),
            vec![("p.value".to_owned(), json!(7))]
        );
        assert!(json_line_updates("p", "   ").expect("blank").is_empty());
        assert!(json_line_updates("p", "{oops").is_err());
    }
}
