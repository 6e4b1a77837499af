//! The orchestrator API: a plugin purges the render-ahead queue, renders ahead N ticks,
//! changes depth and workers at run time (frames stay exactly the inline ones), and hears
//! of key changes as messages and as observed events.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bevy_app::App;
use bevy_ecs::prelude::*;
use serde_json::json;
use tinydisplay::ahead::{AheadConfig, AheadStats, RenderAhead};
use tinydisplay::app::{RunMode, TickSchedule, TickSet, run_ticks};
use tinydisplay::data::ingest::DataInbox;
use tinydisplay::orchestrator::{KeyChanged, OrchestratorPlugin};
use tinydisplay::render::FrameBuffer;
use tinydisplay::source::Message as SourceMessage;

const SCENE: &str = r#"Scene(
    display: (width: 128, height: 16, mode: Gray4),
    data: (initial: {"song": "A title much too long for the window it scrolls in"}),
    widgets: [
        Marquee(x: 0, y: 0, width: 100, height: 10, px_per_tick: 1, child: Text(text: "{{ song }}")),
    ],
)"#;

/// An app rendering ahead with `workers` that waits for a frame in flight, engaging by
/// itself only when `engage` is true (else only when asked to).
fn app(workers: usize, engage: bool) -> App {
    let mut app = common::app_for(common::compile(SCENE));
    app.insert_resource(RenderAhead::new(AheadConfig {
        workers,
        depth: 6,
        patience: Duration::from_secs(5),
        engage_above: if engage {
            Duration::ZERO
        } else {
            Duration::from_secs(3600)
        },
    }));
    app
}

fn step(app: &mut App) -> Vec<u8> {
    run_ticks(app, RunMode::Ticks(1));
    app.world().resource::<FrameBuffer>().data().to_vec()
}

fn hits(app: &App) -> u64 {
    AheadStats::get(&app.world().resource::<RenderAhead>().stats().hits)
}

fn ahead(app: &mut App) -> Mut<'_, RenderAhead> {
    app.world_mut().resource_mut::<RenderAhead>()
}

#[test]
fn render_ahead_n_renders_ahead_when_render_ahead_would_not_engage() {
    let mut inline = app(0, false);
    let mut lazy = app(1, false);
    for _ in 0..20 {
        assert!(step(&mut inline) == step(&mut lazy));
    }
    assert_eq!(
        hits(&lazy),
        0,
        "painting is fast: render-ahead does not engage"
    );
    ahead(&mut lazy).render_ahead(6);
    for t in 0..12 {
        assert!(
            step(&mut inline) == step(&mut lazy),
            "tick {t} after the request"
        );
    }
    let h = hits(&lazy);
    assert!(
        (4..=6).contains(&h),
        "the next 6 ticks came from the queue ({h})"
    );
    for _ in 0..10 {
        step(&mut inline);
        step(&mut lazy);
    }
    assert_eq!(hits(&lazy), h, "only the ticks asked for");
    tinydisplay::shutdown(lazy.world_mut());
}

#[test]
fn purge_queue_drops_the_frames_rendered_ahead() {
    let mut a = app(1, true);
    let mut inline = app(0, false);
    for _ in 0..10 {
        assert!(step(&mut a) == step(&mut inline));
    }
    let queued = a.world().resource::<RenderAhead>().queued();
    let purges = AheadStats::get(&a.world().resource::<RenderAhead>().stats().purges);
    assert!(queued > 0, "frames wait in the queue");
    ahead(&mut a).purge_queue();
    assert_eq!(a.world().resource::<RenderAhead>().queued(), 0);
    let after = AheadStats::get(&a.world().resource::<RenderAhead>().stats().purges);
    assert_eq!(after, purges + 1, "counted as a purge");
    for t in 0..10 {
        assert!(
            step(&mut a) == step(&mut inline),
            "tick {t} after the purge"
        );
    }
    tinydisplay::shutdown(a.world_mut());
}

#[test]
fn depth_and_workers_change_at_run_time() {
    let mut a = app(1, true);
    let mut inline = app(0, false);
    for _ in 0..10 {
        assert!(step(&mut a) == step(&mut inline));
    }
    ahead(&mut a).set_workers(0);
    let before = hits(&a);
    for _ in 0..10 {
        assert!(step(&mut a) == step(&mut inline));
    }
    assert_eq!(hits(&a), before, "no workers: every frame painted inline");
    ahead(&mut a).set_workers(2);
    ahead(&mut a).set_depth(12);
    let config = a.world().resource::<RenderAhead>().config();
    assert_eq!((config.workers, config.depth), (2, 12));
    for t in 0..20 {
        assert!(step(&mut a) == step(&mut inline), "tick {t} with 2 workers");
    }
    assert!(hits(&a) > before + 10, "rendering ahead again");
    ahead(&mut a).set_depth(0);
    let before = hits(&a);
    for _ in 0..5 {
        assert!(step(&mut a) == step(&mut inline));
    }
    assert_eq!(hits(&a), before, "depth 0: inline");
    tinydisplay::shutdown(a.world_mut());
}

