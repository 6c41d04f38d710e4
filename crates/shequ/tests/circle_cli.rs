//! `shequ circle distances` as a planner runs it offline: a lane network,
//! buildings and facilities in the issue's formats; the CSV out, checked
//! against distances worked by hand; a building the network does not
//! reach falls back to the straight line and says so; bad rows named by
//! line and field while the good ones are used; bad networks refused with
//! what and where.

use std::path::Path;
use std::process::{Command, Output};

fn shequ(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shequ"))
        .current_dir(dir)
        .env("SHEQU_LOG", "warn")
        .args(args)
        .output()
        .expect("run shequ")
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write fixture");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One lane along latitude 31.17 from 121.420 to 121.430 (about 953 m),
/// and a detached lane far east.
const NETWORK: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"highway":"footway"},"geometry":{"type":"LineString","coordinates":[[121.420,31.17],[121.425,31.17],[121.430,31.17]]}},
 {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[121.440,31.17],[121.441,31.17]]}}
]}"#;

const BUILDINGS: &str = "code,lon,lat,residents
B1,121.420,31.17,120
B2,121.430,31.17,80
B3,121.441,31.17,40
B4,east,31.17,10
B5,121.425,31.17,many
";

const FACILITIES: &str = "code,type,lon,lat
C1,助餐点,121.425,31.17
M1,food_market,121.430,31.17
X1,casino,121.43,31.17
";

#[test]
fn distances_over_the_network_with_the_fallback_named() {
    let dir = tempfile::tempdir().expect("dir");
    write(dir.path(), "n.geojson", NETWORK);
    write(dir.path(), "b.csv", BUILDINGS);
    write(dir.path(), "f.csv", FACILITIES);
    let out = shequ(
        dir.path(),
        &[
            "circle",
            "distances",
            "--network",
            "n.geojson",
            "--buildings",
            "b.csv",
            "--facilities",
            "f.csv",
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "rows were refused: {stderr}");
    assert!(stderr.contains("b.csv line 5, field lon"), "{stderr}");
    assert!(stderr.contains("b.csv line 6, field residents"), "{stderr}");
    assert!(stderr.contains("f.csv line 4, field type"), "{stderr}");
    let rows: Vec<Vec<&str>> = stdout.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0], ["building", "type", "facility", "metres", "via"]);
    let find = |b: &str, t: &str| {
        rows.iter()
            .find(|r| r[0] == b && r[1] == t)
            .unwrap_or_else(|| panic!("no row {b} {t}: {stdout}"))
            .clone()
    };
    // 121.420 → 121.425 along the lane: 0.005° of longitude at 31.17° N.
    let half = 0.005_f64.to_radians() * 6_371_008.8 * 31.17_f64.to_radians().cos();
    let b1 = find("B1", "elderly_canteen");
    assert_eq!((b1[2], b1[4]), ("C1", "network"));
    let metres: f64 = b1[3].parse().expect("metres");
    assert!((metres - half).abs() <= 1.0, "{metres} vs {half}");
    assert_eq!(find("B2", "food_market")[3], "0", "at the market's door");
    let to_market: f64 = find("B1", "food_market")[3].parse().expect("metres");
    assert!(
        (to_market - 2.0 * half).abs() <= 1.0,
        "{to_market} vs {}",
        2.0 * half
    );
    // B3 is on the detached lane: no canteen reachable, so the straight
    // line times 1.3, and the row says so.
    let b3 = find("B3", "elderly_canteen");
    assert_eq!(b3[4], "straight", "{stdout}");
    let straight = 0.016_f64.to_radians() * 6_371_008.8 * 31.17_f64.to_radians().cos() * 1.3;
    assert!(
        (b3[3].parse::<f64>().expect("m") - straight).abs() <= 2.0,
        "{b3:?} vs {straight}"
    );
    assert_eq!(
        rows.len(),
        1 + 3 * 2,
        "three good buildings × two types: {stdout}"
    );
}

#[test]
fn without_a_network_every_walk_is_the_stretched_straight_line() {
    let dir = tempfile::tempdir().expect("dir");
    write(
        dir.path(),
        "b.csv",
        "code,lon,lat,residents\nB1,121.420,31.17,10\n",
    );
    write(
        dir.path(),
        "f.csv",
        "code,type,lon,lat\nK1,幼儿园,121.421,31.17\n",
    );
    let out = shequ(
        dir.path(),
        &[
            "circle",
            "distances",
            "--buildings",
            "b.csv",
            "--facilities",
            "f.csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let line = stdout.lines().nth(1).expect("a row");
    assert!(
        line.starts_with("B1,kindergarten,K1,") && line.ends_with(",straight"),
        "{line}"
    );
}

#[test]
fn bad_networks_say_what_and_where() {
    let dir = tempfile::tempdir().expect("dir");
    write(
        dir.path(),
        "b.csv",
        "code,lon,lat,residents\nB1,121.420,31.17,10\n",
    );
    write(
        dir.path(),
        "f.csv",
        "code,type,lon,lat\nK1,kindergarten,121.421,31.17\n",
    );
    let cases = [
        (
            r#"{"type":"FeatureCollection","features":[]}"#,
            "no LineString",
        ),
        (
            r#"{"type":"LineString","coordinates":[[121.42,31.17],[116.40,39.90]]}"#,
            "outside the street",
        ),
        (
            r#"{"type":"LineString","coordinates":[[121.420,31.170],[121.422,31.170],[121.422,31.172],[121.421,31.169]]}"#,
            "crosses itself at",
        ),
        ("[1, 2", "not GeoJSON"),
    ];
    for (network, says) in cases {
        write(dir.path(), "n.geojson", network);
        let out = shequ(
            dir.path(),
            &[
                "circle",
                "distances",
                "--network",
                "n.geojson",
                "--buildings",
                "b.csv",
                "--facilities",
                "f.csv",
            ],
        );
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{network}");
        assert!(stderr.contains(says), "{network}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "nothing printed for a refused network"
        );
    }
}
