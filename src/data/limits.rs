//! The scene's resource limits (`limits: (...)`): how much the dataset may hold, how big
//! widget layers and images may be, how much work one template may do. Every limit has a
//! default that suits a small board (a 1 GB Raspberry Pi) running for months.

use serde::Deserialize;

pub use crate::source::size::json_bytes;

/// Default largest value in the dataset (its JSON text), 64 KiB.
pub const DEFAULT_VALUE_BYTES: usize = 64 * 1024;
/// Default bytes of past values kept per key, 256 KiB.
pub const DEFAULT_HISTORY_BYTES: usize = 256 * 1024;
/// Default most keys per namespace.
pub const DEFAULT_NAMESPACE_KEYS: usize = 10_000;
/// Default most keys in the whole dataset, every namespace (`_` ones too) together.
pub const DEFAULT_DATASET_KEYS: usize = 100_000;
/// Default most bytes (keys, values and their histories, as JSON text) in the whole
/// dataset: 64 MiB.
pub const DEFAULT_DATASET_BYTES: usize = 64 * 1024 * 1024;
/// Default largest widget layer (canvas, rectangle, text box …), in pixels: 4096².
pub const DEFAULT_LAYER_PIXELS: u64 = 4096 * 4096;
/// Default largest image file, in pixels, checked in the file's header before decoding.
pub const DEFAULT_IMAGE_PIXELS: u64 = 4096 * 4096;
/// Default template fuel (minijinja's unit of work) per evaluation.
pub const DEFAULT_TEMPLATE_FUEL: u64 = 50_000;
/// Deepest bracket nesting a scene file may have (about 20 canvases inside each other).
pub const MAX_NESTING: usize = 40;

/// `limits: (value_bytes: 65536, history_bytes: 262144, ...)` in a scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest value a key may hold (bytes of its JSON text); a larger one is refused and
    /// the last good value stays.
    pub value_bytes: usize,
    /// Bytes of past values kept per key (the oldest go first), on top of `data.history`.
    pub history_bytes: usize,
    /// Most keys one namespace may have; new keys past it are refused.
    pub namespace_keys: usize,
    /// Most keys the whole dataset may have, every namespace together (`_`-prefixed ones
    /// included); new keys past it are refused.
    pub dataset_keys: usize,
    /// Most bytes the whole dataset may hold (keys, values and histories, as JSON text);
    /// a new key or a larger value that does not fit is refused, and a changed key gives
    /// up its oldest past values before the dataset grows past it.
    pub dataset_bytes: usize,
    /// Largest widget layer in pixels (width × height); larger widgets are refused at load
    /// and content that would grow past it at run time is cut.
    pub layer_pixels: u64,
    /// Largest image (width × height in its file's header); larger files are refused
    /// without being decoded.
    pub image_pixels: u64,
    /// Work one template or expression evaluation may do (minijinja fuel); past it, the
    /// evaluation fails and the fallback shows.
    pub template_fuel: u64,
    /// Megabytes the scene may need at most by `check`'s memory plan (0, the default: no
    /// budget); `check` fails when the plan is over it.
    pub memory_mb: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            value_bytes: DEFAULT_VALUE_BYTES,
            history_bytes: DEFAULT_HISTORY_BYTES,
            namespace_keys: DEFAULT_NAMESPACE_KEYS,
            dataset_keys: DEFAULT_DATASET_KEYS,
            dataset_bytes: DEFAULT_DATASET_BYTES,
            layer_pixels: DEFAULT_LAYER_PIXELS,
            image_pixels: DEFAULT_IMAGE_PIXELS,
            template_fuel: DEFAULT_TEMPLATE_FUEL,
            memory_mb: 0,
        }
    }
}
