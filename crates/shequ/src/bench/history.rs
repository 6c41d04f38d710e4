//! Phases of `shequ bench orders` beyond filing: a year of stored orders to
//! query (`GET requests.json` over a large history) and the pop-up latency
//! of orders filed at a fixed rate while every worker has a page open.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shequ_domain::Role;
use shequ_domain::order::history::{Step, Who};
use shequ_domain::order::{Action, Rating};
use shequ_server::app::auth::USER_TOKEN_PREFIX;
use shequ_server::app::auth::new_token;
use shequ_server::app::auth::token_hash;
use shequ_store::accounts::SessionKind;
use shequ_store::bench::PastOrder;
use shequ_store::orders::create::NewOrder;
use shequ_store::{Paging, Scope, Store};

use super::stats::{Latency, latency};

const DAY_MS: i64 = 86_400_000;

/// An order as history holds it: filed by the API, no notices (nobody
/// needs a pop-up for last year's complaint).
pub fn historical_order(
    category: &shequ_store::orders::catalogue::Category,
    grid: &shequ_store::regions::Region,
    created_at: i64,
) -> NewOrder {
    NewOrder {
        category_id: category.id,
        category_code: category.code.clone(),
        source: "api".into(),
        priority: category.default_priority.clone(),
        title: format!("{}(历史)", category.name_zh),
        description: "历史工单,用于查询基准".into(),
        address: "田林路".into(),
        point: grid.center_lon.zip(grid.center_lat),
        region_id: grid.id,
        region_path: grid.path.clone(),
        place_id: None,
        subject_person_id: None,
        reporter_name: String::new(),
        reporter_phone: None,
        reporter_email: None,
        reporter_token_hash: None,
        external_id: None,
        attributes: "{}".into(),
        owner_user_id: None,
        accept_due_at: created_at + 1_800_000,
        resolve_due_at: created_at + DAY_MS,
        actor: "bench".into(),
        actor_user_id: None,
        dispatch_data: "{}".into(),
        dispatch_note: String::new(),
        notices: Vec::new(),
        now: created_at,
    }
}

/// Stores `n` orders spread evenly over the year before `now`, across the
/// street's grids (each owned by its grid worker) and the catalogue, each
/// with its whole trail: all but the last two hours' accepted, resolved an
/// hour after filing and rated satisfied a day later, as a real history
/// would be; the last two hours' still pending. They go in through
/// [`Store::load_order_history`], which plays every story through the
/// state machine and moves the counters with the orders, so the command
/// centre counts what the history holds. Returns the rate.
pub async fn fill(store: &Store, n: usize, now: i64) -> anyhow::Result<f64> {
    // The server seeds the catalogue on start; history comes before it.
    shequ_server::orders::catalogue::ensure_default_catalogue(store).await?;
    let categories = store.categories().await?;
    anyhow::ensure!(!categories.is_empty(), "the catalogue is empty");
    let mut grids = Vec::new();
    for g in store
        .regions_in(&Scope::everything())
        .await?
        .into_iter()
        .filter(|r| r.kind == "grid")
    {
        let worker = store
            .users_bound_to(g.id)
            .await?
            .into_iter()
            .find(|u| u.role == "grid_worker")
            .map(|u| u.id);
        grids.push((g, worker));
    }
    anyhow::ensure!(!grids.is_empty(), "the street has no grids");
    let step = (365 * DAY_MS) / n.max(1) as i64;
    let open_from = now - 2 * 3_600_000;
    let started = Instant::now();
    let batch_size = 1000;
    let mut i = 0usize;
    while i < n {
        let batch: Vec<PastOrder> = (i..(i + batch_size).min(n))
            .map(|k| {
                let (grid, worker) = &grids[(k * 7) % grids.len()];
                let at = now - 365 * DAY_MS + k as i64 * step;
                let order = NewOrder {
                    owner_user_id: *worker,
                    ..historical_order(&categories[k % categories.len()], grid, at)
                };
                PastOrder {
                    steps: match worker {
                        Some(w) if at < open_from => closed_story(*w, at),
                        _ => Vec::new(),
                    },
                    order,
                }
            })
            .collect();
        store.load_order_history(&batch).await?;
        i += batch.len();
        if i.is_multiple_of(100_000) {
            eprint!("\r  history: {i}/{n} orders");
        }
    }
    eprintln!();
    let rate = n as f64 / started.elapsed().as_secs_f64();
    store.settle_after_bulk_load().await?;
    Ok(rate)
}

