//! A widget kind that is only its drawing: a value that draws itself into a layer
//! ([`Draw`]), read from a scene and sized at load ([`Drawing`]), and the kind the engine
//! makes of it ([`Drawn`]): spawned as one component, its bound fields applied, redrawn
//! when it changes, in parallel across widgets. Most shapes need nothing more; the kinds
//! with children, motion or caches implement [`Kind`] themselves.
//!
//! `drawing!` declares such a widget's fields once (see [`crate::drawing`]).

use std::fmt::Debug;
use std::marker::PhantomData;

use bevy_app::App;
use bevy_ecs::component::Mutable;
use bevy_ecs::prelude::*;
use bevy_ecs::world::EntityWorldMut;
use serde::de::DeserializeOwned;

use super::bind::{self, BindFields};
use super::compile::Ctx;
use super::kind::Kind;
use super::{ToDraw, WidgetSpecCommon, redraw_changed};
use crate::render::compose::{Placement, RenderStats};
use crate::render::layer::Layer;
use crate::render::{FrameBuffer, RenderSet};

/// The drawing of a widget: pure, from its fields to its pixels.
///
/// ```
/// use tinydisplay::render::layer::Layer;
/// use tinydisplay::render::{Color, PixelMode, Rect};
/// use tinydisplay::widget::drawing::Draw;
///
/// /// A bar lit up to `level` of its width.
/// struct Level { level: f64 }
///
/// impl Draw for Level {
///     fn draw(&self, layer: &mut Layer) {
///         let lit = (f64::from(layer.width()) * self.level.clamp(0.0, 1.0)) as u32;
///         layer.fill_rect(Rect::new(0, 0, lit, layer.height()), Color::WHITE);
///     }
/// }
///
/// let mut layer = Layer::new(4, 1, PixelMode::Mono);
/// Level { level: 0.5 }.draw(&mut layer);
/// assert!(layer.get(1, 0).is_some_and(|(_, alpha)| alpha > 0), "the first half is lit");
/// assert!(layer.get(2, 0).is_some_and(|(_, alpha)| alpha == 0), "the rest is not");
/// ```
pub trait Draw {
    /// Draws into `layer`, which has the widget's size and the display's pixel mode and
    /// is clear (transparent) when this is called.
    fn draw(&self, layer: &mut Layer);
}

/// A widget that is only its drawing: read from the scene into `Self`, sized, and drawn
/// with [`Draw`]. Register it as the kind [`Drawn<Self>`].
pub trait Drawing:
    Draw + BindFields + Component<Mutability = Mutable> + Debug + Clone + Send + Sync
{
    /// The name a scene writes: `Gauge(...)`.
    const NAME: &'static str;
    /// The scene's fields, as serde reads them (declared with
    /// [`widget_spec!`](crate::widget_spec) for the fields every widget has).
    type Spec: DeserializeOwned + Debug + Clone + PartialEq + Send + Sync + WidgetSpecCommon;

    /// Checks the fields (problems at their field with `ctx.error(Some("field"), …)`,
    /// fields bound to the data under the names of [`BindFields::FIELDS`]); may move the
    /// widget's placement.
    fn compile(spec: &Self::Spec, ctx: &mut Ctx, placement: &mut Placement) -> Self;

    /// Its size, which its layer has when it is drawn.
    fn size(&self) -> (u32, u32);
}

/// The widget kind of a [`Drawing`]: `kinds.register_kind::<Drawn<Gauge>>()`.
pub struct Drawn<D>(PhantomData<fn() -> D>);

impl<D: Drawing> Kind for Drawn<D> {
    const NAME: &'static str = D::NAME;
    // A drawing is a function of its fields: it changes only when they do.
    const STILL: bool = true;
    type Spec = D::Spec;
    type Compiled = D;

    fn compile(spec: &D::Spec, ctx: &mut Ctx, placement: &mut Placement) -> D {
        D::compile(spec, ctx, placement)
    }

    fn size(compiled: &D) -> (u32, u32) {
        compiled.size()
    }

    fn spawn(compiled: &D, entity: &mut EntityWorldMut) {
        entity.insert(compiled.clone());
    }

    fn systems(app: &mut App) {
        if !D::FIELDS.is_empty() {
            bind::add_apply::<D>(app);
        }
        app.add_systems(
            crate::app::TickSchedule,
            draw_changed::<D>.in_set(RenderSet::Draw),
        );
    }
}

/// Redraws the widgets of `D` whose fields changed or that were just shown.
pub fn draw_changed<D: Drawing>(mut q: ToDraw<D>, fb: Res<FrameBuffer>, stats: Res<RenderStats>) {
    let mode = fb.mode();
    redraw_changed(&mut q, &stats, |d, wl| {
        let (w, h) = d.size();
        let layer = wl.pixels_mut();
        layer.reset(w, h, mode);
        d.draw(layer);
    });
}
