//! Replaying a recording ([`super::record`]): the scene runs with no sources; each update
//! gets the recorded tick jumps, control commands and dataset changes at the same place
//! in the schedule, so the frames are the recorded run's, bit for bit.

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;

use super::apply::apply;
use super::command::Command;
use super::record::{LineReader, RecordedUpdate};
use crate::app::Tick;
use crate::app::{TickSchedule, TickSet};
use crate::data::{Dataset, IngestSet};

/// The recording being replayed, read a line at a time, and the update being run (a
/// resource).
#[derive(Resource, Debug, Default)]
pub struct Replay {
    reader: Option<LineReader>,
    ahead: Option<RecordedUpdate>,
    current: Option<RecordedUpdate>,
    update: u64,
}

impl Replay {
    /// A replay of the lines `reader` has still to give (in file order).
    pub fn new(reader: LineReader) -> Replay {
        Replay {
            reader: Some(reader),
            ..Replay::default()
        }
    }

    /// The next line, read when needed (None at the end).
    fn peek(&mut self) -> Option<&RecordedUpdate> {
        if self.ahead.is_none()
            && let Some(reader) = self.reader.as_mut()
        {
            match reader.next_line() {
                Ok(Some(line)) => self.ahead = Some(line),
                Ok(None) => self.reader = None,
                Err(e) => {
                    // Checked before the replay started: the file changed since.
                    log::warn!("replay: {e}; the recording ends here");
                    self.reader = None;
                }
            }
        }
        self.ahead.as_ref()
    }
}

/// Takes this update's line and applies its tick jump (first thing at `Ingest`).
pub fn begin(mut replay: ResMut<Replay>, mut tick: ResMut<Tick>) {
    let u = replay.update;
    while replay.peek().is_some_and(|l| l.u < u) {
        replay.ahead = None;
    }
    replay.current = if replay.peek().is_some_and(|l| l.u == u && !l.end) {
        replay.ahead.take()
    } else {
        None
    };
    if let Some(to) = replay.current.as_ref().and_then(|l| l.tick_to) {
        tick.0 = to;
    }
}

/// Applies this update's recorded commands where the live ones were applied (`set`s are
/// left out: their effect is among the recorded dataset changes).
pub fn commands(world: &mut World) {
    let cmds: Vec<Command> = world
        .get_resource::<Replay>()
        .and_then(|r| r.current.as_ref())
        .map(|l| l.cmd.clone())
        .unwrap_or_default();
    for c in cmds {
        if !matches!(c, Command::Set { .. }) {
            let reply = apply(world, &c);
            if let super::Reply::Error(e) = reply {
                log::warn!("replay: {} refused: {e}", c.name());
            }
        }
    }
}

/// Applies this update's recorded dataset changes (end of `Ingest`).
pub fn data(replay: Res<Replay>, mut data: ResMut<Dataset>, tick: Res<Tick>) {
    let Some(line) = replay.current.as_ref() else {
        return;
    };
    for (k, v) in &line.set {
        data.set(k, v.clone(), tick.0);
    }
}

/// Counts the update.
pub fn advance(mut replay: ResMut<Replay>) {
    replay.update += 1;
    replay.current = None;
}

/// Feeds a [`Replay`] into the tick (insert the `Replay` resource too).
#[derive(Debug, Default)]
pub struct ReplayPlugin;

impl Plugin for ReplayPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Replay>();
        app.add_systems(
            TickSchedule,
            (
                begin
                    .before(crate::data::begin_tick)
                    .in_set(IngestSet::Begin),
                commands
                    .after(crate::data::begin_tick)
                    .before(super::apply::apply_commands)
                    .in_set(IngestSet::Begin),
                data.after(crate::data::ingest::ingest)
                    .in_set(IngestSet::Receive),
                advance
                    .after(crate::app::tick::advance_tick)
                    .in_set(TickSet::Advance),
                // A replay runs every recorded update (their tick jumps are recorded).
                (|mut plan: ResMut<crate::app::WakePlan>| plan.every_tick())
                    .in_set(crate::app::PlanWake),
            ),
        );
    }
}

/// Records the run into a [`super::record::Recorder`] (insert it too).
#[derive(Debug, Default)]
pub struct RecordPlugin;

impl Plugin for RecordPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<super::Applied>();
        app.add_systems(
            TickSchedule,
            (
                super::record::record
                    .after(crate::data::ingest::ingest)
                    .in_set(IngestSet::Receive),
                super::record::after_advance
                    .after(crate::app::tick::advance_tick)
                    .in_set(TickSet::Advance),
            ),
        );
        app.add_systems(
            crate::app::Shutdown,
            (|rec: Option<ResMut<super::record::Recorder>>| {
                if let Some(mut rec) = rec {
                    rec.finish();
                }
            })
            .in_set(crate::app::ShutdownSet::Inputs),
        );
    }
}
