//! Widget kinds: what a kind is ([`Kind`]) and the registry scenes name kinds from.
//!
//! A kind says the name a scene writes, the type serde reads its fields into, how it is
//! checked (problems at their field), its size, how it is spawned, and the systems it
//! runs (its draw system, the apply of its bound fields). The built-in kinds and a
//! user's kinds take exactly the same path: a type implementing [`Kind`], registered on
//! the app's [`Kinds`](super::kinds::Kinds) that a scene naming it is read with (see
//! [`super::kinds`]); the registry of kinds ([`WidgetKinds`]) is a value an app holds,
//! not a global. `examples/custom_widget.rs` adds a gauge as a
//! [`Drawn`](super::drawing::Drawn) drawing.
//!
//! An app runs the systems of the kinds it has widgets of, not of every registered kind:
//! each system costs a little every tick even with nothing to do. Spawning a widget notes
//! its kind ([`KindSystems`]); the scene's plugin adds the systems of the kinds its
//! widgets have, and a scene swapped in while the engine runs has the tick add those of
//! its new kinds once it ends ([`AfterTick`](crate::app::AfterTick)): such widgets show
//! from the next tick.

use std::any::Any;
use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::Arc;

use bevy_app::App;
use bevy_ecs::prelude::{Resource, World};
use bevy_ecs::world::EntityWorldMut;
use serde::de::DeserializeOwned;

use super::compile::Ctx;
use super::setup::SceneSetup;
use super::{Common, WidgetSpecCommon};
use crate::registry::{Registry, Scope, current};
use crate::render::compose::Placement;

