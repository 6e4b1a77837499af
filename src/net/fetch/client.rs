//! The ureq client (the `http` feature).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub use ureq::Agent;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

use super::FetchError;

/// Reads the certificates of a PEM file (one or more `BEGIN CERTIFICATE` blocks).
pub fn read_ca_file(path: &Path) -> Result<Vec<Certificate<'static>>, FetchError> {
    let bad = |message: String| FetchError::CaFile {
        path: path.to_path_buf(),
        message,
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(bad(e.to_string())),
        }
    }
    if certs.is_empty() {
        return Err(bad("no certificate in it".into()));
    }
    Ok(certs)
}

/// An agent whose requests give up after `timeout`, trusting the roots of `ca_file` if
/// given (else the bundled Mozilla roots). Statuses outside 2xx are answers, not errors.
pub fn agent(timeout: Duration, ca_file: Option<&Path>) -> Result<Agent, FetchError> {
    let roots = match ca_file {
        Some(path) => RootCerts::Specific(Arc::new(read_ca_file(path)?)),
        None => RootCerts::WebPki,
    };
    Ok(Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .user_agent(concat!("tinydisplay/", env!("CARGO_PKG_VERSION")))
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .build()
        .into())
}

/// GETs `url` and returns its body, at most `limit` bytes (a larger body is an error).
pub fn get_bytes(agent: &Agent, url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
    let failed = |e: ureq::Error| FetchError::Request {
        url: url.to_string(),
        message: e.to_string(),
    };
    let mut response = agent.get(url).call().map_err(failed)?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(FetchError::Status {
            url: url.to_string(),
            status,
        });
    }
    response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(failed)
}
