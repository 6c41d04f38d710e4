//! Item 2 of issue 12: when PostgreSQL refuses connections (the database
//! set to `ALLOW_CONNECTIONS false` and its backends terminated), every
//! request that needs it is answered 503 `database_unavailable` with
//! `Retry-After`, never 500, and the server recovers by itself once the
//! database takes connections again. Runs when `SHEQU_TEST_POSTGRES_URL`
//! is set (`scripts/test` sets it), in a database of its own.

mod common;

use std::time::{Duration, Instant};

use axum::http::{Request, header};
use common::*;
use serde_json::{Value, json};
use shequ_server::Settings;
use shequ_store::Store;

async fn answer(app: &TestApp, req: Request<axum::body::Body>) -> (u16, Option<String>, Value) {
    let resp = app.send(req).await;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        retry_after,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_database_refusing_connections_is_answered_503_and_the_server_recovers() {
    let Some(base) = shequ_testkit::require_postgres() else {
        return;
    };
    let admin = sqlx::PgPool::connect(&base)
        .await
        .expect("SHEQU_TEST_POSTGRES_URL is set but PostgreSQL is not reachable");
    let name = format!("shequ_down_{:016x}", rand::random::<u64>());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create database");
    let mut url = url::Url::parse(&base).expect("url");
    url.set_path(&format!("/{name}"));
    let url = url.to_string();
    let store = Store::open(&url).await.expect("open");
    let app = app_on(store, url, None, Settings::default()).await;

    let op = app.login("operator").await;
    let refs = app.store.place_refs(&["A1"]).await.expect("refs");
    let (status, device) = app
        .json(post_json(
            "/api/v1/devices",
            Some(&op),
            &json!({"code": "A1-1", "name": "东门", "building_id": refs["A1"].id, "entrance": "1"}),
        ))
        .await;
    assert_eq!(status, 201, "{device}");
    let token = device["token"].as_str().expect("token").to_owned();
    app.store
        .issue_resident_cards(shequ_store::now_ms())
        .await
        .expect("cards");
    let card = app.store.door_credentials().await.expect("cards")[0]
        .credential
        .clone();
    let mut n = 0;
    let requests = |n: &mut usize| {
        *n += 1;
        let at = chrono::Utc::now().to_rfc3339();
        let event = json!([{"id": format!("e{n}"), "device": "A1-1", "at": at, "direction": "in",
                            "credential": card, "kind": "resident"}]);
        let mut ingest = post_json("/api/v1/devices/events", None, &event);
        ingest.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().expect("header"),
        );
        vec![
            ("people", get("/api/v1/people", Some(&op))),
            (
                "login",
                post_json(
                    "/api/v1/auth/login",
                    None,
                    &json!({"username": "grid_a", "password": PASSWORD}),
                ),
            ),
            ("ingest", ingest),
        ]
    };
    for (what, req) in requests(&mut n) {
        let (status, _, body) = answer(&app, req).await;
        assert_eq!(status, 200, "{what} while the database is up: {body}");
    }

    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false"
    )))
    .execute(&admin)
    .await
    .expect("refuse connections");
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&name)
        .execute(&admin)
        .await
        .expect("terminate backends");
    for _ in 0..2 {
        for (what, req) in requests(&mut n) {
            let (status, retry_after, body) = answer(&app, req).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (503, Some("database_unavailable")),
                "{what} while the database refuses connections: {body}"
            );
            assert!(retry_after.is_some(), "{what}: 503 without Retry-After");
        }
    }

    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS true"
    )))
    .execute(&admin)
    .await
    .expect("take connections again");
    let started = Instant::now();
    'recovery: loop {
        let mut all_ok = true;
        for (what, req) in requests(&mut n) {
            let (status, _, body) = answer(&app, req).await;
            if status != 200 {
                assert_eq!(status, 503, "{what} while recovering: {body}");
                all_ok = false;
            }
        }
        if all_ok {
            break 'recovery;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not recover without a restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    app.store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .expect("drop database");
}
