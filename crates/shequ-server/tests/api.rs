//! The JSON API in process: authentication, data scope, masking, the
//! access log, accounts and the OpenAPI description.

mod common;

use axum::http::{Request, header};
use common::*;
use serde_json::json;
use shequ_server::Settings;
use shequ_store::{Paging, Scope};

#[engines]
async fn healthz_answers_when_the_database_does() {
    let app = app().await;
    let resp = app.send(get("/healthz", None)).await;
    assert_eq!(resp.status(), 200);
    app.store.close().await;
    let resp = app.send(get("/healthz", None)).await;
    assert_eq!(
        resp.status(),
        503,
        "a closed database must not look healthy"
    );
}

#[engines]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = app().await;
    let wrong = app
        .json(post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "sec_a", "password": "nope-nope"}),
        ))
        .await;
    let unknown = app
        .json(post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "ghost", "password": "nope-nope"}),
        ))
        .await;
    assert_eq!(wrong.0, 401);
    assert_eq!(wrong, unknown, "no hint which part was wrong");
    assert_eq!(wrong.1["error"]["code"], "invalid_credentials");
}

#[engines]
async fn repeated_failures_are_refused_for_a_while() {
    let app = app_with(Settings {
        login_max_failures: 3,
        ..Settings::default()
    })
    .await;
    let attempt = || {
        post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "sec_a", "password": "guess-123"}),
        )
    };
    for _ in 0..3 {
        assert_eq!(app.json(attempt()).await.0, 401);
    }
    let resp = app.send(attempt()).await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()[header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("secs");
    assert!((1..=30).contains(&retry), "{retry}");
    // Even the right password waits until the lock-out ends.
    let right = post_json(
        "/api/v1/auth/login",
        None,
        &json!({"username": "sec_a", "password": PASSWORD}),
    );
    assert_eq!(app.json(right).await.0, 429);
    // Another user is not locked (the in-process client has no address).
    let other = post_json(
        "/api/v1/auth/login",
        None,
        &json!({"username": "sec_b", "password": PASSWORD}),
    );
    assert_eq!(app.json(other).await.0, 200);
}

#[engines]
async fn tokens_expire_and_logout_ends_them() {
    let app = app_with(Settings {
        bearer_token_hours: 0,
        ..Settings::default()
    })
    .await;
    let token = app.login("sec_a").await;
    let (status, body) = app.json(get("/api/v1/me", Some(&token))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("session_expired"))
    );

    let app = common::app().await;
    let token = app.login("sec_a").await;
    let (status, me) = app.json(get("/api/v1/me", Some(&token))).await;
    assert_eq!((status, me["username"].as_str()), (200, Some("sec_a")));
    let resp = app
        .send(post_json("/api/v1/auth/logout", Some(&token), &json!({})))
        .await;
    assert_eq!(resp.status(), 204);
    assert_eq!(app.json(get("/api/v1/me", Some(&token))).await.0, 401);
    assert_eq!(
        app.json(get("/api/v1/me", Some("shequ_u_forged"))).await.0,
        401
    );
    assert_eq!(
        app.json(get("/api/v1/me", None)).await.1["error"]["code"],
        "login_required"
    );
}

