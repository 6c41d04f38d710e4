//! The access log: every unmasked read of personal data, and every refused
//! attempt to read outside one's scope, with who, whom, when and why.
//! Rows are only ever appended.

use serde::Serialize;

use crate::db::on_db;
use crate::{Page, Paging, Result, Scope, Store};

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessAction {
    /// Personal fields were shown in full.
    Reveal,
    /// A read outside the caller's scope or rights was refused.
    Denied,
    /// Records about named people were viewed (alerts of a targeted rule).
    View,
    /// Records about a named person left the system in a file (the
    /// democratic evaluation's XLSX), with the reason given.
    Export,
}

impl AccessAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessAction::Reveal => "reveal",
            AccessAction::Denied => "denied",
            AccessAction::View => "view",
            AccessAction::Export => "export",
        }
    }
}

/// One entry to append.
#[derive(Debug, Clone)]
pub struct NewAccess {
    pub actor_user_id: Option<i64>,
    pub actor_username: String,
    pub action: AccessAction,
    /// `person`, `region`, `household`, `place`…
    pub subject_kind: &'static str,
    pub subject_id: String,
    /// Where the subject lives, so auditors of a region see its entries.
    pub subject_path: Option<String>,
    /// Comma-separated revealed fields.
    pub fields: String,
    pub reason: String,
    pub remote_addr: Option<String>,
}

/// A stored entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Access {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_username: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub subject_path: Option<String>,
    pub fields: String,
    pub reason: String,
    pub remote_addr: Option<String>,
}

impl Store {
    /// Appends one entry.
    pub async fn log_access(&self, entry: &NewAccess) -> Result<()> {
        let now = crate::now_ms();
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO access_log (at, actor_user_id, actor_username, action, subject_kind,
                                         subject_id, subject_path, fields, reason, remote_addr)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(now)
            .bind(entry.actor_user_id)
            .bind(&entry.actor_username)
            .bind(entry.action.as_str())
            .bind(entry.subject_kind)
            .bind(&entry.subject_id)
            .bind(&entry.subject_path)
            .bind(&entry.fields)
            .bind(&entry.reason)
            .bind(&entry.remote_addr)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Entries about subjects under the scope, newest first. Entries whose
    /// subject has no known place are shown only to whole-installation
    /// scopes.
    pub async fn access_log_in(&self, scope: &Scope, paging: Paging) -> Result<Page<Access>> {
        let (lo, hi) = scope.bounds();
        let (items, total) = on_db!(self, read, |pool| {
            let items = sqlx::query_as::<_, Access>(
                "SELECT id, at, actor_user_id, actor_username, action, subject_kind, subject_id,
                        subject_path, fields, reason, remote_addr
                 FROM access_log WHERE subject_path >= $1 AND subject_path < $2
                 ORDER BY id DESC LIMIT $3 OFFSET $4",
            )
            .bind(lo)
            .bind(hi)
            .bind(paging.limit())
            .bind(paging.offset())
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM access_log WHERE subject_path >= $1 AND subject_path < $2",
            )
            .bind(lo)
            .bind(hi)
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
}
