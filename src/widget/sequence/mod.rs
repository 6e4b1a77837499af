//! The sequence widget: pages shown in turn, each for a duration, skipped while their
//! condition is false, with alert pages that preempt the rotation and transitions
//! between pages.

pub mod rotation;
pub mod run;

use bevy_ecs::prelude::*;
use serde::Deserialize;

use super::paged::{PageEntry, Paged};
use super::widget_spec;
use crate::timeline::Easing;
use crate::widget::compile::Ctx;
use crate::widget::kind::WidgetSpec;

/// How one page gives way to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// Instantly (the default).
    #[default]
    Cut,
    /// The new page pushes in from the right.
    SlideLeft,
    /// The new page pushes in from the left.
    SlideRight,
    /// The new page pushes in from below.
    SlideUp,
    /// The new page pushes in from above.
    SlideDown,
    /// Cross-fade (grey and colour modes; a cut on mono panels).
    Fade,
}

fn eight() -> u32 {
    8
}

/// One page of a sequence: `Page(duration: 90, when: "weather.ok", children: [...])`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Page")]
pub struct PageSpec {
    /// A name for the `page` control command (`{"cmd": "page", "name": "clock"}`).
    #[serde(default)]
    pub name: Option<String>,
    /// Ticks the page is shown (default 90). An alert with a `when` and no `duration`
    /// is shown for as long as its condition holds.
    #[serde(default)]
    pub duration: Option<u32>,
    /// An expression; the page is skipped while it is false.
    #[serde(default)]
    pub when: Option<String>,
    /// Ticks a page stays at least, even when its condition turns false (default 0).
    #[serde(default)]
    pub min_duration: u32,
    /// Ticks after the page was shown before it is shown again (default 0).
    #[serde(default)]
    pub cooldown: u32,
    /// Makes the page an alert with this priority: it preempts the rotation when its
    /// `when` turns true or one of its `on_change` keys changes; higher wins.
    #[serde(default)]
    pub priority: Option<u32>,
    /// Dataset keys whose change raises the alert (`["mpd.volume"]`).
    #[serde(default)]
    pub on_change: Vec<String>,
    /// Shown when no page of the rotation may be shown (it does not take part in the
    /// rotation itself; default false).
    #[serde(default)]
    pub default: bool,
    /// Background colour of the page (default: transparent).
    #[serde(default)]
    pub background: Option<String>,
    /// The page's widgets.
    #[serde(default)]
    pub children: Vec<WidgetSpec>,
}

widget_spec! {
    /// A sequence in a scene: `Sequence(width: 128, height: 64, transition: slide_left, pages: [Page(...), ...])`.
    pub struct SequenceSpec {
        /// How pages change (default cut).
        #[serde(default)]
        pub transition: Transition,
        /// Ticks a transition takes (default 8).
        #[serde(default = "eight")]
        pub transition_ticks: u32,
        /// Speed curve of transitions (default linear).
        #[serde(default)]
        pub easing: Easing,
        /// The pages, in order.
        pub pages: Vec<PageSpec>,
    }
}

/// A page's timing and whether it may be shown now.
#[derive(Component, Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Ticks shown.
    pub duration: u32,
    /// Minimum ticks shown.
    pub min_duration: u32,
    /// Ticks before it is shown again.
    pub cooldown: u32,
    /// Alert priority, if an alert.
    pub priority: Option<u32>,
    /// Keys whose change raises the alert.
    pub on_change: Vec<String>,
    /// Its condition's current value (true without a condition).
    pub eligible: bool,
    /// An alert shown for as long as its condition holds (a `when`, no `duration`).
    pub hold: bool,
    /// The page shown when no rotation page may be.
    pub default: bool,
}

/// A sequence's transition settings and its rotation state.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct Sequence {
    /// Page area size.
    pub size: (u32, u32),
    /// How pages change.
    pub transition: Transition,
    /// Ticks a transition takes.
    pub transition_ticks: u32,
    /// Transition speed curve.
    pub easing: Easing,
    /// Rotation state (advanced by the sequence system).
    pub state: SequenceState,
}

