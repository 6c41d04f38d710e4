//! `shequ bench party`: party organisation at a district's size — 20,000
//! new-sector places and 5,000 organisations by default. Figures: the
//! coverage report for the district (p50/p99, beside a scan of the same
//! places without their cover in the same run), and the `/party` tree page
//! through the HTTP stack (beside `GET /healthz`).

use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;
use rand::{RngExt, SeedableRng};
use shequ_domain::party::OrgKind;
use shequ_domain::{PlaceKind, RegionCode, RegionKind, RegionPath, Role};
use shequ_store::Scope;
use shequ_store::party::NewPartyOrg;
use shequ_store::places::NewPlace;
use shequ_store::regions::NewRegion;

use super::orders::{BenchStore, start_server};
use super::stats::{latency, line};

/// Flags of `shequ bench party`.
#[derive(Debug, clap::Args)]
pub struct PartyBenchArgs {
    /// Run on this PostgreSQL database (a fresh schema, dropped after).
    #[arg(long)]
    pub postgres_url: Option<String>,
    /// New-sector places in the district.
    #[arg(long, default_value_t = 20_000)]
    pub places: usize,
    /// Party organisations in the district.
    #[arg(long, default_value_t = 5_000)]
    pub orgs: usize,
    /// Residents of the demo street whose registry the member import
    /// writes to (everyone not yet a member joins).
    #[arg(long, default_value_t = 100_000)]
    pub members: u32,
    /// Timed runs of each figure.
    #[arg(long, default_value_t = 200)]
    pub runs: usize,
}

const PASSWORD: &str = "bench-password-1";
const STREETS: usize = 10;
const NEIGHBOURHOODS: usize = 10;

fn code(s: &str) -> anyhow::Result<RegionCode> {
    RegionCode::parse(s).map_err(|e| anyhow::anyhow!("{e}"))
}

