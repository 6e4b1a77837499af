//! Reading scene text with ron: the typed scene, the paths of unknown fields, and syntax
//! errors at the token they are about.

use ron::extensions::Extensions;
use serde::de::DeserializeOwned;

use super::locate::join;
use crate::widget::kinds::Kinds;

/// Why a text did not parse: where, what, and the field a struct lacked (if that was it).
#[derive(Debug, Clone)]
pub(super) struct ParseError {
    /// 1-based line of the offending token.
    pub line: usize,
    /// 1-based column of the offending token.
    pub col: usize,
    /// ron's message (or ours, for nesting).
    pub message: String,
    /// For "missing field" errors: the field's name.
    pub missing: Option<String>,
}

/// The ron options scenes are read with.
fn options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(Extensions::UNWRAP_VARIANT_NEWTYPES | Extensions::IMPLICIT_SOME)
}

/// Whether the text is valid RON at all (any shape); `Err` is a syntax error.
pub(super) fn syntax(src: &str) -> Result<(), ParseError> {
    options()
        .from_str::<ron::Value>(src)
        .map(|_| ())
        .map_err(|e| spanned(src, e))
}

fn spanned(src: &str, e: ron::error::SpannedError) -> ParseError {
    let (line, col) = skip_blanks(src, e.span.start.line, e.span.start.col);
    let missing = match &e.code {
        ron::Error::MissingStructField { field, .. } => Some((*field).to_string()),
        // A widget kind's fields are read through an erased deserializer, which passes
        // ron's error on as its message.
        ron::Error::Message(m) => m
            .strip_prefix("Unexpected missing field named `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string),
        _ => None,
    };
    let message = match e.code {
        ron::Error::ExceededRecursionLimit => format!(
            "the scene nests too deeply here (at most {} brackets, about 20 canvases inside each other); flatten it",
            crate::data::limits::MAX_NESTING
        ),
        code => code.to_string(),
    };
    ParseError {
        line,
        col,
        message,
        missing,
    }
}

/// RON → `T` whose widgets and sources are of `kinds`, calling `unknown` with the path of each field serde did not know.
pub(super) fn parse<T: DeserializeOwned>(
    src: &str,
    kinds: &Kinds,
    unknown: &mut dyn FnMut(String),
) -> Result<T, ParseError> {
    let opts = options();
    let spanned = |e: ron::error::SpannedError| spanned(src, e);
    let mut de = ron::Deserializer::from_str_with_options(src, &opts).map_err(spanned)?;
    let mut note = |p: serde_ignored::Path<'_>| unknown(path_string(&p));
    let ignoring = serde_ignored::Deserializer::new(&mut de, &mut note);
    let file: T = serde::de::DeserializeSeed::deserialize(kinds.seed::<T>(), ignoring)
        .map_err(|e| spanned(de.span_error(e)))?;
    de.end().map_err(|e| spanned(de.span_error(e)))?;
    Ok(file)
}

/// ron points just before the blanks ahead of the offending token; move to the token.
fn skip_blanks(src: &str, line: usize, col: usize) -> (usize, usize) {
    let Some(rest) = src.lines().nth(line.saturating_sub(1)) else {
        return (line, col);
    };
    let mut tail = rest.chars().skip(col.saturating_sub(1)).peekable();
    let (mut l, mut c) = (line, col);
    // Blanks to the end of this line, then whole blank lines.
    while tail.peek().is_some_and(|ch| ch.is_whitespace()) {
        tail.next();
        c += 1;
    }
    if tail.peek().is_some() {
        return (l, c);
    }
    for next in src.lines().skip(line) {
        l += 1;
        let lead = next.chars().take_while(|ch| ch.is_whitespace()).count();
        if lead < next.chars().count() {
            return (l, lead + 1);
        }
    }
    (line, col)
}

/// serde_ignored's path in the locator's form (`widgets[0].children[2].colr`).
fn path_string(p: &serde_ignored::Path) -> String {
    use serde_ignored::Path as P;
    match p {
        P::Root => String::new(),
        P::Seq { parent, index } => format!("{}[{index}]", path_string(parent)),
        P::Map { parent, key } => join(&path_string(parent), key),
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            path_string(parent)
        }
    }
}
