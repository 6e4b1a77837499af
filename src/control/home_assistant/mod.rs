//! Home Assistant MQTT discovery: the display announces itself to HA as a device with
//! controls (page select, contrast, panel switch, next/previous/reload buttons), sensors
//! (fps, ticks late, each source's connectivity) and `text` entities for the dataset
//! keys the scene names, and acts on what HA sends — every command goes through the one
//! control command set, like every other surface.
//!
//! It runs beside the MQTT control surface (whose retained `tinydisplay/<name>/state`
//! and last will give HA the availability) on a connection of its own:
//!
//! - on connect it publishes every config retained ([`discovery`]), subscribes to its
//!   command topics and to its own config topics: a retained config it no longer has
//!   (a source or text key gone since the last run) is cleared with an empty retained
//!   message;
//! - when a scene is swapped in (reload) it announces the new catalogue and clears the
//!   configs of entities that went ([`catalogue`]);
//! - it publishes the state its entities read, retained, on `tinydisplay/<name>/ha/state`
//!   at once when the page, contrast, sleep, a source's health or a text key changed,
//!   and at most every [`SENSOR_EVERY`] when only fps and ticks late moved.
//!
//! [`forget()`] clears every config of a display (`tinydisplay run … --ha-forget`).

pub mod catalogue;
pub mod commands;
pub mod discovery;
mod forget;

pub use forget::{forget, forget_with};

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, Packet, QoS};
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use self::catalogue::{Catalogue, CatalogueFeed};
use self::commands::Target;
use self::discovery::Topics;
use super::ControlSender;
use super::broker::{check_name, handle_command};
use crate::net::mqtt::{SCHEMES, options};
use crate::net::url::BrokerUrl;
use crate::scene::schema::HomeAssistantSpec;
use crate::scene::swap::ActiveScene;

/// How often the state document is sent at most when only fps and ticks late changed.
pub const SENSOR_EVERY: Duration = Duration::from_secs(10);

/// The largest MQTT packet the surface sends or takes (a select with many pages).
pub(crate) const MAX_PACKET: usize = 256 * 1024;

/// Why Home Assistant discovery could not start or forget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HaError {
    /// The display's name cannot be part of a topic.
    #[error("{0}")]
    Name(String),
    /// The broker URL or the client options are wrong.
    #[error("{0}")]
    Broker(String),
    /// The shared runtime is gone.
    #[error("{0}")]
    Runtime(String),
    /// No scene is running to announce.
    #[error("no scene is running")]
    NoScene,
}

