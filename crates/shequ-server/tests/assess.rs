//! Assessment over HTTP, on both engines, on a hand-built quarter: two
//! grid workers' orders (one settled for good and rated satisfied, one
//! accepted late and reopened, one never accepted, one cancelled), a
//! department summoned to two of them (one report-in on time, one never),
//! with one member who owns an order of his own and consultations with
//! the street, one followed and one not. The computed indicators
//! are checked against numbers worked by hand and against the domain's
//! own count of the same orders; the bad inputs are refused with their
//! codes; an accepted appeal takes its order out (and is on its trail),
//! the score and ranking change; closing freezes what was counted, and
//! the frozen scores stay when the orders change afterwards.

mod common;

use common::*;
use serde_json::{Value, json};
use shequ_domain::consult::Outcome;
use shequ_domain::order::Rating;
use shequ_domain::order::figures::Counts;
use shequ_server::app::clock::ManualClock;
use shequ_testkit::trail::{act, app_at, file, rate};

/// 2027-01-15 16:00 in Shanghai: in the quarter 2027-Q1.
const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

fn code(body: &Value) -> Option<&str> {
    body["error"]["code"].as_str()
}

fn field_code(body: &Value) -> Option<&str> {
    body["error"]["fields"][0]["code"].as_str()
}

/// The subject of `user_id`, or of team `team_id`, in a period's ranking.
fn subject<'a>(period: &'a Value, key: &str, id: i64) -> &'a Value {
    period["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .find(|s| s["subject"][key].as_i64() == Some(id))
        .unwrap_or_else(|| panic!("no subject with {key} {id}"))
}

