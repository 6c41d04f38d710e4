//! Storing door events: the hot ingest path. One transaction per batch
//! stores the events (a re-delivered `(device, event id)` is skipped and
//! counted as a duplicate), marks the days whose daily counts must be
//! recomputed, keeps the rejected events and notes when each device was
//! heard. The daily counts themselves are computed from the raw events by
//! [`Store::recount_door_day`], off the ingest path: upserting a count row
//! per household with every batch cost more than storing the events.
//!
//! SQLite gets multi-row `VALUES` statements of anonymous parameters in
//! a few fixed sizes (so its prepared statements are reused) and no
//! `RETURNING`: sqlx hands every returned row across threads, which more
//! than halved the insert rate. The rows a statement inserts take
//! consecutive `seq`s ending at its last insert rowid (the write connection
//! is the only writer); after a skipped duplicate they are read back to
//! tell which input rows they were. PostgreSQL
//! gets one `UNNEST` of column arrays per table.

use std::collections::HashMap;

use serde::Serialize;
use shequ_domain::sensing::{Direction, DoorEvent, PassKind};

use crate::bulk::{Sql, statement_chunks, values_sql};
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
    /// The day of `at` in the street's time zone, which the daily counts
    /// are kept by.
    pub day: chrono::NaiveDate,
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
const EVENT_TAIL: &str = "ON CONFLICT (device_id, event_id) DO NOTHING";
const EVENTS_PG: &str = "INSERT INTO door_events (device_id, event_id, at, direction, kind, credential, person_id, household_id, building_id, received_at)
     SELECT d, e, a, di, k, c, p, h, b, $10 FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[],
         $6::text[], $7::bigint[], $8::bigint[], $9::bigint[]) AS x(d, e, a, di, k, c, p, h, b)
     ON CONFLICT (device_id, event_id) DO NOTHING RETURNING seq, device_id, event_id";

const COUNT_HEAD: &str =
    "INSERT INTO door_daily_counts (day, building_id, household_id, passes, visitors) VALUES";
const UNMARK_DAY: &str = "DELETE FROM door_count_days WHERE day = $1 AND version = $2";

/// Marks a day's counts stale, in the ingest transaction.
const MARK_DAY: &str = "INSERT INTO door_count_days (day, version) VALUES ($1, 1)
     ON CONFLICT (day) DO UPDATE SET version = door_count_days.version + 1";

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

/// Rows per SQLite statement of door events and day counts: a batch is cut
/// by [`statement_chunks`] into statements of this many rows and powers of
/// two below it.
pub(crate) const EVENT_ROWS_PER_STATEMENT: usize = 1000;

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

