//! Reading a run's stdout and stderr on the calling thread, without blocking: the pipes
//! are read while the program runs and once more when it has exited, and then dropped.
//! A descendant that escaped the process group (`setsid`) and still holds the pipes is
//! not waited for, and no reader thread is left behind.

use std::io::{ErrorKind, Read};
use std::os::fd::AsFd;
use std::process::{Child, ChildStderr, ChildStdout, ExitStatus};
use std::time::{Duration, Instant};

use nix::fcntl::{FcntlArg, OFlag, fcntl};

use super::child::kill_group;
use crate::source::SourceError;

/// One pipe being read: what was kept, whether it ended.
struct Pipe<R> {
    reader: Option<R>,
    bytes: Vec<u8>,
    max: usize,
    /// More than `max` bytes came.
    over: bool,
}

impl<R: Read + AsFd> Pipe<R> {
    fn new(reader: R, max: usize) -> std::io::Result<Pipe<R>> {
        let flags = fcntl(&reader, FcntlArg::F_GETFL).map_err(std::io::Error::from)?;
        let flags = OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK;
        fcntl(&reader, FcntlArg::F_SETFL(flags)).map_err(std::io::Error::from)?;
        Ok(Pipe {
            reader: Some(reader),
            bytes: Vec::new(),
            max,
            over: false,
        })
    }

    /// Reads what the pipe holds now (at most `max` bytes more than were kept, so a
    /// writer that never stops cannot keep this going); true when something came.
    fn read_ready(&mut self) -> std::io::Result<bool> {
        let Some(reader) = self.reader.as_mut() else {
            return Ok(false);
        };
        let mut chunk = [0u8; 8192];
        let mut got = false;
        let mut budget = self.max.saturating_add(chunk.len());
        loop {
            match reader.read(&mut chunk) {
                Ok(0) => {
                    self.reader = None;
                    return Ok(got);
                }
                Ok(n) => {
                    got = true;
                    if self.bytes.len() + n > self.max {
                        self.over = true;
                    } else {
                        self.bytes.extend_from_slice(&chunk[..n]);
                    }
                    budget = budget.saturating_sub(n);
                    if budget == 0 {
                        return Ok(got);
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(got),
                Err(e) => {
                    self.reader = None;
                    return Err(e);
                }
            }
        }
    }
}

/// What a run wrote and how it ended.
#[derive(Debug, Default)]
pub struct RunOutput {
    /// Its exit status; None when it was killed (timed out, or wrote too much).
    pub status: Option<ExitStatus>,
    /// Its standard output (up to the limit).
    pub stdout: Vec<u8>,
    /// The start of its standard error.
    pub stderr: Vec<u8>,
    /// It wrote more than the limit to stdout (it was killed then).
    pub over: bool,
}

/// Reads `stdout` (up to `max_out` bytes; past it the group is killed) and `stderr` (the
/// first `max_err` bytes kept, the rest drained) until `child` exits and what it wrote is
/// read, or `deadline` passes (the group is killed). The pipes are closed on return.
pub fn run_to_exit(
    child: &mut Child,
    program: &str,
    (stdout, stderr): (ChildStdout, ChildStderr),
    (max_out, max_err): (usize, usize),
    deadline: Instant,
) -> Result<RunOutput, SourceError> {
    let io = |source| SourceError::Io {
        context: format!("reading the output of {program}"),
        source,
    };
    let (mut out, mut err) = match (Pipe::new(stdout, max_out), Pipe::new(stderr, max_err)) {
        (Ok(o), Ok(e)) => (o, e),
        (Err(e), _) | (_, Err(e)) => {
            kill_group(child);
            return Err(io(e));
        }
    };
    loop {
        let read = out.read_ready().and_then(|a| Ok(a | err.read_ready()?));
        let got = match read {
            Ok(got) => got,
            Err(e) => {
                kill_group(child);
                return Err(io(e));
            }
        };
        if out.over {
            kill_group(child);
            return Ok(RunOutput {
                over: true,
                ..RunOutput::default()
            });
        }
        let status = match child.try_wait() {
            Ok(s) => s,
            Err(source) => {
                kill_group(child);
                return Err(SourceError::Io {
                    context: format!("waiting for {program}"),
                    source,
                });
            }
        };
        if let Some(status) = status {
            // It has exited: everything it wrote is in the pipes now. Read that, and
            // stop (whatever it left running may hold the pipes for ever).
            let last = out.read_ready().and_then(|_| err.read_ready());
            if let Err(e) = last {
                kill_group(child);
                return Err(io(e));
            }
            return Ok(RunOutput {
                status: Some(status),
                over: out.over,
                stdout: std::mem::take(&mut out.bytes),
                stderr: std::mem::take(&mut err.bytes),
            });
        }
        if Instant::now() >= deadline {
            kill_group(child);
            return Ok(RunOutput::default());
        }
        if !got {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
