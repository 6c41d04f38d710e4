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
