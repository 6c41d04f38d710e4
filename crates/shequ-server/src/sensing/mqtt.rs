//! MQTT ingest: door controllers publish to `shequ/<street>/door/<device>`
//! (QoS 1), one event or an array of events per message. shequ subscribes
//! through a shared subscription (`$share/<group>/…`) so several processes,
//! or several connections of one, split the load. Acknowledgements are
//! manual and sent only after the message's events are committed; a
//! message not acknowledged is delivered again by the broker after a
//! reconnect (persistent session), and counted once.
//!
//! shequ connects with MQTT 5 so that it can tell the broker how many
//! unacknowledged messages it takes at once (receive maximum). Under MQTT
//! 3.1.1 that number is the broker's own setting, 20 by default in
//! Mosquitto: with acknowledgements sent only after a commit, 20 in flight
//! capped each connection at 20 messages per commit.

use std::time::Duration;

use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Packet, Publish};
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use tokio::sync::mpsc;

use shequ_store::{Backend, Scope, StoreError};

use crate::sensing::SensingState;
use crate::sensing::ingest::IngestError;
use crate::sensing::metrics::Channel;

/// Messages handed to one commit at most.
const MAX_MESSAGES_PER_ROUND: usize = 4096;
/// Unacknowledged messages the broker may send one connection: MQTT 5's
/// largest. A Mosquitto at its defaults queues only 1,000 messages per
/// subscriber beyond those in flight and drops the rest of a burst
/// (`max_queued_messages`), after acknowledging them to the door that
/// sent them; with 1,000 in flight, a burst of 20,000 messages in two
/// seconds lost 8,400 of them in the debug build's test. With the largest
/// window the broker sends a burst on at once and it waits here, in
/// memory, for its commit: 200,000 messages in 20 s were all stored.
const RECEIVE_MAXIMUM: u16 = u16::MAX;
/// How long the broker keeps a connection's session (its subscription
/// and the messages not yet acknowledged) after the connection drops.
const SESSION_EXPIRY_SECONDS: u32 = 7 * 24 * 3600;
/// Reconnect delays grow from this to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The broker's host and port from `mqtt://HOST[:PORT]` (or `tcp://`).
pub fn broker_address(url: &str) -> anyhow::Result<(String, u16)> {
    let parsed = url::Url::parse(url).map_err(|e| {
        anyhow::anyhow!("mqtt_url {url:?} is not a URL ({e}); use mqtt://HOST:1883")
    })?;
    anyhow::ensure!(
        matches!(parsed.scheme(), "mqtt" | "tcp"),
        "mqtt_url {url:?}: only mqtt:// (plain TCP) is supported; put a TLS proxy in front for mqtts"
    );
    let host = parsed
        .host_str()
        .ok_or_else(|| anyhow::anyhow!("mqtt_url {url:?} has no host"))?;
    Ok((host.to_owned(), parsed.port().unwrap_or(1883)))
}

/// The subscription filter for one street (`+` = every street).
pub fn topic_filter(share_group: &str, street: &str) -> String {
    format!("$share/{share_group}/shequ/{street}/door/+")
}

/// The filters this server subscribes to: the configured street, or by
/// default every street in this installation's registry. Never every
/// street on the broker unless asked (`+`): another installation's
/// messages would be refused here as `unknown_device`, acknowledged, and
/// lost to the server they were for.
pub async fn subscriptions(state: &SensingState) -> Result<Vec<String>, StoreError> {
    let s = &state.settings;
    if !s.mqtt_street_code.is_empty() {
        return Ok(vec![topic_filter(&s.mqtt_share_group, &s.mqtt_street_code)]);
    }
    let regions = state.store.regions_in(&Scope::everything()).await?;
    Ok(regions
        .iter()
        .filter(|r| r.kind == "street")
        .map(|r| topic_filter(&s.mqtt_share_group, &r.code))
        .collect())
}

