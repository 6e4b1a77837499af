//! Embedding tinydisplay in your own program, with one custom system.
//!
//! The engine is a set of bevy plugins: `Engine::new(scene).build()` gives an `App` with
//! `TinyDisplayPlugins` and the scene; place your systems in the public tick sets. Here a system in
//! `TickSet::Animate` counts seconds into a text widget and fills a progress bar, and the
//! frames go to a PNG.
//!
//! Run: `cargo run --example embed -- /tmp/embed.png`

use bevy_ecs::prelude::*;
use tinydisplay::prelude::*;
use tinydisplay::scene::{WidgetName, compile_str};
use tinydisplay::sink::png::PngSink;
use tinydisplay::widget::progress::ProgressBar;
use tinydisplay::widget::text::Text;

const SCENE: &str = r#"Scene(
    display: (width: 128, height: 32, mode: Mono, fps: 10),
    widgets: [
        Text(name: "counter", x: 2, y: 2, text: "0 s", font: "large"),
        ProgressBar(name: "minute", x: 2, y: 24, width: 124, height: 6, max: 60),
    ],
)"#;

/// The custom system: seconds since start, from the tick (never from the wall clock).
fn count_seconds(
    tick: Res<Tick>,
    fps: Res<Fps>,
    mut texts: Query<(&WidgetName, &mut Text)>,
    mut bars: Query<&mut ProgressBar>,
) {
    let seconds = tick.0 / u64::from(fps.0);
    for (name, mut text) in &mut texts {
        let wanted = format!("{seconds} s");
        // Only touch the component when the value differs, so an unchanged second redraws nothing.
        if name.0 == "counter" && text.content != wanted {
            text.content = wanted;
        }
    }
    for mut bar in &mut bars {
        let v = (seconds % 60) as f64;
        if bar.value != v {
            bar.value = v;
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "embed.png".into());
    let scene = compile_str(SCENE, "embedded.ron".as_ref())?;
    let mut app = Engine::new(scene).build();
    app.add_systems(TickSchedule, count_seconds.in_set(TickSet::Animate));
    app.world_mut()
        .resource::<Sinks>()
        .push(Box::new(PngSink::new(out.clone().into())));
    run_ticks(&mut app, RunMode::Ticks(125));
    for e in shutdown(app.world_mut()) {
        eprintln!("{e}");
    }
    eprintln!("wrote {out}");
    Ok(())
}
