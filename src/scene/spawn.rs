//! Turning a checked scene into entities and resources.

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;

use super::compile::{CompiledScene, CompiledWidget};
use crate::app::Fps;
use crate::data::Dataset;
use crate::data::ingest::DataInbox;
use crate::data::persist::{self, Persistence};
use crate::data::propagate::{BindingEnv, Bindings, KeyIndex};
use crate::data::scene_sources::RunningSources;
use crate::motion::Sliding;
use crate::render::FrameBuffer;
use crate::render::compose::{Background, Visible, WidgetLayer};

/// A widget's name from the scene, for finding it from a system.
#[derive(Component, Debug, Clone, PartialEq, Eq)]
pub struct WidgetName(pub String);

/// Spawns a scene's widgets and sets up its frame buffer, tick rate and background.
#[derive(Debug, Clone)]
pub struct ScenePlugin {
    /// The checked scene.
    pub scene: CompiledScene,
}

impl Plugin for ScenePlugin {
    fn build(&self, app: &mut App) {
        let d = &self.scene.display;
        app.insert_resource(super::swap::ActiveScene(self.scene.clone()));
        app.insert_resource(FrameBuffer::new(d.width, d.height, d.mode));
        app.insert_resource(Fps(d.fps));
        app.insert_resource(Background(d.background));
        if let Some(rule) = &self.scene.sleep_when {
            app.insert_resource(crate::panel::power::SleepWhen(rule.clone()));
        }
        if let Some(rule) = &self.scene.contrast {
            app.insert_resource(crate::panel::power::ContrastRule(rule.clone()));
        }
        crate::widget::kind::setup_all(app.world_mut(), &self.scene.setup());
        if let Some(cfg) = d.render_ahead {
            app.insert_resource(crate::ahead::RenderAhead::new(cfg));
        }
        app.insert_resource(BindingEnv(self.scene.env.clone()));
        let spec = &self.scene.data;
        let mut data = Dataset::new();
        data.set_limits(self.scene.limits);
        for (ns, len) in &spec.history {
            data.set_history_len(ns, *len);
        }
        for (key, rule) in &spec.rules {
            data.set_rule(key, rule.clone());
        }
        for (key, v) in &spec.initial {
            data.set(key, v.clone(), 0);
        }
        let savable = persist::restore_all(&mut data, &spec.persist);
        app.insert_resource(crate::data::snapshots::Snapshots::at_start(&data, &savable));
        app.insert_resource(data);
        app.insert_resource(Persistence(savable));
        let feed = app.world_mut().get_resource_or_init::<DataInbox>().feed();
        let mut running = RunningSources::default();
        let mut ramps = crate::data::ramp::Ramps::default();
        for (name, s) in &self.scene.sources {
            ramps.0.extend(s.source.ramps());
            let gated = self.scene.gates.iter().any(|g| &g.name == name);
            if !gated && let Some(handle) = crate::data::scene_sources::start(name, s, &feed) {
                running.0.push(handle);
            }
        }
        // Gated sources whose condition holds on the initial values start now (so
        // `--wait-data` waits for them too); the rest when it turns true.
        let mut gates = crate::data::gate::SourceGates::of(&self.scene.gates, &self.scene.sources);
        if let Some(mut data) = app.world_mut().get_resource_mut::<Dataset>() {
            crate::data::gate::reconcile(
                &mut gates,
                &mut data,
                &self.scene.env,
                &mut running,
                &feed,
                0,
                true,
            );
        }
        app.insert_resource(gates);
        app.insert_resource(running);
        app.insert_resource(ramps);
        let world = app.world_mut();
        world.get_resource_or_init::<KeyIndex>();
        for w in &self.scene.widgets {
            spawn_widget(world, w, None);
        }
        crate::widget::kind::add_spawned(app);
    }
}

/// Spawns one widget (and its children) under `parent`.
pub fn spawn_widget(world: &mut World, w: &CompiledWidget, parent: Option<Entity>) -> Entity {
    let mut e = world.spawn((w.placement, WidgetLayer::default(), Visible(w.visible)));
    if let Some(p) = parent {
        e.insert(ChildOf(p));
    }
    if let Some(slide) = w.slide {
        e.insert(Sliding::new(slide));
    }
    if let Some(hold) = w.run {
        e.insert(crate::timeline::place::RunGate::new(hold));
    }
    if let Some(name) = &w.name {
        e.insert(WidgetName(name.clone()));
    }
    w.kind.spawn(&mut e);
    let id = e.id();
    if !w.bindings.is_empty() {
        e.insert((
            Bindings(w.bindings.clone()),
            crate::data::propagate::Bound::default(),
        ));
        let keys: Vec<String> = w
            .bindings
            .iter()
            .flat_map(|b| b.keys.iter().cloned())
            .collect();
        let timed = w.bindings.iter().any(|b| b.timed);
        if let Some(mut index) = world.get_resource_mut::<KeyIndex>() {
            index.add(id, keys);
            if timed {
                index.add_timed(id);
            }
        }
    }
    if let Some(kind) = w.kind.kind_name() {
        world
            .get_resource_or_init::<crate::widget::kind::KindSystems>()
            .spawned(kind);
    }
    for child in &w.children {
        spawn_widget(world, child, Some(id));
    }
    id
}
