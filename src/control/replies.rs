//! Answering commands: each reply is held until the tick has published what its
//! command changed, so a client that reads the state or the dataset after its reply
//! sees the command's effect.

use bevy_ecs::prelude::*;

use super::command::Reply;

/// Replies held until the tick has published what its commands changed (filled by
/// [`apply_commands`](super::apply::apply_commands)).
#[derive(Resource, Default)]
pub struct HeldReplies(Vec<(tokio::sync::oneshot::Sender<Reply>, Reply)>);

impl HeldReplies {
    /// True when no reply waits.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Holds `reply` for the client waiting on `to`.
    pub fn hold(&mut self, to: tokio::sync::oneshot::Sender<Reply>, reply: Reply) {
        self.0.push((to, reply));
    }

    /// Sends the replies held this tick.
    pub fn answer(&mut self) {
        for (to, reply) in self.0.drain(..) {
            // The surface may have given up waiting; that changes nothing here.
            let _ = to.send(reply);
        }
    }
}

/// Whether replies wait to be sent.
pub fn waiting(held: Res<HeldReplies>) -> bool {
    !held.is_empty()
}

/// Sends the replies held this tick, at `Present`, once the state that shows their
/// commands' effect is published ([`publish_rest`](super::publish::publish_rest)).
pub fn answer(mut held: ResMut<HeldReplies>) {
    held.answer();
}
