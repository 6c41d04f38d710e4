//! Places: residential buildings and the other places of a street.

use std::collections::HashMap;

use serde::Serialize;
use shequ_domain::{FacilityType, PlaceKind};

use crate::bulk::over_json_list;
use crate::bulk::{BulkUpsert, KeyLookup, pick};
use crate::db::on_db;
use crate::{Page, Paging, Result, Scope, Store, StoreError, UpsertCounts, prefix_end};

/// A place as stored, with the name of its grid.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Place {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub facility_type: Option<String>,
    pub region_id: i64,
    pub region_path: String,
    pub region_name: String,
    pub lon: f64,
    pub lat: f64,
    pub address: String,
    pub built_year: Option<i64>,
    pub floors: Option<i64>,
}

/// A place to create or update, keyed by its code, with its grid resolved.
#[derive(Debug, Clone, Serialize)]
pub struct NewPlace {
    pub code: String,
    pub name: String,
    #[serde(serialize_with = "ser_kind")]
    pub kind: PlaceKind,
    #[serde(serialize_with = "ser_facility")]
    pub facility_type: Option<FacilityType>,
    pub region_id: i64,
    pub region_path: String,
    pub lon: f64,
    pub lat: f64,
    pub address: String,
    pub built_year: Option<i32>,
    pub floors: Option<i32>,
}

fn ser_kind<S: serde::Serializer>(k: &PlaceKind, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(k.as_str())
}

fn ser_facility<S: serde::Serializer>(
    f: &Option<FacilityType>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match f {
        Some(f) => s.serialize_str(f.as_str()),
        None => s.serialize_none(),
    }
}

/// Where a place is, for resolving codes during import.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlaceRef {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub region_id: i64,
    pub region_path: String,
}

/// Filters for listing places.
#[derive(Debug, Clone, Default)]
pub struct PlaceQuery {
    pub kind: Option<PlaceKind>,
    pub name_prefix: Option<String>,
}

const PLACE_LOOKUP: KeyLookup = KeyLookup(over_json_list!(
    "SELECT code, id FROM places WHERE code IN (",
    text "$1",
    ")"
));

macro_rules! place_conflict {
    () => {
        "ON CONFLICT (code) DO UPDATE SET
            name = excluded.name, kind = excluded.kind, facility_type = excluded.facility_type,
            region_id = excluded.region_id, region_path = excluded.region_path,
            lon = excluded.lon, lat = excluded.lat, address = excluded.address,
            built_year = excluded.built_year, floors = excluded.floors, updated_at = excluded.updated_at
        WHERE places.name IS DISTINCT FROM excluded.name OR places.kind IS DISTINCT FROM excluded.kind
           OR places.facility_type IS DISTINCT FROM excluded.facility_type
           OR places.region_id IS DISTINCT FROM excluded.region_id
           OR places.lon IS DISTINCT FROM excluded.lon OR places.lat IS DISTINCT FROM excluded.lat
           OR places.address IS DISTINCT FROM excluded.address
           OR places.built_year IS DISTINCT FROM excluded.built_year
           OR places.floors IS DISTINCT FROM excluded.floors
        RETURNING code, id"
    };
}

const PLACE_UPSERT: BulkUpsert<NewPlace> = BulkUpsert {
    sqlite_head: "INSERT INTO places (code, name, kind, facility_type, region_id, region_path, lon, lat,
        address, built_year, floors, created_at, updated_at) VALUES",
    sqlite_columns: 11,
    sqlite_bind: |q, p| {
        q.bind(p.code.as_str())
            .bind(p.name.as_str())
            .bind(p.kind.as_str())
            .bind(p.facility_type.map(FacilityType::as_str))
            .bind(p.region_id)
            .bind(p.region_path.as_str())
            .bind(p.lon)
            .bind(p.lat)
            .bind(p.address.as_str())
            .bind(p.built_year)
            .bind(p.floors)
    },
    conflict: place_conflict!(),
    postgres: concat!(
        "INSERT INTO places (code, name, kind, facility_type, region_id, region_path, lon, lat, address, built_year, floors, created_at, updated_at)
        SELECT x.code, x.name, x.kind, x.facility_type, x.region_id, x.region_path, x.lon, x.lat,
               x.address, x.built_year, x.floors, $2, $2
        FROM jsonb_to_recordset($1::jsonb) AS x(code text, name text, kind text, facility_type text,
             region_id bigint, region_path text, lon float8, lat float8, address text,
             built_year bigint, floors bigint) ",
        place_conflict!()
    ),
};

