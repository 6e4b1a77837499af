//! What a bevy schedule run alone costs at 30 Hz, beside the wake floor.
//!
//! Each line is one 30 Hz loop, run for `SECONDS` with the other core kept busy (as
//! `tinydisplay bench --realtime` does): the floor only sleeps to each deadline; the others
//! also run a single-threaded bevy `Schedule` at every deadline, of one system that does
//! nothing, or of 48 distinct systems (the reference scene's count) that do nothing or that
//! each read a resource and a query of 8 entities. The ratio is the loop's
//! CPU over the floor's. It bounds from below what any tick of the engine can cost, since
//! the engine runs such a schedule at each tick it draws (README, "Benchmarks").
//!
//! Run: `cargo run --release --example floor_schedule [SECONDS]` (default 10).

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{Schedule, SingleThreadedExecutor};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A resource some systems read.
#[derive(Resource, Default)]
struct Counter(u64);

/// A component some systems read.
#[derive(Component)]
struct Offset(i32);

/// Adds the first `$count` (1 or 48) of 48 copies of a system, each its own code.
macro_rules! add_distinct {
    ($schedule:ident, $system:ident, $count:expr) => {{
        $schedule.add_systems($system::<0>);
        if $count > 1 {
            seq!($schedule, $system, 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23
                24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47);
        }
    }};
}

/// Adds `$system::<N>` for each N listed.
macro_rules! seq {
    ($schedule:ident, $system:ident, $($n:literal)*) => {
        $( $schedule.add_systems($system::<$n>); )*
    };
}

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let length = Duration::from_secs(seconds);
    let busy = Arc::new(AtomicBool::new(true));
    let flag = busy.clone();
    let spinner = std::thread::spawn(move || {
        let mut x: u64 = 1;
        while flag.load(Ordering::Relaxed) {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        }
    });
    let floor = cpu_at_30_hz(length, || {});
    println!("floor: {floor:.3} % of a core");
    for (label, systems, touching) in [
        ("1 system, doing nothing", 1, false),
        ("48 distinct systems, doing nothing", 48, false),
        ("48 distinct systems, touching", 48, true),
    ] {
        let mut world = World::new();
        world.init_resource::<Counter>();
        for i in 0..8 {
            world.spawn(Offset(i));
        }
        let mut schedule = Schedule::default();
        schedule.set_executor(SingleThreadedExecutor::new());
        if touching {
            add_distinct!(schedule, touch, systems);
        } else {
            add_distinct!(schedule, nothing, systems);
        }
        schedule.run(&mut world);
        let cpu = cpu_at_30_hz(length, || schedule.run(&mut world));
        println!(
            "{label}: {cpu:.3} % of a core, {:.2}× the floor",
            cpu / floor.max(1e-9)
        );
    }
    busy.store(false, Ordering::Relaxed);
    let _ = spinner.join();
}

/// A system that does nothing (`N` makes each copy its own code).
fn nothing<const N: usize>() {
    std::hint::black_box(N);
}

/// A system that reads a resource and a query, as most of the engine's do.
fn touch<const N: usize>(counter: Res<Counter>, offsets: Query<&Offset>) {
    let sum: i32 = offsets.iter().map(|o| o.0 + N as i32).sum();
    std::hint::black_box((counter.0, sum));
}

/// CPU of a 30 Hz loop over `length` that runs `work` at each deadline, % of one core
/// (0 where /proc can't tell).
fn cpu_at_30_hz(length: Duration, work: impl FnMut()) -> f64 {
    tinydisplay::bench::paced_loop(30, length, work).map_or(0.0, |(cpu, _)| cpu)
}
