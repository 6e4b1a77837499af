//! Persistence: a namespace's values saved to a snapshot file (atomically: a uniquely named
//! temp file beside it, then a rename) and restored at start, so a display shows the last
//! known values after a reboot. When saves happen is [`super::snapshots`]'s job.
//!
//! A file that is not ours is never overwritten: before each save the target is read, and
//! unless it is missing or a snapshot of this namespace, the save is refused (logged once).
//! At start, a file that parses as something else (someone's JSON, a corrupt snapshot) is
//! moved aside to `<file>.foreign-<unix seconds>` with a warning and the namespace starts
//! empty; a file that cannot be read (permissions) is left alone and saves stay refused
//! until it can be read and is ours.

use std::path::{Path, PathBuf};

use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::dataset::{Dataset, namespace};

/// The snapshot file's format name; a file without it is someone else's and is ignored.
const FORMAT: &str = "tinydisplay-snapshot";

/// `persist: [(namespace: "mpd", file: "state/mpd.json", every_s: 60)]` in a scene.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PersistSpec {
    /// The namespace saved.
    pub namespace: String,
    /// Snapshot file, relative to the scene file.
    pub file: PathBuf,
    /// Seconds between saves (default 60); it is also saved at shutdown.
    #[serde(default = "sixty")]
    pub every_s: u32,
}

fn sixty() -> u32 {
    60
}

/// The namespaces to persist, with resolved paths.
#[derive(Resource, Debug, Clone, Default)]
pub struct Persistence(pub Vec<PersistSpec>);

#[derive(Debug, Serialize, Deserialize)]
struct Snapshot {
    format: String,
    version: u32,
    namespace: String,
    values: serde_json::Map<String, Value>,
}

/// Why a snapshot could not be used or written.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// Reading or writing the file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The snapshot file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a snapshot of this namespace (corrupt or foreign).
    #[error("{}: not a tinydisplay snapshot of namespace {namespace:?} ({why})", path.display())]
    Foreign {
        /// The snapshot file.
        path: PathBuf,
        /// The namespace expected.
        namespace: String,
        /// What was wrong.
        why: String,
    },
}

/// Writes the namespace's current values to `path` atomically, unless a file that is not
/// a snapshot of this namespace is there (then [`PersistError::Foreign`] or
/// [`PersistError::Io`], and the file is left as it is).
pub fn save(data: &Dataset, ns: &str, path: &Path) -> Result<(), PersistError> {
    write_snapshot(ns, path, values_of(data, ns))
}

/// The values of namespace `ns`.
pub fn values_of(data: &Dataset, ns: &str) -> serde_json::Map<String, Value> {
    let mut values = serde_json::Map::new();
    for key in data.keys().filter(|k| namespace(k) == ns) {
        if let Some(v) = data.get(key) {
            values.insert(key.to_string(), v.clone());
        }
    }
    values
}

/// Writes `values` as the snapshot of `ns` to `path` atomically (as [`save`]).
pub fn write_snapshot(
    ns: &str,
    path: &Path,
    values: serde_json::Map<String, Value>,
) -> Result<(), PersistError> {
    let io = |source| PersistError::Io {
        path: path.to_path_buf(),
        source,
    };
    check_ours(ns, path)?;
    let snap = Snapshot {
        format: FORMAT.into(),
        version: 1,
        namespace: ns.into(),
        values,
    };
    let text = serde_json::to_string_pretty(&snap).map_err(|e| io(std::io::Error::other(e)))?;
    crate::atomic_file::write_atomic(path, text.as_bytes()).map_err(io)
}

/// True when `path` holds a snapshot of `ns` with exactly the namespace's values in
/// `data` (nothing to save).
pub fn matches_file(data: &Dataset, ns: &str, path: &Path) -> bool {
    read_snapshot(ns, path).is_ok_and(|snap| snap.values == values_of(data, ns))
}

