//! The `tinydisplay` command: parse arguments and hand over to the subcommand.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::run::{RunArgs, SinkKind, TermStyleArg};

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
        /// Where frames go (repeat or comma-separate for several, e.g. panel,term).
        #[arg(long, value_enum, value_delimiter = ',', default_value = "term")]
        sink: Vec<SinkKind>,
        /// Output path for png/gif (`{tick}` in a png path writes every frame).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Terminal preview style (auto: half blocks when the terminal is wide enough for the
        /// display, else braille).
        #[arg(long, value_enum, default_value = "auto")]
        term_style: TermStyleArg,
        /// The panel's bus for `--sink panel`, instead of the scene's: `null`,
        /// `capture:FILE`, or RON such as `Spi(dc: 24, reset: 25)` / `I2c(address: 0x3C)`.
        #[arg(long)]
        bus: Option<String>,
    },
    /// Load and check a scene without running it; exit status 2 when it has errors.
    Check {
        /// The scene file(s).
        #[arg(required = true)]
        scenes: Vec<PathBuf>,
    },
    /// Turn a capture file (from `bus: Capture(file: ...)`) back into the image the panel
    /// would show.
    Decode {
        /// The capture file.
        capture: PathBuf,
        /// The panel: ssd1306, ssd1306-128x32, sh1106, sh1106-128x32, ssd1322, st7789,
        /// st7789-240x320, ili9341.
        #[arg(long)]
        display: String,
        /// Undo this rotation (0, 90, 180, 270) so the image is upright as in the scene.
        #[arg(long, default_value = "0")]
        rotation: String,
        /// The PNG to write.
        #[arg(long, default_value = "frame.png")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    match cli.command {
        Command::Check { scenes } => commands::check::check(&scenes),
        Command::Run {
            scene,
            ticks,
            sink,
            out,
            term_style,
            bus,
        } => commands::run::run(RunArgs {
            scene,
            ticks,
            sinks: sink,
            out,
            term_style,
            bus,
        }),
        Command::Decode {
            capture,
            display,
            rotation,
            out,
        } => commands::decode::decode(&capture, &display, &rotation, &out),
    }
}
