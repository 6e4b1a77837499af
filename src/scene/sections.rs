//! Checks of the scene's settings sections: `display`, `data` and `sources`.

use std::path::Path;

use super::compile::Display;
use super::locate::join;
use super::problems::{Raw, Severity};
use super::schema::DisplaySpec;
use super::schema::SceneFile;
use crate::panel::bus::CaptureSpec;
use crate::panel::models::Family;
use crate::panel::{BusSpec, Controller, Model, PanelConfig, Rotation, Settings};
use crate::render::Color;
use crate::widget::setup::{CacheConfig, default_cache_dir};

/// Checks the display section: sizes, tick rate and colours.
pub(super) fn check_display(file: &SceneFile, dir: &Path, raw: &mut Vec<Raw>) -> Display {
    let d = &file.display;
    let mut err = |field: &str, message: String| {
        raw.push(Raw {
            severity: Severity::Error,
            path: join("display", field),
            message,
        });
    };
    for (name, v) in [("width", d.width), ("height", d.height)] {
        if !(1..=4096).contains(&v) {
            err(name, format!("{name} must be 1..=4096, not {v}"));
        }
    }
    if !(1..=240).contains(&d.fps) {
        err("fps", format!("fps must be 1..=240, not {}", d.fps));
    }
    if let Some(crate::widget::NumberOrExpr::Number(n)) = &d.contrast
        && (!(0.0..=255.0).contains(n) || n.fract() != 0.0)
    {
        err("contrast", format!("contrast must be 0..=255, not {n}"));
    }
    let mut color = |name: &str, v: &str, fallback: Color| {
        Color::parse(v).unwrap_or_else(|e| {
            err(name, e.to_string());
            fallback
        })
    };
    let background = color("background", &d.background, Color::BLACK);
    let foreground = color("foreground", &d.foreground, Color::WHITE);
    for (name, c) in [("background", background), ("foreground", foreground)] {
        if let Some(message) = d.mode.cannot_show(c) {
            err(name, message);
        }
    }
    if let Some(message) = d.refresh.and_then(|r| r.problem()) {
        err("refresh", message);
    }
    let panel = d.driver.and_then(|c| check_panel(d, c, dir, raw));
    Display {
        width: d.width.clamp(1, 4096),
        height: d.height.clamp(1, 4096),
        mode: d.mode,
        fps: d.fps.clamp(1, 240),
        background,
        foreground,
        panel,
        render_ahead: d.render_ahead.map(|r| {
            let workers = r.workers.resolve();
            if workers > 64 || r.depth > 1024 {
                raw.push(Raw {
                    severity: Severity::Error,
                    path: "display.render_ahead".into(),
                    message: format!(
                        "workers must be 0..=64 and depth 0..=1024, not {} and {}",
                        workers, r.depth
                    ),
                });
            }
            crate::ahead::AheadConfig {
                workers: workers.min(64),
                depth: r.depth.min(1024),
                engage_above: std::time::Duration::from_micros(r.engage_above_us),
                ..Default::default()
            }
        }),
        workers_auto: d
            .render_ahead
            .is_none_or(|r| r.workers == crate::ahead::Workers::Auto),
    }
}

