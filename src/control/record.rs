//! Recording a run (`run --record run.tdrec`): every dataset change and control command
//! with the tick it happened at, as JSON lines, appended and flushed every tick something
//! happened, so a crash loses at most the last tick.
//!
//! The file: a header `{"tdrec":1,"scene":"…","fps":30}`, then one line per schedule run
//! ("update") that had events: `{"u":12,"t":12,"set":{"k":v},"cmd":[{"cmd":"pause"}],
//! "tick_to":40}` (`tick_to`: the runner skipped ticks before this update), and at a clean
//! end `{"u":900,"end":true}`. Replaying it ([`super::replay`]) gives the same frames;
//! a replay reads it a line at a time ([`LineReader`]), so its memory does not grow with
//! the file.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::apply::Applied;
use super::command::Command;
use crate::app::Tick;
use crate::data::Dataset;

/// The format version written in the header.
pub const VERSION: u32 = 1;

/// The first line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Format version.
    pub tdrec: u32,
    /// The scene file recorded.
    pub scene: PathBuf,
    /// Its tick rate.
    pub fps: u32,
}

/// One update's events: a line of the recording.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordedUpdate {
    /// The update (schedule run) number, from 0.
    pub u: u64,
    /// The tick at this update's Ingest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<u64>,
    /// The runner moved the tick to this before the update (skipped ticks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick_to: Option<u64>,
    /// Dataset keys set during this update's Ingest (the whole dataset in update 0).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub set: Map<String, Value>,
    /// Control commands applied, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cmd: Vec<Command>,
    /// Who sent each of `cmd` (same order): `{"surface": "http", "client": "…"}`; the
    /// audit trail (a replay does not need it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by: Vec<super::Origin>,
    /// The recording ended cleanly after `u` updates.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub end: bool,
}

/// Why a recording could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The file could not be created, written or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The recording.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not what a recording holds.
    #[error("{}:{line}: {message}", path.display())]
    Format {
        /// The recording.
        path: PathBuf,
        /// Line number, 1-based.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The recorder (a resource): the open file and where the run is.
#[derive(Resource)]
pub struct Recorder {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    update: u64,
    /// The tick as the last update left it (after Advance).
    after: Option<u64>,
    failed: bool,
}

impl Recorder {
    /// Creates `path` (replacing it) and writes the header.
    pub fn create(path: &Path, scene: &Path, fps: u32) -> Result<Recorder, RecordError> {
        let io = |source| RecordError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut out = BufWriter::new(File::create(path).map_err(io)?);
        let header = Header {
            tdrec: VERSION,
            scene: std::fs::canonicalize(scene).unwrap_or_else(|_| scene.to_path_buf()),
            fps,
        };
        let text = serde_json::to_string(&header).unwrap_or_default();
        writeln!(out, "{text}")
            .and_then(|()| out.flush())
            .map_err(io)?;
        Ok(Recorder {
            path: path.to_path_buf(),
            out: Some(out),
            update: 0,
            after: None,
            failed: false,
        })
    }

    fn write(&mut self, line: &RecordedUpdate) {
        let Some(out) = self.out.as_mut() else { return };
        let text = serde_json::to_string(line).unwrap_or_default();
        if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush())
            && !self.failed
        {
            self.failed = true;
            log::error!(
                "recording {}: {e}; the recording stops here",
                self.path.display()
            );
            self.out = None;
        }
    }

    /// Writes the end line and closes the file.
    pub fn finish(&mut self) {
        let line = RecordedUpdate {
            u: self.update,
            end: true,
            ..RecordedUpdate::default()
        };
        self.write(&line);
        self.out = None;
    }
}

/// Writes this update's events; runs at the end of `Ingest`.
pub fn record(
    mut rec: ResMut<Recorder>,
    data: Res<Dataset>,
    tick: Res<Tick>,
    mut applied: ResMut<Applied>,
) {
    let u = rec.update;
    let mut line = RecordedUpdate {
        u,
        ..RecordedUpdate::default()
    };
    if rec.after.is_some_and(|a| a != tick.0) {
        line.tick_to = Some(tick.0);
    }
    let keys: Vec<&str> = if u == 0 {
        data.keys().collect()
    } else {
        data.changed().iter().map(String::as_str).collect()
    };
    for k in keys {
        if let Some(v) = data.get(k) {
            line.set.insert(k.to_string(), v.clone());
        }
    }
    (line.cmd, line.by) = applied.0.drain(..).map(|(_, c, o)| (c, o)).unzip();
    if u == 0 || line.tick_to.is_some() || !line.set.is_empty() || !line.cmd.is_empty() {
        line.t = Some(tick.0);
        rec.write(&line);
    }
}

