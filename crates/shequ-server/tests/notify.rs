//! Notifications and the SLA, end to end on SQLite: SMS through a real
//! HTTP receiver on 127.0.0.1 (retries, dead letters, requeue), pop-ups
//! and the feed over a real SSE connection (scope, replay after
//! Last-Event-ID, reload when behind), and the SLA worker on a manual
//! clock (escalation, reassignment, pauses, auto-close).

mod common;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use shequ_domain::RegionPath;
use shequ_domain::order::Action;
use shequ_server::AppState;
use shequ_server::Settings;
use shequ_server::app::access::ClientAddr;
use shequ_server::app::auth::AuthUser;
use shequ_server::app::auth::USER_TOKEN_PREFIX;
use shequ_server::app::auth::new_token;
use shequ_server::app::auth::token_hash;
use shequ_server::app::clock::Clock;
use shequ_server::app::clock::ManualClock;
use shequ_server::app::live::Hub;
use shequ_server::app::live::LiveEvent;
use shequ_server::app::settings::Secret;
use shequ_server::orders::catalogue::ensure_default_catalogue;
use shequ_server::orders::intake;
use shequ_server::orders::intake::Report;
use shequ_server::orders::service;
use shequ_server::orders::service::Who;
use shequ_server::orders::workers;
use shequ_server::orders::workers::sla;
use shequ_server::orders::workers::sms;
use shequ_store::Scope;
use shequ_store::accounts::SessionKind;
use shequ_store::orders::outbox::OutboxRow;
use tower::ServiceExt;

use common::*;

const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;
const DAY: i64 = 24 * 60 * MIN;
/// Only a guard against a hung test; nothing asserts how long anything takes.
const PATIENCE: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------- fixtures

/// The small street of `common`, the default catalogue, and a state whose
/// clock moves only when told.
struct World {
    app: TestApp,
    state: AppState,
    router: Router,
    clock: Arc<ManualClock>,
    place_a: i64,
    place_b: i64,
}

async fn world(settings: Settings) -> World {
    let app = app_with(settings).await;
    ensure_default_catalogue(&app.store)
        .await
        .expect("catalogue");
    let clock = Arc::new(ManualClock::new(T0));
    let state = app.state.clone().with_clock(clock.clone());
    let router = shequ_server::router(state.clone());
    let refs = app.store.place_refs(&["A1", "B1"]).await.expect("places");
    World {
        place_a: refs["A1"].id,
        place_b: refs["B1"].id,
        app,
        state,
        router,
        clock,
    }
}

impl World {
    async fn uid(&self, username: &str) -> i64 {
        self.app
            .store
            .user_credentials(username)
            .await
            .expect("query")
            .expect("user")
            .0
            .id
    }

    /// A sanitation complaint about a building, as the hotline takes it.
    async fn report(&self, place_id: i64, reporter_phone: Option<&str>) -> intake::Submitted {
        self.report_of("sanitation", place_id, reporter_phone).await
    }

    /// A complaint of `category`. Two open orders of one category at one
    /// place are likely duplicates (sent to the command centre), so tests
    /// that need several orders for one worker vary the category.
    async fn report_of(
        &self,
        category: &str,
        place_id: i64,
        reporter_phone: Option<&str>,
    ) -> intake::Submitted {
        intake::submit(
            &self.state.orders,
            Report {
                category: category.into(),
                source: "hotline",
                title: "楼道堆物".into(),
                description: "三楼楼道堆满纸箱，影响通行".into(),
                address: String::new(),
                point: None,
                place_id: Some(place_id),
                subject_person_id: None,
                reporter_name: "张先生".into(),
                reporter_phone: reporter_phone.map(str::to_owned),
                reporter_email: None,
                external_id: None,
                attributes: Value::Null,
                priority: None,
                scope_root: RegionPath::parse("/310000/310104/310104011/").expect("path"),
                actor: "system".into(),
                actor_user_id: None,
                reporter_link: false,
                resolve_by: None,
            },
        )
        .await
        .expect("submit")
    }

