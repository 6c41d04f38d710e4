//! Orders walked through their trail on a clock the test holds: the app
//! at a fixed moment ([`app_at`]), a sanitation order filed over the API
//! ([`file`]), an action taken ([`act`]) and the reporter's rating
//! ([`rate`]) — what the figures' and the assessment's known-answer tests
//! build their hand-made quarters from.

use std::sync::Arc;

use serde_json::{Value, json};
use shequ_domain::order::{Action, Rating};
use shequ_server::app::clock::ManualClock;
use shequ_store::orders::Effects;
use shequ_store::orders::act::Actor;

use crate::http::{TestApp, app, post_json};

/// The app over the small street with its clock stopped at `t0` (epoch
/// milliseconds), and the clock to move it.
pub async fn app_at(t0: i64) -> (TestApp, Arc<ManualClock>) {
    let mut app = app().await;
    let clock = Arc::new(ManualClock::new(t0));
    app.state = app.state.clone().with_clock(clock.clone());
    app.router = shequ_server::router(app.state.clone());
    (app, clock)
}

/// Files a sanitation order (30 min to accept, a day to resolve) at
/// `point` as `token`; its id.
pub async fn file(app: &TestApp, token: &str, point: (f64, f64)) -> i64 {
    let (status, body) = app
        .json(post_json(
            "/api/v1/orders",
            Some(token),
            &json!({"category": "sanitation", "title": "楼道堆物", "description": "3号楼楼道堆满杂物",
                    "address": "田林路1号", "lon": point.0, "lat": point.1}),
        ))
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().expect("id")
}

/// Takes the action `body` on order `id` as `token`; it must succeed.
pub async fn act(app: &TestApp, token: &str, id: i64, body: Value) {
    let (status, reply) = app
        .json(post_json(
            &format!("/api/v1/orders/{id}/actions"),
            Some(token),
            &body,
        ))
        .await;
    assert_eq!(status, 200, "{body} on #{id}: {reply}");
}

/// The reporter's rating of order `id` at `at` (reopening it if asked);
/// straight to the store, as the reporter's link would.
pub async fn rate(app: &TestApp, id: i64, rating: Rating, reopen: bool, at: i64) {
    app.store
        .act_on_order(
            id,
            &Actor::Reporter,
            &Action::Rate { rating, reopen },
            at,
            |_, _, _| Effects::default(),
        )
        .await
        .expect("rate");
}
