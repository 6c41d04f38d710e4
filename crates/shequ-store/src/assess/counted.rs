//! The orders and summons an assessment counts: the period's figures by
//! owner and its summons by team (the server adds them up per subject),
//! one subject's orders and summons for the page that traces its score,
//! and the figure flags a closed period keeps for each order counted.

use shequ_domain::order::Rating;
use shequ_domain::order::figures::{self, Counts, Facts, Summons, SummonsCounts};

use crate::db::on_db;
use crate::orders::figures::{Figures, sql};
use crate::{Result, Store, StoreError};

/// The figures of one owner's orders filed in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerCounts {
    pub owner_user_id: i64,
    pub counts: Counts,
}

/// The summons of one team on orders filed in a period.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TeamSummons {
    pub team_id: i64,
    pub summoned: i64,
    pub judged: i64,
    pub reported_on_time: i64,
}

impl TeamSummons {
    pub fn counts(&self) -> SummonsCounts {
        SummonsCounts {
            summoned: self.summoned,
            judged: self.judged,
            reported_on_time: self.reported_on_time,
        }
    }
}

/// An order counted for a subject, with what the figures need of it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CountedOrder {
    pub id: i64,
    pub title: String,
    pub category_code: String,
    pub state: String,
    pub owner_user_id: Option<i64>,
    pub owner_name: Option<String>,
    pub created_at: i64,
    pub accept_due_at: i64,
    pub resolve_due_at: i64,
    pub clock_paused_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub rating: Option<String>,
    pub reopened: i64,
}

impl CountedOrder {
    /// What the figures need to know about it.
    pub fn facts(&self) -> Result<Facts> {
        let state = shequ_domain::order::OrderState::parse(&self.state).ok_or_else(|| {
            StoreError::Corrupt(format!("order {} state {:?}", self.id, self.state))
        })?;
        Ok(Facts {
            state,
            created_at: self.created_at,
            accept_due_at: self.accept_due_at,
            resolve_due_at: self.resolve_due_at,
            clock_paused_at: self.clock_paused_at,
            accepted_at: self.accepted_at,
            resolved_at: self.resolved_at,
            rating: self.rating.as_deref().and_then(Rating::parse),
            reopened: self.reopened,
        })
    }
}

/// A summons of a team on an order filed in a period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SummonsRow {
    pub order_id: i64,
    pub title: String,
    pub due_at: Option<i64>,
    pub reported_at: Option<i64>,
}

impl SummonsRow {
    pub fn summons(&self) -> Summons {
        Summons {
            due_at: self.due_at,
            reported_at: self.reported_at,
        }
    }
}

/// The figure flags of one order, one bit per figure it counts in, as a
/// closed period keeps them; [`flags::counts`] adds them back up.
pub mod flags {
    use super::{Counts, Facts, figures};

    const ACCEPTED: i64 = 1;
    const ACCEPTED_ON_TIME: i64 = 1 << 1;
    const RESOLVED: i64 = 1 << 2;
    const RESOLVED_ON_TIME: i64 = 1 << 3;
    const RATED: i64 = 1 << 4;
    const SATISFIED: i64 = 1 << 5;
    const OVERDUE: i64 = 1 << 6;
    const EVER_RESOLVED: i64 = 1 << 7;
    const REOPENED: i64 = 1 << 8;
    const RESOLVED_FOR_GOOD: i64 = 1 << 9;

    /// The flags of a counted order judged at `now`.
    pub fn of(o: &Facts, now: i64) -> i64 {
        [
            (figures::accepted(o), ACCEPTED),
            (figures::accepted_on_time(o), ACCEPTED_ON_TIME),
            (figures::resolved(o), RESOLVED),
            (figures::resolved_on_time(o), RESOLVED_ON_TIME),
            (figures::rated(o), RATED),
            (figures::satisfied(o), SATISFIED),
            (figures::is_overdue(o, now), OVERDUE),
            (figures::ever_resolved(o), EVER_RESOLVED),
            (figures::reopened(o), REOPENED),
            (figures::resolved_for_good(o), RESOLVED_FOR_GOOD),
        ]
        .into_iter()
        .filter(|(b, _)| *b)
        .fold(0, |acc, (_, bit)| acc | bit)
    }

