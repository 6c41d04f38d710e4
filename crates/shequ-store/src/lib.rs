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
pub mod assess;
pub mod bench;
pub mod branches;
mod bulk;
pub mod circle;
pub mod command;
pub mod consult;
pub mod coop;
mod db;
mod installation;
pub mod orders;
pub mod party;
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
    /// A change the domain's rules refuse (a move that would make a
    /// cycle…), with its code and field.
    #[error("{0}")]
    Invalid(shequ_domain::InvalidValue),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// What kept the database from taking a batch, as told to the other
    /// senders of that batch (see [`StoreError::copy_for_another_sender`]).
    #[error("{message}")]
    NotNow {
        why: Unavailability,
        message: String,
    },
}

impl StoreError {
    /// Why the database cannot take this request now, if that is what
    /// failed (as opposed to a bad query or bad data): callers answer 503
    /// with `Retry-After`, and a sender that tries again later loses
    /// nothing, since nothing was committed.
    pub fn unavailable(&self) -> Option<Unavailability> {
        match self {
            StoreError::Unavailable { .. } => Some(Unavailability::Unreachable),
            StoreError::Database(e) => unavailable_cause(e),
            StoreError::NotNow { why, .. } => Some(*why),
            _ => None,
        }
    }

    /// The same failure for another caller whose work shared the failed
    /// transaction (the error itself cannot be cloned): "not now" stays
    /// "not now", so that every sender of a batch may retry, not only the
    /// first.
    pub fn copy_for_another_sender(&self) -> StoreError {
        match self {
            StoreError::NotFound(what) => StoreError::NotFound(what),
            StoreError::Invalid(e) => StoreError::Invalid(e.clone()),
            StoreError::Conflict { field, value } => StoreError::Conflict {
                field,
                value: value.clone(),
            },
            other => match other.unavailable() {
                Some(why) => StoreError::NotNow {
                    why,
                    message: other.to_string(),
                },
                None => StoreError::Corrupt(other.to_string()),
            },
        }
    }

    /// The constraint a write broke, if that is what failed: the input
    /// named something that does not exist (a foreign key), repeated a
    /// unique value, or left out or broke a rule of the table. Callers
    /// answer 4xx; `column` is PostgreSQL's guess from the constraint's
    /// name (SQLite does not name it), so callers that can should check
    /// their references before writing and name the field themselves.
    pub fn constraint_violation(&self) -> Option<ConstraintViolation> {
        let StoreError::Database(sqlx::Error::Database(db)) = self else {
            return None;
        };
        use sqlx::error::ErrorKind;
        let kind = match db.kind() {
            ErrorKind::ForeignKeyViolation => ConstraintKind::ForeignKey,
            ErrorKind::UniqueViolation => ConstraintKind::Unique,
            ErrorKind::NotNullViolation => ConstraintKind::NotNull,
            ErrorKind::CheckViolation => ConstraintKind::Check,
            _ => return None,
        };
        let column = db
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .and_then(|pg| match (pg.column(), pg.constraint(), pg.table()) {
                (Some(column), _, _) => Some(column.to_owned()),
                (None, Some(constraint), Some(table)) => constraint
                    .strip_prefix(table)
                    .and_then(|c| c.strip_prefix('_'))
                    .map(|c| {
                        c.trim_end_matches("_fkey")
                            .trim_end_matches("_key")
                            .trim_end_matches("_check")
                            .to_owned()
                    }),
                _ => None,
            });
        Some(ConstraintViolation { kind, column })
    }

    /// Whether [`StoreError::unavailable`] has a reason.
    pub fn is_unavailable(&self) -> bool {
        self.unavailable().is_some()
    }
}

/// A constraint a write broke; see [`StoreError::constraint_violation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintViolation {
    pub kind: ConstraintKind,
    /// The column, when the database says (PostgreSQL).
    pub column: Option<String>,
}

/// Which kind of constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    /// A reference to a row that does not exist.
    ForeignKey,
    Unique,
    NotNull,
    Check,
}

/// What keeps the database from taking a write or a read for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailability {
    /// No connection: refused, dropped, terminated by the server, or the
    /// storage under the database failing.
    Unreachable,
    /// The disk (or SQLite's page limit) is full.
    Full,
    /// Busy or out of a resource (locks, connections, memory) for a moment.
    Busy,
}

impl Unavailability {
    /// Seconds a sender should wait before trying again.
    pub fn retry_after_secs(self) -> u64 {
        match self {
            Unavailability::Unreachable => 5,
            Unavailability::Full => 30,
            Unavailability::Busy => 1,
        }
    }
}

fn unavailable_cause(e: &sqlx::Error) -> Option<Unavailability> {
    match e {
        sqlx::Error::PoolTimedOut => Some(Unavailability::Busy),
        sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => Some(Unavailability::Unreachable),
        sqlx::Error::Database(db) => {
            if let Some(lite) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                sqlite_unavailable(lite)
            } else if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                postgres_unavailable(pg.code(), pg.message())
            } else {
                None
            }
        }
        _ => None,
    }
}

/// SQLite's primary result codes (the low byte of the extended code) that
/// mean "not now" rather than "not this".
fn sqlite_unavailable(e: &sqlx::sqlite::SqliteError) -> Option<Unavailability> {
    use sqlx::error::DatabaseError;
    let extended: i64 = e.code()?.parse().ok()?;
    match extended & 0xff {
        13 => Some(Unavailability::Full),                 // SQLITE_FULL
        5 | 6 => Some(Unavailability::Busy),              // SQLITE_BUSY, SQLITE_LOCKED
        7 => Some(Unavailability::Busy),                  // SQLITE_NOMEM
        8 | 10 | 14 => Some(Unavailability::Unreachable), // READONLY, IOERR, CANTOPEN
        _ => None,
    }
}

/// PostgreSQL's SQLSTATEs that mean the server cannot serve us now.
fn postgres_unavailable(code: &str, message: &str) -> Option<Unavailability> {
    match code {
        // connection_exception and its subclasses
        c if c.starts_with("08") => Some(Unavailability::Unreachable),
        // admin_shutdown, crash_shutdown, cannot_connect_now
        "57P01" | "57P02" | "57P03" => Some(Unavailability::Unreachable),
        // system_error, io_error; read_only_sql_transaction (a standby
        // after a failover)
        "58000" | "58030" | "25006" => Some(Unavailability::Unreachable),
        "53100" => Some(Unavailability::Full), // disk_full
        // insufficient_resources, out_of_memory, too_many_connections,
        // configuration_limit_exceeded; serialization_failure and
        // deadlock_detected roll the transaction back and ask for a retry
        "53000" | "53200" | "53300" | "53400" | "40001" | "40P01" => Some(Unavailability::Busy),
        // object_not_in_prerequisite_state covers much; only the refusal
        // of `ALTER DATABASE … ALLOW_CONNECTIONS false` is "not now".
        "55000" if message.contains("not currently accepting connections") => {
            Some(Unavailability::Unreachable)
        }
        _ => None,
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
