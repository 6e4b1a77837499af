//! The capture bus: every transfer as a text line, `C <hex>` for commands and `D <hex>`
//! for data, with `# reset`, `# delay <ms>`, `# busy <ms>` (a wait for the BUSY pin, at
//! most that long) and `# backlight on|off` notes. Long data is
//! split over several `D` lines of at most 32 bytes. The same text reads back into
//! [`Transfer`]s for the emulators and `tinydisplay decode`.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::{Bus, BusError, BusyWait};

/// Bytes per `D` line.
const LINE_BYTES: usize = 32;

/// Writes transfers as text.
pub struct CaptureBus<W: Write + Send> {
    out: W,
    what: String,
    line: String,
}

impl CaptureBus<BufWriter<File>> {
    /// Creates (or truncates) the capture file.
    pub fn create(path: &Path) -> Result<Self, BusError> {
        let file = File::create(path).map_err(|e| BusError::Open {
            what: format!("capture file {}", path.display()),
            reason: e.to_string(),
            hint: "that the directory exists and is writable".into(),
        })?;
        Ok(CaptureBus::new(
            BufWriter::new(file),
            format!("capture {}", path.display()),
        ))
    }
}

impl<W: Write + Send> CaptureBus<W> {
    /// Captures into any writer (`what` names it in errors).
    pub fn new(out: W, what: String) -> Self {
        CaptureBus {
            out,
            what,
            line: String::with_capacity(3 + LINE_BYTES * 3),
        }
    }

    /// The writer, for tests that capture into memory.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn lines(&mut self, tag: char, bytes: &[u8]) -> Result<(), BusError> {
        for chunk in bytes.chunks(LINE_BYTES) {
            self.line.clear();
            self.line.push(tag);
            for b in chunk {
                let _ = write!(self.line, " {b:02X}");
            }
            self.line.push('\n');
            self.write_line()?;
        }
        Ok(())
    }

    fn note(&mut self, note: std::fmt::Arguments) -> Result<(), BusError> {
        self.line.clear();
        let _ = writeln!(self.line, "# {note}");
        self.write_line()
    }

    fn write_line(&mut self) -> Result<(), BusError> {
        self.out
            .write_all(self.line.as_bytes())
            .map_err(|e| BusError::Write {
                what: self.what.clone(),
                reason: e.to_string(),
            })
    }
}

impl<W: Write + Send> Bus for CaptureBus<W> {
    fn describe(&self) -> String {
        self.what.clone()
    }

    fn command(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.lines('C', bytes)
    }

    fn data(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.lines('D', bytes)
    }

    fn reset(&mut self) -> Result<(), BusError> {
        self.note(format_args!("reset"))
    }

    fn backlight(&mut self, on: bool) -> Result<(), BusError> {
        self.note(format_args!("backlight {}", if on { "on" } else { "off" }))
    }

    fn backlight_level(&mut self, level: u8) -> Result<(), BusError> {
        self.note(format_args!("backlight {level}"))
    }

    fn delay_ms(&mut self, ms: u32) {
        let _ = self.note(format_args!("delay {ms}"));
    }

    fn wait_busy(&mut self, busy: BusyWait) -> Result<(), BusError> {
        self.note(format_args!("busy {}", busy.max_ms))
    }

    fn flush(&mut self) -> Result<(), BusError> {
        self.out.flush().map_err(|e| BusError::Write {
            what: self.what.clone(),
            reason: e.to_string(),
        })
    }
}

/// One transfer read back from a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transfer {
    /// Command bytes.
    Command(Vec<u8>),
    /// Data bytes.
    Data(Vec<u8>),
    /// A reset pulse.
    Reset,
}

/// A capture line that could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {message}")]
pub struct CaptureError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// Reads a capture's text back into transfers (notes other than `# reset` are skipped).
pub fn parse_capture(text: &str) -> Result<Vec<Transfer>, CaptureError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(note) = line.strip_prefix('#') {
            if note.trim() == "reset" {
                out.push(Transfer::Reset);
            }
            continue;
        }
        let err = |message: String| CaptureError {
            line: i + 1,
            message,
        };
        // The tag is one character, which need not be ASCII in a broken file.
        let mut chars = line.chars();
        let tag = chars.next().map(String::from).unwrap_or_default();
        let rest = chars.as_str();
        let tag = tag.as_str();
        let mut bytes = Vec::new();
        for tok in rest.split_whitespace() {
            if tok.len() % 2 != 0 {
                return Err(err(format!("{tok:?} is not whole hex bytes")));
            }
            for k in (0..tok.len()).step_by(2) {
                let b = tok
                    .get(k..k + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| err(format!("{tok:?} is not hex")))?;
                bytes.push(b);
            }
        }
        out.push(match tag {
            "C" | "c" => Transfer::Command(bytes),
            "D" | "d" => Transfer::Data(bytes),
            _ => return Err(err(format!("expected a C or D line, found {line:?}"))),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_reads_back_as_written() {
        let mut bus = CaptureBus::new(Vec::new(), "memory".into());
        bus.reset().unwrap();
        bus.command(&[0xAE, 0x81, 0x7F]).unwrap();
        bus.delay_ms(10);
        bus.wait_busy(BusyWait {
            level: true,
            max_ms: 500,
        })
        .unwrap();
        let data: Vec<u8> = (0..70).collect();
        bus.data(&data).unwrap();
        let text = String::from_utf8(bus.into_inner()).unwrap();
        assert!(text.starts_with("# reset\nC AE 81 7F\n# delay 10\n# busy 500\nD 00 01"));
        assert_eq!(text.lines().filter(|l| l.starts_with('D')).count(), 3);
        let back = parse_capture(&text).unwrap();
        assert_eq!(back[0], Transfer::Reset);
        assert_eq!(back[1], Transfer::Command(vec![0xAE, 0x81, 0x7F]));
        let joined: Vec<u8> = back[2..]
            .iter()
            .flat_map(|t| match t {
                Transfer::Data(d) => d.clone(),
                _ => Vec::new(),
            })
            .collect();
        assert_eq!(joined, data);
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        assert_eq!(
            parse_capture("C AE\nX 00").unwrap_err().line,
            2,
            "unknown tag"
        );
        assert_eq!(parse_capture("D 0G").unwrap_err().line, 1);
        assert_eq!(
            parse_capture("D 0a0b").unwrap(),
            vec![Transfer::Data(vec![10, 11])]
        );
    }

    #[test]
    fn a_non_ascii_line_is_an_error_not_a_panic() {
        let err = parse_capture("C AE\né 00 11\n").map(|_| ());
        let e = err.expect_err("not a capture line");
        assert_eq!(e.line, 2);
        assert!(parse_capture("D é1 00").is_err());
    }
}
