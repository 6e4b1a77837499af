//! The NATS control surface: commands on `tinydisplay.<name>.control` (a request with a
//! reply subject also gets the reply: `{"ok": true}` or `{"ok": false, "error": …}`),
//! answers to bad ones on `tinydisplay.<name>.error`, health on `tinydisplay.<name>.state`
//! at most once a second while it changes (NATS keeps no retained messages: a late
//! subscriber sees the next one). async-nats reconnects on its own. Commands go through
//! a [`CommandQueue`]: a burst is applied in a tick or two, never one per tick.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::task::JoinHandle;

use super::ControlSender;
use super::broker::SurfaceError;
use super::broker::{offline_document, state_changed, state_document};
use super::queue::CommandQueue;
use crate::net::auth::NatsAuth;
use crate::net::nats::{SCHEMES, address, connect_options};
use crate::net::url::BrokerUrl;

/// The running NATS surface; dropping it publishes `offline` and stops it.
pub struct NatsControl {
    task: Option<JoinHandle<()>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// The subjects of display `name`: (control, error, state).
pub fn subjects(name: &str) -> (String, String, String) {
    (
        format!("tinydisplay.{name}.control"),
        format!("tinydisplay.{name}.error"),
        format!("tinydisplay.{name}.state"),
    )
}

/// The subject display `name` publishes its events on (one JSON object per message).
pub fn event_subject(name: &str) -> String {
    format!("tinydisplay.{name}.event")
}

impl NatsControl {
    /// Connects to the server at `url` (`nats://host:port`) as display `name`, without
    /// credentials.
    pub fn start(url: &str, name: &str, control: ControlSender) -> Result<Self, SurfaceError> {
        NatsControl::start_with(url, name, &NatsAuth::default(), control)
    }

    /// Connects to the server at `url` as display `name` with `auth`'s credentials and
    /// TLS (`tls://` requires TLS too); secrets are read before this returns.
    pub fn start_with(
        url: &str,
        name: &str,
        auth: &NatsAuth,
        control: ControlSender,
    ) -> Result<Self, SurfaceError> {
        let url = BrokerUrl::parse(url, SCHEMES)?;
        // Secrets are read now, so a missing one stops the start with its reason.
        auth.credentials()?;
        let auth = auth.clone();
        let address = address(&url);
        let (control_subject, error_subject, state_subject) = subjects(name);
        let handle = crate::runtime::try_handle()?;
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let display = name.to_owned();
        let events_subject = event_subject(name);
        let mut events_rx = control.published().events.subscribe();
        let task = handle.spawn(async move {
            let opts = match connect_options(&format!("tinydisplay-{display}-control"), &url, &auth).await {
                Ok(o) => o,
                Err(e) => {
                    log::error!("NATS control at {address}: {e}");
                    return;
                }
            };
            let connect = opts.retry_on_initial_connect().connect(address.as_str());
            let client = match connect.await {
                Ok(c) => c,
                Err(e) => {
                    log::error!("NATS control at {address}: {e}");
                    return;
                }
            };
            let mut commands = match client.subscribe(control_subject).await {
                Ok(s) => s,
                Err(e) => {
                    log::error!("NATS control: cannot subscribe: {e}");
                    return;
                }
            };
            let mut watch = control.published().watch_state();
            let publish_state = |client: async_nats::Client, display: String, subject: String| {
                let doc = state_document(&display, &control).to_string();
                async move {
                    let _ = client.publish(subject, doc.into()).await;
                }
            };
            publish_state(client.clone(), display.clone(), state_subject.clone()).await;
            let mut last_state = tokio::time::Instant::now();
            let answers = client.clone();
            let errors_to = error_subject.clone();
            let (mut queue, _runner) = CommandQueue::start(
                control.clone(),
                "nats",
                move |reply: Option<async_nats::Subject>, error: Option<serde_json::Value>| {
                    let client = answers.clone();
                    let error_subject = errors_to.clone();
                    async move { answer(&client, reply, error, error_subject).await }
                },
            );
            loop {
                tokio::select! {
                    _ = &mut stop_rx => {
                        let doc = offline_document(&display).to_string();
                        let _ = client.publish(state_subject.clone(), doc.into()).await;
                        let _ = tokio::time::timeout(Duration::from_secs(2), client.flush()).await;
                        return;
                    }
                    message = commands.next() => {
                        let Some(m) = message else { return };
                        if let Err((reply, error)) = queue.offer(m.payload, m.reply) {
                            answer(&client, reply, Some(error), error_subject.clone()).await;
                        }
                    }
                    changed = state_changed(&mut watch, last_state) => {
                        if changed.is_err() {
                            return;
                        }
                        watch.borrow_and_update();
                        last_state = tokio::time::Instant::now();
                        publish_state(client.clone(), display.clone(), state_subject.clone()).await;
                    }
                    event = events_rx.recv() => match event {
                        Ok(json) => {
                            let _ = client.publish(events_subject.clone(), json.as_bytes().to_vec().into()).await;
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            log::warn!("NATS control: {n} events were not published (the connection was too slow)");
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

/// Answers one command: `{"ok": …}` to its reply subject (if any) and, when refused, the
/// error document on the error subject.
async fn answer(
    client: &async_nats::Client,
    reply: Option<async_nats::Subject>,
    error: Option<serde_json::Value>,
    error_subject: String,
) {
    if let Some(reply) = reply {
        let answer = match &error {
            Some(e) => serde_json::json!({"ok": false, "error": e["error"]}),
            None => serde_json::json!({"ok": true}),
        };
        let _ = client.publish(reply, answer.to_string().into()).await;
    }
    if let Some(e) = error {
        let _ = client.publish(error_subject, e.to_string().into()).await;
    }
}

impl Drop for NatsControl {
    fn drop(&mut self) {
        super::broker::stop_task(self.stop.take(), self.task.take());
    }
}
