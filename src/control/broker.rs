//! Control and health over a broker: what the MQTT and NATS surfaces share — the
//! display's name, its topics, the health document, and starting the surfaces a run asks
//! for.
//!
//! Each display listens for JSON commands on `tinydisplay/<name>/control` (NATS:
//! `tinydisplay.<name>.control`), runs them through the same [`ControlSender`] as the
//! HTTP API, answers a malformed or refused one on `…/error`, and publishes its health on
//! `…/state`: retained on MQTT, with a last will that turns it `offline` when the display
//! goes away.

use std::time::Duration;

use serde_json::{Value, json};

use super::ControlSender;

/// How often the health document is published at most while the state changes.
pub const STATE_EVERY: Duration = Duration::from_secs(1);

/// Completes when the state has changed since it was last marked seen and [`STATE_EVERY`]
/// has passed since `last` (the last publication). It sleeps out the rest of the period
/// before it looks, so a state that changes every tick wakes a surface once a period,
/// not once a tick; a change made during the period is published at its end. Err when
/// the engine is gone. Mark the state seen (`borrow_and_update`) when publishing it.
pub async fn state_changed(
    watch: &mut tokio::sync::watch::Receiver<u64>,
    last: tokio::time::Instant,
) -> Result<(), tokio::sync::watch::error::RecvError> {
    tokio::time::sleep_until(last + STATE_EVERY).await;
    watch.changed().await
}

/// The display's name: `--name`, else the scene's `name`, else the host name.
pub fn display_name(flag: Option<&str>, scene: Option<&str>) -> String {
    let pick = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    pick(flag)
        .or_else(|| pick(scene))
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
                .and_then(|h| pick(Some(&h)))
        })
        .unwrap_or_else(|| "tinydisplay".to_owned())
}

/// A display name that cannot be part of a topic or a subject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadName {
    /// It holds a wildcard, a separator or a space.
    #[error(
        "display name {name:?}: {found:?} cannot be part of a topic; use letters, digits, - and _"
    )]
    Character {
        /// The name.
        name: String,
        /// The first character that cannot be used.
        found: char,
    },
    /// It is empty.
    #[error("the display name is empty")]
    Empty,
}

