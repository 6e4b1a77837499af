//! Spawning child programs in their own process group and killing the whole group, so a
//! shell script's children die with it and never hold our pipes open.
//!
//! Every group started here is registered until it is killed; [`kill_all`] (called at
//! shutdown) kills those still running, so a hung command never outlives the engine.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::source::SourceError;

/// Process groups started by sources and not yet killed.
static GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Starts `program args…` with stdin closed, stdout and stderr piped, in a new process group.
pub fn spawn_piped(program: &str, args: &[String]) -> Result<Child, SourceError> {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|source| SourceError::Io {
            context: format!("starting {program}"),
            source,
        })?;
    if let Ok(mut groups) = GROUPS.lock() {
        groups.push(child.id());
    }
    Ok(child)
}

/// Sends SIGKILL to the process group `pgid` (best effort: it may be gone already).
fn kill_pgid(pgid: u32) {
    if let Ok(raw) = i32::try_from(pgid)
        && raw > 1
    {
        let _ = killpg(Pid::from_raw(raw), Signal::SIGKILL);
    }
}

/// Kills the child's process group (the child leads it, so its descendants go too) and
/// the child itself, then reaps it. Called too after a child exited on its own, so what
/// it left running in the background stops holding our pipes.
pub fn kill_group(child: &mut Child) {
    let pgid = child.id();
    kill_pgid(pgid);
    let _ = child.kill();
    let _ = child.wait();
    if let Ok(mut groups) = GROUPS.lock() {
        groups.retain(|g| *g != pgid);
    }
}

/// Kills the process group `pgid` (a child another thread waits for) and forgets it.
pub fn kill_group_id(pgid: u32) {
    kill_pgid(pgid);
    forget_group(pgid);
}

/// Forgets the process group `pgid` (its leader exited and was reaped).
pub fn forget_group(pgid: u32) {
    if let Ok(mut groups) = GROUPS.lock() {
        groups.retain(|g| *g != pgid);
    }
}

/// Kills every process group a source started that is still registered (at shutdown).
pub fn kill_all() -> usize {
    let groups = match GROUPS.lock() {
        Ok(mut g) => std::mem::take(&mut *g),
        Err(_) => return 0,
    };
    for g in &groups {
        kill_pgid(*g);
    }
    groups.len()
}

/// How many process groups are registered (running or not yet reaped).
pub fn live_groups() -> usize {
    GROUPS.lock().map_or(0, |g| g.len())
}

/// The first non-blank line of `text`, trimmed.
pub fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_owned()
}
