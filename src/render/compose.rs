//! Composition: the visible widget layers blitted in z-order into the frame buffer,
//! clipped by their parents, redrawing only the damaged rectangles.
//!
//! A widget is an entity with a [`Placement`] (where its anchor point sits inside its
//! parent), a [`WidgetLayer`] (its pixels, drawn by its kind's draw system only when its
//! content changes) and a [`Visible`] flag. Parents are bevy's `ChildOf` relation; a
//! parent with [`ClipsChildren`] (a canvas) clips its children to its own rectangle.
//! Motion changes only a `Placement` (or a layer offset), so it costs a clipped blit, not
//! a redraw.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bevy_ecs::prelude::*;

use super::color::Color;
use super::damage::Merger;
use super::framebuffer::FrameBuffer;
use super::geometry::{Anchor, Rect};
use super::layer::Layer;

/// Where a widget sits in its parent: its anchor point at (x, y), drawn in `z` order.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Placement {
    /// Horizontal position of the anchor point.
    pub x: i32,
    /// Vertical position of the anchor point.
    pub y: i32,
    /// Which point of the widget (x, y) names.
    pub anchor: Anchor,
    /// Stacking order among siblings (higher is drawn later, on top).
    pub z: i32,
    /// Order of appearance in the scene (ties in `z` keep scene order).
    pub order: u32,
}

/// A widget's pixels; its kind's draw system redraws it when the content changes.
#[derive(Component, Debug, Clone, Default, PartialEq, Eq)]
pub struct WidgetLayer {
    /// The pixels, in the display's mode; shared with render-ahead snapshots (copied on
    /// write, so a snapshot never sees a redraw).
    pub layer: Arc<Layer>,
    /// Offset of the layer from the placed box's top-left (lets a line extend left/up, or a
    /// scroller move its content).
    pub offset: (i32, i32),
    /// A second copy of the layer this far from the first (a looping marquee), if any.
    pub repeat: Option<(i32, i32)>,
    /// Bumped each time the pixels are redrawn (motion restarts on new content).
    pub generation: u64,
    /// How transparent the widget and its subtree are (0 = opaque, 255 = invisible); fades.
    pub transparency: u8,
    /// The part of the layer its last redraw changed, when the draw system knows it is
    /// less than the whole (a text whose last digit changed); `None` = all of it. Set
    /// to `None` before each redraw.
    pub dirty: Option<Rect>,
}

impl WidgetLayer {
    /// The pixels to redraw (copied first if a snapshot still holds them).
    pub fn pixels_mut(&mut self) -> &mut Layer {
        Arc::make_mut(&mut self.layer)
    }
}

/// Whether a widget (and so its subtree) is shown.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visible(pub bool);

impl Default for Visible {
    fn default() -> Self {
        Visible(true)
    }
}

/// Marks a parent (a canvas) whose children are clipped to its rectangle.
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct ClipsChildren;

/// The colour behind every widget.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Background(pub Color);

impl Default for Background {
    fn default() -> Self {
        Background(Color::BLACK)
    }
}

/// Counters of rendering work, for tests and benchmarks.
#[derive(Resource, Debug, Default)]
pub struct RenderStats {
    /// Widget layers redrawn (content changes).
    pub redraws: AtomicU64,
    /// Ticks whose composition did any work.
    pub composed_ticks: AtomicU64,
    /// Pixels of damage composed.
    pub composed_pixels: AtomicU64,
}

impl RenderStats {
    /// Counts one redrawn layer (called by draw systems).
    pub fn count_redraw(&self) {
        self.redraws.fetch_add(1, Ordering::Relaxed);
    }

    /// Layers redrawn so far.
    pub fn redraws(&self) -> u64 {
        self.redraws.load(Ordering::Relaxed)
    }
}

/// One visible widget, as composed this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrawItem {
    /// The widget.
    pub entity: Entity,
    /// Where its layer's top-left lands in the frame (unclipped).
    pub origin: (i32, i32),
    /// The rectangle it may paint: its ancestors' clips ∩ the frame.
    pub clip: Rect,
    /// Its layer's rectangle within `clip` (what it covers on screen), with its repeat.
    pub shown: Rect,
    /// Offset of the layer's second copy, if any.
    pub repeat: Option<(i32, i32)>,
    /// Opacity inherited down the tree (255 = opaque).
    pub opacity: u8,
    /// Its layer's generation (redraw count) when composed.
    pub generation: u64,
    /// What its last redraw changed, in frame coordinates (unclipped); `None` = all of it.
    pub dirty: Option<Rect>,
}

/// The visible widgets in paint order, as of the last composition.
#[derive(Resource, Debug, Default)]
pub struct DrawList {
    /// Items in paint order (back to front).
    pub items: Vec<DrawItem>,
    previous: Vec<DrawItem>,
    composed_once: bool,
}

