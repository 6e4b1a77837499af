//! Scene errors: one test per kind of problem, each checking the message names the file,
//! the line and the column.

mod common;

use tinydisplay::scene::{Problem, SceneError, Severity, compile_str};

/// Compiles `src` as scenes/bad.ron and returns its problems (the scene must be refused).
fn problems(src: &str) -> Vec<Problem> {
    let path = common::root().join("scenes").join("bad.ron");
    match compile_str(src, &path) {
        Ok(_) => panic!("scene was accepted:\n{src}"),
        Err(SceneError::Invalid(p)) => p,
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// Asserts exactly one error, at `line:col`, whose message contains `needle`.
fn one_error_at(src: &str, line: usize, col: usize, needle: &str) {
    let ps = problems(src);
    let errors: Vec<&Problem> = ps
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "expected one error, got {ps:#?}");
    let p = errors[0];
    let shown = p.to_string();
    assert!(
        shown.starts_with(&format!("{}:{line}:{col}: error: ", p.file.display())),
        "{shown}"
    );
    assert!(shown.contains("bad.ron"), "{shown}");
    assert!(shown.contains(needle), "{shown:?} lacks {needle:?}");
}

#[test]
fn syntax_error() {
    one_error_at("Scene(\n  display: (width: 10,\n  widgets: [\n)", 4, 1, "");
}

#[test]
fn unknown_widget_kind() {
    one_error_at(
        "Scene(widgets: [\n  Text(text: \"a\"),\n  Ticker(x: 1),\n])",
        3,
        3,
        "Marquee",
    );
}

#[test]
fn unknown_field() {
    one_error_at(
        "Scene(widgets: [\n  Text(text: \"a\",\n       colour: \"red\"),\n])",
        3,
        8,
        "unknown field `colour`",
    );
}

#[test]
fn wrong_type() {
    one_error_at(
        "Scene(widgets: [\n  Rectangle(width: \"wide\", height: 4),\n])",
        2,
        20,
        "",
    );
}

#[test]
fn missing_font_file() {
    one_error_at(
        "Scene(\n  fonts: {\n    \"x\": (file: \"../assets/fonts/nope.bdf\"),\n  },\n)",
        3,
        11,
        "nope.bdf",
    );
}

#[test]
fn broken_font_file() {
    let dir = std::env::temp_dir().join(format!("tinydisplay-badfont-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let font = dir.join("broken.bdf");
    std::fs::write(&font, "STARTFONT 2.1\nFONTBOUNDINGBOX 5 8 0 -1\nSTARTCHAR A\nENCODING 65\nBBX 5 8 0 -1\nBITMAP\nZZ\n")
        .expect("write font");
    let src = format!(
        "Scene(\n  fonts: {{ \"b\": (file: {:?}) }},\n)",
        font.display().to_string()
    );
    one_error_at(&src, 2, 18, "broken.bdf:7");
}

#[test]
fn unknown_font_name() {
    one_error_at(
        "Scene(widgets: [\n  Text(text: \"a\", font: \"huge\"),\n])",
        2,
        19,
        "unknown font \"huge\"",
    );
}

#[test]
fn missing_image_file() {
    one_error_at(
        "Scene(widgets: [\n  Image(file: \"missing.png\"),\n])",
        2,
        9,
        "missing.png",
    );
}

#[test]
fn bad_colour() {
    one_error_at(
        "Scene(widgets: [\n  Rectangle(width: 4, height: 4,\n    fill: \"#12\"),\n])",
        3,
        5,
        "bad colour",
    );
}

#[test]
fn bad_display_colour_and_fps() {
    let ps = problems("Scene(display: (\n  fps: 0,\n  background: \"mauve\",\n))");
    assert_eq!(ps.len(), 2, "{ps:#?}");
    assert_eq!((ps[0].line, ps[0].col), (2, 3));
    assert!(ps[0].message.contains("fps"));
    assert_eq!((ps[1].line, ps[1].col), (3, 3));
    assert!(ps[1].message.contains("mauve"));
}

#[test]
fn bad_size() {
    one_error_at(
        "Scene(widgets: [\n  Rectangle(width: 0, height: 4),\n])",
        2,
        13,
        "width must be at least 1",
    );
}

#[test]
fn missing_size() {
    one_error_at(
        "Scene(widgets: [\n  Canvas(height: 4),\n])",
        2,
        3,
        "needs a width",
    );
}

#[test]
fn widget_outside_its_parent() {
    one_error_at(
        "Scene(display: (width: 32, height: 16), widgets: [\n  Canvas(width: 10, height: 10, children: [\n    Rectangle(x: 12, y: 0, width: 4, height: 4),\n  ]),\n])",
        3,
        5,
        "outside its parent",
    );
}

#[test]
fn bad_progress_range() {
    one_error_at(
        "Scene(widgets: [\n  ProgressBar(width: 4, height: 4,\n    min: 5, max: 5),\n])",
        3,
        13,
        "max",
    );
}

#[test]
fn every_problem_is_reported() {
    let ps = problems(
        "Scene(widgets: [\n  Text(text: \"a\", font: \"nope\"),\n  Rectangle(width: 0, height: 2),\n  Image(file: \"gone.png\"),\n  Line(x2: 3, color: \"blurple\", speed: 3),\n])",
    );
    let lines: Vec<usize> = ps.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 5], "{ps:#?}");
}

#[test]
fn widget_past_the_display_is_a_warning_only() {
    let path = common::root().join("scenes").join("warn.ron");
    let scene = compile_str("Scene(display: (width: 16, height: 8), widgets: [\n  Rectangle(x: 10, width: 10, height: 4),\n])", &path)
        .expect("a warning does not refuse the scene");
    assert_eq!(scene.warnings.len(), 1);
    assert_eq!((scene.warnings[0].line, scene.warnings[0].col), (2, 3));
}

#[test]
fn template_that_does_not_compile() {
    one_error_at(
        "Scene(widgets: [\n  Text(\n    text: \"{{ mpd.title \"),\n])",
        3,
        5,
        "template does not compile",
    );
}

#[test]
fn expression_that_does_not_compile() {
    one_error_at(
        "Scene(widgets: [\n  ProgressBar(width: 9, height: 2,\n    value: \"mpd.elapsed /\"),\n])",
        3,
        5,
        "expression does not compile",
    );
}

#[test]
fn when_that_does_not_compile() {
    one_error_at(
        "Scene(widgets: [\n  Text(text: \"x\", when: \"a ==\"),\n])",
        2,
        19,
        "expression does not compile",
    );
}

#[test]
fn initial_value_breaking_its_rule() {
    one_error_at(
        "Scene(data: (\n  rules: {\"a.v\": (type: Number, max: 5)},\n  initial: {\"a.v\": 9},\n))",
        3,
        13,
        "breaks the rule",
    );
}

#[test]
fn panel_of_the_wrong_size() {
    one_error_at(
        "Scene(display: (width: 128, height: 64, mode: Gray4,\n  driver: Ssd1322))",
        2,
        3,
        "256x64",
    );
}

#[test]
fn panel_in_the_wrong_mode() {
    one_error_at(
        "Scene(display: (width: 256, height: 64,\n  driver: Ssd1322))",
        1,
        7,
        "set mode: Gray4",
    );
}

#[test]
fn bad_rotation() {
    one_error_at(
        "Scene(display: (width: 128, height: 64,\n  rotation: 45))",
        2,
        13,
        "0, 90, 180 or 270",
    );
}

#[test]
fn sleep_when_that_does_not_compile() {
    one_error_at(
        "Scene(display: (width: 128, height: 64,\n  sleep_when: \"night ==\"))",
        2,
        3,
        "expression does not compile",
    );
}

#[test]
fn unknown_filter_function_and_test_fail_the_check() {
    let src = "Scene(widgets: [\n  Text(text: \"{{ mpd.elapsed | durration }}\"),\n  Text(y: 8,\n    text: \"{{ nope(1) }}\"),\n  Text(y: 16, text: \"x\", when: \"mpd.state is playing\"),\n  ProgressBar(width: 9, height: 2, value: \"mpd.volume | percent | frac\"),\n])";
    let ps = problems(src);
    let at: Vec<(usize, usize, bool)> = ps
        .iter()
        .map(|p| (p.line, p.col, p.severity == Severity::Error))
        .collect();
    assert_eq!(
        at,
        [(2, 8, true), (4, 5, true), (5, 26, true), (6, 36, true)],
        "{ps:#?}"
    );
    assert!(
        ps[0].message.contains("unknown filter `durration`"),
        "{}",
        ps[0]
    );
    assert!(
        ps[1].message.contains("unknown function `nope`"),
        "{}",
        ps[1]
    );
    assert!(
        ps[2].message.contains("unknown test `playing`"),
        "{}",
        ps[2]
    );
    assert!(ps[3].message.contains("unknown filter `frac`"), "{}", ps[3]);
}

#[test]
fn an_unknown_source_field_points_to_the_sources_docs_which_list_it() {
    one_error_at(
        "Scene(sources: {\n  \"c\": (source: Clock(time_zone: \"UTC\")),\n})",
        2,
        23,
        "docs/scenes.md#sources",
    );
    let docs = std::fs::read_to_string(common::root().join("docs/scenes.md")).expect("docs");
    let section = docs
        .split("\n## Sources\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Sources section");
    for (kind, fields) in [
        (
            "Clock",
            &["namespace", "timezone", "time_format", "date_format"][..],
        ),
        ("System", &["namespace", "interface", "thermal_path"]),
        ("File", &["path", "format", "namespace"]),
        ("Command", &["program", "args", "format", "namespace"]),
        ("Process", &["program", "args", "namespace"]),
        ("Http", &["url", "pointer", "namespace"]),
        ("Stdin", &["namespace"]),
    ] {
        let part = section
            .split(&format!("\n### {kind}\n"))
            .nth(1)
            .and_then(|s| s.split("\n### ").next())
            .unwrap_or_else(|| panic!("no ### {kind}"));
        for f in fields {
            assert!(part.contains(&format!("| `{f}` |")), "{kind} lacks `{f}`");
        }
        assert!(part.contains("```ron"), "{kind} has an example");
    }
    for f in [
        "interval_ms",
        "timeout_ms",
        "backoff_initial_ms",
        "backoff_factor",
        "backoff_max_ms",
        "jitter",
        "breaker_failures",
        "breaker_cooldown_ms",
    ] {
        assert!(
            section.contains(&format!("| `{f}` |")),
            "policy lacks `{f}`"
        );
    }
    for k in [
        "_source.<name>.ok",
        "_source.<name>.last_error",
        "_source.<name>.failures",
        "_source.<name>.last_ok_tick",
        "np.artists.0",
    ] {
        assert!(section.contains(k), "the section names {k}");
    }
}

#[test]
fn errors_in_values_do_not_hide_the_others() {
    // Two enum errors and a wrong type, and below them five problems found after parsing:
    // each is reported at its own line.
    let ps = problems(
        r#"Scene(
  display: (width: 128, height: 64, mode: Grey, background: "pink-ish"),
  widgets: [
    Text(text: "a", align: middle),
    Text(text: "b", font: "nope"),
    Rectangle(width: 0, height: 2),
    Image(file: "gone.png"),
    Line(x2: 3, color: "blurple"),
    Text(text: "c", wrap: "maybe"),
    Text(text: "{{ x | nosuchfilter }}"),
  ],
)"#,
    );
    let lines: Vec<usize> = ps.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![2, 2, 4, 5, 6, 7, 8, 9, 10], "{ps:#?}");
    assert!(
        ps[0].message.contains("Grey") || ps[1].message.contains("Grey"),
        "{ps:#?}"
    );
    assert!(ps.iter().all(|p| p.severity == Severity::Error), "{ps:#?}");
}

