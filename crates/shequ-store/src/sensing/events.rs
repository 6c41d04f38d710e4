//! Storing door events: the hot ingest path. One transaction per batch
//! stores the events (a re-delivered `(device, event id)` is skipped and
//! counted as a duplicate), bumps the daily counts, keeps the rejected
//! events and notes when each device was heard.
//!
//! SQLite gets multi-row `VALUES` statements of anonymous parameters in
//! a few fixed sizes (so its prepared statements are reused); PostgreSQL
//! gets one `UNNEST` of column arrays per table.

use std::collections::HashMap;

use serde::Serialize;
use shequ_domain::sensing::{Direction, DoorEvent, PassKind};

use crate::bulk::Sql;
use crate::db::{Db, on_db};
use crate::{Result, Store, StoreError};

/// An accepted event, resolved against the registry, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDoorEvent {
    /// The device's own id for the event (unique per device).
    pub event_id: String,
    pub device_id: i64,
    pub building_id: i64,
    pub at: i64,
    pub direction: Direction,
    pub kind: PassKind,
    pub credential: String,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    /// The day of `at` in the street's time zone (`YYYY-MM-DD`), which
    /// the daily counts are kept by.
    pub day: String,
}

/// An event refused at ingest, kept so an operator can see what a device
/// sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RejectedDoorEvent {
    /// 0 before it is stored.
    pub id: i64,
    pub device_code: String,
    /// `http` or `mqtt`.
    pub channel: String,
    /// Stable code: `bad_json`, `unknown_device`, `wrong_device`,
    /// `future_time`, `unknown_credential`.
    pub reason: String,
    pub detail: String,
    /// The event as sent (cut to a few hundred bytes).
    pub payload: String,
    pub received_at: i64,
}

/// One transaction's worth of ingest.
#[derive(Debug, Default)]
pub struct DoorBatch {
    pub events: Vec<NewDoorEvent>,
    pub rejected: Vec<RejectedDoorEvent>,
    /// `(device id, time)` of every device heard from, even when all its
    /// events were rejected.
    pub heard: Vec<(i64, i64)>,
    pub received_at: i64,
}

/// What a batch stored.
#[derive(Debug, Default)]
pub struct StoredBatch {
    /// Per event of the batch, in order: its `seq`, or `None` for a duplicate.
    pub seqs: Vec<Option<i64>>,
    /// The events stored, in order, as the rules see them.
    pub events: Vec<DoorEvent>,
    pub duplicates: usize,
}

/// Passes per day, building and household (0 = the building as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DailyCount {
    pub day: String,
    pub building_id: i64,
    pub household_id: i64,
    pub passes: i64,
    pub visitors: i64,
}

const EVENT_HEAD: &str = "INSERT INTO door_events (device_id, event_id, at, direction, kind, credential, person_id, household_id, building_id, received_at) VALUES";
const EVENT_TAIL: &str =
    "ON CONFLICT (device_id, event_id) DO NOTHING RETURNING seq, device_id, event_id";
const EVENTS_PG: &str = "INSERT INTO door_events (device_id, event_id, at, direction, kind, credential, person_id, household_id, building_id, received_at)
     SELECT d, e, a, di, k, c, p, h, b, $10 FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[],
         $6::text[], $7::bigint[], $8::bigint[], $9::bigint[]) AS x(d, e, a, di, k, c, p, h, b)
     ON CONFLICT (device_id, event_id) DO NOTHING RETURNING seq, device_id, event_id";

const COUNT_HEAD: &str =
    "INSERT INTO door_daily_counts (day, building_id, household_id, passes, visitors) VALUES";
const COUNT_TAIL: &str = "ON CONFLICT (day, building_id, household_id) DO UPDATE SET
     passes = door_daily_counts.passes + excluded.passes, visitors = door_daily_counts.visitors + excluded.visitors";
const COUNTS_PG: &str = "INSERT INTO door_daily_counts (day, building_id, household_id, passes, visitors)
     SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
     ON CONFLICT (day, building_id, household_id) DO UPDATE SET
     passes = door_daily_counts.passes + excluded.passes, visitors = door_daily_counts.visitors + excluded.visitors";

