//! Control: the one command set (pause, step, set, page, reload, …) every surface uses,
//! and the read-only state the engine publishes for them.
//!
//! A surface (the HTTP API, the broker topics, GPIO buttons) needs only a
//! [`ControlSender`]: it sends [`Command`]s — usually parsed from JSON with a `cmd` field —
//! and gets a [`Reply`] once the tick applied them at `Ingest`; it reads the engine's
//! [`State`] and dataset from [`ControlSender::published`], which the tick updates at
//! `Present`. Nothing a surface does blocks the tick.
//!
//! ```
//! use bevy_app::App;
//! use tinydisplay::control::{Reply, control_sender};
//! use tinydisplay::prelude::*;
//!
//! let scene = tinydisplay::scene::compile_str("Scene(widgets: [])", "inline.ron".as_ref())
//!     .expect("a valid scene");
//! let mut app = App::new();
//! app.add_plugins((TinyDisplayPlugins, ScenePlugin { scene }));
//! let control = control_sender(app.world_mut());
//! let reply = control.send_json(br#"{"cmd": "pause"}"#, "doc");
//! run_ticks(&mut app, RunMode::Ticks(1));
//! assert_eq!(reply.wait_blocking(std::time::Duration::from_secs(5)), Reply::Ok);
//! assert!(control.published().state().paused);
//! ```

pub mod actions;
pub mod apply;
pub mod broker;
pub mod channel;
pub mod command;
pub mod events;
#[cfg(feature = "mqtt")]
pub mod home_assistant;
#[cfg(feature = "http")]
pub mod http;
pub mod limit;
pub mod load;
#[cfg(feature = "http")]
pub mod metrics;
/// Without the `http` feature there is no `/metrics`: tick timing is not kept.
#[cfg(not(feature = "http"))]
#[path = "metrics_off.rs"]
pub mod metrics;
#[cfg(feature = "mqtt")]
pub mod mqtt;
#[cfg(feature = "nats")]
pub mod nats;
pub mod publish;
#[cfg(any(feature = "mqtt", feature = "nats"))]
pub mod queue;
pub mod record;
pub mod reload;
pub mod replay;
pub mod replies;
pub mod state;
pub mod timing;

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;

pub use apply::Applied;
pub use channel::{ControlInbox, ControlSender, Origin, PendingReply, control_sender};
pub use command::{Command, CommandError, Reply};
pub use publish::Published;
pub use state::{DataItem, PanelList, SceneStatus, State};

use crate::app::{TickSchedule, TickSet};
use crate::data::IngestSet;

/// The command channel (drained at `Ingest`) and the state published at `Present`.
#[derive(Debug, Default)]
pub struct ControlPlugin;

impl Plugin for ControlPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ControlInbox>();
        app.init_resource::<SceneStatus>();
        app.init_resource::<PanelList>();
        app.init_resource::<actions::BadActions>();
        app.init_resource::<replies::HeldReplies>();
        app.init_resource::<bevy_ecs::message::Messages<events::EngineEvent>>();
        app.add_systems(
            TickSchedule,
            events::rotate
                .before(apply::apply_commands)
                .in_set(IngestSet::Begin),
        );
        app.add_systems(
            TickSchedule,
            // In this order, so the events of one tick come in the order their causes do:
            // a source's data, the pages it moved, the panel.
            (
                events::watch_sources,
                events::watch_pages,
                events::watch_panels,
                events::forward,
            )
                .chain()
                .after(crate::sink::present::present)
                .in_set(TickSet::Present),
        );
        app.add_systems(
            TickSchedule,
            actions::run_key_actions.in_set(TickSet::Propagate),
        );
        app.add_systems(
            TickSchedule,
            apply::apply_commands
                .after(crate::data::begin_tick)
                .in_set(IngestSet::Begin),
        );
        app.add_systems(
            TickSchedule,
            reload::hot_reload
                .run_if(resource_exists::<reload::HotReload>)
                .after(apply::apply_commands)
                .in_set(IngestSet::Begin),
        );
        #[cfg(feature = "mqtt")]
        app.add_systems(
            TickSchedule,
            home_assistant::catalogue::track
                .run_if(resource_exists::<home_assistant::catalogue::CatalogueFeed>)
                .in_set(TickSet::Present),
        );
        app.add_systems(
            TickSchedule,
            (
                (timing::observe, publish::publish)
                    .chain()
                    .run_if(publish::surface_attached),
                publish::publish_rest.run_if(publish::rest_due),
                replies::answer.run_if(replies::waiting),
            )
                .chain()
                .after(crate::sink::present::present)
                .in_set(TickSet::Present),
        );
    }
}
