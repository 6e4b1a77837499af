//! The HTTP surface against a running engine: the JSON API, the frame PNG, the token,
//! the preview stream and bad requests.

mod common;

use std::io::{BufRead, BufReader};

use base64::Engine;
use common::live::{Live, agent, get, get_json, post};
use serde_json::json;
use tinydisplay::control::http::{HttpConfig, HttpError};

const SCENE: &str = r#"Scene(
    display: (width: 64, height: 32, mode: Gray4, fps: 30),
    data: (initial: {"t.title": "one", "t.n": 1}),
    widgets: [
        Marquee(x: 0, y: 0, width: 64, height: 10, px_per_tick: 1,
            child: Text(text: "a long moving title that scrolls")),
        Text(x: 0, y: 12, text: "{{ t.title }}"),
        Sequence(y: 22, width: 64, height: 10, pages: [
            Page(name: "a", duration: 1000, children: [Text(text: "page a")]),
            Page(name: "b", duration: 1000, children: [Text(text: "page b")]),
        ]),
    ],
)"#;

fn live() -> Live {
    Live::start(common::compile(SCENE), None)
}

#[test]
fn state_data_control_and_frame_work_over_http() {
    let live = live();
    live.wait_for("the first frames", || {
        get_json(&live.url("/api/state"))["tick"].as_u64() > Some(2)
    });
    let state = get_json(&live.url("/api/state"));
    assert_eq!(state["fps"], json!(30));
    assert_eq!(state["paused"], json!(false));
    assert_eq!(state["pages"][0]["page"], json!("a"));

    let data = get_json(&live.url("/api/data?prefix=t."));
    assert_eq!(data["t.title"]["value"], json!("one"));
    assert!(data.get("_source").is_none());
    let (status, _) = get(&live.url("/api/data?colour=red"));
    assert_eq!(status, 400, "an unknown parameter");

    let (status, reply) = post(&live.url("/api/control"), r#"{"cmd": "pause"}"#);
    assert_eq!((status, reply), (200, json!({"ok": true})));
    let (status, reply) = post(
        &live.url("/api/control"),
        r#"{"cmd": "set", "key": "t.title", "value": "two"}"#,
    );
    assert_eq!((status, reply), (200, json!({"ok": true})));
    let data = get_json(&live.url("/api/data?prefix=t.title"));
    assert_eq!(data["t.title"]["value"], json!("two"));
    let (status, reply) = post(
        &live.url("/api/control"),
        r#"{"cmd": "page", "name": "zz"}"#,
    );
    assert_eq!(status, 409, "{reply}");
    assert!(
        reply["error"].as_str().is_some_and(|e| e.contains("a, b")),
        "{reply}"
    );

    // Paused, the frame stands still: the PNG is the frame buffer's pixels.
    live.wait_for("the pause", || {
        get_json(&live.url("/api/state"))["paused"] == json!(true)
    });
    let (fb, _) = live.feed.frame().expect("a frame");
    let (status, png) = get(&live.url("/api/frame.png"));
    assert_eq!(status, 200);
    let img = image::load_from_memory(&png).expect("a PNG").to_luma8();
    assert_eq!((img.width(), img.height()), (64, 32));
    assert_eq!(img.as_raw().as_slice(), fb.data(), "the PNG is the frame");
}

#[test]
fn bad_requests_get_400_with_a_message_and_the_engine_runs_on() {
    let live = live();
    for body in [
        "",
        "{",
        "[]",
        "null",
        r#"{"cmd": 1}"#,
        r#"{"cmd": "fly"}"#,
        r#"{"cmd": "step", "n": 99999999999999}"#,
        r#"{"cmd": "set", "key": "", "value": 1}"#,
        r#"{"cmd": "contrast", "value": -5}"#,
        "\u{0}\u{1}garbage\u{ff}",
    ] {
        let (status, reply) = post(&live.url("/api/control"), body);
        assert_eq!(status, 400, "{body:?} → {reply}");
        assert!(
            reply["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("bad command")),
            "{body:?} → {reply}"
        );
    }
    let (status, _) = get(&live.url("/api/nothing/here"));
    assert_eq!(status, 404);
    let r = agent()
        .get(&live.url("/api/control"))
        .call()
        .expect("a reply");
    assert_eq!(r.status().as_u16(), 405, "GET on a POST route");
    let t0 = get_json(&live.url("/api/state"))["tick"].as_u64();
    live.wait_for("the tick to go on", || {
        get_json(&live.url("/api/state"))["tick"].as_u64() > t0
    });
}

#[test]
fn a_token_is_required_when_configured_and_off_loopback() {
    let any: std::net::SocketAddr = "0.0.0.0:8080".parse().expect("an address");
    // SAFETY of the test: the variable is not set in this process.
    assert!(std::env::var_os(tinydisplay::control::http::TOKEN_ENV).is_none());
    assert!(matches!(
        HttpConfig::new(any, None),
        Err(HttpError::TokenNeeded(_))
    ));
    let dir = std::env::temp_dir().join(format!("tinydisplay-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let file = dir.join("token");
    std::fs::write(&file, "s3cret-token\n").expect("written");
    let config = HttpConfig::new(any, Some(&file)).expect("a token makes it fine");
    assert_eq!(config.token.as_deref(), Some("s3cret-token"));
    std::fs::write(&file, "  \n").expect("written");
    assert!(matches!(
        HttpConfig::new(any, Some(&file)),
        Err(HttpError::Token { .. })
    ));

    let live = Live::start(common::compile(SCENE), Some("s3cret-token"));
    for path in [
        "/api/state",
        "/",
        "/metrics",
        "/api/frame.png",
        "/api/stream",
    ] {
        let (status, _) = get(&live.url(path));
        assert_eq!(status, 401, "{path} without the token");
    }
    let (status, _) = get(&live.url("/api/state?token=wrong"));
    assert_eq!(status, 401);
    let (status, _) = get(&live.url("/api/state?token=s3cret-token"));
    assert_eq!(status, 200);
    let r = agent()
        .get(&live.url("/api/state"))
        .header("Authorization", "Bearer s3cret-token")
        .call()
        .expect("a reply");
    assert_eq!(r.status().as_u16(), 200);
    let (status, _) = post(&live.url("/api/control"), r#"{"cmd": "pause"}"#);
    assert_eq!(status, 401, "a command without the token");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reads SSE events (name, data) from a stream until `done` says stop.
fn events(reader: &mut impl BufRead, mut done: impl FnMut(&str, &serde_json::Value) -> bool) {
    let (mut name, mut data) = (String::new(), String::new());
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).expect("the stream goes on");
        assert!(n > 0, "the stream ended");
        let l = line.trim_end_matches(['\r', '\n']);
        if let Some(v) = l.strip_prefix("event:") {
            name = v.trim().to_string();
        } else if let Some(v) = l.strip_prefix("data:") {
            data.push_str(v.trim_start());
        } else if l.is_empty() && !data.is_empty() {
            let json: serde_json::Value = serde_json::from_str(&data).expect("JSON data");
            if done(&name, &json) {
                return;
            }
            data.clear();
        }
    }
}

#[test]
fn the_preview_stream_sends_the_frame_then_its_damage_state_and_data() {
    let live = live();
    live.wait_for("a frame", || live.feed.frame().is_some());
    post(&live.url("/api/control"), r#"{"cmd": "pause"}"#);
    live.wait_for("the pause", || {
        get_json(&live.url("/api/state"))["paused"] == json!(true)
    });
    let r = agent()
        .get(&live.url("/api/stream"))
        .call()
        .expect("a stream");
    assert_eq!(r.status().as_u16(), 200);
    let mut reader = BufReader::new(r.into_body().into_reader());
    let b64 = base64::engine::general_purpose::STANDARD;
    let (fb, _) = live.feed.frame().expect("a frame");
    let mut screen = vec![0u8; 64 * 32];
    let mut got = (false, false, false);
    events(&mut reader, |name, v| {
        match name {
            "frame" => {
                assert_eq!(v["channels"], json!(1));
                for r in v["rects"].as_array().expect("rects") {
                    let [x, y, w, _h, px] = r.as_array().expect("a rect").as_slice() else {
                        panic!("a rect is [x, y, w, h, pixels]")
                    };
                    let (x, y, w) = (
                        x.as_u64().unwrap_or(0) as usize,
                        y.as_u64().unwrap_or(0) as usize,
                        w.as_u64().unwrap_or(0) as usize,
                    );
                    let px = b64.decode(px.as_str().expect("base64")).expect("base64");
                    for (i, row) in px.chunks(w).enumerate() {
                        screen[(y + i) * 64 + x..(y + i) * 64 + x + w].copy_from_slice(row);
                    }
                }
                got.0 = true;
            }
            "state" => got.1 = v["paused"] == json!(true),
            "data" => got.2 = v["keys"]["t.title"]["value"] == json!("one"),
            _ => {}
        }
        got == (true, true, true)
    });
    assert_eq!(
        screen,
        fb.data(),
        "the first frame event is the whole frame"
    );
    post(
        &live.url("/api/control"),
        r#"{"cmd": "set", "key": "t.title", "value": "changed"}"#,
    );
    let mut changed = (false, false);
    events(&mut reader, |name, v| {
        match name {
            "frame" => {
                for r in v["rects"].as_array().expect("rects") {
                    let a = r.as_array().expect("a rect");
                    let (x, y, w) = (
                        a[0].as_u64().unwrap_or(0) as usize,
                        a[1].as_u64().unwrap_or(0) as usize,
                        a[2].as_u64().unwrap_or(0) as usize,
                    );
                    let px = b64.decode(a[4].as_str().expect("base64")).expect("base64");
                    for (i, row) in px.chunks(w).enumerate() {
                        screen[(y + i) * 64 + x..(y + i) * 64 + x + w].copy_from_slice(row);
                    }
                }
                changed.0 = true;
            }
            "data" => {
                changed.1 |=
                    v["full"] == json!(false) && v["keys"]["t.title"]["value"] == json!("changed");
            }
            _ => {}
        }
        changed == (true, true)
    });
    let (fb, _) = live.feed.frame().expect("a frame");
    assert_eq!(
        screen,
        fb.data(),
        "frame + damage events give the frame buffer"
    );
}

#[test]
fn metrics_are_valid_prometheus_text() {
    let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        .into_iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.is_file());
    let Some(promtool) = promtool else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "promtool is not installed (Debian package prometheus)"
        );
        eprintln!("skipped: promtool is not installed (Debian package prometheus)");
        return;
    };
    let scene = SCENE.replace(
        "widgets: [",
        r#"sources: {"sh": (source: Command(program: "sh", args: ["-c", "echo 1"], format: Text, namespace: "sh"), policy: (interval_ms: 50))},
    widgets: ["#,
    );
    let live = Live::start(common::compile_with_sources(&scene), None);
    live.wait_for("the source's health", || {
        get_json(&live.url("/api/state"))["sources"]["sh"]["ok"] == json!(true)
    });
    // A client attached: the histograms fill.
    live.wait_for("some ticks", || {
        get_json(&live.url("/api/state"))["tick"].as_u64() > Some(5)
    });
    let (status, body) = get(&live.url("/metrics"));
    assert_eq!(status, 200);
    let mut child = std::process::Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(&body).expect("written");
    }
    let out = child.wait_with_output().expect("promtool ends");
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&body)
    );
    // The parser accepted it; the families a user graphs are there with samples.
    let text = String::from_utf8_lossy(&body);
    let families: std::collections::HashSet<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(|n| n.strip_suffix("_total").unwrap_or(n))
        .collect();
    for f in [
        "tinydisplay_tick_duration_seconds",
        "tinydisplay_present_lateness_seconds",
        "tinydisplay_skipped_ticks",
        "tinydisplay_render_ahead_hits",
        "tinydisplay_render_ahead_misses",
        "tinydisplay_render_ahead_purges",
        "tinydisplay_source_up",
        "tinydisplay_source_failures",
        "tinydisplay_source_last_success_timestamp_seconds",
        "tinydisplay_dataset_keys",
        "tinydisplay_preview_stream_bytes",
    ] {
        assert!(families.contains(f), "{f} missing in\n{text}");
    }
    let count = text
        .lines()
        .find_map(|l| l.strip_prefix("tinydisplay_tick_duration_seconds_count "))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .expect("a tick duration count");
    assert!(count > 0, "the tick histogram filled");
}