    async fn as_user(&self, username: &str) -> Who {
        let (user, _) = self
            .app
            .store
            .user_credentials(username)
            .await
            .expect("query")
            .expect("user");
        let region_path = RegionPath::parse(&user.region_path).expect("path");
        Who::User(Box::new(AuthUser {
            role: user.role().expect("role"),
            scope: Scope::under(&region_path),
            region_path,
            user,
            via_cookie: false,
        }))
    }

    async fn act(&self, id: i64, who: &Who, action: Action) {
        service::act(&self.state.orders, id, who, &action, &ClientAddr::default())
            .await
            .expect("act");
    }

    /// Pending SMS rows (nothing sends them unless a test runs the worker).
    async fn pending_sms(&self) -> Vec<OutboxRow> {
        self.app
            .store
            .due_outbox("sms", i64::MAX, 1000)
            .await
            .expect("outbox")
    }

    async fn row(&self, id: i64) -> OutboxRow {
        self.app
            .store
            .outbox_row(id)
            .await
            .expect("query")
            .expect("row")
    }

    async fn call(&self, req: Request<Body>) -> (u16, Value) {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn order(&self, id: i64) -> shequ_store::orders::Order {
        self.app
            .store
            .order_by_id(id)
            .await
            .expect("query")
            .expect("order")
    }
}

/// What the receiver saw: the Authorization and Idempotency-Key headers
/// and the JSON body of each request.
type Seen = Arc<Mutex<Vec<(Option<String>, Option<String>, Value)>>>;

/// A real HTTP server on 127.0.0.1 standing in for the SMS gateway. It
/// answers with `statuses` in turn, then 200.
async fn receiver(statuses: &[u16]) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let script = Arc::new(Mutex::new(
        statuses.iter().copied().collect::<VecDeque<_>>(),
    ));
    let log = seen.clone();
    let app = Router::new().route(
        "/sms",
        axum::routing::post(move |headers: HeaderMap, body: axum::Json<Value>| {
            let (log, script) = (log.clone(), script.clone());
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                log.lock()
                    .expect("lock")
                    .push((h("authorization"), h("idempotency-key"), body.0));
                let code = script.lock().expect("lock").pop_front().unwrap_or(200);
                StatusCode::from_u16(code).expect("status")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (format!("http://{addr}/sms"), seen)
}

fn gateway_settings(url: &str) -> Settings {
    Settings {
        sms_webhook_url: Some(url.to_owned()),
        sms_webhook_key: Some(Secret("gw-key-123".into())),
        ..Settings::default()
    }
}

// --------------------------------------------------------------------- SMS

#[engines]
async fn an_sms_reaches_the_gateway_with_key_text_and_id() {
    let (url, seen) = receiver(&[]).await;
    let w = world(gateway_settings(&url)).await;
    let order = w.report(w.place_a, None).await;
    let grid_a = w.uid("grid_a").await;
    assert_eq!(order.owner_user_id, Some(grid_a));
    let rows = w.pending_sms().await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.recipient, "13800000001");

    let gw = sms::Gateway::new().expect("client");
    let pass = sms::run_once(&w.state.orders, &gw).await.expect("pass");
    assert_eq!((pass.sent, pass.retrying, pass.dead), (1, 0, 0));

    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    let (auth, key, body) = &seen[0];
    assert_eq!(auth.as_deref(), Some("Bearer gw-key-123"));
    assert_eq!(key.as_deref(), Some(row.id.to_string().as_str()));
    assert_eq!(body["to"], "13800000001");
    assert_eq!(body["id"], row.id);
    let text = body["text"].as_str().expect("text");
    assert!(
        text.contains("新工单") && text.contains("环境卫生"),
        "{text}"
    );
    assert!(text.contains(&format!("/orders/{}", order.id)), "{text}");

    let after = w.row(row.id).await;
    assert_eq!((after.state.as_str(), after.attempts), ("sent", 1));
    assert_eq!(after.sent_at, Some(T0));
    // Sent rows are not sent again.
    let again = sms::run_once(&w.state.orders, &gw).await.expect("pass");
    assert_eq!(again, sms::Pass::default());
}

#[engines]
async fn a_failing_gateway_is_retried_and_then_sent() {
    let (url, seen) = receiver(&[500]).await;
    let w = world(gateway_settings(&url)).await;
    w.report(w.place_a, None).await;
    let id = w.pending_sms().await[0].id;
    let gw = sms::Gateway::new().expect("client");

    let first = sms::run_once(&w.state.orders, &gw).await.expect("pass");
    assert_eq!((first.sent, first.retrying), (0, 1));
    let row = w.row(id).await;
    assert_eq!((row.state.as_str(), row.attempts), ("pending", 1));
    assert!(
        row.last_error.as_deref().is_some_and(|e| e.contains("500")),
        "{:?}",
        row.last_error
    );
    assert!(row.next_attempt_at > T0, "retried later, not at once");

    // Not due yet: nothing happens.
    let early = sms::run_once(&w.state.orders, &gw).await.expect("pass");
    assert_eq!(early, sms::Pass::default());

    w.clock.set_ms(row.next_attempt_at);
    let second = sms::run_once(&w.state.orders, &gw).await.expect("pass");
    assert_eq!(second.sent, 1);
    let row = w.row(id).await;
    assert_eq!((row.state.as_str(), row.attempts), ("sent", 2));
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].2, seen[1].2,
        "a retry sends the same message and id"
    );
}

