//! Bulk upserts by natural key, one transaction per batch, one statement
//! shape per engine where that pays:
//!
//! - PostgreSQL gets the batch as one JSON array bound to a single
//!   parameter and unpacks it with `jsonb_to_recordset`: one round trip,
//!   static statement text.
//! - SQLite gets multi-row `INSERT … VALUES (…), (…)` statements of plain
//!   bound parameters, as many rows per statement as its parameter limit
//!   allows (2,730 people). SQLite
//!   re-reads an element's JSON text for every `->>` on it, which made the
//!   JSON form about twice as slow on 100,000 people.
//!
//! Both statements end in the same `ON CONFLICT … DO UPDATE … WHERE
//! <something changed> RETURNING key, id` text (shared through a macro), so
//! the engines agree on what counts as inserted, updated or unchanged.

use std::collections::HashMap;

use crate::db::Db;
use crate::{Result, Store, UpsertCounts};

/// A natural key and the row id it maps to.
type KeyId = (String, i64);

/// A pair of statements, one per engine, that do the same thing.
pub(crate) struct Sql {
    pub(crate) sqlite: &'static str,
    pub(crate) postgres: &'static str,
}

/// A statement for both engines that differ only in how they unpack a JSON
/// array parameter into a list of values, written once:
/// `over_json_list!("… WHERE code IN (", text "$1", ")")` for strings,
/// `ids "$1"` for integers. SQLite reads the array with `json_each`,
/// PostgreSQL with `jsonb_array_elements_text` (cast back to `bigint` for
/// ids, so its index on the id column is used).
macro_rules! over_json_list {
    ($head:literal, text $param:literal, $tail:literal) => {
        $crate::bulk::Sql {
            sqlite: concat!($head, "SELECT value FROM json_each(", $param, ")", $tail),
            postgres: concat!(
                $head,
                "SELECT jsonb_array_elements_text(",
                $param,
                "::jsonb)",
                $tail
            ),
        }
    };
    ($head:literal, ids $param:literal, $tail:literal) => {
        $crate::bulk::Sql {
            sqlite: concat!($head, "SELECT value FROM json_each(", $param, ")", $tail),
            postgres: concat!(
                $head,
                "SELECT (jsonb_array_elements_text(",
                $param,
                "::jsonb))::bigint",
                $tail
            ),
        }
    };
}
pub(crate) use over_json_list;

/// Looks up `(key, id)` for the keys in a JSON array of strings.
pub(crate) struct KeyLookup(pub(crate) Sql);

/// A SQLite upsert being filled with one chunk's parameters.
pub(crate) type SqliteUpsert<'q> =
    sqlx::query::QueryAs<'q, sqlx::Sqlite, KeyId, sqlx::sqlite::SqliteArguments>;

/// SQLite's limit on parameters in one statement. Upserts are made as
/// large as it allows: every statement copies each page it first touches to
/// its statement journal, so fewer, larger statements copy fewer pages.
const SQLITE_MAX_PARAMETERS: usize = 32_766;

/// The one way a batch of rows is cut into multi-row SQLite statements:
/// as many statements of `largest` rows as fit, then the rest in
/// descending powers of two. A batch of any size so takes few statements,
/// and only a handful of distinct statement texts exist (`largest` and the
/// powers of two below it), each staying prepared in the connection's
/// statement cache. `largest` is lowered to what SQLite's parameter limit
/// allows for `params_per_row`.
pub(crate) fn statement_chunks<T>(
    rows: &[T],
    params_per_row: usize,
    largest: usize,
) -> StatementChunks<'_, T> {
    let by_parameters = SQLITE_MAX_PARAMETERS / params_per_row.max(1);
    StatementChunks {
        rest: rows,
        largest: largest.min(by_parameters).max(1),
    }
}

/// The slices [`statement_chunks`] cuts, in order; together they are the
/// whole batch.
pub(crate) struct StatementChunks<'a, T> {
    rest: &'a [T],
    largest: usize,
}

