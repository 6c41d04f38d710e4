//! MQTT ingest against a real Mosquitto: the shared Mosquitto at
//! `SHEQU_TEST_MQTT_URL` (default mqtt://127.0.0.1:1883) for the events,
//! and a broker of our own on a free port that we stop and start again to
//! see the ingest reconnect.

mod common;

use std::time::Duration;

use common::*;
use rumqttc::{AsyncClient, MqttOptions, QoS};
use serde_json::json;
use shequ_server::AppState;
use shequ_server::sensing::metrics::Channel;
use shequ_server::sensing::metrics::Reason;
use shequ_server::sensing::mqtt;
use shequ_store::sensing::NewDevice;

/// The shared broker, or `None` (skipped) when `SHEQU_TEST_MQTT_URL` is
/// unset and none answers at the default address; set and unreachable is
/// a failure (the kit's rule).
fn broker_url() -> Option<String> {
    shequ_testkit::require_mqtt()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{:08x}", rand::random::<u32>())
}

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn publisher(host: &str, port: u16) -> AsyncClient {
    let (client, mut eventloop) =
        AsyncClient::new(MqttOptions::new(unique("pub-"), host, port), 100);
    tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    client
}

/// The app with a door at building A1 ("A1-1") and cards for everyone;
/// MQTT ingest for `street` on `url` started by hand.
async fn mqtt_app(url: &str, street: &str) -> (TestApp, String) {
    let settings = shequ_server::Settings {
        mqtt_url: url.to_owned(),
        mqtt_street_code: street.to_owned(),
        mqtt_client_id: unique("shequ-test-"),
        ..Default::default()
    };
    let app = app_with(settings).await;
    let refs = app.store.place_refs(&["A1"]).await.expect("refs");
    for code in ["A1-1", "A1-2"] {
        app.store
            .create_device(
                &NewDevice {
                    code: code.into(),
                    name: String::new(),
                    kind: "door_controller".into(),
                    building_id: refs["A1"].id,
                    entrance: "1".into(),
                    token_hash: None,
                },
                shequ_store::now_ms(),
            )
            .await
            .expect("device");
    }
    app.store
        .issue_resident_cards(shequ_store::now_ms())
        .await
        .expect("cards");
    let card = app
        .store
        .door_credentials()
        .await
        .expect("cards")
        .into_iter()
        .map(|c| c.credential)
        .min()
        .expect("card");
    (app, card)
}

fn start(state: &AppState) {
    let (host, port) = mqtt::broker_address(&state.settings.mqtt_url).expect("url");
    let id = state.settings.mqtt_client_id.clone();
    tokio::spawn(mqtt::run(state.sensing.clone(), host, port, id));
}

fn event(id: &str, device: &str, card: &str) -> serde_json::Value {
    json!({"id": id, "device": device, "at": chrono::Utc::now().to_rfc3339(),
           "direction": "in", "credential": card, "kind": "resident"})
}

