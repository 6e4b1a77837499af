//! The compile phase: a scene file parsed, checked and turned into ready-to-spawn widgets.
//!
//! Every problem found is collected (not just the first) and located in the file. A
//! syntax error stops parsing, so it is reported alone; everything after parsing —
//! unknown fields, bad colours and sizes, missing or broken font and image files,
//! unknown font names, widgets outside their parent — is reported together.

use std::path::{Path, PathBuf};

use super::fonts::load_fonts;
use super::locate::{Locator, join};
use super::problems::{Problem, Raw, SceneError, Severity};
use super::sections::{
    check_data, check_display, check_sources, compile_display_rule, image_cache,
};
use crate::data::binding::{self, Binding, Target};
use crate::render::compose::Placement;
use crate::render::{Color, PixelMode, Rect};
use crate::widget::canvas::{self, Canvas};
use crate::widget::compile::Ctx;
use crate::widget::graph::{self, Graph};
use crate::widget::group::{self, Index, Stack};
use crate::widget::image::{self, Image};
use crate::widget::line::{self, Line};
use crate::widget::marquee::{self, Marquee};
use crate::widget::progress::{self, ProgressBar};
use crate::widget::rectangle::{self, Rectangle};
use crate::widget::sequence::{self, Page, Sequence};
use crate::widget::spec::WidgetSpec;
use crate::widget::text::{self, Text};

/// The display settings of a checked scene.
#[derive(Debug, Clone, PartialEq)]
pub struct Display {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixel mode.
    pub mode: PixelMode,
    /// Ticks per second.
    pub fps: u32,
    /// Colour behind everything.
    pub background: Color,
    /// Default colour of text and shapes.
    pub foreground: Color,
    /// The panel, when the scene names a driver.
    pub panel: Option<crate::panel::PanelConfig>,
    /// Render-ahead settings, when the scene gives them.
    pub render_ahead: Option<crate::ahead::AheadConfig>,
}

/// A widget's kind-specific component, checked.
#[derive(Debug, Clone)]
pub enum CompiledKind {
    /// Text.
    Text(Text),
    /// Image.
    Image(Image),
    /// Rectangle.
    Rectangle(Rectangle),
    /// Line.
    Line(Line),
    /// Progress bar.
    ProgressBar(ProgressBar),
    /// Graph of a key's history.
    Graph(Graph),
    /// Canvas (its children are in [`CompiledWidget::children`]).
    Canvas(Canvas),
    /// Marquee (its content is its one child).
    Marquee(Marquee),
    /// Sequence (its pages are its children).
    Sequence(Sequence),
    /// Index (its choices are its children).
    Index(Index),
    /// Stack (its children are laid out in a row or column).
    Stack(Stack),
    /// A page of a sequence, with its background.
    Page(Page, Option<Color>, (u32, u32)),
}

impl CompiledKind {
    /// The widget's size as far as it is known at load.
    pub fn size(&self) -> (u32, u32) {
        match self {
            CompiledKind::Text(t) => t.size(&t.layout()),
            CompiledKind::Image(i) => (i.pixels.width(), i.pixels.height()),
            CompiledKind::Rectangle(r) => r.size,
            CompiledKind::Line(l) => l.size(),
            CompiledKind::ProgressBar(p) => p.size,
            CompiledKind::Graph(g) => g.size,
            CompiledKind::Canvas(c) => c.size,
            CompiledKind::Marquee(m) => m.window,
            CompiledKind::Sequence(s) => s.size,
            CompiledKind::Index(i) => i.size,
            CompiledKind::Stack(_) => (0, 0),
            CompiledKind::Page(_, _, size) => *size,
        }
    }
}

/// A checked widget, ready to spawn.
#[derive(Debug, Clone)]
pub struct CompiledWidget {
    /// Optional name from the scene.
    pub name: Option<String>,
    /// Where it sits in its parent.
    pub placement: Placement,
    /// Shown at start.
    pub visible: bool,
    /// Its kind and look.
    pub kind: CompiledKind,
    /// Children (canvases only).
    pub children: Vec<CompiledWidget>,
    /// Properties computed from the dataset.
    pub bindings: Vec<Binding>,
    /// Slide motion, if any.
    pub slide: Option<crate::timeline::Slide>,
}