/// What `compose` needs of one widget.
type NodeData<'a> = (
    &'a Placement,
    &'a WidgetLayer,
    &'a Visible,
    Option<&'a Children>,
    Has<ClipsChildren>,
);

/// Filter: a widget's place, visibility or parent changed since the last composition
/// (anything but its layer's pixels).
type Moved = Or<(Changed<Placement>, Changed<Visible>, Changed<ChildOf>)>;

/// Filter: something about a widget changed since the last composition.
type AnyChange = Or<(
    Changed<Placement>,
    Changed<WidgetLayer>,
    Changed<Visible>,
    Changed<ChildOf>,
)>;

/// Whether any widget changed since the last composition, asked one component at a time:
/// a filter on one component scans its change ticks in a tight loop, where the `Or` of
/// [`AnyChange`] tests every entity four times over.
#[derive(bevy_ecs::system::SystemParam)]
pub struct AnyChanged<'w, 's> {
    layer: Query<'w, 's, (), Changed<WidgetLayer>>,
    placement: Query<'w, 's, (), Changed<Placement>>,
    visible: Query<'w, 's, (), Changed<Visible>>,
    parent: Query<'w, 's, (), Changed<ChildOf>>,
}

impl AnyChanged<'_, '_> {
    /// True when some widget changed.
    pub fn any(&self) -> bool {
        !(self.layer.is_empty()
            && self.placement.is_empty()
            && self.visible.is_empty()
            && self.parent.is_empty())
    }
}

/// The widget tree as composition reads it: its roots, each node's data, and what changed
/// in it since the last composition.
#[derive(bevy_ecs::system::SystemParam)]
pub struct WidgetTree<'w, 's> {
    roots: Query<'w, 's, (Entity, &'static Placement), Without<ChildOf>>,
    nodes: Query<'w, 's, NodeData<'static>>,
    changed: Query<'w, 's, Entity, AnyChange>,
    quick: AnyChanged<'w, 's>,
    moved: Query<'w, 's, (), Moved>,
    removed: RemovedComponents<'w, 's, WidgetLayer>,
}

/// Rebuilds the draw list when any widget changed and works out this tick's damage (the
/// paint step, [`crate::render::paint::paint`], fills it in).
pub fn compose(
    mut fb: ResMut<FrameBuffer>,
    background: Res<Background>,
    mut list: ResMut<DrawList>,
    stats: Res<RenderStats>,
    mut tree: WidgetTree,
    mut scratch: Local<Scratch>,
) {
    let WidgetTree {
        roots,
        nodes,
        changed,
        quick,
        moved,
        removed,
    } = &mut tree;
    fb.clear_damage();
    let removed_any = removed.read().count() > 0;
    if list.composed_once && !removed_any && !quick.any() && !background.is_changed() {
        return;
    }
    let list = &mut *list;
    std::mem::swap(&mut list.items, &mut list.previous);
    list.items.clear();
    let frame = fb.bounds();
    let scratch = &mut *scratch;
    scratch.order.clear();
    scratch
        .order
        .extend(roots.iter().map(|(e, p)| (e, (p.z, p.order))));
    scratch.order.sort_by_key(|k| k.1);
    let roots_n = scratch.order.len();
    for i in 0..roots_n {
        let entity = scratch.order[i].0;
        let parent = Parent {
            origin: (0, 0),
            size: (frame.w, frame.h),
            clip: frame,
            opacity: 255,
        };
        collect(entity, parent, nodes, &mut list.items, &mut scratch.order);
    }

    if !list.composed_once || background.is_changed() {
        fb.add_damage(frame);
        list.composed_once = true;
    } else {
        // Damage: old and new places of every changed widget (and of anything that
        // appeared, moved, or vanished with a changed ancestor).
        for (k, item) in list.items.iter().enumerate() {
            let old = find(&list.previous, k, item.entity);
            match old {
                Some(o) if same_place(o, item) && !changed.contains(item.entity) => {}
                // Only its pixels changed, by one redraw that says where: that part;
                // else its old and new rectangles.
                Some(o) => match repainted(o, item).filter(|_| !moved.contains(item.entity)) {
                    Some(part) => fb.add_damage(part),
                    None => {
                        if o.shown != item.shown {
                            fb.add_damage(o.shown);
                        }
                        fb.add_damage(item.shown);
                    }
                },
                None => fb.add_damage(item.shown),
            }
        }
        for (k, old) in list.previous.iter().enumerate() {
            if find(&list.items, k, old.entity).is_none() {
                fb.add_damage(old.shown);
            }
        }
    }
    scratch.merger.merge_into(fb.damage(), &mut scratch.damage);
    fb.clear_damage();
    let mut pixels = 0;
    for rect in &scratch.damage {
        pixels += rect.area();
        fb.add_damage(*rect);
    }
    stats.composed_ticks.fetch_add(1, Ordering::Relaxed);
    stats.composed_pixels.fetch_add(pixels, Ordering::Relaxed);
}

/// Recomposes one rectangle of the frame: the background, then every item that overlaps
/// it, in paint order, clipped to it. Items come with their layers.
pub fn paint_rect<'a>(
    fb: &mut FrameBuffer,
    background: Color,
    rect: Rect,
    items: impl Iterator<Item = (&'a DrawItem, &'a Layer)>,
) {
    fb.fill_rect(rect, background);
    for (item, layer) in items {
        if !item.shown.overlaps(&rect) {
            continue;
        }
        let clip = item.clip.intersect(&rect);
        fb.blit_faded(layer, item.origin.0, item.origin.1, clip, item.opacity);
        if let Some((dx, dy)) = item.repeat {
            fb.blit_faded(
                layer,
                item.origin.0 + dx,
                item.origin.1 + dy,
                clip,
                item.opacity,
            );
        }
    }
}

