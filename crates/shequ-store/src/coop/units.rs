//! Resident units (驻区单位): where each is, its party organisation, whom
//! to call and what it offers.

use shequ_domain::coop::UnitKind;

use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// A unit to register or update, keyed by its code; the place and party
/// organisation are resolved by the caller.
#[derive(Debug, Clone)]
pub struct NewUnit<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: UnitKind,
    pub place_id: i64,
    pub party_org_id: Option<i64>,
    pub contact_name: &'a str,
    pub contact_phone: &'a str,
    /// Staff (人数); 0 when not known.
    pub staff: u32,
    /// What it says it can offer, in its own words.
    pub offers: &'a str,
}

/// A unit as listed, with where it is and how much it takes part.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub place_id: i64,
    pub place_code: String,
    pub place_name: String,
    pub lon: f64,
    pub lat: f64,
    pub region_path: String,
    pub region_name: String,
    /// The neighbourhood (居民区) it is in, when it is in one.
    pub neighbourhood: Option<String>,
    pub party_org_code: Option<String>,
    pub party_org_name: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub staff: i64,
    pub offers: String,
    /// Resources it offers.
    pub resources: i64,
    /// Projects its resources serve, in any state.
    pub projects: i64,
    pub updated_at: i64,
}

const UNIT_SELECT: &str = "SELECT u.id, u.code, u.name, u.kind, u.place_id, p.code AS place_code,
        p.name AS place_name, p.lon, p.lat, u.region_path, g.name AS region_name,
        (SELECT h.name FROM regions h WHERE h.kind = 'neighbourhood'
           AND substr(u.region_path, 1, length(h.path)) = h.path) AS neighbourhood,
        o.code AS party_org_code, o.name AS party_org_name, u.contact_name, u.contact_phone,
        u.staff, u.offers,
        (SELECT COUNT(*) FROM coop_resources r WHERE r.unit_id = u.id) AS resources,
        (SELECT COUNT(DISTINCT pr.project_id) FROM coop_project_resources pr
           JOIN coop_resources r ON r.id = pr.resource_id WHERE r.unit_id = u.id) AS projects,
        u.updated_at
     FROM coop_units u
     JOIN places p ON p.id = u.place_id
     JOIN regions g ON g.id = u.region_id
     LEFT JOIN party_orgs o ON o.id = u.party_org_id";

impl Store {
    /// Registers unit `unit.code`, or updates it when the code is taken.
    /// Returns its id and whether it was new. The region is the place's.
    pub async fn upsert_unit(
        &self,
        unit: &NewUnit<'_>,
        actor: &str,
        now: i64,
    ) -> Result<(i64, bool)> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let region: Option<(i64, String)> =
                sqlx::query_as("SELECT region_id, region_path FROM places WHERE id = $1")
                    .bind(unit.place_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let (region_id, region_path) = region.ok_or(StoreError::NotFound("place"))?;
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM coop_units WHERE code = $1")
                    .bind(unit.code)
                    .fetch_optional(&mut *tx)
                    .await?;
            let out = match existing {
                Some(id) => {
                    sqlx::query(
                        "UPDATE coop_units SET name = $2, kind = $3, place_id = $4, region_id = $5,
                            region_path = $6, party_org_id = $7, contact_name = $8, contact_phone = $9,
                            staff = $10, offers = $11, actor = $12, updated_at = $13
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(unit.name)
                    .bind(unit.kind.as_str())
                    .bind(unit.place_id)
                    .bind(region_id)
                    .bind(&region_path)
                    .bind(unit.party_org_id)
                    .bind(unit.contact_name)
                    .bind(unit.contact_phone)
                    .bind(i64::from(unit.staff))
                    .bind(unit.offers)
                    .bind(actor)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    (id, false)
                }
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO coop_units (code, name, kind, place_id, region_id, region_path,
                            party_org_id, contact_name, contact_phone, staff, offers, actor,
                            created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
                         RETURNING id",
                    )
                    .bind(unit.code)
                    .bind(unit.name)
                    .bind(unit.kind.as_str())
                    .bind(unit.place_id)
                    .bind(region_id)
                    .bind(&region_path)
                    .bind(unit.party_org_id)
                    .bind(unit.contact_name)
                    .bind(unit.contact_phone)
                    .bind(i64::from(unit.staff))
                    .bind(unit.offers)
                    .bind(actor)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    (id, true)
                }
            };
            tx.commit().await?;
            out
        }))
    }

    /// The units in `scope`, by name.
    pub async fn units_in(&self, scope: &Scope) -> Result<Vec<UnitRow>> {
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "{UNIT_SELECT} WHERE u.region_path >= $1 AND u.region_path < $2 ORDER BY u.name, u.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(lo)
                .bind(hi)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Unit `id`, wherever it is.
    pub async fn unit(&self, id: i64) -> Result<Option<UnitRow>> {
        let sql = format!("{UNIT_SELECT} WHERE u.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The unit with `code`, wherever it is.
    pub async fn unit_by_code(&self, code: &str) -> Result<Option<UnitRow>> {
        let sql = format!("{UNIT_SELECT} WHERE u.code = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(code)
                .fetch_optional(pool)
                .await?
        }))
    }
}
