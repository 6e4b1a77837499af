//! Motion as a function of the tick: jumping to a tick gives the same frame as stepping
//! to it, and the reference scene's marquee at chosen ticks.

mod common;

use bevy_app::App;
use tinydisplay::app::{RunMode, Tick, run_ticks};
use tinydisplay::render::FrameBuffer;

fn reference() -> App {
    let src = std::fs::read_to_string(common::root().join("scenes/reference.ron"))
        .expect("reference scene");
    common::app_for(common::compile(&src))
}

/// The frame of tick `n` by running every tick up to it.
fn stepped(n: u64) -> FrameBuffer {
    let mut app = reference();
    run_ticks(&mut app, RunMode::Ticks(n + 1));
    app.world().resource::<FrameBuffer>().clone()
}

/// The frame of tick `n` by drawing tick 0 and then jumping straight to `n`.
fn jumped(n: u64) -> FrameBuffer {
    let mut app = reference();
    run_ticks(&mut app, RunMode::Ticks(1));
    app.world_mut().resource_mut::<Tick>().0 = n;
    run_ticks(&mut app, RunMode::Ticks(1));
    app.world().resource::<FrameBuffer>().clone()
}

#[test]
fn stepping_and_jumping_give_identical_frames() {
    for n in [1, 19, 20, 21, 150, 477, 1000] {
        assert!(stepped(n).data() == jumped(n).data(), "tick {n} differs");
    }
}

#[test]
fn reference_marquee_at_chosen_ticks() {
    for n in [20, 60, 300, 480] {
        common::assert_golden(&format!("reference_tick_{n}"), &stepped(n));
    }
}

#[test]
fn a_moving_marquee_damages_only_its_window() {
    let mut app = reference();
    run_ticks(&mut app, RunMode::Ticks(30));
    let damage = app.world().resource::<FrameBuffer>().damage().to_vec();
    assert_eq!(damage, vec![tinydisplay::render::Rect::new(4, 30, 248, 8)]);
}

#[test]
fn paused_marquee_has_no_damage() {
    let mut app = reference();
    run_ticks(&mut app, RunMode::Ticks(10));
    assert!(app.world().resource::<FrameBuffer>().damage().is_empty());
}

const MOVERS: &str = r#"Scene(
    display: (width: 96, height: 32, mode: Gray4),
    widgets: [
        Text(x: 0, y: 0, text: "slide", slide: (by: (40, 0), duration: 20, pause: 10, pause_end: 10, easing: ease_in_out)),
        Popup(x: 0, y: 12, width: 40, height: 8, pause: 5, pause_end: 5, child:
            Text(text: "top\nmid\nend"),
        ),
        Marquee(x: 48, y: 12, width: 48, height: 8, direction: ltr, mode: bounce, pause: 4, pause_end: 4, child:
            Text(text: "bounce to the end"),
        ),
        Marquee(x: 48, y: 22, width: 48, height: 8, direction: down, ticks_per_px: 2, child:
            Text(text: "down"),
        ),
    ],
)"#;

fn movers_at(n: u64, jump: bool) -> FrameBuffer {
    let mut app = common::app_for(common::compile(MOVERS));
    if jump {
        run_ticks(&mut app, RunMode::Ticks(1));
        app.world_mut().resource_mut::<Tick>().0 = n;
        run_ticks(&mut app, RunMode::Ticks(1));
    } else {
        run_ticks(&mut app, RunMode::Ticks(n + 1));
    }
    app.world().resource::<FrameBuffer>().clone()
}

#[test]
fn slide_popup_and_bounce_are_functions_of_the_tick() {
    for n in [0, 9, 15, 25, 33, 47, 101, 999] {
        assert!(
            movers_at(n, false).data() == movers_at(n, true).data(),
            "tick {n} differs"
        );
    }
}

#[test]
fn slide_popup_and_bounce_at_chosen_ticks() {
    for n in [0, 20, 40] {
        common::assert_golden(&format!("movers_tick_{n}"), &movers_at(n, false));
    }
}

