//! The orchestrator API for plugins: steer render-ahead at run time and subscribe to what
//! changes in the engine.
//!
//! * Render-ahead: a system takes `ResMut<`[`RenderAhead`]`>` and calls
//!   [`RenderAhead::purge_queue`] (throw away every frame rendered ahead),
//!   [`RenderAhead::render_ahead`] (render the next N ticks now),
//!   [`RenderAhead::set_depth`] and [`RenderAhead::set_workers`].
//! * State changes: with [`OrchestratorPlugin`] added, every dataset key that changes in a
//!   tick is a [`KeyChanged`], both a bevy message (read it with
//!   `MessageReader<KeyChanged>` in a system) and an event observers see
//!   (`app.add_observer(|k: On<KeyChanged>| …)`). Without the plugin nothing is written,
//!   so an engine no plugin listens to pays nothing.
//! * Any message the engine (or a plugin) writes reaches observers too once
//!   [`observe::<M>`](observe) was called: `On<`[`Observed<M>`]`>`.
//!
//! ```no_run
//! use bevy_app::App;
//! use bevy_ecs::prelude::*;
//! use tinydisplay::ahead::RenderAhead;
//! use tinydisplay::orchestrator::{KeyChanged, OrchestratorPlugin};
//!
//! fn on_track(mut keys: MessageReader<KeyChanged>, mut ahead: ResMut<RenderAhead>) {
//!     if keys.read().any(|k| k.key == "mpd.title") {
//!         ahead.purge_queue();
//!         ahead.render_ahead(8);
//!     }
//! }
//!
//! let mut app = App::new();
//! app.add_plugins(OrchestratorPlugin);
//! app.add_systems(tinydisplay::app::TickSchedule, on_track.in_set(tinydisplay::app::TickSet::Animate));
//! app.add_observer(|k: On<KeyChanged>| println!("{} changed at tick {}", k.key, k.tick));
//! ```

use bevy_app::{App, Plugin};
use bevy_ecs::message::{Message, MessageReader, MessageWriter, Messages};
use bevy_ecs::prelude::*;

pub use crate::ahead::RenderAhead;
use crate::app::{Tick, TickSchedule, TickSet};
use crate::data::Dataset;

/// A dataset key changed this tick (set by a source, a command, a rule's default…).
#[derive(Message, Event, Debug, Clone, PartialEq, Eq)]
pub struct KeyChanged {
    /// The dotted key.
    pub key: String,
    /// The tick it changed at.
    pub tick: u64,
}

/// Writes a [`KeyChanged`] message and triggers its observers for every key that changed
/// this tick (after Propagate: every change of the tick is in).
pub fn announce_keys(
    data: Res<Dataset>,
    tick: Res<Tick>,
    mut out: MessageWriter<KeyChanged>,
    mut commands: Commands,
) {
    for key in data.changed() {
        let change = KeyChanged {
            key: key.clone(),
            tick: tick.0,
        };
        commands.trigger(change.clone());
        out.write(change);
    }
}

/// Keeps each message for two ticks, so a reader anywhere in the tick sees it once.
pub fn rotate_keys(mut messages: ResMut<Messages<KeyChanged>>) {
    messages.update();
}

/// Any engine message `M` as an event observers see: `app.add_observer(|e: On<Observed<M>>| …)`
/// once [`observe::<M>`](observe) was called.
#[derive(Event, Debug, Clone, PartialEq)]
pub struct Observed<M: Message + Clone>(pub M);

/// Triggers an [`Observed`] for every `M` written this tick (at its end, in
/// `TickSet::Advance`, once every step wrote its messages).
pub fn forward_to_observers<M: Message + Clone>(
    mut messages: MessageReader<M>,
    mut commands: Commands,
) {
    for m in messages.read() {
        commands.trigger(Observed(m.clone()));
    }
}

/// Lets observers hear of every message `M` the engine writes (as [`Observed<M>`]): the
/// engine's own state-change messages, or a plugin's.
pub fn observe<M: Message + Clone>(app: &mut App) {
    app.add_systems(
        TickSchedule,
        forward_to_observers::<M>
            .run_if(resource_exists::<Messages<M>>)
            .in_set(TickSet::Advance),
    );
}

/// Adds the state-change messages and observers of this module to an engine's app.
#[derive(Debug, Default, Clone, Copy)]
pub struct OrchestratorPlugin;

impl Plugin for OrchestratorPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Messages<KeyChanged>>();
        // What happened (pages, alerts, sources, reloads, panels), to observers too.
        app.init_resource::<Messages<crate::control::events::EngineEvent>>();
        observe::<crate::control::events::EngineEvent>(app);
        app.add_systems(
            TickSchedule,
            rotate_keys.in_set(crate::data::IngestSet::Begin),
        );
        app.add_systems(
            TickSchedule,
            announce_keys
                .after(TickSet::Propagate)
                .before(TickSet::Animate),
        );
    }
}
