//! The MQTT source: subscribes to topic filters on a broker (rumqttc, on the shared
//! runtime) and maps each message to dataset keys (see [`super::mapping`]).
//!
//! Retained messages arrive on connect, so a display shows the last known state at once.
//! A dropped connection ends the session with an error; the source runner reports it in
//! `_source.<name>.*` and reconnects with the source's backoff, and the values already in
//! the dataset stay on screen meanwhile. With `status_topic` the source publishes `online`
//! (retained) on connect and leaves a last will of `offline`, so others see the display go.
//!
//! A message larger than the source's `max_output_bytes` is refused on its own (health
//! and a throttled log) and the connection stays; only a packet over [`crate::net::mqtt::MAX_PACKET_BYTES`]
//! makes the client drop the connection (it would have to be held whole in memory).

use rumqttc::{AsyncClient, Event, LastWill, Packet, QoS};
use serde::Deserialize;

use super::broker::{broker_error, run_session};
use super::mapping::{MQTT, Router, Subscription};
use crate::net::auth::MqttAuth;
use crate::net::mqtt::{MAX_PACKET_BYTES, PACKET_OVERHEAD, SCHEMES, options};
use crate::net::tls::TlsConfig;
use crate::net::url::BrokerUrl;
use crate::source::throttle::Throttle;
use crate::source::{PROBLEM_KEY, SourceError, StreamSource, Value, join_key};

/// Settings of an MQTT source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MqttConfig {
    /// The broker (default `mqtt://127.0.0.1:1883`; `mqtts://` for TLS).
    #[serde(default = "default_url")]
    pub url: String,
    /// What to subscribe to and how each message becomes keys.
    pub subscriptions: Vec<Subscription>,
    /// Key prefix (default `mqtt`).
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Quality of service of the subscriptions, 0, 1 or 2 (default 1).
    #[serde(default = "default_qos")]
    pub qos: u8,
    /// The client id (default `tinydisplay-<source name>-<process id>`).
    #[serde(default)]
    pub client_id: Option<String>,
    /// User name for the broker.
    #[serde(default)]
    pub username: Option<String>,
    /// The environment variable holding the password (never the password itself).
    #[serde(default)]
    pub password_env: Option<String>,
    /// A file whose first line is the password (instead of `password_env`).
    #[serde(default)]
    pub password_file: Option<std::path::PathBuf>,
    /// TLS options (TLS is on with `mqtts://` or when this is given).
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// Seconds between keep-alive pings (default 30, at least 5).
    #[serde(default = "default_keep_alive")]
    pub keep_alive_s: u64,
    /// A topic that gets `online` (retained) on connect and `offline` as the last will.
    #[serde(default)]
    pub status_topic: Option<String>,
}

fn default_url() -> String {
    "mqtt://127.0.0.1:1883".to_owned()
}

fn default_namespace() -> String {
    "mqtt".to_owned()
}

fn default_qos() -> u8 {
    1
}

fn default_keep_alive() -> u64 {
    30
}

impl MqttConfig {
    /// The credentials and TLS of these settings.
    pub fn auth(&self) -> MqttAuth {
        MqttAuth {
            username: self.username.clone(),
            password_env: self.password_env.clone(),
            password_file: self.password_file.clone(),
            tls: self.tls.clone(),
        }
    }

    /// Settings for `url` with these subscriptions and every default.
    pub fn new(url: &str, subscriptions: Vec<Subscription>) -> Self {
        Self {
            url: url.to_owned(),
            subscriptions,
            namespace: default_namespace(),
            qos: default_qos(),
            client_id: None,
            username: None,
            password_env: None,
            password_file: None,
            tls: None,
            keep_alive_s: default_keep_alive(),
            status_topic: None,
        }
    }
}

/// The QoS of a number (0, 1, 2).
pub fn qos(level: u8) -> Result<QoS, SourceError> {
    match level {
        0 => Ok(QoS::AtMostOnce),
        1 => Ok(QoS::AtLeastOnce),
        2 => Ok(QoS::ExactlyOnce),
        n => Err(SourceError::Config(format!("qos {n}: use 0, 1 or 2"))),
    }
}

/// Subscribes to a broker and emits what arrives; ends with an error when the
/// connection drops (the runner reconnects with backoff).
#[derive(Debug, Clone)]
pub struct MqttSource {
    config: MqttConfig,
    url: BrokerUrl,
    router: Router,
    qos: QoS,
    client_id: String,
    max_payload: usize,
    refused: Throttle,
}

impl MqttSource {
    /// An MQTT source from its settings; `name` is the source's name in the scene.
    pub fn new(config: MqttConfig, name: &str) -> Result<Self, SourceError> {
        let url = BrokerUrl::parse(&config.url, SCHEMES)?;
        let router = Router::new(MQTT, &config.namespace, config.subscriptions.clone())?;
        let qos = qos(config.qos)?;
        let client_id = config
            .client_id
            .clone()
            .unwrap_or_else(|| format!("tinydisplay-{name}-{}", std::process::id()));
        Ok(Self {
            config,
            url,
            router,
            qos,
            client_id,
            max_payload: crate::source::policy::DEFAULT_MAX_OUTPUT_BYTES,
            refused: Throttle::default(),
        })
    }

