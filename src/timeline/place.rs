//! Where a moving layer sits at a tick: the one function the placing system and
//! render-ahead's snapshots both place layers with, so they agree exactly.
//!
//! Behaviour as a component: a kind whose widgets move writes a [`Motion`] on the entity
//! whose layer moves (a marquee on its content, a slide on its own widget, a user's kind
//! on its own entity) whenever the motion's parameters change (its start, the content's
//! size, a `run_when` turning), and nothing else: [`place_moving`] places the layer at
//! every tick from it and tells tickless idle when it next changes, and render-ahead's
//! snapshots read the same component to place the layer at later ticks.
//!
//! A motion counts its ticks with a [`Clock`]: from a start tick, or held at a fixed
//! number of ticks while its widget's `run_when` ([`RunGate`]) is false. Everything stays
//! a closed-form function of `(tick − start)`: the start is recorded when the condition
//! changes, never stepped.

use std::sync::Arc;

use bevy_ecs::prelude::*;
use serde::Deserialize;

use super::{Placed, Scroll, Slide};
use crate::app::{NextChange, Tick};
use crate::render::compose::WidgetLayer;

/// How an item moves with the tick, without any input changing. Written by a kind's
/// systems on the entity whose layer moves; [`place_moving`] places that layer from it.
#[derive(Component, Debug, Clone, PartialEq, Default)]
#[require(NextChange<Motion>)]
pub enum Motion {
    /// It stays where it is (its layer keeps the offset it has).
    #[default]
    Still,
    /// The content of a marquee or popup.
    Scroll {
        /// The marquee's motion.
        scroll: Scroll,
        /// The ticks the cycle counts.
        clock: Clock,
        /// The sync group's cycle length, if in a group.
        period: Option<u64>,
        /// Content length along the motion.
        content: u32,
        /// Window length along the motion.
        window: u32,
    },
    /// A widget with a `slide`.
    Slide {
        /// The slide.
        slide: Slide,
        /// The ticks it counts.
        clock: Clock,
    },
    /// A list of steps (a marquee's or popup's `actions`).
    Script {
        /// The steps, compiled.
        script: Script,
        /// The ticks it counts.
        clock: Clock,
    },
}

impl Motion {
    /// The layer's offset (and a scroll's repeat) at `tick`; `None` when it stays still.
    /// A slide and a script do not place a repeat (`repeat` is `None`; the layer keeps
    /// its own): see [`Motion::places_repeat`].
    pub fn place_at(&self, tick: u64) -> Option<Placed> {
        match self {
            Motion::Still => None,
            Motion::Scroll {
                scroll,
                clock,
                period,
                content,
                window,
            } => Some(scroll.at_with_period(clock.elapsed(tick), *content, *window, *period)),
            Motion::Slide { slide, clock } => Some(Placed {
                offset: slide.at(clock.elapsed(tick)),
                repeat: None,
            }),
            Motion::Script { script, clock } => Some(Placed {
                offset: script.at(clock.elapsed(tick)),
                repeat: None,
            }),
        }
    }

    /// True when it places the layer's repeat too (a scroll); otherwise the layer keeps
    /// its own.
    pub fn places_repeat(&self) -> bool {
        matches!(self, Motion::Scroll { .. })
    }

    /// The first tick after `tick` at which it places the layer elsewhere; `None` when
    /// it never does by itself (still, held, settled, or content that fits its window).
    pub fn next_change(&self, tick: u64) -> Option<u64> {
        let (clock, settled) = match self {
            Motion::Still => return None,
            Motion::Scroll {
                clock,
                content,
                window,
                ..
            } => (clock, (content <= window).then_some(0)),
            Motion::Slide { slide, clock } => (clock, slide.settled_after()),
            Motion::Script { script, clock } => (clock, script.settled_after()),
        };
        if clock.held.is_some() || settled.is_some_and(|s| clock.elapsed(tick) >= s) {
            return None;
        }
        Some(crate::app::wake::next_change_of(
            tick,
            crate::app::wake::HORIZON,
            |u| self.place_at(u),
        ))
    }
}

/// The ticks a motion counts: from `start`, or a fixed count while it is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clock {
    /// The tick it counts from.
    pub start: u64,
    /// While held: the count it stays at.
    pub held: Option<u64>,
}

impl Clock {
    /// A clock counting from `start`.
    pub fn from(start: u64) -> Clock {
        Clock { start, held: None }
    }

    /// The ticks counted at `tick`.
    pub fn elapsed(&self, tick: u64) -> u64 {
        self.held.unwrap_or_else(|| tick.saturating_sub(self.start))
    }

