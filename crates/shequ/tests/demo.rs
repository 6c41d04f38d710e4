//! `shequ demo` end to end: the real binary generates streets into SQLite
//! files, and the tests read those files back with plain SQL.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use geo::{Area, Contains, GeodesicArea, Point, Polygon};
use sha2::{Digest, Sha256};
use shequ_domain::IdentityNumber;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

/// Runs `shequ demo --no-serve` on `dir` and returns what it printed.
fn demo(dir: &Path, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_shequ"))
        .arg("demo")
        .arg("--data-dir")
        .arg(dir)
        .arg("--no-serve")
        .args(extra)
        .env_remove("SHEQU_DEMO_ADMIN_PASSWORD")
        .env("SHEQU_LOG", "warn")
        .output()
        .expect("run shequ demo");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "shequ demo failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn open(dir: &Path) -> SqlitePool {
    let opts = SqliteConnectOptions::new().filename(dir.join("shequ.db"));
    SqlitePool::connect_with(opts).await.expect("open demo db")
}

async fn strings(pool: &SqlitePool, sql: &'static str) -> Vec<String> {
    sqlx::query_scalar(sql).fetch_all(pool).await.expect(sql)
}

async fn count(pool: &SqlitePool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

/// A digest of every generated row except timestamps (which record when
/// the rows were written) and password hashes (which are salted).
async fn digest(dir: &Path) -> String {
    let pool = open(dir).await;
    let mut h = Sha256::new();
    for sql in [
        "SELECT json_array(id, code, name, kind, parent_id, path, polygon, center_lon, center_lat) FROM regions ORDER BY id",
        "SELECT json_array(id, code, name, kind, facility_type, region_id, region_path, lon, lat, address, built_year, floors) FROM places ORDER BY id",
        "SELECT json_array(id, code, building_id, region_id, region_path, room) FROM households ORDER BY id",
        "SELECT json_array(id, identity_number, name, gender, birth_date, phone, residency, care_tags, household_id, region_id, region_path) FROM people ORDER BY id",
        "SELECT json_array(person_id, tag) FROM person_tags ORDER BY person_id, tag",
        "SELECT json_array(id, username, display_name, role, region_id, phone, disabled) FROM users ORDER BY id",
        "SELECT json_array(id, code, name, building_id, entrance, region_path) FROM devices ORDER BY id",
        "SELECT json_array(credential, person_id, household_id, building_id) FROM door_credentials ORDER BY credential",
    ] {
        for row in strings(&pool, sql).await {
            h.update(row.as_bytes());
            h.update(b"\n");
        }
    }
    pool.close().await;
    hex::encode(h.finalize())
}

/// A digest of the orders filed before `before` and their trails, less
/// the hashes (which the digest stands for).
async fn history_digest(dir: &Path, before: i64) -> String {
    let pool = open(dir).await;
    let mut h = Sha256::new();
    let mut rows = 0;
    for sql in [
        "SELECT json_array(id, category_code, source, state, rating, reopened, region_id, owner_user_id,
                supervisor_user_id, title, description, created_at, accepted_at, resolved_at, closed_at)
         FROM work_orders WHERE created_at < $1 ORDER BY id",
        "SELECT json_array(e.order_id, e.seq, e.at, e.actor, e.action, e.to_state, e.note, e.data)
         FROM order_events e JOIN work_orders w ON w.id = e.order_id
         WHERE w.created_at < $1 ORDER BY e.order_id, e.seq",
    ] {
        let got: Vec<String> = sqlx::query_scalar(sql)
            .bind(before)
            .fetch_all(&pool)
            .await
            .expect(sql);
        rows += got.len();
        for row in got {
            h.update(row.as_bytes());
            h.update(b"\n");
        }
    }
    pool.close().await;
    assert!(rows > 100, "{rows} rows of history in {}", dir.display());
    hex::encode(h.finalize())
}

const PASSWORD: &str = "demo-password-1";

#[tokio::test]
async fn same_seed_gives_identical_rows_and_another_seed_differs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    let args = |seed: &'static str| {
        [
            "--residents",
            "3000",
            "--seed",
            seed,
            "--admin-password",
            PASSWORD,
        ]
    };
    demo(&a, &args("7"));
    demo(&b, &args("7"));
    demo(&c, &args("8"));
    let (da, db, dc) = (digest(&a).await, digest(&b).await, digest(&c).await);
    assert_eq!(da, db, "the same seed must give the same rows");
    assert_ne!(da, dc, "another seed must give another street");
    // The year of orders too, as far as it is over: orders filed a month
    // or more ago have closed (runs a few seconds apart cut the open ones'
    // lives at slightly different moments).
    let month_ago = now_ms() - 30 * DAY_MS;
    let (ha, hb, hc) = (
        history_digest(&a, month_ago).await,
        history_digest(&b, month_ago).await,
        history_digest(&c, month_ago).await,
    );
    assert_eq!(ha, hb, "the same seed must give the same history");
    assert_ne!(ha, hc, "another seed must give another history");
    let pool = open(&a).await;
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM people WHERE residency <> 'non_resident'"
        )
        .await,
        3000
    );
    // A door at every residential building and a card for every resident.
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM places WHERE kind = 'residential_building' AND id NOT IN (SELECT building_id FROM devices)").await,
        0
    );
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM door_credentials").await,
        3000
    );
}

