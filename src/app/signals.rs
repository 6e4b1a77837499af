//! Process signals: SIGINT (Ctrl-C) and SIGTERM (what `systemctl stop` sends) end a run
//! the same way — the tick in progress finishes, then snapshots are saved, sinks finish
//! and the panel is left as `display.on_exit` says. SIGHUP reloads the scene while hot
//! reload is on (the default; `systemctl reload` sends it) and ends the run like SIGTERM
//! when it is off (`--no-watch`).
//!
//! What each signal does is decided in [`on_signal`] alone.

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
    match sig {
        Signal::Hangup if hangup_reloads => log::info!("SIGHUP: reloading the scene"),
        Signal::Interrupt | Signal::Terminate | Signal::Hangup => {
            log::info!("{sig:?}: stopping after this tick");
            stop.set();
        }
    }
}

/// Installs the handlers (on the shared runtime); from now on the signals reach [`on_signal`]
/// (`hangup_reloads`: SIGHUP is left to hot reload).
pub fn install(stop: StopFlag, hangup_reloads: bool) -> Result<(), SignalError> {
    let handle = crate::runtime::try_handle()?;
    let _entered = handle.enter();
    // Registered here, before returning, so a signal sent right after start is not lost.
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
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
