//! The notification outbox: rows written with each change, delivered by
//! the workers (pop-ups over SSE, SMS through the gateway), retried with
//! backoff and dead-lettered after too many failures.

use serde::Serialize;

use super::Notice;
use super::create::{OUTBOX_INSERT, OutboxIn, Queued};
use crate::bulk::over_json_list;
use crate::bulk::{Sql, pick};
use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// A stored notification.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OutboxRow {
    pub id: i64,
    pub order_id: Option<i64>,
    pub user_id: Option<i64>,
    pub channel: String,
    pub recipient: String,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

macro_rules! outbox_select {
    () => {
        "SELECT id, order_id, user_id, channel, recipient, payload, state, attempts, next_attempt_at,
                last_error, created_at, sent_at FROM outbox "
    };
}

/// What became of one delivery attempt, to record with the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent {
        at: i64,
    },
    /// Failed; retried at `next_attempt_at`, or given up on when `dead`.
    Failed {
        error: String,
        next_attempt_at: i64,
        dead: bool,
    },
}

/// One delivery outcome as [`RECORD_DELIVERIES`] takes it: `sent_at` for
/// a message sent, the other fields for a failed attempt.
#[derive(Serialize)]
struct DeliveryRow<'a> {
    id: i64,
    sent_at: Option<i64>,
    error: Option<&'a str>,
    next_attempt_at: Option<i64>,
    dead: bool,
}

/// Applies a JSON array of [`DeliveryRow`]s: a sent row is marked sent; a
/// failed one keeps its error and next attempt, and is dead-lettered when
/// `dead`. Both engines look each row up by id (checked with EXPLAIN on
/// SQLite: the array is scanned and outbox searched by its primary key).
const RECORD_DELIVERIES: Sql = Sql {
    sqlite: "UPDATE outbox SET attempts = attempts + 1,
                state = CASE WHEN d.sent_at IS NOT NULL THEN 'sent' WHEN d.dead THEN 'dead' ELSE outbox.state END,
                sent_at = COALESCE(d.sent_at, outbox.sent_at),
                last_error = CASE WHEN d.sent_at IS NULL THEN d.error ELSE outbox.last_error END,
                next_attempt_at = COALESCE(d.next_attempt_at, outbox.next_attempt_at)
             FROM (SELECT j.value ->> 'id' AS id, j.value ->> 'sent_at' AS sent_at, j.value ->> 'error' AS error,
                          j.value ->> 'next_attempt_at' AS next_attempt_at, j.value ->> 'dead' AS dead
                   FROM json_each($1) AS j) AS d
             WHERE outbox.id = d.id",
    postgres: "UPDATE outbox SET attempts = outbox.attempts + 1,
                state = CASE WHEN d.sent_at IS NOT NULL THEN 'sent' WHEN d.dead THEN 'dead' ELSE outbox.state END,
                sent_at = COALESCE(d.sent_at, outbox.sent_at),
                last_error = CASE WHEN d.sent_at IS NULL THEN d.error ELSE outbox.last_error END,
                next_attempt_at = COALESCE(d.next_attempt_at, outbox.next_attempt_at)
             FROM jsonb_to_recordset($1::jsonb)
                  AS d(id bigint, sent_at bigint, error text, next_attempt_at bigint, dead boolean)
             WHERE outbox.id = d.id",
};

const CLAIM_DUE: crate::bulk::Sql = crate::bulk::Sql {
    sqlite: "UPDATE outbox SET next_attempt_at = $3 WHERE id IN (
            SELECT id FROM outbox WHERE state = 'pending' AND channel = $1 AND next_attempt_at <= $2
            ORDER BY next_attempt_at, id LIMIT $4)
         RETURNING id, order_id, user_id, channel, recipient, payload, state, attempts, next_attempt_at,
                   last_error, created_at, sent_at",
    postgres: "UPDATE outbox SET next_attempt_at = $3 WHERE id IN (
            SELECT id FROM outbox WHERE state = 'pending' AND channel = $1 AND next_attempt_at <= $2
            ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
         RETURNING id, order_id, user_id, channel, recipient, payload, state, attempts, next_attempt_at,
                   last_error, created_at, sent_at",
};

