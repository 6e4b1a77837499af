//! The command source: runs a program at every poll and reads its standard output as JSON
//! or text. A run that exceeds the timeout is killed (with its process group).

use std::time::{Duration, Instant};

use serde::Deserialize;

use super::child::{first_line, kill_group, spawn_piped};
use super::drain::run_to_exit;
use crate::source::{Format, PollSource, SourceError, Value};

/// Settings of a command source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CommandConfig {
    /// The program to run (looked up in `PATH`).
    pub program: String,
    /// Its arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// How to read its output (default `Json`, flattened; `Text` gives `<ns>.text`).
    #[serde(default)]
    pub format: Format,
    /// Key prefix (default `cmd`).
    #[serde(default = "default_namespace")]
    pub namespace: String,
}

fn default_namespace() -> String {
    "cmd".to_owned()
}

impl CommandConfig {
    /// Settings for `program args…` with the default format and namespace.
    pub fn new(program: &str, args: &[&str]) -> Self {
        Self {
            program: program.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            format: Format::default(),
            namespace: default_namespace(),
        }
    }
}

/// Runs a program per poll; a non-zero exit is a failure carrying stderr's first line.
#[derive(Debug, Clone)]
pub struct CommandSource {
    config: CommandConfig,
    timeout: Duration,
    max_output: usize,
}

impl CommandSource {
    /// A command source that kills a run lasting longer than `timeout`.
    pub fn new(config: CommandConfig, timeout: Duration) -> Result<Self, SourceError> {
        if config.program.trim().is_empty() {
            return Err(SourceError::Config(
                "the command's program is empty".to_owned(),
            ));
        }
        Ok(Self {
            config,
            timeout,
            max_output: crate::source::policy::DEFAULT_MAX_OUTPUT_BYTES,
        })
    }

    /// Refuses (and stops reading) output longer than `bytes` per run.
    pub fn with_output_limit(mut self, bytes: usize) -> Self {
        self.max_output = bytes.max(1);
        self
    }
}

/// Longest stderr kept for the error message.
const STDERR_KEEP: usize = 4096;

impl PollSource for CommandSource {
    fn poll(&mut self) -> Result<Vec<(String, Value)>, SourceError> {
        let program = &self.config.program;
        let deadline = Instant::now() + self.timeout;
        let mut child = spawn_piped(program, &self.config.args)?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let (Some(stdout), Some(stderr)) = (stdout, stderr) else {
            kill_group(&mut child);
            return Err(SourceError::Config(format!("{program}: no pipes")));
        };
        // Read on this thread until the program has exited and what it wrote is read:
        // a descendant holding the pipes (even one that left the group) is not waited for.
        let run = run_to_exit(
            &mut child,
            program,
            (stdout, stderr),
            (self.max_output, STDERR_KEEP),
            deadline,
        )?;
        // Whatever it left running in its group goes too.
        kill_group(&mut child);
        if run.over {
            return Err(SourceError::TooLarge {
                what: format!("the output of {program}"),
                limit: self.max_output,
                setting: "policy max_output_bytes",
            });
        }
        let Some(status) = run.status else {
            return Err(SourceError::Timeout {
                ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            });
        };
        if !status.success() {
            return Err(SourceError::Exited {
                code: status.code(),
                stderr: first_line(&String::from_utf8_lossy(&run.stderr)),
            });
        }
        self.config.format.updates(
            &self.config.namespace,
            &String::from_utf8_lossy(&run.stdout),
            &format!("the output of {program}"),
        )
    }
}

/// The `Command` source kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct CommandKind;

impl crate::source::kind::SourceKind for CommandKind {
    const NAME: &'static str = "Command";
    type Config = CommandConfig;

    fn start(
        c: &CommandConfig,
        name: &str,
        policy: crate::source::Policy,
        tx: std::sync::mpsc::Sender<crate::source::Message>,
    ) -> Result<crate::source::SourceHandle, crate::source::SourceError> {
        let timeout = std::time::Duration::from_millis(policy.timeout_ms.max(1));
        let source =
            CommandSource::new(c.clone(), timeout)?.with_output_limit(policy.max_output_bytes);
        Ok(crate::source::spawn_poll(
            name,
            Box::new(source),
            policy,
            tx,
        ))
    }

