//! Work-order figures: how fast and how well orders are handled, per
//! person, team, grid and category — the numbers assessment uses. What
//! each figure means is defined once in [`shequ_domain::order::figures`];
//! the SQL that counts them in the database is here, in [`sql`], one
//! fragment per definition, shared with the command centre and the lists.

use serde::Serialize;
use shequ_domain::order::Rating;
use shequ_domain::order::figures::{Counts, Facts, Rate};

use super::Order;
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

/// Figures of one group over a period: the orders filed in it.
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
    /// Resolved and rated.
    pub rated: i64,
    /// Resolved and rated 满意 or 基本满意.
    pub satisfied: i64,
    /// Open and past a deadline now (a paused clock judged when paused).
    pub overdue: i64,
    /// Resolved at least once (resolved now, or reopened).
    pub ever_resolved: i64,
    /// Reopened at least once.
    pub reopened: i64,
    /// Resolved and never reopened.
    pub resolved_for_good: i64,
    /// Mean time from filing to acceptance, in minutes.
    pub avg_accept_minutes: Option<f64>,
    /// Mean time from filing to resolution, in minutes.
    pub avg_resolve_minutes: Option<f64>,
}

impl Figures {
    /// The counts the rates are made of.
    pub fn counts(&self) -> Counts {
        Counts {
            orders: self.orders,
            accepted: self.accepted,
            accepted_on_time: self.accepted_on_time,
            resolved: self.resolved,
            resolved_on_time: self.resolved_on_time,
            rated: self.rated,
            satisfied: self.satisfied,
            overdue: self.overdue,
            ever_resolved: self.ever_resolved,
            reopened: self.reopened,
            resolved_for_good: self.resolved_for_good,
        }
    }

    /// Accepted on time, over accepted orders ([`Counts::on_time_acceptance`]).
    pub fn on_time_acceptance(&self) -> Rate {
        self.counts().on_time_acceptance()
    }

    /// Resolved on time, over resolved orders ([`Counts::on_time_resolution`]).
    pub fn on_time_resolution(&self) -> Rate {
        self.counts().on_time_resolution()
    }

    /// Rated satisfied or basically satisfied, over rated resolved orders.
    pub fn satisfaction(&self) -> Rate {
        self.counts().satisfaction()
    }
}

impl Order {
    /// What the figures need to know about this order.
    pub fn figure_facts(&self) -> Facts {
        Facts {
            state: self.state(),
            created_at: self.created_at,
            accept_due_at: self.accept_due_at,
            resolve_due_at: self.resolve_due_at,
            clock_paused_at: self.clock_paused_at,
            accepted_at: self.accepted_at,
            resolved_at: self.resolved_at,
            rating: self.rating.as_deref().and_then(Rating::parse),
            reopened: self.reopened,
        }
    }
}

/// The figures' definitions in SQL, one fragment each, mirroring the
/// predicates of [`shequ_domain::order::figures`] (read the definitions
/// there); the command centre, the figures and the order lists build their
/// statements from these, and `tests/figures.rs` checks order by order
/// that they agree with the predicates on both engines. `t` is how the
/// statement names the orders' table (`""` or `"w."`), `now` the
/// placeholder of the time judged at. Never built from input.
pub(crate) mod sql {
    /// The open states, as a list.
    pub(crate) const OPEN: &str = "('pending', 'accepted', 'in_progress', 'returned')";

    /// `late_to_accept`: pending, its accept deadline come on its clock. The
    /// plain range on the deadline (implied by the clock's, as a clock is
    /// never paused in the future) keeps the pending orders' deadline index
    /// usable.
    pub(crate) fn late_to_accept(t: &str, now: &str) -> String {
        format!(
            "{t}state = 'pending' AND {t}accept_due_at <= {now}
             AND ({t}clock_paused_at IS NULL OR {t}accept_due_at <= {t}clock_paused_at)"
        )
    }

    /// `late_to_resolve`: open, its resolve deadline come on its clock (the
    /// plain range keeps the open orders' deadline index usable).
    pub(crate) fn late_to_resolve(t: &str, now: &str) -> String {
        format!(
            "{t}state IN {OPEN} AND {t}resolve_due_at <= {now}
             AND ({t}clock_paused_at IS NULL OR {t}resolve_due_at <= {t}clock_paused_at)"
        )
    }

    /// `is_overdue`: late to accept or to resolve.
    pub(crate) fn overdue(t: &str, now: &str) -> String {
        format!(
            "(({}) OR ({}))",
            late_to_accept(t, now),
            late_to_resolve(t, now)
        )
    }

    /// `counted`: not cancelled.
    pub(crate) fn counted(t: &str) -> String {
        format!("{t}state <> 'cancelled'")
    }

    /// `accepted`.
    pub(crate) fn accepted(t: &str) -> String {
        format!("{t}state <> 'cancelled' AND {t}accepted_at IS NOT NULL")
    }

    /// `accepted_on_time`.
    pub(crate) fn accepted_on_time(t: &str) -> String {
        format!("{} AND {t}accepted_at <= {t}accept_due_at", accepted(t))
    }

