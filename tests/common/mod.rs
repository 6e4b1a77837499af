//! Helpers shared by the integration tests: run a scene headless, compare with golden PNGs.
#![allow(dead_code, reason = "each test binary uses a different subset")]

#[cfg(feature = "http")]
pub mod live;
#[cfg(feature = "http")]
pub mod webdriver;

use std::path::{Path, PathBuf};

use bevy_app::App;
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::engine::Engine;
use tinydisplay::render::FrameBuffer;
use tinydisplay::scene::{CompiledScene, compile_str};
use tinydisplay::widget::kinds::Kinds;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compiles scene text as if it were a file in `scenes/` (so `../assets/...` paths work).
/// Its data sources are dropped: frames must not depend on a clock or a thread's timing.
pub fn compile(src: &str) -> CompiledScene {
    let mut scene = compile_with_sources(src);
    scene.sources.clear();
    scene
}

/// Like [`compile`], keeping the scene's data sources.
pub fn compile_with_sources(src: &str) -> CompiledScene {
    let path = root().join("scenes").join("test.ron");
    match compile_str(src, &path) {
        Ok(s) => s,
        Err(e) => panic!("scene did not compile:\n{e}"),
    }
}

/// Like [`compile_with_sources`] for a scene naming the kinds registered on `kinds`.
pub fn compile_kinds(src: &str, kinds: &Kinds) -> CompiledScene {
    let path = root().join("scenes").join("test.ron");
    match tinydisplay::scene::compile_str_with(src, &path, kinds) {
        Ok(s) => s,
        Err(e) => panic!("scene did not compile:\n{e}"),
    }
}

/// An app with the engine, `kinds` and the scene, not yet run.
pub fn app_kinds(scene: CompiledScene, kinds: &Kinds) -> App {
    Engine::new(scene).kinds(kinds.clone()).build()
}

/// An app with the engine and the scene, not yet run.
pub fn app_for(scene: CompiledScene) -> App {
    Engine::new(scene).build()
}

/// Runs scene text for `ticks` ticks and returns the frame.
pub fn render(src: &str, ticks: u64) -> FrameBuffer {
    let mut app = app_for(compile(src));
    run_ticks(&mut app, RunMode::Ticks(ticks));
    app.world().resource::<FrameBuffer>().clone()
}

/// Writes a frame as an RGB PNG.
pub fn save_png(fb: &FrameBuffer, path: &Path) {
    image::save_buffer(
        path,
        &fb.to_rgb8(),
        fb.width(),
        fb.height(),
        image::ExtendedColorType::Rgb8,
    )
    .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

/// Compares a frame with `tests/golden/NAME.png`. On a difference it writes
/// `NAME.actual.png` and `NAME.diff.png` (differing pixels red) next to it and fails.
/// `TINYDISPLAY_BLESS=1` (re)writes the expectation instead.
pub fn assert_golden(name: &str, fb: &FrameBuffer) {
    let dir = root().join("tests").join("golden");
    let expected_path = dir.join(format!("{name}.png"));
    if std::env::var_os("TINYDISPLAY_BLESS").is_some_and(|v| v == "1") {
        save_png(fb, &expected_path);
        return;
    }
    let expected = match image::open(&expected_path) {
        Ok(img) => img.to_rgb8(),
        Err(e) => {
            save_png(fb, &dir.join(format!("{name}.actual.png")));
            panic!(
                "no golden image {} ({e}); inspect {name}.actual.png and run with TINYDISPLAY_BLESS=1 to accept it",
                expected_path.display()
            );
        }
    };
    let actual = fb.to_rgb8();
    let same_size = expected.width() == fb.width() && expected.height() == fb.height();
    if same_size && expected.as_raw() == &actual {
        return;
    }
    save_png(fb, &dir.join(format!("{name}.actual.png")));
    let mut differing = 0;
    if same_size {
        let mut diff = Vec::with_capacity(actual.len());
        for (a, e) in actual.chunks(3).zip(expected.as_raw().chunks(3)) {
            if a == e {
                diff.extend(a.iter().map(|v| v / 4));
            } else {
                differing += 1;
                diff.extend_from_slice(&[255, 0, 0]);
            }
        }
        let _ = image::save_buffer(
            dir.join(format!("{name}.diff.png")),
            &diff,
            fb.width(),
            fb.height(),
            image::ExtendedColorType::Rgb8,
        );
    }
    panic!(
        "frame differs from {} ({} differing pixels; expected {}×{}, got {}×{}); see {name}.actual.png and {name}.diff.png",
        expected_path.display(),
        differing,
        expected.width(),
        expected.height(),
        fb.width(),
        fb.height()
    );
}

/// Sends a data update into the app's inbox (it lands at the next tick's Ingest).
pub fn set(app: &mut App, key: &str, value: serde_json::Value) {
    let tx = app
        .world()
        .resource::<tinydisplay::data::ingest::DataInbox>()
        .sender();
    tx.send(tinydisplay::source::Message::Set {
        key: key.into(),
        value,
    })
    .expect("inbox open");
}
