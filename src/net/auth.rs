//! Who a display is to a broker: the credentials and TLS of an MQTT or NATS connection,
//! as a scene gives them (`control.mqtt_auth`, `control.nats_auth`; a source's own fields).
//! Secrets come from an environment variable or a file, never from the scene.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::NetError;
use super::secret;
use super::tls::TlsConfig;

/// MQTT credentials and TLS:
/// `(username: "display", password_file: "/etc/tinydisplay/mqtt.pw", tls: (ca_file: "ca.crt"))`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct MqttAuth {
    /// User name.
    pub username: Option<String>,
    /// The environment variable holding the password.
    pub password_env: Option<String>,
    /// A file whose first line is the password.
    pub password_file: Option<PathBuf>,
    /// TLS options (TLS is on with `mqtts://` or when this is given).
    pub tls: Option<TlsConfig>,
}

impl MqttAuth {
    /// The password, if one is given; an error when it is given without a user name or
    /// cannot be read.
    pub fn password(&self) -> Result<Option<String>, NetError> {
        let password = secret::either(
            self.password_env.as_deref(),
            self.password_file.as_deref(),
            "MQTT password",
        )?;
        if password.is_some() && self.username.is_none() {
            return Err(NetError::Config(
                "MQTT: a password (`password_env`, `password_file`) needs a `username`".into(),
            ));
        }
        Ok(password)
    }

    /// File paths made absolute against `dir` (a scene's folder).
    pub fn resolved(&self, dir: &Path) -> MqttAuth {
        MqttAuth {
            password_file: self.password_file.as_ref().map(|p| dir.join(p)),
            tls: self.tls.as_ref().map(|t| t.resolved(dir)),
            ..self.clone()
        }
    }
}

/// NATS credentials and TLS: at most one of user + password, a token, an NKey seed or a
/// `.creds` file: `(token_file: "/etc/tinydisplay/nats.token", tls: ())`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct NatsAuth {
    /// User name (with `password_env` or `password_file`).
    pub user: Option<String>,
    /// The environment variable holding the password.
    pub password_env: Option<String>,
    /// A file whose first line is the password.
    pub password_file: Option<PathBuf>,
    /// The environment variable holding an authentication token.
    pub token_env: Option<String>,
    /// A file whose first line is the token.
    pub token_file: Option<PathBuf>,
    /// The environment variable holding an NKey seed (`SU…`).
    pub nkey_env: Option<String>,
    /// A file whose first line is an NKey seed.
    pub nkey_file: Option<PathBuf>,
    /// A `.creds` file (JWT and NKey seed) for NATS accounts.
    pub creds_file: Option<PathBuf>,
    /// TLS options (TLS is required with `tls://` or when this is given).
    pub tls: Option<TlsConfig>,
}

/// How a NATS connection proves who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NatsCredentials {
    /// Nothing.
    None,
    /// User name and password.
    UserPassword(String, String),
    /// A token.
    Token(String),
    /// An NKey seed.
    NKey(String),
    /// A `.creds` file.
    CredsFile(PathBuf),
}

impl NatsAuth {
    /// The credentials given (secrets read); an error when more than one kind is given or
    /// a secret cannot be read.
    pub fn credentials(&self) -> Result<NatsCredentials, NetError> {
        let password = secret::either(
            self.password_env.as_deref(),
            self.password_file.as_deref(),
            "NATS password",
        )?;
        let token = secret::either(
            self.token_env.as_deref(),
            self.token_file.as_deref(),
            "NATS token",
        )?;
        let nkey = secret::either(
            self.nkey_env.as_deref(),
            self.nkey_file.as_deref(),
            "NATS NKey seed",
        )?;
        match (&self.user, password, token, nkey, &self.creds_file) {
            (Some(u), Some(p), None, None, None) => Ok(NatsCredentials::UserPassword(u.clone(), p)),
            (None, None, Some(t), None, None) => Ok(NatsCredentials::Token(t)),
            (None, None, None, Some(k), None) => Ok(NatsCredentials::NKey(k)),
            (None, None, None, None, Some(f)) => Ok(NatsCredentials::CredsFile(f.clone())),
            (None, None, None, None, None) => Ok(NatsCredentials::None),
            _ => Err(NetError::Config(
                "NATS: give one of `user` with a password, a token, an NKey seed or \
                 `creds_file`"
                    .into(),
            )),
        }
    }

    /// File paths made absolute against `dir` (a scene's folder).
    pub fn resolved(&self, dir: &Path) -> NatsAuth {
        let at = |p: &Option<PathBuf>| p.as_ref().map(|p| dir.join(p));
        NatsAuth {
            password_file: at(&self.password_file),
            token_file: at(&self.token_file),
            nkey_file: at(&self.nkey_file),
            creds_file: at(&self.creds_file),
            tls: self.tls.as_ref().map(|t| t.resolved(dir)),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_kind_of_nats_credentials_at_most() {
        assert_eq!(NatsAuth::default().credentials(), Ok(NatsCredentials::None));
        let both = NatsAuth {
            user: Some("u".into()),
            creds_file: Some("x.creds".into()),
            ..NatsAuth::default()
        };
        assert!(both.credentials().is_err());
        let creds = NatsAuth {
            creds_file: Some("x.creds".into()),
            ..NatsAuth::default()
        };
        assert_eq!(
            creds.resolved(Path::new("/scenes")).credentials(),
            Ok(NatsCredentials::CredsFile("/scenes/x.creds".into()))
        );
    }

    #[test]
    fn an_mqtt_password_needs_a_user_name() {
        let auth = MqttAuth {
            password_env: Some("PATH".into()),
            ..MqttAuth::default()
        };
        assert!(auth.password().is_err());
        let auth = MqttAuth {
            username: Some("u".into()),
            ..auth
        };
        assert!(auth.password().is_ok_and(|p| p.is_some()));
    }
}
