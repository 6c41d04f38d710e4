//! Transfers (组织关系转接): requested by the sending side (or, for a
//! member coming in from outside, by the receiver), accepted by the
//! receiving organisation, completed with the letter. The memberships
//! change when the receiver accepts: until then the sender counts the
//! member. The steps are the domain's (`shequ_domain::party::Transfer`).

use chrono::NaiveDate;
use shequ_domain::party::{Transfer, TransferState, TransferStep};
use shequ_domain::{Code, InvalidValue};

use super::members::{NewPartyMember, upsert_member};
use super::orgs::kind_of;
use crate::db::on_db;
use crate::{Result, Store, StoreError};

/// A transfer to request. `to` names an organisation here; `to_outside`
/// one elsewhere (named as in the letter). A member with no organisation
/// here comes in from `from_outside`, and `joining` says their standing.
#[derive(Debug, Clone)]
pub struct NewTransfer<'a> {
    pub person_id: i64,
    pub to: Option<&'a str>,
    pub to_outside: Option<&'a str>,
    pub from_outside: Option<&'a str>,
    pub joining: Option<NewPartyMember<'a>>,
    pub letter_no: &'a str,
    pub on: NaiveDate,
    pub note: &'a str,
}

/// A transfer as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TransferRow {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub from_org_id: Option<i64>,
    pub from_code: Option<String>,
    pub from_name: Option<String>,
    pub from_outside: Option<String>,
    pub to_org_id: Option<i64>,
    pub to_code: Option<String>,
    pub to_name: Option<String>,
    pub to_outside: Option<String>,
    pub letter_no: String,
    pub state: String,
    pub requested_on: String,
    pub accepted_on: Option<String>,
    pub completed_on: Option<String>,
    pub closed_on: Option<String>,
    pub note: String,
    pub actor: String,
}

impl TransferRow {
    /// The domain's transfer, to check a step against.
    pub fn transfer(&self) -> Result<Transfer> {
        let day = super::stored_day;
        Ok(Transfer {
            member: self.person_id,
            from: self.from_org_id,
            to: self.to_org_id,
            state: TransferState::parse(&self.state)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            requested_on: day(&self.requested_on)?,
            accepted_on: self.accepted_on.as_deref().map(day).transpose()?,
            completed_on: self.completed_on.as_deref().map(day).transpose()?,
        })
    }
}

const TRANSFER_SELECT: &str = "SELECT t.id, t.person_id, p.name AS person_name,
       t.from_org_id, f.code AS from_code, f.name AS from_name, t.from_outside,
       t.to_org_id, o.code AS to_code, o.name AS to_name, t.to_outside,
       t.letter_no, t.state, t.requested_on, t.accepted_on, t.completed_on, t.closed_on,
       t.note, t.actor
     FROM party_transfers t
     JOIN people p ON p.id = t.person_id
     LEFT JOIN party_orgs f ON f.id = t.from_org_id
     LEFT JOIN party_orgs o ON o.id = t.to_org_id";

fn refused(code: Code, message: String, field: &'static str) -> StoreError {
    StoreError::Invalid(InvalidValue::new(code, message).at(field))
}

