//! The MQTT control surface: commands on `tinydisplay/<name>/control`, answers to bad ones
//! on `tinydisplay/<name>/error`, health on `tinydisplay/<name>/state` (retained, with a
//! last will of `{"status": "offline"}`). Runs on the shared runtime and reconnects with
//! backoff; nothing here waits on the tick except a command's own reply.

use std::time::Duration;

use rumqttc::{AsyncClient, Event, LastWill, Packet, QoS};
use tokio::task::JoinHandle;

use super::ControlSender;
use super::broker::{STATE_EVERY, handle_command, offline_document, state_changed, state_document};
use crate::data::source::broker::BrokerUrl;
use crate::data::source::mqtt::{SCHEMES, options};

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

impl MqttControl {
    /// Connects to the broker at `url` (`mqtt://host:port`) as display `name`.
    pub fn start(url: &str, name: &str, control: ControlSender) -> Result<Self, String> {
        let url = BrokerUrl::parse(url, SCHEMES).map_err(|e| e.to_string())?;
        let (control_topic, error_topic, state_topic) = topics(name);
        let client_id = format!("tinydisplay-{name}-control-{}", std::process::id());
        let mut opts =
            options(&client_id, &url, None, None, None, 10).map_err(|e| e.to_string())?;
        opts.set_last_will(LastWill::new(
            &state_topic,
            offline_document(name).to_string(),
            QoS::AtLeastOnce,
            true,
        ));
        let handle = crate::runtime::try_handle().map_err(|e| e.to_string())?;
        let (client, mut events) = AsyncClient::new(opts, 64);
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let display = name.to_owned();
        let state = state_topic;
        let task = handle.spawn(async move {
            let mut watch = control.published().watch_state();
            let mut backoff = Duration::from_millis(250);
            let mut last_state = tokio::time::Instant::now() - STATE_EVERY;
            loop {
                tokio::select! {
                    _ = &mut stop_rx => {
                        // A clean exit says offline itself (a last will only fires on a
                        // lost link), then disconnects once the broker has it.
                        let doc = offline_document(&display).to_string();
                        let _ = client.publish(state.clone(), QoS::AtLeastOnce, true, doc).await;
                        let _ = client.disconnect().await;
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
                            let _ = client.subscribe(control_topic.clone(), QoS::AtLeastOnce).await;
                            let doc = state_document(&display, &control).to_string();
                            let _ = client.publish(state.clone(), QoS::AtLeastOnce, true, doc).await;
                            last_state = tokio::time::Instant::now();
                        }
                        Ok(Event::Incoming(Packet::Publish(p))) if p.topic == control_topic => {
                            if let Some(err) = handle_command(&control, &p.payload, "mqtt").await {
                                let _ = client
                                    .publish(error_topic.clone(), QoS::AtLeastOnce, false, err.to_string())
                                    .await;
                            }
                        }
                        Ok(_) => {}
                        Err(e) => {
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
