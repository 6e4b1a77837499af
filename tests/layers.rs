//! The layering rule of `src/lib.rs` ("Layers, bottom up: …"): no top-level module uses
//! one above it, so there is no import cycle between them. Comments are not uses.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layer order as `src/lib.rs` states it.
fn layers() -> Vec<String> {
    let lib = std::fs::read_to_string("src/lib.rs").expect("src/lib.rs");
    let mut text = String::new();
    let mut inside = false;
    for line in lib.lines() {
        let line = line.trim_start_matches("//!").trim();
        if line.starts_with("Layers, bottom up:") {
            inside = true;
        }
        if inside {
            text.push_str(line);
            text.push(' ');
            if line.ends_with('.') {
                break;
            }
        }
    }
    let order: Vec<String> = text
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    assert!(order.len() > 5, "src/lib.rs states the layers: {text:?}");
    order
}

/// Every `.rs` file under `dir`.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file's code names: `crate::x…` and `crate::{x::…, y::…}`.
fn uses(src: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in src.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                out.extend(group_heads(group));
            } else {
                out.insert(ident(rest));
            }
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

/// The first path segment of each item in a `{a::b, c, d::{e, f}}` group.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => start = true,
            c if start && !c.is_whitespace() => {
                heads.push(ident(&group[i..]));
                start = false;
            }
            _ => {}
        }
    }
    heads
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn no_module_uses_one_above_it() {
    let order = layers();
    let rank = |m: &str| order.iter().position(|o| o == m);
    let mut declared = BTreeSet::new();
    for line in std::fs::read_to_string("src/lib.rs").expect("lib").lines() {
        if let Some(m) = line.strip_prefix("pub mod ").or(line.strip_prefix("mod "))
            && let Some(m) = m.strip_suffix(';')
        {
            declared.insert(m.to_string());
        }
    }
    for m in &declared {
        assert!(
            rank(m).is_some(),
            "module `{m}` is not in the layer list of src/lib.rs; place it there"
        );
    }
    let mut wrong = Vec::new();
    let mut sources = Vec::new();
    files(Path::new("src"), &mut sources);
    for path in sources {
        let rel = path.strip_prefix("src").expect("under src");
        let top = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or("")
            .trim_end_matches(".rs")
            .to_string();
        // The crate root and the binary (main.rs, commands/) sit above every layer.
        let Some(mine) = rank(&top) else { continue };
        let src = std::fs::read_to_string(&path).expect("a source file");
        for used in uses(&src) {
            if let Some(theirs) = rank(&used)
                && theirs > mine
            {
                wrong.push(format!(
                    "{} uses `{used}`, a layer above `{top}`",
                    path.display()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "upward uses:\n{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_plain_and_grouped_uses() {
    let src = "use crate::render::Rect;\nuse crate::{data::Dataset, widget::{a, b}};\n// crate::scene in a comment\nlet x = crate::panel::X;";
    let got: Vec<String> = uses(src).into_iter().collect();
    assert_eq!(got, ["data", "panel", "render", "widget"]);
}
