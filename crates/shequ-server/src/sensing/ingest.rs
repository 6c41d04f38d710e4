//! One ingest pipeline for every channel: a message (an HTTP body, an MQTT
//! payload, a simulator batch) is split into events, each parsed into a
//! borrowed struct and resolved against the in-memory registry, or
//! rejected with a reason. The resolved events go to the group-commit
//! writer; the caller gets its answer once they are committed.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use shequ_domain::sensing::{Direction, PassKind};
use shequ_store::StoreError;
use shequ_store::sensing::events::{DoorBatch, NewDoorEvent, RejectedDoorEvent};

use crate::sensing::SensingState;
use crate::sensing::metrics::Channel;
use crate::sensing::metrics::Metrics;
use crate::sensing::metrics::Reason;
use crate::sensing::registry::Cards;
use crate::sensing::registry::Devices;
use crate::sensing::registry::Registry;
use crate::sensing::writer::Writer;

/// Most events in one message (HTTP request or MQTT payload).
pub const MAX_EVENTS: usize = 10_000;
/// Events stamped further ahead of our clock than this are refused.
pub const MAX_FUTURE_MS: i64 = 5 * 60 * 1000;
/// Longest event id accepted.
const MAX_EVENT_ID: usize = 128;
/// How much of a refused event is kept for the operator.
const KEPT_PAYLOAD: usize = 512;

/// One event as a device sends it. Strings borrow from the message unless
/// they hold escapes.
#[derive(Debug, Deserialize)]
struct WireEvent<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    device: Cow<'a, str>,
    #[serde(borrow)]
    at: Cow<'a, str>,
    direction: Direction,
    #[serde(borrow)]
    credential: Cow<'a, str>,
    kind: PassKind,
    /// The household a visitor calls on (its registry code), when the
    /// door knows it.
    #[serde(default, borrow)]
    household: Option<Cow<'a, str>>,
}

/// One refused event of a message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RejectedItem {
    /// Position of the event in the message, from 0 (NDJSON: non-empty lines).
    pub index: usize,
    pub reason: Reason,
}

/// The answer to a message, sent once its events are committed.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct IngestReply {
    /// Events stored now.
    pub accepted: usize,
    /// Events already stored before (re-deliveries), counted once.
    pub duplicates: usize,
    pub rejected: Vec<RejectedItem>,
}

/// Why a whole message was refused.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("at most {limit} events per message; split the batch")]
    TooMany { limit: usize },
    #[error("the body is not a JSON array, a JSON object or NDJSON: {0}")]
    BadBody(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The framing of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A JSON array of events, or one event object.
    Json,
    /// One event per line.
    Ndjson,
}

/// The pipeline: registry, counters and the writer (started on first use).
#[derive(Debug, Default)]
pub struct Ingest {
    pub registry: Arc<Registry>,
    pub metrics: Arc<Metrics>,
    writer: Writer,
}

fn split(body: &[u8], framing: Framing) -> Result<Vec<&[u8]>, IngestError> {
    let items: Vec<&[u8]> = match framing {
        Framing::Ndjson => body
            .split(|b| *b == b'\n')
            .filter(|line| line.iter().any(|b| !b.is_ascii_whitespace()))
            .collect(),
        Framing::Json => {
            let trimmed = body.trim_ascii_start();
            if trimmed.first() == Some(&b'[') {
                let raw: Vec<&serde_json::value::RawValue> = serde_json::from_slice(trimmed)
                    .map_err(|e| IngestError::BadBody(e.to_string()))?;
                raw.into_iter().map(|r| r.get().as_bytes()).collect()
            } else if trimmed.first() == Some(&b'{') {
                vec![trimmed]
            } else {
                return Err(IngestError::BadBody(
                    "expected `[` or `{` at the start".to_owned(),
                ));
            }
        }
    };
    if items.len() > MAX_EVENTS {
        return Err(IngestError::TooMany { limit: MAX_EVENTS });
    }
    Ok(items)
}

/// The first bytes of a refused event, cut at a character boundary.
fn kept(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(KEPT_PAYLOAD)]);
    text.into_owned()
}

/// The registry as one message is checked against.
struct Lookup {
    devices: Arc<Devices>,
    cards: Arc<Cards>,
    tz: chrono_tz::Tz,
    now: i64,
}