/// A 20,000-resident street, generated once for the tests that read it,
/// with what `shequ demo` printed.
/// The 20,000-resident demo street, generated once for the whole file: its
/// data directory, what it printed, and the moment generation began.
fn street_20k_generated() -> &'static (PathBuf, String, i64) {
    static DIR: OnceLock<(PathBuf, String, i64)> = OnceLock::new();
    DIR.get_or_init(|| {
        // Under the target directory, so repeated runs do not litter /tmp.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-street-20k");
        let _ = std::fs::remove_dir_all(&dir);
        let began = now_ms();
        let printed = demo(
            &dir,
            &[
                "--residents",
                "20000",
                "--seed",
                "2018",
                "--admin-password",
                PASSWORD,
            ],
        );
        (dir, printed, began)
    })
}

fn street_20k() -> &'static Path {
    &street_20k_generated().0
}

/// Local midnight (Asia/Shanghai, the demo's zone) at the start of the day
/// the demo street was generated on. "Today" is the demo's day, not the
/// test's: a street generated a minute before midnight and read a minute
/// after it still has the alerts of the day it lived through.
fn demo_day_start_ms() -> i64 {
    day_start_ms(street_20k_generated().2)
}

fn polygon(geojson: &str) -> Polygon {
    let g: geojson::Geometry = geojson.parse().expect("GeoJSON geometry");
    Polygon::try_from(g).expect("a Polygon")
}

#[tokio::test]
async fn regions_tile_the_street_and_buildings_lie_in_their_grids() {
    let pool = open(street_20k()).await;
    let rows: Vec<(String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT r.code, r.kind, p.code, r.polygon FROM regions r LEFT JOIN regions p ON p.id = r.parent_id",
    )
    .fetch_all(&pool)
    .await
    .expect("regions");
    let shapes: HashMap<&str, Polygon> =
        rows.iter().map(|r| (r.0.as_str(), polygon(&r.3))).collect();
    let street = &shapes["310104011"];
    let km2 = street.geodesic_area_unsigned() / 1e6;
    assert!((km2 - 4.19).abs() < 0.05 * 4.19, "street area {km2} km²");

    // Planar areas in degrees² are fine for comparing parts with wholes.
    let mut children: HashMap<&str, f64> = HashMap::new();
    let mut grids = 0.0;
    for (code, kind, parent, _) in &rows {
        let a = shapes[code.as_str()].unsigned_area();
        if let Some(p) = parent {
            *children.entry(p.as_str()).or_default() += a;
        }
        if kind == "grid" {
            grids += a;
        }
    }
    let whole = street.unsigned_area();
    assert!(
        (grids - whole).abs() < 0.005 * whole,
        "grids {grids} vs street {whole}"
    );
    let neighbourhoods: Vec<&str> = rows
        .iter()
        .filter(|r| r.1 == "neighbourhood")
        .map(|r| r.0.as_str())
        .collect();
    assert!(
        (15..=30).contains(&neighbourhoods.len()),
        "{} neighbourhoods",
        neighbourhoods.len()
    );
    for nb in neighbourhoods {
        let (parts, area) = (children[nb], shapes[nb].unsigned_area());
        assert!(
            (parts - area).abs() < 0.005 * area,
            "{nb}: grids {parts} vs {area}"
        );
    }
    assert!((children["310104011"] - whole).abs() < 0.005 * whole);

    let places: Vec<(String, String, f64, f64)> = sqlx::query_as(
        "SELECT p.code, r.code, p.lon, p.lat FROM places p JOIN regions r ON r.id = p.region_id",
    )
    .fetch_all(&pool)
    .await
    .expect("places");
    assert!(places.len() > 200, "{} places", places.len());
    for (code, grid, lon, lat) in &places {
        assert!(grid.len() == 14, "{code} lies in {grid}, not in a grid");
        assert!(
            shapes[grid.as_str()].contains(&Point::new(*lon, *lat)),
            "{code} is outside its grid {grid}"
        );
    }
}

