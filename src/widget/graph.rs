//! The graph widget: one dataset key's recent history drawn as a line or as bars.
//!
//! The x axis is time: the right edge is "now", the left edge `window` ticks earlier. A
//! value holds until the next one arrives (the dataset records changes only), so each
//! column shows the value held at its moment. The picture is a function of the key's
//! history and of the graph's right edge, which moves when the key changes and otherwise
//! in whole columns (every `window / width` ticks): a graph redraws only then.

use bevy_ecs::prelude::*;
use serde::Deserialize;

use super::{ToDraw, redraw_changed, widget_spec};
use crate::app::Tick;
use crate::data::Dataset;
use crate::render::compose::{RenderStats, WidgetLayer};
use crate::render::{Color, FrameBuffer, PixelMode, Rect};
use crate::widget::compile::Ctx;

/// How the values are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphStyle {
    /// A line through the values (default).
    #[default]
    Line,
    /// Bars filled from the bottom, `bar_width` pixels wide with one pixel between them.
    Bars,
}

/// Dotted grid lines dividing the graph into equal rows and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Horizontal bands (default 0: no horizontal lines); lines at the edges included.
    #[serde(default)]
    pub rows: u32,
    /// Vertical bands (default 0: no vertical lines); lines at the edges included.
    #[serde(default)]
    pub columns: u32,
}

fn three() -> u32 {
    3
}

widget_spec! {
    /// A graph in a scene: `Graph(width: 100, height: 30, key: "sys.cpu", window_s: 60)`.
    pub struct GraphSpec {
        /// The dataset key whose history is drawn (required).
        pub key: String,
        /// line (default) or bars.
        #[serde(default)]
        pub style: GraphStyle,
        /// Value at the bottom edge (default: the smallest value in the window).
        #[serde(default)]
        pub min: Option<f64>,
        /// Value at the top edge (default: the largest value in the window).
        #[serde(default)]
        pub max: Option<f64>,
        /// Time shown, in ticks (default: the width, one column per tick).
        #[serde(default)]
        pub window: Option<u64>,
        /// Time shown, in seconds (at the display's fps); instead of `window`.
        #[serde(default)]
        pub window_s: Option<f64>,
        /// Grid lines: `(rows: 4, columns: 6)` (default none).
        #[serde(default)]
        pub grid: Option<GridSpec>,
        /// Colour of the line or bars (default: the foreground).
        #[serde(default)]
        pub color: Option<String>,
        /// Colour of the grid (default "gray40").
        #[serde(default)]
        pub grid_color: Option<String>,
        /// Colour behind the graph (default: transparent).
        #[serde(default)]
        pub background: Option<String>,
        /// Width of a bar in pixels (default 3; bars only).
        #[serde(default = "three")]
        pub bar_width: u32,
    }
}

/// A graph's settings and the samples it shows.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct Graph {
    /// Width and height.
    pub size: (u32, u32),
    /// The key drawn.
    pub key: String,
    /// Line or bars.
    pub style: GraphStyle,
    /// Fixed bottom value, if any.
    pub min: Option<f64>,
    /// Fixed top value, if any.
    pub max: Option<f64>,
    /// Ticks across the width (at least 1).
    pub window: u64,
    /// Grid lines.
    pub grid: Option<GridSpec>,
    /// Line or bar colour.
    pub color: Color,
    /// Grid colour.
    pub grid_color: Color,
    /// Background colour.
    pub background: Option<Color>,
    /// Bar width.
    pub bar_width: u32,
    /// The tick at the right edge.
    pub now: u64,
    /// (tick, value) samples, oldest first: those in the window and the one before it.
    pub samples: Vec<(u64, f64)>,
}

impl Graph {
    /// The right edge at tick `t`: `t` rounded down to a whole column, or the newest
    /// sample's tick if that is later.
    pub fn edge_at(&self, t: u64, newest: Option<u64>) -> u64 {
        let w = u128::from(self.size.0.max(1));
        let win = u128::from(self.window.max(1));
        let col = u128::from(t) * w / win;
        let q = u64::try_from(col * win / w).unwrap_or(t).min(t);
        newest.map_or(q, |n| q.max(n.min(t)))
    }

