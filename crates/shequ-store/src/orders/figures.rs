//! Work-order figures: how fast and how well orders are handled, per
//! person, team, grid and category — the numbers assessment uses.

use serde::Serialize;

use crate::db::on_db;
use crate::{Result, Scope, Store};

/// How figures are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Person,
    Team,
    Grid,
    Category,
}

/// Figures of one group over a period.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Figures {
    /// The owner's user id, team id, grid region id, or category code.
    pub key: Option<String>,
    pub name: Option<String>,
    /// Orders created in the period (cancelled ones excluded).
    pub orders: i64,
    pub accepted: i64,
    pub accepted_on_time: i64,
    pub resolved: i64,
    pub resolved_on_time: i64,
    pub rated: i64,
    /// Rated 满意 or 基本满意.
    pub satisfied: i64,
    /// Mean time from filing to acceptance, in minutes.
    pub avg_accept_minutes: Option<f64>,
    /// Mean time from filing to resolution, in minutes.
    pub avg_resolve_minutes: Option<f64>,
}

impl Figures {
    /// Share of orders accepted on time (of all orders), if any.
    pub fn on_time_acceptance(&self) -> Option<f64> {
        (self.orders > 0).then(|| self.accepted_on_time as f64 / self.orders as f64)
    }

    /// Share of orders resolved on time (of all orders), if any.
    pub fn on_time_resolution(&self) -> Option<f64> {
        (self.orders > 0).then(|| self.resolved_on_time as f64 / self.orders as f64)
    }

    /// Share of rated orders rated satisfied or basically satisfied.
    pub fn satisfaction(&self) -> Option<f64> {
        (self.rated > 0).then(|| self.satisfied as f64 / self.rated as f64)
    }
}

macro_rules! measures {
    () => {
        "COUNT(*) AS orders,
         SUM(CASE WHEN w.accepted_at IS NOT NULL THEN 1 ELSE 0 END) AS accepted,
         SUM(CASE WHEN w.accepted_at IS NOT NULL AND w.accepted_at <= w.accept_due_at THEN 1 ELSE 0 END) AS accepted_on_time,
         SUM(CASE WHEN w.resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS resolved,
         SUM(CASE WHEN w.resolved_at IS NOT NULL AND w.resolved_at <= w.resolve_due_at THEN 1 ELSE 0 END) AS resolved_on_time,
         SUM(CASE WHEN w.rating IS NOT NULL THEN 1 ELSE 0 END) AS rated,
         SUM(CASE WHEN w.rating IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END) AS satisfied,
         CAST(AVG(w.accepted_at - w.created_at) / 60000.0 AS DOUBLE PRECISION) AS avg_accept_minutes,
         CAST(AVG(w.resolved_at - w.created_at) / 60000.0 AS DOUBLE PRECISION) AS avg_resolve_minutes "
    };
}

macro_rules! period {
    () => {
        "w.region_path >= $1 AND w.region_path < $2 AND w.created_at >= $3 AND w.created_at < $4
         AND w.state <> 'cancelled' "
    };
}

impl Store {
    /// Figures of orders created in `[from, to)` under the scope.
    pub async fn order_figures(
        &self,
        scope: &Scope,
        from: i64,
        to: i64,
        group: GroupBy,
    ) -> Result<Vec<Figures>> {
        let (lo, hi) = scope.bounds();
        let sql = match group {
            GroupBy::Person => concat!(
                "SELECT CAST(w.owner_user_id AS TEXT) AS key, MAX(u.display_name) AS name, ",
                measures!(),
                "FROM work_orders w LEFT JOIN users u ON u.id = w.owner_user_id WHERE ",
                period!(),
                "GROUP BY w.owner_user_id ORDER BY w.owner_user_id"
            ),
            GroupBy::Team => concat!(
                "SELECT CAST(m.team_id AS TEXT) AS key, MAX(t.name) AS name, ",
                measures!(),
                "FROM work_orders w JOIN team_members m ON m.user_id = w.owner_user_id
                 JOIN teams t ON t.id = m.team_id WHERE ",
                period!(),
                "GROUP BY m.team_id ORDER BY m.team_id"
            ),
            GroupBy::Grid => concat!(
                "SELECT CAST(w.region_id AS TEXT) AS key, MAX(r.name) AS name, ",
                measures!(),
                "FROM work_orders w JOIN regions r ON r.id = w.region_id WHERE ",
                period!(),
                "GROUP BY w.region_id ORDER BY w.region_id"
            ),
            GroupBy::Category => concat!(
                "SELECT w.category_code AS key, MAX(c.name_zh) AS name, ",
                measures!(),
                "FROM work_orders w JOIN categories c ON c.id = w.category_id WHERE ",
                period!(),
                "GROUP BY w.category_code ORDER BY w.category_code"
            ),
        };
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Figures>(sql)
                .bind(lo)
                .bind(hi)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }
}
