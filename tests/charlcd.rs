//! Character LCDs (HD44780 on a PCF8574 backpack): scenes drawn in 5×8 cells come out as
//! ROM characters and custom characters, proven by the emulator that decodes the port
//! bytes (nibbles and E strobes) back into what the glass shows. Also the WS0010 on the
//! same connection: Winstar WEH character OLEDs and the WEG 100×16 in graphic mode.

mod common;

use tinydisplay::panel::bus::{CaptureBus, parse_capture};
use tinydisplay::panel::driver::hd44780::{CharModel, Hd44780};
use tinydisplay::panel::emulator::hd44780::Hd44780Emulator;
use tinydisplay::panel::emulator::{self, Emulator};
use tinydisplay::panel::models::Family;
use tinydisplay::panel::rom::{self, Rom};
use tinydisplay::panel::{Driver, Model, Panel, Rotation, Settings, Wire};
use tinydisplay::render::{Color, FrameBuffer, Rect};
use tinydisplay::scene::{SceneError, Severity, compile_str};

fn model(name: &str) -> Model {
    Model::named(name).expect("a model in the table")
}

fn geometry(m: Model) -> &'static CharModel {
    match m.row().family {
        Family::Hd44780(c) => c,
        _ => panic!("{} is not a character LCD", m.name()),
    }
}

/// Pixels where the glass differs from the frame (gap pixels must be dark: the glass has
/// nothing there).
fn differences(emu: &dyn Emulator, fb: &FrameBuffer) -> Vec<(u32, u32)> {
    let mut bad = Vec::new();
    for y in 0..fb.height() {
        for x in 0..fb.width() {
            let gap = x % 6 == 5 || y % 9 == 8;
            let want = if gap { [0; 3] } else { fb.rgb(x, y) };
            if emu.pixel(x, y) != want {
                bad.push((x, y));
            }
        }
    }
    bad
}

fn assert_glass_shows(emu: &dyn Emulator, fb: &FrameBuffer, what: &str) {
    assert!(emu.problems().is_empty(), "{what}: {:?}", emu.problems());
    let bad = differences(emu, fb);
    assert!(
        bad.is_empty(),
        "{what}: {} pixels differ, first {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
}

/// Frame with every gap pixel turned off (what a scene drawn across gaps shows).
fn without_gaps(fb: &FrameBuffer) -> FrameBuffer {
    let mut out = fb.clone();
    for x in (5..fb.width()).step_by(6) {
        out.fill_rect(Rect::new(x as i32, 0, 1, fb.height()), Color::BLACK);
    }
    for y in (8..fb.height()).step_by(9) {
        out.fill_rect(Rect::new(0, y as i32, fb.width(), 1), Color::BLACK);
    }
    out
}

/// Custom characters (codes 0..8) on the glass.
fn custom_cells(emu: &Hd44780Emulator, m: &CharModel) -> usize {
    (0..m.rows)
        .flat_map(|r| (0..m.cols).map(move |c| (c, r)))
        .filter(|&(c, r)| emu.code(c, r) < 8)
        .count()
}

const TEXT_SCENE: &str = r#"Scene(
    display: (width: 95, height: 17, driver: Hd44780),
    fonts: {"lcd": (file: "../assets/fonts/hd44780-a00.bdf")},
    widgets: [
        Text(x: 0, y: 0, font: "lcd", text: "Hello, world! 42"),
        Text(x: 0, y: 9, font: "lcd", text: "21.5°C {up} ¥→"),
    ],
)"#;

#[test]
fn a_text_scene_lands_on_rom_characters_and_round_trips() {
    let m = model("hd44780-16x2");
    let scene = common::compile(TEXT_SCENE);
    assert_eq!(scene.display.panel.as_ref().map(|p| p.model), Some(m));
    let fb = common::render(TEXT_SCENE, 1);
    let mut panel = Panel::new(m, Rotation::R0, Settings::default());
    let mut wire = Wire::new();
    panel.init(&mut wire);
    panel.full(&fb, &mut wire);
    let mut emu = Hd44780Emulator::new(geometry(m), Rom::A00);
    emulator::feed_wire(&mut emu, &wire);
    assert_glass_shows(&emu, &fb, "text");
    let row = |r: u32| (0..16).map(|c| emu.code(c, r)).collect::<Vec<u8>>();
    assert_eq!(row(0), b"Hello, world! 42".to_vec());
    assert_eq!(&row(1)[..7], b"21.5\xDFC ");
    assert_eq!(&row(1)[7..13], b"{up} \x5C");
    assert_eq!(row(1)[13], 0x7E);
    assert_eq!(custom_cells(&emu, geometry(m)), 0);
    assert!(emu.backlight());
}

