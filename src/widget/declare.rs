//! Declaring a drawing's fields once: the types a field can have ([`Param`]: how a scene
//! writes it, how a binding's result sets it) and the [`drawing!`](crate::drawing) macro,
//! which makes of one field list the scene's spec, the component, its check and its
//! table of bound fields.

use std::fmt::{Debug, Display};
use std::ops::RangeInclusive;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::compile::Ctx;
use super::{NumberOrExpr, is_template};
use crate::data::binding::BindingError;
use crate::data::propagate::{as_text, truthy};
use crate::render::Color;

/// A type a field of a declared drawing can have.
pub trait Param: Sized + Clone + PartialEq + Debug + Send + Sync + 'static {
    /// What the scene writes: a literal, or an expression or template bound to the data.
    type Spec: DeserializeOwned + Debug + Clone + PartialEq + Send + Sync;

    /// The field's value at load: the scene's literal, or `default` (also while an
    /// expression has no result yet); an expression is bound to the field `name`.
    fn compile(spec: Option<&Self::Spec>, name: &'static str, default: Self, ctx: &mut Ctx)
    -> Self;

    /// A binding's result as this type (an error changes nothing and is logged once).
    fn from_value(value: &Value) -> Result<Self, BindingError>;
}

/// A scene's `true`/`false`, or an expression over the data that decides it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(untagged)]
pub enum BoolOrExpr {
    /// A fixed value.
    Bool(bool),
    /// An expression, e.g. `"mpd.state == 'play'"`.
    Expr(String),
}

impl Param for f64 {
    type Spec = NumberOrExpr;

    fn compile(
        spec: Option<&NumberOrExpr>,
        name: &'static str,
        default: f64,
        ctx: &mut Ctx,
    ) -> f64 {
        spec.map_or(default, |s| ctx.number_or_binding(name, s, default))
    }

    fn from_value(value: &Value) -> Result<f64, BindingError> {
        number(value)
    }
}

impl Param for u32 {
    type Spec = NumberOrExpr;

    fn compile(
        spec: Option<&NumberOrExpr>,
        name: &'static str,
        default: u32,
        ctx: &mut Ctx,
    ) -> u32 {
        let n = spec.map_or(f64::from(default), |s| {
            ctx.number_or_binding(name, s, f64::from(default))
        });
        if n < 0.0 || n.fract() != 0.0 || n > f64::from(u32::MAX) {
            ctx.error(
                Some(name),
                format!("{name} must be a whole number ≥ 0, not {n}"),
            );
            return default;
        }
        n as u32
    }

    fn from_value(value: &Value) -> Result<u32, BindingError> {
        let n = number(value)?;
        if n < 0.0 || n > f64::from(u32::MAX) {
            return Err(BindingError(format!("{n} is not a whole number ≥ 0")));
        }
        Ok(n.round() as u32)
    }
}

impl Param for bool {
    type Spec = BoolOrExpr;

    fn compile(
        spec: Option<&BoolOrExpr>,
        name: &'static str,
        default: bool,
        ctx: &mut Ctx,
    ) -> bool {
        match spec {
            None => default,
            Some(BoolOrExpr::Bool(b)) => *b,
            Some(BoolOrExpr::Expr(src)) => {
                ctx.bind_expression(name, name, src, Value::Bool(default));
                default
            }
        }
    }

    fn from_value(value: &Value) -> Result<bool, BindingError> {
        Ok(truthy(value))
    }
}

impl Param for String {
    type Spec = String;

    fn compile(
        spec: Option<&String>,
        name: &'static str,
        default: String,
        ctx: &mut Ctx,
    ) -> String {
        match spec {
            None => default,
            Some(s) if is_template(s) => {
                ctx.bind_template(name, name, s, Value::String(default.clone()));
                default
            }
            Some(s) => s.clone(),
        }
    }

    fn from_value(value: &Value) -> Result<String, BindingError> {
        Ok(as_text(value))
    }
}

impl Param for Color {
    type Spec = String;

    fn compile(spec: Option<&String>, name: &'static str, default: Color, ctx: &mut Ctx) -> Color {
        spec.map_or(default, |s| ctx.color_or_binding(name, s, default))
    }

    fn from_value(value: &Value) -> Result<Color, BindingError> {
        super::bind::color(value)
    }
}

/// A result as a number: a number, or a string that reads as one.
fn number(value: &Value) -> Result<f64, BindingError> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| BindingError(format!("{value} is not a number")))
}

