//! The party capability over HTTP, on both engines: who sees which
//! organisations and members (scope and role, refusals logged), the
//! tree's counts, refused changes answered with their code and field, a
//! transfer through its steps, coverage, and the pages in both languages.

mod common;

use chrono::NaiveDate;
use common::*;
use serde_json::json;
use shequ_domain::party::OrgKind;
use shequ_store::Store;
use shequ_store::party::{NewPartyMember, NewPartyOrg};
use shequ_testkit::pages;

struct Party {
    /// 王建国, of neighbourhood A, in branch BA1.
    in_a: i64,
    /// 王芳, of neighbourhood B, in branch BB1.
    in_b: i64,
}

/// The street committee S (serving the street), a general branch per
/// neighbourhood (NA, NB) with a branch each (BA1, BB1), and a member in
/// each branch.
async fn party(store: &Store) -> Party {
    let region = |code: &'static str| async move {
        store
            .region_by_code(code)
            .await
            .expect("region")
            .expect(code)
            .region
            .id
    };
    let orgs: [(&str, OrgKind, Option<&str>, &str); 5] = [
        ("S", OrgKind::StreetWorkingCommittee, None, "310104011"),
        (
            "NA",
            OrgKind::NeighbourhoodGeneralBranch,
            Some("S"),
            "310104011001",
        ),
        (
            "NB",
            OrgKind::NeighbourhoodGeneralBranch,
            Some("S"),
            "310104011002",
        ),
        ("BA1", OrgKind::Branch, Some("NA"), "310104011001"),
        ("BB1", OrgKind::Branch, Some("NB"), "310104011002"),
    ];
    for (code, kind, parent, r) in orgs {
        store
            .create_party_org(
                &NewPartyOrg {
                    code,
                    name: code,
                    kind,
                    parent,
                    region_id: Some(region(r).await),
                    founded_on: None,
                },
                "setup",
                1,
            )
            .await
            .expect("org");
    }
    let people = store.monitored_people(None).await.expect("people");
    let find = |nbhd: &str, born: &str| {
        people
            .iter()
            .find(|p| p.region_path.contains(nbhd) && p.birth_date.starts_with(born))
            .map(|p| p.id)
            .expect("person")
    };
    let (in_a, in_b) = (find("310104011001", "1980"), find("310104011002", "1985"));
    let joined = NaiveDate::from_ymd_opt(2010, 7, 1).expect("day");
    for (person, org) in [(in_a, "BA1"), (in_b, "BB1")] {
        store
            .add_party_member(person, org, &NewPartyMember::full(joined), joined, 1)
            .await
            .expect("member");
    }
    Party { in_a, in_b }
}

fn codes(forest: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for n in forest.as_array().expect("a list") {
        out.push(n["code"].as_str().expect("code").to_owned());
        out.extend(codes(&n["children"]));
    }
    out
}

#[engines]
async fn each_user_sees_the_organisations_of_their_area_and_only_membership_roles_see_members() {
    let app = app().await;
    let p = party(&app.store).await;

    let operator = app.login("operator").await;
    let (status, forest) = app.json(get("/api/v1/party/orgs", Some(&operator))).await;
    assert_eq!(status, 200, "{forest}");
    assert_eq!(codes(&forest), ["S", "NA", "BA1", "NB", "BB1"]);
    assert_eq!(forest[0]["members_total"], 2, "{forest}");

    // A neighbourhood secretary sees their neighbourhood's organisations.
    let sec_a = app.login("sec_a").await;
    let (_, forest) = app.json(get("/api/v1/party/orgs", Some(&sec_a))).await;
    assert_eq!(codes(&forest), ["NA", "BA1"]);
    let (status, body) = app.json(get("/api/v1/party/orgs/NB", Some(&sec_a))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("out_of_scope"))
    );
    let (status, body) = app.json(get("/api/v1/party/orgs/NOPE", Some(&sec_a))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("party_org_not_found"))
    );
    let (status, org) = app.json(get("/api/v1/party/orgs/BA1", Some(&sec_a))).await;
    assert_eq!(status, 200, "{org}");
    assert_eq!(org["members"][0]["person_id"], p.in_a);
    let (status, m) = app
        .json(get(
            &format!("/api/v1/party/members/{}", p.in_a),
            Some(&sec_a),
        ))
        .await;
    assert_eq!(
        (status, m["member"]["org_code"].as_str()),
        (200, Some("BA1"))
    );
    let (status, _) = app
        .json(get(
            &format!("/api/v1/party/members/{}", p.in_b),
            Some(&sec_a),
        ))
        .await;
    assert_eq!(status, 403, "a member of another neighbourhood");
    let (status, body) = app
        .json(get("/api/v1/party/members/999999", Some(&sec_a)))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("party_member_not_found"))
    );

    // A grid worker's area is one grid, where no organisation serves; and
    // they never see who belongs to one.
    let grid = app.login("grid_a").await;
    let (status, forest) = app.json(get("/api/v1/party/orgs", Some(&grid))).await;
    assert_eq!((status, codes(&forest).len()), (200, 0));
    let operator_org = app
        .json(get("/api/v1/party/orgs/BA1", Some(&operator)))
        .await
        .1;
    assert!(operator_org["members"].is_array());
    let (status, body) = app
        .json(get(
            &format!("/api/v1/party/members/{}", p.in_a),
            Some(&grid),
        ))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("party_not_allowed"))
    );

    // Member reads and the refused read are in the access log.
    let log = app
        .store
        .access_log_in(
            &shequ_store::Scope::everything(),
            shequ_store::Paging::new(Some(1), Some(100)),
        )
        .await
        .expect("log");
    let kinds: Vec<(&str, &str)> = log
        .items
        .iter()
        .map(|e| (e.action.as_str(), e.subject_kind.as_str()))
        .collect();
    assert!(kinds.contains(&("view", "party_member")), "{kinds:?}");
    assert!(kinds.contains(&("view", "party_members")), "{kinds:?}");
    assert!(kinds.contains(&("denied", "party_org")), "{kinds:?}");
}

