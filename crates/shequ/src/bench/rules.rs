//! `shequ bench rules`: the welfare-alert engine's figures — memory per
//! watched person, events absorbed per second, and how late alerts fire
//! after their deadline on the real clock — each beside a baseline
//! measured in the same run.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use shequ_domain::sensing::watch::{Entry, Watch};
use shequ_domain::sensing::{Direction, DoorEvent, PassKind};
use shequ_server::AppState;
use shequ_server::Settings;
use shequ_server::sensing::EventSink;
use shequ_server::sensing::engine::Engine;
use shequ_store::alerts::{AlertQuery, NewAlertRule};
use shequ_store::{Paging, Scope};

use super::orders::BenchStore;
use super::stats::{latency, line};

/// Flags of `shequ bench rules`.
#[derive(Debug, clap::Args)]
pub struct RulesBenchArgs {
    /// People in the memory measurement (the target is for 1,000,000).
    #[arg(long, default_value_t = 1_000_000)]
    pub people: u32,
    /// Residents of the generated street the engine runs on.
    #[arg(long, default_value_t = 20_000)]
    pub residents: u32,
    /// Door events fed to the engine.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: usize,
    /// Alerts timed for latency after their deadline.
    #[arg(long, default_value_t = 100)]
    pub alerts: usize,
}

const H: i64 = 3_600_000;

pub async fn run(args: RulesBenchArgs) -> anyhow::Result<()> {
    println!(
        "# shequ bench rules — {} people in memory, a street of {} residents on SQLite",
        args.people, args.residents
    );
    memory(args.people);

    let bs = BenchStore::open(None).await?;
    crate::demo::generate_street(
        &bs.store,
        &crate::demo::DemoOptions {
            residents: args.residents,
            seed: 2018,
            admin_password: "bench-password-1".into(),
        },
    )
    .await?;
    shequ_server::orders::catalogue::ensure_default_catalogue(&bs.store).await?;
    let state = AppState::new(Settings::default(), bs.store.clone())?;
    alert_latency(&state, args.alerts).await?;
    absorb(&state, args.events).await?;
    bs.close().await?;
    Ok(())
}

/// Bytes per watched person of the engine's state beside a plain map of
/// last-seen times, and the update rate of each.
fn memory(n: u32) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let n = n as usize;
    // Ids as a registry hands them out to a district: sparse, unordered.
    let ids: Vec<i64> = (0..n)
        .map(|i| (i as i64) * 24 + 1 + rng.random_range(0..20))
        .collect();
    let entries: Vec<Entry> = ids
        .iter()
        .map(|id| Entry {
            id: *id,
            group: id / 300,
            last_seen: rng.random_range(0..48 * H),
            alerted: false,
            muted: false,
        })
        .collect();
    let mut watch = Watch::new(48 * H, entries);
    let passes: Vec<(i64, i64)> = (0..n)
        .map(|i| (ids[rng.random_range(0..n)], 48 * H + i as i64))
        .collect();
    let started = Instant::now();
    for (id, at) in &passes {
        watch.seen(*id, *at);
    }
    let watch_rate = passes.len() as f64 / started.elapsed().as_secs_f64();
    // Every entry comes due once and is re-armed lazily.
    let due = watch.due(60 * H);
    let watch_bytes = watch.memory_bytes() as f64 / n as f64;

    let mut map: HashMap<i64, i64> = ids.iter().map(|id| (*id, 0)).collect();
    let started = Instant::now();
    for (id, at) in &passes {
        map.insert(*id, *at);
    }
    let map_rate = passes.len() as f64 / started.elapsed().as_secs_f64();
    // hashbrown: buckets are a power of two at most 7/8 full, 16 bytes of
    // key and value plus one control byte each.
    let buckets = (map.capacity() * 8 / 7).next_power_of_two();
    let map_bytes = (buckets * 17) as f64 / n as f64;
    line(
        &format!("rule state per watched person ({n})"),
        watch_bytes,
        "B/person",
        "< 64",
        Some((map_bytes, "HashMap<i64,i64> of last seen, no deadlines")),
    );
    line(
        "passes applied to the state",
        watch_rate,
        "updates/s",
        "",
        Some((map_rate, "HashMap insert of last seen")),
    );
    println!(
        "  ({} alerts came due after 60 h in the synthetic population)",
        due.len()
    );
}