/// Accepted ten minutes after filing, resolved after an hour, rated
/// satisfied a day later.
fn closed_story(worker: i64, at: i64) -> Vec<Step> {
    let by_worker = || Who::User {
        id: worker,
        role: Role::GridWorker,
        teams: Vec::new(),
    };
    vec![
        Step {
            at: at + 600_000,
            who: by_worker(),
            action: Action::Accept,
        },
        Step {
            at: at + 3_600_000,
            who: by_worker(),
            action: Action::Resolve {
                note: "已处理".into(),
            },
        },
        Step {
            at: at + DAY_MS,
            who: Who::Reporter,
            action: Action::Rate {
                rating: Rating::Satisfied,
                reopen: false,
            },
        },
    ]
}

/// Bearer tokens for every grid worker and street operator: the people who
/// get pop-ups. Sessions are written straight to the store (logging 150
/// people in through argon2 would only measure argon2).
pub async fn worker_tokens(store: &Store) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::new();
    let mut page = 1;
    loop {
        let users = store
            .users_in(&Scope::everything(), Paging::new(Some(page), Some(500)))
            .await?;
        for u in &users.items {
            if u.role == "grid_worker" || u.role == "street_operator" {
                let token = new_token(USER_TOKEN_PREFIX);
                store
                    .create_session(
                        &token_hash(&token),
                        u.id,
                        SessionKind::Bearer,
                        shequ_store::now_ms() + DAY_MS,
                    )
                    .await?;
                tokens.push(token);
            }
        }
        if users.items.len() < 500 {
            break;
        }
        page += 1;
    }
    Ok(tokens)
}

/// When each pop-up reached a page, by order id.
type Arrivals = Arc<Mutex<HashMap<i64, Instant>>>;

/// Opens one event stream per token and records pop-up arrivals.
async fn open_streams(
    client: &reqwest::Client,
    addr: SocketAddr,
    tokens: &[String],
    arrivals: Arrivals,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut tasks = Vec::new();
    for token in tokens {
        let mut resp = client
            .get(format!("http://{addr}/api/v1/events"))
            .bearer_auth(token)
            .send()
            .await?;
        anyhow::ensure!(
            resp.status().is_success(),
            "event stream refused: {}",
            resp.status()
        );
        let arrivals = arrivals.clone();
        tasks.push(tokio::spawn(async move {
            let mut buf = String::new();
            let mut event = String::new();
            while let Ok(Some(chunk)) = resp.chunk().await {
                let at = Instant::now();
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(nl) = buf.find('\n') {
                    let line: String = buf.drain(..=nl).collect();
                    let line = line.trim_end();
                    if let Some(name) = line.strip_prefix("event:") {
                        event = name.trim().to_owned();
                    } else if let Some(data) = line.strip_prefix("data:")
                        && event == "popup"
                        && let Ok(v) = serde_json::from_str::<serde_json::Value>(data.trim())
                        && let Some(id) = v["order_id"].as_i64()
                    {
                        arrivals
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .entry(id)
                            .or_insert(at);
                    } else if line.is_empty() {
                        event.clear();
                    }
                }
            }
        }));
    }
    Ok(tasks)
}

/// What the pop-up phase measured.
pub struct PopupFigures {
    pub sent: usize,
    pub filed: usize,
    pub popped: usize,
    /// From sending the POST to the pop-up arriving on an open page.
    pub latency: Latency,
    pub achieved_rate: f64,
}

/// Orders filed at the start of the pop-up phase but not timed.
pub const POPUP_WARMUP: Duration = Duration::from_secs(1);

