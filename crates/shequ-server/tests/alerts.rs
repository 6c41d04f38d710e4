//! The welfare-alert rules engine end to end, in process, on a manual
//! clock: absence of an 80+ resident living alone becomes a work order for
//! the building's grid worker, a pass clears it with a note, a silent door
//! controller becomes a maintenance order instead of absence alerts, rules
//! expire, and the state survives a restart.

mod common;

use shequ_testkit::engines;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{GRID_A, TestApp, app, get, post_json};
use shequ_domain::sensing::{Direction, DoorEvent, PassKind};
use shequ_server::app::clock::Clock;
use shequ_server::app::clock::ManualClock;
use shequ_server::sensing::EventSink;
use shequ_server::sensing::engine::Engine;
use shequ_store::alerts::{Alert, AlertQuery};
use shequ_store::people::PeopleQuery;
use shequ_store::{Paging, Scope};

const H: i64 = 3_600_000;
/// 2026-06-01 08:00 in Shanghai.
const T0: i64 = 1_780_272_000_000;

struct Street {
    app: TestApp,
    clock: Arc<ManualClock>,
    /// 王秀英, 86, tagged elderly_living_alone.
    elder: i64,
    household: i64,
    /// 王建国, her household contact.
    contact: i64,
    building: i64,
    device: i64,
}

async fn street() -> Street {
    let mut app = app().await;
    let clock = Arc::new(ManualClock::new(T0));
    app.state = app.state.clone().with_clock(clock.clone());
    app.router = shequ_server::router(app.state.clone());
    let s = &app.store;
    let find = |name: &'static str| async move {
        s.search_people(
            &Scope::everything(),
            &PeopleQuery {
                name_prefix: Some(name.into()),
                ..PeopleQuery::default()
            },
            Paging::new(None, None),
        )
        .await
        .expect("q")
        .items
        .remove(0)
    };
    let elder = find("王秀英").await;
    let contact = find("王建国").await;
    let building = elder.building_id.expect("building");
    let device = s
        .insert_bare_device("D-A1-1", building, GRID_A, Some(T0), T0)
        .await
        .expect("device");
    Street {
        elder: elder.id,
        household: elder.household_id.expect("household"),
        contact: contact.id,
        building,
        device,
        clock,
        app,
    }
}

impl Street {
    fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    fn pass(&self, person: i64, at: i64) -> DoorEvent {
        DoorEvent {
            seq: 0,
            device_id: self.device,
            building_id: self.building,
            at,
            direction: Direction::Out,
            kind: PassKind::Resident,
            person_id: Some(person),
            household_id: Some(self.household),
            credential: format!("card-{person}"),
        }
    }

    /// Moves the clock `hours` forward an hour at a time; with
    /// `door_alive` the door controller reports every hour (other
    /// residents passing).
    async fn advance(&self, engine: &Engine, hours: i64, door_alive: bool) {
        for _ in 0..hours {
            self.clock.advance_ms(H);
            if door_alive {
                // As ingest does: the device row first, then the engine.
                self.app
                    .store
                    .set_device_heard(self.device, self.now())
                    .await
                    .expect("touch");
                engine.device_heard(self.device, self.now());
            }
            engine.settle().await;
        }
    }

    async fn alerts(&self) -> Vec<Alert> {
        self.app
            .store
            .alerts_in(
                &Scope::everything(),
                &AlertQuery::default(),
                Paging::new(None, None),
            )
            .await
            .expect("alerts")
            .items
    }
}

