//! `tinydisplay bench`: per render-ahead configuration, tick and pack times, bytes per
//! frame full and with damage, and the queue's hit rate; `--json` for CI.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use tinydisplay::bench::{self, BenchOptions, BenchReport, PreviewReport, RealtimeReport};
use tinydisplay::panel::Model;

use super::check::report;

/// The arguments of `bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// The scene file.
    pub scene: PathBuf,
    /// Ticks per configuration.
    #[arg(long, default_value = "1000")]
    pub ticks: u64,
    /// Render-ahead worker counts to measure (0: inline).
    #[arg(long, value_delimiter = ',', default_value = "0,1,2,4")]
    pub workers: Vec<usize>,
    /// Render-ahead depth.
    #[arg(long, default_value = "4")]
    pub depth: usize,
    #[arg(long, help = crate::model_help("The panel to pack for (default: the scene's, else one of the scene's size)"))]
    pub display: Option<String>,
    /// Change every key of the scene's initial data every tick.
    #[arg(long)]
    pub churn: bool,
    /// Also run this many seconds in real time with the other core busy.
    #[arg(long)]
    pub realtime: Option<f64>,
    /// Ticks per second of the real-time run (default: the scene's).
    #[arg(long)]
    pub fps: Option<u32>,
    /// Keep the scene's data sources running during the real-time run (their CPU counts).
    #[arg(long)]
    pub sources: bool,
    /// Wake every tick in the real-time run (default: tickless, sleeping until the next
    /// tick at which something can change).
    #[arg(long)]
    pub no_tickless: bool,
    /// After the real-time run, run it again serving the web preview to this many
    /// viewers, and report what that cost (needs --realtime).
    #[arg(long, default_value_t = 0)]
    pub viewers: usize,
    /// The web preview's frames per second for --viewers (default: the scene's
    /// `control.preview_fps`).
    #[arg(long)]
    pub preview_fps: Option<u32>,
    /// Evict the CPU caches before every measured tick (as a real-time tick finds them
    /// after its sleep): cold-cache tick figures.
    #[arg(long)]
    pub cold: bool,
    /// One JSON object per configuration (fields in the README).
    #[arg(long)]
    pub json: bool,
}

