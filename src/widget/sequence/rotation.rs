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
pub fn advance(st: &mut SequenceState, pages: &[&Page], changed: &[String], t: u64) {
    if st.started && st.last_shown.len() == pages.len() {
        let mut u = st.last_tick.saturating_add(1);
        while u < t {
            match next_event(st, pages, u) {
                Some(e) if e < t => {
                    step(st, pages, &[], e);
                    u = e + 1;
                }
                _ => break,
            }
        }
    }
    step(st, pages, changed, t);
    st.last_tick = t;
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
                    at(start + u64::from(p.duration));
                }
                if !p.eligible {
                    at(start + u64::from(p.min_duration));
                }
            }
            None if p.eligible && p.on_change.is_empty() => {
                at(st.alert_ended[i].map_or(u, |e| e + u64::from(p.cooldown)));
            }
            None => {}
        }
    }
    if st.alert.is_none() {
        match st.current {
            Some(c) => {
                let p = pages[c];
                at(st.since + u64::from(p.duration));
                if !p.eligible {
                    at(st.since + u64::from(p.min_duration));
                }
            }
            None => {
                for (j, p) in pages.iter().enumerate() {
                    if in_rotation(p) && p.eligible {
                        at(st.last_shown[j].map_or(u, |l| l + u64::from(p.cooldown)));
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
