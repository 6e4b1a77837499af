//! Propagate's data side: which entities have bindings reading which keys, and which of
//! them are due this tick. The widget layer evaluates them and sets the properties they
//! drive ([`crate::widget::bind`]).

use std::collections::HashMap;

use bevy_ecs::prelude::*;
use serde_json::Value;

use super::binding::Binding;
use super::dataset::Dataset;

/// A widget's compiled bindings.
#[derive(Component, Debug, Clone, Default)]
pub struct Bindings(pub Vec<Binding>);

/// The template environment of the running scene.
#[derive(Resource)]
pub struct BindingEnv(pub minijinja::Environment<'static>);

/// Which entities have a binding reading each key (or key prefix).
#[derive(Resource, Debug, Default)]
pub struct KeyIndex {
    by_key: HashMap<String, Vec<Entity>>,
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