/// The keys a system read as messages, and those the observer saw.
#[derive(Resource, Default, Clone)]
struct Seen {
    read: Arc<Mutex<Vec<(String, u64)>>>,
    observed: Arc<Mutex<Vec<(String, u64)>>>,
}

fn read_keys(mut keys: MessageReader<KeyChanged>, seen: Res<Seen>) {
    if let Ok(mut read) = seen.read.lock() {
        read.extend(keys.read().map(|k| (k.key.clone(), k.tick)));
    }
}

#[test]
fn key_changes_reach_message_readers_and_observers_once() {
    let mut a = app(0, false);
    a.add_plugins(OrchestratorPlugin);
    let seen = Seen::default();
    a.insert_resource(seen.clone());
    let observed = seen.observed.clone();
    a.add_observer(move |k: On<KeyChanged>| {
        if let Ok(mut o) = observed.lock() {
            o.push((k.key.clone(), k.tick));
        }
    });
    a.add_systems(TickSchedule, read_keys.in_set(TickSet::Render));
    run_ticks(&mut a, RunMode::Ticks(3));
    let tx = a.world().resource::<DataInbox>().sender();
    tx.send(SourceMessage::Set {
        key: "song".into(),
        value: json!("Another"),
    })
    .expect("inbox");
    run_ticks(&mut a, RunMode::Ticks(3));
    let want = vec![("song".to_string(), 3)];
    assert_eq!(
        *seen.read.lock().expect("lock"),
        want,
        "read once, at tick 3"
    );
    assert_eq!(*seen.observed.lock().expect("lock"), want);
}

/// A plugin's own message, for `observe`.
#[derive(bevy_ecs::message::Message, Debug, Clone, PartialEq)]
struct Ping(u64);

#[test]
fn any_message_reaches_observers_through_observe() {
    use tinydisplay::orchestrator::{Observed, observe};
    let mut a = app(0, false);
    a.init_resource::<bevy_ecs::message::Messages<Ping>>();
    a.add_systems(
        TickSchedule,
        (|tick: Res<tinydisplay::app::Tick>, mut out: MessageWriter<Ping>| {
            if tick.0.is_multiple_of(2) {
                out.write(Ping(tick.0));
            }
        })
        .in_set(TickSet::Animate),
    );
    observe::<Ping>(&mut a);
    let heard = Arc::new(Mutex::new(Vec::new()));
    let h = heard.clone();
    a.add_observer(move |p: On<Observed<Ping>>| {
        if let Ok(mut h) = h.lock() {
            h.push(p.0.0);
        }
    });
    run_ticks(&mut a, RunMode::Ticks(6));
    assert_eq!(*heard.lock().expect("lock"), vec![0, 2, 4], "each once");
}

#[test]
fn engine_events_reach_observers_with_the_plugin() {
    use tinydisplay::control::events::EngineEvent;
    use tinydisplay::orchestrator::Observed;
    let src = r#"Scene(
    display: (width: 64, height: 16, fps: 10),
    widgets: [
        Sequence(name: "seq", width: 64, height: 10, pages: [
            Page(name: "a", duration: 2, children: [Text(text: "a")]),
            Page(name: "b", duration: 2, children: [Text(text: "b")]),
        ]),
    ],
)"#;
    let mut a = common::app_for(common::compile(src));
    a.add_plugins(OrchestratorPlugin);
    let heard = Arc::new(Mutex::new(Vec::new()));
    let h = heard.clone();
    a.add_observer(move |e: On<Observed<EngineEvent>>| {
        if let (EngineEvent::PageShown { page, .. }, Ok(mut h)) = (&e.0, h.lock()) {
            h.push(page.clone().unwrap_or_default());
        }
    });
    run_ticks(&mut a, RunMode::Ticks(5));
    let heard = heard.lock().expect("lock").clone();
    assert!(
        heard.iter().any(|p| p == "b"),
        "the rotation to page b was heard: {heard:?}"
    );
}
