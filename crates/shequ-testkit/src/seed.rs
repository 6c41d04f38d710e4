//! [`Street::pages`] with its users, for the page tests, the browser and
//! the API fuzzer: [`seed`] loads it and says what the tests need to know.

use crate::street::{self, Street};

pub use crate::PASSWORD;
pub use crate::street::{PATH_A1, PATH_A2, PATH_B1};

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

/// Loads [`Street::pages`] and its users into `store`.
pub async fn seed(store: &shequ_store::Store) -> Seeded {
    let street = Street::pages();
    let loaded = street::load(store, &street).await;
    crate::http::load_users(store, &street).await;
    let mut full_numbers = Vec::new();
    for p in &loaded.people {
        full_numbers.push(p.identity_number.clone());
        full_numbers.extend(p.phone.clone());
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
        household_a: loaded.households["H-A-101"],
        building_a: loaded.places["B-A1-1"],
        person_a_id_number: loaded.people[0].identity_number.clone(),
        person_a_phone: loaded.people[0].phone.clone().unwrap_or_default(),
        full_numbers,
    }
}
