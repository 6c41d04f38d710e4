//! What names this installation: one row made by its first server.

use crate::db::on_db;
use crate::{Result, Store};

impl Store {
    /// This installation's key: `candidate` if none was kept yet (it is
    /// kept now), else the one kept before. The same on every later call
    /// and restart, from any server on this database.
    pub async fn installation_key(&self, candidate: &str, now: i64) -> Result<String> {
        let key = on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO installation (id, key, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
            )
            .bind(candidate)
            .bind(now)
            .execute(pool)
            .await?;
            sqlx::query_scalar::<_, String>("SELECT key FROM installation WHERE id = 1")
                .fetch_one(pool)
                .await?
        });
        Ok(key)
    }
}
