//! Reading a file with errors in its values: every problem, not only the first.
//!
//! serde stops at the first value it cannot take (`anchor: center`). When the text is
//! valid RON, the entry holding that value (its field, list element or map entry) is
//! blanked out and the text read again, until it reads; each error met on the way is
//! reported. A struct that then lacks a field we blanked is blanked as a whole, without
//! reporting the missing field. A syntax error (an unclosed bracket) ends the reading:
//! what follows it cannot be trusted.

use serde::de::DeserializeOwned;

use super::locate::Locator;
use super::parse::{ParseError, parse, syntax};
use crate::widget::kinds::Kinds;

/// At most this many readings of one file (each blanks one entry).
const MAX_READINGS: usize = 200;

/// What reading a file gave.
pub(super) struct Parsed<T> {
    /// The value, read with every entry in error blanked out (`None` after a syntax error).
    pub value: Option<T>,
    /// Paths of the fields serde did not know, from every reading.
    pub unknown: Vec<String>,
    /// The errors found, in the order found.
    pub errors: Vec<ParseError>,
    /// Paths of the entries blanked out to read the rest.
    pub blanked: Vec<String>,
}

impl<T> Parsed<T> {
    /// Whether a later check's problem at `path` is only an echo of a blanked entry: it is
    /// about that entry, inside it, or about the struct that held it (`needs a width`).
    pub fn is_echo(&self, path: &str) -> bool {
        self.blanked.iter().any(|b| {
            path == b
                || path.starts_with(&format!("{b}."))
                || path.starts_with(&format!("{b}["))
                || parent(b).as_deref() == Some(path)
        })
    }
}

/// Reads `src` as a `T`, collecting every error in its values (see the module docs).
pub(super) fn parse_all<T: DeserializeOwned>(src: &str, kinds: &Kinds) -> Parsed<T> {
    let mut unknown = Vec::new();
    let first = match parse::<T>(src, kinds, &mut |p| unknown.push(p)) {
        Ok(value) => {
            return Parsed {
                value: Some(value),
                unknown,
                errors: Vec::new(),
                blanked: Vec::new(),
            };
        }
        Err(e) => e,
    };
    if let Err(bad) = syntax(src) {
        let mut errors = vec![first.clone()];
        if (bad.line, bad.col) != (first.line, first.col) {
            errors.push(bad);
        }
        return Parsed {
            value: None,
            unknown,
            errors,
            blanked: Vec::new(),
        };
    }
    let locator = Locator::new(src);
    let starts = line_starts(src);
    let mut text: Vec<char> = src.chars().collect();
    let mut blanked: Vec<(String, usize, usize)> = Vec::new();
    let mut errors: Vec<ParseError> = Vec::new();
    let mut err = first;
    for _ in 0..MAX_READINGS {
        let at = offset(&starts, err.line, err.col);
        let Some(mut path) = entry_around(&locator, at) else {
            errors.push(err);
            break;
        };
        // A struct missing a field we blanked: blank the struct, say nothing more.
        let ours = err
            .missing
            .as_deref()
            .and_then(|field| lacking_blanked(&path, field, &blanked));
        match ours {
            Some(anc) => path = anc,
            None => {
                if !errors
                    .iter()
                    .any(|e| (e.line, e.col, &e.message) == (err.line, err.col, &err.message))
                {
                    errors.push(err);
                }
            }
        }
        // Never blank the same text twice: go up to an entry not blanked yet.
        let Some(path) = not_blanked(&locator, path, &blanked) else {
            return Parsed::failed(unknown, errors);
        };
        let Some((s, e)) = locator.span(&path) else {
            break;
        };
        blank(&mut text, s, e);
        blanked.push((path, s, e));
        let again: String = text.iter().collect();
        match parse::<T>(&again, kinds, &mut |p| unknown.push(p)) {
            Ok(value) => {
                return Parsed {
                    value: Some(value),
                    unknown: dedup(unknown),
                    errors,
                    blanked: blanked.into_iter().map(|(p, _, _)| p).collect(),
                };
            }
            Err(next) => err = next,
        }
    }
    Parsed::failed(unknown, errors)
}

impl<T> Parsed<T> {
    /// No value: the problems found and the unknown fields seen on the way.
    fn failed(unknown: Vec<String>, errors: Vec<ParseError>) -> Parsed<T> {
        Parsed {
            value: None,
            unknown: dedup(unknown),
            errors,
            blanked: Vec::new(),
        }
    }
}