/// Files orders at `rate` per second for [`POPUP_WARMUP`] and then
/// `duration` (open loop: a slow answer does not slow the sender) while
/// every worker's page listens, and times each POST after the warm-up to
/// its pop-up.
pub async fn popups(
    store: &Store,
    addr: SocketAddr,
    api_key: &str,
    points: Arc<Vec<(f64, f64)>>,
    rate: u32,
    duration: Duration,
) -> anyhow::Result<PopupFigures> {
    let tokens = worker_tokens(store).await?;
    anyhow::ensure!(!tokens.is_empty(), "no grid workers to send pop-ups to");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    let arrivals: Arrivals = Arc::default();
    let streams = open_streams(&client, addr, &tokens, arrivals.clone()).await?;
    // Let every stream subscribe before the first order.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let sent_at: Arc<Mutex<HashMap<i64, Instant>>> = Arc::default();
    let url = format!("http://{addr}/open311/v2/requests.json");
    // The first orders after the server starts filing fill its caches (who
    // holds which role in each grid, people's loads, the day's open
    // orders) and open the client's connections: the first batches took
    // 27 and 118 ms, every later one under 9 ms. Orders sent in the first
    // second are filed and delivered but not timed.
    let timed_from = Instant::now() + POPUP_WARMUP;
    let duration = duration + POPUP_WARMUP;
    // Ticks of 10 ms, each sending its share of the rate.
    let per_tick = (rate / 100).max(1) as usize;
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut sent = 0usize;
    let mut inflight = Vec::new();
    let categories = [
        "sanitation",
        "noise",
        "illegal_advertising",
        "street_vending",
    ];
    while started.elapsed() < duration {
        tick.tick().await;
        for _ in 0..per_tick {
            let p = points[(sent * 7919) % points.len()];
            let form = [
                ("api_key", api_key.to_owned()),
                (
                    "service_code",
                    categories[sent % categories.len()].to_owned(),
                ),
                ("description", format!("弹窗时延测试 {sent}")),
                ("address_string", "田林路".to_owned()),
                ("long", p.0.to_string()),
                ("lat", p.1.to_string()),
            ];
            let req = client.post(&url).form(&form);
            let sent_at = sent_at.clone();
            sent += 1;
            inflight.push(tokio::spawn(async move {
                let t0 = Instant::now();
                let timed = t0 >= timed_from;
                let resp = req.send().await.ok()?;
                let body: serde_json::Value = resp.json().await.ok()?;
                let id: i64 = body[0]["service_request_id"].as_str()?.parse().ok()?;
                if timed {
                    sent_at
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert(id, t0);
                }
                Some(())
            }));
        }
    }
    let achieved_rate = sent as f64 / started.elapsed().as_secs_f64();
    let mut filed = 0;
    for t in inflight {
        if let Ok(Some(())) = t.await {
            filed += 1;
        }
    }
    // Give the last pop-ups time to arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for s in streams {
        s.abort();
    }
    let sent_at = sent_at
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let arrivals = arrivals
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut samples: Vec<Duration> = sent_at
        .iter()
        .filter_map(|(id, t0)| arrivals.get(id).map(|t1| t1.saturating_duration_since(*t0)))
        .collect();
    Ok(PopupFigures {
        sent,
        filed,
        popped: samples.len(),
        latency: latency(&mut samples),
        achieved_rate,
    })
}

/// `GET requests.json` queries over the history: (label, path and query).
pub fn history_queries(now: i64, max_id: i64) -> Vec<(&'static str, Vec<String>)> {
    let iso = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    // Ten different seven-day windows across the year, so the cache of one
    // page does not answer them all.
    let windows: Vec<String> = (1..=10)
        .map(|k| {
            let end = now - k * 30 * DAY_MS;
            format!(
                "service_code=noise&status=closed&start_date={}&end_date={}",
                iso(end - 7 * DAY_MS),
                iso(end)
            )
        })
        .collect();
    let ids: Vec<String> = (0..50)
        .map(|k| {
            let list: Vec<String> = (0..10)
                .map(|j| ((k * 104_729 + j * 7_919) % max_id.max(1) + 1).to_string())
                .collect();
            format!("service_request_id={}", list.join(","))
        })
        .collect();
    vec![
        ("default (last 90 days, page 1)", vec![String::new()]),
        (
            "status=open&page_size=100",
            vec!["status=open&page_size=100".into()],
        ),
        ("service_code+status+7-day window", windows),
        ("service_request_id (10 ids)", ids),
    ]
}
