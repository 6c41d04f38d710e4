//! Server secrets kept in the database: made once, shared by every server
//! instance on it.

use crate::db::on_db;
use crate::{Result, Store, now_ms};

impl Store {
    /// The secret called `name`. The first caller's `fresh` value is kept;
    /// every later caller (another instance, a restart) gets that one back,
    /// so two servers starting at once still agree.
    pub async fn server_secret(&self, name: &str, fresh: &str) -> Result<String> {
        let value = on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(fresh)
            .bind(now_ms())
            .execute(pool)
            .await?;
            sqlx::query_scalar::<_, String>("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await?
        });
        Ok(value)
    }
}
