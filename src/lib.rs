//! tinydisplay: an ECS engine that drives small displays (SSD1306/SH1106/SSD1322 OLEDs,
//! ST7789/ILI9341 TFTs) from a scene file.
//!
//! A scene (RON) names widgets, where they sit and how they look; the engine spawns them
//! as entities and runs a fixed tick ([`app::TickSet`]): ingest data, propagate, animate,
//! render what changed into the [`render::FrameBuffer`], present it to the sinks.
//!
//! ```no_run
//! use bevy_app::App;
//! use tinydisplay::prelude::*;
//!
//! let scene = tinydisplay::scene::load("scenes/demo.ron".as_ref()).expect("a valid scene");
//! let mut app = App::new();
//! app.add_plugins((TinyDisplayPlugins, ScenePlugin { scene }));
//! run_ticks(&mut app, RunMode::Ticks(30));
//! ```
//!
//! # Layers
//!
//! The modules form layers, one way down: each uses only the modules before it in this
//! list, never one after it (`tests/layers.rs` fails otherwise).
//!
//! Layers, bottom up: `features`, `runtime`, `atomic_file`, `net`, `problem`, `registry`,
//! `source`, `app`, `render`, `data`, `timeline`, `widget`, `motion`, `ahead`, `panel`, `sink`,
//! `scene`, `control`, `orchestrator`, `engine`, `cells`, `bench`.
//!
//! `features` tells which optional surfaces (cargo features) the build has; `net` sets up
//! connections (broker URLs, secrets, TLS, MQTT and NATS options, the HTTP client) for
//! sources, images and control alike; `source` runs the data sources (each kind on its own
//! thread under a failure policy, sending values over a channel; no ECS); `render` knows
//! pixels only; `data` knows the dataset, starts and drains the scene's sources and
//! evaluates bindings, not widgets; `timeline` is motion as pure functions of the tick; `widget`
//! holds the kinds, each with its fields, draw and motion systems; `motion` slides any widget;
//! `ahead` renders future ticks; `panel` drives controllers and `sink` sends frames out;
//! `scene` reads a file and spawns it; `control` steers a running engine; `orchestrator`
//! is the API plugins steer render-ahead and hear of state changes with; `engine` builds
//! one; `cells` runs a character-LCD scene's pages for `check`.

// Lets the exported macros name this crate the same way inside it and in a user's crate.
extern crate self as tinydisplay;

pub mod ahead;
pub mod app;
pub mod atomic_file;
#[cfg(feature = "bench")]
pub mod bench;
pub mod cells;
pub mod control;
pub mod data;
pub mod engine;
pub mod features;
pub mod motion;
pub mod net;
pub mod orchestrator;
pub mod panel;
pub mod problem;
pub mod registry;
pub mod render;
pub mod runtime;
pub mod scene;
pub mod sink;
pub mod source;
pub mod timeline;
pub mod widget;

use bevy_app::{PluginGroup, PluginGroupBuilder, TaskPoolPlugin};

/// The engine's plugins: the tick, the widgets and compositor, and presenting to sinks.
/// Add a [`scene::ScenePlugin`] for the widgets themselves.
#[derive(Debug, Default)]
pub struct TinyDisplayPlugins;

impl PluginGroup for TinyDisplayPlugins {
    fn build(self) -> PluginGroupBuilder {
        PluginGroupBuilder::start::<Self>()
            .add(TaskPoolPlugin::default())
            .add(app::TickPlugin)
            .add(data::DataPlugin)
            .add(motion::MotionPlugin)
            .add(render::RenderPlugin)
            .add(widget::WidgetPlugin)
            .add(ahead::AheadPlugin)
            .add(panel::power::PowerPlugin)
            .add(sink::present::PresentPlugin)
            .add(control::ControlPlugin)
    }
}

/// Ends a run: runs the [`app::Shutdown`] schedule, where each plugin stops or finishes
/// what it owns (sources stop, render-ahead's workers are joined, persisted namespaces
/// are saved, sinks finish: last PNG, GIF closed, terminal restored). Returns the sinks'
/// errors.
pub fn shutdown(world: &mut bevy_ecs::world::World) -> Vec<app::ShutdownError> {
    if world.try_run_schedule(app::Shutdown).is_err() {
        log::debug!("no shutdown schedule: the app has no TickPlugin");
    }
    world
        .get_resource_mut::<app::ShutdownErrors>()
        .map(|mut e| std::mem::take(&mut e.0))
        .unwrap_or_default()
}

/// The names most programs embedding the engine need.
pub mod prelude {
    pub use crate::app::{
        Fps, RunMode, Shutdown, ShutdownSet, Tick, TickSchedule, TickSet, run_ticks,
    };
    pub use crate::engine::Engine;
    pub use crate::render::RenderSet;
    pub use crate::render::compose::{Placement, Visible, WidgetLayer};
    pub use crate::render::{Color, FrameBuffer, PixelMode, Rect};
    pub use crate::scene::ScenePlugin;
    pub use crate::sink::Sink;
    pub use crate::sink::present::Sinks;
    pub use crate::widget::kinds::{Kinds, KindsExt};
    pub use crate::{TinyDisplayPlugins, shutdown};
}