#[tokio::test]
async fn residents_have_tianlin_like_distributions() {
    let pool = open(street_20k()).await;
    let residents = count(
        &pool,
        "SELECT COUNT(*) FROM people WHERE residency <> 'non_resident'",
    )
    .await;
    assert_eq!(residents, 20_000);
    // Besides the residents, people who work in the street and live
    // elsewhere: no household, in the grid of their workplace.
    let workers = count(
        &pool,
        "SELECT COUNT(*) FROM people WHERE residency = 'non_resident'",
    )
    .await;
    assert!(workers > 20, "{workers} non-residents");
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM people WHERE residency = 'non_resident' AND household_id IS NOT NULL"
        )
        .await,
        0
    );
    let share = |n: i64| n as f64 / residents as f64;

    let alone = count(
        &pool,
        "SELECT COUNT(*) FROM person_tags t JOIN people p ON p.id = t.person_id
         WHERE t.tag = 'elderly_living_alone' AND p.birth_date <= '1945-12-31'
           AND (SELECT COUNT(*) FROM people q WHERE q.household_id = p.household_id) = 1",
    )
    .await;
    let tagged = count(
        &pool,
        "SELECT COUNT(*) FROM person_tags WHERE tag = 'elderly_living_alone'",
    )
    .await;
    assert_eq!(
        alone, tagged,
        "every tagged person is 80+ and alone in the household"
    );
    assert!(
        (0.01..=0.02).contains(&share(alone)),
        "80+ living alone: {alone}"
    );

    let migrants = count(
        &pool,
        "SELECT COUNT(*) FROM people WHERE residency = 'migrant'",
    )
    .await;
    assert!(share(migrants) > 0.5, "migrants: {migrants}");
    for tag in ["disabled", "low_income"] {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM person_tags WHERE tag = $1")
            .bind(tag)
            .fetch_one(&pool)
            .await
            .expect("tags");
        assert!((0.005..0.03).contains(&share(n)), "{tag}: {n}");
    }

    let households = count(&pool, "SELECT COUNT(*) FROM households").await;
    let expected = residents as f64 / 2.5;
    assert!(
        (households as f64 - expected).abs() < 0.15 * expected,
        "{households} households"
    );
    let homeless = count(
        &pool,
        "SELECT COUNT(*) FROM people p LEFT JOIN households h ON h.id = p.household_id
         WHERE p.residency <> 'non_resident' AND (h.id IS NULL OR h.region_id <> p.region_id)",
    )
    .await;
    assert_eq!(
        homeless, 0,
        "every resident lives in a household of their grid"
    );

    let people: Vec<(String, String, String, Option<String>)> =
        sqlx::query_as("SELECT identity_number, gender, birth_date, phone FROM people")
            .fetch_all(&pool)
            .await
            .expect("people");
    let mut ids = HashSet::new();
    let mut phones = HashSet::new();
    for (id, gender, birth, phone) in &people {
        let parsed = IdentityNumber::parse(id).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(parsed.gender().as_str(), gender, "{id}");
        assert_eq!(
            parsed.birth_date().format("%Y-%m-%d").to_string(),
            *birth,
            "{id}"
        );
        assert!(ids.insert(id.clone()), "{id} is not unique");
        if let Some(phone) = phone {
            shequ_domain::PhoneNumber::parse(phone).unwrap_or_else(|e| panic!("{phone}: {e}"));
            assert!(phones.insert(phone.clone()), "phone {phone} is not unique");
        }
    }
}

fn printed_password(out: &str) -> String {
    out.lines()
        .find_map(|l| {
            l.split_once("password: ")
                .map(|(_, pw)| pw.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no password in:\n{out}"))
}

#[tokio::test]
async fn a_second_run_reuses_the_directory_and_prints_the_same_password() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("demo");
    let first = demo(&dir, &["--residents", "2000", "--seed", "3"]);
    let password = printed_password(&first);
    assert_eq!(password.chars().count(), 12, "{password}");
    let pool = open(&dir).await;
    let counts = |pool: SqlitePool| async move {
        let mut out = Vec::new();
        for sql in [
            "SELECT COUNT(*) FROM regions",
            "SELECT COUNT(*) FROM places",
            "SELECT COUNT(*) FROM households",
            "SELECT COUNT(*) FROM people",
            "SELECT COUNT(*) FROM users",
        ] {
            out.push(count(&pool, sql).await);
        }
        pool.close().await;
        out
    };
    let before = counts(pool).await;
    assert!(before.iter().all(|&n| n > 0), "{before:?}");

    let second = demo(&dir, &["--residents", "2000", "--seed", "3"]);
    assert!(second.contains("Reusing"), "{second}");
    assert!(!second.contains("Generating"), "{second}");
    assert_eq!(printed_password(&second), password);
    assert_eq!(counts(open(&dir).await).await, before);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("demo.json"))
            .expect("demo.json")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "demo.json holds a password");
    }
}

fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(d.as_millis()).expect("ms fit i64")
}

const DAY_MS: i64 = 86_400_000;

/// Local midnight (Asia/Shanghai, the demo's zone) at the start of the day
/// holding `at`.
fn day_start_ms(at: i64) -> i64 {
    use chrono::TimeZone;
    let tz = chrono_tz::Asia::Shanghai;
    let today = chrono::DateTime::from_timestamp_millis(at)
        .expect("a moment in range")
        .with_timezone(&tz)
        .date_naive();
    tz.from_local_datetime(&today.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .expect("midnight exists")
        .timestamp_millis()
}

async fn count_at(pool: &SqlitePool, sql: &'static str, t: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(t)
        .fetch_one(pool)
        .await
        .expect(sql)
}

#[tokio::test]
async fn the_demo_street_has_a_year_of_closed_rated_history() {
    let pool = open(street_20k()).await;
    let now = now_ms();
    let closed = count(
        &pool,
        "SELECT COUNT(*) FROM work_orders WHERE state = 'closed'",
    )
    .await;
    // About 100 orders a day per 100,000 residents: a 20,000-resident
    // street files thousands a year.
    assert!(closed >= 2_000, "{closed} closed orders");
    let rated = count(
        &pool,
        "SELECT COUNT(*) FROM work_orders WHERE state = 'closed' AND rating IS NOT NULL",
    )
    .await;
    let satisfied = count(
        &pool,
        "SELECT COUNT(*) FROM work_orders WHERE state = 'closed'
           AND rating IN ('satisfied', 'basically_satisfied')",
    )
    .await;
    let unsatisfied = rated - satisfied;
    assert!(
        rated * 2 > closed,
        "{rated} of {closed} closed orders rated"
    );
    assert!(
        satisfied * 10 >= rated * 7,
        "mostly satisfied: {satisfied} of {rated}"
    );
    assert!(unsatisfied > 0, "some not satisfied");
    let late = count(
        &pool,
        "SELECT COUNT(*) FROM work_orders WHERE state = 'closed' AND resolved_at > resolve_due_at",
    )
    .await;
    assert!(
        late > 0 && late * 3 < closed,
        "some resolved late: {late} of {closed}"
    );
    // Late ones were escalated (督办) by the platform when they fell due.
    let late_unescalated = count(
        &pool,
        "SELECT COUNT(*) FROM work_orders w WHERE w.state = 'closed' AND w.resolved_at > w.resolve_due_at
           AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = w.id
                             AND e.action = 'escalate' AND e.actor = 'system')",
    )
    .await;
    assert_eq!(late_unescalated, 0, "every late order was escalated");
    let reopened = count(
        &pool,
        "SELECT COUNT(*) FROM work_orders WHERE state = 'closed' AND reopened > 0",
    )
    .await;
    assert!(reopened > 0, "some were reopened");
    let reopen_events = count(
        &pool,
        "SELECT COUNT(*) FROM order_events WHERE action = 'rate' AND to_state = 'pending'",
    )
    .await;
    assert!(reopen_events >= reopened, "each reopen is in the trail");
    // 吹哨报到: departments summoned, and reporting in, in the trail too.
    let whistled = count(
        &pool,
        "SELECT COUNT(DISTINCT p.order_id) FROM order_participants p
           JOIN work_orders w ON w.id = p.order_id
         WHERE p.kind = 'summoned' AND p.reported_at IS NOT NULL AND w.state = 'closed'
           AND EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = p.order_id AND e.action = 'summon')
           AND EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = p.order_id AND e.action = 'report_in')",
    )
    .await;
    assert!(
        whistled > 0,
        "some orders summoned departments that reported in"
    );

    let categories = count(
        &pool,
        "SELECT COUNT(DISTINCT category_code) FROM work_orders WHERE state = 'closed'",
    )
    .await;
    assert!(categories >= 6, "{categories} categories");
    let grids = count(&pool, "SELECT COUNT(*) FROM regions WHERE kind = 'grid'").await;
    let with_history = count(
        &pool,
        "SELECT COUNT(DISTINCT w.region_id) FROM work_orders w JOIN regions r ON r.id = w.region_id
         WHERE w.state = 'closed' AND r.kind = 'grid'",
    )
    .await;
    assert!(
        with_history * 10 >= grids * 9,
        "{with_history} of {grids} grids"
    );
    let workers = count(
        &pool,
        "SELECT COUNT(DISTINCT w.owner_user_id) FROM work_orders w JOIN users u ON u.id = w.owner_user_id
         WHERE w.state = 'closed' AND u.role = 'grid_worker'",
    )
    .await;
    assert!(
        workers * 10 >= grids * 9,
        "{workers} grid workers handled history"
    );
    // Spread over the year: every one of the last twelve 30-day months.
    let months = count_at(
        &pool,
        "SELECT COUNT(DISTINCT ($1 - created_at) / 2592000000) FROM work_orders
         WHERE state = 'closed' AND created_at > $1 - 360 * 86400000",
        now,
    )
    .await;
    assert_eq!(months, 12, "closed orders in each of the last 12 months");
}

