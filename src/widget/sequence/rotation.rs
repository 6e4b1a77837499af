//! A sequence's rotation as a function of the tick and of the ticks at which its pages'
//! conditions (or an alert's `on_change` keys) changed.
//!
//! * The rotation shows its pages in turn, each for its `duration`, skipping pages whose
//!   `when` is false or that are cooling down. A page whose `when` turns false leaves
//!   after its `min_duration`. When no page may be shown, the page marked `default: true`
//!   is shown (if its own `when` allows), else nothing.
//! * An alert (a page with a `priority`) is shown while its condition holds, from tick 0
//!   on if it holds then. With a `duration` it is shown for that long at most and shown
//!   again `cooldown` ticks after it ended while the condition still holds. An
//!   `on_change` alert is raised by a change of one of its keys (while its `when` holds)
//!   and shown for its duration. The highest priority wins; while an alert is shown the
//!   rotation waits and then resumes where it was.
//! * A page the `alert` command forces is shown above all of that until its end tick.
//!
//! Between data changes nothing but time moves, so [`advance`] jumps from one event
//! (a page's time up, an alert's end, a cool-down's end) to the next: jumping straight
//! to a tick gives the same state as stepping through every tick.

use crate::widget::sequence::{Page, SequenceState};

/// The page shown: the alert, else the rotation's page, else the default page.
pub fn displayed(st: &SequenceState, pages: &[&Page]) -> Option<usize> {
    st.alert
        .or(st.current)
        .or_else(|| pages.iter().position(|p| p.default && p.eligible))
}

/// Brings the state to tick `t`; `changed` are the keys that changed at `t`.
///
/// A long jump costs at most one cycle of events: between data changes the rotation is
/// periodic, so once the state after an event repeats (relative to the event's tick) the
/// whole periods before `t` are skipped at once.
pub fn advance(st: &mut SequenceState, pages: &[&Page], changed: &[String], t: u64) {
    // A seek: the rotation started at its origin, as if every tick since had run.
    if !st.started
        && let Some(origin) = st.origin.take()
        && origin < t
    {
        step(st, pages, &[], origin);
        st.last_tick = origin;
    }
    if st.started && st.last_shown.len() == pages.len() {
        let mut u = st.last_tick.saturating_add(1);
        let mut cycle = Cycle::new(pages);
        while u < t {
            match next_event(st, pages, u) {
                Some(e) if e < t => {
                    step(st, pages, &[], e);
                    u = e.saturating_add(1);
                    if let Some(by) = cycle.skip(st, e, t) {
                        u = u.saturating_add(by);
                    }
                }
                _ => break,
            }
        }
    }
    step(st, pages, changed, t);
    st.last_tick = t;
}

/// Most states remembered while looking for a cycle (beyond it the jump goes on event by
/// event, as before: slower, never wrong).
const CYCLE_STATES: usize = 4096;

/// Looks for the state after an event repeating, to skip whole periods.
struct Cycle {
    /// Relative times at least this large all behave alike (past every duration).
    cap: u64,
    /// State key → the event's tick and the state after it.
    seen: std::collections::HashMap<Vec<u64>, (u64, SequenceState)>,
    /// The periods were skipped already.
    done: bool,
}

impl Cycle {
    fn new(pages: &[&Page]) -> Cycle {
        let cap = pages
            .iter()
            .map(|p| p.duration.max(p.min_duration).max(p.cooldown))
            .max()
            .map_or(1, |m| u64::from(m) + 1);
        Cycle {
            cap,
            seen: std::collections::HashMap::new(),
            done: false,
        }
    }

