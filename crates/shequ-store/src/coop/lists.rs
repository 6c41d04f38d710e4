//! The needs list (需求清单) and the resources list (资源清单).

use chrono::Datelike;
use shequ_domain::coop::{
    Capacity, CapacityUnit, Category, RatingTally, ResourceView, Urgency, Window,
};

use super::{parse_windows, windows_json};
use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// A need to raise or update, keyed by its code.
#[derive(Debug, Clone)]
pub struct NewNeed<'a> {
    pub code: &'a str,
    pub title: &'a str,
    pub category: Category,
    pub place_id: i64,
    /// Who raised it: a neighbourhood, a resident or an organisation, by
    /// name.
    pub raised_by: &'a str,
    pub beneficiaries: &'a str,
    pub beneficiary_count: u32,
    /// How much is wanted, in the unit of the resources that would meet
    /// it; 0 when not said.
    pub wanted: u32,
    pub window: Window,
    pub urgency: Urgency,
    pub detail: &'a str,
    /// Work orders it was raised from; added to those already linked.
    pub order_ids: &'a [i64],
}

/// A need as listed, with where it is and its projects.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NeedRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub category: String,
    pub place_id: i64,
    pub place_code: String,
    pub place_name: String,
    pub lon: f64,
    pub lat: f64,
    pub region_path: String,
    pub region_name: String,
    /// The neighbourhood (居民区) it is in, when it is in one.
    pub neighbourhood: Option<String>,
    pub raised_by: String,
    pub beneficiaries: String,
    pub beneficiary_count: i64,
    pub wanted: i64,
    pub starts_on: String,
    pub ends_on: String,
    pub year: i64,
    pub urgency: String,
    pub detail: String,
    /// Projects meeting it that are not dropped.
    pub projects: i64,
    /// Work orders it was raised from.
    pub orders: i64,
    pub updated_at: i64,
}

impl NeedRow {
    /// Its window, as stored (checked when written).
    pub fn window(&self) -> Result<Window> {
        let corrupt = |e: String| StoreError::Corrupt(format!("need {} window: {e}", self.id));
        let a = self
            .starts_on
            .parse()
            .map_err(|e: chrono::ParseError| corrupt(e.to_string()))?;
        let b = self
            .ends_on
            .parse()
            .map_err(|e: chrono::ParseError| corrupt(e.to_string()))?;
        Window::new(a, b).map_err(|e| corrupt(e.to_string()))
    }

    pub fn category(&self) -> Result<Category> {
        Category::parse(&self.category).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

const NEED_SELECT: &str = "SELECT n.id, n.code, n.title, n.category, n.place_id, p.code AS place_code,
        p.name AS place_name, p.lon, p.lat, n.region_path, g.name AS region_name,
        (SELECT h.name FROM regions h WHERE h.kind = 'neighbourhood'
           AND substr(n.region_path, 1, length(h.path)) = h.path) AS neighbourhood, n.raised_by,
        n.beneficiaries, n.beneficiary_count, n.wanted, n.starts_on, n.ends_on, n.year, n.urgency,
        n.detail,
        (SELECT COUNT(*) FROM coop_projects j WHERE j.need_id = n.id AND j.status <> 'dropped') AS projects,
        (SELECT COUNT(*) FROM coop_need_orders o WHERE o.need_id = n.id) AS orders,
        n.updated_at
     FROM coop_needs n
     JOIN places p ON p.id = n.place_id
     JOIN regions g ON g.id = n.region_id";

/// A resource to offer or update, keyed by its code.
#[derive(Debug, Clone)]
pub struct NewResource<'a> {
    pub code: &'a str,
    pub title: &'a str,
    pub category: Category,
    pub unit_id: i64,
    pub capacity: Capacity,
    /// When it is available; none: at any time.
    pub windows: &'a [Window],
    pub detail: &'a str,
}

/// A resource as listed, with its unit and what is taken of it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ResourceRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub category: String,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub region_path: String,
    pub lon: f64,
    pub lat: f64,
    pub capacity: i64,
    pub capacity_unit: String,
    /// JSON `[[start, end], …]`; see [`ResourceRow::windows`].
    #[serde(skip)]
    pub windows: String,
    pub detail: String,
    /// Taken by projects not yet done or dropped.
    pub committed: i64,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub updated_at: i64,
}

impl ResourceRow {
    pub fn windows(&self) -> Result<Vec<Window>> {
        parse_windows(self.id, &self.windows)
    }

    /// What is left of its capacity.
    pub fn remaining(&self) -> i64 {
        (self.capacity - self.committed).max(0)
    }