const PAGES: &str = r#"Scene(
    display: (width: 64, height: 16, mode: Gray4),
    data: (initial: {"mpd.volume": 50}),
    widgets: [
        Sequence(width: 64, height: 16, transition: slide_left, transition_ticks: 8, pages: [
            Page(duration: 30, children: [Text(x: 2, y: 4, text: "PAGE ONE")]),
            Page(duration: 30, children: [Text(x: 2, y: 4, text: "PAGE TWO")]),
            Page(duration: 20, priority: 1, on_change: ["mpd.volume"], background: "gray20",
                children: [Text(x: 2, y: 4, text: "VOL {{ mpd.volume }}")]),
        ]),
    ],
)"#;

/// Frames of the page scene at `ticks`, with the volume changed just before tick 40.
fn pages_at(ticks: &[u64]) -> Vec<FrameBuffer> {
    let mut app = common::app_for(common::compile(PAGES));
    let mut frames = Vec::new();
    for t in 0..=*ticks.iter().max().unwrap_or(&0) {
        if t == 40 {
            let tx = app
                .world()
                .resource::<tinydisplay::data::ingest::DataInbox>()
                .sender();
            let _ = tx.send(tinydisplay::source::Message::Set {
                key: "mpd.volume".into(),
                value: 70.into(),
            });
        }
        run_ticks(&mut app, RunMode::Ticks(1));
        if ticks.contains(&t) {
            frames.push(app.world().resource::<FrameBuffer>().clone());
        }
    }
    frames
}

#[test]
fn a_sequence_rotates_with_transitions_and_an_alert_preempts_it() {
    let ticks = [0, 34, 45, 62, 75];
    for (t, frame) in ticks.iter().zip(pages_at(&ticks)) {
        common::assert_golden(&format!("pages_tick_{t}"), &frame);
    }
}

#[test]
fn index_and_stack_follow_the_data() {
    let src = r#"Scene(
        display: (width: 64, height: 20, mode: Mono),
        data: (initial: {"w.code": 1, "w.extra": false}),
        widgets: [
            Index(x: 0, y: 0, width: 20, height: 8, select: "w.code", children: [
                Text(text: "sun"), Text(text: "rain"), Text(text: "snow"),
            ]),
            Stack(x: 0, y: 10, direction: horizontal, gap: 3, children: [
                Text(text: "a"), Text(text: "bb", when: "w.extra"), Text(text: "c"),
            ]),
        ],
    )"#;
    let mut app = common::app_for(common::compile(src));
    run_ticks(&mut app, RunMode::Ticks(1));
    common::assert_golden("index_stack_before", app.world().resource::<FrameBuffer>());
    let tx = app
        .world()
        .resource::<tinydisplay::data::ingest::DataInbox>()
        .sender();
    let _ = tx.send(tinydisplay::source::Message::Set {
        key: "w.code".into(),
        value: 2.into(),
    });
    let _ = tx.send(tinydisplay::source::Message::Set {
        key: "w.extra".into(),
        value: true.into(),
    });
    run_ticks(&mut app, RunMode::Ticks(1));
    common::assert_golden("index_stack_after", app.world().resource::<FrameBuffer>());
}

#[test]
fn a_sync_group_restarts_together() {
    let src = r#"Scene(
        display: (width: 40, height: 16, mode: Mono),
        widgets: [
            Marquee(x: 0, y: 0, width: 40, height: 8, gap: 5, group: "g", child: Text(text: "a much longer line here")),
            Marquee(x: 0, y: 8, width: 40, height: 8, gap: 5, group: "g", child: Text(text: "short one!")),
        ],
    )"#;
    let offsets = |ticks: u64| {
        let mut app = common::app_for(common::compile(src));
        run_ticks(&mut app, RunMode::Ticks(ticks));
        let world = app.world_mut();
        let mut q = world.query::<&tinydisplay::render::compose::WidgetLayer>();
        let mut v: Vec<(u32, i32)> = q
            .iter(world)
            .filter(|w| w.layer.height() == 8 && w.layer.width() > 40)
            .map(|w| (w.layer.width(), w.offset.0))
            .collect();
        v.sort();
        v
    };
    // Widths 115 and 50: own cycles 120 and 55 ticks. The short one waits at its start
    // from tick 55 until the long one finishes at 120; both restart together.
    assert_eq!(offsets(31), vec![(50, -30), (115, -30)]);
    assert_eq!(
        offsets(81),
        vec![(50, 0), (115, -80)],
        "the short line waits at its start"
    );
    assert_eq!(
        offsets(126),
        vec![(50, -5), (115, -5)],
        "both restarted at tick 120"
    );
}

