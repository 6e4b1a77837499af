//! A source thread's stop signal that it can sleep on.
//!
//! A source waits most of its life: for its next poll, for a poll's answer, for a line
//! from its program. Waiting in short slices to look at a stop flag would wake the thread
//! a hundred times a second for nothing (on a virtual machine each wake costs tens of µs,
//! more than a whole tick of the engine). So a source waits on this signal instead: it
//! sleeps until its deadline, until it is stopped, or until the thread feeding it calls
//! [`Stop::wake`] — and wakes only when it has work.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A stop flag that wakes the threads (and async tasks) waiting on it when it is set.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    stopped: AtomicBool,
    /// Counts [`Stop::wake`] and [`Stop::stop`] calls; waiters sleep while it is unchanged.
    wakes: Mutex<u64>,
    changed: Condvar,
    stopped_async: tokio::sync::Notify,
}

/// What ended a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woken {
    /// The source is told to stop.
    Stopped,
    /// The deadline passed.
    Deadline,
    /// [`Stop::wake`] was called since the count was taken: there may be work.
    Work,
}

impl Stop {
    /// A signal not yet set.
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Tells the source to stop and wakes everything waiting on it.
    pub fn stop(&self) {
        self.0.stopped.store(true, Ordering::SeqCst);
        self.wake();
        self.0.stopped_async.notify_waiters();
    }

    /// True once [`Stop::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.0.stopped.load(Ordering::SeqCst)
    }

    /// Wakes a thread waiting in [`Stop::wait`] (a producer calls it after handing over
    /// work: a line read, a poll's answer).
    pub fn wake(&self) {
        *self.lock() += 1;
        self.0.changed.notify_all();
    }

    /// The wake count now: take it before looking for work, then [`Stop::wait`] with it,
    /// so a wake between the look and the wait is not lost.
    pub fn wakes(&self) -> u64 {
        *self.lock()
    }

    /// Sleeps until stopped, until `deadline` (None: no deadline), or until a wake after
    /// `seen` (a count from [`Stop::wakes`]).
    pub fn wait(&self, seen: u64, deadline: Option<Instant>) -> Woken {
        let mut wakes = self.lock();
        loop {
            if self.is_stopped() {
                return Woken::Stopped;
            }
            if *wakes != seen {
                return Woken::Work;
            }
            let now = Instant::now();
            wakes = match deadline {
                Some(d) if now >= d => return Woken::Deadline,
                Some(d) => {
                    self.0
                        .changed
                        .wait_timeout(wakes, d - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .0
                    .changed
                    .wait(wakes)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }

    /// Sleeps until `deadline` or until stopped; false if stopped.
    pub fn sleep_until(&self, deadline: Instant) -> bool {
        loop {
            match self.wait(self.wakes(), Some(deadline)) {
                Woken::Stopped => return false,
                Woken::Deadline => return true,
                Woken::Work => {}
            }
        }
    }

    /// Sleeps for `d` or until stopped; false if stopped.
    pub fn sleep(&self, d: Duration) -> bool {
        self.sleep_until(Instant::now() + d)
    }

    /// Completes once the source is told to stop (for sources on the async runtime).
    pub async fn stopped(&self) {
        loop {
            let notified = self.0.stopped_async.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if self.is_stopped() {
                return;
            }
            notified.await;
        }
    }

    fn lock(&self) -> MutexGuard<'_, u64> {
        self.0.wakes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn a_sleep_ends_at_once_when_stopped_from_another_thread() {
        let stop = Stop::new();
        let other = stop.clone();
        let t = thread::spawn(move || {
            let started = Instant::now();
            let finished = other.sleep(Duration::from_secs(60));
            (finished, started.elapsed())
        });
        thread::sleep(Duration::from_millis(50));
        stop.stop();
        let (finished, took) = t.join().expect("the sleeper");
        assert!(!finished, "the sleep reports the stop");
        assert!(
            took < Duration::from_secs(30),
            "it did not sleep out its minute"
        );
    }

    #[test]
    fn a_wake_after_the_count_was_taken_is_not_lost() {
        let stop = Stop::new();
        let seen = stop.wakes();
        stop.wake();
        let deadline = Instant::now() + Duration::from_secs(60);
        assert_eq!(stop.wait(seen, Some(deadline)), Woken::Work);
        assert_eq!(
            stop.wait(stop.wakes(), Some(Instant::now())),
            Woken::Deadline
        );
        stop.stop();
        assert_eq!(stop.wait(stop.wakes(), None), Woken::Stopped);
        assert!(stop.is_stopped() && !stop.sleep(Duration::from_secs(60)));
    }

    #[test]
    fn an_async_wait_completes_on_stop() {
        let stop = Stop::new();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        let other = stop.clone();
        let setter = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            other.stop();
        });
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(30), stop.stopped())
                .await
                .expect("stopped before the timeout");
        });
        setter.join().expect("the setter");
        // Already stopped: completes at once.
        rt.block_on(stop.stopped());
    }
}