/// Where a sequence is: which page, since when, which alerts, which transition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SequenceState {
    /// The rotation's page (index among the pages); None while no page may be shown.
    pub current: Option<usize>,
    /// Tick the current page's time counts from.
    pub since: u64,
    /// The alert shown now (the highest priority among the active ones).
    pub alert: Option<usize>,
    /// Ticks the rotation's page had been shown when an alert took over.
    pub paused: u64,
    /// Per page: the tick its alert showing started, while it is active.
    pub alert_since: Vec<Option<u64>>,
    /// Per page: the tick its last alert showing ended.
    pub alert_ended: Vec<Option<u64>>,
    /// A transition: (from page, to page, tick it started); None is no page.
    pub transition: Option<(Option<usize>, Option<usize>, u64)>,
    /// Tick each page last stopped being shown.
    pub last_shown: Vec<Option<u64>>,
    /// The last tick the state was computed for.
    pub last_tick: u64,
    /// False until the first tick set things up.
    pub started: bool,
    /// A page the `alert` command shows above everything else, and the tick it ends at.
    pub forced: Option<(usize, u64)>,
    /// The tick a rotation not yet started counts from (a seek: 0), when that is before
    /// the first tick it runs at; `None`: it starts at the first tick it runs at.
    pub origin: Option<u64>,
}

impl SequenceState {
    /// Shows page `page` of `eligible.len()` pages from tick `t` (a control command): the
    /// rotation goes on from there, an alert being shown is ended.
    pub fn show(&mut self, page: usize, eligible: &[bool], t: u64) {
        let n = eligible.len();
        if page >= n {
            return;
        }
        if !self.started || self.last_shown.len() != n {
            *self = SequenceState {
                current: Some(page),
                since: t,
                last_shown: vec![None; n],
                alert_since: vec![None; n],
                alert_ended: vec![None; n],
                started: true,
                last_tick: t.saturating_sub(1),
                ..SequenceState::default()
            };
            return;
        }
        let shown = self.alert.or(self.current);
        for i in 0..n {
            if self.alert_since[i].take().is_some() {
                self.alert_ended[i] = Some(t);
            }
        }
        self.alert = None;
        self.forced = None;
        if shown != Some(page) {
            if let Some(s) = shown {
                self.last_shown[s] = Some(t);
            }
            self.transition = Some((shown, Some(page), t));
        }
        self.current = Some(page);
        self.since = t;
        self.last_tick = t.saturating_sub(1);
    }

    /// Shows page `page` of `n` pages from tick `t` for `ticks` ticks above the rotation
    /// and every alert (the `alert` command); then what was shown comes back.
    pub fn force(&mut self, page: usize, n: usize, t: u64, ticks: u64) {
        if page >= n {
            return;
        }
        if !self.started || self.last_shown.len() != n {
            *self = SequenceState {
                since: t,
                last_shown: vec![None; n],
                alert_since: vec![None; n],
                alert_ended: vec![None; n],
                started: true,
                ..SequenceState::default()
            };
        }
        self.forced = Some((page, t.saturating_add(ticks.max(1))));
        self.last_tick = t.saturating_sub(1);
    }

    /// The page shown now (an alert, else the rotation's page; 0 when none is).
    pub fn shown(&self) -> usize {
        self.alert.or(self.current).unwrap_or(0)
    }
}

/// A sequence, checked: its component and its pages as the commands see them.
#[derive(Debug, Clone)]
pub struct CompiledSequence {
    /// The sequence's component.
    pub sequence: Sequence,
    /// Its pages for the `page`, `next`, `previous` and `alert` commands.
    pub paged: Paged,
}

/// The pages of a sequence as the commands see them: by name, those whose `when` is
/// false not shown on request, alerts skipped by `next` and `previous`.
pub fn paged(spec: &SequenceSpec) -> Paged {
    Paged::new(
        spec.pages
            .iter()
            .map(|p| PageEntry {
                name: p.name.clone(),
                showable: p.when.is_none(),
                in_turn: p.priority.is_none(),
            })
            .collect(),
    )
}

/// Checks a scene sequence and makes its component (pages are compiled by the scene).
pub fn compile(spec: &SequenceSpec, ctx: &mut Ctx) -> Sequence {
    let size = ctx.required_size(spec.width, spec.height);
    if spec.pages.is_empty() {
        ctx.error(Some("pages"), "a sequence needs at least one page");
    }
    Sequence {
        size,
        transition: spec.transition,
        transition_ticks: spec.transition_ticks,
        easing: spec.easing,
        state: SequenceState::default(),
    }
}

