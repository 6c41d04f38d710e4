//! Reads for the command centre (一屏知全域): the live counters, open orders
//! per grid for the map's shading, points of places and open orders, the
//! latest orders and alerts for the feed, and one grid's panel (its
//! workers, residents under care, open alerts). Every query is bounded by
//! an index — the counters table, the partial indexes on open orders, the
//! resolved-time index — so the screen stays fast at any history size.

use serde::Serialize;
use shequ_domain::Sensitive;
use shequ_domain::order::figures::{Counts, Rate};

use crate::db::on_db;
use crate::orders::figures::sql as figure;
use crate::{Result, Scope, Store};

/// The headline counters of a scope at one moment.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Counters {
    /// 待受理: waiting to be accepted.
    pub pending: i64,
    /// Accepted or being worked on.
    pub in_progress: i64,
    /// Sent back to the dispatcher.
    pub returned: i64,
    /// Open orders past a deadline (to accept or to resolve), a paused
    /// clock judged when it was paused ([`shequ_domain::order::figures`]).
    pub overdue: i64,
    /// Open orders marked 督办.
    pub supervised: i64,
    /// Resolved since the start of today.
    pub resolved_today: i64,
    /// Alerts raised since the start of today.
    pub alerts_today: i64,
}

/// How well orders resolved in a period were handled.
#[derive(Debug, Clone, Copy, Default, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Quality {
    pub resolved: i64,
    pub resolved_on_time: i64,
    pub rated: i64,
    /// Rated 满意 or 基本满意.
    pub satisfied: i64,
}

impl Quality {
    /// The counts the rates are made of (of resolved orders only).
    pub fn counts(&self) -> Counts {
        Counts {
            orders: self.resolved,
            resolved: self.resolved,
            resolved_on_time: self.resolved_on_time,
            rated: self.rated,
            satisfied: self.satisfied,
            ..Counts::default()
        }
    }

    /// Resolved on time, over resolved orders ([`Counts::on_time_resolution`]).
    pub fn on_time(&self) -> Rate {
        self.counts().on_time_resolution()
    }

    /// Rated satisfied or basically satisfied, over rated resolved orders.
    pub fn satisfaction(&self) -> Rate {
        self.counts().satisfaction()
    }
}

/// A place drawn as a point on the map.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MapPlace {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub facility_type: Option<String>,
    pub region_id: i64,
    pub lon: f64,
    pub lat: f64,
}

/// An open order with a point, as a marker.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OrderPoint {
    pub id: i64,
    pub title: String,
    pub state: String,
    pub lon: f64,
    pub lat: f64,
    pub supervised: bool,
}

/// An order in the live feed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FeedOrder {
    pub id: i64,
    pub title: String,
    pub state: String,
    pub category_code: String,
    pub address: String,
    pub created_at: i64,
}

/// An alert in the feed or a grid's panel.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FeedAlert {
    pub id: i64,
    pub kind: String,
    pub rule_name: String,
    pub state: String,
    pub raised_at: i64,
    pub order_id: Option<i64>,
    pub region_path: String,
}

/// A resident under care (any care tag), numbers masked unless revealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CareResident {
    pub id: i64,
    pub name: String,
    pub care_tags: String,
    #[sqlx(try_from = "String")]
    pub phone: Sensitive,
    pub address: String,
    pub room: String,
}

/// A person on duty in a grid.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct GridWorker {
    pub id: i64,
    pub display_name: String,
    pub role: String,
    pub phone: Option<String>,
}

/// Statement text with `{OPEN}` (the open states) and `{P}` (the scope
/// column) filled in. On SQLite `{P}` becomes `+region_path`, which keeps
/// the planner off the scope index: for a whole street that index spans
/// the entire history, while the time or open-order index next to it in
/// the same statement spans minutes of it. PostgreSQL's planner weighs
/// both with statistics, so it gets the plain column. Never built from
/// input.
fn sql(db: &crate::db::Db, text: &str) -> sqlx::AssertSqlSafe<String> {
    let column = match db {
        crate::db::Db::Sqlite(_) => "+region_path",
        crate::db::Db::Postgres(_) => "region_path",
    };
    sqlx::AssertSqlSafe(text.replace("{OPEN}", figure::OPEN).replace("{P}", column))
}

