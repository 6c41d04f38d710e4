//! The API against its own OpenAPI document: schemathesis generates
//! requests for every operation (valid ones, and every kind of wrong one)
//! against the real binary serving a seeded street, and fails on any 5xx,
//! any status the document does not list for the operation, and any
//! answer that is not of a documented content type (the API answers JSON,
//! errors included). Item 8 of issue 12; its first run found three 500s
//! from foreign keys, 22 operations answering undocumented statuses, seven
//! plain-text errors, and an overflow in `/api/v1/figures`.
//!
//! Needs schemathesis: `scripts/test` installs it in a venv and sets
//! `SHEQU_TEST_SCHEMATHESIS` to its `st`. Without that variable the test
//! says so and passes; with it set to a program that does not run, it
//! fails. The run is bounded (20 examples per operation, a fixed seed,
//! `SHEQU_TEST_FUZZ_SEED` to change it) and takes about half a minute.

use shequ_testkit::binary::{self as server, Server, seeded_street};
use shequ_testkit::seed;

/// `shequ serve` on a random port over `db_url`; the server and its address.
fn start_server(db_url: &str, workdir: &std::path::Path) -> (Server, String) {
    server::start_server(env!("CARGO_BIN_EXE_shequ"), db_url, workdir)
}

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn every_answer_of_the_api_is_one_its_document_lists() {
    let Some(st) = shequ_testkit::require_schemathesis() else {
        return;
    };
    let (dir, db_url, _) = seeded_street();
    let (_server, base) = start_server(&db_url, dir.path());

    let token = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            let answer: serde_json::Value = reqwest::Client::new()
                .post(format!("{base}/api/v1/auth/login"))
                .json(&serde_json::json!({"username": "admin", "password": seed::PASSWORD}))
                .send()
                .await
                .expect("login")
                .json()
                .await
                .expect("login answer");
            answer["token"].as_str().expect("a token").to_owned()
        });

    let seed = std::env::var("SHEQU_TEST_FUZZ_SEED").unwrap_or_else(|_| "1".to_owned());
    let report = dir.path().join("schemathesis.txt");
    let out = std::fs::File::create(&report).expect("report file");
    let started = Instant::now();
    let mut child = Command::new(&st)
        .arg("run")
        .arg(format!("{base}/api/docs/openapi.json"))
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance",
        ])
        .args(["--max-examples", "20", "--seed", &seed, "--workers", "2"])
        // Logging out would end the run's own session; the live stream
        // never ends (it has tests of its own in the server's suite).
        .args(["--exclude-path", "/api/v1/auth/logout"])
        .args(["--exclude-path", "/api/v1/events"])
        .args(["--request-timeout", "30"])
        .env("NO_COLOR", "1")
        .stdout(out.try_clone().expect("report file"))
        .stderr(out)
        .spawn()
        .expect("run schemathesis");
    let limit = Duration::from_secs(600);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for schemathesis") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            break child.wait().expect("schemathesis stopped");
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    eprintln!(
        "schemathesis ran {:.0} s; its summary:\n{}",
        started.elapsed().as_secs_f64(),
        text.lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        status.success(),
        "schemathesis found answers the OpenAPI document does not allow ({status}):\n{text}"
    );
}