#[engines]
async fn a_secretary_sees_only_her_neighbourhood() {
    let app = app().await;
    let token = app.login("sec_a").await;
    let (status, page) = app
        .json(get("/api/v1/people?name=%E7%8E%8B", Some(&token)))
        .await;
    assert_eq!(status, 200, "{page}");
    let names: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["王建国", "王秀英"], "王芳 lives in B");
    assert_eq!(page["total"], 2);

    // Masked everywhere in listings.
    let first = &page["items"][0];
    assert_eq!(first["identity_number"], "310***********0022");
    assert_eq!(first["phone"], "139****5678");
    let raw = page.to_string();
    assert!(!raw.contains("13912345678"));

    // Asking for B's region is refused and logged.
    let (status, body) = app
        .json(get("/api/v1/people?region=310104011002", Some(&token)))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("out_of_scope"))
    );
    let tree = app.json(get("/api/v1/regions", Some(&token))).await.1;
    assert_eq!(
        tree[0]["code"], "310104011001",
        "tree is rooted at her neighbourhood"
    );
    assert_eq!(tree.as_array().map(Vec::len), Some(1));

    // Opening B's resident by id is refused and logged too.
    let fang = app
        .store
        .search_people(
            &Scope::everything(),
            &shequ_store::people::PeopleQuery {
                name_prefix: Some("王芳".into()),
                ..Default::default()
            },
            Paging::new(None, None),
        )
        .await
        .expect("q")
        .items[0]
        .id;
    let (status, _) = app
        .json(get(&format!("/api/v1/people/{fang}"), Some(&token)))
        .await;
    assert_eq!(status, 403);
    let log = app
        .store
        .access_log_in(&Scope::everything(), Paging::new(None, None))
        .await
        .expect("log");
    let denied: Vec<(&str, &str, &str)> = log
        .items
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.actor_username.as_str(),
                e.subject_kind.as_str(),
            )
        })
        .collect();
    assert_eq!(
        denied,
        [("denied", "sec_a", "person"), ("denied", "sec_a", "region")]
    );
    assert_eq!(
        app.json(get("/api/v1/people/999999", Some(&token))).await.0,
        404
    );
}

#[engines]
async fn revealing_needs_a_reason_a_role_and_is_logged() {
    let app = app().await;
    let sec = app.login("sec_a").await;
    let people = app
        .json(get("/api/v1/people?tag=elderly_living_alone", Some(&sec)))
        .await
        .1;
    let id = people["items"][0]["id"].as_i64().expect("id");
    let url = format!("/api/v1/people/{id}/reveal");

    let (status, body) = app
        .json(post_json(
            &url,
            Some(&sec),
            &json!({"fields": ["phone"], "reason": " "}),
        ))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "reason");
    let (status, _) = app
        .json(post_json(
            &url,
            Some(&sec),
            &json!({"fields": ["passport"], "reason": "上门走访"}),
        ))
        .await;
    assert_eq!(status, 422);
    let all = Paging::new(None, None);
    assert_eq!(
        app.store
            .access_log_in(&Scope::everything(), all)
            .await
            .expect("log")
            .total,
        0,
        "refused reveals leave no reveal entry"
    );

    let (status, body) = app
        .json(post_json(
            &url,
            Some(&sec),
            &json!({"fields": ["phone", "identity_number"], "reason": "上门走访核对"}),
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["phone"], "13912345678");
    assert_eq!(body["identity_number"], "310104194001010019");

    // A grid worker may see phones but not identity numbers.
    let grid = app.login("grid_a").await;
    let (status, _) = app
        .json(post_json(
            &url,
            Some(&grid),
            &json!({"fields": ["identity_number"], "reason": "核对"}),
        ))
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .json(post_json(
            &url,
            Some(&grid),
            &json!({"fields": ["phone"], "reason": "电话回访"}),
        ))
        .await;
    assert_eq!((status, body["phone"].as_str()), (200, Some("13912345678")));

    // A secretary of B cannot reveal A's resident.
    let sec_b = app.login("sec_b").await;
    assert_eq!(
        app.json(post_json(
            &url,
            Some(&sec_b),
            &json!({"fields": ["phone"], "reason": "好奇"})
        ))
        .await
        .0,
        403
    );

    let log = app
        .store
        .access_log_in(&Scope::everything(), all)
        .await
        .expect("log");
    let rows: Vec<(&str, &str, &str, &str)> = log
        .items
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.actor_username.as_str(),
                e.fields.as_str(),
                e.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("denied", "sec_b", "", ""),
            ("reveal", "grid_a", "phone", "电话回访"),
            ("reveal", "sec_a", "phone,identity_number", "上门走访核对"),
        ]
    );
}

