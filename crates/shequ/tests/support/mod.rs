//! Harness for the import tests: the test kit's databases (a fresh SQLite
//! store always, and a fresh PostgreSQL schema when
//! `SHEQU_TEST_POSTGRES_URL` is set) with importing in process, running the
//! real binary against either, and a generator of a large street for the
//! speed measurement.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use shequ::import::{ImportKind, ImportOptions, ImportReport, import_file};

/// A test database of the kit (SQLite, or a fresh PostgreSQL schema) with
/// the import tests' helpers.
pub struct TestDb(shequ_testkit::TestDb);

impl std::ops::Deref for TestDb {
    type Target = shequ_testkit::TestDb;

    fn deref(&self) -> &shequ_testkit::TestDb {
        &self.0
    }
}

impl TestDb {
    pub async fn cleanup(self) {
        self.0.cleanup().await;
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

/// A fresh SQLite store, and a fresh PostgreSQL one when
/// `SHEQU_TEST_POSTGRES_URL` is set (the test kit's `engines`).
pub async fn backends() -> Vec<TestDb> {
    shequ_testkit::engines()
        .await
        .into_iter()
        .map(TestDb)
        .collect()
}

/// A file under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[allow(unused_imports)]
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
