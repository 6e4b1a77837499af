//! The threads that run sources under their [`Policy`] and report to the engine.
//!
//! A poll source lives on a worker thread; the scheduling thread asks it for one attempt
//! at a time and waits at most the policy's timeout for the answer, so a hung source
//! counts as a failure instead of stalling its schedule. A stream source runs on the
//! scheduling thread itself and is restarted with backoff whenever it returns.
//! Every wait is on the source's [`Stop`] signal, so a source thread sleeps until its
//! next poll, an answer or a stop, and stopping is prompt.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::policy::{Policy, PolicyState, XorShift};
use super::reporter::Reporter;
use super::{Message, PROBLEM_KEY, PollSource, SourceError, Stop, StreamSource, Value, Woken};

/// Extra time the scheduler gives a poll beyond the timeout, so a source that enforces
/// the timeout itself (a command it kills, an HTTP client) reports its own, clearer error.
const GRACE: Duration = Duration::from_millis(100);

/// A running source: its thread, stopped cleanly on `stop()` or drop.
#[derive(Debug)]
pub struct SourceHandle {
    name: String,
    stop: Stop,
    thread: Option<JoinHandle<()>>,
    /// Polled on the engine's tick thread (see [`super::inline`]): no thread of its own.
    inline: bool,
}

impl SourceHandle {
    /// The handle of a source polled on the tick thread, stopped through `stop`.
    pub(super) fn inline(name: &str, stop: Stop) -> SourceHandle {
        SourceHandle {
            name: name.to_owned(),
            stop,
            thread: None,
            inline: true,
        }
    }

    /// Stops the source and waits for its thread to end.
    pub fn stop(self) {
        drop(self);
    }

    /// Tells the source to stop at once and joins its thread on a thread of its own, so
    /// the caller (a tick) does not wait for an attempt under way to return.
    pub fn stop_detached(mut self) {
        self.stop.stop();
        if let Some(thread) = self.thread.take() {
            let name = self.name.clone();
            let joiner = spawn_named(format!("stop-{name}"), move || {
                if thread.join().is_err() {
                    log::error!("source {name}: its thread panicked");
                }
            });
            if let Err(e) = joiner {
                log::warn!(
                    "source {}: cannot join its thread in the background: {e}",
                    self.name
                );
            }
        }
    }

    /// The name the source was spawned with.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the source's thread is still running (it ends on stop or when the
    /// receiving end of the channel is gone).
    pub fn is_running(&self) -> bool {
        if self.inline {
            return !self.stop.is_stopped();
        }
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }
}

impl Drop for SourceHandle {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            log::error!("source {}: its thread panicked", self.name);
        }
    }
}

/// Starts a poll source on its own thread, sending to `tx`; one that never blocks joins
/// the engine's tick thread instead when the engine is starting it (see
/// [`super::inline`]).
pub fn spawn_poll(
    name: &str,
    source: Box<dyn PollSource>,
    policy: Policy,
    tx: Sender<Message>,
) -> SourceHandle {
    if source.never_blocks()
        && let Some(host) = super::inline::InlinePolls::current()
    {
        return host.adopt(name, source, policy, tx);
    }
    start(name, tx, move |reporter, flag| {
        run_poll(source, policy, reporter, flag)
    })
}

/// Starts a stream source; when `run` returns (ended or failed) it is restarted with
/// exponential backoff; exits are counted in `failures` and logged.
pub fn spawn_stream(
    name: &str,
    source: Box<dyn StreamSource>,
    policy: Policy,
    tx: Sender<Message>,
) -> SourceHandle {
    start(name, tx, move |reporter, flag| {
        run_stream(source, policy, reporter, flag)
    })
}

/// Runs `body` on a thread named after the source, with its reporter and stop flag.
fn start(
    name: &str,
    tx: Sender<Message>,
    body: impl FnOnce(Reporter, &Stop) + Send + 'static,
) -> SourceHandle {
    let stop = Stop::new();
    let reporter = Reporter::new(name, tx, stop.clone());
    let flag = stop.clone();
    let thread = spawn_named(format!("src-{name}"), move || body(reporter, &flag));
    handle(name, stop, thread)
}

