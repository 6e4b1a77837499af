//! TLS settings of a broker connection: which certificate authorities to trust and an
//! optional client certificate, read from PEM files (rustls with the ring provider).

use std::path::PathBuf;

use serde::Deserialize;

/// The system's bundle of trusted certificate authorities (Debian, Raspberry Pi OS).
pub const SYSTEM_CA_FILE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// TLS options: `tls: (ca_file: "/etc/mosquitto/ca.crt")`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct TlsConfig {
    /// PEM file of the authorities to trust (default: the system bundle).
    pub ca_file: Option<PathBuf>,
    /// PEM file of a client certificate (with `client_key`), for brokers that ask for one.
    pub client_cert: Option<PathBuf>,
    /// PEM file of the client certificate's private key.
    pub client_key: Option<PathBuf>,
}

impl TlsConfig {
    /// The authority file in use.
    pub fn ca_path(&self) -> PathBuf {
        self.ca_file
            .clone()
            .unwrap_or_else(|| PathBuf::from(SYSTEM_CA_FILE))
    }

    /// Each path relative to `dir` made absolute against it (a scene's folder).
    pub fn resolved(&self, dir: &std::path::Path) -> TlsConfig {
        let at = |p: &Option<PathBuf>| p.as_ref().map(|p| dir.join(p));
        TlsConfig {
            ca_file: at(&self.ca_file),
            client_cert: at(&self.client_cert),
            client_key: at(&self.client_key),
        }
    }

    /// A rustls client configuration from these files.
    #[cfg(any(feature = "mqtt", feature = "nats"))]
    pub fn rustls(&self) -> Result<std::sync::Arc<rustls::ClientConfig>, super::NetError> {
        use rustls::ClientConfig;
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        use std::sync::Arc;
        let ca = self.ca_path();
        let bad = |what: String, e: &dyn std::fmt::Display| {
            super::NetError::Config(format!("TLS: {what}: {e}"))
        };
        let mut roots = rustls::RootCertStore::empty();
        let certs = CertificateDer::pem_file_iter(&ca)
            .map_err(|e| bad(format!("cannot read {}", ca.display()), &e))?;
        for cert in certs {
            let cert = cert.map_err(|e| bad(format!("a certificate in {}", ca.display()), &e))?;
            roots
                .add(cert)
                .map_err(|e| bad(format!("a certificate in {}", ca.display()), &e))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad("protocol versions".to_owned(), &e))?
            .with_root_certificates(roots);
        let config = match (&self.client_cert, &self.client_key) {
            (None, None) => builder.with_no_client_auth(),
            (Some(cert), Some(key)) => {
                let chain = CertificateDer::pem_file_iter(cert)
                    .map_err(|e| bad(format!("cannot read {}", cert.display()), &e))?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| bad(format!("a certificate in {}", cert.display()), &e))?;
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| bad(format!("cannot read the key {}", key.display()), &e))?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| bad("the client certificate".to_owned(), &e))?
            }
            _ => {
                return Err(super::NetError::Config(
                    "TLS: `client_cert` and `client_key` go together".to_owned(),
                ));
            }
        };
        Ok(Arc::new(config))
    }
}

#[cfg(all(test, any(feature = "mqtt", feature = "nats")))]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_clear_errors() {
        let tls = TlsConfig {
            ca_file: Some(PathBuf::from("/nonexistent/ca.pem")),
            ..TlsConfig::default()
        };
        let err = tls.rustls().map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
        let half = TlsConfig {
            client_cert: Some(PathBuf::from("c.pem")),
            ..TlsConfig::default()
        };
        if std::path::Path::new(SYSTEM_CA_FILE).exists() {
            let err = half.rustls().map(|_| ()).unwrap_err().to_string();
            assert!(err.contains("go together"), "{err}");
        }
    }
}
