//! The stand-in for the Prometheus metrics in a build without the `http` feature: no
//! `/metrics` to serve, so the tick's timing is not kept.

use crate::app::Pacing;

/// Tick timing, not kept in this build.
#[derive(Debug, Default)]
pub struct Timing(());

impl Timing {
    /// Does nothing: there is no `/metrics` to report to.
    pub fn observe(&self, _pacing: &Pacing, _seen: &mut LateSeen, _advanced: bool) {}
}

/// What [`Timing::observe`] has seen: nothing in this build.
#[derive(Debug, Default)]
pub struct LateSeen;
