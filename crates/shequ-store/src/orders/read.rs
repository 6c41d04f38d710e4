//! Reading work orders: one order with its trail, scoped lists with
//! filters, the command centre's counters, and the queries the workers use.

use serde::Serialize;

use super::{Order, OrderEvent, figures, order_columns};
use crate::db::on_db;
use crate::{Page, Paging, Result, Scope, Store};

/// A co-owner, summoned department or follower of an order.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Participant {
    pub kind: String,
    pub user_id: Option<i64>,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub due_at: Option<i64>,
    pub reported_at: Option<i64>,
}

/// Filters for listing orders; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Any of these states.
    pub states: Vec<String>,
    /// Any of these categories.
    pub categories: Vec<String>,
    pub owner: Option<i64>,
    pub source: Option<String>,
    /// Only orders overdue at this time (open, past a deadline on their
    /// clock: [`shequ_domain::order::figures::is_overdue`]).
    pub overdue_at: Option<i64>,
    /// Only orders marked 督办.
    pub supervised: Option<bool>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
}

/// A photo's metadata.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PhotoMeta {
    pub id: i64,
    pub order_id: i64,
    pub stage: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: i64,
}

/// Order lists count their matches up to this many (and one more, to say
/// "more than this").
pub const ORDER_COUNT_CAP: i64 = 10_000;

/// A bound value of a built query.
enum Arg {
    Int(i64),
    Text(String),
    Bool(bool),
}

/// The WHERE clause of an order list with only the conditions the filter
/// sets, so each engine's planner sees plain ranges it can use an index
/// for (an `$n IS NULL OR …` form hides them), and its arguments in order.
fn order_filter(sqlite: bool, scope: &Scope, f: &OrderFilter) -> (String, Vec<Arg>) {
    let (lo, hi) = scope.bounds();
    let mut args = Vec::new();
    let next = |a: Arg, args: &mut Vec<Arg>| {
        args.push(a);
        format!("${}", args.len())
    };
    // Every value is bound; the SQL text holds only our own column names.
    // On SQLite the scope condition is kept off the (region_path, created_at)
    // index (unary +): newest-first pages then walk the created_at index and
    // stop at the page's end instead of sorting the whole scope, which on a
    // street with a million orders is the difference between ms and seconds.
    let path = if sqlite {
        "+region_path"
    } else {
        "region_path"
    };
    let mut sql = format!(
        "WHERE {path} >= {} AND {path} < {}",
        next(Arg::Text(lo.to_owned()), &mut args),
        next(Arg::Text(hi.to_owned()), &mut args)
    );
    let any_of = |column: &str, values: &[String], sql: &mut String, args: &mut Vec<Arg>| {
        if values.is_empty() {
            return;
        }
        let list: Vec<String> = values
            .iter()
            .map(|v| next(Arg::Text(v.clone()), args))
            .collect();
        sql.push_str(&format!(" AND {column} IN ({})", list.join(", ")));
    };
    any_of("state", &f.states, &mut sql, &mut args);
    any_of("category_code", &f.categories, &mut sql, &mut args);
    if let Some(owner) = f.owner {
        sql.push_str(&format!(
            " AND owner_user_id = {}",
            next(Arg::Int(owner), &mut args)
        ));
    }
    if let Some(source) = &f.source {
        sql.push_str(&format!(
            " AND source = {}",
            next(Arg::Text(source.clone()), &mut args)
        ));
    }
    if let Some(at) = f.overdue_at {
        // The open states stand alone too, so the planner sees them.
        let now = next(Arg::Int(at), &mut args);
        sql.push_str(&format!(
            " AND state IN {} AND {}",
            figures::sql::OPEN,
            figures::sql::overdue("", &now)
        ));
    }
    if let Some(supervised) = f.supervised {
        sql.push_str(&format!(
            " AND supervised = {}",
            next(Arg::Bool(supervised), &mut args)
        ));
    }
    if let Some(from) = f.created_from {
        sql.push_str(&format!(
            " AND created_at >= {}",
            next(Arg::Int(from), &mut args)
        ));
    }
    if let Some(to) = f.created_to {
        sql.push_str(&format!(
            " AND created_at < {}",
            next(Arg::Int(to), &mut args)
        ));
    }
    (sql, args)
}