    /// The value held at each column (None before the first sample).
    pub fn columns(&self) -> Vec<Option<f64>> {
        let w = self.size.0;
        let start = self.now as f64 - self.window as f64;
        let mut i = 0;
        let mut held = None;
        (0..w)
            .map(|c| {
                let at = start + (c + 1) as f64 * self.window as f64 / w as f64;
                while i < self.samples.len() && self.samples[i].0 as f64 <= at {
                    held = Some(self.samples[i].1);
                    i += 1;
                }
                held
            })
            .collect()
    }

    /// The range drawn: the fixed ends, the others from the values shown (never empty).
    pub fn range(&self, values: &[Option<f64>]) -> (f64, f64) {
        let seen = values.iter().flatten().copied();
        let lo = self
            .min
            .unwrap_or_else(|| seen.clone().fold(f64::INFINITY, f64::min));
        let hi = self
            .max
            .unwrap_or_else(|| seen.fold(f64::NEG_INFINITY, f64::max));
        match (lo.is_finite(), hi.is_finite()) {
            (true, true) if hi > lo => (lo, hi),
            (true, true) => (lo - 1.0, lo + 1.0),
            (true, false) => (lo, lo + 1.0),
            (false, true) => (hi - 1.0, hi),
            (false, false) => (0.0, 1.0),
        }
    }
}

/// Checks a scene graph and makes its component.
pub fn compile(spec: &GraphSpec, ctx: &mut Ctx) -> Graph {
    let size = ctx.required_size(spec.width, spec.height);
    if spec.key.trim().is_empty() {
        ctx.error(Some("key"), "a graph needs the key whose history it draws");
    }
    let window = match (spec.window, spec.window_s) {
        (Some(_), Some(_)) => {
            ctx.error(
                Some("window_s"),
                "give window (ticks) or window_s, not both",
            );
            u64::from(size.0)
        }
        (Some(0), None) => {
            ctx.error(Some("window"), "window must be at least 1 tick");
            1
        }
        (Some(t), None) => t,
        (None, Some(s)) if s.is_finite() && s > 0.0 => {
            ((s * f64::from(ctx.fps)).round() as u64).max(1)
        }
        (None, Some(s)) => {
            ctx.error(
                Some("window_s"),
                format!("window_s must be above 0, not {s}"),
            );
            1
        }
        (None, None) => u64::from(size.0),
    };
    if let (Some(lo), Some(hi)) = (spec.min, spec.max)
        && hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater)
    {
        ctx.error(
            Some("max"),
            format!("max ({hi}) must be greater than min ({lo})"),
        );
    }
    if spec.style == GraphStyle::Bars && spec.bar_width == 0 {
        ctx.error(Some("bar_width"), "bar_width must be at least 1");
    }
    let fg = ctx.foreground;
    Graph {
        size,
        key: spec.key.clone(),
        style: spec.style,
        min: spec.min,
        max: spec.max,
        window,
        grid: spec.grid,
        color: spec.color.as_deref().map_or(fg, |c| ctx.color("color", c)),
        grid_color: ctx.color("grid_color", spec.grid_color.as_deref().unwrap_or("gray40")),
        background: spec
            .background
            .as_deref()
            .map(|c| ctx.color("background", c)),
        bar_width: spec.bar_width.max(1),
        now: 0,
        samples: Vec::new(),
    }
}

