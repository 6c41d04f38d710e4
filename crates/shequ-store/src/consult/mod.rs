//! 征询·会商·会签 as stored: the departments' matters, their rounds with
//! deadlines and the street's answers, documents, outcomes, and each
//! department's record for the assessment. The order of the rounds and
//! what an answer must say are the domain's (`shequ_domain::consult`);
//! the store checks the order again inside the transaction that opens a
//! round, so two openings at once cannot both pass.

use shequ_domain::consult::{ConsultCounts, Outcome, Round, Stage, may_open};

use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// A matter as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct MatterRow {
    pub id: i64,
    pub team_id: i64,
    pub team_name: String,
    pub kind: String,
    pub title: String,
    pub region_path: String,
    pub outcome: Option<String>,
    pub outcome_note: Option<String>,
    pub concluded_at: Option<i64>,
    pub actor: String,
    pub created_at: i64,
}

/// A round of a matter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct RoundRow {
    pub id: i64,
    pub matter_id: i64,
    pub stage: String,
    pub body: String,
    pub asked_at: i64,
    pub due_at: i64,
    pub answered_at: Option<i64>,
    pub opinion: Option<String>,
    pub reasons: Option<String>,
    pub answered_by: Option<String>,
}

impl RoundRow {
    /// What the domain's rules read.
    pub fn round(&self) -> Result<Round> {
        let stage = Stage::parse(&self.stage).map_err(|_| {
            StoreError::Corrupt(format!("round {} stage {:?}", self.id, self.stage))
        })?;
        Ok(Round {
            stage,
            asked_at: self.asked_at,
            due_at: self.due_at,
            answered_at: self.answered_at,
        })
    }
}

/// A round's document as listed (its bytes read alone, by
/// [`Store::consult_document_data`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: i64,
    pub round_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: i64,
}

const DOCUMENT_SELECT: &str =
    "SELECT d.id, d.round_id, d.name, d.content_type, CAST(LENGTH(d.data) AS BIGINT) AS size, d.created_at
     FROM consult_documents d";

const MATTER_SELECT: &str =
    "SELECT m.id, m.team_id, t.name AS team_name, m.kind, m.title, m.region_path,
        m.outcome, m.outcome_note, m.concluded_at, m.actor, m.created_at
     FROM consult_matters m JOIN teams t ON t.id = m.team_id";

const ROUND_SELECT: &str =
    "SELECT id, matter_id, stage, body, asked_at, due_at, answered_at, opinion,
        reasons, answered_by FROM consult_rounds";

impl Store {
    /// Opens a matter for department `team_id` with its first round
    /// (asked before, due at `due_at`); the matter's id.
    pub async fn open_consult_matter(
        &self,
        team_id: i64,
        (kind, title, body): (&str, &str, &str),
        due_at: i64,
        actor: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let path: Option<String> = sqlx::query_scalar(
                "SELECT r.path FROM teams t JOIN regions r ON r.id = t.region_id WHERE t.id = $1",
            )
            .bind(team_id)
            .fetch_optional(&mut *tx)
            .await?;
            let path = path.ok_or(StoreError::NotFound("consult department"))?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO consult_matters (team_id, kind, title, region_path, actor, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(team_id)
            .bind(kind)
            .bind(title)
            .bind(&path)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO consult_rounds (matter_id, stage, body, asked_at, due_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(Stage::Before.as_str())
            .bind(body)
            .bind(now)
            .bind(due_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        }))
    }

    /// Opens the next round of a matter, refused (with the domain's
    /// reason) out of order or before the street answered the last one,
    /// and once the matter is concluded.
    pub async fn open_consult_round(
        &self,
        matter_id: i64,
        stage: Stage,
        body: &str,
        due_at: i64,
        now: i64,
    ) -> Result<i64> {
        let sql = format!("{ROUND_SELECT} WHERE matter_id = $1 ORDER BY id");
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let concluded: Option<Option<i64>> =
                sqlx::query_scalar("SELECT concluded_at FROM consult_matters WHERE id = $1")
                    .bind(matter_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            match concluded {
                None => return Err(StoreError::NotFound("consult matter")),
                Some(Some(_)) => {
                    return Err(StoreError::Invalid(shequ_domain::InvalidValue::new(
                        shequ_domain::Code::ConsultRoundOrder,
                        "the matter is concluded: no round follows",
                    )));
                }
                Some(None) => {}
            }
            let rows: Vec<RoundRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(matter_id)
                .fetch_all(&mut *tx)
                .await?;
            let rounds = rows
                .iter()
                .map(RoundRow::round)
                .collect::<Result<Vec<_>>>()?;
            may_open(&rounds, stage).map_err(StoreError::Invalid)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO consult_rounds (matter_id, stage, body, asked_at, due_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(matter_id)
            .bind(stage.as_str())
            .bind(body)
            .bind(now)
            .bind(due_at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        }))
    }

