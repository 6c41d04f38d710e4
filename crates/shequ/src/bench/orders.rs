//! `shequ bench orders`: filing work orders through the real HTTP stack,
//! each one located, routed, stored with its trail, outbox and counters.
//! Baseline in the same run: the same stack answering `GET /healthz` (one
//! trivial query), the ceiling of HTTP plus a database round trip here.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use shequ_server::Settings;
use shequ_server::app::auth::API_TOKEN_PREFIX;
use shequ_server::app::auth::new_token;
use shequ_server::app::auth::token_hash;
use shequ_store::accounts::NewApiToken;
use shequ_store::{Scope, Store};

use super::history;
use super::load;
use super::stats::line;

/// Flags of `shequ bench orders`.
#[derive(Debug, clap::Args)]
pub struct OrdersBenchArgs {
    /// Run on this PostgreSQL database (a fresh schema is made and dropped);
    /// SQLite in a temporary directory otherwise.
    #[arg(long)]
    pub postgres_url: Option<String>,
    /// Residents of the demo street the orders are filed in.
    #[arg(long, default_value_t = 20_000)]
    pub residents: u32,
    /// Seconds each measurement runs.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent client connections.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Orders filed per second while every worker's page listens for its
    /// pop-ups (0 skips the pop-up phase).
    #[arg(long, default_value_t = 1000)]
    pub popup_rate: u32,
    /// Orders stored as a year of history before `GET requests.json` is
    /// timed over them (0 skips the query phase).
    #[arg(long, default_value_t = 1_000_000)]
    pub history: usize,
}

/// A store for a benchmark: a temporary SQLite file or a fresh PostgreSQL
/// schema; dropped (schema) when done.
pub struct BenchStore {
    pub store: Store,
    pub label: &'static str,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl BenchStore {
    pub async fn open(postgres_url: Option<&str>) -> anyhow::Result<Self> {
        match postgres_url {
            Some(url) => {
                let schema = format!("bench_{:08x}", rand::random::<u32>());
                let store = Store::connect_postgres_schema(url, &schema).await?;
                store.migrate().await?;
                Ok(Self {
                    store,
                    label: "PostgreSQL",
                    pg: Some((url.to_owned(), schema)),
                    _dir: None,
                })
            }
            None => {
                let dir = tempfile::tempdir().context("temporary directory")?;
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                let store = Store::open(&url).await?;
                Ok(Self {
                    store,
                    label: "SQLite",
                    pg: None,
                    _dir: Some(dir),
                })
            }
        }
    }

    pub async fn close(self) -> anyhow::Result<()> {
        self.store.close().await;
        if let Some((url, schema)) = self.pg {
            Store::drop_postgres_schema(&url, &schema).await?;
        }
        Ok(())
    }
}

/// Starts the server on the store at a free port; returns its address.
pub async fn start_server(store: &Store) -> anyhow::Result<SocketAddr> {
    let settings = Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..Settings::default()
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let store = store.clone();
    tokio::spawn(async move {
        if let Err(e) = shequ_server::run(settings, store, move |addr| {
            let _ = tx.send(addr);
        })
        .await
        {
            eprintln!("server stopped: {e:#}");
        }
    });
    rx.await.context("the server did not start")
}

/// An API token for filing orders, bound to the whole installation.
pub async fn filing_token(store: &Store, scopes: &str) -> anyhow::Result<String> {
    let city = store
        .regions_in(&Scope::everything())
        .await?
        .into_iter()
        .next()
        .context("no regions")?;
    let token = new_token(API_TOKEN_PREFIX);
    store
        .create_api_token(&NewApiToken {
            name: "bench".into(),
            token_hash: token_hash(&token),
            scopes: scopes.into(),
            region_id: city.id,
            created_by: None,
            expires_at: None,
        })
        .await?;
    Ok(token)
}

/// Random points spread over the street's grids (uniform in each grid's
/// bounding box around its centre), to file orders at: complaints come from
/// all over a street, so near-duplicates stay a minority as they would.
pub async fn grid_points(store: &Store, n: usize) -> anyhow::Result<Vec<(f64, f64)>> {
    use rand::{RngExt, SeedableRng};
    let centres: Vec<(f64, f64)> = store
        .regions_in(&Scope::everything())
        .await?
        .into_iter()
        .filter(|r| r.kind == "grid")
        .filter_map(|r| Some((r.center_lon?, r.center_lat?)))
        .collect();
    anyhow::ensure!(!centres.is_empty(), "the street has no grids with centres");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    // A Tianlin grid is roughly 170 m across: ±0.0008° of either axis.
    Ok((0..n)
        .map(|_| {
            let (lon, lat) = centres[rng.random_range(0..centres.len())];
            (
                lon + rng.random_range(-0.0008..0.0008),
                lat + rng.random_range(-0.0008..0.0008),
            )
        })
        .collect())
}