/// A JSON value as a number: numbers, numeric strings and booleans (1/0).
fn number(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        serde_json::Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

/// Moves each graph's right edge and takes its key's samples when the key changed or the
/// window slid by a column. A graph that did not change is not marked changed.
pub fn update_graphs(
    data: Res<Dataset>,
    tick: Res<Tick>,
    mut q: Query<(&mut Graph, Option<&mut crate::app::NextChange<Graph>>)>,
) {
    let t = tick.0;
    for (mut g, next) in &mut q {
        let entry = data.entry(&g.key);
        let newest = entry.and_then(|e| e.history.back().map(|s| s.0));
        let now = g.edge_at(t, newest);
        if let Some(mut next) = next {
            // The window slides by a column: the next tick its right edge moves.
            let at = Some(crate::app::wake::next_change_of(
                t,
                crate::app::wake::HORIZON,
                |u| g.edge_at(u, newest),
            ));
            if next.at != at {
                next.at = at;
            }
        }
        let key_changed = data.changed().iter().any(|k| *k == g.key);
        if now == g.now && !key_changed && !(t == 0 && g.samples.is_empty()) {
            continue;
        }
        let start = now.saturating_sub(g.window);
        let mut samples: Vec<(u64, f64)> = Vec::new();
        if let Some(e) = entry {
            // The newest sample at or before the window's start holds into it.
            let first = e.history.iter().rposition(|s| s.0 <= start).unwrap_or(0);
            samples.extend(
                e.history
                    .iter()
                    .skip(first)
                    .filter(|s| s.0 <= now)
                    .filter_map(|(tk, v)| Some((*tk, number(v)?))),
            );
        }
        if g.now != now || g.samples != samples {
            g.now = now;
            g.samples = samples;
        }
    }
}

/// Dotted grid lines.
fn draw_grid(g: &Graph, layer: &mut crate::render::Layer) {
    let Some(grid) = g.grid else { return };
    let (w, h) = (g.size.0 as i32, g.size.1 as i32);
    if grid.rows > 0 {
        for i in 0..=grid.rows as i32 {
            let y = i * (h - 1) / grid.rows as i32;
            for x in (0..w).step_by(2) {
                layer.put(x, y, g.grid_color);
            }
        }
    }
    if grid.columns > 0 {
        for i in 0..=grid.columns as i32 {
            let x = i * (w - 1) / grid.columns as i32;
            for y in (0..h).step_by(2) {
                layer.put(x, y, g.grid_color);
            }
        }
    }
}

/// Draws a graph into a layer of its size.
pub fn draw(g: &Graph, wl: &mut WidgetLayer, mode: PixelMode) {
    let (w, h) = g.size;
    let layer = wl.pixels_mut();
    layer.reset(w, h, mode);
    if let Some(bg) = g.background {
        layer.fill_rect(Rect::new(0, 0, w, h), bg);
    }
    draw_grid(g, layer);
    let cols = g.columns();
    let (lo, hi) = g.range(&cols);
    let top = h.saturating_sub(1) as f64;
    let y_of = |v: f64| {
        let f = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
        (top - (f * top).round()) as i32
    };
    match g.style {
        GraphStyle::Line => {
            let mut prev: Option<i32> = None;
            for (c, v) in cols.iter().enumerate() {
                let Some(v) = v else {
                    prev = None;
                    continue;
                };
                let y = y_of(*v);
                let (a, b) = prev.map_or((y, y), |p| (p.min(y), p.max(y)));
                layer.fill_rect(Rect::new(c as i32, a, 1, (b - a + 1) as u32), g.color);
                prev = Some(y);
            }
        }
        GraphStyle::Bars => {
            let step = g.bar_width as usize + 1;
            for x0 in (0..w as usize).step_by(step) {
                let end = (x0 + g.bar_width as usize).min(w as usize);
                let Some(v) = cols[end - 1] else { continue };
                let y = y_of(v);
                let bar = Rect::new(x0 as i32, y, (end - x0) as u32, (h as i32 - y) as u32);
                layer.fill_rect(bar, g.color);
            }
        }
    }
}

/// Redraws graphs whose samples or look changed.
pub fn draw_graphs(mut q: ToDraw<Graph>, fb: Res<FrameBuffer>, stats: Res<RenderStats>) {
    let mode = fb.mode();
    redraw_changed(&mut q, &stats, |g, wl| draw(g, wl, mode));
}

/// The `Graph` kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct GraphKind;

impl crate::widget::kind::Kind for GraphKind {
    const NAME: &'static str = "Graph";
    type Spec = GraphSpec;
    type Compiled = Graph;

    fn compile(
        spec: &GraphSpec,
        ctx: &mut Ctx,
        _placement: &mut crate::render::compose::Placement,
    ) -> Graph {
        compile(spec, ctx)
    }

    fn size(compiled: &Graph) -> (u32, u32) {
        compiled.size
    }

    fn spawn(compiled: &Graph, entity: &mut bevy_ecs::world::EntityWorldMut) {
        entity.insert((
            compiled.clone(),
            crate::app::NextChange::<Graph>::default(),
            crate::app::wake::Declared,
        ));
    }

    fn systems(app: &mut bevy_app::App) {
        app.add_systems(
            crate::app::TickSchedule,
            (
                update_graphs.in_set(crate::app::TickSet::Propagate),
                draw_graphs.in_set(crate::render::RenderSet::Draw),
            ),
        );
        crate::app::wake::track::<Graph>(app);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::shapes::pattern::assert_pattern;

    fn graph(style: GraphStyle, samples: &[(u64, f64)]) -> Graph {
        Graph {
            size: (8, 4),
            key: "k".into(),
            style,
            min: Some(0.0),
            max: Some(3.0),
            window: 8,
            grid: None,
            color: Color::WHITE,
            grid_color: Color::WHITE,
            background: None,
            bar_width: 1,
            now: 8,
            samples: samples.to_vec(),
        }
    }

    fn drawn(g: &Graph) -> WidgetLayer {
        let mut wl = WidgetLayer::default();
        draw(g, &mut wl, PixelMode::Mono);
        wl
    }

    #[test]
    fn a_line_holds_each_value_until_the_next() {
        // Ticks 1..=8 are the columns; 0 before the window holds into it.
        let g = graph(GraphStyle::Line, &[(0, 0.0), (3, 3.0), (5, 1.0), (7, 2.0)]);
        assert_pattern(
            &drawn(&g).layer,
            &["..###...", "..#.#.##", "..#.###.", "###....."],
        );
    }

    #[test]
    fn bars_fill_from_the_bottom_with_gaps() {
        let mut g = graph(GraphStyle::Bars, &[(1, 1.0), (3, 3.0), (5, 2.0), (7, 0.0)]);
        assert_pattern(
            &drawn(&g).layer,
            &["..#.....", "..#.#...", "#.#.#...", "#.#.#.#."],
        );
        g.bar_width = 2;
        assert_pattern(
            &drawn(&g).layer,
            &["........", "...##...", "##.##...", "##.##.##"],
        );
    }

    #[test]
    fn no_samples_yet_draws_nothing_and_auto_range_spans_the_values() {
        let mut g = graph(GraphStyle::Line, &[]);
        assert_pattern(&drawn(&g).layer, &["........"; 4]);
        g.min = None;
        g.max = None;
        g.samples = vec![(4, 10.0), (6, 20.0)];
        assert_eq!(g.range(&g.columns()), (10.0, 20.0));
        assert_pattern(
            &drawn(&g).layer,
            &[".....###", ".....#..", ".....#..", "...###.."],
        );
        g.samples = vec![(4, 5.0)];
        assert_eq!(g.range(&g.columns()), (4.0, 6.0), "a flat line is centred");
    }

    #[test]
    fn grid_lines_are_dotted() {
        let mut g = graph(GraphStyle::Line, &[]);
        g.grid = Some(GridSpec {
            rows: 1,
            columns: 1,
        });
        assert_pattern(
            &drawn(&g).layer,
            &["#.#.#.##", "........", "#......#", "#.#.#.#."],
        );
    }

    #[test]
    fn the_right_edge_moves_in_whole_columns_or_with_new_samples() {
        let mut g = graph(GraphStyle::Line, &[]);
        g.window = 32; // 4 ticks per column
        assert_eq!(g.edge_at(9, None), 8);
        assert_eq!(g.edge_at(11, None), 8);
        assert_eq!(g.edge_at(12, None), 12);
        assert_eq!(g.edge_at(13, Some(13)), 13, "a new sample shows at once");
        assert_eq!(g.edge_at(17, Some(13)), 16);
    }
}
