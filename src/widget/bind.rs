//! Propagate's widget side: evaluate the bindings due this tick and set the widget
//! properties they drive. A result equal to the current value changes nothing, so the
//! widget is not marked changed and not redrawn.

use bevy_ecs::prelude::*;

use super::group::Index;
use super::image::Image;
use super::progress::ProgressBar;
use super::rectangle::Rectangle;
use super::sequence::Page;
use super::text::Text;
use crate::data::binding::{BindingError, Target};
use crate::data::dataset::Dataset;
use crate::data::propagate::{BindingEnv, Bindings, KeyIndex, as_text, binding_due, due, truthy};
use crate::render::Color;
use crate::render::compose::Visible;

/// Results of bindings to fields of kinds outside the built-in ones
/// ([`Target::Field`]), by field name; the kind's own system applies them (read them with
/// [`Bound::get`] or [`Bound::number`] in a query filtered by `Changed<Bound>`).
#[derive(Component, Debug, Clone, Default, PartialEq)]
pub struct Bound(pub Vec<(&'static str, serde_json::Value)>);

impl Bound {
    /// The latest result for `field`, if it was evaluated.
    pub fn get(&self, field: &str) -> Option<&serde_json::Value> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, v)| v)
    }

    /// The latest result for `field` as a number (a string that parses counts).
    pub fn number(&self, field: &str) -> Option<f64> {
        match self.get(field)? {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// Sets `field`'s result; false when it was already that.
    fn set(&mut self, field: &'static str, value: &serde_json::Value) -> bool {
        match self.0.iter_mut().find(|(f, _)| *f == field) {
            Some((_, v)) if v == value => false,
            Some((_, v)) => {
                *v = value.clone();
                true
            }
            None => {
                self.0.push((field, value.clone()));
                true
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
    Option<&'a mut Bound>,
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
    let Some(due) = due(&mut index, &data, &mut scratch) else {
        return;
    };
    for &entity in scratch.iter() {
        // Here for a changed key it reads, not only for its age.
        let by_key = !index.is_timed(entity);
        let Ok((mut bindings, visible, text, bar, image, rect, page, selector, bound)) =
            q.get_mut(entity)
        else {
            continue;
        };
        let mut fields = Fields {
            visible,
            text,
            bar,
            image,
            rect,
            page,
            selector,
            bound,
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
            if let Err(e) = fields.set(b.target, value) {
                b.log_result(Some(&e), "keeping the current value");
            }
        }
    }
}

/// One widget's components a binding can set.
struct Fields<'a> {
    visible: Mut<'a, Visible>,
    text: Option<Mut<'a, Text>>,
    bar: Option<Mut<'a, ProgressBar>>,
    image: Option<Mut<'a, Image>>,
    rect: Option<Mut<'a, Rectangle>>,
    page: Option<Mut<'a, Page>>,
    selector: Option<Mut<'a, Index>>,
    bound: Option<Mut<'a, Bound>>,
}

impl Fields<'_> {
    /// Sets the field `target` names to `value`, touching the component only when the
    /// value differs; a colour that does not parse is an error and changes nothing.
    fn set(&mut self, target: Target, value: serde_json::Value) -> Result<(), BindingError> {
        if target == Target::Text {
            if let Some(t) = self.text.as_mut() {
                // A string result is compared in place and moved in, not copied.
                let same = match &value {
                    serde_json::Value::String(s) => t.content == *s,
                    other => t.content == as_text(other),
                };
                if !same {
                    t.content = match value {
                        serde_json::Value::String(s) => s,
                        other => as_text(&other),
                    };
                }
            }
            return Ok(());
        }
        let value = &value;
        match target {
            Target::When => {
                let shown = truthy(value);
                if self.visible.0 != shown {
                    self.visible.0 = shown;
                }
            }
            Target::Select => {
                if let Some(i) = self.selector.as_mut() {
                    let sel = value.as_f64().and_then(super::group::selection);
                    if i.selected != sel {
                        i.selected = sel;
                    }
                }
            }
            Target::Eligible => {
                if let Some(p) = self.page.as_mut() {
                    let ok = truthy(value);
                    if p.eligible != ok {
                        p.eligible = ok;
                    }
                }
            }
            Target::Text => {}
            Target::Value | Target::Min | Target::Max => {
                if let Some(p) = self.bar.as_mut() {
                    let n = value.as_f64().unwrap_or(0.0);
                    let slot = match target {
                        Target::Value => p.value,
                        Target::Min => p.min,
                        _ => p.max,
                    };
                    if slot != n {
                        match target {
                            Target::Value => p.value = n,
                            Target::Min => p.min = n,
                            _ => p.max = n,
                        }
                    }
                }
            }
            Target::Field(field) => {
                if let Some(b) = self.bound.as_mut()
                    && b.bypass_change_detection().set(field, value)
                {
                    b.set_changed();
                }
            }
            Target::ImageFile => {
                if let Some(i) = self.image.as_mut() {
                    let file = as_text(value);
                    if i.file.as_deref() != Some(file.as_str()) {
                        i.bypass_change_detection().load(&file);
                        i.set_changed();
                    }
                }
            }
            Target::Color(field) => {
                let c = Color::parse(&as_text(value))
                    .map_err(|_| BindingError(format!("{value} is not a colour")))?;
                set_color(
                    field,
                    c,
                    self.text.as_mut(),
                    self.bar.as_mut(),
                    self.rect.as_mut(),
                )?;
            }
        }
        Ok(())
    }
}

/// Sets the colour field `field` of whichever of the widget's components has it; a
/// widget without that field is an error (the binding names a field its kind lacks).
fn set_color(
    field: &str,
    c: Color,
    text: Option<&mut Mut<Text>>,
    bar: Option<&mut Mut<ProgressBar>>,
    rect: Option<&mut Mut<Rectangle>>,
) -> Result<(), BindingError> {
    match (field, text, bar, rect) {
        ("color", Some(t), _, _) => {
            if t.color != c {
                t.color = c;
            }
        }
        ("fill", _, Some(p), _) => {
            if p.fill != c {
                p.fill = c;
            }
        }
        ("fill", _, _, Some(r)) => {
            if r.fill != Some(c) {
                r.fill = Some(c);
            }
        }
        ("outline", _, _, Some(r)) => {
            if r.outline != Some(c) {
                r.outline = Some(c);
            }
        }
        _ => {
            return Err(BindingError(format!(
                "this widget has no colour field `{field}`"
            )));
        }
    }
    Ok(())
}
