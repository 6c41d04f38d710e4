//! The edges an attacker pushes on: reads outside one's scope, the client
//! address behind a reverse proxy, and the headers every answer carries.

mod common;

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, StatusCode, header};
use common::pages::{page_get, send};
use common::*;
use serde_json::json;
use shequ_server::Settings;
use shequ_store::{Paging, Scope};

/// `req` as if it came over a connection from `peer`.
fn from(mut req: Request<Body>, peer: &str) -> Request<Body> {
    let ip: IpAddr = peer.parse().expect("peer address");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(ip, 40000)));
    req
}

/// `req` from `peer`, carrying `X-Forwarded-For: xff`.
fn forwarded(req: Request<Body>, peer: &str, xff: &str) -> Request<Body> {
    let mut req = from(req, peer);
    req.headers_mut().insert(
        "x-forwarded-for",
        HeaderValue::from_str(xff).expect("header"),
    );
    req
}

/// A public report from `peer` with `X-Forwarded-For: xff`; the status.
async fn report(app: &TestApp, peer: &str, xff: &str) -> u16 {
    let body = format!(
        "category=sanitation&description={}&lon={}&lat={}&address={}",
        common::pages::enc("3号楼楼道堆满杂物"),
        IN_A.0,
        IN_A.1,
        common::pages::enc("田林路1号"),
    );
    // Any address here: `forwarded` sets the real peer (IPv6 too).
    let req = common::pages::post(
        "/report",
        None,
        "application/x-www-form-urlencoded",
        body.into_bytes(),
        "192.0.2.250",
    );
    let req = forwarded(req, peer, xff);
    send(app, req).await.status.as_u16()
}

#[tokio::test]
async fn a_forwarded_address_from_an_untrusted_peer_is_ignored() {
    let app = app_with(Settings {
        public_reports_per_hour: 2,
        ..Settings::default()
    })
    .await;
    let peer = "198.51.100.20";
    let statuses = [
        report(&app, peer, "203.0.113.1").await,
        report(&app, peer, "203.0.113.2").await,
        report(&app, peer, "203.0.113.3").await,
    ];
    assert_eq!(
        statuses,
        [200, 200, 429],
        "a client cannot pick its address"
    );
}

#[tokio::test]
async fn behind_trusted_proxies_each_resident_is_known_by_their_own_address() {
    let app = app_with(Settings {
        public_reports_per_hour: 2,
        trusted_proxies: vec!["10.0.0.0/8".into(), "192.0.2.1".into(), "fd00::/8".into()],
        ..Settings::default()
    })
    .await;
    let nginx = "10.1.2.3";
    // Two residents behind one proxy have a cap each.
    assert_eq!(report(&app, nginx, "203.0.113.5").await, 200);
    assert_eq!(report(&app, nginx, "203.0.113.5").await, 200);
    assert_eq!(report(&app, nginx, "203.0.113.5").await, 429);
    assert_eq!(report(&app, nginx, "203.0.113.6").await, 200);
    // What a resident writes herself is left of what the proxy appended.
    assert_eq!(report(&app, nginx, "203.0.113.77, 203.0.113.5").await, 429);
    // A chain: a CDN (192.0.2.1) in front of nginx.
    assert_eq!(report(&app, nginx, "203.0.113.6, 192.0.2.1").await, 200);
    assert_eq!(report(&app, nginx, "203.0.113.6, 192.0.2.1").await, 429);
    // An IPv6 proxy.
    assert_eq!(report(&app, "fd00::5", "2001:db8::9").await, 200);
    // A peer that is not a listed proxy is taken at its own address.
    assert_eq!(report(&app, "198.51.100.20", "203.0.113.8").await, 200);
    assert_eq!(report(&app, "198.51.100.20", "203.0.113.9").await, 200);
    assert_eq!(report(&app, "198.51.100.20", "203.0.113.10").await, 429);

    // The login limits count residents apart.
    for _ in 0..5 {
        let req = post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "sec_a", "password": "guess-123"}),
        );
        assert_eq!(
            app.send(forwarded(req, nginx, "203.0.113.5"))
                .await
                .status(),
            401
        );
    }
    let gw_b = |client: &str| {
        forwarded(
            post_json(
                "/api/v1/auth/login",
                None,
                &json!({"username": "gw_b", "password": PASSWORD}),
            ),
            nginx,
            client,
        )
    };
    assert_eq!(app.send(gw_b("203.0.113.5")).await.status(), 429);
    let (status, body) = app.json(gw_b("203.0.113.6")).await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().expect("token");

    // The access log names the resident, not the proxy.
    let a1 = app.store.place_refs(&["A1"]).await.expect("refs")["A1"].id;
    let req = get(&format!("/api/v1/places/{a1}"), Some(token));
    let (status, _) = app.json(forwarded(req, nginx, "203.0.113.6")).await;
    assert_eq!(status, 403);
    let rows = denied(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].remote_addr.as_deref(), Some("203.0.113.6"));
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
