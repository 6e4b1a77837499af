//! The template filters tinydisplay adds to minijinja's built-in ones: numbers, times,
//! durations, sizes and percentages formatted for a small display.

use minijinja::{Environment, Error, ErrorKind, Value as JValue};

/// Adds `number`, `datetime`, `truncate`, `duration`, `filesize`/`bytes` and `percent`,
/// and a faster `format` (same results, see [`super::printf`]).
pub fn add_filters(env: &mut Environment<'static>) {
    env.add_filter("format", super::printf::format);
    env.add_filter("number", number);
    env.add_filter("datetime", datetime);
    env.add_filter("truncate", truncate);
    env.add_filter("duration", duration);
    env.add_filter("filesize", filesize);
    env.add_filter("bytes", filesize);
    env.add_filter("percent", percent);
}

fn bad(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

/// A template value as a number, or an error naming what it was.
fn as_f64(v: &JValue, what: &str) -> Result<f64, Error> {
    f64::try_from(v.clone()).map_err(|_| bad(format!("{} is not {what}", shown(v))))
}

/// A value as an error message shows it: strings quoted (so `""` is visible), an
/// undefined value named as such.
fn shown(v: &JValue) -> String {
    if v.is_undefined() {
        "an undefined value".to_string()
    } else if let Some(s) = v.as_str() {
        format!("{s:?}")
    } else {
        v.to_string()
    }
}

/// `{{ s | truncate(20) }}` or `truncate(20, true, "…")`: at most `length` characters,
/// ending in `end` (default "...") when cut. The Jinja `killwords` flag is accepted;
/// small displays always cut at the character.
fn truncate(
    s: String,
    length: Option<usize>,
    _killwords: Option<bool>,
    end: Option<String>,
) -> String {
    let length = length.unwrap_or(255);
    if s.chars().count() <= length {
        return s;
    }
    let end = end.unwrap_or_else(|| "...".into());
    let keep = length.saturating_sub(end.chars().count());
    s.chars().take(keep).chain(end.chars()).collect()
}

/// `{{ x | number(2) }}`: a number with a fixed count of decimals (default 0).
fn number(v: JValue, decimals: Option<usize>) -> Result<String, Error> {
    let f = as_f64(&v, "a number")?;
    Ok(format!("{f:.*}", decimals.unwrap_or(0).min(12)))
}

/// `{{ clock.epoch | datetime("%H:%M") }}`: seconds since the epoch, formatted (strftime) in local time.
fn datetime(v: JValue, format: Option<String>) -> Result<String, Error> {
    let secs = as_f64(&v, "a time in seconds")?;
    let ts = jiff::Timestamp::from_millisecond((secs * 1000.0) as i64)
        .map_err(|e| bad(e.to_string()))?;
    let zoned = ts.to_zoned(jiff::tz::TimeZone::system());
    Ok(zoned
        .strftime(format.as_deref().unwrap_or("%Y-%m-%d %H:%M:%S"))
        .to_string())
}

/// `{{ mpd.elapsed | duration }}`: seconds as `M:SS` (`2:05`), or `H:MM:SS` from an hour
/// on (`1:02:05`); fractions are dropped, a negative value gets a minus sign.
fn duration(v: JValue) -> Result<String, Error> {
    let secs = as_f64(&v, "a number of seconds")?;
    if !secs.is_finite() {
        return Err(bad(format!("{} is not a number of seconds", shown(&v))));
    }
    let sign = if secs < 0.0 { "-" } else { "" };
    let total = secs.abs().floor() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    Ok(if h > 0 {
        format!("{sign}{h}:{m:02}:{s:02}")
    } else {
        format!("{sign}{m}:{s:02}")
    })
}

/// `{{ n | filesize }}`: a byte count in decimal units (`B`, `kB`, `MB`, `GB`, `TB`, `PB`,
/// steps of 1000) with one decimal from a kilobyte on (`1.5 kB`); `filesize(true)` uses
/// binary units (`KiB`, `MiB`, … steps of 1024). `bytes` is the same filter.
fn filesize(v: JValue, binary: Option<bool>) -> Result<String, Error> {
    let n = as_f64(&v, "a number of bytes")?;
    if !n.is_finite() {
        return Err(bad(format!("{} is not a number of bytes", shown(&v))));
    }
    let (step, units) = if binary.unwrap_or(false) {
        (1024.0, ["B", "KiB", "MiB", "GiB", "TiB", "PiB"])
    } else {
        (1000.0, ["B", "kB", "MB", "GB", "TB", "PB"])
    };
    let mut value = n.abs();
    let mut unit = 0;
    while value >= step && unit + 1 < units.len() {
        value /= step;
        unit += 1;
    }
    let sign = if n < 0.0 { "-" } else { "" };
    Ok(if unit == 0 {
        format!("{sign}{value:.0} B")
    } else {
        format!("{sign}{value:.1} {}", units[unit])
    })
}

/// `{{ 0.256 | percent }}`: a fraction as a percentage, `26%`; `percent(1)` gives `25.6%`.
fn percent(v: JValue, decimals: Option<usize>) -> Result<String, Error> {
    let f = as_f64(&v, "a number")?;
    Ok(format!("{:.*}%", decimals.unwrap_or(0).min(12), f * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(src: &str) -> String {
        let mut env = Environment::new();
        add_filters(&mut env);
        env.render_str(src, ()).expect("renders")
    }

    #[test]
    fn duration_as_minutes_or_hours() {
        assert_eq!(render("{{ 125 | duration }}"), "2:05");
        assert_eq!(render("{{ 3725 | duration }}"), "1:02:05");
        assert_eq!(render("{{ 59.9 | duration }}"), "0:59");
        assert_eq!(render("{{ -65 | duration }}"), "-1:05");
        assert_eq!(render("{{ 90000 | duration }}"), "25:00:00");
    }

    #[test]
    fn filesize_in_decimal_and_binary_units() {
        assert_eq!(render("{{ 999 | filesize }}"), "999 B");
        assert_eq!(render("{{ 1500 | filesize }}"), "1.5 kB");
        assert_eq!(render("{{ 2500000 | bytes }}"), "2.5 MB");
        assert_eq!(render("{{ 1536 | filesize(true) }}"), "1.5 KiB");
        assert_eq!(render("{{ 1073741824 | filesize(true) }}"), "1.0 GiB");
    }

    #[test]
    fn percent_and_number() {
        assert_eq!(render("{{ 0.256 | percent }}"), "26%");
        assert_eq!(render("{{ 0.256 | percent(1) }}"), "25.6%");
        assert_eq!(render("{{ 21.456 | number(1) }}"), "21.5");
        assert_eq!(render("{{ 'abcdefgh' | truncate(5, true, '…') }}"), "abcd…");
        assert_eq!(render("{{ '%05.1f' | format(3.14159) }}"), "003.1");
    }

    #[test]
    fn non_numbers_are_errors() {
        let mut env = Environment::new();
        add_filters(&mut env);
        for f in ["duration", "filesize", "percent", "number"] {
            let src = format!("{{{{ 'x' | {f} }}}}");
            assert!(env.render_str(&src, ()).is_err(), "{f} of a string");
        }
    }
}
