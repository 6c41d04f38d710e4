//! 征询·会商·会签 through the pages, on both engines: a department's
//! member asks the street before acting (a matter without a title refused
//! first); a grid worker cannot answer; the operator's disagreement
//! without reasons is refused, then given with them; the department cannot
//! skip to the signature, opens the consultation round (shown waiting on
//! the list), and records the outcome; documents are attached to a round
//! (a PDF taken, an executable refused, nothing once concluded) and handed
//! out only to who sees the matter; an unknown matter is a 404. (Past
//! the deadline a round is flagged: the domain's and the store's tests.)

mod common;

use axum::http::StatusCode;
use common::pages::{cookie, form, multipart, page_get, post, send};
use common::*;

/// A department of the small street, `gw_b` its member.
async fn department(app: &TestApp, code: &str, name: &str) -> i64 {
    let street = app
        .store
        .region_by_code("310104011")
        .await
        .expect("read")
        .expect("street")
        .region;
    let dept = app
        .store
        .create_team(code, name, "department", street.id)
        .await
        .expect("team");
    app.store
        .add_team_member(dept, app.user_id("gw_b").await)
        .await
        .expect("member");
    dept
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, String) {
    let r = send(app, page_get(path, Some(cookie))).await;
    (r.status, r.text())
}

#[engines]
async fn a_department_asks_the_street_answers_and_the_outcome_is_recorded() {
    let app = app().await;
    let operator = cookie(&app, "operator").await;
    let member = cookie(&app, "gw_b").await;
    let grid = cookie(&app, "grid_a").await;
    let dept = department(&app, "wsj", "区卫健委").await;

    let bad = send(
        &app,
        form(
            "/consult",
            Some(&member),
            &format!("team={dept}&kind=head_appointment&title=&body=x"),
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "no title");
    let opened = send(
        &app,
        form(
            "/consult",
            Some(&member),
            &format!("team={dept}&kind=head_appointment&title=%E4%B8%BB%E4%BB%BB%E8%B0%83%E6%95%B4&body=%E6%8B%9F%E8%B0%83%E6%95%B4&days=3"),
        ),
    )
    .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.text());
    let matter_path = opened.location().to_owned();
    let matter: i64 = matter_path
        .trim_start_matches("/consult/")
        .parse()
        .expect("id");
    let round = app.store.consult_rounds(matter).await.expect("rounds")[0].id;

    // The department's papers on the round: a PDF taken, an executable not.
    let attach = |cookie: &str, name: &str, bytes: &[u8]| {
        let (ct, body) = multipart(&[("document", Some(name), bytes)]);
        post(
            &format!("/consult/rounds/{round}/documents"),
            Some(cookie),
            &ct,
            body,
            "192.0.2.1",
        )
    };
    let pdf = b"%PDF-1.7\n% the candidate's record\n".to_vec();
    let taken = send(&app, attach(&member, "人选 简历.pdf", &pdf)).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.text());
    let refused = send(&app, attach(&member, "setup.pdf", b"MZ\x90\x00not a pdf")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("附件须为 PDF"),
        "the form says why, in the page's language"
    );
    let outsider = send(&app, attach(&grid, "x.pdf", &pdf)).await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND, "not their matter");
    let docs = app
        .store
        .consult_documents(matter)
        .await
        .expect("documents");
    assert_eq!(docs.len(), 1, "only the PDF was kept");
    let doc_path = format!("/consult/documents/{}", docs[0].id);

    let (status, page) = get(&app, &matter_path, &operator).await;
    assert!(
        page.contains(&doc_path) && page.contains("人选 简历.pdf"),
        "listed on its round"
    );
    let got = send(&app, page_get(&doc_path, Some(&operator))).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        got.header(axum::http::header::CONTENT_TYPE),
        "application/pdf"
    );
    assert_eq!(
        got.header(axum::http::header::CONTENT_DISPOSITION),
        "attachment; filename*=UTF-8''%E4%BA%BA%E9%80%89%20%E7%AE%80%E5%8E%86.pdf"
    );
    assert_eq!(got.bytes, pdf, "the bytes as uploaded");
    let (status_other, _) = get(&app, &doc_path, &grid).await;
    assert_eq!(
        status_other,
        StatusCode::NOT_FOUND,
        "another's document is not there"
    );
    let (status_none, _) = get(&app, "/consult/documents/99999", &operator).await;
    assert_eq!(status_none, StatusCode::NOT_FOUND);

    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("事先征询") && page.contains("/answer"),
        "the street can answer"
    );
    let answer = |cookie: &str, body: &str| {
        form(
            &format!("/consult/rounds/{round}/answer"),
            Some(cookie),
            body,
        )
    };
    let forbidden = send(&app, answer(&grid, "opinion=agree&reasons=")).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let no_reasons = send(&app, answer(&operator, "opinion=disagree&reasons=")).await;
    assert_eq!(no_reasons.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reasons.text().contains("请写明理由"),
        "{}",
        no_reasons.text()
    );
    let done = send(&app, answer(&operator, "opinion=agree_with_conditions&reasons=%E5%85%88%E5%90%AC%E5%8F%96%E5%B1%85%E6%B0%91%E6%84%8F%E8%A7%81")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let twice = send(&app, answer(&operator, "opinion=agree")).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "answered once");

    let skip = send(
        &app,
        form(
            &format!("/consult/{matter}/rounds"),
            Some(&member),
            "stage=after&body=x",
        ),
    )
    .await;
    assert_eq!(
        skip.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no skipping 会商"
    );
    let during = send(
        &app,
        form(
            &format!("/consult/{matter}/rounds"),
            Some(&member),
            "stage=during&body=%E8%80%83%E5%AF%9F&days=1",
        ),
    )
    .await;
    assert_eq!(during.status, StatusCode::SEE_OTHER, "{}", during.text());
    let (_, list) = get(&app, "/consult", &operator).await;
    assert!(list.contains("待街道答复"), "waiting, not yet late");

    let outcome = send(
        &app,
        form(
            &format!("/consult/{matter}/outcome"),
            Some(&member),
            "outcome=followed&note=%E6%8C%89%E6%84%8F%E8%A7%81",
        ),
    )
    .await;
    assert_eq!(outcome.status, StatusCode::SEE_OTHER, "{}", outcome.text());
    let (_, page) = get(&app, &matter_path, &member).await;
    assert!(
        page.contains("id=\"outcome\"") && page.contains("采纳"),
        "the outcome stands"
    );
    let late = send(&app, attach(&operator, "答复.pdf", &pdf)).await;
    assert!(
        late.status.is_client_error() && late.text().contains("已办结"),
        "nothing is attached to a concluded matter: {}",
        late.status
    );
    let (status, _) = get(&app, "/consult/99999", &operator).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&app, &matter_path, &grid).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "not grid_a's department: not there for them"
    );
}