    /// As the matcher sees it.
    pub fn view(&self) -> Result<ResourceView> {
        let corrupt = |e: shequ_domain::InvalidValue| {
            StoreError::Corrupt(format!("resource {}: {e}", self.id))
        };
        let category = Category::parse(&self.category).map_err(corrupt)?;
        let unit = CapacityUnit::parse(&self.capacity_unit).map_err(corrupt)?;
        let capacity =
            Capacity::new(u32::try_from(self.capacity).unwrap_or(0), unit).map_err(corrupt)?;
        Ok(ResourceView {
            id: self.id,
            category,
            lon: self.lon,
            lat: self.lat,
            capacity,
            committed: u32::try_from(self.committed).unwrap_or(u32::MAX),
            windows: self.windows()?,
            ratings: RatingTally {
                sum: u32::try_from(self.rating_sum).unwrap_or(0),
                count: u32::try_from(self.rating_count).unwrap_or(0),
            },
        })
    }
}

const RESOURCE_SELECT: &str =
    "SELECT r.id, r.code, r.title, r.category, r.unit_id, u.code AS unit_code,
        u.name AS unit_name, u.region_path, p.lon, p.lat, r.capacity, r.capacity_unit, r.windows,
        r.detail, r.committed, r.rating_sum, r.rating_count, r.updated_at
     FROM coop_resources r
     JOIN coop_units u ON u.id = r.unit_id
     JOIN places p ON p.id = u.place_id";

impl Store {
    /// Raises need `need.code`, or updates it when the code is taken;
    /// links its work orders (an order already linked stays linked).
    /// Returns its id and whether it was new.
    pub async fn upsert_need(
        &self,
        need: &NewNeed<'_>,
        actor: &str,
        now: i64,
    ) -> Result<(i64, bool)> {
        let year = i64::from(need.window.start().year());
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let region: Option<(i64, String)> =
                sqlx::query_as("SELECT region_id, region_path FROM places WHERE id = $1")
                    .bind(need.place_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let (region_id, region_path) = region.ok_or(StoreError::NotFound("place"))?;
            for order in need.order_ids {
                let known: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM work_orders WHERE id = $1")
                        .bind(order)
                        .fetch_optional(&mut *tx)
                        .await?;
                known.ok_or(StoreError::NotFound("order"))?;
            }
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM coop_needs WHERE code = $1")
                    .bind(need.code)
                    .fetch_optional(&mut *tx)
                    .await?;
            let (id, created) = match existing {
                Some(id) => {
                    sqlx::query(
                        "UPDATE coop_needs SET title = $2, category = $3, place_id = $4, region_id = $5,
                            region_path = $6, raised_by = $7, beneficiaries = $8, beneficiary_count = $9,
                            wanted = $10, starts_on = $11, ends_on = $12, year = $13, urgency = $14,
                            detail = $15, actor = $16, updated_at = $17
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(need.title)
                    .bind(need.category.as_str())
                    .bind(need.place_id)
                    .bind(region_id)
                    .bind(&region_path)
                    .bind(need.raised_by)
                    .bind(need.beneficiaries)
                    .bind(i64::from(need.beneficiary_count))
                    .bind(i64::from(need.wanted))
                    .bind(need.window.start().to_string())
                    .bind(need.window.end().to_string())
                    .bind(year)
                    .bind(need.urgency.as_str())
                    .bind(need.detail)
                    .bind(actor)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    (id, false)
                }
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO coop_needs (code, title, category, place_id, region_id, region_path,
                            raised_by, beneficiaries, beneficiary_count, wanted, starts_on, ends_on, year,
                            urgency, detail, actor, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
                         RETURNING id",
                    )
                    .bind(need.code)
                    .bind(need.title)
                    .bind(need.category.as_str())
                    .bind(need.place_id)
                    .bind(region_id)
                    .bind(&region_path)
                    .bind(need.raised_by)
                    .bind(need.beneficiaries)
                    .bind(i64::from(need.beneficiary_count))
                    .bind(i64::from(need.wanted))
                    .bind(need.window.start().to_string())
                    .bind(need.window.end().to_string())
                    .bind(year)
                    .bind(need.urgency.as_str())
                    .bind(need.detail)
                    .bind(actor)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    (id, true)
                }
            };
            for order in need.order_ids {
                sqlx::query(
                    "INSERT INTO coop_need_orders (need_id, order_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(order)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            (id, created)
        }))
    }

