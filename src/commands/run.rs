//! `tinydisplay run`: build the app for a scene, attach the sinks, run the ticks.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use bevy_app::App;
use clap::ValueEnum;
use tinydisplay::app::{Pacing, RunMode, StopFlag, run_ticks};
use tinydisplay::control::PanelList;
use tinydisplay::control::record::Recorder;
use tinydisplay::control::reload::HotReload;
use tinydisplay::control::replay::RecordPlugin;
use tinydisplay::engine::Engine;
use tinydisplay::scene::CompiledScene;
use tinydisplay::sink::Sink;
use tinydisplay::sink::gif::GifSink;
use tinydisplay::sink::panel::{PanelSink, PanelStats};
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
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The scene file.
    pub scene: PathBuf,
    /// Where frames go and how the terminal preview looks.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Run exactly this many ticks, as fast as possible (deterministic).
    #[arg(long)]
    pub ticks: Option<u64>,
    /// Start at this tick: the first frame is exactly the one a run from tick 0 shows at
    /// tick N (motion, sequences and alerts; the data as it is). With --ticks, that many
    /// ticks from N on.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub start_tick: u64,
    /// Before the first tick, wait up to MS milliseconds for every data source's first
    /// answer (so a short --ticks run shows the data).
    #[arg(long, value_name = "MS")]
    pub wait_data: Option<u64>,
    /// With --ticks: run them in real time, paced at the scene's fps.
    #[arg(long)]
    pub realtime: bool,
    /// Serve the HTTP API, web preview and metrics here (e.g. 127.0.0.1:8080),
    /// instead of the scene's `control.http`.
    #[arg(long)]
    pub http: Option<String>,
    /// A file holding the token HTTP requests must carry (else $TINYDISPLAY_HTTP_TOKEN).
    #[arg(long)]
    pub http_token_file: Option<PathBuf>,
    /// A host name HTTP requests may name besides IP addresses, `localhost` and this
    /// machine's host name (repeatable; others get 403, against DNS rebinding).
    #[arg(long, value_name = "NAME")]
    pub http_allow_host: Vec<String>,
    /// Web preview frames per second at most, instead of the scene's
    /// `control.preview_fps` (default 10).
    #[arg(long)]
    pub preview_fps: Option<u32>,
    /// Record every dataset change and control command to this file (replay it with
    /// `tinydisplay replay`).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Do not reload the scene when its files change.
    #[arg(long)]
    pub no_watch: bool,
    /// Wake every tick, even when nothing can change until a later one (by default a
    /// real-time run sleeps until the next tick at which something can change, or until
    /// a source's message, a command, a signal or a file change comes).
    #[arg(long)]
    pub no_tickless: bool,
    /// Render-ahead worker threads (0: render inline; `auto`: from the cores), instead of
    /// the scene's.
    #[arg(long)]
    pub workers: Option<tinydisplay::ahead::Workers>,
    /// Frames rendered ahead at most, instead of the scene's.
    #[arg(long)]
    pub depth: Option<usize>,
    /// The panel's bus for `--sink panel`, instead of the scene's: `null`,
    /// `capture:FILE`, or RON such as `Spi(dc: 24, reset: 25)` / `I2c(address: 0x3C)`.
    #[arg(long)]
    pub bus: Option<String>,
    /// The display's name on a broker (`tinydisplay/<name>/…`), instead of the scene's
    /// `name` (default: the host name).
    #[arg(long)]
    pub name: Option<String>,
    /// MQTT broker for control commands and health (`mqtt://host:port`), instead of the
    /// scene's `control: (mqtt: …)`.
    #[arg(long)]
    pub mqtt: Option<String>,
    /// NATS server for control commands and health (`nats://host:port`), instead of the
    /// scene's `control: (nats: …)`.
    #[arg(long)]
    pub nats: Option<String>,
    /// Announce the display to Home Assistant (MQTT discovery) on the MQTT broker, also
    /// when the scene has no `control: (home_assistant: …)`.
    #[arg(long)]
    pub ha: bool,
    /// Remove every Home Assistant entity of the display (empty retained configs) from
    /// the MQTT broker and exit without running the scene.
    #[arg(long)]
    pub ha_forget: bool,
}

/// Where frames go, shared by `run` and `replay`.
#[derive(clap::Args, Debug)]
pub struct OutputArgs {
    /// Where frames go (repeat or comma-separate for several, e.g. panel,term).
    #[arg(
        long = "sink",
        value_name = "SINK",
        value_enum,
        value_delimiter = ',',
        default_value = "term"
    )]
    pub sinks: Vec<SinkKind>,
    /// Output path for png/gif (`{tick}` in a png path writes every frame).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Terminal preview style (auto: half blocks when the terminal is wide enough for the
    /// display, else braille).
    #[arg(long, value_enum, default_value = "auto")]
    pub term_style: TermStyleArg,
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