#[test]
fn a_fade_transition_blends_the_pages() {
    let src = r#"Scene(
        display: (width: 32, height: 8, mode: Gray8),
        widgets: [
            Sequence(width: 32, height: 8, transition: fade, transition_ticks: 10, pages: [
                Page(duration: 5, background: "white", children: []),
                Page(duration: 50, children: [Rectangle(width: 32, height: 8, fill: "gray50", outline: "transparent")]),
            ]),
        ],
    )"#;
    let at = |n: u64| {
        let mut app = common::app_for(common::compile(src));
        run_ticks(&mut app, RunMode::Ticks(n + 1));
        app.world().resource::<FrameBuffer>().gray(3, 3)
    };
    assert_eq!(at(4), 255, "first page, before the fade");
    // A cross-fade: the new page fades in over the old one.
    assert!(
        at(10).abs_diff(191) <= 1,
        "half way: about (255 + 128) / 2, got {}",
        at(10)
    );
    assert!(
        at(7) > at(10) && at(10) > at(13),
        "a steady blend from one page to the other"
    );
    assert_eq!(at(16), 128, "second page after the fade");
}

#[test]
fn a_marquee_restarts_when_its_content_changes() {
    let src = r#"Scene(
        display: (width: 40, height: 8, mode: Mono),
        widgets: [Marquee(width: 40, height: 8, name: "m", child: Text(name: "t", text: "a line longer than forty px"))],
    )"#;
    let mut app = common::app_for(common::compile(src));
    run_ticks(&mut app, RunMode::Ticks(30));
    let offset = |app: &mut App| {
        let world = app.world_mut();
        let mut q = world.query::<(
            &tinydisplay::scene::WidgetName,
            &tinydisplay::render::compose::WidgetLayer,
        )>();
        q.iter(world)
            .find(|(n, _)| n.0 == "t")
            .map(|(_, w)| w.offset.0)
    };
    assert_eq!(offset(&mut app), Some(-29));
    {
        let world = app.world_mut();
        let mut q = world.query::<&mut tinydisplay::widget::text::Text>();
        for mut t in q.iter_mut(world) {
            t.content = "another line, also longer".into();
        }
    }
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(
        offset(&mut app),
        Some(0),
        "new content starts from the beginning"
    );
    run_ticks(&mut app, RunMode::Ticks(5));
    assert_eq!(offset(&mut app), Some(-5));
}

/// A sequence with a slide transition, a page skipped by its `when`, and an alert with a
/// duration and a cooldown whose condition holds from the start.
const ROTATION: &str = r#"Scene(
    display: (width: 64, height: 16, mode: Gray4),
    data: (initial: {"hot": true, "t": 1}),
    widgets: [
        Sequence(width: 64, height: 16, transition: slide_left, transition_ticks: 6, pages: [
            Page(duration: 25, children: [Text(text: "one")]),
            Page(duration: 30, when: "t > 5", children: [Text(text: "skipped")]),
            Page(duration: 20, children: [Text(x: 10, text: "three")]),
            Page(priority: 1, when: "hot", duration: 15, cooldown: 70,
                children: [Text(text: "ALERT")]),
        ]),
        Marquee(y: 8, width: 30, height: 8, px_per_tick: 1, child: Text(text: "a long moving line")),
    ],
)"#;

#[test]
fn a_sequence_with_an_alert_and_transitions_jumps_as_it_steps() {
    let app = || common::app_for(common::compile(ROTATION));
    for n in [1u64, 5, 14, 15, 18, 40, 47, 85, 100, 163, 500] {
        let mut stepped = app();
        run_ticks(&mut stepped, RunMode::Ticks(n + 1));
        let mut jumped = app();
        run_ticks(&mut jumped, RunMode::Ticks(1));
        jumped.world_mut().resource_mut::<Tick>().0 = n;
        run_ticks(&mut jumped, RunMode::Ticks(1));
        let (a, b) = (
            stepped.world().resource::<FrameBuffer>(),
            jumped.world().resource::<FrameBuffer>(),
        );
        if a.data() != b.data() {
            common::save_png(
                a,
                &std::env::temp_dir().join(format!("pages-stepped-{n}.png")),
            );
            common::save_png(
                b,
                &std::env::temp_dir().join(format!("pages-jumped-{n}.png")),
            );
            panic!("tick {n}: stepping and jumping differ (PNGs in the temp folder)");
        }
    }
}

