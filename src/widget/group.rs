//! Grouping widgets: `Index` (a binding picks which child is shown) and `Stack`
//! (children laid out in a row or column with a gap).

use bevy_ecs::prelude::*;
use serde::Deserialize;

use super::{NumberOrExpr, widget_spec};
use crate::render::compose::{Placement, Visible, WidgetLayer};
use crate::render::{Anchor, FrameBuffer};
use crate::widget::compile::Ctx;
use crate::widget::kind::WidgetSpec;

widget_spec! {
    /// An index in a scene: shows only child number `select` (from 0):
    /// `Index(width: 16, height: 16, select: "weather.code", children: [...])`.
    pub struct IndexSpec {
        /// The child shown: a number or an expression; out of range shows none.
        #[serde(default = "zero")]
        pub select: NumberOrExpr,
        /// The choices.
        #[serde(default)]
        pub children: Vec<WidgetSpec>,
    }
}

fn zero() -> NumberOrExpr {
    NumberOrExpr::Number(0.0)
}

/// Which child of an index is shown.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Index {
    /// Area size.
    pub size: (u32, u32),
    /// The child shown (None: none).
    pub selected: Option<usize>,
}

/// Turns a selection value into a child number.
pub fn selection(v: f64) -> Option<usize> {
    (v.is_finite() && v >= 0.0).then_some(v as usize)
}

/// Checks a scene index and makes its component.
pub fn compile_index(spec: &IndexSpec, ctx: &mut Ctx) -> Index {
    let size = ctx.required_size(spec.width, spec.height);
    let v = ctx.number_or_binding("select", &spec.select, -1.0);
    Index {
        size,
        selected: selection(v),
    }
}

/// Which way a stack lays out its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    /// Left to right (the default).
    #[default]
    Horizontal,
    /// Top to bottom.
    Vertical,
}

widget_spec! {
    /// A stack in a scene: children one after the other, `gap` pixels apart:
    /// `Stack(x: 2, y: 2, direction: horizontal, gap: 4, children: [...])`.
    /// Children's own x/y are ignored; hidden children take no room.
    pub struct StackSpec {
        /// horizontal (default) or vertical.
        #[serde(default)]
        pub direction: Axis,
        /// Pixels between children (default 0).
        #[serde(default)]
        pub gap: u32,
        /// The children, in order.
        #[serde(default)]
        pub children: Vec<WidgetSpec>,
    }
}

/// A stack's layout settings.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stack {
    /// Row or column.
    pub direction: Axis,
    /// Pixels between children.
    pub gap: u32,
}

/// Makes a stack's component.
pub fn compile_stack(spec: &StackSpec) -> Stack {
    Stack {
        direction: spec.direction,
        gap: spec.gap,
    }
}

/// The `Index` kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct IndexKind;

impl crate::widget::kind::Kind for IndexKind {
    const NAME: &'static str = "Index";
    const STILL: bool = true;
    type Spec = IndexSpec;
    type Compiled = Index;

    fn compile(
        spec: &IndexSpec,
        ctx: &mut Ctx,
        _placement: &mut crate::render::compose::Placement,
    ) -> Index {
        compile_index(spec, ctx)
    }

    fn size(compiled: &Index) -> (u32, u32) {
        compiled.size
    }

    fn spawn(compiled: &Index, entity: &mut bevy_ecs::world::EntityWorldMut) {
        crate::widget::canvas::spawn_clipping(entity, *compiled, compiled.size, None);
    }

    fn children(spec: &IndexSpec) -> crate::widget::kind::Children<'_> {
        crate::widget::kind::Children::Inside(&spec.children)
    }

    fn systems(app: &mut bevy_app::App) {
        // An index is a canvas.
        crate::widget::kind::require::<crate::widget::canvas::CanvasKind>(app);
        crate::widget::bind::add_apply::<Index>(app);
        app.add_systems(
            crate::app::TickSchedule,
            show_index.in_set(crate::app::TickSet::Animate),
        );
    }
}

impl crate::widget::bind::BindFields for Index {
    const FIELDS: &'static [crate::widget::bind::Field<Self>] =
        &[crate::widget::bind::Field::new("select", |this, value| {
            let selected = value.as_f64().and_then(selection);
            crate::widget::bind::set_if_changed(this, |i| &mut i.selected, selected);
            Ok(())
        })];
}

/// The `Stack` kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct StackKind;

impl crate::widget::kind::Kind for StackKind {
    const NAME: &'static str = "Stack";
    const STILL: bool = true;
    type Spec = StackSpec;
    type Compiled = Stack;

    fn compile(
        spec: &StackSpec,
        _ctx: &mut Ctx,
        _placement: &mut crate::render::compose::Placement,
    ) -> Stack {
        compile_stack(spec)
    }

    fn size(_compiled: &Stack) -> (u32, u32) {
        (0, 0)
    }

    fn spawn(compiled: &Stack, entity: &mut bevy_ecs::world::EntityWorldMut) {
        entity.insert(*compiled);
    }

    fn children(spec: &StackSpec) -> crate::widget::kind::Children<'_> {
        crate::widget::kind::Children::Beside(&spec.children)
    }

    fn systems(app: &mut bevy_app::App) {
        app.add_systems(
            crate::app::TickSchedule,
            layout_stacks.in_set(crate::render::RenderSet::Layout),
        );
    }
}

/// Shows only the selected child of each index whose selection changed.
pub fn show_index(
    indexes: Query<(&Index, &Children), Changed<Index>>,
    mut visible: Query<&mut Visible>,
) {
    for (index, children) in &indexes {
        for (i, child) in children.iter().enumerate() {
            if let Ok(mut v) = visible.get_mut(child) {
                let shown = index.selected == Some(i);
                if v.0 != shown {
                    v.0 = shown;
                }
            }
        }
    }
}

/// Places each stack's visible children one after the other and sizes the stack to fit.
pub fn layout_stacks(
    fb: Res<FrameBuffer>,
    mut stacks: Query<(&Stack, &Children, &mut WidgetLayer)>,
    mut kids: Query<(&mut Placement, &WidgetLayer, &Visible), Without<Stack>>,
) {
    for (stack, children, mut own) in &mut stacks {
        let (mut pos, mut cross) = (0i32, 0u32);
        for child in children.iter() {
            let Ok((mut placement, wl, visible)) = kids.get_mut(child) else {
                continue;
            };
            if !visible.0 {
                continue;
            }
            let (w, h) = (wl.layer.width(), wl.layer.height());
            let (x, y) = match stack.direction {
                Axis::Horizontal => (pos, 0),
                Axis::Vertical => (0, pos),
            };
            if (placement.x, placement.y, placement.anchor) != (x, y, Anchor::Lt) {
                placement.x = x;
                placement.y = y;
                placement.anchor = Anchor::Lt;
            }
            let (along, across) = match stack.direction {
                Axis::Horizontal => (w, h),
                Axis::Vertical => (h, w),
            };
            pos += along as i32 + stack.gap as i32;
            cross = cross.max(across);
        }
        let length = (pos - stack.gap as i32).max(0) as u32;
        let (w, h) = match stack.direction {
            Axis::Horizontal => (length, cross),
            Axis::Vertical => (cross, length),
        };
        if (own.layer.width(), own.layer.height()) != (w, h) {
            own.pixels_mut().reset(w, h, fb.mode());
        }
    }
}
