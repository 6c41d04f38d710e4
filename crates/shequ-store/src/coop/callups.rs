//! Call-ups in an emergency (应急响应): a call-up's duty posts and shifts,
//! who answered each, and their check-ins on duty, whose hours land on
//! the volunteer's double registration in the same transaction.

use chrono::NaiveDate;
use shequ_domain::coop::{check_in, signup};
use shequ_domain::party::registration::{Hours, RecordSource, check_record_day};

use super::ServiceEntry;
use super::volunteering::service_record;
use crate::bulk::{Sql, pick};
use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// A call-up as listed, with its posts' totals.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CallupRow {
    pub id: i64,
    pub title: String,
    pub region_path: String,
    pub region_name: String,
    pub closed_at: Option<i64>,
    pub created_at: i64,
    pub posts: i64,
    pub needed: i64,
    pub answered: i64,
}

/// A duty post with how many answered and how many are on duty.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PostRow {
    pub id: i64,
    pub callup_id: i64,
    pub name: String,
    pub place_name: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub needed: i64,
    pub answered: i64,
    pub checked_in: i64,
}

/// One answer to a post.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AnswerRow {
    pub post_id: i64,
    pub person_id: i64,
    pub name: String,
    pub answered_at: i64,
    pub checked_in_at: Option<i64>,
    pub hours_tenths: Option<i64>,
    pub service_record: Option<i64>,
}

/// A post to open.
#[derive(Debug, Clone)]
pub struct NewPost<'a> {
    pub name: &'a str,
    pub place_id: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub needed: u32,
}

const CALLUP_SELECT: &str =
    "SELECT c.id, c.title, c.region_path, g.name AS region_name, c.closed_at,
        c.created_at,
        (SELECT COUNT(*) FROM coop_callup_posts p WHERE p.callup_id = c.id) AS posts,
        (SELECT CAST(COALESCE(SUM(p.needed), 0) AS BIGINT) FROM coop_callup_posts p
           WHERE p.callup_id = c.id) AS needed,
        (SELECT COUNT(*) FROM coop_callup_answers a JOIN coop_callup_posts p ON p.id = a.post_id
           WHERE p.callup_id = c.id) AS answered
     FROM coop_callups c JOIN regions g ON g.id = c.region_id";

const POST_SELECT: &str = "SELECT p.id, p.callup_id, p.name, l.name AS place_name, p.starts_at,
        p.ends_at, p.needed,
        (SELECT COUNT(*) FROM coop_callup_answers a WHERE a.post_id = p.id) AS answered,
        (SELECT COUNT(*) FROM coop_callup_answers a WHERE a.post_id = p.id
           AND a.checked_in_at IS NOT NULL) AS checked_in
     FROM coop_callup_posts p LEFT JOIN places l ON l.id = p.place_id";

const LOCK_POST: Sql = Sql {
    sqlite: "SELECT needed FROM coop_callup_posts WHERE id = $1",
    postgres: "SELECT needed FROM coop_callup_posts WHERE id = $1 FOR UPDATE",
};

