//! A widget kind of your own, named in a RON scene like the built-in ones.
//!
//! A kind is a type implementing [`Kind`]: the name scenes write (`Gauge`), the fields
//! serde reads (declared with `widget_spec!`, which adds the fields every widget has),
//! a check that reports problems at their field, its size and the components it spawns.
//! Register it with [`register`] before loading a scene that names it and building the
//! engine: the engine then runs the systems the kind lists (`Kind::systems`, its draw
//! system here). A field bound to the data (`value: "cpu.load / 100"`) is evaluated like
//! every binding; the kind says how its result sets the field ([`BindFields`]).
//!
//! Run: `cargo run --example custom_widget -- /tmp/gauge.png`

use bevy_app::App;
use bevy_ecs::prelude::*;
use bevy_ecs::world::EntityWorldMut;
use serde_json::Value;
use tinydisplay::data::binding::BindingError;
use tinydisplay::prelude::*;
use tinydisplay::render::compose::RenderStats;
use tinydisplay::render::shapes::stroke_rect;
use tinydisplay::widget::bind::{self, BindFields};
use tinydisplay::widget::compile::Ctx;
use tinydisplay::widget::kind::{Kind, register};
use tinydisplay::widget::{NumberOrExpr, ToDraw, redraw_changed};

tinydisplay::widget_spec! {
    /// A gauge in a scene: `Gauge(width: 60, height: 8, value: "cpu.load / 100", segments: 10)`.
    pub struct GaugeSpec {
        /// The level, 0..=1, or an expression over the data that computes it (default 0).
        #[serde(default = "zero")]
        pub value: NumberOrExpr,
        /// Segments the gauge is divided into, 1..=64 (default 10).
        #[serde(default = "ten")]
        pub segments: u32,
        /// Colour of the lit segments (default: the display's foreground).
        #[serde(default)]
        pub color: Option<String>,
    }
}

fn zero() -> NumberOrExpr {
    NumberOrExpr::Number(0.0)
}

fn ten() -> u32 {
    10
}

/// A gauge's look and level.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct Gauge {
    /// Width and height.
    pub size: (u32, u32),
    /// Number of segments.
    pub segments: u32,
    /// Level, 0..=1.
    pub value: f64,
    /// Colour of the lit segments and the outlines.
    pub color: Color,
}

/// The `Gauge` kind.
pub struct GaugeKind;

impl Kind for GaugeKind {
    const NAME: &'static str = "Gauge";
    const STILL: bool = true; // it changes only when its value does
    type Spec = GaugeSpec;
    type Compiled = Gauge;

    fn compile(spec: &GaugeSpec, ctx: &mut Ctx, _placement: &mut Placement) -> Gauge {
        let size = ctx.required_size(spec.width, spec.height);
        if !(1..=64).contains(&spec.segments) {
            ctx.error(
                Some("segments"),
                format!("segments must be 1..=64, not {}", spec.segments),
            );
        }
        let value = ctx.number_or_binding("value", &spec.value, 0.0);
        let color = match &spec.color {
            Some(c) => ctx.color("color", c),
            None => ctx.foreground,
        };
        Gauge {
            size,
            segments: spec.segments.clamp(1, 64),
            value,
            color,
        }
    }

    fn size(gauge: &Gauge) -> (u32, u32) {
        gauge.size
    }

    fn spawn(gauge: &Gauge, entity: &mut EntityWorldMut) {
        entity.insert(gauge.clone());
    }

    fn systems(app: &mut App) {
        bind::add_apply::<Gauge>(app);
        app.add_systems(TickSchedule, draw_gauges.in_set(RenderSet::Draw));
    }
}

impl BindFields for Gauge {
    const FIELDS: &'static [&'static str] = &["value"];

    fn set(this: &mut Mut<Gauge>, _: &'static str, value: &Value) -> Result<(), BindingError> {
        bind::set_if_changed(this, |g| &mut g.value, bind::number(value));
        Ok(())
    }
}

/// Draws a gauge: outlined segments, the first `value × segments` of them filled.
fn draw(g: &Gauge, wl: &mut WidgetLayer, mode: PixelMode) {
    let (w, h) = g.size;
    wl.pixels_mut().reset(w, h, mode);
    let lit = (g.value.clamp(0.0, 1.0) * f64::from(g.segments)).round() as u32;
    let step = w / g.segments;
    for i in 0..g.segments {
        let cell = Rect::new((i * step) as i32, 0, step.saturating_sub(1).max(1), h);
        if i < lit {
            wl.pixels_mut().fill_rect(cell, g.color);
        } else {
            stroke_rect(wl.pixels_mut(), cell, 1, g.color);
        }
    }
}

/// Redraws the gauges whose level or look changed.
fn draw_gauges(mut q: ToDraw<Gauge>, fb: Res<FrameBuffer>, stats: Res<RenderStats>) {
    let mode = fb.mode();
    redraw_changed(&mut q, &stats, |g, wl| draw(g, wl, mode));
}

/// A scene naming the gauge, its level bound to the data.
pub const SCENE: &str = r#"Scene(
    display: (width: 64, height: 24, mode: Gray4, fps: 10),
    data: (initial: {"cpu.load": 70}),
    widgets: [
        Text(x: 1, y: 1, text: "cpu {{ cpu.load }}%"),
        Gauge(x: 1, y: 12, width: 62, height: 10, segments: 10, value: "cpu.load / 100"),
    ],
)"#;

#[allow(dead_code, reason = "the tests include this file and use the rest")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "gauge.png".into());
    // The kind is registered before a scene that names it is loaded.
    register::<GaugeKind>();
    let scene = tinydisplay::scene::compile_str(SCENE, "gauge.ron".as_ref())?;
    let mut app = Engine::new(scene).build();
    app.world_mut()
        .resource::<Sinks>()
        .push(Box::new(tinydisplay::sink::png::PngSink::new(
            out.clone().into(),
        )));
    run_ticks(&mut app, RunMode::Ticks(3));
    for e in shutdown(app.world_mut()) {
        eprintln!("{e}");
    }
    eprintln!("wrote {out}");
    Ok(())
}
