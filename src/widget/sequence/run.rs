//! Running sequences: which page is shown at each tick, alerts preempting the rotation
//! and resuming it, and transitions computed from the tick they started.

use bevy_ecs::prelude::*;

use super::rotation;
use crate::app::{NextChange, Tick};
use crate::data::Dataset;
use crate::render::FrameBuffer;
use crate::render::compose::{Placement, Visible, WidgetLayer};
use crate::widget::paged::{PageRequest, Paged};
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

/// A sequence with what it needs this tick: its pages' requests and its wake tick.
type SequenceParts<'a> = (
    &'a mut Sequence,
    &'a Children,
    Option<&'a mut NextChange<Sequence>>,
    Option<&'a mut Paged>,
);

/// Serves the page commands' requests, advances every sequence's rotation, places its
/// pages for this tick and tells its [`Paged`] which page is shown.
pub fn run_sequences(
    tick: Res<Tick>,
    fb: Res<FrameBuffer>,
    data: Option<Res<Dataset>>,
    mut seqs: Query<SequenceParts>,
    pages: Query<&Page>,
    mut looks: Query<(&mut Visible, &mut WidgetLayer, &mut Placement), With<Page>>,
) {
    let changed: &[String] = data.as_ref().map_or(&[], |d| d.changed());
    for (mut seq, children, next, mut paged) in &mut seqs {
        let ids: Vec<Entity> = children.iter().filter(|c| pages.contains(*c)).collect();
        let list: Vec<&Page> = ids.iter().filter_map(|id| pages.get(*id).ok()).collect();
        if list.is_empty() {
            continue;
        }
        let seq = &mut *seq;
        if let Some(paged) = paged.as_mut()
            && paged.has_requests()
        {
            serve(&mut seq.state, &list, paged.take_requests());
        }
        rotation::advance(&mut seq.state, &list, changed, tick.0);
        if let Some(paged) = paged.as_mut() {
            report(paged, &seq.state, &list);
        }
        let shown = rotation::displayed(&seq.state, &list);
        if let Some(mut next) = next {
            let at = next_change(seq, &list, tick.0);
            if next.at != at {
                next.at = at;
            }
        }
        let fade_ok = fb.mode().has_levels();
        for (i, id) in ids.iter().enumerate() {
            let look = look_of(seq, shown, i, tick.0, fade_ok);
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

/// Applies the page commands' requests, in the order they came, at the ticks they came.
fn serve(st: &mut SequenceState, pages: &[&Page], requests: Vec<PageRequest>) {
    let eligible: Vec<bool> = pages.iter().map(|p| p.eligible).collect();
    for r in requests {
        match r {
            PageRequest::Show { index, tick } => st.show(index, &eligible, tick),
            PageRequest::Force { index, tick, ticks } => st.force(index, pages.len(), tick, ticks),
        }
    }
}

/// Tells the commands and the state which page is shown (an alert, else the rotation's
/// page), which the rotation is at, and which pages may be shown on request; changes
/// `paged` only where it differs.
fn report(paged: &mut Mut<Paged>, st: &SequenceState, pages: &[&Page]) {
    let current = st.alert.or(st.current);
    let alert = current
        .is_some_and(|i| st.forced.is_some() || pages.get(i).is_some_and(|p| p.priority.is_some()));
    if paged.current != current || paged.turn != st.current || paged.alert != alert {
        paged.current = current;
        paged.turn = st.current;
        paged.alert = alert;
    }
    let stale = paged
        .pages
        .iter()
        .zip(pages)
        .any(|(entry, page)| entry.showable != page.eligible);
    if stale {
        for (entry, page) in paged.pages.iter_mut().zip(pages) {
            entry.showable = page.eligible;
        }
    }
}

/// The next tick after `t` at which `seq` looks different by itself: the next event of
/// its rotation, or the next tick while a transition runs.
fn next_change(seq: &Sequence, pages: &[&Page], t: u64) -> Option<u64> {
    let rotation = rotation::next_change(&seq.state, pages, t);
    let moving = seq.state.transition.is_some_and(|(from, to, start)| {
        seq.transition != Transition::Cut
            && from != to
            && t.saturating_sub(start) < u64::from(seq.transition_ticks)
    });
    let transition = moving.then_some(t + 1);
    match (rotation, transition) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Page `i`'s visibility, offset and transparency at tick `t` (a function of the tick
/// and the transition's start).
fn look_of(seq: &Sequence, shown: Option<usize>, i: usize, t: u64, fade_ok: bool) -> Look {
    let st = &seq.state;
    let i = Some(i);
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
        visible: shown.is_some() && i == shown,
        ..Look::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::Easing;

    #[test]
    fn transitions_move_both_pages_by_the_tick() {
        let mut seq = Sequence {
            size: (100, 40),
            transition: Transition::SlideLeft,
            transition_ticks: 10,
            easing: Easing::Linear,
            state: SequenceState {
                current: Some(1),
                transition: Some((Some(0), Some(1), 100)),
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
            assert_eq!(
                look_of(&seq, Some(1), 0, 105, true).offset,
                out,
                "{kind:?} outgoing"
            );
            assert_eq!(
                look_of(&seq, Some(1), 1, 105, true).offset,
                inc,
                "{kind:?} incoming"
            );
            assert_eq!(
                look_of(&seq, Some(1), 0, 110, true),
                Look::default(),
                "{kind:?} done: old page hidden"
            );
        }
        seq.transition = Transition::Fade;
        assert_eq!(look_of(&seq, Some(1), 1, 105, true).transparency, 128);
        assert_eq!(
            look_of(&seq, Some(1), 1, 105, false),
            Look {
                visible: true,
                ..Look::default()
            },
            "no fade on mono: a cut"
        );
    }
}