/// The client id this server's connections start from (connection n adds
/// `-n`): the configured one, or `shequ-<installation key>` and, on
/// PostgreSQL, where several servers may share the database, the instance
/// (`instance_name`, else `<hostname>-<listen port>`). Unique on a shared
/// broker, so servers never take over each other's sessions, and the same
/// after a restart, so a server takes back its own session and the
/// messages the broker kept for it.
pub async fn client_id_base(state: &SensingState) -> Result<String, StoreError> {
    let s = &state.settings;
    if !s.mqtt_client_id.is_empty() {
        return Ok(s.mqtt_client_id.clone());
    }
    let candidate = format!("{:012x}", rand::random::<u64>() >> 16);
    let key = state
        .store
        .installation_key(&candidate, shequ_store::now_ms())
        .await?;
    let instance = if !s.instance_name.is_empty() {
        Some(s.instance_name.clone())
    } else if state.store.backend() == Backend::Postgres {
        Some(format!("{}-{}", hostname(), s.listen.port()))
    } else {
        None
    };
    Ok(match instance {
        Some(i) => format!("shequ-{key}-{}", client_id_safe(&i)),
        None => format!("shequ-{key}"),
    })
}

/// This machine's name, for telling servers on one database apart.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned())
}

/// Letters, digits, `-`, `_` and `.` only: some brokers refuse the rest.
fn client_id_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The device a topic names: `shequ/<street>/door/<device>`.
fn topic_device(topic: &str) -> Option<&str> {
    let mut parts = topic.split('/');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some("shequ"), Some(_), Some("door"), Some(device), None) if !device.is_empty() => {
            Some(device)
        }
        _ => None,
    }
}

/// Starts the configured number of connections (when MQTT is enabled),
/// once the client id is known.
pub fn spawn(state: &SensingState) {
    let s = &state.settings;
    if !s.mqtt_enabled {
        state.ingest.metrics.set_mqtt("disabled", "", None);
        return;
    }
    let (host, port) = match broker_address(&s.mqtt_url) {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "MQTT ingest not started");
            state
                .ingest
                .metrics
                .set_mqtt("disconnected", &s.mqtt_url, Some(e.to_string()));
            return;
        }
    };
    let state = state.clone();
    tokio::spawn(async move {
        let mut delay = FIRST_BACKOFF;
        let base = loop {
            match client_id_base(&state).await {
                Ok(base) => break base,
                Err(e) => {
                    tracing::warn!(error = %e, "MQTT client id not known yet; trying again");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(MAX_BACKOFF);
                }
            }
        };
        for n in 0..state.settings.mqtt_connections.max(1) {
            let client_id = format!("{base}-{n}");
            tokio::spawn(run(state.clone(), host.clone(), port, client_id));
        }
    });
}