    /// The counts of orders with these flags.
    pub fn counts(all: impl IntoIterator<Item = i64>) -> Counts {
        let mut c = Counts::default();
        for f in all {
            let n = |bit: i64| i64::from(f & bit != 0);
            c.orders += 1;
            c.accepted += n(ACCEPTED);
            c.accepted_on_time += n(ACCEPTED_ON_TIME);
            c.resolved += n(RESOLVED);
            c.resolved_on_time += n(RESOLVED_ON_TIME);
            c.rated += n(RATED);
            c.satisfied += n(SATISFIED);
            c.overdue += n(OVERDUE);
            c.ever_resolved += n(EVER_RESOLVED);
            c.reopened += n(REOPENED);
            c.resolved_for_good += n(RESOLVED_FOR_GOOD);
        }
        c
    }
}

/// Figures grouped by an id (written as their key), with their counts.
fn by_id(rows: Vec<Figures>, what: &str) -> Result<Vec<(i64, Counts)>> {
    rows.into_iter()
        .map(|f| {
            let id = f
                .key
                .as_deref()
                .and_then(|k| k.parse().ok())
                .ok_or_else(|| StoreError::Corrupt(format!("{what} key {:?}", f.key)))?;
            Ok((id, f.counts()))
        })
        .collect()
}

const COUNTED_SELECT: &str = "SELECT w.id, w.title, w.category_code, w.state, w.owner_user_id,
        u.display_name AS owner_name, w.created_at, w.accept_due_at, w.resolve_due_at,
        w.clock_paused_at, w.accepted_at, w.resolved_at, w.rating, w.reopened
     FROM work_orders w LEFT JOIN users u ON u.id = w.owner_user_id";

