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
    let mut c = Cursor {
        chars: src.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
    };
    let mut out = Vec::new();
    while let Some(ch) = c.peek(0) {
        let pos = (c.line, c.col);
        let start = c.i;
        let next = c.peek(1);
        let tok = if ch.is_whitespace() {
            c.bump();
            continue;
        } else if ch == '/' && next == Some('/') {
            c.skip_line_comment();
            continue;
        } else if ch == '/' && next == Some('*') {
            c.skip_block_comment();
            continue;
        } else if ch == '#' {
            c.skip_attribute();
            continue;
        } else if ch == '"' || ((ch == 'r' || ch == 'b') && matches!(next, Some('"' | '#'))) {
            let Some(text) = c.string() else {
                return out;
            };
            Tok::Scalar(text)
        } else if ch == '\'' {
            c.char_literal();
            Tok::Scalar(String::new())
        } else if "()[]{}:,".contains(ch) {
            c.bump();
            Tok::Punct(ch)
        } else if ch.is_alphabetic() || ch == '_' {
            Tok::Ident(c.word(|x| x.is_alphanumeric() || x == '_'))
        } else {
            let s = c.word(|x| x.is_alphanumeric() || "+-._".contains(x));
            if s.is_empty() {
                c.bump();
            }
            Tok::Scalar(s)
        };
        out.push((tok, pos, (start, c.i)));
    }
    out
}

/// A position in the scene text being tokenized, with its line and column.
struct Cursor {
    chars: Vec<char>,
    i: usize,
    line: usize,
    col: usize,
}

impl Cursor {
    /// The character `k` ahead of the cursor.
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    /// Moves past one character (if there is one), counting lines and columns.
    fn bump(&mut self) {
        match self.peek(0) {
            Some('\n') => {
                self.line += 1;
                self.col = 1;
            }
            Some(_) => self.col += 1,
            None => return,
        }
        self.i += 1;
    }

    /// Skips a `// …` comment up to its line's end.
    fn skip_line_comment(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.bump();
        }
    }

    /// Skips a `/* … */` comment, nested ones included.
    fn skip_block_comment(&mut self) {
        let mut depth = 0;
        while let Some(c) = self.peek(0) {
            if c == '/' && self.peek(1) == Some('*') {
                depth += 1;
                self.bump();
            } else if c == '*' && self.peek(1) == Some('/') {
                depth -= 1;
                self.bump();
                if depth == 0 {
                    self.bump();
                    break;
                }
            }
            self.bump();
        }
    }

    /// Skips a `#![enable(...)]` attribute, up to its closing bracket.
    fn skip_attribute(&mut self) {
        while self.peek(0).is_some_and(|c| c != ']') {
            self.bump();
        }
        self.bump();
    }

    /// A string, raw string `r#"…"#` or byte string, as its text; `None` when the text
    /// ends before its opening quote.
    fn string(&mut self) -> Option<String> {
        let raw =
            self.peek(0) == Some('r') || (self.peek(0) == Some('b') && self.peek(1) == Some('r'));
        let mut hashes = 0;
        while self.peek(0)? != '"' {
            if self.peek(0) == Some('#') {
                hashes += 1;
            }
            self.bump();
        }
        self.bump();
        let mut text = String::new();
        while let Some(c) = self.peek(0) {
            if !raw && c == '\\' {
                self.bump();
            } else if c == '"' && (0..hashes).all(|k| self.peek(1 + k) == Some('#')) {
                for _ in 0..=hashes {
                    self.bump();
                }
                break;
            }
            if let Some(c) = self.peek(0) {
                text.push(c);
                self.bump();
            }
        }
        Some(text)
    }

    /// Skips a character literal `'x'` (escapes included).
    fn char_literal(&mut self) {
        self.bump();
        while self.peek(0).is_some_and(|c| c != '\'') {
            if self.peek(0) == Some('\\') {
                self.bump();
            }
            self.bump();
        }
        self.bump();
    }

    /// The characters from here on that satisfy `keep`.
    fn word(&mut self, keep: impl Fn(char) -> bool) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0).filter(|&c| keep(c)) {
            s.push(c);
            self.bump();
        }
        s
    }
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
