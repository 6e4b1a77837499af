//! History functions in templates and expressions: `prev(key)`, `changed_ago(key)` and
//! `history(key, n)`.
//!
//! They read what the dataset knows about a key's changes. Time is counted in ticks, so
//! a run stays reproducible: `changed_ago` is whole seconds computed as
//! (tick − tick of the last change) / fps. A binding that uses it is evaluated again
//! whenever that whole number of seconds changes (once per second of ticks), besides
//! whenever one of its keys changes.

use minijinja::{Environment, Error, State, Value as JValue};
use serde_json::{Map, Value};

use super::dataset::Dataset;

/// The names of the history functions.
pub const HISTORY_FUNCTIONS: [&str; 3] = ["prev", "changed_ago", "history"];

/// The context variable that carries the history of the keys a binding names.
pub const CONTEXT_VAR: &str = "__history";

/// Adds `prev`, `changed_ago` and `history` to the environment.
pub fn add_functions(env: &mut Environment<'static>) {
    env.add_function("prev", prev);
    env.add_function("changed_ago", changed_ago);
    env.add_function("history", history);
}

/// The history facts of one key, as the template context carries them.
fn facts(state: &State, key: &str) -> Option<JValue> {
    let all = state.lookup(CONTEXT_VAR)?;
    let v = all
        .get_attr("keys")
        .ok()?
        .get_item(&JValue::from(key))
        .ok()?;
    (!v.is_undefined()).then_some(v)
}

/// `prev('mpd.title')`: the value before the last change (undefined before any change).
fn prev(state: &State, key: String) -> JValue {
    facts(state, &key)
        .and_then(|f| f.get_attr("prev").ok())
        .unwrap_or(JValue::UNDEFINED)
}

/// `changed_ago('mpd.title')`: whole seconds since the key last changed (undefined for a key
/// that has no value).
fn changed_ago(state: &State, key: String) -> JValue {
    let Some(f) = facts(state, &key) else {
        return JValue::UNDEFINED;
    };
    f.get_attr("ago").unwrap_or(JValue::UNDEFINED)
}

/// `history('sys.load', 5)`: the last `n` values, oldest first, the current one last
/// (all that are kept without `n`; at most the namespace's `history` length).
fn history(state: &State, key: String, n: Option<usize>) -> Result<JValue, Error> {
    let Some(list) = facts(state, &key).and_then(|f| f.get_attr("values").ok()) else {
        return Ok(JValue::from(Vec::<JValue>::new()));
    };
    let items: Vec<JValue> = list.try_iter()?.collect();
    let skip = n.map_or(0, |n| items.len().saturating_sub(n));
    Ok(JValue::from(
        items.into_iter().skip(skip).collect::<Vec<_>>(),
    ))
}

/// Whole seconds from tick `changed` to tick `now` at `fps`.
pub fn seconds_between(changed: u64, now: u64, fps: u32) -> u64 {
    now.saturating_sub(changed) / u64::from(fps.max(1))
}

/// The context entry for `keys`: per key its previous value, history and age.
pub fn context(data: &Dataset, keys: &[String]) -> Value {
    let (tick, fps) = data.clock();
    let mut out = Map::new();
    for k in keys {
        let Some(e) = data.entry(k) else { continue };
        let mut m = Map::new();
        if let Some(p) = &e.previous {
            m.insert("prev".into(), p.clone());
        }
        m.insert(
            "values".into(),
            Value::Array(e.history.iter().map(|(_, v)| v.clone()).collect()),
        );
        m.insert(
            "ago".into(),
            Value::from(seconds_between(e.changed_tick, tick, fps)),
        );
        out.insert(k.clone(), Value::Object(m));
    }
    let mut root = Map::new();
    root.insert("keys".into(), Value::Object(out));
    Value::Object(root)
}

/// The whole seconds since each key changed, to see when a timed binding is due.
pub fn ages(data: &Dataset, keys: &[String]) -> Vec<Option<u64>> {
    let (tick, fps) = data.clock();
    keys.iter()
        .map(|k| {
            data.entry(k)
                .map(|e| seconds_between(e.changed_tick, tick, fps))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::data::binding::{compile_expression, compile_template, environment};

    #[test]
    fn prev_history_and_changed_ago_follow_the_ticks() {
        let mut env = environment();
        let b = compile_template(
            &mut env,
            "h",
            "text",
            "{{ prev('mpd.title') }}|{{ history('sys.load', 2) | join(',') }}|{{ changed_ago('mpd.title') }}",
            json!(""),
        )
        .expect("compiles");
        assert!(b.reads("mpd.title") && b.reads("sys.load"));
        let mut d = Dataset::new();
        d.set_clock(0, 10);
        d.set("mpd.title", json!("a"), 0);
        for (t, v) in [(0, 1), (1, 2), (2, 3)] {
            d.set("sys.load", json!(v), t);
        }
        d.set("mpd.title", json!("b"), 5);
        d.set_clock(37, 10);
        assert_eq!(b.evaluate(&env, &d), Ok(json!("a|2,3|3")));
        let e = compile_expression(&env, "when", "prev('nope') is undefined", json!(false))
            .expect("compiles");
        assert_eq!(e.evaluate(&env, &d), Ok(json!(true)));
    }
}
