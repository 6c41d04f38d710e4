//! Periods, their subjects, hand scores, appeals and closing.

use crate::bulk::{Sql, pick};
use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// A period to open.
#[derive(Debug, Clone)]
pub struct NewPeriod<'a> {
    pub code: &'a str,
    pub kind: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    /// The scheme as JSON.
    pub scheme: &'a str,
    pub actor: &'a str,
    pub now: i64,
}

/// A period as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PeriodRow {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub scheme: String,
    pub region_path: String,
    pub closed_at: Option<i64>,
    pub closed_by: Option<String>,
    pub actor: String,
    pub created_at: i64,
    /// Its subjects.
    pub subjects: i64,
    /// Its appeals waiting for the street.
    pub pending_appeals: i64,
}

/// A subject of a period.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SubjectRow {
    pub id: i64,
    pub period_id: i64,
    /// `department`, `secretary`, `grid_worker` or `team`.
    pub kind: String,
    pub team_id: Option<i64>,
    pub user_id: Option<i64>,
    pub name: String,
    pub region_path: String,
    /// Frozen at close: the inputs as JSON, the score and the rank.
    pub inputs: Option<String>,
    pub score: Option<f64>,
    pub rank: Option<i64>,
}

/// A hand score.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ScoreRow {
    pub subject_id: i64,
    pub indicator: String,
    pub score: f64,
    pub comment: String,
    pub actor: String,
    pub scored_at: i64,
}

/// An appeal, with its subject and order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AppealRow {
    pub id: i64,
    pub subject_id: i64,
    pub subject_name: String,
    pub order_id: i64,
    pub order_title: String,
    pub ground: String,
    pub reason: String,
    /// `pending`, `accepted` or `rejected`.
    pub state: String,
    pub actor: String,
    pub filed_at: i64,
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
}

/// What closing freezes of one subject.
#[derive(Debug, Clone)]
pub struct FrozenSubject {
    pub subject_id: i64,
    /// The inputs as JSON.
    pub inputs: String,
    pub score: Option<f64>,
    pub rank: Option<i64>,
    /// The orders counted, each with its figure flags ([`super::flags`]).
    pub counted: Vec<(i64, i64)>,
}

const PERIOD_SELECT: &str = "SELECT p.id, p.code, p.kind, p.starts_at, p.ends_at, p.scheme,
        p.region_path, p.closed_at, p.closed_by, p.actor, p.created_at,
        (SELECT COUNT(*) FROM assessment_subjects s WHERE s.period_id = p.id) AS subjects,
        (SELECT COUNT(*) FROM assessment_appeals a JOIN assessment_subjects s ON s.id = a.subject_id
          WHERE s.period_id = p.id AND a.state = 'pending') AS pending_appeals
     FROM assessment_periods p";

const SUBJECT_SELECT: &str = "SELECT id, period_id, kind, team_id, user_id, name, region_path,
        inputs, score, rank FROM assessment_subjects";

const APPEAL_SELECT: &str = "SELECT a.id, a.subject_id, s.name AS subject_name, a.order_id,
        w.title AS order_title, a.ground, a.reason, a.state, a.actor, a.filed_at, a.decision,
        a.decided_by, a.decided_at
     FROM assessment_appeals a
     JOIN assessment_subjects s ON s.id = a.subject_id
     JOIN work_orders w ON w.id = a.order_id";

/// The frozen counted orders of one subject, as a JSON array of
/// `[order_id, flags]` pairs unpacked by the engine.
const INSERT_COUNTED: Sql = Sql {
    sqlite:
        "INSERT INTO assessment_counted (subject_id, order_id, flags)
             SELECT $1, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($2)",
    postgres: "INSERT INTO assessment_counted (subject_id, order_id, flags)
               SELECT $1, (e->>0)::bigint, (e->>1)::bigint FROM jsonb_array_elements($2::jsonb) e",
};

/// When the period of a subject was closed, if it was.
const SUBJECT_CLOSED_AT: &str = "SELECT p.closed_at FROM assessment_subjects s
     JOIN assessment_periods p ON p.id = s.period_id WHERE s.id = $1";

/// Refuses a change to something `missing` names when it was not found,
/// or when its period (`closed` is its `closed_at`) is closed.
fn still_open(closed: Option<Option<i64>>, missing: &'static str) -> Result<()> {
    match closed {
        None => Err(StoreError::NotFound(missing)),
        Some(Some(_)) => Err(StoreError::Invalid(shequ_domain::InvalidValue::new(
            shequ_domain::Code::AssessPeriodClosed,
            "the period is closed: its scores are frozen",
        ))),
        Some(None) => Ok(()),
    }
}

