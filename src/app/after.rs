//! Edits of the app queued during a tick and made once it ends ([`AfterTick`]).
//!
//! A running tick cannot change its own schedule: a scene swapped in during a tick (hot
//! reload, the `reload` command) may need the systems of a widget kind the app did not
//! run yet. The system queues a function of the [`App`]; [`run_ticks`](super::run_ticks)
//! calls [`make_queued_edits`] after each tick (a program driving `app.update()` itself
//! calls it after each update).

use bevy_app::App;
use bevy_ecs::prelude::*;

/// An edit of the app, made after the tick that queued it.
type Edit = Box<dyn FnOnce(&mut App) + Send + Sync>;

/// Edits of the app queued for after this tick (see the module docs).
#[derive(Resource, Default)]
pub struct AfterTick(Vec<Edit>);

impl AfterTick {
    /// Queues `edit`: it gets the app once the tick has ended.
    pub fn push(&mut self, edit: impl FnOnce(&mut App) + Send + Sync + 'static) {
        self.0.push(Box::new(edit));
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for AfterTick {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AfterTick({} queued)", self.0.len())
    }
}

/// Makes the edits the last tick queued, in order (call it between ticks).
pub fn make_queued_edits(app: &mut App) {
    let edits = match app.world_mut().get_resource_mut::<AfterTick>() {
        Some(mut after) if !after.is_empty() => std::mem::take(&mut after.0),
        _ => return,
    };
    for edit in edits {
        edit(app);
    }
}