macro_rules! place_select {
    () => {
        "SELECT p.id, p.code, p.name, p.kind, p.facility_type, p.region_id,
         p.region_path, r.name AS region_name, p.lon, p.lat, p.address, p.built_year, p.floors
         FROM places p JOIN regions r ON r.id = p.region_id "
    };
}

impl Store {
    /// Creates or updates a batch of places by code in one transaction.
    /// Codes must be unique within the batch.
    pub async fn upsert_places(&self, rows: &[NewPlace]) -> Result<UpsertCounts> {
        if rows.is_empty() {
            return Ok(UpsertCounts::default());
        }
        let keys: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        let (counts, _) = self
            .upsert_batch(
                &PLACE_LOOKUP,
                &PLACE_UPSERT,
                rows,
                &keys,
                crate::now_ms(),
                |_| Vec::new(),
            )
            .await?;
        Ok(counts)
    }

    /// Resolves place codes (any scope) to where they are.
    pub async fn place_refs(&self, codes: &[&str]) -> Result<HashMap<String, PlaceRef>> {
        let json = serde_json::to_string(codes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sql = over_json_list!(
            "SELECT id, code, kind, region_id, region_path FROM places
                             WHERE code IN (",
            text "$1",
            ")"
        );
        let rows: Vec<PlaceRef> = on_db!(self, read, |pool| {
            sqlx::query_as(pick(&self.db, &sql))
                .bind(&json)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|p| (p.code.clone(), p)).collect())
    }

    /// Places under the scope, by kind and name prefix, ordered by name.
    pub async fn places_in(
        &self,
        scope: &Scope,
        query: &PlaceQuery,
        paging: Paging,
    ) -> Result<Page<Place>> {
        let (lo, hi) = scope.bounds();
        let kind = query.kind.map(PlaceKind::as_str);
        let name_lo = query.name_prefix.as_deref().filter(|s| !s.is_empty());
        let name_hi = name_lo.map(prefix_end);
        let (items, total) = on_db!(self, read, |pool| {
            let items = sqlx::query_as::<_, Place>(concat!(
                place_select!(),
                "WHERE p.region_path >= $1 AND p.region_path < $2
                   AND ($3 IS NULL OR p.kind = $3)
                   AND ($4 IS NULL OR (p.name >= $4 AND p.name < $5))
                 ORDER BY p.name, p.id LIMIT $6 OFFSET $7"
            ))
            .bind(lo)
            .bind(hi)
            .bind(kind)
            .bind(name_lo)
            .bind(&name_hi)
            .bind(paging.limit())
            .bind(paging.offset())
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM places p
                 WHERE p.region_path >= $1 AND p.region_path < $2
                   AND ($3 IS NULL OR p.kind = $3)
                   AND ($4 IS NULL OR (p.name >= $4 AND p.name < $5))",
            )
            .bind(lo)
            .bind(hi)
            .bind(kind)
            .bind(name_lo)
            .bind(&name_hi)
            .fetch_one(pool)
            .await?;
            (items, total)
        });
        Ok(Page {
            items,
            total,
            page: paging.page,
            page_size: paging.page_size,
        })
    }

    /// One place, if it lies in the scope.
    pub async fn place_in(&self, scope: &Scope, id: i64) -> Result<Option<Place>> {
        let (lo, hi) = scope.bounds();
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Place>(concat!(
                place_select!(),
                "WHERE p.id = $1 AND p.region_path >= $2 AND p.region_path < $3"
            ))
            .bind(id)
            .bind(lo)
            .bind(hi)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// The region path of a place regardless of scope, so a refused read
    /// can be logged with where the place lies. `None` if no such place.
    pub async fn place_path(&self, id: i64) -> Result<Option<String>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_scalar::<_, String>("SELECT region_path FROM places WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row)
    }

    /// Number of places of each kind under the scope.
    pub async fn count_places_by_kind(&self, scope: &Scope) -> Result<Vec<(String, i64)>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT kind, COUNT(*) FROM places WHERE region_path >= $1 AND region_path < $2 GROUP BY kind",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }
}
