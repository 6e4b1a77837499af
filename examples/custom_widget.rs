//! A widget kind of your own, named in a RON scene like the built-in ones: its fields,
//! declared once (`drawing!`: read from the scene, checked, bindable to the data), and its
//! drawing (`Draw`). Run: `cargo run --example custom_widget -- /tmp/gauge.png`

use tinydisplay::prelude::*;
use tinydisplay::render::{layer::Layer, shapes::stroke_rect};
use tinydisplay::widget::drawing::{Draw, Drawn};

tinydisplay::drawing! {
    /// A gauge: `Gauge(width: 60, height: 8, value: "cpu.load / 100", segments: 10)`.
    pub struct Gauge(GaugeSpec) {
        /// The level, 0..=1, or an expression over the data (default 0).
        value: f64 = 0.0,
        /// Segments the gauge is divided into, 1..=64 (default 10).
        #[range(1..=64)]
        segments: u32 = 10,
        /// Colour of the segments (default white).
        color: Color = Color::WHITE,
    }
}

impl Draw for Gauge {
    /// Outlined segments, the first `value × segments` of them filled.
    fn draw(&self, layer: &mut Layer) {
        let lit = (self.value.clamp(0.0, 1.0) * f64::from(self.segments)).round() as u32;
        let (step, h) = (layer.width() / self.segments, layer.height());
        for i in 0..self.segments {
            let cell = Rect::new((i * step) as i32, 0, step.saturating_sub(1).max(1), h);
            match i < lit {
                true => layer.fill_rect(cell, self.color),
                false => stroke_rect(layer, cell, 1, self.color),
            }
        }
    }
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
    let kinds = Kinds::builtin().register_kind::<Drawn<Gauge>>().clone(); // + the gauge
    let scene = tinydisplay::scene::compile_str_with(SCENE, "gauge.ron".as_ref(), &kinds)?;
    Ok(Engine::new(scene).kinds(kinds).write_png(3, out.as_ref())?)
}
