//! Building an engine: the plugins, a scene, and the run's overrides resolved once.
//! The command line, the bench harness, the tests and the examples all start here.
//!
//! ```no_run
//! use tinydisplay::app::{RunMode, run_ticks};
//! use tinydisplay::engine::Engine;
//!
//! let scene = tinydisplay::scene::load("scenes/demo.ron".as_ref()).expect("a valid scene");
//! let mut app = Engine::new(scene).workers(Some(0)).build();
//! run_ticks(&mut app, RunMode::Ticks(30));
//! tinydisplay::shutdown(app.world_mut());
//! ```

use std::path::Path;

use bevy_app::App;

use crate::ahead::{AheadConfig, RenderAhead};
use crate::scene::swap::Isolation;
use crate::scene::{CompiledScene, ScenePlugin};
use crate::widget::kinds::Kinds;

/// An engine about to be built: a scene and what the run changes about it.
#[derive(Debug, Clone)]
pub struct Engine {
    scene: CompiledScene,
    workers: Option<usize>,
    depth: Option<usize>,
    sources: bool,
    persistence: bool,
    start_tick: u64,
    kinds: Kinds,
}

impl Engine {
    /// The engine for `scene`, as the scene configures it.
    pub fn new(scene: CompiledScene) -> Engine {
        Engine {
            scene,
            workers: None,
            depth: None,
            sources: true,
            persistence: true,
            start_tick: 0,
            kinds: Kinds::builtin(),
        }
    }

    /// The kinds the app knows (the scene's own kinds, registered on a [`Kinds`] the scene
    /// was read with; default: the built-ins): they run its widgets' systems and read the
    /// scenes swapped in later (reload, `load`).
    pub fn kinds(mut self, kinds: Kinds) -> Engine {
        self.kinds = kinds;
        self
    }

    /// Render-ahead worker threads instead of the scene's (`None`: the scene's).
    pub fn workers(mut self, workers: Option<usize>) -> Engine {
        self.workers = workers.or(self.workers);
        self
    }

    /// Render-ahead depth instead of the scene's (`None`: the scene's).
    pub fn depth(mut self, depth: Option<usize>) -> Engine {
        self.depth = depth.or(self.depth);
        self
    }

    /// Leaves out the scene's data sources (frames then depend on the data given only).
    pub fn without_sources(mut self) -> Engine {
        self.sources = false;
        self
    }

    /// Neither restores nor saves the scene's persisted namespaces.
    pub fn without_persistence(mut self) -> Engine {
        self.persistence = false;
        self
    }

    /// The tick the run starts at (`run --start-tick`): the first frame is the one a run
    /// from tick 0 shows at `tick` (see [`crate::scene::seek`]).
    pub fn start_tick(mut self, tick: u64) -> Engine {
        self.start_tick = tick;
        self
    }

    /// Render-ahead as this run has it: the defaults, then the scene's
    /// `display.render_ahead`, then [`Engine::workers`] and [`Engine::depth`].
    pub fn ahead_config(&self) -> AheadConfig {
        let mut config = self.scene.display.render_ahead.unwrap_or_default();
        config.workers = self.workers.unwrap_or(config.workers);
        config.depth = self.depth.unwrap_or(config.depth);
        config
    }

    /// The scene the engine runs (without what was left out).
    pub fn scene(&self) -> &CompiledScene {
        &self.scene
    }

    /// Builds the app: [`crate::TinyDisplayPlugins`], the scene, render-ahead as resolved.
    pub fn build(self) -> App {
        let ahead = self.ahead_config();
        let isolation = Isolation {
            sources: self.sources,
            persistence: self.persistence,
        };
        let scene = isolation.apply(self.scene);
        let mut app = App::new();
        // A run that keeps no files (a replay) never writes a loaded scene either.
        let writes = self.persistence && scene.control.allow_write_scene;
        app.insert_resource(crate::control::load::SceneWrites(writes));
        // Before the scene: a scene swapped in later (reload, reset) leaves out the same.
        app.insert_resource(isolation);
        app.insert_resource(self.kinds);
        let rate_limit = scene.control.rate_limit;
        app.add_plugins((crate::TinyDisplayPlugins, ScenePlugin { scene }));
        if let Some(inbox) = app.world().get_resource::<crate::control::ControlInbox>() {
            inbox.limits().set(rate_limit);
        }
        app.insert_resource(RenderAhead::new(ahead));
        if self.start_tick > 0 {
            crate::scene::seek::start_at(app.world_mut(), self.start_tick);
        }
        app
    }

    /// Builds the app, runs it for `ticks` ticks and writes the last frame to `path` as a
    /// PNG (what the examples and a quick look at a scene do).
    pub fn write_png(self, ticks: u64, path: &Path) -> Result<(), RunErrors> {
        let mut app = self.build();
        app.world_mut()
            .resource::<crate::sink::present::Sinks>()
            .push(Box::new(crate::sink::png::PngSink::new(path.to_path_buf())));
        crate::app::run_ticks(&mut app, crate::app::RunMode::Ticks(ticks));
        let errors = crate::shutdown(app.world_mut());
        if errors.is_empty() {
            Ok(())
        } else {
            Err(RunErrors(errors))
        }
    }
}

/// What went wrong in a run's sinks and sources, found when it shut down.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct RunErrors(pub Vec<crate::app::ShutdownError>);
