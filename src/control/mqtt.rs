//! The MQTT control surface: commands on `tinydisplay/<name>/control`, answers to bad ones
//! on `tinydisplay/<name>/error`, health on `tinydisplay/<name>/state` (retained, with a
//! last will of `{"status": "offline"}`). Runs on the shared runtime and reconnects with
//! backoff. The task that reads the connection never waits: commands go through a
//! [`CommandQueue`] and everything sent is `try_*` (a full client queue drops a message,
//! never stalls the connection).

use std::time::Duration;

use rumqttc::{AsyncClient, Event, LastWill, Packet, QoS};
use tokio::task::JoinHandle;

use super::ControlSender;
use super::broker::SurfaceError;
use super::broker::{STATE_EVERY, offline_document, state_changed, state_document};
use super::queue::{COMMAND_BYTES, CommandQueue};
use crate::net::auth::MqttAuth;
use crate::net::mqtt::{MAX_PACKET_BYTES, PACKET_OVERHEAD, SCHEMES, options, oversized};
use crate::net::url::BrokerUrl;

/// The running MQTT surface; dropping it publishes `offline` and stops it.
pub struct MqttControl {
    task: Option<JoinHandle<()>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// The topics of display `name`: (control, error, state).
pub fn topics(name: &str) -> (String, String, String) {
    (
        format!("tinydisplay/{name}/control"),
        format!("tinydisplay/{name}/error"),
        format!("tinydisplay/{name}/state"),
    )
}

/// The topic display `name` publishes its events on (one JSON object per message).
pub fn event_topic(name: &str) -> String {
    format!("tinydisplay/{name}/event")
}

impl MqttControl {
    /// Connects to the broker at `url` (`mqtt://host:port`) as display `name`, without
    /// credentials.
    pub fn start(url: &str, name: &str, control: ControlSender) -> Result<Self, SurfaceError> {
        MqttControl::start_with(url, name, &MqttAuth::default(), control)
    }

    /// Connects to the broker at `url` as display `name` with `auth`'s credentials and TLS
    /// (`mqtts://` turns TLS on too).
    pub fn start_with(
        url: &str,
        name: &str,
        auth: &MqttAuth,
        control: ControlSender,
    ) -> Result<Self, SurfaceError> {
        let url = BrokerUrl::parse(url, SCHEMES)?;
        let (control_topic, error_topic, state_topic) = topics(name);
        let client_id = format!("tinydisplay-{name}-control-{}", std::process::id());
        let mut opts = options(&client_id, &url, auth, 10)?;
        opts.set_last_will(LastWill::new(
            &state_topic,
            offline_document(name).to_string(),
            QoS::AtLeastOnce,
            true,
        ));
        // Larger commands are read and refused one by one; only a packet over this ends
        // the connection.
        let packet = MAX_PACKET_BYTES.max(COMMAND_BYTES + PACKET_OVERHEAD);
        opts.set_max_packet_size(packet, packet);
        let handle = crate::runtime::try_handle()?;
        let (client, mut events) = AsyncClient::new(opts, 64);
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let display = name.to_owned();
        let state = state_topic;
        let events_topic = event_topic(name);
        let mut events_rx = control.published().events.subscribe();
        let task = handle.spawn(async move {
            let mut watch = control.published().watch_state();
            let mut backoff = Duration::from_millis(250);
            let mut last_state = tokio::time::Instant::now() - STATE_EVERY;
            let errors = client.clone();
            let error_topic_ = error_topic.clone();
            let (mut queue, _runner) =
                CommandQueue::start(control.clone(), "mqtt", move |(), error| {
                    if let Some(e) = error {
                        let _ = errors.try_publish(&error_topic_, QoS::AtLeastOnce, false, e.to_string());
                    }
                    std::future::ready(())
                });
            // Set when the broker sent a packet over the limit: on reconnect the retained
            // control message (the only one that comes back) is cleared first.
            let mut clear_retained = false;
            loop {
                tokio::select! {
                    _ = &mut stop_rx => {
                        // A clean exit says offline itself (a last will only fires on a
                        // lost link), then disconnects once the broker has it.
                        let doc = offline_document(&display).to_string();
                        let _ = client.try_publish(state.clone(), QoS::AtLeastOnce, true, doc);
                        let _ = client.try_disconnect();
                        let flush = async {
                            while let Ok(event) = events.poll().await {
                                if matches!(event, Event::Outgoing(rumqttc::Outgoing::Disconnect)) {
                                    break;
                                }
                            }
                        };
                        let _ = tokio::time::timeout(Duration::from_secs(2), flush).await;
                        return;
                    }
                    event = events.poll() => match event {
                        Ok(Event::Incoming(Packet::ConnAck(_))) => {
                            backoff = Duration::from_millis(250);
                            log::info!("MQTT control: connected as {display}");
                            if std::mem::take(&mut clear_retained) {
                                log::warn!("MQTT control: clearing the oversized retained message on {control_topic}");
                                let _ = client.try_publish(control_topic.clone(), QoS::AtLeastOnce, true, Vec::new());
                            }
                            let _ = client.try_subscribe(control_topic.clone(), QoS::AtLeastOnce);
                            let doc = state_document(&display, &control).to_string();
                            let _ = client.try_publish(state.clone(), QoS::AtLeastOnce, true, doc);
                            last_state = tokio::time::Instant::now();
                        }
                        // An empty message clears a retained command: nothing to do.
                        Ok(Event::Incoming(Packet::Publish(p)))
                            if p.topic == control_topic && !p.payload.is_empty() =>
                        {
                            if let Err(((), err)) = queue.offer(p.payload, ()) {
                                let _ = client.try_publish(&error_topic, QoS::AtLeastOnce, false, err.to_string());
                            }
                        }
                        Ok(_) => {}
                        Err(e) => {
                            if let Some(size) = oversized(&e) {
                                clear_retained = true;
                                log::warn!("MQTT control: the broker sent a packet of {size} bytes (at most {packet}), which ends the connection");
                            }
                            log::warn!("MQTT control: {e}; reconnecting in {backoff:?}");
                            tokio::time::sleep(backoff).await;
                            backoff = (backoff * 2).min(Duration::from_secs(30));
                        }
                    },
                    changed = state_changed(&mut watch, last_state) => {
                        if changed.is_err() {
                            return;
                        }
                        watch.borrow_and_update();
                        last_state = tokio::time::Instant::now();
                        let doc = state_document(&display, &control).to_string();
                        let _ = client.try_publish(state.clone(), QoS::AtLeastOnce, true, doc);
                    }
                    event = events_rx.recv() => match event {
                        Ok(json) => {
                            let _ = client.try_publish(&events_topic, QoS::AtLeastOnce, false, json.as_bytes().to_vec());
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            log::warn!("MQTT control: {n} events were not published (the connection was too slow)");
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    },
                }
            }
        });
        Ok(Self {
            task: Some(task),
            stop: Some(stop_tx),
        })
    }
}

impl Drop for MqttControl {
    fn drop(&mut self) {
        super::broker::stop_task(self.stop.take(), self.task.take());
    }
}
