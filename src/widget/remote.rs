//! Images from URLs: fetched on the shared runtime's blocking pool, never on the tick
//! thread, cached on disk by URL (oldest files dropped past a size limit) and decoded
//! there too; the widget keeps its previous picture until the new one arrives.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use bevy_ecs::prelude::*;

use super::image::{Image, Picture, decode};
use crate::net::fetch::{self, FetchError};
use crate::render::PixelMode;
use crate::render::image::ImageOptions;

/// Largest image body fetched (bytes).
pub const MAX_IMAGE_BYTES: u64 = 16 * 1024 * 1024;

/// How long one image fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(20);

pub use super::setup::{CacheConfig, default_cache_dir};

/// The cache file of a URL: a stable (FNV-1a) hash of it.
pub fn cache_path(dir: &Path, url: &str) -> PathBuf {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in url.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    dir.join(format!("{h:016x}.img"))
}

/// The cached body of `url`, fetched first if it is not cached yet.
pub fn fetch_cached(
    agent: &fetch::Agent,
    cache: &CacheConfig,
    url: &str,
) -> Result<PathBuf, FetchError> {
    let path = cache_path(&cache.dir, url);
    if path.is_file() {
        // Used now: the last to be dropped.
        if let Ok(f) = std::fs::File::options().append(true).open(&path) {
            let _ = f.set_modified(std::time::SystemTime::now());
        }
        return Ok(path);
    }
    let body = fetch::get_bytes(agent, url, MAX_IMAGE_BYTES)?;
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&cache.dir)?;
        let tmp = path.with_extension("part");
        std::fs::write(&tmp, &body)?;
        std::fs::rename(&tmp, &path)
    };
    if let Err(e) = write() {
        // A cache that cannot be written still shows the picture: from a temporary file.
        log::warn!("image cache {}: {e}", cache.dir.display());
        let tmp = std::env::temp_dir().join(format!("tinydisplay-{}.img", std::process::id()));
        std::fs::write(&tmp, &body).map_err(|e| FetchError::Request {
            url: url.to_string(),
            message: e.to_string(),
        })?;
        return Ok(tmp);
    }
    prune(cache, &path);
    Ok(path)
}

/// Drops the least recently used cache files until the cache fits its limit (never `keep`).
fn prune(cache: &CacheConfig, keep: &Path) {
    let Ok(dir) = std::fs::read_dir(&cache.dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = dir
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "img"))
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            Some((m.modified().ok()?, m.len(), e.path()))
        })
        .collect();
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    files.sort();
    for (_, len, path) in files {
        if total <= cache.max_bytes {
            break;
        }
        if path != keep && std::fs::remove_file(&path).is_ok() {
            total = total.saturating_sub(len);
        }
    }
}

/// A fetched and decoded picture (or why not) for an image widget.
struct Fetched {
    entity: Entity,
    url: String,
    result: Result<Picture, String>,
}

/// The fetches in flight and the channel their results come back on.
#[derive(Resource)]
pub struct RemoteImages {
    cache: CacheConfig,
    tx: Sender<Fetched>,
    rx: Mutex<Receiver<Fetched>>,
    asked: HashSet<(Entity, String)>,
    failed: HashMap<(Entity, String), (Instant, Duration)>,
    agent: Option<fetch::Agent>,
}

impl RemoteImages {
    /// Fetches into the cache `cache`.
    pub fn new(cache: CacheConfig) -> RemoteImages {
        let (tx, rx) = channel();
        RemoteImages {
            cache,
            tx,
            rx: Mutex::new(rx),
            asked: HashSet::new(),
            failed: HashMap::new(),
            agent: None,
        }
    }

    /// The cache settings.
    pub fn cache(&self) -> &CacheConfig {
        &self.cache
    }

    fn start(&mut self, entity: Entity, url: &str, opts: ImageOptions, mode: PixelMode, fps: u32) {
        let agent = match &self.agent {
            Some(a) => a.clone(),
            None => match fetch::agent(FETCH_TIMEOUT, None) {
                Ok(a) => self.agent.insert(a).clone(),
                Err(e) => {
                    log::warn!("image {url}: {e}");
                    return;
                }
            },
        };
        let handle = match crate::runtime::try_handle() {
            Ok(h) => h,
            Err(e) => {
                log::warn!("image {url}: {e}");
                return;
            }
        };
        let (cache, tx, url) = (self.cache.clone(), self.tx.clone(), url.to_string());
        handle.spawn_blocking(move || {
            let result = fetch_cached(&agent, &cache, &url)
                .map_err(|e| e.to_string())
                .and_then(|path| {
                    decode(&path, &opts, mode, fps).map_err(|e| {
                        // Not a picture: fetch it afresh next time rather than keep it.
                        let _ = std::fs::remove_file(&path);
                        e.to_string()
                    })
                });
            let _ = tx.send(Fetched {
                entity,
                url,
                result,
            });
        });
    }
}

