//! Test harness: run one story against SQLite always, and against
//! PostgreSQL when `SHEQU_TEST_POSTGRES_URL` is set (each test in a fresh
//! schema, dropped afterwards).

#![allow(dead_code)]

use shequ_domain::{PlaceKind, RegionCode, RegionKind};
use shequ_store::Store;
use shequ_store::people::{NewHousehold, NewPerson};
use shequ_store::places::NewPlace;
use shequ_store::regions::NewRegion;

/// An open store and what must live as long as it.
pub struct TestDb {
    pub store: Store,
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((url, schema)) = self.pg_schema {
            Store::drop_postgres_schema(&url, &schema)
                .await
                .expect("drop test schema");
        }
    }
}

/// A fresh SQLite store, and a fresh PostgreSQL one when configured.
pub async fn backends() -> Vec<TestDb> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = Store::open(&url).await.expect("open sqlite");
    let mut out = vec![TestDb {
        store,
        label: "sqlite",
        _dir: Some(dir),
        pg_schema: None,
    }];
    match std::env::var("SHEQU_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!("t_{:016x}", rand::random::<u64>());
            let store = Store::connect_postgres_schema(&url, &schema)
                .await
                .expect("SHEQU_TEST_POSTGRES_URL is set but PostgreSQL is not reachable");
            store.migrate().await.expect("migrate postgres");
            out.push(TestDb {
                store,
                label: "postgres",
                _dir: None,
                pg_schema: Some((url, schema)),
            });
        }
        _ => eprintln!("SHEQU_TEST_POSTGRES_URL is not set: PostgreSQL skipped, SQLite only"),
    }
    out
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("code")
}

pub fn region(c: &str, name: &str, kind: RegionKind, parent: Option<&str>) -> NewRegion {
    NewRegion {
        code: code(c),
        name: name.to_owned(),
        kind,
        parent_code: parent.map(code),
        polygon: None,
        center: None,
    }
}

/// City → district → street → neighbourhoods A, B → grids A1, A2, B1.
pub fn street_regions() -> Vec<NewRegion> {
    use RegionKind::*;
    vec![
        region("310000", "上海市", City, None),
        region("310104", "徐汇区", District, Some("310000")),
        region("310104011", "田林街道", Street, Some("310104")),
        region("310104011001", "田林一村", Neighbourhood, Some("310104011")),
        region("310104011002", "田林二村", Neighbourhood, Some("310104011")),
        region("31010401100101", "一村第1网格", Grid, Some("310104011001")),
        region("31010401100102", "一村第2网格", Grid, Some("310104011001")),
        region("31010401100201", "二村第1网格", Grid, Some("310104011002")),
    ]
}

pub const PATH_A: &str = "/310000/310104/310104011/310104011001/";
pub const PATH_B: &str = "/310000/310104/310104011/310104011002/";
pub const PATH_A1: &str = "/310000/310104/310104011/310104011001/31010401100101/";
pub const PATH_B1: &str = "/310000/310104/310104011/310104011002/31010401100201/";

/// Loads the street, two buildings (one per neighbourhood), a market, two
/// households and five residents. Returns the building ids (A1, B1).
pub async fn seed_street(store: &Store) -> (i64, i64) {
    for outcome in store
        .upsert_regions(&street_regions())
        .await
        .expect("regions")
    {
        outcome.expect("region accepted");
    }
    let a1 = store
        .region_by_code("31010401100101")
        .await
        .expect("q")
        .expect("a1")
        .region
        .id;
    let b1 = store
        .region_by_code("31010401100201")
        .await
        .expect("q")
        .expect("b1")
        .region
        .id;
    let place = |code: &str, name: &str, kind, region_id, path: &str| NewPlace {
        code: code.to_owned(),
        name: name.to_owned(),
        kind,
        facility_type: None,
        region_id,
        region_path: path.to_owned(),
        lon: 121.43,
        lat: 31.17,
        address: format!("田林路{code}号"),
        built_year: Some(1986),
        floors: Some(6),
    };
    store
        .upsert_places(&[
            place(
                "B-A1-1",
                "田林一村1号楼",
                PlaceKind::ResidentialBuilding,
                a1,
                PATH_A1,
            ),
            place(
                "B-B1-1",
                "田林二村1号楼",
                PlaceKind::ResidentialBuilding,
                b1,
                PATH_B1,
            ),
            place("M-A1", "田林菜场", PlaceKind::Market, a1, PATH_A1),
        ])
        .await
        .expect("places");
    let refs = store.place_refs(&["B-A1-1", "B-B1-1"]).await.expect("refs");
    let (ba, bb) = (refs["B-A1-1"].id, refs["B-B1-1"].id);
    let (_, households) = store
        .upsert_households(&[
            NewHousehold {
                code: "H-A-101".into(),
                building_id: ba,
                region_id: a1,
                region_path: PATH_A1.into(),
                room: "101".into(),
            },
            NewHousehold {
                code: "H-B-201".into(),
                building_id: bb,
                region_id: b1,
                region_path: PATH_B1.into(),
                room: "201".into(),
            },
        ])
        .await
        .expect("households");
    store
        .upsert_people(&people(&households, a1, b1))
        .await
        .expect("people");
    (ba, bb)
}

pub fn person(
    id: &str,
    name: &str,
    tags: &str,
    household: Option<i64>,
    region_id: i64,
    path: &str,
) -> NewPerson {
    let number = shequ_domain::IdentityNumber::from_body(id).expect("valid body");
    NewPerson {
        identity_number: number.expose().to_owned(),
        name: name.to_owned(),
        gender: number.gender().as_str(),
        birth_date: number.birth_date().to_string(),
        phone: Some("13800138000".to_owned()),
        residency: "registered",
        care_tags: tags.to_owned(),
        household_id: household,
        region_id,
        region_path: path.to_owned(),
    }
}

pub fn people(
    households: &std::collections::HashMap<String, i64>,
    a1: i64,
    b1: i64,
) -> Vec<NewPerson> {
    let ha = Some(households["H-A-101"]);
    let hb = Some(households["H-B-201"]);
    vec![
        person(
            "31010419400101001",
            "王秀英",
            "elderly_living_alone",
            ha,
            a1,
            PATH_A1,
        ),
        person("31010419800202002", "王建国", "", ha, a1, PATH_A1),
        person("31010419900303003", "李娜", "low_income", ha, a1, PATH_A1),
        person("34010119850404004", "王芳", "", hb, b1, PATH_B1),
        person(
            "34010119420505005",
            "张桂兰",
            "disabled,elderly_living_alone",
            hb,
            b1,
            PATH_B1,
        ),
    ]
}
