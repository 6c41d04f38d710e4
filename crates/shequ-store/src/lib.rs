//! The one storage layer of shequ. Every query is written once, in SQL both
//! SQLite and PostgreSQL accept, and run against whichever database the
//! [`Store`] was opened on. The few places that differ (bulk upserts) are
//! named functions with one statement per engine.
//!
//! Data scope is enforced here, not in the handlers: every method that reads
//! people or places takes a [`Scope`] and turns it into a range predicate on
//! the materialised region path.

pub mod access_log;
pub mod accounts;
pub mod alerts;
pub mod bench;
mod bulk;
pub mod command;
mod db;
pub mod orders;
pub mod people;
pub mod places;
pub mod regions;
mod secrets;
pub mod sensing;

pub use db::{Backend, Store, redact_url};

use shequ_domain::RegionPath;

/// Errors from the store. Callers map `NotFound` and `Conflict` to user
/// errors; everything else is an internal failure to log once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened at all.
    #[error("cannot open the database at {url}")]
    Unavailable {
        /// The URL with any password removed.
        url: String,
        #[source]
        source: sqlx::Error,
    },
    /// The URL names a database shequ does not support.
    #[error("unsupported database URL {0}; use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A unique key is already taken.
    #[error("{field} {value:?} already exists")]
    Conflict { field: &'static str, value: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether the database is unreachable (as opposed to a bad query or
    /// bad data): callers answer 503 and try again later.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Unavailable { .. }
                | StoreError::Database(
                    sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed
                )
        )
    }
}

/// Result alias for store calls.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The part of the region tree a caller may see: a half-open range of
/// materialised paths, `[lo, hi)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    lo: String,
    hi: String,
}

impl Scope {
    /// Everything under (and including) the region at `path`.
    pub fn under(path: &RegionPath) -> Self {
        Self {
            lo: path.as_str().to_owned(),
            hi: path.subtree_end(),
        }
    }

    /// The whole database; for the CLI acting as the operator of the
    /// installation, never for a logged-in user.
    pub fn everything() -> Self {
        // Every path starts with '/', and '0' is the byte after '/'.
        Self {
            lo: "/".to_owned(),
            hi: "0".to_owned(),
        }
    }

    /// Whether a stored path lies inside this scope.
    pub fn contains(&self, path: &str) -> bool {
        path >= self.lo.as_str() && path < self.hi.as_str()
    }

    /// The narrower of this scope and the subtree at `path`, or `None`
    /// when the subtree lies outside this scope.
    pub fn narrow_to(&self, path: &RegionPath) -> Option<Scope> {
        if self.contains(path.as_str()) {
            Some(Scope::under(path))
        } else if path.as_str() <= self.lo.as_str()
            && self.hi.as_str() <= path.subtree_end().as_str()
        {
            // The requested region contains our whole scope: keep ours.
            Some(self.clone())
        } else {
            None
        }
    }

    /// The path of the region at the top of the scope (`/` for everything).
    pub fn root_path(&self) -> &str {
        &self.lo
    }

    pub(crate) fn bounds(&self) -> (&str, &str) {
        (&self.lo, &self.hi)
    }
}

/// One page of a listing and the total number of matches.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// Paging parameters, already clamped to sane bounds.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: u32,
    pub page_size: u32,
}

impl Paging {
    pub const MAX_PAGE_SIZE: u32 = 500;

    /// Page numbers start at 1; the size is clamped to 1..=500.
    pub fn new(page: Option<u32>, page_size: Option<u32>) -> Self {
        Self {
            page: page.unwrap_or(1).max(1),
            page_size: page_size.unwrap_or(50).clamp(1, Self::MAX_PAGE_SIZE),
        }
    }

    pub(crate) fn limit(self) -> i64 {
        i64::from(self.page_size)
    }

    pub(crate) fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.page_size)
    }
}

/// The upper bound for a prefix range: every string that starts with
/// `prefix` sorts in `[prefix, prefix_end(prefix))` under byte order.
pub(crate) fn prefix_end(prefix: &str) -> String {
    let mut end = prefix.to_owned();
    end.push(char::MAX);
    end
}

/// Milliseconds since the Unix epoch, the unit of every stored time.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Counts from an upsert: how many rows were new, changed or identical.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct UpsertCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl std::ops::AddAssign for UpsertCounts {
    fn add_assign(&mut self, o: Self) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}
