//! Propagate: re-evaluate only the bindings whose keys changed this tick and set the
//! widget properties they drive. A result equal to the current value changes nothing,
//! so the widget is not marked changed and not redrawn.

use std::collections::HashMap;

use bevy_ecs::prelude::*;
use serde_json::Value;

use super::binding::{Binding, Target};
use super::dataset::Dataset;
use crate::render::Color;
use crate::render::compose::Visible;
use crate::widget::group::Index;
use crate::widget::image::Image;
use crate::widget::progress::ProgressBar;
use crate::widget::rectangle::Rectangle;
use crate::widget::sequence::Page;
use crate::widget::text::Text;

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

/// The widget components a binding can set.
type Targets<'a> = (
    &'a mut Bindings,
    &'a mut Visible,
    Option<&'a mut Text>,
    Option<&'a mut ProgressBar>,
    Option<&'a mut Image>,
    Option<&'a mut Rectangle>,
    Option<&'a mut Page>,
    Option<&'a mut Index>,
);

/// Evaluates the bindings that read a changed key (all of them on the first tick), and
/// those whose `changed_ago` moved to another whole second.
pub fn propagate(
    data: Res<Dataset>,
    env: Option<Res<BindingEnv>>,
    mut index: ResMut<KeyIndex>,
    mut q: Query<Targets>,
    mut scratch: Local<Vec<Entity>>,
    mut contexts: Local<crate::data::binding::Contexts>,
) {
    let Some(env) = env else { return };
    contexts.clear();
    let first = !index.started;
    if !first && data.changed().is_empty() && index.timed.is_empty() {
        return;
    }
    index.started = true;
    scratch.clear();
    if first {
        scratch.extend_from_slice(&index.all);
    } else {
        for key in data.changed() {
            index.affected(key, &mut scratch);
        }
        scratch.extend_from_slice(&index.timed);
        scratch.sort_unstable();
        scratch.dedup();
    }
    for &entity in scratch.iter() {
        // Here for a changed key it reads, not only for its age.
        let by_key = !index.timed.contains(&entity);
        let Ok((
            mut bindings,
            mut visible,
            mut text,
            mut bar,
            mut image,
            mut rect,
            mut page,
            mut index,
        )) = q.get_mut(entity)
        else {
            continue;
        };
        // One binding, here for a key: it reads a changed key (the index says so), so
        // the check over every changed key (200 × 200 when 200 texts change) is skipped.
        let only = by_key && bindings.0.len() == 1;
        for b in bindings.bypass_change_detection().0.iter_mut() {
            if !first && !only && !data.changed().iter().any(|k| b.reads(k)) && !b.aged(&data) {
                continue;
            }
            b.note_ages(&data);
            let value = match b.evaluate_in(&env.0, &data, &mut contexts) {
                Ok(v) => {
                    if b.failing {
                        log::info!("{}: recovered", describe(b));
                        b.failing = false;
                    }
                    v
                }
                Err(e) => {
                    if !b.failing {
                        log::warn!("{}: {e}; showing its fallback", describe(b));
                        b.failing = true;
                    }
                    b.fallback.clone()
                }
            };
            match b.target {
                Target::When => {
                    let shown = truthy(&value);
                    if visible.0 != shown {
                        visible.0 = shown;
                    }
                }
                Target::Select => {
                    if let Some(i) = index.as_mut() {
                        let sel = value.as_f64().and_then(crate::widget::group::selection);
                        if i.selected != sel {
                            i.selected = sel;
                        }
                    }
                }
                Target::Eligible => {
                    if let Some(p) = page.as_mut() {
                        let ok = truthy(&value);
                        if p.eligible != ok {
                            p.eligible = ok;
                        }
                    }
                }
                Target::Text => {
                    if let Some(t) = text.as_mut() {
                        let s = as_text(&value);
                        if t.content != s {
                            t.content = s;
                        }
                    }
                }
                Target::Value | Target::Min | Target::Max => {
                    if let Some(p) = bar.as_mut() {
                        let n = value.as_f64().unwrap_or(0.0);
                        let slot = match b.target {
                            Target::Value => p.value,
                            Target::Min => p.min,
                            _ => p.max,
                        };
                        if slot != n {
                            match b.target {
                                Target::Value => p.value = n,
                                Target::Min => p.min = n,
                                _ => p.max = n,
                            }
                        }
                    }
                }
                Target::ImageFile => {
                    if let Some(i) = image.as_mut() {
                        let file = as_text(&value);
                        if i.file.as_deref() != Some(file.as_str()) {
                            i.bypass_change_detection().load(&file);
                            i.set_changed();
                        }
                    }
                }
                Target::Color(field) => {
                    let Ok(c) = Color::parse(&as_text(&value)) else {
                        if !b.failing {
                            log::warn!("{}: {value} is not a colour", describe(b));
                            b.failing = true;
                        }
                        continue;
                    };
                    set_color(field, c, text.as_mut(), bar.as_mut(), rect.as_mut());
                }
            }
        }
    }
}

/// The binding for a log line: its widget, field and scene position, or its source.
fn describe(b: &Binding) -> String {
    if b.origin.is_empty() {
        format!("binding {:?}", b.source)
    } else {
        b.origin.clone()
    }
}

fn set_color(
    field: &str,
    c: Color,
    text: Option<&mut Mut<Text>>,
    bar: Option<&mut Mut<ProgressBar>>,
    rect: Option<&mut Mut<Rectangle>>,
) {
    match (field, text, bar, rect) {
        ("color", Some(t), _, _) if t.color != c => t.color = c,
        ("fill", _, Some(p), _) if p.fill != c => p.fill = c,
        ("fill", _, _, Some(r)) if r.fill != Some(c) => r.fill = Some(c),
        ("outline", _, _, Some(r)) if r.outline != Some(c) => r.outline = Some(c),
        _ => {}
    }
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
