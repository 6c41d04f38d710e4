//! `shequ bench ingest`: door events through the real server, stored
//! durably: HTTP batches of 10,000 events over several connections, then
//! MQTT (QoS 1, one event per message, as controllers publish) through
//! Mosquitto. Baseline in the same run: the same rows inserted into a bare
//! table in batches of 10,000.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::{RngExt, SeedableRng};
use shequ_domain::sensing::{Direction, PassKind};
use shequ_server::Settings;
use shequ_server::app::auth::new_token;
use shequ_server::app::auth::token_hash;
use shequ_server::sensing::api::devices::DEVICE_TOKEN_PREFIX;
use shequ_store::Scope;
use shequ_store::sensing::events::NewDoorEvent;

use super::orders::BenchStore;
use super::stats::line;

/// Flags of `shequ bench ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestBenchArgs {
    /// Residents of the demo street (each gets a card).
    #[arg(long, default_value_t = 100_000)]
    pub residents: u32,
    /// Door controllers sending events (at most the street's doors).
    #[arg(long, default_value_t = 1_000)]
    pub devices: usize,
    /// Events sent over HTTP, in batches of 10,000.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: usize,
    /// Concurrent HTTP connections.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Events published over MQTT (0 skips the MQTT phase).
    #[arg(long, default_value_t = 200_000)]
    pub mqtt_events: usize,
    /// MQTT connections the server opens (its `mqtt_connections`; each
    /// takes up to 1,000 unacknowledged messages, its MQTT 5 receive
    /// maximum).
    #[arg(long, default_value_t = 2)]
    pub mqtt_connections: u32,
    /// Most MQTT messages published ahead of those stored: a broker drops
    /// what queues for a subscriber beyond its limit (Mosquitto's
    /// `max_queued_messages`, 1000 by default), so the default stays below it.
    #[arg(long, default_value_t = 800)]
    pub mqtt_window: u64,
    /// The broker for the MQTT phase.
    #[arg(long, default_value = "mqtt://127.0.0.1:1883")]
    pub mqtt_url: String,
    /// Also run on this PostgreSQL database (a fresh schema, dropped after).
    #[arg(long)]
    pub postgres_url: Option<String>,
}

const BATCH: usize = 10_000;

struct Door {
    code: String,
    token: String,
}

pub async fn run(args: IngestBenchArgs) -> anyhow::Result<()> {
    run_on(&args, None).await?;
    if let Some(url) = args.postgres_url.clone() {
        run_on(&args, Some(&url)).await?;
    }
    Ok(())
}

