//! `shequ demo`: generate a demo street modelled on Tianlin Street into an
//! SQLite file — its registry, a year of work orders and a working
//! morning — and serve it with a live stream of door passes and
//! complaints. A data directory that already holds a demo is reused as it
//! is, and its logins are printed again.

mod assess;
mod branches;
mod cast;
mod circle;
mod consult;
mod coop;
mod generate;
mod geometry;
pub mod history;
mod live;
mod names;
mod party;
mod people;
mod places;
mod stories;
mod street;
mod today;
mod write;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use shequ_domain::Residency;
use shequ_server::app::auth::password::MIN_PASSWORD_LEN;
use shequ_server::app::auth::password::hash_password;
use shequ_server::app::auth::password::verify_password;
use shequ_store::Scope;

pub use party::PartyFigures;
pub use street::STREET_CODE;

/// Flags of `shequ demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Directory for the demo's data; its database is DIR/shequ.db.
    #[arg(long, default_value = "shequ-data")]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Number of residents to generate.
    #[arg(long, default_value_t = 100_000)]
    pub residents: u32,
    /// Seed of the generator; the same seed gives the same street.
    #[arg(long, default_value_t = 2018)]
    pub seed: u64,
    /// Password of the demo's admin (and the other demo accounts); a random
    /// one is generated and printed when not given.
    #[arg(long, env = "SHEQU_DEMO_ADMIN_PASSWORD")]
    pub admin_password: Option<String>,
    /// Generate the data and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
    /// Run neither the door event simulator nor the stream of residents'
    /// complaints beside the server.
    #[arg(long)]
    pub no_simulate: bool,
    /// Average simulated door events per second.
    #[arg(long, default_value_t = 5.0)]
    pub simulate_rate: f64,
    /// Average complaints an hour filed as if from the public report page.
    #[arg(long, default_value_t = 30.0)]
    pub complaints_per_hour: f64,
    /// Run the platform's clock this many times faster than real time, so
    /// welfare alerts (48 hours) and SLA deadlines come due while you watch;
    /// e.g. 3600 makes an hour pass each second.
    #[arg(long)]
    pub clock_speed: Option<f64>,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub residents: u32,
    pub seed: u64,
    /// The password of every demo account.
    pub admin_password: String,
}

/// A login to show on the print-out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExampleLogin {
    pub username: String,
    pub region: String,
}

/// What a generation made, and how long it took.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoSummary {
    pub elapsed_ms: u64,
    pub regions: usize,
    pub neighbourhoods: usize,
    pub grids: usize,
    pub buildings: usize,
    pub other_places: usize,
    pub households: usize,
    pub residents: usize,
    pub migrants: usize,
    pub elderly_living_alone: usize,
    pub users: usize,
    pub secretary: ExampleLogin,
    pub grid_worker: ExampleLogin,
    /// A command-centre operator (absent in a demo.json written before it
    /// was printed).
    #[serde(default)]
    pub operator: Option<ExampleLogin>,
    /// Work orders at the end of generation (absent in a demo.json written
    /// before the demo had any).
    #[serde(default)]
    pub orders: Option<OrderFigures>,
    /// The party organisation (absent in a demo.json written before the
    /// demo had one).
    #[serde(default)]
    pub party: Option<party::PartyFigures>,
    /// The cooperation lists (absent in a demo.json written before the
    /// demo had them).
    #[serde(default)]
    pub coop: Option<coop::CoopFigures>,
    /// The assessment (absent in a demo.json written before it).
    #[serde(default)]
    pub assess: Option<assess::AssessFigures>,
    /// The 15-minute circle's walking network (absent before it).
    #[serde(default)]
    pub circle: Option<circle::CircleFigures>,
    /// Consultations opened and rounds overdue (absent before them).
    #[serde(default)]
    pub consult: Option<(usize, usize)>,
}

/// The street's work orders when generation ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderFigures {
    pub total: i64,
    pub closed: i64,
    pub pending: i64,
    pub in_progress: i64,
    pub overdue: i64,
    pub alerts_today: i64,
    pub took_ms: u64,
}