/// A widget kind (see the module docs). A kind that is only a drawing implements
/// [`Drawing`](super::drawing::Drawing) instead and registers as
/// [`Drawn`](super::drawing::Drawn); a kind with its own components, children or systems
/// implements this.
///
/// ```
/// use bevy_ecs::world::EntityWorldMut;
/// use tinydisplay::prelude::*;
/// use tinydisplay::widget::compile::Ctx;
/// use tinydisplay::widget::drawing::Drawn;
/// use tinydisplay::widget::kind::{Kind, require};
/// use tinydisplay::widget::rectangle::Rectangle;
///
/// tinydisplay::widget_spec! {
///     /// A square's fields: `Square(side: 4)`.
///     pub struct SquareSpec {
///         /// Its side in pixels (default 0).
///         #[serde(default)]
///         pub side: u32,
///     }
/// }
///
/// /// A square: a rectangle outline with one `side`, drawn by the `Rectangle` kind's systems.
/// struct SquareKind;
///
/// impl Kind for SquareKind {
///     const NAME: &'static str = "Square";
///     type Spec = SquareSpec;
///     type Compiled = Rectangle;
///
///     fn compile(spec: &SquareSpec, ctx: &mut Ctx, _: &mut Placement) -> Rectangle {
///         if spec.side == 0 {
///             ctx.error(Some("side"), "a square needs a side of at least 1");
///         }
///         let outline = Some(ctx.foreground);
///         Rectangle { size: (spec.side, spec.side), outline, fill: None, line_width: 1 }
///     }
///     fn size(r: &Rectangle) -> (u32, u32) {
///         r.size
///     }
///     fn spawn(r: &Rectangle, entity: &mut EntityWorldMut) {
///         entity.insert(r.clone());
///     }
///     fn systems(app: &mut bevy_app::App) {
///         require::<Drawn<Rectangle>>(app);
///     }
/// }
///
/// let kinds = Kinds::builtin().register_kind::<SquareKind>().clone();
/// let src = "Scene(display: (width: 8, height: 8), widgets: [Square(x: 1, y: 1, side: 4)])";
/// let scene = tinydisplay::scene::compile_str_with(src, "square.ron".as_ref(), &kinds)
///     .expect("a scene");
/// let mut app = Engine::new(scene).kinds(kinds).build();
/// run_ticks(&mut app, RunMode::Ticks(1));
/// let fb = app.world().resource::<FrameBuffer>();
/// let lit = |x: usize, y: usize| fb.data()[y * 8 + x] > 0;
/// assert!(lit(1, 1) && lit(4, 4) && !lit(2, 2), "an outline 4 pixels wide at (1, 1)");
/// ```
pub trait Kind: Send + Sync + 'static {
    /// The name a scene writes: `Text(...)`, `Gauge(...)`.
    const NAME: &'static str;
    /// The scene's fields, as serde reads them (declare it with `widget_spec!` to get the
    /// fields every widget has).
    type Spec: DeserializeOwned + Debug + Clone + PartialEq + Send + Sync + WidgetSpecCommon;
    /// The checked widget, ready to spawn.
    type Compiled: Debug + Clone + Send + Sync + 'static;

    /// Checks the fields (report problems with `ctx.error(Some("field"), …)`, bind fields
    /// to data with `ctx.bind_expression`); may move the widget's placement.
    fn compile(spec: &Self::Spec, ctx: &mut Ctx, placement: &mut Placement) -> Self::Compiled;

    /// Its size as far as it is known at load (checked against its parent).
    fn size(compiled: &Self::Compiled) -> (u32, u32);

    /// Inserts its components into the widget's entity.
    fn spawn(compiled: &Self::Compiled, entity: &mut EntityWorldMut);

    /// True when its widgets never change by themselves, only when their data or fields
    /// do: a tickless runner sleeps through them. A kind that moves by itself leaves this
    /// false and fills a [`NextChange`](crate::app::NextChange) (with
    /// [`Declared`](crate::app::wake::Declared)) instead; a kind that does neither makes
    /// the runner wake every tick (default: false).
    const STILL: bool = false;

    /// The children its fields list (default: none).
    fn children(_spec: &Self::Spec) -> Children<'_> {
        Children::None
    }

    /// Files it read at load, for hot reload to watch (default: none).
    fn files(_compiled: &Self::Compiled) -> Vec<PathBuf> {
        Vec::new()
    }

    /// Bytes it holds decoded beside its layer (an image's pixels, a GIF's frames), for
    /// `check`'s memory plan (default: none).
    fn decoded_bytes(_compiled: &Self::Compiled) -> u64 {
        0
    }

    /// Bytes it may come to hold because of the fields bound to data (`bound`, their
    /// names), for the memory plan, with what they are; `screen` is one layer of the
    /// display's size (default: none). An image whose `file` is bound keeps recent files
    /// decoded.
    fn bound_bytes(_bound: &[&str], _screen: u64) -> Option<(u64, &'static str)> {
        None
    }

    /// Adds the scene-wide resources its widgets need when a scene is spawned or swapped
    /// in (the image kind's cache of images fetched from URLs), from the scene's
    /// settings; called for every registered kind, whether the scene has widgets of it
    /// or not (default: nothing).
    fn setup(_world: &mut World, _scene: &SceneSetup) {}

    /// Moves the clocks of its freshly spawned widgets to count from tick 0 although
    /// they first run at a later tick (a seek, `run --start-tick`): a kind whose widgets
    /// keep a state that starts when they first run (a sequence's rotation) marks it
    /// here; called for every registered kind (default: nothing).
    fn start_at(_world: &mut World) {}

    /// Adds the kind's systems to an engine's app: its draw system (in
    /// [`RenderSet::Draw`](crate::render::RenderSet::Draw)), the
    /// [`apply`](super::bind::apply) of its bound fields (in the
    /// [`ApplyBound`](super::bind::ApplyBound) schedule) and anything else it runs
    /// (default: none); a kind whose widgets carry another kind's components calls
    /// [`require`] for that kind. Called once for each app with widgets of the kind.
    fn systems(_app: &mut App) {}
}

