//! The command centre, `/api/v1/figures` and the overdue list show the
//! same numbers for the same street: on time and satisfaction divide by
//! the orders they judge on both, and overdue honours a paused clock on
//! all three (`shequ_domain::order::figures` defines them once).

mod common;

use common::pages::{cookie, page_get, send};
use common::*;
use serde_json::{Value, json};
use shequ_domain::order::Rating;
use shequ_testkit::trail::{act, app_at, file, rate};

/// 2027-01-15 16:00 in Shanghai: the whole story stays in January.
const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

#[tokio::test]
async fn the_command_centre_and_the_figures_show_the_same_numbers() {
    let (app, clock) = app_at(T0).await;
    let operator = app.login("operator").await;
    let grid_a = app.login("grid_a").await;
    let gw_b = app.login("gw_b").await;

    // Each at its own spot (hundreds of metres apart), so none is taken
    // for a near duplicate of another.
    let on_time = file(&app, &operator, IN_A).await;
    let late = file(&app, &operator, IN_B).await;
    let never_accepted = file(&app, &operator, (121.422, 31.165)).await;
    let paused = file(&app, &operator, (121.428, 31.175)).await;
    let cancelled = file(&app, &operator, (121.432, 31.165)).await;
    let reopened = file(&app, &operator, (121.422, 31.177)).await;

    clock.advance_ms(MIN);
    act(
        &app,
        &operator,
        cancelled,
        json!({"action": "cancel", "reason": {"kind": "invalid", "note": "无效"}}),
    )
    .await;
    clock.advance_ms(4 * MIN);
    for id in [on_time, paused, reopened] {
        act(&app, &grid_a, id, json!({"action": "accept"})).await;
    }
    act(&app, &gw_b, late, json!({"action": "accept"})).await;
    clock.advance_ms(5 * MIN);
    // Waiting for the reporter from ten minutes in, and still: its day to
    // resolve runs out during the pause, which does not count.
    act(
        &app,
        &grid_a,
        paused,
        json!({"action": "pause_clock", "reason": "等居民回电"}),
    )
    .await;
    clock.advance_ms(50 * MIN);
    for id in [on_time, reopened] {
        act(
            &app,
            &grid_a,
            id,
            json!({"action": "resolve", "note": "已清理"}),
        )
        .await;
    }
    clock.advance_ms(HOUR);
    rate(&app, on_time, Rating::Satisfied, false, T0 + 2 * HOUR).await;
    // Reopened: open again with fresh deadlines, and late to accept by now.
    rate(&app, reopened, Rating::Unsatisfied, true, T0 + 2 * HOUR).await;
    clock.advance_ms(23 * HOUR);
    act(
        &app,
        &gw_b,
        late,
        json!({"action": "resolve", "note": "已清理"}),
    )
    .await;
    rate(&app, late, Rating::Unsatisfied, false, T0 + 25 * HOUR).await;
    clock.advance_ms(HOUR);
    let fresh = file(&app, &operator, (121.438, 31.175)).await;
    act(&app, &gw_b, fresh, json!({"action": "accept"})).await;

    // The command centre: overdue now, this month's rates.
    let street = cookie(&app, "operator").await;
    let board = send(&app, page_get("/command/counters?fresh=1", Some(&street))).await;
    let board: Value = serde_json::from_str(&board.text()).expect("counters json");

    // The figures of the orders filed since T0, by grid, added up.
    let now = T0 + 26 * HOUR;
    let (status, rows) = app
        .json(get(
            &format!("/api/v1/figures?group=grid&from={T0}&to={}", now + 1),
            Some(&operator),
        ))
        .await;
    assert_eq!(status, 200, "{rows}");
    let sum = |field: &str| {
        rows.as_array()
            .expect("rows")
            .iter()
            .map(|r| r[field].as_i64().expect(field))
            .sum::<i64>()
    };
    let percent = |n: i64, d: i64| (d > 0).then(|| (n as f64 / d as f64 * 1000.0).round() / 10.0);

    // The overdue list.
    let (_, listed) = app
        .json(get("/api/v1/orders?overdue=true", Some(&operator)))
        .await;
    let mut listed: Vec<i64> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["id"].as_i64().expect("id"))
        .collect();
    listed.sort_unstable();

    // What the story makes: late to accept (never accepted; reopened), not
    // the paused one; two resolutions stand, one on time, one satisfied.
    assert_eq!(listed, [never_accepted, reopened]);
    assert_eq!(board["overdue"], 2, "{board}");
    assert_eq!(board["on_time"].as_f64(), Some(50.0), "{board}");
    assert_eq!(board["satisfaction"].as_f64(), Some(50.0), "{board}");

    // The figures say the same.
    assert_eq!(sum("overdue"), 2, "{rows}");
    assert_eq!(
        percent(sum("resolved_on_time"), sum("resolved")),
        board["on_time"].as_f64(),
        "{rows}"
    );
    assert_eq!(
        percent(sum("satisfied"), sum("rated")),
        board["satisfaction"].as_f64(),
        "{rows}"
    );
    let grid_b = &rows.as_array().expect("rows")[1];
    assert_eq!(
        (
            grid_b["orders"].as_i64(),
            grid_b["resolved"].as_i64(),
            grid_b["on_time_resolution"].as_f64(),
        ),
        (Some(2), Some(1), Some(0.0)),
        "grid B: the late one and the fresh one (the cancelled one counts nowhere); {grid_b}"
    );
    let grid_a = &rows.as_array().expect("rows")[0];
    assert_eq!(
        (
            grid_a["orders"].as_i64(),
            grid_a["resolved"].as_i64(),
            grid_a["on_time_resolution"].as_f64(),
            grid_a["satisfaction"].as_f64(),
            grid_a["overdue"].as_i64(),
        ),
        (Some(4), Some(1), Some(1.0), Some(1.0), Some(2)),
        "grid A: the on-time rate is of its one resolution, not of its four orders; {grid_a}"
    );
}
