//! GPIO input steering a scene: a (fake-pin) button's presses and an encoder's clicks
//! land as keys, `control.on_change` turns them into control commands (next / previous
//! page), and an encoder's position selects an Index child.

mod common;
mod servers;

use std::time::Duration;

use serde_json::json;
use servers::{tick_until, value};
use tinydisplay::data::ingest::DataInbox;
use tinydisplay::render::FrameBuffer;
use tinydisplay::source::kinds::gpio::pin::FakeBank;
use tinydisplay::source::{GpioConfig, GpioSource, Policy, spawn_stream};

const SCENE: &str = r#"Scene(
    display: (width: 64, height: 16, mode: Mono, fps: 30),
    fonts: {"f": (file: "../assets/fonts/spleen-5x8.bdf")},
    control: (on_change: {
        "gpio.ok.presses": {"cmd": "next"},
        "gpio.knob.counter_clockwise": {"cmd": "previous"},
    }),
    widgets: [
        Sequence(width: 64, height: 8, pages: [
            Page(duration: 100000, children: [Text(text: "one", font: "f")]),
            Page(duration: 100000, children: [Text(text: "two", font: "f")]),
        ]),
        Index(y: 8, width: 64, height: 8, select: "gpio.knob.position % 2", children: [
            Text(text: "even", font: "f"),
            Text(text: "odd", font: "f"),
        ]),
    ],
)"#;

fn frame(app: &bevy_app::App) -> Vec<u8> {
    app.world().resource::<FrameBuffer>().to_rgb8()
}

fn turn(bank: &FakeBank, clockwise: bool) {
    let mut steps = vec![(true, false), (true, true), (false, true), (false, false)];
    if !clockwise {
        steps = vec![(false, true), (true, true), (true, false), (false, false)];
    }
    for (a, b) in steps {
        bank.set(5, !a);
        bank.set(6, !b);
        std::thread::sleep(Duration::from_millis(15));
    }
}

#[test]
fn buttons_and_encoders_drive_pages_and_index() {
    let mut app = common::app_for(common::compile(SCENE));
    let config: GpioConfig = ron::from_str(
        r#"(buttons: {"ok": (pin: 17, debounce_ms: 5)}, encoders: {"knob": (a: 5, b: 6)}, sample_ms: 1)"#,
    )
    .expect("valid");
    let bank = FakeBank::new();
    let source = GpioSource::with_bank(config, Box::new(bank.clone())).expect("configured");
    let tx = app.world().resource::<DataInbox>().sender();
    let handle = spawn_stream("input", Box::new(source), Policy::default(), tx);
    let limit = Duration::from_secs(20);
    assert!(tick_until(&mut app, limit, |d| d.get("gpio.ok.presses")
        == Some(&json!(0))));
    tinydisplay::app::run_ticks(&mut app, tinydisplay::app::RunMode::Ticks(2));
    let page_one = frame(&app);

    // A press: the next page.
    bank.set(17, false);
    assert!(tick_until(&mut app, limit, |d| d.get("gpio.ok.presses")
        == Some(&json!(1))));
    bank.set(17, true);
    tinydisplay::app::run_ticks(&mut app, tinydisplay::app::RunMode::Ticks(2));
    let page_two = frame(&app);
    assert_ne!(page_one, page_two, "the press did not change the page");

    // A clockwise click moves the Index to "odd"; a counter-clockwise one goes back a page
    // and to "even".
    turn(&bank, true);
    assert!(tick_until(&mut app, limit, |d| d.get("gpio.knob.position")
        == Some(&json!(1))));
    tinydisplay::app::run_ticks(&mut app, tinydisplay::app::RunMode::Ticks(2));
    assert_ne!(
        page_two,
        frame(&app),
        "the Index did not follow the encoder"
    );
    turn(&bank, false);
    assert!(tick_until(&mut app, limit, |d| d.get("gpio.knob.position")
        == Some(&json!(0))));
    tinydisplay::app::run_ticks(&mut app, tinydisplay::app::RunMode::Ticks(2));
    assert_eq!(page_one, frame(&app), "page one and \"even\" again");
    assert_eq!(value(&app, "gpio.knob.counter_clockwise"), json!(1));
    handle.stop();
}