#[tokio::test]
async fn the_morning_has_open_orders_on_the_grid_workers() {
    let (dir, printed, _) = street_20k_generated();
    let pool = open(dir).await;
    let now = now_ms();
    let open_by_grid_worker = |cond: &'static str| {
        let pool = pool.clone();
        async move {
            let sql = format!(
                "SELECT COUNT(*), COUNT(DISTINCT w.owner_user_id), COUNT(DISTINCT w.region_id)
                 FROM work_orders w JOIN users u ON u.id = w.owner_user_id
                 WHERE u.role = 'grid_worker' AND {cond}"
            );
            let row: (i64, i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .fetch_one(&pool)
                .await
                .expect(cond);
            row
        }
    };
    let pending = open_by_grid_worker("w.state = 'pending' AND w.accept_due_at > $1").await;
    assert!(
        pending.0 >= 3,
        "pending orders waiting for grid workers: {pending:?}"
    );
    let working = open_by_grid_worker("w.state = 'in_progress' AND w.resolve_due_at > $1").await;
    assert!(working.0 >= 3, "in progress: {working:?}");
    let overdue = open_by_grid_worker(
        "w.state IN ('accepted', 'in_progress') AND w.resolve_due_at <= $1
         AND w.supervised = 1 AND w.escalated_resolve = 1 AND w.supervisor_user_id IS NOT NULL",
    )
    .await;
    assert!(overdue.0 >= 1, "overdue and escalated (督办): {overdue:?}");
    let not_escalated = count_at(
        &pool,
        "SELECT COUNT(*) FROM work_orders WHERE state IN ('pending', 'accepted', 'in_progress', 'returned')
           AND resolve_due_at <= $1 AND escalated_resolve = 0",
        now - 120_000,
    )
    .await;
    assert_eq!(not_escalated, 0, "every overdue order is escalated");
    let all_open = open_by_grid_worker(
        "w.state IN ('pending', 'accepted', 'in_progress', 'returned') AND $1 = $1",
    )
    .await;
    assert!(
        all_open.1 >= 5 && all_open.2 >= 5,
        "open orders spread over grids and their workers: {all_open:?}"
    );
    let filed_today = count_at(
        &pool,
        "SELECT COUNT(*) FROM work_orders WHERE created_at >= $1",
        demo_day_start_ms().min(now - 3_600_000),
    )
    .await;
    assert!(
        filed_today >= 3,
        "the feed has today's orders: {filed_today}"
    );

    // The grid worker the demo prints has work on their phone page.
    let worker = printed
        .lines()
        .find_map(|l| l.split("grid worker:").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no grid worker printed:\n{printed}"));
    let theirs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM work_orders w JOIN users u ON u.id = w.owner_user_id
         WHERE u.username = $1 AND w.state IN ('pending', 'accepted', 'in_progress', 'returned')",
    )
    .bind(worker)
    .fetch_one(&pool)
    .await
    .expect("theirs");
    assert!(theirs >= 2, "{worker} holds {theirs} open orders");
}

#[tokio::test]
async fn counters_match_a_recount_and_every_trail_verifies() {
    let dir = street_20k();
    let pool = open(dir).await;
    let orders = count(&pool, "SELECT COUNT(*) FROM work_orders").await;
    assert!(orders >= 2_000, "{orders} orders");
    let counters: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT region_id, state, n FROM order_counts WHERE n <> 0 ORDER BY region_id, state",
    )
    .fetch_all(&pool)
    .await
    .expect("counters");
    let recount: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT region_id, state, COUNT(*) FROM work_orders GROUP BY region_id, state ORDER BY region_id, state",
    )
    .fetch_all(&pool)
    .await
    .expect("recount");
    assert_eq!(counters, recount, "order_counts against the orders");
    let loads: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT user_id, open_orders FROM user_loads WHERE open_orders <> 0 ORDER BY user_id",
    )
    .fetch_all(&pool)
    .await
    .expect("loads");
    let held: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT owner_user_id, COUNT(*) FROM work_orders
         WHERE owner_user_id IS NOT NULL AND state IN ('pending', 'accepted', 'in_progress', 'returned')
         GROUP BY owner_user_id ORDER BY owner_user_id",
    )
    .fetch_all(&pool)
    .await
    .expect("held");
    assert_eq!(loads, held, "user_loads against the open orders");
    assert!(!held.is_empty());

    // Every trail starts with its filing and ends in the order's state.
    let astray = count(
        &pool,
        "SELECT COUNT(*) FROM work_orders w
         WHERE (SELECT e.to_state FROM order_events e WHERE e.order_id = w.id ORDER BY e.seq DESC LIMIT 1)
               IS NOT w.state
            OR NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = w.id AND e.seq = 1 AND e.action = 'create')",
    )
    .await;
    assert_eq!(astray, 0, "trails that do not end where their order stands");
    pool.close().await;

    let out = Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(["audit", "verify", "--database-url"])
        .arg(format!("sqlite://{}", dir.join("shequ.db").display()))
        .env("SHEQU_LOG", "warn")
        .output()
        .expect("audit verify");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "audit verify: {text}");
    assert!(
        text.contains(&format!("trail intact: {orders} orders")),
        "{text}"
    );
}