impl Store {
    /// Issues a call-up for region `region_id`; its id.
    pub async fn create_callup(
        &self,
        title: &str,
        region_id: i64,
        actor: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let path: Option<String> = sqlx::query_scalar("SELECT path FROM regions WHERE id = $1")
                .bind(region_id)
                .fetch_optional(&mut *tx)
                .await?;
            let path = path.ok_or(StoreError::NotFound("region"))?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO coop_callups (title, region_id, region_path, actor, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(title)
            .bind(region_id)
            .bind(&path)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        }))
    }

    /// Opens a post of call-up `callup_id`; its id.
    pub async fn add_callup_post(&self, callup_id: i64, post: &NewPost<'_>) -> Result<i64> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let known: Option<i64> =
                sqlx::query_scalar("SELECT id FROM coop_callups WHERE id = $1")
                    .bind(callup_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            known.ok_or(StoreError::NotFound("coop callup"))?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO coop_callup_posts (callup_id, name, place_id, starts_at, ends_at, needed)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(callup_id)
            .bind(post.name)
            .bind(post.place_id)
            .bind(post.starts_at)
            .bind(post.ends_at)
            .bind(i64::from(post.needed))
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        }))
    }

    /// Closes call-up `id` at `now`; closing it again changes nothing.
    pub async fn close_callup(&self, id: i64, now: i64) -> Result<()> {
        let n = on_db!(self, write, |pool| {
            sqlx::query("UPDATE coop_callups SET closed_at = COALESCE(closed_at, $2) WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("coop callup"));
        }
        Ok(())
    }

    /// The call-ups in `scope`, newest first.
    pub async fn callups_in(&self, scope: &Scope) -> Result<Vec<CallupRow>> {
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "{CALLUP_SELECT} WHERE c.region_path >= $1 AND c.region_path < $2 ORDER BY c.id DESC"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(lo)
                .bind(hi)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The open call-ups, wherever they are, newest first.
    pub async fn open_callups(&self) -> Result<Vec<CallupRow>> {
        let sql = format!("{CALLUP_SELECT} WHERE c.closed_at IS NULL ORDER BY c.id DESC");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(pool)
                .await?
        }))
    }

    /// Call-up `id`, wherever it is.
    pub async fn callup(&self, id: i64) -> Result<Option<CallupRow>> {
        let sql = format!("{CALLUP_SELECT} WHERE c.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The posts of call-up `callup_id`, by shift.
    pub async fn callup_posts(&self, callup_id: i64) -> Result<Vec<PostRow>> {
        let sql = format!("{POST_SELECT} WHERE p.callup_id = $1 ORDER BY p.starts_at, p.id");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(callup_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Post `id`, wherever it is.
    pub async fn callup_post(&self, id: i64) -> Result<Option<PostRow>> {
        let sql = format!("{POST_SELECT} WHERE p.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The answers to the posts of call-up `callup_id`, by post and name.
    pub async fn callup_answers(&self, callup_id: i64) -> Result<Vec<AnswerRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT a.post_id, a.person_id, p.name, a.answered_at, a.checked_in_at, a.hours_tenths,
                        a.service_record
                 FROM coop_callup_answers a
                 JOIN people p ON p.id = a.person_id
                 JOIN coop_callup_posts s ON s.id = a.post_id
                 WHERE s.callup_id = $1 ORDER BY a.post_id, p.name, p.id",
            )
            .bind(callup_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// `person_id`'s answers, by post.
    pub async fn answers_of_person(&self, person_id: i64) -> Result<Vec<AnswerRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT a.post_id, a.person_id, p.name, a.answered_at, a.checked_in_at, a.hours_tenths,
                        a.service_record
                 FROM coop_callup_answers a JOIN people p ON p.id = a.person_id
                 WHERE a.person_id = $1 ORDER BY a.post_id",
            )
            .bind(person_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// `person_id` answers post `post_id` while it still needs people;
    /// answering again changes nothing. Whether they were new.
    pub async fn answer_post(&self, post_id: i64, person_id: i64, now: i64) -> Result<bool> {
        let lock = pick(&self.db, &LOCK_POST);
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let needed: Option<i64> = sqlx::query_scalar(lock)
                .bind(post_id)
                .fetch_optional(&mut *tx)
                .await?;
            let needed = needed.ok_or(StoreError::NotFound("coop post"))?;
            let already: Option<i64> = sqlx::query_scalar(
                "SELECT person_id FROM coop_callup_answers WHERE post_id = $1 AND person_id = $2",
            )
            .bind(post_id)
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?;
            if already.is_some() {
                return Ok(false);
            }
            let answered: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM coop_callup_answers WHERE post_id = $1")
                    .bind(post_id)
                    .fetch_one(&mut *tx)
                    .await?;
            signup(
                u32::try_from(needed).unwrap_or(0),
                u32::try_from(answered).unwrap_or(u32::MAX),
            )
            .map_err(StoreError::Invalid)?;
            sqlx::query(
                "INSERT INTO coop_callup_answers (post_id, person_id, answered_at) VALUES ($1, $2, $3)",
            )
            .bind(post_id)
            .bind(person_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            true
        }))
    }

    /// Checks `person_id` in on duty at post `post_id`, crediting `hours`
    /// (written to `entry`'s registration in the same transaction); once.
    pub async fn check_in_on_duty(
        &self,
        post_id: i64,
        person_id: i64,
        hours: Hours,
        entry: Option<&ServiceEntry<'_>>,
        now: i64,
    ) -> Result<()> {
        let lock = pick(&self.db, &LOCK_POST);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let known: Option<i64> = sqlx::query_scalar(lock)
                .bind(post_id)
                .fetch_optional(&mut *tx)
                .await?;
            known.ok_or(StoreError::NotFound("coop post"))?;
            let state: Option<Option<i64>> = sqlx::query_scalar(
                "SELECT checked_in_at FROM coop_callup_answers WHERE post_id = $1 AND person_id = $2",
            )
            .bind(post_id)
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?;
            let checked = state.ok_or(StoreError::NotFound("coop answer"))?;
            check_in(checked.is_some()).map_err(StoreError::Invalid)?;
            let record = service_record!(tx, entry, hours, now);
            sqlx::query(
                "UPDATE coop_callup_answers SET checked_in_at = $3, hours_tenths = $4, service_record = $5
                 WHERE post_id = $1 AND person_id = $2",
            )
            .bind(post_id)
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
}