/// The distinct days of the events stored, in order.
fn stored_days(events: &[NewDoorEvent], seqs: &[Option<i64>]) -> Vec<String> {
    let mut days: Vec<chrono::NaiveDate> = events
        .iter()
        .zip(seqs)
        .filter(|(_, seq)| seq.is_some())
        .map(|e| e.0.day)
        .collect();
    days.sort_unstable();
    days.dedup();
    days.iter()
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect()
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
                let mut seqs: Vec<Option<i64>> = Vec::with_capacity(events.len());
                for part in statement_chunks(events, 10, EVENT_ROWS_PER_STATEMENT) {
                    let size = part.len();
                    let sql = values_sql(EVENT_HEAD, 10, size, EVENT_TAIL);
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for e in part {
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
                    let done = q.execute(&mut *tx).await?;
                    let inserted = done.rows_affected() as i64;
                    // The rows inserted took consecutive seqs ending at the
                    // last insert rowid.
                    let last = done.last_insert_rowid();
                    if inserted == size as i64 {
                        seqs.extend((last - inserted + 1..=last).map(Some));
                    } else if inserted == 0 {
                        seqs.extend(std::iter::repeat_n(None, size));
                    } else {
                        let returned: Vec<(i64, i64, String)> = sqlx::query_as(
                            "SELECT seq, device_id, event_id FROM door_events WHERE seq > $1",
                        )
                        .bind(last - inserted)
                        .fetch_all(&mut *tx)
                        .await?;
                        seqs.extend(match_seqs(part, returned));
                    }
                }
                for day in stored_days(events, &seqs) {
                    sqlx::query(MARK_DAY).bind(day).execute(&mut *tx).await?;
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
                for day in stored_days(events, &seqs) {
                    sqlx::query(MARK_DAY).bind(day).execute(&mut *tx).await?;
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

    /// Days whose daily counts are stale, with the version of each mark.
    pub async fn stale_door_days(&self) -> Result<Vec<(String, i64)>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT day, version FROM door_count_days ORDER BY day")
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Recomputes the counts of `day` from its raw events (`at` in
    /// `from..until`, epoch ms) and removes the day's mark if it still has
    /// `version`; returns whether it did (an event stored meanwhile bumped
    /// it, and the day waits for the next pass). The events are read
    /// outside the write transaction, which then only swaps the day's rows,
    /// so ingest never waits behind the scan.
    pub async fn recount_door_day(
        &self,
        day: &str,
        from: i64,
        until: i64,
        version: i64,
    ) -> Result<bool> {
        // Per (building, household or none): passes and visitor passes.
        let groups: Vec<(i64, Option<i64>, i64, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT building_id, household_id, count(*),
                        sum(CASE WHEN kind = 'visitor' THEN 1 ELSE 0 END)
                 FROM door_events WHERE at >= $1 AND at < $2
                 GROUP BY building_id, household_id",
            )
            .bind(from)
            .bind(until)
            .fetch_all(pool)
            .await?
        });
        let mut buildings: HashMap<i64, (i64, i64)> = HashMap::new();
        let mut rows: Vec<(i64, i64, i64, i64)> = Vec::with_capacity(groups.len() + 16);
        for (building, household, passes, visitors) in groups {
            let b = buildings.entry(building).or_default();
            b.0 += passes;
            b.1 += visitors;
            if let Some(h) = household {
                rows.push((building, h, passes, visitors));
            }
        }
        rows.extend(buildings.into_iter().map(|(b, (p, v))| (b, 0, p, v)));
        rows.sort_unstable();
        let cleared = match &self.db {
            Db::Sqlite(pools) => {
                let mut tx = pools.write.begin().await?;
                sqlx::query("DELETE FROM door_daily_counts WHERE day = $1")
                    .bind(day)
                    .execute(&mut *tx)
                    .await?;
                for part in statement_chunks(&rows, 5, EVENT_ROWS_PER_STATEMENT) {
                    let size = part.len();
                    let sql = values_sql(COUNT_HEAD, 5, size, "");
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (building, household, passes, visitors) in part {
                        q = q
                            .bind(day)
                            .bind(building)
                            .bind(household)
                            .bind(passes)
                            .bind(visitors);
                    }
                    q.execute(&mut *tx).await?;
                }
                let n = sqlx::query(UNMARK_DAY)
                    .bind(day)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                n
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("DELETE FROM door_daily_counts WHERE day = $1")
                    .bind(day)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO door_daily_counts (day, building_id, household_id, passes, visitors)
                     SELECT $1, * FROM UNNEST($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])",
                )
                .bind(day)
                .bind(rows.iter().map(|r| r.0).collect::<Vec<_>>())
                .bind(rows.iter().map(|r| r.1).collect::<Vec<_>>())
                .bind(rows.iter().map(|r| r.2).collect::<Vec<_>>())
                .bind(rows.iter().map(|r| r.3).collect::<Vec<_>>())
                .execute(&mut *tx)
                .await?;
                let n = sqlx::query(UNMARK_DAY)
                    .bind(day)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                n
            }
        };
        Ok(cleared > 0)
    }

    /// Removes a day's mark without recounting: its raw events are past
    /// retention, so a recount would lose the passes already pruned.
    pub async fn forget_door_day(&self, day: &str, version: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(UNMARK_DAY)
                .bind(day)
                .bind(version)
                .execute(pool)
                .await?;
        });
        Ok(())
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

    fn sizes(n: usize) -> Vec<usize> {
        let rows = vec![(); n];
        statement_chunks(&rows, 10, EVENT_ROWS_PER_STATEMENT)
            .map(<[()]>::len)
            .collect()
    }

    #[test]
    fn event_batches_cover_every_row_with_few_statement_shapes() {
        assert_eq!(sizes(0), Vec::<usize>::new());
        assert_eq!(sizes(2345), vec![1000, 1000, 256, 64, 16, 8, 1]);
        for n in [1, 9, 999, 1000, 10_001] {
            assert_eq!(sizes(n).iter().sum::<usize>(), n);
        }
    }
}