const INSERT_REJECTED: Sql = Sql {
    sqlite: "INSERT INTO rejected_door_events (device_code, channel, reason, detail, payload, received_at)
             SELECT j.value ->> 'device_code', j.value ->> 'channel', j.value ->> 'reason', j.value ->> 'detail',
                    j.value ->> 'payload', j.value ->> 'received_at'
             FROM json_each($1) AS j",
    postgres: "INSERT INTO rejected_door_events (device_code, channel, reason, detail, payload, received_at)
             SELECT x.device_code, x.channel, x.reason, x.detail, x.payload, x.received_at
             FROM jsonb_to_recordset($1::jsonb) AS x(device_code text, channel text, reason text, detail text,
                  payload text, received_at bigint)",
};

const HEARD: Sql = Sql {
    sqlite: "UPDATE devices SET last_heard_at = max(coalesce(devices.last_heard_at, 0), v.at)
             FROM (SELECT j.value ->> 'id' AS id, j.value ->> 'at' AS at FROM json_each($1) AS j) AS v
             WHERE devices.id = v.id",
    postgres: "UPDATE devices SET last_heard_at = GREATEST(COALESCE(devices.last_heard_at, 0), v.at)
             FROM jsonb_to_recordset($1::jsonb) AS v(id bigint, at bigint)
             WHERE devices.id = v.id",
};

/// Rows per SQLite statement, largest first: a batch is cut into
/// statements of these sizes so only a handful of distinct statement texts
/// exist and each stays prepared in the connection's cache.
const SQLITE_CHUNKS: [usize; 4] = [1000, 100, 10, 1];

/// Cuts `n` rows into runs of [`SQLITE_CHUNKS`] sizes.
pub(crate) fn chunk_sizes(mut n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for size in SQLITE_CHUNKS {
        while n >= size {
            out.push(size);
            n -= size;
        }
    }
    out
}

pub(crate) fn values_sql(head: &str, columns: usize, rows: usize, tail: &str) -> String {
    let row = format!("({}?)", "?, ".repeat(columns - 1));
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * (row.len() + 2) + 2);
    sql.push_str(head);
    for r in 0..rows {
        sql.push_str(if r == 0 { " " } else { ", " });
        sql.push_str(&row);
    }
    sql.push(' ');
    sql.push_str(tail);
    sql
}

pub(crate) fn direction_str(d: Direction) -> &'static str {
    match d {
        Direction::In => "in",
        Direction::Out => "out",
    }
}

pub(crate) fn kind_str(k: PassKind) -> &'static str {
    match k {
        PassKind::Resident => "resident",
        PassKind::Visitor => "visitor",
    }
}

type Key = (String, i64, i64);

/// Daily count increments of the stored events.
fn count_rows(events: &[NewDoorEvent], seqs: &[Option<i64>]) -> Vec<(Key, (i64, i64))> {
    let mut counts: HashMap<(&str, i64, i64), (i64, i64)> = HashMap::new();
    for (e, seq) in events.iter().zip(seqs) {
        if seq.is_none() {
            continue;
        }
        let visitor = i64::from(e.kind == PassKind::Visitor);
        let mut bump = |household: i64| {
            let c = counts
                .entry((e.day.as_str(), e.building_id, household))
                .or_default();
            c.0 += 1;
            c.1 += visitor;
        };
        bump(0);
        if let Some(h) = e.household_id {
            bump(h);
        }
    }
    let mut rows: Vec<(Key, (i64, i64))> = counts
        .into_iter()
        .map(|((d, b, h), c)| ((d.to_owned(), b, h), c))
        .collect();
    // One order for every writer, so concurrent upserts cannot deadlock.
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    rows
}

/// Matches the `(seq, device, event id)` rows an insert returned to its
/// input rows: the first occurrence of a key gets the seq, the others are
/// duplicates.
fn match_seqs(events: &[NewDoorEvent], mut returned: Vec<(i64, i64, String)>) -> Vec<Option<i64>> {
    if returned.len() == events.len() {
        // Nothing was skipped: the seqs were taken in input order.
        returned.sort_unstable_by_key(|r| r.0);
        return returned.into_iter().map(|r| Some(r.0)).collect();
    }
    let mut by_key: HashMap<(i64, String), i64> = returned
        .into_iter()
        .map(|(seq, device, id)| ((device, id), seq))
        .collect();
    events
        .iter()
        .map(|e| by_key.remove(&(e.device_id, e.event_id.clone())))
        .collect()
}

