//! A plugin that steers render-ahead and listens to the engine, through the orchestrator
//! API ([`tinydisplay::orchestrator`]).
//!
//! * An observer hears every dataset key that changes ([`KeyChanged`] as an event).
//! * Another hears what happens to the display ([`EngineEvent`]: a page shown, an alert
//!   raised or cleared, a source failed or recovered, a reload applied or refused, a panel
//!   error): here the sequence's pages.
//! * A system reads the same changes as messages: when the song changes it throws away the
//!   frames rendered ahead (`purge_queue`) and asks for the next 8 ticks at once
//!   (`render_ahead`), so the new title's scroll is ready before its ticks come.
//! * At tick 60 it deepens the queue (`set_depth`) and, at tick 90, goes to one worker
//!   (`set_workers`).
//!
//! Run: `cargo run --example orchestrator` (five seconds in real time)

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;
use tinydisplay::ahead::{AheadStats, RenderAhead};
use tinydisplay::control::events::EngineEvent;
use tinydisplay::data::ingest::DataInbox;
use tinydisplay::orchestrator::{KeyChanged, Observed, OrchestratorPlugin};
use tinydisplay::prelude::*;
use tinydisplay::scene::compile_str;
use tinydisplay::source::Message as SourceMessage;

const SCENE: &str = r#"Scene(
    display: (width: 128, height: 32, mode: Gray4, render_ahead: (workers: 2, depth: 4)),
    data: (initial: {"song.title": "A first song whose title scrolls by"}),
    widgets: [
        Marquee(x: 0, y: 8, width: 128, height: 10, px_per_tick: 1,
            child: Text(text: "{{ song.title }}")),
        Sequence(name: "corner", y: 22, width: 128, height: 10, pages: [
            Page(name: "clock", duration: 40, children: [Text(text: "12:00")]),
            Page(name: "date", duration: 40, children: [Text(text: "Sunday")]),
        ]),
    ],
)"#;

/// How many key changes the observer heard.
#[derive(Resource, Clone, Default)]
struct Heard(Arc<AtomicU64>);

/// The plugin: an observer, and a system steering render-ahead.
struct SongPlugin;

impl Plugin for SongPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins(OrchestratorPlugin);
        let heard = Heard::default();
        app.insert_resource(heard.clone());
        app.add_observer(move |k: On<KeyChanged>| {
            heard.0.fetch_add(1, Ordering::Relaxed);
            eprintln!("observer: {} changed at tick {}", k.key, k.tick);
        });
        app.add_observer(|e: On<Observed<EngineEvent>>| match &e.0 {
            EngineEvent::PageShown { page, .. } => eprintln!("observer: page {page:?} shown"),
            EngineEvent::SourceFailed { source, .. } => eprintln!("observer: {source} failed"),
            EngineEvent::ReloadApplied { path, .. } => eprintln!("observer: {path} reloaded"),
            other => eprintln!("observer: {other:?}"),
        });
        app.add_systems(TickSchedule, steer.in_set(TickSet::Animate));
    }
}

/// Purges and renders ahead on a new song; changes depth and workers on a schedule.
fn steer(mut keys: MessageReader<KeyChanged>, mut ahead: ResMut<RenderAhead>, tick: Res<Tick>) {
    if keys.read().any(|k| k.key == "song.title") {
        ahead.purge_queue();
        ahead.render_ahead(8);
    }
    match tick.0 {
        60 => ahead.set_depth(8),
        90 => ahead.set_workers(1),
        _ => {}
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scene = compile_str(SCENE, "orchestrator.ron".as_ref())?;
    let mut app = Engine::new(scene).build();
    app.add_plugins(SongPlugin);
    let tx = app.world().resource::<DataInbox>().sender();
    for (at, title) in [(30, "The second song, also too long to fit"), (75, "Third")] {
        let now = app.world().resource::<Tick>().0;
        run_ticks(&mut app, RunMode::RealTime(Some(at - now)));
        tx.send(SourceMessage::Set {
            key: "song.title".into(),
            value: title.into(),
        })?;
    }
    run_ticks(&mut app, RunMode::RealTime(Some(45)));
    let ahead = app.world().resource::<RenderAhead>();
    let stats = ahead.stats();
    eprintln!(
        "depth {}, workers {}; {} frames from the queue, {} purges; the observer heard {} changes",
        ahead.config().depth,
        ahead.config().workers,
        AheadStats::get(&stats.hits),
        AheadStats::get(&stats.purges),
        app.world().resource::<Heard>().0.load(Ordering::Relaxed)
    );
    for e in shutdown(app.world_mut()) {
        eprintln!("{e}");
    }
    Ok(())
}
