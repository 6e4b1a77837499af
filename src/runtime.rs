//! The one async runtime for everything that talks to the outside world off the tick
//! thread (networked sources, broker clients, the HTTP server).
//!
//! It is created on first use with two worker threads, which is plenty for a handful of
//! sockets on a Pi, and lives until the process ends. Nothing inside the tick awaits on
//! it: tasks hand their results over channels that the tick drains at `Ingest`.
//!
//! ```
//! let handle = tinydisplay::runtime::handle();
//! let answer = handle.block_on(async { 6 * 7 });
//! assert_eq!(answer, 42);
//! ```

use std::sync::OnceLock;

use tokio::runtime::{Builder, Handle, Runtime};

static RUNTIME: OnceLock<Result<Runtime, RuntimeError>> = OnceLock::new();

/// Why the runtime could not be started (the OS refused threads or an event loop).
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot start the async runtime: {0}")]
pub struct RuntimeError(pub String);

/// The shared runtime's handle, starting the runtime on first use.
pub fn try_handle() -> Result<Handle, RuntimeError> {
    let runtime = RUNTIME.get_or_init(|| {
        Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tinydisplay-io")
            .enable_all()
            .build()
            .map_err(|e| RuntimeError(e.to_string()))
    });
    match runtime {
        Ok(rt) => Ok(rt.handle().clone()),
        Err(e) => Err(e.clone()),
    }
}

/// The shared runtime's handle; panics only if the OS cannot start two threads at all.
pub fn handle() -> Handle {
    match try_handle() {
        Ok(h) => h,
        Err(e) => panic!("{e}"),
    }
}
