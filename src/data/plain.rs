//! Plain templates: literal text and bare keys only (`"v={{ d.k0 }} °C"`), a key with a
//! text to show while it is missing (`"{{ clock.time | default('--:--:--') }}"`) counting
//! as a bare key, filled straight from the dataset without running the template engine,
//! giving exactly what the engine would give.

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
    /// A dotted key with a quoted text for while it is undefined,
    /// `{{ clock.time | default('--:--:--') }}`: shown as [`Piece::Key`] while the key has
    /// a value; missing, the engine decides (a value under a longer key can define it).
    KeyOr {
        /// The dotted key.
        key: String,
        /// The text the engine shows while it is undefined.
        or: String,
    },
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
        let inner = &after[..end];
        out.push(match bare_key(inner) {
            Some(key) => Piece::Key(key.to_string()),
            None => {
                let (key, or) = key_or(inner)?;
                Piece::KeyOr {
                    key: key.to_string(),
                    or: or.to_string(),
                }
            }
        });
        rest = &after[end + 2..];
    }
    Some(out)
}

/// `" a.b "` → `a.b`: one dotted name of identifiers and nothing else.
pub(crate) fn bare_key(inner: &str) -> Option<&str> {
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

/// `" a.b | default('text') "` → (`a.b`, `text`): a bare key, the `default` filter and
/// one quoted text without escapes (single or double quotes), nothing else.
fn key_or(inner: &str) -> Option<(&str, &str)> {
    let (key, filter) = inner.split_once('|')?;
    let key = bare_key(key)?;
    let arg = filter
        .trim()
        .strip_prefix("default")?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')?
        .trim();
    let quote = arg.chars().next().filter(|&q| q == '\'' || q == '"')?;
    let text = arg.strip_prefix(quote)?.strip_suffix(quote)?;
    (!text.contains(quote) && !text.contains('\\')).then_some((key, text))
}

/// The keys a plain template reads, each once.
pub fn keys(pieces: &[Piece]) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    for p in pieces {
        let k = match p {
            Piece::Key(k) | Piece::KeyOr { key: k, .. } => k,
            Piece::Text(_) => continue,
        };
        if !keys.contains(&k.as_str()) {
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
            // A value is what `default` passes on unchanged (a null too: it is defined).
            Piece::Key(k) | Piece::KeyOr { key: k, .. } => push_value(&mut out, data.get(k)?)?,
        }
    }
    Some(out)
}

/// Appends `v` as the template engine shows it; `None` for a value it shows in its own
/// way (an array, an object, an integer beyond i64).
fn push_value(out: &mut String, v: &Value) -> Option<()> {
    match v {
        Value::String(s) => out.push_str(s),
        // A null shows as nothing (the scene environment's formatter).
        Value::Null => {}
        // The engine's own display (`True`, `False`).
        Value::Bool(b) => write!(out, "{}", JValue::from(*b)).ok()?,
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                write!(out, "{i}").ok()?;
            } else if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                // The engine's own float display: Rust's, with `.0` on whole numbers
                // (JSON has no NaN or infinity).
                write_float(out, f);
            } else {
                return None;
            }
        }
        Value::Array(_) | Value::Object(_) => return None,
    }
    Some(())
}

/// Writes a float as the template engine shows it: Rust's shortest decimal, with `.0` on
/// whole numbers. A value of at most six decimals and 15 digits (most shown values) is
/// written from its integer digits; the rest by `core::fmt`, which costs several times
/// more.
pub fn write_float(out: &mut String, f: f64) {
    if !write_short(out, f) {
        let at = out.len();
        let _ = write!(out, "{f}");
        if f.is_finite() && !out[at..].contains('.') {
            out.push_str(".0");
        }
    }
}

/// `f` as `m / 10^k` for the smallest k ≤ 6 that reads back as `f`, written as those
/// digits; false when there is none with at most 15 digits. With the fewest decimals it
/// is the shortest decimal that reads back as `f`, and with 15 digits or fewer the only
/// one of its length (doubles are closer than that only past 15), so it is what the
/// shortest-digits algorithm of `core::fmt` gives.
fn write_short(out: &mut String, f: f64) -> bool {
    const POW: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];
    if !f.is_finite() || f == 0.0 && f.is_sign_negative() {
        return false;
    }
    for (k, &p) in POW.iter().enumerate() {
        let m = (f * p).round();
        if m.abs() >= 1e15 {
            return false;
        }
        if m / p != f {
            continue;
        }
        // The digits of |m|, at least k + 1 of them, last first, then in order with the
        // point k from the end (`core::fmt` would cost more than the search).
        let mut n = (m as i64).unsigned_abs();
        let mut digits = [0u8; 24];
        let mut len = 0;
        while n > 0 || len <= k {
            digits[len] = b'0' + (n % 10) as u8;
            n /= 10;
            len += 1;
        }
        if m < 0.0 {
            out.push('-');
        }
        for (i, &d) in digits[..len].iter().enumerate().rev() {
            out.push(char::from(d));
            if i == k {
                out.push('.');
            }
        }
        if k == 0 {
            out.push('0');
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_written_as_the_engine_writes_them() {
        let env = minijinja::Environment::new();
        let mut values = vec![
            0.0,
            -0.0,
            0.37,
            1.0,
            -1.5,
            100.0,
            1e15,
            1e16,
            1e17,
            1.5e300,
            1e-5,
            1e-7,
            123456.789,
            0.1 + 0.2,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
        ];
        let mut x = 0.000_123_f64;
        while x < 1e22 {
            values.push(x);
            values.push(-x * 1.7);
            values.push(x * 0.123_456_789_012_3);
            x *= 3.3;
        }
        values.extend((0..=101).map(|t| f64::from(t) / 100.0));
        values.extend((0..3000).map(|i| f64::from(i) * 0.0173 - 17.0));
        values.extend((0..3000).map(|i| f64::from(i) / 7.0 + 1e8));
        for f in values {
            let mut ours = String::new();
            write_float(&mut ours, f);
            let engine = env
                .render_str("{{ x }}", minijinja::context! { x => f })
                .expect("renders");
            assert_eq!(ours, engine, "{f:e}");
        }
    }

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
        assert_eq!(
            pieces("t {{ clock.time | default('--:--:--') }}{{b|default(\"x y\")}}"),
            Some(vec![
                Piece::Text("t ".into()),
                Piece::KeyOr {
                    key: "clock.time".into(),
                    or: "--:--:--".into()
                },
                Piece::KeyOr {
                    key: "b".into(),
                    or: "x y".into()
                },
            ])
        );
        for not in [
            "{{ a | default(b) }}",
            "{{ a | default('x', true) }}",
            "{{ a | default('it\\'s') }}",
            "{{ a | default(1) }}",
            "{{ a | default('x') | upper }}",
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
