//! Bulk upserts by natural key. Each batch travels as one JSON array bound
//! to a single parameter, which both engines unpack in SQL (`json_each` on
//! SQLite, `jsonb_to_recordset` on PostgreSQL). That keeps every statement
//! static text, avoids thousands of bind parameters, and costs one round
//! trip per batch instead of one per row.

use std::collections::HashMap;

use crate::db::on_db;
use crate::{Result, Store, UpsertCounts};

/// A natural key and the row id it maps to.
type KeyId = (String, i64);

/// A pair of statements, one per engine, that do the same thing.
pub(crate) struct Sql {
    pub(crate) sqlite: &'static str,
    pub(crate) postgres: &'static str,
}

/// Looks up `(key, id)` for the keys in a JSON array of strings.
pub(crate) struct KeyLookup(pub(crate) Sql);

impl Store {
    /// Upserts one batch: `rows_json` is the array of rows, `keys` their
    /// natural keys in the same order. `follow_up` gets the `(key, id)` of
    /// every inserted or changed row and returns statements (each with one
    /// JSON parameter) to run in the same transaction, such as syncing a
    /// child table. Returns the counts and key → id for every row.
    pub(crate) async fn upsert_batch(
        &self,
        lookup: &KeyLookup,
        upsert: &Sql,
        rows_json: &str,
        keys: &[&str],
        now: i64,
        follow_up: impl Fn(&[(String, i64)]) -> Vec<(&'static Sql, String)>,
    ) -> Result<(UpsertCounts, HashMap<String, i64>)> {
        let keys_json =
            serde_json::to_string(keys).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        let (existing, changed): (Vec<KeyId>, Vec<KeyId>) = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let existing = sqlx::query_as(pick(&self.db, &lookup.0))
                .bind(&keys_json)
                .fetch_all(&mut *tx)
                .await?;
            let changed: Vec<(String, i64)> = sqlx::query_as(pick(&self.db, upsert))
                .bind(rows_json)
                .bind(now)
                .fetch_all(&mut *tx)
                .await?;
            for (sql, json) in follow_up(&changed) {
                sqlx::query(pick(&self.db, sql))
                    .bind(json)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            (existing, changed)
        });
        let existing: HashMap<String, i64> = existing.into_iter().collect();
        let mut counts = UpsertCounts::default();
        for (key, _) in &changed {
            if existing.contains_key(key) {
                counts.updated += 1;
            } else {
                counts.inserted += 1;
            }
        }
        counts.unchanged = (keys.len() as u64).saturating_sub(changed.len() as u64);
        let mut ids = existing;
        ids.extend(changed);
        Ok((counts, ids))
    }
}

pub(crate) fn pick(db: &crate::db::Db, sql: &Sql) -> &'static str {
    match db {
        crate::db::Db::Sqlite(_) => sql.sqlite,
        crate::db::Db::Postgres(_) => sql.postgres,
    }
}