async fn run_on(args: &IngestBenchArgs, postgres: Option<&str>) -> anyhow::Result<()> {
    let bs = BenchStore::open(postgres).await?;
    println!(
        "# shequ bench ingest — {} — {} residents, {} devices, {} HTTP connections",
        bs.label, args.residents, args.devices, args.concurrency
    );
    let started = Instant::now();
    crate::demo::generate_street(
        &bs.store,
        &crate::demo::DemoOptions {
            residents: args.residents,
            seed: 7,
            admin_password: "bench-password-1".into(),
        },
    )
    .await?;
    println!(
        "street generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let store = &bs.store;
    let devices = store.devices_in(&Scope::everything()).await?;
    anyhow::ensure!(
        !devices.is_empty(),
        "the demo street has no door controllers"
    );
    let devices: Vec<_> = devices.into_iter().take(args.devices).collect();
    let doors: Vec<Door> = devices
        .iter()
        .map(|d| Door {
            code: d.code.clone(),
            token: new_token(DEVICE_TOKEN_PREFIX),
        })
        .collect();
    let hashes: Vec<(i64, String)> = devices
        .iter()
        .zip(&doors)
        .map(|(d, door)| (d.id, token_hash(&door.token)))
        .collect();
    store
        .set_device_tokens(&hashes, shequ_store::now_ms())
        .await?;
    let cards: Vec<String> = store
        .door_credentials()
        .await?
        .into_iter()
        .map(|c| c.credential)
        .collect();
    println!("{} devices with tokens, {} cards", doors.len(), cards.len());

    // Every event unique, a minute in the past, spread over the cards.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let now = chrono::Utc::now();
    let at = (now - chrono::Duration::seconds(60)).to_rfc3339();
    let batches: Vec<(usize, bytes::Bytes)> = (0..args.events.div_ceil(BATCH))
        .map(|b| {
            let door = b % doors.len();
            let mut body = String::with_capacity(BATCH * 170);
            body.push('[');
            for i in 0..BATCH {
                if i > 0 {
                    body.push(',');
                }
                let card = &cards[rng.random_range(0..cards.len())];
                body.push_str(&format!(
                    r#"{{"id":"h{b}-{i}","device":"{}","at":"{at}","direction":"{}","credential":"{card}","kind":"resident"}}"#,
                    doors[door].code,
                    if i % 2 == 0 { "in" } else { "out" }
                ));
            }
            body.push(']');
            // Bytes, so each send shares the body instead of copying it.
            (door, bytes::Bytes::from(body))
        })
        .collect();

    // The baseline: the same number of rows into a bare table.
    let base_rows: Vec<NewDoorEvent> = (0..batches.len() * BATCH)
        .map(|i| NewDoorEvent {
            event_id: format!("h{}-{}", i / BATCH, i % BATCH),
            device_id: devices[(i / BATCH) % devices.len()].id,
            building_id: devices[(i / BATCH) % devices.len()].building_id,
            at: now.timestamp_millis() - 60_000,
            direction: Direction::In,
            kind: PassKind::Resident,
            credential: cards[i % cards.len()].clone(),
            person_id: Some(i as i64 % 100_000),
            household_id: Some(i as i64 % 40_000),
            day: chrono::NaiveDate::default(),
        })
        .collect();
    let t = Instant::now();
    store.bench_raw_door_insert(&base_rows, BATCH).await?;
    let baseline = base_rows.len() as f64 / t.elapsed().as_secs_f64();
    drop(base_rows);

    let street = format!("bench{:08x}", rand::random::<u32>());
    let settings = Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        mqtt_enabled: args.mqtt_events > 0,
        mqtt_url: args.mqtt_url.clone(),
        mqtt_street_code: street.clone(),
        mqtt_client_id: format!("shequ-{street}"),
        mqtt_connections: args.mqtt_connections,
        ..Settings::default()
    };
    let addr = start(store, settings).await?;
    let url = format!("http://{addr}/api/v1/devices/events");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    // One event first, so the server has read its devices and cards (seconds
    // for a district's million) before the clock starts: the figure is
    // the steady rate.
    let warm = format!(
        r#"[{{"id":"warm-up","device":"{}","at":"{at}","direction":"in","credential":"{}","kind":"resident"}}]"#,
        doors[0].code, cards[0]
    );
    let resp = client
        .post(&url)
        .bearer_auth(&doors[0].token)
        .header("content-type", "application/json")
        .body(warm)
        .send()
        .await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "warm-up: HTTP {}",
        resp.status()
    );
    let batches = Arc::new(batches);
    let doors = Arc::new(doors);
    let next = Arc::new(AtomicU64::new(0));
    let t = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, url, batches, doors, next) = (
            client.clone(),
            url.clone(),
            batches.clone(),
            doors.clone(),
            next.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut accepted = 0u64;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                let Some((door, body)) = batches.get(i) else {
                    return Ok::<u64, anyhow::Error>(accepted);
                };
                let resp = client
                    .post(&url)
                    .bearer_auth(&doors[*door].token)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await?;
                let status = resp.status();
                let reply: serde_json::Value = resp.json().await?;
                anyhow::ensure!(status.is_success(), "HTTP {status}: {reply}");
                accepted += reply["accepted"].as_u64().unwrap_or(0);
            }
        }));
    }
    let mut accepted = 0;
    for w in workers {
        accepted += w.await??;
    }
    let http_rate = accepted as f64 / t.elapsed().as_secs_f64();
    line(
        &format!("HTTP batch ingest, 10,000 per request ({})", bs.label),
        http_rate,
        "events/s",
        "≥ 150000",
        Some((
            baseline,
            "raw insert into a bare table, 10,000 per transaction",
        )),
    );
    println!(
        "  {accepted} events accepted of {}; stored {} (with the warm-up event)",
        batches.len() * BATCH,
        store.door_event_count().await?
    );

    if args.mqtt_events > 0 {
        match mqtt_phase(args, &addr, &street, &doors, &cards).await {
            Ok((n, secs)) => line(
                &format!("MQTT ingest, QoS 1, one event per message ({})", bs.label),
                n as f64 / secs,
                "events/s",
                "≥ 30000",
                Some((http_rate, "HTTP batch ingest in this run")),
            ),
            Err(e) => println!("MQTT phase failed: {e:#}"),
        }
    }
    bs.close().await
}