/// The running Home Assistant surface; dropping it stops it (the configs stay, so HA
/// keeps the device, unavailable while the display is offline).
pub struct HomeAssistant {
    task: Option<JoinHandle<()>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl HomeAssistant {
    /// Announces display `name` on the broker at `url` and acts on HA's commands
    /// through the app's control channel. `fallback` is used while the running scene has
    /// no `control.home_assistant` (the `--ha` flag).
    pub fn start(
        url: &str,
        name: &str,
        fallback: HomeAssistantSpec,
        world: &mut bevy_ecs::world::World,
    ) -> Result<Self, HaError> {
        check_name(name).map_err(|e| HaError::Name(e.to_string()))?;
        let first = world
            .get_resource::<ActiveScene>()
            .map(|a| Catalogue::of(&a.0, &fallback))
            .ok_or(HaError::NoScene)?;
        // The same credentials and TLS as the control surface on this broker.
        let auth = world
            .get_resource::<ActiveScene>()
            .and_then(|a| a.0.control.mqtt_auth.clone())
            .unwrap_or_default();
        let feed = CatalogueFeed::new(first, fallback);
        let catalogue = feed.subscribe();
        world.insert_resource(feed);
        let control = super::control_sender(world);
        let url = BrokerUrl::parse(url, SCHEMES).map_err(|e| HaError::Broker(e.to_string()))?;
        let client_id = format!("tinydisplay-{name}-ha-{}", std::process::id());
        let mut opts =
            options(&client_id, &url, &auth, 10).map_err(|e| HaError::Broker(e.to_string()))?;
        opts.set_max_packet_size(MAX_PACKET, MAX_PACKET);
        let handle = crate::runtime::try_handle().map_err(|e| HaError::Runtime(e.to_string()))?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let surface = Surface {
            name: name.to_owned(),
            topics: Topics::new(name),
            control,
            catalogue,
            announced: BTreeMap::new(),
            subscribed_prefix: None,
            last_doc: None,
            last_doc_at: None,
        };
        let task = handle.spawn(surface.run(opts, stop_rx));
        Ok(Self {
            task: Some(task),
            stop: Some(stop_tx),
        })
    }
}

impl Drop for HomeAssistant {
    fn drop(&mut self) {
        super::broker::stop_task(self.stop.take(), self.task.take());
    }
}

/// What the connection task hands the surface.
enum Incoming {
    /// (Re)connected: announce everything again.
    Connected,
    /// A message on one of the subscriptions.
    Message(String, Vec<u8>),
    /// The connection failed: nothing is sent until it is back.
    Disconnected,
}

/// Messages from Home Assistant waiting for the surface; more are dropped (and logged)
/// rather than queued without bound while each waits for its tick.
const WAITING_MESSAGES: usize = 256;

/// Polls the connection (so publishing never waits on itself) and hands over what
/// arrives — connection changes on `to`, messages on `messages` without ever waiting
/// (a full queue drops the message) — ; reconnects with backoff; ends when the surface
/// is gone or it disconnected.
async fn poll(
    mut events: rumqttc::EventLoop,
    to: mpsc::UnboundedSender<Incoming>,
    messages: mpsc::Sender<Incoming>,
) {
    let mut backoff = Duration::from_millis(250);
    let mut dropped_logged: Option<tokio::time::Instant> = None;
    loop {
        let sent = match events.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff = Duration::from_millis(250);
                to.send(Incoming::Connected)
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                let msg = Incoming::Message(p.topic.clone(), p.payload.to_vec());
                match messages.try_send(msg) {
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        let now = tokio::time::Instant::now();
                        if dropped_logged.is_none_or(|t| now - t > Duration::from_secs(10)) {
                            dropped_logged = Some(now);
                            log::warn!(
                                "Home Assistant: {WAITING_MESSAGES} messages wait already; dropping more"
                            );
                        }
                        Ok(())
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => return,
                    Ok(()) => Ok(()),
                }
            }
            Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) => return,
            Ok(_) => Ok(()),
            Err(e) => {
                if to.send(Incoming::Disconnected).is_err() {
                    return;
                }
                log::warn!("Home Assistant: {e}; reconnecting in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
                Ok(())
            }
        };
        if sent.is_err() {
            return;
        }
    }
}

/// The surface's state between messages.
struct Surface {
    name: String,
    topics: Topics,
    control: ControlSender,
    catalogue: watch::Receiver<Arc<Catalogue>>,
    /// Config topic → payload, as last published.
    announced: BTreeMap<String, String>,
    /// The discovery prefix whose configs we watch.
    subscribed_prefix: Option<String>,
    /// The state document last sent, and when.
    last_doc: Option<Value>,
    last_doc_at: Option<tokio::time::Instant>,
}