#[engines]
async fn events_published_over_mqtt_are_stored_once_each() {
    let Some(url) = broker_url() else { return };
    let street = unique("T");
    let (app, card) = mqtt_app(&url, &street).await;
    start(&app.state);
    let m = app.state.sensing.ingest.metrics.clone();
    wait_for("the connection", async || m.mqtt().state == "connected").await;
    // The subscription is made right after the connection; give it a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (host, port) = mqtt::broker_address(&url).expect("url");
    let client = publisher(&host, port).await;
    let topic = format!("shequ/{street}/door/A1-1");
    let send = |payload: serde_json::Value| {
        let (client, topic) = (client.clone(), topic.clone());
        async move {
            client
                .publish(topic, QoS::AtLeastOnce, false, payload.to_string())
                .await
                .expect("publish");
        }
    };
    send(event("m1", "A1-1", &card)).await;
    send(json!([
        event("m2", "A1-1", &card),
        event("m3", "A1-1", &card)
    ]))
    .await;
    // The device re-sends m1, as a controller does after a lost PUBACK.
    send(event("m1", "A1-1", &card)).await;
    // Another device's event on this device's topic, and garbage.
    send(event("m4", "A1-2", &card)).await;
    client
        .publish(topic.clone(), QoS::AtLeastOnce, false, "not json")
        .await
        .expect("publish");

    wait_for("the events", async || {
        m.rejected_count(Channel::Mqtt, Reason::BadJson) == 1
            && m.rejected_count(Channel::Mqtt, Reason::WrongDevice) == 1
            && m.accepted(Channel::Mqtt) == 3
    })
    .await;
    let ids: Vec<String> = app
        .store
        .door_event_ids()
        .await
        .expect("ids")
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(ids, vec!["m1", "m2", "m3"]);
    let (_, _, text) = app.text(get("/metrics", None)).await;
    assert!(
        text.contains("shequ_door_events_duplicate_total{channel=\"mqtt\"} 1"),
        "{text}"
    );
    assert!(text.contains("shequ_mqtt_connected 1"));
    let (status, health) = app.json(get("/api/v1/devices/ingest-health", None)).await;
    assert_eq!(status, 200);
    assert_eq!(health["mqtt"]["state"], "connected", "{health}");
    assert_eq!(health["accepted_mqtt"], 3);
}

/// A Mosquitto of our own on a free port, so the test can stop it.
struct OwnBroker {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl OwnBroker {
    fn start(port: Option<u16>) -> Option<Self> {
        let port = port.unwrap_or_else(|| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("free port")
        });
        let dir = tempfile::tempdir().expect("dir");
        let conf = dir.path().join("m.conf");
        std::fs::write(
            &conf,
            format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
        )
        .expect("conf");
        let child = match std::process::Command::new("mosquitto")
            .arg("-c")
            .arg(&conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("cannot run mosquitto ({e}): reconnect test skipped");
                return None;
            }
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self {
            child,
            port,
            _dir: dir,
        })
    }

    fn stop(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }
}

