//! Steady-state ticks allocate nothing: counted with a global allocator that tallies
//! allocations while a flag is up.

#![allow(
    unsafe_code,
    reason = "a counting global allocator needs unsafe; it only delegates to System"
)]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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

#[test]
fn steady_state_ticks_allocate_nothing() {
    let scene = tinydisplay::scene::load(&common::root().join("scenes/reference.ron")).unwrap();
    let mut app = common::app_for(scene);
    app.insert_resource(RenderAhead::new(AheadConfig {
        workers: 0,
        ..AheadConfig::default()
    }));
    run_ticks(&mut app, RunMode::Ticks(50));
    COUNT.store(0, Ordering::Relaxed);
    ON.store(true, Ordering::Relaxed);
    for _ in 0..200 {
        app.update();
    }
    ON.store(false, Ordering::Relaxed);
    let n = COUNT.load(Ordering::Relaxed);
    eprintln!("allocations in 200 ticks: {n}");
    assert_eq!(n, 0);
}
