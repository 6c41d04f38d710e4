//! The 15-minute circle's storage: the walking network as imported, the
//! street's own thresholds, and what the circle reads of the registry —
//! residential buildings with their residents (all, 60+, 80+) and the
//! places that are the circle's facilities. The distances and coverage
//! are the domain's (`shequ_domain::circle`).

use crate::db::on_db;
use crate::{Result, Scope, Store};

/// The latest imported network.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct NetworkRow {
    pub id: i64,
    pub name: String,
    pub geojson: String,
    pub lines: i64,
    pub nodes: i64,
    pub edges: i64,
    pub actor: String,
    pub imported_at: i64,
}

/// A residential building with its residents.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct CircleBuilding {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub region_path: String,
    pub lon: f64,
    pub lat: f64,
    pub residents: i64,
    pub aged_60: i64,
    pub aged_80: i64,
}

/// A place that may be a facility of the circle.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct CirclePlace {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub kind: String,
    pub facility_type: Option<String>,
    pub lon: f64,
    pub lat: f64,
}

impl Store {
    /// Stores an imported network (checked by the caller); its id.
    pub async fn save_circle_network(
        &self,
        name: &str,
        geojson: &str,
        (lines, nodes, edges): (i64, i64, i64),
        actor: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(on_db!(self, write, |pool| {
            sqlx::query_scalar(
                "INSERT INTO circle_networks (name, geojson, lines, nodes, edges, actor, imported_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(name)
            .bind(geojson)
            .bind(lines)
            .bind(nodes)
            .bind(edges)
            .bind(actor)
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    /// The extent of every place: (west, south, east, north), `None` with
    /// no places.
    pub async fn places_extent(&self) -> Result<Option<(f64, f64, f64, f64)>> {
        let row: (Option<f64>, Option<f64>, Option<f64>, Option<f64>) =
            on_db!(self, read, |pool| {
                sqlx::query_as("SELECT MIN(lon), MIN(lat), MAX(lon), MAX(lat) FROM places")
                    .fetch_one(pool)
                    .await?
            });
        Ok(match row {
            (Some(w), Some(s), Some(e), Some(n)) => Some((w, s, e, n)),
            _ => None,
        })
    }

    /// The latest network, if one was imported.
    pub async fn circle_network(&self) -> Result<Option<NetworkRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, NetworkRow>(
                "SELECT id, name, geojson, lines, nodes, edges, actor, imported_at
                 FROM circle_networks ORDER BY id DESC LIMIT 1",
            )
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The latest network's id and when it was imported, without its text.
    pub async fn circle_network_id(&self) -> Result<Option<i64>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT MAX(id) FROM circle_networks")
                .fetch_one(pool)
                .await?
        }))
    }

    /// The thresholds the street set, by type.
    pub async fn circle_thresholds(&self) -> Result<Vec<(String, i64)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT type, metres FROM circle_thresholds ORDER BY type")
                .fetch_all(pool)
                .await?
        }))
    }

    /// Sets a type's threshold.
    pub async fn set_circle_threshold(
        &self,
        kind: &str,
        metres: i64,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO circle_thresholds (type, metres, actor, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (type) DO UPDATE SET metres = excluded.metres, actor = excluded.actor,
                    updated_at = excluded.updated_at",
            )
            .bind(kind)
            .bind(metres)
            .bind(actor)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The residential buildings of the scope with how many live in each,
    /// and how many of them were born on or before `born_60` (60 and over
    /// on the day asked) and `born_80`, as `YYYY-MM-DD`.
    pub async fn circle_buildings(
        &self,
        scope: &Scope,
        (born_60, born_80): (&str, &str),
    ) -> Result<Vec<CircleBuilding>> {
        let (lo, hi) = scope.bounds();
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, CircleBuilding>(
                "SELECT p.id, p.name, p.address, p.region_path, p.lon, p.lat,
                    COUNT(r.id) AS residents,
                    COALESCE(SUM(CASE WHEN r.birth_date <= $3 THEN 1 ELSE 0 END), 0) AS aged_60,
                    COALESCE(SUM(CASE WHEN r.birth_date <= $4 THEN 1 ELSE 0 END), 0) AS aged_80
                 FROM places p
                 LEFT JOIN households h ON h.building_id = p.id
                 LEFT JOIN people r ON r.household_id = h.id
                 WHERE p.kind = 'residential_building' AND p.region_path >= $1 AND p.region_path < $2
                 GROUP BY p.id, p.name, p.address, p.region_path, p.lon, p.lat
                 ORDER BY p.id",
            )
            .bind(lo)
            .bind(hi)
            .bind(born_60)
            .bind(born_80)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The places of the scope that have a facility type, and its markets.
    pub async fn circle_places(&self, scope: &Scope) -> Result<Vec<CirclePlace>> {
        let (lo, hi) = scope.bounds();
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as::<_, CirclePlace>(
                "SELECT id, name, address, kind, facility_type, lon, lat FROM places
                 WHERE (facility_type IS NOT NULL OR kind = 'market')
                   AND region_path >= $1 AND region_path < $2
                 ORDER BY id",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
        }))
    }
}