#[test]
fn a_syntax_error_is_reported_alone_at_its_place() {
    let ps = problems(
        "Scene(\n  display: (mode: Gray4),\n  widgets: [Text(text: \"a\" font: \"x\")],\n  fonts: 3,\n)",
    );
    assert_eq!(ps.len(), 1, "nothing is read past a syntax error: {ps:#?}");
    assert_eq!((ps[0].line, ps[0].col), (3, 28), "{ps:#?}");
}

/// A fresh folder `shared/` holding `common.ron` with `common` and a font, and the path
/// of a scene beside it (not written).
fn with_include(name: &str, common: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir =
        std::env::temp_dir().join(format!("tinydisplay-include-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("shared/fonts")).expect("mkdir");
    std::fs::copy(
        common::root().join("assets/fonts/spleen-8x16.bdf"),
        dir.join("shared/fonts/big.bdf"),
    )
    .expect("copy font");
    std::fs::write(dir.join("shared/common.ron"), common).expect("write include");
    let scene = dir.join("screen.ron");
    (dir, scene)
}

#[test]
fn an_include_shares_fonts_data_and_sources_with_paths_from_its_own_folder() {
    let (_dir, scene) = with_include(
        "shares",
        r#"Include(
  fonts: {"big": (file: "fonts/big.bdf")},
  data: (initial: {"room.name": "Kitchen", "room.temp": 20}),
  sources: {"room": (source: Command(program: "./read.sh"), policy: (interval_ms: 60000))},
)"#,
    );
    let src = r#"Scene(
  include: ["shared/common.ron"],
  display: (width: 128, height: 32),
  data: (initial: {"room.temp": 23}),
  widgets: [Text(text: "{{ room.name }} {{ room.temp }}", font: "big")],
)"#;
    let compiled = compile_str(src, &scene).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        compiled.data.initial["room.name"],
        serde_json::json!("Kitchen")
    );
    assert_eq!(
        compiled.data.initial["room.temp"],
        serde_json::json!(23),
        "the scene's own value wins"
    );
    let (name, spec) = &compiled.sources[0];
    assert_eq!(name, "room");
    let Some(c) = spec
        .source
        .downcast::<tinydisplay::source::kinds::command::CommandKind>()
    else {
        panic!("a command source")
    };
    let shared =
        std::fs::canonicalize(scene.parent().expect("dir").join("shared")).expect("canonical");
    assert_eq!(
        std::path::PathBuf::from(&c.program),
        shared.join("read.sh"),
        "relative to the included file"
    );
    assert!(
        compiled
            .files
            .iter()
            .any(|f| f.ends_with("shared/common.ron")),
        "the include is watched: {:?}",
        compiled.files
    );
    let mut compiled = compiled;
    compiled.sources.clear();
    let mut app = common::app_for(compiled);
    tinydisplay::app::run_ticks(&mut app, tinydisplay::app::RunMode::Ticks(1));
    let fb = app.world().resource::<tinydisplay::render::FrameBuffer>();
    let lit = fb.to_rgb8().iter().filter(|&&b| b != 0).count();
    assert!(
        lit > 100,
        "the shared font draws \"Kitchen 23\" ({lit} lit bytes)"
    );
}

