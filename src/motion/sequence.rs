//! Running sequences: which page is shown at each tick, alerts preempting the rotation
//! and resuming it, and transitions computed from the tick they started.

use bevy_ecs::prelude::*;

use crate::app::Tick;
use crate::data::Dataset;
use crate::render::FrameBuffer;
use crate::render::compose::{Placement, Visible, WidgetLayer};
use crate::widget::sequence::{Page, Sequence, SequenceState, Transition};

/// How one page looks this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Look {
    visible: bool,
    offset: (i32, i32),
    transparency: u8,
    /// Drawn above the other pages (the incoming page of a fade).
    on_top: bool,
}

/// Advances every sequence's rotation and places its pages for this tick.
pub fn run_sequences(
    tick: Res<Tick>,
    fb: Res<FrameBuffer>,
    data: Option<Res<Dataset>>,
    mut seqs: Query<(&mut Sequence, &Children)>,
    pages: Query<&Page>,
    mut looks: Query<(&mut Visible, &mut WidgetLayer, &mut Placement), With<Page>>,
) {
    let changed: &[String] = data.as_ref().map_or(&[], |d| d.changed());
    for (mut seq, children) in &mut seqs {
        let ids: Vec<Entity> = children.iter().filter(|c| pages.contains(*c)).collect();
        let list: Vec<&Page> = ids.iter().filter_map(|id| pages.get(*id).ok()).collect();
        if list.is_empty() {
            continue;
        }
        let seq = &mut *seq;
        step(&mut seq.state, &list, changed, tick.0);
        let fade_ok = fb.mode().has_levels();
        for (i, id) in ids.iter().enumerate() {
            let look = look_of(seq, i, tick.0, fade_ok);
            if let Ok((mut visible, mut wl, mut placement)) = looks.get_mut(*id) {
                let z = i32::from(look.on_top);
                if placement.z != z {
                    placement.z = z;
                }
                if visible.0 != look.visible {
                    visible.0 = look.visible;
                }
                if wl.offset != look.offset || wl.transparency != look.transparency {
                    wl.offset = look.offset;
                    wl.transparency = look.transparency;
                }
            }
        }
    }
}

/// Can page `j` join the rotation at tick `t`?
fn available(pages: &[&Page], st: &SequenceState, j: usize, t: u64) -> bool {
    let p = pages[j];
    p.priority.is_none()
        && p.eligible
        && st.last_shown[j].is_none_or(|l| t.saturating_sub(l) >= u64::from(p.cooldown))
}

/// The rotation's state machine for one tick.
fn step(st: &mut SequenceState, pages: &[&Page], changed: &[String], t: u64) {
    let n = pages.len();
    if !st.started || st.last_shown.len() != n {
        *st = SequenceState {
            current: (0..n)
                .find(|&j| pages[j].priority.is_none() && pages[j].eligible)
                .unwrap_or(0),
            since: t,
            last_shown: vec![None; n],
            was_eligible: pages.iter().map(|p| p.eligible).collect(),
            started: true,
            ..SequenceState::default()
        };
    }
    // Alerts: a rising condition or a changed key; a higher priority replaces a lower one.
    for (i, p) in pages.iter().enumerate() {
        let Some(priority) = p.priority else { continue };
        let rising = p.on_change.is_empty() && p.eligible && !st.was_eligible[i];
        let touched = p.eligible && p.on_change.iter().any(|k| changed.contains(k));
        if !(rising || touched) {
            continue;
        }
        let current_priority = st.alert.and_then(|(a, ..)| pages[a].priority);
        if current_priority.is_some_and(|c| c > priority) {
            continue;
        }
        let shown = st.alert.map_or(st.current, |(a, ..)| a);
        let interrupted = st.alert.map_or(t.saturating_sub(st.since), |(.., e)| e);
        st.alert = Some((i, t, interrupted));
        if shown != i {
            st.transition = Some((shown, i, t));
        }
    }
    for (i, p) in pages.iter().enumerate() {
        st.was_eligible[i] = p.eligible;
    }
    if let Some((a, start, elapsed)) = st.alert {
        if t.saturating_sub(start) >= u64::from(pages[a].duration) {
            st.alert = None;
            st.last_shown[a] = Some(t);
            // Resume the interrupted page where it was.
            st.since = t.saturating_sub(elapsed);
            st.transition = Some((a, st.current, t));
        }
        return;
    }
    let p = pages[st.current];
    let shown_for = t.saturating_sub(st.since);
    let must_leave = shown_for >= u64::from(p.duration)
        || (!p.eligible && shown_for >= u64::from(p.min_duration))
        || p.priority.is_some();
    if !must_leave {
        return;
    }
    let next = (1..=n)
        .map(|k| (st.current + k) % n)
        .find(|&j| available(pages, st, j, t));
    match next {
        Some(j) if j != st.current => {
            st.last_shown[st.current] = Some(t);
            st.transition = Some((st.current, j, t));
            st.current = j;
            st.since = t;
        }
        // Only this page may be shown (or none): it starts its time again.
        _ => st.since = t,
    }
}