/// Why a broker control surface could not start.
#[derive(Debug, thiserror::Error)]
pub enum SurfaceError {
    /// The display name cannot be part of a topic.
    #[error(transparent)]
    Name(#[from] BadName),
    /// The broker URL, a secret or a TLS setting cannot be used.
    #[error(transparent)]
    Net(#[from] crate::net::NetError),
    /// The shared runtime could not start.
    #[error(transparent)]
    Runtime(#[from] crate::runtime::RuntimeError),
    /// This build was made without the surface's feature.
    #[error(transparent)]
    Lacking(#[from] crate::features::Lacking),
    /// One surface of a run could not start: `--mqtt mqtt://broker: why`.
    #[error("{flag} {url}: {source}")]
    Start {
        /// The flag that asked for it (`--mqtt`, `--nats`).
        flag: &'static str,
        /// The broker's URL as given.
        url: String,
        /// Why it could not start.
        #[source]
        source: Box<SurfaceError>,
    },
}

/// Whether `name` is usable in a topic and a subject (no wildcards, separators or spaces).
pub fn check_name(name: &str) -> Result<(), BadName> {
    let bad = name
        .chars()
        .find(|c| matches!(c, '/' | '.' | '+' | '#' | '*' | '>') || c.is_whitespace());
    match bad {
        Some(found) => Err(BadName::Character {
            name: name.to_owned(),
            found,
        }),
        None if name.is_empty() => Err(BadName::Empty),
        None => Ok(()),
    }
}

/// The health document: `status` (`online`), the name and the engine's state (tick,
/// fps achieved, skipped ticks, panels with their errors, sources' health …).
pub fn state_document(name: &str, control: &ControlSender) -> Value {
    let state = control.published().state();
    let mut doc = serde_json::to_value(&*state).unwrap_or_else(|_| json!({}));
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("status".to_owned(), json!("online"));
        obj.insert("name".to_owned(), json!(name));
    }
    doc
}

/// What the last will (and a clean shutdown) publishes on the state topic.
pub fn offline_document(name: &str) -> Value {
    json!({"status": "offline", "name": name})
}

/// Runs one command from a broker message and waits for its reply; `Some(error
/// document)` when it was malformed or refused (it then changed nothing), its command cut
/// to [`super::queue::SHOWN_BYTES`]. The control topics go through a
/// [`super::queue::CommandQueue`] instead, which never holds up the connection.
#[cfg(any(feature = "mqtt", feature = "nats"))]
pub async fn handle_command(
    control: &ControlSender,
    payload: &[u8],
    origin: &'static str,
) -> Option<Value> {
    match control.request_json(payload, origin).await {
        super::Reply::Ok => None,
        super::Reply::Error(error) => {
            let command = super::queue::excerpt(payload);
            log::warn!("{origin} control: {error} (command {command:?})");
            Some(super::queue::error_document(&error, &command))
        }
    }
}

/// The broker surfaces a run started; dropping them says `offline` and stops them.
#[derive(Default)]
pub struct Surfaces(Vec<Box<dyn Send>>);

impl Surfaces {
    /// Starts the MQTT and/or NATS surfaces for display `name` on the app's control
    /// channel; one this build lacks the feature of is an error saying so.
    pub fn start(
        name: &str,
        mqtt: Option<&str>,
        nats: Option<&str>,
        world: &mut bevy_ecs::world::World,
    ) -> Result<Self, SurfaceError> {
        if mqtt.is_none() && nats.is_none() {
            return Ok(Self::default());
        }
        check_name(name)?;
        let control = super::control_sender(world);
        // Credentials and TLS come from the running scene (`control.mqtt_auth`, `nats_auth`).
        let spec = world
            .get_resource::<crate::scene::swap::ActiveScene>()
            .map(|a| a.0.control.clone())
            .unwrap_or_default();
        let mut running = Vec::new();
        if let Some(url) = mqtt {
            let auth = spec.mqtt_auth.unwrap_or_default();
            running.push(start_mqtt(url, name, &auth, control.clone())?);
        }
        if let Some(url) = nats {
            let auth = spec.nats_auth.unwrap_or_default();
            running.push(start_nats(url, name, &auth, control)?);
        }
        Ok(Self(running))
    }

    /// Whether any surface runs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Starts the MQTT surface.
#[cfg(feature = "mqtt")]
fn start_mqtt(
    url: &str,
    name: &str,
    auth: &crate::net::auth::MqttAuth,
    control: ControlSender,
) -> Result<Box<dyn Send>, SurfaceError> {
    super::mqtt::MqttControl::start_with(url, name, auth, control)
        .map(|s| Box::new(s) as Box<dyn Send>)
        .map_err(|e| SurfaceError::Start {
            flag: "--mqtt",
            url: url.to_owned(),
            source: Box::new(e),
        })
}

/// Refuses: this build has no MQTT.
#[cfg(not(feature = "mqtt"))]
fn start_mqtt(
    _url: &str,
    _name: &str,
    _auth: &crate::net::auth::MqttAuth,
    _control: ControlSender,
) -> Result<Box<dyn Send>, SurfaceError> {
    Err(crate::features::Lacking {
        what: "--mqtt".to_owned(),
        feature: "mqtt".to_owned(),
    }
    .into())
}

/// Starts the NATS surface.
#[cfg(feature = "nats")]
fn start_nats(
    url: &str,
    name: &str,
    auth: &crate::net::auth::NatsAuth,
    control: ControlSender,
) -> Result<Box<dyn Send>, SurfaceError> {
    super::nats::NatsControl::start_with(url, name, auth, control)
        .map(|s| Box::new(s) as Box<dyn Send>)
        .map_err(|e| SurfaceError::Start {
            flag: "--nats",
            url: url.to_owned(),
            source: Box::new(e),
        })
}

/// Refuses: this build has no NATS.
#[cfg(not(feature = "nats"))]
fn start_nats(
    _url: &str,
    _name: &str,
    _auth: &crate::net::auth::NatsAuth,
    _control: ControlSender,
) -> Result<Box<dyn Send>, SurfaceError> {
    Err(crate::features::Lacking {
        what: "--nats".to_owned(),
        feature: "nats".to_owned(),
    }
    .into())
}

/// Stops a surface's task: tells it to stop (it publishes its last words), waits up to
/// 3 s for it when called outside the runtime, else aborts it.
#[cfg(any(feature = "mqtt", feature = "nats"))]
pub(crate) fn stop_task(
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
) {
    if let Some(stop) = stop {
        let _ = stop.send(());
    }
    let Some(task) = task else { return };
    match crate::runtime::try_handle() {
        Ok(handle) if tokio::runtime::Handle::try_current().is_err() => {
            let abort = task.abort_handle();
            if handle
                .block_on(async { tokio::time::timeout(Duration::from_secs(3), task).await })
                .is_err()
            {
                abort.abort();
            }
        }
        _ => task.abort(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_flag_scene_then_host() {
        assert_eq!(display_name(Some("kitchen"), Some("scene")), "kitchen");
        assert_eq!(display_name(None, Some("scene")), "scene");
        assert_eq!(display_name(Some("  "), Some("scene")), "scene");
        assert!(!display_name(None, None).is_empty());
        assert!(check_name("kitchen-1").is_ok());
        assert!(check_name("a/b").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name("x.y").is_err());
    }
}
