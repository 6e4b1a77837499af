//! Tickless idle: a run that skips the ticks at which nothing can change shows, at every
//! tick, the frame a run that wakes every tick shows; and news wakes a sleeping engine.

mod common;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use bevy_app::App;
use bevy_ecs::prelude::*;
use serde_json::json;
use tinydisplay::app::{Pacing, RunMode, Tick, TickSchedule, TickSet, Tickless, run_ticks};
use tinydisplay::data::Dataset;
use tinydisplay::data::ingest::DataInbox;
use tinydisplay::data::ramp::{Ramp, Ramps};
use tinydisplay::render::FrameBuffer;
use tinydisplay::source::Message;

/// The scene's frame: a gray display, data that changes now and then.
const HEAD: &str = r#"Scene(
    display: (width: 128, height: 64, mode: Gray4, fps: 30),
    data: (initial: {"m.title": "first", "m.volume": 1, "sys.load": 1, "m.state": "play",
                     "m.elapsed_reported": 3}),
    widgets: ["#;

/// Widgets with every kind of motion the engine has, one scene each (the last has them
/// all at once).
const MOTIONS: [(&str, &str); 10] = [
    (
        "marquee loop",
        r#"Marquee(x: 0, y: 0, width: 40, height: 8, ticks_per_px: 5, pause: 40, gap: 8,
            child: Text(text: "A long title that does not fit here"))"#,
    ),
    (
        "marquees bounce and clip in a sync group",
        r#"Marquee(x: 0, y: 8, width: 40, height: 8, mode: bounce, ticks_per_px: 4, pause: 10,
            pause_end: 15, group: "g", child: Text(text: "{{ m.title }} and more to scroll")),
        Marquee(x: 40, y: 8, width: 30, height: 8, mode: clip, group: "g",
            child: Text(text: "clipped long content here"))"#,
    ),
    (
        "popup",
        r#"Popup(x: 70, y: 0, width: 58, height: 8, pause: 25, pause_end: 25,
            child: Text(text: "line 1\nline 2\nline 3"))"#,
    ),
    (
        "slides",
        r#"Text(x: 0, y: 16, text: "hi", slide: (by: (20, 0), duration: 12, pause: 17,
            pause_end: 9, easing: ease_in_out)),
        Text(x: 30, y: 16, text: "once", slide: (by: (0, 4), duration: 10, pause: 40,
            back: false, repeat: false))"#,
    ),
    (
        "gif",
        r#"Image(x: 100, y: 12, file: "../assets/images/wave.gif")"#,
    ),
    (
        "changed_ago, ramp and graph",
        r#"Text(x: 40, y: 24, text: "{{ changed_ago('m.title') }}s"),
        Text(x: 70, y: 24, text: "{{ m.elapsed_text | default('-') }}"),
        Graph(x: 0, y: 32, width: 32, height: 16, key: "sys.load", window: 192)"#,
    ),
    (
        "sequence with an alert and a cooldown",
        r#"Sequence(x: 64, y: 32, width: 64, height: 16, transition: slide_left, transition_ticks: 6,
            pages: [
                Page(duration: 40, children: [Text(text: "one")]),
                Page(duration: 25, when: "m.volume > 0", cooldown: 50, children: [Text(text: "two")]),
                Page(priority: 5, duration: 30, on_change: ["m.volume"],
                    children: [Text(text: "VOL {{ m.volume }}")]),
            ])"#,
    ),
    (
        "sequence fading",
        r#"Sequence(x: 0, y: 48, width: 64, height: 16, transition: fade, transition_ticks: 5,
            pages: [
                Page(duration: 33, children: [Text(text: "fade a")]),
                Page(duration: 21, children: [Text(text: "fade b")]),
            ])"#,
    ),
    (
        "motion waiting on data: run_when, hold and actions",
        r#"Marquee(x: 0, y: 56, width: 40, height: 8, ticks_per_px: 3, run_when: "m.state == 'play'",
            hold: freeze, child: Text(text: "{{ m.title }} waits for play")),
        Popup(x: 40, y: 56, width: 40, height: 8, run_when: "m.volume > 1",
            actions: [Wait(20), Move(by: (0, -8), ticks: 16), Pause(30), Reset, Loop],
            child: Text(text: "a\nb")),
        Text(x: 90, y: 56, text: "go", run_when: "m.state == 'play'",
            slide: (by: (10, 0), duration: 10, pause: 5))"#,
    ),
    ("all at once", ""),
];

