//! Prometheus inputs: the tick's timing (how long its schedule took, how late its frame
//! was presented), observed at `Present` into
//! [`Published::timing`](super::publish::Published::timing) for `/metrics` while a
//! surface is attached.

use bevy_ecs::prelude::*;

use crate::app::{Pacing, Tick};

/// What the observer remembers between ticks.
#[derive(Default)]
pub struct Observed {
    late_seen: super::metrics::LateSeen,
    /// The tick the timing was last observed at (a paused run repeats it).
    tick: Option<u64>,
}

/// Observes the last tick's timing (runs beside [`publish`](super::publish::publish),
/// under the same condition).
pub fn observe(
    inbox: Res<super::ControlInbox>,
    tick: Res<Tick>,
    pacing: Option<Res<Pacing>>,
    mut me: Local<Observed>,
) {
    let Some(p) = &pacing else { return };
    let me = &mut *me;
    let advanced = me.tick != Some(tick.0);
    me.tick = Some(tick.0);
    inbox
        .published()
        .timing
        .observe(p, &mut me.late_seen, advanced);
}