pub async fn run(args: PartyBenchArgs) -> anyhow::Result<()> {
    let bs = BenchStore::open(args.postgres_url.as_deref()).await?;
    let store = &bs.store;
    println!(
        "# shequ bench party — {} — {} places, {} organisations, {} runs per figure",
        bs.label, args.places, args.orgs, args.runs
    );
    let started = Instant::now();
    // The district: 10 streets of 10 neighbourhoods.
    let mut regions = vec![
        NewRegion {
            code: code("310000")?,
            name: "上海市".into(),
            kind: RegionKind::City,
            parent_code: None,
            polygon: None,
            center: None,
        },
        NewRegion {
            code: code("310104")?,
            name: "徐汇区".into(),
            kind: RegionKind::District,
            parent_code: Some(code("310000")?),
            polygon: None,
            center: None,
        },
    ];
    for s in 1..=STREETS {
        let street = format!("310104{s:03}");
        regions.push(NewRegion {
            code: code(&street)?,
            name: format!("第{s}街道"),
            kind: RegionKind::Street,
            parent_code: Some(code("310104")?),
            polygon: None,
            center: None,
        });
        for n in 1..=NEIGHBOURHOODS {
            regions.push(NewRegion {
                code: code(&format!("{street}{n:03}"))?,
                name: format!("第{s}街道第{n}居民区"),
                kind: RegionKind::Neighbourhood,
                parent_code: Some(code(&street)?),
                polygon: None,
                center: None,
            });
        }
    }
    for r in store.upsert_regions(&regions).await? {
        r.map_err(|e| anyhow::anyhow!("region: {e:?}"))?;
    }
    let all = store.regions_in(&Scope::everything()).await?;
    let nbhds: Vec<_> = all.iter().filter(|r| r.kind == "neighbourhood").collect();
    let region_of = |c: &str| all.iter().find(|r| r.code == c).map(|r| r.id);

    // The places, spread over the neighbourhoods, every new-sector kind.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(14);
    let places: Vec<NewPlace> = (0..args.places)
        .map(|i| {
            let n = nbhds[i % nbhds.len()];
            NewPlace {
                code: format!("P{i:06}"),
                name: format!("场所{i}"),
                kind: PlaceKind::NEW_SECTOR[i % PlaceKind::NEW_SECTOR.len()],
                facility_type: None,
                region_id: n.id,
                region_path: n.path.clone(),
                lon: 121.40 + rng.random_range(0.0..0.08),
                lat: 31.15 + rng.random_range(0.0..0.06),
                address: String::new(),
                built_year: None,
                floors: None,
            }
        })
        .collect();
    for chunk in places.chunks(5_000) {
        store.upsert_places(chunk).await?;
    }
    let place_ids: Vec<i64> = store
        .coverage_in(&Scope::everything())
        .await?
        .into_iter()
        .map(|p| p.place_id)
        .collect();

    // The organisations: the district committee, a working committee per
    // street, a general branch per neighbourhood; new-sector organisations
    // (each covering three places) and joint branches (four each);
    // instructors on half of the places left.
    let now = shequ_store::now_ms();
    let mut made = 0usize;
    let mut create = |code: String, kind: OrgKind, parent: Option<String>, region: Option<i64>| {
        made += 1;
        async move {
            store
                .create_party_org(
                    &NewPartyOrg {
                        code: &code,
                        name: &code,
                        kind,
                        parent: parent.as_deref(),
                        region_id: region,
                        founded_on: None,
                    },
                    "bench",
                    now,
                )
                .await
                .map(|_| code)
        }
    };
    create(
        "D".into(),
        OrgKind::DistrictCommittee,
        None,
        region_of("310104"),
    )
    .await?;
    for s in 1..=STREETS {
        let street = format!("310104{s:03}");
        create(
            format!("S{s}"),
            OrgKind::StreetWorkingCommittee,
            Some("D".into()),
            region_of(&street),
        )
        .await?;
        for n in 1..=NEIGHBOURHOODS {
            let c = format!("{street}{n:03}");
            create(
                format!("N{s}-{n}"),
                OrgKind::NeighbourhoodGeneralBranch,
                Some(format!("S{s}")),
                region_of(&c),
            )
            .await?;
        }
    }
    let rest = args
        .orgs
        .saturating_sub(1 + STREETS + STREETS * NEIGHBOURHOODS);
    let joint = rest / 10;
    let mut next_place = 0usize;
    for i in 0..rest {
        let n = nbhds[i % nbhds.len()];
        let (s, k) = (i % nbhds.len() / NEIGHBOURHOODS + 1, i % NEIGHBOURHOODS + 1);
        let is_joint = i < joint;
        let kind = if is_joint {
            OrgKind::JointBranch
        } else {
            OrgKind::NewSector
        };
        // A joint branch stands under its neighbourhood's general branch;
        // a new-sector organisation under the street's working committee.
        let parent = if is_joint {
            format!("N{s}-{k}")
        } else {
            format!("S{s}")
        };
        let org = create(format!("O{i}"), kind, Some(parent), Some(n.id)).await?;
        for _ in 0..(if is_joint { 4 } else { 3 }) {
            if let Some(p) = place_ids.get(next_place) {
                store.cover_place(&org, *p).await?;
            }
            next_place += 1;
        }
    }
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).context("date")?;
    let instructed = (place_ids.len().saturating_sub(next_place)) / 2;
    for p in place_ids.iter().skip(next_place).take(instructed) {
        store.assign_instructor(*p, "指导员", day).await?;
    }
    println!(
        "set up {made} organisations over {} places in {:.1} s",
        place_ids.len(),
        started.elapsed().as_secs_f64()
    );

    // Coverage for the district, beside the bare scan of its places.
    let core =
        shequ_server::app::state::Core::new(shequ_server::Settings::default(), store.clone())?;
    let district = Scope::under(&RegionPath::parse(
        &all.iter()
            .find(|r| r.code == "310104")
            .context("district")?
            .path,
    )?);
    let report = shequ_server::party::service::coverage(&core, &district).await?;
    println!(
        "coverage: {} places — own {}, joint {}, instructor {}, gap {}",
        report.total.places,
        report.total.own,
        report.total.joint,
        report.total.instructor,
        report.total.gap
    );
    let mut cov = Vec::with_capacity(args.runs);
    let mut scan = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        let t = Instant::now();
        let r = shequ_server::party::service::coverage(&core, &district).await?;
        cov.push(t.elapsed());
        std::hint::black_box(r);
        let t = Instant::now();
        let n = store.bench_scan_places(&district).await?;
        scan.push(t.elapsed());
        std::hint::black_box(n);
    }
    let (cov, scan) = (latency(&mut cov), latency(&mut scan));
    println!("coverage of the district: {cov}");
    println!("bare scan of its places:  {scan}");
    line(
        "coverage p99",
        cov.p99,
        "ms",
        "< 50 ms",
        Some((scan.p99, "bare scan p99")),
    );

    // The tree page over HTTP, as the district's organiser loads it.
    let hash = shequ_server::app::auth::password::hash_password(PASSWORD)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    store
        .create_user(&shequ_store::accounts::NewUser {
            username: "organiser".into(),
            display_name: "组织部".into(),
            password_hash: hash,
            role: Role::DistrictOrganiser,
            region_id: region_of("310104").context("district")?,
            phone: None,
        })
        .await?;
    let addr = start_server(store).await?;
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder().build()?;
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": "organiser", "password": PASSWORD }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let auth = format!("Bearer {}", login["token"].as_str().context("token")?);
    let page = client
        .get(format!("{base}/party"))
        .header("authorization", &auth)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let links = page.matches("href=\"/party/orgs/").count();
    anyhow::ensure!(
        links >= args.orgs.min(made),
        "the tree page links {links} organisations"
    );
    println!("tree page: {} KB, {links} organisations", page.len() / 1024);
    let mut tree = Vec::with_capacity(args.runs);
    let mut health = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        let t = Instant::now();
        let body = client
            .get(format!("{base}/party"))
            .header("authorization", &auth)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        tree.push(t.elapsed());
        std::hint::black_box(body);
        let t = Instant::now();
        client
            .get(format!("{base}/healthz"))
            .send()
            .await?
            .error_for_status()?;
        health.push(t.elapsed());
    }
    let (tree, health) = (latency(&mut tree), latency(&mut health));
    println!("GET /party:   {tree}");
    println!("GET /healthz: {health}");
    line(
        "tree page p99",
        tree.p99,
        "ms",
        "< 100 ms",
        Some((health.p99, "healthz p99")),
    );
    bs.close().await?;
    members_import(args.postgres_url.as_deref(), args.members).await
}

