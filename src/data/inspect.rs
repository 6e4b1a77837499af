//! What a compiled template or expression calls: every filter, test and function it
//! names is checked against the environment at load (an unknown one is a scene error,
//! not a surprise at run time), and the keys passed to the history functions are
//! collected so the binding is evaluated again when they change.
//!
//! This reads minijinja's compiled instructions (its `unstable_machinery` API, pinned by
//! Cargo.lock); the check is why the scene's `check` can name a misspelt filter.

use minijinja::machinery::{Instruction, Instructions};
use minijinja::{Environment, ErrorKind};

use super::history::HISTORY_FUNCTIONS;

/// What the instructions of one template or expression use.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Uses {
    /// Filters, tests and functions the environment does not know, described.
    pub unknown: Vec<String>,
    /// Dataset keys given to `prev`, `changed_ago` and `history`.
    pub history_keys: Vec<String>,
    /// True when `changed_ago` is called (the result changes with time).
    pub timed: bool,
    /// History functions called with something other than a literal key.
    pub bad_calls: Vec<String>,
}

/// Inspects the instructions of a template already registered in `env` under `name`.
pub fn template(env: &Environment<'static>, name: &str) -> Uses {
    match env.get_template(name) {
        Ok(t) => walk(
            env,
            &minijinja::machinery::get_compiled_template(&t).instructions,
            "",
        ),
        Err(_) => Uses::default(),
    }
}

/// Inspects an expression by compiling it as a one-expression template.
pub fn expression(env: &Environment<'static>, src: &str) -> Uses {
    let wrapped = format!("{{{{ {src} }}}}");
    let scratch = Environment::new();
    match scratch.template_from_str(&wrapped) {
        Ok(t) => walk(
            env,
            &minijinja::machinery::get_compiled_template(&t).instructions,
            src,
        ),
        Err(_) => Uses::default(),
    }
}

fn walk(env: &Environment<'static>, code: &Instructions<'_>, src: &str) -> Uses {
    let mut uses = Uses::default();
    let source = if src.is_empty() { code.source() } else { src };
    let mut idx = 0u32;
    while let Some(ins) = code.get(idx) {
        match ins {
            Instruction::ApplyFilter(name, ..) if !known(env, "filter", name) => {
                uses.unknown.push(format!("unknown filter `{name}`"));
            }
            Instruction::PerformTest(name, ..) if !known(env, "test", name) => {
                uses.unknown.push(format!("unknown test `{name}`"));
            }
            Instruction::CallFunction(name, argc) => {
                if HISTORY_FUNCTIONS.contains(name) {
                    match literal_key(code, idx, argc.unwrap_or(0)) {
                        Some(k) => {
                            if !uses.history_keys.contains(&k) {
                                uses.history_keys.push(k);
                            }
                            uses.timed |= *name == "changed_ago";
                        }
                        None => uses.bad_calls.push(format!(
                            "{name}() needs the key as a quoted string first, like {name}('mpd.title')"
                        )),
                    }
                } else if !known(env, "function", name) && !defined_in(source, name) {
                    uses.unknown.push(format!("unknown function `{name}`"));
                }
            }
            _ => {}
        }
        idx += 1;
    }
    uses
}

/// The first argument of the call at `idx`, when it is a literal string.
fn literal_key(code: &Instructions<'_>, idx: u32, argc: u16) -> Option<String> {
    let first = idx.checked_sub(u32::from(argc))?;
    if argc == 0 {
        return None;
    }
    // Every argument must be a constant for the first one to sit `argc` places back.
    for i in first..idx {
        if !matches!(code.get(i), Some(Instruction::LoadConst(_))) {
            return None;
        }
    }
    match code.get(first) {
        Some(Instruction::LoadConst(v)) => v.as_str().map(str::to_string),
        _ => None,
    }
}

/// A name the template defines itself (a macro or a `set` variable).
fn defined_in(src: &str, name: &str) -> bool {
    src.contains(&format!("macro {name}")) || src.contains(&format!("set {name}"))
}

/// Whether `env` has a filter, test or function of this name.
fn known(env: &Environment<'static>, what: &str, name: &str) -> bool {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return false;
    }
    if what == "function" {
        return env.globals().any(|(n, _)| n == name);
    }
    let probe = if what == "filter" {
        format!("{{{{ none | {name} }}}}")
    } else {
        format!("{{{{ none is {name} }}}}")
    };
    let unknown = if what == "filter" {
        ErrorKind::UnknownFilter
    } else {
        ErrorKind::UnknownTest
    };
    match env.render_str(&probe, ()) {
        Ok(_) => true,
        Err(e) => e.kind() != unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::binding::environment;

    #[test]
    fn unknown_filters_tests_and_functions_are_named() {
        let mut env = environment();
        env.add_template_owned("t", "{{ a | upper | shout }}{% if a is bright %}{{ nope(1) }}{% endif %}{{ range(3) | list }}")
            .expect("compiles");
        let u = template(&env, "t");
        assert_eq!(
            u.unknown,
            [
                "unknown filter `shout`",
                "unknown test `bright`",
                "unknown function `nope`"
            ]
        );
        assert!(expression(&env, "a | duration").unknown.is_empty());
        assert_eq!(
            expression(&env, "a | dur").unknown,
            ["unknown filter `dur`"]
        );
    }

    #[test]
    fn history_keys_are_collected() {
        let env = environment();
        let u = expression(
            &env,
            "changed_ago('mpd.title') > 5 and prev('mpd.state') == 'play'",
        );
        assert_eq!(u.history_keys, ["mpd.title", "mpd.state"]);
        assert!(u.timed);
        let u = expression(&env, "history('sys.load', 5) | length");
        assert_eq!(u.history_keys, ["sys.load"]);
        assert!(!u.timed);
        assert_eq!(expression(&env, "prev(k)").bad_calls.len(), 1);
    }
}