#[tokio::test]
async fn todays_welfare_alerts_became_orders_for_the_grid_workers() {
    let pool = open(street_20k()).await;
    let alerts: Vec<(i64, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT a.id, a.person_id, a.raised_at, a.order_id FROM alerts a
         WHERE a.kind = 'inactivity' AND a.raised_at >= $1",
    )
    .bind(demo_day_start_ms())
    .fetch_all(&pool)
    .await
    .expect("alerts");
    assert!(!alerts.is_empty(), "no welfare alert today");
    for (id, person, raised_at, order) in alerts {
        let order = order.unwrap_or_else(|| panic!("alert {id} has no order"));
        let (category, subject, role): (String, Option<i64>, String) = sqlx::query_as(
            "SELECT w.category_code, w.subject_person_id, u.role FROM work_orders w
             JOIN users u ON u.id = w.owner_user_id WHERE w.id = $1",
        )
        .bind(order)
        .fetch_one(&pool)
        .await
        .expect("the alert's order");
        assert_eq!(category, "elderly_care", "alert {id}");
        assert_eq!(subject, Some(person), "alert {id}");
        assert_eq!(role, "grid_worker", "alert {id} goes to the grid worker");
        let tagged: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM person_tags WHERE person_id = $1 AND tag = 'elderly_living_alone'",
        )
        .bind(person)
        .fetch_one(&pool)
        .await
        .expect("tag");
        assert_eq!(tagged, 1, "alert {id} is about an elder living alone");
        let last_pass: Option<i64> =
            sqlx::query_scalar("SELECT MAX(at) FROM door_events WHERE person_id = $1")
                .bind(person)
                .fetch_one(&pool)
                .await
                .expect("last pass");
        assert!(
            last_pass.is_none_or(|at| at <= raised_at - 2 * DAY_MS),
            "alert {id}: the resident passed a door at {last_pass:?}, less than two days before {raised_at}"
        );
    }
}