#[engines]
async fn refused_changes_name_their_code_and_a_transfer_moves_the_member_on_acceptance() {
    let app = app().await;
    let p = party(&app.store).await;
    let operator = app.login("operator").await;
    let send = |method: &'static str, uri: String, body: serde_json::Value| {
        let token = operator.clone();
        let app = &app;
        async move {
            let req = axum::http::Request::builder()
                .method(method)
                .uri(uri)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string()))
                .expect("request");
            app.json(req).await
        }
    };
    // A new branch, then a group under it; moving the branch under its own
    // group is a cycle.
    let (status, body) = send(
        "POST",
        "/api/v1/party/orgs".into(),
        json!({"code": "BA2", "name": "第二支部", "kind": "branch", "parent": "NA"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        "POST",
        "/api/v1/party/orgs".into(),
        json!({"code": "G1", "name": "第一党小组", "kind": "group", "parent": "BA2"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        "PATCH",
        "/api/v1/party/orgs/BA2".into(),
        json!({"parent": "G1"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["fields"][0]["code"], "party_move_cycle",
        "{body}"
    );
    assert_eq!(body["error"]["fields"][0]["field"], "parent", "{body}");
    let (status, body) = send(
        "POST",
        "/api/v1/party/orgs".into(),
        json!({"code": "X", "name": "X", "kind": "castle", "parent": "NA"}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["fields"][0]["field"].as_str()),
        (422, Some("kind")),
        "{body}"
    );
    // Dissolving a branch that still has a member says so.
    let (status, body) = send("DELETE", "/api/v1/party/orgs/BA1".into(), json!({})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["fields"][0]["code"], "party_dissolve_not_empty",
        "{body}"
    );

    // The member moves from BA1 to BA2 when BA2 accepts.
    let (status, body) = send(
        "POST",
        "/api/v1/party/transfers".into(),
        json!({"person_id": p.in_a, "to": "BA2"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().expect("id");
    let (_, org) = send("GET", "/api/v1/party/orgs/BA1".into(), json!({})).await;
    assert_eq!(
        org["members"].as_array().map(Vec::len),
        Some(1),
        "the sender counts them until accepted"
    );
    let (_, open) = send("GET", "/api/v1/party/transfers?open=true".into(), json!({})).await;
    assert_eq!(open[0]["id"], id, "{open}");
    assert_eq!(open[0]["unanswered"], false, "{open}");
    let (status, body) = send(
        "POST",
        format!("/api/v1/party/transfers/{id}/fly"),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["fields"][0]["field"].as_str()),
        (422, Some("step")),
        "{body}"
    );
    let (status, body) = send(
        "POST",
        format!("/api/v1/party/transfers/{id}/accept"),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("accepted")),
        "{body}"
    );
    let (_, m) = send(
        "GET",
        format!("/api/v1/party/members/{}", p.in_a),
        json!({}),
    )
    .await;
    assert_eq!(m["member"]["org_code"], "BA2", "{m}");
    assert_eq!(m["path"].as_array().map(Vec::len), Some(2), "{m}");
    let (status, body) = send(
        "POST",
        "/api/v1/party/transfers/999999/accept".into(),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("party_transfer_not_found"))
    );

    // Committee seats: one secretary at a time, terms that end after they
    // start, and only members.
    let seat = |person: i64, role: &str, from: &str, to: &str| json!({"person_id": person, "role": role, "term_start": from, "term_end": to});
    let (status, body) = send(
        "POST",
        "/api/v1/party/orgs/BA2/seats".into(),
        seat(p.in_a, "secretary", "2024-01-01", "2029-01-01"),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        "POST",
        "/api/v1/party/orgs/BA2/seats".into(),
        seat(p.in_b, "secretary", "2025-01-01", "2030-01-01"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["fields"][0]["code"], "party_committee_seats",
        "{body}"
    );
    let (status, body) = send(
        "POST",
        "/api/v1/party/orgs/BA2/seats".into(),
        seat(p.in_b, "member", "2025-01-01", "2024-01-01"),
    )
    .await;
    assert_eq!(
        (status, body["error"]["fields"][0]["field"].as_str()),
        (422, Some("term_end")),
        "{body}"
    );
    let (status, body) = send(
        "POST",
        "/api/v1/party/orgs/BA2/seats".into(),
        seat(999_999, "member", "2025-01-01", "2026-01-01"),
    )
    .await;
    assert_eq!(
        (status, body["error"]["fields"][0]["field"].as_str()),
        (422, Some("person_id")),
        "{body}"
    );
    let (_, org) = send("GET", "/api/v1/party/orgs/BA2".into(), json!({})).await;
    assert_eq!(org["committee"][0]["role"], "secretary", "{org}");

    // With BA1 empty it may go; its change log keeps the dissolution.
    let (status, _) = send("DELETE", "/api/v1/party/orgs/BA1".into(), json!({})).await;
    assert_eq!(status, 204);
    let (status, _) = send("GET", "/api/v1/party/orgs/BA1".into(), json!({})).await;
    assert_eq!(status, 404);

    // A grid worker changes nothing.
    let grid = app.login("grid_a").await;
    let (status, body) = app
        .json(post_json(
            "/api/v1/party/orgs",
            Some(&grid),
            &json!({"code": "Y", "name": "Y", "kind": "branch", "parent": "NA"}),
        ))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("party_not_allowed"))
    );

    // Coverage answers for the street (the HTTP street has no new-sector
    // place: nothing to count, no gap).
    let (status, cov) = send("GET", "/api/v1/party/coverage".into(), json!({})).await;
    assert_eq!(status, 200, "{cov}");
    assert_eq!(cov["total"]["places"], 0, "{cov}");
}

#[engines]
async fn the_party_pages_show_the_tree_an_organisation_a_member_and_refusals_in_both_languages() {
    let app = app().await;
    let p = party(&app.store).await;
    let cookie = pages::cookie(&app, "sec_a").await;
    let tree = pages::send(&app, pages::page_get("/party", Some(&cookie))).await;
    assert_eq!(tree.status, 200);
    let text = tree.text();
    assert!(
        text.contains("居民区党总支") && text.contains("/party/orgs/BA1"),
        "{text}"
    );
    assert!(
        !text.contains("/party/orgs/NB"),
        "another neighbourhood's organisation"
    );

    let org = pages::send(&app, pages::page_get("/party/orgs/BA1", Some(&cookie))).await;
    let text = org.text();
    assert_eq!(org.status, 200, "{text}");
    assert!(
        text.contains(&format!("/party/members/{}", p.in_a)),
        "{text}"
    );
    assert!(text.contains("撤销组织"), "a secretary manages it");

    let member = pages::send(
        &app,
        pages::page_get(&format!("/party/members/{}", p.in_a), Some(&cookie)),
    )
    .await;
    assert_eq!(member.status, 200);
    assert!(member.text().contains("正式党员"), "{}", member.text());

    // Dissolving a branch with a member re-renders the page with why.
    let refused = pages::send(
        &app,
        pages::form("/party/orgs/BA1/dissolve", Some(&cookie), ""),
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.text().contains("还有党员或下级组织"),
        "{}",
        refused.text()
    );
    assert!(
        refused.text().contains("还有 1 名直属党员、0 个下级组织"),
        "{}",
        refused.text()
    );

    // A seat from the committee form lands on the committee.
    let seated = pages::send(
        &app,
        pages::form(
            "/party/orgs/BA1/seats",
            Some(&cookie),
            &format!(
                "person={}&role=secretary&term_start=2024-06-01&term_end=2029-06-01",
                p.in_a
            ),
        ),
    )
    .await;
    assert_eq!(seated.status.as_u16(), 303, "{}", seated.text());
    let org = pages::send(&app, pages::page_get("/party/orgs/BA1", Some(&cookie))).await;
    assert!(
        org.text().contains("2024-06-01 – 2029-06-01"),
        "{}",
        org.text()
    );
    let bad = pages::send(
        &app,
        pages::form(
            "/party/orgs/BA1/seats",
            Some(&cookie),
            &format!(
                "person={}&role=member&term_start=2024-06-01&term_end=soon",
                p.in_a
            ),
        ),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.text());

    // A new branch from the form lands on its page.
    let made = pages::send(
        &app,
        pages::form(
            "/party/orgs",
            Some(&cookie),
            &format!(
                "parent=NA&kind=interest_branch&code=QA1&name={}",
                pages::enc("太极拳趣缘党支部")
            ),
        ),
    )
    .await;
    assert_eq!(
        (made.status.as_u16(), made.location()),
        (303, "/party/orgs/QA1"),
        "{}",
        made.text()
    );

    // English; a grid worker's area (one grid) holds no organisation, and
    // a neighbourhood's is refused.
    let en = pages::send(
        &app,
        pages::page_get("/party/orgs/BA1?lang=en", Some(&cookie)),
    )
    .await;
    let text = en.text();
    assert_eq!(en.status, 200, "{text}");
    assert!(
        text.contains("Branch") && text.contains("Full member"),
        "{text}"
    );
    let grid = pages::cookie(&app, "grid_a").await;
    let tree = pages::send(&app, pages::page_get("/party", Some(&grid))).await;
    assert_eq!(tree.status, 200);
    assert!(!tree.text().contains("/party/orgs/"), "{}", tree.text());
    let refused = pages::send(&app, pages::page_get("/party/orgs/BA1", Some(&grid))).await;
    assert_eq!(refused.status, 403);
    let coverage = pages::send(&app, pages::page_get("/party/coverage", Some(&cookie))).await;
    assert_eq!(coverage.status, 200);
    assert!(coverage.text().contains("两新领域党组织覆盖"));
    let transfers = pages::send(&app, pages::page_get("/party/transfers", Some(&cookie))).await;
    assert_eq!(transfers.status, 200);
}

#[engines]
async fn a_secretary_records_a_registered_members_service_and_sees_the_years_hours() {
    let app = app().await;
    let p = party(&app.store).await;
    let nbhd = app
        .store
        .region_by_code("310104011001")
        .await
        .expect("region")
        .expect("A")
        .region
        .id;
    let on = NaiveDate::from_ymd_opt(2026, 1, 5).expect("day");
    let reg = app
        .store
        .register_for_service(Some(p.in_a), None, nbhd, "安全巡逻", on, 1)
        .await
        .expect("register");
    let cookie = pages::cookie(&app, "sec_a").await;
    let page = pages::send(&app, pages::page_get("/party/registrations", Some(&cookie))).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("安全巡逻"), "{}", page.text());

    // Wrong hours are refused naming them; nothing is recorded.
    let bad = pages::send(
        &app,
        pages::form(
            "/party/registrations/record",
            Some(&cookie),
            &format!(
                "registration={reg}&day=2026-02-01&hours=30&what={}",
                pages::enc("巡逻")
            ),
        ),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("服务时长应大于0"), "{}", bad.text());
    let good = pages::send(
        &app,
        pages::form(
            "/party/registrations/record",
            Some(&cookie),
            &format!(
                "registration={reg}&day=2026-02-01&hours=2.5&what={}",
                pages::enc("夜间巡逻")
            ),
        ),
    )
    .await;
    assert_eq!(
        (good.status.as_u16(), good.location()),
        (303, "/party/registrations"),
        "{}",
        good.text()
    );
    let rows = app
        .store
        .registrations_in(&shequ_store::Scope::everything(), 2026)
        .await
        .expect("rows");
    assert_eq!((rows[0].records, rows[0].hours_tenths), (1, 25));

    // Another neighbourhood's secretary cannot record on it; a grid worker
    // sees no registrations.
    let sec_b = pages::cookie(&app, "sec_b").await;
    let other = pages::send(
        &app,
        pages::form(
            "/party/registrations/record",
            Some(&sec_b),
            &format!("registration={reg}&day=2026-02-01&hours=1&what=x"),
        ),
    )
    .await;
    assert_eq!(other.status, 404);
    let grid = pages::cookie(&app, "grid_a").await;
    let none = pages::send(&app, pages::page_get("/party/registrations", Some(&grid))).await;
    assert_eq!(none.status, 403);
}

async fn act_on(app: &TestApp, token: &str, order: i64, action: &str) -> u16 {
    let body = json!({"action": action, "note": "已修复，住户确认"});
    app.json(post_json(
        &format!("/api/v1/orders/{order}/actions"),
        Some(token),
        &body,
    ))
    .await
    .0
}

#[engines]
async fn a_meeting_decision_becomes_an_order_the_grid_worker_resolves_and_the_meeting_shows_it_done()
 {
    let app = app().await;
    party(&app.store).await;
    let today = app.state.core.today();
    let a1 = app
        .store
        .place_refs(&["A1"])
        .await
        .expect("places")
        .remove("A1")
        .expect("A1")
        .id;

    // The street's meeting, and neighbourhood A's under it.
    let operator = app.login("operator").await;
    let (status, street) = app
        .json(post_json(
            "/api/v1/party/meetings",
            Some(&operator),
            &json!({"code": "LX-S", "name": "街道社区党建联席会议", "region": "310104011", "convener": "S"}),
        ))
        .await;
    assert_eq!(status, 201, "{street}");
    assert_eq!(street["level"], "street");
    let sec_a = app.login("sec_a").await;
    let (status, m) = app
        .json(post_json(
            "/api/v1/party/meetings",
            Some(&sec_a),
            &json!({"code": "LX-A", "name": "A居民区联席会议", "region": "310104011001",
                    "convener": "NA", "parent_id": street["id"]}),
        ))
        .await;
    assert_eq!(status, 201, "{m}");
    let id = m["id"].as_i64().expect("id");
    // A secretary cannot open a meeting for the whole street.
    let (status, body) = app
        .json(post_json(
            "/api/v1/party/meetings",
            Some(&sec_a),
            &json!({"code": "LX-X", "name": "x", "region": "310104011"}),
        ))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("out_of_scope"))
    );

    let member = |body: serde_json::Value| {
        app.json(post_json(
            &format!("/api/v1/party/meetings/{id}/members"),
            Some(&sec_a),
            &body,
        ))
    };
    let (status, org) = member(json!({"org": "NA", "representative": "书记"})).await;
    assert_eq!(status, 201, "{org}");
    let (status, unit) = member(json!({"unit_name": "A小区物业", "representative": "经理"})).await;
    assert_eq!(status, 201, "{unit}");
    let (status, body) = member(json!({"unit_name": "A小区物业"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("party_meeting_member_taken"))
    );

    // Wrong sessions are refused naming the field; nothing is stored.
    let session = |held_on: String, decisions: serde_json::Value| {
        json!({"held_on": held_on, "venue": "居委会会议室", "agenda": "A1号楼门禁和楼道堆物",
               "minutes": "议定两项。", "attended": [org["id"], unit["id"]], "attendees": 9,
               "decisions": decisions})
    };
    let record = |body: serde_json::Value, token: &str| {
        app.json(post_json(
            &format!("/api/v1/party/meetings/{id}/sessions"),
            Some(token),
            &body,
        ))
    };
    let due = (today + chrono::Days::new(20)).to_string();
    let tomorrow = (today + chrono::Days::new(1)).to_string();
    for (body, field, code) in [
        (session(tomorrow, json!([])), "held_on", "party_session_day"),
        (
            session(
                today.to_string(),
                json!([{"title": "x", "category": "nope"}]),
            ),
            "category",
            "category_unknown",
        ),
        (
            session(
                today.to_string(),
                json!([{"title": "x", "category": "meeting_decision", "due_on": today.to_string()}]),
            ),
            "due_on",
            "party_decision_due",
        ),
    ] {
        let (status, e) = record(body, &sec_a).await;
        assert_eq!(status, 422, "{e}");
        assert_eq!(
            (
                e["error"]["fields"][0]["field"].as_str(),
                e["error"]["fields"][0]["code"].as_str()
            ),
            (Some(field), Some(code)),
            "{e}"
        );
    }
    let grid = app.login("grid_a").await;
    let (status, e) = record(session(today.to_string(), json!([])), &grid).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (403, Some("party_not_allowed"))
    );
    let (_, detail) = app
        .json(get(&format!("/api/v1/party/meetings/{id}"), Some(&sec_a)))
        .await;
    assert_eq!(detail["sessions"], json!([]), "{detail}");

    // The session: each decision becomes an order owned by one person.
    let (status, rec) = record(
        session(
            today.to_string(),
            json!([
                {"title": "修复A1号楼门禁", "category": "meeting_decision", "place_id": a1, "due_on": due},
                {"title": "清理楼道堆物", "category": "sanitation"}
            ]),
        ),
        &sec_a,
    )
    .await;
    assert_eq!(status, 201, "{rec}");
    let decisions = rec["decisions"].as_array().expect("decisions");
    assert_eq!(decisions.len(), 2, "{rec}");
    assert!(
        decisions.iter().all(|d| d["stage"] == "open"),
        "every decision filed: {rec}"
    );
    let first = &decisions[0];
    let order = first["order_id"].as_i64().expect("an order");
    let grid_id = app.user_id("grid_a").await;
    assert_eq!(
        first["order"]["owner_user_id"], grid_id,
        "{rec}: A1's grid worker"
    );
    let stored = app
        .store
        .order_by_id(order)
        .await
        .expect("q")
        .expect("order");
    assert_eq!(
        (stored.source.as_str(), stored.external_id.as_deref()),
        (
            "meeting",
            Some(format!("meeting-decision:{}", first["id"]).as_str())
        )
    );
    let end_of_due = chrono::NaiveDate::parse_from_str(&due, "%Y-%m-%d")
        .expect("due")
        .and_hms_opt(23, 59, 59)
        .expect("evening")
        .and_local_timezone(app.state.core.tz)
        .earliest()
        .expect("time")
        .timestamp_millis();
    assert_eq!(stored.resolve_due_at, end_of_due, "the decision's due day");

    // The grid worker resolves it; the meeting shows it done.
    for action in ["accept", "start", "resolve"] {
        assert_eq!(act_on(&app, &grid, order, action).await, 200, "{action}");
    }
    let (status, detail) = app
        .json(get(&format!("/api/v1/party/meetings/{id}"), Some(&sec_a)))
        .await;
    assert_eq!(status, 200, "{detail}");
    let shown = &detail["sessions"][0]["decisions"];
    assert_eq!(
        (shown[0]["stage"].as_str(), shown[1]["stage"].as_str()),
        (Some("done"), Some("open")),
        "{detail}"
    );
    assert_eq!(
        (
            detail["tally"]["done"].as_u64(),
            detail["tally"]["decisions"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(
        detail["sessions"][0]["attended"].as_array().map(Vec::len),
        Some(2)
    );
    let (_, list) = app
        .json(get("/api/v1/party/meetings", Some(&operator)))
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");

    // Another neighbourhood's secretary is refused; an unknown id is a 404.
    let sec_b = app.login("sec_b").await;
    let (status, e) = app
        .json(get(&format!("/api/v1/party/meetings/{id}"), Some(&sec_b)))
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (403, Some("out_of_scope"))
    );
    let (status, e) = app
        .json(get("/api/v1/party/meetings/999999", Some(&sec_a)))
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (404, Some("party_meeting_not_found"))
    );

    // The pages: the meeting shows the decision done; the order links back.
    let cookie = pages::cookie(&app, "sec_a").await;
    let page = pages::send(
        &app,
        pages::page_get(&format!("/party/meetings/{id}"), Some(&cookie)),
    )
    .await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(
        text.contains("修复A1号楼门禁") && text.contains("已办结"),
        "{text}"
    );
    // The street's meeting is named as the upper one, but not linked: its
    // page is outside the secretary's area.
    assert!(text.contains("街道社区党建联席会议"), "{text}");
    assert!(
        !text.contains(&format!("href=\"/party/meetings/{}\"", street["id"])),
        "{text}"
    );
    let fragment = pages::send(
        &app,
        pages::page_get(&format!("/party/meetings/{id}/progress"), Some(&cookie)),
    )
    .await;
    assert!(
        fragment.text().starts_with("<div id=\"progress\""),
        "{}",
        fragment.text()
    );
    let decision = first["id"].as_i64().expect("decision");
    let order_page = pages::send(
        &app,
        pages::page_get(&format!("/orders/{order}"), Some(&cookie)),
    )
    .await;
    assert!(
        order_page
            .text()
            .contains(&format!("/party/decisions/{decision}")),
        "{}",
        order_page.text()
    );
    let back = pages::send(
        &app,
        pages::page_get(&format!("/party/decisions/{decision}"), Some(&cookie)),
    )
    .await;
    assert_eq!(
        back.location(),
        format!("/party/meetings/{id}#decision-{decision}")
    );

    // A wrong session from the page's form is shown again with its error.
    let bad = pages::send(
        &app,
        pages::form(
            &format!("/party/meetings/{id}/sessions"),
            Some(&cookie),
            &format!(
                "held_on={today}&agenda=&d_title=x&d_category=meeting_decision&d_place=&d_due="
            ),
        ),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("请写明议题"), "{}", bad.text());
}

#[engines]
async fn a_decision_whose_filing_was_lost_is_filed_by_the_worker_once() {
    let app = app().await;
    party(&app.store).await;
    let region = app
        .store
        .region_by_code("310104011001")
        .await
        .expect("q")
        .expect("A")
        .region
        .id;
    let meeting = app
        .store
        .create_meeting(
            &shequ_store::party::NewMeeting {
                code: "LX-A".into(),
                name: "A居民区联席会议".into(),
                region_id: region,
                convener_org_id: None,
                parent_id: None,
            },
            "setup",
            1,
        )
        .await
        .expect("meeting");
    let today = app.state.core.today();
    // Stored as a crash would leave it: the session and decision written,
    // the order never filed.
    let (_, ids) = app
        .store
        .record_session(
            meeting,
            &shequ_store::party::NewSession {
                held_on: today,
                venue: String::new(),
                agenda: "议题".into(),
                minutes: String::new(),
                attended: vec![],
                attendees: 0,
                decisions: vec![shequ_store::party::NewDecision {
                    title: "修缮A区围墙".into(),
                    detail: String::new(),
                    category: "meeting_decision".into(),
                    place_id: None,
                    due_on: None,
                }],
            },
            "setup",
            today,
            1,
        )
        .await
        .expect("session");
    let sec_a = app.login("sec_a").await;
    let (_, detail) = app
        .json(get(
            &format!("/api/v1/party/meetings/{meeting}"),
            Some(&sec_a),
        ))
        .await;
    assert_eq!(detail["tally"]["unfiled"], 1, "{detail}");

    let filed = shequ_server::party::meetings::file_pending(&app.state.party)
        .await
        .expect("file");
    assert_eq!(filed, 1);
    assert_eq!(
        shequ_server::party::meetings::file_pending(&app.state.party)
            .await
            .expect("again"),
        0,
        "nothing left to file"
    );
    let d = app
        .store
        .decision(ids[0])
        .await
        .expect("q")
        .expect("decision");
    let order = d.order_id.expect("filed");
    assert_eq!(
        app.store
            .decision_of_order(order)
            .await
            .expect("q")
            .map(|d| d.id),
        Some(ids[0])
    );
    let o = app
        .store
        .order_by_id(order)
        .await
        .expect("q")
        .expect("order");
    assert_eq!(
        (o.source.as_str(), o.title.as_str()),
        ("meeting", "修缮A区围墙")
    );
}

#[engines]
async fn a_members_year_exports_for_the_democratic_evaluation_with_its_reason_logged() {
    use calamine::{Data, DataType, Reader};
    let app = app().await;
    let p = party(&app.store).await;
    let nbhd = app
        .store
        .region_by_code("310104011001")
        .await
        .expect("region")
        .expect("A")
        .region
        .id;
    let today = app.state.core.today();
    let year = chrono::Datelike::year(&today);
    // The 2nd of January, or today on New Year's Day.
    let on = NaiveDate::from_ymd_opt(year, 1, 2).expect("day").min(today);
    let reg = app
        .store
        .register_for_service(Some(p.in_a), None, nbhd, "安全巡逻,敬老探访", on, 1)
        .await
        .expect("register");
    for (day, hours, what) in [(on, "2", "夜间巡逻"), (today, "1.5", "探望独居老人")] {
        app.store
            .record_service(
                reg,
                day,
                shequ_domain::party::registration::Hours::parse(hours).expect("hours"),
                what,
                shequ_domain::party::registration::RecordSource::Registration,
                "sec_a",
                today,
                2,
            )
            .await
            .expect("record");
    }
    let sec_a = app.login("sec_a").await;
    let (status, e) = app
        .json(get(
            &format!("/api/v1/party/registrations/{reg}"),
            Some(&sec_a),
        ))
        .await;
    assert_eq!(status, 200, "{e}");
    assert_eq!(
        (
            e["records"].as_array().map(Vec::len),
            e["registration"]["hours_tenths"].as_i64()
        ),
        (Some(2), Some(35)),
        "{e}"
    );

    // No reason: refused naming it, and nothing is logged as exported.
    let export = |reason: &str, token: &str| {
        app.send(post_json(
            &format!("/api/v1/party/registrations/{reg}/evaluation.xlsx"),
            Some(token),
            &json!({ "reason": reason }),
        ))
    };
    let refused = export(" ", &sec_a).await;
    assert_eq!(refused.status(), 422);
    let resp = export("2026年度支部民主评议", &sec_a).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("filename*=UTF-8''"),
    );
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx");
    let sheet = book.worksheet_range("民主评议").expect("the sheet");
    let rows: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(rows[0][1], Data::String("王建国".into()));
    assert_eq!(rows[4][1], Data::String("安全巡逻、敬老探访".into()));
    let services: Vec<(String, f64)> = rows
        .iter()
        .skip(9)
        .take(2)
        .map(|r| (r[2].to_string(), r[1].as_f64().expect("hours")))
        .collect();
    assert_eq!(
        services,
        [
            ("夜间巡逻".to_owned(), 2.0),
            ("探望独居老人".to_owned(), 1.5)
        ]
    );
    assert_eq!(rows[11][1].as_f64(), Some(3.5), "the year's total");

    // The access log keeps the export and its reason; another
    // neighbourhood's secretary finds no such registration.
    let log = app
        .store
        .access_log_in(
            &shequ_store::Scope::everything(),
            shequ_store::Paging::new(None, None),
        )
        .await
        .expect("log");
    let exports: Vec<_> = log.items.iter().filter(|a| a.action == "export").collect();
    assert_eq!(exports.len(), 1, "one export, the refused one not logged");
    assert_eq!(
        (exports[0].reason.as_str(), exports[0].subject_id.as_str()),
        ("2026年度支部民主评议", p.in_a.to_string().as_str())
    );
    let sec_b = app.login("sec_b").await;
    assert_eq!(export("年度评议", &sec_b).await.status(), 404);
    let grid = app.login("grid_a").await;
    assert_eq!(export("年度评议", &grid).await.status(), 403);

    // The page: the year's services and the export form; the member's page
    // links to it.
    let cookie = pages::cookie(&app, "sec_a").await;
    let page = pages::send(
        &app,
        pages::page_get(&format!("/party/registrations/{reg}"), Some(&cookie)),
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(
        page.text().contains("探望独居老人") && page.text().contains("导出民主评议表"),
        "{}",
        page.text()
    );
    let member = pages::send(
        &app,
        pages::page_get(&format!("/party/members/{}", p.in_a), Some(&cookie)),
    )
    .await;
    assert!(
        member
            .text()
            .contains(&format!("/party/registrations/{reg}")),
        "{}",
        member.text()
    );
    let bad = pages::send(
        &app,
        pages::form(
            &format!("/party/registrations/{reg}/evaluation.xlsx"),
            Some(&cookie),
            "reason=x",
        ),
    )
    .await;
    assert_eq!(bad.status, 422);
    let good = pages::send(
        &app,
        pages::form(
            &format!("/party/registrations/{reg}/evaluation.xlsx"),
            Some(&cookie),
            &format!("reason={}", pages::enc("支部评议")),
        ),
    )
    .await;
    assert_eq!(good.status, 200);
    assert!(good.bytes.starts_with(b"PK"), "a zip container");
}

#[engines]
async fn members_register_where_they_live_and_are_found_by_name_across_the_tree() {
    let app = app().await;
    let p = party(&app.store).await;
    let app = &app;
    let register = |token: String, body: serde_json::Value| async move {
        app.json(post_json(
            "/api/v1/party/registrations",
            Some(&token),
            &body,
        ))
        .await
    };
    let sec_a = app.login("sec_a").await;
    let operator = app.login("operator").await;
    let (status, r) = register(
        sec_a.clone(),
        json!({"person_id": p.in_a, "region": "310104011001", "posts": ["安全巡逻", "敬老探访"]}),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    let (status, e) = register(
        sec_a.clone(),
        json!({"person_id": p.in_a, "region": "310104011001", "posts": ["安全巡逻"]}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (409, Some("registration_taken"))
    );
    // 王芳 lives in B: not with A; and posts must be named.
    for (body, field, code) in [
        (
            json!({"person_id": p.in_b, "region": "310104011001", "posts": ["安全巡逻"]}),
            "region",
            "party_registration_region",
        ),
        (
            json!({"person_id": p.in_b, "region": "310104011002", "posts": []}),
            "posts",
            "party_registration_posts",
        ),
        (
            json!({"org": "S", "region": "31010401100101", "posts": ["助学辅导"]}),
            "region",
            "party_registration_region",
        ),
    ] {
        let (status, e) = register(operator.clone(), body).await;
        assert_eq!(status, 422, "{e}");
        assert_eq!(
            (
                e["error"]["fields"][0]["field"].as_str(),
                e["error"]["fields"][0]["code"].as_str()
            ),
            (Some(field), Some(code)),
            "{e}"
        );
    }
    let (status, r) = register(
        operator.clone(),
        json!({"org": "S", "region": "310104011", "posts": ["助学辅导"]}),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    // A unit organisation registers once too.
    let (status, e) = register(
        operator.clone(),
        json!({"org": "S", "region": "310104011001", "posts": ["敬老探访"]}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (409, Some("registration_taken")),
        "{e}"
    );
    // Outside the caller's area: refused.
    let (status, _) = register(
        sec_a.clone(),
        json!({"person_id": p.in_b, "region": "310104011002", "posts": ["安全巡逻"]}),
    )
    .await;
    assert_eq!(status, 403);
    let (_, list) = app
        .json(get("/api/v1/party/registrations", Some(&operator)))
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");

    // Search by the beginning of the name, within the caller's tree.
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .expect("a list")
            .iter()
            .map(|m| m["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let (_, all) = app
        .json(get(
            &format!("/api/v1/party/members?q={}", pages::enc("王")),
            Some(&operator),
        ))
        .await;
    assert_eq!(names(&all), ["王建国", "王芳"]);
    let (_, mine) = app
        .json(get(
            &format!("/api/v1/party/members?q={}", pages::enc("王")),
            Some(&sec_a),
        ))
        .await;
    assert_eq!(names(&mine), ["王建国"]);
    let (_, none) = app
        .json(get(
            &format!("/api/v1/party/members?q={}", pages::enc("李")),
            Some(&operator),
        ))
        .await;
    assert_eq!(names(&none), Vec::<String>::new());
    let grid = app.login("grid_a").await;
    let (status, _) = app
        .json(get("/api/v1/party/members?q=x", Some(&grid)))
        .await;
    assert_eq!(status, 403);

    // The pages: B's secretary registers 王芳 from her page; the search
    // page finds her.
    let sec_b = pages::cookie(app, "sec_b").await;
    let page = pages::send(
        app,
        pages::page_get(&format!("/party/members/{}", p.in_b), Some(&sec_b)),
    )
    .await;
    assert!(page.text().contains("双报到登记"), "{}", page.text());
    let bad = pages::send(
        app,
        pages::form(
            &format!("/party/members/{}/register", p.in_b),
            Some(&sec_b),
            "region=310104011002&posts=",
        ),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.text().contains("请认领1到8个服务岗位"),
        "{}",
        bad.text()
    );
    let good = pages::send(
        app,
        pages::form(
            &format!("/party/members/{}/register", p.in_b),
            Some(&sec_b),
            &format!(
                "region=310104011002&posts={}",
                pages::enc("敬老探访，环境整治")
            ),
        ),
    )
    .await;
    assert_eq!(good.status, 303, "{}", good.text());
    let page = pages::send(
        app,
        pages::page_get(&format!("/party/members/{}", p.in_b), Some(&sec_b)),
    )
    .await;
    assert!(
        page.text().contains("环境整治") && !page.text().contains("双报到登记"),
        "{}",
        page.text()
    );
    let found = pages::send(
        app,
        pages::page_get(
            &format!("/party/members?q={}", pages::enc("王")),
            Some(&sec_b),
        ),
    )
    .await;
    assert!(
        found.text().contains("王芳") && !found.text().contains("王建国"),
        "{}",
        found.text()
    );
}
