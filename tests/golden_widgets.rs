//! Golden images for every widget and option: the expected PNGs live in tests/golden/.
//! A failing test writes NAME.actual.png and NAME.diff.png beside the expectation;
//! `TINYDISPLAY_BLESS=1 cargo test` regenerates them (look at them before committing).

mod common;

use common::{assert_golden, render};

/// A scene of the given size and mode around `widgets`, with the bundled fonts.
fn scene(w: u32, h: u32, mode: &str, widgets: &str) -> String {
    format!(
        r#"Scene(
    display: (width: {w}, height: {h}, mode: {mode}),
    fonts: {{
        "small": (file: "../assets/fonts/spleen-5x8.bdf"),
        "large": (file: "../assets/fonts/spleen-8x16.bdf"),
        "sans": (file: "../assets/fonts/DejaVuSans.ttf", size: 12),
        "chain": (file: "../assets/fonts/spleen-5x8.bdf", fallback: ["sans"]),
    }},
    widgets: [{widgets}],
)"#
    )
}

fn golden(name: &str, w: u32, h: u32, mode: &str, widgets: &str) {
    assert_golden(name, &render(&scene(w, h, mode, widgets), 1));
}

#[test]
fn text_bitmap_fonts() {
    golden(
        "text_bdf",
        96,
        28,
        "Mono",
        r#"
        Text(x: 1, y: 1, text: "Hello, 5x8!", font: "small"),
        Text(x: 1, y: 10, text: "Big 8x16", font: "large"),
    "#,
    );
}

#[test]
fn text_outline_font_antialiased() {
    golden(
        "text_ttf_gray8",
        96,
        20,
        "Gray8",
        r#"Text(x: 1, y: 1, text: "Sans Ågy 12px", font: "sans")"#,
    );
}

#[test]
fn text_outline_font_in_mono() {
    golden(
        "text_ttf_mono",
        96,
        20,
        "Mono",
        r#"Text(x: 1, y: 1, text: "Sans Ågy 12px", font: "sans")"#,
    );
}

#[test]
fn text_alignment_in_a_fixed_width() {
    golden(
        "text_align",
        64,
        30,
        "Mono",
        r#"
        Rectangle(width: 64, height: 30, outline: "gray50"),
        Text(x: 2, y: 2, width: 60, text: "left", font: "small", align: left),
        Text(x: 2, y: 11, width: 60, text: "center", font: "small", align: center),
        Text(x: 2, y: 20, width: 60, text: "right", font: "small", align: right),
    "#,
    );
}

#[test]
fn text_wrapping_and_line_spacing() {
    golden(
        "text_wrap",
        64,
        66,
        "Mono",
        r#"
        Text(x: 2, y: 1, width: 40, wrap: true, text: "wrap these words to forty px", font: "small"),
        Text(x: 2, y: 36, width: 60, wrap: true, align: right, line_spacing: 2, text: "right aligned and spaced", font: "small"),
    "#,
    );
}

#[test]
fn text_fallback_chain_for_missing_glyphs() {
    golden(
        "text_fallback",
        96,
        16,
        "Gray4",
        r#"Text(x: 1, y: 2, text: "Café ★ 21°C €", font: "chain")"#,
    );
}

#[test]
fn text_colours() {
    golden(
        "text_colours",
        64,
        12,
        "Rgb565",
        r##"
        Text(x: 1, y: 2, text: "red", font: "small", color: "#ff0000"),
        Text(x: 22, y: 2, text: "green", font: "small", color: "green"),
    "##,
    );
}

#[test]
fn image_png_with_alpha_over_a_fill() {
    golden(
        "image_png_alpha",
        24,
        20,
        "Gray4",
        r#"
        Rectangle(width: 24, height: 20, fill: "gray30", outline: "transparent"),
        Image(x: 4, y: 2, file: "../assets/images/play.png"),
    "#,
    );
}

#[test]
fn image_jpeg_threshold_and_dithering_in_mono() {
    golden(
        "image_dither_mono",
        196,
        48,
        "Mono",
        r#"
        Image(x: 0, y: 0, file: "../assets/images/sphere.jpg"),
        Image(x: 66, y: 0, file: "../assets/images/sphere.jpg", dither: Ordered),
        Image(x: 132, y: 0, file: "../assets/images/sphere.jpg", dither: FloydSteinberg),
    "#,
    );
}

