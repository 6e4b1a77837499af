//! The NATS source: subscribes to subjects (async-nats, on the shared runtime) and maps
//! each message to dataset keys like the MQTT source does (see [`super::mapping`]; NATS
//! wildcards are `*` for one token and `>` for the rest).
//!
//! A lost connection ends the session with an error, so the source runner reports it in
//! `_source.<name>.*` and reconnects with the source's backoff; the values already in the
//! dataset stay meanwhile. Credentials (user and password, token, or a `.creds` file) come
//! from environment variables or files, never from the scene itself.

use std::path::PathBuf;
use std::time::Duration;

use async_nats::{ConnectOptions, Event};
use futures_util::StreamExt;
use serde::Deserialize;

use super::broker::{BrokerUrl, broker_error, run_session, secret};
use super::mapping::{NATS, Router, Subscription};
use super::tls::TlsConfig;
use super::{SourceError, StreamSource, Value, join_key};

/// Accepted URL schemes and their default ports (`tls` asks for TLS).
pub const SCHEMES: &[(&str, u16)] = &[("nats", 4222), ("tls", 4222)];

/// Settings of a NATS source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NatsConfig {
    /// The server (default `nats://127.0.0.1:4222`; `tls://` for TLS).
    #[serde(default = "default_url")]
    pub url: String,
    /// What to subscribe to (`topic` is the subject) and how each message becomes keys.
    pub subscriptions: Vec<Subscription>,
    /// Key prefix (default `nats`).
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// User name (with `password_env`).
    #[serde(default)]
    pub user: Option<String>,
    /// The environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// The environment variable holding an authentication token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// A `.creds` file (JWT and NKey seed) for NATS accounts.
    #[serde(default)]
    pub creds_file: Option<PathBuf>,
    /// TLS options (TLS is required with `tls://` or when this is given).
    #[serde(default)]
    pub tls: Option<TlsConfig>,
}

fn default_url() -> String {
    "nats://127.0.0.1:4222".to_owned()
}

fn default_namespace() -> String {
    "nats".to_owned()
}

impl NatsConfig {
    /// Settings for `url` with these subscriptions and every default.
    pub fn new(url: &str, subscriptions: Vec<Subscription>) -> Self {
        Self {
            url: url.to_owned(),
            subscriptions,
            namespace: default_namespace(),
            user: None,
            password_env: None,
            token_env: None,
            creds_file: None,
            tls: None,
        }
    }
}

/// Connection options from credentials and TLS settings (shared with the control surface).
pub async fn connect_options(
    name: &str,
    url: &BrokerUrl,
    user: Option<&str>,
    password_env: Option<&str>,
    token_env: Option<&str>,
    creds_file: Option<&PathBuf>,
    tls: Option<&TlsConfig>,
) -> Result<ConnectOptions, SourceError> {
    let mut opts = match (user, password_env, token_env, creds_file) {
        (Some(u), Some(p), None, None) => {
            ConnectOptions::with_user_and_password(u.to_owned(), secret(p, "NATS password")?)
        }
        (None, None, Some(t), None) => ConnectOptions::with_token(secret(t, "NATS token")?),
        (None, None, None, Some(path)) => ConnectOptions::with_credentials_file(path.clone())
            .await
            .map_err(|e| {
                SourceError::Config(format!("NATS credentials {}: {e}", path.display()))
            })?,
        (None, None, None, None) => ConnectOptions::new(),
        _ => {
            return Err(SourceError::Config(
                "NATS: give one of `user` + `password_env`, `token_env` or `creds_file`".to_owned(),
            ));
        }
    };
    opts = opts
        .name(name)
        .connection_timeout(Duration::from_secs(5))
        .max_reconnects(Some(0));
    if url.scheme == "tls" || tls.is_some() {
        let tls = tls.cloned().unwrap_or_default();
        opts = opts.require_tls(true).add_root_certificates(tls.ca_path());
        if let (Some(cert), Some(key)) = (tls.client_cert, tls.client_key) {
            opts = opts.add_client_certificate(cert, key);
        }
    }
    Ok(opts)
}