impl<'a, T> Iterator for StatementChunks<'a, T> {
    type Item = &'a [T];

    fn next(&mut self) -> Option<&'a [T]> {
        let n = self.rest.len();
        if n == 0 {
            return None;
        }
        let size = if n >= self.largest {
            self.largest
        } else {
            // The largest power of two not above n.
            1 << (usize::BITS - 1 - n.leading_zeros())
        };
        let (chunk, rest) = self.rest.split_at(size);
        self.rest = rest;
        Some(chunk)
    }
}

/// One bulk upsert of rows of type `T`, for both engines.
pub(crate) struct BulkUpsert<T: 'static> {
    /// SQLite: `INSERT INTO t (c1, …, cN, created_at, updated_at) VALUES`.
    pub(crate) sqlite_head: &'static str,
    /// SQLite: the parameters each row binds (`c1 … cN`); the time stamp
    /// is bound after them for `created_at` and `updated_at`.
    pub(crate) sqlite_columns: usize,
    /// SQLite: binds one row's `c1 … cN` in order.
    pub(crate) sqlite_bind: for<'q> fn(SqliteUpsert<'q>, &'q T) -> SqliteUpsert<'q>,
    /// SQLite: `ON CONFLICT … RETURNING key, id` (the same text ends the
    /// PostgreSQL statement).
    pub(crate) conflict: &'static str,
    /// PostgreSQL: the whole statement; `$1` the JSON array of rows, `$2`
    /// the time stamp.
    pub(crate) postgres: &'static str,
}

impl<T> BulkUpsert<T> {
    /// The SQLite statement for `rows` rows: `VALUES (?, …, ?), …`.
    ///
    /// Anonymous `?` placeholders on purpose: sqlx asks SQLite for each
    /// parameter's name, and SQLite finds a name by scanning the list of
    /// named parameters, which made a statement with numbered `$n`
    /// placeholders quadratic in its parameter count.
    fn sqlite_sql(&self, rows: usize) -> String {
        let row = format!("({}?, ?)", "?, ".repeat(self.sqlite_columns));
        let mut sql = String::with_capacity(
            self.sqlite_head.len() + self.conflict.len() + rows * (row.len() + 2) + 1,
        );
        sql.push_str(self.sqlite_head);
        for r in 0..rows {
            sql.push_str(if r == 0 { " " } else { ", " });
            sql.push_str(&row);
        }
        sql.push(' ');
        sql.push_str(self.conflict);
        sql
    }
}

