//! Widget kinds: one module each, holding its scene type, its components and its draw system.
//!
//! Every widget is an entity with a [`Placement`](crate::render::compose::Placement), a
//! [`WidgetLayer`](crate::render::compose::WidgetLayer), a
//! [`Visible`](crate::render::compose::Visible) flag and its kind's component. A kind's
//! draw system redraws the layer only when the kind's component changed (bevy change
//! detection), in parallel across widgets. A kind that is only a drawing (the rectangle,
//! the line, the progress bar, a user's gauge) implements [`drawing::Drawing`] (or
//! declares its fields with [`drawing!`](crate::drawing)) and is registered as
//! [`drawing::Drawn`]; the others implement [`kind::Kind`], whose `systems` add their draw
//! system (in [`RenderSet::Draw`](crate::render::RenderSet::Draw)) and the apply of their
//! bound fields ([`bind::BindFields`]). Either way they are registered with
//! [`kinds::KindsExt::register_kind`].

pub mod bind;
pub mod canvas;
pub mod compile;
pub mod declare;
pub mod drawing;
pub mod graph;
pub mod group;
pub mod image;
pub mod kind;
pub mod kinds;
pub mod line;
pub mod marquee;
pub mod paged;
pub mod progress;
pub mod rectangle;
pub mod remote;
pub mod sequence;
pub mod setup;
pub mod text;

use bevy_app::{App, Plugin};
use bevy_ecs::component::Mutable;
use bevy_ecs::prelude::*;

use crate::render::{Anchor, RenderPlugin};

/// The widgets of kind `K` to draw this tick: their content changed, or they were just
/// shown. A draw system takes this query and skips the hidden ones.
pub type ToDraw<'w, 's, K> = Query<
    'w,
    's,
    (
        &'static K,
        &'static mut crate::render::compose::WidgetLayer,
        &'static crate::render::compose::Visible,
    ),
    Or<(Changed<K>, Changed<crate::render::compose::Visible>)>,
>;

/// Changed widgets of one kind below which a draw system draws on the tick thread: waking
/// the worker threads costs more than drawing a few small layers.
pub const PARALLEL_FROM: usize = 8;

/// Redraws every shown widget of `q` with `draw` (bumping its layer's generation and the
/// redraw count): inline for a few, in parallel for many, not at all on an idle tick.
pub fn redraw_changed<K: Component>(
    q: &mut ToDraw<K>,
    stats: &crate::render::compose::RenderStats,
    draw: impl Fn(&K, &mut crate::render::compose::WidgetLayer) + Send + Sync + Clone,
) {
    // A hidden widget costs nothing; it is drawn when it is shown again.
    let shown = q.iter().filter(|(_, _, visible)| visible.0).count();
    if shown == 0 {
        return;
    }
    let body = |(k, mut wl, visible): (
        &K,
        Mut<crate::render::compose::WidgetLayer>,
        &crate::render::compose::Visible,
    )| {
        if visible.0 {
            redrawn(&mut wl, stats, |wl| draw(k, wl));
        }
    };
    if shown < PARALLEL_FROM {
        q.iter_mut().for_each(body);
    } else {
        q.par_iter_mut().for_each(body);
    }
}

/// [`ToDraw`] with a component `R` the draw system keeps beside the layer (what it drew
/// last, to redraw only what changed).
pub type ToDrawWith<'w, 's, K, R> = Query<
    'w,
    's,
    (
        &'static K,
        &'static mut crate::render::compose::WidgetLayer,
        &'static crate::render::compose::Visible,
        &'static mut R,
    ),
    Or<(Changed<K>, Changed<crate::render::compose::Visible>)>,
>;

