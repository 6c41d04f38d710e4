//! Coverage of the new sectors: which organisations cover which places,
//! which places have an instructor, and each new-sector place's cover in
//! a scope, for the domain to count (`shequ_domain::party::coverage`).

use chrono::NaiveDate;
use shequ_domain::party::{Cover, OrgKind};
use shequ_domain::{Code, InvalidValue, PlaceKind};

use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// One new-sector place and how it is covered.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlaceCover {
    pub place_id: i64,
    pub code: String,
    pub name: String,
    pub kind: PlaceKind,
    pub region_path: String,
    pub lon: f64,
    pub lat: f64,
    pub cover: Cover,
}

/// The new-sector kinds as the JSON array `$3` of the coverage queries.
fn new_sector_kinds() -> Result<String> {
    serde_json::to_string(&PlaceKind::NEW_SECTOR.map(PlaceKind::as_str))
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The list `$3` unpacked, for `p.kind IN (…)`.
const NEW_SECTOR_LIST: crate::bulk::Sql = crate::bulk::over_json_list!("", text "$3", "");

/// A cover as `party_place_covers` and `party_cover_counts` store it.
fn stored_cover(n: i64) -> Result<Cover> {
    match n {
        0 => Ok(Cover::Own),
        1 => Ok(Cover::Joint),
        2 => Ok(Cover::Instructor),
        3 => Ok(Cover::Gap),
        _ => Err(StoreError::Corrupt(format!("stored cover {n}"))),
    }
}

#[derive(sqlx::FromRow)]
struct CoverRow {
    id: i64,
    code: String,
    name: String,
    kind: String,
    region_path: String,
    lon: f64,
    lat: f64,
    /// The kinds of the organisations covering it, comma-separated.
    orgs: Option<String>,
    instructor: i64,
}

/// Rewrites the stored best cover (`party_place_covers`) of the places
/// the subquery `$set` selects (its one parameter bound to `$arg`), in the
/// transaction `$tx`, from their organisations not dissolved and their
/// instructor, by the same rule as `Cover::of`: 0 an organisation of its
/// own, 1 a joint branch, 2 an instructor only, 3 a gap. The migration's
/// triggers carry each change into `party_cover_counts`.
macro_rules! refresh_covers {
    ($tx:expr, $set:literal, $arg:expr) => {{
        sqlx::query(concat!(
            "UPDATE party_place_covers SET cover = CASE
                 WHEN EXISTS (SELECT 1 FROM party_org_places c JOIN party_orgs o ON o.id = c.org_id
                              WHERE c.place_id = party_place_covers.place_id
                                AND o.dissolved_at IS NULL AND o.kind <> 'joint_branch') THEN 0
                 WHEN EXISTS (SELECT 1 FROM party_org_places c JOIN party_orgs o ON o.id = c.org_id
                              WHERE c.place_id = party_place_covers.place_id
                                AND o.dissolved_at IS NULL) THEN 1
                 WHEN EXISTS (SELECT 1 FROM party_instructors i
                              WHERE i.place_id = party_place_covers.place_id) THEN 2
                 ELSE 3 END
             WHERE place_id IN (",
            $set,
            ")"
        ))
        .bind($arg)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(super) use refresh_covers;

impl Store {
    /// Records that `org_code` covers the place `place_id` (again is a
    /// no-op). Only new-sector places count towards coverage.
    pub async fn cover_place(&self, org_code: &str, place_id: i64) -> Result<()> {
        let org = self
            .party_org(org_code)
            .await?
            .ok_or(StoreError::NotFound("party org"))?;
        self.new_sector_place(place_id).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO party_org_places (org_id, place_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(org.id)
            .bind(place_id)
            .execute(&mut *tx)
            .await?;
            refresh_covers!(tx, "$1", place_id);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Assigns an instructor (党建指导员) to a place, replacing any before.
    pub async fn assign_instructor(&self, place_id: i64, name: &str, on: NaiveDate) -> Result<()> {
        self.new_sector_place(place_id).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO party_instructors (place_id, name, assigned_on) VALUES ($1, $2, $3)
                 ON CONFLICT (place_id) DO UPDATE SET name = excluded.name, assigned_on = excluded.assigned_on",
            )
            .bind(place_id)
            .bind(name)
            .bind(on.to_string())
            .execute(&mut *tx)
            .await?;
            refresh_covers!(tx, "$1", place_id);
            tx.commit().await?;
        });
        Ok(())
    }

    async fn new_sector_place(&self, place_id: i64) -> Result<PlaceKind> {
        let kind: Option<String> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT kind FROM places WHERE id = $1")
                .bind(place_id)
                .fetch_optional(pool)
                .await?
        });
        let kind = kind.ok_or(StoreError::NotFound("place"))?;
        let kind = PlaceKind::parse(&kind).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if !kind.is_new_sector() {
            return Err(StoreError::Invalid(
                InvalidValue::new(
                    Code::PartyPlaceNotNewSector,
                    format!("a {} is not a place of the new sectors", kind.as_str()),
                )
                .at("place"),
            ));
        }
        Ok(kind)
    }

    /// The places an organisation covers, by name.
    pub async fn places_covered_by(&self, org_id: i64) -> Result<Vec<(i64, String, String)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT p.id, p.code, p.name FROM party_org_places c JOIN places p ON p.id = c.place_id
                 WHERE c.org_id = $1 ORDER BY p.name",
            )
            .bind(org_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Every new-sector place in `scope` with its cover, by code. One
    /// query: the covering organisations' kinds and the instructor come
    /// along with each place.
    pub async fn coverage_in(&self, scope: &Scope) -> Result<Vec<PlaceCover>> {
        let (lo, hi) = scope.bounds();
        let kinds = new_sector_kinds()?;
        let in_kinds = crate::bulk::pick(&self.db, &NEW_SECTOR_LIST);
        let agg = match self.backend() {
            crate::Backend::Sqlite => "group_concat(o.kind)",
            crate::Backend::Postgres => "string_agg(o.kind, ',')",
        };
        let sql = format!(
            "SELECT p.id, p.code, p.name, p.kind, p.region_path, p.lon, p.lat,
                    (SELECT {agg} FROM party_org_places c JOIN party_orgs o ON o.id = c.org_id
                      WHERE c.place_id = p.id AND o.dissolved_at IS NULL) AS orgs,
                    (SELECT COUNT(*) FROM party_instructors i WHERE i.place_id = p.id) AS instructor
             FROM places p
             WHERE p.region_path >= $1 AND p.region_path < $2 AND p.kind IN ({in_kinds})
             ORDER BY p.code"
        );
        let rows: Vec<CoverRow> = on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(lo)
                .bind(hi)
                .bind(&kinds)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|r| {
                let kind =
                    PlaceKind::parse(&r.kind).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let orgs = r
                    .orgs
                    .as_deref()
                    .unwrap_or("")
                    .split(',')
                    .filter(|k| !k.is_empty())
                    .map(OrgKind::parse)
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(PlaceCover {
                    place_id: r.id,
                    code: r.code,
                    name: r.name,
                    kind,
                    region_path: r.region_path,
                    lon: r.lon,
                    lat: r.lat,
                    cover: Cover::of(orgs, r.instructor > 0),
                })
            })
            .collect()
    }

    /// How many new-sector places in `scope` are covered each way, by the
    /// place's own region and kind: read from `party_cover_counts`, a few
    /// rows per region however many places, so a district's report stays
    /// fast. The counts are kept by the migration's triggers from each
    /// place's stored best cover; the store test checks them against
    /// [`Store::coverage_in`], which decides every place's cover afresh.
    pub async fn coverage_counts(
        &self,
        scope: &Scope,
    ) -> Result<Vec<(String, PlaceKind, Cover, u64)>> {
        let (lo, hi) = scope.bounds();
        let kinds = new_sector_kinds()?;
        let in_kinds = crate::bulk::pick(&self.db, &NEW_SECTOR_LIST);
        let sql = format!(
            "SELECT r.path, c.kind, CAST(c.cover AS BIGINT), c.n FROM party_cover_counts c JOIN regions r ON r.id = c.region_id
             WHERE r.path >= $1 AND r.path < $2 AND c.n > 0 AND c.kind IN ({in_kinds})"
        );
        let rows: Vec<(String, String, i64, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(lo)
                .bind(hi)
                .bind(&kinds)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(path, kind, cover, n)| {
                let kind =
                    PlaceKind::parse(&kind).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((path, kind, stored_cover(cover)?, n.max(0) as u64))
            })
            .collect()
    }

    /// The gaps (new-sector places with no organisation and no
    /// instructor) in `scope`, by code, at most `limit` of them: read from
    /// the stored covers' index, so only the gaps are visited.
    pub async fn coverage_gaps(&self, scope: &Scope, limit: u32) -> Result<Vec<PlaceCover>> {
        let (lo, hi) = scope.bounds();
        let kinds = new_sector_kinds()?;
        let in_kinds = crate::bulk::pick(&self.db, &NEW_SECTOR_LIST);
        let sql = format!(
            "SELECT p.id, p.code, p.name, p.kind, p.region_path, p.lon, p.lat
             FROM party_place_covers c JOIN places p ON p.id = c.place_id
             WHERE c.cover = 3 AND p.region_path >= $1 AND p.region_path < $2 AND p.kind IN ({in_kinds})
             ORDER BY p.code LIMIT $4"
        );
        let rows: Vec<(i64, String, String, String, String, f64, f64)> =
            on_db!(self, read, |pool| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(lo)
                    .bind(hi)
                    .bind(&kinds)
                    .bind(i64::from(limit))
                    .fetch_all(pool)
                    .await?
            });
        rows.into_iter()
            .map(|(place_id, code, name, kind, region_path, lon, lat)| {
                Ok(PlaceCover {
                    place_id,
                    code,
                    name,
                    kind: PlaceKind::parse(&kind)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    region_path,
                    lon,
                    lat,
                    cover: Cover::Gap,
                })
            })
            .collect()
    }

    /// The organisations (not dissolved) that cover a place within
    /// `metres` of (`lon`, `lat`), nearest first, with their distance:
    /// the candidates for a joint branch with a gap.
    pub async fn orgs_near(
        &self,
        lon: f64,
        lat: f64,
        metres: f64,
    ) -> Result<Vec<(String, String, String, f64)>> {
        // A box first (degrees of latitude are ~111 km; of longitude,
        // that times cos(lat)), then the exact distance.
        let dlat = metres / 111_000.0;
        let dlon = metres / (111_000.0 * lat.to_radians().cos().max(0.01));
        let rows: Vec<(String, String, String, f64, f64)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT o.code, o.name, o.kind, p.lon, p.lat
                 FROM party_org_places c JOIN party_orgs o ON o.id = c.org_id JOIN places p ON p.id = c.place_id
                 WHERE o.dissolved_at IS NULL AND p.lon BETWEEN $1 AND $2 AND p.lat BETWEEN $3 AND $4",
            )
            .bind(lon - dlon)
            .bind(lon + dlon)
            .bind(lat - dlat)
            .bind(lat + dlat)
            .fetch_all(pool)
            .await?
        });
        let mut best: std::collections::HashMap<String, (String, String, f64)> =
            std::collections::HashMap::new();
        for (code, name, kind, plon, plat) in rows {
            let d = shequ_domain::order::duplicate::distance_m((lon, lat), (plon, plat));
            if d > metres {
                continue;
            }
            let e = best.entry(code).or_insert((name, kind, d));
            e.2 = e.2.min(d);
        }
        let mut out: Vec<_> = best
            .into_iter()
            .map(|(code, (name, kind, d))| (code, name, kind, d))
            .collect();
        out.sort_by(|a, b| a.3.total_cmp(&b.3).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// Members whose in-service unit names this place (its name appears in
    /// their unit), by name: who could found an organisation there.
    pub async fn members_working_at(&self, place_name: &str) -> Result<Vec<(i64, String, String)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT p.id, p.name, pm.unit FROM party_members pm JOIN people p ON p.id = pm.person_id
                 WHERE pm.unit <> '' AND (pm.unit = $1 OR pm.unit LIKE '%' || $1 || '%')
                 ORDER BY p.name, p.id",
            )
            .bind(place_name)
            .fetch_all(pool)
            .await?
        }))
    }
}