    /// Refuses messages over `bytes` (the policy's `max_output_bytes`) one by one.
    pub fn with_payload_limit(mut self, bytes: usize) -> Self {
        self.max_payload = bytes.max(1);
        self
    }

    async fn session(
        &mut self,
        emit: &mut dyn FnMut(String, Value),
        connected: &mut bool,
    ) -> Result<(), SourceError> {
        let c = &self.config;
        let mut opts = options(&self.client_id, &self.url, &c.auth(), c.keep_alive_s)?;
        if let Some(topic) = &c.status_topic {
            opts.set_last_will(LastWill::new(topic, "offline", QoS::AtLeastOnce, true));
        }
        let packet = MAX_PACKET_BYTES.max(self.max_payload.saturating_add(PACKET_OVERHEAD));
        opts.set_max_packet_size(packet, packet);
        let capacity = c.subscriptions.len() + 16;
        let (client, mut events) = AsyncClient::new(opts, capacity);
        let what = format!("MQTT {}:{}", self.url.host, self.url.port);
        loop {
            let event = events.poll().await.map_err(|e| broker_error(&what, e))?;
            match event {
                Event::Incoming(Packet::ConnAck(_)) => {
                    for s in self.router.filters() {
                        client
                            .subscribe(s.topic.clone(), self.qos)
                            .await
                            .map_err(|e| broker_error(&what, e))?;
                    }
                    if let Some(topic) = &c.status_topic {
                        client
                            .publish(topic.clone(), QoS::AtLeastOnce, true, "online")
                            .await
                            .map_err(|e| broker_error(&what, e))?;
                    }
                    *connected = true;
                    emit(join_key(&c.namespace, "connected"), Value::Bool(true));
                }
                Event::Incoming(Packet::Publish(p)) if p.payload.len() > self.max_payload => {
                    let problem = format!(
                        "refused a message of {} bytes on {}: over the limit of {} bytes (policy max_output_bytes)",
                        p.payload.len(),
                        p.topic,
                        self.max_payload
                    );
                    if let Some(held) = self.refused.allow() {
                        if held > 0 {
                            log::warn!("{what}: {problem} ({held} more since the last report)");
                        } else {
                            log::warn!("{what}: {problem}");
                        }
                        emit(PROBLEM_KEY.to_owned(), Value::String(problem));
                    }
                }
                Event::Incoming(Packet::Publish(p)) => {
                    for (key, value) in self.router.route(&p.topic, &p.payload) {
                        emit(key, value);
                    }
                }
                _ => {}
            }
        }
    }
}

impl StreamSource for MqttSource {
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

/// The `Mqtt` source kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct MqttKind;

impl crate::source::kind::SourceKind for MqttKind {
    const NAME: &'static str = "Mqtt";
    type Config = MqttConfig;

    fn start(
        c: &MqttConfig,
        name: &str,
        policy: crate::source::Policy,
        tx: std::sync::mpsc::Sender<crate::source::Message>,
    ) -> Result<crate::source::SourceHandle, crate::source::SourceError> {
        let source = MqttSource::new(c.clone(), name)?.with_payload_limit(policy.max_output_bytes);
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
    fn config_reads_from_ron_with_defaults() {
        let c: MqttConfig = ron::from_str(
            r#"(subscriptions: [
                (topic: "homeassistant/sensor/+/state", key: "ha.{3}", payload: Number),
                (topic: "zigbee2mqtt/#", payload: Json, pointer: Some("/temperature")),
            ])"#,
        )
        .expect("valid RON");
        assert_eq!(c.url, "mqtt://127.0.0.1:1883");
        assert_eq!(c.namespace, "mqtt");
        assert_eq!(c.qos, 1);
        assert_eq!(c.subscriptions.len(), 2);
        assert!(MqttSource::new(c, "ha").is_ok());
    }

    #[test]
    fn bad_settings_are_refused() {
        let subs = vec![Subscription::new("a/#")];
        let mut c = MqttConfig::new("mqtt://127.0.0.1", subs.clone());
        c.qos = 3;
        assert!(MqttSource::new(c, "x").is_err());
        let c = MqttConfig::new("http://127.0.0.1", subs.clone());
        assert!(MqttSource::new(c, "x").is_err());
        let c = MqttConfig::new("mqtt://127.0.0.1", vec![Subscription::new("a/#/b")]);
        assert!(MqttSource::new(c, "x").is_err());
        let url = BrokerUrl::parse("mqtt://h", SCHEMES).expect("valid");
        let auth = MqttAuth {
            username: Some("u".into()),
            password_env: Some("TINYDISPLAY_TEST_UNSET_VAR".into()),
            ..MqttAuth::default()
        };
        let err = options("id", &url, &auth, 30).map(|_| ()).unwrap_err();
        assert!(
            err.to_string().contains("TINYDISPLAY_TEST_UNSET_VAR"),
            "{err}"
        );
    }
}
