//! The SMS worker: takes due `sms` rows from the outbox and POSTs each to
//! the configured HTTP gateway as JSON `{"to", "text", "id"}` with
//! `Authorization: Bearer <key>`.
//!
//! Delivery is **at least once**. A row is claimed (its next attempt moved
//! a lease ahead) before it is sent and marked after the gateway answers;
//! a process that dies in between leaves the row to be sent again when the
//! lease runs out. The outbox id travels as `id` in the body and as the
//! `Idempotency-Key` header, identical on every retry, so a gateway that
//! remembers ids can drop the repeat. Nothing is ever deleted: failures
//! are retried with exponential backoff and, after `sms_max_attempts`,
//! dead-lettered for operators to see and requeue.

use std::time::Duration;

use futures_util::StreamExt;
use shequ_store::orders::create::Queued;
use shequ_store::orders::outbox::{Delivery, OutboxRow};

use crate::orders::OrdersState;

/// Rows taken per pass.
pub const BATCH: i64 = 100;
/// How long one request to the gateway may take, connecting included.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed row is left alone before it counts as abandoned;
/// longer than any request may take.
const LEASE_MS: i64 = 60_000;
/// Requests in flight at once.
const CONCURRENCY: usize = 8;

/// How long a wake-up waits for more messages before a pass.
const GATHER: Duration = Duration::from_millis(200);
/// First retry delay; doubled after each failure up to the cap.
const BACKOFF_BASE_MS: i64 = 30_000;
const BACKOFF_CAP_MS: i64 = 3_600_000;

/// Dead-letter reason when the recipient has no phone number.
pub const NO_PHONE: &str = "no phone number";
/// Dead-letter reason when no gateway URL is set.
pub const NO_GATEWAY: &str = "no SMS gateway configured";

/// The HTTP client that talks to the gateway (cheap to clone).
#[derive(Debug, Clone)]
pub struct Gateway {
    client: reqwest::Client,
}

impl Gateway {
    /// A client with the send timeout.
    pub fn new() -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .connect_timeout(SEND_TIMEOUT)
            .build()
            .map_err(|e| anyhow::anyhow!("building the HTTP client for SMS: {e}"))?;
        Ok(Self { client })
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    /// Failed and scheduled for another attempt.
    pub retrying: usize,
    pub dead: usize,
    /// Rows whose outcome could not be stored (database trouble).
    pub errors: usize,
}

enum Outcome {
    Sent,
    Retrying,
    Dead,
}

/// Wakes the worker when `queued` (rows just committed) holds an SMS.
pub fn wake_if_queued(state: &OrdersState, queued: &[Queued]) {
    if queued.iter().any(|q| q.channel == "sms") {
        state.sms_wake.notify_one();
    }
}

/// The delay before the next attempt after `failures_before` earlier
/// failures: 30 s × 2^n, at most an hour, less up to a fifth by `jitter`
/// (0–1) so that messages failing together do not retry together.
pub fn backoff_ms(failures_before: i64, jitter: f64) -> i64 {
    let exp = u32::try_from(failures_before.clamp(0, 20)).unwrap_or(20);
    let full = BACKOFF_BASE_MS
        .saturating_mul(1i64 << exp)
        .min(BACKOFF_CAP_MS);
    // At most a fifth of an hour: well inside what an f64 holds exactly.
    let off = (full as f64 * 0.2 * jitter.clamp(0.0, 1.0)) as i64;
    full - off
}

/// Loops until the process ends: a pass, then a nap until the poll
/// interval passes or a commit queues an SMS.
pub async fn run(state: OrdersState, gateway: Gateway) {
    let poll = Duration::from_secs(u64::from(state.settings.sms_poll_seconds.max(1)));
    tracing::info!(
        gateway = state.settings.sms_webhook_url.is_some(),
        "SMS worker started"
    );
    loop {
        let more = match run_once(&state, &gateway).await {
            Ok(p) => p.errors == 0 && p.sent + p.retrying + p.dead >= BATCH as usize,
            Err(e) => {
                tracing::warn!(error = %e, "SMS worker: reading the outbox failed");
                false
            }
        };
        if more {
            continue;
        }
        tokio::select! {
            () = state.sms_wake.notified() => {
                // Let the messages of a busy moment gather, so one pass (two
                // writes) carries many of them instead of one each.
                tokio::time::sleep(GATHER).await;
            }
            () = tokio::time::sleep(poll) => {}
        }
    }
}