/// The sinks asked for, opened; the panel's name and counters when there is a panel.
pub struct Opened {
    /// The sinks.
    pub sinks: Sinks,
    /// The panel, if one was opened.
    pub panels: PanelList,
}

/// Opens the sinks `kinds` for `scene`. With `every_frame` (a run as fast as possible)
/// a panel is sent every frame, so what it is sent depends on the ticks alone.
pub fn open_sinks(
    output: &OutputArgs,
    scene: &CompiledScene,
    bus: Option<&str>,
    every_frame: bool,
) -> Result<Opened, String> {
    let sinks = Sinks::default();
    let mut panels = PanelList::default();
    let style = output.term_style;
    let need_out = |ext: &str| file_sink_path(output, ext);
    for kind in &output.sinks {
        match kind {
            SinkKind::Term => sinks.push(Box::new(TermSink::stdout(term_style(
                style,
                scene.display.width,
            )))),
            SinkKind::Png => sinks.push(Box::new(PngSink::new(need_out("png")?))),
            SinkKind::Gif => {
                sinks.push(Box::new(GifSink::new(need_out("gif")?, scene.display.fps)))
            }
            SinkKind::Panel => {
                let mut sink = PanelSink::open(scene.display.panel.as_ref(), bus, &scene.path)
                    .map_err(|e| e.to_string())?;
                if every_frame {
                    sink = sink.every_frame();
                }
                panels.0.push((sink.name().to_string(), sink.stats()));
                sinks.push(Box::new(sink));
            }
            SinkKind::None => {}
        }
    }
    Ok(Opened { sinks, panels })
}

/// The file a `png` or `gif` sink (`ext`) writes: `--out` as given when it is the only
/// file sink, else `--out` with the sink's own extension (`x.png` and `x.gif`), so two
/// sinks never write one file; `tinydisplay.EXT` without `--out`.
fn file_sink_path(output: &OutputArgs, ext: &str) -> Result<PathBuf, String> {
    let Some(out) = output.out.as_deref() else {
        return Ok(PathBuf::from(format!("tinydisplay.{ext}")));
    };
    let mut files: Vec<SinkKind> = output
        .sinks
        .iter()
        .copied()
        .filter(|k| matches!(k, SinkKind::Png | SinkKind::Gif))
        .collect();
    files.dedup();
    if files.len() < 2 {
        return Ok(out.to_path_buf());
    }
    if out.to_string_lossy().contains("{tick}") {
        return Err(format!(
            "--out {} writes a PNG per frame, but --sink also asks for a gif: run the png and the gif sinks separately (see README: Commands)",
            out.display()
        ));
    }
    Ok(out.with_extension(ext))
}

/// Starts the HTTP server if asked for (command line or scene), with a web sink; the
/// server runs until it is dropped.
#[cfg(feature = "http")]
fn start_http(
    args: &RunArgs,
    scene: &CompiledScene,
    sinks: &Sinks,
    app: &mut App,
) -> Result<Option<Box<dyn Send>>, String> {
    use tinydisplay::control::control_sender;
    use tinydisplay::control::http::HttpConfig;
    use tinydisplay::sink::web::{FrameFeed, WebSink};
    let Some(addr) = args.http.clone().or_else(|| scene.control.http.clone()) else {
        return Ok(None);
    };
    let addr = addr.parse().map_err(|e| {
        format!("--http {addr:?}: {e} (give an address and port like 127.0.0.1:8080)")
    })?;
    let mut config =
        HttpConfig::new(addr, args.http_token_file.as_deref()).map_err(|e| e.to_string())?;
    config.preview_fps = args.preview_fps.unwrap_or(scene.control.preview_fps);
    config.allowed_hosts = args.http_allow_host.clone();
    if !(1..=240).contains(&config.preview_fps) {
        return Err(format!(
            "--preview-fps {}: give 1 to 240 frames per second",
            config.preview_fps
        ));
    }
    let feed = Arc::new(FrameFeed::default());
    sinks.push(Box::new(WebSink::new(feed.clone())));
    let control = control_sender(app.world_mut());
    let server =
        tinydisplay::control::http::start(&config, control, feed).map_err(|e| e.to_string())?;
    eprintln!("web preview: http://{}/", server.addr());
    Ok(Some(Box::new(server)))
}

