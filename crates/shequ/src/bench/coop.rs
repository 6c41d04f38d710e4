//! `shequ bench coop`: regional cooperation at a large street's size —
//! 2,000 resident units offering 20,000 resources, and 2,000 needs of the
//! year. Figures: matching one need against the 20,000 resources (all of
//! its category: the worst case, every resource competes), beside a bare
//! read of the same rows in the same run; and the year's project-list
//! page for the 2,000 needs through the HTTP stack, beside the needs list
//! page of the same needs (no matching).

use std::time::Instant;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use rand::{RngExt, SeedableRng};
use shequ_domain::coop::{Capacity, CapacityUnit, Category, UnitKind, Urgency, Window};
use shequ_domain::{PlaceKind, RegionCode, RegionKind, Role};
use shequ_store::Scope;
use shequ_store::coop::{NewNeed, NewResource, NewUnit};
use shequ_store::places::NewPlace;
use shequ_store::regions::NewRegion;

use super::orders::{BenchStore, start_server};
use super::stats::{latency, line};

/// Flags of `shequ bench coop`.
#[derive(Debug, clap::Args)]
pub struct CoopBenchArgs {
    /// Run on this PostgreSQL database (a fresh schema, dropped after).
    #[arg(long)]
    pub postgres_url: Option<String>,
    /// Resources on offer, all of the matched need's category.
    #[arg(long, default_value_t = 20_000)]
    pub resources: usize,
    /// Needs of the year, over every category.
    #[arg(long, default_value_t = 2_000)]
    pub needs: usize,
    /// Timed runs of each figure.
    #[arg(long, default_value_t = 200)]
    pub runs: usize,
}

const PASSWORD: &str = "bench-password-1";
const NEIGHBOURHOODS: usize = 20;
const RESOURCES_PER_UNIT: usize = 10;

fn code(s: &str) -> anyhow::Result<RegionCode> {
    RegionCode::parse(s).map_err(|e| anyhow::anyhow!("{e}"))
}

fn region(
    c: &str,
    name: &str,
    kind: RegionKind,
    parent: Option<&str>,
) -> anyhow::Result<NewRegion> {
    Ok(NewRegion {
        code: code(c)?,
        name: name.into(),
        kind,
        parent_code: parent.map(code).transpose()?,
        polygon: None,
        center: None,
    })
}

