//! NATS connection options (async-nats) from a broker URL and [`NatsAuth`]: credentials
//! and TLS.

use std::time::Duration;

use async_nats::ConnectOptions;

use super::NetError;
use super::auth::{NatsAuth, NatsCredentials};
use super::url::BrokerUrl;

/// Accepted URL schemes and their default ports (`tls` asks for TLS).
pub const SCHEMES: &[(&str, u16)] = &[("nats", 4222), ("tls", 4222)];

/// Connection options named `name` with the credentials and TLS of `auth` (TLS required
/// with `tls://` or when `auth.tls` is given); a connection attempt gives up after 5 s.
pub async fn connect_options(
    name: &str,
    url: &BrokerUrl,
    auth: &NatsAuth,
) -> Result<ConnectOptions, NetError> {
    let mut opts = match auth.credentials()? {
        NatsCredentials::UserPassword(u, p) => ConnectOptions::with_user_and_password(u, p),
        NatsCredentials::Token(t) => ConnectOptions::with_token(t),
        NatsCredentials::NKey(seed) => ConnectOptions::with_nkey(seed),
        NatsCredentials::CredsFile(path) => ConnectOptions::with_credentials_file(path.clone())
            .await
            .map_err(|e| NetError::Config(format!("NATS credentials {}: {e}", path.display())))?,
        NatsCredentials::None => ConnectOptions::new(),
    };
    opts = opts.name(name).connection_timeout(Duration::from_secs(5));
    if url.scheme == "tls" || auth.tls.is_some() {
        let tls = auth.tls.clone().unwrap_or_default();
        opts = opts.require_tls(true).add_root_certificates(tls.ca_path());
        if let (Some(cert), Some(key)) = (tls.client_cert, tls.client_key) {
            opts = opts.add_client_certificate(cert, key);
        }
    }
    Ok(opts)
}

/// The address async-nats connects to (`nats://host:port`; TLS comes from the options).
pub fn address(url: &BrokerUrl) -> String {
    format!("nats://{}:{}", url.host, url.port)
}
