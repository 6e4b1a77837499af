//! `include: ["common.ron"]`: fonts, data set-up and sources shared by several scenes.
//!
//! An included file holds `Include(fonts: {...}, data: (...), sources: {...})`. Its
//! relative paths are resolved against its own folder. What the scene itself defines wins
//! over an include; between includes, a later one wins over an earlier one. Problems in an
//! included file are reported at that file's line and column.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::locate::Locator;
use super::problems::{Problem, Raw, Severity};
use super::recover::parse_all;
use super::schema::{DataSpec, FontSpec, SceneFile};
use crate::data::scene_sources::SourceSpec;
use crate::widget::kinds::Kinds;

/// An included file: the sections scenes can share.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename = "Include")]
pub struct IncludeFile {
    /// Fonts by name, as in a scene.
    #[serde(default)]
    pub fonts: BTreeMap<String, FontSpec>,
    /// Rules, history, initial values and persistence, as in a scene.
    #[serde(default)]
    pub data: DataSpec,
    /// Data sources by name, as in a scene.
    #[serde(default)]
    pub sources: BTreeMap<String, SourceSpec>,
}

/// The included files of a scene, and which merged entries came from which.
#[derive(Default)]
pub(super) struct Includes {
    /// Each included file that was read, with its locator.
    files: Vec<(PathBuf, Locator)>,
    /// Merged path (`fonts.big`, `data.persist[2]`) → (file index, its path in that file).
    origins: Vec<(String, usize, String)>,
}

impl Includes {
    /// The included files that were read (for hot reload).
    pub(super) fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.files.iter().map(|(p, _)| p)
    }

    /// Where a merged path is written, when it came from an included file.
    pub(super) fn locate(&self, path: &str) -> Option<(PathBuf, usize, usize)> {
        let (prefix, file, inner) = self
            .origins
            .iter()
            .filter(|(prefix, _, _)| {
                path == prefix
                    || path.starts_with(&format!("{prefix}."))
                    || path.starts_with(&format!("{prefix}["))
            })
            .max_by_key(|(prefix, _, _)| prefix.len())?;
        let (f, locator) = self.files.get(*file)?;
        let here = format!("{inner}{}", &path[prefix.len()..]);
        let (line, col) = locator.find(&here).unwrap_or((0, 0));
        Some((f.clone(), line, col))
    }

    /// Notes that merged `path` came from file `file`, at `inner` there.
    fn note(&mut self, path: String, file: usize, inner: String) {
        self.origins.retain(|(p, _, _)| *p != path);
        self.origins.push((path, file, inner));
    }
}

/// Reads the scene's includes and merges them into `file`. Problems inside an included
/// file go to `problems` (already located); a file that cannot be read goes to `raw`.
pub(super) fn merge(
    file: &mut SceneFile,
    scene_dir: &Path,
    confine: bool,
    kinds: &Kinds,
    raw: &mut Vec<Raw>,
    problems: &mut Vec<Problem>,
) -> Includes {
    let mut out = Includes::default();
    let own_fonts: HashSet<String> = file.fonts.keys().cloned().collect();
    let own_sources: HashSet<String> = file.sources.keys().cloned().collect();
    let own_rules: HashSet<String> = file.data.rules.keys().cloned().collect();
    let own_history: HashSet<String> = file.data.history.keys().cloned().collect();
    let own_initial: HashSet<String> = file.data.initial.keys().cloned().collect();
    for (i, name) in file.include.clone().iter().enumerate() {
        let path = scene_dir.join(name);
        if confine && let Err(message) = inside(scene_dir, name, &path) {
            raw.push(Raw {
                severity: Severity::Error,
                path: format!("include[{i}]"),
                message,
            });
            continue;
        }
        let Some(mut inc) = read(&path, i, kinds, raw, problems) else {
            continue;
        };
        let index = out.files.len();
        // Canonical, so that `../common/x.ron`'s snapshot files hold no `..`.
        let parent = path.parent().unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(parent)
            .or_else(|_| std::path::absolute(parent))
            .unwrap_or_else(|_| parent.to_path_buf());
        resolve(&mut inc, &dir);
        let src = std::fs::read_to_string(&path).unwrap_or_default();
        out.files.push((path, Locator::new(&src)));
        merge_map(
            &mut file.fonts,
            inc.fonts,
            &own_fonts,
            "fonts",
            index,
            &mut out,
        );
        merge_map(
            &mut file.sources,
            inc.sources,
            &own_sources,
            "sources",
            index,
            &mut out,
        );
        merge_map(
            &mut file.data.rules,
            inc.data.rules,
            &own_rules,
            "data.rules",
            index,
            &mut out,
        );
        merge_map(
            &mut file.data.history,
            inc.data.history,
            &own_history,
            "data.history",
            index,
            &mut out,
        );
        merge_map(
            &mut file.data.initial,
            inc.data.initial,
            &own_initial,
            "data.initial",
            index,
            &mut out,
        );
        for (j, p) in inc.data.persist.into_iter().enumerate() {
            let k = file.data.persist.len();
            out.note(
                format!("data.persist[{k}]"),
                index,
                format!("data.persist[{j}]"),
            );
            file.data.persist.push(p);
        }
    }
    out
}

