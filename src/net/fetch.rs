//! The HTTP(S) client shared by the Http source and images from URLs: ureq with rustls
//! (the Mozilla roots, or the roots of a CA file for a self-signed server), a global
//! timeout, and a cap on the body read. A build without the `http` feature has no client:
//! every fetch fails saying so.

use std::path::PathBuf;

#[cfg(not(feature = "http"))]
mod absent;
#[cfg(feature = "http")]
mod client;

#[cfg(not(feature = "http"))]
pub use absent::{Agent, agent, get_bytes};
#[cfg(feature = "http")]
pub use client::{Agent, agent, get_bytes, read_ca_file};

/// Why a client could not be set up or a fetch failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    /// The CA file could not be read or holds no certificate.
    #[error("CA file {}: {message}", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The request failed (connection, TLS, timeout, body too large).
    #[error("GET {url}: {message}")]
    Request {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The server answered with a status outside 2xx.
    #[error("GET {url}: status {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// This build was made without the `http` feature: it has no HTTP client.
    #[error("{}", crate::features::lacking("fetching URLs", "http"))]
    NotBuilt,
}
