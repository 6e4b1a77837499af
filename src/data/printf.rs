//! A fast path for the `format` filter (`"%6.1f" | format(x)`), the filter bound
//! numbers use most: the common conversions are written straight into one string, and
//! anything else (other conversions or flags, huge widths, undefined values) goes to
//! minijinja's own `format`, so results are the same either way.

use std::fmt::Write;

use minijinja::value::{Rest, ValueKind, ValueOrKwargs};
use minijinja::{Error, State, Value as JValue};

/// Widths and precisions the fast path writes; larger ones go to minijinja (it checks
/// them against the output limits).
const MAX_WIDTH: usize = 64;

/// `format` with the fast path: `%d`/`%i` of integers, `%f`/`%F` of numbers, `%s` of
/// strings and integers, `%%`, with the flags `-`, `0` and `+`, a width and a precision.
pub fn format(state: &mut State, fmt: &JValue, args: Rest<ValueOrKwargs>) -> Result<JValue, Error> {
    if let Some(s) = fmt.as_str().filter(|_| !fmt.is_safe())
        && let Some(out) = fast(s, args.iter().map(|a| &**a))
    {
        return Ok(JValue::from(out));
    }
    minijinja::filters::format(state, fmt, args)
}

/// One conversion: `%[flags][width][.precision]type`.
struct Spec {
    left: bool,
    zero: bool,
    plus: bool,
    width: usize,
    precision: Option<usize>,
    kind: u8,
}

/// `fmt | format(value)` by the fast path; None when it does not cover them (minijinja's
/// `format` then gives the answer).
pub fn format_one(fmt: &str, value: &JValue) -> Option<String> {
    fast(fmt, std::iter::once(value))
}

/// The formatted string, or None when the fast path does not cover `fmt` and `args`.
fn fast<'a>(fmt: &str, mut next: impl Iterator<Item = &'a JValue>) -> Option<String> {
    let mut out = String::with_capacity(fmt.len() + 8);
    let mut rest = fmt;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let (spec, used) = parse(&rest[at + 1..])?;
        rest = &rest[at + 1 + used..];
        if spec.kind == b'%' {
            out.push('%');
            continue;
        }
        write_one(&mut out, &spec, next.next()?)?;
    }
    out.push_str(rest);
    // Arguments left over are an error for minijinja: let it say so.
    next.next().is_none().then_some(out)
}

/// Parses a conversion after its `%`; the spec and the bytes it took.
fn parse(s: &str) -> Option<(Spec, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut spec = Spec {
        left: false,
        zero: false,
        plus: false,
        width: 0,
        precision: None,
        kind: 0,
    };
    while let Some(&c) = b.get(i) {
        match c {
            b'-' => spec.left = true,
            b'0' => spec.zero = true,
            b'+' => spec.plus = true,
            _ => break,
        }
        i += 1;
    }
    let digits = |i: &mut usize| -> Option<usize> {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        s[start..*i].parse().ok()
    };
    spec.width = digits(&mut i).unwrap_or(0);
    if b.get(i) == Some(&b'.') {
        i += 1;
        spec.precision = Some(digits(&mut i).unwrap_or(0));
    }
    if spec.width > MAX_WIDTH || spec.precision.is_some_and(|p| p > MAX_WIDTH) {
        return None;
    }
    spec.kind = *b.get(i)?;
    match spec.kind {
        b'd' | b'i' | b'f' | b'F' | b's' | b'%' => Some((spec, i + 1)),
        _ => None,
    }
}

/// Writes `f` with `p` decimals, right-aligned in `w` columns, without the general float
/// formatter: the value times 10^p is rounded as an integer. Only when that rounding is
/// certain (the scaled value is not within a hair of a half) and the digits fit an
/// integer; otherwise false, and nothing is written. The result is the one `{:w$.p$}`
/// gives.
fn write_fixed(out: &mut String, f: f64, p: usize, w: usize) -> bool {
    const POW10: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    let Some(&scale) = POW10.get(p) else {
        return false;
    };
    let r = f.abs() * scale;
    // Far below 2^53, the product is within an ulp or two of the exact scaled value.
    if r >= 1e15 {
        return false;
    }
    let frac = r - r.floor();
    if (frac - 0.5).abs() < 1e-6 {
        return false;
    }
    let n = r.round() as u64;
    let unit = 10u64.pow(p as u32);
    let (int, dec) = (n / unit, n % unit);
    let neg = f.is_sign_negative();
    let digits = int.checked_ilog10().map_or(1, |d| d as usize + 1);
    let len = usize::from(neg) + digits + if p > 0 { p + 1 } else { 0 };
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(len)));
    if neg {
        out.push('-');
    }
    let _ = write!(out, "{int}");
    if p > 0 {
        let _ = write!(out, ".{dec:0p$}");
    }
    true
}