#[test]
fn a_progress_bar_becomes_custom_characters_and_round_trips() {
    let src = r#"Scene(
        display: (width: 95, height: 17, driver: Hd44780),
        fonts: {"lcd": (file: "../assets/fonts/hd44780-a00.bdf")},
        widgets: [
            Text(x: 0, y: 0, font: "lcd", text: "Volume"),
            ProgressBar(x: 0, y: 9, width: 95, height: 8, value: 0.37, line_width: 1),
        ],
    )"#;
    let m = model("hd44780-16x2");
    let fb = common::render(src, 1);
    let mut panel = Panel::new(m, Rotation::R0, Settings::default());
    let mut wire = Wire::new();
    panel.init(&mut wire);
    panel.full(&fb, &mut wire);
    let mut emu = Hd44780Emulator::new(geometry(m), Rom::A00);
    emulator::feed_wire(&mut emu, &wire);
    assert_glass_shows(&emu, &without_gaps(&fb), "progress bar");
    let custom = custom_cells(&emu, geometry(m));
    assert!(
        custom >= 3,
        "the bar's ends and edge are custom characters ({custom})"
    );
    assert_eq!(
        emu.code(2, 1),
        0xFF,
        "a filled cell is the ROM's full block"
    );
}

/// A cell pattern no ROM has: `k` pixels lit in a spiral order, plus a marker.
fn odd_pattern(k: u32) -> Vec<(u32, u32)> {
    let mut px: Vec<(u32, u32)> = (0..=k).map(|i| ((i * 3) % 5, (i * 7 + 1) % 8)).collect();
    px.push((k % 5, 7));
    px
}

fn draw_pattern(fb: &mut FrameBuffer, col: u32, row: u32, px: &[(u32, u32)]) {
    let cell = Rect::new((col * 6) as i32, (row * 9) as i32, 5, 8);
    fb.fill_rect(cell, Color::BLACK);
    for &(x, y) in px {
        fb.fill_rect(
            Rect::new((col * 6 + x) as i32, (row * 9 + y) as i32, 1, 1),
            Color::WHITE,
        );
    }
    fb.add_damage(cell);
}

#[test]
fn more_than_eight_custom_characters_show_the_nearest_glyphs_and_count_an_overflow() {
    let m = model("hd44780-16x2");
    let g = geometry(m);
    let driver = Hd44780::new(g);
    let mut fb = FrameBuffer::new(95, 17, m.mode());
    for k in 0..10 {
        draw_pattern(&mut fb, k, 0, &odd_pattern(k + 3));
    }
    let px = tinydisplay::panel::driver::Pixels::new(&fb, Rotation::R0, m.native());
    let mut wire = Wire::new();
    driver.init(&Settings::default(), &mut wire);
    driver.pack(&px, Rect::new(0, 0, 95, 17), &mut wire);
    let mut emu = Hd44780Emulator::new(g, Rom::A00);
    emulator::feed_wire(&mut emu, &wire);
    assert!(emu.problems().is_empty(), "{:?}", emu.problems());
    assert_eq!(driver.overflows(), 1);
    let bad = differences(&emu, &fb);
    let cells_off: std::collections::BTreeSet<u32> = bad.iter().map(|&(x, _)| x / 6).collect();
    assert_eq!(
        cells_off.len(),
        2,
        "eight cells exact, two stand-ins: {cells_off:?}"
    );
    assert!(
        custom_cells(&emu, g) >= 8,
        "a stand-in may be a loaded custom character"
    );
    // The stand-ins are the nearest glyphs there are (ROM or loaded custom ones).
    for &col in &cells_off {
        let want = glyph_in(&fb, col, 0);
        let shown = glyph_on(&emu, col, 0);
        let best = Rom::A00
            .table()
            .glyphs()
            .iter()
            .map(|(_, p)| *p)
            .chain((0..8).map(|k| glyph_on(&emu, k, 0)))
            .map(|p| rom::distance(&p, &want))
            .min()
            .unwrap();
        assert_eq!(rom::distance(&shown, &want), best, "cell {col}");
    }
    // Two patterns go away: the stand-ins get custom characters of their own.
    let mut fb2 = fb.clone();
    fb2.clear_damage();
    draw_pattern(&mut fb2, 0, 0, &[]);
    draw_pattern(&mut fb2, 1, 0, &[]);
    let px = tinydisplay::panel::driver::Pixels::new(&fb2, Rotation::R0, m.native());
    wire.clear();
    driver.pack(&px, driver.align(Rect::new(0, 0, 12, 8)), &mut wire);
    emulator::feed_wire(&mut emu, &wire);
    assert_glass_shows(&emu, &fb2, "after two patterns went away");
    assert_eq!(driver.overflows(), 1);
}

