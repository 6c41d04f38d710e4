//! `shequ bench registry`: the foundation's figures — generating the demo
//! street, and searching people by name prefix within a neighbourhood —
//! each beside a baseline measured in the same run.

use std::time::Instant;

use anyhow::Context;
use rand::{RngExt, SeedableRng};
use shequ_domain::RegionPath;
use shequ_store::people::PeopleQuery;
use shequ_store::{Paging, Scope};

use super::orders::BenchStore;
use super::stats::{latency, line};

/// Flags of `shequ bench registry`.
#[derive(Debug, clap::Args)]
pub struct RegistryBenchArgs {
    /// Run on this PostgreSQL database (a fresh schema, dropped after).
    #[arg(long)]
    pub postgres_url: Option<String>,
    /// Residents of the generated street.
    #[arg(long, default_value_t = 100_000)]
    pub residents: u32,
    /// Searches to time.
    #[arg(long, default_value_t = 5_000)]
    pub searches: usize,
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "朱", "胡",
];

pub async fn run(args: RegistryBenchArgs) -> anyhow::Result<()> {
    let bs = BenchStore::open(args.postgres_url.as_deref()).await?;
    println!(
        "# shequ bench registry — {} — {} residents",
        bs.label, args.residents
    );

    // Baseline: the same number of rows into a bare table, in the same
    // batches, through the same driver.
    let raw = super::raw::insert_rows(&bs.store, args.residents as usize).await?;
    let started = Instant::now();
    let summary = crate::demo::generate_street(
        &bs.store,
        &crate::demo::DemoOptions {
            residents: args.residents,
            seed: 2018,
            admin_password: "bench-password-1".into(),
        },
    )
    .await?;
    let generation = started.elapsed();
    line(
        &format!(
            "demo generation of {} residents ({})",
            summary.residents, bs.label
        ),
        generation.as_secs_f64(),
        "s",
        "< 20 s",
        Some((raw.as_secs_f64(), "inserting as many bare rows")),
    );

    // Import of a people CSV of the same size into a fresh database, beside
    // the raw insert of as many rows measured above.
    let import = import_rate(args.postgres_url.as_deref(), args.residents as usize).await?;
    line(
        &format!(
            "import of a {}-row people CSV ({})",
            args.residents, bs.label
        ),
        import,
        "rows/s",
        "≥ 50000",
        Some((
            args.residents as f64 / raw.as_secs_f64(),
            "raw insert of as many rows",
        )),
    );

    let store = &bs.store;
    let neighbourhoods: Vec<RegionPath> = store
        .regions_in(&Scope::everything())
        .await?
        .into_iter()
        .filter(|r| r.kind == "neighbourhood")
        .map(|r| RegionPath::parse(&r.path))
        .collect::<Result<_, _>>()?;
    anyhow::ensure!(
        !neighbourhoods.is_empty(),
        "the street has no neighbourhoods"
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let paging = Paging::new(Some(1), Some(20));
    let mut search = Vec::with_capacity(args.searches);
    let mut by_id = Vec::with_capacity(args.searches);
    let mut found = 0usize;
    for _ in 0..args.searches {
        let scope = Scope::under(&neighbourhoods[rng.random_range(0..neighbourhoods.len())]);
        let prefix = SURNAMES[rng.random_range(0..SURNAMES.len())];
        let t = Instant::now();
        let page = store
            .search_people(
                &scope,
                &PeopleQuery {
                    name_prefix: Some(prefix.into()),
                    ..PeopleQuery::default()
                },
                paging,
            )
            .await?;
        search.push(t.elapsed());
        found += page.items.len();
        // Baseline: fetching one of the found residents by id in the same scope.
        if let Some(p) = page.items.first() {
            let t = Instant::now();
            store
                .person_in(&scope, p.id)
                .await?
                .context("a found person must be readable")?;
            by_id.push(t.elapsed());
        }
    }
    let s = latency(&mut search);
    let b = latency(&mut by_id);
    line(
        &format!(
            "people search by name prefix in a neighbourhood, p99 ({})",
            bs.label
        ),
        s.p99,
        "ms",
        "< 5 ms",
        Some((b.p99, "p99 of reading one resident by id")),
    );
    println!(
        "  search {s}; {:.1} residents per page on average",
        found as f64 / args.searches as f64
    );
    println!("  by id  {b}");
    bs.close().await
}

/// Rows per second importing a generated people file (after its regions and
/// buildings) into a fresh database.
async fn import_rate(postgres_url: Option<&str>, people: usize) -> anyhow::Result<f64> {
    use crate::import::{ImportKind, ImportOptions, import_file};
    let dir = tempfile::tempdir()?;
    let files = crate::import::sample::generate_street(dir.path(), 1_000, people)?;
    let target = BenchStore::open(postgres_url).await?;
    let opts = ImportOptions::default();
    import_file(&target.store, ImportKind::Regions, &files.regions, &opts).await?;
    import_file(&target.store, ImportKind::Places, &files.places, &opts).await?;
    let started = Instant::now();
    let report = import_file(&target.store, ImportKind::People, &files.people, &opts).await?;
    let elapsed = started.elapsed();
    anyhow::ensure!(
        report.failed == 0,
        "the generated file had failing rows: {report}"
    );
    target.close().await?;
    Ok(files.people_rows as f64 / elapsed.as_secs_f64())
}
