//! Members and their memberships: a member belongs to one organisation
//! at a time, so joining while a membership is open is refused; and an
//! organisation is dissolved only once nobody and nothing remains in it.

use chrono::NaiveDate;
use shequ_domain::party::{MemberStanding, Standing};
use shequ_domain::{Code, InvalidValue};

use super::orgs::{PartyOrg, kind_of, tree_of};
use crate::db::on_db;
use crate::{Result, Store, StoreError};

impl Store {
    /// Makes registry person `person_id` a member of `org_code` from
    /// `from`, with `standing`. Refused when the person is unknown (never
    /// created silently), the organisation holds no members of its own,
    /// or the person is a member already (transfer them instead).
    pub async fn add_party_member(
        &self,
        person_id: i64,
        org_code: &str,
        standing: &MemberStanding,
        from: NaiveDate,
        now: i64,
    ) -> Result<()> {
        let org = self
            .party_org(org_code)
            .await?
            .ok_or(StoreError::NotFound("party org"))?;
        if !kind_of(&org)?.holds_members() {
            return Err(StoreError::Invalid(
                InvalidValue::new(
                    Code::PartyParentKind,
                    format!("a {} holds members only through its branches", org.kind),
                )
                .at("org"),
            ));
        }
        let (probation_end, converted_on) = match standing.standing {
            Standing::Probationary { probation_end } => (Some(probation_end.to_string()), None),
            Standing::Full { converted_on } => (None, converted_on.map(|d| d.to_string())),
        };
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1")
                .bind(person_id)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(StoreError::NotFound("person"));
            }
            let open: Option<String> = sqlx::query_scalar(
                "SELECT o.code FROM party_memberships m JOIN party_orgs o ON o.id = m.org_id
                 WHERE m.person_id = $1 AND m.to_day IS NULL",
            )
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(current) = open {
                return Err(StoreError::Invalid(
                    InvalidValue::new(
                        Code::PartyMembershipOverlap,
                        format!(
                            "the person is a member of {current} already; transfer them instead"
                        ),
                    )
                    .at("person"),
                ));
            }
            sqlx::query(
                "INSERT INTO party_members (person_id, joined_on, probation_end, converted_on, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)
                 ON CONFLICT (person_id) DO UPDATE SET probation_end = excluded.probation_end,
                     converted_on = excluded.converted_on, updated_at = excluded.updated_at",
            )
            .bind(person_id)
            .bind(standing.joined_on.to_string())
            .bind(probation_end)
            .bind(converted_on)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO party_memberships (person_id, org_id, from_day) VALUES ($1, $2, $3)",
            )
            .bind(person_id)
            .bind(org.id)
            .bind(from.to_string())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The members of `org_code` on `day` (registry person ids, ascending).
    pub async fn party_members_on(&self, org_code: &str, day: NaiveDate) -> Result<Vec<i64>> {
        let day = day.to_string();
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT m.person_id FROM party_memberships m JOIN party_orgs o ON o.id = m.org_id
                 WHERE o.code = $1 AND m.from_day <= $2 AND (m.to_day IS NULL OR m.to_day > $2)
                 ORDER BY m.person_id",
            )
            .bind(org_code)
            .bind(&day)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Dissolves `code`, refused (saying how many remain) while members or
    /// organisations are still in it; the change is kept.
    pub async fn dissolve_party_org(&self, code: &str, actor: &str, now: i64) -> Result<()> {
        let orgs = self.party_orgs().await?;
        let tree = tree_of(&orgs)?;
        let before: PartyOrg = orgs
            .into_iter()
            .find(|o| o.code == code)
            .ok_or(StoreError::NotFound("party org"))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let members: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM party_memberships WHERE org_id = $1 AND to_day IS NULL",
            )
            .bind(before.id)
            .fetch_one(&mut *tx)
            .await?;
            tree.check_dissolve(code, members as usize)
                .map_err(StoreError::Invalid)?;
            let n = sqlx::query(
                "UPDATE party_orgs SET dissolved_at = $1, updated_at = $1 WHERE id = $2 AND dissolved_at IS NULL",
            )
            .bind(now)
            .bind(before.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("party org"));
            }
            super::orgs::log_change!(
                tx,
                before.id,
                now,
                actor,
                "dissolve",
                Some(&before),
                &before
            );
            tx.commit().await?;
        });
        Ok(())
    }
}
