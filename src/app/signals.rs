//! Process signals: SIGINT (Ctrl-C) and SIGTERM (what `systemctl stop` sends) end a run
//! the same way — the tick in progress finishes, then snapshots are saved, sinks finish
//! and the panel is left as `display.on_exit` says. SIGHUP reloads the scene while hot
//! reload is on (the default; `systemctl reload` sends it) and ends the run like SIGTERM
//! when it is off (`--no-watch`).
//!
//! What each signal does is decided in [`on_signal`] alone.
//!
//! [`catch_early`] (first thing in `main`) notes the signals that come before the run's
//! handlers exist, so one sent in the first milliseconds ends the run cleanly (snapshots
//! saved, the recording written) instead of killing the process; [`install`] hands them
//! on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::signal::unix::{SignalKind, signal};

use super::runner::StopFlag;

/// The signals a run listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C in the terminal.
    Interrupt,
    /// SIGTERM: a service manager stopping the program.
    Terminate,
    /// SIGHUP: the terminal went away, or a reload was asked for.
    Hangup,
}

/// Why the handlers could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum SignalError {
    /// The shared runtime did not start.
    #[error("signal handlers not installed: {0}")]
    Runtime(#[from] crate::runtime::RuntimeError),
    /// The OS refused a handler.
    #[error("signal handlers not installed: {0}")]
    Io(#[from] std::io::Error),
}

/// What a signal does to the run; `hangup_reloads`: hot reload handles SIGHUP.
pub fn on_signal(sig: Signal, stop: &StopFlag, hangup_reloads: bool) {
    // A sleeping (tickless) runner wakes to act on it.
    let _ring = RingOnDrop;
    match sig {
        Signal::Hangup if hangup_reloads => log::info!("SIGHUP: reloading the scene"),
        Signal::Interrupt | Signal::Terminate | Signal::Hangup => {
            log::info!("{sig:?}: stopping after this tick");
            stop.set();
        }
    }
}

/// Rings every alarm once the signal's flag is set (so the runner sees it when woken).
struct RingOnDrop;

impl Drop for RingOnDrop {
    fn drop(&mut self) {
        super::wake::ring_all();
    }
}

/// Flags set by the signals that came before [`install`]: SIGINT, SIGTERM, SIGHUP.
static EARLY: OnceLock<[(Signal, Arc<AtomicBool>); 3]> = OnceLock::new();

/// Notes SIGINT, SIGTERM and SIGHUP from now on instead of letting them kill the process;
/// [`install`] then acts on those that came. Call it first thing, and only in a command
/// that calls [`install`] later (a noted signal does nothing by itself).
pub fn catch_early() -> Result<(), SignalError> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let flags = EARLY.get_or_init(|| {
        [
            (Signal::Interrupt, Arc::new(AtomicBool::new(false))),
            (Signal::Terminate, Arc::new(AtomicBool::new(false))),
            (Signal::Hangup, Arc::new(AtomicBool::new(false))),
        ]
    });
    for (number, (_, flag)) in [SIGINT, SIGTERM, SIGHUP].into_iter().zip(flags) {
        signal_hook::flag::register(number, flag.clone())?;
    }
    Ok(())
}

/// The signals noted by [`catch_early`] so far (each once), in a fixed order.
fn early_signals() -> Vec<Signal> {
    EARLY.get().map_or_else(Vec::new, |flags| {
        flags
            .iter()
            .filter(|(_, f)| f.swap(false, Ordering::AcqRel))
            .map(|(s, _)| *s)
            .collect()
    })
}

/// Installs the handlers (on the shared runtime); from now on the signals reach [`on_signal`]
/// (`hangup_reloads`: SIGHUP is left to hot reload). Signals noted by [`catch_early`]
/// before are acted on now.
pub fn install(stop: StopFlag, hangup_reloads: bool) -> Result<(), SignalError> {
    let handle = crate::runtime::try_handle()?;
    let _entered = handle.enter();
    // Registered here, before returning, so a signal sent right after start is not lost.
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    for sig in early_signals() {
        on_signal(sig, &stop, hangup_reloads);
    }
    handle.spawn(async move {
        loop {
            let sig = tokio::select! {
                Some(()) = int.recv() => Signal::Interrupt,
                Some(()) = term.recv() => Signal::Terminate,
                Some(()) = hup.recv() => Signal::Hangup,
                else => break,
            };
            on_signal(sig, &stop, hangup_reloads);
        }
    });
    Ok(())
}