#[engines]
async fn an_absent_elder_becomes_an_order_for_the_grid_worker_and_a_pass_clears_it() {
    let s = street().await;
    // Last seen 47 hours before the engine starts: the state is rebuilt
    // from the stored events.
    s.app
        .store
        .insert_bare_pass(s.device, "e1", s.elder, s.building, T0 - 47 * H)
        .await
        .expect("pass");
    let engine = Engine::spawn(s.app.state.sensing.clone());
    engine.settle().await;
    assert!(s.alerts().await.is_empty(), "47 h: no alert");
    let rules = s.app.store.alert_rules().await.expect("rules");
    let codes: Vec<&str> = rules.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(
        codes,
        ["elderly_living_alone", "device_silence"],
        "defaults seeded"
    );

    s.clock.set_ms(T0 + H - 1);
    engine.device_heard(s.device, s.now());
    engine.settle().await;
    assert!(
        s.alerts().await.is_empty(),
        "a millisecond before 48 h: no alert"
    );

    // Past the deadline; the engine's own timer (not settle) must raise it
    // within a second.
    s.clock.set_ms(T0 + H + 500);
    let started = Instant::now();
    let alert = loop {
        if let Some(a) = s.alerts().await.into_iter().find(|a| a.order_id.is_some()) {
            break a;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no alert raised by the timer"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(alert.kind, "inactivity");
    assert_eq!(alert.subject, format!("person:{}", s.elder));
    assert_eq!(alert.last_seen_at, Some(T0 - 47 * H));
    assert_eq!(alert.region_path, GRID_A);
    let order = s
        .app
        .store
        .order_by_id(alert.order_id.expect("order"))
        .await
        .expect("q")
        .expect("order");
    assert_eq!(order.category_code, "elderly_care");
    assert_eq!(order.title, "独居老人关怀 — 上门看望");
    assert_eq!(order.source, "sensor");
    assert_eq!(order.subject_person_id, Some(s.elder));
    assert_eq!(order.place_id, Some(s.building));
    assert_eq!(
        order.owner_user_id,
        Some(s.app.user_id("grid_a").await),
        "the building's grid worker"
    );
    for part in [
        "王秀英",
        "86岁",
        "田林路A1号",
        "王建国",
        "2026-05-30 09:00",
        "48 小时",
    ] {
        assert!(
            order.description.contains(part),
            "{part:?} missing from {}",
            order.description
        );
    }
    assert!(
        !order.description.contains("13912345678"),
        "phones stay masked"
    );
    // Pop-up and SMS for the owner, through the normal outbox.
    let sms = s
        .app
        .store
        .due_outbox("sms", i64::MAX, 10)
        .await
        .expect("outbox");
    assert!(sms.iter().any(|r| r.order_id == Some(order.id)), "{sms:?}");

    // No second alert while this one is open, however long the absence.
    s.advance(&engine, 72, true).await;
    let all = s.alerts().await;
    assert_eq!(all.len(), 1, "no duplicate alert: {all:#?}");

    // Seen again: the alert clears and the order gets a note.
    engine.accept(&[s.pass(s.elder, s.now())]);
    engine.settle().await;
    let alerts = s.alerts().await;
    assert_eq!(alerts[0].state, "cleared");
    assert_eq!(alerts[0].cleared_at, Some(s.now()));
    let trail = s.app.store.order_events(order.id).await.expect("trail");
    let note = trail.last().expect("events");
    assert_eq!(note.action, "note");
    assert!(note.note.contains("再次出入"), "{}", note.note);
    let audit = s
        .app
        .store
        .verify_trails(Some(order.id))
        .await
        .expect("audit");
    assert!(
        audit.broken.is_none(),
        "the note keeps the hash chain: {audit:?}"
    );

    // Absent again for 48 h: a new alert (the old one was cleared).
    s.advance(&engine, 48, true).await;
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0].state, "open");

    // The engine's counters, as /metrics shows them.
    let mut text = String::new();
    engine.render_metrics(&mut text);
    assert!(
        text.contains("shequ_rules_alerts_raised_total 2\n"),
        "{text}"
    );
    assert!(
        text.contains("shequ_rules_alerts_cleared_total 1\n"),
        "{text}"
    );
    assert!(text.contains("# TYPE shequ_rules_watched_people gauge"));
}

#[engines]
async fn a_silent_door_becomes_a_maintenance_order_and_never_an_absence_alert() {
    let s = street().await;
    s.app
        .store
        .insert_bare_pass(s.device, "e1", s.elder, s.building, T0 - 40 * H)
        .await
        .expect("pass");
    let engine = Engine::spawn(s.app.state.sensing.clone());
    engine.settle().await;
    // The door falls silent at T0; the elder is due at T0 + 8 h.
    s.advance(&engine, 5, false).await;
    assert!(s.alerts().await.is_empty());
    s.advance(&engine, 1, false).await;
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].kind, "device_silence");
    assert_eq!(alerts[0].device_id, Some(s.device));
    let order = s
        .app
        .store
        .order_by_id(alerts[0].order_id.expect("order"))
        .await
        .expect("q")
        .expect("order");
    assert_eq!(order.category_code, "device_maintenance");
    assert_eq!(order.place_id, Some(s.building));

    s.advance(&engine, 30, false).await;
    assert_eq!(
        s.alerts().await.len(),
        1,
        "absence behind a silent door is not alerted"
    );
    // …and /metrics counts the absence it held back, once.
    let mut text = String::new();
    engine.render_metrics(&mut text);
    assert!(
        text.contains("shequ_rules_absence_muted_total 1\n"),
        "{text}"
    );

    // The door is back: its alert clears with a note, and the elder's
    // absence counts from now.
    s.advance(&engine, 1, true).await;
    let alerts = s.alerts().await;
    assert_eq!(alerts[0].state, "cleared");
    let trail = s.app.store.order_events(order.id).await.expect("trail");
    assert_eq!(trail.last().expect("events").action, "note");
    s.advance(&engine, 47, true).await;
    let all = s.alerts().await;
    assert_eq!(all.len(), 1, "47 h after the door came back: {all:#?}");
    s.advance(&engine, 1, true).await;
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0].kind, "inactivity");
}