    fn resolve_paths(c: &mut CommandConfig, dir: &std::path::Path) {
        c.program = crate::source::kind::resolve_program(dir, &c.program);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sh(script: &str, format: Format, timeout_ms: u64) -> CommandSource {
        CommandSource::new(
            CommandConfig {
                format,
                namespace: "c".to_owned(),
                ..CommandConfig::new("sh", &["-c", script])
            },
            Duration::from_millis(timeout_ms),
        )
        .expect("a valid command")
    }

    #[test]
    fn json_output_is_flattened() {
        let mut src = sh(
            r#"echo '{"disk": {"free": 12, "mounts": ["/", "/boot"]}}'"#,
            Format::Json,
            2000,
        );
        assert_eq!(
            src.poll().expect("a run"),
            vec![
                ("c.disk.free".to_owned(), json!(12)),
                ("c.disk.mounts.0".to_owned(), json!("/")),
                ("c.disk.mounts.1".to_owned(), json!("/boot")),
            ]
        );
    }

    #[test]
    fn text_output_is_trimmed() {
        let mut src = sh("echo '  up 3 days  '", Format::Text, 2000);
        assert_eq!(
            src.poll().expect("a run"),
            vec![("c.text".to_owned(), json!("up 3 days"))]
        );
    }

    #[test]
    fn non_zero_exit_fails_with_stderr_first_line() {
        let mut src = sh(
            "echo out; echo 'no sensor' >&2; echo more >&2; exit 4",
            Format::Text,
            2000,
        );
        match src.poll() {
            Err(SourceError::Exited { code, stderr }) => {
                assert_eq!(code, Some(4));
                assert_eq!(stderr, "no sensor");
            }
            other => panic!("expected an exit failure, got {other:?}"),
        }
    }

    #[test]
    fn a_command_past_the_timeout_is_killed() {
        let marker = std::env::temp_dir().join(format!("tinydisplay-cmd-{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        let script = format!("sleep 1; touch {}", marker.display());
        let mut src = sh(&script, Format::Text, 150);
        let started = Instant::now();
        let result = src.poll();
        assert!(
            matches!(result, Err(SourceError::Timeout { ms: 150 })),
            "{result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        // Killed with its process group: the script never gets to its second command.
        std::thread::sleep(Duration::from_millis(1200));
        assert!(!marker.exists(), "the timed-out command kept running");
    }

    #[test]
    fn bad_json_and_missing_program_fail() {
        let mut src = sh("echo not-json", Format::Json, 2000);
        assert!(matches!(src.poll(), Err(SourceError::Parse { .. })));
        let mut missing = CommandSource::new(
            CommandConfig::new("/nonexistent/tinydisplay-prog", &[]),
            Duration::from_secs(1),
        )
        .expect("a non-empty program");
        assert!(matches!(missing.poll(), Err(SourceError::Io { .. })));
    }

    #[test]
    fn a_yes_style_command_is_refused_with_bounded_memory() {
        let mut src = sh("yes", Format::Text, 20_000).with_output_limit(64 * 1024);
        let result = src.poll();
        assert!(
            matches!(result, Err(SourceError::TooLarge { limit: 65536, .. })),
            "{result:?}"
        );
    }

    #[test]
    fn a_background_child_holding_the_pipe_is_killed_with_the_group() {
        let marker = std::env::temp_dir().join(format!("tinydisplay-bg-{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        // The background child keeps stdout open; before, every such poll timed out and
        // left its two reader threads blocked on the pipe.
        let script = format!(
            "(sleep 1; touch {}) & echo '{{\"a\": 1}}'",
            marker.display()
        );
        let mut src = sh(&script, Format::Json, 5000);
        let result = src.poll();
        assert_eq!(
            result.expect("the output, read once the group is gone"),
            vec![("c.a".to_owned(), json!(1))]
        );
        std::thread::sleep(Duration::from_millis(1300));
        assert!(!marker.exists(), "the background child kept running");
    }
}