impl Default for RemoteImages {
    fn default() -> Self {
        RemoteImages::new(CacheConfig::default())
    }
}

/// First wait before a failed URL is fetched again; it doubles up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(2);

/// Longest wait between fetches of a failing URL.
pub const MAX_RETRY: Duration = Duration::from_secs(300);

/// Whether [`fetch_remote_images`] has anything to do: a fetch in flight, a failed one to
/// retry, or an image that changed (it may now wait for a URL).
pub fn fetches_to_tend(
    remote: Option<Res<RemoteImages>>,
    changed: Query<(), Changed<Image>>,
) -> bool {
    remote.is_some_and(|r| !r.asked.is_empty() || !r.failed.is_empty() || !changed.is_empty())
}

/// While a fetch is in flight or a failed one waits to be tried again, the runner wakes
/// every tick (to show what arrives; tickless idle).
pub fn plan_wake(remote: Option<Res<RemoteImages>>, mut plan: ResMut<crate::app::WakePlan>) {
    if remote.is_some_and(|r| !r.asked.is_empty() || !r.failed.is_empty()) {
        plan.every_tick();
    }
}

/// Starts a fetch for every image waiting for a URL, and shows what has arrived. A failed
/// fetch keeps the previous picture (logged) and is tried again with backoff.
pub fn fetch_remote_images(
    remote: Option<ResMut<RemoteImages>>,
    mut q: Query<(Entity, &mut Image)>,
) {
    let Some(mut remote) = remote else { return };
    let arrived: Vec<Fetched> = match remote.rx.lock() {
        Ok(rx) => rx.try_iter().collect(),
        Err(_) => Vec::new(),
    };
    for f in arrived {
        let id = (f.entity, f.url.clone());
        remote.asked.remove(&id);
        let Ok((_, mut img)) = q.get_mut(f.entity) else {
            continue;
        };
        if img.remote.as_deref() != Some(f.url.as_str()) {
            continue; // another picture was asked for meanwhile
        }
        match f.result {
            Ok(picture) => {
                remote.failed.remove(&id);
                img.remote = None;
                img.arrived(&f.url, None, picture);
            }
            Err(e) => {
                let wait = remote
                    .failed
                    .get(&id)
                    .map_or(FIRST_RETRY, |(_, w)| (*w * 2).min(MAX_RETRY));
                log::warn!(
                    "image {}: {e}; keeping the previous picture, trying again in {}s",
                    f.url,
                    wait.as_secs()
                );
                remote.failed.insert(id, (Instant::now() + wait, wait));
            }
        }
    }
    let now = Instant::now();
    for (entity, img) in &q {
        let Some(url) = &img.remote else { continue };
        let id = (entity, url.clone());
        let waiting = remote.failed.get(&id).is_some_and(|(at, _)| now < *at);
        if !waiting && !remote.asked.contains(&id) {
            remote.asked.insert(id);
            let (url, opts) = (url.clone(), img.opts.clone());
            remote.start(entity, &url, opts, img.mode, img.fps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_to_its_limit_dropping_the_oldest() {
        let dir = std::env::temp_dir().join(format!("tinydisplay-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let cache = CacheConfig {
            dir: dir.clone(),
            max_bytes: 250,
        };
        let old = std::time::SystemTime::now() - Duration::from_secs(100);
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            let p = cache_path(&dir, name);
            std::fs::write(&p, [0u8; 100]).unwrap();
            let f = std::fs::File::options().append(true).open(&p).unwrap();
            f.set_modified(old + Duration::from_secs(i as u64)).unwrap();
        }
        prune(&cache, &cache_path(&dir, "c"));
        assert!(!cache_path(&dir, "a").exists(), "the oldest goes");
        assert!(cache_path(&dir, "b").exists());
        assert!(cache_path(&dir, "c").exists());
        assert_ne!(cache_path(&dir, "a"), cache_path(&dir, "b"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