    /// After the event at `e` on the way to `t`: when the state repeats one seen at an
    /// earlier event, moves it on by the whole periods that fit before `t` and returns
    /// by how many ticks.
    fn skip(&mut self, st: &mut SequenceState, e: u64, t: u64) -> Option<u64> {
        if self.done || self.seen.len() >= CYCLE_STATES {
            return None;
        }
        let key = self.key(st, e);
        let (prev, before) = self.seen.insert(key, (e, st.clone()))?;
        self.done = true;
        let period = e - prev;
        let periods = t.saturating_sub(1).saturating_sub(e) / period;
        let by = periods.checked_mul(period)?;
        if by == 0 {
            return None;
        }
        // A time set during the last period is set a period later in each later one;
        // one that was not set stays.
        let shift = |v: &mut u64, was: u64| {
            if *v != was {
                *v = v.saturating_add(by);
            }
        };
        shift(&mut st.since, before.since);
        let lists = [
            (&mut st.last_shown, &before.last_shown),
            (&mut st.alert_since, &before.alert_since),
            (&mut st.alert_ended, &before.alert_ended),
        ];
        for (now, was) in lists {
            for (v, w) in now.iter_mut().zip(was) {
                if let (Some(v), Some(w)) = (v.as_mut(), w) {
                    shift(v, *w);
                }
            }
        }
        if let Some((_, _, at)) = st.transition.as_mut() {
            // None before: the transition started during the period.
            let was = before.transition.map_or(u64::MAX, |(_, _, w)| w);
            shift(at, was);
        }
        Some(by)
    }

    /// Everything [`step`] and [`next_event`] read, with times relative to `e` (capped).
    fn key(&self, st: &SequenceState, e: u64) -> Vec<u64> {
        let rel = |v: u64| e.saturating_sub(v).min(self.cap);
        let opt = |v: Option<u64>| v.map_or(u64::MAX, rel);
        let idx = |v: Option<usize>| v.map_or(u64::MAX, |i| i as u64);
        let mut key = vec![
            idx(st.current),
            idx(st.alert),
            rel(st.since),
            st.paused.min(self.cap),
        ];
        key.extend(st.last_shown.iter().map(|v| opt(*v)));
        key.extend(st.alert_since.iter().map(|v| opt(*v)));
        key.extend(st.alert_ended.iter().map(|v| opt(*v)));
        key
    }
}

fn in_rotation(p: &Page) -> bool {
    p.priority.is_none() && !p.default
}

/// Can page `j` join the rotation at tick `t`?
fn available(pages: &[&Page], st: &SequenceState, j: usize, t: u64) -> bool {
    let p = pages[j];
    in_rotation(p)
        && p.eligible
        && st.last_shown[j].is_none_or(|l| t.saturating_sub(l) >= u64::from(p.cooldown))
}

/// The state machine at one tick.
fn step(st: &mut SequenceState, pages: &[&Page], changed: &[String], t: u64) {
    let n = pages.len();
    let first = !st.started || st.last_shown.len() != n;
    if first {
        *st = SequenceState {
            current: None,
            since: t,
            last_shown: vec![None; n],
            alert_since: vec![None; n],
            alert_ended: vec![None; n],
            started: true,
            last_tick: t,
            ..SequenceState::default()
        };
        let current = (0..n).find(|&j| available(pages, st, j, t));
        st.current = current;
    }
    let before = displayed(st, pages);
    update_alerts(st, pages, changed, t);
    if st.forced.is_some_and(|(i, end)| t >= end || i >= n) {
        st.forced = None;
    }
    let top = st.forced.map(|(i, _)| i).or_else(|| {
        (0..n)
            .filter(|&i| st.alert_since[i].is_some())
            .max_by_key(|&i| (pages[i].priority.unwrap_or(0), std::cmp::Reverse(i)))
    });
    if top != st.alert {
        match (st.alert, top) {
            (None, Some(_)) => st.paused = t.saturating_sub(st.since),
            (Some(_), None) => st.since = t.saturating_sub(st.paused),
            _ => {}
        }
        if let Some(a) = st.alert {
            st.last_shown[a] = Some(t);
        }
        st.alert = top;
    }
    if st.alert.is_none() {
        rotate(st, pages, t);
    }
    let after = displayed(st, pages);
    if before != after && !first {
        st.transition = Some((before, after, t));
    }
}

