//! `shequ apikey add` as an operator runs it: the key is printed once,
//! stored only as its hash, bound to a street, and accepted by Open311.

use std::process::{Command, Output};

use shequ_domain::{RegionCode, RegionKind};
use shequ_server::app::auth::token_hash;
use shequ_store::Store;
use shequ_store::regions::NewRegion;

fn apikey_add(url: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shequ"))
        .env_remove("SHEQU_DATABASE_URL")
        .env("SHEQU_LOG", "warn")
        .args(["apikey", "add", "--database-url", url])
        .args(extra)
        .output()
        .expect("run shequ")
}

fn region(code: &str, name: &str, kind: RegionKind, parent: Option<&str>) -> NewRegion {
    NewRegion {
        code: RegionCode::parse(code).expect("code"),
        name: name.into(),
        kind,
        parent_code: parent.map(|p| RegionCode::parse(p).expect("code")),
        polygon: None,
        center: None,
    }
}

/// The key printed on its own line.
fn printed_key(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find(|l| l.starts_with("shequ_k_"))
        .unwrap_or_else(|| panic!("no key in {stdout}"))
        .to_owned()
}

#[test]
fn apikey_add_prints_a_key_that_open311_accepts() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());

    let out = apikey_add(&url, &["--name", "12345 热线"]);
    assert!(!out.status.success(), "no street yet");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no street") && err.contains("--region"),
        "{err}"
    );

    let rt = tokio::runtime::Runtime::new().expect("rt");
    let store = rt.block_on(async {
        let store = Store::open(&url).await.expect("open");
        use RegionKind::*;
        for o in store
            .upsert_regions(&[
                region("310000", "上海市", City, None),
                region("310104", "徐汇区", District, Some("310000")),
                region("310104011", "田林街道", Street, Some("310104")),
                region("310104012", "枫林路街道", Street, Some("310104")),
            ])
            .await
            .expect("regions")
        {
            o.expect("region accepted");
        }
        store
    });

    let out = apikey_add(&url, &["--name", "12345 热线"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("310104011 田林街道"),
        "the first street: {stdout}"
    );
    assert!(stdout.contains("shown only this once"), "{stdout}");
    let key = printed_key(&out);

    let out = apikey_add(&url, &["--name", "枫林 app", "--region", "310104012"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other = printed_key(&out);
    assert_ne!(key, other);

    for (args, words) in [
        (
            vec!["--name", "x", "--region", "999"],
            "no region has the code",
        ),
        (vec!["--name", "  "], "--name"),
    ] {
        let out = apikey_add(&url, &args);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(words), "{words} in {err}");
    }

    rt.block_on(async {
        let now = shequ_store::now_ms();
        let stored = store
            .live_api_token(&token_hash(&key), now)
            .await
            .expect("q")
            .expect("stored by hash");
        assert_eq!(stored.name, "12345 热线");
        assert_eq!(stored.scopes, "open311");
        assert_eq!(stored.region_path, "/310000/310104/310104011/");
        let second = store
            .live_api_token(&token_hash(&other), now)
            .await
            .expect("q")
            .expect("stored");
        assert_eq!(second.region_path, "/310000/310104/310104012/");

        let state = shequ_server::AppState::new(shequ_server::Settings::default(), store.clone())
            .expect("state");
        let accepted = shequ_server::open311::api_key(&state.orders, Some(&key))
            .await
            .expect("accepted");
        assert_eq!(accepted.map(|t| t.id), Some(stored.id));
        store.close().await;
    });
}