/// [`redraw_changed`] for a [`ToDrawWith`] query: `draw` also gets the widget's `R`.
pub fn redraw_changed_with<K: Component, R: Component<Mutability = Mutable>>(
    q: &mut ToDrawWith<K, R>,
    stats: &crate::render::compose::RenderStats,
    draw: impl Fn(&K, &mut crate::render::compose::WidgetLayer, &mut R) + Send + Sync + Clone,
) {
    let shown = q.iter().filter(|(_, _, visible, _)| visible.0).count();
    if shown == 0 {
        return;
    }
    let body = |(k, mut wl, visible, mut r): (
        &K,
        Mut<crate::render::compose::WidgetLayer>,
        &crate::render::compose::Visible,
        Mut<R>,
    )| {
        if visible.0 {
            redrawn(&mut wl, stats, |wl| {
                draw(k, wl, r.bypass_change_detection())
            });
        }
    };
    if shown < PARALLEL_FROM {
        q.iter_mut().for_each(body);
    } else {
        q.par_iter_mut().for_each(body);
    }
}

/// Runs one redraw: the layer's dirty part forgotten first (the whole layer unless `draw`
/// says less), its generation and the redraw count bumped after.
fn redrawn(
    wl: &mut Mut<crate::render::compose::WidgetLayer>,
    stats: &crate::render::compose::RenderStats,
    draw: impl FnOnce(&mut crate::render::compose::WidgetLayer),
) {
    wl.dirty = None;
    draw(wl);
    wl.generation = wl.generation.wrapping_add(1);
    stats.count_redraw();
}

/// Fields every widget has in a scene, whatever its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    /// x of the anchor point in the parent.
    pub x: i32,
    /// y of the anchor point in the parent.
    pub y: i32,
    /// Which point of the widget (x, y) names.
    pub anchor: Anchor,
    /// Stacking order among siblings.
    pub z: i32,
    /// Width (required for shapes and canvases; for text, a fixed box width).
    pub width: Option<u32>,
    /// Height (likewise).
    pub height: Option<u32>,
    /// Shown at start.
    pub visible: bool,
    /// Visibility condition (an expression over the dataset).
    pub when: Option<String>,
    /// Slide motion, if any.
    pub slide: Option<crate::timeline::Slide>,
    /// Condition the widget's motion runs under (an expression over the dataset).
    pub run_when: Option<String>,
    /// What its motion does while `run_when` is false.
    pub hold: crate::timeline::place::Hold,
}

/// A number in a scene, or an expression over the dataset that computes it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(untagged)]
pub enum NumberOrExpr {
    /// A fixed number.
    Number(f64),
    /// An expression, e.g. `"mpd.elapsed / mpd.duration"`.
    Expr(String),
}

impl NumberOrExpr {
    /// The fixed number, or `fallback` for an expression (until it is evaluated).
    pub fn initial(&self, fallback: f64) -> f64 {
        match self {
            NumberOrExpr::Number(n) => *n,
            NumberOrExpr::Expr(_) => fallback,
        }
    }
}

/// True when a scene string is a template (`{{ … }}` or `{% … %}`) rather than a literal.
pub fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

/// Gives the fields all widget specs share.
pub trait WidgetSpecCommon {
    /// The shared placement and size fields.
    fn common(&self) -> Common;
    /// The widget's `name`, if it has one.
    fn name(&self) -> Option<&str>;
}

/// serde default for `visible` (used by [`widget_spec!`](crate::widget_spec)).
#[doc(hidden)]
pub fn yes() -> bool {
    true
}

/// serde default for line widths.
pub(crate) fn one() -> u32 {
    1
}

