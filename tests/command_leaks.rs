//! A command or process that leaves a daemon behind (`setsid` escapes the process group
//! and keeps the output pipes open): each run ends when the program itself has exited,
//! with its output, and leaves no thread and no file descriptor behind. In a test binary
//! of their own (and one at a time) so that the thread and descriptor counts are theirs.

use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;
use tinydisplay::source::{
    CommandConfig, CommandSource, Format, Message, Policy, PollSource, ProcessConfig,
    ProcessSource, spawn_stream,
};

/// One test at a time: the counts are the process's.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).map_or(0, Iterator::count)
}

#[test]
fn a_daemonizing_command_leaks_no_thread_and_no_fd() {
    let _one = ONE_AT_A_TIME.lock();
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

#[test]
fn a_daemonizing_process_is_restarted_and_leaves_nothing_behind() {
    let _one = ONE_AT_A_TIME.lock();
    let dir = std::env::temp_dir().join(format!("tinydisplay-pdaemon-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let pids = dir.join("pids");
    let script = format!(
        "setsid sleep 600 & echo $! >> {}; echo '{{\"n\": 1}}'",
        pids.display()
    );
    let src = ProcessSource::new(ProcessConfig {
        namespace: "p".to_owned(),
        ..ProcessConfig::new("sh", &["-c", &script])
    })
    .expect("a valid program");
    let policy = Policy {
        interval_ms: 20,
        backoff_initial_ms: 20,
        jitter: 0.0,
        ..Policy::default()
    };
    let (threads, fds) = (count("/proc/self/task"), count("/proc/self/fd"));
    let (tx, rx) = mpsc::channel();
    let handle = spawn_stream("p", Box::new(src), policy, tx);
    // Before, the first run's output never ended (the daemon holds the pipe): one value,
    // then nothing. Now each run ends when the program exits and the next one starts.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut values = 0;
    while values < 4 && Instant::now() < deadline {
        if let Ok(Message::Set { key, .. }) = rx.recv_timeout(Duration::from_millis(50))
            && key == "p.n"
        {
            values += 1;
        }
    }
    handle.stop();
    // The runs' threads end as their programs exit: a bounded wait for the counts.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut after = (count("/proc/self/task"), count("/proc/self/fd"));
    while (after.0 > threads || after.1 > fds) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        after = (count("/proc/self/task"), count("/proc/self/fd"));
    }
    for pid in std::fs::read_to_string(&pids).unwrap_or_default().lines() {
        let _ = std::process::Command::new("kill").arg(pid.trim()).status();
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(values >= 4, "{values} run(s) gave a value");
    assert!(
        after.0 <= threads && after.1 <= fds,
        "threads {threads} -> {}, fds {fds} -> {}",
        after.0,
        after.1
    );
}
