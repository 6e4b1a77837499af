//! MQTT client options (rumqttc) from a broker URL and [`MqttAuth`]: address, keep-alive,
//! credentials and TLS; the packet limits every MQTT connection here reads with.

use std::time::Duration;

use rumqttc::{ConnectionError, MqttOptions, StateError, TlsConfiguration, Transport};

use super::NetError;
use super::auth::MqttAuth;
use super::url::BrokerUrl;

/// Accepted URL schemes and their default ports (`mqtts` is MQTT over TLS).
pub const SCHEMES: &[(&str, u16)] = &[
    ("mqtt", 1883),
    ("tcp", 1883),
    ("mqtts", 8883),
    ("ssl", 8883),
];

/// Bytes of an MQTT packet besides its payload (header, topic) allowed on top of a
/// payload limit.
pub const PACKET_OVERHEAD: usize = 64 * 1024;
/// Largest packet an MQTT connection reads at all (16 MiB, rumqttc's own default is
/// 10 KiB): a message up to it is read and, when over a payload limit, refused on its
/// own; a larger packet ends the connection, since the client holds a packet whole.
pub const MAX_PACKET_BYTES: usize = 16 * 1024 * 1024;

/// The size of the packet, when `e` is the client refusing one over its maximum.
pub fn oversized(e: &ConnectionError) -> Option<usize> {
    match e {
        ConnectionError::MqttState(StateError::Deserialization(
            rumqttc::mqttbytes::Error::PayloadSizeLimitExceeded(n),
        )) => Some(*n),
        _ => None,
    }
}

/// Client options for a broker URL: address, keep-alive (at least 5 s), credentials and
/// TLS (on with `mqtts://`/`ssl://` or when `auth.tls` is given).
pub fn options(
    client_id: &str,
    url: &BrokerUrl,
    auth: &MqttAuth,
    keep_alive_s: u64,
) -> Result<MqttOptions, NetError> {
    let mut opts = MqttOptions::new(client_id, url.host.clone(), url.port);
    opts.set_keep_alive(Duration::from_secs(keep_alive_s.max(5)));
    opts.set_clean_session(true);
    let password = auth.password()?;
    if let Some(user) = &auth.username {
        opts.set_credentials(user, password.unwrap_or_default());
    }
    let wants_tls = matches!(url.scheme.as_str(), "mqtts" | "ssl") || auth.tls.is_some();
    if wants_tls {
        let config = auth.tls.clone().unwrap_or_default().rustls()?;
        opts.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(config)));
    }
    Ok(opts)
}
