//! What a widget kind's `compile` function sees: the scene's settings, the template
//! environment its bindings go into, and a place to report problems at their field.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::data::binding::{self, Binding, Target};
use crate::problem::{Raw, Severity, join};
use crate::render::font::Font;
use crate::render::{Color, PixelMode};

/// What a widget's `compile` function sees: the scene's settings and a place to report problems.
pub struct Ctx<'a> {
    /// Directory that relative file names are resolved against (the scene file's).
    pub scene_dir: &'a Path,
    /// The display's pixel mode.
    pub mode: PixelMode,
    /// Default colour of text and shapes.
    pub foreground: Color,
    /// The scene's resource limits.
    pub limits: crate::data::limits::Limits,
    /// Ticks per second.
    pub fps: u32,
    /// Font chains by the name widgets use.
    pub fonts: &'a HashMap<String, Vec<Arc<Font>>>,
    /// Where problems go.
    pub problems: &'a mut Vec<Raw>,
    /// The dotted path of the widget being compiled, `widgets[2]`.
    pub path: String,
    /// The scene's template environment, which bindings are added to.
    pub env: &'a mut minijinja::Environment<'static>,
    /// The bindings of the widget being compiled.
    pub bindings: Vec<Binding>,
    /// Templates added so far (they are named by number).
    pub templates: usize,
    /// The widget being compiled, for log lines: `Text "title"` or `Text widgets[2]`.
    pub label: String,
    /// Line and column of a dotted path in the file ((0, 0) when unknown).
    pub locate: &'a dyn Fn(&str) -> (usize, usize),
    /// The scene file, for log lines.
    pub file: &'a Path,
}

impl Ctx<'_> {
    /// Binds the field `target` (the name the kind's [`BindFields`](super::bind::BindFields)
    /// takes it by) to a template (a string result); a template that does not compile is
    /// reported at the scene field `field`.
    pub fn bind_template(
        &mut self,
        target: Target,
        field: &str,
        src: &str,
        fallback: serde_json::Value,
    ) {
        self.templates += 1;
        let name = format!("{}.{field}#{}", self.path, self.templates);
        match binding::compile_template(self.env, &name, target, src, fallback) {
            Ok(b) => self.push_binding(b, field),
            Err(e) => self.error(Some(field), format!("template does not compile: {e}")),
        }
    }

    /// Binds the field `target` to an expression (a value result); one that does not
    /// compile is reported at the scene field `field`.
    pub fn bind_expression(
        &mut self,
        target: Target,
        field: &str,
        src: &str,
        fallback: serde_json::Value,
    ) {
        match binding::compile_expression(self.env, target, src, fallback) {
            Ok(mut b) => {
                self.templates += 1;
                b.cache_in(
                    self.env,
                    format!("{}.{field}#{}", self.path, self.templates),
                );
                self.push_binding(b, field)
            }
            Err(e) => self.error(Some(field), format!("expression does not compile: {e}")),
        }
    }

    /// Keeps a compiled binding, noting which widget, field and scene line it is for.
    fn push_binding(&mut self, mut b: Binding, field: &str) {
        let at = join(&self.path, field);
        let (line, col) = (self.locate)(&at);
        b.origin = format!(
            "{}:{line}:{col}: {}, `{field}`",
            self.file.display(),
            self.label
        );
        self.bindings.push(b);
    }

    /// A colour field that may be a template: a literal is parsed now, a template is bound.
    pub fn color_or_binding(&mut self, field: &'static str, value: &str, initial: Color) -> Color {
        if crate::widget::is_template(value) {
            self.bind_template(
                field,
                field,
                value,
                serde_json::Value::String(initial.to_string()),
            );
            initial
        } else {
            self.color(field, value)
        }
    }

    /// A number field that may be an expression: a literal is used now, an expression is
    /// bound to the field of that name.
    pub fn number_or_binding(
        &mut self,
        field: &'static str,
        value: &crate::widget::NumberOrExpr,
        fallback: f64,
    ) -> f64 {
        if let crate::widget::NumberOrExpr::Expr(src) = value {
            self.bind_expression(field, field, src, serde_json::json!(fallback));
        }
        value.initial(fallback)
    }

    /// Reports an error about this widget, or one of its fields.
    pub fn error(&mut self, field: Option<&str>, message: impl Into<String>) {
        self.report(Severity::Error, field, message.into());
    }

    /// Reports a warning about this widget, or one of its fields.
    pub fn warn(&mut self, field: Option<&str>, message: impl Into<String>) {
        self.report(Severity::Warning, field, message.into());
    }

    fn report(&mut self, severity: Severity, field: Option<&str>, message: String) {
        let path = field.map_or_else(|| self.path.clone(), |f| join(&self.path, f));
        self.problems.push(Raw {
            severity,
            path,
            message,
        });
    }

    /// Parses a colour field; a bad one, or one the panel cannot show (not black, white
    /// or red on a Bwr panel), is reported and shows as the foreground.
    pub fn color(&mut self, field: &str, value: &str) -> Color {
        match Color::parse(value) {
            Ok(c) => match self.mode.cannot_show(c) {
                None => c,
                Some(message) => {
                    self.error(Some(field), format!("{value:?}: {message}"));
                    self.foreground
                }
            },
            Err(e) => {
                self.error(Some(field), e.to_string());
                self.foreground
            }
        }
    }

    /// A file name from the scene, resolved against the scene's directory.
    pub fn resolve(&self, file: &str) -> PathBuf {
        self.scene_dir.join(file)
    }

    /// Width and height a widget must have; a missing or zero one is reported.
    pub fn required_size(&mut self, width: Option<u32>, height: Option<u32>) -> (u32, u32) {
        let mut get = |name: &str, v: Option<u32>| match v {
            None => {
                self.error(None, format!("this widget needs a {name}"));
                1
            }
            Some(0) => {
                self.error(Some(name), format!("{name} must be at least 1"));
                1
            }
            Some(v) => v,
        };
        (get("width", width), get("height", height))
    }

    /// The font chain for a font name (default: `default` if the scene has it, else `small`).
    pub fn font_chain(&mut self, name: Option<&str>) -> Vec<Arc<Font>> {
        let wanted = name.unwrap_or(if self.fonts.contains_key("default") {
            "default"
        } else {
            "small"
        });
        match self.fonts.get(wanted) {
            Some(chain) => chain.clone(),
            None => {
                let mut known: Vec<&str> = self.fonts.keys().map(String::as_str).collect();
                known.sort_unstable();
                self.error(
                    Some("font"),
                    format!("unknown font {wanted:?}; known fonts: {}", known.join(", ")),
                );
                self.fonts.get("small").cloned().unwrap_or_default()
            }
        }
    }
}
