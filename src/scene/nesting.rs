//! A scan for nesting depth before the scene is parsed: ron gives up past its recursion
//! limit with advice about its own internals; we refuse deeper scenes ourselves, at the
//! bracket where the limit is passed.

/// The line and column (1-based) of the first bracket that opens nesting level
/// `max + 1`, or `None` when the text stays within `max`. Strings, characters and
/// comments are skipped.
pub(super) fn too_deep(src: &str, max: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut scan = Scan {
        chars: src.chars().peekable(),
        line: 1,
        col: 0,
    };
    while let Some(c) = scan.next() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                if depth > max {
                    return Some((scan.line, scan.col));
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '"' => scan.skip_string(),
            '\'' => scan.skip_char_literal(),
            '/' if scan.peek() == Some('/') => scan.skip_line_comment(),
            '/' if scan.peek() == Some('*') => scan.skip_block_comment(),
            'r' if matches!(scan.peek(), Some('#' | '"')) => scan.skip_raw_string(),
            _ => {}
        }
    }
    None
}

/// The scene text being scanned, with the line and column of the last character read.
struct Scan<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    col: usize,
}

impl Scan<'_> {
    /// The next character, counting lines and columns.
    fn next(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.col = 0;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    /// The next character, not read yet.
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    /// A string: up to the next unescaped quote.
    fn skip_string(&mut self) {
        while let Some(s) = self.next() {
            if s == '\\' {
                self.next();
            } else if s == '"' {
                break;
            }
        }
    }

    /// A character literal ('(' must not count); an apostrophe elsewhere is harmless.
    fn skip_char_literal(&mut self) {
        let mut seen = 0;
        while let Some(s) = self.peek() {
            if seen > 4 || s == '\n' {
                break;
            }
            self.next();
            seen += 1;
            if s == '\\' {
                self.next();
            } else if s == '\'' {
                break;
            }
        }
    }

    /// A `// …` comment, up to (not past) its line's end.
    fn skip_line_comment(&mut self) {
        while self.peek().is_some_and(|s| s != '\n') {
            self.next();
        }
    }

    /// A `/* … */` comment.
    fn skip_block_comment(&mut self) {
        let mut prev = ' ';
        while let Some(s) = self.next() {
            if prev == '*' && s == '/' {
                break;
            }
            prev = s;
        }
    }

    /// A raw string r#"…"#: to the closing quote and as many hashes.
    fn skip_raw_string(&mut self) {
        let mut hashes = 0;
        while self.peek() == Some('#') {
            self.next();
            hashes += 1;
        }
        if self.peek() != Some('"') {
            return;
        }
        self.next();
        let mut run: Option<usize> = None;
        while let Some(s) = self.next() {
            run = match (s, run) {
                ('"', _) => Some(0),
                ('#', Some(n)) => Some(n + 1),
                _ => None,
            };
            if run == Some(hashes) {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_bracket_past_the_limit_and_skips_strings_and_comments() {
        assert_eq!(too_deep("((()))", 3), None);
        assert_eq!(too_deep("((\n (()))", 3), Some((2, 3)));
        assert_eq!(too_deep(r#"( "((((((" '(' // ((((("#, 1), None);
        assert_eq!(too_deep("( /* ((((( */ r#\"((((\"# )", 1), None);
        assert_eq!(too_deep("[[[", 2), Some((1, 3)));
    }
}
