//! A small street for page and browser tests, loaded through the store
//! API: city → district → street → neighbourhoods A and B → grids, one
//! residential building per grid, a market, households, residents with
//! care tags, and one user per role that matters to the pages.
//!
//! Shared by `shequ-server/tests/pages.rs` and `shequ/tests/browser.rs`
//! (included there with `#[path]`).

#![allow(dead_code)]

use std::collections::HashMap;

use shequ_domain::{IdentityNumber, PlaceKind, RegionCode, RegionKind, Role};
use shequ_server::app::auth::password::hash_password;
use shequ_store::Store;
use shequ_store::accounts::NewUser;
use shequ_store::people::{NewHousehold, NewPerson};
use shequ_store::places::NewPlace;
use shequ_store::regions::NewRegion;

/// Every seeded user has this password.
pub const PASSWORD: &str = "correct-horse-9";

pub const PATH_A1: &str = "/310000/310104/310104011/310104011001/31010401100101/";
pub const PATH_A2: &str = "/310000/310104/310104011/310104011001/31010401100102/";
pub const PATH_B1: &str = "/310000/310104/310104011/310104011002/31010401100201/";

/// What tests need to know about the seeded street.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// A resident of neighbourhood A (grid A1), 80+ and living alone.
    pub person_a: i64,
    /// A resident of neighbourhood B.
    pub person_b: i64,
    pub household_a: i64,
    pub building_a: i64,
    /// Every full identity number and phone stored, to check masking.
    pub full_numbers: Vec<String>,
    /// The full identity number and phone of `person_a`.
    pub person_a_id_number: String,
    pub person_a_phone: String,
}

/// A rectangle as a GeoJSON polygon (lon/lat, closed ring).
fn rect(w: f64, s: f64, e: f64, n: f64) -> String {
    format!(
        "{{\"type\":\"Polygon\",\"coordinates\":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}"
    )
}

fn region(
    c: &str,
    name: &str,
    kind: RegionKind,
    parent: Option<&str>,
    shape: Option<String>,
) -> NewRegion {
    NewRegion {
        code: RegionCode::parse(c).expect("code"),
        name: name.to_owned(),
        kind,
        parent_code: parent.map(|p| RegionCode::parse(p).expect("code")),
        polygon: shape,
        center: None,
    }
}

fn regions() -> Vec<NewRegion> {
    use RegionKind::*;
    vec![
        region("310000", "上海市", City, None, None),
        region("310104", "徐汇区", District, Some("310000"), None),
        region(
            "310104011",
            "田林街道",
            Street,
            Some("310104"),
            Some(rect(121.42, 31.16, 121.45, 31.18)),
        ),
        region(
            "310104011001",
            "田林一村",
            Neighbourhood,
            Some("310104011"),
            Some(rect(121.42, 31.16, 121.435, 31.18)),
        ),
        region(
            "310104011002",
            "田林二村",
            Neighbourhood,
            Some("310104011"),
            Some(rect(121.435, 31.16, 121.45, 31.18)),
        ),
        region(
            "31010401100101",
            "一村第1网格",
            Grid,
            Some("310104011001"),
            Some(rect(121.42, 31.17, 121.435, 31.18)),
        ),
        region(
            "31010401100102",
            "一村第2网格",
            Grid,
            Some("310104011001"),
            Some(rect(121.42, 31.16, 121.435, 31.17)),
        ),
        region(
            "31010401100201",
            "二村第1网格",
            Grid,
            Some("310104011002"),
            Some(rect(121.435, 31.16, 121.45, 31.18)),
        ),
    ]
}

async fn region_id(store: &Store, code: &str) -> i64 {
    store
        .region_by_code(code)
        .await
        .expect("query region")
        .expect("region exists")
        .region
        .id
}

/// Where a resident lives: household, grid id and grid path.
type Home<'a> = (i64, i64, &'a str);

fn person(
    body: &str,
    name: &str,
    phone: &str,
    residency: &'static str,
    tags: &str,
    (household, region_id, path): Home<'_>,
) -> NewPerson {
    let number = IdentityNumber::from_body(body).expect("valid body");
    NewPerson {
        identity_number: number.expose().to_owned(),
        name: name.to_owned(),
        gender: number.gender().as_str(),
        birth_date: number.birth_date().to_string(),
        phone: Some(phone.to_owned()),
        residency,
        care_tags: tags.to_owned(),
        household_id: Some(household),
        region_id,
        region_path: path.to_owned(),
    }
}

