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
