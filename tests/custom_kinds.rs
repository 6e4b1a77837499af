//! A user's widget kind (the gauge of `examples/custom_widget.rs`) and source kind (the
//! counter of `examples/custom_source.rs`) named in RON scenes: they render like the
//! built-in kinds, a bound field follows the data, and `check` reports their field
//! errors at file:line:col; a user's kind with pages takes the `page`, `next` and
//! `previous` commands.

mod common;

#[allow(dead_code, reason = "the example's main is not used here")]
#[path = "../examples/custom_widget.rs"]
mod custom_widget;

#[allow(dead_code, reason = "the example's main is not used here")]
#[path = "../examples/custom_source.rs"]
mod custom_source;

use bevy_ecs::prelude::{IntoScheduleConfigs, Query, With};
use custom_source::CounterKind;
use custom_widget::{Gauge, SCENE};
use tinydisplay::app::{RunMode, TickSchedule, TickSet, run_ticks};
use tinydisplay::control::{Reply, control_sender};
use tinydisplay::render::FrameBuffer;
use tinydisplay::render::compose::Placement;
use tinydisplay::widget::compile::Ctx;
use tinydisplay::widget::drawing::Drawn;
use tinydisplay::widget::kind::Kind;
use tinydisplay::widget::kinds::{Kinds, KindsExt};
use tinydisplay::widget::paged::{PageEntry, Paged};

/// The built-in kinds and this file's: the gauge, the tabs, the counter.
fn kinds() -> Kinds {
    let mut kinds = Kinds::builtin();
    kinds
        .register_kind::<Drawn<Gauge>>()
        .register_kind::<TabsKind>()
        .register_source::<CounterKind>();
    kinds
}

fn app(src: &str) -> bevy_app::App {
    let kinds = kinds();
    common::app_kinds(common::compile_kinds(src, &kinds), &kinds)
}

#[test]
fn a_custom_kind_from_ron_renders_like_a_built_in_one() {
    let mut app = app(SCENE);
    run_ticks(&mut app, RunMode::Ticks(2));
    let fb = app.world().resource::<FrameBuffer>().clone();
    // 62 px / 10 segments = 6 px each; 70 % lights 7 of them.
    let lit = |segment: u32| fb.data()[((12 + 5) * 64 + 1 + segment * 6 + 3) as usize] > 0;
    assert!((0..7).all(lit), "the first seven segments are lit");
    assert!(!(7..10).any(lit), "the last three are outlines");
    common::assert_golden("custom_gauge", &fb);
}

#[test]
fn a_custom_kinds_bound_field_follows_the_data() {
    let mut app = app(SCENE);
    run_ticks(&mut app, RunMode::Ticks(2));
    common::set(&mut app, "cpu.load", serde_json::json!(20));
    run_ticks(&mut app, RunMode::Ticks(2));
    let fb = app.world().resource::<FrameBuffer>();
    let lit = |segment: u32| fb.data()[((12 + 5) * 64 + 1 + segment * 6 + 3) as usize] > 0;
    assert!(
        (0..2).all(lit) && !(2..10).any(lit),
        "20 % lights two segments"
    );
}

