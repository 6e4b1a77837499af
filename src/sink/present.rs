//! The Present step: every sink gets the frame once per tick; failures are logged, not fatal.

use std::sync::Mutex;

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;

use super::Sink;
use crate::app::{Tick, TickSchedule, TickSet};
use crate::render::FrameBuffer;

/// The sinks frames go to, in order.
#[derive(Resource, Default)]
pub struct Sinks {
    list: Mutex<Vec<SinkSlot>>,
}

struct SinkSlot {
    sink: Box<dyn Sink>,
    failures: u64,
}

impl Sinks {
    /// Adds a sink.
    pub fn push(&self, sink: Box<dyn Sink>) {
        if let Ok(mut l) = self.list.lock() {
            l.push(SinkSlot { sink, failures: 0 });
        }
    }

    /// Number of sinks.
    pub fn len(&self) -> usize {
        self.list.lock().map_or(0, |l| l.len())
    }

    /// True when there is no sink.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sets the contrast of every sink that has one; returns how many took it, and the
    /// names of all sinks (for a reply when none did).
    pub fn contrast(&self, level: u8) -> (usize, Vec<String>) {
        let Ok(mut l) = self.list.lock() else {
            return (0, Vec::new());
        };
        let mut took = 0;
        for s in l.iter_mut() {
            match s.sink.contrast(level) {
                Ok(true) => took += 1,
                Ok(false) => {}
                Err(e) => log::warn!("sink {}: {e}", s.sink.name()),
            }
        }
        (took, l.iter().map(|s| s.sink.name().to_string()).collect())
    }
}

/// Hands the frame to every sink. A failing sink is logged on its first failure and then
/// every 100th, and keeps being called: a full disk must not stop the panel.
pub fn present(
    fb: Res<FrameBuffer>,
    tick: Res<Tick>,
    sinks: Res<Sinks>,
    power: Option<Res<crate::panel::power::PanelPower>>,
    contrast: Option<Res<crate::panel::power::PanelContrast>>,
    plan: Option<ResMut<crate::app::WakePlan>>,
) {
    let Ok(mut list) = sinks.list.lock() else {
        return;
    };
    if let Some(mut plan) = plan
        && list.iter().any(|s| s.sink.every_tick())
    {
        plan.every_tick();
    }
    let power = power.filter(|p| p.is_changed()).map(|p| p.asleep);
    let contrast = contrast.filter(|c| c.is_changed()).and_then(|c| c.0);
    for slot in list.iter_mut() {
        let mut result = match contrast {
            Some(level) => slot.sink.contrast(level).map(|_| ()),
            None => Ok(()),
        };
        if let Some(asleep) = power {
            result = result.and_then(|()| slot.sink.power(asleep));
        }
        if let Err(e) = result.and_then(|()| slot.sink.present(&fb, tick.0)) {
            slot.failures += 1;
            if slot.failures % 100 == 1 {
                log::warn!(
                    "sink {}: {e} ({} failure(s) so far)",
                    slot.sink.name(),
                    slot.failures
                );
            }
        }
    }
}

/// Lets every sink finish (write the last PNG, close the GIF, restore the terminal).
pub fn finish_sinks(world: &mut World) -> Vec<crate::app::ShutdownError> {
    let tick = world.get_resource::<Tick>().map_or(0, |t| t.0);
    let Some(fb) = world.get_resource::<FrameBuffer>() else {
        return Vec::new();
    };
    let Some(sinks) = world.get_resource::<Sinks>() else {
        return Vec::new();
    };
    let Ok(mut list) = sinks.list.lock() else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    for slot in list.iter_mut() {
        if let Err(e) = slot.sink.finish(fb, tick.saturating_sub(1)) {
            errors.push(crate::app::ShutdownError {
                part: format!("sink {}", slot.sink.name()),
                source: std::sync::Arc::new(e),
            });
        }
    }
    errors
}

/// Adds the Present step and an empty `Sinks` list.
#[derive(Debug, Default)]
pub struct PresentPlugin;

impl Plugin for PresentPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Sinks>();
        app.add_systems(TickSchedule, present.in_set(TickSet::Present));
        app.add_systems(
            crate::app::Shutdown,
            (|world: &mut World| {
                let errors = finish_sinks(world);
                world
                    .get_resource_or_init::<crate::app::ShutdownErrors>()
                    .0
                    .extend(errors);
            })
            .in_set(crate::app::ShutdownSet::Outputs),
        );
    }
}