impl Surface {
    async fn run(
        mut self,
        opts: rumqttc::MqttOptions,
        mut stop: tokio::sync::oneshot::Receiver<()>,
    ) {
        let (client, events) = AsyncClient::new(opts, 64);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (msg_tx, mut msg_rx) = mpsc::channel(WAITING_MESSAGES);
        let mut poller = tokio::spawn(poll(events, tx, msg_tx));
        let mut watch = self.control.published().watch_state();
        let mut connected = false;
        loop {
            tokio::select! {
                _ = &mut stop => break,
                got = rx.recv() => match got {
                    Some(Incoming::Connected) => {
                        connected = true;
                        log::info!("Home Assistant: announcing {}", self.name);
                        self.subscribed_prefix = None;
                        self.announced.clear();
                        self.last_doc = None;
                        self.connect(&client).await;
                        self.send_state(&client);
                    }
                    Some(Incoming::Disconnected) => connected = false,
                    Some(Incoming::Message(..)) => {}
                    None => break,
                },
                got = msg_rx.recv() => match got {
                    Some(Incoming::Message(topic, payload)) => {
                        self.message(&client, &topic, &payload).await;
                    }
                    Some(_) => {}
                    None => break,
                },
                changed = self.catalogue.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    if connected {
                        self.announce(&client).await;
                        self.send_state(&client);
                    }
                }
                changed = watch.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    watch.borrow_and_update();
                    if connected {
                        self.send_state(&client);
                    }
                }
            }
        }
        let _ = client.disconnect().await;
        if tokio::time::timeout(Duration::from_secs(2), &mut poller)
            .await
            .is_err()
        {
            poller.abort();
        }
    }

    /// Subscribes and announces after a (re)connect.
    async fn connect(&mut self, client: &AsyncClient) {
        let _ = client
            .subscribe(self.topics.commands.clone(), QoS::AtLeastOnce)
            .await;
        let _ = client
            .subscribe(self.topics.alert.clone(), QoS::AtLeastOnce)
            .await;
        self.announce(client).await;
    }

    /// Publishes the configs of the current catalogue that changed, clears those that
    /// went, and watches the prefix's config topics.
    async fn announce(&mut self, client: &AsyncClient) {
        let cat = self.catalogue.borrow_and_update().clone();
        let next: BTreeMap<String, String> = discovery::announcements(&self.name, &cat)
            .into_iter()
            .map(|(t, v)| (t, v.to_string()))
            .collect();
        let gone: Vec<String> = self
            .announced
            .keys()
            .filter(|t| !next.contains_key(*t))
            .cloned()
            .collect();
        for topic in gone {
            log::info!("Home Assistant: removing {topic}");
            let _ = client
                .publish(topic, QoS::AtLeastOnce, true, Vec::new())
                .await;
        }
        for (topic, payload) in &next {
            if self.announced.get(topic) != Some(payload) {
                let _ = client
                    .publish(topic.clone(), QoS::AtLeastOnce, true, payload.clone())
                    .await;
            }
        }
        self.announced = next;
        if self.subscribed_prefix.as_deref() != Some(cat.prefix.as_str()) {
            if let Some(old) = self.subscribed_prefix.take() {
                let _ = client.unsubscribe(self.topics.configs(&old)).await;
            }
            let _ = client
                .subscribe(self.topics.configs(&cat.prefix), QoS::AtLeastOnce)
                .await;
            self.subscribed_prefix = Some(cat.prefix.clone());
        }
    }

    /// One message: a config of ours (retained from an earlier run), a command or an
    /// alert.
    async fn message(&mut self, client: &AsyncClient, topic: &str, payload: &[u8]) {
        if topic.ends_with("/config") {
            // A config this run does not have (an entity that went): cleared.
            if !payload.is_empty() && !self.announced.contains_key(topic) {
                log::info!("Home Assistant: removing stale {topic}");
                let _ = client
                    .publish(topic.to_owned(), QoS::AtLeastOnce, true, Vec::new())
                    .await;
            }
            return;
        }
        let target = if topic == self.topics.alert {
            Some(Target::Alert)
        } else {
            let cat = self.catalogue.borrow().clone();
            self.topics.object_of(topic).and_then(|id| {
                discovery::entities(&cat)
                    .into_iter()
                    .find(|e| e.object_id == id)
                    .and_then(|e| e.target)
            })
        };
        let error = match target {
            None => Some(serde_json::json!({
                "error": format!("bad command: {topic} is not a command topic of this display"),
                "command": String::from_utf8_lossy(payload),
            })),
            Some(target) => match commands::command(&target, payload) {
                Ok(cmd) => {
                    let json = cmd.to_value().to_string();
                    handle_command(&self.control, json.as_bytes(), "home_assistant").await
                }
                Err(e) => Some(serde_json::json!({
                    "error": e.to_string(),
                    "command": String::from_utf8_lossy(payload),
                })),
            },
        };
        if let Some(err) = error {
            let _ = client
                .publish(
                    self.topics.error.clone(),
                    QoS::AtLeastOnce,
                    false,
                    err.to_string(),
                )
                .await;
        }
        // A command's effect shows at once (its reply came after the state had it).
        self.send_state(client);
    }

    /// Publishes the state document when it changed: at once for the steady part, at
    /// most every [`SENSOR_EVERY`] when only fps and ticks late moved.
    fn send_state(&mut self, client: &AsyncClient) {
        let cat = self.catalogue.borrow().clone();
        let published = self.control.published();
        let state = published.state();
        let doc = discovery::state_document(&cat, &state, |key| {
            published.data(key).remove(key).map(|item| item.value)
        });
        let now = tokio::time::Instant::now();
        let due = match (&self.last_doc, self.last_doc_at) {
            (Some(last), Some(at)) => {
                discovery::steady_part(last) != discovery::steady_part(&doc)
                    || (*last != doc && now.duration_since(at) >= SENSOR_EVERY)
            }
            _ => true,
        };
        if !due {
            return;
        }
        // The newest state is what matters: one that finds the queue full is dropped
        // and sent at the next change.
        let sent = client.try_publish(
            self.topics.state.clone(),
            QoS::AtLeastOnce,
            true,
            doc.to_string(),
        );
        if sent.is_ok() {
            self.last_doc = Some(doc);
            self.last_doc_at = Some(now);
        }
    }
}
