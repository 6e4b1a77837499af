//! Motion as a pure function of the tick: where a scrolling content is at tick t,
//! computed from (t − start, parameters, content size), never by stepping. Any future
//! frame can be computed directly, and a test can ask for tick 10 000 at once.

use serde::Deserialize;

pub mod place;

/// Which way content moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Right to left (the default: text scrolls in from the right).
    #[default]
    Rtl,
    /// Left to right.
    Ltr,
    /// Bottom to top.
    Up,
    /// Top to bottom.
    Down,
}

impl Direction {
    /// True for rtl/ltr.
    pub fn horizontal(self) -> bool {
        matches!(self, Direction::Rtl | Direction::Ltr)
    }
}

/// What happens at the end of the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Wraps around with `gap` pixels between repeats (the default).
    #[default]
    Loop,
    /// Moves to the end, pauses, moves back, pauses.
    Bounce,
    /// Moves to the end and stops there.
    Clip,
}

/// A marquee's motion parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scroll {
    /// Direction of motion.
    pub direction: Direction,
    /// End behaviour.
    pub mode: Mode,
    /// Pixels moved per step.
    pub px_per_step: u32,
    /// Ticks per step (1 = every tick; 3 = one step every 3 ticks).
    pub ticks_per_step: u32,
    /// Pixels between repeats in loop mode.
    pub gap: u32,
    /// Ticks to wait at the start of each cycle.
    pub pause: u32,
    /// Ticks to wait at the far end (bounce).
    pub pause_end: u32,
}

/// Where the content is drawn relative to the window at one tick, and where its repeat is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Placed {
    /// Offset of the content's top-left from the window's top-left.
    pub offset: (i32, i32),
    /// Offset of a second copy from the first (loop mode), if any.
    pub repeat: Option<(i32, i32)>,
}

impl Scroll {
    /// Pixels moved after `ticks` ticks of motion.
    fn distance(&self, ticks: u64) -> u64 {
        ticks / u64::from(self.ticks_per_step.max(1)) * u64::from(self.px_per_step.max(1))
    }

    /// Ticks needed to move `px` pixels.
    fn ticks_for(&self, px: u64) -> u64 {
        px.div_ceil(u64::from(self.px_per_step.max(1))) * u64::from(self.ticks_per_step.max(1))
    }

    /// Content position at `t` ticks after the start, for content and window lengths
    /// along the direction of motion. Content that fits its window does not move.
    pub fn at(&self, t: u64, content: u32, window: u32) -> Placed {
        self.at_with_period(t, content, window, None)
    }

    /// Ticks one cycle takes on its own (None for clip mode, which does not repeat).
    pub fn period(&self, content: u32, window: u32) -> Option<u64> {
        if content <= window {
            return Some(0);
        }
        let (content, window, pause) =
            (u64::from(content), u64::from(window), u64::from(self.pause));
        match self.mode {
            Mode::Loop => Some(pause + self.ticks_for(content + u64::from(self.gap))),
            Mode::Bounce => {
                Some(pause + 2 * self.ticks_for(content - window) + u64::from(self.pause_end))
            }
            Mode::Clip => None,
        }
    }