#[test]
fn problems_in_an_include_are_reported_in_that_file() {
    let (_dir, scene) = with_include(
        "problems",
        "Include(\n  fonts: {\"big\": (file: \"fonts/missing.bdf\")},\n  sources: {\"x\": (source: Clock(timezone: \"Mars/Base\"), colour: 1)},\n)",
    );
    let src = "Scene(\n  include: [\"shared/common.ron\", \"shared/none.ron\"],\n  widgets: [Text(text: \"a\", font: \"big\")],\n)";
    let ps = problems_at(src, &scene);
    let shown: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
    let in_include = |line: usize, needle: &str| {
        shown
            .iter()
            .any(|s| s.contains(&format!("common.ron:{line}:")) && s.contains(needle))
    };
    assert!(in_include(2, "missing.bdf"), "{shown:#?}");
    assert!(in_include(3, "time zone"), "{shown:#?}");
    assert!(in_include(3, "unknown field `colour`"), "{shown:#?}");
    assert!(
        shown
            .iter()
            .any(|s| s.contains("screen.ron:2:") && s.contains("none.ron")),
        "a missing include is reported in the scene: {shown:#?}"
    );
}

/// Compiles `src` as the scene at `path` and returns its problems (it must be refused).
fn problems_at(src: &str, path: &std::path::Path) -> Vec<Problem> {
    match compile_str(src, path) {
        Ok(_) => panic!("scene was accepted:\n{src}"),
        Err(SceneError::Invalid(p)) => p,
        Err(e) => panic!("unexpected error {e}"),
    }
}