/// A counter or histogram count from the metrics text.
fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as u64)
        .unwrap_or_else(|| panic!("{name} missing in\n{text}"))
}

#[test]
fn the_tick_histogram_counts_no_more_ticks_than_ran_across_a_pause() {
    let live = live();
    live.wait_for("some ticks", || {
        get_json(&live.url("/api/state"))["tick"].as_u64() > Some(5)
    });
    let (status, _) = post(&live.url("/api/control"), r#"{"cmd": "pause"}"#);
    assert_eq!(status, 200);
    // Paused, the schedule still runs (commands are applied) but no tick does.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (status, _) = post(&live.url("/api/control"), r#"{"cmd": "resume"}"#);
    assert_eq!(status, 200);
    let state_tick = get_json(&live.url("/api/state"))["tick"]
        .as_u64()
        .unwrap_or(0);
    live.wait_for("ticks after the pause", || {
        get_json(&live.url("/api/state"))["tick"].as_u64() > Some(state_tick + 3)
    });
    let (_, body) = get(&live.url("/metrics"));
    let text = String::from_utf8_lossy(&body);
    let count = metric(&text, "tinydisplay_tick_duration_seconds_count");
    let ticks = metric(&text, "tinydisplay_ticks_total");
    assert!(count > 0, "the histogram filled");
    assert!(
        count <= ticks + 1,
        "{count} tick durations observed for {ticks} ticks"
    );
}

#[test]
fn the_preview_is_sent_at_its_own_rate_with_the_damage_in_between_merged() {
    // The marquee moves every tick at 30 fps; the preview goes out at 5 frames a second.
    let live = Live::start_with(common::compile(SCENE), None, 5);
    live.wait_for("a frame", || live.feed.frame().is_some());
    let open = || {
        let r = agent()
            .get(&live.url("/api/stream"))
            .call()
            .expect("a stream");
        BufReader::new(r.into_body().into_reader())
    };
    let (mut a, mut b) = (open(), open());
    let frames_of = |mut reader: &mut dyn BufRead| {
        let start = std::time::Instant::now();
        let mut ticks = Vec::new();
        events(&mut reader, |name, v| {
            if name == "frame" {
                ticks.push(v["tick"].as_u64().unwrap_or(0));
            }
            start.elapsed() > std::time::Duration::from_secs(2)
        });
        ticks
    };
    let ticks = frames_of(&mut a);
    // The whole frame, then about 5 a second (scheduling may stretch a period, never
    // shorten it): far fewer than the 60 ticks that changed.
    assert!(
        (4..=13).contains(&ticks.len()),
        "frames in 2 s at 5 fps: {ticks:?}"
    );
    let steps: Vec<u64> = ticks.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        steps.iter().skip(1).all(|&s| s >= 3),
        "each update merges the damage of several ticks: {steps:?}"
    );
    // A second viewer gets the same updates, encoded once for both.
    assert!(
        !frames_of(&mut b).is_empty(),
        "the second viewer is served too"
    );
}