/// The children a widget's fields list, and where they are placed.
#[derive(Debug, Clone, Copy)]
pub enum Children<'a> {
    /// None.
    None,
    /// Inside the widget, clipped to it.
    Inside(&'a [WidgetSpec]),
    /// Laid out by the widget but placed in its parent (a stack has no area of its own).
    Beside(&'a [WidgetSpec]),
    /// One child inside a window it may be larger than (a marquee's content).
    Scrolled(&'a WidgetSpec),
    /// Pages shown one at a time, each an area of the widget's size holding its own
    /// widgets (a sequence's); the widget carries [`Paged`](super::paged::Paged).
    Pages(&'a dyn PageList),
}

/// One page of a widget with pages, as the scene tree compiles it: its own fields
/// (checked by [`AnyPage::compile`]) and its widgets.
pub trait AnyPage: Debug + Send + Sync {
    /// The page's `name`.
    fn name(&self) -> Option<&str>;
    /// The page's widgets.
    fn children(&self) -> &[WidgetSpec];
    /// Checks the page's own fields (report problems and bind fields through `ctx`) and
    /// makes its part; every page has the widget's `size`.
    fn compile(&self, ctx: &mut Ctx, size: (u32, u32)) -> CompiledKind;
}

/// The pages a widget lists (see [`Children::Pages`]).
pub trait PageList: Debug + Send + Sync {
    /// The pages, in order.
    fn pages(&self) -> Vec<&dyn AnyPage>;
}

impl<P: AnyPage> PageList for Vec<P> {
    fn pages(&self) -> Vec<&dyn AnyPage> {
        self.iter().map(|p| p as &dyn AnyPage).collect()
    }
}

/// A widget spec of any kind, as the scene tree holds it.
pub trait AnySpec: Debug + Send + Sync {
    /// The kind's name.
    fn kind_name(&self) -> &'static str;
    /// The fields every widget has.
    fn common(&self) -> Common;
    /// The widget's `name`, if it has one.
    fn name(&self) -> Option<&str>;
    /// Checks it (see [`Kind::compile`]).
    fn compile(&self, ctx: &mut Ctx, placement: &mut Placement) -> CompiledKind;
    /// The children it lists.
    fn children(&self) -> Children<'_>;
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn AnySpec>;
    /// Equal to `other` (same kind, same fields).
    fn eq_any(&self, other: &dyn AnySpec) -> bool;
    /// For downcasting to the kind's spec type.
    fn as_any(&self) -> &dyn Any;
}

/// A checked widget of any kind.
pub trait AnyCompiled: Debug + Send + Sync {
    /// Its size as far as it is known at load.
    fn size(&self) -> (u32, u32);
    /// Inserts its components.
    fn spawn(&self, entity: &mut EntityWorldMut);
    /// Files it read at load (default: none).
    fn files(&self) -> Vec<PathBuf> {
        Vec::new()
    }
    /// Bytes it holds decoded beside its layer (default: none).
    fn decoded_bytes(&self) -> u64 {
        0
    }
    /// Bytes its bound fields may come to hold (see [`Kind::bound_bytes`]).
    fn bound_bytes(&self, _bound: &[&str], _screen: u64) -> Option<(u64, &'static str)> {
        None
    }
    /// The registered kind it is of, whose systems its widget needs (default: none, as
    /// for a sequence's page, which its sequence's systems serve).
    fn kind_name(&self) -> Option<&'static str> {
        None
    }
    /// True for a page of a widget with pages (see [`AnyPage`]; default: false).
    fn is_page(&self) -> bool {
        false
    }
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn AnyCompiled>;
}

/// The spec of kind `K`.
struct SpecOf<K: Kind>(K::Spec);

impl<K: Kind> Debug for SpecOf<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<K: Kind> AnySpec for SpecOf<K> {
    fn kind_name(&self) -> &'static str {
        K::NAME
    }
    fn common(&self) -> Common {
        self.0.common()
    }
    fn name(&self) -> Option<&str> {
        self.0.name()
    }
    fn compile(&self, ctx: &mut Ctx, placement: &mut Placement) -> CompiledKind {
        CompiledKind(Box::new(CompiledOf::<K>(K::compile(
            &self.0, ctx, placement,
        ))))
    }
    fn children(&self) -> Children<'_> {
        K::children(&self.0)
    }
    fn clone_box(&self) -> Box<dyn AnySpec> {
        Box::new(SpecOf::<K>(self.0.clone()))
    }
    fn eq_any(&self, other: &dyn AnySpec) -> bool {
        other
            .as_any()
            .downcast_ref::<K::Spec>()
            .is_some_and(|o| *o == self.0)
    }
    fn as_any(&self) -> &dyn Any {
        &self.0
    }
}

/// The compiled widget of kind `K`.
struct CompiledOf<K: Kind>(K::Compiled);

impl<K: Kind> Debug for CompiledOf<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<K: Kind> AnyCompiled for CompiledOf<K> {
    fn size(&self) -> (u32, u32) {
        K::size(&self.0)
    }
    fn spawn(&self, entity: &mut EntityWorldMut) {
        K::spawn(&self.0, entity);
        if K::STILL {
            entity.insert(crate::app::wake::Still);
        }
    }
    fn files(&self) -> Vec<PathBuf> {
        K::files(&self.0)
    }
    fn decoded_bytes(&self) -> u64 {
        K::decoded_bytes(&self.0)
    }
    fn bound_bytes(&self, bound: &[&str], screen: u64) -> Option<(u64, &'static str)> {
        K::bound_bytes(bound, screen)
    }
    fn kind_name(&self) -> Option<&'static str> {
        Some(K::NAME)
    }
    fn clone_box(&self) -> Box<dyn AnyCompiled> {
        Box::new(CompiledOf::<K>(self.0.clone()))
    }
}

/// One widget of the scene tree: a spec of whichever kind the scene names.
#[derive(Debug)]
pub struct WidgetSpec(pub Box<dyn AnySpec>);