impl Store {
    /// Opens a period over the scope's area with its subjects: every team
    /// of the area (a department's agency when its kind is `department`),
    /// and every secretary and grid worker of it who can log in. Refuses a
    /// code already opened.
    pub async fn open_assessment_period(&self, scope: &Scope, p: &NewPeriod<'_>) -> Result<i64> {
        let (lo, hi) = scope.bounds();
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let taken: Option<i64> =
                sqlx::query_scalar("SELECT id FROM assessment_periods WHERE code = $1")
                    .bind(p.code)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict {
                    field: "period",
                    value: p.code.to_owned(),
                });
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO assessment_periods (code, kind, starts_at, ends_at, scheme, region_path, actor, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(p.code)
            .bind(p.kind)
            .bind(p.starts_at)
            .bind(p.ends_at)
            .bind(p.scheme)
            .bind(lo)
            .bind(p.actor)
            .bind(p.now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO assessment_subjects (period_id, kind, team_id, name, region_path)
                 SELECT $1, CASE WHEN t.kind = 'department' THEN 'department' ELSE 'team' END,
                        t.id, t.name, r.path
                 FROM teams t JOIN regions r ON r.id = t.region_id
                 WHERE r.path >= $2 AND r.path < $3 ORDER BY t.id",
            )
            .bind(id)
            .bind(lo)
            .bind(hi)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO assessment_subjects (period_id, kind, user_id, name, region_path)
                 SELECT $1, CASE WHEN u.role = 'neighbourhood_secretary' THEN 'secretary' ELSE 'grid_worker' END,
                        u.id, u.display_name, r.path
                 FROM users u JOIN regions r ON r.id = u.region_id
                 WHERE u.role IN ('neighbourhood_secretary', 'grid_worker') AND NOT u.disabled
                   AND r.path >= $2 AND r.path < $3 ORDER BY u.id",
            )
            .bind(id)
            .bind(lo)
            .bind(hi)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        }))
    }

    /// Every period, the latest first.
    pub async fn assessment_periods(&self) -> Result<Vec<PeriodRow>> {
        let sql = format!("{PERIOD_SELECT} ORDER BY p.starts_at DESC, p.kind, p.id DESC");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, PeriodRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(pool)
                .await?
        }))
    }

    /// One period.
    pub async fn assessment_period(&self, id: i64) -> Result<Option<PeriodRow>> {
        let sql = format!("{PERIOD_SELECT} WHERE p.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, PeriodRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// A period's subjects.
    pub async fn assessment_subjects(&self, period_id: i64) -> Result<Vec<SubjectRow>> {
        let sql = format!("{SUBJECT_SELECT} WHERE period_id = $1 ORDER BY id");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, SubjectRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(period_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// One subject.
    pub async fn assessment_subject(&self, id: i64) -> Result<Option<SubjectRow>> {
        let sql = format!("{SUBJECT_SELECT} WHERE id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, SubjectRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The subjects `user_id` is, or is a member of, in every period.
    pub async fn assessment_subjects_of(&self, user_id: i64) -> Result<Vec<SubjectRow>> {
        let sql = format!(
            "{SUBJECT_SELECT} WHERE user_id = $1
               OR team_id IN (SELECT team_id FROM team_members WHERE user_id = $1)
             ORDER BY period_id DESC, id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, SubjectRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(user_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The teams `user_id` is a member of.
    pub async fn teams_of_member(&self, user_id: i64) -> Result<Vec<i64>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Every `(team_id, user_id)` membership.
    pub async fn team_memberships(&self) -> Result<Vec<(i64, i64)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT team_id, user_id FROM team_members ORDER BY team_id, user_id")
                .fetch_all(pool)
                .await?
        }))
    }

    /// Gives (or replaces) a subject's hand score for `indicator`; refused
    /// once the period is closed.
    pub async fn set_assessment_score(
        &self,
        subject_id: i64,
        indicator: &str,
        score: f64,
        comment: &str,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let closed: Option<Option<i64>> = sqlx::query_scalar(SUBJECT_CLOSED_AT)
                .bind(subject_id)
                .fetch_optional(&mut *tx)
                .await?;
            still_open(closed, "assess subject")?;
            sqlx::query(
                "INSERT INTO assessment_scores (subject_id, indicator, score, comment, actor, scored_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (subject_id, indicator) DO UPDATE SET score = excluded.score,
                    comment = excluded.comment, actor = excluded.actor, scored_at = excluded.scored_at",
            )
            .bind(subject_id)
            .bind(indicator)
            .bind(score)
            .bind(comment)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The hand scores of a period's subjects.
    pub async fn assessment_scores(&self, period_id: i64) -> Result<Vec<ScoreRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, ScoreRow>(
                "SELECT c.subject_id, c.indicator, c.score, c.comment, c.actor, c.scored_at
                 FROM assessment_scores c JOIN assessment_subjects s ON s.id = c.subject_id
                 WHERE s.period_id = $1 ORDER BY c.subject_id, c.indicator",
            )
            .bind(period_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Files an appeal against an order counted for a subject (the caller
    /// checks it is counted); refused once the period is closed, and a
    /// second appeal on the same order by the same subject.
    pub async fn file_assessment_appeal(
        &self,
        subject_id: i64,
        order_id: i64,
        ground: &str,
        reason: &str,
        actor: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let closed: Option<Option<i64>> = sqlx::query_scalar(SUBJECT_CLOSED_AT)
                .bind(subject_id)
                .fetch_optional(&mut *tx)
                .await?;
            still_open(closed, "assess subject")?;
            let taken: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM assessment_appeals WHERE subject_id = $1 AND order_id = $2",
            )
            .bind(subject_id)
            .bind(order_id)
            .fetch_optional(&mut *tx)
            .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict {
                    field: "appeal",
                    value: order_id.to_string(),
                });
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO assessment_appeals (subject_id, order_id, ground, reason, actor, filed_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(subject_id)
            .bind(order_id)
            .bind(ground)
            .bind(reason)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        }))
    }

    /// Records the street's decision on a pending appeal of an open
    /// period; `false` when it was decided already (by someone else in
    /// the meantime).
    pub async fn decide_assessment_appeal(
        &self,
        id: i64,
        state: &str,
        decision: &str,
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let closed: Option<Option<i64>> = sqlx::query_scalar(
                "SELECT p.closed_at FROM assessment_appeals a
                 JOIN assessment_subjects s ON s.id = a.subject_id
                 JOIN assessment_periods p ON p.id = s.period_id WHERE a.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            still_open(closed, "assess appeal")?;
            let done = sqlx::query(
                "UPDATE assessment_appeals SET state = $2, decision = $3, decided_by = $4, decided_at = $5
                 WHERE id = $1 AND state = 'pending'",
            )
            .bind(id)
            .bind(state)
            .bind(decision)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            done == 1
        }))
    }

    /// The appeals of a period, the pending first, then the latest.
    pub async fn assessment_appeals(&self, period_id: i64) -> Result<Vec<AppealRow>> {
        let sql = format!(
            "{APPEAL_SELECT} WHERE s.period_id = $1
             ORDER BY CASE WHEN a.state = 'pending' THEN 0 ELSE 1 END, a.filed_at DESC, a.id DESC"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, AppealRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(period_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// One appeal.
    pub async fn assessment_appeal(&self, id: i64) -> Result<Option<AppealRow>> {
        let sql = format!("{APPEAL_SELECT} WHERE a.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, AppealRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Closes an open period, freezing each subject's inputs, score, rank
    /// and counted orders, all in one transaction; `false` when it was
    /// closed already.
    pub async fn close_assessment_period(
        &self,
        period_id: i64,
        frozen: &[FrozenSubject],
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let closed = sqlx::query(
                "UPDATE assessment_periods SET closed_at = $2, closed_by = $3
                 WHERE id = $1 AND closed_at IS NULL",
            )
            .bind(period_id)
            .bind(now)
            .bind(actor)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if closed == 0 {
                return Ok(false);
            }
            let insert = pick(&self.db, &INSERT_COUNTED);
            for f in frozen {
                sqlx::query(
                    "UPDATE assessment_subjects SET inputs = $2, score = $3, rank = $4
                     WHERE id = $1 AND period_id = $5",
                )
                .bind(f.subject_id)
                .bind(&f.inputs)
                .bind(f.score)
                .bind(f.rank)
                .bind(period_id)
                .execute(&mut *tx)
                .await?;
                for chunk in f.counted.chunks(5_000) {
                    let json = serde_json::to_string(chunk)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    sqlx::query(insert)
                        .bind(f.subject_id)
                        .bind(json)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            true
        }))
    }
}
