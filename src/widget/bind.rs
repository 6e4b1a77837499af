//! Bound fields, the widget side: each kind says how a binding's result sets each of its
//! bindable fields ([`BindFields`]), and [`apply`] takes the results propagate put in a
//! widget's [`Bound`] and sets them. A result equal to the current value changes nothing,
//! so the widget is not marked changed and not redrawn.

use bevy_ecs::component::Mutable;
use bevy_ecs::prelude::*;
use serde_json::Value;

use crate::data::binding::BindingError;
pub use crate::data::propagate::{ApplyBound, Bound};
use crate::data::propagate::{Bindings, as_text, truthy};
use crate::render::Color;
use crate::render::compose::Visible;

/// A component whose fields bindings set: the kind's typed side of a binding, declared
/// once as a table of its bindable fields.
pub trait BindFields: Component<Mutability = Mutable> + Sized {
    /// The fields it takes from [`Bound`], by the names the kind's `compile` bound them
    /// under (`"text"`, `"color"`), each with how a result sets it.
    const FIELDS: &'static [Field<Self>];
}

/// How a binding's result sets a field of `C`: each writes through the [`Mut`] only when
/// the value differs, and a result that does not fit the field is an error that changes
/// nothing.
pub type Setter<C> = fn(&mut Mut<C>, &Value) -> Result<(), BindingError>;

/// One bindable field of a component: the name bindings target and its [`Setter`].
pub struct Field<C: Component<Mutability = Mutable>> {
    /// The name the kind's `compile` bound it under.
    pub name: &'static str,
    /// Sets it from a binding's result.
    pub set: Setter<C>,
}

impl<C: Component<Mutability = Mutable>> Field<C> {
    /// A field set by `set`.
    pub const fn new(name: &'static str, set: Setter<C>) -> Field<C> {
        Field { name, set }
    }
}

/// Takes the results of `C`'s fields from the widgets whose [`Bound`] changed and sets
/// them; a result the field refuses is logged once, at its binding, until it fits again.
/// A kind adds `apply::<C>` to the [`ApplyBound`] schedule from its `Kind::systems`.
pub fn apply<C: BindFields>(mut q: Query<(&mut Bound, &mut Bindings, &mut C), Changed<Bound>>) {
    for (mut bound, mut bindings, mut c) in &mut q {
        // Taking a result is not a change anyone waits for.
        let bound = bound.bypass_change_detection();
        for field in C::FIELDS {
            let Some(value) = bound.take(field.name) else {
                continue;
            };
            if let Err(e) = (field.set)(&mut c, value) {
                let failed = bindings.bypass_change_detection().0.iter_mut();
                for b in failed.filter(|b| b.target == field.name) {
                    b.log_result(Some(&e), "keeping the current value");
                }
            }
        }
    }
}

/// Adds `apply::<C>` to the [`ApplyBound`] schedule (what a kind's `systems` calls for
/// a component with bound fields).
pub fn add_apply<C: BindFields>(app: &mut bevy_app::App) {
    app.add_systems(ApplyBound, apply::<C>);
}

impl BindFields for Visible {
    const FIELDS: &'static [Field<Self>] = &[Field::new("when", |this, value| {
        set_if_changed(this, |v| &mut v.0, truthy(value));
        Ok(())
    })];
}

impl BindFields for crate::timeline::place::RunGate {
    const FIELDS: &'static [Field<Self>] = &[Field::new("run_when", |this, value| {
        set_if_changed(this, |g| &mut g.on, Some(truthy(value)));
        Ok(())
    })];
}

/// A result as a colour (`"#ff8800"`, `"red"`); anything else is an error.
pub fn color(value: &Value) -> Result<Color, BindingError> {
    Color::parse(&as_text(value)).map_err(|_| BindingError(format!("{value} is not a colour")))
}

/// A result as a number (0 for anything that is not one).
pub fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or(0.0)
}

/// Sets `slot` to `value` when they differ (so an equal result marks nothing changed);
/// `slot` is reached through `this` only then.
pub fn set_if_changed<C: Component<Mutability = Mutable>, T: PartialEq>(
    this: &mut Mut<C>,
    slot: impl Fn(&mut C) -> &mut T,
    value: T,
) {
    if *slot(this.bypass_change_detection()) != value {
        *slot(&mut **this) = value;
    }
}

/// Sets a string field from a result, comparing in place and copying into the field's
/// own buffer only when it differs; other values are shown as text.
pub fn set_text<C: Component<Mutability = Mutable>>(
    this: &mut Mut<C>,
    slot: impl Fn(&mut C) -> &mut String,
    value: &Value,
) {
    let current = slot(this.bypass_change_detection());
    match value {
        Value::String(s) if *current == *s => {}
        Value::String(s) => {
            let field = slot(&mut **this);
            field.clear();
            field.push_str(s);
        }
        other => {
            let s = as_text(other);
            if *current != s {
                *slot(&mut **this) = s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use bevy_ecs::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::widget::text::Text;

    /// Runs `apply::<Text>` once over one text with `bound` results, and says whether
    /// the text was marked changed, with its content and colour afterwards.
    fn apply_once(bound: Bound) -> (bool, String, Color) {
        use bevy_ecs::system::RunSystemOnce;
        let mut world = World::new();
        let text = Text {
            content: "old".into(),
            fonts: Vec::new(),
            style: Default::default(),
            color: Color::WHITE,
            width: None,
            height: None,
        };
        let e = world.spawn((text, bound, Bindings::default())).id();
        world.clear_trackers();
        world
            .run_system_once(apply::<Text>)
            .expect("the system runs");
        let t = world.entity(e).get_ref::<Text>().expect("the text");
        (t.is_changed(), t.content.clone(), t.color)
    }

    #[test]
    fn a_kind_takes_fresh_results_and_an_equal_one_changes_nothing() {
        let mut same = Bound::default();
        same.put("text", json!("old"));
        assert!(!apply_once(same).0, "an equal result marks nothing");

        let mut new = Bound::default();
        new.put("text", json!("new"));
        new.put("color", json!("#ff0000"));
        let (changed, content, color) = apply_once(new);
        assert!(changed);
        assert_eq!(content, "new");
        assert_eq!(color, Color::parse("#ff0000").expect("a colour"));

        let mut bad = Bound::default();
        bad.put("color", json!("not a colour"));
        assert!(!apply_once(bad).0, "a refused result changes nothing");
    }

    #[test]
    fn a_result_is_taken_once() {
        let mut b = Bound::default();
        b.put("value", json!(3));
        assert_eq!(b.take_number("value"), Some(3.0));
        assert_eq!(b.take("value"), None, "taken already");
        assert_eq!(b.get("value"), Some(&json!(3)), "still the latest");
        b.put("value", json!("4.5"));
        assert_eq!(b.take_number("value"), Some(4.5));
    }
}
