//! Writing a planned street to the store with the bulk upserts, in
//! batches of a few thousand rows, resolving database ids on the way.

use std::collections::HashMap;

use anyhow::Context;
use shequ_domain::RegionPath;
use shequ_store::Scope;
use shequ_store::accounts::NewUser;
use shequ_store::people::{NewHousehold, NewPerson};
use shequ_store::places::NewPlace;
use shequ_store::{Store, StoreError};

use super::generate::Plan;
use super::street::STREET_CODE;

/// Rows per upsert: big enough to amortise a transaction, small enough
/// to keep each JSON parameter to a megabyte or two.
const BATCH: usize = 5_000;

/// The database ids of what [`write`] stored, for the work that follows.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// Region code → (id, path), for the street's subtree.
    pub regions: HashMap<String, (i64, String)>,
    /// Ids of the residential buildings, in plan order.
    pub buildings: Vec<i64>,
    /// Username → id of every account.
    pub users: HashMap<String, i64>,
}

/// Stores the plan; every account gets `password_hash`.
pub async fn write(store: &Store, plan: &Plan, password_hash: &str) -> anyhow::Result<Written> {
    let regions = plan.street.regions()?;
    for (row, outcome) in regions.iter().zip(store.upsert_regions(&regions).await?) {
        outcome.with_context(|| format!("while storing region {} {}", row.code, row.name))?;
    }
    let street = store
        .region_by_code(STREET_CODE)
        .await?
        .context("the street region is missing right after it was stored")?;
    let street_path = RegionPath::parse(&street.region.path)?;
    let region_ids: HashMap<String, (i64, String)> = store
        .regions_in(&Scope::under(&street_path))
        .await?
        .into_iter()
        .map(|r| (r.code, (r.id, r.path)))
        .collect();
    let grid_refs: Vec<&(i64, String)> = plan
        .street
        .grids
        .iter()
        .map(|g| {
            region_ids
                .get(&g.code)
                .context("a grid is missing after it was stored")
        })
        .collect::<anyhow::Result<_>>()?;

    let places: Vec<NewPlace> = plan
        .places
        .iter()
        .map(|p| NewPlace {
            code: p.code.clone(),
            name: p.name.clone(),
            kind: p.kind,
            facility_type: p.facility,
            region_id: grid_refs[p.grid].0,
            region_path: grid_refs[p.grid].1.clone(),
            lon: p.point.lon,
            lat: p.point.lat,
            address: p.address.clone(),
            built_year: p.built_year,
            floors: p.floors,
        })
        .collect();
    for chunk in places.chunks(BATCH) {
        store
            .upsert_places(chunk)
            .await
            .context("while storing places")?;
    }
    let mut building_ids = Vec::with_capacity(plan.buildings);
    for chunk in plan.places[..plan.buildings].chunks(BATCH) {
        let codes: Vec<&str> = chunk.iter().map(|p| p.code.as_str()).collect();
        let refs = store.place_refs(&codes).await?;
        for code in codes {
            building_ids.push(
                refs.get(code)
                    .context("a building is missing after it was stored")?
                    .id,
            );
        }
    }

    let mut household_ids = Vec::with_capacity(plan.households.len());
    for chunk in plan.households.chunks(BATCH) {
        let rows: Vec<NewHousehold> = chunk
            .iter()
            .map(|h| {
                let grid = grid_refs[plan.places[h.building].grid];
                NewHousehold {
                    code: h.code.clone(),
                    building_id: building_ids[h.building],
                    region_id: grid.0,
                    region_path: grid.1.clone(),
                    room: h.room.clone(),
                }
            })
            .collect();
        let (_, ids) = store
            .upsert_households(&rows)
            .await
            .context("while storing households")?;
        for h in chunk {
            household_ids.push(
                *ids.get(&h.code)
                    .context("a household is missing after it was stored")?,
            );
        }
    }

    for chunk in plan.people.chunks(BATCH) {
        let rows: Vec<NewPerson> = chunk
            .iter()
            .map(|p| {
                let grid = grid_refs[plan.places[plan.households[p.household].building].grid];
                NewPerson {
                    identity_number: p.identity_number.clone(),
                    name: p.name.clone(),
                    gender: p.gender.as_str(),
                    birth_date: p.birth_date.format("%Y-%m-%d").to_string(),
                    phone: p.phone.clone(),
                    residency: p.residency.as_str(),
                    care_tags: p.care_tags.clone(),
                    household_id: Some(household_ids[p.household]),
                    region_id: grid.0,
                    region_path: grid.1.clone(),
                }
            })
            .collect();
        store
            .upsert_people(&rows)
            .await
            .context("while storing residents")?;
    }
    // The people who only work here: in the grid of their workplace.
    let rows: Vec<NewPerson> = plan
        .workers
        .iter()
        .map(|w| {
            let grid = grid_refs[plan.places[w.place].grid];
            NewPerson {
                identity_number: w.identity_number.clone(),
                name: w.name.clone(),
                gender: w.gender.as_str(),
                birth_date: w.birth_date.format("%Y-%m-%d").to_string(),
                phone: w.phone.clone(),
                residency: shequ_domain::Residency::NonResident.as_str(),
                care_tags: String::new(),
                household_id: None,
                region_id: grid.0,
                region_path: grid.1.clone(),
            }
        })
        .collect();
    for chunk in rows.chunks(BATCH) {
        store
            .upsert_people(chunk)
            .await
            .context("while storing the people who work in the street")?;
    }

    // Door controllers at every residential building (a second entrance
    // on every third) and a card for every resident, for door events.
    let now = shequ_store::now_ms();
    store
        .create_building_doors(now)
        .await
        .context("while registering door controllers")?;
    store
        .issue_resident_cards(now)
        .await
        .context("while issuing door cards")?;

    let mut users = HashMap::with_capacity(plan.staff.len());
    for s in &plan.staff {
        let region_id = match region_ids.get(&s.region_code) {
            Some((id, _)) => *id,
            // The city and district lie above the street's subtree.
            None => {
                store
                    .region_by_code(&s.region_code)
                    .await?
                    .with_context(|| format!("region {} is missing", s.region_code))?
                    .region
                    .id
            }
        };
        let user = NewUser {
            username: s.username.clone(),
            display_name: s.display_name.clone(),
            password_hash: password_hash.to_owned(),
            role: s.role,
            region_id,
            phone: Some(s.phone.clone()),
        };
        let id = store.create_user(&user).await.map_err(|e| match e {
            StoreError::Conflict { .. } => anyhow::anyhow!(
                "the user {:?} already exists: this database already holds a demo street",
                s.username
            ),
            other => anyhow::Error::new(other).context("while creating the demo accounts"),
        })?;
        users.insert(s.username.clone(), id);
    }
    Ok(Written {
        regions: region_ids,
        buildings: building_ids,
        users,
    })
}