#[engines]
async fn a_gateway_that_is_down_dead_letters_after_the_last_attempt_and_operators_requeue() {
    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let w = world(Settings {
        sms_max_attempts: 4,
        ..gateway_settings(&format!("http://{closed}/sms"))
    })
    .await;
    let order = w.report(w.place_a, None).await;
    let id = w.pending_sms().await[0].id;
    let gw = sms::Gateway::new().expect("client");

    let mut delays = Vec::new();
    for attempt in 1..=4 {
        let pass = sms::run_once(&w.state.orders, &gw).await.expect("pass");
        let row = w.row(id).await;
        assert_eq!(row.attempts, attempt);
        let error = row.last_error.clone().unwrap_or_default();
        assert!(error.contains("cannot reach the gateway"), "{error}");
        if attempt < 4 {
            assert_eq!((pass.retrying, row.state.as_str()), (1, "pending"));
            delays.push(row.next_attempt_at - w.clock.now_ms());
            w.clock.set_ms(row.next_attempt_at);
        } else {
            assert_eq!((pass.dead, row.state.as_str()), (1, "dead"));
        }
    }
    assert!(
        delays.windows(2).all(|d| d[1] > d[0]) && delays[0] >= 24_000,
        "backoff grows: {delays:?}"
    );
    // A dead letter is not tried again by the worker.
    w.clock.advance_ms(DAY);
    assert_eq!(
        sms::run_once(&w.state.orders, &gw).await.expect("pass"),
        sms::Pass::default()
    );

    // The command centre sees it, with the phone masked.
    let operator = w.app.login("operator").await;
    let (status, dead) = w
        .call(get("/api/v1/notifications/dead", Some(&operator)))
        .await;
    assert_eq!(status, 200, "{dead}");
    let list = dead.as_array().expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["order_id"], order.id);
    assert_eq!(list[0]["recipient"], "138****0001");
    assert_eq!(list[0]["attempts"], 4);
    assert!(
        list[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot reach")),
        "{dead}"
    );
    // Workers and secretaries do not manage notifications.
    for who in ["grid_a", "sec_a"] {
        let token = w.app.login(who).await;
        let (status, _) = w
            .call(get("/api/v1/notifications/dead", Some(&token)))
            .await;
        assert_eq!(status, 403, "{who}");
    }

    // Requeue: pending again with a fresh count, due now.
    let retry = format!("/api/v1/notifications/{id}/retry");
    let (status, body) = w.call(post_json(&retry, Some(&operator), &json!({}))).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("pending")),
        "{body}"
    );
    let row = w.row(id).await;
    assert_eq!((row.state.as_str(), row.attempts), ("pending", 0));
    assert_eq!(row.next_attempt_at, w.clock.now_ms());
    let (status, body) = w.call(post_json(&retry, Some(&operator), &json!({}))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("notification_not_dead"))
    );
    let (status, _) = w
        .call(post_json(
            "/api/v1/notifications/999999/retry",
            Some(&operator),
            &json!({}),
        ))
        .await;
    assert_eq!(status, 404);
    let (_, dead) = w
        .call(get("/api/v1/notifications/dead", Some(&operator)))
        .await;
    assert_eq!(dead, json!([]));

    let (_, doc) = w.call(get("/api/docs/openapi.json", None)).await;
    for path in [
        "/api/v1/events",
        "/api/v1/notifications/dead",
        "/api/v1/notifications/{id}/retry",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} in the OpenAPI");
    }
}

