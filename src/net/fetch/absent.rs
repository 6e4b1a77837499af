//! No HTTP client: the build was made without the `http` feature.

use std::path::Path;
use std::time::Duration;

use super::FetchError;

/// An HTTP client, of which this build has none ([`agent`] never makes one).
#[derive(Debug, Clone)]
pub struct Agent(());

/// Always fails: this build has no HTTP client.
pub fn agent(_timeout: Duration, _ca_file: Option<&Path>) -> Result<Agent, FetchError> {
    Err(FetchError::NotBuilt)
}

/// Always fails: this build has no HTTP client.
pub fn get_bytes(_agent: &Agent, _url: &str, _limit: u64) -> Result<Vec<u8>, FetchError> {
    Err(FetchError::NotBuilt)
}