#[test]
#[cfg(not(feature = "nats"))]
fn a_source_kind_the_build_lacks_is_refused_naming_its_feature() {
    one_error_at(
        "Scene(\n  sources: {\"n\": (source: Nats(url: \"nats://127.0.0.1\"))},\n  widgets: [],\n)",
        2,
        27,
        "source kind `Nats` needs the `nats` feature; this build was made without it",
    );
}

#[test]
fn unknown_panel_controller_lists_the_known_ones() {
    let ps = problems("Scene(display: (width: 128, height: 64,\n  driver: Ssd9999))");
    let shown = ps[0].to_string();
    assert!(shown.contains("bad.ron:2:"), "{shown}");
    for known in [
        "Ssd1306",
        "Sh1107",
        "St7567",
        "Uc1701x",
        "St7735BlackTab",
        "Ili9488",
    ] {
        assert!(shown.contains(known), "{shown:?} lacks {known}");
    }
}

#[test]
fn new_panel_of_the_wrong_size_lists_its_sizes() {
    one_error_at(
        "Scene(display: (width: 128, height: 64, mode: Rgb565,\n  driver: St7735))",
        2,
        3,
        "128x160 or 128x128",
    );
    one_error_at(
        "Scene(display: (width: 128, height: 32, mode: Mono,\n  driver: Sh1107))",
        2,
        3,
        "64x128 or 128x128",
    );
}