impl WidgetSpec {
    /// A widget of kind `K` with these fields.
    pub fn of<K: Kind>(spec: K::Spec) -> WidgetSpec {
        WidgetSpec(Box::new(SpecOf::<K>(spec)))
    }

    /// The widget's `name`, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.0.name()
    }

    /// The kind's name as a scene writes it (`Text`, `Sequence`, …).
    pub fn kind_name(&self) -> &'static str {
        self.0.kind_name()
    }

    /// The fields all kinds share.
    pub fn common(&self) -> Common {
        self.0.common()
    }

    /// The children it lists.
    pub fn children(&self) -> Children<'_> {
        self.0.children()
    }
}

impl Clone for WidgetSpec {
    fn clone(&self) -> Self {
        WidgetSpec(self.0.clone_box())
    }
}

impl PartialEq for WidgetSpec {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_any(&*other.0)
    }
}

/// A checked widget's kind-specific part, ready to spawn.
#[derive(Debug)]
pub struct CompiledKind(pub Box<dyn AnyCompiled>);

impl CompiledKind {
    /// Wraps a compiled value that is not a registered kind's (a sequence's page).
    pub fn new(compiled: impl AnyCompiled + 'static) -> CompiledKind {
        CompiledKind(Box::new(compiled))
    }

    /// Its size as far as it is known at load.
    pub fn size(&self) -> (u32, u32) {
        self.0.size()
    }

    /// Inserts its components.
    pub fn spawn(&self, entity: &mut EntityWorldMut) {
        self.0.spawn(entity);
    }

    /// Files it read at load.
    pub fn files(&self) -> Vec<PathBuf> {
        self.0.files()
    }

    /// Bytes it holds decoded beside its layer (images, GIF frames).
    pub fn decoded_bytes(&self) -> u64 {
        self.0.decoded_bytes()
    }

    /// Bytes its bound fields may come to hold, and what they are (see
    /// [`Kind::bound_bytes`]).
    pub fn bound_bytes(&self, bound: &[&str], screen: u64) -> Option<(u64, &'static str)> {
        self.0.bound_bytes(bound, screen)
    }

    /// The registered kind it is of, if it is one's.
    pub fn kind_name(&self) -> Option<&'static str> {
        self.0.kind_name()
    }

    /// True for a page of a widget with pages.
    pub fn is_page(&self) -> bool {
        self.0.is_page()
    }
}

impl Clone for CompiledKind {
    fn clone(&self) -> Self {
        CompiledKind(self.0.clone_box())
    }
}

/// Reads one kind's spec.
pub(crate) type Reader = crate::registry::Reader<dyn AnySpec>;

/// What the registry keeps of a kind: its name, its reader and its hooks.
pub(crate) struct Entry {
    name: &'static str,
    read: Reader,
    hooks: Hooks,
}

/// A kind's name and the functions the engine calls for it, whatever the scene.
#[derive(Debug, Clone, Copy)]
struct Hooks {
    name: &'static str,
    systems: fn(&mut App),
    setup: fn(&mut World, &SceneSetup),
    start_at: fn(&mut World),
}

/// The hooks of kind `K`.
fn hooks<K: Kind>() -> Hooks {
    Hooks {
        name: K::NAME,
        systems: K::systems,
        setup: K::setup,
        start_at: K::start_at,
    }
}

/// The entry of kind `K`, for [`register_builtins`](super::register_builtins).
pub(crate) fn entry<K: Kind>() -> Entry {
    Entry {
        name: K::NAME,
        read: read::<K>,
        hooks: hooks::<K>(),
    }
}

/// The widget kinds scenes may name (their readers) and the engine's hooks for each: the
/// built-in kinds first, then a user's, in the order they were registered. An app holds
/// one (in [`Kinds`](super::kinds::Kinds)); reading a scene makes it the current one on
/// the reading thread (see [`crate::registry`]).
#[derive(Debug, Clone)]
pub struct WidgetKinds {
    readers: Registry<dyn AnySpec>,
    hooks: Vec<Hooks>,
}

impl WidgetKinds {
    /// The built-in kinds (see [`register_builtins`](super::register_builtins)).
    pub fn builtin() -> WidgetKinds {
        let mut all = Vec::new();
        super::register_builtins(&mut |e| all.push(e));
        WidgetKinds {
            readers: Registry::new(all.iter().map(|e| (e.name, e.read))),
            hooks: all.into_iter().map(|e| e.hooks).collect(),
        }
    }

    /// Lets scenes read with this registry name kind `K`, and an app holding it run its
    /// systems (again changes nothing).
    pub fn add<K: Kind>(&mut self) {
        self.readers.add(K::NAME, read::<K>);
        if !self.hooks.iter().any(|h| h.name == K::NAME) {
            self.hooks.push(hooks::<K>());
        }
    }

