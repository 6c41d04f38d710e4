//! Pairing (结对帮扶): pairs of organisations or of a cadre and a
//! household in difficulty, their visits, and the households with care
//! tags that no pair looks after. Whether a pair is overdue and whether a
//! household is in difficulty are the domain's (`coop::pairing`).

use chrono::NaiveDate;
use shequ_domain::coop::PairKind;

use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// A pair to make: two organisations, or a cadre and a household.
#[derive(Debug, Clone)]
pub enum NewPair<'a> {
    Orgs {
        helper_org_id: i64,
        helped_org_id: i64,
    },
    Household {
        helper_name: &'a str,
        household_id: i64,
    },
}

/// A pair as listed, with its last visit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PairRow {
    pub id: i64,
    /// `org_org` or `cadre_household`.
    pub kind: String,
    pub helper_org_name: Option<String>,
    pub helper_name: String,
    pub helped_org_name: Option<String>,
    pub household_id: Option<i64>,
    pub household_code: Option<String>,
    pub region_path: String,
    pub paired_on: String,
    pub visit_days: i64,
    pub visits: i64,
    pub last_visit: Option<String>,
}

impl PairRow {
    /// The pairing day and last visit, as stored (checked when written).
    pub fn days(&self) -> Result<(NaiveDate, Option<NaiveDate>)> {
        let corrupt = |s: &str| StoreError::Corrupt(format!("pair {} day {s:?}", self.id));
        let paired = self
            .paired_on
            .parse()
            .map_err(|_| corrupt(&self.paired_on))?;
        let last = self
            .last_visit
            .as_deref()
            .map(|d| d.parse().map_err(|_| corrupt(d)))
            .transpose()?;
        Ok((paired, last))
    }
}

/// One visit of a pair.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct VisitRow {
    pub id: i64,
    pub pair_id: i64,
    pub day: String,
    pub what: String,
    pub visitor: String,
}

/// A household with the care tags of its members (one row per member
/// with tags), for finding those in difficulty.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HouseholdTags {
    pub household_id: i64,
    pub household_code: String,
    pub building_name: String,
    pub region_path: String,
    pub care_tags: String,
}

const PAIR_SELECT: &str = "SELECT p.id, p.kind, a.name AS helper_org_name, p.helper_name,
        b.name AS helped_org_name, p.household_id, h.code AS household_code, p.region_path,
        p.paired_on, p.visit_days,
        (SELECT COUNT(*) FROM coop_visits v WHERE v.pair_id = p.id) AS visits,
        (SELECT MAX(v.day) FROM coop_visits v WHERE v.pair_id = p.id) AS last_visit
     FROM coop_pairs p
     LEFT JOIN party_orgs a ON a.id = p.helper_org_id
     LEFT JOIN party_orgs b ON b.id = p.helped_org_id
     LEFT JOIN households h ON h.id = p.household_id";

impl Store {
    /// Makes a pair from `paired_on`, overdue after `visit_days` days
    /// without a visit; its id. The helped side gives the region.
    pub async fn create_pair(
        &self,
        pair: &NewPair<'_>,
        paired_on: NaiveDate,
        visit_days: u32,
        actor: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let (kind, helper_org, helper_name, helped_org, household, path) = match pair {
                NewPair::Orgs {
                    helper_org_id,
                    helped_org_id,
                } => {
                    let helper: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM party_orgs WHERE id = $1")
                            .bind(helper_org_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    helper.ok_or(StoreError::NotFound("party org"))?;
                    let path: Option<Option<String>> = sqlx::query_scalar(
                        "SELECT g.path FROM party_orgs o LEFT JOIN regions g ON g.id = o.region_id WHERE o.id = $1",
                    )
                    .bind(helped_org_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let path = path.ok_or(StoreError::NotFound("party org"))?.ok_or_else(|| {
                        StoreError::Invalid(
                            shequ_domain::InvalidValue::new(
                                shequ_domain::Code::CoopPairKindUnknown,
                                "the helped organisation serves no region: pair with a neighbourhood's organisation",
                            )
                            .at("helped"),
                        )
                    })?;
                    (
                        PairKind::OrgOrg,
                        Some(*helper_org_id),
                        "",
                        Some(*helped_org_id),
                        None,
                        path,
                    )
                }
                NewPair::Household {
                    helper_name,
                    household_id,
                } => {
                    let path: Option<String> =
                        sqlx::query_scalar("SELECT region_path FROM households WHERE id = $1")
                            .bind(household_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    let path = path.ok_or(StoreError::NotFound("household"))?;
                    (
                        PairKind::CadreHousehold,
                        None,
                        *helper_name,
                        None,
                        Some(*household_id),
                        path,
                    )
                }
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO coop_pairs (kind, helper_org_id, helper_name, helped_org_id, household_id,
                    region_path, paired_on, visit_days, actor, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(kind.as_str())
            .bind(helper_org)
            .bind(helper_name)
            .bind(helped_org)
            .bind(household)
            .bind(&path)
            .bind(paired_on.to_string())
            .bind(i64::from(visit_days))
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        }))
    }

    /// The pairs in `scope`, oldest first.
    pub async fn pairs_in(&self, scope: &Scope) -> Result<Vec<PairRow>> {
        let (lo, hi) = scope.bounds();
        let sql =
            format!("{PAIR_SELECT} WHERE p.region_path >= $1 AND p.region_path < $2 ORDER BY p.id");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(lo)
                .bind(hi)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Pair `id`, wherever it is.
    pub async fn pair(&self, id: i64) -> Result<Option<PairRow>> {
        let sql = format!("{PAIR_SELECT} WHERE p.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Logs a visit of pair `pair_id`; its id.
    pub async fn log_visit(
        &self,
        pair_id: i64,
        day: NaiveDate,
        what: &str,
        visitor: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM coop_pairs WHERE id = $1")
                .bind(pair_id)
                .fetch_optional(&mut *tx)
                .await?;
            known.ok_or(StoreError::NotFound("coop pair"))?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO coop_visits (pair_id, day, what, visitor, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(pair_id)
            .bind(day.to_string())
            .bind(what)
            .bind(visitor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        }))
    }

    /// The visits of pair `pair_id`, newest first.
    pub async fn visits(&self, pair_id: i64) -> Result<Vec<VisitRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, pair_id, day, what, visitor FROM coop_visits WHERE pair_id = $1
                 ORDER BY day DESC, id DESC",
            )
            .bind(pair_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The households in `scope` with a member who has care tags, one row
    /// per such member, by household code.
    pub async fn households_with_care_tags(&self, scope: &Scope) -> Result<Vec<HouseholdTags>> {
        let (lo, hi) = scope.bounds();
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT h.id AS household_id, h.code AS household_code, b.name AS building_name,
                        h.region_path, p.care_tags
                 FROM people p
                 JOIN households h ON h.id = p.household_id
                 JOIN places b ON b.id = h.building_id
                 WHERE p.care_tags <> '' AND h.region_path >= $1 AND h.region_path < $2
                 ORDER BY h.code, p.id",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
        }))
    }
}
