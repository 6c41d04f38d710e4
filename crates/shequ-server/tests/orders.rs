//! Work orders through the JSON API and intake: routing to the grid's
//! worker, the lifecycle with illegal moves refused, scope, reporters'
//! links and ratings, near duplicates, team routing by roster, 吹哨报到
//! and figures.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::json;
use shequ_domain::RegionPath;
use shequ_server::app::clock::ManualClock;
use shequ_server::orders::intake;
use shequ_server::orders::intake::Report;
use shequ_store::{Paging, Scope};

const T0: i64 = 1_800_000_000_000;

async fn app_at_t0() -> (TestApp, Arc<ManualClock>) {
    let mut app = app().await;
    let clock = Arc::new(ManualClock::new(T0));
    app.state = app.state.clone().with_clock(clock.clone());
    app.router = shequ_server::router(app.state.clone());
    (app, clock)
}

fn file(point: (f64, f64), category: &str) -> serde_json::Value {
    json!({"category": category, "title": "楼道堆物", "description": "3号楼楼道堆满杂物，影响通行",
           "address": "田林路1号", "lon": point.0, "lat": point.1, "reporter_name": "张先生",
           "reporter_phone": "13912340000"})
}

async fn act(
    app: &TestApp,
    token: &str,
    id: i64,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    app.json(post_json(
        &format!("/api/v1/orders/{id}/actions"),
        Some(token),
        &body,
    ))
    .await
}