/// The scene of motion `i` of [`MOTIONS`] (the last: all of them).
fn scene(i: usize) -> String {
    let widgets: Vec<&str> = if MOTIONS[i].1.is_empty() {
        MOTIONS
            .iter()
            .map(|m| m.1)
            .filter(|w| !w.is_empty())
            .collect()
    } else {
        vec![MOTIONS[i].1]
    };
    format!("{HEAD}{}])", widgets.join(",\n"))
}

/// What the test feeds in, by the tick it lands at.
fn inputs() -> BTreeMap<u64, Vec<(&'static str, serde_json::Value)>> {
    BTreeMap::from([
        (100, vec![("m.title", json!("second"))]),
        (170, vec![("m.state", json!("pause"))]),
        (230, vec![("m.volume", json!(2)), ("sys.load", json!(5))]),
        (400, vec![("m.title", json!("third"))]),
    ])
}

/// Ticks each run covers.
const TICKS: u64 = 600;

/// Runs the scene for [`TICKS`] ticks (tickless or not), feeding [`inputs`]; the hash of
/// the frame at each tick that ran, and the runner's figures.
fn run(scene: &str, tickless: bool) -> (BTreeMap<u64, u64>, u64) {
    let mut app: App = common::app_for(common::compile(scene));
    app.insert_resource(Tickless {
        real_time: tickless,
        stepped: tickless,
    });
    // MPD's `elapsed` ramp, as its source would set it up.
    app.insert_resource(Ramps(vec![Ramp {
        key: "m.elapsed".into(),
        base: "m.elapsed_reported".into(),
        restart: vec!["m.state".into()],
        while_key: "m.state".into(),
        while_value: json!("play"),
        max: None,
        text: Some("m.elapsed_text".into()),
    }]));
    let frames = Arc::new(Mutex::new(BTreeMap::new()));
    let seen = frames.clone();
    app.add_systems(
        TickSchedule,
        (move |fb: Res<FrameBuffer>, tick: Res<Tick>| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            fb.data().hash(&mut h);
            seen.lock().expect("frames").insert(tick.0, h.finish());
        })
        .after(tinydisplay::sink::present::present)
        .in_set(TickSet::Present),
    );
    let tx = app.world().resource::<DataInbox>().sender();
    let mut at = 0;
    let mut idle = 0;
    for (&tick, values) in inputs().iter().chain([(&TICKS, &Vec::new())]) {
        run_ticks(&mut app, RunMode::Ticks(tick - at));
        idle += app.world().resource::<Pacing>().idle;
        at = tick;
        for (key, value) in values {
            tx.send(Message::Set {
                key: (*key).into(),
                value: value.clone(),
            })
            .expect("the engine listens");
        }
    }
    assert_eq!(
        app.world().resource::<Tick>().0,
        TICKS,
        "the clock kept time"
    );
    let frames = frames.lock().expect("frames").clone();
    (frames, idle)
}

