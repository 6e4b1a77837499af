//! Finds where a value sits in a RON file, by its path (`widgets[2].children[0].font`).
//!
//! ron reports the position of a syntax error but not of values, and the checks after
//! parsing (missing files, bad colours, unknown fonts) need file:line:col too. This is a
//! small tolerant scanner over RON's token structure that records the position of every
//! struct field, list element and map entry; it never decides whether the file is valid.

use std::collections::HashMap;

/// Positions (1-based line, column) of the values in one RON text, by path.
#[derive(Debug, Default)]
pub struct Locator {
    positions: HashMap<String, (usize, usize)>,
    /// Char offsets `start..end` of each field, list element and map entry (key and
    /// trailing comma included), by path.
    spans: HashMap<String, (usize, usize)>,
}

/// A token, its 1-based line and column, and its char offsets `start..end`.
type Token = (Tok, (usize, usize), (usize, usize));

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    Scalar(String),
}

impl Locator {
    /// Scans `src` and records every path it can.
    pub fn new(src: &str) -> Locator {
        let toks = tokenize(src);
        let mut p = Parser {
            toks,
            i: 0,
            positions: HashMap::new(),
            spans: HashMap::new(),
        };
        p.value(String::new());
        Locator {
            positions: p.positions,
            spans: p.spans,
        }
    }

    /// The innermost entry (field, list element or map entry) whose text holds char
    /// offset `at`: its path and char offsets `start..end`.
    pub fn entry_at(&self, at: usize) -> Option<(&str, usize, usize)> {
        self.spans
            .iter()
            .filter(|(_, (s, e))| *s <= at && at < *e)
            .min_by_key(|(_, (s, e))| e - s)
            .map(|(p, (s, e))| (p.as_str(), *s, *e))
    }

    /// The char offsets of the entry at `path`, when one was recorded.
    pub fn span(&self, path: &str) -> Option<(usize, usize)> {
        self.spans.get(path).copied()
    }

    /// The position of `path`, or of its nearest recorded ancestor.
    pub fn find(&self, path: &str) -> Option<(usize, usize)> {
        let mut p = path;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return Some(*pos);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

fn tokenize(src: &str) -> Vec<Token> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0, 1, 1);
    let advance = |i: &mut usize, line: &mut usize, col: &mut usize, chars: &[char]| {
        if chars[*i] == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
        *i += 1;
    };
    while i < chars.len() {
        let c = chars[i];
        let pos = (line, col);
        let start = i;
        if c.is_whitespace() {
            advance(&mut i, &mut line, &mut col, &chars);
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                advance(&mut i, &mut line, &mut col, &chars);
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    advance(&mut i, &mut line, &mut col, &chars);
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    advance(&mut i, &mut line, &mut col, &chars);
                    if depth == 0 {
                        advance(&mut i, &mut line, &mut col, &chars);
                        break;
                    }
                }
                advance(&mut i, &mut line, &mut col, &chars);
            }
        } else if c == '#' {
            // `#![enable(...)]` attributes: skip to the closing bracket.
            while i < chars.len() && chars[i] != ']' {
                advance(&mut i, &mut line, &mut col, &chars);
            }
            if i < chars.len() {
                advance(&mut i, &mut line, &mut col, &chars);
            }
        } else if c == '"'
            || ((c == 'r' || c == 'b') && matches!(chars.get(i + 1), Some('"' | '#')))
        {
            // Strings, raw strings r#"…"#, byte strings.
            let mut hashes = 0;
            let raw = c == 'r' || (c == 'b' && chars.get(i + 1) == Some(&'r'));
            while chars[i] != '"' {
                if chars[i] == '#' {
                    hashes += 1;
                }
                advance(&mut i, &mut line, &mut col, &chars);
                if i >= chars.len() {
                    return out;
                }
            }
            advance(&mut i, &mut line, &mut col, &chars);
            let mut text = String::new();
            while i < chars.len() {
                if !raw && chars[i] == '\\' {
                    advance(&mut i, &mut line, &mut col, &chars);
                } else if chars[i] == '"' && (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#'))
                {
                    for _ in 0..=hashes {
                        advance(&mut i, &mut line, &mut col, &chars);
                    }
                    break;
                }
                if i < chars.len() {
                    text.push(chars[i]);
                    advance(&mut i, &mut line, &mut col, &chars);
                }
            }
            out.push((Tok::Scalar(text), pos, (start, i)));
        } else if c == '\'' {
            advance(&mut i, &mut line, &mut col, &chars);
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' {
                    advance(&mut i, &mut line, &mut col, &chars);
                }
                if i < chars.len() {
                    advance(&mut i, &mut line, &mut col, &chars);
                }
            }
            if i < chars.len() {
                advance(&mut i, &mut line, &mut col, &chars);
            }
            out.push((Tok::Scalar(String::new()), pos, (start, i)));
        } else if "()[]{}:,".contains(c) {
            advance(&mut i, &mut line, &mut col, &chars);
            out.push((Tok::Punct(c), pos, (start, i)));
        } else if c.is_alphabetic() || c == '_' {
            let mut s = String::new();
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                s.push(chars[i]);
                advance(&mut i, &mut line, &mut col, &chars);
            }
            out.push((Tok::Ident(s), pos, (start, i)));
        } else {
            let mut s = String::new();
            while i < chars.len() && (chars[i].is_alphanumeric() || "+-._".contains(chars[i])) {
                s.push(chars[i]);
                advance(&mut i, &mut line, &mut col, &chars);
            }
            if s.is_empty() {
                advance(&mut i, &mut line, &mut col, &chars);
            }
            out.push((Tok::Scalar(s), pos, (start, i)));
        }
    }
    out
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    positions: HashMap<String, (usize, usize)>,
    spans: HashMap<String, (usize, usize)>,
}

