//! Volunteering (志愿服务): teams and their members, activities, sign-ups
//! within an activity's places, and check-ins whose hours land on the
//! volunteer's double registration (双报到) in the same transaction — an
//! acknowledged check-in never loses its hours.

use chrono::NaiveDate;
use shequ_domain::coop::{Category, check_in, signup};
use shequ_domain::party::registration::{Hours, RecordSource, check_record_day};

use crate::bulk::{Sql, pick};
use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// A team as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TeamRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub category: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub region_path: String,
    pub region_name: String,
    pub leader: String,
    pub members: i64,
    /// Hours its volunteers were credited, all years, in tenths.
    pub hours_tenths: i64,
}

/// A team to create.
#[derive(Debug, Clone)]
pub struct NewTeam<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub category: Category,
    pub unit_id: Option<i64>,
    pub region_id: i64,
    pub leader: &'a str,
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TeamMemberRow {
    pub person_id: i64,
    pub name: String,
    pub joined_at: i64,
}

/// An activity as listed, with how many signed up and checked in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ActivityRow {
    pub id: i64,
    pub team_id: i64,
    pub team_name: String,
    pub title: String,
    pub place_id: i64,
    pub place_name: String,
    pub region_path: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: i64,
    pub signed: i64,
    pub checked_in: i64,
}

/// An activity to create.
#[derive(Debug, Clone)]
pub struct NewActivity<'a> {
    pub team_id: i64,
    pub title: &'a str,
    pub place_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: u32,
}

/// A volunteer's sign-up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SignupRow {
    pub activity_id: i64,
    pub person_id: i64,
    pub name: String,
    pub signed_at: i64,
    pub checked_in_at: Option<i64>,
    pub hours_tenths: Option<i64>,
    /// The double-registration record the hours were written to.
    pub service_record: Option<i64>,
}

/// Where a check-in's hours go on the volunteer's double registration.
#[derive(Debug, Clone)]
pub struct ServiceEntry<'a> {
    pub registration_id: i64,
    pub day: NaiveDate,
    pub today: NaiveDate,
    pub what: &'a str,
    pub confirmed_by: &'a str,
}

/// Writes a check-in's hours to the volunteer's double registration
/// (`entry`, when they have one) inside transaction `$tx`, as
/// volunteering; the record's id, or `None` without a registration or
/// for a day before it (the hours still count on the activity). Shared by
/// activities' and call-ups' check-ins.
macro_rules! service_record {
    ($tx:ident, $entry:expr, $hours:expr, $now:expr) => {{
        let mut record: Option<i64> = None;
        if let Some(e) = $entry {
            let registered: Option<String> =
                sqlx::query_scalar("SELECT registered_on FROM party_registrations WHERE id = $1")
                    .bind(e.registration_id)
                    .fetch_optional(&mut *$tx)
                    .await?;
            let registered = registered.ok_or(StoreError::NotFound("party registration"))?;
            let registered: NaiveDate = registered
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("registration day {registered:?}")))?;
            if check_record_day(e.day, registered, e.today).is_ok() {
                record = Some(
                    sqlx::query_scalar(
                        "INSERT INTO party_service_records (registration_id, day, hours_tenths, what,
                            source, confirmed_by, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(e.registration_id)
                    .bind(e.day.to_string())
                    .bind(i64::from($hours.tenths()))
                    .bind(e.what)
                    .bind(RecordSource::Volunteering.as_str())
                    .bind(e.confirmed_by)
                    .bind($now)
                    .fetch_one(&mut *$tx)
                    .await?,
                );
            }
        }
        record
    }};
}
pub(crate) use service_record;

const TEAM_SELECT: &str = "SELECT t.id, t.code, t.name, t.category, t.unit_id, u.name AS unit_name,
        t.region_path, g.name AS region_name, t.leader,
        (SELECT COUNT(*) FROM coop_team_members m WHERE m.team_id = t.id) AS members,
        (SELECT CAST(COALESCE(SUM(s.hours_tenths), 0) AS BIGINT) FROM coop_signups s
           JOIN coop_activities a ON a.id = s.activity_id WHERE a.team_id = t.id) AS hours_tenths
     FROM coop_teams t
     JOIN regions g ON g.id = t.region_id
     LEFT JOIN coop_units u ON u.id = t.unit_id";

const ACTIVITY_SELECT: &str = "SELECT a.id, a.team_id, t.name AS team_name, a.title, a.place_id,
        p.name AS place_name, a.region_path, a.starts_at, a.ends_at, a.capacity,
        (SELECT COUNT(*) FROM coop_signups s WHERE s.activity_id = a.id) AS signed,
        (SELECT COUNT(*) FROM coop_signups s WHERE s.activity_id = a.id
           AND s.checked_in_at IS NOT NULL) AS checked_in
     FROM coop_activities a
     JOIN coop_teams t ON t.id = a.team_id
     JOIN places p ON p.id = a.place_id";

