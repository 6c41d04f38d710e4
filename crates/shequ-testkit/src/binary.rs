//! The real binary serving a seeded street on a random port, for the tests
//! that drive it from outside (a browser, a fuzzer).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::seed;

/// Kills the server when the test ends, however it ends.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `BIN serve` (the test's `env!("CARGO_BIN_EXE_shequ")`) on port
/// 0 and waits for the address it prints.
pub fn start_server(bin: &str, db_url: &str, workdir: &Path) -> (Server, String) {
    let mut child = Command::new(bin)
        .args(["serve", "--database-url", db_url, "--listen", "127.0.0.1:0"])
        // An empty directory, so no stray shequ.toml is picked up.
        .current_dir(workdir)
        .env("SHEQU_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the shequ binary");
    let stdout = child.stdout.take().expect("server stdout");
    let server = Server(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("shequ is listening on ") {
                let _ = tx.send(rest.trim().trim_end_matches('/').to_owned());
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("shequ serve did not print its address within 60 s");
    (server, base)
}

/// [`seed::seed`]'s street in a SQLite file in a temporary directory:
/// the directory, the database URL, what was seeded.
pub fn seeded_street() -> (tempfile::TempDir, String, seed::Seeded) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_url = format!("sqlite://{}", dir.path().join("browser.db").display());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let seeded = runtime.block_on(async {
        let store = shequ_store::Store::open(&db_url).await.expect("open store");
        let seeded = seed::seed(&store).await;
        store.close().await;
        seeded
    });
    (dir, db_url, seeded)
}
