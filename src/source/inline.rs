//! Poll sources that never block, polled by the engine's tick thread when they are due
//! instead of on a thread of their own: a clock costs no thread and no wake but the
//! engine's own.
//!
//! The data layer owns one [`InlinePolls`] and enters it ([`InlinePolls::enter`]) while
//! it starts sources: [`spawn_poll`](super::spawn_poll) then hands it every source whose
//! [`PollSource::never_blocks`] is true. The first attempt runs at once, so the first
//! tick has its values; each tick then runs the attempts that are due
//! ([`InlinePolls::poll_due`]) and a tickless runner sleeps until the next is
//! ([`InlinePolls::next_due`]). What an attempt reports goes the way a thread's would:
//! into the sources' channel, which the same tick's ingest drains.

use std::cell::RefCell;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::policy::Policy;
use super::reporter::Reporter;
use super::runner::{PollLoop, SourceHandle};
use super::{Message, PollSource, Stop};

/// One source polled on the tick thread.
struct Entry {
    polls: PollLoop,
    stop: Stop,
    /// When its next attempt is due.
    due: Instant,
}

/// The sources polled on the engine's tick thread (cheap to clone: one shared list).
#[derive(Clone, Default)]
pub struct InlinePolls(Arc<Mutex<Vec<Entry>>>);

impl std::fmt::Debug for InlinePolls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InlinePolls({} sources)", self.lock().len())
    }
}

thread_local! {
    /// The list sources started on this thread join (see [`InlinePolls::enter`]).
    static HOST: RefCell<Option<InlinePolls>> = const { RefCell::new(None) };
}

/// While alive, poll sources that never block started on this thread join an
/// [`InlinePolls`]; dropping it restores what was entered before.
#[must_use = "sources join the list only while this is alive"]
pub struct Entered(Option<InlinePolls>);

impl Drop for Entered {
    fn drop(&mut self) {
        let before = self.0.take();
        HOST.with(|h| *h.borrow_mut() = before);
    }
}

impl InlinePolls {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes poll sources that never block, started on this thread until the guard is
    /// dropped, join this list instead of starting a thread.
    pub fn enter(&self) -> Entered {
        Entered(HOST.with(|h| h.borrow_mut().replace(self.clone())))
    }

    /// The list entered on this thread, if any.
    pub(super) fn current() -> Option<InlinePolls> {
        HOST.with(|h| h.borrow().clone())
    }

    /// Takes `source` on: its first attempt runs now; the handle stops it.
    pub(super) fn adopt(
        &self,
        name: &str,
        source: Box<dyn PollSource>,
        policy: Policy,
        tx: Sender<Message>,
    ) -> SourceHandle {
        let stop = Stop::new();
        let handle = SourceHandle::inline(name, stop.clone());
        let reporter = Reporter::new(name, tx, stop.clone());
        let Some(mut polls) = PollLoop::new(source, policy, reporter) else {
            stop.stop();
            return handle;
        };
        let now = Instant::now();
        match polls.attempt(now, &stop) {
            Some(due) => self.lock().push(Entry { polls, stop, due }),
            None => stop.stop(),
        }
        handle
    }

    /// Runs the attempts due at `now`; drops the sources stopped or given up.
    pub fn poll_due(&self, now: Instant) {
        let mut entries = self.lock();
        entries.retain_mut(|e| {
            if e.stop.is_stopped() {
                return false;
            }
            if e.due > now {
                return true;
            }
            // The interval counts from when the attempt was due, not from the tick that
            // ran it (up to a tick later), so a clock's seconds do not drift and skip;
            // after a stall longer than the interval it counts from now.
            match e.polls.attempt(e.due, &e.stop) {
                Some(next) if next > now => e.due = next,
                Some(next) => e.due = now + next.saturating_duration_since(e.due),
                None => e.stop.stop(),
            }
            !e.stop.is_stopped()
        });
    }

    /// When the earliest attempt is due; `None` when no source is polled here.
    pub fn next_due(&self) -> Option<Instant> {
        self.lock()
            .iter()
            .filter(|e| !e.stop.is_stopped())
            .map(|e| e.due)
            .min()
    }