pub async fn run(args: CoopBenchArgs) -> anyhow::Result<()> {
    let bs = BenchStore::open(args.postgres_url.as_deref()).await?;
    let store = &bs.store;
    println!(
        "# shequ bench coop — {} — {} resources, {} needs, {} runs per figure",
        bs.label, args.resources, args.needs, args.runs
    );
    let started = Instant::now();
    let mut regions = vec![
        region("310000", "上海市", RegionKind::City, None)?,
        region("310104", "徐汇区", RegionKind::District, Some("310000"))?,
        region("310104011", "田林街道", RegionKind::Street, Some("310104"))?,
    ];
    for n in 1..=NEIGHBOURHOODS {
        regions.push(region(
            &format!("310104011{n:03}"),
            &format!("第{n}居民区"),
            RegionKind::Neighbourhood,
            Some("310104011"),
        )?);
    }
    for r in store.upsert_regions(&regions).await? {
        r.map_err(|e| anyhow::anyhow!("region: {e:?}"))?;
    }
    let all = store.regions_in(&Scope::everything()).await?;
    let nbhds: Vec<_> = all.iter().filter(|r| r.kind == "neighbourhood").collect();
    let street_id = all
        .iter()
        .find(|r| r.code == "310104011")
        .context("street")?
        .id;

    // A place for each unit and each need, spread over about 6 × 7 km.
    let units = args.resources.div_ceil(RESOURCES_PER_UNIT);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(16);
    let places: Vec<NewPlace> = (0..units + args.needs)
        .map(|i| {
            let n = nbhds[i % nbhds.len()];
            NewPlace {
                code: format!("P{i:06}"),
                name: format!("场所{i}"),
                kind: if i < units {
                    PlaceKind::OfficeBuilding
                } else {
                    PlaceKind::ResidentialBuilding
                },
                facility_type: None,
                region_id: n.id,
                region_path: n.path.clone(),
                lon: 121.40 + rng.random_range(0.0..0.07),
                lat: 31.14 + rng.random_range(0.0..0.06),
                address: String::new(),
                built_year: None,
                floors: None,
            }
        })
        .collect();
    for chunk in places.chunks(5_000) {
        store.upsert_places(chunk).await?;
    }
    let codes: Vec<&str> = places.iter().map(|p| p.code.as_str()).collect();
    let refs = store.place_refs(&codes).await?;
    let place_id = |i: usize| -> anyhow::Result<i64> {
        Ok(refs.get(&format!("P{i:06}")).context("place")?.id)
    };

    let now = shequ_store::now_ms();
    let year = chrono::Utc::now().year();
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).context("date");
    let mut offered = 0;
    for u in 0..units {
        let unit_code = format!("U{u:05}");
        let (unit_id, _) = store
            .upsert_unit(
                &NewUnit {
                    code: &unit_code,
                    name: &unit_code,
                    kind: UnitKind::ALL[u % UnitKind::ALL.len()],
                    place_id: place_id(u)?,
                    party_org_id: None,
                    contact_name: "",
                    contact_phone: "",
                    staff: 100,
                    offers: "",
                },
                "bench",
                now,
            )
            .await?;
        for k in 0..RESOURCES_PER_UNIT {
            if offered == args.resources {
                break;
            }
            offered += 1;
            // Half available all year, the rest in one or two windows.
            let windows = match k % 4 {
                0 | 1 => vec![],
                2 => vec![Window::new(day(3, 1)?, day(8, 31)?)?],
                _ => vec![
                    Window::new(day(1, 1)?, day(4, 30)?)?,
                    Window::new(day(9, 1)?, day(12, 31)?)?,
                ],
            };
            store
                .upsert_resource(
                    &NewResource {
                        code: &format!("R{offered:06}"),
                        title: "医生上门",
                        category: Category::HealthVisits,
                        unit_id,
                        capacity: Capacity::new(
                            rng.random_range(4..40),
                            CapacityUnit::VisitsPerMonth,
                        )?,
                        windows: &windows,
                        detail: "",
                    },
                    "bench",
                    now,
                )
                .await?;
        }
    }
    let mut first_need = None;
    for i in 0..args.needs {
        let start = rng.random_range(1..10);
        let window = Window::new(day(start, 1)?, day(start + 2, 28)?)?;
        let (id, _) = store
            .upsert_need(
                &NewNeed {
                    code: &format!("N{i:05}"),
                    title: "上门体检",
                    category: Category::ALL[i % Category::ALL.len()],
                    place_id: place_id(units + i)?,
                    raised_by: "居委会",
                    beneficiaries: "",
                    beneficiary_count: 20,
                    wanted: rng.random_range(0..10),
                    window,
                    urgency: Urgency::ALL[i % Urgency::ALL.len()],
                    detail: "",
                    order_ids: &[],
                },
                "bench",
                now,
            )
            .await?;
        if Category::ALL[i % Category::ALL.len()] == Category::HealthVisits {
            first_need.get_or_insert(id);
        }
    }
    println!(
        "set up {units} units, {offered} resources and {} needs in {:.1} s",
        args.needs,
        started.elapsed().as_secs_f64()
    );

    // Matching one need, beside reading the resources it is matched against.
    let core = shequ_server::coop::CoopState::new(shequ_server::orders::OrdersState::new(
        shequ_server::app::state::Core::new(shequ_server::Settings::default(), store.clone())?,
    ));
    let need = store
        .need(first_need.context("no need of the resources' category")?)
        .await?
        .context("need")?;
    let best = shequ_server::coop::service::matches_for(&core, &need, 10).await?;
    anyhow::ensure!(best.len() == 10, "only {} matches", best.len());
    println!(
        "best match: {} at {} points — {}",
        best[0].resource.code,
        best[0].fit.points,
        best[0].fit.explain_en()
    );
    let mut matching = Vec::with_capacity(args.runs);
    let mut read = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        let t = Instant::now();
        let m = shequ_server::coop::service::matches_for(&core, &need, 10).await?;
        matching.push(t.elapsed());
        std::hint::black_box(m);
        let t = Instant::now();
        let rows = store.resources_of_category(Category::HealthVisits).await?;
        read.push(t.elapsed());
        std::hint::black_box(rows);
    }
    let (matching, read) = (latency(&mut matching), latency(&mut read));
    println!("matching one need:         {matching}");
    println!("bare read of the resources: {read}");
    line(
        "matching p99",
        matching.p99,
        "ms",
        "< 20 ms",
        Some((read.p99, "bare read p99")),
    );

    // The year's list page over HTTP, as the street's operator loads it.
    let hash = shequ_server::app::auth::password::hash_password(PASSWORD)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    store
        .create_user(&shequ_store::accounts::NewUser {
            username: "operator".into(),
            display_name: "值班员".into(),
            password_hash: hash,
            role: Role::StreetOperator,
            region_id: street_id,
            phone: None,
        })
        .await?;
    let addr = start_server(store).await?;
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder().build()?;
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": "operator", "password": PASSWORD }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let auth = format!("Bearer {}", login["token"].as_str().context("token")?);
    let year_url = format!("{base}/coop?year={year}");
    let needs_url = format!("{base}/coop/needs?year={year}");
    let page = client
        .get(&year_url)
        .header("authorization", &auth)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let rows = page.matches("href=\"/coop/needs/").count();
    anyhow::ensure!(rows == args.needs, "the year page lists {rows} needs");
    println!("year page: {} KB, {rows} needs", page.len() / 1024);
    let mut year_page = Vec::with_capacity(args.runs);
    let mut list_page = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        for (url, into) in [(&year_url, &mut year_page), (&needs_url, &mut list_page)] {
            let t = Instant::now();
            let body = client
                .get(url.as_str())
                .header("authorization", &auth)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            into.push(t.elapsed());
            std::hint::black_box(body);
        }
    }
    let (year_page, list_page) = (latency(&mut year_page), latency(&mut list_page));
    println!("year's project list page:  {year_page}");
    println!("needs list page:           {list_page}");
    line(
        "year page p99 (2,000 needs)",
        year_page.p99,
        "ms",
        "< 200 ms",
        Some((list_page.p99, "needs list page p99")),
    );
    bs.close().await?;
    Ok(())
}
