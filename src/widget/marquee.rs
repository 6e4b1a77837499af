//! The marquee widget: a window that scrolls its one child when the child is larger.

use std::collections::HashMap;

use bevy_ecs::prelude::*;

use super::widget_spec;
use crate::app::Tick;
use crate::render::compose::WidgetLayer;
use crate::timeline::place::{Clock, Motion, RunGate, Script, Step};
use crate::timeline::{Direction, Mode, Scroll};
use crate::widget::compile::Ctx;
use crate::widget::kind::WidgetSpec;

fn sixteen() -> u32 {
    16
}

widget_spec! {
    /// A scrolling window in a scene:
    /// `Marquee(x: 4, y: 30, width: 248, height: 8, pause: 20, gap: 24, child: Text(text: "…"))`.
    /// The child moves only when it is larger than the window.
    pub struct MarqueeSpec {
        /// rtl (default), ltr, up, down.
        #[serde(default)]
        pub direction: Direction,
        /// loop (default), bounce, clip.
        #[serde(default)]
        pub mode: Mode,
        /// Pixels moved per tick (default 1); or set `ticks_per_px` for slower motion.
        #[serde(default)]
        pub px_per_tick: Option<u32>,
        /// Ticks per pixel moved (instead of `px_per_tick`).
        #[serde(default)]
        pub ticks_per_px: Option<u32>,
        /// Pixels between repeats in loop mode (default 16).
        #[serde(default = "sixteen")]
        pub gap: u32,
        /// Ticks to wait at the start of each cycle (default 0).
        #[serde(default)]
        pub pause: u32,
        /// Ticks to wait at the far end in bounce mode (default 0).
        #[serde(default)]
        pub pause_end: u32,
        /// Start over from the beginning when the content changes (default true).
        #[serde(default = "crate::widget::yes")]
        pub restart: bool,
        /// Sync group: marquees of one group wait at their start until all of them got
        /// there, so they restart together.
        #[serde(default)]
        pub group: Option<String>,
        /// Steps the content follows instead of scrolling:
        /// `actions: [Wait(20), Move(by: (-60, 0), ticks: 60), Pause(30), Reset, Loop]`.
        #[serde(default)]
        pub actions: Option<Vec<Step>>,
        /// The content that scrolls.
        pub child: Box<WidgetSpec>,
    }
}

/// A marquee's motion and the ticks its current cycle counts.
#[derive(Component, Debug, Clone, PartialEq, Eq)]
pub struct Marquee {
    /// Motion parameters.
    pub scroll: Scroll,
    /// The steps the content follows instead of scrolling (`actions`).
    pub script: Option<Script>,
    /// Window size.
    pub window: (u32, u32),
    /// The ticks the motion counts (from its start; held while `run_when` is false).
    pub clock: Clock,
    /// The `run_when` value the clock last followed.
    pub gate_seen: Option<bool>,
    /// Start over when the content changes.
    pub restart: bool,
    /// The content generation last seen (restart detection).
    pub seen: Option<u64>,
    /// Sync group name.
    pub group: Option<String>,
}

/// Checks a scene marquee and makes its component (the child is compiled by the scene).
pub fn compile(spec: &MarqueeSpec, ctx: &mut Ctx) -> Marquee {
    let window = ctx.required_size(spec.width, spec.height);
    let (px, ticks) = match (spec.px_per_tick, spec.ticks_per_px) {
        (Some(_), Some(_)) => {
            ctx.error(
                Some("ticks_per_px"),
                "give px_per_tick or ticks_per_px, not both",
            );
            (1, 1)
        }
        (Some(0), None) | (None, Some(0)) => {
            ctx.error(None, "the speed must be at least 1");
            (1, 1)
        }
        (Some(p), None) => (p, 1),
        (None, Some(t)) => (1, t),
        (None, None) => (1, 1),
    };
    let scroll = Scroll {
        direction: spec.direction,
        mode: spec.mode,
        px_per_step: px,
        ticks_per_step: ticks,
        gap: spec.gap,
        pause: spec.pause,
        pause_end: spec.pause_end,
    };
    let script = spec
        .actions
        .as_ref()
        .and_then(|steps| match Script::compile(steps) {
            Ok(s) => Some(s),
            Err(e) => {
                ctx.error(Some("actions"), e.to_string());
                None
            }
        });
    if script.is_some() && spec.group.is_some() {
        ctx.error(
            Some("group"),
            "a marquee with `actions` follows its steps: it takes no part in a sync group",
        );
    }
    Marquee {
        scroll,
        script,
        window,
        clock: Clock::from(0),
        gate_seen: None,
        restart: spec.restart,
        seen: None,
        group: spec.group.clone(),
    }
}

