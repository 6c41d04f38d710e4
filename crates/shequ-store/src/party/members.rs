//! Members and their memberships: a member belongs to one organisation
//! at a time, so joining while a membership is open is refused; and an
//! organisation is dissolved only once nobody and nothing remains in it.

use chrono::NaiveDate;
use shequ_domain::party::{MemberStanding, Standing};
use shequ_domain::{Code, InvalidValue};

use super::orgs::{PartyOrg, kind_of, tree_of};
use crate::db::on_db;
use crate::{Result, Store, StoreError};

/// What a new member needs besides the person and the organisation.
#[derive(Debug, Clone)]
pub struct NewPartyMember<'a> {
    pub standing: MemberStanding,
    /// In-service unit (工作单位): a resident unit's name or free text.
    pub unit: &'a str,
    /// 流动党员
    pub mobile: bool,
}

impl<'a> NewPartyMember<'a> {
    /// A full member since `joined_on` with no unit, not mobile.
    pub fn full(joined_on: NaiveDate) -> NewPartyMember<'a> {
        NewPartyMember {
            standing: MemberStanding {
                joined_on,
                standing: Standing::Full { converted_on: None },
            },
            unit: "",
            mobile: false,
        }
    }
}

/// A member as listed: who, where, and their standing.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PartyMemberRow {
    pub person_id: i64,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub region_path: String,
    pub org_code: String,
    pub org_name: String,
    pub joined_on: String,
    pub probation_end: Option<String>,
    pub converted_on: Option<String>,
    pub unit: String,
    pub mobile: bool,
}

impl PartyMemberRow {
    /// The member's standing, read back through the domain's checks.
    pub fn standing(&self) -> Result<MemberStanding> {
        let day = |s: &str| {
            s.parse::<NaiveDate>()
                .map_err(|e| StoreError::Corrupt(format!("stored date {s:?}: {e}")))
        };
        let standing = match &self.probation_end {
            Some(end) => Standing::Probationary {
                probation_end: day(end)?,
            },
            None => Standing::Full {
                converted_on: self.converted_on.as_deref().map(day).transpose()?,
            },
        };
        Ok(MemberStanding {
            joined_on: day(&self.joined_on)?,
            standing,
        })
    }
}

/// One stay of a member in an organisation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PartyStay {
    pub org_code: String,
    pub org_name: String,
    pub from_day: String,
    pub to_day: Option<String>,
}

pub(super) const MEMBER_COLUMNS: &str =
    "p.id AS person_id, p.name, p.gender, p.birth_date, p.region_path,
     o.code AS org_code, o.name AS org_name, pm.joined_on, pm.probation_end, pm.converted_on,
     pm.unit, pm.mobile";

pub(super) const MEMBER_FROM: &str = "party_memberships m
     JOIN party_members pm ON pm.person_id = m.person_id
     JOIN people p ON p.id = m.person_id
     JOIN party_orgs o ON o.id = m.org_id";

impl Store {
    /// Makes registry person `person_id` a member of `org_code` from
    /// `from`, with `standing`. Refused when the person is unknown (never
    /// created silently), the organisation holds no members of its own,
    /// or the person is a member already (transfer them instead).
    pub async fn add_party_member(
        &self,
        person_id: i64,
        org_code: &str,
        member: &NewPartyMember<'_>,
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
            super::transfers::upsert_member!(tx, person_id, member, now);
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

    /// The current members of the organisations with these ids, by name.
    pub async fn party_members_of(&self, org_ids: &[i64]) -> Result<Vec<PartyMemberRow>> {
        let ids = serde_json::to_string(org_ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let list = match self.backend() {
            crate::Backend::Sqlite => "SELECT value FROM json_each($1)",
            crate::Backend::Postgres => {
                "SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb)"
            }
        };
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM {MEMBER_FROM}
             WHERE m.to_day IS NULL AND m.org_id IN ({list}) ORDER BY p.name, p.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&ids)
                .fetch_all(pool)
                .await?
        }))
    }

    /// A member with their current organisation, if they have one.
    pub async fn party_member(&self, person_id: i64) -> Result<Option<PartyMemberRow>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM {MEMBER_FROM} WHERE m.person_id = $1 AND m.to_day IS NULL"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(person_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Where a member has been, oldest first ("where has this member
    /// been").
    pub async fn party_member_path(&self, person_id: i64) -> Result<Vec<PartyStay>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT o.code AS org_code, o.name AS org_name, m.from_day, m.to_day
                 FROM party_memberships m JOIN party_orgs o ON o.id = m.org_id
                 WHERE m.person_id = $1 ORDER BY m.from_day, m.id",
            )
            .bind(person_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// How many current members each organisation holds directly, by id.
    pub async fn party_member_counts(&self) -> Result<Vec<(i64, i64)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT org_id, COUNT(*) FROM party_memberships WHERE to_day IS NULL GROUP BY org_id",
            )
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
