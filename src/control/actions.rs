//! Key actions: a control command run when a dataset key changes, so inputs that land as
//! keys (GPIO buttons and encoders, a broker topic) can steer the display:
//! `control: (on_change: {"gpio.select.presses": {"cmd": "next"}})`.

use std::collections::HashSet;

use bevy_ecs::prelude::*;

use super::{Command, ControlInbox};
use crate::data::Dataset;
use crate::scene::swap::ActiveScene;

/// Keys whose action could not be parsed, so the problem is logged once.
#[derive(Resource, Debug, Default)]
pub struct BadActions(HashSet<String>);

/// Sends the action of every key that changed this tick (applied at the next tick's start).
pub fn run_key_actions(
    data: Res<Dataset>,
    scene: Option<Res<ActiveScene>>,
    inbox: Res<ControlInbox>,
    mut bad: ResMut<BadActions>,
) {
    let Some(scene) = scene else { return };
    let actions = &scene.0.control.on_change;
    if actions.is_empty() || data.changed().is_empty() {
        return;
    }
    for key in data.changed() {
        let Some(action) = actions.get(key) else {
            continue;
        };
        match Command::from_value(action.clone()) {
            Ok(command) => {
                // The reply is not awaited: a refused action is logged by the engine.
                let _ = inbox.sender().send(command, "on_change");
            }
            Err(e) => {
                if bad.0.insert(key.clone()) {
                    log::error!("control.on_change {key:?}: {e}; this action does nothing");
                }
            }
        }
    }
}