    /// Starts over at `tick` (new content); a held clock stays held, at its start.
    pub fn restart(&mut self, tick: u64) {
        self.start = tick;
        if self.held.is_some() {
            self.held = Some(0);
        }
    }

    /// Follows its widget's [`RunGate`] at `tick`; `seen` is the gate's value it last
    /// followed (kept by the caller beside the clock). The first known value decides
    /// whether it runs from its start (as if it had run since) or waits there; after
    /// that, turning false holds it (at its start, or where it is with `hold: freeze`)
    /// and turning true runs it on from `tick`. True when the clock changed.
    pub fn follow(&mut self, seen: &mut Option<bool>, gate: &RunGate, tick: u64) -> bool {
        let Some(on) = gate.on else {
            // Not evaluated yet: wait at the start.
            let changed = self.held != Some(0);
            self.held = Some(0);
            return changed;
        };
        let before = *self;
        match (*seen, on) {
            (None, true) => self.held = None,
            (None, false) => self.held = Some(0),
            (Some(false), true) => {
                let at = self.held.take().unwrap_or(0);
                self.start = tick.saturating_sub(at);
            }
            (Some(true), false) => {
                self.held = Some(match gate.hold {
                    Hold::Reset => 0,
                    Hold::Freeze => self.elapsed(tick),
                });
            }
            _ => {}
        }
        *seen = Some(on);
        *self != before
    }
}

/// What a motion does while its `run_when` is false.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hold {
    /// It goes back to its start and waits there; it starts from the start when the
    /// condition turns true (the default).
    #[default]
    Reset,
    /// It stops where it is and goes on from there when the condition turns true.
    Freeze,
}

/// A widget whose motion runs only while a condition holds (its `run_when`): the
/// condition's latest value (set by its binding) and what the motion does while false.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunGate {
    /// The condition's value; `None` until it is first evaluated.
    pub on: Option<bool>,
    /// What the motion does while it is false.
    pub hold: Hold,
}

impl RunGate {
    /// A gate not evaluated yet, holding with `hold`.
    pub fn new(hold: Hold) -> RunGate {
        RunGate { on: None, hold }
    }
}

/// One step of a motion's `actions`, as a scene writes it:
/// `actions: [Wait(20), Move(by: (-60, 0), ticks: 60), Pause(30), Reset, Loop]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Step {
    /// Stays where it is for this many ticks (`Pause(n)` is the same).
    #[serde(alias = "Pause")]
    Wait(u32),
    /// Moves in a straight line, at constant speed: `by` an offset from where it is or
    /// `to` an offset from the start, over `ticks` ticks or at `px_per_tick` pixels per
    /// tick (neither: at once).
    Move {
        /// Offset from where it is.
        #[serde(default)]
        by: Option<(i32, i32)>,
        /// Offset from the start (instead of `by`).
        #[serde(default)]
        to: Option<(i32, i32)>,
        /// Ticks the move takes.
        #[serde(default)]
        ticks: Option<u32>,
        /// Speed, along the longer axis (instead of `ticks`).
        #[serde(default)]
        px_per_tick: Option<u32>,
    },
    /// Jumps back to the start at once.
    Reset,
    /// Starts the list over (the last step; without it the motion stays where the last
    /// step leaves it).
    Loop,
}

/// Why a list of steps is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    /// A move with both `by` and `to`, or neither.
    #[error("step {0}: a Move gives `by` or `to`, one of them")]
    Target(usize),
    /// A move with both `ticks` and `px_per_tick`.
    #[error("step {0}: a Move gives `ticks` or `px_per_tick`, not both")]
    Speed(usize),
    /// A speed of 0.
    #[error("step {0}: `px_per_tick` must be at least 1")]
    Stopped(usize),
    /// `Loop` before the last step.
    #[error("step {0}: `Loop` must be the last step")]
    LoopNotLast(usize),
    /// A loop of steps that take no time.
    #[error("a list that loops needs a step that takes time (a Wait, or a Move with ticks)")]
    EmptyLoop,
}

/// One straight piece of a script: from `from` at `at` ticks to `to` `ticks` later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    at: u64,
    ticks: u64,
    from: (i32, i32),
    to: (i32, i32),
}

/// A list of steps compiled to straight pieces in time: the offset at any tick is
/// computed directly ([`Script::at`]), never stepped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    segments: Arc<[Segment]>,
    total: u64,
    looped: bool,
}