/// Sends `request` as is on a new connection and reads the answer to its end:
/// (status, head and body as text).
fn raw(addr: std::net::SocketAddr, request: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connects");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("a timeout");
    s.write_all(request.as_bytes()).expect("sent");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// A POST of `body` to `/api/control` with these extra header lines.
fn control_request(headers: &str, body: &str) -> String {
    format!(
        "POST /api/control HTTP/1.1\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn cross_site_commands_are_refused_and_no_cors_is_sent() {
    let live = live();
    let host = format!("Host: {}\r\n", live.addr);
    let pause = r#"{"cmd": "pause"}"#;
    // A page on evil.example posting a "simple" request (no preflight) to a rebound name.
    let evil = control_request(
        "Host: evil.example\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\n",
        pause,
    );
    let (status, text) = raw(live.addr, &evil);
    assert!(status == 403 || status == 415, "{text}");
    // Each check on its own: the Host, the Origin, the content type.
    let (status, text) = raw(
        live.addr,
        &control_request(
            "Host: evil.example\r\nContent-Type: application/json\r\n",
            pause,
        ),
    );
    assert_eq!(status, 403, "{text}");
    let (status, text) = raw(
        live.addr,
        &control_request(
            &format!("{host}Origin: http://evil.example\r\nContent-Type: application/json\r\n"),
            pause,
        ),
    );
    assert_eq!(status, 403, "{text}");
    let (status, text) = raw(
        live.addr,
        &control_request(&format!("{host}Content-Type: text/plain\r\n"), pause),
    );
    assert_eq!(status, 415, "{text}");
    for (_, text) in [
        raw(live.addr, &evil),
        raw(
            live.addr,
            &format!(
                "GET /api/state HTTP/1.1\r\n{host}Origin: http://evil.example\r\nConnection: close\r\n\r\n"
            ),
        ),
    ] {
        assert!(
            !text.to_ascii_lowercase().contains("access-control-allow"),
            "{text}"
        );
    }
    assert_eq!(get_json(&live.url("/api/state"))["paused"], json!(false));
    // The page's own requests (same origin, JSON) work.
    let (status, text) = raw(
        live.addr,
        &control_request(
            &format!(
                "{host}Origin: http://{}\r\nContent-Type: application/json; charset=utf-8\r\n",
                live.addr
            ),
            pause,
        ),
    );
    assert_eq!(status, 200, "{text}");
    assert_eq!(get_json(&live.url("/api/state"))["paused"], json!(true));
    let (status, reply) = post(&live.url("/api/control"), r#"{"cmd": "resume"}"#);
    assert_eq!((status, reply), (200, json!({"ok": true})));
}

#[test]
fn idle_connections_are_closed_and_a_client_with_a_request_is_served() {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let live = Live::start_config(common::compile(SCENE), |c| {
        c.limits.max_connections = 8;
        c.limits.idle_timeout = Duration::from_secs(2);
    });
    // More idle connections than the cap: they send nothing.
    let idle: Vec<std::net::TcpStream> = (0..20)
        .map(|_| std::net::TcpStream::connect(live.addr).expect("connects"))
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let state = get_json(&live.url("/api/state"));
    assert!(state["tick"].as_u64().is_some(), "{state}");
    // Every idle one is closed by the server (EOF or reset), none left hanging.
    let end = Instant::now() + Duration::from_secs(20);
    for (i, mut s) in idle.into_iter().enumerate() {
        let left = end
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(10));
        s.set_read_timeout(Some(left)).expect("a timeout");
        let mut byte = [0u8; 1];
        match s.read(&mut byte) {
            Ok(0) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            other => panic!("idle connection {i} still open: {other:?}"),
        }
    }
    let (status, reply) = post(&live.url("/api/control"), r#"{"cmd": "pause"}"#);
    assert_eq!((status, reply), (200, json!({"ok": true})));
}

#[test]
fn a_token_file_gives_its_first_line() {
    let dir = std::env::temp_dir().join(format!("td-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let file = dir.join("token");
    std::fs::write(&file, "  s3cret \r\nsecond line\n# a comment\n").expect("written");
    let addr = "127.0.0.1:0".parse().expect("an address");
    let config = HttpConfig::new(addr, Some(&file)).expect("a config");
    assert_eq!(config.token.as_deref(), Some("s3cret"));
    std::fs::write(&file, "\nsecond line\n").expect("written");
    assert!(matches!(
        HttpConfig::new(addr, Some(&file)),
        Err(HttpError::Token { .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_refused_set_is_an_error_and_the_dataset_is_bounded() {
    let live = Live::start(
        common::compile(
            r#"Scene(
    display: (width: 32, height: 8, mode: Mono, fps: 30),
    limits: (value_bytes: 1000, dataset_keys: 40),
    widgets: [],
)"#,
        ),
        None,
    );
    let big = json!({"cmd": "set", "key": "t.big", "value": "x".repeat(5000)});
    let (status, reply) = post(&live.url("/api/control"), &big.to_string());
    assert_eq!(status, 409, "{reply}");
    assert_eq!(reply["ok"], json!(false), "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .is_some_and(|e| e.contains("limits.value_bytes")),
        "{reply}"
    );
    // New namespaces, `_` ones included, until the whole dataset is full.
    let mut refused = None;
    for i in 0..100 {
        let cmd = json!({"cmd": "set", "key": format!("_flood{i}.k"), "value": i});
        let (status, reply) = post(&live.url("/api/control"), &cmd.to_string());
        if status != 200 {
            refused = Some((i, status, reply));
            break;
        }
    }
    let (i, status, reply) = refused.expect("the dataset refused new keys");
    assert!(i <= 40, "{i} keys went in");
    assert_eq!(status, 409, "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .is_some_and(|e| e.contains("limits.dataset_keys")),
        "{reply}"
    );
    let state = get_json(&live.url("/api/state"));
    assert!(state["dataset_keys"].as_u64() <= Some(40), "{state}");
    // Existing keys still change.
    let cmd = json!({"cmd": "set", "key": "_flood0.k", "value": "again"});
    assert_eq!(post(&live.url("/api/control"), &cmd.to_string()).0, 200);
}

#[test]
fn slow_headers_and_bodies_are_cut_off() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let live = Live::start_config(common::compile(SCENE), |c| {
        c.limits.header_timeout = Duration::from_secs(1);
        c.limits.body_timeout = Duration::from_secs(1);
    });
    // Headers a byte at a time: bytes keep coming, so only the header timeout ends it.
    let mut s = std::net::TcpStream::connect(live.addr).expect("connects");
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .expect("a timeout");
    let end = Instant::now() + Duration::from_secs(15);
    let header = format!("GET /api/state HTTP/1.1\r\nHost: {}\r\nX-Slow: ", live.addr);
    s.write_all(header.as_bytes()).expect("sent");
    let closed = loop {
        assert!(Instant::now() < end, "slow headers were never cut off");
        if s.write_all(b"a").is_err() {
            break true;
        }
        let mut buf = [0u8; 256];
        match s.read(&mut buf) {
            Ok(_) => break true,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => break true,
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(closed);
    // A body that stops halfway: 408.
    let mut s = std::net::TcpStream::connect(live.addr).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("a timeout");
    let head = format!(
        "POST /api/control HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"cmd\"",
        live.addr
    );
    s.write_all(head.as_bytes()).expect("sent");
    let mut answer = [0u8; 64];
    let n = s.read(&mut answer).expect("an answer");
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
}