/// An indicator's rate `[numerator, denominator]` in a ranked subject.
fn rate_of(s: &Value, key: &str) -> (i64, i64) {
    let part = s["score"]["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .find(|p| p["indicator"]["measure"].as_str() == Some(key))
        .unwrap_or_else(|| panic!("no indicator {key}"));
    (
        part["rate"]["numerator"].as_i64().expect("numerator"),
        part["rate"]["denominator"].as_i64().expect("denominator"),
    )
}

fn total(s: &Value) -> f64 {
    s["score"]["total"].as_f64().expect("a score")
}

/// The domain's counts of these orders as they stand at `now`.
async fn counts_of(app: &TestApp, ids: &[i64], now: i64) -> Counts {
    let mut facts = Vec::new();
    for id in ids {
        let o = app
            .store
            .order_by_id(*id)
            .await
            .expect("read")
            .expect("order");
        facts.push(o.figure_facts());
    }
    Counts::of(&facts, now)
}

fn counts(s: &Value) -> Counts {
    serde_json::from_value(s["inputs"]["counts"].clone()).expect("counts")
}

#[engines]
async fn a_quarter_is_assessed_appealed_closed_and_frozen() {
    let (app, clock) = app_at(T0).await;
    let operator = app.login("operator").await;
    let admin = app.login("admin").await;
    let grid_a = app.login("grid_a").await;
    let gw_b = app.login("gw_b").await;
    let sec_b = app.login("sec_b").await;
    let (a, b) = (app.user_id("grid_a").await, app.user_id("gw_b").await);

    // A department with gw_b as its member.
    let (status, team) = app
        .json(post_json(
            "/api/v1/teams",
            Some(&admin),
            &json!({"code": "urban_mgmt", "name": "城管中队", "region": "310104011"}),
        ))
        .await;
    assert_eq!(status, 201, "{team}");
    let dept = team["id"].as_i64().expect("id");
    app.store.add_team_member(dept, b).await.expect("member");
    // Its consultations this quarter: one followed, one not, one withdrawn
    // (not judged), and one still open (not yet concluded).
    for (title, outcome) in [
        ("中队长调整", Some(Outcome::Followed)),
        ("非机动车停放点设置", Some(Outcome::NotFollowed)),
        ("夜市设点", Some(Outcome::Withdrawn)),
        ("沿街整治", None),
    ] {
        let m = app
            .store
            .open_consult_matter(dept, ("planning", title, "征求街道意见"), T0 + DAY, "x", T0)
            .await
            .expect("matter");
        if let Some(o) = outcome {
            app.store
                .conclude_consult_matter(m, o, "", T0 + HOUR)
                .await
                .expect("concluded");
        }
    }

    // ---- the quarter's orders ----------------------------------------------
    let settled = file(&app, &operator, IN_A).await;
    let reopened = file(&app, &operator, (121.422, 31.165)).await;
    let never = file(&app, &operator, (121.428, 31.175)).await;
    let cancelled = file(&app, &operator, (121.432, 31.165)).await;
    let b_own = file(&app, &operator, IN_B).await;
    clock.advance_ms(MIN);
    act(
        &app,
        &operator,
        cancelled,
        json!({"action": "cancel", "reason": {"kind": "invalid", "note": "无效"}}),
    )
    .await;
    clock.advance_ms(4 * MIN);
    act(&app, &grid_a, settled, json!({"action": "accept"})).await;
    act(&app, &gw_b, b_own, json!({"action": "accept"})).await;
    clock.advance_ms(5 * MIN);
    for id in [settled, never] {
        act(
            &app,
            &operator,
            id,
            json!({"action": "summon", "teams": [dept], "within_minutes": 60}),
        )
        .await;
    }
    clock.advance_ms(10 * MIN);
    act(
        &app,
        &gw_b,
        settled,
        json!({"action": "report_in", "team": dept, "note": "城管已到场"}),
    )
    .await;
    clock.advance_ms(20 * MIN);
    // 40 minutes in: ten minutes past its acceptance deadline.
    act(&app, &grid_a, reopened, json!({"action": "accept"})).await;
    clock.advance_ms(20 * MIN);
    for (who, id) in [(&grid_a, settled), (&grid_a, reopened), (&gw_b, b_own)] {
        act(
            &app,
            who,
            id,
            json!({"action": "resolve", "note": "已清理"}),
        )
        .await;
    }
    clock.advance_ms(HOUR);
    rate(&app, settled, Rating::Satisfied, false, clock_now(&clock)).await;
    rate(&app, reopened, Rating::Unsatisfied, true, clock_now(&clock)).await;
    clock.advance_ms(HOUR);
    let now = clock_now(&clock);

    // ---- opening: bad input first -------------------------------------------
    let open = |body: Value| post_json("/api/v1/assess/periods", Some(&operator), &body);
    let (status, body) = app
        .json(open(
            json!({"period": "2027-Q1", "street": 70, "department": 10, "residents": 10}),
        ))
        .await;
    assert_eq!(
        (status, field_code(&body)),
        (422, Some("assess_weights_sum")),
        "{body}"
    );
    let (status, body) = app
        .json(open(
            json!({"period": "2027-Q1", "indicators": {"on_time": 35}}),
        ))
        .await;
    assert_eq!(
        (status, field_code(&body)),
        (422, Some("assess_weights_sum")),
        "the street's indicators add up to 115%: {body}"
    );
    let (status, body) = app
        .json(open(
            json!({"period": "2027-Q1", "indicators": {"speed": 10}}),
        ))
        .await;
    assert_eq!(
        (status, field_code(&body)),
        (422, Some("assess_indicator_unknown")),
        "{body}"
    );
    let (status, body) = app.json(open(json!({"period": "2027-Q5"}))).await;
    assert_eq!(
        (status, field_code(&body)),
        (422, Some("assess_period_code")),
        "{body}"
    );
    let (status, body) = app
        .json(post_json(
            "/api/v1/assess/periods",
            Some(&grid_a),
            &json!({"period": "2027-Q1"}),
        ))
        .await;
    assert_eq!((status, code(&body)), (403, Some("assess_not_allowed")));
    let (status, body) = app.json(open(json!({"period": "2027-Q1"}))).await;
    assert_eq!(status, 201, "{body}");
    let period_id = body["id"].as_i64().expect("id");
    let (status, body) = app.json(open(json!({"period": "2027-Q1"}))).await;
    assert_eq!((status, code(&body)), (409, Some("assess_period_exists")));
    let (status, body) = app
        .json(get("/api/v1/assess/periods/99999", Some(&operator)))
        .await;
    assert_eq!(
        (status, code(&body)),
        (404, Some("assess_period_not_found"))
    );

    // ---- the indicators, worked by hand --------------------------------------
    let read = || {
        get(
            &format!("/api/v1/assess/periods/{period_id}"),
            Some(&operator),
        )
    };
    let (status, period) = app.json(read()).await;
    assert_eq!(status, 200, "{period}");
    let sa = subject(&period, "user_id", a);
    // Three orders counted (the cancelled one is not): only the first was
    // settled for good; the second, reopened, was resolved once.
    assert_eq!(counts(sa).orders, 3);
    assert_eq!(rate_of(sa, "resolution"), (1, 3));
    assert_eq!(rate_of(sa, "reopen"), (1, 2));
    assert_eq!(
        rate_of(sa, "on_time"),
        (1, 1),
        "only the first stands resolved"
    );
    assert_eq!(
        rate_of(sa, "satisfaction"),
        (1, 1),
        "the reopened one's rating waits for its next resolution"
    );
    assert_eq!(
        counts(sa),
        counts_of(&app, &[settled, reopened, never, cancelled], now).await,
        "the assessment counts as the domain's definitions do"
    );
    let sd = subject(&period, "team_id", dept);
    // gw_b's own order and the two it was summoned to.
    assert_eq!(
        counts(sd),
        counts_of(&app, &[b_own, settled, never], now).await
    );
    assert_eq!(rate_of(sd, "resolution"), (2, 3));
    assert_eq!(
        rate_of(sd, "report_in"),
        (1, 2),
        "one on time, one never reported and past due"
    );
    assert_eq!(
        rate_of(sd, "consult_followed"),
        (1, 2),
        "followed of concluded, the withdrawn and the open one not judged"
    );
    assert_eq!(
        rate_of(sa, "consult_followed"),
        (0, 0),
        "a grid worker has no consultations to judge"
    );
    let points: f64 = sa["score"]["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .map(|p| p["points"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(
        (points - total(sa)).abs() < 1e-9,
        "the points add up to the score"
    );
    let before = total(sa);

    // ---- hand scores ----------------------------------------------------------
    let sa_id = sa["subject"]["id"].as_i64().expect("subject id");
    let sd_id = sd["subject"]["id"].as_i64().expect("subject id");
    let score = |token: &str, subject: i64, body: Value| {
        post_json(
            &format!("/api/v1/assess/subjects/{subject}/scores"),
            Some(token),
            &body,
        )
    };
    for (body, want) in [
        (
            json!({"indicator": "street_review", "score": "101", "comment": "x"}),
            "assess_score_range",
        ),
        (
            json!({"indicator": "street_review", "score": "80", "comment": " "}),
            "assess_comment_missing",
        ),
        (
            json!({"indicator": "response", "score": "80", "comment": "x"}),
            "assess_indicator_unknown",
        ),
    ] {
        let (status, reply) = app.json(score(&operator, sd_id, body.clone())).await;
        assert_eq!(
            (status, field_code(&reply)),
            (422, Some(want)),
            "{body}: {reply}"
        );
    }
    let (status, reply) = app
        .json(score(
            &gw_b,
            sd_id,
            json!({"indicator": "street_review", "score": "99", "comment": "自评"}),
        ))
        .await;
    assert_eq!(
        (status, code(&reply)),
        (403, Some("assess_not_allowed")),
        "a subject does not score itself"
    );
    let (status, reply) = app
        .json(score(
            &operator,
            sd_id,
            json!({"indicator": "street_review", "score": "85", "comment": "配合积极"}),
        ))
        .await;
    assert_eq!(status, 204, "{reply}");

    // ---- the subject's page and who may see it -------------------------------
    let (status, page) = app
        .json(get(
            &format!("/api/v1/assess/subjects/{sa_id}"),
            Some(&grid_a),
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    let mut counted: Vec<i64> = page["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| o[0].as_i64().expect("id"))
        .collect();
    counted.sort_unstable();
    let mut want = vec![settled, reopened, never];
    want.sort_unstable();
    assert_eq!(counted, want, "traced down to the orders counted");
    let (status, body) = app
        .json(get(
            &format!("/api/v1/assess/subjects/{sa_id}"),
            Some(&sec_b),
        ))
        .await;
    assert_eq!((status, code(&body)), (403, Some("assess_not_allowed")));

    // ---- appeals --------------------------------------------------------------
    let appeal = |token: &str, subject: i64, order: i64, ground: &str| {
        post_json(
            &format!("/api/v1/assess/subjects/{subject}/appeals"),
            Some(token),
            &json!({"order_id": order, "ground": ground, "reason": "点位属相邻网格"}),
        )
    };
    let (status, body) = app
        .json(appeal(&gw_b, sd_id, reopened, "wrongly_routed"))
        .await;
    assert_eq!(
        (status, field_code(&body)),
        (422, Some("assess_appeal_not_counted")),
        "{body}"
    );
    let (status, body) = app
        .json(appeal(&gw_b, sa_id, never, "wrongly_routed"))
        .await;
    assert_eq!(
        (status, code(&body)),
        (403, Some("assess_not_allowed")),
        "gw_b is not grid_a"
    );
    let (status, body) = app
        .json(appeal(&grid_a, sa_id, never, "no_such_ground"))
        .await;
    assert_eq!(
        (status, field_code(&body)),
        (422, Some("assess_appeal_ground_unknown"))
    );
    let (status, body) = app
        .json(appeal(&grid_a, sa_id, never, "wrongly_routed"))
        .await;
    assert_eq!(status, 201, "{body}");
    let upheld = body["id"].as_i64().expect("appeal id");
    let (status, body) = app.json(appeal(&grid_a, sa_id, never, "other")).await;
    assert_eq!((status, code(&body)), (409, Some("assess_appeal_twice")));
    let (status, body) = app
        .json(appeal(&grid_a, sa_id, settled, "outside_duty"))
        .await;
    assert_eq!(status, 201, "{body}");
    let refused = body["id"].as_i64().expect("appeal id");

    let decide = |id: i64, accept: bool, reason: &str| {
        post_json(
            &format!("/api/v1/assess/appeals/{id}/decision"),
            Some(&operator),
            &json!({"accept": accept, "reason": reason}),
        )
    };
    let (status, body) = app.json(decide(refused, false, " ")).await;
    assert_eq!(
        (status, field_code(&body)),
        (422, Some("assess_appeal_reason"))
    );
    let (status, body) = app.json(decide(refused, false, "属网格巡查职责")).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("rejected")),
        "{body}"
    );
    let (status, body) = app.json(decide(refused, true, "改判")).await;
    assert_eq!((status, code(&body)), (409, Some("assess_appeal_decided")));
    let (status, body) = app.json(decide(upheld, true, "经核实派单错误")).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("accepted")),
        "{body}"
    );
    let (status, body) = app.json(decide(424242, true, "x")).await;
    assert_eq!(
        (status, code(&body)),
        (404, Some("assess_appeal_not_found"))
    );
    let (_, detail) = app
        .json(get(&format!("/api/v1/orders/{never}"), Some(&operator)))
        .await;
    assert!(
        detail["trail"]
            .as_array()
            .expect("trail")
            .iter()
            .any(|e| e["action"].as_str() == Some("assessment")),
        "the accepted appeal is on the order's trail: {detail}"
    );

    let (_, period) = app.json(read()).await;
    let sa = subject(&period, "user_id", a);
    assert_eq!(
        counts(sa),
        counts_of(&app, &[settled, reopened], clock_now(&clock)).await,
        "the appealed order is out"
    );
    assert_eq!(rate_of(sa, "resolution"), (1, 2));
    assert!(
        total(sa) > before,
        "fewer unsettled orders: {} > {before}",
        total(sa)
    );
    let sd = subject(&period, "team_id", dept);
    assert_eq!(
        rate_of(sd, "report_in"),
        (1, 2),
        "grid_a's appeal leaves the department's figures alone"
    );

    // ---- closing ------------------------------------------------------------
    let close = || {
        post_json(
            &format!("/api/v1/assess/periods/{period_id}/close"),
            Some(&operator),
            &json!({}),
        )
    };
    let (status, body) = app.json(close()).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = app.json(close()).await;
    assert_eq!((status, code(&body)), (409, Some("assess_period_closed")));
    let (status, body) = app
        .json(score(
            &operator,
            sd_id,
            json!({"indicator": "street_review", "score": "90", "comment": "改分"}),
        ))
        .await;
    assert_eq!(
        (status, code(&body)),
        (409, Some("assess_period_closed")),
        "{body}"
    );
    let (status, body) = app.json(appeal(&grid_a, sa_id, reopened, "other")).await;
    assert_eq!(
        (status, code(&body)),
        (409, Some("assess_period_closed")),
        "{body}"
    );
    let (_, frozen) = app.json(read()).await;
    assert_eq!(
        standings(&frozen),
        standings(&period),
        "closing changes no score"
    );

    // The orders move on; the closed quarter does not.
    clock.advance_ms(HOUR);
    act(&app, &grid_a, reopened, json!({"action": "accept"})).await;
    act(
        &app,
        &grid_a,
        reopened,
        json!({"action": "resolve", "note": "再次清理"}),
    )
    .await;
    let (_, later) = app.json(read()).await;
    assert_eq!(
        standings(&later),
        standings(&frozen),
        "made again from what was stored"
    );
    let frozen_flags = app.store.frozen_counted(sa_id).await.expect("frozen");
    assert_eq!(
        shequ_store::assess::flags::counts(frozen_flags.iter().map(|(_, f)| *f)),
        counts(subject(&later, "user_id", a)),
        "the counted orders' stored flags add up to the frozen counts"
    );
}