    /// Like [`Scroll::at`], with a longer cycle: after its own motion the content waits at
    /// the start until `period` ticks have passed (sync groups restart together).
    pub fn at_with_period(&self, t: u64, content: u32, window: u32, period: Option<u64>) -> Placed {
        if content <= window {
            return Placed::default();
        }
        let own = self.period(content, window);
        let t = match (period, own) {
            (Some(p), Some(o)) if p > o => {
                let phase = t % p;
                if phase >= o { 0 } else { phase }
            }
            _ => t,
        };
        let (content, window) = (u64::from(content), u64::from(window));
        let pause = u64::from(self.pause);
        match self.mode {
            Mode::Loop => {
                let cycle = content + u64::from(self.gap);
                let period = pause + self.ticks_for(cycle);
                let phase = t % period.max(1);
                let d = if phase < pause {
                    0
                } else {
                    self.distance(phase - pause).min(cycle) % cycle
                };
                let (d, c) = (d as i32, cycle as i32);
                match self.direction {
                    Direction::Rtl => Placed {
                        offset: (-d, 0),
                        repeat: Some((c, 0)),
                    },
                    Direction::Ltr => Placed {
                        offset: (d, 0),
                        repeat: Some((-c, 0)),
                    },
                    Direction::Up => Placed {
                        offset: (0, -d),
                        repeat: Some((0, c)),
                    },
                    Direction::Down => Placed {
                        offset: (0, d),
                        repeat: Some((0, -c)),
                    },
                }
            }
            Mode::Bounce | Mode::Clip => {
                let travel = content - window;
                let moving = self.ticks_for(travel);
                let d = if self.mode == Mode::Clip {
                    if t < pause {
                        0
                    } else {
                        self.distance(t - pause).min(travel)
                    }
                } else {
                    let end = u64::from(self.pause_end);
                    let phase = t % (pause + moving + end + moving).max(1);
                    if phase < pause {
                        0
                    } else if phase < pause + moving {
                        self.distance(phase - pause).min(travel)
                    } else if phase < pause + moving + end {
                        travel
                    } else {
                        travel.saturating_sub(self.distance(phase - pause - moving - end))
                    }
                };
                let (d, travel) = (d as i32, travel as i32);
                let offset = match self.direction {
                    Direction::Rtl => (-d, 0),
                    Direction::Ltr => (d - travel, 0),
                    Direction::Up => (0, -d),
                    Direction::Down => (0, d - travel),
                };
                Placed {
                    offset,
                    repeat: None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scroll(direction: Direction, mode: Mode) -> Scroll {
        Scroll {
            direction,
            mode,
            px_per_step: 1,
            ticks_per_step: 1,
            gap: 10,
            pause: 5,
            pause_end: 3,
        }
    }

    #[test]
    fn loop_pauses_moves_and_wraps() {
        let s = scroll(Direction::Rtl, Mode::Loop);
        // content 30, window 20, gap 10: a cycle is 40 px, the period 5 + 40 ticks.
        assert_eq!(s.at(0, 30, 20).offset, (0, 0));
        assert_eq!(s.at(4, 30, 20).offset, (0, 0), "still pausing");
        assert_eq!(s.at(6, 30, 20).offset, (-1, 0));
        assert_eq!(s.at(44, 30, 20).offset, (-39, 0));
        assert_eq!(
            s.at(45, 30, 20).offset,
            (0, 0),
            "wrapped to the start, pausing again"
        );
        assert_eq!(
            s.at(45 * 1000 + 7, 30, 20).offset,
            (-2, 0),
            "tick 45 007 directly"
        );
        assert_eq!(s.at(6, 30, 20).repeat, Some((40, 0)));
    }

    #[test]
    fn every_direction() {
        for (dir, off, rep) in [
            (Direction::Rtl, (-3, 0), (40, 0)),
            (Direction::Ltr, (3, 0), (-40, 0)),
            (Direction::Up, (0, -3), (0, 40)),
            (Direction::Down, (0, 3), (0, -40)),
        ] {
            let p = scroll(dir, Mode::Loop).at(8, 30, 20);
            assert_eq!((p.offset, p.repeat), (off, Some(rep)), "{dir:?}");
        }
    }

    #[test]
    fn content_that_fits_does_not_move() {
        assert_eq!(
            scroll(Direction::Rtl, Mode::Loop).at(100, 20, 20),
            Placed::default()
        );
    }

    #[test]
    fn speed_in_both_units() {
        let fast = Scroll {
            px_per_step: 3,
            ..scroll(Direction::Rtl, Mode::Clip)
        };
        assert_eq!(fast.at(7, 100, 20).offset, (-6, 0));
        let slow = Scroll {
            ticks_per_step: 4,
            ..scroll(Direction::Rtl, Mode::Clip)
        };
        assert_eq!(slow.at(5 + 9, 100, 20).offset, (-2, 0));
    }

    #[test]
    fn bounce_ends_and_pauses() {
        let s = scroll(Direction::Rtl, Mode::Bounce);
        // travel 10: pause 5, move 10, pause_end 3, back 10 → period 28.
        assert_eq!(s.at(5, 30, 20).offset, (0, 0));
        assert_eq!(s.at(15, 30, 20).offset, (-10, 0), "reached the end");
        assert_eq!(s.at(17, 30, 20).offset, (-10, 0), "pausing at the end");
        assert_eq!(s.at(20, 30, 20).offset, (-8, 0), "on the way back");
        assert_eq!(s.at(28, 30, 20).offset, (0, 0), "back at the start");
        let l = scroll(Direction::Ltr, Mode::Bounce);
        assert_eq!(
            l.at(0, 30, 20).offset,
            (-10, 0),
            "ltr starts showing the right end"
        );
        assert_eq!(l.at(15, 30, 20).offset, (0, 0));
    }

    #[test]
    fn a_longer_group_period_waits_at_the_start() {
        let s = scroll(Direction::Rtl, Mode::Loop);
        // Own period 45; in a group of period 60 it waits at 0 from tick 45 to 59.
        assert_eq!(s.at_with_period(44, 30, 20, Some(60)).offset, (-39, 0));
        assert_eq!(s.at_with_period(50, 30, 20, Some(60)).offset, (0, 0));
        assert_eq!(
            s.at_with_period(66, 30, 20, Some(60)).offset,
            (-1, 0),
            "restarts with the group"
        );
    }

    #[test]
    fn clip_stops_at_the_end() {
        let s = scroll(Direction::Up, Mode::Clip);
        assert_eq!(s.at(4, 30, 20).offset, (0, 0));
        assert_eq!(s.at(10, 30, 20).offset, (0, -5));
        assert_eq!(s.at(10_000, 30, 20).offset, (0, -10));
        assert_eq!(s.at(10_000, 30, 20).repeat, None);
    }
}

/// How a movement speeds up and slows down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Easing {
    /// Constant speed (the default).
    #[default]
    Linear,
    /// Slow start.
    EaseIn,
    /// Slow end.
    EaseOut,
    /// Slow start and end.
    EaseInOut,
}

impl Easing {
    /// Progress 0..=1 after `elapsed` of `duration` ticks, eased. Integer maths keeps it
    /// exact and the same on every machine.
    pub fn apply(self, elapsed: u64, duration: u64) -> f64 {
        if duration == 0 || elapsed >= duration {
            return 1.0;
        }
        let x = elapsed as f64 / duration as f64;
        match self {
            Easing::Linear => x,
            Easing::EaseIn => x * x,
            Easing::EaseOut => 1.0 - (1.0 - x) * (1.0 - x),
            Easing::EaseInOut => {
                if x < 0.5 {
                    2.0 * x * x
                } else {
                    1.0 - 2.0 * (1.0 - x) * (1.0 - x)
                }
            }
        }
    }
}

/// A slide: wait, move by `by` over `duration` ticks, wait, and (with `back`) return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Slide {
    /// How far to move, in pixels.
    pub by: (i32, i32),
    /// Ticks the movement takes (default 30).
    #[serde(default = "thirty")]
    pub duration: u32,
    /// Ticks to wait before moving (default 0).
    #[serde(default)]
    pub pause: u32,
    /// Ticks to wait at the far end (default 0).
    #[serde(default)]
    pub pause_end: u32,
    /// Move back afterwards (default true).
    #[serde(default = "yes")]
    pub back: bool,
    /// Start again after coming back (default true).
    #[serde(default = "yes")]
    pub repeat: bool,
    /// Speed curve (default linear).
    #[serde(default)]
    pub easing: Easing,
}

fn thirty() -> u32 {
    30
}

fn yes() -> bool {
    true
}

impl Slide {
    /// Ticks after the start from which it stays where it is (None: it repeats).
    pub fn settled_after(&self) -> Option<u64> {
        let (pause, dur, end) = (
            u64::from(self.pause),
            u64::from(self.duration),
            u64::from(self.pause_end),
        );
        let period = if self.back {
            pause + dur + end + dur
        } else {
            pause + dur
        };
        (!self.repeat || period == 0).then_some(period)
    }

    /// The offset at `t` ticks after the start.
    pub fn at(&self, t: u64) -> (i32, i32) {
        let (pause, dur, end) = (
            u64::from(self.pause),
            u64::from(self.duration),
            u64::from(self.pause_end),
        );
        let period = if self.back {
            pause + dur + end + dur
        } else {
            pause + dur
        };
        let t = if self.repeat && period > 0 {
            t % period
        } else {
            t.min(period)
        };
        let f = if t < pause {
            0.0
        } else if t < pause + dur {
            self.easing.apply(t - pause, dur)
        } else if !self.back || t < pause + dur + end {
            1.0
        } else {
            1.0 - self.easing.apply(t - pause - dur - end, dur)
        };
        let lerp = |v: i32| (f64::from(v) * f).round() as i32;
        (lerp(self.by.0), lerp(self.by.1))
    }
}

#[cfg(test)]
mod slide_tests {
    use super::*;

    #[test]
    fn easing_curves() {
        assert_eq!(Easing::Linear.apply(5, 10), 0.5);
        assert_eq!(Easing::EaseInOut.apply(5, 10), 0.5);
        assert!(Easing::EaseInOut.apply(2, 10) < 0.2);
        assert!(Easing::EaseOut.apply(2, 10) > 0.2);
        assert_eq!(Easing::EaseIn.apply(10, 10), 1.0);
    }

    #[test]
    fn slide_there_and_back() {
        let s = Slide {
            by: (40, -10),
            duration: 10,
            pause: 5,
            pause_end: 3,
            back: true,
            repeat: true,
            easing: Easing::Linear,
        };
        assert_eq!(s.at(0), (0, 0));
        assert_eq!(s.at(10), (20, -5));
        assert_eq!(s.at(15), (40, -10));
        assert_eq!(s.at(17), (40, -10), "pausing at the end");
        assert_eq!(s.at(23), (20, -5), "halfway back");
        assert_eq!(s.at(28), (0, 0), "back, and the cycle starts again");
        assert_eq!(s.at(28 * 100 + 10), (20, -5));
        let once = Slide {
            back: false,
            repeat: false,
            ..s
        };
        assert_eq!(once.at(1000), (40, -10), "stays at the end");
    }
}