/// Locking an activity to sign up or check in: PostgreSQL takes the row,
/// so the places are counted once per sign-up; SQLite has one writer.
const LOCK_ACTIVITY: Sql = Sql {
    sqlite: "SELECT capacity, starts_at, ends_at FROM coop_activities WHERE id = $1",
    postgres: "SELECT capacity, starts_at, ends_at FROM coop_activities WHERE id = $1 FOR UPDATE",
};

impl Store {
    /// Creates a team; its id. The region must exist.
    pub async fn create_volunteer_team(
        &self,
        t: &NewTeam<'_>,
        actor: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let path: Option<String> = sqlx::query_scalar("SELECT path FROM regions WHERE id = $1")
                .bind(t.region_id)
                .fetch_optional(&mut *tx)
                .await?;
            let path = path.ok_or(StoreError::NotFound("region"))?;
            let taken: Option<i64> =
                sqlx::query_scalar("SELECT id FROM coop_teams WHERE code = $1")
                    .bind(t.code)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict {
                    field: "team code",
                    value: t.code.to_owned(),
                });
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO coop_teams (code, name, category, unit_id, region_id, region_path, leader,
                    actor, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(t.code)
            .bind(t.name)
            .bind(t.category.as_str())
            .bind(t.unit_id)
            .bind(t.region_id)
            .bind(&path)
            .bind(t.leader)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        }))
    }

    /// The teams in `scope`, by name.
    pub async fn volunteer_teams_in(&self, scope: &Scope) -> Result<Vec<TeamRow>> {
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "{TEAM_SELECT} WHERE t.region_path >= $1 AND t.region_path < $2 ORDER BY t.name, t.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(lo)
                .bind(hi)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Team `id`, wherever it is.
    pub async fn volunteer_team(&self, id: i64) -> Result<Option<TeamRow>> {
        let sql = format!("{TEAM_SELECT} WHERE t.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The teams `person_id` belongs to, by name.
    pub async fn volunteer_teams_of_person(&self, person_id: i64) -> Result<Vec<TeamRow>> {
        let sql = format!(
            "{TEAM_SELECT} WHERE t.id IN (SELECT team_id FROM coop_team_members WHERE person_id = $1)
             ORDER BY t.name, t.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(person_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Adds `person_id` to team `team_id`; adding a member again changes
    /// nothing. Whether they were new.
    pub async fn add_volunteer(&self, team_id: i64, person_id: i64, now: i64) -> Result<bool> {
        let n = on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO coop_team_members (team_id, person_id, joined_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(team_id)
            .bind(person_id)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// The members of team `team_id`, by name.
    pub async fn volunteer_team_members(&self, team_id: i64) -> Result<Vec<TeamMemberRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT m.person_id, p.name, m.joined_at FROM coop_team_members m
                 JOIN people p ON p.id = m.person_id WHERE m.team_id = $1 ORDER BY p.name, p.id",
            )
            .bind(team_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Creates an activity of a team; its id.
    pub async fn create_activity(&self, a: &NewActivity<'_>, actor: &str, now: i64) -> Result<i64> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let path: Option<String> =
                sqlx::query_scalar("SELECT region_path FROM coop_teams WHERE id = $1")
                    .bind(a.team_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let path = path.ok_or(StoreError::NotFound("coop team"))?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO coop_activities (team_id, title, place_id, region_path, starts_at, ends_at,
                    capacity, actor, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(a.team_id)
            .bind(a.title)
            .bind(a.place_id)
            .bind(&path)
            .bind(a.starts_at)
            .bind(a.ends_at)
            .bind(i64::from(a.capacity))
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        }))
    }

    /// Activity `id`, wherever it is.
    pub async fn activity(&self, id: i64) -> Result<Option<ActivityRow>> {
        let sql = format!("{ACTIVITY_SELECT} WHERE a.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The activities of team `team_id` ending at or after `from`, soonest
    /// first.
    pub async fn activities_of_team(&self, team_id: i64, from: i64) -> Result<Vec<ActivityRow>> {
        let sql = format!(
            "{ACTIVITY_SELECT} WHERE a.team_id = $1 AND a.ends_at >= $2 ORDER BY a.starts_at, a.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(team_id)
                .bind(from)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The activities of the teams `person_id` belongs to, ending at or
    /// after `from` and starting before `to`, soonest first.
    pub async fn activities_for_person(
        &self,
        person_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<ActivityRow>> {
        let sql = format!(
            "{ACTIVITY_SELECT} WHERE a.team_id IN
               (SELECT team_id FROM coop_team_members WHERE person_id = $1)
             AND a.ends_at >= $2 AND a.starts_at < $3 ORDER BY a.starts_at, a.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(person_id)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The sign-ups of activity `id`, by name.
    pub async fn signups(&self, activity_id: i64) -> Result<Vec<SignupRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT s.activity_id, s.person_id, p.name, s.signed_at, s.checked_in_at, s.hours_tenths,
                        s.service_record
                 FROM coop_signups s JOIN people p ON p.id = s.person_id
                 WHERE s.activity_id = $1 ORDER BY p.name, p.id",
            )
            .bind(activity_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// `person_id`'s sign-ups, by activity.
    pub async fn signups_of_person(&self, person_id: i64) -> Result<Vec<SignupRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT s.activity_id, s.person_id, p.name, s.signed_at, s.checked_in_at, s.hours_tenths,
                        s.service_record
                 FROM coop_signups s JOIN people p ON p.id = s.person_id
                 WHERE s.person_id = $1 ORDER BY s.activity_id",
            )
            .bind(person_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Signs `person_id` up to activity `activity_id` while places are
    /// left; signing up again changes nothing. Whether they were new.
    pub async fn sign_up(&self, activity_id: i64, person_id: i64, now: i64) -> Result<bool> {
        let lock = pick(&self.db, &LOCK_ACTIVITY);
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let row: Option<(i64, i64, i64)> = sqlx::query_as(lock)
                .bind(activity_id)
                .fetch_optional(&mut *tx)
                .await?;
            let (capacity, _, _) = row.ok_or(StoreError::NotFound("coop activity"))?;
            let already: Option<i64> = sqlx::query_scalar(
                "SELECT person_id FROM coop_signups WHERE activity_id = $1 AND person_id = $2",
            )
            .bind(activity_id)
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?;
            if already.is_some() {
                return Ok(false);
            }
            let signed: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM coop_signups WHERE activity_id = $1")
                    .bind(activity_id)
                    .fetch_one(&mut *tx)
                    .await?;
            signup(
                u32::try_from(capacity).unwrap_or(0),
                u32::try_from(signed).unwrap_or(u32::MAX),
            )
            .map_err(StoreError::Invalid)?;
            sqlx::query(
                "INSERT INTO coop_signups (activity_id, person_id, signed_at) VALUES ($1, $2, $3)",
            )
            .bind(activity_id)
            .bind(person_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            true
        }))
    }

    /// Checks signed-up `person_id` in to activity `activity_id` at `now`,
    /// crediting `hours`; with `entry`, the hours are written to that
    /// double registration as volunteering in the same transaction.
    /// Refused for a second check-in, and for someone not signed up
    /// (`NotFound("coop signup")`).
    pub async fn check_in_volunteer(
        &self,
        activity_id: i64,
        person_id: i64,
        hours: Hours,
        entry: Option<&ServiceEntry<'_>>,
        now: i64,
    ) -> Result<()> {
        let lock = pick(&self.db, &LOCK_ACTIVITY);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let row: Option<(i64, i64, i64)> = sqlx::query_as(lock)
                .bind(activity_id)
                .fetch_optional(&mut *tx)
                .await?;
            row.ok_or(StoreError::NotFound("coop activity"))?;
            let state: Option<Option<i64>> = sqlx::query_scalar(
                "SELECT checked_in_at FROM coop_signups WHERE activity_id = $1 AND person_id = $2",
            )
            .bind(activity_id)
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?;
            let checked = state.ok_or(StoreError::NotFound("coop signup"))?;
            check_in(checked.is_some()).map_err(StoreError::Invalid)?;
            let record = service_record!(tx, entry, hours, now);
            sqlx::query(
                "UPDATE coop_signups SET checked_in_at = $3, hours_tenths = $4, service_record = $5
                 WHERE activity_id = $1 AND person_id = $2",
            )
            .bind(activity_id)
            .bind(person_id)
            .bind(now)
            .bind(i64::from(hours.tenths()))
            .bind(record)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The hours (in tenths) `person_id` was credited for activities
    /// starting from `from` to before `to`.
    pub async fn volunteer_hours(&self, person_id: i64, from: i64, to: i64) -> Result<i64> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(s.hours_tenths), 0) AS BIGINT) FROM coop_signups s
                 JOIN coop_activities a ON a.id = s.activity_id
                 WHERE s.person_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3",
            )
            .bind(person_id)
            .bind(from)
            .bind(to)
            .fetch_one(pool)
            .await?
        }))
    }

    /// The hours (in tenths) credited to the volunteers of unit
    /// `unit_id`'s teams, and how many activities they ran.
    pub async fn unit_volunteering(&self, unit_id: i64) -> Result<(i64, i64)> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT CAST(COALESCE(SUM(s.hours_tenths), 0) AS BIGINT),
                        COUNT(DISTINCT a.id)
                 FROM coop_activities a
                 JOIN coop_teams t ON t.id = a.team_id
                 LEFT JOIN coop_signups s ON s.activity_id = a.id
                 WHERE t.unit_id = $1",
            )
            .bind(unit_id)
            .fetch_one(pool)
            .await?
        }))
    }
}
