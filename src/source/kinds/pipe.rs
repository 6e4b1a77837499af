//! A child's output pipe read by a helper thread that can be let go: once the program
//! itself has exited, [`Release::release`] makes the reader take what the pipe holds and
//! then see the end of input, even while a descendant that escaped the process group
//! (`setsid`) keeps the pipe open. So the reader thread always ends. A read sleeps until
//! the pipe or the release has something (no waking in slices).

use std::io::{PipeReader, PipeWriter, Read, Write};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

/// Most bytes read after the release (a descendant writing without end cannot keep the
/// reader going).
const AFTER_RELEASE: usize = 1 << 20;

#[derive(Debug)]
struct Inner {
    released: AtomicBool,
    /// Readable once released (a byte is written and never read).
    signal: Option<PipeReader>,
    writer: Mutex<Option<PipeWriter>>,
}

/// Lets the readers of a run's pipes go (shared by its stdout and stderr readers).
#[derive(Debug, Clone)]
pub struct Release(Arc<Inner>);

impl Default for Release {
    fn default() -> Self {
        let (signal, writer) = match std::io::pipe() {
            Ok((r, w)) => (Some(r), Some(w)),
            Err(e) => {
                log::warn!("no pipe to let readers go ({e}); they end with their input");
                (None, None)
            }
        };
        Release(Arc::new(Inner {
            released: AtomicBool::new(false),
            signal,
            writer: Mutex::new(writer),
        }))
    }
}

impl Release {
    /// From now on the readers end at the first moment their pipe is empty.
    pub fn release(&self) {
        if self.0.released.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Ok(mut w) = self.0.writer.lock()
            && let Some(mut w) = w.take()
        {
            let _ = w.write_all(&[1]);
        }
    }

    fn released(&self) -> bool {
        self.0.released.load(Ordering::SeqCst)
    }
}

/// A pipe whose reads end (read 0) once released and empty.
#[derive(Debug)]
pub struct ReleasablePipe<R> {
    inner: R,
    release: Release,
    after: usize,
}

impl<R: Read + AsFd> ReleasablePipe<R> {
    /// `inner`, read until its end or until `release` is released and the pipe is empty.
    pub fn new(inner: R, release: Release) -> Self {
        Self {
            inner,
            release,
            after: 0,
        }
    }

    /// Waits until the pipe has data (or its end) or, unless `now`, the release comes;
    /// true when the pipe is ready.
    fn ready(&self, now: bool) -> std::io::Result<bool> {
        let data = PollFd::new(self.inner.as_fd(), PollFlags::POLLIN);
        let timeout = if now {
            PollTimeout::ZERO
        } else {
            PollTimeout::NONE
        };
        let result = match self.release.0.signal.as_ref() {
            Some(signal) if !now => {
                let mut fds = [data, PollFd::new(signal.as_fd(), PollFlags::POLLIN)];
                poll(&mut fds, timeout).map(|_| fds[0].any().unwrap_or(false))
            }
            _ => {
                let mut fds = [data];
                poll(&mut fds, timeout).map(|_| fds[0].any().unwrap_or(false))
            }
        };
        match result {
            Ok(ready) => Ok(ready),
            Err(nix::errno::Errno::EINTR) => Ok(false),
            Err(e) => Err(std::io::Error::from(e)),
        }
    }
}

impl<R: Read + AsFd> Read for ReleasablePipe<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.release.released() {
                if self.after >= AFTER_RELEASE || !self.ready(true)? {
                    return Ok(0);
                }
                let n = self.inner.read(buf)?;
                self.after += n;
                return Ok(n);
            }
            if self.ready(false)? {
                return self.inner.read(buf);
            }
        }
    }
}