async fn start(store: &shequ_store::Store, settings: Settings) -> anyhow::Result<SocketAddr> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let store = store.clone();
    tokio::spawn(async move {
        // With the rules engine, as the issue measures ingest "with rules".
        if let Err(e) = shequ_server::run_with(
            settings,
            store,
            shequ_server::AppState::with_rules_engine,
            move |addr| {
                let _ = tx.send(addr);
            },
        )
        .await
        {
            eprintln!("server stopped: {e:#}");
        }
    });
    rx.await.context("the server did not start")
}

/// Accepted MQTT events as the server reports them.
async fn mqtt_accepted(client: &reqwest::Client, url: &str) -> anyhow::Result<u64> {
    let v: serde_json::Value = client.get(url).send().await?.json().await?;
    Ok(v["accepted_mqtt"].as_u64().unwrap_or(0))
}

/// Publishes `mqtt_events` single-event messages from 4 publishers, keeping
/// at most a window of messages ahead of what the server has stored (the
/// broker drops what queues beyond its limit), and waits for all of them.
async fn mqtt_phase(
    args: &IngestBenchArgs,
    addr: &SocketAddr,
    street: &str,
    doors: &Arc<Vec<Door>>,
    cards: &[String],
) -> anyhow::Result<(u64, f64)> {
    use rumqttc::{AsyncClient, MqttOptions, QoS};
    let (host, port) = shequ_server::sensing::mqtt::broker_address(&args.mqtt_url)?;
    let health = format!("http://{addr}/api/v1/devices/ingest-health");
    let http = reqwest::Client::new();
    for _ in 0..100 {
        let v: serde_json::Value = http.get(&health).send().await?.json().await?;
        if v["mqtt"]["state"] == "connected" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let accepted = Arc::new(AtomicU64::new(0));
    let published = Arc::new(AtomicU64::new(0));
    let window = args.mqtt_window;
    let total = args.mqtt_events as u64;
    let at = (chrono::Utc::now() - chrono::Duration::seconds(30)).to_rfc3339();
    let cards = Arc::new(cards.to_vec());
    let t = Instant::now();
    let mut tasks = Vec::new();
    for p in 0..4u64 {
        let mut opts = MqttOptions::new(format!("bench-pub-{street}-{p}"), host.clone(), port);
        opts.set_inflight(200);
        let (client, mut eventloop) = AsyncClient::new(opts, 1000);
        tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
        let (accepted, published, doors, cards, at, street) = (
            accepted.clone(),
            published.clone(),
            doors.clone(),
            cards.clone(),
            at.clone(),
            street.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = p;
            while i < total {
                while published.load(Ordering::Relaxed) >= accepted.load(Ordering::Relaxed) + window
                {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let door = &doors[i as usize % doors.len()];
                let card = &cards[(i as usize * 7) % cards.len()];
                let payload = format!(
                    r#"{{"id":"q{i}","device":"{}","at":"{at}","direction":"in","credential":"{card}","kind":"resident"}}"#,
                    door.code
                );
                client
                    .publish(
                        format!("shequ/{street}/door/{}", door.code),
                        QoS::AtLeastOnce,
                        false,
                        payload,
                    )
                    .await?;
                published.fetch_add(1, Ordering::Relaxed);
                i += 4;
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let n = mqtt_accepted(&http, &health).await?;
        accepted.store(n, Ordering::Relaxed);
        if n >= total {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {n} of {total} MQTT events stored after two minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = t.elapsed().as_secs_f64();
    for task in tasks {
        task.await??;
    }
    Ok((total, secs))
}