#[engines]
async fn a_recipient_without_a_phone_or_a_missing_gateway_is_dead_at_once() {
    let (url, seen) = receiver(&[]).await;
    let w = world(gateway_settings(&url)).await;
    // Grid B's worker has no phone.
    let order = w.report(w.place_b, None).await;
    assert_eq!(order.owner_user_id, Some(w.uid("gw_b").await));
    let id = w.pending_sms().await[0].id;
    let gw = sms::Gateway::new().expect("client");
    let pass = sms::run_once(&w.state.orders, &gw).await.expect("pass");
    assert_eq!(pass.dead, 1);
    let row = w.row(id).await;
    assert_eq!(row.state, "dead");
    assert_eq!(row.last_error.as_deref(), Some(sms::NO_PHONE));
    assert!(seen.lock().expect("lock").is_empty(), "nothing was sent");

    let w = world(Settings::default()).await;
    w.report(w.place_a, None).await;
    let id = w.pending_sms().await[0].id;
    sms::run_once(&w.state.orders, &gw).await.expect("pass");
    let row = w.row(id).await;
    assert_eq!(
        (row.state.as_str(), row.last_error.as_deref()),
        ("dead", Some(sms::NO_GATEWAY))
    );
}

#[engines]
async fn the_running_worker_is_woken_by_a_new_order() {
    let (url, seen) = receiver(&[]).await;
    // Polling once an hour: only the wake-up can deliver within the test.
    let app = app_with(Settings {
        sms_poll_seconds: 3600,
        sla_tick_seconds: 3600,
        ..gateway_settings(&url)
    })
    .await;
    ensure_default_catalogue(&app.store)
        .await
        .expect("catalogue");
    let w = World {
        place_a: app.store.place_refs(&["A1"]).await.expect("refs")["A1"].id,
        place_b: 0,
        state: app.state.clone(),
        router: app.router.clone(),
        clock: Arc::new(ManualClock::new(T0)),
        app,
    };
    workers::spawn(&w.state.orders);
    // Let the worker's first pass find nothing.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let order = w.report(w.place_a, None).await;
    tokio::time::timeout(PATIENCE, async {
        while seen.lock().expect("lock").is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the SMS arrives");
    let body = seen.lock().expect("lock")[0].2.clone();
    assert!(
        body["text"]
            .as_str()
            .is_some_and(|t| t.contains(&format!("工单{}", order.id))),
        "{body}"
    );
}

// --------------------------------------------------------------------- SSE

/// Serves the world's router on 127.0.0.1:0, as the binary does.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    format!("http://{addr}")
}

#[derive(Debug, Clone)]
struct Ev {
    event: String,
    id: Option<i64>,
    data: Value,
}

/// An open event stream, read as a browser's EventSource would.
struct Stream {
    resp: reqwest::Response,
    buf: Vec<u8>,
}

enum Cred<'a> {
    Bearer(&'a str),
    Cookie(&'a str),
}

impl Stream {
    async fn open(base: &str, cred: Cred<'_>, last_event_id: Option<i64>) -> Stream {
        let mut req = reqwest::Client::new().get(format!("{base}/api/v1/events"));
        req = match cred {
            Cred::Bearer(t) => req.bearer_auth(t),
            Cred::Cookie(c) => req.header(header::COOKIE, format!("shequ_session={c}")),
        };
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let resp = req.send().await.expect("connect");
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()[header::CONTENT_TYPE].to_str().ok(),
            Some("text/event-stream")
        );
        Stream {
            resp,
            buf: Vec::new(),
        }
    }

    /// The next event, skipping keep-alive comments.
    async fn next(&mut self) -> Ev {
        tokio::time::timeout(PATIENCE, self.read())
            .await
            .expect("an event arrives")
    }

    async fn read(&mut self) -> Ev {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..end + 2).collect();
                let text = String::from_utf8(block).expect("utf-8");
                let mut ev = Ev {
                    event: "message".into(),
                    id: None,
                    data: Value::Null,
                };
                let mut any = false;
                for line in text.lines() {
                    let field = |name: &str| {
                        line.strip_prefix(name)
                            .and_then(|r| r.strip_prefix(':'))
                            .map(str::trim_start)
                    };
                    if let Some(v) = field("event") {
                        ev.event = v.to_owned();
                        any = true;
                    } else if let Some(v) = field("id") {
                        ev.id = Some(v.parse().expect("numeric id"));
                    } else if let Some(v) = field("data") {
                        ev.data = serde_json::from_str(v).expect("JSON data");
                        any = true;
                    }
                }
                if any {
                    return ev;
                }
                continue;
            }
            let chunk = self
                .resp
                .chunk()
                .await
                .expect("read")
                .expect("stream still open");
            self.buf.extend_from_slice(&chunk);
        }
    }

    /// Events up to and including the first of `kind` about `order`.
    async fn until(&mut self, kind: &str, order: i64) -> Vec<Ev> {
        let mut got = Vec::new();
        loop {
            let ev = self.next().await;
            let done = ev.event == kind && ev.data["order_id"] == order;
            got.push(ev);
            if done {
                return got;
            }
        }
    }
}