/// Members written as `shequ import members` writes them (batches through
/// `Store::add_party_members`), beside the same number of rows into a bare
/// table, on a demo street's registry (people only: generated without
/// the demo's own party organisation).
async fn members_import(postgres_url: Option<&str>, residents: u32) -> anyhow::Result<()> {
    let bs = BenchStore::open(postgres_url).await?;
    let store = &bs.store;
    crate::demo::generate_street(
        store,
        &crate::demo::DemoOptions {
            residents,
            seed: 14,
            admin_password: PASSWORD.into(),
        },
    )
    .await?;
    // Every resident of the street joins one branch.
    let now = shequ_store::now_ms();
    for (code, kind, parent) in [
        ("S", OrgKind::StreetWorkingCommittee, None),
        ("B", OrgKind::Branch, Some("S")),
    ] {
        store
            .create_party_org(
                &NewPartyOrg {
                    code,
                    name: code,
                    kind,
                    parent,
                    region_id: None,
                    founded_on: None,
                },
                "bench",
                now,
            )
            .await?;
    }
    let people: Vec<i64> = store
        .monitored_people(None)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let joined = NaiveDate::from_ymd_opt(2000, 7, 1).context("date")?;
    let rows: Vec<shequ_store::party::JoiningMember<'_>> = people
        .iter()
        .map(|id| shequ_store::party::JoiningMember {
            person_id: *id,
            org_code: "B",
            member: shequ_store::party::NewPartyMember::full(joined),
            from: joined,
        })
        .collect();
    let raw = super::raw::insert_rows(store, rows.len()).await?;
    let started = Instant::now();
    let mut refused = 0;
    for chunk in rows.chunks(5_000) {
        refused += store
            .add_party_members(chunk, shequ_store::now_ms())
            .await?
            .iter()
            .filter(|o| o.is_err())
            .count();
    }
    let took = started.elapsed();
    anyhow::ensure!(refused == 0, "{refused} members refused");
    let rate = rows.len() as f64 / took.as_secs_f64();
    let bare = rows.len() as f64 / raw.as_secs_f64();
    println!(
        "members: {} in {:.2} s; a bare insert of as many rows {:.2} s",
        rows.len(),
        took.as_secs_f64(),
        raw.as_secs_f64()
    );
    line(
        &format!("member import ({})", bs.label),
        rate,
        "rows/s",
        ">= 20000",
        Some((bare, "bare insert")),
    );
    bs.close().await
}