/// Whether include `name` (at `path`) stays inside `scene_dir`: relative, no `..`, and,
/// once links are followed, still under the folder; else why not.
fn inside(scene_dir: &Path, name: &str, path: &Path) -> Result<(), String> {
    use std::path::Component;
    let refused = || {
        format!(
            "include {name:?} is outside the scene's folder; a scene sent with `load` may \
             include only files in its folder or below"
        )
    };
    if Path::new(name)
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(refused());
    }
    let folder = std::fs::canonicalize(if scene_dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        scene_dir
    });
    match (folder, std::fs::canonicalize(path)) {
        (Ok(folder), Ok(real)) if !real.starts_with(&folder) => Err(refused()),
        _ => Ok(()),
    }
}

/// Inserts the entries of `from` whose keys the scene does not define itself.
fn merge_map<V>(
    into: &mut BTreeMap<String, V>,
    from: BTreeMap<String, V>,
    own: &HashSet<String>,
    section: &str,
    index: usize,
    out: &mut Includes,
) {
    for (k, v) in from {
        if !own.contains(&k) {
            out.note(format!("{section}.{k}"), index, format!("{section}.{k}"));
            into.insert(k, v);
        }
    }
}

/// Reads and parses one included file, reporting its problems.
fn read(
    path: &Path,
    i: usize,
    kinds: &Kinds,
    raw: &mut Vec<Raw>,
    problems: &mut Vec<Problem>,
) -> Option<IncludeFile> {
    let src = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            raw.push(Raw {
                severity: Severity::Error,
                path: format!("include[{i}]"),
                message: format!("cannot read included file {}: {e}", path.display()),
            });
            return None;
        }
    };
    let src = src.strip_prefix('\u{feff}').unwrap_or(&src);
    let at = |line: usize, col: usize, message: String| Problem::error(path, line, col, message);
    if let Some((line, col)) = super::nesting::too_deep(src, crate::data::limits::MAX_NESTING) {
        problems.push(at(line, col, "the file nests too deeply here".into()));
        return None;
    }
    let parsed = parse_all::<IncludeFile>(src, kinds);
    problems.extend(
        parsed
            .errors
            .into_iter()
            .map(|e| at(e.line, e.col, e.message)),
    );
    let locator = Locator::new(src);
    for p in parsed.unknown {
        let (line, col) = locator.find(&p).unwrap_or((0, 0));
        problems.push(at(line, col, super::compile::unknown_field_message(&p)));
    }
    parsed.value
}

/// Resolves the included file's relative paths against its own folder `dir`.
fn resolve(inc: &mut IncludeFile, dir: &Path) {
    for f in inc.fonts.values_mut() {
        f.file = dir.join(&f.file).to_string_lossy().into_owned();
    }
    for s in inc.sources.values_mut() {
        super::sections::resolve_source_paths(s, dir);
    }
    for p in &mut inc.data.persist {
        p.file = dir.join(&p.file);
    }
}
