//! The small street: 上海市 → 徐汇区 → 田林街道 → neighbourhoods 田林一村 (A)
//! and 田林二村 (B) → their grids, with buildings, households and
//! residents, described as data and loaded by one loader ([`load`]).
//!
//! The street comes in three sizes because the tests written against each
//! assert on its exact contents (how many places lie in A, which phone a
//! resident has, how many users there are), and every test keeps its
//! assertions:
//! - [`Street::store`]: three grids (A1, A2, B1) without shapes, two
//!   buildings and a market, two households, five residents; no users.
//!   The store's tests.
//! - [`Street::http`]: two grids (A1, B1) whose shapes split the street
//!   west and east ([`IN_A`], [`IN_B`]), a building and household in each,
//!   three residents, seven users. The server's in-process HTTP tests.
//! - [`Street::pages`]: three grids with shapes, three buildings and a
//!   market, three households, five residents with their own phones, four
//!   users. The page tests, the browser and the API fuzzer.

use std::collections::HashMap;

use shequ_domain::{IdentityNumber, PlaceKind, RegionCode, RegionKind, Role};
use shequ_store::Store;
use shequ_store::people::{NewHousehold, NewPerson};
use shequ_store::places::NewPlace;
use shequ_store::regions::NewRegion;

mod sizes;

use sizes::{A1, B1};

pub const PATH_A: &str = "/310000/310104/310104011/310104011001/";
pub const PATH_B: &str = "/310000/310104/310104011/310104011002/";
pub const PATH_A1: &str = "/310000/310104/310104011/310104011001/31010401100101/";
pub const PATH_A2: &str = "/310000/310104/310104011/310104011001/31010401100102/";
pub const PATH_B1: &str = "/310000/310104/310104011/310104011002/31010401100201/";

/// A point inside grid A1 and one inside grid B1 of [`Street::http`].
pub const IN_A: (f64, f64) = (121.425, 31.17);
pub const IN_B: (f64, f64) = (121.435, 31.17);

/// A region: code, name, kind, parent, shape and centre.
#[derive(Debug, Clone)]
pub struct RegionSpec {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: RegionKind,
    pub parent: Option<&'static str>,
    /// West, south, east, north.
    pub rect: Option<(f64, f64, f64, f64)>,
    pub center: Option<(f64, f64)>,
}

/// A place in a grid.
#[derive(Debug, Clone)]
pub struct PlaceSpec {
    pub code: String,
    pub name: String,
    pub kind: PlaceKind,
    pub grid: &'static str,
    pub address: String,
    pub built_year: i32,
}

/// A household in a building (and the building's grid).
#[derive(Debug, Clone)]
pub struct HouseholdSpec {
    pub code: &'static str,
    pub building: &'static str,
    pub room: &'static str,
}

/// A resident: identity number body (the check digit is computed),
/// name, phone, residency, care tags, household.
#[derive(Debug, Clone)]
pub struct PersonSpec {
    pub id_body: &'static str,
    pub name: &'static str,
    pub phone: &'static str,
    pub residency: &'static str,
    pub tags: &'static str,
    pub household: &'static str,
}

/// A user, with [`crate::PASSWORD`] as password.
#[derive(Debug, Clone)]
pub struct UserSpec {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub region: &'static str,
    pub phone: Option<&'static str>,
}

/// A street described as data.
#[derive(Debug, Clone)]
pub struct Street {
    pub regions: Vec<RegionSpec>,
    pub places: Vec<PlaceSpec>,
    pub households: Vec<HouseholdSpec>,
    pub people: Vec<PersonSpec>,
    pub users: Vec<UserSpec>,
}

impl Street {
    /// The regions as the store takes them.
    pub fn new_regions(&self) -> Vec<NewRegion> {
        self.regions
            .iter()
            .map(|r| NewRegion {
                code: RegionCode::parse(r.code).expect("code"),
                name: r.name.to_owned(),
                kind: r.kind,
                parent_code: r.parent.map(|p| RegionCode::parse(p).expect("code")),
                polygon: r.rect.map(rect),
                center: r.center,
            })
            .collect()
    }

    /// The residents as the store takes them, given the households' and
    /// grids' ids.
    pub fn new_people(&self, households: &HashMap<String, i64>, grids: &Grids) -> Vec<NewPerson> {
        let grid_of: HashMap<&str, &str> = self
            .households
            .iter()
            .map(|h| (h.code, self.place(h.building).grid))
            .collect();
        self.people
            .iter()
            .map(|p| {
                let number = IdentityNumber::from_body(p.id_body).expect("valid body");
                let (region_id, path) = &grids[grid_of[p.household]];
                NewPerson {
                    identity_number: number.expose().to_owned(),
                    name: p.name.to_owned(),
                    gender: number.gender().as_str(),
                    birth_date: number.birth_date().to_string(),
                    phone: Some(p.phone.to_owned()),
                    residency: p.residency,
                    care_tags: p.tags.to_owned(),
                    household_id: Some(households[p.household]),
                    region_id: *region_id,
                    region_path: path.clone(),
                }
            })
            .collect()
    }

