//! HTTP door event ingest, in process: device registration and tokens,
//! every kind of bad input, duplicates, NDJSON, the size limit, metrics,
//! and the hand-over of stored events to the rules engine's sink.

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, header};
use common::*;
use serde_json::{Value, json};
use shequ_domain::sensing::{DoorEvent, PassKind};
use shequ_server::sensing::EventSink;

/// Records what ingest hands over, to check it happens after the commit.
#[derive(Debug, Default)]
struct Recorder {
    events: Mutex<Vec<DoorEvent>>,
    heard: Mutex<Vec<i64>>,
}

impl EventSink for Recorder {
    fn accept(&self, events: &[DoorEvent]) {
        self.events.lock().expect("lock").extend_from_slice(events);
    }
    fn device_heard(&self, device_id: i64, _at: i64) {
        self.heard.lock().expect("lock").push(device_id);
    }
}

struct Fixture {
    app: TestApp,
    sink: Arc<Recorder>,
    token_a: String,
    token_b: String,
    card_a: String,
}

fn now_minus(secs: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::seconds(secs)).to_rfc3339()
}

async fn fixture() -> Fixture {
    let mut app = app().await;
    let sink = Arc::new(Recorder::default());
    app.state = app.state.clone().with_sensing(sink.clone());
    app.router = shequ_server::router(app.state.clone());
    let op = app.login("operator").await;
    let refs = app.store.place_refs(&["A1", "B1"]).await.expect("refs");
    let mut tokens = Vec::new();
    for (code, building) in [("A1-1", refs["A1"].id), ("B1-1", refs["B1"].id)] {
        let (status, body) = app
            .json(post_json(
                "/api/v1/devices",
                Some(&op),
                &json!({"code": code, "name": "东门", "building_id": building, "entrance": "1"}),
            ))
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["device"]["code"], code);
        tokens.push(body["token"].as_str().expect("token").to_owned());
    }
    app.store
        .issue_resident_cards(shequ_store::now_ms())
        .await
        .expect("cards");
    let card_a = app
        .store
        .door_credentials()
        .await
        .expect("cards")
        .into_iter()
        .map(|c| c.credential)
        .min()
        .expect("a card");
    Fixture {
        app,
        sink,
        token_a: tokens[0].clone(),
        token_b: tokens[1].clone(),
        card_a,
    }
}

fn events_request(token: Option<&str>, content_type: &str, body: String) -> Request<Body> {
    let mut b = Request::post("/api/v1/devices/events").header(header::CONTENT_TYPE, content_type);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::from(body)).expect("request")
}

fn event(id: &str, device: &str, credential: &str, kind: &str, at: &str) -> Value {
    json!({"id": id, "device": device, "at": at, "direction": "out", "credential": credential, "kind": kind})
}