fn popup_ids(events: &[Ev]) -> Vec<i64> {
    events
        .iter()
        .filter(|e| e.event == "popup")
        .map(|e| e.id.expect("pop-ups carry their outbox id"))
        .collect()
}

async fn popups_of(w: &World, user: i64) -> Vec<OutboxRow> {
    w.app.store.popups_for(user, 0, 100).await.expect("popups")
}

#[engines]
async fn a_new_order_pops_up_on_its_owners_page_and_only_there_and_replays_after_reconnect() {
    let w = world(Settings::default()).await;
    let base = serve(w.router.clone()).await;
    let grid_a = w.uid("grid_a").await;
    let worker = w.app.login("grid_a").await;
    let other = w.app.login("sec_b").await;
    let mut mine = Stream::open(&base, Cred::Bearer(&worker), None).await;
    let mut theirs = Stream::open(&base, Cred::Bearer(&other), None).await;

    let first = w.report(w.place_a, None).await;
    let got = mine.until("order_created", first.id).await;
    let rows = popups_of(&w, grid_a).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(popup_ids(&got), vec![rows[0].id]);
    let popup = got.iter().find(|e| e.event == "popup").expect("popup");
    assert_eq!(popup.data["order_id"], first.id);
    assert_eq!(popup.data["kind"], "new_order");
    assert_eq!(popup.data["title"], "楼道堆物");
    assert_eq!(popup.data["category"], "环境卫生");

    // The other user (another neighbourhood) gets neither the pop-up nor
    // the feed event: the first thing on her stream is her own area's.
    let in_b = w.report(w.place_b, None).await;
    let hers = theirs.next().await;
    assert_eq!(
        (hers.event.as_str(), &hers.data["order_id"]),
        ("order_created", &json!(in_b.id))
    );

    // Delivered to an open page: marked sent.
    tokio::time::timeout(PATIENCE, async {
        while w.row(rows[0].id).await.state != "sent" {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the pop-up is marked sent");

    // The page goes away; two orders come meanwhile (once the server has
    // noticed: until then the page counts as open, and a busy machine
    // takes a moment).
    drop(mine);
    tokio::time::timeout(PATIENCE, async {
        while w.state.hub.pages_of(grid_a) > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the server notices the page is gone");
    let second = w.report_of("noise", w.place_a, None).await;
    let third = w.report_of("facility_repair", w.place_a, None).await;
    let rows = popups_of(&w, grid_a).await;
    assert_eq!(rows.len(), 3);
    assert!(
        rows[1..].iter().all(|r| r.state == "pending"),
        "nobody saw them"
    );

    // Reconnecting with the last id seen replays exactly the missed ones,
    // then live ones, with no repeats.
    let mut again = Stream::open(&base, Cred::Bearer(&worker), Some(rows[0].id)).await;
    let fourth = w.report_of("street_vending", w.place_a, None).await;
    let got = again.until("order_created", fourth.id).await;
    let all = popups_of(&w, grid_a).await;
    assert_eq!(
        popup_ids(&got),
        all[1..].iter().map(|r| r.id).collect::<Vec<_>>()
    );
    let replayed: Vec<_> = got
        .iter()
        .filter(|e| e.event == "popup")
        .map(|e| e.data["order_id"].clone())
        .collect();
    assert_eq!(
        replayed,
        vec![json!(second.id), json!(third.id), json!(fourth.id)]
    );
    // Replayed and live pop-ups read alike.
    let shapes: Vec<Vec<&String>> = got
        .iter()
        .filter(|e| e.event == "popup")
        .map(|e| e.data.as_object().expect("object").keys().collect())
        .collect();
    assert!(shapes.windows(2).all(|s| s[0] == s[1]), "{shapes:?}");
    tokio::time::timeout(PATIENCE, async {
        for r in &all {
            while w.row(r.id).await.state != "sent" {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    })
    .await
    .expect("replayed pop-ups are marked sent");

    // `?last_event_id=` does the same for clients that cannot set headers.
    let resp = reqwest::Client::new()
        .get(format!("{base}/api/v1/events?last_event_id={}", all[2].id))
        .bearer_auth(&worker)
        .send()
        .await
        .expect("connect");
    let mut by_query = Stream {
        resp,
        buf: Vec::new(),
    };
    let ev = by_query.next().await;
    assert_eq!((ev.event.as_str(), ev.id), ("popup", Some(all[3].id)));

    // Without credentials: 401.
    let resp = reqwest::get(format!("{base}/api/v1/events"))
        .await
        .expect("connect");
    assert_eq!(resp.status(), 401);
}

#[engines]
async fn the_feed_follows_the_scope_and_a_cookie_is_enough() {
    let w = world(Settings::default()).await;
    let base = serve(w.router.clone()).await;
    // A browser page: the session cookie, as EventSource sends it.
    let cookie = new_token(USER_TOKEN_PREFIX);
    w.app
        .store
        .create_session(
            &token_hash(&cookie),
            w.uid("sec_b").await,
            SessionKind::Cookie,
            shequ_store::now_ms() + 3_600_000,
        )
        .await
        .expect("session");
    let mut sec_b = Stream::open(&base, Cred::Cookie(&cookie), None).await;
    let operator = w.app.login("operator").await;
    let mut street = Stream::open(&base, Cred::Bearer(&operator), None).await;

    let in_a = w.report(w.place_a, None).await;
    let in_b = w.report(w.place_b, None).await;

    // The street operator sees both neighbourhoods' orders.
    street.until("order_created", in_a.id).await;
    street.until("order_created", in_b.id).await;
    // The secretary of B sees only hers; A's never came first.
    let first = sec_b.next().await;
    assert_eq!(first.event, "order_created");
    assert_eq!(first.data["order_id"], in_b.id);
    assert_eq!(first.id, None, "feed events carry no id");

    // A change to A's order is not in her feed either.
    let grid_a = w.as_user("grid_a").await;
    w.act(in_a.id, &grid_a, Action::Accept).await;
    let in_b2 = w.report_of("noise", w.place_b, None).await;
    let next = sec_b.next().await;
    assert_eq!(
        (next.event.as_str(), &next.data["order_id"]),
        ("order_created", &json!(in_b2.id))
    );
    let changed = street.until("order_changed", in_a.id).await;
    assert_eq!(changed.last().expect("event").data["state"], "accepted");

    // At shutdown every stream ends, so the server can stop.
    shequ_server::orders::api::events::end_streams(&w.state.hub);
    tokio::time::timeout(PATIENCE, async {
        while street.resp.chunk().await.expect("read").is_some() {}
    })
    .await
    .expect("the stream ends");
}

#[engines(flavor = "current_thread")]
async fn a_page_that_falls_behind_is_told_to_reload() {
    let mut w = world(Settings::default()).await;
    // A tiny buffer, so a burst overflows it.
    w.state = w.state.clone().with_core(|core| core.hub = Hub::new(2));
    let router = shequ_server::router(w.state.clone());
    let base = serve(router).await;
    let operator = w.app.login("operator").await;
    let mut page = Stream::open(&base, Cred::Bearer(&operator), None).await;
    // On this single-threaded runtime the server cannot read the hub while
    // this loop publishes.
    for n in 0..10 {
        w.state.hub.publish(LiveEvent {
            id: 0,
            user_id: None,
            kind: "order_changed",
            order_id: Some(n),
            region_path: GRID_A.into(),
            payload: json!({ "order_id": n }).to_string(),
        });
    }
    let ev = page.next().await;
    assert_eq!(ev.event, "reload");
    assert_eq!(ev.data["reason"], "lagged");
    // The stream goes on with what is still buffered.
    let ev = page.next().await;
    assert_eq!(ev.event, "order_changed");
}

// --------------------------------------------------------------------- SLA

#[engines]
async fn an_order_not_accepted_in_time_is_escalated_to_the_supervisor_once() {
    let w = world(Settings::default()).await;
    let (grid_a, sec_a, operator) = (
        w.uid("grid_a").await,
        w.uid("sec_a").await,
        w.uid("operator").await,
    );
    let order = w.report(w.place_a, None).await;
    assert_eq!(order.owner_user_id, Some(grid_a));

    w.clock.advance_ms(29 * MIN);
    assert_eq!(
        sla::run_once(&w.state.orders).await.expect("pass"),
        sla::Pass::default()
    );
    w.clock.advance_ms(MIN);
    let pass = sla::run_once(&w.state.orders).await.expect("pass");
    assert_eq!((pass.escalated, pass.reassigned), (1, 1));

    let o = w.order(order.id).await;
    assert!(o.supervised, "marked 督办");
    assert_eq!(o.state, "pending");
    assert_eq!(o.supervisor_user_id, Some(sec_a));
    assert_eq!(o.owner_user_id, Some(sec_a), "reassigned to the supervisor");
    assert_eq!(o.accept_due_at, T0 + 60 * MIN, "a fresh acceptance window");
    let trail = w.app.store.order_events(order.id).await.expect("trail");
    let tail: Vec<_> = trail
        .iter()
        .skip(2)
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(tail, vec![("escalate", "system"), ("reassign", "system")]);
    assert!(trail[2].note.contains("超时未受理"), "{}", trail[2].note);

    // The supervisor is told once, by pop-up and SMS.
    let popups = popups_of(&w, sec_a).await;
    assert_eq!(popups.len(), 1);
    let payload: Value = serde_json::from_str(&popups[0].payload).expect("json");
    assert_eq!(
        (payload["kind"].as_str(), payload["supervised"].as_bool()),
        (Some("escalated"), Some(true))
    );
    let sms: Vec<_> = w
        .pending_sms()
        .await
        .into_iter()
        .filter(|r| r.user_id == Some(sec_a))
        .collect();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0].recipient, "13800000002");
    assert!(sms[0].payload.contains("督办"), "{}", sms[0].payload);

    // Once only: later passes inside the new window do nothing.
    assert_eq!(
        sla::run_once(&w.state.orders).await.expect("pass"),
        sla::Pass::default()
    );
    w.clock.advance_ms(29 * MIN);
    assert_eq!(
        sla::run_once(&w.state.orders).await.expect("pass"),
        sla::Pass::default()
    );
    assert_eq!(popups_of(&w, sec_a).await.len(), 1);

    // If the supervisor does not accept either, it climbs one level: the
    // street's command centre.
    w.clock.advance_ms(MIN);
    let pass = sla::run_once(&w.state.orders).await.expect("pass");
    assert_eq!((pass.escalated, pass.reassigned), (1, 1));
    let o = w.order(order.id).await;
    assert_eq!(
        (o.owner_user_id, o.supervisor_user_id),
        (Some(operator), Some(operator))
    );
}

#[engines]
async fn a_paused_clock_does_not_escalate() {
    let w = world(Settings::default()).await;
    let order = w.report(w.place_a, None).await;
    let grid_a = w.as_user("grid_a").await;
    w.clock.advance_ms(10 * MIN);
    w.act(
        order.id,
        &grid_a,
        Action::PauseClock {
            reason: "等待居民补充照片".into(),
        },
    )
    .await;
    w.clock.advance_ms(3 * DAY);
    assert_eq!(
        sla::run_once(&w.state.orders).await.expect("pass"),
        sla::Pass::default()
    );
    let o = w.order(order.id).await;
    assert!(!o.supervised);
    assert_eq!(o.owner_user_id, Some(w.uid("grid_a").await));

    // Resumed, the 20 minutes that were left still count.
    w.act(order.id, &grid_a, Action::ResumeClock).await;
    w.clock.advance_ms(19 * MIN);
    assert_eq!(
        sla::run_once(&w.state.orders)
            .await
            .expect("pass")
            .escalated,
        0
    );
    w.clock.advance_ms(MIN);
    assert_eq!(
        sla::run_once(&w.state.orders)
            .await
            .expect("pass")
            .escalated,
        1
    );
}

#[engines]
async fn an_order_not_resolved_in_time_is_escalated_and_stays_with_its_owner() {
    let w = world(Settings::default()).await;
    let (grid_a, sec_a) = (w.uid("grid_a").await, w.uid("sec_a").await);
    let order = w.report(w.place_a, None).await;
    let worker = w.as_user("grid_a").await;
    w.clock.advance_ms(5 * MIN);
    w.act(order.id, &worker, Action::Accept).await;
    w.clock.advance_ms(DAY - 5 * MIN - 1);
    assert_eq!(
        sla::run_once(&w.state.orders)
            .await
            .expect("pass")
            .escalated,
        0
    );
    w.clock.advance_ms(1);
    let pass = sla::run_once(&w.state.orders).await.expect("pass");
    assert_eq!((pass.escalated, pass.reassigned), (1, 0));
    let o = w.order(order.id).await;
    assert_eq!(
        (o.state.as_str(), o.owner_user_id, o.supervisor_user_id),
        ("accepted", Some(grid_a), Some(sec_a))
    );
    assert!(o.supervised && o.escalated_resolve);
    let trail = w.app.store.order_events(order.id).await.expect("trail");
    let last = trail.last().expect("event");
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("escalate", "system")
    );
    assert!(last.note.contains("超时未办结"), "{}", last.note);
    w.clock.advance_ms(DAY);
    assert_eq!(
        sla::run_once(&w.state.orders)
            .await
            .expect("pass")
            .escalated,
        0
    );
}

#[engines]
async fn a_resolved_order_left_unrated_closes_after_seven_days() {
    let w = world(Settings::default()).await;
    let order = w.report(w.place_a, Some("13911112222")).await;
    let worker = w.as_user("grid_a").await;
    w.act(order.id, &worker, Action::Accept).await;
    w.clock.advance_ms(60 * MIN);
    w.act(
        order.id,
        &worker,
        Action::Resolve {
            note: "纸箱已清走".into(),
        },
    )
    .await;
    w.clock.advance_ms(7 * DAY - 1);
    assert_eq!(
        sla::run_once(&w.state.orders).await.expect("pass").closed,
        0
    );
    w.clock.advance_ms(1);
    assert_eq!(
        sla::run_once(&w.state.orders).await.expect("pass").closed,
        1
    );
    let o = w.order(order.id).await;
    assert_eq!(o.state, "closed");
    assert_eq!(o.rating, None);
    let trail = w.app.store.order_events(order.id).await.expect("trail");
    let last = trail.last().expect("event");
    assert_eq!(
        (
            last.action.as_str(),
            last.actor.as_str(),
            last.to_state.as_str()
        ),
        ("auto_close", "system", "closed")
    );
    assert_eq!(
        sla::run_once(&w.state.orders).await.expect("pass").closed,
        0
    );
}
