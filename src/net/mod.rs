//! Connections to brokers, shared by the data sources and the control surfaces: broker
//! URLs, secrets read from an environment variable or a file, TLS from PEM files, and the
//! MQTT and NATS client options built from them.
//!
//! The settings ([`auth::MqttAuth`], [`auth::NatsAuth`], [`tls::TlsConfig`]) are plain
//! data any build can read from a scene; turning them into client options needs the
//! `mqtt` or `nats` feature.
//!
//! ```
//! use tinydisplay::net::url::BrokerUrl;
//!
//! let url = BrokerUrl::parse("mqtts://broker.lan", &[("mqtt", 1883), ("mqtts", 8883)])
//!     .expect("a broker URL");
//! assert_eq!((url.host.as_str(), url.port), ("broker.lan", 8883));
//! ```

pub mod auth;
pub mod fetch;
#[cfg(feature = "mqtt")]
pub mod mqtt;
#[cfg(feature = "nats")]
pub mod nats;
pub mod secret;
pub mod tls;
pub mod url;

/// Why a broker connection could not be set up (before any network traffic).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// A URL, secret, credential or TLS setting that cannot be used, and why.
    #[error("{0}")]
    Config(String),
}
