//! The projects list (项目清单): a need met by resources, its steps from
//! proposed to done (or dropped), its outcome and rating, and the trail of
//! every change. Committing part of a resource and releasing it, and
//! adding a rating to the resources' tallies, happen in the transaction
//! of the project write, so the totals matching reads never drift from
//! the projects.

use shequ_domain::coop::{Capacity, CapacityUnit, ProjectStatus, Rating, Window, check_commitment};

use crate::bulk::{Sql, pick};
use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// A project to create: a need, the resources it takes and how much of
/// each, and when it runs.
#[derive(Debug, Clone)]
pub struct NewProject<'a> {
    pub need_id: i64,
    pub title: &'a str,
    /// The named person answerable for it.
    pub owner: &'a str,
    pub window: Window,
    /// `(resource id, amount)`; each resource once.
    pub resources: &'a [(i64, u32)],
    /// The joint-meeting decision it was made from, if any.
    pub decision_id: Option<i64>,
}

/// What may be updated on a project besides its status and rating.
#[derive(Debug, Clone)]
pub struct ProjectUpdate<'a> {
    pub owner: &'a str,
    pub participants: u32,
    pub beneficiaries: u32,
    pub outcome: &'a str,
}

/// A project as listed, with its need.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    sqlx::FromRow,
    utoipa::ToSchema,
)]
pub struct ProjectRow {
    pub id: i64,
    pub need_id: i64,
    pub need_code: String,
    pub need_title: String,
    pub category: String,
    pub title: String,
    pub owner: String,
    pub status: String,
    pub starts_on: String,
    pub ends_on: String,
    pub region_path: String,
    pub year: i64,
    pub participants: i64,
    pub beneficiaries: i64,
    pub outcome: String,
    pub drop_reason: Option<String>,
    pub rating: Option<i64>,
    pub rating_note: Option<String>,
    pub decision_id: Option<i64>,
    pub updated_at: i64,
}

/// What a project takes of one resource.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ProjectResourceRow {
    pub project_id: i64,
    pub resource_id: i64,
    pub resource_code: String,
    pub resource_title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub amount: i64,
    pub capacity_unit: String,
}

/// One change of a project, as kept.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ProjectChange {
    pub id: i64,
    pub action: String,
    pub actor: String,
    pub at: i64,
    /// The project before (JSON), none for its creation.
    pub before: Option<String>,
    pub after: String,
}

const PROJECT_SELECT: &str = "SELECT j.id, j.need_id, n.code AS need_code, n.title AS need_title,
        n.category, j.title, j.owner, j.status, j.starts_on, j.ends_on, j.region_path, j.year,
        j.participants, j.beneficiaries, j.outcome, j.drop_reason, j.rating, j.rating_note,
        j.decision_id, j.updated_at
     FROM coop_projects j JOIN coop_needs n ON n.id = j.need_id";

/// Reading a resource to commit part of it: PostgreSQL locks the row
/// (projects taking the same resource at once queue here, in resource id
/// order so that two never wait on each other); SQLite has one writer.
const LOCK_RESOURCE: Sql = Sql {
    sqlite: "SELECT code, capacity, capacity_unit, committed FROM coop_resources WHERE id = $1",
    postgres: "SELECT code, capacity, capacity_unit, committed FROM coop_resources WHERE id = $1 FOR UPDATE",
};

const LOCK_PROJECT: Sql = Sql {
    sqlite: "SELECT status, rating FROM coop_projects WHERE id = $1",
    postgres: "SELECT status, rating FROM coop_projects WHERE id = $1 FOR UPDATE",
};

