//! Recording a run (`run --record run.tdrec`): every dataset change and control command
//! with the tick it happened at, as JSON lines, appended and flushed every tick something
//! happened, so a crash loses at most the last tick.
//!
//! The file: a header `{"tdrec":1,"scene":"…","fps":30}`, then one line per schedule run
//! ("update") that had events: `{"u":12,"t":12,"set":{"k":v},"cmd":[{"cmd":"pause"}],
//! "tick_to":40}` (`tick_to`: the runner skipped ticks before this update), and at a clean
//! end `{"u":900,"end":true}`. Replaying it ([`super::replay`]) gives the same frames.

use std::fs::File;
use std::io::{BufWriter, Write};
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

/// One update's events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Line {
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

    fn write(&mut self, line: &Line) {
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
        let line = Line {
            u: self.update,
            end: true,
            ..Line::default()
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
    let mut line = Line {
        u,
        ..Line::default()
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
    line.cmd = applied.0.drain(..).map(|(_, c)| c).collect();
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

/// Reads a whole recording.
pub fn read(path: &Path) -> Result<(Header, Vec<Line>), RecordError> {
    let text = std::fs::read_to_string(path).map_err(|source| RecordError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |line: usize, message: String| RecordError::Format {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, first)) = lines.next() else {
        return Err(bad(1, "the file is empty".into()));
    };
    let header: Header = serde_json::from_str(first)
        .map_err(|e| bad(1, format!("not a tinydisplay recording ({e})")))?;
    if header.tdrec != VERSION {
        return Err(bad(
            1,
            format!(
                "format version {} (this build reads {VERSION})",
                header.tdrec
            ),
        ));
    }
    let mut out = Vec::new();
    for (i, l) in lines {
        match serde_json::from_str::<Line>(l) {
            Ok(line) => out.push(line),
            // A crash may leave the last line cut short: what came before still replays.
            Err(e) if i + 1 == text.lines().count() => {
                log::warn!(
                    "{}:{}: cut short ({e}); replaying up to it",
                    path.display(),
                    i + 1
                );
            }
            Err(e) => return Err(bad(i + 1, e.to_string())),
        }
    }
    Ok((header, out))
}
