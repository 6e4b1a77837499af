//! The `tinydisplay` command: parse arguments and hand over to the subcommand.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::LazyLock;

use clap::{Parser, Subcommand};

#[cfg(feature = "bench")]
use commands::bench::BenchArgs;
use commands::replay::ReplayArgs;
use commands::run::RunArgs;

/// `--version`: the version and the features the binary was built with.
static LONG_VERSION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{} (features: {})",
        env!("CARGO_PKG_VERSION"),
        tinydisplay::features::enabled_list()
    )
});

/// Drive a small display from a RON scene.
#[derive(Parser, Debug)]
#[command(version, long_version = LONG_VERSION.as_str(), about)]
struct Cli {
    /// Log lines as text (default) or one JSON object per line (`RUST_LOG` sets levels).
    #[arg(long, value_enum, global = true, default_value = "human")]
    log_format: commands::logging::LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once at start-up: the size of `run`'s many flags costs nothing"
)]
enum Command {
    /// Run a scene: in real time until Ctrl-C, or exactly N ticks as fast as possible.
    Run(RunArgs),
    /// Replay a recording (`run --record`): the same scene, no sources, the same frames.
    Replay(ReplayArgs),
    /// Measure a scene: per render-ahead configuration, tick and pack times, bytes per
    /// frame full and with damage, queue hit rate.
    #[cfg(feature = "bench")]
    Bench(BenchArgs),
    /// Load and check a scene without running it; exit status 2 when it has errors.
    Check {
        /// The scene file(s).
        #[arg(required = true)]
        scenes: Vec<PathBuf>,
        /// Warnings count as errors (exit status 2), for CI.
        #[arg(long)]
        strict: bool,
        /// `human` (file:line:col lines on stderr) or `json` (one JSON object per problem
        /// on stdout: file, line, column, severity, message, hint).
        #[arg(long, value_enum, default_value = "human")]
        format: commands::check::Format,
        /// Print each scene's memory plan: what it needs at most, item by item, against
        /// its budget (text on stdout; one JSON object with --format json).
        #[arg(long)]
        plan: bool,
        /// Check the memory plan against this Raspberry Pi's RAM less a 256 MB reserve:
        /// pi-zero-2w (512 MB), pi3 (1 GB), pi4 (1 GB), pi5 (2 GB).
        #[arg(long, value_name = "MODEL")]
        device: Option<tinydisplay::scene::plan::Device>,
    },
    /// Turn a capture file (from `bus: Capture(file: ...)`) back into the image the panel
    /// would show.
    Decode {
        /// The capture file.
        capture: PathBuf,
        #[arg(long, help = model_help("The panel"))]
        display: String,
        /// Undo this rotation (0, 90, 180, 270) so the image is upright as in the scene.
        #[arg(long, default_value = "0")]
        rotation: String,
        /// The character ROM of a character LCD (A00 or A02), as the scene's `rom`.
        #[arg(long, default_value = "A00")]
        rom: String,
        /// The PNG to write.
        #[arg(long, default_value = "frame.png")]
        out: PathBuf,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (tinydisplay.1 and one per subcommand) into a folder.
    Man {
        /// The folder to write into (created if missing).
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Check what stands between this machine and a lit panel: bus device nodes, access,
    /// GPIO pins, the I2C address, the SPI clock, the service; exit status 1 when
    /// something blocks the panel.
    Doctor(commands::doctor::DoctorArgs),
}

/// A `--display` help line ending with the model names of the model table.
fn model_help(what: &str) -> String {
    format!("{what}: {}", tinydisplay::panel::models::names())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before anything takes time: a SIGTERM from now on ends the run cleanly (the run's
    // own handlers act on it once they exist) instead of killing the process.
    let early = matches!(cli.command, Command::Run(_)).then(tinydisplay::app::signals::catch_early);
    commands::logging::init(cli.log_format);
    if let Some(Err(e)) = early {
        log::warn!("{e}");
    }
    match cli.command {
        Command::Check {
            scenes,
            strict,
            format,
            plan,
            device,
        } => commands::check::check(
            &scenes,
            strict,
            format,
            commands::check::PlanArgs {
                print: plan,
                device,
            },
        ),
        Command::Run(args) => commands::run::run(args),
        #[cfg(feature = "bench")]
        Command::Bench(args) => commands::bench::bench(args),
        Command::Replay(args) => commands::replay::replay(args),
        Command::Decode {
            capture,
            display,
            rotation,
            rom,
            out,
        } => commands::decode::decode(&capture, &display, &rotation, &rom, &out),
        Command::Completions { shell } => commands::manual::completions::<Cli>(shell),
        Command::Man { out } => commands::manual::man_pages::<Cli>(&out),
        Command::Doctor(args) => commands::doctor::doctor(args),
    }
}
