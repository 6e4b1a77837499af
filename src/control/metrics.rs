//! Prometheus metrics (`GET /metrics`, OpenMetrics text via `prometheus-client`): tick
//! timing histograms kept across scrapes, everything else read from the published state
//! at scrape time.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::publish::Published;
use super::state::{AheadState, PanelState, SourceState, State};
use crate::app::Pacing;
use crate::app::runner::{LATE_BUCKET, LATE_BUCKETS};
use crate::sink::web::FrameFeed;

/// Histograms the tick fills in (only while a surface is attached).
pub struct Timing {
    /// Seconds a tick's schedule took (each tick observed at the next one's `Present`).
    pub tick: Histogram,
    /// Seconds the frame was presented after its deadline (real-time runs).
    pub present_late: Histogram,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            // 50 µs … 0.4 s.
            tick: Histogram::new(exponential_buckets(0.00005, 2.0, 14)),
            present_late: Histogram::new(exponential_buckets(0.00005, 2.0, 14)),
        }
    }
}

impl Timing {
    /// Adds what the runner measured since the last call: the last tick's duration, and
    /// the ticks' lateness (its 50 µs buckets, each observed at the bucket's middle). One
    /// tick later than last time, only the bucket that tick counted in is looked at;
    /// otherwise all of them. A schedule run that did not advance the tick (paused) is
    /// not observed, so the histograms count no more than `ticks_total`.
    pub fn observe(&self, pacing: &Pacing, seen: &mut LateSeen, advanced: bool) {
        if pacing.ticks == seen.ticks {
            return;
        }
        if !advanced {
            seen.ticks = pacing.ticks;
            seen.buckets = pacing.present_late.to_vec();
            return;
        }
        self.tick.observe(pacing.last_tick.as_secs_f64());
        if seen.buckets.len() != LATE_BUCKETS {
            seen.buckets = vec![0; LATE_BUCKETS];
        }
        let next = pacing.ticks == seen.ticks + 1;
        seen.ticks = pacing.ticks;
        match pacing.last_bucket {
            Some(b) if next && b < LATE_BUCKETS => self.observe_bucket(pacing, seen, b),
            _ if next && pacing.last_bucket.is_none() => {}
            _ => {
                for b in 0..LATE_BUCKETS {
                    self.observe_bucket(pacing, seen, b);
                }
            }
        }
    }

    /// Observes the counts bucket `b` gained since `seen`.
    fn observe_bucket(&self, pacing: &Pacing, seen: &mut LateSeen, b: usize) {
        let (now, was) = (pacing.present_late[b], &mut seen.buckets[b]);
        // A new run starts its counts again.
        let new = if now >= *was { now - *was } else { now };
        let mid = (LATE_BUCKET * b as u32 + LATE_BUCKET / 2).as_secs_f64();
        for _ in 0..new {
            self.present_late.observe(mid);
        }
        *was = now;
    }
}

/// What [`Timing::observe`] has seen of the runner's counts.
#[derive(Debug, Default)]
pub struct LateSeen {
    buckets: Vec<u32>,
    ticks: u64,
}

type Labels = Vec<(String, String)>;

fn counter(registry: &mut Registry, name: &str, help: &str, value: u64) {
    let c: Counter = Counter::default();
    c.inc_by(value);
    registry.register(name, help, c);
}

fn gauge(registry: &mut Registry, name: &str, help: &str, value: i64) {
    let g: Gauge = Gauge::default();
    g.set(value);
    registry.register(name, help, g);
}

fn labelled<
    M: Default
        + Clone
        + prometheus_client::metrics::TypedMetric
        + prometheus_client::encoding::EncodeMetric
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
>(
    registry: &mut Registry,
    name: &str,
    help: &str,
    fill: impl FnOnce(&Family<Labels, M>),
) {
    let f: Family<Labels, M> = Family::default();
    fill(&f);
    registry.register(name, help, f);
}