/// Starts and ends alerts at tick `t`.
fn update_alerts(st: &mut SequenceState, pages: &[&Page], changed: &[String], t: u64) {
    for (i, p) in pages.iter().enumerate() {
        if p.priority.is_none() {
            continue;
        }
        let touched = p.on_change.iter().any(|k| changed.contains(k));
        if let Some(start) = st.alert_since[i] {
            let shown = t.saturating_sub(start);
            let over = (!p.eligible && shown >= u64::from(p.min_duration))
                || (!p.hold && shown >= u64::from(p.duration));
            if touched && p.eligible {
                st.alert_since[i] = Some(t);
            } else if over {
                st.alert_since[i] = None;
                st.alert_ended[i] = Some(t);
            }
        }
        if st.alert_since[i].is_none() {
            let cooled =
                st.alert_ended[i].is_none_or(|e| t.saturating_sub(e) >= u64::from(p.cooldown));
            let raised = if p.on_change.is_empty() {
                p.eligible
            } else {
                p.eligible && touched
            };
            if raised && cooled {
                st.alert_since[i] = Some(t);
            }
        }
    }
}

/// The rotation at tick `t` (no alert shown).
fn rotate(st: &mut SequenceState, pages: &[&Page], t: u64) {
    let n = pages.len();
    let Some(c) = st.current else {
        if let Some(j) = (0..n).find(|&j| available(pages, st, j, t)) {
            st.current = Some(j);
            st.since = t;
        }
        return;
    };
    let p = pages[c];
    let shown_for = t.saturating_sub(st.since);
    let must_leave = shown_for >= u64::from(p.duration)
        || (!p.eligible && shown_for >= u64::from(p.min_duration))
        || !in_rotation(p);
    if !must_leave {
        return;
    }
    let next = (1..n)
        .map(|k| (c + k) % n)
        .find(|&j| available(pages, st, j, t));
    match next {
        Some(j) => {
            st.last_shown[c] = Some(t);
            st.current = Some(j);
            st.since = t;
        }
        // Only this page may be shown: it starts its time again.
        None if p.eligible && in_rotation(p) => st.since = t,
        None => {
            st.last_shown[c] = Some(t);
            st.current = None;
            st.since = t;
        }
    }
}

/// The first tick after `t` at which the rotation could change without a data change
/// (None: never); the tickless runner sleeps until then.
pub fn next_change(st: &SequenceState, pages: &[&Page], t: u64) -> Option<u64> {
    next_event(st, pages, t.saturating_add(1))
}

/// The first tick from `u` on at which [`step`] could change the state without a data
/// change (None: never).
fn next_event(st: &SequenceState, pages: &[&Page], u: u64) -> Option<u64> {
    let mut best: Option<u64> = None;
    let mut at = |tick: u64| {
        let tick = tick.max(u);
        best = Some(best.map_or(tick, |b| b.min(tick)));
    };
    if let Some((_, end)) = st.forced {
        at(end);
    }
    for (i, p) in pages.iter().enumerate() {
        if p.priority.is_none() {
            continue;
        }
        match st.alert_since[i] {
            Some(start) => {
                if !p.hold {
                    at(start.saturating_add(u64::from(p.duration)));
                }
                if !p.eligible {
                    at(start.saturating_add(u64::from(p.min_duration)));
                }
            }
            None if p.eligible && p.on_change.is_empty() => {
                at(st.alert_ended[i].map_or(u, |e| e.saturating_add(u64::from(p.cooldown))));
            }
            None => {}
        }
    }
    if st.alert.is_none() {
        match st.current {
            Some(c) => {
                let p = pages[c];
                at(st.since.saturating_add(u64::from(p.duration)));
                if !p.eligible {
                    at(st.since.saturating_add(u64::from(p.min_duration)));
                }
            }
            None => {
                for (j, p) in pages.iter().enumerate() {
                    if in_rotation(p) && p.eligible {
                        at(st.last_shown[j].map_or(u, |l| l.saturating_add(u64::from(p.cooldown))));
                    }
                }
            }
        }
    }
    best
}

#[cfg(test)]
#[path = "rotation_tests.rs"]
mod tests;