#[engines]
async fn a_broker_down_at_start_or_gone_mid_run_is_reconnected_to() {
    if broker_url().is_none() {
        return;
    }
    // Down at start: nothing listens on the port yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let url = format!("mqtt://127.0.0.1:{port}");
    let street = unique("R");
    let (app, card) = mqtt_app(&url, &street).await;
    start(&app.state);
    let m = app.state.sensing.ingest.metrics.clone();
    wait_for("a failed attempt", async || {
        let s = m.mqtt();
        s.state != "connected" && s.last_error.is_some()
    })
    .await;
    let (_, health) = app.json(get("/api/v1/devices/ingest-health", None)).await;
    assert_ne!(health["mqtt"]["state"], "connected", "{health}");

    let Some(broker) = OwnBroker::start(Some(port)) else {
        return;
    };
    wait_for("the connection", async || m.mqtt().state == "connected").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let client = publisher("127.0.0.1", port).await;
    let topic = format!("shequ/{street}/door/A1-1");
    client
        .publish(
            &topic,
            QoS::AtLeastOnce,
            false,
            event("r1", "A1-1", &card).to_string(),
        )
        .await
        .expect("publish");
    wait_for("the first event", async || m.accepted(Channel::Mqtt) == 1).await;

    // The broker goes away mid-run; the state says so; it comes back.
    let port = broker.stop();
    wait_for("the disconnect", async || m.mqtt().state != "connected").await;
    let (_, _, text) = app.text(get("/metrics", None)).await;
    assert!(text.contains("shequ_mqtt_connected 0"), "{text}");
    let broker = OwnBroker::start(Some(port)).expect("restart mosquitto");
    wait_for("the reconnection", async || m.mqtt().state == "connected").await;
    assert!(m.mqtt().connects >= 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let client = publisher("127.0.0.1", port).await;
    client
        .publish(
            &topic,
            QoS::AtLeastOnce,
            false,
            event("r2", "A1-1", &card).to_string(),
        )
        .await
        .expect("publish");
    wait_for("the event after the reconnection", async || {
        m.accepted(Channel::Mqtt) == 2
    })
    .await;
    assert_eq!(
        m.mqtt().last_error,
        None,
        "the error was the lost connection's, not this one's"
    );
    broker.stop();
}

/// Settings for an app whose MQTT ingest uses the defaults but the broker.
fn defaults_on(url: &str) -> shequ_server::Settings {
    shequ_server::Settings {
        mqtt_url: url.to_owned(),
        ..Default::default()
    }
}

/// The door A1-1 and cards on an app; returns a card.
async fn door_and_cards(app: &TestApp) -> String {
    let refs = app.store.place_refs(&["A1"]).await.expect("refs");
    app.store
        .create_device(
            &NewDevice {
                code: "A1-1".into(),
                name: String::new(),
                kind: "door_controller".into(),
                building_id: refs["A1"].id,
                entrance: "1".into(),
                token_hash: None,
            },
            shequ_store::now_ms(),
        )
        .await
        .expect("device");
    app.store
        .issue_resident_cards(shequ_store::now_ms())
        .await
        .expect("cards");
    app.store.door_credentials().await.expect("cards")[0]
        .credential
        .clone()
}

/// Publishes `n` one-event messages to `topic` from `publishers`
/// connections as fast as the broker takes them, and returns once the
/// broker has acknowledged (PUBACK) every one.
async fn burst(port: u16, topic: &str, prefix: &str, card: &str, n: usize, publishers: usize) {
    let mut tasks = Vec::new();
    for p in 0..publishers {
        let mut opts = MqttOptions::new(unique("burst-"), "127.0.0.1", port);
        opts.set_inflight(1_000);
        let (client, mut eventloop) = AsyncClient::new(opts, 10_000);
        let mine: Vec<usize> = (0..n).filter(|i| i % publishers == p).collect();
        let expected = mine.len();
        let acks = tokio::spawn(async move {
            let mut acked = 0;
            while acked < expected {
                match eventloop.poll().await {
                    Ok(rumqttc::Event::Incoming(rumqttc::Packet::PubAck(_))) => acked += 1,
                    Ok(_) => {}
                    Err(e) => panic!("publisher lost its broker: {e}"),
                }
            }
        });
        let (topic, prefix, card) = (topic.to_owned(), prefix.to_owned(), card.to_owned());
        tasks.push(tokio::spawn(async move {
            for i in mine {
                let payload = event(&format!("{prefix}{i}"), "A1-1", &card).to_string();
                client
                    .publish(&topic, QoS::AtLeastOnce, false, payload)
                    .await
                    .expect("publish");
            }
            acks.await.expect("acks");
        }));
    }
    for t in tasks {
        t.await.expect("publisher");
    }
}

/// Waits until the events stored stop growing for two seconds (or reach
/// `want`), and returns how many there are.
async fn settled_count(app: &TestApp, want: i64) -> i64 {
    let mut last = -1;
    let mut still = std::time::Instant::now();
    loop {
        let now = app.store.door_event_count().await.expect("count");
        if now == want {
            return now;
        }
        if now != last {
            last = now;
            still = std::time::Instant::now();
        } else if still.elapsed() > Duration::from_secs(5) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Item 10 of issue 12: a door controller does not pace itself. A burst
/// far above the 1,000 messages a Mosquitto at its defaults queues for a
/// subscriber must be stored whole: not one message the broker
/// acknowledged to the publisher may be dropped on the way to shequ.
#[engines]
async fn a_burst_through_a_broker_at_its_defaults_is_stored_whole() {
    if broker_url().is_none() {
        return;
    }
    let broker = OwnBroker::start(None).expect("a mosquitto of our own");
    let url = format!("mqtt://127.0.0.1:{}", broker.port);
    let app = app_with(defaults_on(&url)).await;
    let card = door_and_cards(&app).await;
    mqtt::spawn(&app.state.sensing);
    let m = app.state.sensing.ingest.metrics.clone();
    wait_for("the connections", async || m.mqtt().connects >= 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    const N: usize = 20_000;
    let started = std::time::Instant::now();
    burst(broker.port, "shequ/310104011/door/A1-1", "b", &card, N, 4).await;
    let published = started.elapsed();
    let stored = settled_count(&app, N as i64).await;
    eprintln!(
        "burst: {N} messages published in {:.2} s, {stored} stored after {:.2} s",
        published.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        stored, N as i64,
        "messages the broker acknowledged were lost"
    );
    assert_eq!(m.accepted(Channel::Mqtt), N as u64);
    broker.stop();
}

/// Item 9 of issue 12: two servers of one street (sharing its database)
/// on one broker split the street's messages through the share group and
/// never take over each other's connections.
#[engines]
async fn two_servers_of_one_street_split_its_messages_without_a_disconnect() {
    if broker_url().is_none() {
        return;
    }
    let broker = OwnBroker::start(None).expect("a mosquitto of our own");
    let url = format!("mqtt://127.0.0.1:{}", broker.port);
    let first = app_with(shequ_server::Settings {
        instance_name: "a".into(),
        ..defaults_on(&url)
    })
    .await;
    let card = door_and_cards(&first).await;
    let second = AppState::new(
        shequ_server::Settings {
            instance_name: "b".into(),
            ..defaults_on(&url)
        },
        first.store.clone(),
    )
    .expect("second server");
    mqtt::spawn(&first.state.sensing);
    mqtt::spawn(&second.sensing);
    let (m1, m2) = (
        first.state.sensing.ingest.metrics.clone(),
        second.sensing.ingest.metrics.clone(),
    );
    wait_for("the connections", async || {
        m1.mqtt().connects >= 2 && m2.mqtt().connects >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    const N: usize = 2_000;
    for round in 0..4 {
        burst(
            broker.port,
            "shequ/310104011/door/A1-1",
            &format!("s{round}-"),
            &card,
            N / 4,
            2,
        )
        .await;
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    assert_eq!(settled_count(&first, N as i64).await, N as i64);
    let (a, b) = (m1.accepted(Channel::Mqtt), m2.accepted(Channel::Mqtt));
    assert_eq!(a + b, N as u64, "each message stored by one server");
    assert!(a > 0 && b > 0, "both servers take a share: {a} and {b}");
    assert_eq!(
        (m1.mqtt().connects, m2.mqtt().connects),
        (2, 2),
        "no connection was taken over or dropped"
    );
    broker.stop();
}

/// Item 9 of issue 12: the servers of two streets on one broker, both at
/// the defaults but the street, take only their own street's messages and
/// keep their connections.
#[engines]
async fn servers_of_two_streets_on_one_broker_take_only_their_own() {
    if broker_url().is_none() {
        return;
    }
    let broker = OwnBroker::start(None).expect("a mosquitto of our own");
    let url = format!("mqtt://127.0.0.1:{}", broker.port);
    // Tianlin (310104011, the test street) subscribes to the street of its
    // registry; the other server is configured for its street.
    let tianlin = app_with(defaults_on(&url)).await;
    let other = app_with(shequ_server::Settings {
        mqtt_street_code: "310104012".into(),
        ..defaults_on(&url)
    })
    .await;
    let (card_t, card_o) = (door_and_cards(&tianlin).await, door_and_cards(&other).await);
    mqtt::spawn(&tianlin.state.sensing);
    mqtt::spawn(&other.state.sensing);
    let (mt, mo) = (
        tianlin.state.sensing.ingest.metrics.clone(),
        other.state.sensing.ingest.metrics.clone(),
    );
    wait_for("the connections", async || {
        mt.mqtt().connects >= 2 && mo.mqtt().connects >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    burst(
        broker.port,
        "shequ/310104011/door/A1-1",
        "t",
        &card_t,
        300,
        1,
    )
    .await;
    burst(
        broker.port,
        "shequ/310104012/door/A1-1",
        "o",
        &card_o,
        200,
        1,
    )
    .await;
    assert_eq!(settled_count(&tianlin, 300).await, 300);
    assert_eq!(settled_count(&other, 200).await, 200);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        (
            tianlin.store.door_event_count().await.expect("count"),
            other.store.door_event_count().await.expect("count")
        ),
        (300, 200),
        "each server stored its own street's messages and no other"
    );
    for m in [&mt, &mo] {
        assert_eq!(m.rejected_count(Channel::Mqtt, Reason::UnknownDevice), 0);
        assert_eq!(m.mqtt().connects, 2, "no connection was taken over");
    }
    broker.stop();
}

/// The default client id is made from the installation's key: different
/// for two installations, the same after a restart.
// SQLite only, by design rather than a bug: on PostgreSQL, where several
// servers share one database, the default id also carries host and port
// (`client_id_base`), which the expected ids below leave out.
#[tokio::test]
async fn default_client_ids_differ_between_installations_and_survive_a_restart() {
    let one = app().await;
    let two = app().await;
    let id_one = mqtt::client_id_base(&one.state.sensing).await.expect("id");
    let id_two = mqtt::client_id_base(&two.state.sensing).await.expect("id");
    assert_ne!(id_one, id_two);
    assert!(id_one.starts_with("shequ-"), "{id_one}");
    let restarted =
        AppState::new(shequ_server::Settings::default(), one.store.clone()).expect("state");
    assert_eq!(
        mqtt::client_id_base(&restarted.sensing).await.expect("id"),
        id_one
    );
    let named = AppState::new(
        shequ_server::Settings {
            instance_name: "b 2".into(),
            ..Default::default()
        },
        one.store.clone(),
    )
    .expect("state");
    assert_eq!(
        mqtt::client_id_base(&named.sensing).await.expect("id"),
        format!("{id_one}-b_2")
    );
}

/// Item 1 of issue 12 over MQTT: while the database cannot grow, messages
/// stay unacknowledged (the broker keeps them), and once there is room
/// every one is stored, without a restart.
// SQLite only: the full disk is simulated by capping SQLite's page count.
#[tokio::test]
async fn a_full_disk_leaves_mqtt_messages_with_the_broker_until_there_is_room() {
    if broker_url().is_none() {
        return;
    }
    let broker = OwnBroker::start(None).expect("a mosquitto of our own");
    let url = format!("mqtt://127.0.0.1:{}", broker.port);
    let app = app_with(defaults_on(&url)).await;
    let card = door_and_cards(&app).await;
    mqtt::spawn(&app.state.sensing);
    let m = app.state.sensing.ingest.metrics.clone();
    wait_for("the connections", async || m.mqtt().connects >= 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Fill the database up to a page limit first, so the events below
    // cannot fit.
    app.store
        .cap_sqlite_pages_for_tests(Some(0))
        .await
        .expect("cap");
    let before = app.store.door_event_count().await.expect("count");
    burst(broker.port, "shequ/310104011/door/A1-1", "f", &card, 400, 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let while_full = app.store.door_event_count().await.expect("count");
    assert_eq!(
        m.accepted(Channel::Mqtt) as i64,
        while_full - before,
        "only what was stored is counted as accepted"
    );
    assert!(while_full - before < 400, "the cap held: {while_full}");

    app.store
        .cap_sqlite_pages_for_tests(None)
        .await
        .expect("room again");
    assert_eq!(
        settled_count(&app, before + 400).await,
        before + 400,
        "the broker delivered again what was not acknowledged"
    );
    broker.stop();
}