/// What one message adds to a batch: its events and refusals, and the
/// devices heard from.
#[derive(Default)]
struct Collected {
    batch: DoorBatch,
    heard: HashSet<i64>,
    device_missed: bool,
    card_missed: bool,
}

impl Ingest {
    /// Stores the events of one message. `sender` is the device code the
    /// message is bound to (the HTTP token's device, the MQTT topic's), or
    /// `None` for the in-process simulator, which may speak for any device.
    pub async fn submit(
        &self,
        state: &SensingState,
        channel: Channel,
        sender: Option<&str>,
        body: &[u8],
        framing: Framing,
    ) -> Result<IngestReply, IngestError> {
        let lookup = self.lookup(state).await?;
        let now = lookup.now;
        let mut got = Collected::default();
        let outcome = self.collect(&lookup, channel, sender, body, framing, &mut got);
        let mut reply = match outcome {
            Ok(reply) => reply,
            Err(e @ IngestError::BadBody(_)) => {
                // Keep the unreadable message for the operator too.
                self.write(state, channel, got, now).await?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let (accepted, duplicates) = self.write(state, channel, got, now).await?;
        reply.accepted = accepted;
        reply.duplicates = duplicates;
        Ok(reply)
    }

    /// Stores the events of several single-device messages (an MQTT
    /// round) in one batch; returns each message's own refusal, if the
    /// whole message was refused. An `Err` means nothing was stored.
    pub async fn submit_round(
        &self,
        state: &SensingState,
        channel: Channel,
        messages: &[(&str, &[u8])],
    ) -> Result<Vec<Option<IngestError>>, StoreError> {
        let lookup = self.lookup(state).await?;
        let now = lookup.now;
        let mut got = Collected::default();
        let refusals = messages
            .iter()
            .map(|(sender, body)| {
                self.collect(
                    &lookup,
                    channel,
                    Some(sender),
                    body,
                    Framing::Json,
                    &mut got,
                )
                .err()
            })
            .collect();
        match self.write(state, channel, got, now).await {
            Ok(_) => Ok(refusals),
            Err(IngestError::Store(e)) => Err(e),
            Err(e) => Err(StoreError::Corrupt(e.to_string())),
        }
    }

    /// The registry and the time to check a message against.
    async fn lookup(&self, state: &SensingState) -> Result<Lookup, StoreError> {
        Ok(Lookup {
            devices: self.registry.devices(&state.store).await?,
            cards: self.registry.cards(&state.store).await?,
            tz: state.tz,
            now: state.clock.now_ms(),
        })
    }

    /// Hands the collected batch to the writer; (accepted, duplicates).
    async fn write(
        &self,
        state: &SensingState,
        channel: Channel,
        got: Collected,
        now: i64,
    ) -> Result<(usize, usize), IngestError> {
        if got.device_missed {
            self.registry.device_missed(&state.store);
        }
        if got.card_missed {
            self.registry.card_missed(&state.store);
        }
        let mut batch = got.batch;
        batch.received_at = now;
        batch.heard = got.heard.into_iter().map(|id| (id, now)).collect();
        Ok(self.writer.write(state, channel, batch).await?)
    }

    /// Checks one message's events against the registry and adds them,
    /// and its refusals, to `got`.
    fn collect(
        &self,
        lookup: &Lookup,
        channel: Channel,
        sender: Option<&str>,
        body: &[u8],
        framing: Framing,
        got: &mut Collected,
    ) -> Result<IngestReply, IngestError> {
        let (devices, cards, tz, now) = (&*lookup.devices, &*lookup.cards, lookup.tz, lookup.now);
        let items = match split(body, framing) {
            Ok(items) => items,
            Err(e @ IngestError::BadBody(_)) => {
                got.batch.rejected.push(RejectedDoorEvent {
                    id: 0,
                    device_code: sender.unwrap_or_default().to_owned(),
                    channel: channel.as_str().to_owned(),
                    reason: Reason::BadJson.as_str().to_owned(),
                    detail: e.to_string(),
                    payload: kept(body),
                    received_at: now,
                });
                self.metrics.rejected(channel, Reason::BadJson);
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        got.batch.events.reserve(items.len());
        let mut reply = IngestReply::default();
        let heard = &mut got.heard;
        if let Some(key) = sender.and_then(|code| devices.by_code.get(code)) {
            heard.insert(key.id);
        }
        let (mut device_missed, mut card_missed) = (false, false);
        for (index, item) in items.iter().enumerate() {
            let mut device_code = sender.unwrap_or_default();
            let outcome: Result<NewDoorEvent, (Reason, String)> = (|| {
                let ev: WireEvent =
                    serde_json::from_slice(item).map_err(|e| (Reason::BadJson, e.to_string()))?;
                let key = devices
                    .by_code
                    .get(ev.device.as_ref())
                    .filter(|k| k.enabled)
                    .ok_or_else(|| {
                        device_missed = true;
                        (
                            Reason::UnknownDevice,
                            format!("no enabled device {:?}", ev.device),
                        )
                    })?;
                device_code = key.code.as_str();
                if sender.is_some_and(|s| s != key.code) {
                    return Err((
                        Reason::WrongDevice,
                        format!(
                            "the event names device {:?} but came as {:?}",
                            key.code,
                            sender.unwrap_or_default()
                        ),
                    ));
                }
                if sender.is_none() {
                    heard.insert(key.id);
                }
                if ev.id.is_empty() || ev.id.len() > MAX_EVENT_ID {
                    return Err((
                        Reason::BadJson,
                        format!("id must have 1 to {MAX_EVENT_ID} bytes"),
                    ));
                }
                let at = chrono::DateTime::parse_from_rfc3339(&ev.at)
                    .map_err(|e| (Reason::BadJson, format!("at is not RFC 3339: {e}")))?
                    .timestamp_millis();
                if at > now + MAX_FUTURE_MS {
                    return Err((
                        Reason::FutureTime,
                        format!("at is {} s ahead of the server", (at - now) / 1000),
                    ));
                }
                let (person_id, household_id) =
                    match ev.kind {
                        PassKind::Resident => {
                            let card = cards.by_credential.get(ev.credential.as_ref()).ok_or_else(
                                || {
                                    card_missed = true;
                                    (
                                        Reason::UnknownCredential,
                                        "no resident holds this card".into(),
                                    )
                                },
                            )?;
                            (Some(card.person_id), card.household_id)
                        }
                        PassKind::Visitor => (
                            None,
                            ev.household
                                .as_deref()
                                .and_then(|h| cards.households.get(h).copied()),
                        ),
                    };
                let day = chrono::DateTime::from_timestamp_millis(at)
                    .unwrap_or_default()
                    .with_timezone(&tz)
                    .date_naive();
                Ok(NewDoorEvent {
                    event_id: ev.id.into_owned(),
                    device_id: key.id,
                    building_id: key.building_id,
                    at,
                    direction: ev.direction,
                    kind: ev.kind,
                    credential: ev.credential.into_owned(),
                    person_id,
                    household_id,
                    day,
                })
            })();
            match outcome {
                Ok(event) => got.batch.events.push(event),
                Err((reason, detail)) => {
                    self.metrics.rejected(channel, reason);
                    reply.rejected.push(RejectedItem { index, reason });
                    got.batch.rejected.push(RejectedDoorEvent {
                        id: 0,
                        device_code: device_code.to_owned(),
                        channel: channel.as_str().to_owned(),
                        reason: reason.as_str().to_owned(),
                        detail,
                        payload: kept(item),
                        received_at: now,
                    });
                }
            }
        }
        got.device_missed |= device_missed;
        got.card_missed |= card_missed;
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_split_into_events_by_framing() {
        let array = br#" [{"a":1}, {"b":[2]}] "#;
        assert_eq!(
            split(array, Framing::Json).expect("array"),
            vec![&br#"{"a":1}"#[..], &br#"{"b":[2]}"#[..]]
        );
        assert_eq!(split(b"{\"a\":1}", Framing::Json).expect("one").len(), 1);
        let nd = b"{\"a\":1}\n\n  \n{\"b\":2}\nnot json\n";
        assert_eq!(split(nd, Framing::Ndjson).expect("ndjson").len(), 3);
        assert!(matches!(
            split(b"[{\"a\":1}", Framing::Json),
            Err(IngestError::BadBody(_))
        ));
        assert!(matches!(
            split(b"hello", Framing::Json),
            Err(IngestError::BadBody(_))
        ));
        let many = "{}\n".repeat(MAX_EVENTS + 1);
        assert!(matches!(
            split(many.as_bytes(), Framing::Ndjson),
            Err(IngestError::TooMany { limit: MAX_EVENTS })
        ));
    }
}
