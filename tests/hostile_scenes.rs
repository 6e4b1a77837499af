//! `check` says ok ⇒ `run` works: scenes that used to pass the check and then take `run`
//! down (or take `check` itself down) are refused at file:line:col, or run bounded.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::data::Dataset;
use tinydisplay::scene::{Problem, SceneError, Severity, compile_str};

/// Compiles `src` as a file in `dir` and returns its errors (the scene must be refused).
fn errors_in(src: &str, dir: &Path) -> Vec<Problem> {
    let path = dir.join("hostile.ron");
    match compile_str(src, &path) {
        Ok(_) => panic!("scene was accepted:\n{src}"),
        Err(SceneError::Invalid(p)) => p
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .collect(),
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// Asserts the scene is refused with one error at `line:col` mentioning `needle`.
fn refused_at(src: &str, line: usize, col: usize, needle: &str) {
    let errors = errors_in(src, &common::root().join("scenes"));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let shown = errors[0].to_string();
    assert!(
        shown.contains(&format!("hostile.ron:{line}:{col}: error: ")),
        "{shown}"
    );
    assert!(shown.contains(needle), "{shown:?} lacks {needle:?}");
}

/// Runs `f` on a thread; fails if it does not finish within a generous limit.
fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("hung: did not finish within 60 s")
}

#[test]
fn a_rectangle_of_height_i32_max_is_refused() {
    refused_at(
        "Scene(widgets: [\n  Rectangle(width: 10,\n    height: 2147483647),\n])",
        2,
        3,
        "limits.layer_pixels",
    );
}

#[test]
fn a_huge_canvas_is_refused() {
    refused_at(
        "Scene(widgets: [\n  Canvas(width: 100000, height: 100000, children: [\n    Text(text: \"a\"),\n  ]),\n])",
        2,
        3,
        "10000000000 pixels",
    );
}

#[test]
fn a_huge_image_box_is_refused_before_anything_is_allocated() {
    refused_at(
        "Scene(widgets: [\n  Image(file: \"../assets/images/play.png\",\n        width: 100000, height: 100000),\n])",
        2,
        3,
        "100000×100000",
    );
}

#[test]
fn wrapped_text_with_a_huge_negative_line_spacing_is_refused() {
    refused_at(
        "Scene(widgets: [\n  Text(text: \"a b c d e f g h i j k l m n o p\", width: 20, wrap: true,\n       line_spacing: -1000000),\n])",
        3,
        8,
        "line_spacing",
    );
}

#[test]
fn font_sizes_nan_negative_and_huge_are_refused() {
    for size in ["NaN", "-1", "1e30", "inf"] {
        let src = format!(
            "Scene(\n  fonts: {{\n    \"x\": (file: \"../assets/fonts/DejaVuSans.ttf\",\n           size: {size}),\n  }},\n)"
        );
        refused_at(&src, 4, 12, "size must be 1 to 512");
    }
}

/// The bytes of a PNG whose header says `w`×`h` grey (its data is cut short).
fn png_header(w: u32, h: u32) -> Vec<u8> {
    fn crc(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in bytes {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8; 4], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[]);
    chunk(b"IEND", &[]);
    out
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tinydisplay-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a temp dir");
    d
}

#[test]
fn a_20000_square_png_is_refused_from_its_header() {
    let dir = temp_dir("png");
    std::fs::write(dir.join("huge.png"), png_header(20_000, 20_000)).expect("write");
    let errors = errors_in("Scene(widgets: [\n  Image(file: \"huge.png\"),\n])", &dir);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let shown = errors[0].to_string();
    assert!(shown.contains(":2:9: error: "), "{shown}");
    assert!(shown.contains("20000×20000"), "{shown}");
}

#[test]
fn a_template_with_nested_loops_runs_out_of_fuel_and_shows_its_fallback() {
    let src = r#"Scene(display: (width: 64, height: 16), widgets: [
        Text(text: "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}x{% endfor %}{% endfor %}{% endfor %}{{ t.n }}",
             fallback: "busy"),
    ], data: (initial: {"t.n": 1}))"#;
    let fb = within_a_minute(move || common::render(src, 3));
    // The fallback "busy" is drawn: some pixel is lit.
    let lit = (0..fb.height()).any(|y| (0..fb.width()).any(|x| fb.gray(x, y) > 0));
    assert!(lit, "the fallback was not shown");
}