#[test]
#[cfg(not(feature = "http"))]
fn a_control_surface_the_build_lacks_is_refused_naming_its_feature() {
    one_error_at(
        "Scene(\n  control: (http: \"127.0.0.1:8080\"),\n  widgets: [],\n)",
        2,
        13,
        "control.http needs the `http` feature; this build was made without it",
    );
}

#[test]
fn new_panels_are_accepted_in_their_sizes_and_rotations() {
    let path = common::root().join("scenes").join("ok.ron");
    for (driver, w, h, mode, rotation) in [
        ("Sh1107", 128, 64, "Mono", 90),
        ("Ssd1305", 128, 32, "Mono", 0),
        ("Uc1701x", 128, 64, "Mono", 180),
        ("St7735", 160, 128, "Rgb565", 270),
        ("St7735BlackTab", 128, 160, "Rgb565", 0),
        ("Ili9488", 480, 320, "Rgb565", 90),
        ("Pcd8544", 48, 84, "Mono", 90),
    ] {
        let src = format!(
            "Scene(display: (width: {w}, height: {h}, mode: {mode}, driver: {driver}, rotation: {rotation}))"
        );
        assert!(compile_str(&src, &path).is_ok(), "{src} was refused");
    }
}

#[test]
fn a_pwm_backlight_needs_its_pin_and_a_sane_frequency() {
    one_error_at(
        "Scene(display: (width: 128, height: 160, mode: Rgb565, driver: St7735,\n  bus: Spi(dc: 24, backlight_pwm: 500)))",
        2,
        20,
        "add `backlight: N`",
    );
    one_error_at(
        "Scene(display: (width: 128, height: 160, mode: Rgb565, driver: St7735,\n  bus: Spi(dc: 24, backlight: 18, backlight_pwm: 5)))",
        2,
        35,
        "5 Hz",
    );
}

#[test]
fn a_colour_a_three_colour_panel_cannot_show_is_refused() {
    one_error_at(
        "Scene(display: (width: 250, height: 122, mode: Bwr, rotation: 90,\n  driver: Ssd1680Bwr, background: \"white\", foreground: \"black\"),\n  widgets: [\n  Text(text: \"hi\", color: \"red\"),\n  Text(y: 20, text: \"go\",\n    color: \"green\"),\n])",
        6,
        5,
        "black, white or red",
    );
}