/// Refuses `--http` (or the scene's `control.http`): this build has no HTTP server.
#[cfg(not(feature = "http"))]
fn start_http(
    args: &RunArgs,
    scene: &CompiledScene,
    _sinks: &Sinks,
    _app: &mut App,
) -> Result<Option<Box<dyn Send>>, String> {
    match args.http.as_ref().or(scene.control.http.as_ref()) {
        Some(_) => Err(tinydisplay::features::lacking("--http", "http")),
        None => Ok(None),
    }
}

/// Runs a scene; exit status 2 when it has errors, 1 when a sink failed.
pub fn run(args: RunArgs) -> ExitCode {
    let Some(scene) = report(&args.scene) else {
        return ExitCode::from(2);
    };
    if args.ha_forget {
        return match ha_forget(&args, &scene) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match start_and_run(&args, &scene) {
        Ok(errors) if errors.is_empty() => ExitCode::SUCCESS,
        Ok(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the outputs and surfaces, runs the scene until it stops, and shuts down; the
/// errors of the shutdown, or why it could not start.
fn start_and_run(
    args: &RunArgs,
    scene: &CompiledScene,
) -> Result<Vec<tinydisplay::app::ShutdownError>, String> {
    let Opened { sinks, panels } = open_sinks(
        &args.output,
        scene,
        args.bus.as_deref(),
        args.ticks.is_some() && !args.realtime,
    )
    .map_err(|e| e.to_string())?;
    let panel_stats: Option<Arc<PanelStats>> = panels.0.first().map(|p| p.1.clone());
    let broker_name =
        tinydisplay::control::broker::display_name(args.name.as_deref(), scene.name.as_deref());
    let mqtt_url = args.mqtt.clone().or_else(|| scene.control.mqtt.clone());
    let nats_url = args.nats.clone().or_else(|| scene.control.nats.clone());
    let watch = (!args.no_watch).then(|| HotReload::watch(scene));
    let mut app = Engine::new(scene.clone())
        .workers(args.workers.map(tinydisplay::ahead::Workers::resolve))
        .depth(args.depth)
        .start_tick(args.start_tick)
        .build();
    app.insert_resource(tinydisplay::app::Tickless {
        real_time: !args.no_tickless,
        stepped: false,
    });
    app.insert_resource(panels);
    let server = start_http(args, scene, &sinks, &mut app).map_err(|e| e.to_string())?;
    app.insert_resource(sinks);
    if let Some(hr) = watch {
        tinydisplay::control::reload::on_sighup(&hr);
        app.insert_resource(hr);
    }
    if let Some(path) = &args.record {
        let rec = Recorder::create(path, &args.scene, scene.display.fps)
            .map_err(|e| format!("cannot record: {e}"))?;
        app.insert_resource(rec);
        app.add_plugins(RecordPlugin);
    }
    let stop = StopFlag::default();
    app.insert_resource(stop.clone());
    if let Err(e) = tinydisplay::app::signals::install(stop, !args.no_watch) {
        log::warn!("{e}");
    }
    let surfaces = tinydisplay::control::broker::Surfaces::start(
        &broker_name,
        mqtt_url.as_deref(),
        nats_url.as_deref(),
        app.world_mut(),
    )
    .map_err(|e| e.to_string())?;
    let ha = start_ha(
        args,
        scene,
        &broker_name,
        mqtt_url.as_deref(),
        app.world_mut(),
    )?;
    if let Some(ms) = args.wait_data {
        wait_for_data(&app, ms);
    }
    run_ticks(&mut app, mode(args));
    drop(ha);
    drop(surfaces);
    drop(server);
    let errors = tinydisplay::shutdown(app.world_mut());
    // A command whose attempt hung was left behind by its source: its group goes now, so
    // nothing we started outlives the engine (it runs in its own process group).
    let killed = tinydisplay::source::kill_children();
    if killed > 0 {
        log::info!("killed {killed} child process group(s) still running at exit");
    }
    log_summary(&app, args, panel_stats.as_deref());
    Ok(errors)
}

/// The MQTT broker Home Assistant discovery uses, when it is asked for (`--ha`,
/// `--ha-forget` or the scene's `control.home_assistant`): an error without a broker.
fn ha_broker<'a>(
    args: &RunArgs,
    scene: &CompiledScene,
    mqtt_url: Option<&'a str>,
) -> Result<Option<&'a str>, String> {
    let asked = args.ha || args.ha_forget || scene.control.home_assistant.is_some();
    match (asked, mqtt_url) {
        (false, _) => Ok(None),
        (true, Some(url)) => Ok(Some(url)),
        (true, None) => Err(
            "Home Assistant discovery needs an MQTT broker: give --mqtt mqtt://HOST:PORT or \
             the scene's control: (mqtt: …)"
                .into(),
        ),
    }
}

/// Starts Home Assistant discovery when it is asked for.
#[cfg(feature = "mqtt")]
fn start_ha(
    args: &RunArgs,
    scene: &CompiledScene,
    name: &str,
    mqtt_url: Option<&str>,
    world: &mut bevy_ecs::world::World,
) -> Result<Option<tinydisplay::control::home_assistant::HomeAssistant>, String> {
    let Some(url) = ha_broker(args, scene, mqtt_url)? else {
        return Ok(None);
    };
    tinydisplay::control::home_assistant::HomeAssistant::start(url, name, Default::default(), world)
        .map(Some)
        .map_err(|e| format!("Home Assistant: {e}"))
}

/// Refuses Home Assistant discovery: this build has no MQTT.
#[cfg(not(feature = "mqtt"))]
fn start_ha(
    args: &RunArgs,
    scene: &CompiledScene,
    _name: &str,
    mqtt_url: Option<&str>,
    _world: &mut bevy_ecs::world::World,
) -> Result<Option<Box<dyn Send>>, String> {
    match ha_broker(args, scene, mqtt_url)? {
        None => Ok(None),
        Some(_) => Err(tinydisplay::features::lacking("--ha", "mqtt")),
    }
}

/// `--ha-forget`: removes the display's Home Assistant entities and says how many.
#[cfg(feature = "mqtt")]
#[allow(clippy::print_stdout, reason = "the count is the command's output")]
fn ha_forget(args: &RunArgs, scene: &CompiledScene) -> Result<(), String> {
    use tinydisplay::control::home_assistant::{catalogue::Catalogue, forget_with};
    let name =
        tinydisplay::control::broker::display_name(args.name.as_deref(), scene.name.as_deref());
    let mqtt_url = args.mqtt.clone().or_else(|| scene.control.mqtt.clone());
    let Some(url) = ha_broker(args, scene, mqtt_url.as_deref())? else {
        return Ok(());
    };
    let cat = Catalogue::of(scene, &Default::default());
    let auth = scene.control.mqtt_auth.clone().unwrap_or_default();
    let n = forget_with(url, &name, &cat, &auth).map_err(|e| format!("--ha-forget: {e}"))?;
    println!(
        "removed {n} Home Assistant entit{} of {name}",
        if n == 1 { "y" } else { "ies" }
    );
    Ok(())
}

/// Refuses `--ha-forget`: this build has no MQTT.
#[cfg(not(feature = "mqtt"))]
fn ha_forget(_args: &RunArgs, _scene: &CompiledScene) -> Result<(), String> {
    Err(tinydisplay::features::lacking("--ha-forget", "mqtt"))
}

/// Waits up to `ms` for every source's first answer; names the ones that did not.
fn wait_for_data(app: &App, ms: u64) {
    let world = app.world();
    let names: Vec<String> = world
        .get_resource::<tinydisplay::data::scene_sources::RunningSources>()
        .map(|r| r.0.iter().map(|h| h.name().to_string()).collect())
        .unwrap_or_default();
    let Some(inbox) = world.get_resource::<tinydisplay::data::ingest::DataInbox>() else {
        return;
    };
    let silent = inbox.wait_for_first_answers(&names, std::time::Duration::from_millis(ms));
    if !silent.is_empty() {
        log::warn!(
            "--wait-data {ms}: no answer yet from {}; running without their data",
            silent.join(", ")
        );
    }
}

/// How long to run: `--ticks` as fast as possible (or in real time with `--realtime`),
/// else in real time until stopped.
fn mode(args: &RunArgs) -> RunMode {
    match args.ticks {
        Some(n) if args.realtime => RunMode::RealTime(Some(n)),
        Some(n) => RunMode::Ticks(n),
        None => RunMode::RealTime(None),
    }
}

/// Logs how the run went: late ticks (of an open-ended run) and the panel's totals.
fn log_summary(app: &App, args: &RunArgs, panel_stats: Option<&PanelStats>) {
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
        let (full, partial) = (
            PanelStats::get(&s.full_refreshes),
            PanelStats::get(&s.partial_refreshes),
        );
        if full + partial > 0 {
            log::info!("panel: {full} full and {partial} partial refreshes");
        }
    }
}