/// Generates the demo street into `store` (which should be empty): the
/// registry, a year of work orders, and the last days lived through the
/// server's intake, order service, SLA worker and rules engine.
pub async fn generate(
    store: &shequ_store::Store,
    opts: &DemoOptions,
) -> anyhow::Result<DemoSummary> {
    let started = Instant::now();
    let (mut summary, plan, written) = registry(store, opts).await?;
    let now = shequ_store::now_ms();
    let today = chrono::DateTime::from_timestamp_millis(now)
        .unwrap_or_default()
        .with_timezone(&history::TZ)
        .date_naive();
    summary.party = Some(
        party::build(
            store,
            &plan,
            &written,
            today,
            &mut generate::stream(opts.seed, 11),
        )
        .await
        .context("while building the party organisation")?,
    );
    if let Some(p) = summary.party.as_mut() {
        p.branches = Some(
            branches::build(
                store,
                &plan,
                &written,
                today,
                &mut generate::stream(opts.seed, 12),
            )
            .await
            .context("while opening the demo's 三缘 round and election")?,
        );
    }
    summary.coop = Some(
        coop::build(
            store,
            &plan,
            &written,
            today,
            now,
            &mut generate::stream(opts.seed, 13),
        )
        .await
        .context("while building the cooperation lists")?,
    );
    let orders_started = Instant::now();
    let cast = cast::Cast::build(store, &plan, &written).await?;
    let past = history::plan(
        &cast,
        plan.people.len(),
        now,
        &mut generate::stream(opts.seed, 8),
    );
    // Batches of a few thousand: each is one transaction.
    for chunk in past.chunks(5_000) {
        store
            .load_order_history(chunk)
            .await
            .context("while storing the year of work orders")?;
    }
    let lived = today::live(
        store,
        &cast,
        plan.people.len(),
        now,
        (
            &mut generate::stream(opts.seed, 9),
            &mut generate::stream(opts.seed, 10),
        ),
    )
    .await
    .context("while living through the demo's last days")?;
    store.settle_after_bulk_load().await?;
    if let Some(p) = summary.party.as_mut() {
        p.meetings = Some(lived.meetings);
    }
    let (matters, overdue) = consult::build(store, now)
        .await
        .context("while opening the consultations")?;
    summary.consult = Some((matters, overdue));
    summary.circle = Some(
        circle::build(store, &plan, now)
            .await
            .context("while laying the walking network")?,
    );
    summary.assess = Some(
        assess::build(
            store,
            &cast.street_path,
            today,
            now,
            &mut generate::stream(opts.seed, 14),
        )
        .await
        .context("while assessing last quarter and opening this one")?,
    );
    let counters = store
        .command_counters(&Scope::everything(), now, history::day_start(now))
        .await?;
    let by_state = store.order_counts_in(&Scope::everything()).await?;
    let state_count = |s: &str| {
        by_state
            .iter()
            .filter(|(k, _)| k == s)
            .map(|(_, n)| n)
            .sum()
    };
    summary.orders = Some(OrderFigures {
        total: by_state.iter().map(|(_, n)| n).sum(),
        closed: state_count("closed"),
        pending: counters.pending,
        in_progress: counters.in_progress,
        overdue: counters.overdue,
        alerts_today: i64::try_from(lived.alerts)
            .unwrap_or(i64::MAX)
            .max(counters.alerts_today),
        took_ms: u64::try_from(orders_started.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    summary.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(summary)
}

/// The registry alone — regions, places, people, accounts, doors — for
/// the benchmarks, whose figures are about the registry or orders of
/// their own.
pub async fn generate_street(
    store: &shequ_store::Store,
    opts: &DemoOptions,
) -> anyhow::Result<DemoSummary> {
    Ok(registry(store, opts).await?.0)
}

async fn registry(
    store: &shequ_store::Store,
    opts: &DemoOptions,
) -> anyhow::Result<(DemoSummary, generate::Plan, write::Written)> {
    let started = Instant::now();
    let (residents, seed) = (opts.residents as usize, opts.seed);
    let plan = tokio::task::spawn_blocking(move || generate::plan(residents, seed))
        .await
        .context("the generator panicked")??;
    // One hash for every account: they share the password, and argon2 is
    // deliberately slow (hashing ~180 accounts one by one takes seconds).
    // The accounts therefore share one salt too, which is acceptable for
    // throw-away demo logins and for nothing else.
    let password = opts.admin_password.clone();
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .context("password hashing panicked")?
        .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?;
    let written = write::write(store, &plan, &password_hash).await?;
    let example = |role: shequ_domain::Role| {
        plan.staff
            .iter()
            .find(|s| s.role == role)
            .map(|s| ExampleLogin {
                username: s.username.clone(),
                region: s.region_name.clone(),
            })
            .context("the demo has no account of a role it always creates")
    };
    let summary = DemoSummary {
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        regions: 3 + plan.street.neighbourhoods.len() + plan.street.grids.len(),
        neighbourhoods: plan.street.neighbourhoods.len(),
        grids: plan.street.grids.len(),
        buildings: plan.buildings,
        other_places: plan.places.len() - plan.buildings,
        households: plan.households.len(),
        residents: plan.people.len(),
        migrants: plan
            .people
            .iter()
            .filter(|p| p.residency == Residency::Migrant)
            .count(),
        elderly_living_alone: plan
            .people
            .iter()
            .filter(|p| {
                p.care_tags
                    .contains(shequ_domain::CareTag::ELDERLY_LIVING_ALONE)
            })
            .count(),
        users: plan.staff.len(),
        secretary: example(shequ_domain::Role::NeighbourhoodSecretary)?,
        grid_worker: example(shequ_domain::Role::GridWorker)?,
        operator: Some(example(shequ_domain::Role::StreetOperator)?),
        orders: None,
        party: None,
        coop: None,
        assess: None,
        circle: None,
        consult: None,
    };
    Ok((summary, plan, written))
}

/// `DIR/demo.json`: how the demo in DIR was made. Holds the admin password
/// only when shequ generated it, so the file is private to its owner.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DemoMeta {
    seed: u64,
    residents: u32,
    admin_username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    admin_password: Option<String>,
    summary: DemoSummary,
}

pub async fn run(config_file: Option<&Path>, args: DemoArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.residents >= 100, "--residents must be at least 100");
    if let Some(pw) = &args.admin_password {
        anyhow::ensure!(
            pw.chars().count() >= MIN_PASSWORD_LEN,
            "--admin-password must have at least {MIN_PASSWORD_LEN} characters"
        );
    }
    std::fs::create_dir_all(&args.data_dir).with_context(|| {
        format!(
            "while creating the data directory {}",
            args.data_dir.display()
        )
    })?;
    let url = format!("sqlite://{}", args.data_dir.join("shequ.db").display());
    let meta_path = args.data_dir.join("demo.json");
    let meta = read_meta(&meta_path)?;
    let store = crate::config::open_store(&url).await?;
    let exists = store.region_by_code(STREET_CODE).await?.is_some();

    let (meta, password) = match (exists, meta) {
        (true, Some(meta)) => {
            println!(
                "复用已有演示数据 Reusing the demo in {}",
                args.data_dir.display()
            );
            if meta.seed != args.seed || meta.residents != args.residents {
                println!(
                    "  它由 --seed {} --residents {} 生成；要重新生成请删除该目录 / it was made with \
                     --seed {} --residents {}; delete the directory to generate anew",
                    meta.seed, meta.residents, meta.seed, meta.residents
                );
            }
            let password = match (&meta.admin_password, &args.admin_password) {
                (Some(saved), _) => Some(saved.clone()),
                (None, Some(given)) => {
                    let ok = store
                        .user_credentials(&meta.admin_username)
                        .await?
                        .is_some_and(|(_, phc)| verify_password(given, &phc));
                    if !ok {
                        println!(
                            "  注意 Note: --admin-password does not match the stored admin password"
                        );
                    }
                    ok.then(|| given.clone())
                }
                (None, None) => None,
            };
            (meta, password)
        }
        (true, None) => anyhow::bail!(
            "{} holds a shequ database that `shequ demo` did not finish making (no demo.json); \
             delete the directory or choose another --data-dir",
            args.data_dir.display()
        ),
        (false, saved) => {
            // A lost database with its demo.json kept: reuse the saved password.
            let generated = args.admin_password.is_none();
            let password = match (&args.admin_password, saved.and_then(|m| m.admin_password)) {
                (Some(given), _) => given.clone(),
                (None, Some(saved)) => saved,
                (None, None) => random_password(),
            };
            println!(
                "正在生成演示街道 Generating the demo street ({} residents, seed {}) …",
                args.residents, args.seed
            );
            let opts = DemoOptions {
                residents: args.residents,
                seed: args.seed,
                admin_password: password.clone(),
            };
            let summary = generate(&store, &opts).await?;
            let meta = DemoMeta {
                seed: args.seed,
                residents: args.residents,
                admin_username: "admin".into(),
                admin_password: generated.then(|| password.clone()),
                summary,
            };
            write_meta(&meta_path, &meta)?;
            (meta, Some(password))
        }
    };
    print_summary(&meta, password.as_deref());

    if args.no_serve {
        println!(
            "未启动服务 Not serving (--no-serve). 启动 To serve: shequ demo --data-dir {}",
            args.data_dir.display()
        );
        store.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    let mut settings = crate::config::load(config_file, Some(&url), Some(args.listen))?;
    if let Some(speed) = args.clock_speed {
        anyhow::ensure!(
            speed >= 1.0,
            "--clock-speed must be 1 or more (it speeds time up), not {speed}"
        );
        settings.clock_speed = speed;
    }
    anyhow::ensure!(
        args.complaints_per_hour > 0.0,
        "--complaints-per-hour must be above 0 (use --no-simulate to stop the stream)"
    );
    let simulated = if args.no_simulate {
        None
    } else {
        Some((
            crate::simulate::Street::load(&store, today::SIMULATED_HOUSEBOUND).await?,
            live::Complaints::load(&store).await?,
        ))
    };
    let rate = args.simulate_rate;
    let per_hour = args.complaints_per_hour;
    let speed = settings.clock_speed;
    // The complaint stream files through the server's own state, which
    // exists only once the server builds it.
    let served: Arc<Mutex<Option<shequ_server::AppState>>> = Arc::default();
    let keep = served.clone();
    shequ_server::run_with(
        settings,
        store,
        move |state| {
            let state = state.with_rules_engine();
            if let Ok(mut slot) = keep.lock() {
                *slot = Some(state.clone());
            }
            state
        },
        move |addr| {
            println!();
            println!("打开 Open:  http://{addr}/");
            let Some((street, complaints)) = simulated else {
                println!("未运行模拟 Nothing simulated (--no-simulate)");
                return;
            };
            println!(
                "门禁模拟 Door simulator: {rate} events/s; 不再出门的独居老人 housebound: {} (--no-simulate to stop it)",
                street.housebound.join(", ")
            );
            if !street.still_unseen.is_empty() {
                println!(
                    "  今日预警、尚待看望 alerted today, still indoors: {}",
                    street.still_unseen.join(", ")
                );
            }
            println!(
                "居民投诉 Residents' complaints: about {per_hour} an hour through the public report intake"
            );
            let server = format!("http://{addr}");
            tokio::spawn(async move {
                let via = crate::simulate::Via::Http;
                if let Err(e) =
                    crate::simulate::drive(street, via, &server, None, rate, None, speed).await
                {
                    tracing::warn!(error = %e, "the door simulator stopped");
                }
            });
            match served.lock().ok().and_then(|mut s| s.take()) {
                Some(state) => {
                    tokio::spawn(live::run(state, complaints, per_hour));
                }
                None => tracing::warn!("the complaint stream has no server state to file through"),
            }
        },
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

fn print_summary(meta: &DemoMeta, password: Option<&str>) {
    let s = &meta.summary;
    println!("田林街道 (演示) Tianlin Street (demo):");
    println!(
        "  区域 regions:            {} ({} 居民区 neighbourhoods, {} 网格 grids)",
        s.regions, s.neighbourhoods, s.grids
    );
    println!("  居民楼 buildings:        {}", s.buildings);
    println!("  其他场所 other places:   {}", s.other_places);
    println!("  户 households:           {}", s.households);
    println!(
        "  居民 residents:          {} (来沪 migrants {})",
        s.residents, s.migrants
    );
    println!("  80岁以上独居 80+ alone:  {}", s.elderly_living_alone);
    println!("  账号 users:              {}", s.users);
    if let Some(o) = &s.orders {
        println!(
            "  工单 work orders:         {} (办结 closed {}; 生成时 at generation: 待受理 pending {}, 在办 in progress {}, 超时 overdue {}; 今日预警 alerts today {})",
            o.total, o.closed, o.pending, o.in_progress, o.overdue, o.alerts_today
        );
    }
    if let Some(c) = &s.coop {
        let [proposed, agreed, running, done, dropped] = c.by_status;
        println!(
            "  区域化党建 cooperation:   驻区单位 units {}, 资源 resources {}, 需求 needs {}, 项目 projects {} (提议 proposed {proposed}, 已商定 agreed {agreed}, 实施中 running {running}, 已完成 done {done} of which rated {}, 已终止 dropped {dropped})",
            c.units, c.resources, c.needs, c.projects, c.rated
        );
        println!(
            "  志愿服务 volunteering:    服务队 teams {}, 队员 volunteers {}, 活动 activities {}, 时长 hours {:.1}",
            c.teams, c.volunteers, c.activities, c.hours
        );
        println!(
            "  结对帮扶 pairing:         结对 pairs {}, 逾期未走访 overdue a visit {}; 应急响应 call-ups under way {}",
            c.pairs, c.pairs_overdue, c.callups
        );
    }
    if let Some((matters, overdue)) = &s.consult {
        println!(
            "  征询会商会签 consultations: {matters} 事项 matters, 逾期未答复 overdue rounds {overdue}"
        );
    }
    if let Some(c) = &s.circle {
        println!(
            "  生活圈 15-minute circle:  步行网络 walking network {} lines, {} nodes, {} edges",
            c.lines, c.nodes, c.edges
        );
    }
    if let Some(a) = &s.assess {
        println!(
            "  考核 assessment:          {} 已结束 closed, {} 进行中 open ({} 考核对象 subjects, 待处理申诉 appeals pending {})",
            a.closed, a.open, a.subjects, a.appeals_pending
        );
    }
    if let Some(p) = &s.party {
        println!(
            "  党组织 party orgs:        {} (党员 members {}: 预备 probationary {}, 逾期未转正 conversion overdue {}, 流动 mobile {}, 非本街居民 non-resident {}; 转接在途 open transfers {})",
            p.orgs,
            p.members,
            p.probationary,
            p.conversion_overdue,
            p.mobile,
            p.non_resident,
            p.open_transfers
        );
        println!(
            "  两新覆盖 new-sector cover: 单建 own {}, 联建 joint {}, 指导员 instructor {}, 空白 gap {}",
            p.own, p.joint, p.instructor, p.gap
        );
        if let Some(b) = &p.branches {
            println!(
                "  三缘支部 branch round:    {} branches on offer, {} of {} members' forms in; {} election round counted",
                b.offers, b.forms, b.round_members, b.election_rounds
            );
        }
        if let Some(m) = &p.meetings {
            println!(
                "  联席会议 joint meetings:  {} (会议 sessions {}; 决定 decisions {}: 办结 done {}, 在办 open {}, 超期 overdue {})",
                m.meetings, m.sessions, m.decisions, m.done, m.open, m.overdue
            );
        }
    }
    match &s.orders {
        Some(o) => println!(
            "  生成用时 generation took: {:.1} s (工单 of which orders {:.1} s)",
            s.elapsed_ms as f64 / 1000.0,
            o.took_ms as f64 / 1000.0
        ),
        None => println!(
            "  生成用时 generation took: {:.1} s",
            s.elapsed_ms as f64 / 1000.0
        ),
    }
    println!(
        "登录 Logins (所有演示账号与管理员密码相同 / every demo account shares the admin's password):"
    );
    match password {
        Some(pw) => println!(
            "  管理员 admin:            {}  password: {pw}",
            meta.admin_username
        ),
        None => println!(
            "  管理员 admin:            {}  password: (the --admin-password given when the demo was generated)",
            meta.admin_username
        ),
    }
    if let Some(op) = &s.operator {
        println!(
            "  指挥中心 operator:       {}  ({}, /command)",
            op.username, op.region
        );
    }
    println!(
        "  居民区书记 secretary:    {}  ({})",
        s.secretary.username, s.secretary.region
    );
    println!(
        "  网格员 grid worker:      {}  ({}, /my)",
        s.grid_worker.username, s.grid_worker.region
    );
}

/// Twelve characters from an alphabet without look-alikes (0/O, 1/l/I),
/// drawn from the operating system's generator, never from the seed.
fn random_password() -> String {
    use rand::RngExt;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..12)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn read_meta(path: &Path) -> anyhow::Result<Option<DemoMeta>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .with_context(|| format!("{} is not a demo description; delete it", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("while reading {}", path.display())),
    }
}

/// Writes demo.json readable by its owner only (it may hold a password),
/// through a temporary file so a crash never leaves half a file.
fn write_meta(path: &Path, meta: &DemoMeta) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("json.tmp");
    // The mode applies only to a new file, so never reuse an old one.
    let _ = std::fs::remove_file(&tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut file = opts
        .open(&tmp)
        .with_context(|| format!("while creating {}", tmp.display()))?;
    file.write_all(serde_json::to_string_pretty(meta)?.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("while writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("while writing {}", path.display()))?;
    Ok(())
}