/// Makes a page's component; its `when` is bound by the caller.
pub fn compile_page(spec: &PageSpec) -> Page {
    let alert = spec.priority.is_some();
    Page {
        duration: spec.duration.unwrap_or(90).max(1),
        hold: alert && spec.duration.is_none() && spec.on_change.is_empty() && spec.when.is_some(),
        default: spec.default && !alert,
        min_duration: spec.min_duration,
        cooldown: spec.cooldown,
        priority: spec.priority,
        on_change: spec.on_change.clone(),
        eligible: spec.when.is_none(),
    }
}

/// The `Sequence` kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct SequenceKind;

impl crate::widget::kind::Kind for SequenceKind {
    const NAME: &'static str = "Sequence";
    type Spec = SequenceSpec;
    type Compiled = CompiledSequence;

    fn compile(
        spec: &SequenceSpec,
        ctx: &mut Ctx,
        _placement: &mut crate::render::compose::Placement,
    ) -> CompiledSequence {
        CompiledSequence {
            sequence: compile(spec, ctx),
            paged: paged(spec),
        }
    }

    fn size(compiled: &CompiledSequence) -> (u32, u32) {
        compiled.sequence.size
    }

    fn spawn(compiled: &CompiledSequence, entity: &mut bevy_ecs::world::EntityWorldMut) {
        let seq = &compiled.sequence;
        crate::widget::canvas::spawn_clipping(entity, seq.clone(), seq.size, None);
        entity.insert((
            compiled.paged.clone(),
            crate::app::NextChange::<Sequence>::new(None),
            crate::app::wake::Declared,
        ));
    }

    fn children(spec: &SequenceSpec) -> crate::widget::kind::Children<'_> {
        crate::widget::kind::Children::Pages(&spec.pages)
    }

    fn start_at(world: &mut World) {
        // A rotation not started yet counts from tick 0, as if every tick since had run.
        let mut seqs = world.query::<&mut Sequence>();
        for mut seq in seqs.iter_mut(world) {
            if !seq.state.started {
                seq.state.origin = Some(0);
            }
        }
    }

    fn systems(app: &mut bevy_app::App) {
        // A sequence and its pages are canvases.
        crate::widget::kind::require::<crate::widget::canvas::CanvasKind>(app);
        crate::widget::bind::add_apply::<Page>(app);
        app.add_systems(
            crate::app::TickSchedule,
            run::run_sequences.in_set(crate::app::TickSet::Animate),
        );
        crate::app::wake::track::<Sequence>(app);
    }
}

impl crate::widget::bind::BindFields for Page {
    const FIELDS: &'static [crate::widget::bind::Field<Self>] = &[crate::widget::bind::Field::new(
        "eligible",
        |this, value| {
            let eligible = crate::data::propagate::truthy(value);
            crate::widget::bind::set_if_changed(this, |p| &mut p.eligible, eligible);
            Ok(())
        },
    )];
}

/// A page of a sequence, checked: its timing, its background and the sequence's size.
#[derive(Debug, Clone)]
pub struct CompiledPage {
    /// The page's component.
    pub page: Page,
    /// Its background colour, if any.
    pub background: Option<crate::render::Color>,
    /// The sequence's size (every page has it).
    pub size: (u32, u32),
}

impl crate::widget::kind::AnyPage for PageSpec {
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn children(&self) -> &[WidgetSpec] {
        &self.children
    }

    fn compile(&self, ctx: &mut Ctx, size: (u32, u32)) -> crate::widget::kind::CompiledKind {
        if let Some(when) = &self.when {
            ctx.bind_expression("eligible", "when", when, serde_json::Value::Bool(false));
        }
        let background = self
            .background
            .as_deref()
            .map(|c| ctx.color("background", c));
        crate::widget::kind::CompiledKind::new(CompiledPage {
            page: compile_page(self),
            background,
            size,
        })
    }
}

impl crate::widget::kind::AnyCompiled for CompiledPage {
    fn is_page(&self) -> bool {
        true
    }
    fn size(&self) -> (u32, u32) {
        self.size
    }
    fn spawn(&self, entity: &mut bevy_ecs::world::EntityWorldMut) {
        crate::widget::canvas::spawn_clipping(
            entity,
            self.page.clone(),
            self.size,
            self.background,
        );
        // Its sequence says when it moves.
        entity.insert(crate::app::wake::Still);
    }
    fn clone_box(&self) -> Box<dyn crate::widget::kind::AnyCompiled> {
        Box::new(self.clone())
    }
}