/// A scene that passed the check.
#[derive(Debug, Clone)]
pub struct CompiledScene {
    /// The file it came from.
    pub path: PathBuf,
    /// Display settings.
    pub display: Display,
    /// Top-level widgets, back to front.
    pub widgets: Vec<CompiledWidget>,
    /// Problems that did not stop the scene.
    pub warnings: Vec<Problem>,
    /// The templates of the scene's bindings.
    pub env: minijinja::Environment<'static>,
    /// Dataset set-up: rules, history lengths, initial values, persistence (paths resolved).
    pub data: crate::scene::schema::DataSpec,
    /// Data sources by name (file paths resolved against the scene).
    pub sources: Vec<(String, crate::data::sources::SourceSpec)>,
    /// The display's `sleep_when`, compiled.
    pub sleep_when: Option<binding::Binding>,
    /// The scene's resource limits.
    pub limits: crate::data::limits::Limits,
    /// The display's `contrast` when it is an expression, compiled.
    pub contrast: Option<binding::Binding>,
    /// Where images from URLs are cached (folder resolved against the scene).
    pub image_cache: crate::widget::remote::CacheConfig,
    /// The control section (surfaces to start).
    pub control: crate::scene::schema::ControlSpec,
    /// The scene's `name` (the display's name on a broker).
    pub name: Option<String>,
    /// Files besides the scene it read at load time (fonts; includes), for hot reload.
    pub files: Vec<PathBuf>,
}