#[engines]
async fn events_are_stored_once_and_each_bad_one_is_rejected_with_its_reason() {
    let f = fixture().await;
    let at = now_minus(60);
    let mut visitor = event("e2", "A1-1", "V-778", "visitor", &at);
    visitor["household"] = json!("HA");
    let batch = json!([
        event("e1", "A1-1", &f.card_a, "resident", &at),
        visitor,
        {"id": "e3", "device": "A1-1"},
        event("e4", "NOPE", &f.card_a, "resident", &at),
        event("e5", "B1-1", &f.card_a, "resident", &at),
        event("e6", "A1-1", &f.card_a, "resident", &now_minus(-600)),
        event("e7", "A1-1", "C99999999", "resident", &at),
        event("e8", "A1-1", &f.card_a, "resident", "yesterday"),
    ]);
    let (status, body) = f
        .app
        .json(post_json(
            "/api/v1/devices/events",
            Some(&f.token_a),
            &batch,
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 2, "{body}");
    assert_eq!(body["duplicates"], 0);
    assert_eq!(
        body["rejected"],
        json!([
            {"index": 2, "reason": "bad_json"},
            {"index": 3, "reason": "unknown_device"},
            {"index": 4, "reason": "wrong_device"},
            {"index": 5, "reason": "future_time"},
            {"index": 6, "reason": "unknown_credential"},
            {"index": 7, "reason": "bad_json"},
        ])
    );
    // Handed to the rules after the commit, with their seq.
    let handed = f.sink.events.lock().expect("lock").clone();
    assert_eq!(handed.len(), 2);
    assert!(handed[0].seq > 0 && handed[0].seq < handed[1].seq);
    assert!(handed[0].person_id.is_some());
    assert_eq!(handed[1].kind, PassKind::Visitor);
    assert!(
        handed[1].household_id.is_some(),
        "visitor's household resolved"
    );
    assert_eq!(f.sink.heard.lock().expect("lock").len(), 1);
    assert_eq!(f.app.store.door_event_count().await.expect("count"), 2);

    // The same batch again: nothing new stored, the two counted as duplicates.
    let (status, body) = f
        .app
        .json(post_json(
            "/api/v1/devices/events",
            Some(&f.token_a),
            &batch,
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["accepted"].as_u64(), body["duplicates"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(f.app.store.door_event_count().await.expect("count"), 2);
    assert_eq!(
        f.sink.events.lock().expect("lock").len(),
        2,
        "duplicates are not handed on"
    );

    // The refused events are kept for the operator, with what was sent.
    let op = f.app.login("operator").await;
    let (status, rejected) = f
        .app
        .json(get("/api/v1/devices/rejected?limit=50", Some(&op)))
        .await;
    assert_eq!(status, 200, "{rejected}");
    let rows = rejected.as_array().expect("array");
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().any(|r| r["reason"] == "wrong_device"
        && r["payload"].as_str().is_some_and(|p| p.contains("\"e5\""))));

    // Counted by reason and channel in /metrics.
    let (status, _, text) = f.app.text(get("/metrics", None)).await;
    assert_eq!(status, 200);
    assert!(
        text.contains("shequ_door_events_accepted_total{channel=\"http\"} 2"),
        "{text}"
    );
    assert!(text.contains("shequ_door_events_duplicate_total{channel=\"http\"} 2"));
    assert!(
        text.contains("shequ_door_events_rejected_total{channel=\"http\",reason=\"bad_json\"} 4")
    );
    assert!(text.contains(
        "shequ_door_events_rejected_total{channel=\"http\",reason=\"unknown_credential\"} 2"
    ));
    assert!(text.contains("shequ_mqtt_state{state=\"disabled\"} 1"));

    // Device health: heard, and two events today.
    let (status, devices) = f.app.json(get("/api/v1/devices", Some(&op))).await;
    assert_eq!(status, 200, "{devices}");
    let a = devices
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["code"] == "A1-1")
        .expect("A1-1");
    assert!(a["last_heard_at"].as_i64().is_some(), "{a}");
    assert_eq!(a["events_today"], 2);
}

#[engines]
async fn ndjson_bodies_are_read_line_by_line() {
    let f = fixture().await;
    let at = now_minus(5);
    let body = format!(
        "{}\n\nnot json at all\n{}\n",
        event("n1", "B1-1", "V-1", "visitor", &at),
        event("n2", "B1-1", "V-2", "visitor", &at)
    );
    let (status, reply) = f
        .app
        .json(events_request(
            Some(&f.token_b),
            "application/x-ndjson",
            body,
        ))
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["accepted"], 2);
    assert_eq!(
        reply["rejected"],
        json!([{"index": 1, "reason": "bad_json"}])
    );
}

#[engines]
async fn tokens_bodies_and_sizes_are_checked() {
    let f = fixture().await;
    let one = json!([event("x", "A1-1", &f.card_a, "resident", &now_minus(1))]);
    let (status, body) = f
        .app
        .json(post_json("/api/v1/devices/events", None, &one))
        .await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = f
        .app
        .json(post_json(
            "/api/v1/devices/events",
            Some("shequ_d_forged"),
            &one,
        ))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_device_token"))
    );
    // A user's login is not a device token.
    let op = f.app.login("operator").await;
    let (status, _) = f
        .app
        .json(post_json("/api/v1/devices/events", Some(&op), &one))
        .await;
    assert_eq!(status, 401);

    let (status, body) = f
        .app
        .json(events_request(
            Some(&f.token_a),
            "application/json",
            "[{\"id\":".into(),
        ))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "bad_json");

    let too_many: Vec<Value> = (0..10_001)
        .map(|i| {
            event(
                &format!("m{i}"),
                "A1-1",
                &f.card_a,
                "resident",
                "2026-01-01T00:00:00Z",
            )
        })
        .collect();
    let (status, body) = f
        .app
        .json(post_json(
            "/api/v1/devices/events",
            Some(&f.token_a),
            &Value::Array(too_many),
        ))
        .await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("10000")
    );
    assert_eq!(f.app.store.door_event_count().await.expect("count"), 0);

    // Only operators and admins manage devices.
    let grid = f.app.login("grid_a").await;
    let (status, _) = f.app.json(get("/api/v1/devices", Some(&grid))).await;
    assert_eq!(status, 403);
}