/// The offset of the widget named `name`.
fn offset_of(app: &mut App, name: &str) -> Option<(i32, i32)> {
    let world = app.world_mut();
    let mut q = world.query::<(
        &tinydisplay::scene::WidgetName,
        &tinydisplay::render::compose::WidgetLayer,
    )>();
    q.iter(world)
        .find(|(n, _)| n.0 == name)
        .map(|(_, w)| w.offset)
}

#[test]
fn a_marquee_with_run_when_waits_at_its_start_until_the_condition_holds() {
    for hold in ["reset", "freeze"] {
        let src = format!(
            r#"Scene(
            display: (width: 40, height: 16, mode: Mono),
            data: (initial: {{"m.state": "stop"}}),
            widgets: [
                Marquee(width: 40, height: 8, run_when: "m.state == 'play'", hold: {hold},
                    child: Text(name: "t", text: "a line longer than forty px")),
                Text(name: "s", y: 8, text: "s", run_when: "m.state == 'play'", hold: {hold},
                    slide: (by: (20, 0), duration: 20, back: false, repeat: false)),
            ],
        )"#
        );
        let mut app = common::app_for(common::compile(&src));
        run_ticks(&mut app, RunMode::Ticks(30));
        assert_eq!(offset_of(&mut app, "t"), Some((0, 0)), "{hold}: waits");
        assert_eq!(offset_of(&mut app, "s"), Some((0, 0)), "{hold}: waits");
        common::set(&mut app, "m.state", serde_json::json!("play"));
        run_ticks(&mut app, RunMode::Ticks(1));
        assert_eq!(offset_of(&mut app, "t"), Some((0, 0)), "{hold}: starts");
        run_ticks(&mut app, RunMode::Ticks(5));
        assert_eq!(
            offset_of(&mut app, "t"),
            Some((-5, 0)),
            "{hold}: from its start"
        );
        assert_eq!(
            offset_of(&mut app, "s"),
            Some((5, 0)),
            "{hold}: from its start"
        );
        common::set(&mut app, "m.state", serde_json::json!("pause"));
        run_ticks(&mut app, RunMode::Ticks(20));
        let held = if hold == "reset" { 0 } else { 6 };
        assert_eq!(offset_of(&mut app, "t"), Some((-held, 0)), "{hold}: held");
        assert_eq!(offset_of(&mut app, "s"), Some((held, 0)), "{hold}: held");
        common::set(&mut app, "m.state", serde_json::json!("play"));
        run_ticks(&mut app, RunMode::Ticks(4));
        assert_eq!(
            offset_of(&mut app, "t"),
            Some((-held - 3, 0)),
            "{hold}: runs on"
        );
        assert_eq!(
            offset_of(&mut app, "s"),
            Some((held + 3, 0)),
            "{hold}: runs on"
        );
    }
}

#[test]
fn a_popup_follows_its_actions() {
    let src = r#"Scene(
        display: (width: 40, height: 8, mode: Mono),
        widgets: [Popup(width: 40, height: 8,
            actions: [Wait(10), Move(by: (0, -16), ticks: 16), Pause(5), Move(to: (0, 0), px_per_tick: 4), Loop],
            child: Text(name: "t", text: "one\ntwo\nthree"))],
    )"#;
    // A pass: 10 + 16 + 5 + 4 = 35 ticks.
    for (tick, y) in [
        (0, 0),
        (9, 0),
        (18, -8),
        (26, -16),
        (30, -16),
        (33, -8),
        (35, 0),
        (35 * 7 + 18, -8),
    ] {
        let mut app = common::app_for(common::compile(src));
        run_ticks(&mut app, RunMode::Ticks(tick + 1));
        assert_eq!(offset_of(&mut app, "t"), Some((0, y)), "tick {tick}");
    }
    let bad = r#"Scene(widgets: [Marquee(width: 8, height: 8, actions: [Loop, Wait(3)], child: Text(text: "x"))])"#;
    let err = match tinydisplay::scene::compile_str(bad, "a.ron".as_ref()) {
        Ok(_) => panic!("a Loop before the last step passed the check"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("`Loop` must be the last step"), "{err}");
}