widget_spec! {
    /// A popup in a scene: shows the top of a tall child, pauses, moves up to show its
    /// bottom, pauses, and returns: `Popup(width: 128, height: 16, pause: 60, child: ...)`.
    pub struct PopupSpec {
        /// Ticks to wait showing the top (default 60).
        #[serde(default = "sixty")]
        pub pause: u32,
        /// Ticks to wait showing the bottom (default 60).
        #[serde(default = "sixty")]
        pub pause_end: u32,
        /// Pixels moved per tick (default 1).
        #[serde(default)]
        pub px_per_tick: Option<u32>,
        /// Ticks per pixel moved (instead of `px_per_tick`).
        #[serde(default)]
        pub ticks_per_px: Option<u32>,
        /// Steps the content follows instead of moving up and back (as a marquee's).
        #[serde(default)]
        pub actions: Option<Vec<Step>>,
        /// The tall content.
        pub child: Box<WidgetSpec>,
    }
}

fn sixty() -> u32 {
    60
}

/// A popup is a marquee moving up and back (bounce) with pauses at both ends.
pub fn compile_popup(spec: &PopupSpec, ctx: &mut Ctx) -> Marquee {
    let as_marquee = MarqueeSpec {
        name: spec.name.clone(),
        x: spec.x,
        y: spec.y,
        anchor: spec.anchor,
        z: spec.z,
        width: spec.width,
        height: spec.height,
        visible: spec.visible,
        when: None,
        slide: None,
        run_when: None,
        hold: Default::default(),
        direction: Direction::Up,
        mode: Mode::Bounce,
        px_per_tick: spec.px_per_tick,
        ticks_per_px: spec.ticks_per_px,
        gap: 0,
        pause: spec.pause,
        pause_end: spec.pause_end,
        restart: true,
        group: None,
        actions: spec.actions.clone(),
        child: spec.child.clone(),
    };
    compile(&as_marquee, ctx)
}

/// The `Marquee` kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarqueeKind;

impl crate::widget::kind::Kind for MarqueeKind {
    const NAME: &'static str = "Marquee";
    type Spec = MarqueeSpec;
    type Compiled = Marquee;

    fn compile(
        spec: &MarqueeSpec,
        ctx: &mut Ctx,
        _placement: &mut crate::render::compose::Placement,
    ) -> Marquee {
        compile(spec, ctx)
    }

    fn size(compiled: &Marquee) -> (u32, u32) {
        compiled.window
    }

    fn spawn(compiled: &Marquee, entity: &mut bevy_ecs::world::EntityWorldMut) {
        spawn_window(compiled, entity);
    }

    fn children(spec: &MarqueeSpec) -> crate::widget::kind::Children<'_> {
        crate::widget::kind::Children::Scrolled(&spec.child)
    }

    fn systems(app: &mut bevy_app::App) {
        // A marquee needs its content's size, known once the content is drawn this tick
        // (and laid out, when it is a stack). Popups are marquees too.
        crate::widget::kind::require::<crate::widget::canvas::CanvasKind>(app);
        app.add_systems(
            crate::app::TickSchedule,
            animate_marquees
                .after(crate::widget::group::layout_stacks)
                .in_set(crate::render::RenderSet::Layout),
        );
        crate::timeline::place::add_placement(app);
    }
}

/// A marquee or popup: its window clips and places its one child.
fn spawn_window(compiled: &Marquee, entity: &mut bevy_ecs::world::EntityWorldMut) {
    crate::widget::canvas::spawn_clipping(entity, compiled.clone(), compiled.window, None);
    // Its motion is its content's, reported by the content's `Motion`.
    entity.insert(crate::app::wake::Declared);
}