pub async fn run(args: OrdersBenchArgs) -> anyhow::Result<()> {
    let bs = BenchStore::open(args.postgres_url.as_deref()).await?;
    println!(
        "# shequ bench orders — {} — {} s per figure, {} connections",
        bs.label, args.seconds, args.concurrency
    );
    let summary = crate::demo::generate_street(
        &bs.store,
        &crate::demo::DemoOptions {
            residents: args.residents,
            seed: 7,
            admin_password: "bench-password-1".into(),
        },
    )
    .await?;
    println!(
        "street: {} residents, {} grids",
        summary.residents, summary.grids
    );
    let token = filing_token(&bs.store, "open311").await?;
    let points = grid_points(&bs.store, 100_000).await?;
    // History goes in before the server starts, as it would be there.
    let history_rate = if args.history > 0 {
        Some(history::fill(&bs.store, args.history, shequ_store::now_ms()).await?)
    } else {
        None
    };
    let addr = start_server(&bs.store).await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let duration = Duration::from_secs(args.seconds);

    let base = format!("http://{addr}");
    let health_url = format!("{base}/healthz");
    let health = load::run(
        client.clone(),
        args.concurrency,
        duration,
        move |c, _, _| c.get(&health_url),
    )
    .await;

    if let Some(rate) = history_rate {
        query_history(&client, &base, args.seconds, &bs.store, rate).await?;
    }
    if args.popup_rate > 0 {
        let pop = history::popups(
            &bs.store,
            addr,
            &token,
            std::sync::Arc::new(points.clone()),
            args.popup_rate,
            duration,
        )
        .await?;
        println!(
            "POST → pop-up over SSE at {} orders/s ({})    p99 {:.1} ms   target p99 < 50 ms",
            args.popup_rate, bs.label, pop.latency.p99
        );
        println!(
            "  {}; sent {} at {:.0}/s, filed {}, pop-ups matched {} (likely duplicates pop up at the command centre); the first {} s not timed (warm-up)",
            pop.latency,
            pop.sent,
            pop.achieved_rate,
            pop.filed,
            pop.popped,
            history::POPUP_WARMUP.as_secs()
        );
    }

    let orders_url = format!("{base}/open311/v2/requests.json");
    let categories = [
        "sanitation",
        "noise",
        "illegal_advertising",
        "street_vending",
        "property_dispute",
    ];
    let filed = load::run(
        client.clone(),
        args.concurrency,
        duration,
        move |c, w, i| {
            let p = points[(w * 7919 + i as usize * 31) % points.len()];
            let form = [
                ("api_key", token.clone()),
                (
                    "service_code",
                    categories[(i as usize + w) % categories.len()].to_owned(),
                ),
                ("description", format!("压测工单 {w}-{i}")),
                ("address_string", "田林路".to_owned()),
                ("long", p.0.to_string()),
                ("lat", p.1.to_string()),
            ];
            c.post(&orders_url).form(&form)
        },
    )
    .await;
    if let Some(f) = &filed.first_failure {
        println!("first failed request: {f}");
    }
    line(
        &format!("Open311 POST requests.json ({})", bs.label),
        filed.rate(),
        "orders/s",
        "≥ 4000",
        Some((health.rate(), "GET /healthz in this run")),
    );
    println!("  latency {}; failed {}", filed.latency, filed.failed);
    // Measured last: its orders all sit on one spot and would make every
    // later report there a likely duplicate.
    let store_only = store_rate(&bs.store, Duration::from_secs(args.seconds.min(5))).await?;
    line(
        "  the store alone, batches of 16",
        store_only,
        "orders/s",
        "",
        None,
    );
    let verifying = Instant::now();
    let verified = bs.store.verify_trails(None).await?;
    println!(
        "  stored {} orders with {} trail events; trail intact: {} (`audit verify` took {:.1} s)",
        verified.orders,
        verified.events,
        verified.broken.is_none(),
        verifying.elapsed().as_secs_f64()
    );
    let counts = bs.store.order_counts_in(&Scope::everything()).await?;
    println!(
        "  orders by state: {counts:?} (likely duplicates go to the command centre, not to a worker)"
    );
    bs.close().await
}