impl Script {
    /// Compiles `steps`.
    pub fn compile(steps: &[Step]) -> Result<Script, ScriptError> {
        let mut segments = Vec::with_capacity(steps.len());
        let (mut at, mut pos) = (0u64, (0i32, 0i32));
        let mut looped = false;
        for (i, step) in steps.iter().enumerate() {
            if looped {
                return Err(ScriptError::LoopNotLast(i - 1));
            }
            let (ticks, to) = match *step {
                Step::Wait(n) => (u64::from(n), pos),
                Step::Reset => (0, (0, 0)),
                Step::Loop => {
                    looped = true;
                    continue;
                }
                Step::Move {
                    by,
                    to,
                    ticks,
                    px_per_tick,
                } => {
                    let to = match (by, to) {
                        (Some(b), None) => (pos.0.saturating_add(b.0), pos.1.saturating_add(b.1)),
                        (None, Some(t)) => t,
                        _ => return Err(ScriptError::Target(i)),
                    };
                    let ticks = match (ticks, px_per_tick) {
                        (Some(_), Some(_)) => return Err(ScriptError::Speed(i)),
                        (Some(t), None) => u64::from(t),
                        (None, Some(0)) => return Err(ScriptError::Stopped(i)),
                        (None, Some(v)) => {
                            let far = (i64::from(to.0) - i64::from(pos.0))
                                .unsigned_abs()
                                .max((i64::from(to.1) - i64::from(pos.1)).unsigned_abs());
                            far.div_ceil(u64::from(v))
                        }
                        (None, None) => 0,
                    };
                    (ticks, to)
                }
            };
            segments.push(Segment {
                at,
                ticks,
                from: pos,
                to,
            });
            at += ticks;
            pos = to;
        }
        if looped && at == 0 {
            return Err(ScriptError::EmptyLoop);
        }
        Ok(Script {
            segments: segments.into(),
            total: at,
            looped,
        })
    }

    /// Ticks one pass through the steps takes.
    pub fn period(&self) -> u64 {
        self.total
    }

    /// Ticks after which it stays where it is (None: it loops).
    pub fn settled_after(&self) -> Option<u64> {
        (!self.looped).then_some(self.total)
    }

    /// The offset from the start `t` ticks after the start.
    pub fn at(&self, t: u64) -> (i32, i32) {
        let t = if self.looped && self.total > 0 {
            t % self.total
        } else {
            t
        };
        let mut pos = (0, 0);
        for s in self.segments.iter() {
            if t < s.at {
                break;
            }
            if t >= s.at + s.ticks {
                pos = s.to;
                continue;
            }
            // Inside this piece: the straight line, rounded towards its start.
            let f = |a: i32, b: i32| {
                let d = (i64::from(b) - i64::from(a)) * (t - s.at) as i64 / s.ticks as i64;
                (i64::from(a) + d) as i32
            };
            return (f(s.from.0, s.to.0), f(s.from.1, s.to.1));
        }
        pos
    }
}

/// Places every layer with a [`Motion`] at this tick, and notes when it next moves
/// (in [`RenderSet::Compose`](crate::render::RenderSet::Compose), after every kind's
/// motion is written). Add it with [`add_placement`].
pub fn place_moving(
    tick: Res<Tick>,
    mut q: Query<(Ref<Motion>, &mut WidgetLayer, &mut NextChange<Motion>)>,
) {
    for (motion, mut wl, mut next) in &mut q {
        if *motion == Motion::Still {
            if next.at.is_some() {
                next.at = None;
            }
            continue;
        }
        if motion.is_changed() || next.at.is_none_or(|a| a <= tick.0) {
            let at = motion.next_change(tick.0);
            if next.at != at {
                next.at = at;
            }
        }
        let Some(placed) = motion.place_at(tick.0) else {
            continue;
        };
        let repeat = if motion.places_repeat() {
            placed.repeat
        } else {
            wl.repeat
        };
        if wl.offset != placed.offset || wl.repeat != repeat {
            wl.offset = placed.offset;
            wl.repeat = repeat;
        }
    }
}

/// Marks an app that has [`place_moving`].
#[derive(Resource, Debug, Default)]
struct Placing;

