//! The `load` command: a whole scene sent as RON text. It is checked as the running
//! scene's file would be (relative paths resolve against that file's folder, and an
//! `include` may not leave it), swapped in like a hot reload, and — only when the run
//! started with `control.allow_write_scene: true` — written over the scene file
//! atomically. A scene that fails the check, cannot be swapped in or cannot be written
//! leaves the running scene as it was, and the reply lists the problems.

use bevy_ecs::prelude::*;

use super::apply::{SceneChange, swap_in_as};
use super::command::Reply;
use super::reload::HotReload;
use super::state::SceneStatus;
use crate::scene::swap::{ActiveScene, swap};

/// Whether a loaded scene is written over the scene file (a resource, set when the run
/// starts from the scene's `control.allow_write_scene`; a scene swapped in later cannot
/// change it, and a replay never writes).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SceneWrites(pub bool);

/// Checks `text` as a scene, swaps it in and writes it if allowed; the reply says which
/// problems stopped it (the running scene then stays).
pub fn load(world: &mut World, text: &str) -> Reply {
    let Some(running) = world.get_resource::<ActiveScene>().map(|a| a.0.clone()) else {
        return Reply::Error("no scene is running".into());
    };
    let path = running.path.clone();
    let kinds = world
        .get_resource::<crate::widget::kinds::Kinds>()
        .cloned()
        .unwrap_or_default();
    let compiled = crate::scene::compile_confined(text, &path, &kinds);
    let reply = swap_in_as(world, compiled, SceneChange::Load);
    if !reply.is_ok() {
        return reply;
    }
    let write = world.get_resource::<SceneWrites>().is_some_and(|w| w.0);
    if write {
        if let Some(hr) = world.get_resource::<HotReload>() {
            hr.expect_written(text);
        }
        if let Err(e) = crate::atomic_file::write_atomic(&path, text.as_bytes()) {
            // The file keeps the running scene's text: so does the engine.
            let back = swap(world, running).map_or_else(
                |e| format!("; the previous scene could not be restored either: {e}"),
                |_| String::new(),
            );
            let problem = format!("cannot write the scene to {}: {e}{back}", path.display());
            log::error!("load refused, the running scene stays: {problem}");
            world.get_resource_or_init::<SceneStatus>().problems = vec![problem.clone()];
            if let Some(hr) = world.get_resource::<HotReload>() {
                hr.expect_written("");
            }
            return Reply::error(format!("the scene was not loaded: {problem}"));
        }
        log::info!("{}: written by the load command", path.display());
    }
    let scene = world.get_resource::<ActiveScene>().map(|a| a.0.clone());
    if let (Some(scene), Some(mut hr)) = (scene, world.get_resource_mut::<HotReload>()) {
        hr.follow(&scene);
    }
    Reply::Ok
}
