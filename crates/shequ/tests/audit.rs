//! `shequ audit verify` on a real demo street: orders filed through the
//! running server, then one trail event edited by hand in the database.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use sqlx::Connection;

const PASSWORD: &str = "audit-test-password";

fn shequ() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shequ"));
    c.env_remove("SHEQU_DATABASE_URL").env("SHEQU_LOG", "warn");
    c
}

#[test]
fn a_hand_edited_trail_event_is_named_by_audit_verify() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("street");
    let out = shequ()
        .args([
            "demo",
            "--no-serve",
            "--residents",
            "500",
            "--admin-password",
            PASSWORD,
            "--data-dir",
        ])
        .arg(&data)
        .output()
        .expect("demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = format!("sqlite://{}", data.join("shequ.db").display());

    let mut server = shequ()
        .args(["serve", "--database-url", &url, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let base = line
        .trim()
        .trim_start_matches("shequ is listening on ")
        .trim_end_matches('/')
        .to_owned();
    let rt = tokio::runtime::Runtime::new().expect("rt");
    let ids: Vec<i64> = rt.block_on(async {
        let http = reqwest::Client::new();
        let login: serde_json::Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "operator1", "password": PASSWORD}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        let token = login["token"].as_str().expect("token").to_owned();
        let mut ids = Vec::new();
        for (i, cat) in ["sanitation", "noise", "facility_repair"].iter().enumerate() {
            let resp: serde_json::Value = http
                .post(format!("{base}/api/v1/orders"))
                .bearer_auth(&token)
                .json(&serde_json::json!({"category": cat, "description": format!("来电反映第{i}件事"),
                    "address": "田林路1号", "attributes": {"facility": "lift"}}))
                .send()
                .await
                .expect("file")
                .json()
                .await
                .expect("json");
            ids.push(resp["id"].as_i64().unwrap_or_else(|| panic!("filed: {resp}")));
        }
        ids
    });
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    server.wait().expect("wait");

    let verify = |extra: &[&str]| {
        let out = shequ()
            .args(["audit", "verify", "--database-url", &url])
            .args(extra)
            .output()
            .expect("audit");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = verify(&[]);
    assert_eq!(code, Some(0), "{text}");
    // The demo street comes with a year of orders; every one is checked.
    let (orders, events): (i64, i64) = rt.block_on(async {
        let mut conn = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("connect");
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM work_orders), (SELECT COUNT(*) FROM order_events)",
        )
        .fetch_one(&mut conn)
        .await
        .expect("count")
    });
    assert!(orders > 3, "{orders} orders");
    assert!(
        text.contains(&format!("{orders} orders, {events} events")),
        "{text}"
    );

    rt.block_on(async {
        let mut conn = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("connect");
        sqlx::query("UPDATE order_events SET note = '无需处理' WHERE order_id = ? AND seq = 1")
            .bind(ids[1])
            .execute(&mut conn)
            .await
            .expect("tamper");
    });
    let (code, text) = verify(&[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(&format!("order {}: event 1", ids[1])),
        "{text}"
    );
    let (code, _) = verify(&["--order", &ids[0].to_string()]);
    assert_eq!(code, Some(0), "the other orders are intact");
}

/// The demo's election round counted again from its ballots matches; a
/// ballot edited by hand makes `audit verify` name the round and fail.
#[test]
fn a_hand_edited_ballot_is_named_by_audit_verify() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("street");
    let out = shequ()
        .args([
            "demo",
            "--no-serve",
            "--residents",
            "20000",
            "--admin-password",
            PASSWORD,
            "--data-dir",
        ])
        .arg(&data)
        .output()
        .expect("demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = format!("sqlite://{}", data.join("shequ.db").display());
    let verify = || {
        let out = shequ()
            .args(["audit", "verify", "--database-url", &url])
            .output()
            .expect("audit");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = verify();
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("election tallies match: 1 rounds counted again"),
        "{text}"
    );
    let rt = tokio::runtime::Runtime::new().expect("rt");
    rt.block_on(async {
        let mut conn = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("connect");
        // The first ballot names the front-runner; blank it.
        sqlx::query(
            "UPDATE branch_ballots SET names = '[]'
             WHERE id = (SELECT MIN(id) FROM branch_ballots WHERE names <> '[]')",
        )
        .execute(&mut conn)
        .await
        .expect("tamper");
    });
    let (code, text) = verify();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("TALLY DIFFERS: election 1 round 1"), "{text}");
    assert!(text.contains("1 of 1 rounds differ"), "{text}");
}