#[engines]
async fn open_alerts_and_last_passes_survive_a_restart() {
    let s = street().await;
    let engine = Engine::spawn(s.app.state.sensing.clone());
    engine.settle().await;
    s.advance(&engine, 48, true).await;
    assert_eq!(s.alerts().await.len(), 1, "unseen since the rule began");
    drop(engine);

    // A new process: the open alert is known, so nothing is raised twice.
    let engine = Engine::spawn(s.app.state.sensing.clone());
    engine.settle().await;
    s.advance(&engine, 24, true).await;
    assert_eq!(s.alerts().await.len(), 1, "no duplicate after a restart");
    // The pass is stored by ingest before the engine hears of it.
    let at = s.now();
    s.app
        .store
        .insert_bare_pass(s.device, "e2", s.elder, s.building, at)
        .await
        .expect("pass");
    engine.accept(&[s.pass(s.elder, at)]);
    engine.settle().await;
    assert_eq!(s.alerts().await[0].state, "cleared");
    drop(engine);

    // Restarted 47 h after the pass: the stored pass, not the start, counts.
    s.clock.advance_ms(47 * H);
    s.app
        .store
        .set_device_heard(s.device, s.now())
        .await
        .expect("touch");
    let engine = Engine::spawn(s.app.state.sensing.clone());
    engine.settle().await;
    assert_eq!(s.alerts().await.len(), 1);
    s.advance(&engine, 1, true).await;
    assert_eq!(s.alerts().await.len(), 2, "due 48 h after the stored pass");
}

#[engines]
async fn rules_are_managed_through_the_api_audited_and_targeted_ones_expire() {
    let s = street().await;
    let engine = Engine::spawn(s.app.state.sensing.clone());
    engine.settle().await;
    let admin = s.app.login("admin").await;
    let grid = s.app.login("grid_a").await;
    let targeted = |expires_at: i64, window: u32, code: &str| {
        serde_json::json!({
            "code": code, "name": "出院后观察",
            "kind": "inactivity",
            "params": {"window_hours": window},
            "targets": [format!("person:{}", s.contact)],
            "purpose": "出院后两周内每日确认平安",
            "expires_at": expires_at,
        })
    };
    let (status, body) = s
        .app
        .json(post_json(
            "/api/v1/alert-rules",
            Some(&grid),
            &targeted(T0 + H, 2, "x"),
        ))
        .await;
    assert_eq!(status, 403, "{body}");
    let mut no_purpose = targeted(T0 + H, 2, "x");
    no_purpose["purpose"] = "".into();
    let (status, body) = s
        .app
        .json(post_json("/api/v1/alert-rules", Some(&admin), &no_purpose))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("rule_purpose"), "{body}");

    // Expires after 1 h, would fire after 2 h: never fires.
    let (status, short) = s
        .app
        .json(post_json(
            "/api/v1/alert-rules",
            Some(&admin),
            &targeted(T0 + H, 2, "short"),
        ))
        .await;
    assert_eq!(status, 201, "{short}");
    // Runs a day, fires after 1 h.
    let (status, watch) = s
        .app
        .json(post_json(
            "/api/v1/alert-rules",
            Some(&admin),
            &targeted(T0 + 24 * H, 1, "watch"),
        ))
        .await;
    assert_eq!(status, 201, "{watch}");
    s.advance(&engine, 3, true).await;
    let alerts = s.alerts().await;
    let rules: Vec<i64> = alerts.iter().map(|a| a.rule_id).collect();
    assert_eq!(
        rules,
        [watch["id"].as_i64().expect("id")],
        "the expired rule stopped by itself"
    );

    // Listing alerts of a targeted rule is logged.
    let operator = s.app.login("operator").await;
    let (status, page) = s.app.json(get("/api/v1/alerts", Some(&operator))).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 1);
    let log = s
        .app
        .store
        .access_log_in(&Scope::everything(), Paging::new(None, None))
        .await
        .expect("log");
    assert!(
        log.items.iter().any(|e| e.action == "view"
            && e.actor_username == "operator"
            && e.subject_kind == "alert"),
        "{:?}",
        log.items
    );
    let (status, page) = s.app.json(get("/api/v1/alerts", Some(&grid))).await;
    assert_eq!(status, 200, "{page}");

    // Update and disable, each in the rule's change log.
    let id = watch["id"].as_i64().expect("id");
    let mut changed = targeted(T0 + 48 * H, 5, "watch");
    changed["name"] = "出院后观察（延长）".into();
    let req = axum::http::Request::put(format!("/api/v1/alert-rules/{id}"))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {admin}"))
        .body(axum::body::Body::from(changed.to_string()))
        .expect("req");
    let (status, body) = s.app.json(req).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["params"]["window_hours"], 5);
    let (status, body) = s
        .app
        .json(post_json(
            &format!("/api/v1/alert-rules/{id}/disable"),
            Some(&admin),
            &serde_json::json!({}),
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["enabled"], false);
    let (status, list) = s
        .app
        .json(get("/api/v1/alert-rules", Some(&operator)))
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().expect("array").len(), 4);
    let changes = s.app.store.alert_rule_changes(id).await.expect("changes");
    let actions: Vec<&str> = changes.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "disable"]);
    assert!(changes.iter().all(|c| c.actor == "admin"));

    let (_, doc) = s.app.json(get("/api/docs/openapi.json", None)).await;
    for p in [
        "/api/v1/alert-rules",
        "/api/v1/alert-rules/{id}",
        "/api/v1/alert-rules/{id}/disable",
        "/api/v1/alerts",
    ] {
        assert!(
            doc["paths"][p].is_object(),
            "{p} missing from the OpenAPI document"
        );
    }
}