/// Reports a value outside `range` at its field (`segments must be 1..=64, not 0`) and
/// gives it clamped into the range.
pub fn within<T: PartialOrd + Display + Copy>(
    ctx: &mut Ctx,
    name: &str,
    value: T,
    range: RangeInclusive<T>,
) -> T {
    if range.contains(&value) {
        return value;
    }
    ctx.error(
        Some(name),
        format!(
            "{name} must be {}..={}, not {value}",
            range.start(),
            range.end()
        ),
    );
    clamp(value, range)
}

/// `value` clamped into `range` (what a bound result outside it is set to).
pub fn clamp<T: PartialOrd + Copy>(value: T, range: RangeInclusive<T>) -> T {
    if value < *range.start() {
        *range.start()
    } else if value > *range.end() {
        *range.end()
    } else {
        value
    }
}

/// Declares a widget that is only its drawing, its fields written once: the scene's
/// spec (these fields, each optional with its default, plus the fields every widget has),
/// the component (these fields and its `size`), the check (a field may carry
/// `#[range(a..=b)]`; an expression binds the field to the data) and the table of bound
/// fields. Implement [`Draw`](crate::widget::drawing::Draw) for it and register
/// `Drawn<Name>`. A field's type is a [`Param`]: `f64`, `u32`, `bool`, `String` (a
/// template) or `Color`.
///
/// ```
/// use tinydisplay::render::layer::Layer;
/// use tinydisplay::render::{Color, Rect};
/// use tinydisplay::widget::drawing::{Draw, Drawn};
///
/// tinydisplay::drawing! {
///     /// A lamp: `Lamp(width: 8, height: 8, on: "door.open")`.
///     pub struct Lamp(LampSpec) {
///         /// Lit or not (default false).
///         on: bool = false,
///         /// Its colour when lit (default white).
///         color: Color = Color::WHITE,
///     }
/// }
///
/// impl Draw for Lamp {
///     fn draw(&self, layer: &mut Layer) {
///         if self.on {
///             layer.fill(self.color);
///         }
///     }
/// }
///
/// let kinds = tinydisplay::widget::kinds::Kinds::builtin().register_kind::<Drawn<Lamp>>().clone();
/// let scene = "Scene(data: (initial: {\"door.open\": true}), widgets: [Lamp(width: 8, height: 8, on: \"door.open\")])";
/// assert!(tinydisplay::scene::compile_str_with(scene, "lamp.ron".as_ref(), &kinds).is_ok());
/// ```
#[macro_export]
macro_rules! drawing {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($spec:ident) {
            $(
                $(#[doc = $doc:literal])*
                $(#[range($range:expr)])?
                $field:ident : $ty:ty = $default:expr
            ),* $(,)?
        }
    ) => {
        $crate::widget_spec! {
            #[doc = concat!("The scene's fields of a [`", stringify!($name), "`].")]
            pub struct $spec {
                $(
                    $(#[doc = $doc])*
                    #[serde(default)]
                    pub $field: Option<<$ty as $crate::widget::declare::Param>::Spec>,
                )*
            }
        }

        $(#[$meta])*
        #[derive(::bevy_ecs::component::Component, Debug, Clone, PartialEq)]
        pub struct $name {
            /// Width and height.
            pub size: (u32, u32),
            $(
                $(#[doc = $doc])*
                pub $field: $ty,
            )*
        }

        impl $crate::widget::drawing::Drawing for $name {
            const NAME: &'static str = stringify!($name);
            type Spec = $spec;

            fn compile(
                spec: &$spec,
                ctx: &mut $crate::widget::compile::Ctx,
                _placement: &mut $crate::render::compose::Placement,
            ) -> Self {
                let size = ctx.required_size(spec.width, spec.height);
                $(
                    let $field: $ty = <$ty as $crate::widget::declare::Param>::compile(
                        spec.$field.as_ref(),
                        stringify!($field),
                        $default,
                        ctx,
                    );
                    $(let $field = $crate::widget::declare::within(
                        ctx,
                        stringify!($field),
                        $field,
                        $range,
                    );)?
                )*
                $name { size, $($field),* }
            }

            fn size(&self) -> (u32, u32) {
                self.size
            }
        }

        impl $crate::widget::bind::BindFields for $name {
            const FIELDS: &'static [$crate::widget::bind::Field<Self>] = &[
                $(
                    $crate::widget::bind::Field::new(stringify!($field), |this, value| {
                        let v = <$ty as $crate::widget::declare::Param>::from_value(value)?;
                        $(let v = $crate::widget::declare::clamp(v, $range);)?
                        $crate::widget::bind::set_if_changed(this, |c| &mut c.$field, v);
                        Ok(())
                    }),
                )*
            ];
        }
    };
}
