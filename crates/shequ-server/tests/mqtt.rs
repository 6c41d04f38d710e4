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
use shequ_server::sensing::metrics::{Channel, Reason};
use shequ_server::sensing::mqtt;
use shequ_store::sensing::NewDevice;

fn broker_url() -> Option<String> {
    let url =
        std::env::var("SHEQU_TEST_MQTT_URL").unwrap_or_else(|_| "mqtt://127.0.0.1:1883".to_owned());
    let (host, port) = mqtt::broker_address(&url).expect("SHEQU_TEST_MQTT_URL");
    if std::net::TcpStream::connect((host.as_str(), port)).is_ok() {
        return Some(url);
    }
    assert!(
        std::env::var("SHEQU_TEST_MQTT_URL").is_err(),
        "SHEQU_TEST_MQTT_URL={url} is set but no broker answers there"
    );
    eprintln!("no MQTT broker at {url}: MQTT tests skipped (start mosquitto to run them)");
    None
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
    tokio::spawn(mqtt::run(state.clone(), host, port, id));
}

fn event(id: &str, device: &str, card: &str) -> serde_json::Value {
    json!({"id": id, "device": device, "at": chrono::Utc::now().to_rfc3339(),
           "direction": "in", "credential": card, "kind": "resident"})
}

#[tokio::test]
async fn events_published_over_mqtt_are_stored_once_each() {
    let Some(url) = broker_url() else { return };
    let street = unique("T");
    let (app, card) = mqtt_app(&url, &street).await;
    start(&app.state);
    let m = app.state.ingest.metrics.clone();
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

#[tokio::test]
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
    let m = app.state.ingest.metrics.clone();
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
    broker.stop();
}