/// The `Popup` kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct PopupKind;

impl crate::widget::kind::Kind for PopupKind {
    const NAME: &'static str = "Popup";
    type Spec = PopupSpec;
    type Compiled = Marquee;

    fn compile(
        spec: &PopupSpec,
        ctx: &mut Ctx,
        _placement: &mut crate::render::compose::Placement,
    ) -> Marquee {
        compile_popup(spec, ctx)
    }

    fn size(compiled: &Marquee) -> (u32, u32) {
        compiled.window
    }

    fn spawn(compiled: &Marquee, entity: &mut bevy_ecs::world::EntityWorldMut) {
        spawn_window(compiled, entity);
    }

    fn children(spec: &PopupSpec) -> crate::widget::kind::Children<'_> {
        crate::widget::kind::Children::Scrolled(&spec.child)
    }

    fn systems(app: &mut bevy_app::App) {
        // A popup is a marquee window.
        crate::widget::kind::require::<MarqueeKind>(app);
    }
}

/// Writes each marquee's content's [`Motion`] when it changes (a restart, the content's
/// size, its sync group, its `run_when`); the content is placed from it by
/// [`place_moving`](crate::timeline::place::place_moving).
pub fn animate_marquees(
    tick: Res<Tick>,
    mut marquees: Query<(&mut Marquee, &Children, Option<&RunGate>)>,
    layers: Query<&WidgetLayer>,
    mut motions: Query<&mut Motion>,
    mut commands: Commands,
    mut groups: Local<HashMap<String, (u64, u64)>>,
) {
    // First pass: restarts, `run_when`, and each sync group's common start and longest
    // cycle.
    groups.clear();
    for (mut m, children, gate) in &mut marquees {
        let Some(child) = children.iter().next() else {
            continue;
        };
        let Ok(wl) = layers.get(child) else { continue };
        if m.seen != Some(wl.generation) {
            // New content: count from now. The first content counts from the start.
            if m.seen.is_some() && m.restart {
                m.clock.restart(tick.0);
            }
            m.seen = Some(wl.generation);
        }
        if let Some(gate) = gate {
            let Marquee {
                clock, gate_seen, ..
            } = m.bypass_change_detection();
            clock.follow(gate_seen, gate, tick.0);
        }
        if let Some(g) = &m.group {
            let (content, window) = lengths(&m, wl);
            let period = m.scroll.period(content, window).unwrap_or(0);
            let entry = groups.entry(g.clone()).or_insert((m.clock.start, period));
            entry.0 = entry.0.max(m.clock.start);
            entry.1 = entry.1.max(period);
        }
    }
    // Second pass: every marquee's content's motion for this tick.
    for (m, children, _) in &marquees {
        let Some(child) = children.iter().next() else {
            continue;
        };
        let Ok(wl) = layers.get(child) else { continue };
        let motion = match &m.script {
            Some(script) => Motion::Script {
                script: script.clone(),
                clock: m.clock,
            },
            None => {
                let (content, window) = lengths(m, wl);
                let (start, period) = match m.group.as_ref().and_then(|g| groups.get(g)) {
                    Some(&(start, period)) => (start, Some(period)),
                    None => (m.clock.start, None),
                };
                Motion::Scroll {
                    scroll: m.scroll,
                    clock: Clock {
                        start,
                        held: m.clock.held,
                    },
                    period,
                    content,
                    window,
                }
            }
        };
        match motions.get_mut(child) {
            Ok(mut now) => {
                if *now != motion {
                    *now = motion;
                }
            }
            Err(_) => {
                commands.entity(child).insert(motion);
            }
        }
    }
}

/// Content and window lengths along a marquee's direction of motion.
pub fn lengths(m: &Marquee, wl: &WidgetLayer) -> (u32, u32) {
    if m.scroll.direction.horizontal() {
        (wl.layer.width(), m.window.0)
    } else {
        (wl.layer.height(), m.window.1)
    }
}
