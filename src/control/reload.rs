//! Hot reload: the scene file and the files it uses (fonts, images, includes) are watched
//! with `notify`; a change (or SIGHUP, or the `reload` command) loads the scene again off
//! the tick thread, and the next tick swaps a good one in. A bad one leaves the running
//! scene as it is and reports every problem (log, `/api/state`, the web page's banner).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bevy_ecs::prelude::*;
use notify::{RecursiveMode, Watcher};

use super::apply::swap_in;
use crate::scene::compile::CompiledWidget;
use crate::scene::swap::ActiveScene;
use crate::scene::{CompiledScene, SceneError};

/// How long a burst of file events (an editor's save) is let settle before loading.
pub const SETTLE: Duration = Duration::from_millis(150);

/// Every file a scene reads at load time: the scene, its fonts, its fixed images.
pub fn files_of(scene: &CompiledScene) -> Vec<PathBuf> {
    fn walk(ws: &[CompiledWidget], out: &mut Vec<PathBuf>) {
        for w in ws {
            out.extend(w.kind.files());
            walk(&w.children, out);
        }
    }
    let mut out = vec![scene.path.clone()];
    out.extend(scene.files.iter().cloned());
    walk(&scene.widgets, &mut out);
    out.sort();
    out.dedup();
    out
}

/// Most links followed from one file (a loop of links ends there).
const MAX_LINKS: usize = 16;

/// `file` as an absolute path (its folder resolved), then each symbolic link on the way
/// from it to its target, then the target; what a change to any of them reloads.
fn link_chain(file: &Path) -> Vec<PathBuf> {
    let absolute = |p: &Path| -> PathBuf {
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        match (std::fs::canonicalize(&dir), p.file_name()) {
            (Ok(dir), Some(name)) => dir.join(name),
            _ => p.to_path_buf(),
        }
    };
    let mut out = vec![absolute(file)];
    let mut at = absolute(file);
    for _ in 0..MAX_LINKS {
        let Ok(target) = std::fs::read_link(&at) else {
            break;
        };
        let next = match at.parent() {
            Some(dir) if target.is_relative() => dir.join(&target),
            _ => target,
        };
        at = absolute(&next);
        if out.contains(&at) {
            break;
        }
        out.push(at.clone());
    }
    if let Ok(real) = std::fs::canonicalize(file)
        && !out.contains(&real)
    {
        out.push(real);
    }
    out
}

/// Loaded scenes on their way to the tick.
type Loaded = Result<CompiledScene, SceneError>;

/// The watcher and the channel its loads arrive on (a resource).
#[derive(Resource)]
pub struct HotReload {
    rx: Mutex<Receiver<Loaded>>,
    tx: Sender<Loaded>,
    watcher: Option<notify::RecommendedWatcher>,
    watched: Arc<Mutex<HashSet<PathBuf>>>,
    /// Set (by SIGHUP) to load the scene again.
    pub requested: Arc<AtomicBool>,
    loading: Arc<AtomicBool>,
    path: PathBuf,
    /// The text the `load` command just wrote over the scene file: a change that leaves
    /// the file holding exactly that is the engine's own, not a reason to reload.
    written: Arc<Mutex<Option<String>>>,
}

