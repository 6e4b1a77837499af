//! Source gates: a source whose `enabled` is `false` never runs, and one whose `enabled`
//! is a condition (`enabled: "mpd.state == 'play'"`) runs while the condition is true:
//! it starts when it turns true and stops (its thread told to end) when it turns false.
//! Its values stay in the dataset while it is stopped. `_source.<name>.enabled` says
//! which state a gated source is in.

use bevy_ecs::prelude::*;
use serde_json::Value;

use super::Dataset;
use super::binding::{Binding, Contexts};
use super::ingest::DataInbox;
use super::propagate::{BindingEnv, truthy};
use super::scene_sources::{RunningSources, SourceSpec, start};

/// One gated source: its definition and its condition.
#[derive(Debug, Clone)]
pub struct Gate {
    /// The source's name.
    pub name: String,
    /// What to start when the gate opens.
    pub spec: SourceSpec,
    /// The condition, compiled; `None` for `enabled: false` (never open).
    pub when: Option<Binding>,
    /// Whether the source runs now.
    pub open: bool,
}

/// The scene's gated sources (those with `enabled: false` or a condition).
#[derive(Resource, Debug, Clone, Default)]
pub struct SourceGates(pub Vec<Gate>);

impl SourceGates {
    /// The gates of the sources in `sources` (a run without sources has no gates either).
    pub fn of(gates: &[Gate], sources: &[(String, SourceSpec)]) -> SourceGates {
        SourceGates(
            gates
                .iter()
                .filter(|g| sources.iter().any(|(n, _)| *n == g.name))
                .cloned()
                .collect(),
        )
    }

    /// Whether `name` is gated (started by the gate, not with the scene).
    pub fn gates(&self, name: &str) -> bool {
        self.0.iter().any(|g| g.name == name)
    }
}

/// The health key that tells whether a gated source runs.
pub fn enabled_key(name: &str) -> String {
    format!("_source.{name}.enabled")
}

/// Evaluates the gates (every one when `all`, else those reading a changed key) and
/// starts or stops their sources to match; writes `_source.<name>.enabled`.
pub fn reconcile(
    gates: &mut SourceGates,
    data: &mut Dataset,
    env: &minijinja::Environment<'static>,
    running: &mut RunningSources,
    feed: &super::ingest::Feed,
    tick: u64,
    all: bool,
) {
    for gate in &mut gates.0 {
        let due = all
            || gate
                .when
                .as_ref()
                .is_some_and(|w| data.changed().iter().any(|k| w.reads(k)));
        if !due {
            continue;
        }
        let open = gate.when.as_mut().is_some_and(|w| {
            w.evaluate_logged(
                env,
                data,
                &mut Contexts::default(),
                "the source stays stopped",
            )
            .is_some_and(|v| truthy(&v))
        });
        let runs = running.has(&gate.name);
        if open && !runs {
            log::info!("source {}: enabled; starting", gate.name);
            if let Some(handle) = start(&gate.name, &gate.spec, feed) {
                running.0.push(handle);
            }
        } else if !open && runs {
            log::info!("source {}: disabled; stopping", gate.name);
            if let Some(i) = running.0.iter().position(|h| h.name() == gate.name) {
                running.0.swap_remove(i).stop_detached();
            }
        }
        gate.open = open;
        let key = enabled_key(&gate.name);
        if data.get(&key) != Some(&Value::Bool(open)) {
            data.set(&key, Value::Bool(open), tick);
        }
    }
}

/// The tick's gate step (in Propagate, before the bindings): re-evaluates the gates whose keys changed, all of
/// them when the gates are new (the scene's start, a scene swapped in).
pub fn gate_sources(
    gates: Option<ResMut<SourceGates>>,
    mut data: ResMut<Dataset>,
    env: Option<Res<BindingEnv>>,
    mut running: ResMut<RunningSources>,
    inbox: Res<DataInbox>,
    tick: Res<crate::app::Tick>,
) {
    let (Some(mut gates), Some(env)) = (gates, env) else {
        return;
    };
    let all = gates.is_changed();
    if !all && data.changed().is_empty() {
        return;
    }
    let feed = inbox.feed();
    reconcile(
        gates.bypass_change_detection(),
        &mut data,
        &env.0,
        &mut running,
        &feed,
        tick.0,
        all,
    );
}
