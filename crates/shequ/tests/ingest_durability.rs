//! Durability of door event ingest, with the real binary: sustained HTTP
//! ingest, `SIGKILL` in the middle of it, a restart, and then every event
//! the server acknowledged is stored, and none twice, even after the
//! client re-sends what it was not sure of. The same over MQTT through the
//! real Mosquitto: every message the broker took is stored exactly once
//! after the server was killed mid-stream and came back.

mod support;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shequ::import::{ImportKind, ImportOptions, import_file};
use shequ_server::app::auth::new_token;
use shequ_server::app::auth::token_hash;
use shequ_store::{Scope, Store};

fn serve(url: &str) -> (Child, String) {
    serve_with(url, &[("SHEQU__MQTT_ENABLED", "false")])
}

fn serve_with(url: &str, env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(["serve", "--database-url", url, "--listen", "127.0.0.1:0"])
        .env_remove("SHEQU_CONFIG")
        .envs(env.iter().copied())
        .env("SHEQU_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn shequ serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the address");
    let base = line
        .trim()
        .strip_prefix("shequ is listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    (child, base)
}

/// A street of 4 buildings and 100 residents, with doors, cards and a
/// token for the first door.
async fn street(dir: &std::path::Path, url: &str) -> (String, String, Vec<String>) {
    let store = Store::open(url).await.expect("open");
    let files = support::generate_street(dir, 4, 100).expect("files");
    for (kind, path) in [
        (ImportKind::Regions, &files.regions),
        (ImportKind::Places, &files.places),
        (ImportKind::People, &files.people),
    ] {
        let report = import_file(&store, kind, path, &ImportOptions::default())
            .await
            .expect("import");
        assert_eq!(report.failed, 0, "{:?}", report.errors);
    }
    let now = shequ_store::now_ms();
    store.create_building_doors(now).await.expect("doors");
    store.issue_resident_cards(now).await.expect("cards");
    let door = store
        .devices_in(&Scope::everything())
        .await
        .expect("devices")
        .into_iter()
        .next()
        .expect("a door");
    let token = new_token("shequ_d_");
    store
        .set_device_tokens(&[(door.id, token_hash(&token))], now)
        .await
        .expect("token");
    let cards = store
        .door_credentials()
        .await
        .expect("cards")
        .into_iter()
        .map(|c| c.credential)
        .collect();
    store.close().await;
    (door.code, token, cards)
}

fn batch(door: &str, cards: &[String], worker: usize, n: usize) -> (Vec<String>, String) {
    let at = (chrono::Utc::now() - chrono::Duration::seconds(10)).to_rfc3339();
    let ids: Vec<String> = (0..200).map(|i| format!("w{worker}-b{n}-{i}")).collect();
    let events: Vec<serde_json::Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            serde_json::json!({"id": id, "device": door, "at": at, "direction": "in",
                "credential": cards[i % cards.len()], "kind": "resident"})
        })
        .collect();
    (ids, serde_json::Value::Array(events).to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_event_survives_sigkill_and_none_is_stored_twice() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("d.db").display());
    let (door, token, cards) = street(dir.path(), &url).await;
    let cards = Arc::new(cards);
    let (mut child, base) = serve(&url);
    let endpoint = format!("{base}/api/v1/devices/events");

    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let sent: Arc<Mutex<Vec<String>>> = Arc::default();
    let client = reqwest::Client::new();
    let mut workers = Vec::new();
    for w in 0..4 {
        let (client, endpoint, token, door, cards, acked, sent) = (
            client.clone(),
            endpoint.clone(),
            token.clone(),
            door.clone(),
            cards.clone(),
            acked.clone(),
            sent.clone(),
        );
        workers.push(tokio::spawn(async move {
            for n in 0.. {
                let (ids, body) = batch(&door, &cards, w, n);
                sent.lock().expect("lock").push(body.clone());
                let resp = client
                    .post(&endpoint)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status().is_success() => {
                        let reply: serde_json::Value = r.json().await.expect("reply");
                        assert_eq!(reply["accepted"], 200, "{reply}");
                        acked.lock().expect("lock").extend(ids);
                    }
                    // The server was killed: stop.
                    _ => return,
                }
            }
        }));
    }
    // Let ingest run, then kill the server without warning.
    let started = Instant::now();
    while acked.lock().expect("lock").len() < 20_000 && started.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .expect("kill");
    child.wait().expect("wait");
    for w in workers {
        w.await.expect("worker");
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() >= 2_000,
        "too little was acknowledged: {}",
        acked.len()
    );

    // Restarted: every acknowledged event is there.
    let (mut child, base) = serve(&url);
    let store = Store::open(&url).await.expect("open");
    let stored: Vec<String> = store
        .door_event_ids()
        .await
        .expect("ids")
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    let stored_set: HashSet<&String> = stored.iter().collect();
    assert_eq!(stored_set.len(), stored.len(), "an event is stored twice");
    let missing = acked.iter().filter(|id| !stored_set.contains(id)).count();
    assert_eq!(missing, 0, "{missing} acknowledged events were lost");

    // The client re-sends everything it sent (it cannot know what the
    // unanswered requests stored): each event ends up stored exactly once.
    let sent = sent.lock().expect("lock").clone();
    let mut total_sent = 0;
    for body in &sent {
        let r = client
            .post(format!("{base}/api/v1/devices/events"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("re-send");
        assert!(r.status().is_success());
        let reply: serde_json::Value = r.json().await.expect("reply");
        total_sent += 200;
        assert_eq!(
            reply["accepted"].as_u64().unwrap_or(0) + reply["duplicates"].as_u64().unwrap_or(0),
            200,
            "{reply}"
        );
    }
    assert_eq!(
        store.door_event_count().await.expect("count"),
        total_sent,
        "after re-sending, each event is stored once"
    );
    store.close().await;
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// The broker of `SHEQU_TEST_MQTT_URL` (default mqtt://127.0.0.1:1883) and
/// its host and port, or `None` when it is unset and nothing answers there;
/// set and unreachable is a failure (the test kit's rule).
fn mqtt_broker() -> Option<(String, String, u16)> {
    let url = shequ_testkit::require_mqtt()?;
    let (host, port) = shequ_server::sensing::mqtt::broker_address(&url).expect("broker url");
    Some((url, host, port))
}

async fn accepted_mqtt(client: &reqwest::Client, base: &str) -> u64 {
    match client
        .get(format!("{base}/api/v1/devices/ingest-health"))
        .send()
        .await
    {
        Ok(r) => r
            .json::<serde_json::Value>()
            .await
            .map(|v| v["accepted_mqtt"].as_u64().unwrap_or(0))
            .unwrap_or(0),
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_the_broker_took_is_stored_once_after_sigkill() {
    use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    let Some((broker, host, port)) = mqtt_broker() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let (door, _token, cards) = street(dir.path(), &url).await;
    let street_code = format!("kill{:08x}", rand::random::<u32>());
    let client_id = format!("shequ-{street_code}");
    let env = [
        ("SHEQU__MQTT_ENABLED", "true"),
        ("SHEQU__MQTT_URL", broker.as_str()),
        ("SHEQU__MQTT_STREET_CODE", street_code.as_str()),
        ("SHEQU__MQTT_CLIENT_ID", client_id.as_str()),
    ];
    let (mut child, base) = serve_with(&url, &env);
    let http = reqwest::Client::new();
    let health = format!("{base}/api/v1/devices/ingest-health");
    let started = Instant::now();
    loop {
        let v: serde_json::Value = http
            .get(&health)
            .send()
            .await
            .expect("health")
            .json()
            .await
            .expect("json");
        if v["mqtt"]["state"] == "connected" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "MQTT ingest did not connect: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The subscription is made right after the connection.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // One event per message, at about 1,000 a second (the broker queues at
    // most 1,000 for a subscriber that is away), counting the broker's
    // acknowledgements.
    let mut opts = MqttOptions::new(format!("pub-{street_code}"), host, port);
    opts.set_inflight(100);
    let (client, mut eventloop) = AsyncClient::new(opts, 1000);
    let pubacks = Arc::new(AtomicU64::new(0));
    let counter = pubacks.clone();
    tokio::spawn(async move {
        while let Ok(ev) = eventloop.poll().await {
            if let Event::Incoming(Packet::PubAck(_)) = ev {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let stop = Arc::new(AtomicBool::new(false));
    let published = Arc::new(AtomicU64::new(0));
    let publisher = {
        let (client, stop, published, door, street_code) = (
            client.clone(),
            stop.clone(),
            published.clone(),
            door.clone(),
            street_code.clone(),
        );
        let at = (chrono::Utc::now() - chrono::Duration::seconds(10)).to_rfc3339();
        tokio::spawn(async move {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let payload = serde_json::json!({"id": format!("m{i}"), "device": door, "at": at,
                    "direction": "in", "credential": cards[i as usize % cards.len()], "kind": "resident"});
                client
                    .publish(
                        format!("shequ/{street_code}/door/{door}"),
                        QoS::AtLeastOnce,
                        false,
                        payload.to_string(),
                    )
                    .await
                    .expect("publish");
                i += 1;
                published.store(i, Ordering::Relaxed);
                if i.is_multiple_of(10) {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        })
    };
    // Kill the server once it has stored some, while messages still flow.
    let started = Instant::now();
    while accepted_mqtt(&http, &base).await < 1_500 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "MQTT ingest is too slow"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .expect("kill");
    child.wait().expect("wait");
    stop.store(true, Ordering::Relaxed);
    publisher.await.expect("publisher");
    let total = published.load(Ordering::Relaxed);
    let started = Instant::now();
    while pubacks.load(Ordering::Relaxed) < total {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the broker did not take every message"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Back, with the same sessions: the broker delivers what it still
    // holds, and every message it took is stored once.
    let (mut child, _base) = serve_with(&url, &env);
    let store = Store::open(&url).await.expect("open");
    let started = Instant::now();
    loop {
        let n = store.door_event_count().await.expect("count") as u64;
        if n >= total {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{n} of {total} messages stored after the restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ids: HashSet<String> = store
        .door_event_ids()
        .await
        .expect("ids")
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(ids.len() as u64, total, "each message stored exactly once");
    assert!((0..total).all(|i| ids.contains(&format!("m{i}"))));
    store.close().await;
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
