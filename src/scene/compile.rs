//! The compile phase: a scene file parsed, checked and turned into ready-to-spawn widgets.
//!
//! Every problem found is collected (not just the first) and located in the file. A
//! syntax error stops parsing, so it is reported alone; everything after parsing —
//! unknown fields, bad colours and sizes, missing or broken font and image files,
//! unknown font names, widgets outside their parent — is reported together.

use std::path::{Path, PathBuf};

use super::fonts::load_fonts;
use super::locate::Locator;
use super::problems::{Problem, Raw, SceneError, Severity};
use super::sections::{
    check_data, check_display, check_sources, compile_display_rule, image_cache,
};
use crate::data::binding::{self, Binding};
use crate::render::compose::Placement;
use crate::render::{Color, PixelMode, Rect};
use crate::widget::compile::Ctx;
use crate::widget::kinds::Kinds;

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
    /// True when the render-ahead workers are `Auto` (resolved for this machine's cores).
    pub workers_auto: bool,
}

pub use crate::widget::kind::CompiledKind;

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
    /// Its motion waits on `run_when` (bound as `run_when`), holding like this.
    pub run: Option<crate::timeline::place::Hold>,
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
    pub sources: Vec<(String, crate::data::scene_sources::SourceSpec)>,
    /// The sources whose `enabled` is `false` or a condition, with the condition compiled.
    pub gates: Vec<crate::data::gate::Gate>,
    /// The display's `sleep_when`, compiled.
    pub sleep_when: Option<binding::Binding>,
    /// The scene's resource limits.
    pub limits: crate::data::limits::Limits,
    /// The display's `contrast` when it is an expression, compiled.
    pub contrast: Option<binding::Binding>,
    /// Where images from URLs are cached (folder resolved against the scene).
    pub image_cache: crate::widget::setup::CacheConfig,
    /// The control section (surfaces to start).
    pub control: crate::scene::schema::ControlSpec,
    /// The scene's `name` (the display's name on a broker).
    pub name: Option<String>,
    /// Files besides the scene it read at load time (fonts; includes), for hot reload.
    pub files: Vec<PathBuf>,
}

impl CompiledScene {
    /// The scene-wide settings its kinds set their resources up from (see
    /// [`Kind::setup`](crate::widget::kind::Kind::setup)).
    pub fn setup(&self) -> crate::widget::setup::SceneSetup {
        crate::widget::setup::SceneSetup {
            image_cache: self.image_cache.clone(),
        }
    }
}