/// Declares a widget's scene type: the given fields plus the fields every widget has
/// (`name`, `x`, `y`, `anchor`, `z`, `width`, `height`, `visible`, `when`, `slide`,
/// `run_when`, `hold`). A
/// user's kind declares its spec with it too (`tinydisplay::widget_spec! { … }`).
#[macro_export]
macro_rules! widget_spec {
    ($(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
        pub struct $name {
            /// A name to refer to the widget by (optional).
            #[serde(default)]
            pub name: Option<String>,
            /// x of the anchor point in the parent (default 0).
            #[serde(default)]
            pub x: i32,
            /// y of the anchor point in the parent (default 0).
            #[serde(default)]
            pub y: i32,
            /// Which point of the widget (x, y) names: lt (default), mt, rt, lm, mm, rm, lb, mb, rb.
            #[serde(default)]
            pub anchor: $crate::render::Anchor,
            /// Stacking order among siblings (default 0; ties keep scene order).
            #[serde(default)]
            pub z: i32,
            /// Width in pixels.
            #[serde(default)]
            pub width: Option<u32>,
            /// Height in pixels.
            #[serde(default)]
            pub height: Option<u32>,
            /// Shown at start (default true).
            #[serde(default = "::tinydisplay::widget::yes")]
            pub visible: bool,
            /// An expression over the dataset; the widget is hidden while it is false
            /// (`when: "mpd.state == 'play'"`).
            #[serde(default)]
            pub when: Option<String>,
            /// Moves the widget and (optionally) back, with pauses:
            /// `slide: (by: (40, 0), duration: 30, pause: 60, easing: ease_in_out)`.
            #[serde(default)]
            pub slide: Option<$crate::timeline::Slide>,
            /// An expression over the dataset; the widget's motion (its `slide`, a
            /// marquee's or popup's scroll or `actions`) runs only while it is true
            /// (`run_when: "mpd.state == 'play'"`).
            #[serde(default)]
            pub run_when: Option<String>,
            /// What the motion does while `run_when` is false: `reset` (back to its
            /// start, the default) or `freeze` (stays where it is, goes on from there).
            #[serde(default)]
            pub hold: $crate::timeline::place::Hold,
            $($fields)*
        }

        impl $crate::widget::WidgetSpecCommon for $name {
            fn common(&self) -> $crate::widget::Common {
                $crate::widget::Common {
                    x: self.x,
                    y: self.y,
                    anchor: self.anchor,
                    z: self.z,
                    width: self.width,
                    height: self.height,
                    visible: self.visible,
                    when: self.when.clone(),
                    slide: self.slide,
                    run_when: self.run_when.clone(),
                    hold: self.hold,
                }
            }

            fn name(&self) -> Option<&str> {
                self.name.as_deref()
            }
        }
    };
}
pub use crate::widget_spec;

/// Registers the built-in kinds, one line each, in the order scenes' error messages list
/// them (a user's kind is registered with [`kinds::KindsExt::register_kind`]).
pub(crate) fn register_builtins(add: &mut dyn FnMut(kind::Entry)) {
    for entry in [
        kind::entry::<text::TextKind>(),
        kind::entry::<image::ImageKind>(),
        kind::entry::<drawing::Drawn<rectangle::Rectangle>>(),
        kind::entry::<drawing::Drawn<line::Line>>(),
        kind::entry::<drawing::Drawn<progress::ProgressBar>>(),
        kind::entry::<graph::GraphKind>(),
        kind::entry::<canvas::CanvasKind>(),
        kind::entry::<marquee::MarqueeKind>(),
        kind::entry::<marquee::PopupKind>(),
        kind::entry::<sequence::SequenceKind>(),
        kind::entry::<group::IndexKind>(),
        kind::entry::<group::StackKind>(),
    ] {
        add(entry);
    }
}

/// Adds the apply of every widget's `when` and the [`RenderPlugin`] if it is not there
/// yet; the systems of the kinds a scene has widgets of come with its widgets
/// ([`kind::add_spawned`]).
#[derive(Debug, Default)]
pub struct WidgetPlugin;

impl Plugin for WidgetPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<RenderPlugin>() {
            app.add_plugins(RenderPlugin);
        }
        bind::add_apply::<crate::render::compose::Visible>(app);
        bind::add_apply::<crate::timeline::place::RunGate>(app);
        app.init_resource::<kind::KindSystems>();
        app.init_resource::<kinds::Kinds>();
        app.add_systems(
            crate::app::TickSchedule,
            wake_for_undeclared.in_set(crate::app::PlanWake),
        );
    }
}

/// Widgets that neither are still nor say when they next change.
pub type Undeclared = (
    With<crate::render::compose::WidgetLayer>,
    Without<crate::app::wake::Still>,
    Without<crate::app::wake::Declared>,
);

/// A widget whose kind neither is still ([`kind::Kind::STILL`]) nor says when it next
/// changes ([`crate::app::wake::Declared`]) may change at any tick: the runner wakes
/// every tick while there is one (tickless idle stays correct for a user's kind).
pub fn wake_for_undeclared(q: Query<(), Undeclared>, mut plan: ResMut<crate::app::WakePlan>) {
    if !q.is_empty() {
        plan.every_tick();
    }
}