/// The part of the clip a layer at `origin` (with its repeat) covers.
pub fn shown_of(
    origin: (i32, i32),
    size: (u32, u32),
    clip: Rect,
    repeat: Option<(i32, i32)>,
) -> Rect {
    let rect = Rect::new(origin.0, origin.1, size.0, size.1);
    match repeat {
        Some((dx, dy)) => rect
            .intersect(&clip)
            .union(&rect.offset(dx, dy).intersect(&clip)),
        None => rect.intersect(&clip),
    }
}

/// What a widget inherits from its parent when it is placed.
#[derive(Debug, Clone, Copy)]
struct Parent {
    origin: (i32, i32),
    size: (u32, u32),
    clip: Rect,
    opacity: u8,
}

/// Appends `entity` and its visible subtree to `out` in paint order.
fn collect(
    entity: Entity,
    parent: Parent,
    nodes: &Query<NodeData>,
    out: &mut Vec<DrawItem>,
    order: &mut Vec<(Entity, (i32, u32))>,
) {
    let Ok((placement, wl, visible, children, clips)) = nodes.get(entity) else {
        return;
    };
    let opacity = (u32::from(parent.opacity) * u32::from(255 - wl.transparency) / 255) as u8;
    if !visible.0 || opacity == 0 {
        return;
    }
    let (w, h) = (wl.layer.width(), wl.layer.height());
    let (bx, by) = placement
        .anchor
        .place(placement.x, placement.y, w, h, parent.size);
    let origin = (
        parent
            .origin
            .0
            .saturating_add(bx)
            .saturating_add(wl.offset.0),
        parent
            .origin
            .1
            .saturating_add(by)
            .saturating_add(wl.offset.1),
    );
    let clip = parent.clip;
    let rect = Rect::new(origin.0, origin.1, w, h);
    let shown = shown_of(origin, (w, h), clip, wl.repeat);
    out.push(DrawItem {
        entity,
        origin,
        clip,
        shown,
        repeat: wl.repeat,
        opacity,
        generation: wl.generation,
        dirty: wl.dirty.map(|d| d.offset(origin.0, origin.1)),
    });
    if let Some(children) = children {
        let child_clip = if clips { clip.intersect(&rect) } else { clip };
        // The children, sorted, on top of the shared `order` stack (no allocation).
        let start = order.len();
        order.extend(
            children
                .iter()
                .filter_map(|c| nodes.get(c).ok().map(|n| (c, (n.0.z, n.0.order)))),
        );
        order[start..].sort_by_key(|k| k.1);
        let end = order.len();
        let inherited = Parent {
            origin,
            size: (w, h),
            clip: child_clip,
            opacity,
        };
        for i in start..end {
            let child = order[i].0;
            collect(child, inherited, nodes, out, order);
        }
        order.truncate(start);
    }
}

/// True when an item is where it was, as large and as opaque.
fn same_place(old: &DrawItem, item: &DrawItem) -> bool {
    old.shown == item.shown && old.origin == item.origin && old.opacity == item.opacity
}

/// The part of the frame that changed when an item in the same place (and clip, without
/// a repeat) was redrawn once since `old`, by a redraw that said which part; `None` when
/// its whole rectangle must be repainted.
fn repainted(old: &DrawItem, item: &DrawItem) -> Option<Rect> {
    let once = same_place(old, item)
        && old.clip == item.clip
        && old.repeat.is_none()
        && item.repeat.is_none()
        && item.generation == old.generation.wrapping_add(1);
    item.dirty
        .filter(|_| once)
        .map(|d| d.intersect(&item.shown))
}

/// The item of `entity` in `items`, looked for first at index `k` (paint order rarely changes).
fn find(items: &[DrawItem], k: usize, entity: Entity) -> Option<&DrawItem> {
    match items.get(k) {
        Some(i) if i.entity == entity => Some(i),
        _ => items.iter().find(|i| i.entity == entity),
    }
}

/// Buffers `compose` reuses from tick to tick.
#[derive(Debug, Default)]
pub struct Scratch {
    order: Vec<(Entity, (i32, u32))>,
    damage: Vec<Rect>,
    merger: Merger,
}
