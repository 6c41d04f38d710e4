//! `shequ simulate`: door events from the street's own controllers, with a
//! daily rhythm (busy mornings and evenings, quiet nights), visitors, and a
//! few elderly residents living alone who stop going out, so the welfare
//! rules have someone to find. Sends over HTTP (each device with its own
//! token, re-issued when the simulator starts) or MQTT. `shequ demo` runs
//! it in-process at a gentle rate.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Timelike;
use rand::{RngExt, SeedableRng};
use shequ_server::app::auth::new_token;
use shequ_server::app::auth::token_hash;
use shequ_server::sensing::api::devices::DEVICE_TOKEN_PREFIX;
use shequ_store::{Scope, Store};

/// How events reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Via {
    Http,
    Mqtt,
}

/// Flags of `shequ simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub db: crate::config::DatabaseArgs,
    /// HTTP or MQTT.
    #[arg(long, value_enum, default_value = "http")]
    pub via: Via,
    /// Average events per second over a day (mornings and evenings busier).
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    /// Seconds to run; 0 runs until stopped.
    #[arg(long, default_value_t = 0)]
    pub duration: u64,
    /// The server to post to (HTTP).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// The broker to publish to (MQTT).
    #[arg(long, default_value = "mqtt://127.0.0.1:1883")]
    pub mqtt_url: String,
    /// The street code in the MQTT topics.
    #[arg(long, default_value = "310104011")]
    pub street: String,
    /// Residents living alone aged 80+ who stop going out.
    #[arg(long, default_value_t = 3)]
    pub housebound: usize,
}

/// The street as the simulator drives it.
pub struct Street {
    doors: Vec<(String, String)>,
    doors_of_building: HashMap<i64, Vec<usize>>,
    /// (credential, building) of residents who go out.
    cards: Vec<(String, i64)>,
    households_of_building: HashMap<i64, Vec<String>>,
    /// (credential, building) of elderly residents living alone who still
    /// go out: each passes a door at least every `CARE_ROUND_HOURS`, so only
    /// the housebound come due under a welfare rule.
    watched: Vec<(String, i64)>,
    /// The cards that fell silent.
    pub housebound: Vec<String>,
    /// Cards of residents whose absence alert is still open: nobody has
    /// been to see them yet, so they stay indoors too.
    pub still_unseen: Vec<String>,
}

/// Every watched resident who still goes out passes a door this often
/// (platform hours), whatever the random traffic does.
const CARE_ROUND_HOURS: f64 = 12.0;

impl Street {
    /// Reads devices and cards; gives every device a fresh token (printed
    /// nowhere: the simulator is the only one to use them).
    pub async fn load(store: &Store, housebound: usize) -> anyhow::Result<Self> {
        let devices = store.devices_in(&Scope::everything()).await?;
        anyhow::ensure!(
            !devices.is_empty(),
            "the database has no door controllers; run `shequ demo` or register devices first"
        );
        let mut doors = Vec::with_capacity(devices.len());
        let mut doors_of_building: HashMap<i64, Vec<usize>> = HashMap::new();
        let mut hashes = Vec::with_capacity(devices.len());
        for (i, d) in devices.iter().enumerate() {
            let token = new_token(DEVICE_TOKEN_PREFIX);
            hashes.push((d.id, token_hash(&token)));
            doors.push((d.code.clone(), token));
            doors_of_building.entry(d.building_id).or_default().push(i);
        }
        store
            .set_device_tokens(&hashes, shequ_store::now_ms())
            .await?;
        let elderly = store
            .cards_of_tagged_residents("elderly_living_alone")
            .await?;
        let silent: Vec<String> = elderly.iter().take(housebound).cloned().collect();
        let unseen_people: std::collections::HashSet<i64> = store
            .open_alerts()
            .await?
            .iter()
            .filter_map(|a| a.subject.strip_prefix("person:")?.parse().ok())
            .collect();
        let credentials = store.door_credentials().await?;
        let still_unseen: Vec<String> = credentials
            .iter()
            .filter(|c| unseen_people.contains(&c.person_id) && !silent.contains(&c.credential))
            .map(|c| c.credential.clone())
            .collect();
        let cards = credentials
            .into_iter()
            .filter(|c| !silent.contains(&c.credential) && !still_unseen.contains(&c.credential))
            .filter_map(|c| {
                let b = c.building_id?;
                doors_of_building
                    .contains_key(&b)
                    .then_some((c.credential, b))
            })
            .collect::<Vec<_>>();
        anyhow::ensure!(
            !cards.is_empty(),
            "no resident of a building with a door has a card"
        );
        let going_out: std::collections::HashSet<&String> =
            elderly.iter().skip(housebound).collect();
        let watched = cards
            .iter()
            .filter(|(c, _)| going_out.contains(c))
            .cloned()
            .collect();
        let mut households_of_building: HashMap<i64, Vec<String>> = HashMap::new();
        for (code, _, building) in store.household_keys().await? {
            households_of_building
                .entry(building)
                .or_default()
                .push(code);
        }
        Ok(Self {
            doors,
            doors_of_building,
            cards,
            households_of_building,
            watched,
            housebound: silent,
            still_unseen,
        })
    }
}

