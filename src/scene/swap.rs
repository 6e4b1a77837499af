//! Swapping a running scene for another (hot reload, the `reset` command): the widgets
//! are despawned and the new ones spawned; the dataset stays, and so do the sources
//! whose configuration did not change (a changed source restarts).

use bevy_ecs::prelude::*;

use super::compile::CompiledScene;
use super::spawn::spawn_widget;
use crate::data::Dataset;
use crate::data::ingest::DataInbox;
use crate::data::persist::Persistence;
use crate::data::propagate::{BindingEnv, KeyIndex};
use crate::data::scene_sources::RunningSources;
use crate::panel::power::SleepWhen;
use crate::render::FrameBuffer;
use crate::render::compose::{Background, DrawList, WidgetLayer};

/// The scene the app runs (a resource), kept for the next swap.
#[derive(Resource, Debug, Clone)]
pub struct ActiveScene(pub CompiledScene);

/// Why a scene could not be swapped in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SwapError {
    /// The frame's size or pixel mode would change (the panel and sinks are sized for it).
    #[error(
        "{path}: the display changes from {from} to {to}; a running scene keeps its size and \
         pixel mode (restart tinydisplay for that)"
    )]
    Display {
        /// The scene file.
        path: String,
        /// The running display.
        from: String,
        /// The new display.
        to: String,
    },
}

/// What a run leaves out of every scene it runs, the first and those swapped in later (a
/// resource; a replay leaves out both, so a recorded `reload` starts no source and no
/// snapshot is written).
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Isolation {
    /// The scene's sources run.
    pub sources: bool,
    /// The scene's persisted namespaces are restored and saved.
    pub persistence: bool,
}

impl Default for Isolation {
    fn default() -> Self {
        Isolation {
            sources: true,
            persistence: true,
        }
    }
}

impl Isolation {
    /// `scene` with what this run leaves out taken away.
    pub fn apply(&self, mut scene: CompiledScene) -> CompiledScene {
        if !self.sources {
            scene.sources.clear();
        }
        if !self.persistence {
            scene.data.persist.clear();
        }
        scene
    }
}

/// What a swap did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swapped {
    /// Sources started anew (new or changed).
    pub started: Vec<String>,
    /// Sources stopped (removed or changed).
    pub stopped: Vec<String>,
}

/// Replaces the running scene with `new`. Widgets are respawned and drawn in full on the
/// next tick; the dataset keeps its values (new rules and initial values of new keys apply).
pub fn swap(world: &mut World, new: CompiledScene) -> Result<Swapped, SwapError> {
    let new = world
        .get_resource::<Isolation>()
        .copied()
        .unwrap_or_default()
        .apply(new);
    let d = &new.display;
    if let Some(fb) = world.get_resource::<FrameBuffer>()
        && ((fb.width(), fb.height(), fb.mode()) != (d.width, d.height, d.mode))
    {
        return Err(SwapError::Display {
            path: new.path.display().to_string(),
            from: format!("{}x{} {:?}", fb.width(), fb.height(), fb.mode()),
            to: format!("{}x{} {:?}", d.width, d.height, d.mode),
        });
    }
    let old = world.remove_resource::<ActiveScene>();
    if old
        .as_ref()
        .is_some_and(|o| o.0.display.fps != new.display.fps)
    {
        log::warn!(
            "{}: fps changes take effect when tinydisplay restarts",
            new.path.display()
        );
    }
    // Widgets: despawn the roots (children go with them), forget the bindings' index and
    // the draw list so everything is evaluated and drawn again.
    let roots: Vec<Entity> = world
        .query_filtered::<Entity, (With<WidgetLayer>, Without<ChildOf>)>()
        .iter(world)
        .collect();
    for e in roots {
        world.despawn(e);
    }
    world.insert_resource(KeyIndex::default());
    world.insert_resource(DrawList::default());
    world.insert_resource(Background(d.background));
    match &new.sleep_when {
        Some(rule) => world.insert_resource(SleepWhen(rule.clone())),
        None => {
            world.remove_resource::<SleepWhen>();
        }
    }
    match &new.contrast {
        Some(rule) => world.insert_resource(crate::panel::power::ContrastRule(rule.clone())),
        None => {
            world.remove_resource::<crate::panel::power::ContrastRule>();
        }
    }
    crate::widget::kind::setup_all(world, &new.setup());
    world.insert_resource(BindingEnv(new.env.clone()));
    {
        let mut data = world.get_resource_or_init::<Dataset>();
        let spec = &new.data;
        for (ns, len) in &spec.history {
            data.set_history_len(ns, *len);
        }
        for (key, rule) in &spec.rules {
            data.set_rule(key, rule.clone());
        }
        for (key, v) in &spec.initial {
            if data.get(key).is_none() {
                data.set(key, v.clone(), 0);
            }
        }
    }
    world.insert_resource(Persistence(new.data.persist.clone()));
    let swapped = restart_sources(world, old.as_ref().map(|o| &o.0), &new);
    if let Some(mut ahead) = world.get_resource_mut::<crate::ahead::RenderAhead>() {
        ahead.restart();
    }
    for w in &new.widgets {
        spawn_widget(world, w, None);
    }
    crate::widget::kind::add_spawned_after_tick(world);
    world.insert_resource(ActiveScene(new));
    Ok(swapped)
}

/// Stops the sources that went away or changed and starts the new and changed ones.
fn restart_sources(world: &mut World, old: Option<&CompiledScene>, new: &CompiledScene) -> Swapped {
    let same = |name: &str| {
        let before = old.and_then(|o| o.sources.iter().find(|(n, _)| n == name));
        let after = new.sources.iter().find(|(n, _)| n == name);
        matches!((before, after), (Some(a), Some(b)) if a.1 == b.1)
    };
    let mut swapped = Swapped::default();
    let feed = world.get_resource_or_init::<DataInbox>().feed();
    let mut running = world
        .remove_resource::<RunningSources>()
        .unwrap_or_default();
    let mut kept = Vec::new();
    for handle in running.0.drain(..) {
        if same(handle.name()) {
            kept.push(handle);
        } else {
            swapped.stopped.push(handle.name().to_string());
            handle.stop();
        }
    }
    for (name, s) in &new.sources {
        if kept.iter().any(|h| h.name() == name) || new.gates.iter().any(|g| &g.name == name) {
            continue;
        }
        if let Some(handle) = crate::data::scene_sources::start(name, s, &feed) {
            swapped.started.push(name.clone());
            kept.push(handle);
        }
    }
    running.0 = kept;
    // Gated sources: a kept one runs on while its condition holds, the rest start when
    // theirs does (evaluated now, on the dataset as it is).
    let mut gates = crate::data::gate::SourceGates::of(&new.gates, &new.sources);
    let tick = world.get_resource::<crate::app::Tick>().map_or(0, |t| t.0);
    if let Some(mut data) = world.get_resource_mut::<Dataset>() {
        crate::data::gate::reconcile(
            &mut gates,
            &mut data,
            &new.env,
            &mut running,
            &feed,
            tick,
            true,
        );
    }
    world.insert_resource(gates);
    world.insert_resource(running);
    swapped
}
