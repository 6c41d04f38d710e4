//! `shequ bench assess`: the assessment of a year at a district's size —
//! 500 subjects (100 departments' agencies of four members each, 400
//! grid workers and secretaries) over 1,000,000 orders filed in the year,
//! one in twenty a summons of a department. Figure: a period's ranking
//! (every subject's counts, score and rank, as the period page reads it),
//! beside a bare scan of the same orders in the same run.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Datelike;
use shequ_domain::Role;
use shequ_domain::assess::{Period, PeriodKind};
use shequ_store::Scope;
use shequ_store::accounts::NewUser;

use super::orders::BenchStore;
use super::stats::{latency, line};

/// Flags of `shequ bench assess`.
#[derive(Debug, clap::Args)]
pub struct AssessBenchArgs {
    /// Run on this PostgreSQL database (a fresh schema, dropped after).
    #[arg(long)]
    pub postgres_url: Option<String>,
    /// Orders filed in the year assessed.
    #[arg(long, default_value_t = 1_000_000)]
    pub orders: i64,
    /// People assessed (grid workers and secretaries).
    #[arg(long, default_value_t = 400)]
    pub people: usize,
    /// Departments' agencies assessed, four members each.
    #[arg(long, default_value_t = 100)]
    pub departments: usize,
    /// Timed runs of each figure.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
}

const PASSWORD: &str = "bench-password-1";

pub async fn run(args: AssessBenchArgs) -> anyhow::Result<()> {
    let bs = BenchStore::open(args.postgres_url.as_deref()).await?;
    let store = &bs.store;
    println!(
        "# shequ bench assess — {} — {} orders, {} people and {} departments, {} runs per figure",
        bs.label, args.orders, args.people, args.departments, args.runs
    );
    let started = Instant::now();
    crate::demo::generate_street(
        store,
        &crate::demo::DemoOptions {
            residents: 2_000,
            seed: 7,
            admin_password: PASSWORD.into(),
        },
    )
    .await?;
    shequ_server::orders::catalogue::ensure_default_catalogue(store).await?;
    let street = store
        .region_by_code(crate::demo::STREET_CODE)
        .await?
        .context("the demo street")?
        .region;
    let scope = Scope::under(&shequ_domain::RegionPath::parse(&street.path)?);

    // The people assessed: the street's own, topped up with grid workers.
    let mut people: Vec<i64> = Vec::new();
    let mut page = 1;
    loop {
        let users = store
            .users_in(&scope, shequ_store::Paging::new(Some(page), Some(500)))
            .await?;
        people.extend(
            users
                .items
                .iter()
                .filter(|u| matches!(u.role.as_str(), "grid_worker" | "neighbourhood_secretary"))
                .map(|u| u.id),
        );
        if users.items.len() < 500 {
            break;
        }
        page += 1;
    }
    let hash = shequ_server::app::auth::password::hash_password(PASSWORD)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let mut k = 0;
    while people.len() < args.people {
        k += 1;
        people.push(
            store
                .create_user(&NewUser {
                    username: format!("bench_grid{k:04}"),
                    display_name: format!("网格员{k:04}"),
                    password_hash: hash.clone(),
                    role: Role::GridWorker,
                    region_id: street.id,
                    phone: None,
                })
                .await?,
        );
    }
    people.truncate(args.people);
    let mut teams = Vec::with_capacity(args.departments);
    for d in 0..args.departments {
        let id = store
            .create_team(
                &format!("bench-dept-{d:03}"),
                &format!("派出机构{d:03}"),
                "department",
                street.id,
            )
            .await?;
        for m in 0..4 {
            store
                .add_team_member(id, people[(d * 4 + m) % people.len()])
                .await?;
        }
        teams.push(id);
    }

    // The year's orders: last year, evenly.
    let today = chrono::Utc::now()
        .with_timezone(&crate::demo::history::TZ)
        .date_naive();
    let year = Period::containing(
        PeriodKind::Year,
        chrono::NaiveDate::from_ymd_opt(today.year() - 1, 6, 1).context("last year")?,
    );
    let tz = crate::demo::history::TZ;
    let ms = |d| shequ_server::app::state::midnight_ms(tz, d).context("midnight");
    let (from, to) = (ms(year.first_day())?, ms(year.end_day())?);
    let step = ((to - from) / args.orders.max(1)).max(1);
    let category = store
        .category_by_code("sanitation")
        .await?
        .context("the default catalogue has no sanitation category")?;
    let mut first = 0;
    while first < args.orders {
        let last = (first + 100_000).min(args.orders) - 1;
        store
            .bench_history_orders((first, last), from, step, (category.id, &category.code))
            .await?;
        first = last + 1;
    }
    store.bench_assessment_orders(&people, &teams).await?;
    store.settle_after_bulk_load().await?;
    let now = shequ_store::now_ms();
    let period = shequ_server::assess::service::open_at(
        store,
        tz,
        &scope,
        &year.code(),
        &shequ_domain::assess::scheme::Weights::default(),
        "bench",
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("opening {}: {e}", year.code()))?;
    let subjects = store.assessment_subjects(period).await?.len();
    println!(
        "setup: {} orders in {}, {subjects} subjects, in {:.1} s",
        args.orders,
        year.code(),
        started.elapsed().as_secs_f64()
    );

    let mut scans = Vec::with_capacity(args.runs);
    let mut scanned = 0;
    for _ in 0..args.runs {
        let t = Instant::now();
        scanned = store.bench_scan_orders((from, to)).await?;
        scans.push(t.elapsed());
    }
    let mut rankings: Vec<Duration> = Vec::with_capacity(args.runs);
    let mut ranked = 0;
    for _ in 0..args.runs {
        let t = Instant::now();
        let r = shequ_server::assess::service::ranking_at(store, period, now)
            .await
            .map_err(|e| anyhow::anyhow!("ranking: {e}"))?;
        rankings.push(t.elapsed());
        ranked = r.subjects.iter().filter(|s| s.rank.is_some()).count();
    }
    let (scan, rank) = (latency(&mut scans), latency(&mut rankings));
    println!("scanned {scanned} orders; ranked {ranked} of {subjects} subjects");
    line(
        &format!("ranking of {subjects} subjects, p50"),
        rank.p50,
        "ms",
        "< 3000 ms",
        Some((scan.p50, "bare scan of the same orders, p50")),
    );
    line(
        "ranking, slowest run",
        rank.max,
        "ms",
        "",
        Some((scan.max, "bare scan, slowest")),
    );
    bs.close().await
}
