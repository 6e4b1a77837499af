//! The command line as a user runs it.

mod common;

use std::path::PathBuf;
use std::process::Command;

fn tinydisplay() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tinydisplay"));
    c.current_dir(common::root());
    c
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tinydisplay-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// Runs a command and asserts it succeeded (showing its stderr if not).
fn succeed(cmd: &mut Command) -> std::process::Output {
    let result = cmd.output().expect("the command runs");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    result
}

/// Runs `tinydisplay run SCENE --ticks N --sink SINK --out OUT` and asserts it succeeded.
/// Waits up to 60 s (a hang guard, not a timing) for `child` to exit: its status; killed
/// and `hung` panicked with when it does not.
fn exit_within(child: &mut std::process::Child, hung: &str) -> std::process::ExitStatus {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("waits") {
            return status;
        }
        if std::time::Instant::now() > end {
            let _ = child.kill();
            panic!("{hung}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn run_ok(scene: &str, ticks: u32, sink: &str, out: &std::path::Path) {
    let ticks = ticks.to_string();
    succeed(
        tinydisplay()
            .args(["run", scene, "--ticks", &ticks, "--sink", sink, "--out"])
            .arg(out),
    );
}

/// Whether the binary was built with every outside-world surface (the default build).
const FULL: bool = cfg!(all(
    feature = "http",
    feature = "mqtt",
    feature = "nats",
    feature = "mpd",
    feature = "gpio"
));

/// Every bundled scene checks clean; in a lean build, one naming a surface the build
/// lacks is refused only for that, each error naming the feature.
#[test]
fn check_accepts_every_bundled_scene() {
    let mut scenes: Vec<PathBuf> = std::fs::read_dir(common::root().join("scenes"))
        .expect("scenes/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    scenes.sort();
    assert!(scenes.len() >= 2);
    for scene in scenes {
        let out = tinydisplay()
            .arg("check")
            .arg(&scene)
            .output()
            .expect("run check");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !FULL && out.status.code() == Some(2) {
            let lacks = |l: &&str| l.contains("feature; this build was made without it");
            let errors: Vec<&str> = stderr.lines().filter(|l| l.contains(": error: ")).collect();
            assert!(
                !errors.is_empty() && errors.iter().all(lacks),
                "{}: {stderr}",
                scene.display()
            );
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{}: {stderr}", scene.display());
    }
}

/// The core scenes use no outside-world surface: every build, the leanest too, runs them.
#[test]
fn the_core_scenes_run_in_every_build() {
    for scene in [
        "scenes/reference.ron",
        "scenes/demo.ron",
        "scenes/panel.ron",
    ] {
        succeed(tinydisplay().args(["check", scene]));
        run_ok(scene, 30, "none", &temp("core.png"));
    }
}

/// A build without MQTT refuses a scene or a flag asking for it, saying which feature.
#[test]
#[cfg(not(feature = "mqtt"))]
fn a_build_without_mqtt_names_the_feature_it_lacks() {
    let out = tinydisplay()
        .args(["check", "scenes/home-assistant.ron"])
        .output()
        .expect("run check");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("scenes/home-assistant.ron:25:24: error: source kind `Mqtt` needs the `mqtt` feature; this build was made without it"),
        "{stderr}"
    );
    let out = tinydisplay()
        .args([
            "run",
            "scenes/reference.ron",
            "--ticks",
            "1",
            "--sink",
            "none",
        ])
        .args(["--mqtt", "mqtt://127.0.0.1:1883"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--mqtt needs the `mqtt` feature"),
        "{stderr}"
    );
}

/// A build without HTTP refuses `--http` rather than running without the server.
#[test]
#[cfg(not(feature = "http"))]
fn a_build_without_http_refuses_the_flag() {
    let out = tinydisplay()
        .args([
            "run",
            "scenes/reference.ron",
            "--ticks",
            "1",
            "--sink",
            "none",
        ])
        .args(["--http", "127.0.0.1:0"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--http needs the `http` feature"),
        "{stderr}"
    );
}

#[test]
fn check_refuses_a_bad_scene_with_status_2_and_every_problem() {
    let bad = temp("bad.ron");
    std::fs::write(&bad, "Scene(widgets: [\n  Text(text: \"x\", font: \"nope\"),\n  Rectangle(width: 4, height: 4, fill: \"#zz\"),\n])").expect("write");
    let out = tinydisplay()
        .arg("check")
        .arg(&bad)
        .output()
        .expect("run check");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.ron:2:"), "{err}");
    assert!(err.contains("bad.ron:3:"), "{err}");
    assert!(err.contains("2 error(s)"), "{err}");
}

#[test]
fn check_json_gives_every_problem_as_an_object_and_strict_refuses_warnings() {
    let bad = temp("bad-json.ron");
    std::fs::write(&bad, "Scene(widgets: [\n  Text(text: \"x\", colour: \"red\"),\n  Rectangle(width: 4, height: 4, fill: \"#zz\"),\n])").expect("write");
    let out = tinydisplay()
        .args(["check", "--format", "json"])
        .arg(&bad)
        .output()
        .expect("run check");
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let problems: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(problems.len(), 2, "{stdout}");
    assert_eq!(problems[0]["line"], 2);
    assert_eq!(problems[0]["column"], 19);
    assert_eq!(problems[0]["severity"], "error");
    assert_eq!(problems[0]["message"], "unknown field `colour`");
    assert!(
        problems[0]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("docs/scenes.md"))
    );
    assert_eq!(problems[1]["line"], 3);
    assert!(
        problems[1]["hint"]
            .as_str()
            .is_some_and(|h| h.starts_with("use \"#rgb\""))
    );
    assert!(
        problems[0]["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("bad-json.ron"))
    );

    let warn = temp("warn.ron");
    std::fs::write(&warn, "Scene(display: (width: 16, height: 8), widgets: [\n  Rectangle(x: 10, width: 10, height: 4),\n])").expect("write");
    let plain = tinydisplay()
        .arg("check")
        .arg(&warn)
        .output()
        .expect("check");
    assert_eq!(plain.status.code(), Some(0), "a warning alone passes");
    let strict = tinydisplay()
        .args(["check", "--strict"])
        .arg(&warn)
        .output()
        .expect("check --strict");
    assert_eq!(strict.status.code(), Some(2), "--strict refuses a warning");
    assert!(String::from_utf8_lossy(&strict.stderr).contains("warn.ron:2:3: warning"));
}

#[test]
fn run_refuses_a_bad_scene_too() {
    let bad = temp("bad-run.ron");
    std::fs::write(&bad, "Scene(widgets: [ Nope() ])").expect("write");
    let out = tinydisplay()
        .args(["run", "--ticks", "1", "--sink", "none"])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn run_png_writes_the_reference_frame() {
    let out_png = temp("reference.png");
    run_ok("scenes/reference.ron", 3, "png", &out_png);
    let written = image::open(&out_png).expect("png written").to_rgb8();
    let golden = image::open(common::root().join("tests/golden/reference.png"))
        .expect("golden")
        .to_rgb8();
    assert_eq!(written.dimensions(), golden.dimensions());
    assert!(
        written.as_raw() == golden.as_raw(),
        "run --sink png differs from the golden reference frame"
    );
}

#[test]
fn run_png_with_tick_pattern_writes_every_frame() {
    let dir = temp("frames");
    let pattern = dir.join("f-{tick}.png");
    run_ok("scenes/reference.ron", 4, "png", &pattern);
    let count = std::fs::read_dir(&dir).expect("frames dir").count();
    assert_eq!(count, 4);
}

#[test]
fn run_gif_records_one_frame_per_tick() {
    let gif_path = temp("demo.gif");
    run_ok("scenes/demo.ron", 12, "gif", &gif_path);
    let file = std::fs::File::open(&gif_path).expect("gif written");
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut dec = opts.read_info(file).expect("a gif");
    let mut frames = 0;
    while dec.read_next_frame().expect("frame").is_some() {
        frames += 1;
    }
    assert_eq!(frames, 12);
}

#[test]
fn png_and_gif_sinks_sharing_out_each_write_their_own_file() {
    let dir = temp("both");
    std::fs::create_dir_all(&dir).expect("dir");
    run_ok("scenes/reference.ron", 3, "png,gif", &dir.join("x.png"));
    let png = std::fs::read(dir.join("x.png")).expect("x.png written");
    assert!(png.starts_with(b"\x89PNG"), "x.png is not a PNG");
    let gif = std::fs::read(dir.join("x.gif")).expect("x.gif written");
    assert!(gif.starts_with(b"GIF8"), "x.gif is not a GIF");
    let refused = tinydisplay()
        .args(["run", "scenes/reference.ron", "--ticks", "2"])
        .args(["--sink", "png,gif", "--out"])
        .arg(dir.join("f-{tick}.png"))
        .output()
        .expect("runs");
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("gif"), "{err}");
}

#[test]
fn a_failing_panel_does_not_hold_a_run_back() {
    // Every write to /dev/full fails. The panel thread backs off (up to a second between
    // tries); a run of 120 ticks must not wait for it tick after tick (it took about two
    // minutes when it did), nor at its end; each new failure is a `panel_error` event.
    let mut child = tinydisplay()
        .args(["run", "scenes/reference.ron", "--ticks", "120"])
        .args(["--sink", "panel", "--bus", "capture:/dev/full"])
        .env("RUST_LOG", "warn,tinydisplay::control::events=debug")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    let status = exit_within(
        &mut child,
        "a run of 120 ticks against a failing panel still ran after 60 s",
    );
    let out = child.wait_with_output().expect("its output");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(status.success(), "{err}");
    assert!(
        err.contains("No space left on device"),
        "the failure is logged: {err}"
    );
    // The failures are an engine event (what the event topics and `/api/events` carry).
    assert!(
        err.contains(r#""event":"panel_error","panel":"panel ssd1322 on capture /dev/full""#),
        "a panel_error event: {err}"
    );
}

#[test]
fn wait_data_lets_a_short_run_show_a_slow_sources_value() {
    let scene = temp("slow.ron");
    std::fs::write(
        &scene,
        r#"Scene(
    display: (width: 32, height: 8, mode: Mono),
    sources: {"slow": (source: Command(program: "sh", args: ["-c", "sleep 0.4; echo 88"],
                                       format: Text, namespace: "slow"))},
    widgets: [Rectangle(width: 32, height: 8, fill: "white", when: "slow.text == '88'")],
)"#,
    )
    .expect("scene");
    let lit = |extra: &[&str]| {
        let out = scene.with_extension(format!("{}.png", extra.len()));
        succeed(
            tinydisplay()
                .arg("run")
                .arg(&scene)
                .args(["--ticks", "1", "--sink", "png", "--no-watch"])
                .args(extra)
                .arg("--out")
                .arg(&out),
        );
        let img = image::open(&out).expect("png").to_luma8();
        img.pixels().filter(|p| p.0[0] > 128).count()
    };
    assert_eq!(lit(&[]), 0, "one tick ends before the source answers");
    assert_eq!(lit(&["--wait-data", "10000"]), 32 * 8, "the value is shown");
}

#[test]
fn run_term_draws_half_blocks() {
    let out = tinydisplay()
        .args([
            "run",
            "scenes/reference.ron",
            "--ticks",
            "2",
            "--sink",
            "term",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains('▀'), "no half blocks in the preview");
}

#[test]
fn a_panel_capture_decodes_to_the_frame_the_png_sink_wrote() {
    let capture = temp("reference-capture.txt");
    let png = temp("reference-last.png");
    let decoded = temp("reference-decoded.png");
    let bus = format!("capture:{}", capture.display());
    succeed(
        tinydisplay()
            .args(["run", "scenes/reference.ron", "--ticks", "90"])
            .args(["--sink", "panel,png", "--bus", &bus, "--out"])
            .arg(&png),
    );
    let text = std::fs::read_to_string(&capture).expect("capture written");
    assert!(text.starts_with("# reset\nC FD\n"), "{}", &text[..20]);
    succeed(
        tinydisplay()
            .arg("decode")
            .arg(&capture)
            .args(["--display", "ssd1322", "--out"])
            .arg(&decoded),
    );
    let a = image::open(&png).expect("png").to_rgb8();
    let b = image::open(&decoded).expect("decoded").to_rgb8();
    assert_eq!(a.dimensions(), b.dimensions());
    assert!(
        a.as_raw() == b.as_raw(),
        "the decoded capture differs from the frame"
    );
}

#[test]
fn a_panel_without_spi_says_what_to_check() {
    if std::path::Path::new("/dev/spidev0.0").exists() {
        return; // a Pi with SPI on: the panel would open
    }
    let result = tinydisplay()
        .args([
            "run",
            "scenes/reference.ron",
            "--ticks",
            "1",
            "--sink",
            "panel",
        ])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(
        err.contains("/dev/spidev0.0") && err.contains("raspi-config"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn another_models_capture_is_refused_once_without_a_png() {
    let capture = temp("ssd1322-capture-for-1306.txt");
    let out = temp("wrong-model.png");
    let _ = std::fs::remove_file(&out);
    let bus = format!("capture:{}", capture.display());
    succeed(
        tinydisplay()
            .args(["run", "scenes/reference.ron", "--ticks", "3"])
            .args(["--sink", "panel", "--bus", &bus]),
    );
    let result = tinydisplay()
        .arg("decode")
        .arg(&capture)
        .args(["--display", "ssd1306", "--out"])
        .arg(&out)
        .output()
        .expect("decode");
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(!out.exists(), "no PNG for a capture that does not decode");
    assert!(
        err.lines().count() <= 5,
        "the problem is said once, not once per byte: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn decode_refuses_an_unknown_display() {
    let capture = temp("empty-capture.txt");
    std::fs::write(&capture, "C AE\n").expect("write");
    let result = tinydisplay()
        .arg("decode")
        .arg(&capture)
        .args(["--display", "ssd9999"])
        .output()
        .expect("decode");
    assert_eq!(result.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&result.stderr).contains("ssd1322"));
}

#[test]
#[cfg(feature = "bench")]
fn bench_prints_one_json_object_per_configuration() {
    let result = succeed(
        tinydisplay()
            .args(["bench", "scenes/reference.ron", "--ticks", "40"])
            .args(["--workers", "0,1", "--churn", "--json"]),
    );
    let out = String::from_utf8_lossy(&result.stdout);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2);
    for (v, workers) in lines.iter().zip([0, 1]) {
        assert_eq!(v["workers"], workers);
        assert_eq!(v["cold"], false);
        assert_eq!(v["display"], "ssd1322");
        assert_eq!(
            v["bytes_full"], 8199,
            "a full SSD1322 frame: window + 8192 bytes"
        );
        assert!(v["tick_us"]["median"].as_f64().is_some_and(|t| t > 0.0));
        // The clock, the bar and the marquee change every tick, so every tick sends bytes:
        // only the cells that differ from what the panel holds, never more than the
        // damage's aligned rectangles need.
        let mean = v["bytes_damage_mean"].as_f64().unwrap_or(0.0);
        assert!(mean > 200.0 && mean < 8199.0, "{mean}");
        let need = v["bytes_need_mean"].as_f64().unwrap_or(0.0);
        assert!(mean < need, "{mean} bytes sent, the damage needs {need}");
        assert!(v["need_ratio"].as_f64().is_some_and(|r| r < 1.0), "{v}");
        assert_eq!(v["over_need_ticks"], 0);
    }
    assert!(lines[0]["hit_rate"].is_null(), "no queue without workers");
    // A scene this cheap to paint is painted inline: render-ahead does not engage
    // (engage_above_us), so no queue figures either.
    assert!(
        lines[1]["hit_rate"].is_null(),
        "render-ahead engages only when it pays"
    );
    assert_eq!(lines[1]["workers"], 1);
}

#[test]
#[cfg(feature = "bench")]
fn bench_cold_evicts_the_caches_before_each_tick_and_says_so() {
    let result = succeed(
        tinydisplay()
            .args(["bench", "scenes/reference.ron", "--ticks", "5"])
            .args(["--workers", "0", "--cold", "--json"]),
    );
    let v: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&result.stdout).trim()).expect("JSON");
    assert_eq!(v["cold"], true);
    assert_eq!(v["ticks"], 5);
    let human = succeed(
        tinydisplay()
            .args(["bench", "scenes/reference.ron", "--ticks", "2"])
            .args(["--workers", "0", "--cold"]),
    );
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("caches evicted before each tick"),
        "the report says its ticks were cold"
    );
}

/// Starts `run` in real time on a captured SSD1306, waits until it drew, sends `signal`
/// and waits for it to end; returns the capture's text and whether the snapshot exists.
fn run_until_signal(tag: &str, on_exit: &str, signal: &str) -> (String, bool) {
    let capture = temp(&format!("{tag}-capture.txt"));
    let snapshot = temp(&format!("{tag}-mpd.json"));
    let scene = temp(&format!("{tag}.ron"));
    let _ = std::fs::remove_file(&capture);
    let _ = std::fs::remove_file(&snapshot);
    std::fs::write(
        &scene,
        format!(
            r#"Scene(
    display: (width: 128, height: 64, mode: Mono, fps: 20, driver: Ssd1306, on_exit: {on_exit}),
    data: (initial: {{"mpd.title": "kept"}}, persist: [(namespace: "mpd", file: {:?}, every_s: 3600)]),
    widgets: [Rectangle(width: 128, height: 64, fill: "white")],
)"#,
            snapshot.display().to_string()
        ),
    )
    .expect("scene");
    let mut child = tinydisplay()
        .arg("run")
        .arg(&scene)
        // Without hot reload, SIGHUP ends the run like SIGTERM (with it, SIGHUP reloads).
        .arg("--no-watch")
        .args(["--sink", "panel", "--bus"])
        .arg(format!("capture:{}", capture.display()))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    // Hang guard only: wait until the first frame reached the capture.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_to_string(&capture).map_or(true, |t| !t.contains("D FF")) {
        assert!(std::time::Instant::now() < until, "no frame was captured");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = exit_within(&mut child, &format!("did not stop after {signal}"));
    assert!(status.success(), "{signal}: exit status {status}");
    (
        std::fs::read_to_string(&capture).expect("capture"),
        snapshot.exists(),
    )
}

#[test]
fn sigterm_and_sighup_shut_down_like_ctrl_c() {
    for (signal, on_exit) in [("-TERM", "Clear"), ("-HUP", "Sleep"), ("-INT", "Keep")] {
        let tag = format!("signal{signal}");
        let (capture, saved) = run_until_signal(&tag, on_exit, signal);
        assert!(saved, "{signal}: the snapshot was saved at shutdown");
        let tail: Vec<&str> = capture.lines().rev().take(3).collect();
        match on_exit {
            // The last thing sent is an all-off frame.
            "Clear" => assert!(
                capture
                    .rsplit("D FF")
                    .next()
                    .is_some_and(|rest| rest.contains("D 00")),
                "{signal}: the last frame clears the panel: {tail:?}"
            ),
            // SSD1306 display off (0xAE) comes last.
            "Sleep" => assert!(
                tail.iter().any(|l| l.contains("C AE")),
                "{signal}: {tail:?}"
            ),
            _ => assert!(
                !capture
                    .rsplit("D FF")
                    .next()
                    .is_some_and(|rest| rest.contains("D 00") || rest.contains("C AE")),
                "{signal}: Keep leaves the last frame: {tail:?}"
            ),
        }
    }
}

#[test]
fn decode_refuses_a_capture_of_another_model_on_the_same_controller_and_an_empty_one() {
    use tinydisplay::panel::bus::CaptureBus;
    use tinydisplay::panel::{Model, Panel, Rotation, Settings, Wire};
    use tinydisplay::render::FrameBuffer;
    let capture_of = |name: &str| {
        let m = Model::named(name).expect("a model");
        let (w, h) = m.native();
        let fb = FrameBuffer::new(w, h, m.mode());
        let mut panel = Panel::new(m, Rotation::R0, Settings::default());
        let mut wire = Wire::new();
        panel.init(&mut wire);
        panel.full(&fb, &mut wire);
        let mut bus = CaptureBus::new(Vec::new(), "memory".into());
        wire.send(&mut bus).expect("captured");
        let path = temp(&format!("{name}.capture"));
        std::fs::write(&path, bus.into_inner()).expect("written");
        path
    };
    let decode = |capture: &PathBuf, display: &str| {
        let out = temp(&format!("decoded-{display}.png"));
        let _ = std::fs::remove_file(&out);
        let result = tinydisplay()
            .arg("decode")
            .arg(capture)
            .args(["--display", display, "--out"])
            .arg(&out)
            .output()
            .expect("decode");
        (
            result.status.code(),
            String::from_utf8_lossy(&result.stderr).into_owned(),
            out.exists(),
        )
    };
    for (a, b) in [
        ("ssd1306", "ssd1306-128x32"),
        ("ssd1306-128x32", "ssd1306"),
        ("st7789", "ili9341"),
        ("ili9341", "st7789"),
    ] {
        let cap = capture_of(a);
        let (code, err, png) = decode(&cap, a);
        assert_eq!(code, Some(0), "{a} as itself: {err}");
        assert!(png);
        let (code, err, png) = decode(&cap, b);
        assert_eq!(code, Some(1), "{a} as {b}: {err}");
        assert!(
            err.contains(&format!("not a {b} capture")) && err.contains("init sequence"),
            "{err}"
        );
        assert!(!png, "no PNG for {a} as {b}");
    }
    let empty = temp("empty.capture");
    std::fs::write(&empty, "").expect("written");
    let (code, err, png) = decode(&empty, "ssd1306");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("empty"), "{err}");
    assert!(!png);
}

/// True once `pid` catches SIGTERM (bit 15 of `SigCgt` in /proc/PID/status).
fn catches_sigterm(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let mask = s
                .lines()
                .find_map(|l| l.strip_prefix("SigCgt:"))?
                .trim()
                .to_string();
            u64::from_str_radix(&mask, 16).ok()
        })
        .is_some_and(|m| m & (1 << (15 - 1)) != 0)
}

#[test]
fn sigterm_right_after_start_ends_the_run_cleanly_with_its_recording() {
    // The scene is a FIFO: the run blocks reading it, before the scene, the sinks and the
    // engine exist. Before, the handlers came after all of those: SIGTERM then killed the
    // process and no recording was written. Now SIGTERM is caught from the start.
    let dir = temp("early-term");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let fifo = dir.join("scene.ron");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("fifo");
    let rec = dir.join("early.tdrec");
    let child = tinydisplay()
        .arg("run")
        .arg(&fifo)
        .args(["--no-watch", "--sink", "none", "--record"])
        .arg(&rec)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !catches_sigterm(child.id()) {
        assert!(
            std::time::Instant::now() < deadline,
            "SIGTERM is not caught while the scene is being read"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("a pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("signalled");
    // The scene arrives after the signal: the run starts, sees it and ends cleanly.
    let writer = std::thread::spawn(move || {
        let scene = r#"Scene(display: (width: 32, height: 8), widgets: [Text(text: "hi")])"#;
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&fifo) {
            use std::io::Write;
            let _ = f.write_all(scene.as_bytes());
        }
    });
    let out = child.wait_with_output().expect("ends");
    let _ = writer.join();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{:?} {err}", out.status);
    let text = std::fs::read_to_string(&rec).expect("the recording");
    assert!(
        text.starts_with("{\"tdrec\":1") && text.trim_end().ends_with("\"end\":true}"),
        "{text}"
    );
}