/// One pass: every SMS due at the platform's clock, sent or rescheduled.
/// The due rows are claimed in one statement and the outcomes recorded in
/// one transaction, so a pass costs the database two writes however many
/// messages it carries.
pub async fn run_once(state: &OrdersState, gateway: &Gateway) -> shequ_store::Result<Pass> {
    let now = state.clock.now_ms();
    let rows = state
        .store
        .claim_due_outbox("sms", now, now + LEASE_MS, BATCH)
        .await?;
    let results: Vec<(i64, Delivery, Outcome)> = futures_util::stream::iter(rows)
        .map(|row| deliver(state, gateway, row))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut pass = Pass::default();
    for (_, _, o) in &results {
        match o {
            Outcome::Sent => pass.sent += 1,
            Outcome::Retrying => pass.retrying += 1,
            Outcome::Dead => pass.dead += 1,
        }
    }
    let records: Vec<(i64, Delivery)> = results.into_iter().map(|(id, d, _)| (id, d)).collect();
    if let Err(e) = state.store.record_deliveries(&records).await {
        // The rows keep their lease and come back after it: sent ones may
        // be sent again (at least once), none is lost.
        tracing::warn!(error = %e, rows = records.len(), "SMS worker: storing delivery outcomes failed");
        pass.errors += records.len();
    }
    Ok(pass)
}

/// Tries one claimed row; says what to record.
async fn deliver(
    state: &OrdersState,
    gateway: &Gateway,
    row: OutboxRow,
) -> (i64, Delivery, Outcome) {
    let now = state.clock.now_ms();
    let give_up = |reason: &str| {
        tracing::warn!(outbox.id = row.id, reason, "SMS dead-lettered");
        (
            row.id,
            Delivery::Failed {
                error: reason.to_owned(),
                next_attempt_at: now,
                dead: true,
            },
            Outcome::Dead,
        )
    };
    if row.recipient.trim().is_empty() {
        return give_up(NO_PHONE);
    }
    let Some(url) = state
        .settings
        .sms_webhook_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    else {
        return give_up(NO_GATEWAY);
    };
    let Some(text) = serde_json::from_str::<serde_json::Value>(&row.payload)
        .ok()
        .and_then(|p| p["text"].as_str().map(str::to_owned))
    else {
        return give_up("message has no text");
    };
    match send(state, gateway, url, &row, &text).await {
        Ok(()) => {
            tracing::debug!(outbox.id = row.id, "SMS sent");
            (
                row.id,
                Delivery::Sent {
                    at: state.clock.now_ms(),
                },
                Outcome::Sent,
            )
        }
        Err(reason) => {
            let max = i64::from(state.settings.sms_max_attempts.max(1));
            let dead = row.attempts + 1 >= max;
            let next = state.clock.now_ms() + backoff_ms(row.attempts, rand::random::<f64>());
            if dead {
                tracing::warn!(outbox.id = row.id, attempts = row.attempts + 1, error = %reason, "SMS dead-lettered after its last attempt");
            } else {
                tracing::info!(outbox.id = row.id, attempts = row.attempts + 1, error = %reason, "SMS failed; will retry");
            }
            let outcome = if dead {
                Outcome::Dead
            } else {
                Outcome::Retrying
            };
            (
                row.id,
                Delivery::Failed {
                    error: reason,
                    next_attempt_at: next,
                    dead,
                },
                outcome,
            )
        }
    }
}

/// One POST to the gateway; `Err` says why it did not take the message.
async fn send(
    state: &OrdersState,
    gateway: &Gateway,
    url: &str,
    row: &OutboxRow,
    text: &str,
) -> Result<(), String> {
    let body = serde_json::json!({ "to": row.recipient, "text": text, "id": row.id });
    let mut req = gateway
        .client
        .post(url)
        .header("Idempotency-Key", row.id.to_string())
        .json(&body);
    if let Some(key) = &state.settings.sms_webhook_key {
        req = req.bearer_auth(&key.0);
    }
    let resp = req.send().await.map_err(|e| {
        if e.is_timeout() {
            format!(
                "the gateway did not answer within {} s",
                SEND_TIMEOUT.as_secs()
            )
        } else {
            // Without the URL: it may carry a key in its query.
            format!("cannot reach the gateway: {}", e.without_url())
        }
    })?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let detail: String = resp
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    Err(format!("the gateway answered {status}: {}", detail.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_an_hour_and_jitter_only_shortens() {
        assert_eq!(backoff_ms(0, 0.0), 30_000);
        assert_eq!(backoff_ms(1, 0.0), 60_000);
        assert_eq!(backoff_ms(2, 0.0), 120_000);
        assert_eq!(backoff_ms(7, 0.0), 3_600_000);
        assert_eq!(backoff_ms(60, 0.0), 3_600_000);
        assert_eq!(backoff_ms(0, 1.0), 24_000);
        for n in 0..7 {
            // Even the shortest next delay exceeds the longest this one.
            assert!(backoff_ms(n + 1, 1.0) > backoff_ms(n, 0.0));
        }
    }
}
