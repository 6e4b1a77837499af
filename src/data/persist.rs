//! Persistence: a namespace's values saved to a snapshot file (atomically: temp file +
//! rename) every few seconds and at shutdown, and restored at start, so a display
//! shows the last known values after a reboot.

use std::path::{Path, PathBuf};

use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::dataset::{Dataset, namespace};
use crate::app::{Fps, Tick};

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

/// Writes the namespace's current values to `path` atomically.
pub fn save(data: &Dataset, ns: &str, path: &Path) -> Result<(), PersistError> {
    let io = |source| PersistError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut values = serde_json::Map::new();
    for key in data.keys().filter(|k| namespace(k) == ns) {
        if let Some(v) = data.get(key) {
            values.insert(key.to_string(), v.clone());
        }
    }
    let snap = Snapshot {
        format: FORMAT.into(),
        version: 1,
        namespace: ns.into(),
        values,
    };
    let text = serde_json::to_string_pretty(&snap).map_err(|e| io(std::io::Error::other(e)))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Restores a namespace from `path` at `tick`; returns how many keys were restored.
/// A missing file restores nothing; a corrupt or foreign one is an error (callers warn and go on).
pub fn restore(
    data: &mut Dataset,
    ns: &str,
    path: &Path,
    tick: u64,
) -> Result<usize, PersistError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(source) => {
            return Err(PersistError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
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
    let mut n = 0;
    for (k, v) in snap.values {
        if namespace(&k) == ns {
            data.set(&k, v, tick);
            n += 1;
        }
    }
    Ok(n)
}

/// Restores every persisted namespace (before the first tick); problems are logged.
pub fn restore_all(data: &mut Dataset, specs: &[PersistSpec]) {
    for s in specs {
        match restore(data, &s.namespace, &s.file, 0) {
            Ok(n) if n > 0 => log::info!(
                "restored {n} value(s) of {} from {}",
                s.namespace,
                s.file.display()
            ),
            Ok(_) => {}
            Err(e) => log::warn!("{e}; starting without it"),
        }
    }
}

/// Saves each persisted namespace every `every_s` seconds of ticks.
pub fn save_periodically(
    tick: Res<Tick>,
    fps: Res<Fps>,
    data: Res<Dataset>,
    specs: Res<Persistence>,
) {
    for s in &specs.0 {
        let every = u64::from(s.every_s.max(1)) * u64::from(fps.0.max(1));
        if tick.0 > 0
            && tick.0.is_multiple_of(every)
            && let Err(e) = save(&data, &s.namespace, &s.file)
        {
            log::warn!("{e}");
        }
    }
}

/// Saves every persisted namespace now (at shutdown).
pub fn save_all(world: &World) {
    let (Some(data), Some(specs)) = (
        world.get_resource::<Dataset>(),
        world.get_resource::<Persistence>(),
    ) else {
        return;
    };
    for s in &specs.0 {
        if let Err(e) = save(data, &s.namespace, &s.file) {
            log::warn!("{e}");
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
        assert!(
            !path.with_extension("tmp").exists(),
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
}