#[test]
fn a_scene_with_a_byte_order_mark_is_accepted() {
    let src = "\u{feff}Scene(widgets: [Text(text: \"hi\")])";
    let path = common::root().join("scenes").join("bom.ron");
    let scene = compile_str(src, &path);
    assert!(scene.is_ok(), "{:?}", scene.err().map(|e| e.to_string()));
}

fn nested_canvases(depth: usize) -> String {
    let mut src = String::from("Scene(widgets: [\n");
    for _ in 0..depth {
        src.push_str("Canvas(width: 8, height: 8, children: [\n");
    }
    for _ in 0..depth {
        src.push_str("]),\n");
    }
    src.push_str("])\n");
    src
}

#[test]
fn canvases_nested_within_the_documented_limit_are_accepted() {
    // 2 + 2 × 19 = 40 brackets: the documented limit, below ron's own recursion limit.
    let path = common::root().join("scenes").join("deep.ron");
    let result = compile_str(&nested_canvases(19), &path);
    assert!(result.is_ok(), "{:?}", result.err().map(|e| e.to_string()));
}

#[test]
fn canvases_nested_too_deep_get_our_own_error() {
    let src = nested_canvases(40);
    let errors = errors_in(&src, &common::root().join("scenes"));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let shown = errors[0].to_string();
    assert!(shown.contains("nests deeper than"), "{shown}");
    assert!(!shown.to_lowercase().contains("recursion limit"), "{shown}");
    assert!(errors[0].line > 1, "located: {shown}");
}

#[test]
fn a_huge_value_is_refused_and_a_marquee_stays_small() {
    let big = "x".repeat(10 * 1024 * 1024);
    let src = format!(
        r#"Scene(display: (width: 64, height: 16), widgets: [
        Marquee(width: 64, height: 8, child: Text(text: "{{{{ t.title }}}}", fallback: "none")),
    ], data: (initial: {{"t.title": "{big}"}}))"#
    );
    let (value, refused) = within_a_minute(move || {
        let mut app = common::app_for(common::compile(&src));
        run_ticks(&mut app, RunMode::Ticks(3));
        let data = app.world().resource::<Dataset>();
        (
            data.get("t.title").cloned(),
            data.get("_data.t.refused").cloned(),
        )
    });
    assert_eq!(value, None, "the 10 MB value was stored");
    assert!(
        refused
            .as_ref()
            .and_then(|v| v.as_str())
            .is_some_and(|s| s.contains("limits.value_bytes")),
        "{refused:?}"
    );
}

#[test]
fn snapshot_files_must_be_one_per_namespace_and_inside_the_scene_folder() {
    let src = r#"Scene(data: (persist: [
    (namespace: "a", file: "state.json"),
    (namespace: "b", file: "state.json"),
    (namespace: "c", file: ""),
    (namespace: "d", file: "../outside.json"),
    (namespace: "e", file: "state/../../x.json"),
    (namespace: "f", file: "/var/lib/tinydisplay/f.json"),
]))"#;
    let errors = errors_in(src, &common::root().join("scenes"));
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 4, "{shown:#?}");
    assert!(
        shown[0].contains(":3:") && shown[0].contains("already the snapshot of namespace \"a\""),
        "{shown:#?}"
    );
    assert!(
        shown[1].contains(":4:") && shown[1].contains("empty"),
        "{shown:#?}"
    );
    assert!(
        shown[2].contains(":5:") && shown[2].contains("leaves the scene's folder"),
        "{shown:#?}"
    );
    assert!(
        shown[3].contains(":6:") && shown[3].contains("leaves the scene's folder"),
        "{shown:#?}"
    );
}

#[test]
fn zero_limits_are_refused() {
    refused_at(
        "Scene(limits: (\n  value_bytes: 0))",
        2,
        3,
        "value_bytes must be at least 1",
    );
}
