//! The web preview in headless Chromium (through chromedriver): the canvas shows the
//! frame buffer's pixels, the pause button stops the tick, the form sets a key and the
//! canvas follows. A screenshot is left in target/test-artifacts/web-preview.png.

mod common;

use std::time::{Duration, Instant};

use common::live::{Live, get_json};
use common::webdriver::{Session, browser};
use serde_json::json;

const SCENE: &str = r#"Scene(
    display: (width: 128, height: 32, mode: Gray4, fps: 30),
    fonts: {"small": (file: "../assets/fonts/spleen-5x8.bdf")},
    data: (initial: {"demo.title": "hello", "demo.level": 0.4}),
    widgets: [
        Rectangle(width: 128, height: 32, outline: "gray60"),
        Marquee(x: 2, y: 2, width: 124, height: 8, px_per_tick: 1,
            child: Text(font: "small", text: "now playing: {{ demo.title }} - a long line that scrolls")),
        Text(x: 2, y: 12, font: "small", text: "{{ demo.title }}"),
        ProgressBar(x: 2, y: 24, width: 124, height: 5, value: "demo.level"),
    ],
)"#;

/// The canvas's pixels, sampled at the middle of each panel pixel (grey: the red channel).
const READ_CANVAS: &str = r#"
const c = document.getElementById("screen");
const v = window.tinydisplay;
if (!v.width || !c.width) return null;
const s = c.width / v.width;
const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
const out = [];
for (let y = 0; y < v.height; y++)
  for (let x = 0; x < v.width; x++)
    out.push(d[((y * s + (s >> 1)) * c.width + x * s + (s >> 1)) * 4]);
return {tick: v.tick, scale: s, pixels: out};
"#;

fn wait(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn canvas(session: &Session) -> Option<(u64, Vec<u8>)> {
    let v = session.eval(READ_CANVAS);
    let tick = v["tick"].as_u64()?;
    let px = v["pixels"]
        .as_array()?
        .iter()
        .map(|p| p.as_u64().unwrap_or(0) as u8)
        .collect();
    Some((tick, px))
}

#[test]
fn the_web_preview_shows_the_frame_and_steers_the_engine() {
    let (driver, chrome) = match browser() {
        Ok(b) => b,
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => panic!("{why}"),
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let live = Live::start(common::compile(SCENE), None);
    live.wait_for("a frame", || live.feed.frame().is_some());
    let profile = std::env::temp_dir().join(format!("tinydisplay-chrome-{}", std::process::id()));
    let session = Session::start(&driver, &chrome, profile);
    session.go(&live.url("/"));
    let guard = Duration::from_secs(60);
    wait("the page to draw frames", guard, || {
        session.eval("return window.tinydisplay.frames").as_u64() > Some(2)
    });

    // Pause from the page: the engine's tick stops.
    session.click("#pause");
    wait("the engine to pause", guard, || {
        get_json(&live.url("/api/state"))["paused"] == json!(true)
    });
    let t = get_json(&live.url("/api/state"))["tick"].as_u64();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        get_json(&live.url("/api/state"))["tick"].as_u64(),
        t,
        "paused, the tick stood still"
    );

    // The canvas is the frame buffer, pixel for pixel.
    let (fb, tick) = live.feed.frame().expect("a frame");
    wait("the canvas to show the paused frame", guard, || {
        canvas(&session).is_some_and(|(t, _)| t == tick)
    });
    let (_, shown) = canvas(&session).expect("canvas pixels");
    assert_eq!(
        shown,
        fb.data(),
        "canvas pixels differ from the frame buffer"
    );

    // Set a key in the form: the canvas changes (hang guard, not a timing assert).
    session.type_into("#key", "demo.title");
    session.type_into("#value", "\"changed!\"");
    session.click("#set");
    wait(
        "the canvas to change after setting a key",
        Duration::from_secs(30),
        || canvas(&session).is_some_and(|(_, px)| px != shown),
    );
    live.wait_for("the dataset", || {
        get_json(&live.url("/api/data?prefix=demo.title"))["demo.title"]["value"]
            == json!("changed!")
    });
    let (fb, _) = live.feed.frame().expect("a frame");
    wait("the canvas to show the new frame", guard, || {
        canvas(&session).is_some_and(|(_, px)| px == fb.data())
    });
    wait("the changed key to be marked", guard, || {
        session
            .eval(r##"return [...document.querySelectorAll("#data tbody tr")].some(r => r.dataset.key === "demo.title" && r.textContent.includes("changed!"))"##)
            == json!(true)
    });

    // Resume, let it move, and keep a picture of the page.
    session.click("#resume");
    wait("the engine to run again", guard, || {
        get_json(&live.url("/api/state"))["paused"] == json!(false)
    });
    let dir = common::root().join("target").join("test-artifacts");
    std::fs::create_dir_all(&dir).expect("the artefact folder");
    let png = session.screenshot();
    assert!(
        image::load_from_memory(&png).is_ok(),
        "the screenshot is a PNG"
    );
    std::fs::write(dir.join("web-preview.png"), png).expect("the screenshot is written");
}