#[derive(Serialize)]
struct HeardRow {
    id: i64,
    at: i64,
}

fn json<T: Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// Stores one batch in one transaction (see the module doc); returns
    /// the stored events with their `seq` and the number of duplicates.
    pub async fn insert_door_events(&self, batch: &DoorBatch) -> Result<StoredBatch> {
        let rejected = (!batch.rejected.is_empty())
            .then(|| json(&batch.rejected))
            .transpose()?;
        let heard = (!batch.heard.is_empty())
            .then(|| {
                json(
                    &batch
                        .heard
                        .iter()
                        .map(|&(id, at)| HeardRow { id, at })
                        .collect::<Vec<_>>(),
                )
            })
            .transpose()?;
        let events = &batch.events;
        let seqs = match &self.db {
            Db::Sqlite(pools) => {
                let mut tx = pools.write.begin().await?;
                let mut returned: Vec<(i64, i64, String)> = Vec::with_capacity(events.len());
                let mut start = 0;
                for size in chunk_sizes(events.len()) {
                    let sql = values_sql(EVENT_HEAD, 10, size, EVENT_TAIL);
                    let mut q = sqlx::query_as::<_, (i64, i64, String)>(sqlx::AssertSqlSafe(sql));
                    for e in &events[start..start + size] {
                        q = q
                            .bind(e.device_id)
                            .bind(e.event_id.as_str())
                            .bind(e.at)
                            .bind(direction_str(e.direction))
                            .bind(kind_str(e.kind))
                            .bind(e.credential.as_str())
                            .bind(e.person_id)
                            .bind(e.household_id)
                            .bind(e.building_id)
                            .bind(batch.received_at);
                    }
                    returned.extend(q.fetch_all(&mut *tx).await?);
                    start += size;
                }
                let seqs = match_seqs(events, returned);
                let counts = count_rows(events, &seqs);
                let mut start = 0;
                for size in chunk_sizes(counts.len()) {
                    let sql = values_sql(COUNT_HEAD, 5, size, COUNT_TAIL);
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for ((day, building, household), (passes, visitors)) in
                        &counts[start..start + size]
                    {
                        q = q
                            .bind(day.as_str())
                            .bind(building)
                            .bind(household)
                            .bind(passes)
                            .bind(visitors);
                    }
                    q.execute(&mut *tx).await?;
                    start += size;
                }
                if let Some(json) = &rejected {
                    sqlx::query(INSERT_REJECTED.sqlite)
                        .bind(json)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(json) = &heard {
                    sqlx::query(HEARD.sqlite)
                        .bind(json)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                seqs
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let returned: Vec<(i64, i64, String)> = if events.is_empty() {
                    Vec::new()
                } else {
                    sqlx::query_as(EVENTS_PG)
                        .bind(events.iter().map(|e| e.device_id).collect::<Vec<_>>())
                        .bind(
                            events
                                .iter()
                                .map(|e| e.event_id.as_str())
                                .collect::<Vec<_>>(),
                        )
                        .bind(events.iter().map(|e| e.at).collect::<Vec<_>>())
                        .bind(
                            events
                                .iter()
                                .map(|e| direction_str(e.direction))
                                .collect::<Vec<_>>(),
                        )
                        .bind(events.iter().map(|e| kind_str(e.kind)).collect::<Vec<_>>())
                        .bind(
                            events
                                .iter()
                                .map(|e| e.credential.as_str())
                                .collect::<Vec<_>>(),
                        )
                        .bind(events.iter().map(|e| e.person_id).collect::<Vec<_>>())
                        .bind(events.iter().map(|e| e.household_id).collect::<Vec<_>>())
                        .bind(events.iter().map(|e| e.building_id).collect::<Vec<_>>())
                        .bind(batch.received_at)
                        .fetch_all(&mut *tx)
                        .await?
                };
                let seqs = match_seqs(events, returned);
                let counts = count_rows(events, &seqs);
                if !counts.is_empty() {
                    sqlx::query(COUNTS_PG)
                        .bind(counts.iter().map(|c| c.0.0.as_str()).collect::<Vec<_>>())
                        .bind(counts.iter().map(|c| c.0.1).collect::<Vec<_>>())
                        .bind(counts.iter().map(|c| c.0.2).collect::<Vec<_>>())
                        .bind(counts.iter().map(|c| c.1.0).collect::<Vec<_>>())
                        .bind(counts.iter().map(|c| c.1.1).collect::<Vec<_>>())
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(json) = &rejected {
                    sqlx::query(INSERT_REJECTED.postgres)
                        .bind(json)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(json) = &heard {
                    sqlx::query(HEARD.postgres)
                        .bind(json)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                seqs
            }
        };
        let duplicates = seqs.iter().filter(|s| s.is_none()).count();
        let stored = events
            .iter()
            .zip(&seqs)
            .filter_map(|(e, seq)| {
                seq.map(|seq| DoorEvent {
                    seq,
                    device_id: e.device_id,
                    building_id: e.building_id,
                    at: e.at,
                    direction: e.direction,
                    kind: e.kind,
                    person_id: e.person_id,
                    household_id: e.household_id,
                    credential: e.credential.clone(),
                })
            })
            .collect();
        Ok(StoredBatch {
            seqs,
            events: stored,
            duplicates,
        })
    }

    /// The most recent rejected events, newest first.
    pub async fn recent_rejected_door_events(&self, limit: i64) -> Result<Vec<RejectedDoorEvent>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, RejectedDoorEvent>(
                "SELECT id, device_code, channel, reason, detail, payload, received_at
                 FROM rejected_door_events ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Deletes up to `limit` raw events older than `before` (epoch ms);
    /// returns how many went. Callers loop in small batches so ingest is
    /// never held up behind one long delete.
    pub async fn prune_door_events(&self, before: i64, limit: i64) -> Result<u64> {
        let n = on_db!(self, write, |pool| {
            sqlx::query(
                "DELETE FROM door_events WHERE seq IN
                   (SELECT seq FROM door_events WHERE at < $1 ORDER BY at LIMIT $2)",
            )
            .bind(before)
            .bind(limit)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n)
    }

    /// Deletes up to `limit` rejected events received before `before`.
    pub async fn prune_rejected_door_events(&self, before: i64, limit: i64) -> Result<u64> {
        let n = on_db!(self, write, |pool| {
            sqlx::query(
                "DELETE FROM rejected_door_events WHERE id IN
                   (SELECT id FROM rejected_door_events WHERE received_at < $1 ORDER BY received_at LIMIT $2)",
            )
            .bind(before)
            .bind(limit)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n)
    }

    /// `(person, time of their last pass)` for everyone who passed a door
    /// at or after `at`: what the rules engine rebuilds its state from.
    pub async fn last_passes_since(&self, at: i64) -> Result<Vec<(i64, i64)>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT person_id, max(at) FROM door_events
                 WHERE at >= $1 AND person_id IS NOT NULL GROUP BY person_id",
            )
            .bind(at)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// The daily counts of one day (`YYYY-MM-DD`).
    pub async fn door_daily_counts(&self, day: &str) -> Result<Vec<DailyCount>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, DailyCount>(
                "SELECT day, building_id, household_id, passes, visitors FROM door_daily_counts
                 WHERE day = $1 ORDER BY building_id, household_id",
            )
            .bind(day)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Number of raw events stored (tests, benchmarks).
    pub async fn door_event_count(&self) -> Result<i64> {
        let n = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT count(*) FROM door_events")
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }

    /// Every stored `(device id, event id)` with how many times it is
    /// stored (tests that check nothing was counted twice).
    pub async fn door_event_ids(&self) -> Result<Vec<(i64, String)>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT device_id, event_id FROM door_events ORDER BY seq")
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_sizes_cover_every_row_with_few_statement_shapes() {
        assert_eq!(chunk_sizes(0), Vec::<usize>::new());
        assert_eq!(
            chunk_sizes(2345),
            vec![1000, 1000, 100, 100, 100, 10, 10, 10, 10, 1, 1, 1, 1, 1]
        );
        for n in [1, 9, 999, 1000, 10_001] {
            assert_eq!(chunk_sizes(n).iter().sum::<usize>(), n);
        }
    }
}