impl Store {
    /// The counters of a scope: per-state numbers from the counters table,
    /// overdue from the partial deadline indexes, resolved today from the
    /// resolved-time index, alerts today from the alerts' scope index.
    pub async fn command_counters(
        &self,
        scope: &Scope,
        now: i64,
        day_start: i64,
    ) -> Result<Counters> {
        let (lo, hi) = scope.bounds();
        let mut c = Counters::default();
        for (state, n) in self.order_counts_in(scope).await? {
            match state.as_str() {
                "pending" => c.pending += n,
                "accepted" | "in_progress" => c.in_progress += n,
                "returned" => c.returned += n,
                _ => {}
            }
        }
        let overdue_sql = sql(
            &self.db,
            &format!(
                "SELECT COUNT(*) FROM (
                   SELECT id FROM work_orders WHERE {accept} AND {{P}} >= $1 AND {{P}} < $2
                   UNION
                   SELECT id FROM work_orders WHERE {resolve} AND {{P}} >= $1 AND {{P}} < $2) AS late",
                accept = figure::late_to_accept("", "$3"),
                resolve = figure::late_to_resolve("", "$3"),
            ),
        );
        let supervised_sql = sql(
            &self.db,
            "SELECT COUNT(*) FROM work_orders WHERE state IN {OPEN} AND resolve_due_at > $3
               AND supervised = $4 AND {P} >= $1 AND {P} < $2",
        );
        let resolved_sql = sql(
            &self.db,
            "SELECT COUNT(*) FROM work_orders WHERE resolved_at >= $3 AND {P} >= $1 AND {P} < $2",
        );
        let (overdue, supervised, resolved, alerts) = on_db!(self, read, |pool| {
            // Two index ranges (late to accept; late to resolve), counted once.
            let overdue: i64 = sqlx::query_scalar(overdue_sql)
                .bind(lo)
                .bind(hi)
                .bind(now)
                .fetch_one(pool)
                .await?;
            // Every open supervised order; the (always true) range on the
            // deadline keeps the planner on the open orders' partial index.
            let supervised: i64 = sqlx::query_scalar(supervised_sql)
                .bind(lo)
                .bind(hi)
                .bind(i64::MIN)
                .bind(true)
                .fetch_one(pool)
                .await?;
            let resolved: i64 = sqlx::query_scalar(resolved_sql)
                .bind(lo)
                .bind(hi)
                .bind(day_start)
                .fetch_one(pool)
                .await?;
            let alerts: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM alerts WHERE region_path >= $1 AND region_path < $2 AND raised_at >= $3",
            )
            .bind(lo)
            .bind(hi)
            .bind(day_start)
            .fetch_one(pool)
            .await?;
            (overdue, supervised, resolved, alerts)
        });
        c.overdue = overdue;
        c.supervised = supervised;
        c.resolved_today = resolved;
        c.alerts_today = alerts;
        Ok(c)
    }

    /// On-time resolution and satisfaction of the orders resolved in
    /// `[from, to)` under the scope (the definitions are the figures': see
    /// [`shequ_domain::order::figures`]).
    pub async fn resolved_quality(&self, scope: &Scope, from: i64, to: i64) -> Result<Quality> {
        let (lo, hi) = scope.bounds();
        // Every order in the window is resolved: the range on the resolution
        // time leads, for its index, and the fragments add only what the
        // definitions add to it (not cancelled, rated).
        let text = sql(
            &self.db,
            &format!(
                "SELECT {resolved}, {on_time}, {rated}, {satisfied}
                 FROM work_orders WHERE resolved_at >= $3 AND resolved_at < $4
                   AND {{P}} >= $1 AND {{P}} < $2",
                resolved = figure::count(&figure::resolved(""), "resolved"),
                on_time = figure::count(&figure::resolved_on_time(""), "resolved_on_time"),
                rated = figure::count(&figure::rated(""), "rated"),
                satisfied = figure::count(&figure::satisfied(""), "satisfied"),
            ),
        );
        let q = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Quality>(text)
                .bind(lo)
                .bind(hi)
                .bind(from)
                .bind(to)
                .fetch_one(pool)
                .await?
        });
        Ok(q)
    }

    /// Open orders per region (grid) under the scope, from the counters.
    pub async fn open_orders_by_region(&self, scope: &Scope) -> Result<Vec<(i64, i64)>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT c.region_id, CAST(SUM(c.n) AS BIGINT) FROM order_counts c JOIN regions r ON r.id = c.region_id
                 WHERE r.path >= $1 AND r.path < $2 AND c.state IN ('pending', 'accepted', 'in_progress', 'returned')
                 GROUP BY c.region_id HAVING SUM(c.n) > 0",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Every place under the scope with its point, for the map.
    pub async fn map_places(&self, scope: &Scope) -> Result<Vec<MapPlace>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, MapPlace>(
                "SELECT id, name, kind, facility_type, region_id, lon, lat FROM places
                 WHERE region_path >= $1 AND region_path < $2 ORDER BY id",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Up to `limit` open orders with a point under the scope, latest
    /// deadline first. Ordered along the open orders' deadline index: an
    /// `ORDER BY id` let SQLite walk the whole table backwards whenever
    /// fewer than `limit` orders were open (4.5 s a page with a million
    /// closed orders, seen in `shequ bench command`).
    pub async fn open_order_points(&self, scope: &Scope, limit: i64) -> Result<Vec<OrderPoint>> {
        let (lo, hi) = scope.bounds();
        // Reads the open orders through their partial index (a small share
        // of all orders), never the whole history of the scope.
        let text = sql(
            &self.db,
            "SELECT id, title, state, lon, lat, supervised FROM work_orders
             WHERE state IN {OPEN} AND resolve_due_at > $4 AND lon IS NOT NULL AND lat IS NOT NULL
               AND {P} >= $1 AND {P} < $2
             ORDER BY resolve_due_at DESC LIMIT $3",
        );
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, OrderPoint>(text)
                .bind(lo)
                .bind(hi)
                .bind(limit)
                .bind(i64::MIN)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Orders filed since `since` under the scope, newest first.
    pub async fn recent_orders(
        &self,
        scope: &Scope,
        since: i64,
        limit: i64,
    ) -> Result<Vec<FeedOrder>> {
        let (lo, hi) = scope.bounds();
        let text = sql(
            &self.db,
            "SELECT id, title, state, category_code, address, created_at FROM work_orders
             WHERE created_at >= $3 AND {P} >= $1 AND {P} < $2
             ORDER BY created_at DESC, id DESC LIMIT $4",
        );
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, FeedOrder>(text)
                .bind(lo)
                .bind(hi)
                .bind(since)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Alerts raised since `since` under the scope (open ones only when
    /// `open_only`), newest first.
    pub async fn recent_alerts(
        &self,
        scope: &Scope,
        since: i64,
        open_only: bool,
        limit: i64,
    ) -> Result<Vec<FeedAlert>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, FeedAlert>(
                "SELECT a.id, a.kind, COALESCE(r.name, '') AS rule_name, a.state, a.raised_at, a.order_id, a.region_path
                 FROM alerts a LEFT JOIN alert_rules r ON r.id = a.rule_id
                 WHERE a.region_path >= $1 AND a.region_path < $2 AND a.raised_at >= $3
                   AND ($4 = 0 OR a.state = 'open')
                 ORDER BY a.raised_at DESC, a.id DESC LIMIT $5",
            )
            .bind(lo)
            .bind(hi)
            .bind(since)
            .bind(i64::from(open_only))
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// The accounts bound to exactly this region (its grid workers, its
    /// neighbourhood's secretary…), enabled ones only.
    pub async fn users_bound_to(&self, region_id: i64) -> Result<Vec<GridWorker>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, GridWorker>(
                "SELECT id, display_name, role, phone FROM users
                 WHERE region_id = $1 AND disabled = $2 ORDER BY role, display_name",
            )
            .bind(region_id)
            .bind(false)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Up to `limit` residents with any care tag under the scope.
    pub async fn care_residents(&self, scope: &Scope, limit: i64) -> Result<Vec<CareResident>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, CareResident>(
                "SELECT p.id, p.name, p.care_tags, COALESCE(p.phone, '') AS phone,
                        COALESCE(b.address, '') AS address, COALESCE(h.room, '') AS room
                 FROM people p
                 LEFT JOIN households h ON h.id = p.household_id
                 LEFT JOIN places b ON b.id = h.building_id
                 WHERE p.region_path >= $1 AND p.region_path < $2 AND p.care_tags <> ''
                 ORDER BY p.name, p.id LIMIT $3",
            )
            .bind(lo)
            .bind(hi)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Residents under care with a given person's household (the people to
    /// call about an order on a resident): the person and their household.
    pub async fn household_contacts(
        &self,
        scope: &Scope,
        person_id: i64,
    ) -> Result<Vec<CareResident>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, CareResident>(
                "SELECT p.id, p.name, p.care_tags, COALESCE(p.phone, '') AS phone,
                        COALESCE(b.address, '') AS address, COALESCE(h.room, '') AS room
                 FROM people p
                 LEFT JOIN households h ON h.id = p.household_id
                 LEFT JOIN places b ON b.id = h.building_id
                 WHERE p.region_path >= $1 AND p.region_path < $2
                   AND (p.id = $3 OR p.household_id = (SELECT household_id FROM people WHERE id = $3))
                 ORDER BY CASE WHEN p.id = $3 THEN 0 ELSE 1 END, p.name LIMIT 12",
            )
            .bind(lo)
            .bind(hi)
            .bind(person_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }
}
