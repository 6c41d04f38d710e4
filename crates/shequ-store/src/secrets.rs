//! Server secrets kept in the database: made once, shared by every server
//! instance on it.

use crate::db::on_db;
use crate::{Result, Store, now_ms};

impl Store {
    /// The secret called `name`. The first caller's `fresh` value is kept;
    /// every later caller (another instance, a restart) gets that one back,
    /// so two servers starting at once still agree.
    pub async fn server_secret(&self, name: &str, fresh: &str) -> Result<String> {
        // Read first: the secret is stored once and then read on every
        // signed link opened, which should not take the write connection.
        let stored: Option<String> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await?
        });
        if let Some(value) = stored {
            return Ok(value);
        }
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
