//! Soak: hostile sources run side by side for a while (30 s by default,
//! `TINYDISPLAY_SOAK_SECS` to change it) while the engine's dataset takes in what they
//! send; RSS, threads and open fds must stay flat after a warm-up.
//!
//! The sources: a process writing megabytes without a line end, one writing `\r` progress,
//! a command whose background child holds the pipe (each poll used to leak two threads
//! and two fds), a command that always times out, a `yes`-style command, and a stdin
//! flooded with invalid and over-long lines. One test in this binary, so the counts of
//! /proc/self are ours alone.

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tinydisplay::data::Dataset;
use tinydisplay::source::{
    CommandConfig, CommandSource, Format, Message, Policy, ProcessConfig, ProcessSource,
    StdinConfig, StdinSource, spawn_poll, spawn_stream,
};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    rss_kib: u64,
    threads: usize,
    fds: usize,
}

fn sample() -> Sample {
    Sample {
        rss_kib: rss_kib(),
        threads: count("/proc/self/task"),
        fds: count("/proc/self/fd"),
    }
}

fn sh(script: &str) -> Vec<String> {
    vec!["-c".to_owned(), script.to_owned()]
}

#[test]
fn hostile_sources_keep_memory_threads_and_fds_flat() {
    let secs: u64 = std::env::var("TINYDISPLAY_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let fast = Policy {
        interval_ms: 100,
        timeout_ms: 400,
        backoff_initial_ms: 100,
        backoff_max_ms: 400,
        breaker_failures: 0,
        max_line_bytes: 16 * 1024,
        max_output_bytes: 64 * 1024,
        ..Policy::default()
    };
    let (tx, rx) = mpsc::channel();
    let mut handles = Vec::new();
    let process = |ns: &str, script: &str| {
        let args = sh(script);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ProcessSource::new(ProcessConfig {
            namespace: ns.into(),
            ..ProcessConfig::new("sh", &args)
        })
        .expect("valid")
        .with_line_limit(fast.max_line_bytes)
    };
    let command = |ns: &str, script: &str| {
        let args = sh(script);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        CommandSource::new(
            CommandConfig {
                namespace: ns.into(),
                format: Format::Json,
                ..CommandConfig::new("sh", &args)
            },
            Duration::from_millis(fast.timeout_ms),
        )
        .expect("valid")
        .with_output_limit(fast.max_output_bytes)
    };
    // About 2 MB/s without any line end.
    handles.push(spawn_stream(
        "noeol",
        Box::new(process(
            "noeol",
            "while :; do head -c 100000 /dev/zero | tr '\\0' x; sleep 0.05; done",
        )),
        fast.clone(),
        tx.clone(),
    ));
    // `\r` progress, a good line now and then.
    handles.push(spawn_stream(
        "progress",
        Box::new(process(
            "progress",
            "i=0; while :; do i=$((i+1)); printf '%d%%\\r' $i; [ $((i % 100)) -eq 0 ] && echo '{\"n\": 1}'; sleep 0.02; done",
        )),
        fast.clone(),
        tx.clone(),
    ));
    // A background child holds the pipe; the poll itself is quick.
    handles.push(spawn_poll(
        "holder",
        Box::new(command("holder", "sleep 30 & echo '{\"a\": 1}'")),
        fast.clone(),
        tx.clone(),
    ));
    // Always past the timeout.
    handles.push(spawn_poll(
        "hung",
        Box::new(command("hung", "sleep 30")),
        fast.clone(),
        tx.clone(),
    ));
    // `yes`: endless output per poll.
    handles.push(spawn_poll(
        "yes",
        Box::new(command("yes", "yes")),
        fast.clone(),
        tx.clone(),
    ));
    // Stdin: a flood of invalid lines and over-long ones.
    let (reader, mut writer) = std::io::pipe().expect("a pipe");
    handles.push(spawn_stream(
        "stdin",
        Box::new(
            StdinSource::from_reader(
                StdinConfig {
                    namespace: "in".into(),
                },
                std::io::BufReader::new(reader),
            )
            .with_line_limit(fast.max_line_bytes),
        ),
        fast.clone(),
        tx.clone(),
    ));
    drop(tx);
    let stop_feeding = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let feeding = stop_feeding.clone();
    let feeder = std::thread::spawn(move || {
        let long = vec![b'z'; 100_000];
        while !feeding.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = writer.write_all(b"not json\n{\"ok\": 1}\n");
            let _ = writer.write_all(&long);
            let _ = writer.write_all(b"\n");
            std::thread::sleep(Duration::from_millis(5));
        }
    });

    let mut data = Dataset::new();
    let started = Instant::now();
    let warm_up = Duration::from_secs((secs / 5).clamp(2, 10));
    let end = started + Duration::from_secs(secs.max(5));
    let mut first: Option<Sample> = None;
    let mut worst = Sample {
        rss_kib: 0,
        threads: 0,
        fds: 0,
    };
    let mut messages = 0u64;
    let mut tick = 0u64;
    let mut next_sample = started;
    while Instant::now() < end {
        while let Ok(m) = rx.try_recv() {
            messages += 1;
            match m {
                Message::Set { key, value } => {
                    data.set(&key, value, tick);
                }
                Message::Remove { key } => {
                    data.remove(&key);
                }
                Message::Health { .. } | Message::Wake => {}
            }
        }
        tick += 1;
        if Instant::now() >= next_sample {
            next_sample += Duration::from_millis(500);
            let s = sample();
            if started.elapsed() >= warm_up {
                first.get_or_insert(s);
                worst.rss_kib = worst.rss_kib.max(s.rss_kib);
                worst.threads = worst.threads.max(s.threads);
                worst.fds = worst.fds.max(s.fds);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let last = sample();
    stop_feeding.store(true, std::sync::atomic::Ordering::Relaxed);
    for h in handles {
        h.stop();
    }
    let _ = feeder.join();
    let killed = tinydisplay::source::kill_children();
    let first = first.expect("sampled after the warm-up");
    eprintln!(
        "soak {secs} s, {messages} messages: after warm-up rss {} KiB, {} threads, {} fds; \
         worst rss {} KiB, {} threads, {} fds; at the end rss {} KiB, {} threads, {} fds; \
         {killed} group(s) left at the end",
        first.rss_kib,
        first.threads,
        first.fds,
        worst.rss_kib,
        worst.threads,
        worst.fds,
        last.rss_kib,
        last.threads,
        last.fds,
    );
    // Flat: a leak of two threads and two fds per timed-out or held poll would add
    // hundreds over this run; the margins allow for a poll in flight at each sample.
    assert!(
        worst.threads <= first.threads + 8,
        "threads grew from {} to {}",
        first.threads,
        worst.threads
    );
    assert!(
        worst.fds <= first.fds + 16,
        "fds grew from {} to {}",
        first.fds,
        worst.fds
    );
    assert!(
        worst.rss_kib <= first.rss_kib + 64 * 1024,
        "RSS grew from {} KiB to {} KiB",
        first.rss_kib,
        worst.rss_kib
    );
    assert!(data.get("in.ok").is_some(), "good stdin lines still arrive");
}
