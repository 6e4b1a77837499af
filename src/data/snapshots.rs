//! When snapshots ([`super::persist`]) are written: every `every_s` seconds of ticks, and
//! only when the namespace changed since the file was last written (or the file does not
//! hold the namespace's values yet), so an idle display does not wear its SD card. The
//! periodic save happens on a writer thread (the tick only copies the namespace's values);
//! the save at shutdown waits for that thread, then writes what is left, synchronously.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use bevy_ecs::prelude::*;
use serde_json::{Map, Value};

use super::dataset::{Dataset, namespace};
use super::persist::{PersistSpec, Persistence, matches_file, report_save, values_of};
use crate::app::{Fps, Tick};

/// Saves handed to the writer thread and not yet done, at most (past it, a save waits for
/// the next period).
const QUEUE: usize = 2;

/// One save for the writer thread.
struct Job {
    ns: String,
    path: PathBuf,
    values: Map<String, Value>,
}

/// The writer thread and the files whose save it could not do.
struct Writer {
    tx: SyncSender<Job>,
    thread: JoinHandle<()>,
    failed: Arc<Mutex<Vec<PathBuf>>>,
}

impl Writer {
    fn start() -> Option<Writer> {
        let (tx, rx) = sync_channel::<Job>(QUEUE);
        let failed = Arc::new(Mutex::new(Vec::new()));
        let failed_in = failed.clone();
        let thread = std::thread::Builder::new()
            .name("tinydisplay-snapshots".into())
            .spawn(move || {
                let mut failing = Vec::new();
                for job in rx {
                    let result = super::persist::write_snapshot(&job.ns, &job.path, job.values);
                    if !report_save(result, &job.path, &mut failing)
                        && let Ok(mut f) = failed_in.lock()
                    {
                        f.push(job.path);
                    }
                }
            });
        match thread {
            Ok(thread) => Some(Writer { tx, thread, failed }),
            Err(e) => {
                log::warn!("snapshots: no writer thread ({e}); saving on the tick instead");
                None
            }
        }
    }
}

/// Which snapshot files have unsaved changes, and the writer thread (a resource).
#[derive(Resource, Default)]
pub struct Snapshots {
    /// Per file: true while its namespace has changes not written yet. A file not listed
    /// has not been written in this run and counts as changed.
    unsaved: HashMap<PathBuf, bool>,
    writer: Option<Writer>,
    /// Files whose synchronous save failed, logged once.
    failing: Vec<PathBuf>,
}

impl Snapshots {
    /// At start: a file that holds exactly the namespace's values has nothing to save.
    pub fn at_start(data: &Dataset, specs: &[PersistSpec]) -> Snapshots {
        let mut me = Snapshots::default();
        for s in specs {
            me.unsaved
                .insert(s.file.clone(), !matches_file(data, &s.namespace, &s.file));
        }
        me
    }

    fn is_unsaved(&self, spec: &PersistSpec) -> bool {
        self.unsaved.get(&spec.file).copied().unwrap_or(true)
    }

    /// Notes the namespaces changed this tick and the saves the writer could not do.
    fn note_changes(&mut self, data: &Dataset, specs: &[PersistSpec]) {
        for key in data.changed() {
            let ns = namespace(key);
            for s in specs.iter().filter(|s| s.namespace == ns) {
                self.unsaved.insert(s.file.clone(), true);
            }
        }
        let failed = self
            .writer
            .as_ref()
            .and_then(|w| w.failed.lock().ok().map(|mut f| std::mem::take(&mut *f)))
            .unwrap_or_default();
        for f in failed {
            self.unsaved.insert(f, true);
        }
    }

    /// Hands the save of `spec` to the writer thread (or, without one, saves now).
    fn save_soon(&mut self, data: &Dataset, spec: &PersistSpec) {
        if self.writer.is_none() {
            self.writer = Writer::start();
        }
        let values = values_of(data, &spec.namespace);
        let Some(writer) = self.writer.as_ref() else {
            let result = super::persist::write_snapshot(&spec.namespace, &spec.file, values);
            let saved = report_save(result, &spec.file, &mut self.failing);
            self.unsaved.insert(spec.file.clone(), !saved);
            return;
        };
        let job = Job {
            ns: spec.namespace.clone(),
            path: spec.file.clone(),
            values,
        };
        match writer.tx.try_send(job) {
            Ok(()) => {
                self.unsaved.insert(spec.file.clone(), false);
            }
            // The writer is behind (a slow card): the next period tries again.
            Err(TrySendError::Full(_)) => {}
            Err(TrySendError::Disconnected(_)) => {
                log::warn!("snapshots: the writer thread ended; saving on the tick instead");
                self.writer = None;
            }
        }
    }

    /// Waits for the saves handed to the writer thread to be done.
    fn finish_writer(&mut self) {
        if let Some(w) = self.writer.take() {
            drop(w.tx);
            if w.thread.join().is_err() {
                log::warn!("snapshots: the writer thread panicked");
            }
            if let Ok(f) = w.failed.lock() {
                for p in f.iter() {
                    self.unsaved.insert(p.clone(), true);
                }
            }
        }
    }
}

/// Notes changes to persisted namespaces every tick and, every `every_s` seconds of
/// ticks, hands those with changes to the writer thread.
pub fn save_changed(
    tick: Res<Tick>,
    fps: Res<Fps>,
    data: Res<Dataset>,
    specs: Res<Persistence>,
    mut snaps: ResMut<Snapshots>,
) {
    snaps.note_changes(&data, &specs.0);
    for s in &specs.0 {
        let every = u64::from(s.every_s.max(1)) * u64::from(fps.0.max(1));
        if tick.0 > 0 && tick.0.is_multiple_of(every) && snaps.is_unsaved(s) {
            snaps.save_soon(&data, s);
        }
    }
}

/// Tells the runner when [`save_changed`] next has a save to hand over: the next whole
/// `every_s` of ticks of a namespace with unsaved changes (tickless idle).
pub fn plan_wake(
    tick: Res<Tick>,
    fps: Res<Fps>,
    specs: Res<Persistence>,
    snaps: Res<Snapshots>,
    mut plan: ResMut<crate::app::WakePlan>,
) {
    for s in &specs.0 {
        if snaps.is_unsaved(s) {
            let every = u64::from(s.every_s.max(1)) * u64::from(fps.0.max(1));
            plan.at((tick.0 / every + 1) * every);
        }
    }
}

/// Saves every persisted namespace with unsaved changes now, after the writer thread's
/// pending saves (at shutdown: it returns when everything is on disk).
pub fn save_all(world: &mut World) {
    let Some(mut snaps) = world.remove_resource::<Snapshots>() else {
        return;
    };
    snaps.finish_writer();
    if let (Some(data), Some(specs)) = (
        world.get_resource::<Dataset>(),
        world.get_resource::<Persistence>(),
    ) {
        for s in &specs.0 {
            if snaps.is_unsaved(s) {
                let result = super::persist::save(data, &s.namespace, &s.file);
                let saved = report_save(result, &s.file, &mut snaps.failing);
                snaps.unsaved.insert(s.file.clone(), !saved);
            }
        }
    }
    world.insert_resource(snaps);
}