impl Store {
    /// Claims up to `limit` due rows of a channel in one statement: their
    /// next attempt moves to `lease_until`, so another worker (or process)
    /// does not take them meanwhile, and a crash retries them then.
    pub async fn claim_due_outbox(
        &self,
        channel: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let mut rows = on_db!(self, write, |pool| {
            sqlx::query_as::<_, OutboxRow>(pick(&self.db, &CLAIM_DUE))
                .bind(channel)
                .bind(now)
                .bind(lease_until)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    /// Records the outcomes of a pass in one statement. One statement, not
    /// one per row: SQLite has a single writer, and a transaction of a
    /// hundred updates (each a round trip to the connection's thread) held
    /// it long enough to stall every new order queued behind it.
    pub async fn record_deliveries(&self, results: &[(i64, Delivery)]) -> Result<()> {
        if results.is_empty() {
            return Ok(());
        }
        let rows: Vec<DeliveryRow<'_>> = results
            .iter()
            .map(|(id, d)| match d {
                Delivery::Sent { at } => DeliveryRow {
                    id: *id,
                    sent_at: Some(*at),
                    error: None,
                    next_attempt_at: None,
                    dead: false,
                },
                Delivery::Failed {
                    error,
                    next_attempt_at,
                    dead,
                } => DeliveryRow {
                    id: *id,
                    sent_at: None,
                    error: Some(error),
                    next_attempt_at: Some(*next_attempt_at),
                    dead: *dead,
                },
            })
            .collect();
        let rows = serde_json::to_string(&rows).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        on_db!(self, write, |pool| {
            sqlx::query(pick(&self.db, &RECORD_DELIVERIES))
                .bind(&rows)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Writes notifications not tied to an order change (reminders).
    pub async fn enqueue_notices(
        &self,
        order_id: Option<i64>,
        notices: &[Notice],
        now: i64,
    ) -> Result<Vec<Queued>> {
        if notices.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<OutboxIn<'_>> = notices
            .iter()
            .map(|notice| OutboxIn { order_id, notice })
            .collect();
        let json = serde_json::to_string(&rows).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let rows = on_db!(self, write, |pool| {
            sqlx::query_as::<_, Queued>(pick(&self.db, &OUTBOX_INSERT))
                .bind(&json)
                .bind(now)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Pending rows of a channel whose next attempt is due.
    pub async fn due_outbox(&self, channel: &str, now: i64, limit: i64) -> Result<Vec<OutboxRow>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, OutboxRow>(concat!(
                outbox_select!(),
                "WHERE state = 'pending' AND channel = $1 AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3"
            ))
            .bind(channel)
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Marks a row delivered.
    pub async fn mark_outbox_sent(&self, id: i64, now: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE outbox SET state = 'sent', sent_at = $2, attempts = attempts + 1 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Records a failed attempt: retried at `next_attempt_at`, or
    /// dead-lettered when `dead`.
    pub async fn mark_outbox_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: i64,
        dead: bool,
    ) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3,
                    state = CASE WHEN $4 THEN 'dead' ELSE state END
                 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .bind(next_attempt_at)
            .bind(dead)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Pop-ups for a user after `after_id` (replay for a page that
    /// reconnects with Last-Event-ID), oldest first.
    pub async fn popups_for(
        &self,
        user_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, OutboxRow>(concat!(
                outbox_select!(),
                "WHERE channel = 'popup' AND user_id = $1 AND id > $2 ORDER BY id LIMIT $3"
            ))
            .bind(user_id)
            .bind(after_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// One outbox row.
    pub async fn outbox_row(&self, id: i64) -> Result<Option<OutboxRow>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, OutboxRow>(concat!(outbox_select!(), "WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row)
    }

    /// Dead-lettered rows, newest first, for operators.
    pub async fn dead_letters(&self, limit: i64) -> Result<Vec<OutboxRow>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, OutboxRow>(concat!(
                outbox_select!(),
                "WHERE state = 'dead' ORDER BY id DESC LIMIT $1"
            ))
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Claims a due row for one delivery attempt: moves its next attempt to
    /// `lease_until`, so another worker (or a second pass of this one) does
    /// not send it too, and a worker that dies mid-send leaves it to be
    /// retried when the lease ends. False when someone else claimed it, or
    /// it is no longer due as read (`due_at`).
    pub async fn claim_outbox(&self, id: i64, due_at: i64, lease_until: i64) -> Result<bool> {
        let n = on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE outbox SET next_attempt_at = $3
                 WHERE id = $1 AND state = 'pending' AND next_attempt_at = $2",
            )
            .bind(id)
            .bind(due_at)
            .bind(lease_until)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Marks pop-ups shown on an open page. Rows already marked keep their
    /// first delivery time, so a user with two pages open counts once.
    pub async fn mark_popups_sent(&self, ids: &[i64], now: i64) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids = serde_json::to_string(ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sql = over_json_list!(
            "UPDATE outbox SET state = 'sent', sent_at = $2, attempts = attempts + 1
                             WHERE id IN (",
            ids "$1",
            ") AND channel = 'popup' AND state = 'pending'"
        );
        on_db!(self, write, |pool| {
            sqlx::query(pick(&self.db, &sql))
                .bind(&ids)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Dead-lettered rows about orders (or, for rows without an order,
    /// users) inside `scope`, newest first; `id` narrows to one row.
    pub async fn dead_letters_in(
        &self,
        scope: &Scope,
        id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, OutboxRow>(
                "SELECT o.id, o.order_id, o.user_id, o.channel, o.recipient, o.payload, o.state, o.attempts,
                        o.next_attempt_at, o.last_error, o.created_at, o.sent_at
                 FROM outbox o
                 LEFT JOIN work_orders w ON w.id = o.order_id
                 LEFT JOIN users u ON u.id = o.user_id
                 LEFT JOIN regions r ON r.id = u.region_id
                 WHERE o.state = 'dead' AND ($3 IS NULL OR o.id = $3)
                   AND COALESCE(w.region_path, r.path, '') >= $1
                   AND COALESCE(w.region_path, r.path, '') < $2
                 ORDER BY o.id DESC LIMIT $4",
            )
            .bind(lo)
            .bind(hi)
            .bind(id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Puts a dead-lettered row back in the queue for another round.
    pub async fn requeue_outbox(&self, id: i64, now: i64) -> Result<()> {
        let n = on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $2 WHERE id = $1 AND state = 'dead'",
            )
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("dead letter"));
        }
        Ok(())
    }
}