#[test]
fn check_reports_a_custom_kinds_field_errors_at_their_place() {
    let src = "Scene(\n  widgets: [\n    Gauge(width: 40, height: 6,\n      segments: 0, colr: \"red\"),\n  ],\n)";
    let err = match tinydisplay::scene::compile_str_with(src, "g.ron".as_ref(), &kinds()) {
        Ok(_) => panic!("a gauge with 0 segments and an unknown field passed the check"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("g.ron:4:7: error: segments must be 1..=64"),
        "{err}"
    );
    assert!(
        err.contains("g.ron:4:20: error: unknown field `colr`"),
        "{err}"
    );
}

#[test]
fn an_unregistered_kind_is_refused_with_the_known_ones() {
    let src = "Scene(widgets: [Dial(width: 4)])";
    let err = match tinydisplay::scene::compile_str(src, "d.ron".as_ref()) {
        Ok(_) => panic!("an unknown kind passed the check"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("Dial") && err.contains("`Text`"), "{err}");
}

#[test]
fn a_custom_source_kind_from_ron_feeds_the_scene() {
    // A long interval: only the first poll (at start) comes, so the frame is certain.
    let src = custom_source::SCENE.replace("interval_ms: 20", "interval_ms: 600000");
    let mut app = common::app_kinds(common::compile_kinds(&src, &kinds()), &kinds());
    let mut ticks = 0;
    loop {
        run_ticks(&mut app, RunMode::Ticks(1));
        let data = app.world().resource::<tinydisplay::data::Dataset>();
        if data.get("counter.value").is_some() || ticks > 2000 {
            break;
        }
        ticks += 1;
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    run_ticks(&mut app, RunMode::Ticks(1));
    let data = app.world().resource::<tinydisplay::data::Dataset>();
    assert_eq!(data.get("counter.value"), Some(&serde_json::json!(1)));
    common::assert_golden("custom_counter", app.world().resource::<FrameBuffer>());
    tinydisplay::shutdown(app.world_mut());
}

#[test]
fn check_reports_a_custom_sources_problems_at_their_place() {
    let src = "Scene(\n  sources: {\n    \"c\": (source: Counter(namespace: \"\",\n      fail_evry: 3)),\n  },\n)";
    let err = match tinydisplay::scene::compile_str_with(src, "c.ron".as_ref(), &kinds()) {
        Ok(_) => panic!("a bad counter passed the check"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("c.ron:3:11: error: a counter needs a namespace"),
        "{err}"
    );
    assert!(
        err.contains("c.ron:4:7: error: unknown field `fail_evry`"),
        "{err}"
    );
}

#[test]
fn the_gauges_drawing_reads_as_a_picture() {
    use tinydisplay::render::layer::Layer;
    use tinydisplay::render::shapes::pattern::assert_pattern;
    use tinydisplay::render::{Color, PixelMode};
    use tinydisplay::widget::drawing::Draw;

    let gauge = Gauge {
        size: (16, 3),
        value: 0.5,
        segments: 4,
        color: Color::WHITE,
    };
    let mut layer = Layer::new(16, 3, PixelMode::Mono);
    gauge.draw(&mut layer);
    assert_pattern(
        &layer,
        &["###.###.###.###.", "###.###.#.#.#.#.", "###.###.###.###."],
    );
}

tinydisplay::widget_spec! {
    /// Tabs of a user's kind, one shown at a time: `Tabs(width: 8, height: 2, tabs: ["cpu"])`.
    pub struct TabsSpec {
        /// The tabs' names, in order.
        #[serde(default)]
        pub tabs: Vec<String>,
    }
}

/// A user's kind with pages: it carries `Paged` and shows the tab a command asks for.
struct TabsKind;

/// Marks a `Tabs` widget (its system serves only its own kind's pages).
#[derive(bevy_ecs::component::Component, Debug, Clone)]
struct Tabs;

/// A checked `Tabs` widget: its size and its pages.
#[derive(Debug, Clone)]
struct CompiledTabs {
    size: (u32, u32),
    paged: Paged,
}

impl Kind for TabsKind {
    const NAME: &'static str = "Tabs";
    type Spec = TabsSpec;
    type Compiled = CompiledTabs;

    fn compile(spec: &TabsSpec, ctx: &mut Ctx, _: &mut Placement) -> CompiledTabs {
        let mut paged = Paged::new(spec.tabs.iter().map(|t| PageEntry::named(t)).collect());
        paged.current = Some(0);
        CompiledTabs {
            size: ctx.required_size(spec.width, spec.height),
            paged,
        }
    }
    fn size(c: &CompiledTabs) -> (u32, u32) {
        c.size
    }
    fn spawn(c: &CompiledTabs, entity: &mut bevy_ecs::world::EntityWorldMut) {
        entity.insert((Tabs, c.paged.clone()));
    }
    fn systems(app: &mut bevy_app::App) {
        app.add_systems(TickSchedule, serve_tabs.in_set(TickSet::Animate));
    }
}

/// Shows the tab asked for last.
fn serve_tabs(mut tabs: Query<&mut Paged, With<Tabs>>) {
    for mut paged in &mut tabs {
        if paged.has_requests() {
            paged.serve();
        }
    }
}

#[test]
fn the_page_commands_reach_a_custom_kind_with_pages() {
    let src = r#"Scene(display: (width: 16, height: 8), widgets: [
        Tabs(name: "tabs", width: 8, height: 2, tabs: ["cpu", "net", "disk"]),
    ])"#;
    let mut app = app(src);
    let control = control_sender(app.world_mut());
    let mut command = |json: serde_json::Value| {
        let reply = control.send_json(json.to_string().as_bytes(), "test");
        run_ticks(&mut app, RunMode::Ticks(1));
        let reply = reply.wait_blocking(std::time::Duration::from_secs(30));
        let state = control.published().state();
        (reply, state.pages[0].clone())
    };
    let (reply, shown) = command(serde_json::json!({"cmd": "page", "name": "disk"}));
    assert_eq!(reply, Reply::Ok);
    assert_eq!(
        (
            shown.sequence.as_deref(),
            shown.page.as_deref(),
            shown.index,
            shown.pages
        ),
        (Some("tabs"), Some("disk"), 2, 3),
        "the state reports the tab shown"
    );
    let (_, shown) = command(serde_json::json!({"cmd": "next"}));
    assert_eq!(shown.page.as_deref(), Some("cpu"), "next wraps around");
    let (_, shown) = command(serde_json::json!({"cmd": "previous"}));
    assert_eq!(shown.page.as_deref(), Some("disk"));
    let (reply, _) = command(serde_json::json!({"cmd": "page", "name": "nope"}));
    assert_eq!(
        reply,
        Reply::Error(r#"no page named "nope" (pages: cpu, net, disk)"#.into())
    );
}

#[test]
fn two_apps_have_independent_kinds() {
    let empty = "Scene(widgets: [])";
    let mut with = common::app_for(common::compile(empty));
    with.register_kind::<Drawn<Gauge>>();
    let mut without = common::app_for(common::compile(empty));
    let src = "Scene(\n  widgets: [\n    Gauge(width: 40, height: 6),\n  ],\n)";
    let read = |app: &mut bevy_app::App, file: &str| {
        tinydisplay::scene::compile_str_with(src, file.as_ref(), &app.kinds())
    };
    assert!(
        read(&mut with, "a.ron").is_ok(),
        "the app that registered it reads it"
    );
    let err = match read(&mut without, "b.ron") {
        Ok(_) => panic!("a kind registered in another app was read"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("b.ron:3:5: error:"), "{err}");
    assert!(err.contains("expected one of `Text`"), "{err}");
    assert!(
        !err.contains("`Gauge`,"),
        "not among the known kinds: {err}"
    );
}

#[test]
fn the_load_command_reads_a_scene_with_its_apps_kinds() {
    let gauge = r#"Scene(widgets: [Gauge(width: 40, height: 6)])"#;
    let load = |app: &mut bevy_app::App| {
        let control = control_sender(app.world_mut());
        let command = serde_json::json!({"cmd": "load", "scene": gauge});
        let reply = control.send_json(command.to_string().as_bytes(), "test");
        run_ticks(app, RunMode::Ticks(1));
        reply.wait_blocking(std::time::Duration::from_secs(30))
    };
    assert_eq!(load(&mut app("Scene(widgets: [])")), Reply::Ok);
    let mut plain = common::app_for(common::compile("Scene(widgets: [])"));
    match load(&mut plain) {
        Reply::Error(e) => assert!(e.contains("expected one of `Text`"), "{e}"),
        other => panic!("an app without the gauge loaded it: {other:?}"),
    }
}