/// Reads, parses and checks a scene file.
pub fn load(path: &Path) -> Result<CompiledScene, SceneError> {
    let src = std::fs::read_to_string(path).map_err(|source| SceneError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    compile_str(&src, path)
}

/// The message for a field serde did not know, pointing to where the fields are listed.
pub(super) fn unknown_field_message(path: &str) -> String {
    let field = path.rsplit(['.', ']']).next().unwrap_or(path);
    let docs = if path.starts_with("sources.") {
        "docs/scenes.md#sources lists the fields of every source and of `policy`"
    } else {
        "docs/scenes.md lists the fields of each widget"
    };
    format!("unknown field `{field}` ({docs})")
}

/// Parses and checks scene text that came from `path` (used to resolve files and in messages).
/// A leading UTF-8 byte-order mark is ignored; nesting deeper than
/// [`crate::data::limits::MAX_NESTING`] brackets is refused before parsing.
pub fn compile_str(src: &str, path: &Path) -> Result<CompiledScene, SceneError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let at = |line: usize, col: usize, message: String| Problem::error(path, line, col, message);
    if let Some((line, col)) = super::nesting::too_deep(src, crate::data::limits::MAX_NESTING) {
        return Err(SceneError::Invalid(vec![at(
            line,
            col,
            format!(
                "the scene nests deeper than {} brackets here (about 20 canvases inside each other); flatten it",
                crate::data::limits::MAX_NESTING
            ),
        )]));
    }
    let mut parsed = super::recover::parse_all::<super::schema::SceneFile>(src);
    let mut located: Vec<Problem> = std::mem::take(&mut parsed.errors)
        .into_iter()
        .map(|e| at(e.line, e.col, e.message))
        .collect();
    let Some(mut file) = parsed.value.take() else {
        return Err(SceneError::Invalid(located));
    };
    let mut raw: Vec<Raw> = std::mem::take(&mut parsed.unknown)
        .into_iter()
        .map(|p| Raw {
            severity: Severity::Error,
            message: unknown_field_message(&p),
            path: p,
        })
        .collect();

    let scene_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let includes = super::include::merge(&mut file, &scene_dir, &mut raw, &mut located);
    let display = check_display(&file, &scene_dir, &mut raw);
    let data = check_data(&file, &scene_dir, &mut raw);
    let sources = check_sources(&file, &scene_dir, &mut raw);
    let fonts = load_fonts(&file, &scene_dir, &mut raw);
    let frame = Rect::new(0, 0, display.width, display.height);
    let limits = check_limits(&file.limits, &mut raw);
    let mut env = binding::environment();
    env.set_fuel(Some(limits.template_fuel));
    let locator = Locator::new(src);
    let locate = |path: &str| locator.find(path).unwrap_or((0, 0));
    let mut ctx = Ctx {
        limits,
        label: String::new(),
        locate: &locate,
        file: path,
        env: &mut env,
        bindings: Vec::new(),
        templates: 0,
        scene_dir: &scene_dir,
        mode: display.mode,
        foreground: display.foreground,
        fps: display.fps,
        fonts: &fonts,
        problems: &mut raw,
        path: String::new(),
    };
    let widgets = compile_list(&file.widgets, "widgets", frame, false, &mut ctx);
    let mut sleep_when = file.display.sleep_when.as_ref().and_then(|src| {
        compile_display_rule(
            &env,
            &mut raw,
            "sleep_when",
            src,
            Target::When,
            false.into(),
        )
    });
    let mut contrast = match &file.display.contrast {
        Some(crate::widget::NumberOrExpr::Expr(src)) => compile_display_rule(
            &env,
            &mut raw,
            "contrast",
            src,
            Target::Value,
            serde_json::Value::Null,
        ),
        _ => None,
    };
    for (rule, field) in [
        (&mut sleep_when, "display.sleep_when"),
        (&mut contrast, "display.contrast"),
    ] {
        if let Some(b) = rule {
            let (line, col) = locate(field);
            b.origin = format!("{}:{line}:{col}: {field}", path.display());
        }
    }
    if let Some(addr) = &file.control.http
        && addr.parse::<std::net::SocketAddr>().is_err()
    {
        raw.push(Raw {
            severity: Severity::Error,
            path: "control.http".into(),
            message: format!("{addr:?} is not an address and port like \"127.0.0.1:8080\""),
        });
    }
    if !(1..=240).contains(&file.control.preview_fps) {
        raw.push(Raw {
            severity: Severity::Error,
            path: "control.preview_fps".into(),
            message: format!(
                "preview_fps must be 1..=240, not {}",
                file.control.preview_fps
            ),
        });
    }

    let mut problems: Vec<Problem> = raw
        .into_iter()
        .filter(|r| !parsed.is_echo(&r.path))
        .map(|r| {
            let (file, line, col) = includes.locate(&r.path).unwrap_or_else(|| {
                let (line, col) = locator.find(&r.path).unwrap_or((0, 0));
                (path.to_path_buf(), line, col)
            });
            Problem {
                severity: r.severity,
                file,
                ..at(line, col, r.message)
            }
        })
        .chain(located)
        .collect();
    problems.sort_by(|a, b| {
        (a.file != path, &a.file, a.line, a.col).cmp(&(b.file != path, &b.file, b.line, b.col))
    });
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Err(SceneError::Invalid(problems));
    }
    Ok(CompiledScene {
        path: path.to_path_buf(),
        display,
        widgets,
        warnings: problems,
        env,
        data,
        sources,
        sleep_when,
        limits,
        contrast,
        image_cache: image_cache(&file, &scene_dir),
        control: file.control.clone(),
        name: file.name.clone(),
        files: file
            .fonts
            .values()
            .map(|f| scene_dir.join(&f.file))
            .chain(includes.paths().cloned())
            .collect(),
    })
}