fn spawn_named(
    thread_name: String,
    body: impl FnOnce() + Send + 'static,
) -> std::io::Result<JoinHandle<()>> {
    thread::Builder::new().name(thread_name).spawn(body)
}

fn handle(name: &str, stop: Stop, thread: std::io::Result<JoinHandle<()>>) -> SourceHandle {
    let thread = match thread {
        Ok(t) => Some(t),
        Err(e) => {
            log::error!("source {name}: cannot start its thread: {e}");
            None
        }
    };
    SourceHandle {
        name: name.to_owned(),
        stop,
        thread,
        inline: false,
    }
}

/// Slack after a wall-clock multiple, so an aligned poll never runs just before the
/// second it is meant to show (the monotonic and wall clocks can disagree by a little).
const ALIGN_SLACK: Duration = Duration::from_millis(2);

/// The instant just after the next wall-clock multiple of `every_ms` after `now` (whole
/// seconds for 1000, whole minutes for 60000, counted from the Unix epoch).
fn next_wall_multiple(every_ms: u64, now: SystemTime) -> Instant {
    let every = u128::from(every_ms.max(1));
    let since = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let wait = u64::try_from(every - since % every).unwrap_or(every_ms);
    Instant::now() + Duration::from_millis(wait) + ALIGN_SLACK
}

/// Milliseconds since `base`, the clock the policy state machine is driven with.
fn millis_since(base: Instant) -> u64 {
    u64::try_from(base.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The text of a caught panic.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

type PollResult = Result<Vec<(String, Value)>, SourceError>;

/// The thread that owns a poll source and runs one attempt per request.
struct PollWorker {
    requests: Option<Sender<()>>,
    results: Receiver<PollResult>,
    busy: bool,
    thread: Option<JoinHandle<()>>,
}

impl PollWorker {
    /// Starts the worker; it wakes `stop`'s waiter whenever it hands over an answer.
    fn start(name: &str, mut source: Box<dyn PollSource>, stop: Stop) -> std::io::Result<Self> {
        let (req_tx, req_rx) = mpsc::channel::<()>();
        let (res_tx, res_rx) = mpsc::channel();
        let thread = spawn_named(format!("src-{name}-poll"), move || {
            while req_rx.recv().is_ok() {
                let result = catch_unwind(AssertUnwindSafe(|| source.poll()))
                    .unwrap_or_else(|payload| Err(SourceError::Panicked(panic_text(&*payload))));
                if res_tx.send(result).is_err() {
                    break;
                }
                stop.wake();
            }
        })?;
        Ok(Self {
            requests: Some(req_tx),
            results: res_rx,
            busy: false,
            thread: Some(thread),
        })
    }

    /// One attempt, waiting at most `timeout` (plus a little grace); `None` if stopped.
    fn attempt(&mut self, timeout: Duration, stop: &Stop) -> Option<PollResult> {
        if self.busy {
            match self.results.try_recv() {
                Ok(_stale) => self.busy = false,
                Err(TryRecvError::Empty) => return Some(Err(SourceError::Busy)),
                Err(TryRecvError::Disconnected) => return Some(Err(worker_gone())),
            }
        }
        let sent = self.requests.as_ref().is_some_and(|r| r.send(()).is_ok());
        if !sent {
            return Some(Err(worker_gone()));
        }
        self.busy = true;
        let deadline = Instant::now() + timeout + GRACE;
        loop {
            let seen = stop.wakes();
            match self.results.try_recv() {
                Ok(result) => {
                    self.busy = false;
                    return Some(result);
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => return Some(Err(worker_gone())),
            }
            match stop.wait(seen, Some(deadline)) {
                Woken::Stopped => return None,
                Woken::Deadline => {
                    return Some(Err(SourceError::Timeout {
                        ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                    }));
                }
                Woken::Work => {}
            }
        }
    }

    /// Ends the worker: joins it if its current attempt finishes within `grace`,
    /// otherwise leaves it to end on its own when that attempt returns.
    fn shutdown(mut self, name: &str, grace: Duration) {
        self.requests = None;
        let Some(thread) = self.thread.take() else {
            return;
        };
        let deadline = Instant::now() + grace;
        while !thread.is_finished() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(2));
        }
        if thread.is_finished() {
            let _ = thread.join();
        } else {
            log::warn!("source {name}: an attempt is still running at stop; leaving it behind");
        }
    }
}

/// Where a poll source's attempts run: on its own thread (one that never blocks) or on a
/// worker that times them out.
enum Poller {
    /// Polled right here.
    Inline(Box<dyn PollSource>),
    /// Polled by a worker thread.
    Worker(PollWorker),
}

impl Poller {
    /// One attempt (see [`PollWorker::attempt`]); `None` if stopped.
    fn attempt(&mut self, timeout: Duration, stop: &Stop) -> Option<PollResult> {
        match self {
            Poller::Inline(source) => {
                if stop.is_stopped() {
                    return None;
                }
                Some(
                    catch_unwind(AssertUnwindSafe(|| source.poll())).unwrap_or_else(|payload| {
                        Err(SourceError::Panicked(panic_text(&*payload)))
                    }),
                )
            }
            Poller::Worker(w) => w.attempt(timeout, stop),
        }
    }

    /// Ends the worker, if there is one.
    fn shutdown(self, name: &str, grace: Duration) {
        if let Poller::Worker(w) = self {
            w.shutdown(name, grace);
        }
    }
}

fn worker_gone() -> SourceError {
    SourceError::Panicked("the poll worker thread is gone".to_owned())
}

/// Whether a flattened key lies inside an array (one of its segments is an index).
fn is_array_item(key: &str) -> bool {
    key.split('.')
        .skip(1)
        .any(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()))
}