/// Loads the street and its users into `store`.
pub async fn seed(store: &Store) -> Seeded {
    for outcome in store.upsert_regions(&regions()).await.expect("regions") {
        outcome.expect("region accepted");
    }
    let a1 = region_id(store, "31010401100101").await;
    let a2 = region_id(store, "31010401100102").await;
    let b1 = region_id(store, "31010401100201").await;
    let place = |code: &str, name: &str, kind, region_id, path: &str| NewPlace {
        code: code.to_owned(),
        name: name.to_owned(),
        kind,
        facility_type: None,
        region_id,
        region_path: path.to_owned(),
        lon: 121.43,
        lat: 31.17,
        address: format!(
            "田林路{}弄",
            100 + code.bytes().map(u32::from).sum::<u32>() % 300
        ),
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
                "B-A2-1",
                "田林一村7号楼",
                PlaceKind::ResidentialBuilding,
                a2,
                PATH_A2,
            ),
            place(
                "B-B1-1",
                "田林二村3号楼",
                PlaceKind::ResidentialBuilding,
                b1,
                PATH_B1,
            ),
            place("M-A1", "田林菜场", PlaceKind::Market, a1, PATH_A1),
        ])
        .await
        .expect("places");
    let refs = store
        .place_refs(&["B-A1-1", "B-A2-1", "B-B1-1"])
        .await
        .expect("place refs");
    let hh = |code: &str, building: &str, region_id, path: &str, room: &str| NewHousehold {
        code: code.to_owned(),
        building_id: refs[building].id,
        region_id,
        region_path: path.to_owned(),
        room: room.to_owned(),
    };
    let (_, households): (_, HashMap<String, i64>) = store
        .upsert_households(&[
            hh("H-A-101", "B-A1-1", a1, PATH_A1, "101"),
            hh("H-A-502", "B-A2-1", a2, PATH_A2, "502"),
            hh("H-B-201", "B-B1-1", b1, PATH_B1, "201"),
        ])
        .await
        .expect("households");
    let (ha, ha2, hb) = (
        households["H-A-101"],
        households["H-A-502"],
        households["H-B-201"],
    );
    let people = vec![
        person(
            "31010419400101001",
            "王秀英",
            "13912345678",
            "registered",
            "elderly_living_alone",
            (ha, a1, PATH_A1),
        ),
        person(
            "31010419800202002",
            "王建国",
            "13800001111",
            "registered",
            "",
            (ha2, a2, PATH_A2),
        ),
        person(
            "51010219900303003",
            "李娜",
            "13700002222",
            "migrant",
            "low_income",
            (ha2, a2, PATH_A2),
        ),
        person(
            "34010119850404004",
            "王芳",
            "13600003333",
            "migrant",
            "",
            (hb, b1, PATH_B1),
        ),
        person(
            "34010119420505005",
            "张桂兰",
            "13500004444",
            "registered",
            "disabled,elderly_living_alone",
            (hb, b1, PATH_B1),
        ),
    ];
    let mut full_numbers = Vec::new();
    for p in &people {
        full_numbers.push(p.identity_number.clone());
        full_numbers.extend(p.phone.clone());
    }
    let (person_a_id_number, person_a_phone) = (
        people[0].identity_number.clone(),
        people[0].phone.clone().unwrap_or_default(),
    );
    store.upsert_people(&people).await.expect("people");

    // One hash for every user: argon2 is slow in debug builds.
    let phc = hash_password(PASSWORD).expect("hash");
    let users = [
        ("admin", "管理员", Role::Admin, "310104011"),
        (
            "sec_a",
            "李书记",
            Role::NeighbourhoodSecretary,
            "310104011001",
        ),
        ("grid_a1", "赵网格员", Role::GridWorker, "31010401100101"),
        ("organiser", "组织部干部", Role::DistrictOrganiser, "310104"),
    ];
    for (username, display, role, region) in users {
        store
            .create_user(&NewUser {
                username: username.to_owned(),
                display_name: display.to_owned(),
                password_hash: phc.clone(),
                role,
                region_id: region_id(store, region).await,
                phone: None,
            })
            .await
            .expect("user");
    }

    let find = |path: &'static str, name: &'static str| async move {
        let scope =
            shequ_store::Scope::under(&shequ_domain::RegionPath::parse(path).expect("path"));
        store
            .search_people(
                &scope,
                &shequ_store::people::PeopleQuery {
                    name_prefix: Some(name.to_owned()),
                    ..Default::default()
                },
                shequ_store::Paging::new(None, None),
            )
            .await
            .expect("search")
            .items[0]
            .id
    };
    Seeded {
        person_a: find(PATH_A1, "王秀英").await,
        person_b: find(PATH_B1, "王芳").await,
        household_a: ha,
        building_a: refs["B-A1-1"].id,
        full_numbers,
        person_a_id_number,
        person_a_phone,
    }
}
