//! Forgetting a display in Home Assistant: every config it announced cleared with an
//! empty retained message (`tinydisplay run … --ha-forget`).

use std::collections::BTreeSet;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, Packet, QoS};

use super::catalogue::Catalogue;
use super::discovery::{self, Topics};
use super::{HaError, MAX_PACKET};
use crate::control::broker::check_name;
use crate::net::auth::MqttAuth;
use crate::net::mqtt::{SCHEMES, options};
use crate::net::url::BrokerUrl;

/// Clears every discovery config display `name` has under `prefix` on the broker at
/// `url` (those found retained, and those `cat` would announce) and its HA state;
/// returns how many configs were found. Waits at most about 10 s.
pub fn forget(url: &str, name: &str, cat: &Catalogue) -> Result<usize, HaError> {
    forget_with(url, name, cat, &MqttAuth::default())
}

/// [`forget`] with the broker's credentials and TLS.
pub fn forget_with(
    url: &str,
    name: &str,
    cat: &Catalogue,
    auth: &MqttAuth,
) -> Result<usize, HaError> {
    check_name(name).map_err(|e| HaError::Name(e.to_string()))?;
    let url = BrokerUrl::parse(url, SCHEMES).map_err(|e| HaError::Broker(e.to_string()))?;
    let client_id = format!("tinydisplay-{name}-ha-forget-{}", std::process::id());
    let mut opts =
        options(&client_id, &url, auth, 10).map_err(|e| HaError::Broker(e.to_string()))?;
    opts.set_max_packet_size(MAX_PACKET, MAX_PACKET);
    let handle = crate::runtime::try_handle().map_err(|e| HaError::Runtime(e.to_string()))?;
    let topics = Topics::new(name);
    let filter = topics.configs(&cat.prefix);
    let known: BTreeSet<String> = discovery::announcements(name, cat).into_keys().collect();
    handle.block_on(async move {
        let (client, mut events) = AsyncClient::new(opts, 1024);
        let mut found = BTreeSet::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut quiet_until: Option<tokio::time::Instant> = None;
        // Collect the retained configs: they arrive right after the subscription.
        loop {
            let until = quiet_until.map_or(deadline, |q| q.min(deadline));
            let Ok(event) = tokio::time::timeout_at(until, events.poll()).await else {
                break;
            };
            match event {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    let _ = client.subscribe(filter.clone(), QoS::AtLeastOnce).await;
                }
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    quiet_until = Some(tokio::time::Instant::now() + Duration::from_millis(500));
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    if !p.payload.is_empty() {
                        found.insert(p.topic.clone());
                    }
                    quiet_until = Some(tokio::time::Instant::now() + Duration::from_millis(500));
                }
                Ok(_) => {}
                Err(e) => return Err(HaError::Broker(e.to_string())),
            }
        }
        if quiet_until.is_none() {
            return Err(HaError::Broker(
                "the broker did not answer within 10 s".into(),
            ));
        }
        let _ = client.unsubscribe(filter).await;
        let mut clear: BTreeSet<String> = found.iter().cloned().collect();
        clear.extend(known);
        clear.insert(topics.state.clone());
        let mut acks = 0;
        for topic in clear {
            if client
                .try_publish(topic, QoS::AtLeastOnce, true, Vec::new())
                .is_ok()
            {
                acks += 1;
            }
        }
        let drained = tokio::time::timeout(Duration::from_secs(10), async {
            while acks > 0 {
                match events.poll().await {
                    Ok(Event::Incoming(Packet::PubAck(_))) => acks -= 1,
                    Ok(_) => {}
                    Err(e) => return Err(HaError::Broker(e.to_string())),
                }
            }
            Ok(())
        })
        .await;
        match drained {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(HaError::Broker(
                    "the broker did not acknowledge the removals within 10 s".into(),
                ));
            }
        }
        let _ = client.disconnect().await;
        let _ = tokio::time::timeout(Duration::from_secs(2), events.poll()).await;
        Ok(found.len())
    })
}