#[test]
fn nonsense_refresh_options_are_refused() {
    one_error_at(
        "Scene(display: (width: 250, height: 122, rotation: 90, driver: Ssd1680,\n  refresh: (full_every: 100000, min_interval_ms: 500)))",
        2,
        3,
        "full_every",
    );
    one_error_at(
        "Scene(display: (width: 128, height: 64, driver: Ssd1306,\n  refresh: (full_every: 5)))",
        2,
        3,
        "not e-paper",
    );
}

#[test]
fn grey_oleds_are_accepted_in_their_sizes_and_refused_in_others() {
    let path = common::root().join("scenes").join("ok.ron");
    for (driver, w, h, rotation) in [
        ("Ssd1322Nhd", 128, 64, 0),
        ("Ssd1325", 64, 128, 90),
        ("Ssd1327", 128, 128, 270),
        ("Ssd1362", 256, 64, 180),
        ("Ssd1363", 128, 256, 90),
    ] {
        let src = format!(
            "Scene(display: (width: {w}, height: {h}, mode: Gray4, driver: {driver}, rotation: {rotation}))"
        );
        assert!(compile_str(&src, &path).is_ok(), "{src} was refused");
    }
    for (driver, w, h, sizes) in [
        ("Ssd1322Nhd", 256, 64, "128x64"),
        ("Ssd1325", 128, 32, "128x64"),
        ("Ssd1327", 128, 64, "128x128"),
        ("Ssd1362", 128, 64, "256x64"),
        ("Ssd1363", 256, 64, "256x128"),
    ] {
        one_error_at(
            &format!("Scene(display: (width: {w}, height: {h}, mode: Gray4,\n  driver: {driver}))"),
            2,
            3,
            sizes,
        );
    }
}

#[test]
fn the_ch1115_is_accepted_at_128x64_and_refused_at_other_sizes() {
    let path = common::root().join("scenes").join("ok.ron");
    let src = "Scene(display: (width: 64, height: 128, mode: Mono, driver: Ch1115, rotation: 90))";
    assert!(compile_str(src, &path).is_ok(), "{src} was refused");
    one_error_at(
        "Scene(display: (width: 128, height: 32, mode: Mono,\n  driver: Ch1115))",
        2,
        3,
        "128x64",
    );
}

#[test]
fn colour_oleds_are_accepted_in_their_sizes_and_refused_in_others() {
    let path = common::root().join("scenes").join("ok.ron");
    for (driver, w, h, rotation) in [
        ("Ssd1331", 64, 96, 90),
        ("Ssd1351", 128, 128, 180),
        ("Ssd1351", 96, 128, 270),
    ] {
        let src = format!(
            "Scene(display: (width: {w}, height: {h}, mode: Rgb565, driver: {driver}, rotation: {rotation}))"
        );
        assert!(compile_str(&src, &path).is_ok(), "{src} was refused");
    }
    for (driver, w, h, sizes) in [
        ("Ssd1331", 128, 64, "96x64"),
        ("Ssd1351", 128, 64, "128x128 or 128x96"),
    ] {
        one_error_at(
            &format!(
                "Scene(display: (width: {w}, height: {h}, mode: Rgb565,\n  driver: {driver}))"
            ),
            2,
            3,
            sizes,
        );
    }
}

#[test]
fn a_home_assistant_prefix_with_a_wildcard_and_bad_text_keys_are_refused() {
    let ps = problems(
        "Scene(\n  control: (mqtt: \"mqtt://127.0.0.1:1883\",\n    home_assistant: (discovery_prefix: \"home/#\", text_keys: [\"a\", \"a\", \"b c\"])),\n)",
    );
    let shown: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
    for needle in [
        "\"home/#\" is not a topic prefix",
        "\"a\" is listed twice",
        "\"b c\" is not a key",
    ] {
        assert!(
            shown.iter().any(|s| s.contains(needle)),
            "{needle:?} not in {shown:#?}"
        );
    }
    assert!(
        ps.iter().all(|p| p.severity == Severity::Error),
        "{shown:#?}"
    );
}