/// Alerts placed a few seconds ahead on the real clock; how late each is
/// raised after its deadline.
async fn alert_latency(state: &AppState, k: usize) -> anyhow::Result<()> {
    let store = &state.store;
    let now = shequ_store::now_ms();
    let root = store.root_region_path().await?;
    let people: Vec<_> = store
        .monitored_people(None)
        .await?
        .into_iter()
        .filter(|p| p.building_id.is_some())
        .take(k)
        .collect();
    // A live door in each building, or the absences would be held back.
    let mut devices: HashMap<i64, i64> = HashMap::new();
    for p in &people {
        let b = p.building_id.unwrap_or_default();
        if let std::collections::hash_map::Entry::Vacant(v) = devices.entry(b) {
            v.insert(
                store
                    .insert_bare_device(
                        &format!("BENCH-{b}"),
                        b,
                        &p.region_path,
                        Some(now + 60_000),
                        now,
                    )
                    .await?,
            );
        }
    }
    // Deadlines spread over 2–12 s from now.
    let spread = 10_000 / people.len().max(1) as i64;
    for (i, p) in people.iter().enumerate() {
        let due = now + 2_000 + spread * i as i64;
        let device = devices[&p.building_id.unwrap_or_default()];
        store
            .insert_bare_pass(
                device,
                &format!("bench-{i}"),
                p.id,
                p.building_id.unwrap_or_default(),
                due - H,
            )
            .await?;
    }
    let rule = store
        .create_alert_rule(
            &NewAlertRule {
                code: "bench_latency".into(),
                name: "bench: 1 h without a pass".into(),
                kind: "inactivity".into(),
                region_path: root,
                params: r#"{"window_hours":1}"#.into(),
                targets: "[]".into(),
                purpose: String::new(),
                expires_at: None,
                enabled: true,
            },
            "bench",
            now,
        )
        .await?;
    let engine = Engine::spawn(state.sensing.clone());
    engine.settle().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let alerts = loop {
        let page = store
            .alerts_in(
                &Scope::everything(),
                &AlertQuery {
                    rule_id: Some(rule.id),
                    state: None,
                },
                Paging::new(Some(1), Some(500)),
            )
            .await?;
        if page.items.len() >= people.len() || Instant::now() > deadline {
            break page.items;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut late: Vec<Duration> = alerts
        .iter()
        .map(|a| Duration::from_millis(u64::try_from(a.raised_at - a.due_at).unwrap_or(0)))
        .collect();
    let l = latency(&mut late);
    line(
        &format!("alert latency after deadline p99 ({} alerts)", l.n),
        l.p99,
        "ms",
        "< 1000",
        Some((TICK_MS, "the engine's timer tick")),
    );
    println!("  {l}; each alert also files its work order before the next is raised");
    drop(engine);
    Ok(())
}

/// The engine's timer tick (the floor of the latency it can promise).
pub const TICK_MS: f64 = 200.0;

/// Events pushed through the engine's queue in batches of 1,000, timed
/// until it has applied them all.
async fn absorb(state: &AppState, n: usize) -> anyhow::Result<()> {
    let people = state.store.monitored_people(None).await?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let now = shequ_store::now_ms();
    let events: Vec<DoorEvent> = (0..n)
        .map(|i| {
            let p = &people[rng.random_range(0..people.len())];
            DoorEvent {
                seq: i as i64,
                device_id: 1,
                building_id: p.building_id.unwrap_or_default(),
                at: now - 1_000 + (i % 1_000) as i64,
                direction: if i % 2 == 0 {
                    Direction::In
                } else {
                    Direction::Out
                },
                kind: PassKind::Resident,
                person_id: Some(p.id),
                household_id: p.household_id,
                credential: format!("card-{}", p.id),
            }
        })
        .collect();
    let engine = Engine::spawn(state.sensing.clone());
    engine.settle().await;
    let watched = engine
        .stats
        .watched_people
        .load(std::sync::atomic::Ordering::Relaxed);
    let bytes = engine
        .stats
        .state_bytes
        .load(std::sync::atomic::Ordering::Relaxed);
    let started = Instant::now();
    for chunk in events.chunks(1_000) {
        engine.accept(chunk);
    }
    engine.settle().await;
    let rate = n as f64 / started.elapsed().as_secs_f64();

    let mut map: HashMap<i64, i64> = HashMap::new();
    let started = Instant::now();
    for e in &events {
        if let Some(p) = e.person_id {
            let v = map.entry(p).or_insert(0);
            *v = (*v).max(e.at);
        }
    }
    let base = n as f64 / started.elapsed().as_secs_f64();
    line(
        &format!("events absorbed by the engine ({n})"),
        rate,
        "events/s",
        "≥ 150000",
        Some((base, "HashMap update of last seen, no queue")),
    );
    println!(
        "  the street's engine watches {watched} people under its rules in {} bytes ({:.1} B/person)",
        bytes,
        bytes as f64 / watched.max(1) as f64
    );
    Ok(())
}