    /// True when no source is polled here.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;
    use std::time::Duration;

    use super::*;
    use crate::source::{SourceError, Value, spawn_poll};

    /// Counts its polls, and says which thread ran them.
    struct Counter(u64);

    impl PollSource for Counter {
        fn poll(&mut self) -> Result<Vec<(String, Value)>, SourceError> {
            self.0 += 1;
            let thread = std::thread::current().name().unwrap_or("").to_owned();
            Ok(vec![
                ("n".to_owned(), Value::from(self.0)),
                ("thread".to_owned(), Value::from(thread)),
            ])
        }

        fn never_blocks(&self) -> bool {
            true
        }
    }

    fn values(rx: &std::sync::mpsc::Receiver<Message>) -> Vec<(String, Value)> {
        rx.try_iter()
            .filter_map(|m| match m {
                Message::Set { key, value } => Some((key, value)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_source_that_never_blocks_is_polled_here_at_its_interval_without_drift() {
        let polls = InlinePolls::default();
        let (tx, rx) = channel();
        let policy = Policy {
            interval_ms: 1000,
            ..Policy::default()
        };
        let handle = {
            let _here = polls.enter();
            spawn_poll("count", Box::new(Counter(0)), policy, tx)
        };
        // Its first attempt ran at once, on this thread.
        let here = std::thread::current().name().unwrap_or("").to_owned();
        assert_eq!(
            values(&rx),
            vec![
                ("n".to_owned(), Value::from(1)),
                ("thread".to_owned(), Value::from(here)),
            ]
        );
        assert!(handle.is_running());
        let Some(due) = polls.next_due() else {
            panic!("the next attempt is due")
        };
        polls.poll_due(due - Duration::from_millis(1));
        assert!(values(&rx).is_empty(), "nothing before it is due");
        // Run 30 ms late (a tick after it was due): the next is due an interval after
        // the due instant, not after the late run.
        polls.poll_due(due + Duration::from_millis(30));
        assert_eq!(values(&rx)[0], ("n".to_owned(), Value::from(2)));
        assert_eq!(polls.next_due(), Some(due + Duration::from_millis(1000)));
        // After a stall longer than the interval it counts from the run.
        let late = due + Duration::from_millis(5000);
        polls.poll_due(late);
        assert_eq!(values(&rx)[0], ("n".to_owned(), Value::from(3)));
        assert_eq!(polls.next_due(), Some(late + Duration::from_millis(1000)));
        handle.stop();
        polls.poll_due(late + Duration::from_secs(10));
        assert!(values(&rx).is_empty(), "a stopped source is not polled");
        assert!(polls.is_empty());
    }

    #[test]
    fn a_clock_is_polled_just_after_each_second_begins() {
        let polls = InlinePolls::default();
        let (tx, _rx) = channel();
        let clock = crate::source::ClockSource::new(crate::source::ClockConfig::default())
            .expect("the local zone");
        let _handle = {
            let _here = polls.enter();
            spawn_poll("clock", Box::new(clock), Policy::default(), tx)
        };
        let Some(due) = polls.next_due() else {
            panic!("the next reading is due")
        };
        // The wall-clock time of the due instant: a few ms past a whole second.
        let wall = std::time::SystemTime::now() + due.saturating_duration_since(Instant::now());
        let ms = wall
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_millis());
        assert!((1..150).contains(&ms), "due {ms} ms into its second");
    }

    #[test]
    fn outside_the_engine_it_runs_on_a_thread_of_its_own() {
        let (tx, rx) = channel();
        let handle = spawn_poll("count", Box::new(Counter(0)), Policy::default(), tx);
        let got = rx.recv_timeout(Duration::from_secs(10));
        let got = rx.recv_timeout(Duration::from_secs(10)).map(|m| (got, m));
        handle.stop();
        assert!(
            matches!(&got, Ok((_, Message::Set { key, value })) if key == "thread" && value == "src-count"),
            "{got:?}"
        );
    }
}