/// Ok when `path` is missing or holds a snapshot of `ns`; why not otherwise.
fn check_ours(ns: &str, path: &Path) -> Result<(), PersistError> {
    match read_snapshot(ns, path) {
        Ok(_) => Ok(()),
        Err(PersistError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Reads and validates the snapshot of `ns` at `path`.
fn read_snapshot(ns: &str, path: &Path) -> Result<Snapshot, PersistError> {
    let text = std::fs::read_to_string(path).map_err(|source| PersistError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let foreign = |why: String| PersistError::Foreign {
        path: path.to_path_buf(),
        namespace: ns.into(),
        why,
    };
    let snap: Snapshot = serde_json::from_str(&text).map_err(|e| foreign(e.to_string()))?;
    if snap.format != FORMAT || snap.namespace != ns {
        return Err(foreign(format!(
            "format {:?}, namespace {:?}",
            snap.format, snap.namespace
        )));
    }
    Ok(snap)
}

/// Moves a foreign file at `path` aside (`<file>.foreign-<unix seconds>`); returns where.
pub fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".foreign-{secs}"));
    let aside = path.with_file_name(name);
    std::fs::rename(path, &aside)?;
    Ok(aside)
}

/// Restores a namespace from `path` at `tick`; returns how many keys were restored.
/// A missing file restores nothing; a corrupt, foreign or unreadable one is an error
/// (callers warn and go on).
pub fn restore(
    data: &mut Dataset,
    ns: &str,
    path: &Path,
    tick: u64,
) -> Result<usize, PersistError> {
    let snap = match read_snapshot(ns, path) {
        Ok(s) => s,
        Err(PersistError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(0);
        }
        Err(e) => return Err(e),
    };
    let mut n = 0;
    for (k, v) in snap.values {
        if namespace(&k) == ns {
            data.set(&k, v, tick);
            n += 1;
        }
    }
    Ok(n)
}

/// Restores every persisted namespace (before the first tick); problems are logged. A
/// foreign or corrupt file is moved aside so that saving can go on without losing it.
/// Returns the specs that may be saved in this run: a file that exists but could not be
/// read (permissions, an I/O error) is never replaced by this run's values.
pub fn restore_all(data: &mut Dataset, specs: &[PersistSpec]) -> Vec<PersistSpec> {
    let mut savable = Vec::new();
    for s in specs {
        match restore(data, &s.namespace, &s.file, 0) {
            Ok(n) if n > 0 => log::info!(
                "restored {n} value(s) of {} from {}",
                s.namespace,
                s.file.display()
            ),
            Ok(_) => {}
            Err(e @ PersistError::Foreign { .. }) => match move_aside(&s.file) {
                Ok(aside) => log::warn!(
                    "{e}; moved it to {} and starting without it",
                    aside.display()
                ),
                Err(m) => {
                    log::warn!(
                        "{e}; cannot move it aside ({m}), so it is not overwritten: {} is not saved in this run",
                        s.namespace
                    );
                    continue;
                }
            },
            Err(e) => {
                log::warn!(
                    "{e}; starting without it, and {} is not saved in this run so the file is not replaced",
                    s.namespace
                );
                continue;
            }
        }
        savable.push(s.clone());
    }
    savable
}

/// Logs a failed save once per file until a save succeeds again; true when it was saved.
pub fn report_save(
    result: Result<(), PersistError>,
    path: &Path,
    failing: &mut Vec<PathBuf>,
) -> bool {
    match result {
        Ok(()) => {
            failing.retain(|p| p != path);
            true
        }
        Err(e) => {
            if !failing.iter().any(|p| p == path) {
                failing.push(path.to_path_buf());
                log::warn!("{e}; not saved (the file is left as it is)");
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("tinydisplay-persist-{}-{name}", std::process::id()))
    }

    #[test]
    fn round_trip() {
        let path = temp("rt/mpd.json");
        let mut d = Dataset::new();
        d.set("mpd.title", json!("Song"), 3);
        d.set("mpd.volume", json!(40), 3);
        d.set("sys.load1", json!(0.5), 3);
        save(&d, "mpd", &path).expect("saved");
        let mut fresh = Dataset::new();
        assert_eq!(restore(&mut fresh, "mpd", &path, 0).expect("restored"), 2);
        assert_eq!(fresh.get("mpd.title"), Some(&json!("Song")));
        assert_eq!(
            fresh.get("sys.load1"),
            None,
            "other namespaces are not saved"
        );
        let dir = path.parent().expect("a dir");
        assert_eq!(
            std::fs::read_dir(dir).expect("dir").count(),
            1,
            "the temp file was renamed"
        );
    }

    #[test]
    fn corrupt_or_foreign_snapshots_are_refused() {
        let corrupt = temp("corrupt.json");
        std::fs::write(&corrupt, "{\"format\": \"tinydisplay-snap").expect("write");
        let mut d = Dataset::new();
        assert!(matches!(
            restore(&mut d, "mpd", &corrupt, 0),
            Err(PersistError::Foreign { .. })
        ));
        let foreign = temp("foreign.json");
        std::fs::write(
            &foreign,
            r#"{"format":"other","version":1,"namespace":"mpd","values":{"mpd.a":1}}"#,
        )
        .expect("write");
        assert!(matches!(
            restore(&mut d, "mpd", &foreign, 0),
            Err(PersistError::Foreign { .. })
        ));
        assert_eq!(d.keys().count(), 0);
        assert_eq!(
            restore(&mut d, "mpd", &temp("missing.json"), 0).expect("missing is fine"),
            0
        );
    }

    #[test]
    fn someone_elses_json_is_never_overwritten() {
        let path = temp("theirs/state.json");
        std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
        std::fs::write(&path, r#"{"their": "data"}"#).expect("write");
        let mut d = Dataset::new();
        d.set("mpd.title", json!("Song"), 1);
        assert!(matches!(
            save(&d, "mpd", &path),
            Err(PersistError::Foreign { .. })
        ));
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            r#"{"their": "data"}"#
        );
        // At start it is moved aside, keeping its content, and saving then works.
        let spec = PersistSpec {
            namespace: "mpd".into(),
            file: path.clone(),
            every_s: 60,
        };
        restore_all(&mut Dataset::new(), std::slice::from_ref(&spec));
        let aside: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains(".foreign-"))
            .collect();
        assert_eq!(aside.len(), 1, "moved aside");
        assert_eq!(
            std::fs::read_to_string(aside[0].path()).expect("read"),
            r#"{"their": "data"}"#
        );
        save(&d, "mpd", &path).expect("saved once the foreign file is aside");
    }

    #[test]
    fn an_unreadable_snapshot_is_not_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp("eacces/mpd.json");
        let mut d = Dataset::new();
        d.set("mpd.title", json!("Old"), 1);
        save(&d, "mpd", &path).expect("saved");
        let before = std::fs::read(&path).expect("read");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        let spec = PersistSpec {
            namespace: "mpd".into(),
            file: path.clone(),
            every_s: 60,
        };
        let unreadable = std::fs::read(&path).is_err();
        let mut fresh = Dataset::new();
        if unreadable {
            assert!(restore_all(&mut fresh, std::slice::from_ref(&spec)).is_empty());
        }
        // Root reads a mode-000 file: stand in for the failed read with a path that
        // exists and cannot be read as a file (a directory, EISDIR).
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let dir_spec = PersistSpec {
            file: temp("eacces/a-dir.json"),
            ..spec.clone()
        };
        std::fs::create_dir_all(&dir_spec.file).expect("dir");
        assert!(
            restore_all(&mut fresh, std::slice::from_ref(&dir_spec)).is_empty(),
            "a file that exists but cannot be read is not saved in this run"
        );
        // The savable list is what the engine saves from; the snapshot is left as it was.
        fresh.set("mpd.title", json!("New"), 2);
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "left as it was"
        );
        assert!(std::fs::metadata(&dir_spec.file).expect("meta").is_dir());
    }
}