fn to_json(row: &ProjectRow) -> Result<String> {
    serde_json::to_string(row).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn corrupt(e: shequ_domain::InvalidValue) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Runs `$body` in a transaction on project `$id`: reads it before (the
/// lock), and after `$body` writes the change row with both.
macro_rules! project_change {
    ($store:expr, $id:expr, $action:expr, $actor:expr, $now:expr, |$tx:ident, $status:ident, $rating:ident| $body:block) => {{
        let lock_sql = pick(&$store.db, &LOCK_PROJECT);
        let select = format!("{PROJECT_SELECT} WHERE j.id = $1");
        on_db!($store, write, |pool| {
            let mut $tx = pool.begin().await?;
            let locked: Option<(String, Option<i64>)> = sqlx::query_as(lock_sql)
                .bind($id)
                .fetch_optional(&mut *$tx)
                .await?;
            let (status, $rating) = locked.ok_or(StoreError::NotFound("coop project"))?;
            let $status = ProjectStatus::parse(&status).map_err(corrupt)?;
            let before: ProjectRow = sqlx::query_as(sqlx::AssertSqlSafe(select.as_str())).bind($id).fetch_one(&mut *$tx).await?;
            $body
            let after: ProjectRow = sqlx::query_as(sqlx::AssertSqlSafe(select.as_str())).bind($id).fetch_one(&mut *$tx).await?;
            sqlx::query(
                "INSERT INTO coop_project_changes (project_id, action, actor, at, before, after)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind($id)
            .bind($action)
            .bind($actor)
            .bind($now)
            .bind(to_json(&before)?)
            .bind(to_json(&after)?)
            .execute(&mut *$tx)
            .await?;
            $tx.commit().await?;
        });
    }};
}

impl Store {
    /// Creates a proposed project meeting need `p.need_id` with
    /// `p.resources`, committing each amount against what is left of
    /// the resource — all or nothing: one refusal (more than is left, a
    /// resource that does not exist) stores nothing. A refused amount is
    /// at `amount`, its message naming the resource's code.
    pub async fn create_project(&self, p: &NewProject<'_>, actor: &str, now: i64) -> Result<i64> {
        if p.resources.is_empty() {
            return Err(StoreError::Invalid(
                shequ_domain::InvalidValue::new(
                    shequ_domain::Code::CoopResourceUnknown,
                    "a project takes at least one resource",
                )
                .at("resources"),
            ));
        }
        let mut order: Vec<(usize, i64, u32)> = p
            .resources
            .iter()
            .enumerate()
            .map(|(i, (id, amount))| (i, *id, *amount))
            .collect();
        order.sort_by_key(|(_, id, _)| *id);
        if order.windows(2).any(|w| w[0].1 == w[1].1) {
            return Err(StoreError::Invalid(
                shequ_domain::InvalidValue::new(
                    shequ_domain::Code::CoopResourceUnknown,
                    "each resource is listed once in a project",
                )
                .at("resources"),
            ));
        }
        let lock_sql = pick(&self.db, &LOCK_RESOURCE);
        let select = format!("{PROJECT_SELECT} WHERE j.id = $1");
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let need: Option<(String, i64)> =
                sqlx::query_as("SELECT region_path, year FROM coop_needs WHERE id = $1")
                    .bind(p.need_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let (region_path, year) = need.ok_or(StoreError::NotFound("coop need"))?;
            if let Some(decision) = p.decision_id {
                let known: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM party_meeting_decisions WHERE id = $1")
                        .bind(decision)
                        .fetch_optional(&mut *tx)
                        .await?;
                known.ok_or(StoreError::NotFound("party decision"))?;
            }
            for (_, id, amount) in &order {
                let row: Option<(String, i64, String, i64)> = sqlx::query_as(lock_sql)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let (code, capacity, unit, committed) =
                    row.ok_or(StoreError::NotFound("coop resource"))?;
                let unit = CapacityUnit::parse(&unit).map_err(corrupt)?;
                let capacity =
                    Capacity::new(u32::try_from(capacity).unwrap_or(0), unit).map_err(corrupt)?;
                check_commitment(
                    capacity,
                    u32::try_from(committed).unwrap_or(u32::MAX),
                    *amount,
                )
                .map_err(|e| {
                    StoreError::Invalid(
                        shequ_domain::InvalidValue::new(e.code, format!("{code}: {}", e.message))
                            .at("amount"),
                    )
                })?;
                sqlx::query("UPDATE coop_resources SET committed = committed + $2 WHERE id = $1")
                    .bind(id)
                    .bind(i64::from(*amount))
                    .execute(&mut *tx)
                    .await?;
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO coop_projects (need_id, title, owner, status, starts_on, ends_on,
                    region_path, year, decision_id, actor, created_at, updated_at)
                 VALUES ($1, $2, $3, 'proposed', $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(p.need_id)
            .bind(p.title)
            .bind(p.owner)
            .bind(p.window.start().to_string())
            .bind(p.window.end().to_string())
            .bind(&region_path)
            .bind(year)
            .bind(p.decision_id)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for (_, resource, amount) in &order {
                sqlx::query(
                    "INSERT INTO coop_project_resources (project_id, resource_id, amount) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(resource)
                .bind(i64::from(*amount))
                .execute(&mut *tx)
                .await?;
            }
            let after: ProjectRow = sqlx::query_as(sqlx::AssertSqlSafe(select.as_str()))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO coop_project_changes (project_id, action, actor, at, before, after)
                 VALUES ($1, 'create', $2, $3, NULL, $4)",
            )
            .bind(id)
            .bind(actor)
            .bind(now)
            .bind(to_json(&after)?)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        }))
    }

    /// Moves project `id` to `to` (with `reason` when dropping it), as the
    /// domain allows; a project that ends (done or dropped) gives back
    /// what it took of its resources.
    pub async fn step_project(
        &self,
        id: i64,
        to: ProjectStatus,
        reason: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        project_change!(self, id, to.as_str(), actor, now, |tx, status, _rating| {
            let next = if to == ProjectStatus::Dropped {
                status
                    .drop_with(reason.unwrap_or(""))
                    .map_err(StoreError::Invalid)?
            } else {
                status.step(to).map_err(StoreError::Invalid)?
            };
            sqlx::query(
                "UPDATE coop_projects SET status = $2, drop_reason = $3, actor = $4, updated_at = $5
                 WHERE id = $1",
            )
            .bind(id)
            .bind(next.as_str())
            .bind(if next == ProjectStatus::Dropped {
                reason.map(str::trim)
            } else {
                None
            })
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if next.is_final() {
                sqlx::query(
                    "UPDATE coop_resources SET committed = CASE
                        WHEN committed > x.amount THEN committed - x.amount ELSE 0 END
                     FROM (SELECT resource_id, amount FROM coop_project_resources WHERE project_id = $1) AS x
                     WHERE coop_resources.id = x.resource_id",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    /// Rates done project `id` for the needing side; rating it again
    /// replaces the first rating, in the resources' tallies too.
    pub async fn rate_project(
        &self,
        id: i64,
        rating: Rating,
        note: &str,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        project_change!(self, id, "rate", actor, now, |tx, status, previous| {
            shequ_domain::coop::rate(status, rating).map_err(StoreError::Invalid)?;
            let value = i64::from(rating.get());
            let (delta_sum, delta_count) = match previous {
                Some(old) => (value - old, 0_i64),
                None => (value, 1),
            };
            sqlx::query(
                "UPDATE coop_projects SET rating = $2, rating_note = $3, actor = $4, updated_at = $5
                 WHERE id = $1",
            )
            .bind(id)
            .bind(value)
            .bind(note.trim())
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE coop_resources SET rating_sum = rating_sum + $2, rating_count = rating_count + $3
                 WHERE id IN (SELECT resource_id FROM coop_project_resources WHERE project_id = $1)",
            )
            .bind(id)
            .bind(delta_sum)
            .bind(delta_count)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Updates project `id`'s owner, participants, beneficiaries and
    /// outcome.
    pub async fn update_project(
        &self,
        id: i64,
        update: &ProjectUpdate<'_>,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        project_change!(self, id, "update", actor, now, |tx, _status, _rating| {
            sqlx::query(
                "UPDATE coop_projects SET owner = $2, participants = $3, beneficiaries = $4,
                    outcome = $5, actor = $6, updated_at = $7
                 WHERE id = $1",
            )
            .bind(id)
            .bind(update.owner)
            .bind(i64::from(update.participants))
            .bind(i64::from(update.beneficiaries))
            .bind(update.outcome)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// The projects of `year` in `scope`, by need code then id.
    pub async fn projects_in(&self, scope: &Scope, year: i32) -> Result<Vec<ProjectRow>> {
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "{PROJECT_SELECT} WHERE j.year = $1 AND j.region_path >= $2 AND j.region_path < $3
             ORDER BY n.code, j.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(i64::from(year))
                .bind(lo)
                .bind(hi)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Project `id`, wherever it is.
    pub async fn project(&self, id: i64) -> Result<Option<ProjectRow>> {
        let sql = format!("{PROJECT_SELECT} WHERE j.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The projects meeting need `need_id`, oldest first.
    pub async fn projects_of_need(&self, need_id: i64) -> Result<Vec<ProjectRow>> {
        let sql = format!("{PROJECT_SELECT} WHERE j.need_id = $1 ORDER BY j.id");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(need_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The projects resource `resource_id` serves, newest first.
    pub async fn projects_of_resource(&self, resource_id: i64) -> Result<Vec<ProjectRow>> {
        let sql = format!(
            "{PROJECT_SELECT} WHERE j.id IN
               (SELECT project_id FROM coop_project_resources WHERE resource_id = $1)
             ORDER BY j.id DESC"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(resource_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// What project `id` takes of each resource, by resource code.
    pub async fn project_resources(&self, id: i64) -> Result<Vec<ProjectResourceRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT x.project_id, x.resource_id, r.code AS resource_code, r.title AS resource_title,
                        r.unit_id, u.name AS unit_name, x.amount, r.capacity_unit
                 FROM coop_project_resources x
                 JOIN coop_resources r ON r.id = x.resource_id
                 JOIN coop_units u ON u.id = r.unit_id
                 WHERE x.project_id = $1 ORDER BY r.code",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Every change of project `id`, oldest first.
    pub async fn project_changes(&self, id: i64) -> Result<Vec<ProjectChange>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, action, actor, at, before, after FROM coop_project_changes
                 WHERE project_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }
}
