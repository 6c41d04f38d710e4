//! Preference-form rounds (志愿填报): opened with their offers, forms in
//! while open, closed, and confirmed, which moves each member into their
//! branch (closing the old membership and opening the new, as a completed
//! transfer does) in one transaction.

use shequ_domain::{Code, InvalidValue};

use crate::db::on_db;
use crate::{Result, Store, StoreError};

/// Where a round stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundState {
    /// Forms are coming in.
    Open,
    /// No more forms; the assignment can be computed and confirmed.
    Closed,
    /// The members were moved into their branches.
    Confirmed,
}

impl RoundState {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::Open => "open",
            RoundState::Closed => "closed",
            RoundState::Confirmed => "confirmed",
        }
    }

    pub fn parse(s: &str) -> Result<RoundState> {
        match s {
            "open" => Ok(RoundState::Open),
            "closed" => Ok(RoundState::Closed),
            "confirmed" => Ok(RoundState::Confirmed),
            other => Err(StoreError::Corrupt(format!("round state {other:?}"))),
        }
    }
}

/// A round as listed, with the organisation running it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RoundRow {
    pub id: i64,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub title: String,
    /// `open`, `closed` or `confirmed`.
    pub state: String,
    pub opened_on: String,
    pub closed_on: Option<String>,
    pub confirmed_on: Option<String>,
    /// The confirmed assignment, JSON.
    #[serde(skip)]
    pub result: Option<String>,
    pub actor: String,
}

impl RoundRow {
    pub fn state(&self) -> Result<RoundState> {
        RoundState::parse(&self.state)
    }
}

/// A branch offered in a round.
pub struct NewOffer<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// `interest`, `occupation` or `location`.
    pub kind: &'a str,
    pub min_full: u32,
    pub max_size: u32,
    /// The region a location branch serves.
    pub region_id: Option<i64>,
}

/// An offer as stored, with its region's path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OfferRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub min_full: i64,
    pub max_size: i64,
    pub region_id: Option<i64>,
    pub region_path: Option<String>,
    pub region_name: Option<String>,
}

/// A member's form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PreferenceRow {
    pub person_id: i64,
    pub choice1: Option<String>,
    pub choice2: Option<String>,
    pub choice3: Option<String>,
    pub entered_by: String,
}

impl PreferenceRow {
    /// The choices in order, empty ones left out.
    pub fn choices(&self) -> Vec<String> {
        [&self.choice1, &self.choice2, &self.choice3]
            .into_iter()
            .flatten()
            .filter(|c| !c.is_empty())
            .cloned()
            .collect()
    }
}

/// One member's place in a confirmed assignment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Placement {
    pub person_id: i64,
    /// The branch organisation the member goes to.
    pub org_id: i64,
    /// The offer's code.
    pub branch: String,
    /// `1`–`3`, `home` or `moved`.
    pub rank: String,
}

fn state_refused(message: String) -> StoreError {
    StoreError::Invalid(InvalidValue::new(Code::BranchRoundState, message).at("state"))
}

const ROUND_COLUMNS: &str =
    "r.id, r.org_id, o.code AS org_code, o.name AS org_name, r.title, r.state,
     r.opened_on, r.closed_on, r.confirmed_on, r.result, r.actor";