/// Each subject's inputs, score and rank, as the ranking shows them.
fn standings(period: &Value) -> Vec<(i64, Value, Value, Value)> {
    period["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .map(|s| {
            (
                s["subject"]["id"].as_i64().expect("id"),
                s["inputs"].clone(),
                s["score"]["total"].clone(),
                s["rank"].clone(),
            )
        })
        .collect()
}

fn clock_now(clock: &ManualClock) -> i64 {
    use shequ_server::app::clock::Clock;
    clock.now_ms()
}

/// The street opens a period from the page with its own indicator
/// weights: a sum that is off is refused with the form kept as typed;
/// leaving consultations out and giving on-time resolution 30% is the
/// scheme the period keeps.
#[engines]
async fn the_street_chooses_the_indicators_weights_on_the_page() {
    use common::pages::{cookie, form, page_get, send};
    let (app, _clock) = app_at(T0).await;
    let operator = cookie(&app, "operator").await;
    let page = send(&app, page_get("/assess", Some(&operator)))
        .await
        .text();
    for field in [
        "w_on_time",
        "w_consult_followed",
        "w_street_review",
        "w_satisfaction",
    ] {
        assert!(
            page.contains(&format!("name=\"{field}\"")),
            "{field} on the form"
        );
    }
    assert!(
        page.contains("征询采纳率"),
        "each indicator named, its definition beside it"
    );
    let typed =
        "period=2027-Q1&street=70&department=10&residents=20&w_on_time=45&w_consult_followed=0";
    let refused = send(&app, form("/assess", Some(&operator), typed)).await;
    assert_eq!(refused.status, 422);
    let text = refused.text();
    assert!(
        text.contains("115%"),
        "the sum named: the street's part adds up to 115%"
    );
    assert!(
        text.contains("name=\"w_on_time\" inputmode=\"numeric\" size=\"3\" value=\"45\""),
        "the form kept as typed"
    );
    let opened = send(
        &app,
        form(
            "/assess",
            Some(&operator),
            "period=2027-Q1&street=70&department=10&residents=20&w_on_time=30&w_consult_followed=0",
        ),
    )
    .await;
    assert_eq!(opened.status, 303, "{}", opened.text());
    let id: i64 = opened
        .location()
        .trim_start_matches("/assess/periods/")
        .parse()
        .expect("id");
    let (_, period) = app
        .json(get(
            &format!("/api/v1/assess/periods/{id}"),
            Some(&app.login("operator").await),
        ))
        .await;
    let weights: Vec<(String, i64)> = period["scheme"]["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .filter(|i| i["rater"] == "street")
        .map(|i| {
            let key = i["indicator"]["measure"]
                .as_str()
                .or(i["indicator"]["key"].as_str())
                .unwrap_or_default()
                .to_owned();
            (key, i["weight"].as_i64().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        weights,
        [
            ("response".to_owned(), 15),
            ("on_time".to_owned(), 30),
            ("resolution".to_owned(), 20),
            ("reopen".to_owned(), 10),
            ("report_in".to_owned(), 15),
            ("street_review".to_owned(), 10),
        ],
        "the street's part as chosen, consultations left out"
    );
}