/// Checks that the driver drives a panel of the display's size (after rotation) and mode.
fn check_panel(
    d: &DisplaySpec,
    c: Controller,
    dir: &Path,
    raw: &mut Vec<Raw>,
) -> Option<PanelConfig> {
    let mut err = |field: &str, message: String| {
        raw.push(Raw {
            severity: Severity::Error,
            path: join("display", field),
            message,
        });
    };
    let character =
        Model::all().any(|m| m.controller() == c && matches!(m.row().family, Family::Hd44780(_)));
    if character && d.rotation != Rotation::R0 {
        err(
            "rotation",
            "a character LCD shows rotation 0 only: its ROM characters cannot turn".into(),
        );
        return None;
    }
    let model = match Model::for_scene(c, (d.width, d.height), d.rotation) {
        Ok(m) => m,
        Err(e) => {
            err("driver", e.to_string());
            return None;
        }
    };
    if d.refresh.is_some() && model.driver().refresh_limits().is_none() {
        err(
            "refresh",
            format!("{c:?} is not e-paper; `refresh` is for e-paper panels only"),
        );
    }
    if d.mode != model.mode() {
        err(
            "mode",
            format!(
                "{c:?} shows {:?}; set mode: {:?}",
                model.mode(),
                model.mode()
            ),
        );
        return None;
    }
    if let Some(BusSpec::Spi(s)) = &d.bus
        && let Some(hz) = s.backlight_pwm
    {
        if s.backlight.is_none() {
            err(
                "bus.backlight_pwm",
                "dims the backlight pin, but the bus has none: add `backlight: N` (its BCM \
                 number)"
                    .into(),
            );
        } else if !(50..=100_000).contains(&hz) {
            err(
                "bus.backlight_pwm",
                format!(
                    "{hz} Hz: a backlight is dimmed at 50..=100000 Hz (a few hundred Hz does not \
                     flicker)"
                ),
            );
        }
    }
    check_character_lcd(d, model, &mut err);
    let bus = d.bus.clone().map(|b| match b {
        BusSpec::Capture(CaptureSpec { file }) => BusSpec::Capture(CaptureSpec {
            file: dir.join(file).to_string_lossy().into_owned(),
        }),
        other => other,
    });
    Some(PanelConfig {
        model,
        rotation: d.rotation,
        settings: Settings {
            contrast: match &d.contrast {
                Some(crate::widget::NumberOrExpr::Number(n)) => n.clamp(0.0, 255.0) as u8,
                _ => Settings::default().contrast,
            },
            invert: d.invert,
            backlight_pwm: matches!(
                &d.bus,
                Some(BusSpec::Spi(s)) if s.backlight.is_some() && s.backlight_pwm.is_some()
            ),
            rom: d.rom.unwrap_or_default(),
        },
        bus,
        on_exit: d.on_exit,
        refresh: d.refresh,
    })
}

/// What a character LCD (HD44780, WS0010) and a WS0010 graphic OLED cannot do, and the
/// 4-bit buses only they can use.
fn check_character_lcd(d: &DisplaySpec, model: Model, err: &mut impl FnMut(&str, String)) {
    let (character, ws0010) = match model.row().family {
        Family::Hd44780(m) => (true, m.ws0010),
        Family::Ws0010(_) => (false, true),
        _ => (false, false),
    };
    if !character && d.rom.is_some() {
        err(
            "rom",
            "`rom` is for character LCDs (driver: Hd44780 or Weh)".to_string(),
        );
    }
    if !character && !ws0010 {
        if matches!(d.bus, Some(BusSpec::Pcf8574(_) | BusSpec::Gpio4(_))) {
            err(
                "bus",
                "Pcf8574 and Gpio4 buses carry character LCDs (driver: Hd44780, Weh) and the \
                 WS0010 graphic OLED (driver: Ws0010) only"
                    .into(),
            );
        }
        return;
    }
    let (a, chip) = if ws0010 {
        ("a", "WS0010")
    } else {
        ("an", "HD44780")
    };
    if ws0010 && d.rom == Some(crate::panel::rom::Rom::A02) {
        err(
            "rom",
            "the WS0010 has no A02 table: tinydisplay shows its English/Japanese table, which \
             is A00 (leave `rom` out or write `rom: A00`)"
                .into(),
        );
    }
    if d.invert {
        err("invert", format!("the {chip} cannot invert its display"));
    }
    if matches!(d.bus, Some(BusSpec::Spi(_) | BusSpec::I2c(_))) {
        err(
            "bus",
            format!(
                "{a} {chip} takes `Pcf8574(bus: 1, address: 0x27)` (the I2C backpack) or \
                 `Gpio4(rs: .., en: .., d4: .., d5: .., d6: .., d7: ..)`"
            ),
        );
    }
}

/// Resolves source file paths and checks what can be checked before a source runs.
pub(super) fn check_sources(
    file: &SceneFile,
    dir: &Path,
    raw: &mut Vec<Raw>,
) -> Vec<(String, crate::data::scene_sources::SourceSpec)> {
    let mut out = Vec::new();
    for (name, spec) in &file.sources {
        let mut spec = spec.clone();
        resolve_source_paths(&mut spec, dir);
        if let Err(problem) = spec.source.check() {
            raw.push(Raw {
                severity: Severity::Error,
                path: format!("sources.{name}.source"),
                message: problem.to_string(),
            });
        }
        if name.contains('.') || name.is_empty() {
            raw.push(Raw {
                severity: Severity::Error,
                path: format!("sources.{name}"),
                message: "a source name must be non-empty and have no dots".into(),
            });
        }
        out.push((name.clone(), spec));
    }
    out
}