/// Subscribes to subjects and emits what arrives; ends with an error when the
/// connection drops (the runner reconnects with backoff).
#[derive(Debug, Clone)]
pub struct NatsSource {
    config: NatsConfig,
    url: BrokerUrl,
    router: Router,
    name: String,
}

impl NatsSource {
    /// A NATS source from its settings; `name` is the source's name in the scene.
    pub fn new(config: NatsConfig, name: &str) -> Result<Self, SourceError> {
        let url = BrokerUrl::parse(&config.url, SCHEMES)?;
        let router = Router::new(NATS, &config.namespace, config.subscriptions.clone())?;
        Ok(Self {
            config,
            url,
            router,
            name: format!("tinydisplay-{name}"),
        })
    }

    async fn session(
        &self,
        emit: &mut dyn FnMut(String, Value),
        connected: &mut bool,
    ) -> Result<(), SourceError> {
        let c = &self.config;
        let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
        let opts = connect_options(
            &self.name,
            &self.url,
            c.user.as_deref(),
            c.password_env.as_deref(),
            c.token_env.as_deref(),
            c.creds_file.as_ref(),
            c.tls.as_ref(),
        )
        .await?
        .event_callback(move |event| {
            let tx = events_tx.clone();
            async move {
                let _ = tx.send(event);
            }
        });
        let what = format!("NATS {}:{}", self.url.host, self.url.port);
        let address = format!("nats://{}:{}", self.url.host, self.url.port);
        let client = opts
            .connect(address.as_str())
            .await
            .map_err(|e| broker_error(&what, e))?;
        let mut subscribers = Vec::new();
        for s in self.router.filters() {
            let sub = client
                .subscribe(s.topic.clone())
                .await
                .map_err(|e| broker_error(&what, e))?;
            subscribers.push(sub);
        }
        client.flush().await.map_err(|e| broker_error(&what, e))?;
        *connected = true;
        emit(join_key(&c.namespace, "connected"), Value::Bool(true));
        let mut messages = futures_util::stream::select_all(subscribers);
        loop {
            tokio::select! {
                message = messages.next() => match message {
                    Some(m) => {
                        for (key, value) in self.router.route(m.subject.as_str(), &m.payload) {
                            emit(key, value);
                        }
                    }
                    None => return Err(broker_error(&what, "the subscriptions ended")),
                },
                event = events.recv() => match event {
                    Some(Event::Disconnected) | Some(Event::Closed) | None => {
                        return Err(broker_error(&what, "the connection was lost"));
                    }
                    Some(other) => log::debug!("{what}: {other}"),
                },
            }
        }
    }
}

impl StreamSource for NatsSource {
    fn run(
        &mut self,
        emit: &mut dyn FnMut(String, Value),
        stop: &super::Stop,
    ) -> Result<(), SourceError> {
        let mut connected = false;
        let result = run_session(stop, self.session(emit, &mut connected));
        super::broker::report_lost(&self.config.namespace, connected, &result, emit);
        result
    }
}

/// The `Nats` source kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct NatsKind;

impl super::kind::SourceKind for NatsKind {
    const NAME: &'static str = "Nats";
    type Config = NatsConfig;

    fn start(
        c: &NatsConfig,
        name: &str,
        policy: super::Policy,
        tx: std::sync::mpsc::Sender<super::Message>,
    ) -> Result<super::SourceHandle, super::SourceError> {
        let source = NatsSource::new(c.clone(), name)?;
        Ok(super::spawn_stream(name, Box::new(source), policy, tx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_reads_from_ron_and_checks_subjects() {
        let c: NatsConfig = ron::from_str(
            r#"(url: "nats://127.0.0.1:4222", subscriptions: [(topic: "sensors.*.temp", key: "{2}")])"#,
        )
        .expect("valid RON");
        assert_eq!(c.namespace, "nats");
        assert!(NatsSource::new(c, "n").is_ok());
        let bad = NatsConfig::new("nats://h", vec![Subscription::new("a.>.b")]);
        assert!(NatsSource::new(bad, "n").is_err());
    }
}
