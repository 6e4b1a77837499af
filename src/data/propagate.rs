//! Propagate: which entities have bindings reading which keys, which of them are due
//! this tick, and their evaluation into each widget's [`Bound`] results. The data side
//! stops there: each widget kind's own system takes the results of its fields and sets
//! them ([`crate::widget::bind`]).

use std::collections::HashMap;

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::ScheduleLabel;
use serde_json::Value;

use super::binding::Binding;
use super::dataset::Dataset;

/// The schedule a widget kind adds its [`apply`](crate::widget::bind::apply) systems to:
/// they take the results [`propagate`] put in [`Bound`] and set the kind's fields. It runs
/// right after [`propagate`], within [`TickSet::Propagate`](crate::app::TickSet::Propagate),
/// on the ticks some binding was evaluated (an idle tick does not run it at all).
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApplyBound;

/// Whether [`propagate`] evaluated any binding this tick.
#[derive(Resource, Debug, Default)]
pub struct Evaluated(bool);

/// Runs [`ApplyBound`] when [`propagate`] evaluated something this tick.
pub fn apply_bound(world: &mut World) {
    if world.get_resource::<Evaluated>().is_some_and(|e| e.0) {
        // Nothing to apply when no kind added a system yet.
        let _ = world.try_run_schedule(ApplyBound);
    }
}

/// Same field name: the same static string, or equal text.
#[inline]
fn same(a: &'static str, b: &str) -> bool {
    std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len() || a == b
}

/// The latest results of a widget's bindings, by the field they set, each marked fresh
/// until the widget's kind takes it: [`propagate`] puts them, the systems of the kind
/// take them (in [`ApplyBound`], through `Changed<Bound>`).
#[derive(Component, Debug, Clone, Default, PartialEq)]
pub struct Bound(Vec<Slot>);

/// One field's latest result.
#[derive(Debug, Clone, PartialEq)]
struct Slot {
    field: &'static str,
    value: Value,
    fresh: bool,
}

impl Bound {
    /// Takes the result for `field` if it is fresh (it is not fresh afterwards).
    pub fn take(&mut self, field: &str) -> Option<&Value> {
        let slot = self.0.iter_mut().find(|s| same(s.field, field))?;
        if !std::mem::replace(&mut slot.fresh, false) {
            return None;
        }
        Some(&slot.value)
    }

    /// Takes the result for `field` as a number, if it is fresh (a string that parses
    /// counts; anything else is `None`, and is taken too).
    pub fn take_number(&mut self, field: &str) -> Option<f64> {
        match self.take(field)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The latest result for `field`, fresh or not.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|s| same(s.field, field))
            .map(|s| &s.value)
    }

    /// Puts `field`'s result (fresh), dropping the one before it.
    pub fn put(&mut self, field: &'static str, value: Value) {
        match self.0.iter_mut().find(|s| same(s.field, field)) {
            Some(slot) => {
                // Dropped here, right after the new one was made: the allocator reuses it.
                slot.value = value;
                slot.fresh = true;
            }
            None => self.0.push(Slot {
                field,
                value,
                fresh: true,
            }),
        }
    }
}

/// Evaluates the bindings that read a changed key (all of them on the first tick), and
/// those whose `changed_ago` moved to another whole second, into their widgets' [`Bound`].
pub fn propagate(
    data: Res<Dataset>,
    env: Option<Res<BindingEnv>>,
    mut index: ResMut<KeyIndex>,
    mut q: Query<(&mut Bindings, &mut Bound)>,
    mut evaluated: ResMut<Evaluated>,
    mut scratch: Local<Vec<Entity>>,
    mut contexts: Local<super::binding::Contexts>,
) {
    evaluated.0 = false;
    let Some(env) = env else { return };
    contexts.clear();
    let Some(due) = due(&mut index, &data, &mut scratch) else {
        return;
    };
    evaluated.0 = !scratch.is_empty();
    for &entity in scratch.iter() {
        // Here for a changed key it reads, not only for its age.
        let by_key = !index.is_timed(entity);
        let Ok((mut bindings, mut bound)) = q.get_mut(entity) else {
            continue;
        };
        // One binding, here for a key: it reads a changed key (the index says so), so
        // the check over every changed key (200 × 200 when 200 texts change) is skipped.
        let only = by_key && bindings.0.len() == 1;
        for b in bindings.bypass_change_detection().0.iter_mut() {
            if !binding_due(b, &data, due, only) {
                continue;
            }
            b.note_ages(&data);
            let value = b
                .evaluate_logged(&env.0, &data, &mut contexts, "showing its fallback")
                .unwrap_or_else(|| b.fallback.clone());
            bound.put(b.target, value);
        }
    }
}