/// The metrics text: state counters, panels, sources, dataset, preview stream bytes.
pub fn render(
    published: &Published,
    feed: Option<&FrameFeed>,
    limits: Option<&super::limit::RateLimits>,
) -> String {
    let s = published.state();
    let mut r = Registry::with_prefix("tinydisplay");
    r.register(
        "tick_duration_seconds",
        "Time a tick's schedule took, from Ingest to Present",
        published.timing.tick.clone(),
    );
    r.register(
        "present_lateness_seconds",
        "How late each frame was presented against its deadline",
        published.timing.present_late.clone(),
    );
    tick_metrics(&mut r, &s);
    render_ahead_metrics(&mut r, &s.render_ahead);
    panel_metrics(&mut r, &s.panels);
    source_metrics(&mut r, &s.sources);
    gauge(
        &mut r,
        "dataset_keys",
        "Keys in the dataset",
        i64::try_from(s.dataset_keys).unwrap_or(i64::MAX),
    );
    if let Some(limits) = limits {
        let refused = limits.refused();
        labelled::<Counter>(
            &mut r,
            "control_rate_limited",
            "Commands refused because their surface sent more than control.rate_limit a second",
            |f| {
                for (surface, n) in &refused {
                    f.get_or_create(&vec![("surface".to_string(), surface.clone())])
                        .inc_by(*n);
                }
            },
        );
    }
    if let Some(feed) = feed {
        counter(
            &mut r,
            "preview_stream_bytes",
            "Bytes the web preview streams sent",
            feed.bytes_sent.load(Ordering::Relaxed),
        );
    }
    let mut out = String::new();
    if let Err(e) = encode(&mut out, &r) {
        log::warn!("metrics: cannot encode: {e}");
    }
    prometheus_text(&out)
}

/// The tick counters and the paused flag.
fn tick_metrics(r: &mut Registry, s: &State) {
    counter(r, "ticks", "Ticks run (the tick counter)", s.tick);
    counter(
        r,
        "skipped_ticks",
        "Ticks skipped because the engine fell a whole period behind",
        s.skipped_ticks,
    );
    counter(r, "late_ticks", "Ticks that started late", s.late_ticks);
    counter(
        r,
        "wakes",
        "Times the engine woke from sleeping (a tick due, or news)",
        s.wakes,
    );
    counter(
        r,
        "idle_ticks",
        "Ticks skipped because nothing could change at them (tickless idle)",
        s.idle_ticks,
    );
    let g: Gauge<f64, std::sync::atomic::AtomicU64> = Gauge::default();
    g.set(s.wakes_per_second);
    r.register(
        "wakes_per_second",
        "Wakes per second over the run so far",
        g,
    );
    gauge(r, "paused", "1 while paused", i64::from(s.paused));
}

/// Render-ahead's counters.
fn render_ahead_metrics(r: &mut Registry, ra: &AheadState) {
    counter(
        r,
        "render_ahead_hits",
        "Frames taken from the render-ahead queue",
        ra.hits,
    );
    counter(
        r,
        "render_ahead_misses",
        "Frames rendered inline although a prediction existed",
        ra.misses,
    );
    counter(
        r,
        "render_ahead_purges",
        "Render-ahead queue purges",
        ra.purges,
    );
    counter(
        r,
        "render_ahead_dropped",
        "Frames rendered ahead and thrown away",
        ra.dropped,
    );
}

/// Each panel's counters, labelled by panel.
fn panel_metrics(r: &mut Registry, panels: &[PanelState]) {
    let panel = |name: &str| vec![("panel".to_string(), name.to_string())];
    labelled::<Counter>(r, "panel_bytes", "Bytes sent to the panel", |f| {
        for p in panels {
            f.get_or_create(&panel(&p.name)).inc_by(p.bytes);
        }
    });
    labelled::<Counter>(r, "panel_frames", "Frames sent to the panel", |f| {
        for p in panels {
            f.get_or_create(&panel(&p.name)).inc_by(p.frames);
        }
    });
    labelled::<Counter>(
        r,
        "panel_dropped_frames",
        "Frames replaced by a newer one before they were sent",
        |f| {
            for p in panels {
                f.get_or_create(&panel(&p.name)).inc_by(p.dropped);
            }
        },
    );
    labelled::<Counter>(r, "panel_errors", "Failed panel transfers", |f| {
        for p in panels {
            f.get_or_create(&panel(&p.name)).inc_by(p.errors);
        }
    });
    labelled::<Counter>(
        r,
        "panel_reinits",
        "Panel initialisations after the first (after errors)",
        |f| {
            for p in panels {
                f.get_or_create(&panel(&p.name))
                    .inc_by(p.inits.saturating_sub(1));
            }
        },
    );
    labelled::<Counter>(
        r,
        "panel_refreshes",
        "E-paper refreshes, by kind (full or partial)",
        |f| {
            for p in panels {
                for (kind, n) in [("full", p.full_refreshes), ("partial", p.partial_refreshes)] {
                    let mut labels = panel(&p.name);
                    labels.push(("kind".to_string(), kind.to_string()));
                    f.get_or_create(&labels).inc_by(n);
                }
            }
        },
    );
}