fn run_poll(source: Box<dyn PollSource>, policy: Policy, reporter: Reporter, stop: &Stop) {
    let Some(mut polls) = PollLoop::new(source, policy, reporter) else {
        return;
    };
    while !stop.is_stopped() {
        let Some(next) = polls.attempt(Instant::now(), stop) else {
            break;
        };
        if !stop.sleep_until(next) {
            break;
        }
    }
    polls.shutdown();
}

/// A poll source under its policy: one attempt at a time, each reported (values, removed
/// array items, health) and followed by the instant of the next (the interval after a
/// success, the backoff after a failure). Its thread's loop, or the engine's tick thread
/// for a source that never blocks (see [`super::inline`]), drives it.
pub(super) struct PollLoop {
    worker: Poller,
    reporter: Reporter,
    name: String,
    timeout: Duration,
    base: Instant,
    give_up: Policy,
    state: PolicyState,
    array_keys: HashSet<String>,
    /// Polls fall on wall-clock multiples of the interval ([`PollSource::wall_aligned`]).
    aligned: bool,
}

impl PollLoop {
    /// Ready to poll `source`; `None` (reported as its health) when its worker thread
    /// cannot start.
    pub(super) fn new(
        source: Box<dyn PollSource>,
        policy: Policy,
        mut reporter: Reporter,
    ) -> Option<PollLoop> {
        reporter.max_value_bytes = policy.max_value_bytes;
        let name = reporter.name.clone();
        let timeout = Duration::from_millis(policy.timeout_ms.max(1));
        let aligned = source.wall_aligned();
        let worker = if source.never_blocks() {
            Poller::Inline(source)
        } else {
            match PollWorker::start(&name, source, reporter.stop.clone()) {
                Ok(w) => Poller::Worker(w),
                Err(e) => {
                    log::error!("source {name}: cannot start its worker thread: {e}");
                    reporter.failed(format!("cannot start its worker thread: {e}"), 1);
                    return None;
                }
            }
        };
        Some(PollLoop {
            worker,
            reporter,
            timeout,
            base: Instant::now(),
            give_up: policy.clone(),
            state: PolicyState::new(policy, XorShift::seed_from(&name)),
            name,
            array_keys: HashSet::new(),
            aligned,
        })
    }

