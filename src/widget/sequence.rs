//! The sequence widget: pages shown in turn, each for a duration, skipped while their
//! condition is false, with alert pages that preempt the rotation and transitions
//! between pages.

use bevy_ecs::prelude::*;
use serde::Deserialize;

use super::widget_spec;
use crate::motion::timeline::Easing;
use crate::scene::compile::Ctx;
use crate::scene::schema::WidgetSpec;

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

fn ninety() -> u32 {
    90
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
    /// Ticks the page is shown (default 90).
    #[serde(default = "ninety")]
    pub duration: u32,
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

/// Where a sequence is: which page, since when, which alert, which transition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SequenceState {
    /// The rotation's page (index among the pages).
    pub current: usize,
    /// Tick the current page's time counts from.
    pub since: u64,
    /// An alert being shown: (page, tick it started, ticks the interrupted page had shown).
    pub alert: Option<(usize, u64, u64)>,
    /// A transition: (from page, to page, tick it started).
    pub transition: Option<(usize, usize, u64)>,
    /// Tick each page last stopped being shown.
    pub last_shown: Vec<Option<u64>>,
    /// Each page's condition at the last tick (for alerts' rising edges).
    pub was_eligible: Vec<bool>,
    /// False until the first tick set things up.
    pub started: bool,
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
                current: page,
                since: t,
                last_shown: vec![None; n],
                was_eligible: eligible.to_vec(),
                started: true,
                ..SequenceState::default()
            };
            return;
        }
        let shown = self.alert.map_or(self.current, |(a, ..)| a);
        self.alert = None;
        if shown != page {
            self.last_shown[shown] = Some(t);
            self.transition = Some((shown, page, t));
        }
        self.current = page;
        self.since = t;
    }

    /// The page shown now (an alert, else the rotation's page).
    pub fn shown(&self) -> usize {
        self.alert.map_or(self.current, |(a, ..)| a)
    }
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
    Page {
        duration: spec.duration.max(1),
        min_duration: spec.min_duration,
        cooldown: spec.cooldown,
        priority: spec.priority,
        on_change: spec.on_change.clone(),
        eligible: spec.when.is_none(),
    }
}