/// Each source's health, labelled by source.
fn source_metrics(r: &mut Registry, sources: &BTreeMap<String, SourceState>) {
    let source = |name: &str| vec![("source".to_string(), name.to_string())];
    labelled::<Gauge>(
        r,
        "source_up",
        "1 when the source's last attempt succeeded",
        |f| {
            for (name, h) in sources {
                f.get_or_create(&source(name)).set(i64::from(h.ok));
            }
        },
    );
    labelled::<Gauge>(
        r,
        "source_failures",
        "Consecutive failures of the source",
        |f| {
            for (name, h) in sources {
                f.get_or_create(&source(name))
                    .set(i64::try_from(h.failures).unwrap_or(i64::MAX));
            }
        },
    );
    labelled::<Gauge<f64, std::sync::atomic::AtomicU64>>(
        r,
        "source_last_success_timestamp_seconds",
        "Wall time of the source's last success",
        |f| {
            for (name, h) in sources {
                if let Some(at) = h.last_ok_at {
                    f.get_or_create(&source(name)).set(at);
                }
            }
        },
    );
}

/// OpenMetrics text as the classic Prometheus text format (0.0.4), which every scraper
/// and `promtool` read: a counter's HELP/TYPE name carries its `_total`, no `# EOF`.
pub fn prometheus_text(openmetrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len() + 64);
    for line in openmetrics.lines() {
        if line == "# EOF" {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "]
            .into_iter()
            .find_map(|p| line.strip_prefix(p).map(|rest| (p, rest)));
        match meta.and_then(|(p, rest)| rest.split_once(' ').map(|(n, tail)| (p, n, tail))) {
            Some((p, name, tail)) if counters.contains(name) => {
                out.push_str(&format!("{p}{name}_total {tail}\n"));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The number of observations in `h`, read from its text encoding.
    fn count(h: &Histogram) -> u64 {
        let mut r = Registry::default();
        r.register("late", "", h.clone());
        let mut text = String::new();
        encode(&mut text, &r).expect("encoded");
        text.lines()
            .find_map(|l| l.strip_prefix("late_count "))
            .and_then(|v| v.trim().parse().ok())
            .expect("a count")
    }

    #[test]
    fn lateness_and_duration_observe_every_real_time_tick_once() {
        let timing = Timing::default();
        let mut seen = LateSeen::default();
        let mut p = Pacing::default();
        let mut presented = 0;
        // Real-time ticks, observed one by one: only the tick's own bucket is read.
        for i in 0..50u64 {
            let b = (i % 7) as usize;
            p.present_late[b] += 1;
            p.last_bucket = Some(b);
            p.last_tick = std::time::Duration::from_micros(100 + i);
            p.ticks += 1;
            presented += 1;
            timing.observe(&p, &mut seen, true);
        }
        assert_eq!(count(&timing.tick), 50, "one duration a tick");
        // Ticks skipped: the counts are read whole.
        p.ticks += 3;
        p.present_late[LATE_BUCKETS - 1] += 1;
        p.last_bucket = Some(LATE_BUCKETS - 1);
        presented += 1;
        timing.observe(&p, &mut seen, true);
        // Nothing new since the last look.
        timing.observe(&p, &mut seen, true);
        // A new run starts its counts again.
        let mut q = Pacing {
            ticks: 1,
            last_bucket: Some(3),
            ..Pacing::default()
        };
        q.present_late[3] = 1;
        presented += 1;
        timing.observe(&q, &mut seen, true);
        assert_eq!(count(&timing.present_late), presented);
        // Durations: the last tick's at each look that found new ticks.
        assert_eq!(count(&timing.tick), 52);
        // Paused: the schedule runs, the tick does not move; nothing is observed.
        q.ticks += 5;
        q.present_late[3] += 5;
        timing.observe(&q, &mut seen, false);
        assert_eq!(count(&timing.tick), 52, "a paused run is no tick");
        assert_eq!(count(&timing.present_late), presented);
        q.ticks += 1;
        q.present_late[4] += 1;
        q.last_bucket = Some(4);
        timing.observe(&q, &mut seen, true);
        assert_eq!(count(&timing.tick), 53);
        assert_eq!(
            count(&timing.present_late),
            presented + 1,
            "only the new tick"
        );
    }
}