/// Kills a demo server when the test ends, however it ends.
struct Serving(std::process::Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Serves the demo in `dir` on a free port; returns once it listens.
fn serve_demo(dir: &Path, extra: &[&str]) -> Serving {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_shequ"))
        .arg("demo")
        .arg("--data-dir")
        .arg(dir)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .env_remove("SHEQU_DEMO_ADMIN_PASSWORD")
        .env("SHEQU_LOG", "warn")
        .env("SHEQU__MQTT_ENABLED", "false")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start shequ demo");
    let stdout = child.stdout.take().expect("stdout");
    let serving = Serving(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("Open:") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(std::time::Duration::from_secs(120))
        .expect("shequ demo did not start serving within 120 s");
    serving
}

#[tokio::test(flavor = "multi_thread")]
async fn the_live_stream_files_public_complaints_and_no_simulate_stops_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("live");
    demo(
        &dir,
        &[
            "--residents",
            "2000",
            "--seed",
            "4",
            "--admin-password",
            PASSWORD,
        ],
    );
    let pool = open(&dir).await;
    let public_since = "SELECT COUNT(*) FROM work_orders w WHERE w.source = 'public' AND w.created_at >= $1
        AND EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = w.id AND e.seq = 1 AND e.actor = 'reporter')";
    let doors_since = "SELECT COUNT(*) FROM door_events WHERE received_at >= $1";

    // One complaint a second, so a few arrive within seconds.
    let started = now_ms();
    let server = serve_demo(&dir, &["--complaints-per-hour", "3600"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut filed = 0;
    while std::time::Instant::now() < deadline {
        filed = count_at(&pool, public_since, started).await;
        if filed >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(
        filed >= 3,
        "the live stream filed {filed} complaints in 60 s"
    );
    assert!(
        count_at(&pool, doors_since, started).await > 0,
        "the door simulator runs beside it"
    );
    drop(server);

    let started = now_ms();
    let server = serve_demo(&dir, &["--no-simulate", "--complaints-per-hour", "3600"]);
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert_eq!(
        count_at(&pool, public_since, started).await,
        0,
        "--no-simulate stops the complaints"
    );
    assert_eq!(
        count_at(&pool, doors_since, started).await,
        0,
        "--no-simulate stops the doors"
    );
    drop(server);
}

#[tokio::test]
async fn the_party_organisation_covers_the_street_with_its_gaps() {
    let pool = open(street_20k()).await;
    let today = chrono::DateTime::from_timestamp_millis(street_20k_generated().2)
        .expect("a moment in range")
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let day = |days_ago: u64| (today - chrono::Days::new(days_ago)).to_string();
    let on = |sql: &'static str, d: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(d)
                .fetch_one(&pool)
                .await
                .expect(sql)
        }
    };
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM party_orgs WHERE kind = 'street_working_committee'"
        )
        .await,
        1
    );
    let neighbourhoods = count(
        &pool,
        "SELECT COUNT(*) FROM regions WHERE kind = 'neighbourhood'",
    )
    .await;
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(DISTINCT o.region_id) FROM party_orgs o JOIN regions r ON r.id = o.region_id
             WHERE o.kind = 'neighbourhood_general_branch' AND r.kind = 'neighbourhood'"
        )
        .await,
        neighbourhoods,
        "a 党总支 in every neighbourhood"
    );
    let branches = count(
        &pool,
        "SELECT COUNT(*) FROM party_orgs c JOIN party_orgs p ON p.id = c.parent_id
         WHERE p.kind = 'neighbourhood_general_branch'",
    )
    .await;
    assert!(
        (2 * neighbourhoods..=4 * neighbourhoods).contains(&branches),
        "{branches} branches under {neighbourhoods} 党总支"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM party_orgs WHERE kind = 'mobile_members_branch'"
        )
        .await,
        1
    );

    // About 4 % of adults are members; some probationary, some overdue,
    // some mobile, some working in an office building of the street.
    let adults = on(
        "SELECT COUNT(*) FROM people WHERE birth_date <= $1 AND residency <> 'non_resident'",
        day(18 * 366),
    )
    .await;
    let members = count(
        &pool,
        "SELECT COUNT(*) FROM party_memberships m JOIN people p ON p.id = m.person_id
         WHERE m.to_day IS NULL AND p.residency <> 'non_resident'",
    )
    .await;
    let share = members as f64 / adults as f64;
    assert!(
        (0.03..0.05).contains(&share),
        "{members} members of {adults} adults"
    );
    assert!(
        count(
            &pool,
            "SELECT COUNT(*) FROM party_members WHERE probation_end IS NOT NULL"
        )
        .await
            > 0
    );
    assert!(
        on(
            "SELECT COUNT(*) FROM party_members WHERE probation_end < $1",
            day(0)
        )
        .await
            > 0,
        "some conversions are overdue"
    );
    assert!(count(&pool, "SELECT COUNT(*) FROM party_members WHERE mobile = 1").await > 0);
    assert!(
        count(
            &pool,
            "SELECT COUNT(*) FROM party_members m JOIN places p ON p.name = m.unit
             WHERE p.kind = 'office_building'"
        )
        .await
            > 0,
        "members_working_at finds some"
    );
    // Members who live elsewhere, with their workplace of the street as
    // their unit: in its organisation, or the mobile members' branch.
    let from_elsewhere = count(
        &pool,
        "SELECT COUNT(*) FROM party_members m JOIN people p ON p.id = m.person_id
         JOIN places w ON w.name = m.unit WHERE p.residency = 'non_resident'",
    )
    .await;
    assert!(from_elsewhere > 5, "{from_elsewhere} non-resident members");

    // Every 党总支 and branch with full members has a secretary; a few
    // committees are past their term.
    let secretaries = count(
        &pool,
        "SELECT COUNT(DISTINCT org_id) FROM party_committee_seats WHERE role = 'secretary'",
    )
    .await;
    assert!(
        secretaries >= neighbourhoods + branches * 9 / 10,
        "{secretaries} secretaries"
    );
    assert!(
        on(
            "SELECT COUNT(DISTINCT org_id) FROM party_committee_seats WHERE term_end <= $1",
            day(0)
        )
        .await
            > 0,
        "some committees are due for election"
    );

    // New-sector places: covered by their own organisation, by a joint
    // branch, by an instructor only, or not at all.
    let covers: Vec<String> = strings(
        &pool,
        "SELECT CASE
            WHEN EXISTS (SELECT 1 FROM party_org_places c JOIN party_orgs o ON o.id = c.org_id
                         WHERE c.place_id = p.id AND o.kind <> 'joint_branch') THEN 'own'
            WHEN EXISTS (SELECT 1 FROM party_org_places c WHERE c.place_id = p.id) THEN 'joint'
            WHEN EXISTS (SELECT 1 FROM party_instructors i WHERE i.place_id = p.id) THEN 'instructor'
            ELSE 'gap' END
         FROM places p WHERE p.kind IN ('office_building', 'park', 'business_district', 'market',
                                        'enterprise', 'construction_site')",
    )
    .await;
    let n = |c: &str| covers.iter().filter(|x| *x == c).count();
    for c in ["own", "joint", "instructor", "gap"] {
        assert!(n(c) > 0, "no {c} places among {covers:?}");
    }
    let gap_share = n("gap") as f64 / covers.len() as f64;
    assert!(
        (0.05..0.3).contains(&gap_share),
        "{} gaps of {}",
        n("gap"),
        covers.len()
    );
    let joint_branches = count(
        &pool,
        "SELECT COUNT(*) FROM party_orgs WHERE kind = 'joint_branch'",
    )
    .await;
    assert!(
        (2..=3).contains(&joint_branches),
        "{joint_branches} joint branches"
    );

    // Double registration: members registered with their neighbourhood,
    // most with service this half-year, some without any since.
    let registered = count(&pool, "SELECT COUNT(*) FROM party_registrations").await;
    assert!(registered >= 10, "{registered} registrations");
    let served = on(
        "SELECT COUNT(DISTINCT registration_id) FROM party_service_records WHERE day >= $1",
        day(180),
    )
    .await;
    assert!(
        served * 2 > registered && served < registered,
        "{served} of {registered} registrations served in the last 180 days"
    );

    // Transfers: a few open, one unanswered for more than 30 days; some done.
    assert!(
        on(
            "SELECT COUNT(*) FROM party_transfers WHERE state IN ('requested', 'accepted') AND requested_on < $1",
            day(30)
        )
        .await
            >= 1
    );
    let open = count(
        &pool,
        "SELECT COUNT(*) FROM party_transfers WHERE state IN ('requested', 'accepted')",
    )
    .await;
    assert!((2..=3).contains(&open), "{open} open transfers");
    assert!(
        count(
            &pool,
            "SELECT COUNT(*) FROM party_transfers WHERE state = 'completed'"
        )
        .await
            > 0
    );
    pool.close().await;
}

