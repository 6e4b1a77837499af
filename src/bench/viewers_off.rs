//! The stand-in for the web preview viewers in a build without the `http` feature:
//! nothing is served, nothing is streamed (`bench --viewers` is refused before).

use bevy_app::App;

/// What the viewers received: nothing.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Streamed {
    /// Bytes the server counted as sent.
    pub bytes: u64,
    /// Frame events received, all viewers.
    pub frames: u64,
}

/// No preview: this build has no HTTP server.
pub(super) struct Preview;

impl Preview {
    /// Serves nothing; says so.
    pub(super) fn start(_app: &mut App, _n: usize, _preview_fps: u32) -> Preview {
        log::error!(
            "bench: {}",
            crate::features::lacking("serving the preview", "http")
        );
        Preview
    }

    /// The viewers' thread ids: none.
    pub(super) fn viewer_tids(&self) -> impl Iterator<Item = u64> + '_ {
        std::iter::empty()
    }

    /// Tells what was streamed: nothing.
    pub(super) fn stop(self) -> Streamed {
        Streamed::default()
    }
}