    /// Records the street's answer to a round not yet answered; `false`
    /// when it was answered already.
    pub async fn answer_consult_round(
        &self,
        round_id: i64,
        (opinion, reasons): (&str, &str),
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(on_db!(self, write, |pool| {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM consult_rounds WHERE id = $1")
                    .bind(round_id)
                    .fetch_optional(pool)
                    .await?;
            exists.ok_or(StoreError::NotFound("consult round"))?;
            sqlx::query(
                "UPDATE consult_rounds SET answered_at = $2, opinion = $3, reasons = $4, answered_by = $5
                 WHERE id = $1 AND answered_at IS NULL",
            )
            .bind(round_id)
            .bind(now)
            .bind(opinion)
            .bind(reasons)
            .bind(actor)
            .execute(pool)
            .await?
            .rows_affected()
                == 1
        }))
    }

    /// Records what the department did; `false` when the matter was
    /// concluded already.
    pub async fn conclude_consult_matter(
        &self,
        matter_id: i64,
        outcome: Outcome,
        note: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE consult_matters SET outcome = $2, outcome_note = $3, concluded_at = $4
                 WHERE id = $1 AND concluded_at IS NULL",
            )
            .bind(matter_id)
            .bind(outcome.as_str())
            .bind(note)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
                == 1
        }))
    }

    /// The matters of the scope, the latest first.
    pub async fn consult_matters(&self, scope: &Scope) -> Result<Vec<MatterRow>> {
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "{MATTER_SELECT} WHERE m.region_path >= $1 AND m.region_path < $2 ORDER BY m.created_at DESC, m.id DESC"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, MatterRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(lo)
                .bind(hi)
                .fetch_all(pool)
                .await?
        }))
    }

    /// One matter.
    pub async fn consult_matter(&self, id: i64) -> Result<Option<MatterRow>> {
        let sql = format!("{MATTER_SELECT} WHERE m.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, MatterRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Department `team_id`'s matters concluded in `[from, to)`, in the
    /// order concluded: what its consultations indicator counted.
    pub async fn consult_matters_concluded(
        &self,
        team_id: i64,
        (from, to): (i64, i64),
    ) -> Result<Vec<MatterRow>> {
        let sql = format!(
            "{MATTER_SELECT} WHERE m.team_id = $1 AND m.outcome IS NOT NULL
               AND m.concluded_at >= $2 AND m.concluded_at < $3 ORDER BY m.concluded_at, m.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, MatterRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(team_id)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Attaches a document to round `round_id` of a matter not yet
    /// concluded (checked in the same statement, so a conclusion at the
    /// same moment cannot be passed); the document's id, `None` when the
    /// matter is concluded.
    pub async fn add_consult_document(
        &self,
        round_id: i64,
        (name, content_type): (&str, &str),
        data: &[u8],
        now: i64,
    ) -> Result<Option<i64>> {
        Ok(on_db!(self, write, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO consult_documents (round_id, name, content_type, data, created_at)
                 SELECT r.id, $2, $3, $4, $5 FROM consult_rounds r
                 JOIN consult_matters m ON m.id = r.matter_id
                 WHERE r.id = $1 AND m.concluded_at IS NULL
                 RETURNING id",
            )
            .bind(round_id)
            .bind(name)
            .bind(content_type)
            .bind(data)
            .bind(now)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The documents of a matter's rounds, in the order attached.
    pub async fn consult_documents(&self, matter_id: i64) -> Result<Vec<DocumentRow>> {
        let sql = format!(
            "{DOCUMENT_SELECT} JOIN consult_rounds r ON r.id = d.round_id
             WHERE r.matter_id = $1 ORDER BY d.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(matter_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// One document with its round's matter, and its bytes.
    pub async fn consult_document_data(
        &self,
        id: i64,
    ) -> Result<Option<(DocumentRow, i64, Vec<u8>)>> {
        type Row = (i64, i64, String, String, i64, i64, i64, Vec<u8>);
        let row: Option<Row> = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Row>(
                "SELECT d.id, d.round_id, d.name, d.content_type, CAST(LENGTH(d.data) AS BIGINT) AS size,
                        d.created_at, r.matter_id, d.data
                 FROM consult_documents d JOIN consult_rounds r ON r.id = d.round_id WHERE d.id = $1",
            )
            .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(
            |(id, round_id, name, content_type, size, created_at, matter_id, data)| {
                (
                    DocumentRow {
                        id,
                        round_id,
                        name,
                        content_type,
                        size,
                        created_at,
                    },
                    matter_id,
                    data,
                )
            },
        ))
    }

    /// One round.
    pub async fn consult_round(&self, id: i64) -> Result<Option<RoundRow>> {
        let sql = format!("{ROUND_SELECT} WHERE id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, RoundRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// One matter's rounds, in order.
    pub async fn consult_rounds(&self, matter_id: i64) -> Result<Vec<RoundRow>> {
        let sql = format!("{ROUND_SELECT} WHERE matter_id = $1 ORDER BY id");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, RoundRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(matter_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The rounds of the scope waiting for the street with their deadline
    /// come at `now`: what the street is flagged.
    pub async fn consult_rounds_overdue(&self, scope: &Scope, now: i64) -> Result<Vec<RoundRow>> {
        let (lo, hi) = scope.bounds();
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, RoundRow>(
                "SELECT r.id, r.matter_id, r.stage, r.body, r.asked_at, r.due_at, r.answered_at, r.opinion,
                        r.reasons, r.answered_by
                 FROM consult_rounds r JOIN consult_matters m ON m.id = r.matter_id
                 WHERE r.answered_at IS NULL AND r.due_at <= $3
                   AND m.region_path >= $1 AND m.region_path < $2
                 ORDER BY r.due_at, r.id",
            )
            .bind(lo)
            .bind(hi)
            .bind(now)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Each department's record in `[from, to)` judged at `now`: the
    /// rounds asked in it, the matters concluded in it (what the
    /// assessment reads).
    pub async fn consult_counts(
        &self,
        (from, to): (i64, i64),
        now: i64,
    ) -> Result<Vec<(i64, ConsultCounts)>> {
        let rounds: Vec<(i64, RoundRow)> = on_db!(self, read, |pool| {
            sqlx::query_as::<_, (i64, i64, i64, String, String, i64, i64, Option<i64>, Option<String>, Option<String>, Option<String>)>(
                "SELECT m.team_id, r.id, r.matter_id, r.stage, r.body, r.asked_at, r.due_at, r.answered_at,
                        r.opinion, r.reasons, r.answered_by
                 FROM consult_rounds r JOIN consult_matters m ON m.id = r.matter_id
                 WHERE r.asked_at >= $1 AND r.asked_at < $2 ORDER BY m.team_id, r.id",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
        })
        .into_iter()
        .map(|(team, id, matter_id, stage, body, asked_at, due_at, answered_at, opinion, reasons, answered_by)| {
            (
                team,
                RoundRow { id, matter_id, stage, body, asked_at, due_at, answered_at, opinion, reasons, answered_by },
            )
        })
        .collect();
        let outcomes: Vec<(i64, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT team_id, outcome FROM consult_matters
                 WHERE outcome IS NOT NULL AND concluded_at >= $1 AND concluded_at < $2",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
        });
        let mut by: std::collections::BTreeMap<i64, ConsultCounts> =
            std::collections::BTreeMap::new();
        for (team, r) in &rounds {
            by.entry(*team).or_default().add_round(&r.round()?, now);
        }
        for (team, o) in outcomes {
            let o = Outcome::parse(&o)
                .map_err(|_| StoreError::Corrupt(format!("consult outcome {o:?}")))?;
            by.entry(team).or_default().add_outcome(o);
        }
        Ok(by.into_iter().collect())
    }
}
