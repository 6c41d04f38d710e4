//! The edges an attacker pushes on: password guessing that must not shut
//! the real user out, reads outside one's scope, the client address behind
//! a reverse proxy, and the headers every answer carries.

mod common;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, StatusCode, header};
use common::pages::{Reply, page_get, send};
use common::*;
use serde_json::json;
use shequ_server::Settings;
use shequ_store::{Paging, Scope};
use tower::ServiceExt;

/// `req` as if it came over a connection from `peer`.
fn from(mut req: Request<Body>, peer: &str) -> Request<Body> {
    let ip: IpAddr = peer.parse().expect("peer address");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(ip, 40000)));
    req
}

fn with_cookie(mut req: Request<Body>, cookie: Option<&str>) -> Request<Body> {
    if let Some(c) = cookie {
        req.headers_mut()
            .insert(header::COOKIE, HeaderValue::from_str(c).expect("cookie"));
    }
    req
}

/// `POST /api/v1/auth/login` from `peer`, presenting `device` if given.
fn api_login(user: &str, password: &str, device: Option<&str>, peer: &str) -> Request<Body> {
    let req = post_json(
        "/api/v1/auth/login",
        None,
        &json!({"username": user, "password": password}),
    );
    from(with_cookie(req, device), peer)
}

/// The login form posted from `peer`, presenting `device` if given.
fn form_login(user: &str, password: &str, device: Option<&str>, peer: &str) -> Request<Body> {
    common::pages::post(
        "/login",
        device,
        "application/x-www-form-urlencoded",
        format!("username={user}&password={password}&next=/").into_bytes(),
        peer,
    )
}

/// The whole `Set-Cookie` of the device cookie a login answer set.
fn device_set_cookie(r: &Reply) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("shequ_device"))
        .map(str::to_owned)
}

/// The device cookie a login answer set, as the browser sends it back.
fn device_cookie(r: &Reply) -> Option<String> {
    device_set_cookie(r).and_then(|c| c.split(';').next().map(str::to_owned))
}

#[engines]
async fn a_thousand_wrong_guesses_do_not_shut_the_real_user_out() {
    let app = app().await;
    let office = "198.51.100.7";
    // The admin has logged in before, from her office browser and from a
    // script of hers that uses the API.
    let earlier = send(&app, form_login("admin", PASSWORD, None, office)).await;
    assert_eq!(earlier.status, StatusCode::SEE_OTHER, "{}", earlier.text());
    let browser = device_cookie(&earlier);
    let earlier = send(&app, api_login("admin", PASSWORD, None, office)).await;
    assert_eq!(earlier.status, StatusCode::OK);
    let script = device_cookie(&earlier);

    let attacker = "203.0.113.66";
    let mut answers = BTreeMap::new();
    for i in 0..1000 {
        let r = app
            .send(api_login("admin", &format!("guess-{i}"), None, attacker))
            .await;
        *answers.entry(r.status().as_u16()).or_insert(0) += 1;
    }
    assert_eq!(
        answers,
        BTreeMap::from([(401, 5), (429, 995)]),
        "guessing from one address is slowed down"
    );

    // The real admin gets in at once from the browser and the script she
    // used before, from her office or from anywhere else.
    let r = send(
        &app,
        form_login("admin", PASSWORD, browser.as_deref(), office),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "known browser: {}",
        r.text()
    );
    let r = send(
        &app,
        api_login("admin", PASSWORD, script.as_deref(), "192.0.2.44"),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "known script elsewhere: {}",
        r.text()
    );
    assert!(r.text().contains("\"token\""));
    // Even from the attacker's own address: a whole neighbourhood may
    // share one address behind the carrier's NAT.
    let r = send(
        &app,
        api_login("admin", PASSWORD, browser.as_deref(), attacker),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // That address stays limited for every account and unknown device.
    for password in ["guess-again", PASSWORD] {
        let r = send(&app, api_login("sec_a", password, None, attacker)).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers.contains_key(header::RETRY_AFTER));
    }
    // An unknown device, even from a fresh address, meets the per-account
    // lock: the password alone does not let it past.
    let fresh = "192.0.2.99";
    let r = send(&app, api_login("admin", PASSWORD, None, fresh)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    let r = send(&app, form_login("admin", PASSWORD, None, fresh)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);

    // Only a cookie we signed, for this account, counts as a known device.
    let browser = browser.expect("a login sets a device cookie");
    let mut forged = browser.clone();
    let last = forged.pop().expect("not empty");
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let r = send(&app, api_login("admin", PASSWORD, Some(&forged), fresh)).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a forged signature"
    );
    let other = send(&app, api_login("sec_b", PASSWORD, None, "192.0.2.5")).await;
    let other = device_cookie(&other).expect("device cookie of sec_b");
    let admins_name = browser.split_once('=').expect("name=value").0;
    let other_value = other.split_once('=').expect("name=value").1;
    let borrowed = format!("{admins_name}={other_value}");
    let r = send(&app, api_login("admin", PASSWORD, Some(&borrowed), fresh)).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "another account's device cookie"
    );
}

#[engines]
async fn a_known_device_that_keeps_guessing_is_locked_on_its_own() {
    let app = app().await;
    let first = send(&app, api_login("sec_a", PASSWORD, None, "198.51.100.7")).await;
    let set = device_set_cookie(&first).unwrap_or_default();
    let laptop = device_cookie(&first);
    let phone =
        device_cookie(&send(&app, api_login("sec_a", PASSWORD, None, "198.51.100.8")).await);
    for _ in 0..5 {
        let r = send(
            &app,
            api_login("sec_a", "wrong-pass", laptop.as_deref(), "198.51.100.7"),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = send(
        &app,
        api_login("sec_a", PASSWORD, laptop.as_deref(), "198.51.100.7"),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the laptop's own lock"
    );
    // Another known device, and an unknown one, are not shut out by the
    // laptop's failures.
    let r = send(
        &app,
        api_login("sec_a", PASSWORD, phone.as_deref(), "198.51.100.8"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = send(&app, api_login("sec_a", PASSWORD, None, "192.0.2.99")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // The cookie is for the server only, and lasts well beyond a session.
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    assert!(set.contains("Path=/;") || set.ends_with("Path=/"), "{set}");
    let max_age: i64 = set
        .split("Max-Age=")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    assert!(max_age >= 90 * 86_400, "{set}");
}

#[engines]
async fn device_cookies_outlive_a_restart_and_hold_on_every_instance() {
    let app = app().await;
    let first = send(&app, api_login("admin", PASSWORD, None, "198.51.100.7")).await;
    let device = device_cookie(&first).expect("device cookie");
    // Another server on the same database (or this one after a restart:
    // its failure counts are gone, the signing key is not).
    let state = shequ_server::AppState::new(Settings::default(), app.store.clone()).expect("state");
    let other = shequ_server::router(state);
    let status = |req: Request<Body>| {
        let other = other.clone();
        async move { other.oneshot(req).await.expect("infallible").status() }
    };
    for i in 0..10 {
        let s = status(api_login(
            "admin",
            &format!("guess-{i}"),
            None,
            "203.0.113.66",
        ))
        .await;
        assert!(matches!(s.as_u16(), 401 | 429), "{s}");
    }
    let s = status(api_login("admin", PASSWORD, None, "192.0.2.99")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "unknown device");
    let s = status(api_login("admin", PASSWORD, Some(&device), "192.0.2.99")).await;
    assert_eq!(s, StatusCode::OK, "known device");
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

#[engines]
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

#[engines]
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

#[engines]
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

#[engines]
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