impl Store {
    /// Requests a transfer of a member from their organisation (or from
    /// outside) to `to` (or outside). Refused when the member already has
    /// an open transfer, the target is dissolved, unknown or holds no
    /// members, or the transfer goes nowhere. Returns its id.
    pub async fn request_transfer(
        &self,
        t: &NewTransfer<'_>,
        actor: &str,
        now: i64,
    ) -> Result<i64> {
        let to = match t.to {
            None => None,
            Some(code) => {
                let found: Option<(i64, String, Option<i64>)> = on_db!(self, read, |pool| {
                    sqlx::query_as("SELECT id, kind, dissolved_at FROM party_orgs WHERE code = $1")
                        .bind(code)
                        .fetch_optional(pool)
                        .await?
                });
                let Some((id, kind, dissolved)) = found else {
                    return Err(refused(
                        Code::PartyTransferTarget,
                        format!("no organisation has the code {code:?}"),
                        "to",
                    ));
                };
                let kind = shequ_domain::party::OrgKind::parse(&kind)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                if dissolved.is_none() && !kind.holds_members() {
                    return Err(refused(
                        Code::PartyTransferTarget,
                        format!("{code} holds members only through its branches; choose a branch"),
                        "to",
                    ));
                }
                Some((id, dissolved.is_some()))
            }
        };
        if to.is_none() && t.to_outside.is_none_or(|s| s.trim().is_empty()) {
            return Err(refused(
                Code::PartyTransferTarget,
                "say where the member goes: an organisation here, or one outside".into(),
                "to",
            ));
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1")
                .bind(t.person_id)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(StoreError::NotFound("person"));
            }
            let open: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM party_transfers WHERE person_id = $1 AND state IN ('requested', 'accepted')",
            )
            .bind(t.person_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = open {
                return Err(refused(
                    Code::PartyTransferState,
                    format!("the member has transfer {id} under way; finish or withdraw it first"),
                    "person",
                ));
            }
            let from: Option<i64> = sqlx::query_scalar(
                "SELECT org_id FROM party_memberships WHERE person_id = $1 AND to_day IS NULL",
            )
            .bind(t.person_id)
            .fetch_optional(&mut *tx)
            .await?;
            if from.is_none() {
                // Coming in from outside: the member's record, then the
                // transfer; the membership opens when it is accepted.
                let (Some(joining), Some(_)) = (&t.joining, t.from_outside) else {
                    return Err(refused(
                        Code::PartyTransferTarget,
                        "the person belongs to no organisation here: name the organisation they come from and their standing".into(),
                        "from_outside",
                    ));
                };
                upsert_member!(tx, t.person_id, joining, now);
            }
            let checked = Transfer::request(
                t.person_id,
                from,
                to.map(|(id, _)| id),
                to.is_some_and(|(_, dissolved)| dissolved),
                t.on,
            )
            .map_err(StoreError::Invalid)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO party_transfers (person_id, from_org_id, from_outside, to_org_id, to_outside,
                     letter_no, state, requested_on, note, actor, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            )
            .bind(t.person_id)
            .bind(checked.from)
            .bind(from.is_none().then_some(t.from_outside).flatten())
            .bind(checked.to)
            .bind(checked.to.is_none().then_some(t.to_outside).flatten())
            .bind(t.letter_no)
            .bind(checked.state.as_str())
            .bind(checked.requested_on.to_string())
            .bind(t.note)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// One transfer.
    pub async fn transfer(&self, id: i64) -> Result<Option<TransferRow>> {
        let sql = format!("{TRANSFER_SELECT} WHERE t.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Transfers, open ones first (oldest request first), then the rest
    /// newest first; `open_only` leaves out finished ones.
    pub async fn transfers(&self, open_only: bool) -> Result<Vec<TransferRow>> {
        let filter = if open_only {
            "WHERE t.state IN ('requested', 'accepted')"
        } else {
            ""
        };
        let sql = format!(
            "{TRANSFER_SELECT} {filter}
             ORDER BY CASE WHEN t.state IN ('requested', 'accepted') THEN 0 ELSE 1 END,
                      CASE WHEN t.state IN ('requested', 'accepted') THEN t.id ELSE -t.id END"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(pool)
                .await?
        }))
    }

    /// A member's transfers, oldest first.
    pub async fn transfers_of(&self, person_id: i64) -> Result<Vec<TransferRow>> {
        let sql = format!("{TRANSFER_SELECT} WHERE t.person_id = $1 ORDER BY t.id");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(person_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Takes `step` on transfer `id` on day `on`. Accepting moves the
    /// membership: the sender's closes and the receiver's opens that day
    /// (a transfer out of the system only closes it, as does completing
    /// one straight from its letter). A letter number given is kept.
    /// The row is written only if its state is still as read.
    pub async fn step_transfer(
        &self,
        id: i64,
        step: TransferStep,
        on: NaiveDate,
        letter_no: Option<&str>,
        now: i64,
    ) -> Result<TransferRow> {
        let row = self
            .transfer(id)
            .await?
            .ok_or(StoreError::NotFound("party transfer"))?;
        let mut t = row.transfer()?;
        let was = t.state;
        t.take(step, on)
            .map_err(|e| StoreError::Invalid(e.at("step")))?;
        let moves = matches!(
            (was, t.state),
            (TransferState::Requested, TransferState::Accepted)
                | (TransferState::Requested, TransferState::Completed)
        );
        if moves && let Some(to) = t.to {
            let org: Option<crate::party::PartyOrg> =
                self.party_orgs().await?.into_iter().find(|o| o.id == to);
            match org {
                None => {
                    return Err(refused(
                        Code::PartyTransferTarget,
                        "the receiving organisation was dissolved meanwhile; withdraw this transfer and request one to the organisation that took over".into(),
                        "to",
                    ));
                }
                Some(o) if !kind_of(&o)?.holds_members() => {
                    return Err(refused(
                        Code::PartyTransferTarget,
                        format!("{} holds members only through its branches", o.code),
                        "to",
                    ));
                }
                Some(_) => {}
            }
        }
        let day = on.to_string();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE party_transfers SET state = $1, accepted_on = $2, completed_on = $3,
                     closed_on = $4, letter_no = COALESCE($5, letter_no), updated_at = $6
                 WHERE id = $7 AND state = $8",
            )
            .bind(t.state.as_str())
            .bind(t.accepted_on.map(|d| d.to_string()))
            .bind(t.completed_on.map(|d| d.to_string()))
            .bind((!t.state.is_open()).then(|| day.clone()))
            .bind(letter_no)
            .bind(now)
            .bind(id)
            .bind(was.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(refused(
                    Code::PartyTransferState,
                    "the transfer changed meanwhile; read it again".into(),
                    "step",
                ));
            }
            if moves {
                sqlx::query(
                    "UPDATE party_memberships SET to_day = $1 WHERE person_id = $2 AND to_day IS NULL",
                )
                .bind(&day)
                .bind(t.member)
                .execute(&mut *tx)
                .await?;
                if let Some(to) = t.to {
                    sqlx::query(
                        "INSERT INTO party_memberships (person_id, org_id, from_day) VALUES ($1, $2, $3)",
                    )
                    .bind(t.member)
                    .bind(to)
                    .bind(&day)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
        });
        self.transfer(id)
            .await?
            .ok_or(StoreError::NotFound("party transfer"))
    }
}
