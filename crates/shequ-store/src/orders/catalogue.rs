//! The catalogue of categories (Open311 services): names in Chinese and
//! English, group, attributes, service levels and default priority.

use serde::Serialize;

use crate::db::on_db;
use crate::{Result, Store, now_ms};

/// A category as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Category {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub group_zh: String,
    pub group_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub keywords: String,
    pub accept_within_minutes: i64,
    pub resolve_within_minutes: i64,
    pub default_priority: String,
    /// Open311 attribute definitions, a JSON array.
    pub attributes: String,
    pub active: bool,
}

impl Category {
    /// The category's service levels.
    pub fn sla(&self) -> shequ_domain::order::sla::SlaPolicy {
        shequ_domain::order::sla::SlaPolicy {
            accept_within_minutes: u32::try_from(self.accept_within_minutes).unwrap_or(u32::MAX),
            resolve_within_minutes: u32::try_from(self.resolve_within_minutes).unwrap_or(u32::MAX),
        }
    }
}

/// A category to create or update by code.
#[derive(Debug, Clone)]
pub struct NewCategory {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub group_zh: String,
    pub group_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub keywords: String,
    pub accept_within_minutes: u32,
    pub resolve_within_minutes: u32,
    pub default_priority: String,
    pub attributes: String,
    pub active: bool,
}

macro_rules! category_select {
    () => {
        "SELECT id, code, name_zh, name_en, group_zh, group_en, description_zh, description_en, keywords,
         accept_within_minutes, resolve_within_minutes, default_priority, attributes, active FROM categories "
    };
}

impl Store {
    /// Creates or updates categories by code.
    pub async fn upsert_categories(&self, rows: &[NewCategory]) -> Result<()> {
        let now = now_ms();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for c in rows {
                sqlx::query(
                    "INSERT INTO categories (code, name_zh, name_en, group_zh, group_en, description_zh, description_en,
                        keywords, accept_within_minutes, resolve_within_minutes, default_priority, attributes, active,
                        created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
                     ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en,
                        group_zh = excluded.group_zh, group_en = excluded.group_en,
                        description_zh = excluded.description_zh, description_en = excluded.description_en,
                        keywords = excluded.keywords, accept_within_minutes = excluded.accept_within_minutes,
                        resolve_within_minutes = excluded.resolve_within_minutes,
                        default_priority = excluded.default_priority, attributes = excluded.attributes,
                        active = excluded.active, updated_at = excluded.updated_at",
                )
                .bind(&c.code)
                .bind(&c.name_zh)
                .bind(&c.name_en)
                .bind(&c.group_zh)
                .bind(&c.group_en)
                .bind(&c.description_zh)
                .bind(&c.description_en)
                .bind(&c.keywords)
                .bind(i64::from(c.accept_within_minutes))
                .bind(i64::from(c.resolve_within_minutes))
                .bind(&c.default_priority)
                .bind(&c.attributes)
                .bind(c.active)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// All categories, by code.
    pub async fn categories(&self) -> Result<Vec<Category>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Category>(concat!(category_select!(), "ORDER BY code"))
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// One category by code.
    pub async fn category_by_code(&self, code: &str) -> Result<Option<Category>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Category>(concat!(category_select!(), "WHERE code = $1"))
                .bind(code)
                .fetch_optional(pool)
                .await?
        });
        Ok(row)
    }
}
