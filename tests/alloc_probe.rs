//! Steady-state ticks allocate nothing, with or without a control surface attached:
//! counted with a global allocator that tallies allocations while a flag is up.

#![allow(
    unsafe_code,
    reason = "a counting global allocator needs unsafe; it only delegates to System"
)]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bevy_app::{App, TaskPoolOptions};
use bevy_tasks::{AsyncComputeTaskPool, ComputeTaskPool, IoTaskPool};

use tinydisplay::ahead::{AheadConfig, RenderAhead};
use tinydisplay::app::{RunMode, run_ticks};

struct Counting;

static ON: AtomicBool = AtomicBool::new(false);
static COUNT: AtomicU64 = AtomicU64::new(0);

// Delegates to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ON.load(Ordering::Relaxed) {
            COUNT.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// Makes the shared task pools before the engine does, and waits until every one of
/// their threads has started: a pool thread's start-up (std names it, sets its guard)
/// allocates on that thread whenever the OS runs it, which is not tick work.
fn start_task_pools() {
    let started = Arc::new(AtomicUsize::new(0));
    let mut options = TaskPoolOptions::default();
    for policy in [
        &mut options.io,
        &mut options.async_compute,
        &mut options.compute,
    ] {
        let started = started.clone();
        policy.on_thread_spawn = Some(Arc::new(move || {
            started.fetch_add(1, Ordering::SeqCst);
        }));
    }
    options.create_default_pools();
    let threads = IoTaskPool::get().thread_num()
        + AsyncComputeTaskPool::get().thread_num()
        + ComputeTaskPool::get().thread_num();
    let deadline = Instant::now() + Duration::from_secs(30);
    while started.load(Ordering::SeqCst) < threads {
        assert!(Instant::now() < deadline, "task pool threads did not start");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Allocations in 200 ticks after 50 to settle.
fn allocations_in_steady_ticks(app: &mut App) -> u64 {
    run_ticks(app, RunMode::Ticks(50));
    COUNT.store(0, Ordering::Relaxed);
    ON.store(true, Ordering::Relaxed);
    for _ in 0..200 {
        app.update();
    }
    ON.store(false, Ordering::Relaxed);
    COUNT.load(Ordering::Relaxed)
}

#[test]
fn steady_state_ticks_allocate_nothing() {
    start_task_pools();
    let scene = tinydisplay::scene::load(&common::root().join("scenes/reference.ron")).unwrap();
    let mut app = common::app_for(scene);
    app.insert_resource(RenderAhead::new(AheadConfig {
        workers: 0,
        ..AheadConfig::default()
    }));
    let n = allocations_in_steady_ticks(&mut app);
    eprintln!("allocations in 200 ticks: {n}");
    assert_eq!(n, 0);

    // With a surface attached (what `--http` or `--mqtt` holds), the state is published
    // every tick: written in place, it allocates nothing either once the first, whole
    // publication is done.
    let control = tinydisplay::control::control_sender(app.world_mut());
    let n = allocations_in_steady_ticks(&mut app);
    eprintln!("allocations in 200 ticks with a surface attached: {n}");
    assert_eq!(n, 0);
    assert!(
        control.published().state().tick >= 249,
        "the state was published"
    );
}