/// The gates of the sources whose `enabled` is `false` or a condition; a condition that
/// does not compile is reported at its field.
pub(super) fn source_gates(
    sources: &[(String, crate::data::scene_sources::SourceSpec)],
    env: &minijinja::Environment<'static>,
    raw: &mut Vec<Raw>,
    origin: &dyn Fn(&str) -> String,
) -> Vec<crate::data::gate::Gate> {
    use crate::data::scene_sources::Enabled;
    let mut out = Vec::new();
    for (name, spec) in sources {
        let when = match &spec.enabled {
            Enabled::Always(true) => continue,
            Enabled::Always(false) => None,
            Enabled::When(src) => {
                let field = format!("sources.{name}.enabled");
                match crate::data::binding::compile_expression(env, "enabled", src, false.into()) {
                    Ok(mut b) => {
                        b.origin = origin(&field);
                        Some(b)
                    }
                    Err(e) => {
                        raw.push(Raw {
                            severity: Severity::Error,
                            path: field,
                            message: format!("expression does not compile: {e}"),
                        });
                        continue;
                    }
                }
            }
        };
        out.push(crate::data::gate::Gate {
            name: name.clone(),
            spec: spec.clone(),
            when,
            open: false,
        });
    }
    out
}

/// Resolves a source's relative file and program paths against `dir` (the folder of the
/// file that names the source); absolute paths and bare program names stay as they are.
pub(super) fn resolve_source_paths(spec: &mut crate::data::scene_sources::SourceSpec, dir: &Path) {
    spec.source.resolve_paths(dir);
}

/// Checks the data section: rules are sane, initial values follow them; resolves paths.
pub(super) fn check_data(
    file: &SceneFile,
    dir: &Path,
    raw: &mut Vec<Raw>,
) -> crate::scene::schema::DataSpec {
    let mut data = file.data.clone();
    for (key, rule) in &data.rules {
        if let (Some(lo), Some(hi)) = (rule.min, rule.max)
            && lo > hi
        {
            raw.push(Raw {
                severity: Severity::Error,
                path: format!("data.rules.{key}"),
                message: format!("min ({lo}) is above max ({hi})"),
            });
        }
        if let Some(d) = &rule.default
            && let Err(e) = rule.apply(d.clone())
        {
            raw.push(Raw {
                severity: Severity::Error,
                path: format!("data.rules.{key}"),
                message: format!("default breaks the rule: {e}"),
            });
        }
    }
    for (key, v) in &data.initial {
        if let Some(rule) = data.rules.get(key)
            && let Err(e) = rule.apply(v.clone())
        {
            raw.push(Raw {
                severity: Severity::Error,
                path: format!("data.initial.{key}"),
                message: format!("initial value breaks the rule: {e}"),
            });
        }
    }
    check_persist(&data.persist, raw);
    for p in &mut data.persist {
        p.file = dir.join(&p.file);
    }
    data
}

/// Snapshot files: non-empty, relative ones inside the scene's folder, one per namespace.
fn check_persist(persist: &[crate::data::persist::PersistSpec], raw: &mut Vec<Raw>) {
    use std::path::Component;
    let mut seen: Vec<(&Path, &str)> = Vec::new();
    for (i, p) in persist.iter().enumerate() {
        let mut err = |message: String| {
            raw.push(Raw {
                severity: Severity::Error,
                path: format!("data.persist[{i}].file"),
                message,
            })
        };
        // An absolute path is an explicit place (`/var/lib/tinydisplay/mpd.json`); a
        // relative one stays inside the scene's folder.
        let escapes = p
            .file
            .components()
            .any(|c| matches!(c, Component::ParentDir));
        if p.file.as_os_str().is_empty() || p.file.file_name().is_none() {
            err("the snapshot file name is empty".into());
        } else if escapes {
            err(format!(
                "{:?} leaves the scene's folder; a relative snapshot path stays inside it (no `..`), or give an absolute path",
                p.file.display()
            ));
        } else if let Some((_, other)) = seen.iter().find(|(f, _)| *f == p.file.as_path()) {
            err(format!(
                "{:?} is already the snapshot of namespace {other:?}; each namespace needs its own file",
                p.file.display()
            ));
        }
        seen.push((p.file.as_path(), p.namespace.as_str()));
    }
}

