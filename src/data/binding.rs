//! Bindings: widget properties computed from the dataset by Jinja-style templates
//! (`"{{ mpd.artist }} – {{ mpd.title }}"`) or expressions (`"mpd.elapsed / mpd.duration"`).
//!
//! Each binding is compiled once at load and records the keys it reads; Propagate
//! evaluates it again only when one of those keys changed.

use std::collections::BTreeMap;

use minijinja::{Environment, Value as JValue};
use serde_json::Value;

use super::dataset::{Dataset, insert_path};
use super::{formatted, history, inspect, plain};

/// The field a binding sets, by the name its widget kind gives it (`"text"`, `"value"`,
/// `"color"`, `"when"`): propagate keeps the result under this name in the widget's
/// [`Bound`](super::propagate::Bound) results, and the kind's own system applies it.
pub type Target = &'static str;

/// How the binding's result is computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Formula {
    /// A template registered in the environment under this name; renders to a string.
    Template(String),
    /// A template of literal text and bare keys, `"v={{ d.k0 }}"` (registered under
    /// `name`): filled without running the template (see [`plain`](super::plain)).
    Plain {
        /// The template's name in the environment (run when a value needs the engine).
        name: String,
        /// Its text and keys.
        pieces: Vec<plain::Piece>,
    },
    /// A template that formats one key, `"{{ '%6.1f' | format(x + 2) }} °C"` (registered
    /// under `name`): filled without running the template where it can (see
    /// [`formatted`](super::formatted)).
    Formatted {
        /// The template's name in the environment.
        name: String,
        /// Its parts.
        form: formatted::Form,
    },
    /// An expression's source; evaluates to a value (compiled at each evaluation).
    Expression(String),
    /// An expression compiled once, as the template `{% set result = (EXPR) %}`
    /// registered under `name`.
    Compiled {
        /// The template's name in the environment.
        name: String,
        /// The expression's source.
        src: String,
    },
}

/// The variable a compiled expression's template sets.
const RESULT_VAR: &str = "result";

/// One compiled binding of a widget.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// The property it sets.
    pub target: Target,
    /// Template or expression.
    pub formula: Formula,
    /// The dataset keys (or key prefixes) it reads.
    pub keys: Vec<String>,
    /// Shown while the binding cannot be evaluated (missing key, type error).
    pub fallback: Value,
    /// True while failing (so the failure is logged once until it recovers).
    pub failing: bool,
    /// Keys given to `prev`, `changed_ago` and `history`.
    pub history_keys: Vec<String>,
    /// True when it calls `changed_ago` (its result changes with time).
    pub timed: bool,
    /// The whole seconds `changed_ago` saw at the last evaluation.
    pub ages: Vec<Option<u64>>,
    /// Which widget and field it belongs to, and where in the scene (for logs).
    pub origin: String,
    /// A hash of `keys` and `history_keys` (bindings reading the same keys share a
    /// context, see [`Contexts`]).
    pub keys_hash: u64,
}

/// Why a binding could not be compiled or evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct BindingError(pub String);