/// Writes one argument as `spec` says; None when the fast path does not cover it.
fn write_one(out: &mut String, spec: &Spec, v: &JValue) -> Option<()> {
    let w = spec.width;
    match spec.kind {
        b'd' | b'i' => {
            if v.kind() != ValueKind::Number || !v.is_integer() || spec.precision.is_some() {
                return None;
            }
            let n = i64::try_from(v.clone()).ok()?;
            match (spec.left, spec.zero, spec.plus) {
                (true, _, false) => write!(out, "{n:<w$}"),
                (true, _, true) => write!(out, "{n:<+w$}"),
                (false, true, false) => write!(out, "{n:0w$}"),
                (false, true, true) => write!(out, "{n:+0w$}"),
                (false, false, false) => write!(out, "{n:w$}"),
                (false, false, true) => write!(out, "{n:+w$}"),
            }
            .ok()
        }
        b'f' | b'F' => {
            if v.kind() != ValueKind::Number {
                return None;
            }
            let f = f64::try_from(v.clone()).ok()?;
            if !f.is_finite() {
                return None;
            }
            let p = spec.precision.unwrap_or(6);
            if !spec.left && !spec.zero && !spec.plus && write_fixed(out, f, p, w) {
                return Some(());
            }
            match (spec.left, spec.zero, spec.plus) {
                (true, _, false) => write!(out, "{f:<w$.p$}"),
                (true, _, true) => write!(out, "{f:<+w$.p$}"),
                (false, true, false) => write!(out, "{f:0w$.p$}"),
                (false, true, true) => write!(out, "{f:+0w$.p$}"),
                (false, false, false) => write!(out, "{f:w$.p$}"),
                (false, false, true) => write!(out, "{f:+w$.p$}"),
            }
            .ok()
        }
        b's' => {
            if spec.zero || spec.plus || spec.precision.is_some() {
                return None;
            }
            let text: std::borrow::Cow<str> = match v.kind() {
                ValueKind::String => v.as_str()?.into(),
                ValueKind::Number if v.is_integer() => v.to_string().into(),
                _ => return None,
            };
            if spec.left {
                write!(out, "{text:<w$}").ok()
            } else {
                write!(out, "{text:>w$}").ok()
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use minijinja::Environment;

    /// The same template through minijinja's own `format` and through ours.
    fn both(src: &str, ctx: minijinja::Value) -> (String, String) {
        let builtin = Environment::new();
        let mut ours = Environment::new();
        ours.add_filter("format", super::format);
        let a = builtin
            .render_str(src, ctx.clone())
            .unwrap_or_else(|e| format!("error: {e}"));
        let b = ours
            .render_str(src, ctx)
            .unwrap_or_else(|e| format!("error: {e}"));
        (a, b)
    }

    #[test]
    fn the_fast_path_gives_what_minijinja_gives() {
        let ctx = minijinja::context! {
            x => 3.45678, n => 42, neg => -7, big => 123456789.987, s => "hi",
            half => 0.125, whole => 2.0, u => minijinja::Value::UNDEFINED,
        };
        for src in [
            "{{ '%6.1f' | format(x) }}",
            "{{ '%.2f' | format(x + 1) }}",
            "{{ '%f' | format(x) }}",
            "{{ '%-8.3f|' | format(x) }}",
            "{{ '%08.2f' | format(neg) }}",
            "{{ '%+.1f' | format(x) }}",
            "{{ '%.0f' | format(half) }}",
            "{{ '%.2f' | format(half) }}",
            "{{ '%5.1f' | format(whole) }}",
            "{{ '%12.3f' | format(big) }}",
            "{{ '%d' | format(n) }}",
            "{{ '%05d' | format(neg) }}",
            "{{ '%-5d|' | format(n) }}",
            "{{ '%+d' | format(n) }}",
            "{{ '%3i' | format(n) }}",
            "{{ '%s and %s' | format(s, n) }}",
            "{{ '%5s|%-5s|' | format(s, s) }}",
            "{{ '100%% %d' | format(n) }}",
            "{{ '%d' | format(x) }}",
            "{{ '%x' | format(n) }}",
            "{{ '%e' | format(x) }}",
            "{{ '%s' | format(x) }}",
            "{{ '%d %d' | format(n) }}",
            "{{ '%d' | format(n, n) }}",
            "{{ '%.1f' | format(u) }}",
            "{{ '%.1f' | format(s) }}",
        ] {
            let (a, b) = both(src, ctx.clone());
            assert_eq!(a, b, "{src}");
        }
    }

    #[test]
    fn fixed_decimals_equal_the_general_formatter() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values = vec![
            0.0, -0.0, 0.04, -0.04, 0.05, 0.15, 0.25, 2.5, 1e14, -99.95, 123.456,
        ];
        for _ in 0..20000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mag = 10f64.powi((x % 13) as i32 - 4);
            values.push(((x >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * mag);
        }
        let mut taken = 0;
        for v in values {
            for p in 0..=9 {
                for w in [0, 6, 12] {
                    let mut fast = String::new();
                    if super::write_fixed(&mut fast, v, p, w) {
                        taken += 1;
                        assert_eq!(fast, format!("{v:w$.p$}"), "{v} with {w}.{p}");
                    }
                }
            }
        }
        assert!(
            taken > 500_000,
            "the fast path took only {taken} of 600 033"
        );
    }
}