fn glyph_in(fb: &FrameBuffer, col: u32, row: u32) -> rom::Glyph {
    let mut g = [0u8; 8];
    for (y, bits) in g.iter_mut().enumerate() {
        for x in 0..5 {
            if fb.gray(col * 6 + x, row * 9 + y as u32) >= 128 {
                *bits |= 0x10 >> x;
            }
        }
    }
    g
}

fn glyph_on(emu: &Hd44780Emulator, col: u32, row: u32) -> rom::Glyph {
    let mut g = [0u8; 8];
    for (y, bits) in g.iter_mut().enumerate() {
        for x in 0..5 {
            if emu.pixel(col * 6 + x, row * 9 + y as u32)[0] > 0 {
                *bits |= 0x10 >> x;
            }
        }
    }
    g
}

#[test]
fn a_second_frame_with_one_changed_character_writes_only_that_cell() {
    let m = model("hd44780-20x4");
    let src = |t: &str| {
        format!(
            r#"Scene(
            display: (width: 119, height: 35, driver: Hd44780),
            fonts: {{"lcd": (file: "../assets/fonts/hd44780-a00.bdf")}},
            widgets: [
                Text(x: 0, y: 0, font: "lcd", text: "Line one"),
                Text(x: 0, y: 18, font: "lcd", text: "{t}"),
            ],
        )"#
        )
    };
    let mut fb = common::render(&src("Temp 21C"), 1);
    let mut panel = Panel::new(m, Rotation::R0, Settings::default());
    let mut wire = Wire::new();
    panel.init(&mut wire);
    panel.full(&fb, &mut wire);
    let mut emu = emulator::for_model(m);
    emulator::feed_wire(emu.as_mut(), &wire);
    assert_glass_shows(emu.as_ref(), &fb, "first frame");
    let second = common::render(&src("Temp 22C"), 1);
    fb.copy_from(&second);
    fb.clear_damage();
    fb.add_damage(fb.bounds()); // the whole frame damaged: the driver still compares cells
    wire.clear();
    panel.update(&fb, fb.damage(), &mut wire);
    // Set DDRAM address (row 2 starts at 0x14: column 6 is 0x1A) and one data byte,
    // six port writes each.
    assert_eq!(wire.len_bytes(), 12, "{:?}", wire.steps());
    emulator::feed_wire(emu.as_mut(), &wire);
    assert_glass_shows(emu.as_ref(), &fb, "second frame");
    wire.clear();
    panel.update(&fb, fb.damage(), &mut wire);
    assert_eq!(wire.len_bytes(), 0, "nothing changed, nothing sent");
}

