//! Record a run fed by live sources (a process and a command source), replay it with no
//! sources, and compare the frames tick by tick; `--log-format json` lines.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
}

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tinydisplay-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a temp dir");
    d
}

/// Frame PNGs by tick.
fn frames(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("the frames")
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("a frame"),
            )
        })
        .collect()
}

const SCENE: &str = r#"Scene(
    display: (width: 64, height: 24, mode: Gray4, fps: 30),
    sources: {
        "counter": (source: Process(program: "sh", args: ["-c",
            "i=0; while [ $i -lt 40 ]; do echo \"{\\\"n\\\": $i}\"; i=$((i+1)); sleep 0.03; done; sleep 5"],
            namespace: "p")),
        "stamp": (source: Command(program: "sh", args: ["-c", "echo \"{\\\"v\\\": $(date +%N)}\""],
            namespace: "c"), policy: (interval_ms: 100)),
    },
    widgets: [
        Text(x: 0, y: 0, text: "n={{ p.n }}", fallback: "n=?"),
        Text(x: 0, y: 12, text: "{{ c.v }}", fallback: "-"),
    ],
)"#;

#[test]
fn a_replay_gives_the_recorded_frames_bit_for_bit() {
    let dir = temp("replay");
    let scene = dir.join("scene.ron");
    std::fs::write(&scene, SCENE).expect("the scene");
    let rec = dir.join("run.tdrec");
    let (live, again) = (dir.join("live"), dir.join("again"));
    std::fs::create_dir_all(&live).expect("a folder");
    std::fs::create_dir_all(&again).expect("a folder");
    let out = bin()
        .args(["run"])
        .arg(&scene)
        .args([
            "--ticks",
            "60",
            "--realtime",
            "--no-watch",
            "--sink",
            "png",
            "--out",
        ])
        .arg(live.join("f-{tick}.png"))
        .arg("--record")
        .arg(&rec)
        .output()
        .expect("tinydisplay runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&rec).expect("the recording");
    assert!(text.starts_with("{\"tdrec\":1"), "{text}");
    assert!(
        text.contains("\"p.n\""),
        "the process source's values are recorded"
    );
    assert!(
        text.contains("\"c.v\""),
        "the command source's values are recorded"
    );
    assert!(
        text.trim_end().ends_with("\"end\":true}"),
        "a clean end line"
    );

    let out = bin()
        .arg("replay")
        .arg(&rec)
        .args(["--sink", "png", "--out"])
        .arg(again.join("f-{tick}.png"))
        .output()
        .expect("tinydisplay replays");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (a, b) = (frames(&live), frames(&again));
    assert!(a.len() >= 30, "{} frames recorded", a.len());
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same ticks"
    );
    for (name, png) in &a {
        assert!(b[name] == *png, "{name} differs in the replay");
    }
    // More than one picture: the sources really fed the run.
    let distinct: std::collections::HashSet<&Vec<u8>> = a.values().collect();
    assert!(
        distinct.len() > 3,
        "only {} distinct frames",
        distinct.len()
    );

    // Against an edited scene: the same data, other frames.
    let edited = dir.join("edited.ron");
    std::fs::write(&edited, SCENE.replace("n={{ p.n }}", "N:{{ p.n }}")).expect("edited");
    let other = dir.join("other");
    std::fs::create_dir_all(&other).expect("a folder");
    let out = bin()
        .arg("replay")
        .arg(&rec)
        .arg("--scene")
        .arg(&edited)
        .args(["--sink", "png", "--out"])
        .arg(other.join("f-{tick}.png"))
        .output()
        .expect("tinydisplay replays");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = frames(&other);
    assert_eq!(c.len(), a.len());
    assert!(
        c.iter().any(|(k, v)| a[k] != *v),
        "the edited scene draws differently"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_recording_is_refused_with_its_line() {
    let dir = temp("badrec");
    let rec = dir.join("bad.tdrec");
    std::fs::write(&rec, "this is not a recording\n").expect("written");
    let out = bin().arg("replay").arg(&rec).output().expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.tdrec:1:"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn json_logs_are_one_object_per_line_with_the_tick() {
    let dir = temp("jsonlog");
    let scene = dir.join("s.ron");
    // A value that breaks its rule is logged (a warning) at the tick it arrives.
    std::fs::write(
        &scene,
        r#"Scene(display: (width: 32, height: 8),
            data: (rules: {"x.n": (type: Number, max: 10)}),
            sources: {"bad": (source: Command(program: "sh", args: ["-c", "echo '{\"n\": 99}'"], namespace: "x"),
                policy: (interval_ms: 1000))},
            widgets: [Text(text: "{{ x.n }}", fallback: "?")])"#,
    )
    .expect("written");
    let out = bin()
        .args(["--log-format", "json", "run"])
        .arg(&scene)
        .args([
            "--ticks",
            "20",
            "--realtime",
            "--no-watch",
            "--sink",
            "none",
        ])
        .env("RUST_LOG", "warn")
        .env_remove("JOURNAL_STREAM")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = err
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect();
    let warn = lines
        .iter()
        .find(|l| l["msg"].as_str().is_some_and(|m| m.contains("x.n")))
        .unwrap_or_else(|| panic!("no warning about x.n in {err}"));
    assert_eq!(warn["level"], "WARN");
    assert!(warn["tick"].is_u64(), "{warn}");
    assert!(warn["ts"].is_f64(), "{warn}");
    assert!(warn["target"].is_string(), "{warn}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes a recording of `scene` from its JSON lines (the header is added).
fn write_recording(path: &Path, scene: &Path, fps: u32, lines: &[&str]) {
    let mut text = format!(
        "{{\"tdrec\":1,\"scene\":{},\"fps\":{fps}}}\n",
        serde_json::to_string(&scene.display().to_string()).expect("a path")
    );
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(path, text).expect("the recording");
}

#[test]
fn a_replayed_reload_runs_no_source_and_writes_no_snapshot() {
    use std::os::unix::fs::MetadataExt;
    let dir = temp("replay-reload");
    let marker = dir.join("ran");
    let snapshot = dir.join("st.json");
    let before =
        r#"{"format":"tinydisplay-snapshot","version":1,"namespace":"st","values":{"st.count":1}}"#;
    std::fs::write(&snapshot, before).expect("a snapshot");
    let scene = dir.join("scene.ron");
    std::fs::write(
        &scene,
        format!(
            r#"Scene(display: (width: 32, height: 8, fps: 30),
            data: (persist: [(namespace: "st", file: "st.json", every_s: 1)]),
            sources: {{"touch": (source: Command(program: "sh", args: ["-c", "touch {}; echo '{{\"a\": 1}}'"], namespace: "c"),
                policy: (interval_ms: 50))}},
            widgets: [Text(text: "{{{{ st.count }}}}", fallback: "?")])"#,
            marker.display()
        ),
    )
    .expect("the scene");
    let rec = dir.join("run.tdrec");
    write_recording(
        &rec,
        &scene,
        30,
        &[
            r#"{"u":0,"t":0,"set":{"st.count":1}}"#,
            r#"{"u":2,"t":2,"cmd":[{"cmd":"reload"}]}"#,
            r#"{"u":3,"t":3,"set":{"st.count":99}}"#,
            r#"{"u":45,"end":true}"#,
        ],
    );
    let inode = std::fs::metadata(&snapshot).expect("meta").ino();
    let out = bin()
        .arg("replay")
        .arg(&rec)
        .args(["--realtime", "--sink", "none"])
        .output()
        .expect("tinydisplay replays");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!marker.exists(), "the replay ran the Command source");
    assert_eq!(
        std::fs::read_to_string(&snapshot).expect("the snapshot"),
        before,
        "the replay rewrote the snapshot"
    );
    assert_eq!(
        std::fs::metadata(&snapshot).expect("meta").ino(),
        inode,
        "the replay replaced the snapshot file"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `cmd` to its end, or kills it after `secs` seconds (then None).
fn output_within(mut cmd: Command, secs: u64) -> Option<std::process::Output> {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tinydisplay starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if child.try_wait().expect("a status").is_some() {
            return Some(child.wait_with_output().expect("the output"));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

const SEQUENCE_SCENE: &str = r#"Scene(display: (width: 32, height: 8, fps: 30),
    widgets: [Sequence(width: 32, height: 8, transition: slide_left, transition_ticks: 4, pages: [
        Page(duration: 7, children: [Text(text: "A")]),
        Page(duration: 11, cooldown: 30, children: [Text(text: "B")]),
        Page(duration: 5, children: [Text(text: "C")]),
    ])])"#;

#[test]
fn a_huge_tick_jump_replays_at_once() {
    let dir = temp("replay-jump");
    let scene = dir.join("scene.ron");
    std::fs::write(&scene, SEQUENCE_SCENE).expect("the scene");
    let rec = dir.join("run.tdrec");
    // 10^15 ticks: event by event, hours; skipping whole periods, at once.
    write_recording(
        &rec,
        &scene,
        30,
        &[
            r#"{"u":0,"t":0}"#,
            r#"{"u":2,"t":1000000000000000,"tick_to":1000000000000000}"#,
            r#"{"u":6,"t":9007199254740000,"tick_to":9007199254740000}"#,
            r#"{"u":9,"end":true}"#,
        ],
    );
    let frames_dir = dir.join("frames");
    std::fs::create_dir_all(&frames_dir).expect("a folder");
    let mut cmd = bin();
    cmd.arg("replay")
        .arg(&rec)
        .args(["--sink", "png", "--out"])
        .arg(frames_dir.join("f-{tick}.png"));
    let out = output_within(cmd, 120).expect("the replay ends");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = frames(&frames_dir);
    assert!(
        names.contains_key("f-1000000000000000.png")
            && names.contains_key("f-9007199254740002.png"),
        "{:?}",
        names.keys().collect::<Vec<_>>()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn numbers_past_the_range_are_refused_with_their_line() {
    let dir = temp("replay-range");
    let scene = dir.join("scene.ron");
    std::fs::write(&scene, SEQUENCE_SCENE).expect("the scene");
    for (bad, what) in [
        (r#"{"u":2,"t":5,"tick_to":18446744073709551615}"#, "tick_to"),
        (r#"{"u":18446744073709551615,"t":5}"#, "u "),
        (r#"{"u":3,"t":9007199254740993}"#, "t "),
    ] {
        let rec = dir.join("run.tdrec");
        write_recording(
            &rec,
            &scene,
            30,
            &[r#"{"u":0,"t":0}"#, bad, r#"{"u":9,"end":true}"#],
        );
        let out = output_within(
            {
                let mut c = bin();
                c.arg("replay").arg(&rec).args(["--sink", "none"]);
                c
            },
            60,
        )
        .expect("the replay ends");
        assert_eq!(out.status.code(), Some(1), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("run.tdrec:3:") && err.contains("out of range") && err.contains(what),
            "{bad}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_long_recording_read_a_line_at_a_time_gives_the_same_last_frame() {
    let dir = temp("replay-long");
    let scene = dir.join("scene.ron");
    std::fs::write(
        &scene,
        r#"Scene(display: (width: 48, height: 8, fps: 30),
            widgets: [Text(text: "{{ x.n }} {{ x.pad | length }}", fallback: "?")])"#,
    )
    .expect("the scene");
    // 20 000 updates with a value each (and a 1 KB string now and then), blank lines
    // between, and a last line cut short by a crash.
    let pad = "p".repeat(1024);
    let mut lines: Vec<String> = Vec::new();
    for u in 0..20_000u32 {
        if u % 100 == 0 {
            lines.push(format!(
                r#"{{"u":{u},"t":{u},"set":{{"x.n":{u},"x.pad":"{pad}{u}"}}}}"#
            ));
        } else {
            lines.push(format!(r#"{{"u":{u},"t":{u},"set":{{"x.n":{u}}}}}"#));
        }
        if u % 1000 == 0 {
            lines.push(String::new());
        }
    }
    lines.push(r#"{"u":20000,"t":20000,"set":{"x.n":"#.to_string());
    let long = dir.join("long.tdrec");
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    write_recording(&long, &scene, 30, &refs);
    // The same end state at once.
    let short = dir.join("short.tdrec");
    let last = format!(r#"{{"u":19999,"t":19999,"set":{{"x.n":19999,"x.pad":"{pad}19900"}}}}"#);
    write_recording(&short, &scene, 30, &[r#"{"u":0,"t":0}"#, &last]);
    let mut pngs = Vec::new();
    for rec in [&long, &short] {
        let png = dir.join(format!(
            "{}.png",
            rec.file_stem().expect("a name").to_string_lossy()
        ));
        let out = bin()
            .arg("replay")
            .arg(rec)
            .args(["--sink", "png", "--out"])
            .arg(&png)
            .output()
            .expect("tinydisplay replays");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        pngs.push(std::fs::read(&png).expect("the last frame"));
    }
    assert!(pngs[0] == pngs[1], "the long replay ends on another frame");
    let _ = std::fs::remove_dir_all(&dir);
}