/// Runs the benchmark for every worker count.
pub fn bench(args: BenchArgs) -> ExitCode {
    if args.viewers > 0
        && let Err(e) = tinydisplay::features::require("--viewers", "http")
    {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let Some(scene) = report(&args.scene) else {
        return ExitCode::from(2);
    };
    let model = match args.display {
        Some(name) => match name.parse::<Model>() {
            Ok(m) => Some(m),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => bench::panel_for(&scene).map(|p| p.0),
    };
    if let Some(m) = model {
        let d = &scene.display;
        if m.fits((d.width, d.height), d.mode).is_none() {
            eprintln!(
                "error: the scene is {}x{} {:?}; {} shows {}x{} {:?}",
                d.width,
                d.height,
                d.mode,
                m.name(),
                m.native().0,
                m.native().1,
                m.mode()
            );
            return ExitCode::FAILURE;
        }
    }
    for &workers in &args.workers {
        let opts = BenchOptions {
            ticks: args.ticks.max(1),
            workers,
            depth: args.depth,
            model,
            churn: args.churn,
            realtime: args.realtime.map(Duration::from_secs_f64),
            fps: args.fps,
            sources: args.sources,
            viewers: args.viewers,
            preview_fps: args.preview_fps,
            cold: args.cold,
            every_tick: args.no_tickless,
        };
        let r = bench::run(&scene, &opts);
        if args.json {
            match serde_json::to_string(&r) {
                Ok(line) => println_out(&line),
                Err(e) => eprintln!("error: {e}"),
            }
        } else {
            println_out(&human(&r));
        }
    }
    ExitCode::SUCCESS
}

#[allow(clippy::print_stdout, reason = "the report is the command's output")]
fn println_out(s: &str) {
    println!("{s}");
}

/// The report as a few readable lines.
fn human(r: &BenchReport) -> String {
    let mut s = format!(
        "{} · workers {} · depth {} · {} ticks{}{}\n",
        r.scene,
        r.workers,
        r.depth,
        r.ticks,
        if r.churn {
            " · data changing every tick"
        } else {
            ""
        },
        if r.cold {
            " · caches evicted before each tick"
        } else {
            ""
        }
    );
    s += &format!(
        "  tick (render)     median {:8.1} µs   p99 {:8.1} µs\n",
        r.tick_us.median, r.tick_us.p99
    );
    if let Some(d) = &r.display {
        s += &format!(
            "  pack ({d:<8})   median {:8.1} µs   p99 {:8.1} µs\n",
            r.pack_us.median, r.pack_us.p99
        );
        s += &format!(
            "  render + pack     median {:8.1} µs   p99 {:8.1} µs\n",
            r.render_pack_us.median, r.render_pack_us.p99
        );
        s += &format!(
            "  bytes per frame   full {}   with damage: mean {:.0}, max {}{}\n",
            r.bytes_full,
            r.bytes_damage_mean,
            r.bytes_damage_max,
            r.wire_ratio
                .map(|w| format!(" ({w:.2}× the damaged pixels)"))
                .unwrap_or_default()
        );
        s += &format!(
            "  bytes vs need     the damage's rectangles need {:.0} per frame; sent {}{}\n",
            r.bytes_need_mean,
            r.need_ratio
                .map(|n| format!("{n:.2}× that"))
                .unwrap_or_else(|| "nothing".into()),
            if r.over_need_ticks > 0 {
                format!(", more on {} ticks", r.over_need_ticks)
            } else {
                String::new()
            }
        );
    }
    if let Some(c) = &r.refreshes {
        s += &format!(
            "  e-paper refreshes {} full, {} partial in {} s of ticks\n",
            c.full, c.partial, c.seconds
        );
    }
    s += &format!(
        "  damage            mean {:.0} px per tick\n",
        r.damage_px_mean
    );
    if let Some(i) = r.idle_tick_us {
        s += &format!(
            "  idle ticks        {} · median {i:.1} µs · {} bytes\n",
            r.idle_ticks, r.idle_bytes
        );
    }
    if let Some(h) = r.hit_rate {
        s += &format!(
            "  queue             hit rate {:.1} % · {} hits, {} misses, {} purges, {} dropped\n",
            h * 100.0,
            r.hits,
            r.misses,
            r.purges,
            r.dropped
        );
    }
    if let Some(rt) = &r.realtime {
        s += &realtime_lines(rt);
    }
    if let Some(p) = &r.preview {
        s += &preview_lines(p);
    }
    s
}

/// The lines of a real-time run.
fn realtime_lines(rt: &RealtimeReport) -> String {
    let mut s = format!(
        "  real time         {} fps for {:.0} s, other core busy: present late median {:.0} µs, p99 {:.0} µs, {} skipped{}{}\n",
        rt.fps,
        rt.seconds,
        rt.late_median_us,
        rt.late_p99_us,
        rt.skipped,
        rt.hit_rate
            .map(|h| format!(", hit rate {:.1} %", h * 100.0))
            .unwrap_or_default(),
        rt.cpu_percent
            .map(|c| format!(", CPU {c:.3} % of a core"))
            .unwrap_or_default()
    );
    if let Some(t) = rt.tick_thread_cpu_percent {
        s += &format!("                    tick thread CPU {t:.3} % of a core\n");
    }
    s += &format!(
        "                    {}: {} wakes/s for the whole process ({:.1} of the runner), {} ticks idle\n",
        if rt.tickless {
            "tickless"
        } else {
            "every tick (--no-tickless)"
        },
        rt.wakes_per_second
            .map_or_else(|| "?".to_string(), |w| format!("{w:.1}")),
        rt.runner_wakes_per_second,
        rt.idle_ticks,
    );
    if let Some(f) = rt.wake_floor_percent {
        s += &format!(
            "                    floor: a thread that only sleeps to each deadline uses {f:.3} % of a core here{}{}\n",
            rt.floor_wakes_per_second
                .map(|w| format!(", {w:.1} wakes/s"))
                .unwrap_or_default(),
            rt.cpu_percent
                .filter(|_| f > 0.0)
                .map(|c| format!("; the engine {:.2}× the floor", c / f))
                .unwrap_or_default(),
        );
    }
    s
}

/// The lines of a real-time run with preview viewers.
fn preview_lines(p: &PreviewReport) -> String {
    let mut s = format!(
        "  web preview       {} viewer(s) at {} fps at most: {:.0} bytes/s, {:.1} frames/s each{}{}\n",
        p.viewers,
        p.preview_fps,
        p.bytes_per_s,
        p.frames_per_s,
        p.cpu_percent
            .map(|c| format!(", CPU {c:.3} % of a core"))
            .unwrap_or_default(),
        p.cost_percent
            .map(|c| format!(" ({c:+.1} % over the run without)"))
            .unwrap_or_default()
    );
    if let (Some(t), Some(c)) = (p.tick_thread_cpu_percent, p.tick_thread_cost_percent) {
        s += &format!(
            "                    tick thread CPU {t:.3} % of a core ({c:+.1} % over the run without)\n"
        );
    }
    s
}
