//! Propagation cost: with 200 bound texts, a tick where 1 input changed against a tick
//! where all 200 changed (issue target: the first ≤ 5 % of the second).
//!
//! Run: `cargo bench --bench propagation`

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::hint::black_box;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use bevy_app::App;
use serde_json::json;
use tinydisplay::TinyDisplayPlugins;
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::data::Dataset;
use tinydisplay::data::ingest::DataInbox;
use tinydisplay::scene::{ScenePlugin, compile_str};
use tinydisplay::source::Message;

const WIDGETS: usize = 200;

fn scene() -> String {
    let mut widgets = String::new();
    for i in 0..WIDGETS {
        let (x, y) = ((i % 8) * 60, (i / 8) * 12);
        widgets.push_str(&format!(
            "Text(x: {x}, y: {y}, text: \"v={{{{ d.k{i} }}}}\"),\n"
        ));
    }
    format!("Scene(display: (width: 480, height: 320, mode: Rgb565), widgets: [{widgets}])")
}

/// Median time of one tick after `change` set the inputs, over `rounds` ticks.
fn measure(
    app: &mut App,
    rounds: usize,
    mut change: impl FnMut(&Sender<Message>, u64),
) -> Duration {
    let tx = app.world().resource::<DataInbox>().sender();
    let mut times = Vec::with_capacity(rounds);
    for r in 0..rounds {
        change(&tx, r as u64);
        let t = Instant::now();
        run_ticks(app, RunMode::Ticks(1));
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let compiled = compile_str(&scene(), "bench.ron".as_ref()).expect("bench scene");
    let mut app = App::new();
    app.add_plugins((TinyDisplayPlugins, ScenePlugin { scene: compiled }));
    {
        let mut data = app.world_mut().resource_mut::<Dataset>();
        for i in 0..WIDGETS {
            data.set(&format!("d.k{i}"), json!(0), 0);
        }
    }
    run_ticks(&mut app, RunMode::Ticks(3));
    // Values arrive through the inbox, as from a source; the tick ingests, propagates,
    // redraws and composes them.
    let set = |tx: &Sender<Message>, key: String, v: u64| {
        let _ = tx.send(Message::Set {
            key,
            value: json!(v),
        });
    };
    let one = measure(&mut app, 400, |tx, r| set(tx, "d.k7".into(), r + 1_000_000));
    let all = measure(&mut app, 400, |tx, r| {
        for i in 0..WIDGETS {
            set(tx, format!("d.k{i}"), r + i as u64 + 2_000_000);
        }
    });
    let idle = measure(&mut app, 400, |_, _| {});
    black_box(&app);
    println!("propagation, {WIDGETS} bound texts (median of 400 ticks):");
    println!("  1 input changed:    {:>9.1} µs", one.as_secs_f64() * 1e6);
    println!("  all inputs changed: {:>9.1} µs", all.as_secs_f64() * 1e6);
    println!("  nothing changed:    {:>9.1} µs", idle.as_secs_f64() * 1e6);
    println!(
        "  ratio 1/all:        {:>9.2} %",
        one.as_secs_f64() / all.as_secs_f64() * 100.0
    );
}
