//! The whole demo street in memory, deterministic from the seed: every
//! part draws from its own ChaCha8 stream, so adding draws to one part does
//! not reshuffle the others.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shequ_domain::Role;

use super::people::{self, PeopleGen, PersonPlan, WorkerPlan};
use super::places::{self, HouseholdPlan, PlacePlan};
use super::street::{self, CITY_CODE, DISTRICT_CODE, STREET_CODE, Street};

/// A login to create; every demo account shares the admin's password.
#[derive(Debug, Clone)]
pub struct StaffPlan {
    pub username: String,
    pub display_name: String,
    pub phone: String,
    pub role: Role,
    pub region_code: String,
    /// Name of the region, for the print-out.
    pub region_name: String,
}

/// Everything the demo stores, before any database id exists.
#[derive(Debug, Clone)]
pub struct Plan {
    pub street: Street,
    /// Residential buildings first (`buildings` of them), then the others.
    pub places: Vec<PlacePlan>,
    pub buildings: usize,
    pub households: Vec<HouseholdPlan>,
    pub people: Vec<PersonPlan>,
    /// People who work at the street's new-sector places and live
    /// elsewhere (non-residents, no household).
    pub workers: Vec<WorkerPlan>,
    pub staff: Vec<StaffPlan>,
}

pub fn stream(seed: u64, part: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(part);
    rng
}

/// Plans a street of `residents` people from `seed`.
pub fn plan(residents: usize, seed: u64) -> anyhow::Result<Plan> {
    let street = Street::generate(street::grid_target(residents), &mut stream(seed, 1));
    let count = places::building_count(residents, street.grids.len());
    let mut all_places = places::buildings(&street, count, &mut stream(seed, 2))?;
    let sizes = people::household_sizes(residents, &mut stream(seed, 3));
    let households = places::flats(&all_places, sizes.len(), &mut stream(seed, 4));
    all_places.extend(places::others(&street, residents, &mut stream(seed, 5))?);

    let mut rng = stream(seed, 6);
    let mut pg = PeopleGen::new();
    let mut residents_out = Vec::with_capacity(residents);
    for (k, &(size, alone)) in sizes.iter().enumerate() {
        residents_out.extend(pg.household(k, size, alone, &mut rng)?);
    }

    let mut rng = stream(seed, 7);
    let mut staff = Vec::new();
    let mut add =
        |username: String, role: Role, code: &str, region_name: &str, pg: &mut PeopleGen| {
            let (display_name, phone) = pg.staff_identity(&mut rng);
            staff.push(StaffPlan {
                username,
                display_name,
                phone,
                role,
                region_code: code.to_owned(),
                region_name: region_name.to_owned(),
            });
        };
    // The admin is bound to the city, the root of the tree: account and
    // token management is scoped like everything else, and the admin of
    // an installation must reach every region imported into it later.
    add("admin".into(), Role::Admin, CITY_CODE, "上海市", &mut pg);
    for k in 1..=3 {
        add(
            format!("operator{k}"),
            Role::StreetOperator,
            STREET_CODE,
            street::STREET_NAME,
            &mut pg,
        );
    }
    for k in 1..=5 {
        add(
            format!("cadre{k}"),
            Role::Cadre,
            STREET_CODE,
            street::STREET_NAME,
            &mut pg,
        );
    }
    for (k, nb) in street.neighbourhoods.iter().enumerate() {
        let name = format!("{}居民区", nb.short);
        add(
            format!("sec{:02}", k + 1),
            Role::NeighbourhoodSecretary,
            &nb.code,
            &name,
            &mut pg,
        );
    }
    for (k, g) in street.grids.iter().enumerate() {
        add(
            format!("grid{:03}", k + 1),
            Role::GridWorker,
            &g.code,
            &g.name,
            &mut pg,
        );
    }
    add(
        "organiser".into(),
        Role::DistrictOrganiser,
        DISTRICT_CODE,
        "徐汇区",
        &mut pg,
    );

    // One to six people from outside the street at each new-sector
    // place; drawn after the staff so the staff's phones stay as they were.
    let mut rng = stream(seed, 8);
    let mut workers = Vec::new();
    for (p, place) in all_places.iter().enumerate() {
        if place.kind.is_new_sector() {
            for _ in 0..rng.random_range(1..=6) {
                workers.push(pg.worker(p, &mut rng)?);
            }
        }
    }

    Ok(Plan {
        street,
        places: all_places,
        buildings: count,
        households,
        people: residents_out,
        workers,
        staff,
    })
}