/// Page `i`'s visibility, offset and transparency at tick `t` (a function of the tick
/// and the transition's start).
fn look_of(seq: &Sequence, i: usize, t: u64, fade_ok: bool) -> Look {
    let st = &seq.state;
    let shown = st.alert.map_or(st.current, |(a, ..)| a);
    let (w, h) = (seq.size.0 as f64, seq.size.1 as f64);
    let kind = match seq.transition {
        Transition::Fade if !fade_ok => Transition::Cut,
        k => k,
    };
    if let Some((from, to, start)) = st.transition {
        let dt = t.saturating_sub(start);
        let len = u64::from(seq.transition_ticks);
        if kind != Transition::Cut && dt < len && (i == from || i == to) && from != to {
            let f = seq.easing.apply(dt, len);
            let incoming = i == to;
            let (ox, oy) = match kind {
                Transition::SlideLeft => (if incoming { w * (1.0 - f) } else { -w * f }, 0.0),
                Transition::SlideRight => (if incoming { -w * (1.0 - f) } else { w * f }, 0.0),
                Transition::SlideUp => (0.0, if incoming { h * (1.0 - f) } else { -h * f }),
                Transition::SlideDown => (0.0, if incoming { -h * (1.0 - f) } else { h * f }),
                _ => (0.0, 0.0),
            };
            // A cross-fade: the new page, drawn on top, fades in over the old one.
            let fading_in = kind == Transition::Fade && incoming;
            let transparency = if fading_in {
                (255.0 * (1.0 - f)).round() as u8
            } else {
                0
            };
            let offset = (ox.round() as i32, oy.round() as i32);
            return Look {
                visible: true,
                offset,
                transparency,
                on_top: fading_in,
            };
        }
    }
    Look {
        visible: i == shown,
        ..Look::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::motion::timeline::Easing;

    fn page(duration: u32) -> Page {
        Page {
            duration,
            min_duration: 0,
            cooldown: 0,
            priority: None,
            on_change: vec![],
            eligible: true,
        }
    }

    #[test]
    fn rotates_skips_and_honours_cooldown() {
        let mut pages = [page(10), page(5), page(5)];
        pages[1].eligible = false;
        pages[2].cooldown = 100;
        let refs: Vec<&Page> = pages.iter().collect();
        let mut st = SequenceState::default();
        let mut shown = Vec::new();
        for t in 0..60 {
            step(&mut st, &refs, &[], t);
            shown.push(st.current);
        }
        assert_eq!(shown[0..10], [0; 10]);
        assert_eq!(shown[10..15], [2; 5], "page 1 is skipped while false");
        assert_eq!(shown[15..25], [0; 10]);
        assert_eq!(shown[25], 0, "page 2 is cooling down, page 0 goes on");
    }

    #[test]
    fn transitions_move_both_pages_by_the_tick() {
        let mut seq = Sequence {
            size: (100, 40),
            transition: Transition::SlideLeft,
            transition_ticks: 10,
            easing: Easing::Linear,
            state: SequenceState {
                current: 1,
                transition: Some((0, 1, 100)),
                started: true,
                ..SequenceState::default()
            },
        };
        for (kind, out, inc) in [
            (Transition::SlideLeft, (-50, 0), (50, 0)),
            (Transition::SlideRight, (50, 0), (-50, 0)),
            (Transition::SlideUp, (0, -20), (0, 20)),
            (Transition::SlideDown, (0, 20), (0, -20)),
        ] {
            seq.transition = kind;
            assert_eq!(look_of(&seq, 0, 105, true).offset, out, "{kind:?} outgoing");
            assert_eq!(look_of(&seq, 1, 105, true).offset, inc, "{kind:?} incoming");
            assert_eq!(
                look_of(&seq, 0, 110, true),
                Look::default(),
                "{kind:?} done: old page hidden"
            );
        }
        seq.transition = Transition::Fade;
        assert_eq!(look_of(&seq, 1, 105, true).transparency, 128);
        assert_eq!(
            look_of(&seq, 1, 105, false),
            Look {
                visible: true,
                ..Look::default()
            },
            "no fade on mono: a cut"
        );
    }

    #[test]
    fn a_page_whose_condition_fails_stays_its_minimum() {
        let mut pages = [page(50), page(50)];
        pages[0].min_duration = 10;
        let mut st = SequenceState::default();
        step(&mut st, &pages.iter().collect::<Vec<_>>(), &[], 0);
        pages[0].eligible = false;
        let refs: Vec<&Page> = pages.iter().collect();
        for t in 1..10 {
            step(&mut st, &refs, &[], t);
            assert_eq!(st.current, 0, "tick {t}: still within its minimum");
        }
        step(&mut st, &refs, &[], 10);
        assert_eq!(st.current, 1);
    }

    #[test]
    fn an_alert_preempts_and_the_rotation_resumes_where_it_was() {
        let mut pages = [page(20), page(20), page(6)];
        pages[2].priority = Some(1);
        pages[2].on_change = vec!["mpd.volume".into()];
        let refs: Vec<&Page> = pages.iter().collect();
        let mut st = SequenceState::default();
        for t in 0..5 {
            step(&mut st, &refs, &[], t);
        }
        step(&mut st, &refs, &["mpd.volume".to_string()], 5);
        assert_eq!(st.alert.map(|a| a.0), Some(2));
        for t in 6..11 {
            step(&mut st, &refs, &[], t);
            assert!(st.alert.is_some(), "alert still shown at {t}");
        }
        step(&mut st, &refs, &[], 11);
        assert_eq!((st.alert, st.current), (None, 0));
        // Page 0 had shown 5 of its 20 ticks: it leaves 15 ticks after the resume.
        for t in 12..26 {
            step(&mut st, &refs, &[], t);
            assert_eq!(st.current, 0, "tick {t}");
        }
        step(&mut st, &refs, &[], 26);
        assert_eq!(st.current, 1);
    }
}
