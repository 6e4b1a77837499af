//! Plain templates: literal text and bare keys only (`"v={{ d.k0 }} °C"`), filled
//! straight from the dataset without running the template engine, giving exactly what
//! the engine would give.

use std::fmt::Write as _;

use minijinja::Value as JValue;
use serde_json::Value;

use super::dataset::Dataset;

/// A piece of a plain template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text, shown as it is.
    Text(String),
    /// A dotted key, `{{ mpd.title }}`, shown as the template engine shows its value.
    Key(String),
}

/// Splits `src` into literal text and bare keys; `None` when it holds anything else
/// (a filter, an expression, a block, a comment, whitespace control) or ends in a
/// newline (which the template engine drops).
pub fn pieces(src: &str) -> Option<Vec<Piece>> {
    if src.ends_with('\n') {
        return None;
    }
    let mut out = Vec::new();
    let mut rest = src;
    while !rest.is_empty() {
        let (text, after) = match rest.find("{{") {
            Some(at) => (&rest[..at], Some(&rest[at + 2..])),
            None => (rest, None),
        };
        if text.contains("{%") || text.contains("{#") {
            return None;
        }
        if !text.is_empty() {
            out.push(Piece::Text(text.to_string()));
        }
        let Some(after) = after else { break };
        let end = after.find("}}")?;
        out.push(Piece::Key(bare_key(&after[..end])?.to_string()));
        rest = &after[end + 2..];
    }
    Some(out)
}

/// `" a.b "` → `a.b`: one dotted name of identifiers and nothing else.
fn bare_key(inner: &str) -> Option<&str> {
    let key = inner.trim();
    let ok = !key.is_empty()
        && key.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    ok.then_some(key)
}

/// The keys a plain template reads, each once.
pub fn keys(pieces: &[Piece]) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    for p in pieces {
        if let Piece::Key(k) = p
            && !keys.contains(&k.as_str())
        {
            keys.push(k);
        }
    }
    keys
}

/// Fills the template from `data`; `None` when a key is missing or holds a value the
/// template engine shows in its own way (an array, an object, an integer beyond i64),
/// for which the engine is run instead.
pub fn render(pieces: &[Piece], data: &Dataset) -> Option<String> {
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Key(k) => match data.get(k)? {
                Value::String(s) => out.push_str(s),
                // A null shows as nothing (the scene environment's formatter).
                Value::Null => {}
                // The engine's own display (`True`, `False`).
                Value::Bool(b) => write!(out, "{}", JValue::from(*b)).ok()?,
                Value::Number(n) => {
                    if let Some(i) = n.as_i64() {
                        write!(out, "{i}").ok()?;
                    } else if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                        // The engine's own float display: Rust's, with `.0` on whole
                        // numbers (JSON has no NaN or infinity).
                        let at = out.len();
                        write!(out, "{f}").ok()?;
                        if !out[at..].contains('.') {
                            out.push_str(".0");
                        }
                    } else {
                        return None;
                    }
                }
                Value::Array(_) | Value::Object(_) => return None,
            },
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_text_and_bare_keys_are_plain() {
        assert_eq!(
            pieces("v={{ d.k0 }} °C"),
            Some(vec![
                Piece::Text("v=".into()),
                Piece::Key("d.k0".into()),
                Piece::Text(" °C".into())
            ])
        );
        assert_eq!(
            pieces("{{a_1.b2}}{{ c }}"),
            Some(vec![Piece::Key("a_1.b2".into()), Piece::Key("c".into())])
        );
        for not in [
            "{{ a | upper }}",
            "{{ a + 1 }}",
            "{{- a }}",
            "{% if a %}x{% endif %}",
            "{# c #}{{ a }}",
            "{{ a }}\n",
            "{{ a ",
            "{{ 1a }}",
            "{{ a['b'] }}",
        ] {
            assert_eq!(pieces(not), None, "{not}");
        }
        let p = pieces("{{ a }}-{{ b }}-{{ a }}").expect("plain");
        assert_eq!(keys(&p), vec!["a", "b"]);
    }
}