impl Store {
    /// The figures of the orders filed in `[from, to)` (cancelled ones are
    /// not counted), by owner, overdue judged at `now`: one pass over the
    /// period's orders.
    pub async fn assessment_owner_counts(
        &self,
        (from, to): (i64, i64),
        now: i64,
    ) -> Result<Vec<OwnerCounts>> {
        let text = format!(
            "SELECT CAST(w.owner_user_id AS TEXT) AS key, NULL AS name, {measures}
             FROM work_orders w
             WHERE w.created_at >= $1 AND w.created_at < $2 AND w.owner_user_id IS NOT NULL
               AND {counted}
             GROUP BY w.owner_user_id",
            measures = sql::measures("w.", "$3"),
            counted = sql::counted("w."),
        );
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Figures>(sqlx::AssertSqlSafe(text.as_str()))
                .bind(from)
                .bind(to)
                .bind(now)
                .fetch_all(pool)
                .await?
        });
        Ok(by_id(rows, "owner")?
            .into_iter()
            .map(|(owner_user_id, counts)| OwnerCounts {
                owner_user_id,
                counts,
            })
            .collect())
    }

    /// The figures of the orders filed in `[from, to)` on which each team
    /// was summoned (吹哨) and which none of its members owns (those count
    /// through [`Store::assessment_owner_counts`] already), by team,
    /// overdue judged at `now`.
    pub async fn assessment_summoned_counts(
        &self,
        (from, to): (i64, i64),
        now: i64,
    ) -> Result<Vec<(i64, Counts)>> {
        let text = format!(
            "SELECT CAST(p.team_id AS TEXT) AS key, NULL AS name, {measures}
             FROM work_orders w
             JOIN (SELECT DISTINCT order_id, team_id FROM order_participants
                   WHERE kind = 'summoned' AND team_id IS NOT NULL) p ON p.order_id = w.id
             WHERE w.created_at >= $1 AND w.created_at < $2 AND {counted}
               AND NOT EXISTS (SELECT 1 FROM team_members m
                               WHERE m.team_id = p.team_id AND m.user_id = w.owner_user_id)
             GROUP BY p.team_id",
            measures = sql::measures("w.", "$3"),
            counted = sql::counted("w."),
        );
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Figures>(sqlx::AssertSqlSafe(text.as_str()))
                .bind(from)
                .bind(to)
                .bind(now)
                .fetch_all(pool)
                .await?
        });
        by_id(rows, "team")
    }

    /// The orders filed in `[from, to)`, not cancelled, on which `team_id`
    /// was summoned and which none of its members owns, oldest first.
    pub async fn orders_summoning_team(
        &self,
        team_id: i64,
        (from, to): (i64, i64),
    ) -> Result<Vec<CountedOrder>> {
        let text = format!(
            "{COUNTED_SELECT}
             WHERE w.id IN (SELECT order_id FROM order_participants WHERE kind = 'summoned' AND team_id = $1)
               AND w.created_at >= $2 AND w.created_at < $3 AND w.state <> 'cancelled'
               AND NOT EXISTS (SELECT 1 FROM team_members m
                               WHERE m.team_id = $1 AND m.user_id = w.owner_user_id)
             ORDER BY w.created_at, w.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, CountedOrder>(sqlx::AssertSqlSafe(text.as_str()))
                .bind(team_id)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The summons (吹哨) of each team on orders filed in `[from, to)` and
    /// not cancelled, judged at `now` ([`figures::summons_judged`],
    /// [`figures::reported_on_time`]).
    pub async fn assessment_team_summons(
        &self,
        (from, to): (i64, i64),
        now: i64,
    ) -> Result<Vec<TeamSummons>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, TeamSummons>(
                "SELECT p.team_id, COUNT(*) AS summoned,
                    COALESCE(SUM(CASE WHEN p.reported_at IS NOT NULL OR p.due_at <= $3 THEN 1 ELSE 0 END), 0) AS judged,
                    COALESCE(SUM(CASE WHEN p.reported_at IS NOT NULL AND (p.due_at IS NULL OR p.reported_at <= p.due_at)
                                 THEN 1 ELSE 0 END), 0) AS reported_on_time
                 FROM order_participants p JOIN work_orders w ON w.id = p.order_id
                 WHERE p.kind = 'summoned' AND p.team_id IS NOT NULL
                   AND w.created_at >= $1 AND w.created_at < $2 AND w.state <> 'cancelled'
                 GROUP BY p.team_id",
            )
            .bind(from)
            .bind(to)
            .bind(now)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The orders filed in `[from, to)` and not cancelled owned by any of
    /// `owners`, oldest first.
    pub async fn orders_owned_by(
        &self,
        owners: &[i64],
        (from, to): (i64, i64),
    ) -> Result<Vec<CountedOrder>> {
        let ids = serde_json::to_string(owners).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let list = match self.db {
            crate::db::Db::Sqlite(_) => "SELECT value FROM json_each($1)",
            crate::db::Db::Postgres(_) => "SELECT (jsonb_array_elements_text($1::jsonb))::bigint",
        };
        let text = format!(
            "{COUNTED_SELECT} WHERE w.owner_user_id IN ({list})
               AND w.created_at >= $2 AND w.created_at < $3 AND w.state <> 'cancelled'
             ORDER BY w.created_at, w.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, CountedOrder>(sqlx::AssertSqlSafe(text.as_str()))
                .bind(&ids)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        }))
    }

    /// One order as the assessment counts it.
    pub async fn counted_order(&self, id: i64) -> Result<Option<CountedOrder>> {
        let text = format!("{COUNTED_SELECT} WHERE w.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, CountedOrder>(sqlx::AssertSqlSafe(text.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The summons of `team_id` on orders filed in `[from, to)` and not
    /// cancelled, oldest first.
    pub async fn team_summons_in(
        &self,
        team_id: i64,
        (from, to): (i64, i64),
    ) -> Result<Vec<SummonsRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, SummonsRow>(
                "SELECT w.id AS order_id, w.title, p.due_at, p.reported_at
                 FROM order_participants p JOIN work_orders w ON w.id = p.order_id
                 WHERE p.kind = 'summoned' AND p.team_id = $1
                   AND w.created_at >= $2 AND w.created_at < $3 AND w.state <> 'cancelled'
                 ORDER BY w.created_at, w.id",
            )
            .bind(team_id)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The orders a closed period counted for a subject, with their flags.
    pub async fn frozen_counted(&self, subject_id: i64) -> Result<Vec<(CountedOrder, i64)>> {
        let text = "SELECT w.id, w.title, w.category_code, w.state, w.owner_user_id,
                u.display_name AS owner_name, w.created_at, w.accept_due_at, w.resolve_due_at,
                w.clock_paused_at, w.accepted_at, w.resolved_at, w.rating, w.reopened, c.flags
             FROM assessment_counted c JOIN work_orders w ON w.id = c.order_id
             LEFT JOIN users u ON u.id = w.owner_user_id
             WHERE c.subject_id = $1 ORDER BY w.created_at, w.id";
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            order: CountedOrder,
            flags: i64,
        }
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Row>(text)
                .bind(subject_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|r| (r.order, r.flags)).collect())
    }
}