#[engines]
async fn retention_prunes_raw_and_refused_events_past_their_days() {
    let f = fixture().await;
    // Events from 40 days ago and from 5 minutes ago, plus a refused one.
    let clock = Arc::new(shequ_server::app::clock::ManualClock::new(
        shequ_store::now_ms(),
    ));
    let old = now_minus(40 * 86_400);
    let batch = json!([
        event("old1", "A1-1", &f.card_a, "resident", &old),
        event("old2", "A1-1", &f.card_a, "resident", &old),
        event("new1", "A1-1", &f.card_a, "resident", &now_minus(300)),
        event("bad", "NOPE", &f.card_a, "resident", &old),
    ]);
    let (status, body) = f
        .app
        .json(post_json(
            "/api/v1/devices/events",
            Some(&f.token_a),
            &batch,
        ))
        .await;
    assert_eq!(
        (status, body["accepted"].as_u64()),
        (200, Some(3)),
        "{body}"
    );
    let state = f.app.state.clone().with_clock(clock.clone());
    let pruned = shequ_server::sensing::retention::run_once(&state.sensing)
        .await
        .expect("prune");
    assert_eq!((pruned.events, pruned.rejected), (2, 0));
    // Today's pass was counted before the pruning; the day 40 days back,
    // past retention, was only unmarked.
    assert!(
        f.app
            .store
            .stale_door_days()
            .await
            .expect("stale")
            .is_empty()
    );
    let day = chrono::DateTime::from_timestamp_millis(shequ_store::now_ms() - 300_000)
        .expect("time")
        .with_timezone(&state.tz)
        .date_naive()
        .to_string();
    let counts = f.app.store.door_daily_counts(&day).await.expect("counts");
    assert!(
        counts.iter().any(|c| c.household_id == 0 && c.passes == 1),
        "{counts:?}"
    );
    let ids = f.app.store.door_event_ids().await.expect("ids");
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0].1, "new1");
    // Refused events go after rejected_retention_days (7).
    clock.advance_ms(8 * 86_400_000);
    let pruned = shequ_server::sensing::retention::run_once(&state.sensing)
        .await
        .expect("prune");
    assert_eq!(pruned.rejected, 1);
    assert!(
        f.app
            .store
            .recent_rejected_door_events(10)
            .await
            .expect("recent")
            .is_empty()
    );
}

/// Item 1 of issue 12 over HTTP: while the database cannot grow, a device
/// is told 503 `storage_full` with `Retry-After`, never 200 for events
/// that were not committed; once there is room it is 200 again, without a
/// restart, and `/metrics` counts only what was stored.
// SQLite only: the full disk is simulated by capping SQLite's page count.
#[tokio::test]
async fn a_full_disk_answers_retry_later_and_resumes_when_there_is_room() {
    let f = fixture().await;
    let observer = shequ_store::Store::open(&f.app.database_url())
        .await
        .expect("second connection");
    let at = now_minus(60);
    let send = |n: usize, size: usize| {
        let batch: Vec<Value> = (0..size)
            .map(|i| event(&format!("full-{n}-{i}"), "A1-1", &f.card_a, "resident", &at))
            .collect();
        events_request(
            Some(&f.token_a),
            "application/json",
            Value::Array(batch).to_string(),
        )
    };
    let mut accepted = 0u64;
    let mut refused = 0;
    f.app
        .store
        .cap_sqlite_pages_for_tests(Some(0))
        .await
        .expect("cap");
    // A large batch, then single events: the room left in half-full pages
    // takes some, then every one is refused.
    for n in 0..150 {
        let resp = f.app.send(send(n, if n == 0 { 300 } else { 1 })).await;
        let status = resp.status().as_u16();
        let retry_after = resp.headers().get(header::RETRY_AFTER).cloned();
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .expect("body")
            .to_bytes();
        let body: Value = serde_json::from_slice(&bytes).expect("JSON body");
        match status {
            200 => accepted += body["accepted"].as_u64().expect("accepted"),
            503 => {
                assert_eq!(body["error"]["code"], "storage_full", "{body}");
                assert!(retry_after.is_some(), "503 without Retry-After");
                refused += 1;
            }
            other => panic!("batch {n}: {other} {body}"),
        }
        assert_eq!(
            observer.door_event_count().await.expect("count") as u64,
            accepted,
            "after batch {n}: what was acknowledged is committed, and only that"
        );
    }
    assert!(refused >= 50, "{refused} of 150 refused while full");

    f.app
        .store
        .cap_sqlite_pages_for_tests(None)
        .await
        .expect("room again");
    for n in 150..153 {
        let (status, body) = f.app.json(send(n, 100)).await;
        assert_eq!(status, 200, "writing resumes without a restart: {body}");
        accepted += body["accepted"].as_u64().expect("accepted");
    }
    assert_eq!(
        observer.door_event_count().await.expect("count") as u64,
        accepted
    );
    let (_, _, text) = f.app.text(get("/metrics", None)).await;
    assert!(
        text.contains(&format!(
            "shequ_door_events_accepted_total{{channel=\"http\"}} {accepted}"
        )),
        "{text}"
    );
    observer.close().await;
}
