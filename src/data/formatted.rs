//! Formatted numbers: templates of the shape `"T {{ '%6.1f' | format(x + 2) }} C"` (one
//! `format` of one key, or of one key and a number joined by `+`, `-` or `*`, between
//! literal text), filled without running the template engine, giving exactly what the
//! engine gives; anything the fast path does not cover goes to the engine.

use minijinja::Value as JValue;
use serde_json::Value;

use super::binding::to_jinja;
use super::dataset::Dataset;
use super::{plain, printf};

/// An arithmetic operator between the key and the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
}

/// A number written in the template.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer literal, `2`.
    Int(i64),
    /// A literal with a point, `2.5`.
    Float(f64),
}

// A literal of digits is never NaN, so equality is reflexive.
impl Eq for Number {}

/// A parsed formatted template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// Literal text before the expression.
    pub before: String,
    /// The `format` string.
    pub fmt: String,
    /// The key formatted.
    pub key: String,
    /// What is done to the key's value first, if anything.
    pub op: Option<(Op, Number)>,
    /// Literal text after the expression.
    pub after: String,
}

/// Parses `src` as a formatted template; `None` for any other shape.
pub fn parse(src: &str) -> Option<Form> {
    if src.ends_with('\n') {
        return None;
    }
    let open = src.find("{{")?;
    let close = open + 2 + src[open + 2..].find("}}")?;
    let (before, inner, after) = (&src[..open], &src[open + 2..close], &src[close + 2..]);
    let literal = |t: &str| !t.contains(['{', '}']);
    if !literal(before) || !literal(after) {
        return None;
    }
    let inner = inner.trim();
    let quote = inner.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let rest = &inner[1..];
    let end = rest.find(quote)?;
    let fmt = &rest[..end];
    if fmt.contains('\\') {
        return None;
    }
    let rest = rest[end + 1..].trim_start().strip_prefix('|')?.trim_start();
    let args = rest
        .strip_prefix("format")?
        .trim_start()
        .strip_prefix('(')?;
    let args = args.strip_suffix(')')?.trim();
    let (key, op) = match args.find(['+', '-', '*']) {
        None => (args, None),
        Some(at) => {
            let op = match args.as_bytes()[at] {
                b'+' => Op::Add,
                b'-' => Op::Sub,
                _ => Op::Mul,
            };
            (
                args[..at].trim(),
                Some((op, number(args[at + 1..].trim())?)),
            )
        }
    };
    Some(Form {
        before: before.to_string(),
        fmt: fmt.to_string(),
        key: plain::bare_key(key)?.to_string(),
        op,
        after: after.to_string(),
    })
}

/// A plain decimal literal: digits, at most one point between digits.
fn number(s: &str) -> Option<Number> {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('.') {
        None if digits(s) => s.parse().ok().map(Number::Int),
        Some((a, b)) if digits(a) && digits(b) => s.parse().ok().map(Number::Float),
        _ => None,
    }
}

/// Fills the template from `data`; `None` when the engine must be run instead (a
/// missing or non-numeric value, integer arithmetic, a format the fast path lacks).
pub fn render(form: &Form, data: &Dataset) -> Option<String> {
    let value = data.get(&form.key)?;
    let Value::Number(n) = value else {
        return None;
    };
    let arg = match form.op {
        // The value the engine's context would hold.
        None => to_jinja(value),
        Some((op, k)) => {
            // Integer arithmetic (its overflow rules) is left to the engine; with a
            // float on either side both are floats, as in the engine.
            let x = if n.is_f64() {
                n.as_f64()?
            } else {
                n.as_i64()? as f64
            };
            let k = match k {
                Number::Float(f) => f,
                Number::Int(i) if n.is_f64() => i as f64,
                Number::Int(_) => return None,
            };
            JValue::from(match op {
                Op::Add => x + k,
                Op::Sub => x - k,
                Op::Mul => x * k,
            })
        }
    };
    let body = printf::format_one(&form.fmt, &arg)?;
    let mut out = String::with_capacity(form.before.len() + body.len() + form.after.len());
    out.push_str(&form.before);
    out.push_str(&body);
    out.push_str(&form.after);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_format_of_a_key_and_a_number_is_a_form() {
        let f = parse("T {{ '%6.1f' | format(d.x + 2) }} C").expect("a form");
        assert_eq!(
            (
                f.before.as_str(),
                f.fmt.as_str(),
                f.key.as_str(),
                f.after.as_str()
            ),
            ("T ", "%6.1f", "d.x", " C")
        );
        assert_eq!(f.op, Some((Op::Add, Number::Int(2))));
        assert_eq!(
            parse(r#"{{"%d"|format(n*2.5)}}"#).map(|f| f.op),
            Some(Some((Op::Mul, Number::Float(2.5))))
        );
        for not in [
            "{{ '%d' | format(a, b) }}",
            "{{ '%d' | format(a + b) }}",
            "{{ '%d' | format(a + -1) }}",
            "{{ '%d' | format(a + 1 + 2) }}",
            "{{ '%d' | format(a) | upper }}",
            "{{ '%d' | format(a) }}{{ b }}",
            "{{ '%d' | format(a) }}\n",
            "{{ 'a\\'b' | format(a) }}",
            "{{ '%d' | format(1a) }}",
            "{{ '%d' % a }}",
            "{% if a %}{{ '%d' | format(a) }}{% endif %}",
            "{{ '%d' | format(a.) }}",
            "{{ '%d' | format(a + 1.) }}",
        ] {
            assert_eq!(parse(not), None, "{not}");
        }
    }
}