    /// The names of every kind, in registration order.
    pub fn names(&self) -> &'static [&'static str] {
        self.readers.names()
    }

    /// Makes this registry the one widgets are read with on this thread until the scope
    /// is dropped.
    pub fn enter(self: &Arc<Self>) -> Scope<WidgetKinds> {
        Scope::enter(&READING, Arc::clone(self))
    }
}

impl Default for WidgetKinds {
    fn default() -> Self {
        WidgetKinds::builtin()
    }
}

thread_local! {
    /// The registry widgets are being read with on this thread (none: the built-ins).
    static READING: std::cell::RefCell<Option<Arc<WidgetKinds>>> =
        const { std::cell::RefCell::new(None) };
}

/// The hooks of the kinds `world`'s app holds (the built-ins when it holds none).
fn all_hooks(world: &World) -> Vec<Hooks> {
    match world.get_resource::<super::kinds::Kinds>() {
        Some(kinds) => kinds.widgets().hooks.clone(),
        None => WidgetKinds::builtin().hooks,
    }
}

/// Has every kind of the app add the scene-wide resources its widgets need
/// ([`Kind::setup`]); the scene calls it when it is spawned or swapped in.
pub fn setup_all(world: &mut World, scene: &SceneSetup) {
    for h in all_hooks(world) {
        (h.setup)(world, scene);
    }
}

/// Has every kind of the app move its freshly spawned widgets' clocks to count from
/// tick 0 ([`Kind::start_at`]).
pub fn start_all(world: &mut World) {
    for h in all_hooks(world) {
        (h.start_at)(world);
    }
}

fn read<'de, K: Kind>(
    de: &mut dyn erased_serde::Deserializer<'de>,
) -> Result<Box<dyn AnySpec>, erased_serde::Error> {
    let spec: K::Spec = erased_serde::deserialize(de)?;
    Ok(Box::new(SpecOf::<K>(spec)))
}

/// The kinds whose systems an app runs, and the kinds of the widgets spawned since their
/// systems were last added (see the module docs).
#[derive(Resource, Debug, Default)]
pub struct KindSystems {
    added: Vec<&'static str>,
    spawned: Vec<&'static str>,
}

impl KindSystems {
    /// Notes that a widget of kind `name` was spawned.
    pub fn spawned(&mut self, name: &'static str) {
        if !self.added.contains(&name) && !self.spawned.contains(&name) {
            self.spawned.push(name);
        }
    }

    /// The kinds whose systems the app runs, in the order they were added.
    pub fn added(&self) -> &[&'static str] {
        &self.added
    }
}

/// Adds the systems of kind `K` to `app`, unless it has them (for a kind whose widgets
/// carry `K`'s components).
pub fn require<K: Kind>(app: &mut App) {
    add_systems_of(app, K::NAME);
}

/// Adds the systems of the registered kind `name` to `app`, unless it has them.
fn add_systems_of(app: &mut App, name: &str) {
    let found = all_hooks(app.world()).into_iter().find(|h| h.name == name);
    let mut kinds = app.world_mut().get_resource_or_init::<KindSystems>();
    if kinds.added.contains(&name) {
        return;
    }
    let Some(Hooks {
        name, systems: add, ..
    }) = found
    else {
        return;
    };
    kinds.added.push(name);
    kinds.spawned.retain(|n| *n != name);
    add(app);
}

/// Adds the systems of the kinds of the widgets spawned so far that `app` does not run
/// yet (the scene's plugin calls it after spawning the scene).
pub fn add_spawned(app: &mut App) {
    let spawned = app
        .world_mut()
        .get_resource_mut::<KindSystems>()
        .map(|mut k| std::mem::take(&mut k.spawned))
        .unwrap_or_default();
    for name in spawned {
        add_systems_of(app, name);
    }
}

/// Has the systems of newly spawned widgets' kinds added once this tick ends (for a scene
/// swapped in during a tick).
pub fn add_spawned_after_tick(world: &mut World) {
    if world
        .get_resource::<KindSystems>()
        .is_some_and(|k| k.spawned.is_empty())
    {
        return;
    }
    world
        .get_resource_or_init::<crate::app::AfterTick>()
        .push(add_spawned);
}

impl<'de> serde::Deserialize<'de> for WidgetSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let kinds = current(&READING).unwrap_or_else(|| Arc::new(WidgetKinds::builtin()));
        kinds.readers.deserialize(d, "widget").map(WidgetSpec)
    }
}
