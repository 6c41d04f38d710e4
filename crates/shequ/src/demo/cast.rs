//! Who and where the demo's work orders are about, with their database
//! ids: each grid with its worker, supervisor and buildings; the command
//! centre's operators; the departments the street summons (吹哨报到); the
//! catalogue.

use std::collections::HashMap;

use anyhow::Context;
use shequ_domain::Role;
use shequ_domain::order::routing::supervisor_of;
use shequ_store::Store;
use shequ_store::orders::catalogue::Category;

use super::generate::Plan;
use super::street::STREET_CODE;
use super::write::Written;

/// A place an order can be about: a residential building.
#[derive(Debug, Clone)]
pub struct Spot {
    pub id: i64,
    /// WGS-84 (lon, lat), inside its grid.
    pub point: (f64, f64),
    pub address: String,
}

/// A grid and the people responsible for it.
#[derive(Debug, Clone)]
pub struct GridCast {
    pub region_id: i64,
    pub path: String,
    pub worker: Option<i64>,
    /// Whom the SLA worker escalates the worker's late orders to.
    pub supervisor: Option<i64>,
    pub spots: Vec<Spot>,
}

/// A department the street can summon to report in.
#[derive(Debug, Clone)]
pub struct Department {
    pub id: i64,
    pub members: Vec<i64>,
    /// Categories it is summoned for.
    pub categories: &'static [&'static str],
}

/// Everything the order generators need.
#[derive(Debug, Clone)]
pub struct Cast {
    pub street_path: String,
    pub grids: Vec<GridCast>,
    pub operators: Vec<i64>,
    pub departments: Vec<Department>,
    pub categories: HashMap<String, Category>,
    /// Every account's role, for the history's actors.
    pub roles: HashMap<i64, Role>,
}

/// The departments a Shanghai street summons most (code, name, the
/// cadre account that stands for it, categories).
const DEPARTMENTS: &[(&str, &str, &str, &[&str])] = &[
    (
        "dept-chengguan",
        "城管执法中队",
        "cadre1",
        &[
            "illegal_construction",
            "street_vending",
            "illegal_advertising",
        ],
    ),
    ("dept-market", "市场监管所", "cadre2", &["street_vending"]),
    (
        "dept-housing",
        "房管办",
        "cadre3",
        &["illegal_construction", "property_dispute"],
    ),
    (
        "dept-police",
        "派出所社区警务队",
        "cadre4",
        &["noise", "property_dispute"],
    ),
];

impl Cast {
    /// Reads the catalogue, creates the departments and lays out who is
    /// responsible where, from what [`super::write::write`] stored.
    pub async fn build(store: &Store, plan: &Plan, written: &Written) -> anyhow::Result<Self> {
        shequ_server::orders::catalogue::ensure_default_catalogue(store).await?;
        let categories: HashMap<String, Category> = store
            .categories()
            .await?
            .into_iter()
            .map(|c| (c.code.clone(), c))
            .collect();
        let (street_id, street_path) = written
            .regions
            .get(STREET_CODE)
            .cloned()
            .context("the street region was not stored")?;
        let user = |name: &str| written.users.get(name).copied();
        let mut departments = Vec::new();
        for (code, name, member, cats) in DEPARTMENTS {
            let id = store
                .create_team(code, name, "department", street_id)
                .await?;
            let members: Vec<i64> = user(member).into_iter().collect();
            for m in &members {
                store.add_team_member(id, *m).await?;
            }
            departments.push(Department {
                id,
                members,
                categories: cats,
            });
        }
        let mut people: Vec<(i64, Role, String)> = Vec::new();
        let mut roles = HashMap::new();
        for s in &plan.staff {
            let Some(id) = user(&s.username) else {
                continue;
            };
            roles.insert(id, s.role);
            if let Some((_, path)) = written.regions.get(&s.region_code) {
                people.push((id, s.role, path.clone()));
            }
        }
        let mut grids = Vec::with_capacity(plan.street.grids.len());
        for (k, g) in plan.street.grids.iter().enumerate() {
            let (region_id, path) = written
                .regions
                .get(&g.code)
                .cloned()
                .context("a grid was not stored")?;
            let worker = user(&format!("grid{:03}", k + 1));
            let supervisor = worker.and_then(|w| supervisor_of(w, &path, &people));
            grids.push(GridCast {
                region_id,
                path,
                worker,
                supervisor,
                spots: Vec::new(),
            });
        }
        for (place, id) in plan.places[..plan.buildings].iter().zip(&written.buildings) {
            grids[place.grid].spots.push(Spot {
                id: *id,
                point: (place.point.lon, place.point.lat),
                address: place.address.clone(),
            });
        }
        let operators = plan
            .staff
            .iter()
            .filter(|s| s.role == Role::StreetOperator)
            .filter_map(|s| user(&s.username))
            .collect();
        Ok(Self {
            street_path,
            grids,
            operators,
            departments,
            categories,
            roles,
        })
    }
}