/// Checks the limits section: each limit at least 1, and no layer limit beyond what the
/// renderer can hold ([`crate::render::layer::MAX_LAYER_PIXELS`]).
fn check_limits(
    limits: &crate::data::limits::Limits,
    raw: &mut Vec<Raw>,
) -> crate::data::limits::Limits {
    let max_layer = crate::render::layer::MAX_LAYER_PIXELS;
    let mut out = *limits;
    let mut err = |field: &str, message: String| {
        raw.push(Raw {
            severity: Severity::Error,
            path: format!("limits.{field}"),
            message,
        })
    };
    for (field, v) in [
        ("value_bytes", limits.value_bytes as u64),
        ("history_bytes", limits.history_bytes as u64),
        ("namespace_keys", limits.namespace_keys as u64),
        ("layer_pixels", limits.layer_pixels),
        ("image_pixels", limits.image_pixels),
        ("template_fuel", limits.template_fuel),
    ] {
        if v == 0 {
            err(field, format!("{field} must be at least 1"));
        }
    }
    if limits.layer_pixels > max_layer {
        err(
            "layer_pixels",
            format!("layer_pixels may be at most {max_layer} (4096×4096)"),
        );
        out.layer_pixels = max_layer;
    }
    out
}

/// Compiles a sequence's pages: each a clipping area of the sequence's size.
fn compile_pages(
    seq: &crate::widget::sequence::SequenceSpec,
    path: &str,
    size: (u32, u32),
    ctx: &mut Ctx,
) -> Vec<CompiledWidget> {
    let mut out = Vec::new();
    for (i, page) in seq.pages.iter().enumerate() {
        let page_path = format!("{path}.pages[{i}]");
        ctx.path = page_path.clone();
        ctx.label = format!("Page {page_path}");
        ctx.bindings.clear();
        if let Some(when) = &page.when {
            ctx.bind_expression(
                Target::Eligible,
                "when",
                when,
                serde_json::Value::Bool(false),
            );
        }
        let background = page
            .background
            .as_deref()
            .map(|c| ctx.color("background", c));
        let bindings = std::mem::take(&mut ctx.bindings);
        let area = Rect::new(0, 0, size.0, size.1);
        let children = compile_list(
            &page.children,
            &join(&page_path, "children"),
            area,
            true,
            ctx,
        );
        out.push(CompiledWidget {
            name: page.name.clone(),
            placement: Placement {
                order: i as u32,
                ..Placement::default()
            },
            visible: i == 0,
            kind: CompiledKind::Page(sequence::compile_page(page), background, size),
            children,
            bindings,
            slide: None,
        });
    }
    out
}

fn compile_list(
    specs: &[WidgetSpec],
    path: &str,
    parent: Rect,
    in_canvas: bool,
    ctx: &mut Ctx,
) -> Vec<CompiledWidget> {
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            ctx.path = format!("{path}[{i}]");
            compile_widget(spec, i as u32, parent, in_canvas, ctx)
        })
        .collect()
}