impl Store {
    /// Upserts one batch: `rows` and `keys`, their natural keys, in the
    /// same order. `follow_up` gets the `(key, id)` of every inserted or
    /// changed row and returns statements (each with one JSON parameter) to
    /// run in the same transaction, such as syncing a child table. Returns
    /// the counts and key → id for every row.
    pub(crate) async fn upsert_batch<T: serde::Serialize>(
        &self,
        lookup: &KeyLookup,
        upsert: &BulkUpsert<T>,
        rows: &[T],
        keys: &[&str],
        now: i64,
        follow_up: impl Fn(&[(String, i64)]) -> Vec<(&'static Sql, String)>,
    ) -> Result<(UpsertCounts, HashMap<String, i64>)> {
        let keys_json = to_json(keys)?;
        let (existing, changed): (Vec<KeyId>, Vec<KeyId>) = match &self.db {
            Db::Sqlite(pools) => {
                let mut tx = pools.write.begin().await?;
                let existing = sqlx::query_as(lookup.0.sqlite)
                    .bind(&keys_json)
                    .fetch_all(&mut *tx)
                    .await?;
                let mut changed: Vec<KeyId> = Vec::new();
                for chunk in statement_chunks(rows, upsert.sqlite_columns + 2, usize::MAX) {
                    let sql = upsert.sqlite_sql(chunk.len());
                    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                    for row in chunk {
                        query = (upsert.sqlite_bind)(query, row).bind(now).bind(now);
                    }
                    changed.extend(query.fetch_all(&mut *tx).await?);
                }
                for (sql, json) in follow_up(&changed) {
                    sqlx::query(sql.sqlite).bind(json).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                (existing, changed)
            }
            Db::Postgres(pool) => {
                let rows_json = to_json(rows)?;
                let mut tx = pool.begin().await?;
                let existing = sqlx::query_as(lookup.0.postgres)
                    .bind(&keys_json)
                    .fetch_all(&mut *tx)
                    .await?;
                let changed: Vec<KeyId> = sqlx::query_as(upsert.postgres)
                    .bind(rows_json)
                    .bind(now)
                    .fetch_all(&mut *tx)
                    .await?;
                for (sql, json) in follow_up(&changed) {
                    sqlx::query(sql.postgres)
                        .bind(json)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                (existing, changed)
            }
        };
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

fn to_json<V: serde::Serialize + ?Sized>(v: &V) -> Result<String> {
    serde_json::to_string(v).map_err(|e| crate::StoreError::Corrupt(e.to_string()))
}

/// `head` followed by `rows` copies of the row template `row`, then
/// `tail`: a multi-row `INSERT … VALUES` of anonymous parameters.
pub(crate) fn rows_sql(head: &str, row: &str, rows: usize, tail: &str) -> String {
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * (row.len() + 2) + 2);
    sql.push_str(head);
    for r in 0..rows {
        sql.push_str(if r == 0 { " " } else { ", " });
        sql.push_str(row);
    }
    sql.push(' ');
    sql.push_str(tail);
    sql
}

/// A multi-row `INSERT … VALUES` of `rows` rows of `columns` anonymous
/// parameters each, between `head` and `tail`.
pub(crate) fn values_sql(head: &str, columns: usize, rows: usize, tail: &str) -> String {
    let row = format!("({}?)", "?, ".repeat(columns - 1));
    rows_sql(head, &row, rows, tail)
}

pub(crate) fn pick(db: &crate::db::Db, sql: &Sql) -> &'static str {
    match db {
        crate::db::Db::Sqlite(_) => sql.sqlite,
        crate::db::Db::Postgres(_) => sql.postgres,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(n: usize, params_per_row: usize, largest: usize) -> Vec<usize> {
        let rows = vec![(); n];
        statement_chunks(&rows, params_per_row, largest)
            .map(<[()]>::len)
            .collect()
    }

    #[test]
    fn chunks_are_the_largest_size_then_powers_of_two() {
        assert_eq!(sizes(0, 10, 1000), Vec::<usize>::new());
        assert_eq!(sizes(16, 25, 256), vec![16]);
        assert_eq!(sizes(21, 25, 256), vec![16, 4, 1]);
        assert_eq!(sizes(600, 25, 256), vec![256, 256, 64, 16, 8]);
        assert_eq!(sizes(2345, 10, 1000), vec![1000, 1000, 256, 64, 16, 8, 1]);
    }

    #[test]
    fn chunks_stay_within_the_parameter_limit() {
        // 12 parameters a row: at most 2,730 rows a statement.
        assert_eq!(sizes(6000, 12, usize::MAX), vec![2730, 2730, 512, 16, 8, 4]);
        for params in [1, 2, 12, 25, 40] {
            assert!(
                sizes(100_000, params, usize::MAX)
                    .iter()
                    .all(|s| s * params <= SQLITE_MAX_PARAMETERS)
            );
        }
    }

    #[test]
    fn chunks_cover_every_row_once_in_order() {
        let rows: Vec<usize> = (0..10_001).collect();
        for largest in [1, 7, 256, 1000] {
            let joined: Vec<usize> = statement_chunks(&rows, 10, largest)
                .flatten()
                .copied()
                .collect();
            assert_eq!(joined, rows);
            let shapes: std::collections::BTreeSet<usize> = statement_chunks(&rows, 10, largest)
                .map(<[usize]>::len)
                .collect();
            // At most the largest size and the powers of two below it.
            assert!(
                shapes.len() <= 1 + largest.ilog2() as usize + 1,
                "{shapes:?}"
            );
        }
    }
}