/// The template environment shared by all bindings of a scene, with our filters and
/// the history functions. A missing key is minijinja's undefined, chainable
/// (`mpd.artist` with no `mpd` at all is undefined too): it prints as nothing, is false
/// in `{% if %}`, and `default(...)` and `is defined` see it.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    // A null value shows as nothing on a display, not as "none".
    env.set_formatter(|out, state, value| {
        if value.is_none() {
            Ok(())
        } else if let Some(s) = value
            .as_str()
            .filter(|_| matches!(state.auto_escape(), minijinja::AutoEscape::None))
        {
            // A string without escaping, written as it is (what the default formatter
            // ends in, at a fraction of the cost: most bound texts end in a string).
            out.write_str(s).map_err(minijinja::Error::from)
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    super::filters::add_filters(&mut env);
    super::history::add_functions(&mut env);
    env
}

/// Compiles a template for `target` and registers it under `name`; returns the binding.
/// Unknown filters, tests and functions are compile errors.
pub fn compile_template(
    env: &mut Environment<'static>,
    name: &str,
    target: Target,
    src: &str,
    fallback: Value,
) -> Result<Binding, BindingError> {
    env.add_template_owned(name.to_string(), src.to_string())
        .map_err(|e| BindingError(describe(&e)))?;
    let vars = match env.get_template(name) {
        Ok(t) => t.undeclared_variables(true),
        Err(e) => return Err(BindingError(describe(&e))),
    };
    let uses = inspect::template(env, name);
    let formula = match plain::pieces(src) {
        Some(pieces)
            if plain::keys(&pieces).len() == vars.len()
                && plain::keys(&pieces).iter().all(|k| vars.contains(*k)) =>
        {
            Formula::Plain {
                name: name.to_string(),
                pieces,
            }
        }
        _ => match formatted::parse(src) {
            Some(form) if vars.len() == 1 && vars.contains(&form.key) => Formula::Formatted {
                name: name.to_string(),
                form,
            },
            _ => Formula::Template(name.to_string()),
        },
    };
    let result = finish(env, target, formula, vars, uses, fallback);
    if result.is_err() {
        env.remove_template(name);
    }
    result
}

/// Compiles an expression for `target`; returns the binding. Unknown filters, tests and
/// functions are compile errors.
pub fn compile_expression(
    env: &Environment<'static>,
    target: Target,
    src: &str,
    fallback: Value,
) -> Result<Binding, BindingError> {
    let expr = env
        .compile_expression(src)
        .map_err(|e| BindingError(describe(&e)))?;
    let vars = expr.undeclared_variables(true);
    let uses = inspect::expression(env, src);
    finish(
        env,
        target,
        Formula::Expression(src.to_string()),
        vars,
        uses,
        fallback,
    )
}

/// The binding of a compiled template or expression: the keys it reads (variables that
/// are not functions, and the keys given to history functions), or why it is refused.
fn finish(
    env: &Environment<'static>,
    target: Target,
    formula: Formula,
    vars: std::collections::HashSet<String>,
    uses: inspect::Uses,
    fallback: Value,
) -> Result<Binding, BindingError> {
    let mut problems = uses.unknown;
    problems.extend(uses.bad_calls);
    if !problems.is_empty() {
        return Err(BindingError(problems.join("; ")));
    }
    let globals: Vec<&str> = env.globals().map(|(n, _)| n).collect();
    let mut keys: Vec<String> = vars
        .into_iter()
        .filter(|k| {
            let root = k.split('.').next().unwrap_or(k);
            !globals.contains(&root) && root != history::CONTEXT_VAR
        })
        .collect();
    for k in &uses.history_keys {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    keys.sort();
    let keys_hash = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&keys, &uses.history_keys).hash(&mut h);
        h.finish()
    };
    Ok(Binding {
        keys_hash,
        target,
        formula,
        keys,
        fallback,
        failing: false,
        history_keys: uses.history_keys,
        timed: uses.timed,
        ages: Vec::new(),
        origin: String::new(),
    })
}

fn describe(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    }
}

impl Binding {
    /// True when a change of `key` may change this binding's result.
    pub fn reads(&self, key: &str) -> bool {
        self.keys
            .iter()
            .any(|k| key == k || is_under(key, k) || is_under(k, key))
    }

    /// True when a `changed_ago` in it shows a different whole second than when it was
    /// last evaluated (it is then due although no key changed).
    pub fn aged(&self, data: &Dataset) -> bool {
        self.timed && history::ages(data, &self.history_keys) != self.ages
    }

    /// Compiles an expression binding once, as a template registered in `env` under
    /// `name`, instead of at every evaluation. An expression that cannot be written as
    /// such a template (one holding `%}`) stays as it is.
    pub fn cache_in(&mut self, env: &mut Environment<'static>, name: String) {
        let Formula::Expression(src) = &self.formula else {
            return;
        };
        if src.contains("%}") || src.contains("{%") || src.contains("#}") {
            return;
        }
        let wrapped = format!("{{% set {RESULT_VAR} = ({src}) %}}");
        if env.add_template_owned(name.clone(), wrapped).is_ok() {
            self.formula = Formula::Compiled {
                name,
                src: src.clone(),
            };
        }
    }