/// One connection: connects, subscribes, reconnects with backoff for ever.
pub async fn run(state: SensingState, host: String, port: u16, client_id: String) {
    let broker = state.settings.mqtt_url.clone();
    let mut opts = MqttOptions::new(client_id.clone(), host, port);
    opts.set_keep_alive(Duration::from_secs(15))
        .set_manual_acks(true)
        // A persistent session: what the broker sent and we did not
        // acknowledge comes again after a reconnect, or after a restart
        // within the expiry.
        .set_clean_start(false)
        .set_session_expiry_interval(Some(SESSION_EXPIRY_SECONDS))
        .set_receive_maximum(Some(RECEIVE_MAXIMUM))
        .set_max_packet_size(Some(4 * 1024 * 1024))
        .set_request_channel_capacity(2 * MAX_MESSAGES_PER_ROUND);
    let (client, mut eventloop) = AsyncClient::new(opts, 2 * MAX_MESSAGES_PER_ROUND);
    let (tx, rx) = mpsc::unbounded_channel::<Publish>();
    tokio::spawn(handle(state.clone(), client.clone(), rx));
    let metrics = state.ingest.metrics.clone();
    metrics.set_mqtt("connecting", &broker, None);
    let mut backoff = FIRST_BACKOFF;
    let mut connected_at: Option<std::time::Instant> = None;
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                tracing::info!(broker = %broker, client_id = %client_id, session_present = ack.session_present, "MQTT ingest connected");
                metrics.set_mqtt("connected", &broker, None);
                connected_at = Some(std::time::Instant::now());
                match subscriptions(&state).await {
                    Ok(filters) if filters.is_empty() => tracing::warn!(
                        "no street in the registry yet: MQTT ingest subscribes to nothing until it reconnects (or set mqtt_street_code)"
                    ),
                    Ok(filters) => {
                        for filter in filters {
                            if let Err(e) = client.try_subscribe(filter, QoS::AtLeastOnce) {
                                tracing::error!(error = %e, "MQTT subscribe could not be queued");
                            }
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "the streets to subscribe to could not be read; reconnecting");
                        let _ = client.try_disconnect();
                    }
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                if tx.send(p).is_err() {
                    return;
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(broker = %broker, error = %e, retry_ms = backoff.as_millis() as u64, "MQTT ingest disconnected; reconnecting");
                metrics.set_mqtt("disconnected", &broker, Some(e.to_string()));
                // A connection that held for a while starts the delays
                // afresh; one dropped at once (another client with our id,
                // a broker refusing us) keeps backing off.
                if connected_at
                    .take()
                    .is_some_and(|t| t.elapsed() > Duration::from_secs(30))
                {
                    backoff = FIRST_BACKOFF;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                metrics.set_mqtt("connecting", &broker, None);
            }
        }
    }
}

/// Takes whatever messages have arrived, stores them all (they share a
/// commit through the writer), then acknowledges them in the order they
/// came, as MQTT requires.
async fn handle(
    state: SensingState,
    client: AsyncClient,
    mut rx: mpsc::UnboundedReceiver<Publish>,
) {
    while let Some(first) = rx.recv().await {
        let mut round = vec![first];
        while round.len() < MAX_MESSAGES_PER_ROUND {
            match rx.try_recv() {
                Ok(p) => round.push(p),
                Err(_) => break,
            }
        }
        // The whole round is one batch for the writer: one job instead of
        // one per message.
        let messages: Vec<(&str, &[u8])> = round
            .iter()
            .map(|p| {
                let device = std::str::from_utf8(&p.topic)
                    .ok()
                    .and_then(topic_device)
                    .unwrap_or_default();
                (device, &p.payload[..])
            })
            .collect();
        let mut failed = false;
        match state
            .ingest
            .submit_round(&state, Channel::Mqtt, &messages)
            .await
        {
            Ok(refusals) => {
                for (p, refusal) in round.iter().zip(refusals) {
                    if let Some(IngestError::TooMany { limit }) = refusal {
                        tracing::warn!(topic = %String::from_utf8_lossy(&p.topic), limit, "MQTT message with too many events dropped");
                    }
                    if let Err(e) = client.ack(p).await {
                        tracing::warn!(error = %e, "MQTT acknowledgement not queued");
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, messages = round.len(), "MQTT messages not stored; they will come again");
                failed = true;
            }
        }
        if failed {
            // Unacknowledged messages come again only on a new connection.
            let _ = client.disconnect().await;
            // What is queued here came on the old connection and cannot be
            // acknowledged on the next; the broker sends it again.
            while rx.try_recv().is_ok() {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_and_urls_are_read() {
        assert_eq!(
            topic_device("shequ/310104011/door/B00012-1"),
            Some("B00012-1")
        );
        assert_eq!(topic_device("shequ/310104011/door/"), None);
        assert_eq!(topic_device("shequ/310104011/door/a/b"), None);
        assert_eq!(topic_device("other/x/door/a"), None);
        assert_eq!(
            broker_address("mqtt://127.0.0.1:1883").expect("url"),
            ("127.0.0.1".to_owned(), 1883)
        );
        assert_eq!(broker_address("tcp://broker").expect("url").1, 1883);
        assert!(broker_address("mqtts://broker").is_err());
        assert_eq!(topic_filter("shequ", "+"), "$share/shequ/shequ/+/door/+");
    }
}