#[engines]
async fn a_hotline_call_reaches_the_grid_worker_and_is_worked_to_the_end() {
    let (app, clock) = app_at_t0().await;
    let operator = app.login("operator").await;
    let (status, filed) = app
        .json(post_json(
            "/api/v1/orders",
            Some(&operator),
            &file(IN_A, "sanitation"),
        ))
        .await;
    assert_eq!(status, 201, "{filed}");
    let id = filed["id"].as_i64().expect("id");
    assert_eq!(
        filed["owner_user_id"].as_i64(),
        Some(app.user_id("grid_a").await),
        "the grid's own worker"
    );

    // The worker has a pop-up and an SMS waiting; the SMS names the order.
    let worker_id = app.user_id("grid_a").await;
    let popups = app.store.popups_for(worker_id, 0, 10).await.expect("q");
    assert_eq!(popups.len(), 1);
    assert!(
        popups[0].payload.contains(&format!("/orders/{id}")),
        "{}",
        popups[0].payload
    );
    let sms = app.store.due_outbox("sms", T0, 10).await.expect("q");
    assert_eq!(sms[0].recipient, "13800000001");
    assert!(
        sms[0].payload.contains(&format!("新工单{id}")),
        "{}",
        sms[0].payload
    );

    let worker = app.login("grid_a").await;
    let (_, mine) = app
        .json(get("/api/v1/orders?owner=me&state=pending", Some(&worker)))
        .await;
    assert_eq!(mine["total"], 1);
    let (status, body) = act(
        &app,
        &worker,
        id,
        json!({"action": "resolve", "note": "已清理"}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("order_wrong_state")),
        "must accept first"
    );
    clock.advance_ms(5 * 60_000);
    assert_eq!(
        act(&app, &worker, id, json!({"action": "accept"})).await.0,
        200
    );
    assert_eq!(
        act(&app, &worker, id, json!({"action": "start"})).await.0,
        200
    );
    let (status, body) = act(&app, &worker, id, json!({"action": "resolve", "note": " "})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("order_field_missing"))
    );
    clock.advance_ms(3_600_000);
    let (status, done) = act(
        &app,
        &worker,
        id,
        json!({"action": "resolve", "note": "已清理，物业已通知"}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["order"]["state"], "resolved");
    assert_eq!(
        act(&app, &worker, id, json!({"action": "fly"})).await.0,
        422
    );

    // The reporter left a phone: an SMS with a private rating link.
    let to_reporter = app
        .store
        .due_outbox("sms", clock_now(&clock), 10)
        .await
        .expect("q");
    let resolved_sms = to_reporter
        .iter()
        .find(|r| r.recipient == "13912340000")
        .expect("reporter sms");
    assert!(
        resolved_sms.payload.contains("/r/shequ_r_"),
        "{}",
        resolved_sms.payload
    );

    let (status, detail) = app
        .json(get(&format!("/api/v1/orders/{id}"), Some(&operator)))
        .await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = detail["trail"]
        .as_array()
        .expect("trail")
        .iter()
        .map(|e| e["action"].as_str().expect("a"))
        .collect();
    assert_eq!(
        actions,
        ["create", "dispatch", "accept", "start", "resolve"]
    );
    let report = app.store.verify_trails(Some(id)).await.expect("verify");
    assert_eq!((report.events, report.broken), (5, None));

    let (_, counts) = app
        .json(get("/api/v1/orders/counts", Some(&operator)))
        .await;
    assert_eq!(counts["by_state"], json!({"resolved": 1}));
    let (_, figures) = app
        .json(get("/api/v1/figures?group=person", Some(&operator)))
        .await;
    let row = &figures[0];
    assert_eq!(
        (
            row["orders"].as_i64(),
            row["accepted_on_time"].as_i64(),
            row["resolved_on_time"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(row["on_time_acceptance"].as_f64(), Some(1.0));
    assert!((row["avg_accept_minutes"].as_f64().expect("avg") - 5.0).abs() < 1e-6);
}

fn clock_now(c: &ManualClock) -> i64 {
    use shequ_server::app::clock::Clock;
    c.now_ms()
}

#[engines]
async fn other_neighbourhoods_cannot_see_or_touch_an_order() {
    let (app, _) = app_at_t0().await;
    let operator = app.login("operator").await;
    let id = app
        .json(post_json(
            "/api/v1/orders",
            Some(&operator),
            &file(IN_A, "noise"),
        ))
        .await
        .1["id"]
        .as_i64()
        .expect("id");
    let sec_b = app.login("sec_b").await;
    assert_eq!(
        app.json(get(&format!("/api/v1/orders/{id}"), Some(&sec_b)))
            .await
            .0,
        403
    );
    let (status, body) = act(&app, &sec_b, id, json!({"action": "note", "text": "看看"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("out_of_scope"))
    );
    let log = app
        .store
        .access_log_in(&Scope::everything(), Paging::new(None, None))
        .await
        .expect("log");
    assert_eq!(log.total, 2, "both refusals are logged");
    assert!(
        log.items
            .iter()
            .all(|e| e.subject_kind == "order" && e.action == "denied")
    );
    let (_, listed) = app.json(get("/api/v1/orders", Some(&sec_b))).await;
    assert_eq!(listed["total"], 0);
    // A grid worker may not dispatch.
    let worker = app.login("grid_a").await;
    let (status, _) = act(
        &app,
        &worker,
        id,
        json!({"action": "reassign", "to_user": 1}),
    )
    .await;
    assert_eq!(status, 409);
    // A secretary may not file a sensor order; a token without orders:write may not file at all.
    let (status, _) = app
        .json(post_json(
            "/api/v1/orders",
            Some(&operator),
            &json!({"category": "noise", "source": "sensor", "address": "x", "description": "y"}),
        ))
        .await;
    assert_eq!(status, 422);
}

fn public_report(app: &TestApp, point: (f64, f64), phone: &str) -> Report {
    let _ = app;
    Report {
        category: "sanitation".into(),
        source: "public",
        title: String::new(),
        description: "垃圾桶满了没人清".into(),
        address: "田林路2号".into(),
        point: Some(point),
        place_id: None,
        subject_person_id: None,
        reporter_name: String::new(),
        reporter_phone: Some(phone.into()),
        reporter_email: None,
        external_id: None,
        attributes: serde_json::Value::Null,
        priority: None,
        scope_root: RegionPath::parse("/310000/310104/310104011/").expect("path"),
        actor: "reporter".into(),
        actor_user_id: None,
        reporter_link: true,
        resolve_by: None,
    }
}

#[engines]
async fn duplicates_go_to_the_command_centre_and_every_reporter_hears_the_outcome() {
    let (app, clock) = app_at_t0().await;
    let first = intake::submit(&app.state.orders, public_report(&app, IN_A, "13900000001"))
        .await
        .expect("first");
    assert_eq!(first.owner_user_id, Some(app.user_id("grid_a").await));
    assert!(first.likely_duplicate_of.is_none());
    clock.advance_ms(2 * 3_600_000);
    // 20 m away, two hours later: a likely duplicate.
    let near = (IN_A.0 + 0.0002, IN_A.1);
    let second = intake::submit(&app.state.orders, public_report(&app, near, "13900000002"))
        .await
        .expect("second");
    assert_eq!(second.likely_duplicate_of, Some(first.id));
    assert_eq!(
        second.owner_user_id,
        Some(app.user_id("operator").await),
        "to the command centre, not the worker again"
    );
    // 200 m away is a different problem.
    let far = intake::submit(
        &app.state.orders,
        public_report(&app, (IN_A.0 + 0.002, IN_A.1), "13900000003"),
    )
    .await
    .expect("far");
    assert_eq!(far.likely_duplicate_of, None);

    let operator = app.login("operator").await;
    let (status, linked) = act(
        &app,
        &operator,
        second.id,
        json!({"action": "cancel", "reason": {"kind": "duplicate", "of": first.id}}),
    )
    .await;
    assert_eq!(status, 200, "{linked}");
    assert_eq!(linked["order"]["duplicate_of"].as_i64(), Some(first.id));

    let worker = app.login("grid_a").await;
    act(&app, &worker, first.id, json!({"action": "accept"})).await;
    act(
        &app,
        &worker,
        first.id,
        json!({"action": "resolve", "note": "已清运"}),
    )
    .await;
    let sms = app
        .store
        .due_outbox("sms", clock_now(&clock), 50)
        .await
        .expect("q");
    let to: Vec<&str> = sms.iter().map(|r| r.recipient.as_str()).collect();
    assert!(
        to.contains(&"13900000001") && to.contains(&"13900000002"),
        "both reporters told: {to:?}"
    );

    // The reporter's link: status, then a rating that reopens once.
    let token = first.reporter_token.expect("link");
    let (status, seen) = app
        .json(get(&format!("/api/v1/reports/{token}"), None))
        .await;
    assert_eq!(
        (status, seen["state"].as_str(), seen["can_rate"].as_bool()),
        (200, Some("resolved"), Some(true))
    );
    assert!(
        !seen.to_string().contains("user:"),
        "no staff identities for the public"
    );
    let (status, after) = app
        .json(post_json(
            &format!("/api/v1/reports/{token}/rating"),
            None,
            &json!({"rating": "unsatisfied", "reopen": true}),
        ))
        .await;
    assert_eq!((status, after["state"].as_str()), (200, Some("pending")));
    act(&app, &worker, first.id, json!({"action": "accept"})).await;
    act(
        &app,
        &worker,
        first.id,
        json!({"action": "resolve", "note": "再次清运"}),
    )
    .await;
    let (status, body) = app
        .json(post_json(
            &format!("/api/v1/reports/{token}/rating"),
            None,
            &json!({"rating": "unsatisfied", "reopen": true}),
        ))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("order_reopen_used"))
    );
    let (status, closed) = app
        .json(post_json(
            &format!("/api/v1/reports/{token}/rating"),
            None,
            &json!({"rating": "basically_satisfied"}),
        ))
        .await;
    assert_eq!(
        (status, closed["state"].as_str(), closed["rating"].as_str()),
        (200, Some("closed"), Some("basically_satisfied"))
    );
    assert_eq!(
        app.json(get("/api/v1/reports/shequ_r_forged", None))
            .await
            .0,
        404
    );
    assert_eq!(
        app.json(post_json(
            &format!("/api/v1/reports/{token}/rating"),
            None,
            &json!({"rating": "great"})
        ))
        .await
        .0,
        422
    );
}

#[engines]
async fn a_team_rule_picks_who_is_on_duty_and_departments_report_in() {
    let (app, clock) = app_at_t0().await;
    let admin = app.login("admin").await;
    let (a, b) = (app.user_id("grid_a").await, app.user_id("gw_b").await);
    let (status, team) = app
        .json(post_json(
            "/api/v1/teams",
            Some(&admin),
            &json!({"code": "urban_mgmt", "name": "城管中队", "region": "310104011"}),
        ))
        .await;
    assert_eq!(status, 201, "{team}");
    let team_id = team["id"].as_i64().expect("id");
    for (user, start, end) in [
        (a, T0 + 3_600_000, T0 + 7_200_000),
        (b, T0 - 3_600_000, T0 + 3_600_000),
    ] {
        let (status, body) = app
            .json(post_json(
                &format!("/api/v1/teams/{team_id}/shifts"),
                Some(&admin),
                &json!({"user_id": user, "starts_at": start, "ends_at": end}),
            ))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, rule) = app
        .json(post_json(
            "/api/v1/routing-rules",
            Some(&admin),
            &json!({"category": "street_vending", "region": "310104011", "team": team_id}),
        ))
        .await;
    assert_eq!(status, 201, "{rule}");
    let operator = app.login("operator").await;
    let filed = app
        .json(post_json(
            "/api/v1/orders",
            Some(&operator),
            &file(IN_A, "street_vending"),
        ))
        .await
        .1;
    assert_eq!(
        filed["owner_user_id"].as_i64(),
        Some(b),
        "only gw_b is on duty now"
    );
    clock.advance_ms(2 * 3_600_000 - 1);
    let filed = app
        .json(post_json(
            "/api/v1/orders",
            Some(&operator),
            &file(IN_B, "street_vending"),
        ))
        .await
        .1;
    assert_eq!(
        filed["owner_user_id"].as_i64(),
        Some(a),
        "later, grid_a's shift"
    );
    let id = filed["id"].as_i64().expect("id");

    // 吹哨报到: summon the team; a member reports in.
    let (status, _) = act(
        &app,
        &operator,
        id,
        json!({"action": "summon", "teams": [team_id], "within_minutes": 30}),
    )
    .await;
    assert_eq!(status, 200);
    let gw_b = app.login("gw_b").await;
    let (status, body) = act(
        &app,
        &gw_b,
        id,
        json!({"action": "report_in", "team": team_id, "note": "城管已到场"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, detail) = app
        .json(get(&format!("/api/v1/orders/{id}"), Some(&operator)))
        .await;
    let p = &detail["participants"][0];
    assert_eq!(
        (p["kind"].as_str(), p["team_name"].as_str()),
        (Some("summoned"), Some("城管中队"))
    );
    assert!(p["reported_at"].as_i64().is_some());
    let rules = app.json(get("/api/v1/routing-rules", Some(&admin))).await.1;
    assert_eq!(rules.as_array().map(Vec::len), Some(1));
}

#[engines]
async fn systems_file_with_scoped_tokens_and_external_ids_are_idempotent() {
    let (app, _) = app_at_t0().await;
    let admin = app.login("admin").await;
    let token = |scopes: serde_json::Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.json(post_json(
                "/api/v1/tokens",
                Some(&admin),
                &json!({"name": "sensor", "scopes": scopes, "region": "310104011"}),
            ))
            .await
            .1["token"]
                .as_str()
                .expect("token")
                .to_owned()
        }
    };
    let writer = token(json!(["orders:write"])).await;
    let reader = token(json!(["registry:read"])).await;
    let body = json!({"category": "elderly_care", "source": "sensor", "description": "王秀英 48 小时未出门",
                      "lon": IN_B.0, "lat": IN_B.1, "external_id": "alert-42"});
    let (status, first) = app
        .json(post_json("/api/v1/orders", Some(&writer), &body))
        .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(
        first["owner_user_id"].as_i64(),
        Some(app.user_id("gw_b").await)
    );
    let (status, again) = app
        .json(post_json("/api/v1/orders", Some(&writer), &body))
        .await;
    assert_eq!(
        (status, again["id"].clone(), again["new"].as_bool()),
        (200, first["id"].clone(), Some(false))
    );
    assert_eq!(
        app.json(post_json("/api/v1/orders", Some(&reader), &body))
            .await
            .0,
        403
    );
    let (status, bad) = app
        .json(post_json(
            "/api/v1/orders",
            Some(&writer),
            &json!({"category": "nope", "description": "x", "address": "y"}),
        ))
        .await;
    assert_eq!(
        (status, bad["error"]["fields"][0]["field"].as_str()),
        (422, Some("category"))
    );
    let (status, bad) = app
        .json(post_json(
            "/api/v1/orders",
            Some(&writer),
            &json!({"category": "noise", "description": "x"}),
        ))
        .await;
    assert_eq!(
        (status, bad["error"]["fields"][0]["field"].as_str()),
        (422, Some("location"))
    );
    let orders = app
        .store
        .orders_in(
            &Scope::everything(),
            &Default::default(),
            Paging::new(None, None),
        )
        .await
        .expect("q");
    assert_eq!(orders.total, 1);
}

/// Item 1 of issue 12 for orders: while the database cannot grow, a new
/// order is answered 503 `storage_full` with `Retry-After` (nothing was
/// filed), and filing works again once there is room, without a restart.
// SQLite only: the full disk is simulated by capping SQLite's page count.
#[tokio::test]
async fn a_full_disk_answers_retry_later_for_orders_and_resumes_when_there_is_room() {
    let (app, _) = app_at_t0().await;
    let op = app.login("operator").await;
    let observer = shequ_store::Store::open(&app.database_url())
        .await
        .expect("second connection");
    let order = |n: usize| {
        post_json(
            "/api/v1/orders",
            Some(&op),
            &json!({"category": "sanitation", "description": format!("{n} 号楼道堆物，{}", "杂物".repeat(400)),
                    "lon": IN_A.0, "lat": IN_A.1}),
        )
    };
    app.store
        .cap_sqlite_pages_for_tests(Some(0))
        .await
        .expect("cap");
    let mut filed = Vec::new();
    let mut refused = 0;
    for n in 0..20 {
        let resp = app.send(order(n)).await;
        let status = resp.status().as_u16();
        let retry_after = resp.headers().get(axum::http::header::RETRY_AFTER).cloned();
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .expect("body")
            .to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON body");
        match status {
            201 => filed.push(body["id"].as_i64().expect("id")),
            503 => {
                assert_eq!(body["error"]["code"], "storage_full", "{body}");
                assert!(retry_after.is_some(), "503 without Retry-After");
                refused += 1;
            }
            other => panic!("order {n}: {other} {body}"),
        }
    }
    assert!(refused >= 10, "{refused} of 20 refused while full");
    app.store
        .cap_sqlite_pages_for_tests(None)
        .await
        .expect("room again");
    let (status, body) = app.json(order(99)).await;
    assert_eq!(status, 201, "filing resumes without a restart: {body}");
    filed.push(body["id"].as_i64().expect("id"));
    for id in filed {
        assert!(
            observer.order_by_id(id).await.expect("read").is_some(),
            "order {id} was answered 201 but is not committed"
        );
    }
    observer.close().await;
}

/// Item 7 of issue 12: an id in the input that names nothing (or nothing
/// in the caller's area) is a 422 naming the field, never a 500.
#[engines]
async fn references_to_what_does_not_exist_are_refused_naming_the_field() {
    let (app, _) = app_at_t0().await;
    let op = app.login("operator").await;
    let field_of = |body: &serde_json::Value| body["error"]["fields"][0]["field"].clone();
    let (status, body) = app
        .json(post_json(
            "/api/v1/orders",
            Some(&op),
            &json!({"category": "sanitation", "description": "楼道堆物", "lon": IN_A.0, "lat": IN_A.1,
                    "subject_person_id": 999_999}),
        ))
        .await;
    assert_eq!(
        (status, field_of(&body)),
        (422, json!("subject_person_id")),
        "{body}"
    );

    let (status, body) = app
        .json(post_json(
            "/api/v1/teams",
            Some(&op),
            &json!({"code": "fk_team", "name": "队", "members": [999_999]}),
        ))
        .await;
    assert_eq!((status, field_of(&body)), (422, json!("members")), "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "user_not_found");
    // Nothing half made: the team was not created without its members.
    let (_, teams) = app.json(get("/api/v1/teams", Some(&op))).await;
    assert!(
        !teams.to_string().contains("fk_team"),
        "a refused team is not stored: {teams}"
    );

    let (status, team) = app
        .json(post_json(
            "/api/v1/teams",
            Some(&op),
            &json!({"code": "fk_team2", "name": "队"}),
        ))
        .await;
    assert_eq!(status, 201, "{team}");
    let (status, body) = app
        .json(post_json(
            &format!("/api/v1/teams/{}/shifts", team["id"]),
            Some(&op),
            &json!({"user_id": 999_999, "starts_at": T0, "ends_at": T0 + 3_600_000}),
        ))
        .await;
    assert_eq!((status, field_of(&body)), (422, json!("user_id")), "{body}");

    // What no handler checked first is still a 4xx, from the one place
    // that maps constraint violations.
    let broken = app
        .store
        .add_team_member(team["id"].as_i64().expect("id"), 999_999)
        .await
        .expect_err("no such user");
    let answer = shequ_server::app::error::AppError::from(broken);
    assert_eq!(answer.status().as_u16(), 422, "{answer:?}");
    assert_eq!(answer.code(), "invalid_input");
}