#[test]
fn image_jpeg_in_gray4_dithered() {
    golden(
        "image_dither_gray4",
        130,
        48,
        "Gray4",
        r#"
        Image(x: 0, y: 0, file: "../assets/images/sphere.jpg"),
        Image(x: 66, y: 0, file: "../assets/images/sphere.jpg", dither: FloydSteinberg),
    "#,
    );
}

#[test]
fn image_bmp_gif_and_colour_jpeg() {
    golden(
        "image_formats_rgb",
        100,
        48,
        "Rgb888",
        r#"
        Image(x: 0, y: 0, file: "../assets/images/note.bmp"),
        Image(x: 14, y: 0, file: "../assets/images/wave.gif"),
        Image(x: 34, y: 0, file: "../assets/images/sphere.jpg"),
    "#,
    );
}

#[test]
fn image_scaling() {
    golden(
        "image_scaled",
        100,
        40,
        "Gray8",
        r#"
        Image(x: 0, y: 0, file: "../assets/images/sphere.jpg", width: 32),
        Image(x: 34, y: 0, file: "../assets/images/sphere.jpg", width: 60, height: 20),
        Image(x: 34, y: 22, file: "../assets/images/play.png", height: 8),
    "#,
    );
}

#[test]
fn rectangles_outline_fill_width() {
    golden(
        "rectangles",
        64,
        24,
        "Gray4",
        r#"
        Rectangle(x: 1, y: 1, width: 14, height: 10),
        Rectangle(x: 17, y: 1, width: 14, height: 10, fill: "gray50"),
        Rectangle(x: 33, y: 1, width: 14, height: 10, fill: "gray30", outline: "white", line_width: 2),
        Rectangle(x: 49, y: 1, width: 14, height: 22, outline: "gray70", line_width: 3),
    "#,
    );
}

#[test]
fn lines_straight_diagonal_thick() {
    golden(
        "lines",
        48,
        24,
        "Mono",
        r#"
        Line(x: 0, y: 0, x2: 47, y2: 0),
        Line(x: 0, y: 23, x2: 20, y2: 3),
        Line(x: 24, y: 4, x2: 46, y2: 20, line_width: 3),
        Line(x: 22, y: 2, x2: 22, y2: 22),
    "#,
    );
}

#[test]
fn progress_bars_every_direction() {
    golden(
        "progress",
        64,
        32,
        "Gray4",
        r#"
        ProgressBar(x: 1, y: 1, width: 40, height: 6, value: 0.25),
        ProgressBar(x: 1, y: 9, width: 40, height: 6, value: 0.25, direction: rtl, fill: "gray60"),
        ProgressBar(x: 1, y: 17, width: 40, height: 6, value: 30, min: 0, max: 40, background: "gray20", line_width: 0),
        ProgressBar(x: 44, y: 1, width: 6, height: 30, value: 0.5, direction: ttb),
        ProgressBar(x: 54, y: 1, width: 6, height: 30, value: 0.5, direction: btt, outline: "gray40", line_width: 2),
    "#,
    );
}

#[test]
fn canvas_nine_anchors() {
    golden(
        "canvas_anchors",
        48,
        32,
        "Mono",
        r#"
        Canvas(width: 48, height: 32, children: [
            Rectangle(anchor: lt, x: 1, y: 1, width: 6, height: 6, fill: "white"),
            Rectangle(anchor: mt, x: 0, y: 1, width: 6, height: 6, fill: "white"),
            Rectangle(anchor: rt, x: 1, y: 1, width: 6, height: 6, fill: "white"),
            Rectangle(anchor: lm, x: 1, y: 0, width: 6, height: 6),
            Rectangle(anchor: mm, x: 0, y: 0, width: 6, height: 6),
            Rectangle(anchor: rm, x: 1, y: 0, width: 6, height: 6),
            Rectangle(anchor: lb, x: 1, y: 1, width: 6, height: 6, fill: "white"),
            Rectangle(anchor: mb, x: 0, y: 1, width: 6, height: 6, fill: "white"),
            Rectangle(anchor: rb, x: 1, y: 1, width: 6, height: 6, fill: "white"),
        ]),
    "#,
    );
}

