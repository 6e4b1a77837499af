//! What a scene hands the kinds when it is spawned or swapped in ([`SceneSetup`]), for
//! the scene-wide resources their widgets need: a kind adds those through its own
//! [`Kind::setup`](super::kind::Kind::setup) hook (the image kind its cache of images
//! fetched from URLs), so the scene names no kind.

use std::path::PathBuf;

/// Where files fetched from URLs are kept, and how much of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// The cache folder.
    pub dir: PathBuf,
    /// Bytes kept at most; the least recently used files go first.
    pub max_bytes: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            dir: default_cache_dir(),
            max_bytes: 32 * 1024 * 1024,
        }
    }
}

/// `$XDG_CACHE_HOME/tinydisplay/images`, else `~/.cache/tinydisplay/images`, else a
/// folder in the temporary directory.
pub fn default_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    match base {
        Some(b) => b.join("tinydisplay").join("images"),
        None => std::env::temp_dir().join("tinydisplay-images"),
    }
}

/// The scene-wide settings a scene hands every registered kind's
/// [`setup`](super::kind::Kind::setup) hook.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SceneSetup {
    /// Where images from URLs are cached (the scene's `image_cache`, its folder resolved
    /// against the scene's).
    pub image_cache: CacheConfig,
}
