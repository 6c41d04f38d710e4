//! Committee elections (无候选人直选): an election of a branch, its rounds
//! with the rules each was held under and the names that could be
//! elected, and the ballots as they came back, without who cast them.

use crate::db::on_db;
use crate::{Result, Store, StoreError};

/// An election as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ElectionRow {
    pub id: i64,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub seats: i64,
    pub held_on: String,
    pub actor: String,
}

/// A round as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ElectionRoundRow {
    pub id: i64,
    pub election_id: i64,
    /// 1, 2, … in the order held.
    pub seq: i64,
    /// `committee`, `secretary` or `deputy`.
    pub purpose: String,
    /// `first`, `further` or `tie`.
    pub decide: String,
    pub seats: i64,
    pub entitled: i64,
    pub present: i64,
    pub issued: i64,
    /// The names that could be elected, JSON.
    #[serde(skip)]
    pub eligible: String,
    /// The tally as recorded when the round was entered, JSON.
    #[serde(skip)]
    pub result: String,
    pub actor: String,
    pub created_at: i64,
}

impl ElectionRoundRow {
    /// The names that could be elected.
    pub fn eligible(&self) -> Result<Vec<String>> {
        serde_json::from_str(&self.eligible)
            .map_err(|e| StoreError::Corrupt(format!("round {} eligible: {e}", self.id)))
    }
}

/// A round to record with its ballots.
pub struct NewElectionRound<'a> {
    pub purpose: &'a str,
    pub decide: &'a str,
    pub seats: u32,
    pub entitled: u32,
    pub present: u32,
    pub issued: u32,
    pub eligible: &'a [String],
    /// Each ballot's names; empty for a blank ballot.
    pub ballots: &'a [Vec<String>],
    /// The tally of these ballots, JSON.
    pub result: &'a str,
}

const ROUND_COLUMNS: &str =
    "id, election_id, seq, purpose, decide, seats, entitled, present, issued,
     eligible, result, actor, created_at";

impl Store {
    /// Starts an election of branch `org_id`'s committee of `seats`.
    pub async fn create_branch_election(
        &self,
        org_id: i64,
        seats: u32,
        held_on: chrono::NaiveDate,
        actor: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(on_db!(self, write, |pool| {
            sqlx::query_scalar(
                "INSERT INTO branch_elections (org_id, seats, held_on, actor, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(org_id)
            .bind(i64::from(seats))
            .bind(held_on.to_string())
            .bind(actor)
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Every election, newest first.
    pub async fn branch_elections(&self) -> Result<Vec<ElectionRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT e.id, e.org_id, o.code AS org_code, o.name AS org_name, e.seats, e.held_on, e.actor
                 FROM branch_elections e JOIN party_orgs o ON o.id = e.org_id ORDER BY e.id DESC",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Election `id`, if there is one.
    pub async fn branch_election(&self, id: i64) -> Result<Option<ElectionRow>> {
        Ok(self
            .branch_elections()
            .await?
            .into_iter()
            .find(|e| e.id == id))
    }

    /// Records round `seq` of election `election_id` and its ballots in
    /// one transaction. `seq` is the number the caller planned the round
    /// as (one after the rounds it read): when another round took that
    /// number meanwhile, it is a conflict and nothing is stored.
    pub async fn record_election_round(
        &self,
        election_id: i64,
        seq: i64,
        round: &NewElectionRound<'_>,
        actor: &str,
        now: i64,
    ) -> Result<i64> {
        let eligible = serde_json::to_string(round.eligible)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let ballots = round
            .ballots
            .iter()
            .map(serde_json::to_string)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO branch_election_rounds
                     (election_id, seq, purpose, decide, seats, entitled, present, issued, eligible, result, actor, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(election_id)
            .bind(seq)
            .bind(round.purpose)
            .bind(round.decide)
            .bind(i64::from(round.seats))
            .bind(i64::from(round.entitled))
            .bind(i64::from(round.present))
            .bind(i64::from(round.issued))
            .bind(&eligible)
            .bind(round.result)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(crate::db::conflict_on("election round", "seq"))?;
            for b in &ballots {
                sqlx::query("INSERT INTO branch_ballots (round_id, names) VALUES ($1, $2)")
                    .bind(id)
                    .bind(b)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            id
        }))
    }

    /// The rounds of election `election_id`, in the order held.
    pub async fn election_rounds(&self, election_id: i64) -> Result<Vec<ElectionRoundRow>> {
        let sql = format!(
            "SELECT {ROUND_COLUMNS} FROM branch_election_rounds WHERE election_id = $1 ORDER BY seq"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(election_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Every round of every election, for `shequ audit verify`.
    pub async fn all_election_rounds(&self) -> Result<Vec<ElectionRoundRow>> {
        let sql = format!("SELECT {ROUND_COLUMNS} FROM branch_election_rounds ORDER BY id");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(pool)
                .await?
        }))
    }

    /// The ballots of round `round_id`, in the order entered.
    pub async fn election_ballots(&self, round_id: i64) -> Result<Vec<Vec<String>>> {
        let rows: Vec<String> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT names FROM branch_ballots WHERE round_id = $1 ORDER BY id")
                .bind(round_id)
                .fetch_all(pool)
                .await?
        });
        rows.iter()
            .map(|r| {
                serde_json::from_str(r)
                    .map_err(|e| StoreError::Corrupt(format!("ballot of round {round_id}: {e}")))
            })
            .collect()
    }
}
