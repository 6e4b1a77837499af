//! A scan for nesting depth before the scene is parsed: ron gives up past its recursion
//! limit with advice about its own internals; we refuse deeper scenes ourselves, at the
//! bracket where the limit is passed.

/// The line and column (1-based) of the first bracket that opens nesting level
/// `max + 1`, or `None` when the text stays within `max`. Strings, characters and
/// comments are skipped.
pub(super) fn too_deep(src: &str, max: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let (mut line, mut col) = (1usize, 0usize);
    let mut chars = src.chars().peekable();
    let advance = |c: char, line: &mut usize, col: &mut usize| {
        if c == '\n' {
            *line += 1;
            *col = 0;
        } else {
            *col += 1;
        }
    };
    while let Some(c) = chars.next() {
        advance(c, &mut line, &mut col);
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                if depth > max {
                    return Some((line, col));
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '"' => {
                // A string: up to the next unescaped quote.
                while let Some(s) = chars.next() {
                    advance(s, &mut line, &mut col);
                    if s == '\\' {
                        if let Some(e) = chars.next() {
                            advance(e, &mut line, &mut col);
                        }
                    } else if s == '"' {
                        break;
                    }
                }
            }
            '\'' => {
                // A character literal ('(' must not count); an apostrophe elsewhere is harmless.
                let mut seen = 0;
                while let Some(&s) = chars.peek() {
                    if seen > 4 || s == '\n' {
                        break;
                    }
                    chars.next();
                    advance(s, &mut line, &mut col);
                    seen += 1;
                    if s == '\\' {
                        if let Some(e) = chars.next() {
                            advance(e, &mut line, &mut col);
                        }
                    } else if s == '\'' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                while let Some(&s) = chars.peek() {
                    if s == '\n' {
                        break;
                    }
                    chars.next();
                    advance(s, &mut line, &mut col);
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut prev = ' ';
                for s in chars.by_ref() {
                    advance(s, &mut line, &mut col);
                    if prev == '*' && s == '/' {
                        break;
                    }
                    prev = s;
                }
            }
            'r' if matches!(chars.peek(), Some('#') | Some('"')) => {
                // A raw string r#"…"#: skip to the closing quote and as many hashes.
                let mut hashes = 0;
                while chars.peek() == Some(&'#') {
                    chars.next();
                    advance('#', &mut line, &mut col);
                    hashes += 1;
                }
                if chars.peek() != Some(&'"') {
                    continue;
                }
                chars.next();
                advance('"', &mut line, &mut col);
                let mut run: Option<usize> = None;
                for s in chars.by_ref() {
                    advance(s, &mut line, &mut col);
                    match (s, run) {
                        ('"', _) => run = Some(0),
                        ('#', Some(n)) => run = Some(n + 1),
                        _ => run = None,
                    }
                    if run == Some(hashes) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    None
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