#[test]
fn canvas_clips_orders_and_nests() {
    golden(
        "canvas_nested",
        64,
        32,
        "Gray4",
        r#"
        Canvas(x: 2, y: 2, width: 40, height: 20, background: "gray20", children: [
            Rectangle(x: 4, y: 4, width: 20, height: 10, fill: "gray60", z: 1),
            Rectangle(x: 10, y: 8, width: 20, height: 10, fill: "white", z: 0),
            Text(x: 20, y: 14, text: "clipped text", font: "small"),
            Canvas(anchor: rb, x: 2, y: 2, width: 12, height: 8, background: "gray40", children: [
                Text(x: -2, y: 0, text: "nest", font: "small", color: "black"),
            ]),
        ]),
        Text(x: 44, y: 2, text: "out", font: "small"),
    "#,
    );
}

#[test]
fn hidden_widget_is_not_drawn() {
    golden(
        "hidden",
        32,
        12,
        "Mono",
        r#"
        Text(x: 1, y: 2, text: "on", font: "small"),
        Text(x: 16, y: 2, text: "off", font: "small", visible: false),
    "#,
    );
}

/// The same widgets in every pixel mode, so each mode's quantisation is pinned.
#[test]
fn every_pixel_mode() {
    for mode in ["Mono", "Gray4", "Gray8", "Rgb565", "Rgb888"] {
        let widgets = r##"
            Rectangle(width: 48, height: 20, fill: "#203040", outline: "#ff8000"),
            Text(x: 3, y: 2, text: "Ab", font: "sans", color: "#80ffc0"),
            ProgressBar(x: 24, y: 6, width: 20, height: 8, value: 0.5, fill: "#c08040"),
        "##;
        golden(
            &format!("mode_{}", mode.to_lowercase()),
            48,
            20,
            mode,
            widgets,
        );
    }
}

#[test]
fn display_background_colour() {
    let src = r##"Scene(display: (width: 16, height: 8, mode: Rgb888, background: "#0000ff"), widgets: [
        Text(x: 1, y: 0, text: "bg"),
    ])"##;
    assert_golden("background", &render(src, 1));
}

#[test]
fn reference_scene() {
    let src = std::fs::read_to_string(common::root().join("scenes/reference.ron"))
        .expect("reference scene");
    assert_golden("reference", &render(&src, 1));
}

#[test]
fn demo_scene() {
    let src = std::fs::read_to_string(common::root().join("scenes/demo.ron")).expect("demo scene");
    assert_golden("demo", &render(&src, 1));
}

/// Many damaged rectangles at once are painted from the draw items of their bands
/// (`render::bands`): after several ticks of changes the frame equals the same state
/// painted whole, tall items across many bands included.
#[test]
fn many_changing_widgets_paint_what_a_whole_repaint_paints() {
    let scene_at = |n: u32| {
        let mut widgets = String::from(
            r##"Rectangle(x: 0, y: 0, width: 240, height: 240, fill: "#202040"),
        Rectangle(x: 0, y: 16, width: 30, height: 200, fill: "#806000"),
        Text(x: 100, y: 0, text: "{{ n }}", font: "large", color: "#00ff80"),"##,
        );
        for i in 0..48 {
            widgets += &format!(
                r#"Text(x: {}, y: {}, text: "{{{{ n * {} }}}}", font: "small"),"#,
                (i % 6) * 40 + 2,
                // Each row straddles two bands (16 px each).
                (i / 6) * 32 + 12,
                i + 1
            );
        }
        scene(240, 240, "Rgb565", &widgets).replacen(
            "widgets:",
            &format!("data: (initial: {{\"n\": {n}}}),\n    widgets:"),
            1,
        )
    };
    let mut app = common::app_for(common::compile(&scene_at(1)));
    tinydisplay::app::run_ticks(&mut app, tinydisplay::app::RunMode::Ticks(1));
    for n in 2..=6 {
        common::set(&mut app, "n", serde_json::json!(n * 7));
        tinydisplay::app::run_ticks(&mut app, tinydisplay::app::RunMode::Ticks(1));
    }
    let fb = app
        .world()
        .resource::<tinydisplay::render::FrameBuffer>()
        .clone();
    assert!(
        fb.damage().len() >= 16,
        "the last tick damaged {} rectangles: too few to paint by band",
        fb.damage().len()
    );
    let whole = render(&scene_at(42), 1);
    assert!(
        fb.data() == whole.data(),
        "incremental and whole paints differ"
    );
}
