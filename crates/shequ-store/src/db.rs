//! Opening either database, migrating it, and the `on_db!` macro that runs
//! one piece of query code against whichever engine is open.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::{Result, StoreError};

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite allows one writer at a time; giving writes their own one-connection
/// pool queues them in the application instead of failing with SQLITE_BUSY,
/// while reads run in parallel on the WAL snapshot.
#[derive(Debug, Clone)]
pub(crate) struct SqlitePools {
    pub(crate) write: SqlitePool,
    pub(crate) read: SqlitePool,
    /// A page limit every write connection applies as it opens (0: none);
    /// only tests set it, to play a full disk (see
    /// `Store::cap_sqlite_pages_for_tests`).
    #[cfg_attr(
        not(feature = "test-support"),
        expect(dead_code, reason = "only tests change the limit")
    )]
    page_cap: Arc<AtomicU64>,
}

#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePools),
    Postgres(PgPool),
}

/// A handle on the database. Cheap to clone; all clones share the pools.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) db: Db,
}

/// Runs `$body` with `$pool` bound to the pool of the open engine. The body
/// is compiled once per engine, so the same query text and bindings serve
/// both. `read` picks SQLite's reader pool, `write` its single writer.
macro_rules! on_db {
    ($store:expr, read, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::db::Db::Sqlite(pools) => {
                let $pool = &pools.read;
                $body
            }
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
    ($store:expr, write, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::db::Db::Sqlite(pools) => {
                let $pool = &pools.write;
                $body
            }
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_db;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Removes the password from a database URL so it can be shown and logged.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            // set_password only fails for URLs that cannot have one.
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

impl Store {
    /// Opens `sqlite://PATH` (created if missing) or `postgres://…`.
    /// Does not migrate; call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::Unavailable {
                url: redact_url(url),
                source: e,
            })?;
            Self::connect_postgres_with(url, opts).await
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    /// Opens PostgreSQL with `search_path` set to `schema`, creating the
    /// schema if needed. Tests use this to give each test its own schema.
    pub async fn connect_postgres_schema(url: &str, schema: &str) -> Result<Store> {
        let opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::Unavailable {
            url: redact_url(url),
            source: e,
        })?;
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts.clone())
            .await
            .map_err(|e| StoreError::Unavailable {
                url: redact_url(url),
                source: e,
            })?;
        if !schema
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(StoreError::Corrupt(format!("bad schema name {schema:?}")));
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS {schema}"
        )))
        .execute(&admin)
        .await?;
        admin.close().await;
        Self::connect_postgres_with(url, opts.options([("search_path", schema)])).await
    }

    /// Drops a schema made by [`Store::connect_postgres_schema`] (tests).
    pub async fn drop_postgres_schema(url: &str, schema: &str) -> Result<()> {
        if !schema
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(StoreError::Corrupt(format!("bad schema name {schema:?}")));
        }
        let store = Self::connect(url).await?;
        if let Db::Postgres(pool) = &store.db {
            let mut conn = pool.acquire().await?;
            // The schema's own pool may still hold a connection idle in a
            // transaction (sqlx sends a dropped transaction's ROLLBACK only
            // when the connection is next used), and its locks would make
            // DROP wait for ever: wait a little, then end the sessions that
            // hold locks in the schema, and try again.
            sqlx::query("SET lock_timeout = '2s'")
                .execute(&mut *conn)
                .await?;
            let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
            let mut attempt = 0;
            loop {
                match sqlx::query(sqlx::AssertSqlSafe(drop.as_str()))
                    .execute(&mut *conn)
                    .await
                {
                    Ok(_) => break,
                    Err(e) if attempt < 5 => {
                        attempt += 1;
                        tracing::debug!(schema, error = %e, "test schema busy; ending its sessions");
                        sqlx::query(
                            "SELECT pg_terminate_backend(l.pid) FROM pg_locks l
                             JOIN pg_class c ON c.oid = l.relation
                             JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname = $1 AND l.pid <> pg_backend_pid()",
                        )
                        .bind(schema)
                        .execute(&mut *conn)
                        .await?;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        store.close().await;
        Ok(())
    }

    async fn connect_postgres_with(url: &str, opts: PgConnectOptions) -> Result<Store> {
        // One direct connection first: a pool retries until its timeout and
        // then reports only "timed out", hiding "connection refused" or
        // "password authentication failed" from the operator.
        use sqlx::Connection;
        let probe =
            sqlx::PgConnection::connect_with(&opts)
                .await
                .map_err(|e| StoreError::Unavailable {
                    url: redact_url(url),
                    source: e,
                })?;
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Unavailable {
                url: redact_url(url),
                source: e,
            })?;
        Ok(Store {
            db: Db::Postgres(pool),
        })
    }

    async fn connect_sqlite(url: &str) -> Result<Store> {
        let unavailable = |e| StoreError::Unavailable {
            url: url.to_owned(),
            source: e,
        };
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(unavailable)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 64 MiB of page cache per connection keeps a street's indexes hot.
            .pragma("cache_size", "-65536")
            // In WAL mode a reader drops its page cache whenever another
            // connection has committed; memory-mapped reads make the refill
            // a memory access instead of a read() per page.
            .pragma("mmap_size", "1073741824")
            .pragma("temp_store", "memory");
        // The WAL is copied into the database file by a task of its own
        // (`checkpoints`), not by the writer: a checkpoint of a large
        // database writes thousands of scattered pages and syncs, and done
        // by the committing writer it stalled every order and event behind
        // it for a tenth of a second or more. The writer checkpoints only
        // if that task falls ~400 MiB behind.
        let page_cap = Arc::new(AtomicU64::new(0));
        let cap = page_cap.clone();
        let write = sqlite_pool(1)
            .min_connections(1)
            .after_connect(move |conn, _| {
                let cap = cap.load(Ordering::Relaxed);
                Box::pin(async move {
                    if cap > 0 {
                        set_max_page_count(conn, cap).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts.clone().pragma("wal_autocheckpoint", "100000"))
            .await
            .map_err(unavailable)?;
        let checkpointer = sqlite_pool(1)
            .connect_with(opts.clone())
            .await
            .map_err(unavailable)?;
        tokio::spawn(checkpoints(checkpointer, write.clone()));
        let read = sqlite_pool(8)
            .connect_with(opts)
            .await
            .map_err(unavailable)?;
        Ok(Store {
            db: Db::Sqlite(SqlitePools {
                write,
                read,
                page_cap,
            }),
        })
    }

    /// Applies pending migrations of the open engine.
    pub async fn migrate(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(&p.write).await?,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// Opens and migrates in one step.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// The engine this store runs on.
    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Settles the database after a bulk load, so that what follows starts
    /// from the state a running server keeps it in: on SQLite the whole
    /// WAL is copied into the database file and emptied (waiting for
    /// readers if it must); on PostgreSQL the tables are vacuumed and the
    /// planner's statistics refreshed, as autovacuum would do later. Until
    /// then a freshly loaded table is planned as if it were empty, and the
    /// first read of each row also marks it committed (a write), which made
    /// the first query over each week of a loaded history ten times slower
    /// than the next.
    pub async fn settle_after_bulk_load(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite(p) => {
                sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)")
                    .fetch_one(&p.write)
                    .await?;
            }
            Db::Postgres(p) => {
                // Only this store's schema: a bare VACUUM would walk every
                // schema of the database.
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()",
                )
                .fetch_all(p)
                .await?;
                if !tables.is_empty() {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "VACUUM (ANALYZE) {}",
                        tables.join(", ")
                    )))
                    .execute(p)
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// Answers when the database does; used by `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        on_db!(self, read, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Runs a statement with one id parameter behind the store's back, so
    /// tests can play the insider who edits the database by hand.
    #[cfg(feature = "test-support")]
    #[doc(hidden)]
    pub async fn tamper_for_tests(&self, sql: &'static str, id: i64) -> Result<u64> {
        let n = on_db!(self, write, |pool| {
            sqlx::query(sql)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    /// Plays a full disk on SQLite: the database may not grow past its
    /// present size (`Some(0)`), or past `pages` pages, until called again
    /// with `None`. Every write connection applies the limit, also one the
    /// pool opens later. Does nothing on PostgreSQL.
    #[cfg(feature = "test-support")]
    #[doc(hidden)]
    pub async fn cap_sqlite_pages_for_tests(&self, pages: Option<u64>) -> Result<()> {
        if let Db::Sqlite(p) = &self.db {
            // SQLite never sets the limit below the pages in use, so 1
            // means "as it is now".
            let cap = pages.unwrap_or(0).max(1);
            p.page_cap
                .store(if pages.is_some() { cap } else { 0 }, Ordering::Relaxed);
            let mut conn = p.write.acquire().await?;
            set_max_page_count(
                &mut conn,
                if pages.is_some() {
                    cap
                } else {
                    u64::from(u32::MAX) - 1
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Closes all connections, flushing SQLite's WAL.
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite(p) => {
                p.read.close().await;
                p.write.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// Options shared by the SQLite pools. They skip sqlx's ping before
/// handing out a connection: an embedded database cannot hang up, and the
/// ping is a round trip to the connection's thread that doubled the cost
/// of a short read and added a wake-up to every order batch. Nor are
/// connections recycled after 10 idle or 30 open minutes, sqlx's defaults
/// for servers that may drop them: each holds a warm page cache.
///
/// A connection coming back is checked by [`transaction_state_is_sound`]
/// and closed if it fails (the pool opens a fresh one), so that one failed
/// transaction cannot leave the writer inside a transaction that never
/// commits.
fn sqlite_pool(max_connections: u32) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .test_before_acquire(false)
        .idle_timeout(None)
        .max_lifetime(None)
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(30))
        .after_release(|conn, _| {
            Box::pin(async move { Ok(transaction_state_is_sound(conn).await) })
        })
}

/// Whether a SQLite connection left a transaction the way sqlx thinks it
/// did. On a full disk (SQLITE_FULL), an I/O error or a lack of memory,
/// SQLite may roll the whole transaction back by itself; the `ROLLBACK`
/// sqlx then sends fails with "no transaction is active", and sqlx keeps
/// counting the connection as one level deep. Its next `begin` became a
/// `SAVEPOINT` and its next commit a `RELEASE`; after one more failure a
/// `ROLLBACK TO` left SQLite inside a transaction that no later commit
/// ended: every write after that was answered as committed, held the
/// write lock, and was lost (seen with the database on a full tmpfs:
/// 3,126,600 door events acknowledged, 29,400 stored). A connection that
/// still counts a transaction once its pending rollback has run is not
/// trusted again; closing it makes SQLite roll back whatever it holds.
///
/// Costs nothing on the happy path: a committed or rolled-back transaction
/// leaves the count at zero and no statement is sent.
pub(crate) async fn transaction_state_is_sound(conn: &mut sqlx::SqliteConnection) -> bool {
    use sqlx::Connection;
    if !conn.is_in_transaction() {
        return true;
    }
    // A transaction dropped without commit queued its rollback; a round
    // trip behind it lets it run before the count is read again.
    if sqlx::query("SELECT 1").execute(&mut *conn).await.is_err() {
        return false;
    }
    let sound = !conn.is_in_transaction();
    if !sound {
        tracing::warn!(
            "a SQLite connection was left inside a failed transaction; closing it so the next write starts afresh"
        );
    }
    sound
}

/// Sets SQLite's `max_page_count` on one connection.
async fn set_max_page_count(conn: &mut sqlx::SqliteConnection, pages: u64) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "PRAGMA max_page_count = {pages}"
    )))
    .execute(conn)
    .await?;
    Ok(())
}

/// How often the WAL is copied into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Runs a passive checkpoint every [`CHECKPOINT_EVERY`] until the writer
/// closes. A passive checkpoint takes no lock that writers wait for: it
/// copies what no reader still needs and leaves the rest for next time.
async fn checkpoints(pool: SqlitePool, write: SqlitePool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if write.is_closed() {
            break;
        }
        let done = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&pool)
            .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "WAL checkpoint failed; the next one will retry");
        }
    }
    pool.close().await;
}

/// Maps a unique-constraint violation to a `Conflict` naming the field.
pub(crate) fn conflict_on<'a>(
    field: &'static str,
    value: &'a str,
) -> impl FnOnce(sqlx::Error) -> StoreError + 'a {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
            field,
            value: value.to_owned(),
        },
        _ => StoreError::Database(e),
    }
}