/// Binds built arguments to a query of either engine.
/// Whether a filtered list query is kept prepared. On PostgreSQL it is
/// not: after five runs of a prepared statement the server may switch to a
/// generic plan made without the values, and for a list filtered by a
/// category over a week it picked the (region_path, created_at) index over
/// the whole street, 200-600 ms instead of 20 (seen with auto_explain in
/// `shequ bench orders`). An unprepared statement is planned with its
/// values every time; planning costs well under a millisecond. SQLite's
/// planner does not look at bound values at all (without STAT4), so the
/// plan it keeps is the one it would make anyway.
fn keep_prepared(sqlite: bool) -> bool {
    sqlite
}

macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_str()),
                Arg::Bool(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// Wraps `inner`, a `SELECT` of [`order_columns!`], so that the engine
/// returns its rows as one JSON array of arrays in a single row.
///
/// sqlx's SQLite driver copies every value of every row and hands each row
/// from its worker thread to the caller across a channel; for a page of
/// 1,000 orders that cost more than the query itself (most of a
/// `GET requests.json` in a profile). One row of JSON crosses once.
fn as_json_rows(sqlite: bool, inner: &str) -> String {
    if sqlite {
        format!(
            "SELECT json_group_array(json_array({})) FROM ({inner}) AS page",
            order_columns!()
        )
    } else {
        format!(
            "SELECT COALESCE(json_agg(json_build_array({})), '[]'::json)::text FROM ({inner}) AS page",
            order_columns!()
        )
    }
}

/// Orders newest first, as every list shows them (the aggregate does not
/// promise to keep the inner query's order).
fn newest_first(mut orders: Vec<Order>) -> Vec<Order> {
    orders.sort_unstable_by_key(|o| std::cmp::Reverse((o.created_at, o.id)));
    orders
}

fn parse_orders(json: &str) -> Result<Vec<Order>> {
    serde_json::from_str(json).map_err(|e| crate::StoreError::Corrupt(format!("order list: {e}")))
}

impl Store {
    /// One order by id, wherever it is (callers check the scope on its
    /// path so they can log a refusal).
    pub async fn order_by_id(&self, id: i64) -> Result<Option<Order>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Order>(concat!(
                "SELECT ",
                order_columns!(),
                "FROM work_orders WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// The order a reporter's private link token (hash) belongs to.
    pub async fn order_by_reporter_token(&self, token_hash: &str) -> Result<Option<Order>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Order>(concat!(
                "SELECT ",
                order_columns!(),
                "FROM work_orders WHERE id = (SELECT order_id FROM order_links WHERE token_hash = $1)"
            ))
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// The whole trail of an order, oldest first.
    pub async fn order_events(&self, id: i64) -> Result<Vec<OrderEvent>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, OrderEvent>(
                "SELECT order_id, seq, at, actor, actor_user_id, action, from_state, to_state, note, data, prev_hash, hash
                 FROM order_events WHERE order_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Co-owners and summoned departments of an order.
    pub async fn order_participants(&self, id: i64) -> Result<Vec<Participant>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Participant>(
                "SELECT p.kind, p.user_id, p.team_id, t.name AS team_name, p.due_at, p.reported_at
                 FROM order_participants p LEFT JOIN teams t ON t.id = p.team_id
                 WHERE p.order_id = $1 ORDER BY p.created_at",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Orders whose reporters follow `id` (linked duplicates).
    pub async fn order_followers(&self, id: i64) -> Result<Vec<Order>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Order>(concat!(
                "SELECT ",
                order_columns!(),
                "FROM work_orders WHERE id IN (SELECT follower_order_id FROM order_followers WHERE order_id = $1)"
            ))
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Orders under the scope matching the filter, newest first, with the
    /// number of matches counted up to [`ORDER_COUNT_CAP`] + 1 (a total
    /// above the cap means "more than the cap": counting every match of a
    /// long history would cost a scan on each page view).
    pub async fn orders_in(
        &self,
        scope: &Scope,
        f: &OrderFilter,
        paging: Paging,
    ) -> Result<Page<Order>> {
        let items = self.orders_page(scope, f, paging).await?;
        let sqlite = self.backend() == crate::Backend::Sqlite;
        let (filter, args) = order_filter(sqlite, scope, f);
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM work_orders {filter} LIMIT {}) AS matches",
            ORDER_COUNT_CAP + 1
        );
        let total = on_db!(self, read, |pool| {
            bind_args!(
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str())),
                &args
            )
            .persistent(keep_prepared(sqlite))
            .fetch_one(pool)
            .await?
        });
        Ok(Page {
            items,
            total,
            page: paging.page,
            page_size: paging.page_size,
        })
    }

    /// One page of orders matching the filter, newest first, without
    /// counting all matches (which costs a scan on a large history).
    pub async fn orders_page(
        &self,
        scope: &Scope,
        f: &OrderFilter,
        paging: Paging,
    ) -> Result<Vec<Order>> {
        let sqlite = self.backend() == crate::Backend::Sqlite;
        let (filter, mut args) = order_filter(sqlite, scope, f);
        args.push(Arg::Int(paging.limit()));
        args.push(Arg::Int(paging.offset()));
        let inner = format!(
            "SELECT {} FROM work_orders {filter} ORDER BY created_at DESC, id DESC LIMIT ${} OFFSET ${}",
            order_columns!(),
            args.len() - 1,
            args.len()
        );
        let sql = as_json_rows(sqlite, &inner);
        let json = on_db!(self, read, |pool| {
            bind_args!(
                sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.as_str())),
                &args
            )
            .persistent(keep_prepared(sqlite))
            .fetch_one(pool)
            .await?
        });
        Ok(newest_first(parse_orders(&json)?))
    }

    /// The orders with these ids that lie under the scope, newest first.
    pub async fn orders_by_ids(&self, scope: &Scope, ids: &[i64]) -> Result<Vec<Order>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (lo, hi) = scope.bounds();
        let json =
            serde_json::to_string(ids).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        let sqlite = self.backend() == crate::Backend::Sqlite;
        const IDS: crate::bulk::Sql = crate::bulk::over_json_list!("", ids "$1", "");
        let ids_in = if sqlite { IDS.sqlite } else { IDS.postgres };
        let inner = format!(
            "SELECT {} FROM work_orders WHERE id IN ({ids_in}) AND region_path >= $2 AND region_path < $3",
            order_columns!()
        );
        let sql = as_json_rows(sqlite, &inner);
        let json = on_db!(self, read, |pool| {
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&json)
                .bind(lo)
                .bind(hi)
                .fetch_one(pool)
                .await?
        });
        Ok(newest_first(parse_orders(&json)?))
    }

    /// Orders per state under the scope, from the counters table.
    pub async fn order_counts_in(&self, scope: &Scope) -> Result<Vec<(String, i64)>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT c.state, CAST(SUM(c.n) AS BIGINT) FROM order_counts c JOIN regions r ON r.id = c.region_id
                 WHERE r.path >= $1 AND r.path < $2 GROUP BY c.state HAVING SUM(c.n) > 0 ORDER BY c.state",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Open orders of a category created since `since` inside a bounding
    /// box: `(id, lon, lat, created_at)`, for the near-duplicate check.
    pub async fn open_orders_near(
        &self,
        category: &str,
        bbox: (f64, f64, f64, f64),
        since: i64,
    ) -> Result<Vec<(i64, f64, f64, i64)>> {
        let (w, s, e, n) = bbox;
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, (i64, f64, f64, i64)>(
                "SELECT id, lon, lat, created_at FROM work_orders
                 WHERE category_code = $1 AND created_at >= $2
                   AND state IN ('pending', 'accepted', 'in_progress', 'returned')
                   AND lon BETWEEN $3 AND $4 AND lat BETWEEN $5 AND $6
                 ORDER BY created_at",
            )
            .bind(category)
            .bind(since)
            .bind(w)
            .bind(e)
            .bind(s)
            .bind(n)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Open orders created since `since` that have a point:
    /// `(id, category_code, lon, lat, created_at)`, to seed the in-memory
    /// near-duplicate index.
    pub async fn open_orders_since(&self, since: i64) -> Result<Vec<(i64, String, f64, f64, i64)>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, (i64, String, f64, f64, i64)>(
                "SELECT id, category_code, lon, lat, created_at FROM work_orders
                 WHERE created_at >= $1 AND lon IS NOT NULL AND lat IS NOT NULL
                   AND state IN ('pending', 'accepted', 'in_progress', 'returned')",
            )
            .bind(since)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// The orders filed in `scope` at or after `since`, oldest first:
    /// `(id, region_path, category_code, created_at)` — what recurring
    /// complaints are found in.
    pub async fn orders_filed_since(
        &self,
        scope: &Scope,
        since: i64,
    ) -> Result<Vec<(i64, String, String, i64)>> {
        let (lo, hi) = scope.bounds();
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, (i64, String, String, i64)>(
                "SELECT id, region_path, category_code, created_at FROM work_orders
                 WHERE region_path >= $1 AND region_path < $2 AND created_at >= $3
                 ORDER BY created_at, id",
            )
            .bind(lo)
            .bind(hi)
            .bind(since)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Open orders whose accept or resolve deadline has passed at `now`,
    /// not yet escalated for it, with the clock running.
    pub async fn orders_due_for_escalation(&self, now: i64, limit: i64) -> Result<Vec<Order>> {
        let rows = on_db!(self, read, |pool| {
            let mut late = sqlx::query_as::<_, Order>(concat!(
                "SELECT ",
                order_columns!(),
                "FROM work_orders WHERE state = 'pending' AND accept_due_at <= $1
                   AND NOT escalated_accept AND clock_paused_at IS NULL ORDER BY accept_due_at LIMIT $2"
            ))
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let resolve = sqlx::query_as::<_, Order>(concat!(
                "SELECT ",
                order_columns!(),
                "FROM work_orders WHERE state IN ('pending', 'accepted', 'in_progress', 'returned')
                   AND resolve_due_at <= $1 AND NOT escalated_resolve AND clock_paused_at IS NULL
                 ORDER BY resolve_due_at LIMIT $2"
            ))
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            for o in resolve {
                if !late.iter().any(|l| l.id == o.id) {
                    late.push(o);
                }
            }
            late
        });
        Ok(rows)
    }

    /// Resolved orders not rated since before `cutoff` (to close).
    pub async fn resolved_before(&self, cutoff: i64, limit: i64) -> Result<Vec<i64>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM work_orders WHERE state = 'resolved' AND resolved_at <= $1 ORDER BY resolved_at LIMIT $2",
            )
            .bind(cutoff)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Stores a photo of an order; returns its id.
    pub async fn add_order_photo(
        &self,
        order_id: i64,
        stage: &str,
        content_type: &str,
        data: &[u8],
        sha256: &str,
        uploaded_by: &str,
    ) -> Result<i64> {
        let id = on_db!(self, write, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO order_photos (order_id, stage, content_type, size, sha256, data, uploaded_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(order_id)
            .bind(stage)
            .bind(content_type)
            .bind(data.len() as i64)
            .bind(sha256)
            .bind(data)
            .bind(uploaded_by)
            .bind(crate::now_ms())
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// The photos of an order (metadata only).
    pub async fn order_photos(&self, order_id: i64) -> Result<Vec<PhotoMeta>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, PhotoMeta>(
                "SELECT id, order_id, stage, content_type, size, created_at FROM order_photos
                 WHERE order_id = $1 ORDER BY id",
            )
            .bind(order_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// A photo's bytes with its order id and content type.
    pub async fn order_photo(&self, id: i64) -> Result<Option<(i64, String, Vec<u8>)>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, (i64, String, Vec<u8>)>(
                "SELECT order_id, content_type, data FROM order_photos WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }
}
