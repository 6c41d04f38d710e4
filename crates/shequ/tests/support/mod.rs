//! Harness for the import tests: a fresh SQLite store always, and a fresh
//! PostgreSQL schema when `SHEQU_TEST_POSTGRES_URL` is set; running the
//! real binary against either; and a generator of a large street for the
//! speed measurement.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use shequ::import::{ImportKind, ImportOptions, ImportReport, import_file};
use shequ_store::Store;

/// An open store, the URL the binary should use for it, and what must live
/// as long as it.
pub struct TestDb {
    pub store: Store,
    pub label: &'static str,
    /// The URL that reaches the same database (and schema) from the binary.
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((url, schema)) = self.pg_schema {
            Store::drop_postgres_schema(&url, &schema)
                .await
                .expect("drop test schema");
        }
    }

    /// Imports in-process with default options, failing the test on a
    /// file-level error.
    pub async fn import(&self, kind: ImportKind, path: &Path) -> ImportReport {
        import_file(&self.store, kind, path, &ImportOptions::default())
            .await
            .unwrap_or_else(|e| {
                panic!("{}: import of {} failed: {e:#}", self.label, path.display())
            })
    }

    /// Imports the fixture regions and places, checking they all land.
    pub async fn seed_street(&self) {
        for (kind, file) in [
            (ImportKind::Regions, "regions.csv"),
            (ImportKind::Places, "places.csv"),
        ] {
            let report = self.import(kind, &fixture(file)).await;
            assert_eq!(
                report.failed, 0,
                "{}: {file}: {:?}",
                self.label, report.errors
            );
        }
    }

    /// Writes `content` to a file in this database's temp dir.
    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).expect("write test file");
        path
    }

    /// Runs `shequ import KIND FILE --database-url URL EXTRA…`.
    pub async fn run_import(
        &self,
        kind: &str,
        file: &Path,
        extra: &[&str],
    ) -> std::process::Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_shequ"))
            .current_dir(self.dir.path())
            .env_remove("SHEQU_DATABASE_URL")
            .env_remove("SHEQU_CONFIG")
            .env("SHEQU_LOG", "warn")
            .arg("import")
            .arg(kind)
            .arg(file)
            .arg("--database-url")
            .arg(&self.url)
            .args(extra)
            .output()
            .await
            .expect("run the shequ binary")
    }
}

/// A fresh SQLite store, and a fresh PostgreSQL one when configured.
pub async fn backends() -> Vec<TestDb> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = Store::open(&url).await.expect("open sqlite");
    let mut out = vec![TestDb {
        store,
        label: "sqlite",
        url,
        dir,
        pg_schema: None,
    }];
    match std::env::var("SHEQU_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!("t_import_{:016x}", rand::random::<u64>());
            let store = Store::connect_postgres_schema(&url, &schema)
                .await
                .expect("SHEQU_TEST_POSTGRES_URL is set but PostgreSQL is not reachable");
            store.migrate().await.expect("migrate postgres");
            let sep = if url.contains('?') { '&' } else { '?' };
            out.push(TestDb {
                store,
                label: "postgres",
                url: format!("{url}{sep}options=-c%20search_path%3D{schema}"),
                dir: tempfile::tempdir().expect("temp dir"),
                pg_schema: Some((url, schema)),
            });
        }
        _ => {
            // Once per test binary, and past the harness's output capture
            // (which only catches the print macros), so a plain `cargo test`
            // shows it.
            static SKIPPED: std::sync::Once = std::sync::Once::new();
            SKIPPED.call_once(|| {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "import tests: SHEQU_TEST_POSTGRES_URL is not set: PostgreSQL skipped, SQLite only"
                );
            });
        }
    }
    out
}

/// A file under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub use shequ::import::sample::generate_street;

/// CPU time this process has used so far (user + system), in seconds, read
/// from `/proc/self/stat`; `None` elsewhere. Wall-clock figures on a shared
/// two-core machine swing with other work; CPU time much less.
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields overall, in clock ticks (100 per second on Linux).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}