    /// `resolved`.
    pub(crate) fn resolved(t: &str) -> String {
        format!("{t}state <> 'cancelled' AND {t}resolved_at IS NOT NULL")
    }

    /// `resolved_on_time`.
    pub(crate) fn resolved_on_time(t: &str) -> String {
        format!("{} AND {t}resolved_at <= {t}resolve_due_at", resolved(t))
    }

    /// `rated`: resolved and rated.
    pub(crate) fn rated(t: &str) -> String {
        format!("{} AND {t}rating IS NOT NULL", resolved(t))
    }

    /// `satisfied`: resolved and rated 满意 or 基本满意.
    pub(crate) fn satisfied(t: &str) -> String {
        format!(
            "{} AND {t}rating IN ('satisfied', 'basically_satisfied')",
            resolved(t)
        )
    }

    /// `ever_resolved`: resolved now, or reopened after a resolution.
    pub(crate) fn ever_resolved(t: &str) -> String {
        format!("{t}state <> 'cancelled' AND ({t}resolved_at IS NOT NULL OR {t}reopened > 0)")
    }

    /// `reopened`: reopened at least once.
    pub(crate) fn reopened(t: &str) -> String {
        format!("{t}state <> 'cancelled' AND {t}reopened > 0")
    }

    /// `resolved_for_good`: resolved and never reopened.
    pub(crate) fn resolved_for_good(t: &str) -> String {
        format!("{} AND {t}reopened = 0", resolved(t))
    }

    /// How many orders of the group hold `condition`, 0 for none.
    pub(crate) fn count(condition: &str, name: &str) -> String {
        format!("COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS {name}")
    }

    /// The mean of `ms` in minutes over the orders where `condition` holds
    /// (`response_ms`, `resolution_ms`), `NULL` for none.
    fn mean_minutes(condition: &str, ms: &str, name: &str) -> String {
        format!(
            "CAST(AVG(CASE WHEN {condition} THEN {ms} END) / 60000.0 AS DOUBLE PRECISION) AS {name}"
        )
    }

    /// Every figure of a group of orders, as [`super::Figures`] reads them.
    pub(crate) fn measures(t: &str, now: &str) -> String {
        [
            count(&counted(t), "orders"),
            count(&accepted(t), "accepted"),
            count(&accepted_on_time(t), "accepted_on_time"),
            count(&resolved(t), "resolved"),
            count(&resolved_on_time(t), "resolved_on_time"),
            count(&rated(t), "rated"),
            count(&satisfied(t), "satisfied"),
            count(&overdue(t, now), "overdue"),
            count(&ever_resolved(t), "ever_resolved"),
            count(&reopened(t), "reopened"),
            count(&resolved_for_good(t), "resolved_for_good"),
            mean_minutes(
                &accepted(t),
                &format!("{t}accepted_at - {t}created_at"),
                "avg_accept_minutes",
            ),
            mean_minutes(
                &resolved(t),
                &format!("{t}resolved_at - {t}created_at"),
                "avg_resolve_minutes",
            ),
        ]
        .join(",\n")
    }
}

impl Store {
    /// Figures of orders created in `[from, to)` under the scope, overdue
    /// judged at `now`.
    pub async fn order_figures(
        &self,
        scope: &Scope,
        (from, to): (i64, i64),
        now: i64,
        group: GroupBy,
    ) -> Result<Vec<Figures>> {
        let (lo, hi) = scope.bounds();
        let (key, from_tables, by) = match group {
            GroupBy::Person => (
                "CAST(w.owner_user_id AS TEXT) AS key, MAX(u.display_name) AS name",
                "work_orders w LEFT JOIN users u ON u.id = w.owner_user_id",
                "w.owner_user_id",
            ),
            GroupBy::Team => (
                "CAST(m.team_id AS TEXT) AS key, MAX(t.name) AS name",
                "work_orders w JOIN team_members m ON m.user_id = w.owner_user_id
                 JOIN teams t ON t.id = m.team_id",
                "m.team_id",
            ),
            GroupBy::Grid => (
                "CAST(w.region_id AS TEXT) AS key, MAX(r.name) AS name",
                "work_orders w JOIN regions r ON r.id = w.region_id",
                "w.region_id",
            ),
            GroupBy::Category => (
                "w.category_code AS key, MAX(c.name_zh) AS name",
                "work_orders w JOIN categories c ON c.id = w.category_id",
                "w.category_code",
            ),
        };
        let text = format!(
            "SELECT {key}, {measures} FROM {from_tables}
             WHERE w.region_path >= $1 AND w.region_path < $2 AND w.created_at >= $3 AND w.created_at < $4
               AND {counted}
             GROUP BY {by} ORDER BY {by}",
            measures = sql::measures("w.", "$5"),
            counted = sql::counted("w."),
        );
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Figures>(sqlx::AssertSqlSafe(text.as_str()))
                .bind(lo)
                .bind(hi)
                .bind(from)
                .bind(to)
                .bind(now)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }
}
