//! A command that leaves a daemon behind (`setsid` escapes the process group and keeps
//! the output pipes open): each poll ends when the command itself has exited, with its
//! output, and leaves no thread and no file descriptor behind. Alone in its test binary
//! so that the process's thread and descriptor counts are this test's.

use std::time::Duration;

use serde_json::json;
use tinydisplay::data::source::{CommandConfig, CommandSource, Format, PollSource};

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).map_or(0, Iterator::count)
}

#[test]
fn a_daemonizing_command_leaks_no_thread_and_no_fd() {
    let dir = std::env::temp_dir().join(format!("tinydisplay-daemon-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let pids = dir.join("pids");
    let script = format!(
        "setsid sleep 600 & echo $! >> {}; echo '{{\"a\": 1}}'",
        pids.display()
    );
    let mut src = CommandSource::new(
        CommandConfig {
            format: Format::Json,
            namespace: "c".to_owned(),
            ..CommandConfig::new("sh", &["-c", &script])
        },
        Duration::from_millis(2000),
    )
    .expect("a valid command");
    // One poll first: whatever is set up once is set up.
    let first = src.poll();
    let (threads, fds) = (count("/proc/self/task"), count("/proc/self/fd"));
    let mut results = vec![first];
    for _ in 0..5 {
        results.push(src.poll());
    }
    let after = (count("/proc/self/task"), count("/proc/self/fd"));
    for pid in std::fs::read_to_string(&pids).unwrap_or_default().lines() {
        let _ = std::process::Command::new("kill").arg(pid.trim()).status();
    }
    let _ = std::fs::remove_dir_all(&dir);
    for r in results {
        assert_eq!(
            r.expect("the output, read once the command exited"),
            vec![("c.a".to_owned(), json!(1))]
        );
    }
    assert!(
        after.0 <= threads && after.1 <= fds,
        "threads {threads} -> {}, fds {fds} -> {} after 5 polls",
        after.0,
        after.1
    );
}
