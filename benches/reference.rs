//! Per-tick cost of the reference scene (scenes/reference.ron) with its marquee moving:
//! median and p99 of the whole tick (ingest → present, no sink).
//!
//! Run: `cargo bench --bench reference`
#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::{Duration, Instant};

use bevy_app::App;
use tinydisplay::TinyDisplayPlugins;
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::render::FrameBuffer;
use tinydisplay::scene::{ScenePlugin, load};

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenes/reference.ron");
    let scene = match load(path.as_ref()) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let mut app = App::new();
    app.add_plugins((TinyDisplayPlugins, ScenePlugin { scene }));
    // Past the start pause, so the title is moving on every measured tick.
    run_ticks(&mut app, RunMode::Ticks(25));
    let mut times: Vec<Duration> = Vec::with_capacity(3000);
    let mut damaged = 0u64;
    for _ in 0..3000 {
        let t = Instant::now();
        run_ticks(&mut app, RunMode::Ticks(1));
        times.push(t.elapsed());
        damaged += app
            .world()
            .resource::<FrameBuffer>()
            .damage()
            .iter()
            .map(|r| r.area())
            .sum::<u64>();
    }
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("reference scene, 3000 ticks with the marquee moving:");
    println!("  tick median: {:>7.1} µs", us(times[times.len() / 2]));
    println!(
        "  tick p99:    {:>7.1} µs",
        us(times[times.len() * 99 / 100])
    );
    println!(
        "  damaged pixels per tick: {:.0} (of {})",
        damaged as f64 / 3000.0,
        256 * 64
    );
}