    /// One attempt begun at `started` (the instant it was due, for a drift-free interval),
    /// reported; the instant the next is due, or `None` when the source stopped or gave
    /// up.
    pub(super) fn attempt(&mut self, started: Instant, stop: &Stop) -> Option<Instant> {
        let name = &self.name;
        let probing = self.state.breaker_tripped();
        let result = self.worker.attempt(self.timeout, stop)?;
        match result {
            Ok(updates) => {
                let mut refused = None;
                let mut arrays = HashSet::new();
                let had_updates = !updates.is_empty();
                for (key, value) in updates {
                    if is_array_item(&key) {
                        arrays.insert(key.clone());
                    }
                    if let Err(why) = self.reporter.checked_set(key, value) {
                        refused = Some(why);
                    }
                }
                // Array items the last result had and this one has not are gone (an
                // empty result is no news, like an unchanged file, not an empty array).
                if !arrays.is_empty() || (!self.array_keys.is_empty() && had_updates) {
                    for gone in self.array_keys.difference(&arrays) {
                        self.reporter.remove(gone.clone());
                    }
                    self.array_keys = arrays;
                }
                if probing {
                    log::info!("source {name}: probe succeeded, circuit closed");
                }
                let delay = self.state.on_success(millis_since(self.base));
                match refused {
                    Some(why) => self.reporter.problem(why, 0, true),
                    None => self.reporter.ok(0),
                }
                Some(if self.aligned {
                    next_wall_multiple(delay, SystemTime::now())
                } else {
                    started + Duration::from_millis(delay)
                })
            }
            Err(error) => {
                let delay = self.state.on_failure(millis_since(self.base));
                let failures = self.state.failures();
                if self.give_up.gives_up_after(failures) {
                    gave_up(&mut self.reporter, &error.to_string(), failures);
                    return None;
                }
                if self.state.breaker_tripped() {
                    log::warn!(
                        "source {name}: {error} ({failures} failures in a row); circuit open for {delay} ms"
                    );
                } else if failures == 1 {
                    log::warn!("source {name}: {error}; retrying in {delay} ms");
                } else {
                    log::debug!(
                        "source {name}: {error} (failure {failures}); retrying in {delay} ms"
                    );
                }
                self.reporter.failed(error.to_string(), failures);
                Some(Instant::now() + Duration::from_millis(delay))
            }
        }
    }

    /// Ends its worker, if it has one.
    pub(super) fn shutdown(self) {
        self.worker
            .shutdown(&self.name, self.timeout.min(Duration::from_millis(250)));
    }
}

/// Ends a source at its `max_attempts`: logged once, and its health says it stopped.
fn gave_up(reporter: &mut Reporter, error: &str, failures: u64) {
    log::error!(
        "source {}: {error}; gave up after {failures} attempts in a row (policy.max_attempts)",
        reporter.name
    );
    reporter.failed(
        format!("{error}; gave up after {failures} attempts (policy.max_attempts)"),
        failures,
    );
}

