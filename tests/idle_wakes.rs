//! Threads that wake only when they have work: a running engine with a poll source, a
//! stream source and both broker control surfaces, whose data does not change, wakes
//! its other threads a few times a second (a clock poll, a state publication), not once
//! a tick or in slices to look at a stop flag.

mod servers;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use servers::{server, unique};

/// Voluntary context switches (waits that ended) of each thread of process `pid`, by
/// thread id, with its name.
fn switches(pid: u32) -> BTreeMap<String, (String, u64)> {
    let mut out = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        let tid = task.file_name().to_string_lossy().into_owned();
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        let n = status
            .lines()
            .filter(|l| l.starts_with("voluntary_ctxt_switches:"))
            .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
            .sum();
        out.insert(tid, (comm.trim_end().to_owned(), n));
    }
    out
}

fn scene(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("quiet.ron");
    std::fs::write(
        &path,
        r#"Scene(
    display: (width: 64, height: 16, mode: Mono, fps: 30),
    control: (mqtt: "mqtt://127.0.0.1:1883", nats: "nats://127.0.0.1:4222"),
    sources: {
        "clock": (source: Clock(), policy: (interval_ms: 1000)),
        "quiet": (source: Process(program: "sh", args: ["-c", "echo '{\"v\": 1}'; exec sleep 600"], namespace: "q")),
    },
    widgets: [Text(text: "{{ q.v }}")],
)"#,
    )
    .expect("scene written");
    path
}

#[test]
fn threads_other_than_the_tick_sleep_until_they_have_work() {
    if server(1883, "Mosquitto").is_none() || server(4222, "nats-server").is_none() {
        return;
    }
    let dir = std::env::temp_dir().join(unique("idle-wakes"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
        .arg("run")
        .arg(scene(&dir))
        .args(["--sink", "none", "--no-watch", "--name", &unique("quiet")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the engine starts");
    let pid = child.id();
    // Connected, the process started, the first values in.
    std::thread::sleep(Duration::from_secs(3));
    let before = switches(pid);
    std::thread::sleep(Duration::from_secs(3));
    let after = switches(pid);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let main = pid.to_string();
    let mut woke = 0;
    let mut report = Vec::new();
    for (tid, (name, n)) in &after {
        let Some((_, n0)) = before.get(tid) else {
            continue;
        };
        if *tid == main {
            continue;
        }
        woke += n - n0;
        report.push(format!("{name} {}", n - n0));
    }
    assert!(
        before.len() > 4,
        "the engine's threads were found: {before:?}"
    );
    // 90 ticks ran in those 3 s. The clock is polled on the tick thread (no thread of
    // its own), each surface publishes the state 3 times. Waiting in slices
    // for a stop flag, or on every state change (every tick), woke them hundreds of times.
    assert!(
        woke < 60,
        "the engine's other threads woke {woke} times in 3 s: {report:?}"
    );
}