    /// Evaluates against the dataset: a string for templates, a value for expressions.
    /// Missing keys are undefined; an expression whose result is undefined gives the
    /// fallback (a `when` is then false). Errors are failed renders (a filter refusing
    /// its input, arithmetic on a string or on an undefined value).
    pub fn evaluate(
        &self,
        env: &Environment<'static>,
        data: &Dataset,
    ) -> Result<Value, BindingError> {
        self.evaluate_in(env, data, &mut Contexts::default())
    }

    /// [`Binding::evaluate`], taking the template context from `contexts` when another
    /// binding reading the same keys built it already (the dataset must not change
    /// between the evaluations that share `contexts`).
    pub fn evaluate_in(
        &self,
        env: &Environment<'static>,
        data: &Dataset,
        contexts: &mut Contexts,
    ) -> Result<Value, BindingError> {
        let err = |e: minijinja::Error| BindingError(describe(&e));
        if let Formula::Plain { pieces, .. } = &self.formula
            && let Some(s) = plain::render(pieces, data)
        {
            return Ok(Value::String(s));
        }
        if let Formula::Formatted { form, .. } = &self.formula
            && let Some(s) = formatted::render(form, data)
        {
            return Ok(Value::String(s));
        }
        let ctx = contexts.get(self, data);
        let value = match &self.formula {
            Formula::Template(name)
            | Formula::Plain { name, .. }
            | Formula::Formatted { name, .. } => {
                let t = env.get_template(name).map_err(err)?;
                return t.render(ctx).map(Value::String).map_err(err);
            }
            Formula::Expression(src) => env.compile_expression(src).map_err(err)?.eval(ctx),
            Formula::Compiled { name, .. } => {
                let t = env.get_template(name).map_err(err)?;
                t.render_captured(ctx)
                    .map(|c| c.state().lookup(RESULT_VAR).unwrap_or_default())
            }
        }
        .map_err(err)?;
        if value.is_undefined() {
            return Ok(self.fallback.clone());
        }
        Ok(from_jinja(&value))
    }

    /// The template context: the keys it reads (nested by their dots) and the history
    /// functions' data.
    fn context(&self, data: &Dataset) -> JValue {
        let mut ctx = serde_json::Map::new();
        for k in &self.keys {
            if let Some(v) = data.lookup(k) {
                insert_path(&mut ctx, k, v);
            }
        }
        if !self.history_keys.is_empty() {
            ctx.insert(
                history::CONTEXT_VAR.into(),
                history::context(data, &self.history_keys),
            );
        }
        to_jinja(&Value::Object(ctx))
    }

    /// Evaluates like [`Binding::evaluate_in`]; a failure is logged once, naming the
    /// binding's origin and `instead` (what happens in its place), until it recovers.
    /// `None` when it failed.
    pub fn evaluate_logged(
        &mut self,
        env: &Environment<'static>,
        data: &Dataset,
        contexts: &mut Contexts,
        instead: &str,
    ) -> Option<Value> {
        let result = self.evaluate_in(env, data, contexts);
        match &result {
            // A key it reads has no value yet (its source has not answered): the
            // fallback shows, and nothing is wrong to say so far.
            Err(e) if !self.failing && self.waits_for_data(data) => {
                log::debug!("{}: {e}; waiting for its data", self.describe());
            }
            _ => self.log_result(result.as_ref().err(), instead),
        }
        result.ok()
    }

    /// True when a key it reads has no value in `data` (not arrived yet).
    pub fn waits_for_data(&self, data: &Dataset) -> bool {
        self.keys.iter().any(|k| data.lookup(k).is_none())
    }

    /// Logs a failure once until the binding recovers (then logs that it did).
    pub fn log_result(&mut self, error: Option<&BindingError>, instead: &str) {
        match error {
            None if self.failing => {
                log::info!("{}: recovered", self.describe());
                self.failing = false;
            }
            None => {}
            Some(e) if !self.failing => {
                log::warn!("{}: {e}; {instead}", self.describe());
                self.failing = true;
            }
            Some(_) => {}
        }
    }

