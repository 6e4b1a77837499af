//! The NATS source: subscribes to subjects (async-nats, on the shared runtime) and maps
//! each message to dataset keys like the MQTT source does (see [`super::mapping`]; NATS
//! wildcards are `*` for one token and `>` for the rest).
//!
//! A lost connection ends the session with an error, so the source runner reports it in
//! `_source.<name>.*` and reconnects with the source's backoff; the values already in the
//! dataset stay meanwhile. Credentials (user and password, token, or a `.creds` file) come
//! from environment variables or files, never from the scene itself.

use std::path::PathBuf;

use async_nats::Event;
use futures_util::StreamExt;
use serde::Deserialize;

use super::broker::{broker_error, run_session};
use super::mapping::{NATS, Router, Subscription};
use crate::net::auth::NatsAuth;
use crate::net::nats::{SCHEMES, connect_options};
use crate::net::tls::TlsConfig;
use crate::net::url::BrokerUrl;
use crate::source::{SourceError, StreamSource, Value, join_key};

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
    /// A file whose first line is the password.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// The environment variable holding an authentication token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// A file whose first line is the token.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// The environment variable holding an NKey seed.
    #[serde(default)]
    pub nkey_env: Option<String>,
    /// A file whose first line is an NKey seed.
    #[serde(default)]
    pub nkey_file: Option<PathBuf>,
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
    /// The credentials and TLS of these settings.
    pub fn auth(&self) -> NatsAuth {
        NatsAuth {
            user: self.user.clone(),
            password_env: self.password_env.clone(),
            password_file: self.password_file.clone(),
            token_env: self.token_env.clone(),
            token_file: self.token_file.clone(),
            nkey_env: self.nkey_env.clone(),
            nkey_file: self.nkey_file.clone(),
            creds_file: self.creds_file.clone(),
            tls: self.tls.clone(),
        }
    }

    /// Settings for `url` with these subscriptions and every default.
    pub fn new(url: &str, subscriptions: Vec<Subscription>) -> Self {
        Self {
            url: url.to_owned(),
            subscriptions,
            namespace: default_namespace(),
            user: None,
            password_env: None,
            password_file: None,
            token_env: None,
            token_file: None,
            nkey_env: None,
            nkey_file: None,
            creds_file: None,
            tls: None,
        }
    }
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
        let opts = connect_options(&self.name, &self.url, &c.auth())
            .await?
            // The runner reconnects, with the source's backoff.
            .max_reconnects(Some(0))
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
        stop: &crate::source::Stop,
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

impl crate::source::kind::SourceKind for NatsKind {
    const NAME: &'static str = "Nats";
    type Config = NatsConfig;

    fn start(
        c: &NatsConfig,
        name: &str,
        policy: crate::source::Policy,
        tx: std::sync::mpsc::Sender<crate::source::Message>,
    ) -> Result<crate::source::SourceHandle, crate::source::SourceError> {
        let source = NatsSource::new(c.clone(), name)?;
        Ok(crate::source::spawn_stream(
            name,
            Box::new(source),
            policy,
            tx,
        ))
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