/// Compiles an expression of the display section (`sleep_when`, a bound `contrast`); one
/// that does not compile is reported at its field.
pub(super) fn compile_display_rule(
    env: &minijinja::Environment<'static>,
    raw: &mut Vec<Raw>,
    field: &str,
    src: &str,
    target: crate::data::binding::Target,
    fallback: serde_json::Value,
) -> Option<crate::data::binding::Binding> {
    crate::data::binding::compile_expression(env, target, src, fallback)
        .map_err(|e| {
            raw.push(Raw {
                severity: Severity::Error,
                path: format!("display.{field}"),
                message: format!("expression does not compile: {e}"),
            })
        })
        .ok()
}

/// The image cache settings, the folder resolved against the scene's.
pub(super) fn image_cache(file: &SceneFile, dir: &Path) -> CacheConfig {
    let spec = &file.image_cache;
    CacheConfig {
        dir: spec
            .dir
            .as_ref()
            .map_or_else(default_cache_dir, |d| dir.join(d)),
        max_bytes: spec.max_mb.saturating_mul(1024 * 1024),
    }
}

/// Checks the limits section: each limit at least 1, and no layer limit beyond what the
/// renderer can hold ([`crate::render::layer::MAX_LAYER_PIXELS`]).
pub(super) fn check_limits(
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
        ("dataset_keys", limits.dataset_keys as u64),
        ("dataset_bytes", limits.dataset_bytes as u64),
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

/// Checks the control section: surfaces this build has, an address that parses, a
/// preview rate in range.
pub(super) fn check_control(control: &super::schema::ControlSpec, raw: &mut Vec<Raw>) {
    let surfaces = [
        ("http", control.http.is_some()),
        ("mqtt", control.mqtt.is_some()),
        ("nats", control.nats.is_some()),
    ];
    for (surface, asked) in surfaces {
        let path = format!("control.{surface}");
        if let (true, Err(lacking)) = (asked, crate::features::require(&path, surface)) {
            raw.push(Raw {
                severity: Severity::Error,
                path,
                message: lacking.to_string(),
            });
        }
    }
    if let Some(addr) = &control.http
        && crate::features::enabled("http")
        && addr.parse::<std::net::SocketAddr>().is_err()
    {
        raw.push(Raw {
            severity: Severity::Error,
            path: "control.http".into(),
            message: format!("{addr:?} is not an address and port like \"127.0.0.1:8080\""),
        });
    }
    if let Some(ha) = &control.home_assistant {
        check_home_assistant(ha, raw);
    }
    if !(1..=240).contains(&control.preview_fps) {
        raw.push(Raw {
            severity: Severity::Error,
            path: "control.preview_fps".into(),
            message: format!("preview_fps must be 1..=240, not {}", control.preview_fps),
        });
    }
}

/// Checks the Home Assistant section: this build has MQTT, a prefix that is a topic
/// (no wildcards), text keys that are keys, each once.
fn check_home_assistant(ha: &super::schema::HomeAssistantSpec, raw: &mut Vec<Raw>) {
    let mut err = |path: &str, message: String| {
        raw.push(Raw {
            severity: Severity::Error,
            path: format!("control.home_assistant{path}"),
            message,
        })
    };
    if let Err(lacking) = crate::features::require("control.home_assistant", "mqtt") {
        err("", lacking.to_string());
    }
    let prefix = ha.discovery_prefix.trim_matches('/');
    if prefix.is_empty() || prefix.contains(['+', '#']) || prefix.contains(char::is_whitespace) {
        err(
            ".discovery_prefix",
            format!(
                "{:?} is not a topic prefix like \"homeassistant\" (no wildcards or spaces)",
                ha.discovery_prefix
            ),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for key in &ha.text_keys {
        if key.trim().is_empty() || key.contains(char::is_whitespace) {
            err(
                ".text_keys",
                format!("{key:?} is not a key (dotted words, no spaces)"),
            );
        } else if !seen.insert(key) {
            err(".text_keys", format!("{key:?} is listed twice"));
        }
    }
}