    /// The binding for a log line: its widget, field and scene position, or its source.
    pub fn describe(&self) -> String {
        if self.origin.is_empty() {
            format!("binding {:?}", self.formula)
        } else {
            self.origin.clone()
        }
    }

    /// Remembers the ages its `changed_ago` calls were evaluated at.
    pub fn note_ages(&mut self, data: &Dataset) {
        if self.timed {
            self.ages = history::ages(data, &self.history_keys);
        }
    }
}

/// Contexts at most kept by [`Contexts`].
const MAX_CONTEXTS: usize = 32;

/// Template contexts built during one propagation, shared by the bindings that read the
/// same keys (200 texts bound to one number build it once).
#[derive(Default)]
pub struct Contexts {
    built: Vec<(u64, Vec<String>, Vec<String>, JValue)>,
}

impl Contexts {
    /// Forgets every context (the dataset changed).
    pub fn clear(&mut self) {
        self.built.clear();
    }

    /// The context of `b`, built now or before.
    fn get(&mut self, b: &Binding, data: &Dataset) -> JValue {
        if let Some((_, _, _, v)) = self
            .built
            .iter()
            .find(|(hash, k, h, _)| *hash == b.keys_hash && *k == b.keys && *h == b.history_keys)
        {
            return v.clone();
        }
        let v = b.context(data);
        if self.built.len() < MAX_CONTEXTS {
            self.built.push((
                b.keys_hash,
                b.keys.clone(),
                b.history_keys.clone(),
                v.clone(),
            ));
        }
        v
    }
}

/// `a.b.c` is under `a.b`.
fn is_under(key: &str, prefix: &str) -> bool {
    key.len() > prefix.len() && key.starts_with(prefix) && key.as_bytes()[prefix.len()] == b'.'
}