/// Notes where the tick stands after Advance, and counts the update.
pub fn after_advance(mut rec: ResMut<Recorder>, tick: Res<Tick>) {
    rec.after = Some(tick.0);
    rec.update += 1;
}

/// The largest update number or tick a recording may hold (2^53: exact in every JSON
/// reader, and at 30 fps about 9.5 million years); larger ones are format errors.
pub const MAX_TICK: u64 = 1 << 53;

/// An open recording read one line at a time: memory does not grow with the file.
#[derive(Debug)]
pub struct LineReader {
    path: PathBuf,
    input: BufReader<File>,
    /// The number of the line read last, 1-based.
    number: usize,
    text: String,
}

impl LineReader {
    /// Opens `path` and reads its header.
    pub fn open(path: &Path) -> Result<(Header, LineReader), RecordError> {
        let file = File::open(path).map_err(|source| RecordError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = LineReader {
            path: path.to_path_buf(),
            input: BufReader::new(file),
            number: 0,
            text: String::new(),
        };
        if !reader.next_text()? {
            return Err(reader.bad("the file is empty".into()));
        }
        let header: Header = match serde_json::from_str(reader.text.trim_end()) {
            Ok(h) => h,
            Err(e) => return Err(reader.bad(format!("not a tinydisplay recording ({e})"))),
        };
        if header.tdrec != VERSION {
            return Err(reader.bad(format!(
                "format version {} (this build reads {VERSION})",
                header.tdrec
            )));
        }
        Ok((header, reader))
    }

    fn bad(&self, message: String) -> RecordError {
        RecordError::Format {
            path: self.path.clone(),
            line: self.number.max(1),
            message,
        }
    }

    /// Reads the next non-blank line into `text`; false at the end.
    fn next_text(&mut self) -> Result<bool, RecordError> {
        loop {
            self.text.clear();
            let n = self
                .input
                .read_line(&mut self.text)
                .map_err(|source| RecordError::Io {
                    path: self.path.clone(),
                    source,
                })?;
            if n == 0 {
                return Ok(false);
            }
            self.number += 1;
            if !self.text.trim().is_empty() {
                return Ok(true);
            }
        }
    }

    /// The next line, checked; None at the end. A line that does not parse is an error
    /// unless it is the last one (a crash may cut the last line short: what came before
    /// still replays), which is logged and ends the recording.
    pub fn next_line(&mut self) -> Result<Option<RecordedUpdate>, RecordError> {
        if !self.next_text()? {
            return Ok(None);
        }
        let parsed = serde_json::from_str::<RecordedUpdate>(self.text.trim_end());
        match parsed {
            Ok(line) => check(&line).map(|()| Some(line)).map_err(|m| self.bad(m)),
            Err(e) => {
                let (at, message) = (self.number, e.to_string());
                if self.next_text()? {
                    self.number = at;
                    return Err(self.bad(message));
                }
                log::warn!(
                    "{}:{at}: cut short ({message}); replaying up to it",
                    self.path.display()
                );
                Ok(None)
            }
        }
    }
}

/// Refuses numbers a replay cannot reach: past [`MAX_TICK`].
fn check(line: &RecordedUpdate) -> Result<(), String> {
    let numbers = [
        ("u", Some(line.u)),
        ("t", line.t),
        ("tick_to", line.tick_to),
    ];
    for (name, v) in numbers {
        if let Some(v) = v
            && v > MAX_TICK
        {
            return Err(format!(
                "{name} {v} is out of range (a recording's updates and ticks go up to {MAX_TICK})"
            ));
        }
    }
    Ok(())
}

/// What a recording holds, checked line by line without keeping the lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The header.
    pub header: Header,
    /// Updates it covers: to its end line, or one past its last line.
    pub updates: u64,
}

/// Reads a recording through, checking every line, keeping only its header and length;
/// replay it then with a fresh [`LineReader`].
pub fn scan(path: &Path) -> Result<Summary, RecordError> {
    let (header, mut reader) = LineReader::open(path)?;
    let mut updates = 0;
    while let Some(l) = reader.next_line()? {
        // `u` is at most MAX_TICK: no overflow.
        updates = updates.max(if l.end { l.u } else { l.u + 1 });
    }
    Ok(Summary { header, updates })
}