#[test]
fn sleep_turns_the_display_and_backlight_off_and_contrast_sends_nothing() {
    let m = model("hd44780-16x2");
    let fb = common::render(TEXT_SCENE, 1);
    let mut panel = Panel::new(m, Rotation::R0, Settings::default());
    let mut wire = Wire::new();
    panel.init(&mut wire);
    panel.full(&fb, &mut wire);
    let mut emu = Hd44780Emulator::new(geometry(m), Rom::A00);
    emulator::feed_wire(&mut emu, &wire);
    wire.clear();
    panel.contrast(10, &mut wire);
    assert!(wire.is_empty(), "contrast is the module's potentiometer");
    assert_eq!(m.driver().contrast_register(10), None);
    panel.sleep(true, &mut wire);
    emulator::feed_wire(&mut emu, &wire);
    assert!(!emu.state().on && !emu.backlight());
    assert!(differences(&emu, &FrameBuffer::new(95, 17, m.mode())).is_empty());
    wire.clear();
    panel.sleep(false, &mut wire);
    emulator::feed_wire(&mut emu, &wire);
    assert!(emu.state().on && emu.backlight());
    assert_glass_shows(&emu, &fb, "awake again");
}

#[test]
fn an_init_resynchronises_a_controller_left_between_two_nibbles() {
    let m = model("hd44780-16x2");
    let fb = common::render(TEXT_SCENE, 1);
    let mut panel = Panel::new(m, Rotation::R0, Settings::default());
    let mut emu = Hd44780Emulator::new(geometry(m), Rom::A00);
    let mut wire = Wire::new();
    panel.init(&mut wire);
    emulator::feed_wire(&mut emu, &wire);
    // Half a byte (a write that failed midway), then a fresh init and the frame.
    emu.command(&[0x88, 0x8C, 0x88]);
    wire.clear();
    panel.init(&mut wire);
    panel.full(&fb, &mut wire);
    emulator::feed_wire(&mut emu, &wire);
    assert_glass_shows(&emu, &fb, "after a re-init");
}

