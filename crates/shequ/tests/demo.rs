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
    let pool = open(&a).await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM people").await, 3000);
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

/// A 20,000-resident street, generated once for the tests that read it.
fn street_20k() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Under the target directory, so repeated runs do not litter /tmp.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-street-20k");
        let _ = std::fs::remove_dir_all(&dir);
        demo(
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
        dir
    })
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
    let residents = count(&pool, "SELECT COUNT(*) FROM people").await;
    assert_eq!(residents, 20_000);
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
         WHERE h.id IS NULL OR h.region_id <> p.region_id",
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