    fn place(&self, code: &str) -> &PlaceSpec {
        self.places
            .iter()
            .find(|p| p.code == code)
            .expect("the household's building is one of the street's places")
    }
}

/// The phones of [`Street::http`]'s users who get SMS in the work-order
/// tests; the others have none.
pub fn http_phone_of(username: &str) -> Option<&'static str> {
    match username {
        "grid_a" => Some("13800000001"),
        "sec_a" => Some("13800000002"),
        _ => None,
    }
}

/// A rectangle as a GeoJSON polygon (lon/lat, closed ring).
fn rect((w, s, e, n): (f64, f64, f64, f64)) -> String {
    format!(
        "{{\"type\":\"Polygon\",\"coordinates\":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}"
    )
}

/// Each grid's id and path, by code.
pub type Grids = HashMap<&'static str, (i64, String)>;

/// What [`load`] made: ids by code.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub grids: Grids,
    pub places: HashMap<String, i64>,
    pub households: HashMap<String, i64>,
    /// The residents as stored (full identity numbers and phones).
    pub people: Vec<NewPerson>,
}

/// A region's id by code.
pub async fn region_id(store: &Store, code: &str) -> i64 {
    store
        .region_by_code(code)
        .await
        .expect("query region")
        .expect("region exists")
        .region
        .id
}

/// Loads `street`'s regions, places, households and residents into
/// `store` (its users are loaded by `http::load_users`, which needs the
/// server's password hashing).
pub async fn load(store: &Store, street: &Street) -> Loaded {
    for outcome in store
        .upsert_regions(&street.new_regions())
        .await
        .expect("regions")
    {
        outcome.expect("region accepted");
    }
    let mut grids = Grids::new();
    for r in street.regions.iter().filter(|r| r.kind == RegionKind::Grid) {
        let found = store
            .region_by_code(r.code)
            .await
            .expect("query region")
            .expect("grid exists")
            .region;
        grids.insert(r.code, (found.id, found.path));
    }
    let places: Vec<NewPlace> = street
        .places
        .iter()
        .map(|p| {
            let (region_id, path) = &grids[p.grid];
            NewPlace {
                code: p.code.clone(),
                name: p.name.clone(),
                kind: p.kind,
                facility_type: None,
                region_id: *region_id,
                region_path: path.clone(),
                lon: 121.43,
                lat: 31.17,
                address: p.address.clone(),
                built_year: Some(p.built_year),
                floors: Some(6),
            }
        })
        .collect();
    store.upsert_places(&places).await.expect("places");
    let codes: Vec<&str> = street.places.iter().map(|p| p.code.as_str()).collect();
    let refs = store.place_refs(&codes).await.expect("place refs");
    let places: HashMap<String, i64> = refs.iter().map(|(k, v)| (k.clone(), v.id)).collect();
    let households: Vec<NewHousehold> = street
        .households
        .iter()
        .map(|h| {
            let (region_id, path) = &grids[street.place(h.building).grid];
            NewHousehold {
                code: h.code.to_owned(),
                building_id: places[h.building],
                region_id: *region_id,
                region_path: path.clone(),
                room: h.room.to_owned(),
            }
        })
        .collect();
    let (_, households) = store
        .upsert_households(&households)
        .await
        .expect("households");
    let people = street.new_people(&households, &grids);
    store.upsert_people(&people).await.expect("people");
    Loaded {
        grids,
        places,
        households,
        people,
    }
}

/// The regions of [`Street::store`], for tests of the region upsert.
pub fn street_regions() -> Vec<NewRegion> {
    Street::store().new_regions()
}

/// Loads [`Street::store`]; the building ids of A1 and B1.
pub async fn seed_street(store: &Store) -> (i64, i64) {
    let loaded = load(store, &Street::store()).await;
    (loaded.places["B-A1-1"], loaded.places["B-B1-1"])
}

/// A region without shape, for tests that build trees of their own.
pub fn region(code: &str, name: &str, kind: RegionKind, parent: Option<&str>) -> NewRegion {
    NewRegion {
        code: RegionCode::parse(code).expect("code"),
        name: name.to_owned(),
        kind,
        parent_code: parent.map(|p| RegionCode::parse(p).expect("code")),
        polygon: None,
        center: None,
    }
}

/// A registered resident with [`Street::store`]'s phone, for tests that
/// add residents of their own.
pub fn person(
    id_body: &str,
    name: &str,
    tags: &str,
    household: Option<i64>,
    region_id: i64,
    path: &str,
) -> NewPerson {
    let number = IdentityNumber::from_body(id_body).expect("valid body");
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

/// [`Street::store`]'s residents as the store takes them, given the
/// households' ids and grid A1's and B1's.
pub fn people(households: &HashMap<String, i64>, a1: i64, b1: i64) -> Vec<NewPerson> {
    let grids = Grids::from([
        (A1, (a1, PATH_A1.to_owned())),
        (B1, (b1, PATH_B1.to_owned())),
    ]);
    Street::store().new_people(households, &grids)
}
