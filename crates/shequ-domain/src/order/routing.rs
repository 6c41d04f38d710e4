//! Routing: which rule applies to a new order, which one person gets it,
//! and who supervises whom. Pure: the store supplies rules and candidates.

use serde::{Deserialize, Serialize};

use crate::Role;

/// Where a rule sends matching orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Target {
    /// The person with this role responsible for the order's place: the one
    /// bound to the deepest region containing it.
    Role(Role),
    /// Whoever of this team is on duty.
    Team(i64),
    /// A named person.
    User(i64),
}

/// A routing rule: orders of `category` (any when `None`) in the region
/// subtree at `region_path` go to `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: i64,
    pub category: Option<String>,
    pub region_path: String,
    pub target: Target,
}

/// The rule for an order: among rules whose subtree contains the order and
/// whose category matches, the deepest region wins, then a rule naming the
/// category over one for any category, then the lowest id.
pub fn match_rule<'a>(rules: &'a [Rule], category: &str, order_path: &str) -> Option<&'a Rule> {
    rules
        .iter()
        .filter(|r| order_path.starts_with(&r.region_path))
        .filter(|r| r.category.as_deref().is_none_or(|c| c == category))
        .max_by(|a, b| {
            a.region_path
                .len()
                .cmp(&b.region_path.len())
                .then(a.category.is_some().cmp(&b.category.is_some()))
                .then(b.id.cmp(&a.id))
        })
}

/// A person who could take an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: i64,
    /// Path of the region the person is bound to.
    pub region_path: String,
    /// Orders they hold that are not resolved yet.
    pub open_orders: i64,
    pub on_duty: bool,
}

/// The one person for an order: only those on duty; the deepest region
/// containing the order first (the grid's own worker before the
/// neighbourhood's); then the fewest open orders; then the lowest id, so
/// the choice is stable.
pub fn pick_person(candidates: &[Candidate], order_path: &str) -> Option<i64> {
    candidates
        .iter()
        .filter(|c| c.on_duty && order_path.starts_with(&c.region_path))
        .min_by(|a, b| {
            b.region_path
                .len()
                .cmp(&a.region_path.len())
                .then(a.open_orders.cmp(&b.open_orders))
                .then(a.user_id.cmp(&b.user_id))
        })
        .map(|c| c.user_id)
}

/// Roles that supervise the people below them in the region tree.
pub fn supervises(role: Role) -> bool {
    matches!(
        role,
        Role::NeighbourhoodSecretary | Role::StreetOperator | Role::Cadre | Role::Admin
    )
}

/// The supervisor of someone bound to `owner_path`: a supervising person
/// bound to the nearest region strictly above it. `people` is
/// `(user_id, role, region_path)`.
pub fn supervisor_of(
    owner_id: i64,
    owner_path: &str,
    people: &[(i64, Role, String)],
) -> Option<i64> {
    people
        .iter()
        .filter(|(id, role, path)| {
            *id != owner_id
                && supervises(*role)
                && path.len() < owner_path.len()
                && owner_path.starts_with(path.as_str())
        })
        .min_by(|a, b| {
            b.2.len()
                .cmp(&a.2.len())
                .then(role_rank(a.1).cmp(&role_rank(b.1)))
                .then(a.0.cmp(&b.0))
        })
        .map(|(id, _, _)| *id)
}

/// Among supervisors of the same region, who is asked first.
fn role_rank(role: Role) -> u8 {
    match role {
        Role::NeighbourhoodSecretary => 0,
        Role::StreetOperator => 1,
        Role::Cadre => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GRID: &str = "/1/2/3/4/5/";
    const HOOD: &str = "/1/2/3/4/";
    const STREET: &str = "/1/2/3/";

    fn rule(id: i64, category: Option<&str>, path: &str, target: Target) -> Rule {
        Rule {
            id,
            category: category.map(str::to_owned),
            region_path: path.to_owned(),
            target,
        }
    }

    #[test]
    fn deepest_then_specific_rule_wins() {
        let rules = vec![
            rule(1, None, STREET, Target::Role(Role::GridWorker)),
            rule(2, Some("illegal_ad"), STREET, Target::Team(10)),
            rule(3, None, HOOD, Target::User(5)),
            rule(4, Some("noise"), "/9/", Target::Team(11)),
        ];
        assert_eq!(match_rule(&rules, "noise", GRID).map(|r| r.id), Some(3));
        assert_eq!(
            match_rule(&rules, "illegal_ad", "/1/2/3/8/").map(|r| r.id),
            Some(2)
        );
        assert_eq!(
            match_rule(&rules, "other", "/1/2/3/8/").map(|r| r.id),
            Some(1)
        );
        assert_eq!(match_rule(&rules, "noise", "/7/"), None);
    }

    #[test]
    fn the_grid_worker_on_duty_with_least_work_gets_it() {
        let c = |id, path: &str, open, on_duty| Candidate {
            user_id: id,
            region_path: path.into(),
            open_orders: open,
            on_duty,
        };
        let people = vec![
            c(1, HOOD, 0, true),
            c(2, GRID, 5, true),
            c(3, GRID, 2, true),
            c(4, GRID, 0, false),
            c(5, "/1/2/3/9/", 0, true),
        ];
        assert_eq!(pick_person(&people, GRID), Some(3));
        assert_eq!(
            pick_person(&people, "/1/2/3/4/6/"),
            Some(1),
            "no worker in that grid: the neighbourhood"
        );
        assert_eq!(pick_person(&people[3..4], GRID), None, "nobody on duty");
    }

    #[test]
    fn supervisors_are_found_up_the_tree() {
        let people = vec![
            (1, Role::GridWorker, GRID.to_owned()),
            (2, Role::NeighbourhoodSecretary, HOOD.to_owned()),
            (3, Role::StreetOperator, STREET.to_owned()),
            (4, Role::GridWorker, HOOD.to_owned()),
        ];
        assert_eq!(supervisor_of(1, GRID, &people), Some(2));
        assert_eq!(supervisor_of(2, HOOD, &people), Some(3));
        assert_eq!(supervisor_of(3, STREET, &people), None);
    }

    proptest! {
        /// The chosen person is always on duty, covers the order, and no
        /// eligible person at the same depth has fewer open orders.
        #[test]
        fn pick_is_eligible_and_least_loaded(
            people in proptest::collection::vec((0usize..3, 0i64..10, any::<bool>()), 0..20)
        ) {
            let paths = [STREET, HOOD, GRID];
            let cands: Vec<Candidate> = people.iter().enumerate().map(|(id, (p, open, duty))| Candidate {
                user_id: id as i64, region_path: paths[*p].to_owned(), open_orders: *open, on_duty: *duty,
            }).collect();
            match pick_person(&cands, GRID) {
                None => prop_assert!(cands.iter().all(|c| !c.on_duty)),
                Some(id) => {
                    let chosen = cands.iter().find(|c| c.user_id == id).expect("chosen");
                    prop_assert!(chosen.on_duty);
                    for c in cands.iter().filter(|c| c.on_duty) {
                        prop_assert!(c.region_path.len() <= chosen.region_path.len());
                        if c.region_path == chosen.region_path {
                            prop_assert!(c.open_orders >= chosen.open_orders);
                        }
                    }
                }
            }
        }
    }
}
