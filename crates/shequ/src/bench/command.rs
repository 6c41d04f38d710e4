//! `shequ bench command`: the command centre on the demo street with a
//! long history (1,000,000 closed orders by default) and some open ones.
//! Figures: the `/command` page's server time (p50/p99, beside `GET
//! /healthz` in the same run), the size of its street map, and how long an
//! order change takes to reach an open event stream.

use std::time::{Duration, Instant};

use anyhow::Context;
use shequ_store::Scope;

use super::load;
use super::orders::{BenchStore, grid_points, start_server};
use super::stats::latency;

/// Flags of `shequ bench command`.
#[derive(Debug, clap::Args)]
pub struct CommandBenchArgs {
    /// Run on this PostgreSQL database (a fresh schema is made and dropped);
    /// SQLite in a temporary directory otherwise.
    #[arg(long)]
    pub postgres_url: Option<String>,
    /// Residents of the demo street.
    #[arg(long, default_value_t = 100_000)]
    pub residents: u32,
    /// Closed orders in the history, spread over the last two years.
    #[arg(long, default_value_t = 1_000_000)]
    pub history: i64,
    /// Open orders filed through the API before measuring.
    #[arg(long, default_value_t = 300)]
    pub open: usize,
    /// Seconds each page measurement runs.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent clients (wall screens and desks) loading the page.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Order changes timed through the event stream.
    #[arg(long, default_value_t = 200)]
    pub changes: usize,
}

const PASSWORD: &str = "bench-password-1";