/// The entry at `path` or above whose `field` was blanked (a struct now missing it).
fn lacking_blanked(path: &str, field: &str, blanked: &[(String, usize, usize)]) -> Option<String> {
    let mut p = Some(path.to_string());
    while let Some(anc) = p {
        let child = super::locate::join(&anc, field);
        if blanked.iter().any(|(b, _, _)| *b == child) {
            return Some(anc);
        }
        p = parent(&anc);
    }
    None
}

/// `path`, or the nearest entry above it, that is not inside a blanked one; `None` when
/// every entry up to the top is.
fn not_blanked(
    locator: &Locator,
    mut path: String,
    blanked: &[(String, usize, usize)],
) -> Option<String> {
    let inside = |path: &str| {
        blanked.iter().any(|(b, _, _)| {
            *b == path || path.starts_with(&format!("{b}.")) || path.starts_with(&format!("{b}["))
        })
    };
    while inside(&path) {
        path = parent_with_span(locator, &path)?;
    }
    Some(path)
}

/// Blanks chars `s..e` of `text` (keeping line breaks, so positions stay put).
fn blank(text: &mut [char], s: usize, e: usize) {
    let end = e.min(text.len());
    for c in &mut text[s.min(end)..end] {
        if *c != '\n' {
            *c = ' ';
        }
    }
}

/// The innermost entry at char offset `at`, or just before it (ron may point past a token).
fn entry_around(locator: &Locator, at: usize) -> Option<String> {
    locator
        .entry_at(at)
        .or_else(|| at.checked_sub(1).and_then(|a| locator.entry_at(a)))
        .map(|(p, _, _)| p.to_string())
}

/// `a.b[2].c` → `a.b[2]` → `a.b` → `a` → none.
fn parent(path: &str) -> Option<String> {
    path.rfind(['.', '[']).map(|cut| path[..cut].to_string())
}

/// The nearest ancestor of `path` the locator recorded a span for.
fn parent_with_span(locator: &Locator, path: &str) -> Option<String> {
    let mut p = parent(path);
    while let Some(anc) = p {
        if locator.span(&anc).is_some() {
            return Some(anc);
        }
        p = parent(&anc);
    }
    None
}

/// Char offsets of the start of each line.
fn line_starts(src: &str) -> Vec<usize> {
    let mut out = vec![0];
    for (i, c) in src.chars().enumerate() {
        if c == '\n' {
            out.push(i + 1);
        }
    }
    out
}

/// The char offset of 1-based (`line`, `col`).
fn offset(starts: &[usize], line: usize, col: usize) -> usize {
    let base = starts
        .get(line.saturating_sub(1))
        .or(starts.last())
        .copied()
        .unwrap_or(0);
    base + col.saturating_sub(1)
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::schema::SceneFile;

    #[test]
    fn every_bad_value_is_found_and_the_rest_still_reads() {
        let src = r#"Scene(
    display: (width: 128, mode: Grey),
    widgets: [
        Text(text: "a", anchor: center),
        Text(text: "b", wrap: maybe),
        Rectangle(width: 4, height: 4),
    ],
)"#;
        let parsed = parse_all::<SceneFile>(src, &Kinds::builtin());
        let at: Vec<(usize, usize)> = parsed.errors.iter().map(|e| (e.line, e.col)).collect();
        assert_eq!(parsed.errors.len(), 3, "{:?}", parsed.errors);
        assert_eq!(at[0].0, 2);
        assert_eq!(at[1].0, 4);
        assert_eq!(at[2].0, 5);
        let file = parsed.value.expect("the rest reads");
        assert_eq!(file.widgets.len(), 3, "the widgets keep their other fields");
    }

    #[test]
    fn a_syntax_error_stops_the_reading() {
        let parsed = parse_all::<SceneFile>(
            "Scene(widgets: [Text(text: \"a\" font: \"x\")])",
            &Kinds::builtin(),
        );
        assert!(parsed.value.is_none());
        assert_eq!(parsed.errors.len(), 1);
    }

    #[test]
    fn a_struct_missing_a_required_field_is_dropped_once() {
        // Image's `file` is required; a bad `file` value blanks it, then the whole Image.
        let src = "Scene(widgets: [Image(file: 3), Text(text: \"ok\", anchor: nowhere)])";
        let parsed = parse_all::<SceneFile>(src, &Kinds::builtin());
        assert_eq!(parsed.errors.len(), 2, "{:?}", parsed.errors);
        assert!(
            !parsed.errors.iter().any(|e| e.missing.is_some()),
            "no 'missing field' for a field we blanked: {:?}",
            parsed.errors
        );
    }
}