/// A round past its deadline is flagged on the street's command centre
/// (and nobody else's); once concluded, the matter is on the department's
/// record on the list and in its assessment, traced on its subject page.
#[engines]
async fn an_overdue_round_is_flagged_and_the_record_feeds_the_assessment() {
    const DAY: i64 = 86_400_000;
    // 2027-01-15 in Shanghai: in 2027-Q1.
    const T0: i64 = 1_800_000_000_000;
    let (app, clock) = shequ_testkit::trail::app_at(T0).await;
    let operator = cookie(&app, "operator").await;
    let member = cookie(&app, "gw_b").await;
    let dept = department(&app, "gtj", "区规划资源局").await;
    let opened = send(
        &app,
        form(
            "/consult",
            Some(&member),
            &format!("team={dept}&kind=planning&title=%E5%85%AC%E5%9B%AD%E6%94%B9%E9%80%A0&body=%E6%96%B9%E6%A1%88&days=2"),
        ),
    )
    .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.text());
    let matter: i64 = opened
        .location()
        .trim_start_matches("/consult/")
        .parse()
        .expect("id");
    let flag = "部门征询逾期未答复";
    let (_, wall) = get(&app, "/command", &operator).await;
    assert!(!wall.contains(flag), "not yet due");
    clock.advance_ms(2 * DAY);
    let (_, wall) = get(&app, "/command", &operator).await;
    assert!(
        wall.contains("部门征询逾期未答复 1 个"),
        "due at its very millisecond: flagged to the street"
    );
    let (_, theirs) = get(&app, "/command", &member).await;
    assert!(
        !theirs.contains(flag),
        "the street answers; no one else is flagged"
    );

    let round = app.store.consult_rounds(matter).await.expect("rounds")[0].id;
    clock.advance_ms(DAY);
    let late = send(
        &app,
        form(
            &format!("/consult/rounds/{round}/answer"),
            Some(&operator),
            "opinion=agree_with_conditions&reasons=%E7%95%99%E5%87%BA10%25%E9%9D%A2%E7%A7%AF",
        ),
    )
    .await;
    assert_eq!(late.status, StatusCode::SEE_OTHER, "{}", late.text());
    let (_, wall) = get(&app, "/command", &operator).await;
    assert!(!wall.contains(flag), "answered: no longer flagged");
    let done = send(
        &app,
        form(
            &format!("/consult/{matter}/outcome"),
            Some(&member),
            "outcome=followed&note=",
        ),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let (_, list) = get(&app, "/consult", &operator).await;
    let record = list
        .split("id=\"records\"")
        .nth(1)
        .expect("the record table");
    assert!(
        record.contains("区规划资源局")
            && record.contains("0/1 (0%)")
            && record.contains("1/1 (100%)"),
        "answered late, followed: {record}"
    );

    let (status, period) = app
        .json(post_json(
            "/api/v1/assess/periods",
            Some(&app.login("operator").await),
            &serde_json::json!({"period": "2027-Q1"}),
        ))
        .await;
    assert_eq!(status, 201, "{period}");
    let subject = app
        .store
        .assessment_subjects(period["id"].as_i64().expect("id"))
        .await
        .expect("subjects")
        .into_iter()
        .find(|s| s.team_id == Some(dept))
        .expect("the department is assessed");
    let (status, page) = get(&app, &format!("/assess/subjects/{}", subject.id), &member).await;
    assert_eq!(status, StatusCode::OK);
    let traced = page
        .split("id=\"consultations\"")
        .nth(1)
        .expect("the consultations");
    assert!(
        traced.contains(&format!("/consult/{matter}")) && traced.contains("采纳"),
        "the matter counted, traced to its page"
    );
    assert!(
        page.contains("征询采纳率"),
        "the indicator with its definition"
    );
}

