//! 征询·会商·会签 through the pages, on both engines: a department's
//! member asks the street before acting (a matter without a title refused
//! first); a grid worker cannot answer; the operator's disagreement
//! without reasons is refused, then given with them; the department cannot
//! skip to the signature, opens the consultation round (shown waiting on
//! the list), and records the outcome; an unknown matter is a 404. (Past
//! the deadline a round is flagged: the domain's and the store's tests.)

mod common;

use axum::http::StatusCode;
use common::pages::{cookie, form, page_get, send};
use common::*;

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
    let street = app
        .store
        .region_by_code("310104011")
        .await
        .expect("read")
        .expect("street")
        .region;
    let dept = app
        .store
        .create_team("wsj", "区卫健委", "department", street.id)
        .await
        .expect("team");
    app.store
        .add_team_member(dept, app.user_id("gw_b").await)
        .await
        .expect("member");

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

    let (status, page) = get(&app, &matter_path, &operator).await;
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
    let (status, _) = get(&app, "/consult/99999", &operator).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&app, &matter_path, &grid).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "not grid_a's department: not there for them"
    );
}