#[tokio::test]
async fn two_joint_meetings_have_decisions_done_under_way_overdue_and_just_filed() {
    let pool = open(street_20k()).await;
    let generated = street_20k_generated().2;
    let levels = strings(&pool, "SELECT level FROM party_meetings ORDER BY level").await;
    assert_eq!(levels, ["neighbourhood", "street"]);
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM party_meetings c JOIN party_meetings p ON p.id = c.parent_id
             WHERE c.level = 'neighbourhood' AND p.level = 'street'"
        )
        .await,
        1,
        "the neighbourhood's meeting sends representatives to the street's"
    );
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM party_meeting_sessions").await,
        3
    );
    // Every decision became an order of source meeting naming it.
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM party_meeting_decisions d JOIN work_orders o ON o.id = d.order_id
             WHERE o.source = 'meeting' AND o.external_id = 'meeting-decision:' || d.id"
        )
        .await,
        count(&pool, "SELECT COUNT(*) FROM party_meeting_decisions").await
    );
    let states = strings(
        &pool,
        "SELECT o.state FROM party_meeting_decisions d JOIN work_orders o ON o.id = d.order_id ORDER BY o.state",
    )
    .await;
    // The street's first decision, resolved a month ago, has closed since
    // its rating window ended.
    assert_eq!(
        states,
        [
            "closed",
            "in_progress",
            "in_progress",
            "in_progress",
            "pending",
            "resolved"
        ],
        "{states:?}"
    );
    // The late one was escalated (督办) when it fell due.
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM party_meeting_decisions d JOIN work_orders o ON o.id = d.order_id
             WHERE o.state = 'in_progress' AND o.escalated_resolve = 1"
        )
        .await,
        1
    );
    // One under way is past its due day (measured at generation, so the
    // test does not depend on when it runs).
    let overdue: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM party_meeting_decisions d JOIN work_orders o ON o.id = d.order_id
         WHERE o.state = 'in_progress' AND o.resolve_due_at < $1",
    )
    .bind(generated)
    .fetch_one(&pool)
    .await
    .expect("overdue");
    assert_eq!(overdue, 1);
    // The neighbourhood's decisions at a building went to its grid worker.
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM party_meeting_decisions d JOIN work_orders o ON o.id = d.order_id
             JOIN users u ON u.id = o.owner_user_id
             WHERE d.place_id IS NOT NULL AND u.role <> 'grid_worker'"
        )
        .await,
        0
    );
    pool.close().await;
}