#[engines]
async fn the_district_organiser_reads_no_residents() {
    let app = app().await;
    let token = app.login("organiser").await;
    let (status, body) = app.json(get("/api/v1/people", Some(&token))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden_role"))
    );
    let (status, places) = app.json(get("/api/v1/places", Some(&token))).await;
    assert_eq!((status, places["total"].as_i64()), (200, Some(2)));
    let (status, detail) = app
        .json(get("/api/v1/regions/310104011001", Some(&token)))
        .await;
    assert_eq!(status, 200);
    assert!(
        detail["population"].is_null(),
        "no resident counts for this role"
    );
}

#[engines]
async fn places_and_regions_are_scoped_and_validated() {
    let app = app().await;
    let sec = app.login("sec_b").await;
    let (status, page) = app.json(get("/api/v1/places", Some(&sec))).await;
    assert_eq!((status, page["total"].as_i64()), (200, Some(1)));
    assert_eq!(page["items"][0]["code"], "B1");
    let (status, body) = app
        .json(get("/api/v1/places?kind=castle", Some(&sec)))
        .await;
    assert_eq!(
        (status, body["error"]["fields"][0]["field"].as_str()),
        (422, Some("kind"))
    );
    let a1 = app.store.place_refs(&["A1"]).await.expect("refs")["A1"].id;
    // Outside the scope: refused as a person would be (and logged, see
    // tests/security.rs), not passed off as missing.
    assert_eq!(
        app.json(get(&format!("/api/v1/places/{a1}"), Some(&sec)))
            .await
            .0,
        403
    );
    let (status, detail) = app
        .json(get("/api/v1/regions/310104011002", Some(&sec)))
        .await;
    assert_eq!(status, 200);
    assert_eq!(detail["population"]["residents"], 1);
    assert_eq!(detail["polygon"]["type"], "Polygon");
    assert_eq!(detail["ancestors"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        app.json(get("/api/v1/regions/310104011001", Some(&sec)))
            .await
            .0,
        403
    );
    assert_eq!(
        app.json(get("/api/v1/regions/nope", Some(&sec))).await.0,
        404
    );
    let (status, households) = app.json(get("/api/v1/households", Some(&sec))).await;
    assert_eq!((status, households["total"].as_i64()), (200, Some(1)));
    let hid = households["items"][0]["id"].as_i64().expect("id");
    let (status, hh) = app
        .json(get(&format!("/api/v1/households/{hid}"), Some(&sec)))
        .await;
    assert_eq!(
        (status, hh["members"].as_array().map(Vec::len)),
        (200, Some(1))
    );
}

#[engines]
async fn admins_manage_users_and_scoped_api_tokens() {
    let app = app().await;
    let admin = app.login("admin").await;
    let sec = app.login("sec_a").await;
    let new_user = json!({"username": "grid_b", "password": "long-enough-pw", "role": "grid_worker",
                          "region": "31010401100201", "display_name": "刘网格", "phone": "13700001111"});
    assert_eq!(
        app.json(post_json("/api/v1/users", Some(&sec), &new_user))
            .await
            .0,
        403
    );
    let (status, created) = app
        .json(post_json("/api/v1/users", Some(&admin), &new_user))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["region_path"], GRID_B);
    assert_eq!(
        app.json(post_json("/api/v1/users", Some(&admin), &new_user))
            .await
            .0,
        409
    );
    let bad =
        json!({"username": "bad user", "password": "short", "role": "mayor", "region": "nowhere"});
    let (status, body) = app
        .json(post_json("/api/v1/users", Some(&admin), &bad))
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().expect("f"))
        .collect();
    assert_eq!(fields, ["username", "password", "role", "region"]);
    let (status, users) = app.json(get("/api/v1/users", Some(&admin))).await;
    assert_eq!((status, users["total"].as_i64()), (200, Some(8)));

    // A device token for neighbourhood B reads places there, not people, not A.
    let (status, tok) = app
        .json(post_json("/api/v1/tokens", Some(&admin), &json!({"name": "二村门禁", "scopes": ["registry:read", "devices:write"], "region": "310104011002"})))
        .await;
    assert_eq!(status, 201, "{tok}");
    let device = tok["token"].as_str().expect("token");
    assert!(device.starts_with("shequ_k_"));
    let (status, places) = app.json(get("/api/v1/places", Some(device))).await;
    assert_eq!((status, places["total"].as_i64()), (200, Some(1)));
    assert_eq!(app.json(get("/api/v1/people", Some(device))).await.0, 403);
    assert_eq!(
        app.json(get("/api/v1/regions/310104011001", Some(device)))
            .await
            .0,
        403
    );
    let (status, _) = app
        .json(post_json(
            "/api/v1/tokens",
            Some(&admin),
            &json!({"name": "x", "scopes": ["root"]}),
        ))
        .await;
    assert_eq!(status, 422);

    // A token without registry:read is refused; a revoked token is dead.
    let (_, t2) = app
        .json(post_json(
            "/api/v1/tokens",
            Some(&admin),
            &json!({"name": "仅上报", "scopes": ["devices:write"]}),
        ))
        .await;
    let writer = t2["token"].as_str().expect("token");
    assert_eq!(
        app.json(get("/api/v1/places", Some(writer))).await.1["error"]["code"],
        "token_scope"
    );
    let id = tok["id"].as_i64().expect("id");
    let resp = app
        .send(
            Request::delete(format!("/api/v1/tokens/{id}"))
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(resp.status(), 204);
    assert_eq!(app.json(get("/api/v1/places", Some(device))).await.0, 401);
}