/// Tells the runner the next tick at which a `changed_ago` read by a binding moves to
/// another whole second (tickless idle).
pub fn plan_wake(
    index: Res<KeyIndex>,
    data: Res<Dataset>,
    q: Query<&Bindings>,
    mut plan: ResMut<crate::app::WakePlan>,
) {
    if index.timed.is_empty() {
        return;
    }
    let (tick, fps) = data.clock();
    let fps = u64::from(fps.max(1));
    for bindings in index.timed.iter().filter_map(|e| q.get(*e).ok()) {
        for b in bindings.0.iter().filter(|b| b.timed) {
            for key in &b.history_keys {
                // A key not there yet: it appears with a message, which wakes the runner.
                let Some(e) = data.entry(key) else { continue };
                let age = tick.saturating_sub(e.changed_tick);
                plan.at(e.changed_tick + (age / fps + 1) * fps);
            }
        }
    }
}

/// A widget's compiled bindings.
#[derive(Component, Debug, Clone, Default)]
pub struct Bindings(pub Vec<Binding>);

/// The template environment of the running scene.
#[derive(Resource)]
pub struct BindingEnv(pub minijinja::Environment<'static>);

/// Which entities have a binding reading each key (or key prefix).
#[derive(Resource, Debug, Default)]
pub struct KeyIndex {
    by_key: HashMap<String, Vec<Entity>, foldhash::fast::RandomState>,
    all: Vec<Entity>,
    timed: Vec<Entity>,
    started: bool,
}

impl KeyIndex {
    /// Records that `entity` has bindings reading `keys`.
    pub fn add(&mut self, entity: Entity, keys: impl IntoIterator<Item = String>) {
        for k in keys {
            let v = self.by_key.entry(k).or_default();
            if !v.contains(&entity) {
                v.push(entity);
            }
        }
        if !self.all.contains(&entity) {
            self.all.push(entity);
        }
    }

    /// Records that `entity` has a binding whose result changes with time (`changed_ago`).
    pub fn add_timed(&mut self, entity: Entity) {
        if !self.timed.contains(&entity) {
            self.timed.push(entity);
        }
    }

    /// Entities whose bindings may read `key`: registered under it or under one of its prefixes.
    fn affected(&self, key: &str, out: &mut Vec<Entity>) {
        let mut k = key;
        loop {
            if let Some(es) = self.by_key.get(k) {
                out.extend_from_slice(es);
            }
            match k.rfind('.') {
                Some(i) => k = &k[..i],
                None => break,
            }
        }
    }
}

/// The entities whose bindings are due this tick into `out`: those reading a changed key
/// (every entity with bindings on the first tick) and those whose `changed_ago` may
/// have moved. `None` when nothing is due.
pub fn due(index: &mut KeyIndex, data: &Dataset, out: &mut Vec<Entity>) -> Option<Due> {
    let first = !index.started;
    if !first && data.changed().is_empty() && index.timed.is_empty() {
        return None;
    }
    index.started = true;
    out.clear();
    if first {
        out.extend_from_slice(&index.all);
    } else {
        for key in data.changed() {
            index.affected(key, out);
        }
        out.extend_from_slice(&index.timed);
        out.sort_unstable();
        out.dedup();
    }
    Some(Due { first })
}

/// What [`due`] found about this tick.
#[derive(Debug, Clone, Copy)]
pub struct Due {
    /// The first evaluation: every binding is due.
    pub first: bool,
}

impl KeyIndex {
    /// True when `entity` is evaluated every second for its `changed_ago`, not only for
    /// the keys it reads.
    pub fn is_timed(&self, entity: Entity) -> bool {
        self.timed.contains(&entity)
    }
}

/// True when `b` must be evaluated this tick: the first tick, a changed key it reads,
/// or a `changed_ago` that moved to another whole second. `only` says the entity has this
/// one binding and is here for a key it reads (so the scan over changed keys is skipped).
pub fn binding_due(b: &Binding, data: &Dataset, due: Due, only: bool) -> bool {
    due.first || only || data.changed().iter().any(|k| b.reads(k)) || b.aged(data)
}

/// A value as text: strings as they are, null as empty, others in JSON form.
pub fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Jinja truthiness: false, 0, "", null, [] and {} are false.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}
