//! Spawning child programs in their own process group and killing the whole group, so a
//! shell script's children die with it and never hold our pipes open.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use super::SourceError;

/// Starts `program args…` with stdin closed, stdout and stderr piped, in a new process group.
pub fn spawn_piped(program: &str, args: &[String]) -> Result<Child, SourceError> {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|source| SourceError::Io {
            context: format!("starting {program}"),
            source,
        })
}

/// Kills the child's process group (best effort) and the child itself, then reaps it.
pub fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    // The child leads its own group; `kill -KILL -- -PID` takes its descendants too.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

/// Reads `reader` to its end on a thread; the receiver gets the bytes once, at end of input.
pub fn spawn_read_all<R: Read + Send + 'static>(
    thread_name: String,
    mut reader: R,
) -> Result<Receiver<std::io::Result<Vec<u8>>>, SourceError> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name(thread_name)
        .spawn(move || {
            let mut bytes = Vec::new();
            let result = reader.read_to_end(&mut bytes).map(|_| bytes);
            let _ = tx.send(result);
        })
        .map_err(|source| SourceError::Io {
            context: "starting a pipe reader thread".to_owned(),
            source,
        })?;
    Ok(rx)
}

/// The first non-blank line of `text`, trimmed.
pub fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_owned()
}

/// Waits for `child` to exit, polling every 5 ms. `give_up` is asked between polls; when
/// it answers true the child's process group is killed and `None` is returned.
pub fn wait_or_kill(
    child: &mut Child,
    program: &str,
    mut give_up: impl FnMut() -> bool,
) -> Result<Option<ExitStatus>, SourceError> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(Some(status)),
            Ok(None) if give_up() => {
                kill_group(child);
                return Ok(None);
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(source) => {
                kill_group(child);
                return Err(SourceError::Io {
                    context: format!("waiting for {program}"),
                    source,
                });
            }
        }
    }
}