fn run_stream(
    mut source: Box<dyn StreamSource>,
    policy: Policy,
    mut reporter: Reporter,
    stop: &Stop,
) {
    reporter.max_value_bytes = policy.max_value_bytes;
    let name = reporter.name.clone();
    // A run that lasts this long counts as healthy: its exit restarts the backoff.
    let stable = Duration::from_millis(policy.backoff_max_ms.max(policy.backoff_initial_ms));
    let base = Instant::now();
    let give_up = policy.clone();
    let mut state = PolicyState::new(policy, XorShift::seed_from(&name));
    while !stop.is_stopped() {
        let started = Instant::now();
        let failures = state.failures();
        let result = {
            let reporter = &mut reporter;
            let mut emit = |key: String, value: Value| {
                if key == PROBLEM_KEY {
                    // The source logs its own problems (throttled); only health here.
                    let text = value.as_str().unwrap_or("a problem").to_owned();
                    reporter.problem(text, failures, false);
                    return;
                }
                if let Some(why) = reporter.oversize(&key, &value) {
                    reporter.problem(why, failures, true);
                    return;
                }
                if !reporter.holding_problem() {
                    reporter.ok(failures);
                }
                reporter.set(key, value);
            };
            catch_unwind(AssertUnwindSafe(|| source.run(&mut emit, stop)))
        };
        if stop.is_stopped() {
            break;
        }
        let error = match result {
            Ok(Ok(())) => "the stream ended".to_owned(),
            Ok(Err(e)) => e.to_string(),
            Err(payload) => SourceError::Panicked(panic_text(&*payload)).to_string(),
        };
        if started.elapsed() >= stable {
            state.on_success(millis_since(base));
        }
        let delay = state.on_failure(millis_since(base));
        let failures = state.failures();
        if give_up.gives_up_after(failures) {
            gave_up(&mut reporter, &error, failures);
            break;
        }
        if state.breaker_tripped() {
            log::warn!(
                "source {name}: {error} ({failures} exits in a row); circuit open, restart in {delay} ms"
            );
        } else {
            log::warn!("source {name}: {error} (exit {failures}); restart in {delay} ms");
        }
        reporter.failed(error, failures);
        if !stop.sleep(Duration::from_millis(delay)) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    fn fast_policy() -> Policy {
        Policy {
            interval_ms: 20,
            timeout_ms: 200,
            backoff_initial_ms: 20,
            backoff_max_ms: 80,
            backoff_factor: 2.0,
            jitter: 0.0,
            breaker_failures: 0,
            breaker_cooldown_ms: 1000,
            ..Policy::default()
        }
    }

    /// Succeeds with a counter; fails on every third call; hangs when told to.
    struct Counter {
        calls: Arc<AtomicU64>,
        hang: Arc<AtomicBool>,
    }

    impl PollSource for Counter {
        fn poll(&mut self) -> PollResult {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            if self.hang.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(600));
            }
            if n.is_multiple_of(3) {
                return Err(SourceError::Config(format!("call {n} fails")));
            }
            Ok(vec![("t.n".to_owned(), Value::from(n))])
        }
    }

    #[test]
    fn poll_sends_values_and_health_transitions() {
        let (tx, rx) = mpsc::channel();
        let calls = Arc::new(AtomicU64::new(0));
        let hang = Arc::new(AtomicBool::new(false));
        let src = Counter {
            calls: calls.clone(),
            hang: hang.clone(),
        };
        let handle = spawn_poll("t", Box::new(src), fast_policy(), tx);
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(3);
        while got.len() < 9 && Instant::now() < deadline {
            if let Ok(m) = rx.recv_timeout(Duration::from_millis(100)) {
                got.push(m);
            }
        }
        assert_eq!(handle.name(), "t");
        handle.stop();
        let set = |n: u64| Message::Set {
            key: "t.n".to_owned(),
            value: Value::from(n),
        };
        let health = |ok: bool, failures: u64| Message::Health {
            source: "t".to_owned(),
            ok,
            last_error: (!ok).then(|| "bad configuration: call 3 fails".to_owned()),
            failures,
        };
        assert_eq!(
            got[..6],
            [
                set(1),
                health(true, 0),
                set(2),
                health(false, 1),
                set(4),
                health(true, 0)
            ]
        );
    }

    /// A source that never blocks, noting the thread each poll runs on.
    struct Quick(Arc<std::sync::Mutex<Vec<String>>>);

    impl PollSource for Quick {
        fn poll(&mut self) -> Result<Vec<(String, Value)>, SourceError> {
            let name = std::thread::current().name().unwrap_or("").to_owned();
            if let Ok(mut seen) = self.0.lock() {
                seen.push(name);
            }
            Ok(vec![("q.n".to_owned(), Value::from(1))])
        }

        fn never_blocks(&self) -> bool {
            true
        }
    }

    #[test]
    fn a_poll_that_never_blocks_runs_on_the_source_thread() {
        let (tx, rx) = mpsc::channel();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let handle = spawn_poll("q", Box::new(Quick(seen.clone())), fast_policy(), tx);
        let first = rx.recv_timeout(Duration::from_secs(3));
        handle.stop();
        assert!(matches!(first, Ok(Message::Set { .. })), "{first:?}");
        let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
        assert_eq!(
            seen.first().map(String::as_str),
            Some("src-q"),
            "no worker thread"
        );
    }

    #[test]
    fn hung_poll_is_a_timeout_and_stop_is_prompt() {
        let (tx, rx) = mpsc::channel();
        let hang = Arc::new(AtomicBool::new(true));
        let src = Counter {
            calls: Arc::new(AtomicU64::new(0)),
            hang: hang.clone(),
        };
        let handle = spawn_poll("h", Box::new(src), fast_policy(), tx);
        let first = rx.recv_timeout(Duration::from_secs(2));
        match first {
            Ok(Message::Health {
                ok: false,
                last_error: Some(e),
                failures: 1,
                ..
            }) => assert!(e.contains("timed out after 200 ms"), "{e}"),
            other => panic!("expected a timeout health message, got {other:?}"),
        }
        let t = Instant::now();
        handle.stop();
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    }

    /// Voluntary context switches (waits that ended) of this process's thread `name`.
    fn switches_of_thread(name: &str) -> Option<u64> {
        for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            if comm.trim_end() != name {
                continue;
            }
            let status = std::fs::read_to_string(task.path().join("status")).ok()?;
            let total = status
                .lines()
                .filter(|l| l.starts_with("voluntary_ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
                .sum();
            return Some(total);
        }
        None
    }

    #[test]
    fn a_source_waiting_for_its_next_poll_does_not_wake() {
        let (tx, rx) = mpsc::channel();
        let src = Counter {
            calls: Arc::new(AtomicU64::new(0)),
            hang: Arc::new(AtomicBool::new(false)),
        };
        let policy = Policy {
            interval_ms: 60_000,
            ..fast_policy()
        };
        let handle = spawn_poll("idle", Box::new(src), policy, tx);
        let first = rx.recv_timeout(Duration::from_secs(5));
        assert!(matches!(first, Ok(Message::Set { .. })), "{first:?}");
        let _health = rx.recv_timeout(Duration::from_secs(5));
        thread::sleep(Duration::from_millis(50));
        let before = switches_of_thread("src-idle").expect("the source's thread");
        thread::sleep(Duration::from_millis(500));
        let after = switches_of_thread("src-idle").expect("the source's thread");
        let t = Instant::now();
        handle.stop();
        // Waiting in 10 ms slices woke it about 50 times in that half second.
        assert!(
            after - before <= 2,
            "the waiting thread woke {} times",
            after - before
        );
        assert!(t.elapsed() < Duration::from_secs(10), "stop is prompt");
    }

    /// Emits its run number, then ends.
    struct Runs(u64);

    impl StreamSource for Runs {
        fn run(
            &mut self,
            emit: &mut dyn FnMut(String, Value),
            _stop: &Stop,
        ) -> Result<(), SourceError> {
            self.0 += 1;
            emit("r.run".to_owned(), Value::from(self.0));
            Err(SourceError::Exited {
                code: Some(3),
                stderr: String::new(),
            })
        }
    }

    #[test]
    fn stream_restarts_and_stops_when_receiver_is_gone() {
        let (tx, rx) = mpsc::channel();
        let handle = spawn_stream("r", Box::new(Runs(0)), fast_policy(), tx);
        let mut runs = 0;
        let deadline = Instant::now() + Duration::from_secs(3);
        while runs < 3 && Instant::now() < deadline {
            if let Ok(Message::Set { value, .. }) = rx.recv_timeout(Duration::from_millis(100)) {
                runs = value.as_u64().unwrap_or(0);
            }
        }
        assert_eq!(runs, 3);
        drop(rx);
        let deadline = Instant::now() + Duration::from_secs(2);
        while handle.is_running() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        assert!(
            !handle.is_running(),
            "the source keeps running without a receiver"
        );
    }
}
