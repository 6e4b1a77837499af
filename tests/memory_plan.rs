//! `check`'s memory plan: a scene over its budget (`limits.memory_mb`, or `--device`) is
//! an error naming the biggest items, and `check --plan` prints every item.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use tinydisplay::scene::plan::{Device, plan};

fn check(args: &[&str], scene: &PathBuf) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
        .current_dir(common::root())
        .arg("check")
        .arg(scene)
        .args(args)
        .output()
        .expect("tinydisplay runs")
}

/// Writes a scene into a temporary folder and returns its path.
fn scene_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tinydisplay-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// A large colour display rendering 64 frames ahead on two workers: 67 frames of 3 MB.
const HEAVY: &str = r#"Scene(
    display: (width: 1024, height: 1024, mode: Rgb888, render_ahead: (workers: 2, depth: 64)),
    limits: (memory_mb: 100, dataset_bytes: 1000000),
    widgets: [Text(name: "t", text: "hi")],
)"#;

#[test]
fn a_scene_over_its_memory_budget_fails_naming_the_biggest_item() {
    let path = scene_file("heavy.ron", HEAVY);
    let out = check(&[], &path);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("over the budget of 100.0 MB"), "{err}");
    assert!(err.contains("limits.memory_mb: 100"), "{err}");
    let biggest = err.find("biggest items: ").map(|i| &err[i..]).unwrap_or("");
    assert!(
        biggest.starts_with("biggest items: render-ahead frames (depth 64 + 2 worker(s)"),
        "the render-ahead frames come first: {err}"
    );
    // Within a larger budget it passes.
    let light = scene_file(
        "light.ron",
        &HEAVY.replace("memory_mb: 100", "memory_mb: 400"),
    );
    let out = check(&[], &light);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_device_is_a_budget_of_its_ram_less_the_reserve() {
    let path = scene_file(
        "device.ron",
        &HEAVY
            .replace("memory_mb: 100, ", "")
            .replace("depth: 64", "depth: 100"),
    );
    let out = check(&["--device", "pi-zero-2w"], &path);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--device pi-zero-2w: 512 MB RAM less a 256 MB reserve"),
        "{err}"
    );
    let out = check(&["--device", "pi5"], &path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = check(&["--device", "pi6"], &path);
    assert_eq!(out.status.code(), Some(2), "an unknown device is refused");
}

#[test]
fn check_plan_prints_every_item_in_text_and_json() {
    let path = common::root().join("scenes").join("reference.ron");
    let out = check(&["--plan", "--device", "pi3"], &path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for item in [
        "frame buffer (256x64 Gray4)",
        "widget layers",
        "image play",
        "dataset: values and history buffers",
        "program baseline",
        "total",
        "budget (--device pi3: 1024 MB RAM less a 256 MB reserve): within",
    ] {
        assert!(text.contains(item), "{item:?} missing from:\n{text}");
    }
    let out = check(&["--plan", "--format", "json"], &path);
    let line = String::from_utf8_lossy(&out.stdout);
    let doc: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON object");
    let items = doc["plan"]["items"].as_array().expect("items");
    assert!(items.len() >= 5, "{doc}");
    assert!(
        doc["plan"]["total"].as_u64().is_some_and(|t| t > 0),
        "{doc}"
    );
}

/// An 8×4 GIF of `n` frames.
fn write_gif(path: &std::path::Path, n: usize) {
    let file = std::fs::File::create(path).expect("gif file");
    let mut enc = gif::Encoder::new(file, 8, 4, &[0, 0, 0, 255, 255, 255]).expect("encoder");
    enc.set_repeat(gif::Repeat::Infinite).expect("repeat");
    for k in 0..n {
        let pixels: Vec<u8> = (0..32).map(|i| u8::from(i % 8 < k % 8)).collect();
        let mut frame = gif::Frame::from_indexed_pixels(8, 4, pixels, None);
        frame.delay = 10;
        enc.write_frame(&frame).expect("frame");
    }
}

#[test]
fn decoded_gif_frames_count_in_the_plan() {
    let gif = |n: usize| {
        let path = scene_file(&format!("anim{n}.gif"), "");
        write_gif(&path, n);
        let scene = tinydisplay::scene::compile_str(
            &format!(
                r#"Scene(display: (width: 128, height: 64), widgets: [Image(name: "anim", file: "anim{n}.gif")])"#
            ),
            &path.with_file_name("scene.ron"),
        )
        .expect("the scene");
        plan(&scene, Some(Device::Pi4))
            .items
            .iter()
            .find(|i| i.what.starts_with("image anim"))
            .map_or(0, |i| i.bytes)
    };
    // A mono 8×4 layer is 64 bytes (colour and alpha): the first frame, then each frame.
    let (three, six) = (gif(3), gif(6));
    assert_eq!(six - three, 3 * 64, "three frames more: {three} → {six}");
}

#[test]
fn a_source_that_never_runs_holds_nothing_in_the_plan() {
    let sources = |enabled: &str| {
        let src = format!(
            r#"Scene(sources: {{"a": (source: Clock(), enabled: {enabled})}}, widgets: [])"#
        );
        let scene = tinydisplay::scene::compile_str(&src, "s.ron".as_ref()).expect("the scene");
        plan(&scene, None)
            .items
            .iter()
            .filter(|i| i.what.starts_with("source a"))
            .count()
    };
    assert_eq!(sources("true"), 1, "a running source counts");
    assert_eq!(sources("\"x == 1\""), 1, "one that may run counts");
    assert_eq!(sources("false"), 0, "one that never runs does not");
}

#[test]
fn an_image_whose_file_is_bound_counts_its_recent_files() {
    let src = r#"Scene(display: (width: 128, height: 64, mode: Mono), data: (initial: {"art": ""}),
        widgets: [Image(name: "art", file: "{{ art }}")])"#;
    let scene = tinydisplay::scene::compile_str(src, "s.ron".as_ref()).expect("the scene");
    let plan = plan(&scene, None);
    let item = plan
        .items
        .iter()
        .find(|i| i.what.starts_with("image art"))
        .expect("the bound image is in the plan");
    // Eight recent files at the display's size (a mono layer is 2 bytes a pixel), beside
    // the placeholder decoded at load.
    let recent = 8 * 128 * 64 * 2;
    assert!(
        (recent..recent + 64).contains(&item.bytes),
        "{} bytes: {}",
        item.bytes,
        item.what
    );
    assert!(item.what.contains("bound file: 8 recent"), "{}", item.what);
}