#[test]
fn skipped_ticks_are_ticks_at_which_nothing_changes() {
    for (i, (what, _)) in MOTIONS.iter().enumerate() {
        let scene = scene(i);
        let (every, idle_every) = run(&scene, false);
        let (tickless, idle) = run(&scene, true);
        assert_eq!(idle_every, 0);
        assert_eq!(every.len() as u64, TICKS, "{what}: every tick ran");
        // At every tick the frame is the one of the last tick that ran.
        let mut shown = None;
        for (t, hash) in &every {
            if let Some(h) = tickless.get(t) {
                shown = Some(*h);
            }
            assert_eq!(
                shown,
                Some(*hash),
                "{what}: at tick {t} the tickless run shows another frame"
            );
        }
        assert_eq!(idle + tickless.len() as u64, TICKS, "{what}");
        // Alone each motion leaves most ticks idle; all at once some still are.
        let least = if i + 1 == MOTIONS.len() { 1 } else { TICKS / 5 };
        assert!(
            idle >= least,
            "{what}: tickless skipped {idle} ticks, ran {:?}",
            tickless.keys().collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_source_message_wakes_a_sleeping_engine_at_once() {
    // A still scene: nothing changes by itself, so the engine sleeps to the end of the
    // run unless the message wakes it.
    let mut app = common::app_for(common::compile(
        r#"Scene(display: (width: 32, height: 8, fps: 30), widgets: [Text(text: "{{ a.b | default('-') }}")])"#,
    ));
    app.insert_resource(Tickless {
        real_time: true,
        stepped: false,
    });
    let tx = app.world().resource::<DataInbox>().sender();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let _ = tx.send(Message::Set {
            key: "a.b".into(),
            value: json!("x"),
        });
    });
    // 3 s of ticks.
    run_ticks(&mut app, RunMode::RealTime(Some(90)));
    sender.join().expect("the sender ran");
    let data = app.world().resource::<Dataset>();
    let landed = data.entry("a.b").map(|e| e.changed_tick);
    let pacing = app.world().resource::<Pacing>();
    assert!(
        landed.is_some_and(|t| t < 89),
        "the value landed at tick {landed:?}, not when it came: {pacing:?}"
    );
    assert!(pacing.idle > 0, "ticks were skipped: {pacing:?}");
    assert_eq!(app.world().resource::<Tick>().0, 90, "the clock kept time");
}

#[test]
fn a_clock_source_is_polled_on_the_tick_thread_when_due() {
    // A still scene with a clock: no thread polls it, so a tickless engine that did not
    // wake for the clock's due instants would sleep through the whole run.
    let mut app = common::app_for(common::compile_with_sources(
        r#"Scene(
    display: (width: 64, height: 8, fps: 30),
    sources: {"clock": (source: Clock(time_format: "%S"), policy: (interval_ms: 250))},
    widgets: [Text(text: "{{ clock.time | default('-') }}")],
)"#,
    ));
    app.insert_resource(Tickless {
        real_time: true,
        stepped: false,
    });
    let threads = || {
        std::fs::read_dir("/proc/self/task")
            .map(|tasks| {
                tasks
                    .flatten()
                    .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
                    .map(|c| c.trim_end().to_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    // 2.5 s of ticks, seeing the clock's seconds as they go.
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    app.add_systems(
        TickSchedule,
        (move |data: Res<Dataset>| {
            if let Some(t) = data.get("clock.time").and_then(|v| v.as_str())
                && let Ok(mut seen) = log.lock()
                && seen.last().is_none_or(|l| l != t)
            {
                seen.push(t.to_owned());
            }
        })
        .in_set(TickSet::Advance),
    );
    run_ticks(&mut app, RunMode::RealTime(Some(75)));
    let names = threads();
    assert!(
        !names.iter().any(|n| n == "src-clock"),
        "the clock has a thread of its own: {names:?}"
    );
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    let pacing = *app.world().resource::<Pacing>();
    assert!(
        seen.len() >= 3,
        "the clock's seconds landed as they went: {seen:?}, {pacing:?}"
    );
    // Each second follows the one before: the polls keep their interval, none skipped.
    for pair in seen.windows(2) {
        let (a, b) = (pair[0].parse::<u32>(), pair[1].parse::<u32>());
        assert!(
            matches!((a, b), (Ok(a), Ok(b)) if b == (a + 1) % 60),
            "{seen:?}"
        );
    }
    // Polled every 250 ms: about 10 wakes, not 75.
    assert!(pacing.idle > 40, "ticks were skipped: {pacing:?}");
    assert!(
        pacing.wakes < 40,
        "the runner woke for the polls: {pacing:?}"
    );
    assert_eq!(app.world().resource::<Tick>().0, 75, "the clock kept time");
}