pub async fn run(args: CommandBenchArgs) -> anyhow::Result<()> {
    let bs = BenchStore::open(args.postgres_url.as_deref()).await?;
    println!(
        "# shequ bench command — {} — {} s per figure, {} clients",
        bs.label, args.seconds, args.concurrency
    );
    let summary = crate::demo::generate_street(
        &bs.store,
        &crate::demo::DemoOptions {
            residents: args.residents,
            seed: 7,
            admin_password: PASSWORD.into(),
        },
    )
    .await?;
    println!(
        "street: {} residents, {} grids",
        summary.residents, summary.grids
    );
    shequ_server::orders::catalogue::ensure_default_catalogue(&bs.store).await?;
    let category = bs
        .store
        .category_by_code("sanitation")
        .await?
        .context("the default catalogue has no sanitation category")?;

    // The history: two years up to yesterday, inserted in chunks.
    let started = Instant::now();
    let now = shequ_store::now_ms();
    let span = 730 * 86_400_000_i64;
    let step = (span / args.history.max(1)).max(1);
    let from = now - 86_400_000 - step * args.history;
    let mut done = 0u64;
    let chunk = 100_000;
    let mut first = 0;
    while first < args.history {
        let last = (first + chunk).min(args.history) - 1;
        done += bs
            .store
            .bench_history_orders((first, last), from, step, (category.id, &category.code))
            .await?;
        first = last + 1;
    }
    println!(
        "history: {done} closed orders in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let addr = start_server(&bs.store).await?;
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder().build()?;
    let token = login(&client, &base).await?;
    let auth = format!("Bearer {token}");

    // Open orders, filed as a hotline operator would, spread over the grids.
    let points = grid_points(&bs.store, args.open.max(1)).await?;
    for (i, p) in points.iter().take(args.open).enumerate() {
        file(&client, &base, &auth, *p, &format!("基准在办工单 {i}")).await?;
    }
    let counts = bs.store.order_counts_in(&Scope::everything()).await?;
    println!("orders by state (from the counters): {counts:?}");

    // The page and its map.
    let page = client
        .get(format!("{base}/command"))
        .header("authorization", &auth)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let svg = page
        .find("<svg class=\"streetmap command-map\"")
        .and_then(|start| {
            page[start..]
                .find("</svg>")
                .map(|end| &page[start..start + end + 6])
        })
        .context("the command page has no map")?;
    println!(
        "map SVG of the street: {:.1} KB ({} grids, {} markers), page {:.1} KB — target < 300 KB",
        svg.len() as f64 / 1024.0,
        svg.matches("data-grid=").count(),
        svg.matches("data-order=").count(),
        page.len() as f64 / 1024.0
    );

    let duration = Duration::from_secs(args.seconds);
    let health_url = format!("{base}/healthz");
    let health = load::run(
        client.clone(),
        args.concurrency,
        duration,
        move |c, _, _| c.get(&health_url),
    )
    .await;
    let page_url = format!("{base}/command");
    let page_auth = auth.clone();
    let shown = load::run(
        client.clone(),
        args.concurrency,
        duration,
        move |c, _, _| c.get(&page_url).header("authorization", &page_auth),
    )
    .await;
    if let Some(f) = &shown.first_failure {
        println!("first failed request: {f}");
    }
    println!(
        "GET /command ({}): {} — target p99 < 100 ms; {:.0} pages/s",
        bs.label,
        shown.latency,
        shown.rate()
    );
    println!(
        "  baseline GET /healthz in this run: {}; {:.0}/s",
        health.latency,
        health.rate()
    );
    let counters_url = format!("{base}/command/counters");
    let counters_auth = auth.clone();
    let counters = load::run(
        client.clone(),
        args.concurrency,
        duration,
        move |c, _, _| c.get(&counters_url).header("authorization", &counters_auth),
    )
    .await;
    println!(
        "  GET /command/counters (what a page refetches per change): {}",
        counters.latency
    );

    sse_latency(&client, &base, &auth, &points, args.changes).await?;
    bs.close().await
}

async fn login(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let resp: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": "admin", "password": PASSWORD }))
        .send()
        .await?
        .error_for_status()
        .context("logging in as the demo admin")?
        .json()
        .await?;
    resp["token"]
        .as_str()
        .map(str::to_owned)
        .context("the login answer has no token")
}

async fn file(
    client: &reqwest::Client,
    base: &str,
    auth: &str,
    (lon, lat): (f64, f64),
    description: &str,
) -> anyhow::Result<i64> {
    let resp: serde_json::Value = client
        .post(format!("{base}/api/v1/orders"))
        .header("authorization", auth)
        .json(&serde_json::json!({
            "category": "sanitation", "source": "hotline", "description": description,
            "address": "田林路", "lon": lon, "lat": lat,
        }))
        .send()
        .await?
        .error_for_status()
        .context("filing an order")?
        .json()
        .await?;
    resp["id"].as_i64().context("the filing answer has no id")
}

/// Files orders one at a time and times each from sending the request to
/// its `order_created` event arriving on a stream opened before.
async fn sse_latency(
    client: &reqwest::Client,
    base: &str,
    auth: &str,
    points: &[(f64, f64)],
    changes: usize,
) -> anyhow::Result<()> {
    let mut resp = client
        .get(format!("{base}/api/v1/events"))
        .header("authorization", auth)
        .send()
        .await?
        .error_for_status()?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(i64, Instant)>();
    let reader = tokio::spawn(async move {
        let mut buf = String::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            let at = Instant::now();
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let event: String = buf.drain(..end + 2).collect();
                if event.contains("event: order_created")
                    && let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: "))
                    && let Ok(v) = serde_json::from_str::<serde_json::Value>(data)
                    && let Some(id) = v["order_id"].as_i64()
                {
                    let _ = tx.send((id, at));
                }
            }
        }
    });
    let mut event_lat = Vec::new();
    let mut write_lat = Vec::new();
    for i in 0..changes {
        let p = points[(i * 17) % points.len()];
        // Far apart in time from the open ones' spots: not a duplicate.
        let p = (
            p.0 + 0.0001 * ((i % 7) as f64),
            p.1 - 0.0001 * ((i % 5) as f64),
        );
        let sent = Instant::now();
        let id = file(client, base, auth, p, &format!("事件延迟 {i}")).await?;
        write_lat.push(sent.elapsed());
        loop {
            let (got, at) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await
                .context("no order_created event within 5 s")?
                .context("the event stream ended")?;
            if got == id {
                event_lat.push(at.duration_since(sent));
                break;
            }
        }
    }
    reader.abort();
    println!(
        "SSE: order filed → order_created on an open stream: {} — target < 100 ms",
        latency(&mut event_lat)
    );
    println!(
        "  the filing request alone (its answer): {}",
        latency(&mut write_lat)
    );
    Ok(())
}