/// Orders per second that `create_orders` writes with no HTTP, routing or
/// reads around it, in batches of 16: the ceiling of the write path.
async fn store_rate(store: &Store, duration: Duration) -> anyhow::Result<f64> {
    let category = store.category_by_code("sanitation").await?;
    let category = match category {
        Some(c) => c,
        None => {
            shequ_server::orders::catalogue::ensure_default_catalogue(store).await?;
            store
                .category_by_code("sanitation")
                .await?
                .context("default catalogue")?
        }
    };
    let grid = store
        .regions_in(&Scope::everything())
        .await?
        .into_iter()
        .find(|r| r.kind == "grid")
        .context("no grid")?;
    let now = shequ_store::now_ms();
    // The order history holds, with the notices a new order queues.
    let order = shequ_store::orders::create::NewOrder {
        title: "基准".into(),
        description: "写入基准".into(),
        notices: vec![
            shequ_store::orders::Notice {
                user_id: None,
                channel: "popup",
                recipient: String::new(),
                payload: r#"{"kind":"new_order"}"#.into(),
            },
            shequ_store::orders::Notice {
                user_id: None,
                channel: "sms",
                recipient: "13800000000".into(),
                payload: r#"{"text":"新工单"}"#.into(),
            },
        ],
        ..history::historical_order(&category, &grid, now)
    };
    let batch = vec![order; 16];
    let started = Instant::now();
    let mut n = 0usize;
    while started.elapsed() < duration {
        n += store.create_orders(&batch).await?.len();
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// Times `GET requests.json` over the stored history, one query kind at a
/// time: first one client sending its next request when the last answers
/// (the latency a caller sees on a machine with room to spare, which is
/// what the target is about), then 8 clients at once (the rate the two
/// cores sustain, and the latency when they are saturated: there the p99
/// is mostly queueing). `GET /healthz` is timed the same two ways as the
/// baseline.
async fn query_history(
    client: &reqwest::Client,
    base: &str,
    seconds: u64,
    store: &Store,
    fill_rate: f64,
) -> anyhow::Result<()> {
    let counts = store.order_counts_in(&Scope::everything()).await?;
    let stored: i64 = counts.iter().map(|(_, n)| n).sum();
    println!(
        "history: {stored} orders stored with their trails at {fill_rate:.0} orders/s (batches of 1000)"
    );
    let per_run = Duration::from_secs((seconds / 2).max(2));
    let health_url = format!("{base}/healthz");
    let mut health = Vec::new();
    for clients in [1, 8] {
        let url = health_url.clone();
        let r = load::run(client.clone(), clients, per_run, move |c, _, _| c.get(&url)).await;
        println!(
            "  GET /healthz, {clients} client(s) (baseline): {}",
            r.latency
        );
        health.push(r);
    }
    for (label, queries) in history::history_queries(shequ_store::now_ms(), stored) {
        let url = format!("{base}/open311/v2/requests.json");
        let queries = std::sync::Arc::new(queries);
        let first = {
            let q = &queries[0];
            let sample = client
                .get(if q.is_empty() {
                    url.clone()
                } else {
                    format!("{url}?{q}")
                })
                .send()
                .await?
                .bytes()
                .await?;
            let items: Vec<serde_json::Value> = serde_json::from_slice(&sample)?;
            (items.len(), sample.len())
        };
        let mut results = Vec::new();
        for clients in [1, 8] {
            let (url, queries) = (url.clone(), queries.clone());
            let result = load::run(client.clone(), clients, per_run, move |c, w, i| {
                let q = &queries[(w + i as usize) % queries.len()];
                if q.is_empty() {
                    c.get(&url)
                } else {
                    c.get(format!("{url}?{q}"))
                }
            })
            .await;
            if let Some(f) = &result.first_failure {
                println!("  first failed request: {f}");
            }
            results.push(result);
        }
        let (one, eight) = (&results[0], &results[1]);
        println!(
            "GET requests.json {label:<34} one client p99 {:>6.2} ms  target < 20 ms  (baseline /healthz p99 {:.2} ms)",
            one.latency.p99, health[0].latency.p99
        );
        println!(
            "  {} requests, {} KB per answer; one client {}; 8 clients {:.0} req/s, p99 {:.2} ms (/healthz {:.0} req/s, p99 {:.2} ms); failed {}",
            first.0,
            first.1 / 1024,
            one.latency,
            eight.rate(),
            eight.latency.p99,
            health[1].rate(),
            health[1].latency.p99,
            one.failed + eight.failed
        );
    }
    Ok(())
}