    /// The needs of `year` in `scope`, most urgent first, then by code.
    pub async fn needs_in(&self, scope: &Scope, year: i32) -> Result<Vec<NeedRow>> {
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "{NEED_SELECT} WHERE n.year = $1 AND n.region_path >= $2 AND n.region_path < $3
             ORDER BY CASE n.urgency WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,
                      n.code"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(i64::from(year))
                .bind(lo)
                .bind(hi)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Need `id`, wherever it is.
    pub async fn need(&self, id: i64) -> Result<Option<NeedRow>> {
        let sql = format!("{NEED_SELECT} WHERE n.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The need with `code`, wherever it is.
    pub async fn need_by_code(&self, code: &str) -> Result<Option<NeedRow>> {
        let sql = format!("{NEED_SELECT} WHERE n.code = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(code)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The work orders need `id` was raised from, ascending.
    pub async fn need_order_ids(&self, id: i64) -> Result<Vec<i64>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT order_id FROM coop_need_orders WHERE need_id = $1 ORDER BY order_id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Every work order some need was raised from.
    pub async fn orders_linked_to_needs(&self) -> Result<std::collections::HashSet<i64>> {
        let ids: Vec<i64> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT order_id FROM coop_need_orders")
                .fetch_all(pool)
                .await?
        });
        Ok(ids.into_iter().collect())
    }

    /// Offers resource `resource.code`, or updates it when the code is
    /// taken (what projects committed of it stays). Returns its id and
    /// whether it was new.
    pub async fn upsert_resource(
        &self,
        resource: &NewResource<'_>,
        actor: &str,
        now: i64,
    ) -> Result<(i64, bool)> {
        let windows = windows_json(resource.windows);
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let unit: Option<i64> = sqlx::query_scalar("SELECT id FROM coop_units WHERE id = $1")
                .bind(resource.unit_id)
                .fetch_optional(&mut *tx)
                .await?;
            unit.ok_or(StoreError::NotFound("coop unit"))?;
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM coop_resources WHERE code = $1")
                    .bind(resource.code)
                    .fetch_optional(&mut *tx)
                    .await?;
            let out = match existing {
                Some(id) => {
                    sqlx::query(
                        "UPDATE coop_resources SET title = $2, category = $3, unit_id = $4, capacity = $5,
                            capacity_unit = $6, windows = $7, detail = $8, actor = $9, updated_at = $10
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(resource.title)
                    .bind(resource.category.as_str())
                    .bind(resource.unit_id)
                    .bind(i64::from(resource.capacity.amount))
                    .bind(resource.capacity.unit.as_str())
                    .bind(&windows)
                    .bind(resource.detail)
                    .bind(actor)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    (id, false)
                }
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO coop_resources (code, title, category, unit_id, capacity, capacity_unit,
                            windows, detail, actor, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                    )
                    .bind(resource.code)
                    .bind(resource.title)
                    .bind(resource.category.as_str())
                    .bind(resource.unit_id)
                    .bind(i64::from(resource.capacity.amount))
                    .bind(resource.capacity.unit.as_str())
                    .bind(&windows)
                    .bind(resource.detail)
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

    /// The resources of the units in `scope`, by category then code.
    pub async fn resources_in(&self, scope: &Scope) -> Result<Vec<ResourceRow>> {
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "{RESOURCE_SELECT} WHERE u.region_path >= $1 AND u.region_path < $2
             ORDER BY r.category, r.code"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(lo)
                .bind(hi)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The resources of unit `unit_id`, by code.
    pub async fn resources_of_unit(&self, unit_id: i64) -> Result<Vec<ResourceRow>> {
        let sql = format!("{RESOURCE_SELECT} WHERE r.unit_id = $1 ORDER BY r.code");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(unit_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Resource `id`, wherever it is.
    pub async fn resource(&self, id: i64) -> Result<Option<ResourceRow>> {
        let sql = format!("{RESOURCE_SELECT} WHERE r.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The resource with `code`, wherever it is.
    pub async fn resource_by_code(&self, code: &str) -> Result<Option<ResourceRow>> {
        let sql = format!("{RESOURCE_SELECT} WHERE r.code = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(code)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Every resource of `category`, by id: what a need of that category
    /// is matched against. The whole street's units offer to every
    /// neighbourhood, so this is not scoped.
    pub async fn resources_of_category(&self, category: Category) -> Result<Vec<ResourceRow>> {
        let sql = format!("{RESOURCE_SELECT} WHERE r.category = $1 ORDER BY r.id");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(category.as_str())
                .fetch_all(pool)
                .await?
        }))
    }

    /// [`Store::resources_of_category`] as the matcher reads them.
    pub async fn resource_views(&self, category: Category) -> Result<Vec<ResourceView>> {
        self.resources_of_category(category)
            .await?
            .iter()
            .map(ResourceRow::view)
            .collect()
    }
}