#[engines]
async fn night_wandering_and_a_stream_of_visitors_each_raise_one_alert() {
    let s = street().await;
    let engine = Engine::spawn(s.app.state.sensing.clone());
    engine.settle().await;
    let admin = s.app.login("admin").await;
    for rule in [
        serde_json::json!({"code": "night_walk", "name": "夜间频繁出入", "kind": "night_activity",
            "params": {"filter": {"tags": ["elderly_living_alone"]}, "start_hour": 23, "end_hour": 5, "max_passes": 2}}),
        serde_json::json!({"code": "many_visitors", "name": "访客过多", "kind": "visitor_threshold",
            "params": {"max_visitors": 2}}),
    ] {
        let (status, body) = s
            .app
            .json(post_json("/api/v1/alert-rules", Some(&admin), &rule))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    // The engine reads the rules again on its next messages.
    s.advance(&engine, 1, true).await;

    // 23:05–23:35 street time (T0 is 08:00): the third pass of the night
    // is one too many; the fourth raises nothing new.
    let night = T0 + 15 * H;
    s.clock.set_ms(night + 40 * 60_000);
    let passes: Vec<DoorEvent> = (0..4)
        .map(|i| s.pass(s.elder, night + (5 + 10 * i) * 60_000))
        .collect();
    engine.accept(&passes[..2]);
    engine.settle().await;
    assert!(
        s.alerts().await.iter().all(|a| a.kind != "night_activity"),
        "two passes are allowed"
    );
    engine.accept(&passes[2..]);
    engine.settle().await;
    let night_alerts: Vec<Alert> = s
        .alerts()
        .await
        .into_iter()
        .filter(|a| a.kind == "night_activity")
        .collect();
    assert_eq!(night_alerts.len(), 1, "{night_alerts:?}");
    assert_eq!(night_alerts[0].subject, format!("person:{}", s.elder));
    assert!(night_alerts[0].order_id.is_some(), "it became a work order");

    // Visitors to her household: the same code twice counts once; the
    // third distinct visitor of the day raises the alert.
    let visit = |code: &str, minute: i64| DoorEvent {
        kind: PassKind::Visitor,
        person_id: None,
        credential: code.to_owned(),
        ..s.pass(s.elder, night + minute * 60_000)
    };
    engine.accept(&[visit("V-1", 41), visit("V-1", 42), visit("V-2", 43)]);
    engine.settle().await;
    assert!(
        s.alerts()
            .await
            .iter()
            .all(|a| a.kind != "visitor_threshold"),
        "two distinct visitors are allowed"
    );
    engine.accept(&[visit("V-3", 44), visit("V-4", 45)]);
    engine.settle().await;
    let visitor_alerts: Vec<Alert> = s
        .alerts()
        .await
        .into_iter()
        .filter(|a| a.kind == "visitor_threshold")
        .collect();
    assert_eq!(visitor_alerts.len(), 1, "{visitor_alerts:?}");
    assert_eq!(
        visitor_alerts[0].subject,
        format!("household:{}", s.household)
    );
    assert!(visitor_alerts[0].order_id.is_some());
}
