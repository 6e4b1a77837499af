//! `tinydisplay replay`: run a recording's scene (or an edited one) with no sources,
//! feeding the recorded dataset changes and commands at their ticks.

use std::path::PathBuf;
use std::process::ExitCode;

use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::control::record;
use tinydisplay::control::replay::{Replay, ReplayPlugin};
use tinydisplay::engine::Engine;

use super::check::report;
use super::run::{Opened, OutputArgs, open_sinks};

/// The arguments of `replay`.
#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// The recording.
    pub recording: PathBuf,
    /// Replay against this scene instead of the recorded one (e.g. an edited copy).
    #[arg(long)]
    pub scene: Option<PathBuf>,
    /// Where frames go and how the terminal preview looks.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Replay in real time at the scene's fps instead of as fast as possible.
    #[arg(long)]
    pub realtime: bool,
}

/// Replays; exit status 2 when the scene has errors, 1 when the recording cannot be read.
pub fn replay(args: ReplayArgs) -> ExitCode {
    // Checked through first (a bad line is refused before anything runs), then read
    // again a line at a time as the replay goes: memory does not grow with the file.
    let opened = record::scan(&args.recording)
        .and_then(|summary| Ok((summary, record::LineReader::open(&args.recording)?.1)));
    let (summary, reader) = match opened {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let path = args.scene.clone().unwrap_or(summary.header.scene.clone());
    let Some(scene) = report(&path) else {
        return ExitCode::from(2);
    };
    let Opened { sinks, .. } = match open_sinks(&args.output, &scene, None, !args.realtime) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let updates = summary.updates;
    // The recording holds what the sources sent; persisted values are in it too and must
    // not be overwritten by a replay. Left out for the whole replay, a recorded `reload`
    // included.
    let mut app = Engine::new(scene)
        .without_sources()
        .without_persistence()
        .build();
    app.add_plugins(ReplayPlugin);
    app.insert_resource(Replay::new(reader));
    app.insert_resource(sinks);
    let mode = if args.realtime {
        RunMode::RealTime(Some(updates))
    } else {
        RunMode::Ticks(updates)
    };
    run_ticks(&mut app, mode);
    let errors = tinydisplay::shutdown(app.world_mut());
    for e in &errors {
        eprintln!("{e}");
    }
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