impl Parser {
    fn peek(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.i + k).map(|t| &t.0)
    }

    fn pos(&self) -> (usize, usize) {
        self.toks.get(self.i).map_or((0, 0), |t| t.1)
    }

    fn record(&mut self, path: &str, pos: (usize, usize)) {
        self.positions.entry(path.to_string()).or_insert(pos);
    }

    /// The char offset where the next token starts (the text's end when there is none).
    fn start_offset(&self) -> usize {
        self.toks.get(self.i).or(self.toks.last()).map_or(0, |t| {
            if self.i < self.toks.len() {
                t.2.0
            } else {
                t.2.1
            }
        })
    }

    /// Records that the entry at `path` spans from `start` to the end of the last token read.
    fn close_span(&mut self, path: String, start: usize) {
        let end = self
            .i
            .checked_sub(1)
            .and_then(|k| self.toks.get(k))
            .map_or(start, |t| t.2.1);
        self.spans.entry(path).or_insert((start, end.max(start)));
    }

    fn value(&mut self, path: String) {
        let pos = self.pos();
        self.record(&path, pos);
        match self.peek(0).cloned() {
            Some(Tok::Ident(name)) => {
                self.i += 1;
                if self.peek(0) == Some(&Tok::Punct('(')) {
                    self.i += 1;
                    // `Some(x)` is transparent; other names are structs or enum variants.
                    if name == "Some" {
                        self.value(path);
                        self.skip_to_close(')');
                    } else {
                        self.parens(&path);
                    }
                }
            }
            Some(Tok::Punct('(')) => {
                self.i += 1;
                self.parens(&path);
            }
            Some(Tok::Punct('[')) => {
                self.i += 1;
                let mut n = 0;
                while !matches!(self.peek(0), None | Some(Tok::Punct(']'))) {
                    let (before, start) = (self.i, self.start_offset());
                    let child = format!("{path}[{n}]");
                    self.value(child.clone());
                    n += 1;
                    self.eat_comma_or_skip(before);
                    self.close_span(child, start);
                }
                self.i += 1;
            }
            Some(Tok::Punct('{')) => {
                self.i += 1;
                while !matches!(self.peek(0), None | Some(Tok::Punct('}'))) {
                    let (before, start) = (self.i, self.start_offset());
                    let key_pos = self.pos();
                    let key = match self.peek(0) {
                        Some(Tok::Scalar(s) | Tok::Ident(s)) => s.clone(),
                        _ => String::new(),
                    };
                    self.i += 1;
                    if self.peek(0) == Some(&Tok::Punct(':')) {
                        self.i += 1;
                    }
                    let child = join(&path, &key);
                    self.record(&child, key_pos);
                    self.value(child.clone());
                    self.eat_comma_or_skip(before);
                    self.close_span(child, start);
                }
                self.i += 1;
            }
            Some(_) => self.i += 1,
            None => {}
        }
    }

    /// After `(`: named fields `a: 1, b: 2` or tuple elements, up to the matching `)`.
    fn parens(&mut self, path: &str) {
        let mut n = 0;
        while !matches!(self.peek(0), None | Some(Tok::Punct(')'))) {
            let (before, start) = (self.i, self.start_offset());
            let child = if let (Some(Tok::Ident(field)), Some(Tok::Punct(':'))) =
                (self.peek(0).cloned(), self.peek(1))
            {
                let child = join(path, &field);
                let pos = self.pos();
                self.record(&child, pos);
                self.i += 2;
                self.value(child.clone());
                child
            } else {
                let child = format!("{path}[{n}]");
                self.value(child.clone());
                n += 1;
                child
            };
            self.eat_comma_or_skip(before);
            self.close_span(child, start);
        }
        self.i += 1;
    }

    fn eat_comma_or_skip(&mut self, before: usize) {
        if self.peek(0) == Some(&Tok::Punct(',')) {
            self.i += 1;
        } else if self.i == before {
            self.i += 1; // unexpected token: make progress
        }
    }

    fn skip_to_close(&mut self, close: char) {
        while let Some(t) = self.peek(0).cloned() {
            self.i += 1;
            if t == Tok::Punct(close) {
                break;
            }
        }
    }
}

pub use crate::problem::join;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fields_elements_and_map_entries() {
        let src = r##"// a scene
Scene(
    display: (width: 256, mode: Gray4),
    fonts: { "small": (file: "a.bdf") },
    widgets: [
        Text(text: "hi /* not a comment */", font: "small"),
        Canvas(children: [
            Rectangle(width: 2, height: r#"x"#), /* nested /* comment */ */
            Line(x2: -3),
        ]),
    ],
)"##;
        let l = Locator::new(src);
        assert_eq!(l.find("display.mode"), Some((3, 27)));
        assert_eq!(l.find("fonts.small.file"), Some((4, 24)));
        assert_eq!(l.find("widgets[0]"), Some((6, 9)));
        assert_eq!(l.find("widgets[0].font"), Some((6, 46)));
        assert_eq!(l.find("widgets[1].children[1]"), Some((9, 13)));
        assert_eq!(l.find("widgets[1].children[1].x2"), Some((9, 18)));
        // Unknown leaf: the nearest ancestor.
        assert_eq!(l.find("widgets[1].children[0].nope"), Some((8, 13)));
    }
}
