//! criterion benchmarks of the orchestrator's scenes: a reference-scene tick (marquee
//! moving; and with the clock and bar changing every tick) with 0, 1 and 2 render-ahead
//! workers, packing its damage for the SSD1322, and a tick of 200 data-bound texts that
//! all change, with 0, 1, 2 and 4 workers. `tinydisplay bench` reports the same figures
//! with bytes and hit rates.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::bench::{self, Churn};
use tinydisplay::data::ingest::DataInbox;
use tinydisplay::panel::{Model, Panel, Rotation, Settings, Wire};
use tinydisplay::render::FrameBuffer;
use tinydisplay::scene::{self, CompiledScene};

fn load(name: &str) -> CompiledScene {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenes")
        .join(name);
    match scene::load(&path) {
        Ok(s) => s,
        Err(e) => panic!("{name}: {e}"),
    }
}

/// Benchmarks one tick of `scene` with `workers`, with or without churn.
fn tick(c: &mut Criterion, label: &str, scene: &CompiledScene, workers: usize, churn: bool) {
    let mut app = bench::app(scene, workers, 4, false);
    run_ticks(&mut app, RunMode::Ticks(1));
    let churn = if churn {
        Churn::new(&scene.data.initial)
    } else {
        Churn::default()
    };
    let mut t = 1;
    c.bench_function(&format!("{label}/workers={workers}"), |b| {
        b.iter(|| {
            t += 1;
            if !churn.is_empty() {
                churn.send(app.world().resource::<DataInbox>(), t);
            }
            app.update();
            black_box(app.world().resource::<FrameBuffer>().damage().len())
        })
    });
    tinydisplay::shutdown(app.world_mut());
}

fn reference(c: &mut Criterion) {
    let scene = load("reference.ron");
    for workers in [0, 1, 2] {
        tick(c, "reference", &scene, workers, false);
        tick(c, "reference+churn", &scene, workers, true);
    }
    // A tick plus packing its damage (a moving marquee) for the SSD1322.
    let mut app = bench::app(&scene, 0, 4, false);
    run_ticks(&mut app, RunMode::Ticks(30));
    let mut panel = Panel::new(
        Model::named("ssd1322").expect("a model"),
        Rotation::R0,
        Settings::default(),
    );
    let mut wire = Wire::new();
    c.bench_function("reference/tick+pack-ssd1322", |b| {
        b.iter(|| {
            app.update();
            let fb = app.world().resource::<FrameBuffer>();
            wire.clear();
            panel.update(fb, fb.damage(), &mut wire);
            black_box(wire.len_bytes())
        })
    });
}

fn texts200(c: &mut Criterion) {
    let scene = load("texts200.ron");
    for workers in [0, 1, 2, 4] {
        tick(c, "texts200+churn", &scene, workers, true);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(500));
    targets = reference, texts200
}
criterion_main!(benches);