impl HotReload {
    /// Watches `scene`'s files; changes load `scene.path` again.
    pub fn watch(scene: &CompiledScene) -> HotReload {
        let (tx, rx) = channel();
        let watched = Arc::new(Mutex::new(HashSet::new()));
        let requested = Arc::new(AtomicBool::new(false));
        let mut me = HotReload {
            rx: Mutex::new(rx),
            tx,
            watcher: None,
            watched,
            requested,
            loading: Arc::new(AtomicBool::new(false)),
            path: scene.path.clone(),
            written: Arc::new(Mutex::new(None)),
        };
        let (files, flag) = (me.watched.clone(), me.requested.clone());
        let watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
            let Ok(ev) = ev else { return };
            if matches!(ev.kind, notify::EventKind::Access(_)) {
                return;
            }
            let Ok(files) = files.lock() else { return };
            if ev.paths.iter().any(|p| files.contains(p)) {
                flag.store(true, Ordering::Relaxed);
                // A tickless runner wakes to start the load.
                crate::app::wake::ring_all();
            }
        });
        match watcher {
            Ok(w) => me.watcher = Some(w),
            Err(e) => log::warn!(
                "hot reload: cannot watch files ({e}); SIGHUP and the reload command still work"
            ),
        }
        me.follow(scene);
        me
    }

    /// Watches the files of `scene` (after a swap: its includes may differ). A file that
    /// is a symbolic link is watched with every link on the way to its target and the
    /// target itself, so retargeting the link and editing the target both reload.
    pub fn follow(&mut self, scene: &CompiledScene) {
        self.path = scene.path.clone();
        let files: Vec<PathBuf> = files_of(scene).iter().flat_map(|f| link_chain(f)).collect();
        let dirs: HashSet<PathBuf> = files
            .iter()
            .filter_map(|f| f.parent().map(Path::to_path_buf))
            .collect();
        if let Some(w) = self.watcher.as_mut() {
            // Directories, not files: editors save by writing a new file and renaming it.
            for d in &dirs {
                if let Err(e) = w.watch(d, RecursiveMode::NonRecursive) {
                    log::warn!("hot reload: cannot watch {}: {e}", d.display());
                }
            }
        }
        if let Ok(mut set) = self.watched.lock() {
            set.clear();
            set.extend(files);
        }
    }

    /// Notes that the engine is about to write `text` over the scene file (the `load`
    /// command), so the change it causes is not loaded again; "" forgets it.
    pub fn expect_written(&self, text: &str) {
        if let Ok(mut w) = self.written.lock() {
            *w = (!text.is_empty()).then(|| text.to_owned());
        }
    }

    /// Starts loading the scene (of `kinds`, the app's) on a thread of its own, unless a
    /// load is under way.
    fn load(&self, kinds: crate::widget::kinds::Kinds) {
        if self.loading.swap(true, Ordering::AcqRel) {
            return;
        }
        let (tx, path, loading, again, written) = (
            self.tx.clone(),
            self.path.clone(),
            self.loading.clone(),
            self.requested.clone(),
            self.written.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("tinydisplay-reload".into())
            .spawn(move || {
                // Let the burst of events of one save settle.
                std::thread::sleep(SETTLE);
                again.store(false, Ordering::Relaxed);
                let ours = match (std::fs::read_to_string(&path), written.lock()) {
                    (Ok(now), Ok(mut w)) if w.as_deref() == Some(now.as_str()) => {
                        *w = None;
                        true
                    }
                    _ => false,
                };
                if !ours {
                    let _ = tx.send(crate::scene::load_with(&path, &kinds));
                }
                loading.store(false, Ordering::Release);
                crate::app::wake::ring_all();
            });
        if spawned.is_err() {
            self.loading.store(false, Ordering::Release);
            log::warn!("hot reload: cannot start the loading thread");
        }
    }
}

/// Starts a load when files changed or SIGHUP came, and swaps in what was loaded (an
/// exclusive system at `Ingest`).
pub fn hot_reload(world: &mut World) {
    let Some(hr) = world.get_resource::<HotReload>() else {
        return;
    };
    if hr.requested.load(Ordering::Relaxed) {
        let kinds = world
            .get_resource::<crate::widget::kinds::Kinds>()
            .cloned()
            .unwrap_or_default();
        hr.load(kinds);
    }
    let loaded: Vec<Loaded> = match hr.rx.lock() {
        Ok(rx) => rx.try_iter().collect(),
        Err(_) => Vec::new(),
    };
    for l in loaded {
        let ok = l.is_ok();
        let reply = swap_in(world, l);
        if ok && reply.is_ok() {
            let scene = world.get_resource::<ActiveScene>().map(|a| a.0.clone());
            if let (Some(scene), Some(mut hr)) = (scene, world.get_resource_mut::<HotReload>()) {
                hr.follow(&scene);
            }
            let tick = world.get_resource::<crate::app::Tick>().map_or(0, |t| t.0);
            let origin = super::Origin::surface("watch");
            log::info!("control ({origin}): reload");
            if let Some(mut applied) = world.get_resource_mut::<super::Applied>() {
                applied.0.push((tick, super::Command::Reload, origin));
            }
        }
    }
}

/// Makes SIGHUP load the scene again (as a file change would).
pub fn on_sighup(hr: &HotReload) {
    if let Err(e) = signal_hook::flag::register(signal_hook::consts::SIGHUP, hr.requested.clone()) {
        log::warn!("SIGHUP will not reload the scene: {e}");
    }
}