#[engines]
async fn openapi_describes_every_route() {
    let app = app().await;
    let (status, doc) = app.json(get("/api/docs/openapi.json", None)).await;
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/auth/login",
        "/api/v1/people",
        "/api/v1/people/{id}/reveal",
        "/api/v1/regions",
        "/api/v1/tokens",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    assert!(doc["components"]["schemas"]["Person"].is_object());
    let resp = app.send(get("/api/docs", None)).await;
    assert_eq!(resp.status(), 200);
    use http_body_util::BodyExt;
    let html = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec(),
    )
    .expect("utf8");
    assert!(html.contains("/api/v1/people/{id}/reveal"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external resources"
    );
}

/// Item 8 of issue 12: the answers axum makes itself (body too large, JSON
/// that does not parse or fit, no content type, unknown path or method)
/// carry the API's error body, not plain text.
#[engines]
async fn the_frameworks_own_refusals_carry_the_apis_error_body() {
    let app = app().await;
    let token = app.login("operator").await;
    let raw = |method: &str, uri: &str, content_type: Option<&str>, body: Vec<u8>| {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        b.body(axum::body::Body::from(body)).expect("request")
    };
    let cases = [
        (
            raw(
                "POST",
                "/api/v1/orders",
                Some("application/json"),
                vec![b' '; 20 * 1024 * 1024],
            ),
            413,
            "payload_too_large",
        ),
        (
            raw(
                "POST",
                "/api/v1/orders",
                Some("application/json"),
                b"{not json".to_vec(),
            ),
            400,
            "bad_request",
        ),
        (
            raw(
                "POST",
                "/api/v1/teams",
                Some("application/json"),
                br#"{"code":"t","name":"n","members":["x"]}"#.to_vec(),
            ),
            422,
            "invalid_input",
        ),
        (
            raw("POST", "/api/v1/orders", None, b"{}".to_vec()),
            415,
            "unsupported_media_type",
        ),
        (
            raw("GET", "/api/v1/no-such-thing", None, vec![]),
            404,
            "not_found",
        ),
        (
            raw("DELETE", "/api/v1/people", None, vec![]),
            405,
            "method_not_allowed",
        ),
    ];
    for (req, status, code) in cases {
        let uri = req.uri().to_string();
        let resp = app.send(req).await;
        assert_eq!(resp.status().as_u16(), status, "{uri}");
        assert_eq!(
            resp.headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "{uri}"
        );
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .expect("body")
            .to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
        assert_eq!(body["error"]["code"], code, "{uri}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        if status == 422 {
            assert_eq!(body["error"]["fields"][0]["field"], "members[0]", "{body}");
        }
    }
}
