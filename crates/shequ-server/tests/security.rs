//! The edges an attacker pushes on: reads outside one's scope, and the
//! headers every answer carries.

mod common;

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::pages::{page_get, send};
use common::*;
use shequ_store::{Paging, Scope};

/// `req` as if it came over a connection from `peer`.
fn from(mut req: Request<Body>, peer: &str) -> Request<Body> {
    let ip: IpAddr = peer.parse().expect("peer address");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(ip, 40000)));
    req
}

async fn denied(app: &TestApp) -> Vec<shequ_store::access_log::Access> {
    let mut rows = app
        .store
        .access_log_in(&Scope::everything(), Paging::new(None, Some(500)))
        .await
        .expect("access log")
        .items;
    rows.retain(|r| r.action == "denied");
    rows.sort_by_key(|r| r.id);
    rows
}

#[tokio::test]
async fn places_and_households_outside_the_scope_are_refused_and_logged() {
    let app = app().await;
    let a1 = app.store.place_refs(&["A1"]).await.expect("refs")["A1"].id;
    let ha = app
        .store
        .households_in(&Scope::everything(), Some(a1), Paging::new(None, None))
        .await
        .expect("households")
        .items[0]
        .id;
    let gw_b = app.login("gw_b").await;
    let client = "192.0.2.7";
    let outside = [
        (format!("/api/v1/places/{a1}"), "place", a1),
        (format!("/api/v1/households/{ha}"), "household", ha),
        (format!("/api/v1/households?building={a1}"), "place", a1),
    ];
    for (path, _, _) in &outside {
        let (status, body) = app.json(from(get(path, Some(&gw_b)), client)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("out_of_scope")),
            "{path}: {body}"
        );
    }
    let rows = denied(&app).await;
    let seen: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.subject_kind.as_str(),
                r.subject_id.clone(),
                r.actor_username.as_str(),
                r.subject_path.as_deref(),
                r.remote_addr.as_deref(),
            )
        })
        .collect();
    let expected: Vec<_> = outside
        .iter()
        .map(|(_, kind, id)| (*kind, id.to_string(), "gw_b", Some(GRID_A), Some(client)))
        .collect();
    assert_eq!(seen, expected);

    // In scope: answered, and a plain read is not logged.
    let grid_a = app.login("grid_a").await;
    for path in [
        format!("/api/v1/places/{a1}"),
        format!("/api/v1/households/{ha}"),
        format!("/api/v1/households?building={a1}"),
    ] {
        assert_eq!(app.json(get(&path, Some(&grid_a))).await.0, 200, "{path}");
    }
    // What does not exist at all stays a 404, and is not logged.
    for (path, code) in [
        ("/api/v1/places/999999", "place_not_found"),
        ("/api/v1/households/999999", "household_not_found"),
        ("/api/v1/households?building=999999", "place_not_found"),
    ] {
        let (status, body) = app.json(get(path, Some(&gw_b))).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some(code)));
    }
    assert_eq!(denied(&app).await.len(), 3);

    // The pages refuse and log the same reads.
    let cookie = common::pages::cookie(&app, "gw_b").await;
    for path in [format!("/places/{a1}"), format!("/households/{ha}")] {
        let r = send(&app, page_get(&path, Some(&cookie))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(r.text().contains("不在您负责的区域内"), "{}", r.text());
        assert!(
            !r.text().contains("A1号楼"),
            "nothing about the place leaks"
        );
    }
    for path in ["/places/999999", "/households/999999"] {
        let r = send(&app, page_get(path, Some(&cookie))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    let rows = denied(&app).await;
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert_eq!(
        (rows[3].subject_kind.as_str(), rows[4].subject_kind.as_str()),
        ("place", "household")
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = app().await;
    let token = app.login("sec_a").await;
    let bad_json = Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{"))
        .expect("request");
    let wrong_method = Request::delete("/healthz")
        .body(Body::empty())
        .expect("request");
    let cases: Vec<(&str, Request<Body>, u16)> = vec![
        ("docs page", page_get("/api/docs", None), 200),
        ("openapi", page_get("/api/docs/openapi.json", None), 200),
        ("json", get("/api/v1/me", Some(&token)), 200),
        ("json error", get("/api/v1/me", None), 401),
        ("unknown api route", get("/api/v1/nope", None), 404),
        ("unknown page", page_get("/no/such/page", None), 404),
        ("login page", page_get("/login", None), 200),
        ("stylesheet", page_get("/static/shequ.css", None), 200),
        ("health", page_get("/healthz", None), 200),
        ("open311", page_get("/open311/v2/services.xml", None), 200),
        ("bad json", bad_json, 400),
        ("wrong method", wrong_method, 405),
    ];
    let mut policies = Vec::new();
    for (what, req, status) in cases {
        let r = send(&app, req).await;
        assert_eq!(r.status.as_u16(), status, "{what}: {}", r.text());
        assert_eq!(
            r.header(header::X_CONTENT_TYPE_OPTIONS),
            "nosniff",
            "{what}"
        );
        assert_eq!(r.header(header::REFERRER_POLICY), "same-origin", "{what}");
        let csp = r.header(header::CONTENT_SECURITY_POLICY).to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp:?}");
        policies.push(csp);
    }
    policies.dedup();
    assert_eq!(policies.len(), 1, "one policy for everything: {policies:?}");

    // The docs page works under that policy: no inline style, its
    // stylesheet served from our own origin.
    let docs = send(&app, page_get("/api/docs", None)).await.text();
    assert!(
        !docs.contains("<style") && !docs.contains("style="),
        "{docs}"
    );
    let href = docs
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the docs page links a stylesheet");
    let css = send(&app, page_get(href, None)).await;
    assert_eq!(css.status, StatusCode::OK, "{href}");
    assert_eq!(css.header(header::CONTENT_TYPE), "text/css; charset=utf-8");
}
