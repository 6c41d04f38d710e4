//! One way to open a test database: a fresh SQLite file in a temporary
//! directory, or a fresh PostgreSQL schema (dropped when the test's
//! database is dropped, however the test ends) under
//! `SHEQU_TEST_POSTGRES_URL`, so tests running side by side never see each
//! other's rows.

use std::future::Future;

use shequ_store::Store;

use crate::services::{require_postgres, say_skipped};

/// A database engine the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn label(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

tokio::task_local! {
    static ENGINE: Engine;
}

/// Runs `test` with `engine` as the engine [`current_engine`] answers
/// (what `#[engines]` wraps each variant in).
pub async fn on_engine<F: Future>(engine: Engine, test: F) -> F::Output {
    ENGINE.scope(engine, test).await
}

/// The engine of the `#[engines]` variant running; SQLite outside one.
pub fn current_engine() -> Engine {
    ENGINE.try_with(|e| *e).unwrap_or(Engine::Sqlite)
}

/// Whether the PostgreSQL variant of `test` is to run: yes when
/// `SHEQU_TEST_POSTGRES_URL` is set (and answers: else it panics).
pub fn postgres_wanted(test: &str) -> bool {
    let wanted = require_postgres().is_some();
    if !wanted {
        say_skipped(&format!(
            "SHEQU_TEST_POSTGRES_URL is not set: the PostgreSQL variants (like {test}_postgres) \
             pass without running"
        ));
    }
    wanted
}

/// A PostgreSQL schema made for one test, dropped with it.
struct PgSchema {
    url: String,
    schema: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), std::mem::take(&mut self.schema));
        // Drop may run inside the test's runtime, which cannot block on
        // itself: a thread with a runtime of its own drops the schema.
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(Store::drop_postgres_schema(&url, &schema))
        })
        .join();
        if let Ok(Err(e)) = done {
            let _ = std::io::Write::write_fmt(
                &mut std::io::stderr(),
                format_args!("dropping test schema {}: {e}\n", self.schema),
            );
        }
    }
}

/// An open, migrated, empty store and what must live as long as it.
pub struct TestDb {
    pub store: Store,
    pub engine: Engine,
    /// "sqlite" or "postgres", for assertion messages.
    pub label: &'static str,
    /// A URL reaching the same database (and schema) from another
    /// connection or the real binary.
    pub url: String,
    /// A temporary directory living as long as the database (the SQLite
    /// file is in it; tests may write files there).
    pub dir: tempfile::TempDir,
    pg_schema: Option<PgSchema>,
}

impl TestDb {
    /// A fresh database on `engine`.
    ///
    /// # Panics
    /// On PostgreSQL when `SHEQU_TEST_POSTGRES_URL` is unset or unreachable.
    pub async fn fresh(engine: Engine) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match engine {
            Engine::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let store = Store::open(&url).await.expect("open sqlite");
                TestDb {
                    store,
                    engine,
                    label: engine.label(),
                    url,
                    dir,
                    pg_schema: None,
                }
            }
            Engine::Postgres => {
                let base = require_postgres()
                    .expect("a PostgreSQL test database needs SHEQU_TEST_POSTGRES_URL");
                let schema = format!("t_{:016x}", rand::random::<u64>());
                let store = Store::connect_postgres_schema(&base, &schema)
                    .await
                    .expect("SHEQU_TEST_POSTGRES_URL is set but PostgreSQL is not reachable");
                let guard = PgSchema {
                    url: base.clone(),
                    schema: schema.clone(),
                };
                store.migrate().await.expect("migrate postgres");
                let sep = if base.contains('?') { '&' } else { '?' };
                TestDb {
                    store,
                    engine,
                    label: engine.label(),
                    url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
                    dir,
                    pg_schema: Some(guard),
                }
            }
        }
    }

    /// Closes the store, then drops the PostgreSQL schema if there is one.
    pub async fn cleanup(self) {
        self.store.close().await;
        drop(self.pg_schema);
    }

    /// Splits off what must outlive the store (the directory, the schema).
    pub fn into_parts(self) -> (Store, String, Keep) {
        (
            self.store,
            self.url,
            Keep {
                _dir: self.dir,
                _pg_schema: self.pg_schema,
            },
        )
    }
}

/// What keeps a test database alive: its directory, or its schema.
pub struct Keep {
    _dir: tempfile::TempDir,
    _pg_schema: Option<PgSchema>,
}

/// A fresh SQLite store, and a fresh PostgreSQL one when
/// `SHEQU_TEST_POSTGRES_URL` is set (it must then answer).
pub async fn engines() -> Vec<TestDb> {
    let mut out = vec![TestDb::fresh(Engine::Sqlite).await];
    if require_postgres().is_some() {
        out.push(TestDb::fresh(Engine::Postgres).await);
    }
    out
}