/// Adds [`place_moving`] and its wake report to `app` (once, whoever asks first).
pub fn add_placement(app: &mut bevy_app::App) {
    if app.world().contains_resource::<Placing>() {
        return;
    }
    app.init_resource::<Placing>();
    app.add_systems(
        crate::app::TickSchedule,
        place_moving
            .before(crate::render::compose::compose)
            .in_set(crate::render::RenderSet::Compose),
    );
    crate::app::wake::track::<Motion>(app);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(by: (i32, i32), ticks: u32) -> Step {
        Step::Move {
            by: Some(by),
            to: None,
            ticks: Some(ticks),
            px_per_tick: None,
        }
    }

    #[test]
    fn steps_give_offsets_in_closed_form() {
        let s =
            Script::compile(&[Step::Wait(20), mv((-60, 0), 60), Step::Wait(30)]).expect("a script");
        assert_eq!(s.at(0), (0, 0));
        assert_eq!(s.at(19), (0, 0), "waiting");
        assert_eq!(s.at(20), (0, 0), "starts moving");
        assert_eq!(s.at(50), (-30, 0), "halfway");
        assert_eq!(s.at(80), (-60, 0), "there");
        assert_eq!(s.at(100), (-60, 0), "pausing");
        assert_eq!(s.at(10_000), (-60, 0), "stays at the end without Loop");
        assert_eq!(s.settled_after(), Some(110));
    }

    #[test]
    fn move_to_speed_reset_and_loop() {
        let s = Script::compile(&[
            mv((0, -8), 8),
            Step::Wait(4),
            Step::Move {
                by: None,
                to: Some((0, 0)),
                ticks: None,
                px_per_tick: Some(2),
            },
            mv((10, 0), 10),
            Step::Reset,
            Step::Wait(2),
            Step::Loop,
        ])
        .expect("a script");
        // 8 + 4 + 4 (8 px at 2 px/tick) + 10 + 0 + 2 = 28 ticks a pass.
        assert_eq!(s.period(), 28);
        assert_eq!(s.settled_after(), None);
        assert_eq!(s.at(3), (0, -3));
        assert_eq!(s.at(10), (0, -8), "pausing at the bottom");
        assert_eq!(s.at(14), (0, -4), "back up at 2 px a tick");
        assert_eq!(s.at(21), (5, 0));
        assert_eq!(s.at(26), (0, 0), "reset jumps back at once");
        assert_eq!(s.at(28 * 1000 + 14), (0, -4), "a thousand passes later");
    }

    #[test]
    fn bad_lists_are_refused() {
        let both = Step::Move {
            by: Some((1, 0)),
            to: Some((1, 0)),
            ticks: None,
            px_per_tick: None,
        };
        assert_eq!(Script::compile(&[both]), Err(ScriptError::Target(0)));
        assert_eq!(
            Script::compile(&[Step::Loop, Step::Wait(1)]),
            Err(ScriptError::LoopNotLast(0))
        );
        assert_eq!(
            Script::compile(&[Step::Reset, Step::Loop]),
            Err(ScriptError::EmptyLoop)
        );
    }

    #[test]
    fn a_gated_clock_waits_runs_holds_and_resumes() {
        let slide = Slide {
            by: (30, 0),
            duration: 30,
            pause: 0,
            pause_end: 0,
            back: false,
            repeat: false,
            easing: super::super::Easing::Linear,
        };
        for (hold, resumed) in [(Hold::Reset, (5, 0)), (Hold::Freeze, (15, 0))] {
            let mut gate = RunGate::new(hold);
            let (mut clock, mut seen) = (Clock::from(0), None);
            let at = |clock: Clock, t| Motion::Slide { slide, clock }.place_at(t).map(|p| p.offset);
            clock.follow(&mut seen, &gate, 0);
            assert_eq!(at(clock, 50), Some((0, 0)), "unknown: waits at the start");
            gate.on = Some(false);
            clock.follow(&mut seen, &gate, 3);
            assert_eq!(at(clock, 50), Some((0, 0)), "false: waits at the start");
            let m = Motion::Slide { slide, clock };
            assert_eq!(m.next_change(50), None, "a held motion does not change");
            gate.on = Some(true);
            assert!(clock.follow(&mut seen, &gate, 100));
            assert_eq!(
                at(clock, 110),
                Some((10, 0)),
                "counts from the tick it turned"
            );
            gate.on = Some(false);
            clock.follow(&mut seen, &gate, 110);
            assert_eq!(at(clock, 500), Some((hold_at(hold), 0)));
            gate.on = Some(true);
            clock.follow(&mut seen, &gate, 600);
            assert_eq!(at(clock, 605), Some(resumed), "{hold:?}");
        }
        fn hold_at(h: Hold) -> i32 {
            if h == Hold::Reset { 0 } else { 10 }
        }
    }

    #[test]
    fn a_condition_true_from_the_start_runs_from_tick_zero() {
        // As a seek to 900 sees it: the first value is true, so the motion has run since 0.
        let gate = RunGate {
            on: Some(true),
            hold: Hold::Reset,
        };
        let (mut clock, mut seen) = (Clock::from(0), None);
        clock.follow(&mut seen, &gate, 900);
        assert_eq!(clock.elapsed(900), 900);
    }
}
