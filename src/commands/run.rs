//! `tinydisplay run`: build the app for a scene, attach the sinks, run the ticks.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use bevy_app::App;
use clap::ValueEnum;
use tinydisplay::TinyDisplayPlugins;
use tinydisplay::ahead::RenderAhead;
use tinydisplay::app::{Pacing, RunMode, StopFlag, run_ticks};
use tinydisplay::panel::{BusSpec, Panel, PanelConfig, PanelSink, PanelStats};
use tinydisplay::scene::ScenePlugin;
use tinydisplay::sink::gif::GifSink;
use tinydisplay::sink::png::PngSink;
use tinydisplay::sink::present::Sinks;
use tinydisplay::sink::term::{TermSink, TermStyle};

use super::check::report;

/// Where frames go.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkKind {
    /// Live preview in the terminal (Unicode half blocks or braille).
    Term,
    /// PNG of the last frame, or of every frame when --out holds `{tick}`.
    Png,
    /// Animated GIF at the scene's fps.
    Gif,
    /// The panel named by the scene's `display: (driver: ..., bus: ...)`.
    Panel,
    /// Nothing (for timing).
    None,
}

/// The terminal preview style asked for.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermStyleArg {
    /// Half blocks if the terminal has a column per pixel, else braille.
    Auto,
    /// Two pixels per cell, in colour.
    Halfblock,
    /// Eight pixels per cell, on/off.
    Braille,
}

/// The arguments of `run`.
pub struct RunArgs {
    /// The scene file.
    pub scene: PathBuf,
    /// Exactly this many ticks, as fast as possible.
    pub ticks: Option<u64>,
    /// The sinks.
    pub sinks: Vec<SinkKind>,
    /// Output path of png/gif.
    pub out: Option<PathBuf>,
    /// Terminal preview style.
    pub term_style: TermStyleArg,
    /// Render-ahead workers, overriding the scene's.
    pub workers: Option<usize>,
    /// Render-ahead depth, overriding the scene's.
    pub depth: Option<usize>,
    /// The panel's bus, overriding the scene's.
    pub bus: Option<String>,
}

/// The preview style: as asked, or for `auto` the one that fits the terminal's width.
fn term_style(asked: TermStyleArg, display_width: u32) -> TermStyle {
    match asked {
        TermStyleArg::Halfblock => TermStyle::HalfBlock,
        TermStyleArg::Braille => TermStyle::Braille,
        TermStyleArg::Auto => match terminal_size::terminal_size() {
            Some((terminal_size::Width(cols), _)) if u32::from(cols) < display_width => {
                TermStyle::Braille
            }
            _ => TermStyle::HalfBlock,
        },
    }
}

/// Opens the panel sink: the scene's panel, on the command line's bus or the scene's.
fn open_panel(
    config: Option<&PanelConfig>,
    bus_arg: Option<&str>,
    scene: &Path,
) -> Result<PanelSink, String> {
    let config = config.ok_or_else(|| {
        format!(
            "{}: --sink panel needs a panel: add `driver: Ssd1322` (or Ssd1306, Sh1106, \
             St7789, Ili9341) and `bus: Spi(...)` to `display`",
            scene.display()
        )
    })?;
    let bus = match bus_arg {
        Some(s) => BusSpec::parse_arg(s)?,
        None => config.bus.clone().ok_or_else(|| {
            format!(
                "{}: --sink panel needs a bus: add `bus: Spi(bus: 0, cs: 0, dc: 24, reset: 25)` \
                 to `display`, or pass --bus",
                scene.display()
            )
        })?,
    };
    let bus = bus.open(Path::new(".")).map_err(|e| e.to_string())?;
    let panel = Panel::new(config.model, config.rotation, config.settings);
    Ok(PanelSink::start(panel, bus).with_on_exit(config.on_exit))
}

/// Runs a scene; exit status 2 when it has errors, 1 when a sink failed.
pub fn run(args: RunArgs) -> ExitCode {
    let Some(scene) = report(&args.scene) else {
        return ExitCode::from(2);
    };
    let fps = scene.display.fps;
    let width = scene.display.width;
    let sinks = Sinks::default();
    let mut panel_stats: Option<Arc<PanelStats>> = None;
    for kind in &args.sinks {
        let need_out = |ext: &str| {
            args.out
                .clone()
                .unwrap_or_else(|| PathBuf::from(format!("tinydisplay.{ext}")))
        };
        match kind {
            SinkKind::Term => sinks.push(Box::new(TermSink::stdout(term_style(
                args.term_style,
                width,
            )))),
            SinkKind::Png => sinks.push(Box::new(PngSink::new(need_out("png")))),
            SinkKind::Gif => sinks.push(Box::new(GifSink::new(need_out("gif"), fps))),
            SinkKind::Panel => {
                match open_panel(
                    scene.display.panel.as_ref(),
                    args.bus.as_deref(),
                    &args.scene,
                ) {
                    Ok(sink) => {
                        panel_stats = Some(sink.stats());
                        sinks.push(Box::new(sink));
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            SinkKind::None => {}
        }
    }
    let mut ahead = scene.display.render_ahead.unwrap_or_default();
    ahead.workers = args.workers.unwrap_or(ahead.workers);
    ahead.depth = args.depth.unwrap_or(ahead.depth);
    let mut app = App::new();
    app.add_plugins((TinyDisplayPlugins, ScenePlugin { scene }));
    app.insert_resource(RenderAhead::new(ahead));
    app.insert_resource(sinks);
    let stop = StopFlag::default();
    app.insert_resource(stop.clone());
    if let Err(e) = tinydisplay::app::signals::install(stop) {
        log::warn!("{e}");
    }
    let mode = match args.ticks {
        Some(n) => RunMode::Ticks(n),
        None => RunMode::RealTime(None),
    };
    run_ticks(&mut app, mode);
    let errors = tinydisplay::shutdown(app.world_mut());
    if let Some(p) = app.world().get_resource::<Pacing>()
        && p.late > 0
        && args.ticks.is_none()
    {
        log::info!(
            "{} of {} ticks started late (worst {:?})",
            p.late,
            p.ticks,
            p.max_late
        );
    }
    if let Some(s) = panel_stats {
        log::info!(
            "panel: {} frames, {} bytes, {} dropped, {} errors",
            PanelStats::get(&s.frames),
            PanelStats::get(&s.bytes),
            PanelStats::get(&s.dropped),
            PanelStats::get(&s.errors)
        );
    }
    for e in &errors {
        eprintln!("{e}");
    }
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