/// The same through the JSON API: a member opens (a bad kind, another's
/// department refused), the street answers (reasons required, once), the
/// rounds keep their order, the outcome is recorded once, and the year's
/// record counts it; an unknown matter is a 404 with its code.
#[engines]
async fn the_api_opens_answers_and_records() {
    use serde_json::json;
    let app = app().await;
    let operator = app.login("operator").await;
    let member = app.login("gw_b").await;
    let grid = app.login("grid_a").await;
    let dept = department(&app, "fgj", "区房管局").await;
    let code = |b: &serde_json::Value| {
        b["error"]["fields"][0]["code"]
            .as_str()
            .or(b["error"]["code"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let matter = |kind: &str| json!({"team": dept, "kind": kind, "title": "旧改", "body": "改造范围", "days": 5});
    let (status, body) = app
        .json(post_json(
            "/api/v1/consult/matters",
            Some(&member),
            &matter("repaint"),
        ))
        .await;
    assert_eq!(
        (status, code(&body).as_str()),
        (422, "consult_kind_unknown"),
        "{body}"
    );
    let (status, _) = app
        .json(post_json(
            "/api/v1/consult/matters",
            Some(&grid),
            &matter("major_project"),
        ))
        .await;
    assert_eq!(status, 403, "not grid_a's department");
    let (status, body) = app
        .json(post_json(
            "/api/v1/consult/matters",
            Some(&member),
            &matter("major_project"),
        ))
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().expect("id");

    let (status, list) = app
        .json(common::get("/api/v1/consult/matters", Some(&operator)))
        .await;
    assert_eq!(status, 200, "{list}");
    let listed = &list.as_array().expect("matters")[0];
    assert_eq!(
        (listed["matter"]["id"].as_i64(), listed["overdue"].as_bool()),
        (Some(id), Some(false)),
        "{listed}"
    );
    let round = listed["rounds"][0]["id"].as_i64().expect("round");
    let answer = |body: serde_json::Value| {
        post_json(
            &format!("/api/v1/consult/rounds/{round}/answer"),
            Some(&operator),
            &body,
        )
    };
    let (status, body) = app.json(answer(json!({"opinion": "disagree"}))).await;
    assert_eq!(
        (status, code(&body).as_str()),
        (422, "consult_reasons"),
        "{body}"
    );
    let (status, _) = app
        .json(post_json(
            &format!("/api/v1/consult/rounds/{round}/answer"),
            Some(&member),
            &json!({"opinion": "agree"}),
        ))
        .await;
    assert_eq!(status, 403, "the department does not answer itself");
    let (status, _) = app.json(answer(json!({"opinion": "agree"}))).await;
    assert_eq!(status, 204);
    let (status, _) = app.json(answer(json!({"opinion": "agree"}))).await;
    assert_eq!(status, 409, "answered once");

    let next = |stage: &str| {
        post_json(
            &format!("/api/v1/consult/matters/{id}/rounds"),
            Some(&member),
            &json!({"stage": stage, "body": "施工方案"}),
        )
    };
    let (status, body) = app.json(next("after")).await;
    assert_eq!(
        (status, code(&body).as_str()),
        (422, "consult_round_order"),
        "{body}"
    );
    let (status, body) = app.json(next("during")).await;
    assert_eq!(status, 201, "{body}");
    let outcome = || {
        post_json(
            &format!("/api/v1/consult/matters/{id}/outcome"),
            Some(&member),
            &json!({"outcome": "followed", "note": "按街道意见分批施工"}),
        )
    };
    assert_eq!(app.json(outcome()).await.0, 204);
    assert_eq!(app.json(outcome()).await.0, 409, "recorded once");

    let (status, records) = app
        .json(common::get("/api/v1/consult/records", Some(&operator)))
        .await;
    assert_eq!(status, 200, "{records}");
    let mine = records
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["team_id"] == dept)
        .expect("the department's record");
    assert_eq!(
        (
            mine["counts"]["rounds_judged"].as_i64(),
            mine["counts"]["answered_on_time"].as_i64(),
            mine["counts"]["concluded"].as_i64(),
            mine["counts"]["followed"].as_i64()
        ),
        (Some(1), Some(1), Some(1), Some(1)),
        "the answered round judged (the open second not yet), one followed: {mine}"
    );
    let (status, body) = app
        .json(common::get(
            "/api/v1/consult/matters/99999",
            Some(&operator),
        ))
        .await;
    assert_eq!(
        (status, code(&body).as_str()),
        (404, "consult_matter_not_found")
    );
}
