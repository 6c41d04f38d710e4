//! The binary as an operator runs it: serve, migrate, user add,
//! default-config, and the failure modes they must explain.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn shequ() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shequ"));
    // Keep the developer's own configuration out of the tests.
    c.env_remove("SHEQU_DATABASE_URL").env("SHEQU_LOG", "warn");
    c
}

#[test]
fn unreachable_database_is_a_clear_error_without_the_password() {
    let out = shequ()
        .args([
            "serve",
            "--database-url",
            "postgres://shequ:hunter22@127.0.0.1:1/street",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .expect("run shequ");
    assert!(!out.status.success(), "must exit non-zero");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("127.0.0.1:1/street"), "names the URL: {err}");
    assert!(err.contains("not reachable"), "{err}");
    assert!(
        !err.contains("hunter22"),
        "never prints the password: {err}"
    );
}

#[test]
fn default_config_prints_every_setting() {
    let out = shequ().arg("default-config").output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf8");
    for key in [
        "database_url",
        "listen",
        "timezone",
        "default_language",
        "session_hours",
        "login_max_failures",
        "trusted_proxies",
        "forwarded_header",
    ] {
        assert!(text.contains(&format!("{key} =")), "missing {key}");
    }
}

#[test]
fn a_bad_trusted_proxy_stops_the_server_naming_the_entry() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let out = shequ()
        // The environment's list form, as the README gives it.
        .env("SHEQU__TRUSTED_PROXIES", "[127.0.0.1, 10.0.0/8]")
        .args(["serve", "--database-url", &url, "--listen", "127.0.0.1:0"])
        .output()
        .expect("run shequ");
    assert!(!out.status.success(), "must exit non-zero");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"10.0.0/8\""), "names the entry: {err}");
    assert!(!err.contains("127.0.0.1\""), "the good one is fine: {err}");
}

#[test]
fn user_add_checks_its_input_and_creates_the_account() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let add = |username: &str, password: &str, role: &str, region: &str| {
        shequ()
            .args([
                "user",
                "add",
                "--username",
                username,
                "--password",
                password,
                "--role",
                role,
                "--region",
                region,
                "--database-url",
                &url,
            ])
            .output()
            .expect("run")
    };
    let out = add(
        "sec01",
        "long-enough",
        "neighbourhood_secretary",
        "310104011001",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no region has the code") && err.contains("import regions first"),
        "{err}"
    );

    let out = add("sec01", "long-enough", "mayor", "310000");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--role"),
        "names the flag"
    );
    let out = add("sec01", "short", "admin", "310000");
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8"));

    // Give it a region, then the account can be created once.
    let rt = tokio::runtime::Runtime::new().expect("rt");
    rt.block_on(async {
        let store = shequ_store::Store::open(&url).await.expect("open");
        let code = shequ_domain::RegionCode::parse("310000").expect("code");
        store
            .upsert_regions(&[shequ_store::regions::NewRegion {
                code,
                name: "上海市".into(),
                kind: shequ_domain::RegionKind::City,
                parent_code: None,
                polygon: None,
                center: None,
            }])
            .await
            .expect("region");
        store.close().await;
    });
    let out = add("root", "long-enough", "admin", "310000");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created user root"));
    let again = add("root", "long-enough", "admin", "310000");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is taken"));
}

#[test]
fn serve_answers_healthz_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let mut child = shequ()
        .args(["serve", "--database-url", &url, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let base = line
        .trim()
        .strip_prefix("shequ is listening on ")
        .expect("prints its address")
        .trim_end_matches('/')
        .to_owned();
    let rt = tokio::runtime::Runtime::new().expect("rt");
    let status = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{base}/healthz"))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect("request")
            .status()
    });
    assert_eq!(status, 200);
    // SIGTERM: a graceful stop with exit status 0.
    let pid = child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    let code = child.wait().expect("wait");
    assert!(code.success(), "{code:?}");
}
