//! The region tree: upserts from import, the index used to resolve codes,
//! and scoped reads for the API and pages.

use serde::Serialize;
use shequ_domain::{RegionCode, RegionKind, RegionPath};

use crate::bulk::over_json_list;
use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError, now_ms};

/// A region as stored, without its polygon.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Region {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub path: String,
    pub center_lon: Option<f64>,
    pub center_lat: Option<f64>,
}

/// A region with its GeoJSON polygon.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RegionWithShape {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub region: Region,
    pub polygon: Option<String>,
}

/// A region to create or update, keyed by its code.
#[derive(Debug, Clone)]
pub struct NewRegion {
    pub code: RegionCode,
    pub name: String,
    pub kind: RegionKind,
    /// `None` only for a root (normally the city).
    pub parent_code: Option<RegionCode>,
    /// A GeoJSON geometry (Polygon or MultiPolygon), already validated.
    pub polygon: Option<String>,
    pub center: Option<(f64, f64)>,
}

/// What an upsert did to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Inserted,
    Updated,
    Unchanged,
}

/// Why a region row could not be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionRejected {
    #[error("parent region {0} does not exist; list parents before their children")]
    UnknownParent(String),
    #[error("a {child} cannot be placed under a {parent}; expected a child of kind {expected}")]
    WrongLevel {
        child: &'static str,
        parent: &'static str,
        expected: &'static str,
    },
    #[error("only a city may have no parent")]
    MissingParent,
    #[error(
        "region {code} already exists as a {kind} at {path}; moving or re-levelling regions is not supported by import"
    )]
    Moved {
        code: String,
        kind: String,
        path: String,
    },
}

impl Store {
    /// Creates or updates regions in one transaction, in the given order (so
    /// a parent listed earlier is found by its children). Each row gets its
    /// own outcome; a rejected row does not stop the others.
    pub async fn upsert_regions(
        &self,
        rows: &[NewRegion],
    ) -> Result<Vec<std::result::Result<Change, RegionRejected>>> {
        let now = now_ms();
        let mut outcomes = Vec::with_capacity(rows.len());
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for row in rows {
                let parent: Option<(i64, String, String)> = match &row.parent_code {
                    Some(code) => {
                        sqlx::query_as("SELECT id, path, kind FROM regions WHERE code = $1")
                            .bind(code.as_str())
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                    None => None,
                };
                let placement = match (&row.parent_code, parent) {
                    (Some(code), None) => Err(RegionRejected::UnknownParent(code.to_string())),
                    (None, _) if row.kind != RegionKind::City => Err(RegionRejected::MissingParent),
                    (None, _) => Ok((None, RegionPath::root(&row.code))),
                    (Some(_), Some((pid, ppath, pkind))) => {
                        let pkind = RegionKind::parse(&pkind)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                        if pkind.child_kind() == Some(row.kind) {
                            let ppath = RegionPath::parse(&ppath)
                                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                            Ok((Some(pid), ppath.child(&row.code)))
                        } else {
                            Err(RegionRejected::WrongLevel {
                                child: row.kind.as_str(),
                                parent: pkind.as_str(),
                                expected: pkind.child_kind().map_or("none", RegionKind::as_str),
                            })
                        }
                    }
                };
                let (parent_id, path) = match placement {
                    Ok(p) => p,
                    Err(e) => {
                        outcomes.push(Err(e));
                        continue;
                    }
                };
                let existing: Option<(String, String)> =
                    sqlx::query_as("SELECT kind, path FROM regions WHERE code = $1")
                        .bind(row.code.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some((kind, old_path)) = &existing
                    && (kind != row.kind.as_str() || old_path != path.as_str())
                {
                    outcomes.push(Err(RegionRejected::Moved {
                        code: row.code.to_string(),
                        kind: kind.clone(),
                        path: old_path.clone(),
                    }));
                    continue;
                }
                let changed: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO regions (code, name, kind, parent_id, path, polygon, center_lon, center_lat, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
                     ON CONFLICT (code) DO UPDATE SET
                        name = excluded.name, polygon = excluded.polygon,
                        center_lon = excluded.center_lon, center_lat = excluded.center_lat,
                        updated_at = excluded.updated_at
                     WHERE regions.name IS DISTINCT FROM excluded.name
                        OR regions.polygon IS DISTINCT FROM excluded.polygon
                        OR regions.center_lon IS DISTINCT FROM excluded.center_lon
                        OR regions.center_lat IS DISTINCT FROM excluded.center_lat
                     RETURNING id",
                )
                .bind(row.code.as_str())
                .bind(&row.name)
                .bind(row.kind.as_str())
                .bind(parent_id)
                .bind(path.as_str())
                .bind(&row.polygon)
                .bind(row.center.map(|c| c.0))
                .bind(row.center.map(|c| c.1))
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                outcomes.push(Ok(match (changed, existing) {
                    (None, _) => Change::Unchanged,
                    (Some(_), None) => Change::Inserted,
                    (Some(_), Some(_)) => Change::Updated,
                }));
            }
            tx.commit().await?;
        });
        Ok(outcomes)
    }

    /// Every region under the scope, parents before children, without
    /// polygons. A street has a few hundred; a city some tens of thousands.
    pub async fn regions_in(&self, scope: &Scope) -> Result<Vec<Region>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Region>(
                "SELECT id, code, name, kind, parent_id, path, center_lon, center_lat
                 FROM regions WHERE path >= $1 AND path < $2 ORDER BY path",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Every region with its polygon under the scope (for maps).
    pub async fn region_shapes_in(&self, scope: &Scope) -> Result<Vec<RegionWithShape>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, RegionWithShape>(
                "SELECT id, code, name, kind, parent_id, path, center_lon, center_lat, polygon
                 FROM regions WHERE path >= $1 AND path < $2 ORDER BY path",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// One region by code, regardless of scope (callers check scope on the
    /// returned path, so that they can log a refusal).
    pub async fn region_by_code(&self, code: &str) -> Result<Option<RegionWithShape>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, RegionWithShape>(
                "SELECT id, code, name, kind, parent_id, path, center_lon, center_lat, polygon
                 FROM regions WHERE code = $1",
            )
            .bind(code)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// One region by id.
    pub async fn region_by_id(&self, id: i64) -> Result<Option<Region>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Region>(
                "SELECT id, code, name, kind, parent_id, path, center_lon, center_lat
                 FROM regions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// The names of the regions with these ids, in one query (a list of
    /// orders names the region of each).
    pub async fn region_names(&self, ids: &[i64]) -> Result<Vec<(i64, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let json = serde_json::to_string(ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sql = over_json_list!(
            "SELECT id, name FROM regions WHERE id IN (",
            ids "$1",
            ")"
        );
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, (i64, String)>(crate::bulk::pick(&self.db, &sql))
                .bind(&json)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// The chain of regions from the root down to the region at `path`
    /// (breadcrumbs). Ancestors are shown by name only, so this is not
    /// scoped.
    pub async fn region_ancestry(&self, path: &RegionPath) -> Result<Vec<Region>> {
        let codes: Vec<&str> = path.codes().collect();
        let mut out = Vec::with_capacity(codes.len());
        for code in codes {
            if let Some(r) = self.region_by_code(code).await? {
                out.push(r.region);
            }
        }
        Ok(out)
    }

    /// Number of regions of each kind under the scope.
    pub async fn count_regions_by_kind(&self, scope: &Scope) -> Result<Vec<(String, i64)>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT kind, COUNT(*) FROM regions WHERE path >= $1 AND path < $2 GROUP BY kind",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }
}