/// The display's `sleep_when` and bound `contrast`, compiled, each knowing its place in
/// the file for log lines.
fn display_rules(
    file: &super::schema::SceneFile,
    env: &minijinja::Environment<'static>,
    raw: &mut Vec<Raw>,
    locate: &dyn Fn(&str) -> (usize, usize),
    path: &Path,
) -> (Option<Binding>, Option<Binding>) {
    let mut sleep_when = file.display.sleep_when.as_ref().and_then(|src| {
        compile_display_rule(env, raw, "sleep_when", src, "sleep_when", false.into())
    });
    let mut contrast = match &file.display.contrast {
        Some(crate::widget::NumberOrExpr::Expr(src)) => compile_display_rule(
            env,
            raw,
            "contrast",
            src,
            "contrast",
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
    (sleep_when, contrast)
}

/// Every problem located (in the scene, or in the include it came from), follow-on
/// problems of a recovered parse left out, sorted by file and position.
fn locate_all(
    raw: Vec<Raw>,
    located: Vec<Problem>,
    parsed: &super::recover::Parsed<super::schema::SceneFile>,
    includes: &super::include::Includes,
    locate: &dyn Fn(&str) -> (usize, usize),
    path: &Path,
) -> Vec<Problem> {
    let mut problems: Vec<Problem> = raw
        .into_iter()
        .filter(|r| !parsed.is_echo(&r.path))
        .map(|r| {
            let (file, line, col) = includes.locate(&r.path).unwrap_or_else(|| {
                let (line, col) = locate(&r.path);
                (path.to_path_buf(), line, col)
            });
            Problem {
                severity: r.severity,
                ..Problem::error(&file, line, col, r.message)
            }
        })
        .chain(located)
        .collect();
    problems.sort_by(|a, b| {
        (a.file != path, &a.file, a.line, a.col).cmp(&(b.file != path, &b.file, b.line, b.col))
    });
    problems
}

/// The control section with its credential and TLS files resolved against the scene's
/// folder.
fn resolve_control(
    control: &super::schema::ControlSpec,
    scene_dir: &Path,
) -> super::schema::ControlSpec {
    let mut out = control.clone();
    out.mqtt_auth = out.mqtt_auth.map(|a| a.resolved(scene_dir));
    out.nats_auth = out.nats_auth.map(|a| a.resolved(scene_dir));
    out
}

/// Reads, parses and checks a scene file naming only built-in kinds (`check`; see
/// [`load_with`] for an app's own kinds).
pub fn load(path: &Path) -> Result<CompiledScene, SceneError> {
    load_with(path, &Kinds::builtin())
}

/// Reads, parses and checks a scene file whose widgets and sources are of `kinds` (an
/// app's [`Kinds`]).
pub fn load_with(path: &Path, kinds: &Kinds) -> Result<CompiledScene, SceneError> {
    let src = std::fs::read_to_string(path).map_err(|source| SceneError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    compile_str_with(&src, path, kinds)
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
    compile_with(src, path, false, &Kinds::builtin())
}

/// Like [`compile_str`] for a scene whose widgets and sources are of `kinds` (an app's
/// [`Kinds`], with the kinds registered on it).
pub fn compile_str_with(
    src: &str,
    path: &Path,
    kinds: &Kinds,
) -> Result<CompiledScene, SceneError> {
    compile_with(src, path, false, kinds)
}

/// Like [`compile_str`] for scene text from elsewhere (the `load` command): an `include`
/// that is absolute, climbs out with `..`, or resolves (links followed) to a file outside
/// the folder of `path` is an error and is not read.
pub fn compile_confined(
    src: &str,
    path: &Path,
    kinds: &Kinds,
) -> Result<CompiledScene, SceneError> {
    compile_with(src, path, true, kinds)
}

/// Parses and checks scene text; `confine`: includes stay inside the scene's folder.
fn compile_with(
    src: &str,
    path: &Path,
    confine: bool,
    kinds: &Kinds,
) -> Result<CompiledScene, SceneError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let (mut parsed, mut file, mut located) = read(src, path, kinds)?;
    let mut raw: Vec<Raw> = std::mem::take(&mut parsed.unknown)
        .into_iter()
        .map(|p| Raw {
            severity: Severity::Error,
            message: unknown_field_message(&p),
            path: p,
        })
        .collect();

    let scene_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let includes = super::include::merge(
        &mut file,
        &scene_dir,
        confine,
        kinds,
        &mut raw,
        &mut located,
    );
    let display = check_display(&file, &scene_dir, &mut raw);
    let data = check_data(&file, &scene_dir, &mut raw);
    let sources = check_sources(&file, &scene_dir, &mut raw);
    let fonts = load_fonts(&file, &scene_dir, &mut raw);
    let frame = Rect::new(0, 0, display.width, display.height);
    let limits = super::sections::check_limits(&file.limits, &mut raw);
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
    let widgets = super::tree::compile_list(&file.widgets, "widgets", frame, false, &mut ctx);
    let (sleep_when, contrast) = display_rules(&file, &env, &mut raw, &locate, path);
    let origin = |field: &str| {
        let (line, col) = locate(field);
        format!("{}:{line}:{col}: {field}", path.display())
    };
    let gates = super::sections::source_gates(&sources, &env, &mut raw, &origin);
    super::sections::check_control(&file.control, &mut raw);
    let problems = locate_all(raw, located, &parsed, &includes, &locate, path);
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Err(SceneError::Invalid(problems));
    }
    let files = file
        .fonts
        .values()
        .map(|f| scene_dir.join(&f.file))
        .chain(includes.paths().cloned())
        .collect();
    Ok(CompiledScene {
        path: path.to_path_buf(),
        display,
        widgets,
        warnings: problems,
        env,
        data,
        sources,
        gates,
        sleep_when,
        limits,
        contrast,
        image_cache: image_cache(&file, &scene_dir),
        control: resolve_control(&file.control, &scene_dir),
        name: file.name.clone(),
        files,
    })
}

/// The scene file as serde reads it, with the problems found reading it (every one it
/// could recover from); refused when nesting is too deep or nothing could be read.
fn read(
    src: &str,
    path: &Path,
    kinds: &Kinds,
) -> Result<
    (
        super::recover::Parsed<super::schema::SceneFile>,
        super::schema::SceneFile,
        Vec<Problem>,
    ),
    SceneError,
> {
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
    let mut parsed = super::recover::parse_all::<super::schema::SceneFile>(src, kinds);
    let located: Vec<Problem> = std::mem::take(&mut parsed.errors)
        .into_iter()
        .map(|e| at(e.line, e.col, e.message))
        .collect();
    match parsed.value.take() {
        Some(file) => Ok((parsed, file, located)),
        None => Err(SceneError::Invalid(located)),
    }
}