impl Store {
    /// Opens a round for organisation `org_id` with its offers, in one
    /// transaction; an offer code used twice is a conflict.
    pub async fn open_branch_round(
        &self,
        org_id: i64,
        title: &str,
        offers: &[NewOffer<'_>],
        on: chrono::NaiveDate,
        actor: &str,
        now: i64,
    ) -> Result<i64> {
        let day = on.to_string();
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO branch_rounds (org_id, title, state, opened_on, actor, created_at, updated_at)
                 VALUES ($1, $2, 'open', $3, $4, $5, $5) RETURNING id",
            )
            .bind(org_id)
            .bind(title.trim())
            .bind(&day)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for o in offers {
                sqlx::query(
                    "INSERT INTO branch_offers (round_id, code, name, kind, min_full, max_size, region_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(o.code)
                .bind(o.name)
                .bind(o.kind)
                .bind(i64::from(o.min_full))
                .bind(i64::from(o.max_size))
                .bind(o.region_id)
                .execute(&mut *tx)
                .await
                .map_err(crate::db::conflict_on("branch", o.code))?;
            }
            tx.commit().await?;
            id
        }))
    }

    /// Every round, newest first.
    pub async fn branch_rounds(&self) -> Result<Vec<RoundRow>> {
        let sql = format!(
            "SELECT {ROUND_COLUMNS} FROM branch_rounds r JOIN party_orgs o ON o.id = r.org_id
             ORDER BY r.id DESC"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(pool)
                .await?
        }))
    }

    /// Round `id`, if there is one.
    pub async fn branch_round(&self, id: i64) -> Result<Option<RoundRow>> {
        let sql = format!(
            "SELECT {ROUND_COLUMNS} FROM branch_rounds r JOIN party_orgs o ON o.id = r.org_id
             WHERE r.id = $1"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The offers of round `id`, in the order they were listed.
    pub async fn branch_offers(&self, round_id: i64) -> Result<Vec<OfferRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT b.id, b.code, b.name, b.kind, b.min_full, b.max_size, b.region_id,
                        g.path AS region_path, g.name AS region_name
                 FROM branch_offers b LEFT JOIN regions g ON g.id = b.region_id
                 WHERE b.round_id = $1 ORDER BY b.id",
            )
            .bind(round_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Saves (or replaces) member `person_id`'s form in round `round_id`,
    /// refused unless the round is open. The choices are offer codes the
    /// caller checked.
    pub async fn save_branch_preference(
        &self,
        round_id: i64,
        person_id: i64,
        choices: &[String],
        entered_by: &str,
        now: i64,
    ) -> Result<()> {
        let choice = |i: usize| choices.get(i).cloned();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let state: Option<String> =
                sqlx::query_scalar("SELECT state FROM branch_rounds WHERE id = $1")
                    .bind(round_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            match state.as_deref() {
                None => return Err(StoreError::NotFound("branch round")),
                Some("open") => {}
                Some(s) => {
                    return Err(state_refused(format!(
                        "the round is {s}: forms are taken only while it is open"
                    )));
                }
            }
            sqlx::query(
                "INSERT INTO branch_preferences (round_id, person_id, choice1, choice2, choice3, entered_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (round_id, person_id) DO UPDATE SET
                     choice1 = excluded.choice1, choice2 = excluded.choice2, choice3 = excluded.choice3,
                     entered_by = excluded.entered_by, updated_at = excluded.updated_at",
            )
            .bind(round_id)
            .bind(person_id)
            .bind(choice(0))
            .bind(choice(1))
            .bind(choice(2))
            .bind(entered_by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The forms of round `round_id`, by member.
    pub async fn branch_preferences(&self, round_id: i64) -> Result<Vec<PreferenceRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT person_id, choice1, choice2, choice3, entered_by
                 FROM branch_preferences WHERE round_id = $1 ORDER BY person_id",
            )
            .bind(round_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Moves round `id` from `from` to `to` (closing, or opening again),
    /// refused when it is not in `from`.
    pub async fn step_branch_round(
        &self,
        id: i64,
        from: RoundState,
        to: RoundState,
        on: chrono::NaiveDate,
        now: i64,
    ) -> Result<()> {
        let closed_on = (to == RoundState::Closed).then(|| on.to_string());
        let n = on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE branch_rounds SET state = $1, closed_on = $2, updated_at = $3
                 WHERE id = $4 AND state = $5",
            )
            .bind(to.as_str())
            .bind(&closed_on)
            .bind(now)
            .bind(id)
            .bind(from.as_str())
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return match self.branch_round(id).await? {
                None => Err(StoreError::NotFound("branch round")),
                Some(r) => Err(state_refused(format!(
                    "the round is {}, not {}",
                    r.state,
                    from.as_str()
                ))),
            };
        }
        Ok(())
    }

    /// Confirms closed round `id`: each member's current membership ends
    /// on `on` and one in their branch starts, unless they are already
    /// there; the assignment is kept on the round. One transaction: either
    /// every member moves or none does.
    pub async fn confirm_branch_round(
        &self,
        id: i64,
        placements: &[Placement],
        on: chrono::NaiveDate,
        now: i64,
    ) -> Result<usize> {
        let day = on.to_string();
        let result =
            serde_json::to_string(placements).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE branch_rounds SET state = 'confirmed', confirmed_on = $1, result = $2, updated_at = $3
                 WHERE id = $4 AND state = 'closed'",
            )
            .bind(&day)
            .bind(&result)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(state_refused(
                    "only a closed round's assignment can be confirmed, once".into(),
                ));
            }
            let mut moved = 0;
            for p in placements {
                let now_in: Option<i64> = sqlx::query_scalar(
                    "SELECT org_id FROM party_memberships WHERE person_id = $1 AND to_day IS NULL",
                )
                .bind(p.person_id)
                .fetch_optional(&mut *tx)
                .await?;
                if now_in == Some(p.org_id) {
                    continue;
                }
                sqlx::query(
                    "UPDATE party_memberships SET to_day = $1 WHERE person_id = $2 AND to_day IS NULL",
                )
                .bind(&day)
                .bind(p.person_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO party_memberships (person_id, org_id, from_day) VALUES ($1, $2, $3)",
                )
                .bind(p.person_id)
                .bind(p.org_id)
                .bind(&day)
                .execute(&mut *tx)
                .await?;
                moved += 1;
            }
            tx.commit().await?;
            moved
        }))
    }
}