/// JSON → template value.
pub fn to_jinja(v: &Value) -> JValue {
    match v {
        Value::Null => JValue::from(()),
        Value::Bool(b) => JValue::from(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => JValue::from(i),
            None => JValue::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => JValue::from(s.as_str()),
        Value::Array(a) => JValue::from(a.iter().map(to_jinja).collect::<Vec<_>>()),
        Value::Object(o) => JValue::from(
            o.iter()
                .map(|(k, v)| (k.clone(), to_jinja(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// Template value → JSON (scalars; anything else as its string form).
pub fn from_jinja(v: &JValue) -> Value {
    use minijinja::value::ValueKind;
    match v.kind() {
        ValueKind::None | ValueKind::Undefined => Value::Null,
        ValueKind::Bool => Value::Bool(v.is_true()),
        ValueKind::Number => match i64::try_from(v.clone()) {
            Ok(i) => Value::from(i),
            Err(_) => f64::try_from(v.clone())
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number),
        },
        ValueKind::String => Value::String(v.as_str().unwrap_or_default().to_string()),
        _ => Value::String(v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn template_records_keys_and_renders() {
        let mut env = environment();
        let b = compile_template(
            &mut env,
            "t",
            "text",
            "{{ mpd.artist }} – {{ mpd.title | upper }}",
            json!(""),
        )
        .expect("compiles");
        assert_eq!(
            b.keys,
            vec!["mpd.artist".to_string(), "mpd.title".to_string()]
        );
        let mut d = Dataset::new();
        d.set("mpd.artist", json!("Low"), 0);
        d.set("mpd.title", json!("Words"), 0);
        assert_eq!(b.evaluate(&env, &d), Ok(json!("Low – WORDS")));
        assert!(b.reads("mpd.title"));
        assert!(!b.reads("mpd.album"));
    }

    #[test]
    fn expressions_give_values() {
        let env = environment();
        let b = compile_expression(&env, "value", "mpd.elapsed / mpd.duration", json!(0))
            .expect("compiles");
        let mut d = Dataset::new();
        d.set("mpd.elapsed", json!(30), 0);
        d.set("mpd.duration", json!(120), 0);
        assert_eq!(b.evaluate(&env, &d), Ok(json!(0.25)));
        let w = compile_expression(&env, "when", "mpd.state == 'play'", json!(false))
            .expect("compiles");
        assert_eq!(
            w.evaluate(&env, &d),
            Ok(json!(false)),
            "missing key: the fallback"
        );
        d.set("mpd.state", json!("play"), 0);
        assert_eq!(w.evaluate(&env, &d), Ok(json!(true)));
    }

    #[test]
    fn filters() {
        let mut env = environment();
        let b = compile_template(
            &mut env,
            "f",
            "text",
            "{{ t | number(1) }}° {{ s | truncate(5, true, '…') }} {{ m | default('-', true) }}|{{ m }}|",
            json!(""),
        );
        let b = b.expect("compiles");
        let mut d = Dataset::new();
        d.set("t", json!(21.456), 0);
        d.set("s", json!("abcdefgh"), 0);
        d.set("m", json!(null), 0);
        let out = b.evaluate(&env, &d).expect("renders");
        assert_eq!(out, json!("21.5° abcd… -||"));
    }

    #[test]
    fn datetime_filter_formats_epoch_seconds() {
        let mut env = environment();
        let b = compile_template(&mut env, "d", "text", "{{ t | datetime('%Y') }}", json!(""))
            .expect("compiles");
        let mut d = Dataset::new();
        d.set("t", json!(1_000_000_000), 0);
        // 2001-09-09 01:46:40 UTC: the year is 2001 in every time zone.
        assert_eq!(b.evaluate(&env, &d), Ok(json!("2001")));
    }

    #[test]
    fn syntax_errors_are_reported() {
        let mut env = environment();
        assert!(compile_template(&mut env, "bad", "text", "{{ a. }}", json!("")).is_err());
        assert!(compile_expression(&env, "value", "a +", json!(0)).is_err());
    }

    #[test]
    fn strings_show_as_the_default_formatter_shows_them() {
        let mut ours = environment();
        let mut default = environment();
        default.set_formatter(|out, state, value| {
            if value.is_none() {
                Ok(())
            } else {
                minijinja::escape_formatter(out, state, value)
            }
        });
        let src =
            "{{ s }}|{{ s | upper }}|{{ s | safe }}|{{ n }}|{{ z }}|{{ '%5.1f' | format(n) }}";
        let ctx = minijinja::context! { s => "<b>&'\"x", n => 2.5, z => () };
        for name in ["plain", "page.html"] {
            ours.add_template_owned(name, src).expect("adds");
            default.add_template_owned(name, src).expect("adds");
            let a = ours.get_template(name).and_then(|t| t.render(&ctx));
            let b = default.get_template(name).and_then(|t| t.render(&ctx));
            assert_eq!(a.expect("renders"), b.expect("renders"), "{name}");
        }
    }

    #[test]
    fn formatted_keys_give_what_the_engine_gives() {
        let mut env = environment();
        let mut d = Dataset::new();
        let values = [
            json!(0.37),
            json!(-2.25),
            json!(7),
            json!(-12),
            json!(1e300),
            json!(0.05),
            json!(123456.789),
            json!(i64::MAX),
            json!(u64::MAX),
            json!("text"),
            json!(null),
            json!(true),
            json!([1]),
        ];
        let forms = [
            "{{ '%6.1f' | format(x.v + 3) }}",
            "T {{ \"%.2f\" | format(x.v) }} °C",
            "{{ '%d' | format(x.v * 2) }}",
            "{{ '%5d' | format(x.v - 1.5) }}",
            "{{ '%s' | format(x.v) }}!",
            "{{ '%+08.3f' | format(x.v * 0.5) }}",
            "{{ '%x' | format(x.v) }}",
            "{{ '%.1f%%' | format(x.v - 1) }}",
            "{{ '%d' | format(x.v + 1) }}",
            "{{ '%6.1f' | format(x.missing + 3) }}",
        ];
        let mut fast_used = 0;
        for (i, src) in forms.iter().enumerate() {
            let b = compile_template(&mut env, &format!("f{i}"), "text", src, json!("fb"))
                .expect("compiles");
            let Formula::Formatted { form, .. } = &b.formula else {
                panic!("{src} is a formatted key");
            };
            let mut slow = b.clone();
            slow.formula = Formula::Template(format!("f{i}"));
            for v in &values {
                d.set("x.v", v.clone(), 0);
                fast_used += usize::from(formatted::render(form, &d).is_some());
                assert_eq!(
                    b.evaluate(&env, &d),
                    slow.evaluate(&env, &d),
                    "{src} of {v}"
                );
            }
        }
        assert!(fast_used > 20, "the fast path filled {fast_used}");
        let t = compile_template(
            &mut env,
            "g",
            "text",
            "{{ '%d' | format(x.v + y) }}",
            json!(""),
        )
        .expect("compiles");
        assert!(
            matches!(t.formula, Formula::Template(_)),
            "two keys run the engine"
        );
    }

    #[test]
    fn compiled_expressions_and_plain_keys_give_what_the_slow_paths_give() {
        let mut env = environment();
        let mut d = Dataset::new();
        d.set("a.n", json!(7), 0);
        d.set("a.f", json!(2.5), 0);
        d.set("a.s", json!("txt"), 0);
        d.set("a.b", json!(true), 0);
        d.set("a.z", json!(null), 0);
        d.set("a.list", json!([1, 2]), 0);
        for (i, src) in [
            "a.n * 2",
            "a.f / 2",
            "a.s ~ '!'",
            "a.missing",
            "a.missing + 1",
            "a.n > 3 and a.b",
            "[a.n, 1] | sum",
            "prev('a.n')",
            "a.list | length",
        ]
        .into_iter()
        .enumerate()
        {
            let slow = compile_expression(&env, "value", src, json!("fb")).expect("compiles");
            let mut fast = slow.clone();
            fast.cache_in(&mut env, format!("e{i}"));
            assert!(matches!(fast.formula, Formula::Compiled { .. }), "{src}");
            assert_eq!(fast.evaluate(&env, &d), slow.evaluate(&env, &d), "{src}");
        }
        d.set("a.big", json!(u64::MAX), 0);
        d.set("a.neg", json!(-12), 0);
        d.set("a.html", json!("<b>&'\""), 0);
        d.set("a.whole", json!(3.0), 0);
        d.set("a.tiny", json!(1e-7), 0);
        d.set("a.huge", json!(1e300), 0);
        d.set("a.negz", json!(-0.0), 0);
        let keys = [
            "a.n",
            "a.f",
            "a.s",
            "a.b",
            "a.z",
            "a.list",
            "a.missing",
            "a.big",
            "a.neg",
            "a.html",
            "a.whole",
            "a.tiny",
            "a.huge",
            "a.negz",
        ];
        let mut srcs: Vec<String> = keys.iter().map(|k| format!("{{{{ {k} }}}}")).collect();
        srcs.extend(
            keys.iter()
                .map(|k| format!("v={{{{ {k} }}}} °C [{{{{a.s}}}}]")),
        );
        srcs.extend(
            keys.iter()
                .map(|k| format!("{{{{ {k} | default('none yet') }}}}")),
        );
        for (i, src) in srcs.iter().enumerate() {
            let fast = compile_template(&mut env, &format!("k{i}"), "text", src, json!(""))
                .expect("compiles");
            let Formula::Plain { pieces, .. } = &fast.formula else {
                panic!("{src} is plain");
            };
            let scalar = !["a.list", "a.missing", "a.big"]
                .iter()
                .any(|k| src.contains(k));
            assert_eq!(plain::render(pieces, &d).is_some(), scalar, "{src}");
            let mut slow = fast.clone();
            slow.formula = Formula::Template(format!("k{i}"));
            assert_eq!(fast.evaluate(&env, &d), slow.evaluate(&env, &d), "{src}");
        }
        let t =
            compile_template(&mut env, "t", "text", "{{ a.s }}\n", json!("")).expect("compiles");
        assert!(
            matches!(t.formula, Formula::Template(_)),
            "a trailing newline runs the engine"
        );
    }
}