/// How busy the doors are at an hour of the day, relative to the mean.
fn rhythm(hour: u32) -> f64 {
    match hour {
        0..=5 => 0.15,
        6 => 0.8,
        7..=8 => 2.6,
        9..=11 => 1.0,
        12..=13 => 1.3,
        14..=16 => 0.9,
        17..=19 => 2.4,
        20..=21 => 1.1,
        _ => 0.4,
    }
}

/// Runs until `duration` (None: for ever). Returns the events sent.
pub async fn drive(
    street: Street,
    via: Via,
    server: &str,
    mqtt: Option<(String, u16, String)>,
    rate: f64,
    duration: Option<Duration>,
    clock_speed: f64,
) -> anyhow::Result<u64> {
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let run = format!("{:06x}", rand::random::<u32>() & 0xff_ffff);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(rand::random());
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/devices/events", server.trim_end_matches('/'));
    let mqtt_client = mqtt.as_ref().map(|(host, port, _)| {
        let opts = rumqttc::MqttOptions::new(format!("shequ-sim-{run}"), host.clone(), *port);
        let (client, mut eventloop) = rumqttc::AsyncClient::new(opts, 1000);
        tokio::spawn(async move {
            loop {
                if eventloop.poll().await.is_err() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
        client
    });
    let started = Instant::now();
    // Events are stamped with the platform's time, which a demonstration
    // may run faster than real time (`clock_speed`).
    let origin = chrono::Utc::now();
    let speed = clock_speed.max(1.0);
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    let (mut owed, mut sent, mut n) = (0.0f64, 0u64, 0u64);
    let (mut owed_care, mut care_cursor) = (0.0f64, 0usize);
    let mut warned = false;
    loop {
        tick.tick().await;
        if duration.is_some_and(|d| started.elapsed() >= d) {
            return Ok(sent);
        }
        let real = chrono::Utc::now();
        let now = origin
            + chrono::Duration::milliseconds(
                ((real - origin).num_milliseconds() as f64 * speed) as i64,
            );
        owed += rate * rhythm(now.with_timezone(&tz).hour()) * 0.2;
        let mut by_door: HashMap<usize, Vec<serde_json::Value>> = HashMap::new();
        // The care round: this tick's share of the watched residents.
        owed_care += street.watched.len() as f64 * 0.2 * speed / (CARE_ROUND_HOURS * 3600.0);
        while owed_care >= 1.0 && !street.watched.is_empty() {
            owed_care -= 1.0;
            n += 1;
            let (card, building) = &street.watched[care_cursor % street.watched.len()];
            care_cursor += 1;
            let doors = &street.doors_of_building[building];
            let door = doors[care_cursor % doors.len()];
            by_door.entry(door).or_default().push(serde_json::json!({
                "id": format!("sim-{run}-{n}"), "device": street.doors[door].0,
                "at": now.to_rfc3339(), "direction": "out", "credential": card, "kind": "resident"}));
        }
        while owed >= 1.0 {
            owed -= 1.0;
            n += 1;
            let id = format!("sim-{run}-{n}");
            let at = now.to_rfc3339();
            let direction = if rng.random_bool(0.5) { "in" } else { "out" };
            if rng.random_bool(0.85) {
                let (card, building) = &street.cards[rng.random_range(0..street.cards.len())];
                let doors = &street.doors_of_building[building];
                let door = doors[rng.random_range(0..doors.len())];
                by_door.entry(door).or_default().push(serde_json::json!({
                    "id": id, "device": street.doors[door].0, "at": at, "direction": direction,
                    "credential": card, "kind": "resident"}));
            } else {
                let door = rng.random_range(0..street.doors.len());
                let building = street
                    .doors_of_building
                    .iter()
                    .find(|(_, ds)| ds.contains(&door))
                    .map(|(b, _)| *b);
                let household = building
                    .and_then(|b| street.households_of_building.get(&b))
                    .filter(|hs| !hs.is_empty())
                    .map(|hs| hs[rng.random_range(0..hs.len())].clone());
                by_door.entry(door).or_default().push(serde_json::json!({
                    "id": id, "device": street.doors[door].0, "at": at, "direction": direction,
                    "credential": format!("V{:06}", rng.random_range(0..1_000_000)),
                    "kind": "visitor", "household": household}));
            }
        }
        for (door, events) in by_door {
            let (code, token) = &street.doors[door];
            let count = events.len() as u64;
            let body = serde_json::Value::Array(events).to_string();
            let outcome = match (via, &mqtt_client, &mqtt) {
                (Via::Mqtt, Some(client), Some((_, _, street_code))) => client
                    .publish(
                        format!("shequ/{street_code}/door/{code}"),
                        rumqttc::QoS::AtLeastOnce,
                        false,
                        body,
                    )
                    .await
                    .map_err(anyhow::Error::from),
                _ => match http
                    .post(&url)
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => Ok(()),
                    Ok(r) => Err(anyhow::anyhow!("HTTP {}", r.status())),
                    Err(e) => Err(anyhow::Error::from(e)),
                },
            };
            match outcome {
                Ok(()) => {
                    sent += count;
                    warned = false;
                }
                Err(e) if !warned => {
                    tracing::warn!(error = %e, "simulated door events not delivered; will keep trying");
                    warned = true;
                }
                Err(_) => {}
            }
        }
    }
}

pub async fn run(
    config_file: Option<&std::path::Path>,
    args: SimulateArgs,
) -> anyhow::Result<ExitCode> {
    let settings = crate::config::load(config_file, args.db.database_url.as_deref(), None)?;
    let store = crate::config::open_store(&settings.database_url).await?;
    let street = Street::load(&store, args.housebound).await?;
    store.close().await;
    println!(
        "模拟门禁 Simulating {} doors, {} cards ({} housebound: {}) at {} events/s on average via {:?}",
        street.doors.len(),
        street.cards.len(),
        street.housebound.len(),
        street.housebound.join(", "),
        args.rate,
        args.via
    );
    let mqtt = match args.via {
        Via::Mqtt => {
            let (host, port) = shequ_server::sensing::mqtt::broker_address(&args.mqtt_url)?;
            Some((host, port, args.street.clone()))
        }
        Via::Http => None,
    };
    let duration = (args.duration > 0).then(|| Duration::from_secs(args.duration));
    let sent = drive(
        street,
        args.via,
        &args.server,
        mqtt,
        args.rate,
        duration,
        1.0,
    )
    .await
    .context("while simulating")?;
    println!("sent {sent} events");
    Ok(ExitCode::SUCCESS)
}