#[test]
fn a_capture_decodes_on_the_command_line() {
    let m = model("hd44780-16x2");
    let fb = common::render(TEXT_SCENE, 1);
    let mut panel = Panel::new(m, Rotation::R0, Settings::default());
    let mut wire = Wire::new();
    panel.init(&mut wire);
    panel.full(&fb, &mut wire);
    let mut bus = CaptureBus::new(Vec::new(), "memory".into());
    wire.send(&mut bus).unwrap();
    let text = String::from_utf8(bus.into_inner()).unwrap();
    let mut emu = emulator::for_model(m);
    emulator::feed_transfers(emu.as_mut(), &parse_capture(&text).unwrap());
    assert_glass_shows(emu.as_ref(), &fb, "capture");

    let dir = std::env::temp_dir().join(format!("tinydisplay-charlcd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cap, png) = (dir.join("lcd.txt"), dir.join("lcd.png"));
    std::fs::write(&cap, &text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
        .args(["decode"])
        .arg(&cap)
        .args(["--display", "hd44780-16x2", "--out"])
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let img = image::open(&png).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (95, 17));
    for (x, y, p) in img.enumerate_pixels() {
        assert_eq!(p.0, emu.pixel(x, y), "({x}, {y})");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_a02_rom_is_a_scene_option() {
    let src = r#"Scene(
        display: (width: 95, height: 17, driver: Hd44780, rom: A02),
        fonts: {"lcd": (file: "../assets/fonts/hd44780-a02.bdf")},
        widgets: [Text(x: 0, y: 0, font: "lcd", text: "Grün \\ à é")],
    )"#;
    let m = model("hd44780-16x2");
    let scene = common::compile(src);
    let config = scene.display.panel.clone().expect("a panel");
    assert_eq!(config.settings.rom, Rom::A02);
    let fb = common::render(src, 1);
    let mut panel = Panel::new(m, Rotation::R0, config.settings);
    let mut wire = Wire::new();
    panel.init(&mut wire);
    panel.full(&fb, &mut wire);
    let mut emu = Hd44780Emulator::new(geometry(m), Rom::A02);
    emulator::feed_wire(&mut emu, &wire);
    assert_glass_shows(&emu, &fb, "A02 text");
    assert_eq!(emu.code(2, 0), 0xFC, "ü");
    assert_eq!(emu.code(5, 0), 0x5C, "backslash");
    assert_eq!(emu.code(7, 0), 0xE0, "à");
    assert_eq!(emu.code(9, 0), 0xE9, "é");
}

/// The one error of `src` (compiled as scenes/bad.ron), shown as the CLI shows it.
fn one_error(src: &str) -> String {
    let path = common::root().join("scenes").join("bad.ron");
    match compile_str(src, &path) {
        Ok(_) => panic!("accepted:\n{src}"),
        Err(SceneError::Invalid(p)) => {
            let errors: Vec<String> = p
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .map(|p| p.to_string())
                .collect();
            assert_eq!(errors.len(), 1, "{errors:#?}");
            errors[0].clone()
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn check_refuses_what_a_character_lcd_cannot_do_at_file_line_col() {
    let e = one_error(
        "Scene(\n  display: (width: 95, height: 17, driver: Hd44780,\n    rotation: 180),\n)",
    );
    assert!(e.contains("bad.ron:3:5: error: "), "{e}");
    assert!(e.contains("rotation 0 only"), "{e}");
    let e =
        one_error("Scene(\n  display: (width: 17, height: 95, driver: Hd44780, rotation: 90),\n)");
    assert!(
        e.contains("bad.ron:2:") && e.contains("rotation 0 only"),
        "{e}"
    );
    let e =
        one_error("Scene(\n  display: (width: 95, height: 17, driver: Hd44780, invert: true),\n)");
    assert!(e.contains("cannot invert"), "{e}");
    let e = one_error(
        "Scene(\n  display: (width: 95, height: 17, driver: Hd44780, bus: I2c(address: 0x27)),\n)",
    );
    assert!(e.contains("Pcf8574(bus: 1, address: 0x27)"), "{e}");
    let e = one_error("Scene(\n  display: (width: 128, height: 64, driver: Ssd1306, rom: A02),\n)");
    assert!(e.contains("character LCDs"), "{e}");
    let e = one_error("Scene(\n  display: (width: 80, height: 16, driver: Hd44780),\n)");
    assert!(e.contains("95x17"), "{e}");
    // The buses parse as a scene writes them.
    let ok = common::compile(
        "Scene(display: (width: 119, height: 35, driver: Hd44780, \
         bus: Gpio4(rs: 25, en: 24, d4: 23, d5: 17, d6: 18, d7: 22, backlight: 4)))",
    );
    assert!(ok.display.panel.is_some());
    common::compile(
        "Scene(display: (width: 95, height: 17, driver: Hd44780, bus: Pcf8574(address: 0x3F)))",
    );
    // The WS0010: no inversion, no A02 table, the 4-bit buses only.
    let e =
        one_error("Scene(\n  display: (width: 100, height: 16, driver: Ws0010, invert: true),\n)");
    assert!(e.contains("the WS0010 cannot invert"), "{e}");
    let e = one_error("Scene(\n  display: (width: 95, height: 17, driver: Weh, rom: A02),\n)");
    assert!(
        e.contains("bad.ron:2:") && e.contains("no A02 table"),
        "{e}"
    );
    let e = one_error(
        "Scene(\n  display: (width: 100, height: 16, driver: Ws0010, bus: Spi(dc: 24)),\n)",
    );
    assert!(e.contains("a WS0010 takes `Pcf8574"), "{e}");
    let e = one_error(
        "Scene(\n  display: (width: 128, height: 64, driver: Ssd1306, bus: Pcf8574(address: 0x27)),\n)",
    );
    assert!(e.contains("Ws0010"), "{e}");
    let ok = common::compile(
        "Scene(display: (width: 16, height: 100, driver: Ws0010, rotation: 90, \
         bus: Pcf8574(address: 0x27)))",
    );
    assert_eq!(ok.display.panel.map(|p| p.model), Some(model("weg010016")));
    let ok = common::compile("Scene(display: (width: 119, height: 35, driver: Weh))");
    assert_eq!(ok.display.panel.map(|p| p.model), Some(model("weh002004")));
}

/// Rectangles that make `n` different cell patterns no ROM has, one per cell of row 0
/// (bars of 1 to 4 pixels, full height, then top-aligned blocks of 1 to 7 rows).
fn odd_cells(n: u32) -> String {
    (0..n)
        .map(|k| {
            let (w, h) = if k < 4 { (k + 1, 8) } else { (5, k - 3) };
            format!(
                "Rectangle(x: {}, y: 0, width: {w}, height: {h}, fill: \"white\"),",
                k * 6
            )
        })
        .collect::<Vec<_>>()
        .join("\n                ")
}

#[test]
fn check_warns_at_the_page_that_needs_more_than_eight_custom_characters() {
    let src = format!(
        r#"Scene(
    display: (width: 95, height: 17, driver: Hd44780),
    widgets: [
        Sequence(width: 95, height: 17, pages: [
            Page(children: [{few}]),
            Page(
                children: [
                {many}
                ],
            ),
        ]),
    ],
)"#,
        few = odd_cells(8),
        many = odd_cells(11)
    );
    let dir = std::env::temp_dir().join(format!("tinydisplay-cells-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pages.ron");
    std::fs::write(&path, &src).unwrap();
    let scene = tinydisplay::scene::load(&path).expect("a valid scene");
    assert!(scene.warnings.is_empty(), "{:?}", scene.warnings);
    let warnings = tinydisplay::cells::custom_character_warnings(&scene);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let w = warnings[0].to_string();
    // The second page starts on line 13 (the first one's eight rectangles take 5..=12).
    assert!(w.contains("pages.ron:13:13: warning: "), "{w}");
    assert!(w.contains("needs 11 custom characters"), "{w}");
    // As `tinydisplay check` prints it; the scene is still fine.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&w), "{stderr}");
    // A scene without pages: its first frame.
    let flat = format!(
        "Scene(\n  display: (width: 95, height: 17, driver: Hd44780),\n  widgets: [\n    {}\n  ],\n)",
        odd_cells(9)
    );
    std::fs::write(&path, &flat).unwrap();
    let scene = tinydisplay::scene::load(&path).expect("a valid scene");
    let warnings = tinydisplay::cells::custom_character_warnings(&scene);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0]
            .to_string()
            .contains("pages.ron:3:3: warning: the scene's first frame needs 9"),
        "{}",
        warnings[0]
    );
    // Eight are fine.
    std::fs::write(&path, flat.replace(&odd_cells(9), &odd_cells(8))).unwrap();
    let scene = tinydisplay::scene::load(&path).expect("a valid scene");
    assert!(tinydisplay::cells::custom_character_warnings(&scene).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

const WEG_SCENE: &str = r#"Scene(
    display: (width: 100, height: 16, driver: Ws0010, bus: Pcf8574(address: 0x27)),
    fonts: {"small": (file: "../assets/fonts/spleen-5x8.bdf")},
    widgets: [
        Text(x: 0, y: 0, font: "small", text: "WS0010 100x16"),
        ProgressBar(x: 0, y: 9, width: 100, height: 7, value: 0.62, line_width: 1),
    ],
)"#;

#[test]
fn a_ws0010_in_graphic_mode_round_trips_a_scene_and_sleeps() {
    use tinydisplay::panel::emulator::ws0010::Ws0010Emulator;
    let m = model("weg010016");
    let geometry = match m.row().family {
        Family::Ws0010(g) => g,
        _ => panic!("weg010016 is a WS0010 graphic model"),
    };
    let scene = common::compile(WEG_SCENE);
    assert_eq!(scene.display.panel.as_ref().map(|p| p.model), Some(m));
    let fb = common::render(WEG_SCENE, 1);
    let mut panel = Panel::new(m, Rotation::R0, Settings::default());
    let mut emu = Ws0010Emulator::new(geometry);
    let mut wire = Wire::new();
    panel.init(&mut wire);
    emulator::feed_wire(&mut emu, &wire);
    assert!(
        emu.graphic() && emu.state().on,
        "graphic mode, power and display on"
    );
    wire.clear();
    panel.full(&fb, &mut wire);
    // Two rows of 8 pixels: two address pairs and 100 column bytes each, as nibbles of
    // three port writes.
    assert_eq!(wire.len_bytes(), 2 * (12 + 100 * 6));
    emulator::feed_wire(&mut emu, &wire);
    assert!(emu.problems().is_empty(), "{:?}", emu.problems());
    let lit = |e: &Ws0010Emulator| {
        (0..16)
            .flat_map(|y| (0..100).map(move |x| (x, y)))
            .filter(|&(x, y)| e.pixel(x, y) != [0; 3])
            .count()
    };
    for y in 0..16 {
        for x in 0..100 {
            assert_eq!(emu.pixel(x, y), fb.rgb(x, y), "({x}, {y})");
        }
    }
    assert!(lit(&emu) > 100, "the scene lights pixels");
    wire.clear();
    panel.contrast(10, &mut wire);
    assert!(wire.is_empty(), "the WS0010 has no contrast");
    panel.sleep(true, &mut wire);
    emulator::feed_wire(&mut emu, &wire);
    assert!(!emu.state().on);
    assert_eq!(lit(&emu), 0, "asleep, the glass is dark");
    wire.clear();
    panel.sleep(false, &mut wire);
    emulator::feed_wire(&mut emu, &wire);
    assert!(emu.state().on);
    for y in 0..16 {
        for x in 0..100 {
            assert_eq!(emu.pixel(x, y), fb.rgb(x, y), "awake ({x}, {y})");
        }
    }
}

#[test]
fn a_winstar_weh_character_oled_needs_its_internal_power_turned_on() {
    let weh = model("weh001602");
    let src = TEXT_SCENE.replace("driver: Hd44780", "driver: Weh");
    let scene = common::compile(&src);
    assert_eq!(scene.display.panel.as_ref().map(|p| p.model), Some(weh));
    let fb = common::render(&src, 1);
    let mut wire = Wire::new();
    let mut panel = Panel::new(weh, Rotation::R0, Settings::default());
    panel.init(&mut wire);
    panel.full(&fb, &mut wire);
    let mut emu = Hd44780Emulator::new(geometry(weh), Rom::A00);
    emulator::feed_wire(&mut emu, &wire);
    assert_glass_shows(&emu, &fb, "WEH text");
    assert_eq!(custom_cells(&emu, geometry(weh)), 0);
    // An HD44780's init never turns the WS0010's power on: the glass stays dark.
    let hd = model("hd44780-16x2");
    let mut wire = Wire::new();
    let mut panel = Panel::new(hd, Rotation::R0, Settings::default());
    panel.init(&mut wire);
    panel.full(&fb, &mut wire);
    let mut emu = Hd44780Emulator::new(geometry(weh), Rom::A00);
    emulator::feed_wire(&mut emu, &wire);
    assert!(
        !emu.state().on,
        "an HD44780 init leaves a WS0010 powered off"
    );
    assert!(differences(&emu, &FrameBuffer::new(95, 17, weh.mode())).is_empty());
}

/// Runs `tinydisplay decode` on `capture`; the image, or the error output.
fn decode_cli(capture: &std::path::Path, args: &[&str]) -> Result<image::RgbImage, String> {
    let png = capture.with_extension("png");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
        .arg("decode")
        .arg(capture)
        .args(args)
        .arg("--out")
        .arg(&png)
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(image::open(&png).unwrap().to_rgb8())
}

/// The capture text of `m`'s init and a full frame of `fb`.
fn capture_of(m: Model, settings: Settings, fb: &FrameBuffer) -> String {
    let mut panel = Panel::new(m, Rotation::R0, settings);
    let mut wire = Wire::new();
    panel.init(&mut wire);
    panel.full(fb, &mut wire);
    let mut bus = CaptureBus::new(Vec::new(), "memory".into());
    wire.send(&mut bus).unwrap();
    String::from_utf8(bus.into_inner()).unwrap()
}

#[test]
fn decode_takes_the_rom_and_knows_the_ws0010() {
    let dir = std::env::temp_dir().join(format!("tinydisplay-decode-rom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A02 text decodes to the frame with --rom A02 only.
    let src = r#"Scene(
        display: (width: 95, height: 17, driver: Hd44780, rom: A02),
        fonts: {"lcd": (file: "../assets/fonts/hd44780-a02.bdf")},
        widgets: [Text(x: 0, y: 0, font: "lcd", text: "Grün à é")],
    )"#;
    let fb = common::render(src, 1);
    let settings = common::compile(src)
        .display
        .panel
        .expect("a panel")
        .settings;
    let cap = dir.join("a02.txt");
    std::fs::write(&cap, capture_of(model("hd44780-16x2"), settings, &fb)).unwrap();
    let shows = |img: &image::RgbImage| {
        img.enumerate_pixels().all(|(x, y, p)| {
            let gap = x % 6 == 5 || y % 9 == 8;
            p.0 == if gap { [0; 3] } else { fb.rgb(x, y) }
        })
    };
    let a02 = decode_cli(&cap, &["--display", "hd44780-16x2", "--rom", "a02"]).unwrap();
    assert!(shows(&a02), "--rom A02 shows the A02 text");
    // Without it, the A00 table has no characters at those codes: not a clean decode.
    let e = decode_cli(&cap, &["--display", "hd44780-16x2"]).unwrap_err();
    assert!(e.contains("is not in the A00 table"), "{e}");
    let e = decode_cli(&cap, &["--display", "ssd1306", "--rom", "A02"]).unwrap_err();
    assert!(e.contains("--rom is for character LCDs"), "{e}");
    let e = decode_cli(&cap, &["--display", "hd44780-16x2", "--rom", "B00"]).unwrap_err();
    assert!(e.contains("A00 or A02"), "{e}");
    let e = decode_cli(&cap, &["--display", "weh001602", "--rom", "A02"]).unwrap_err();
    assert!(e.contains("no A02 table"), "{e}");
    // The WS0010 in graphic mode, turned.
    let m = model("weg010016");
    let scene = WEG_SCENE
        .replace(
            "width: 100, height: 16,",
            "width: 16, height: 100, rotation: 270,",
        )
        .replace(
            "Text(x: 0, y: 0, font: \"small\", text: \"WS0010 100x16\"),",
            "Text(x: 0, y: 0, font: \"small\", text: \"WS\"),",
        )
        .replace(
            "ProgressBar(x: 0, y: 9, width: 100, height: 7,",
            "ProgressBar(x: 2, y: 10, width: 10, height: 80,",
        );
    let fb = common::render(&scene, 1);
    let mut panel = Panel::new(m, Rotation::R270, Settings::default());
    let mut wire = Wire::new();
    panel.init(&mut wire);
    panel.full(&fb, &mut wire);
    let mut bus = CaptureBus::new(Vec::new(), "memory".into());
    wire.send(&mut bus).unwrap();
    let cap = dir.join("weg.txt");
    std::fs::write(&cap, bus.into_inner()).unwrap();
    let img = decode_cli(&cap, &["--display", "weg010016", "--rotation", "270"]).unwrap();
    assert_eq!(img.dimensions(), (16, 100));
    for (x, y, p) in img.enumerate_pixels() {
        assert_eq!(p.0, fb.rgb(x, y), "({x}, {y})");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_ws0010_init_resynchronises_a_controller_left_between_two_nibbles() {
    for (name, src) in [
        ("weg010016", WEG_SCENE.to_string()),
        (
            "weh001602",
            TEXT_SCENE.replace("driver: Hd44780", "driver: Weh"),
        ),
    ] {
        let m = model(name);
        let fb = common::render(&src, 1);
        let mut panel = Panel::new(m, Rotation::R0, Settings::default());
        let mut emu = emulator::for_model(m);
        let mut wire = Wire::new();
        panel.init(&mut wire);
        panel.full(&fb, &mut wire);
        emulator::feed_wire(emu.as_mut(), &wire);
        // Half a byte (a write that failed midway), then a fresh init and the frame.
        emu.command(&[0x88, 0x8C, 0x88]);
        wire.clear();
        panel.init(&mut wire);
        panel.full(&fb, &mut wire);
        emulator::feed_wire(emu.as_mut(), &wire);
        assert!(emu.problems().is_empty(), "{name}: {:?}", emu.problems());
        for y in 0..fb.height() {
            for x in 0..fb.width() {
                let gap = name.starts_with("weh") && (x % 6 == 5 || y % 9 == 8);
                let want = if gap { [0; 3] } else { fb.rgb(x, y) };
                assert_eq!(emu.pixel(x, y), want, "{name} ({x}, {y})");
            }
        }
    }
}
