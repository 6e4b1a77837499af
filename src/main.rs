//! The `tinydisplay` command: parse arguments, build the app, run it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bevy_app::App;
use clap::{Parser, Subcommand, ValueEnum};
use tinydisplay::TinyDisplayPlugins;
use tinydisplay::app::{Pacing, RunMode, StopFlag, run_ticks};
use tinydisplay::scene::{self, SceneError, ScenePlugin, Severity};
use tinydisplay::sink::gif::GifSink;
use tinydisplay::sink::png::PngSink;
use tinydisplay::sink::present::Sinks;
use tinydisplay::sink::term::{TermSink, TermStyle};

/// Drive a small display from a RON scene.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scene: in real time until Ctrl-C, or exactly N ticks as fast as possible.
    Run {
        /// The scene file.
        scene: PathBuf,
        /// Run exactly this many ticks, as fast as possible (deterministic).
        #[arg(long)]
        ticks: Option<u64>,
        /// Where frames go (repeat or comma-separate for several).
        #[arg(long, value_enum, value_delimiter = ',', default_value = "term")]
        sink: Vec<SinkKind>,
        /// Output path for png/gif (`{tick}` in a png path writes every frame).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Terminal preview style (auto: half blocks when the terminal is wide enough for the
        /// display, else braille).
        #[arg(long, value_enum, default_value = "auto")]
        term_style: TermStyleArg,
    },
    /// Load and check a scene without running it; exit status 2 when it has errors.
    Check {
        /// The scene file(s).
        #[arg(required = true)]
        scenes: Vec<PathBuf>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum SinkKind {
    /// Live preview in the terminal (Unicode half blocks or braille).
    Term,
    /// PNG of the last frame, or of every frame when --out holds `{tick}`.
    Png,
    /// Animated GIF at the scene's fps.
    Gif,
    /// Nothing (for timing).
    None,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum TermStyleArg {
    /// Half blocks if the terminal has a column per pixel, else braille.
    Auto,
    /// Two pixels per cell, in colour.
    Halfblock,
    /// Eight pixels per cell, on/off.
    Braille,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    match cli.command {
        Command::Check { scenes } => check(&scenes),
        Command::Run {
            scene,
            ticks,
            sink,
            out,
            term_style,
        } => run(&scene, ticks, &sink, out, term_style),
    }
}

/// Prints a scene's problems; true when it has no errors.
fn report(path: &Path) -> Option<scene::CompiledScene> {
    match scene::load(path) {
        Ok(s) => {
            for w in &s.warnings {
                eprintln!("{w}");
            }
            Some(s)
        }
        Err(SceneError::Invalid(problems)) => {
            for p in &problems {
                eprintln!("{p}");
            }
            let n = problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .count();
            eprintln!("{}: {n} error(s)", path.display());
            None
        }
        Err(e) => {
            eprintln!("{e}");
            None
        }
    }
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

fn check(scenes: &[PathBuf]) -> ExitCode {
    let mut ok = true;
    for path in scenes {
        if report(path).is_some() {
            eprintln!("{}: ok", path.display());
        } else {
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

fn run(
    path: &Path,
    ticks: Option<u64>,
    kinds: &[SinkKind],
    out: Option<PathBuf>,
    style: TermStyleArg,
) -> ExitCode {
    let Some(scene) = report(path) else {
        return ExitCode::from(2);
    };
    let fps = scene.display.fps;
    let width = scene.display.width;
    let mut app = App::new();
    app.add_plugins((TinyDisplayPlugins, ScenePlugin { scene }));
    let sinks = Sinks::default();
    for kind in kinds {
        let need_out = |ext: &str| {
            out.clone()
                .unwrap_or_else(|| PathBuf::from(format!("tinydisplay.{ext}")))
        };
        match kind {
            SinkKind::Term => sinks.push(Box::new(TermSink::stdout(term_style(style, width)))),
            SinkKind::Png => sinks.push(Box::new(PngSink::new(need_out("png")))),
            SinkKind::Gif => sinks.push(Box::new(GifSink::new(need_out("gif"), fps))),
            SinkKind::None => {}
        }
    }
    app.insert_resource(sinks);
    let stop = StopFlag::default();
    app.insert_resource(stop.clone());
    if let Err(e) = ctrlc::set_handler(move || stop.set()) {
        log::warn!("Ctrl-C handler not installed: {e}");
    }
    let mode = match ticks {
        Some(n) => RunMode::Ticks(n),
        None => RunMode::RealTime(None),
    };
    run_ticks(&mut app, mode);
    let errors = tinydisplay::shutdown(app.world_mut());
    if let Some(p) = app.world().get_resource::<Pacing>()
        && p.late > 0
        && ticks.is_none()
    {
        log::info!(
            "{} of {} ticks started late (worst {:?})",
            p.late,
            p.ticks,
            p.max_late
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