fn compile_widget(
    spec: &WidgetSpec,
    order: u32,
    parent: Rect,
    in_canvas: bool,
    ctx: &mut Ctx,
) -> CompiledWidget {
    let common = spec.common();
    ctx.bindings.clear();
    ctx.label = match spec.name() {
        Some(n) => format!("{} {n:?}", spec.kind_name()),
        None => format!("{} {}", spec.kind_name(), ctx.path),
    };
    if let Some(when) = &common.when {
        ctx.bind_expression(Target::When, "when", when, serde_json::Value::Bool(false));
    }
    let mut placement = Placement {
        x: common.x,
        y: common.y,
        anchor: common.anchor,
        z: common.z,
        order,
    };
    let mut children_specs: &[WidgetSpec] = &[];
    let (kind, name) = match spec {
        WidgetSpec::Text(s) => (CompiledKind::Text(text::compile(s, ctx)), &s.name),
        WidgetSpec::Image(s) => (CompiledKind::Image(image::compile(s, ctx)), &s.name),
        WidgetSpec::Rectangle(s) => (CompiledKind::Rectangle(rectangle::compile(s, ctx)), &s.name),
        WidgetSpec::Line(s) => {
            let (l, origin) = line::compile(s, ctx);
            placement.x = origin.0;
            placement.y = origin.1;
            placement.anchor = crate::render::Anchor::Lt;
            (CompiledKind::Line(l), &s.name)
        }
        WidgetSpec::ProgressBar(s) => (
            CompiledKind::ProgressBar(progress::compile(s, ctx)),
            &s.name,
        ),
        WidgetSpec::Graph(s) => (CompiledKind::Graph(graph::compile(s, ctx)), &s.name),
        WidgetSpec::Canvas(s) => {
            children_specs = &s.children;
            (CompiledKind::Canvas(canvas::compile(s, ctx)), &s.name)
        }
        WidgetSpec::Marquee(s) => (CompiledKind::Marquee(marquee::compile(s, ctx)), &s.name),
        WidgetSpec::Popup(s) => (
            CompiledKind::Marquee(marquee::compile_popup(s, ctx)),
            &s.name,
        ),
        WidgetSpec::Sequence(s) => (CompiledKind::Sequence(sequence::compile(s, ctx)), &s.name),
        WidgetSpec::Index(s) => {
            children_specs = &s.children;
            (CompiledKind::Index(group::compile_index(s, ctx)), &s.name)
        }
        WidgetSpec::Stack(s) => {
            children_specs = &s.children;
            (CompiledKind::Stack(group::compile_stack(s)), &s.name)
        }
    };
    let bindings = std::mem::take(&mut ctx.bindings);
    // Content that comes from data has no size yet: only fixed content is checked.
    let sized_by_data = bindings
        .iter()
        .any(|b| matches!(b.target, Target::Text | Target::ImageFile));
    let (w, h) = kind.size();
    let pixels = u64::from(w) * u64::from(h);
    if pixels > ctx.limits.layer_pixels {
        ctx.error(
            None,
            format!(
                "this widget is {w}×{h} = {pixels} pixels, over the limit of {} pixels per widget (limits.layer_pixels); make it smaller",
                ctx.limits.layer_pixels
            ),
        );
    }
    let (x, y) = placement
        .anchor
        .place(placement.x, placement.y, w, h, (parent.w, parent.h));
    let own = Rect::new(x, y, w, h);
    let local_parent = Rect::new(0, 0, parent.w, parent.h);
    // Content sized by data, and empty content, are checked when there is something to see.
    let checkable = !sized_by_data && !own.is_empty();
    if checkable && !own.overlaps(&local_parent) {
        ctx.error(None, format!(
            "this widget ({w}×{h} at {x},{y}) lies entirely outside its parent ({}×{}) and would never be seen",
            parent.w, parent.h
        ));
    } else if checkable && !in_canvas && !local_parent.contains_rect(&own) {
        ctx.warn(None, format!(
            "this widget ({w}×{h} at {x},{y}) extends past the display ({}×{}) and is clipped; put it in a Canvas if that is meant",
            parent.w, parent.h
        ));
    }
    let my_path = ctx.path.clone();
    let scrolled = match spec {
        WidgetSpec::Marquee(m) => Some(&m.child),
        WidgetSpec::Popup(p) => Some(&p.child),
        _ => None,
    };
    let children = if let WidgetSpec::Stack(_) = spec {
        // A stack has no size of its own: its children are checked against its parent.
        compile_list(
            children_specs,
            &join(&my_path, "children"),
            parent,
            true,
            ctx,
        )
    } else if let WidgetSpec::Sequence(seq) = spec {
        compile_pages(seq, &my_path, (w, h), ctx)
    } else if let Some(child) = scrolled {
        // A marquee's content may be larger than its window: that is why it scrolls.
        ctx.path = join(&my_path, "child");
        vec![compile_widget(child, 0, Rect::new(0, 0, w, h), true, ctx)]
    } else {
        compile_list(
            children_specs,
            &join(&my_path, "children"),
            Rect::new(0, 0, w, h),
            true,
            ctx,
        )
    };
    CompiledWidget {
        name: name.clone(),
        placement,
        visible: common.visible,
        kind,
        children,
        bindings,
        slide: common.slide,
    }
}
