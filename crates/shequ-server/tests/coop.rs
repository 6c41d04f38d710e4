//! Regional cooperation over HTTP, on both engines: units, resources and
//! needs refused field by field; a need's matches ranked and explained;
//! a project that asks more than is left refused with nothing committed,
//! one without a need refused; the steps in order, the rating only once
//! done and only 1–5; scope (another neighbourhood's secretary sees none
//! of it, a grid worker changes nothing); and the year's project list.

mod common;

use common::*;
use serde_json::json;

fn field_codes(body: &serde_json::Value) -> Vec<(String, String)> {
    body["error"]["fields"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or("").to_owned(),
                        f["code"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn code(body: &serde_json::Value) -> Option<&str> {
    body["error"]["code"].as_str()
}

#[engines]
async fn a_need_is_matched_confirmed_as_a_project_stepped_and_rated() {
    let app = app().await;
    let sec = app.login("sec_a").await;
    let grid = app.login("grid_a").await;

    // Units: refused field by field, then registered.
    let (status, body) = app
        .json(post_json(
            "/api/v1/coop/units",
            Some(&sec),
            &json!({"code": "U1", "name": "", "kind": "shop", "place": "B1", "staff": "many"}),
        ))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_codes(&body),
        [
            ("name".into(), "required".into()),
            ("kind".into(), "coop_unit_kind_unknown".into()),
            ("place".into(), "place_unknown".into()),
            ("staff".into(), "number_invalid".into()),
        ],
        "B1 is in the other neighbourhood"
    );
    let unit = json!({"code": "U1", "name": "田林社区卫生服务中心", "kind": "医院", "place": "A1", "staff": "120"});
    let (status, body) = app
        .json(post_json("/api/v1/coop/units", Some(&grid), &unit))
        .await;
    assert_eq!((status, code(&body)), (403, Some("coop_not_allowed")));
    let (status, body) = app
        .json(post_json("/api/v1/coop/units", Some(&sec), &unit))
        .await;
    assert_eq!(
        (status, body["created"].as_bool()),
        (201, Some(true)),
        "{body}"
    );
    let (status, body) = app
        .json(post_json("/api/v1/coop/units", Some(&sec), &unit))
        .await;
    assert_eq!(
        (status, body["created"].as_bool()),
        (200, Some(false)),
        "{body}"
    );

    // Resources: a window that ends first, no capacity, an unknown unit.
    let (status, body) = app
        .json(post_json(
            "/api/v1/coop/resources",
            Some(&sec),
            &json!({"code": "R1", "title": "医生上门", "category": "health_visits", "unit": "U9",
                    "capacity": "0", "capacity_unit": "次/月", "windows": "2026-06-30~2026-03-01"}),
        ))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_codes(&body),
        [
            ("capacity".into(), "coop_capacity".into()),
            ("windows".into(), "coop_window_order".into()),
            ("unit".into(), "coop_unit_unknown".into()),
        ]
    );
    for (code, amount, windows) in [("R1", "10", ""), ("R2", "30", "2026-09-01~2026-12-31")] {
        let (status, body) = app
            .json(post_json(
                "/api/v1/coop/resources",
                Some(&sec),
                &json!({"code": code, "title": "医生上门", "category": "健康服务", "unit": "U1",
                        "capacity": amount, "capacity_unit": "visits_per_month", "windows": windows}),
            ))
            .await;
        assert_eq!(status, 201, "{body}");
    }

    // A need: ending before it starts is refused.
    let mut need = json!({"code": "N1", "title": "高龄老人上门体检", "category": "health_visits",
        "place": "A1", "raised_by": "田林一村居委会", "beneficiary_count": "40", "wanted": "6",
        "starts_on": "2026-03-01", "ends_on": "2026-02-01", "urgency": "较急"});
    let (status, body) = app
        .json(post_json("/api/v1/coop/needs", Some(&sec), &need))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_codes(&body),
        [("ends_on".into(), "coop_window_order".into())]
    );
    need["ends_on"] = json!("2026-06-30");
    let (status, body) = app
        .json(post_json("/api/v1/coop/needs", Some(&sec), &need))
        .await;
    assert_eq!(status, 201, "{body}");
    let need_id = body["id"].as_i64().expect("id");

    // Matches: R2 is not available in the need's months, so only R1.
    let url = format!("/api/v1/coop/needs/{need_id}");
    let (status, body) = app.json(get(&url, Some(&sec))).await;
    assert_eq!(status, 200, "{body}");
    let matches = body["matches"].as_array().expect("matches");
    assert_eq!(matches.len(), 1, "{body}");
    let m = &matches[0];
    assert_eq!(m["resource_code"], "R1");
    assert_eq!(m["default_amount"], 6);
    let en = m["explain_en"].as_str().expect("words");
    assert!(
        en.contains("10 of 10") && en.contains("not yet rated"),
        "{en}"
    );
    assert!(
        m["explain_zh"].as_str().expect("words").contains("10/10"),
        "{m}"
    );
    let r1 = m["resource_id"].as_i64().expect("id");

    // More than is left: refused, and nothing is committed.
    let project = |amount: u32, need: i64| json!({"need_id": need, "resources": [{"resource_id": r1, "amount": amount}]});
    let (status, body) = app
        .json(post_json(
            "/api/v1/coop/projects",
            Some(&sec),
            &project(11, need_id),
        ))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_codes(&body),
        [("amount".into(), "coop_commitment_exceeds".into())]
    );
    assert!(body.to_string().contains("10 of 10"), "{body}");
    let (_, resources) = app.json(get("/api/v1/coop/resources", Some(&sec))).await;
    assert_eq!(resources[0]["committed"], 0, "{resources}");
    // No need.
    let (status, body) = app
        .json(post_json(
            "/api/v1/coop/projects",
            Some(&sec),
            &project(1, 99_999),
        ))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_codes(&body),
        [("need_id".into(), "coop_need_unknown".into())]
    );
    let (status, body) = app
        .json(post_json(
            "/api/v1/coop/projects",
            Some(&sec),
            &project(6, need_id),
        ))
        .await;
    assert_eq!(status, 201, "{body}");
    let pid = body["id"].as_i64().expect("id");
    let purl = format!("/api/v1/coop/projects/{pid}");

    // Steps in order; a rating only once done, and only 1–5.
    let step = |status: &str| {
        post_json(
            &format!("{purl}/step"),
            Some(&sec),
            &json!({"status": status}),
        )
    };
    let (status, body) = app.json(step("done")).await;
    assert_eq!(
        (status, code(&body)),
        (409, Some("coop_project_transition")),
        "{body}"
    );
    let (status, body) = app.json(step("dropped")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_codes(&body),
        [("reason".into(), "coop_drop_reason".into())]
    );
    let rate = |rating: &str| {
        post_json(
            &format!("{purl}/rating"),
            Some(&sec),
            &json!({"rating": rating}),
        )
    };
    let (status, body) = app.json(rate("5")).await;
    assert_eq!(
        (status, code(&body)),
        (409, Some("coop_rating_not_done")),
        "{body}"
    );
    for s in ["agreed", "running", "done"] {
        assert_eq!(app.send(step(s)).await.status(), 204, "{s}");
    }
    let (status, body) = app.json(rate("6")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_codes(&body),
        [("rating".into(), "coop_rating".into())]
    );
    assert_eq!(app.send(rate("4")).await.status(), 204);
    let (_, body) = app.json(get(&purl, Some(&sec))).await;
    assert_eq!(
        (
            body["project"]["status"].as_str(),
            body["project"]["rating"].as_i64()
        ),
        (Some("done"), Some(4)),
        "{body}"
    );
    let actions: Vec<&str> = body["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["action"].as_str())
        .collect();
    assert_eq!(actions, ["create", "agreed", "running", "done", "rate"]);
    // Done gives its six back; the rating lands on the resource.
    let (_, resources) = app.json(get("/api/v1/coop/resources", Some(&sec))).await;
    assert_eq!(
        (
            resources[0]["committed"].as_i64(),
            resources[0]["rating_count"].as_i64()
        ),
        (Some(0), Some(1)),
        "{resources}"
    );

    // The year's list: one need, met.
    let (status, body) = app
        .json(get("/api/v1/coop/year?year=2026", Some(&sec)))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["figures"]["needs"], 1);
    assert_eq!(body["figures"]["met"], 1);
    assert_eq!(body["needs"][0]["best"]["resource_code"], "R1");

    // Scope: the other neighbourhood sees none of it; unknown ids are 404.
    let sec_b = app.login("sec_b").await;
    let (status, body) = app.json(get(&url, Some(&sec_b))).await;
    assert_eq!((status, code(&body)), (404, Some("coop_need_not_found")));
    let (status, body) = app.json(get(&purl, Some(&sec_b))).await;
    assert_eq!((status, code(&body)), (404, Some("coop_project_not_found")));
    let (_, list) = app
        .json(get("/api/v1/coop/needs?year=2026", Some(&sec_b)))
        .await;
    assert_eq!(list, json!([]));
    let (status, body) = app.json(get("/api/v1/coop/units/99999", Some(&sec))).await;
    assert_eq!((status, code(&body)), (404, Some("coop_unit_not_found")));
    let (status, body) = app
        .json(post_json(
            "/api/v1/coop/projects/99999/step",
            Some(&sec),
            &json!({"status": "agreed"}),
        ))
        .await;
    assert_eq!((status, code(&body)), (404, Some("coop_project_not_found")));
}
