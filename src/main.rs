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
    /// Log lines as text (default) or one JSON object per line (`RUST_LOG` sets levels).
    #[arg(long, value_enum, global = true, default_value = "human")]
    log_format: commands::logging::LogFormat,
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
        /// With --ticks: run them in real time, paced at the scene's fps.
        #[arg(long)]
        realtime: bool,
        /// Serve the HTTP API, web preview and metrics here (e.g. 127.0.0.1:8080),
        /// instead of the scene's `control.http`.
        #[arg(long)]
        http: Option<String>,
        /// A file holding the token HTTP requests must carry (else $TINYDISPLAY_HTTP_TOKEN).
        #[arg(long)]
        http_token_file: Option<PathBuf>,
        /// Web preview frames per second at most, instead of the scene's
        /// `control.preview_fps` (default 10).
        #[arg(long)]
        preview_fps: Option<u32>,
        /// Record every dataset change and control command to this file (replay it with
        /// `tinydisplay replay`).
        #[arg(long)]
        record: Option<PathBuf>,
        /// Do not reload the scene when its files change.
        #[arg(long)]
        no_watch: bool,
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
        /// Render-ahead worker threads (0: render inline), instead of the scene's.
        #[arg(long)]
        workers: Option<usize>,
        /// Frames rendered ahead at most, instead of the scene's.
        #[arg(long)]
        depth: Option<usize>,
        /// The panel's bus for `--sink panel`, instead of the scene's: `null`,
        /// `capture:FILE`, or RON such as `Spi(dc: 24, reset: 25)` / `I2c(address: 0x3C)`.
        #[arg(long)]
        bus: Option<String>,
        /// The display's name on a broker (`tinydisplay/<name>/…`), instead of the scene's
        /// `name` (default: the host name).
        #[arg(long)]
        name: Option<String>,
        /// MQTT broker for control commands and health (`mqtt://host:port`), instead of the
        /// scene's `control: (mqtt: …)`.
        #[arg(long)]
        mqtt: Option<String>,
        /// NATS server for control commands and health (`nats://host:port`), instead of the
        /// scene's `control: (nats: …)`.
        #[arg(long)]
        nats: Option<String>,
    },
    /// Replay a recording (`run --record`): the same scene, no sources, the same frames.
    Replay {
        /// The recording.
        recording: PathBuf,
        /// Replay against this scene instead of the recorded one (e.g. an edited copy).
        #[arg(long)]
        scene: Option<PathBuf>,
        /// Where frames go (as for `run`).
        #[arg(long, value_enum, value_delimiter = ',', default_value = "term")]
        sink: Vec<SinkKind>,
        /// Output path for png/gif (`{tick}` in a png path writes every frame).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Terminal preview style.
        #[arg(long, value_enum, default_value = "auto")]
        term_style: TermStyleArg,
        /// Replay in real time at the scene's fps instead of as fast as possible.
        #[arg(long)]
        realtime: bool,
    },
    /// Measure a scene: per render-ahead configuration, tick and pack times, bytes per
    /// frame full and with damage, queue hit rate.
    Bench {
        /// The scene file.
        scene: PathBuf,
        /// Ticks per configuration.
        #[arg(long, default_value = "1000")]
        ticks: u64,
        /// Render-ahead worker counts to measure (0: inline).
        #[arg(long, value_delimiter = ',', default_value = "0,1,2,4")]
        workers: Vec<usize>,
        /// Render-ahead depth.
        #[arg(long, default_value = "4")]
        depth: usize,
        #[arg(long, help = model_help("The panel to pack for (default: the scene's, else one of the scene's size)"))]
        display: Option<String>,
        /// Change every key of the scene's initial data every tick.
        #[arg(long)]
        churn: bool,
        /// Also run this many seconds in real time with the other core busy.
        #[arg(long)]
        realtime: Option<f64>,
        /// Ticks per second of the real-time run (default: the scene's).
        #[arg(long)]
        fps: Option<u32>,
        /// Keep the scene's data sources running during the real-time run (their CPU counts).
        #[arg(long)]
        sources: bool,
        /// After the real-time run, run it again serving the web preview to this many
        /// viewers, and report what that cost (needs --realtime).
        #[arg(long, default_value_t = 0)]
        viewers: usize,
        /// The web preview's frames per second for --viewers (default: the scene's
        /// `control.preview_fps`).
        #[arg(long)]
        preview_fps: Option<u32>,
        /// One JSON object per configuration (fields in the README).
        #[arg(long)]
        json: bool,
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
        #[arg(long, help = model_help("The panel"))]
        display: String,
        /// Undo this rotation (0, 90, 180, 270) so the image is upright as in the scene.
        #[arg(long, default_value = "0")]
        rotation: String,
        /// The PNG to write.
        #[arg(long, default_value = "frame.png")]
        out: PathBuf,
    },
}

/// A `--display` help line ending with the model names of the model table.
fn model_help(what: &str) -> String {
    format!("{what}: {}", tinydisplay::panel::models::names())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    commands::logging::init(cli.log_format);
    match cli.command {
        Command::Check { scenes } => commands::check::check(&scenes),
        Command::Run {
            scene,
            ticks,
            realtime,
            http,
            http_token_file,
            preview_fps,
            record,
            no_watch,
            sink,
            out,
            term_style,
            workers,
            depth,
            bus,
            name,
            mqtt,
            nats,
        } => commands::run::run(RunArgs {
            scene,
            ticks,
            realtime,
            http,
            http_token_file,
            preview_fps,
            record,
            watch: !no_watch,
            sinks: sink,
            out,
            term_style,
            workers,
            depth,
            bus,
            name,
            mqtt,
            nats,
        }),
        Command::Bench {
            scene,
            ticks,
            workers,
            depth,
            display,
            churn,
            realtime,
            fps,
            sources,
            viewers,
            preview_fps,
            json,
        } => commands::bench::bench(commands::bench::BenchArgs {
            scene: &scene,
            ticks,
            workers: &workers,
            depth,
            display: display.as_deref(),
            churn,
            realtime,
            fps,
            sources,
            viewers,
            preview_fps,
            json,
        }),
        Command::Replay {
            recording,
            scene,
            sink,
            out,
            term_style,
            realtime,
        } => commands::replay::replay(commands::replay::ReplayArgs {
            recording,
            scene,
            sinks: sink,
            out,
            term_style,
            realtime,
        }),
        Command::Decode {
            capture,
            display,
            rotation,
            out,
        } => commands::decode::decode(&capture, &display, &rotation, &out),
    }
}
