//! The assignment of a preference round: every member in exactly one
//! branch, each branch within its limits, rank-maximal.
//!
//! What "best" means, in order (each criterion decides only among
//! assignments equal on the ones before):
//! 1. as many members as possible placed by their first choice (a member
//!    who filled in no form counts here when placed in their home branch:
//!    it is the one branch they are taken to want);
//! 2. then as many second choices, then as many third choices;
//! 3. then as few members as possible moved from the branch they are in now;
//! 4. then as few as possible placed outside both their choices and their
//!    home branch;
//! 5. then a fixed order (members by id, branches by code), so the same
//!    input always gives the same answer.
//!
//! A branch's limits: at least `min` full members who chose it (ranked
//! it, or live there and filled in no form) and at most `max` members in
//! all. A member placed outside their choices fills a place but does not
//! keep a branch alive: nobody is pushed into a branch they did not pick
//! just to reach its minimum. When the limits cannot all be met the answer
//! names each branch that falls short and why, never a partial
//! assignment.
//!
//! It is computed exactly as a min-cost flow: member → branch edges cost by
//! rank with weights in base n+1 (so one more first choice outweighs any
//! number of later ones, and so on down the list), and each branch's first
//! `min` full members ride an edge whose cost is so negative that meeting
//! every minimum outweighs everything else.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use super::branch::{Branch, BranchKind};
use super::flow::{Network, UNBOUNDED};
use crate::{Code, InvalidValue};

/// The most members one round assigns: the flow's weights stay well inside
/// `i128` up to here.
pub const MAX_MEMBERS: usize = 100_000;

/// The most branches a member ranks.
pub const MAX_CHOICES: usize = 3;

/// One member's form, or the lack of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preference {
    /// The member's id, as the caller names them (a person id, a code).
    pub member: String,
    /// A full member (正式党员); `false` for a probationary one.
    pub full: bool,
    /// The location branch of where they live, by code.
    pub home: Option<String>,
    /// The branches they ranked, first choice first (at most three).
    pub choices: Vec<String>,
    /// The branch they are in now, if any, by code.
    pub current: Option<String>,
}

/// How a member came to their branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placement {
    /// Their first, second or third choice.
    Choice(u8),
    /// Their home's location branch: they filled in no form, or every
    /// branch they ranked was full.
    Home,
    /// Another branch with room: every branch they ranked was full, and
    /// so was their home's.
    Moved,
}

impl Placement {
    /// As the CSV's `rank` column writes it: `1`–`3`, `home` or `moved`.
    pub fn as_str(self) -> &'static str {
        match self {
            Placement::Choice(1) => "1",
            Placement::Choice(2) => "2",
            Placement::Choice(_) => "3",
            Placement::Home => "home",
            Placement::Moved => "moved",
        }
    }
}

/// One member's place in the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub member: String,
    pub branch: String,
    pub placement: Placement,
    /// Whether they ranked any branch (a `Home` placement of a member who
    /// did is a fallback, shown with its reason).
    pub had_choices: bool,
    /// Whether this takes them out of the branch they are in now.
    pub moved_from_current: bool,
}

impl Placed {
    /// Why a member who ranked branches got none of them: each was full.
    /// `None` for everyone placed by a choice, or who ranked nothing and
    /// went home.
    pub fn reason(&self) -> Option<&'static str> {
        match (self.placement, self.had_choices) {
            (Placement::Choice(_), _) | (Placement::Home, false) => None,
            (Placement::Home, true) => Some("every branch they ranked was full"),
            (Placement::Moved, true) => {
                Some("every branch they ranked was full, and so was their home's")
            }
            (Placement::Moved, false) => Some("their home's branch was full"),
        }
    }
}

/// How many members each placement took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RankCounts {
    pub first: u32,
    pub second: u32,
    pub third: u32,
    /// Placed in their home's branch (no form, or every choice full).
    pub home: u32,
    /// Placed outside their choices and their home.
    pub moved: u32,
    /// Members taken out of the branch they were in.
    pub moves: u32,
}

/// The answer: every member's branch, by member id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub placed: Vec<Placed>,
    pub counts: RankCounts,
}

impl Assignment {
    /// How many members each branch got, by code.
    pub fn sizes(&self) -> BTreeMap<&str, u32> {
        let mut sizes = BTreeMap::new();
        for p in &self.placed {
            *sizes.entry(p.branch.as_str()).or_insert(0) += 1;
        }
        sizes
    }
}

/// Why no assignment meets the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Infeasible {
    /// A branch cannot get its minimum of full members who chose it.
    TooFewFull {
        branch: String,
        label: String,
        kind: BranchKind,
        min: u32,
        /// Full members who ranked it (or live there and ranked nothing).
        chose: u32,
        /// How many of those the best assignment can place there while the
        /// other branches keep their limits.
        placeable: u32,
    },
    /// The branches together hold fewer places than there are members.
    Capacity { members: usize, places: u64 },
}

impl fmt::Display for Infeasible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Infeasible::TooFewFull {
                label,
                kind,
                min,
                chose,
                placeable,
                ..
            } => {
                let ranked = if *kind == BranchKind::Location {
                    "ranked it or live there"
                } else {
                    "ranked it"
                };
                let remedy = if *min > super::FULL_MEMBERS_NEEDED {
                    "merge it or lower its minimum"
                } else {
                    "merge it with another branch"
                };
                if chose < min {
                    let only = if *chose == 0 { "no" } else { "only" };
                    let n = if *chose == 0 {
                        String::new()
                    } else {
                        format!("{chose} ")
                    };
                    write!(
                        f,
                        "{label}: {only} {n}full member{} {ranked}; the minimum is {min} — {remedy}",
                        if *chose == 1 { "" } else { "s" }
                    )
                } else {
                    write!(
                        f,
                        "{label}: {chose} full members {ranked}, but only {placeable} of them can be placed there while the other branches keep their limits; the minimum is {min} — {remedy}, or raise another branch's maximum"
                    )
                }
            }
            Infeasible::Capacity { members, places } => write!(
                f,
                "the branches hold {places} members at most, and {members} are to be placed — raise a maximum or add a branch"
            ),
        }
    }
}

/// Why a round cannot be assigned: its input is wrong, or no assignment
/// meets its limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignError {
    #[error("{0}")]
    Invalid(InvalidValue),
    #[error("no assignment meets the branches' limits: {}", list(.0))]
    Infeasible(Vec<Infeasible>),
}

fn list(all: &[Infeasible]) -> String {
    all.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

impl AssignError {
    pub fn code(&self) -> Code {
        match self {
            AssignError::Invalid(e) => e.code,
            AssignError::Infeasible(_) => Code::BranchInfeasible,
        }
    }
}

/// Checks a round's forms against its branches: every choice and home
/// names a branch on offer, no branch twice on one form, a home that is a
/// location branch, a home for everyone who ranked nothing. The first
/// failure names the member and the field (`choice2`, `home_branch`).
pub fn check(branches: &[Branch], prefs: &[Preference]) -> Result<(), InvalidValue> {
    let mut codes = HashMap::new();
    for b in branches {
        if codes.insert(b.code.as_str(), b).is_some() {
            return Err(InvalidValue::new(
                Code::BranchDuplicate,
                format!("branch {} is on offer twice", b.code),
            )
            .at("code"));
        }
    }
    if prefs.len() > MAX_MEMBERS {
        return Err(InvalidValue::new(
            Code::BranchTooMany,
            format!(
                "{} members is more than one round assigns ({MAX_MEMBERS}); split the round",
                prefs.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    for p in prefs {
        let m = &p.member;
        if m.trim().is_empty() {
            return Err(
                InvalidValue::new(Code::BranchMember, "a form names no member").at("member"),
            );
        }
        if !seen.insert(m.as_str()) {
            return Err(InvalidValue::new(
                Code::BranchMember,
                format!("member {m} has two forms; keep one"),
            )
            .at("member"));
        }
        if p.choices.len() > MAX_CHOICES {
            return Err(InvalidValue::new(
                Code::BranchChoice,
                format!(
                    "member {m} ranked {} branches; at most {MAX_CHOICES}",
                    p.choices.len()
                ),
            )
            .at("choice4"));
        }
        for (i, c) in p.choices.iter().enumerate() {
            let field = CHOICE_FIELDS[i];
            if !codes.contains_key(c.as_str()) {
                return Err(InvalidValue::new(
                    Code::BranchUnknown,
                    format!("member {m}: {field} names branch {c:?}, which is not on offer"),
                )
                .at(field));
            }
            if p.choices[..i].contains(c) {
                return Err(InvalidValue::new(
                    Code::BranchChoiceTwice,
                    format!(
                        "member {m} ranked branch {c} twice; each choice must be a different branch"
                    ),
                )
                .at(field));
            }
        }
        match &p.home {
            Some(h) => match codes.get(h.as_str()) {
                None => {
                    return Err(InvalidValue::new(
                        Code::BranchUnknown,
                        format!(
                            "member {m}: home_branch names branch {h:?}, which is not on offer"
                        ),
                    )
                    .at("home_branch"));
                }
                Some(b) if b.kind != BranchKind::Location => {
                    return Err(InvalidValue::new(
                        Code::BranchHomeKind,
                        format!(
                            "member {m}: home_branch {h} is a {} branch; a home is a location (地缘) branch",
                            b.kind.zh()
                        ),
                    )
                    .at("home_branch"));
                }
                Some(_) => {}
            },
            None if p.choices.is_empty() => {
                return Err(InvalidValue::new(
                    Code::BranchHomeMissing,
                    format!("member {m} ranked no branch and has no home branch; give either"),
                )
                .at("home_branch"));
            }
            None => {}
        }
    }
    Ok(())
}

/// The form's field names for each rank, as errors name them.
pub const CHOICE_FIELDS: [&str; MAX_CHOICES] = ["choice1", "choice2", "choice3"];

/// Assigns every member of `prefs` to one of `branches`; see the module
/// documentation for what is optimal.
pub fn assign(branches: &[Branch], prefs: &[Preference]) -> Result<Assignment, AssignError> {
    check(branches, prefs).map_err(AssignError::Invalid)?;
    let places: u64 = branches.iter().map(|b| u64::from(b.max)).sum();
    if places < prefs.len() as u64 {
        return Err(AssignError::Infeasible(vec![Infeasible::Capacity {
            members: prefs.len(),
            places,
        }]));
    }

    // A fixed order, whatever order the rows came in.
    let mut branches: Vec<&Branch> = branches.iter().collect();
    branches.sort_by(|a, b| a.code.cmp(&b.code));
    let mut prefs: Vec<&Preference> = prefs.iter().collect();
    prefs.sort_by(|a, b| a.member.cmp(&b.member));
    let index: HashMap<&str, usize> = branches
        .iter()
        .enumerate()
        .map(|(i, b)| (b.code.as_str(), i))
        .collect();

    let mut flow = Flow::build(&branches, &prefs, &index, Minimums::AsDemands);
    if !flow.run() {
        // Some minimum cannot be met. The same network with each minimum
        // as a bonus instead says which: it meets as many as can be met.
        let mut explain = Flow::build(&branches, &prefs, &index, Minimums::AsBonus);
        explain.run();
        let short = explain.shortfalls(&branches, &prefs);
        return Err(AssignError::Infeasible(if short.is_empty() {
            vec![Infeasible::Capacity {
                members: prefs.len(),
                places,
            }]
        } else {
            short
        }));
    }
    let Flow {
        net,
        n,
        overflow,
        from_overflow,
        ..
    } = flow;
    let full_in = |b: usize| n + 1 + b;
    let branch_node = |b: usize| n + 1 + branches.len() + b;

    // Read each member's branch off their one edge with flow; those sent
    // through the overflow share its edges to the branches, in order.
    let mut open: Vec<(usize, i64)> = from_overflow
        .iter()
        .enumerate()
        .map(|(b, e)| (b, net.flow(*e)))
        .filter(|(_, f)| *f > 0)
        .collect();
    open.reverse();
    let mut placed = Vec::with_capacity(n);
    let mut counts = RankCounts::default();
    for (m, p) in prefs.iter().enumerate() {
        let e = net
            .forward_edges(m)
            .find(|e| net.flow(*e) > 0)
            .expect("every member was pushed");
        let head = net.head(e);
        let b = if head == overflow {
            let last = open
                .last_mut()
                .expect("overflow carries each member sent to it");
            last.1 -= 1;
            let b = last.0;
            if last.1 == 0 {
                open.pop();
            }
            b
        } else if head >= branch_node(0) {
            head - branch_node(0)
        } else {
            head - full_in(0)
        };
        let code = &branches[b].code;
        let placement = match p.choices.iter().position(|c| c == code) {
            Some(r) => Placement::Choice(r as u8 + 1),
            None if p.home.as_deref() == Some(code) => Placement::Home,
            None => Placement::Moved,
        };
        let moved_from_current = p.current.as_ref().is_some_and(|c| c != code);
        match placement {
            Placement::Choice(1) => counts.first += 1,
            Placement::Choice(2) => counts.second += 1,
            Placement::Choice(_) => counts.third += 1,
            Placement::Home => counts.home += 1,
            Placement::Moved => counts.moved += 1,
        }
        counts.moves += u32::from(moved_from_current);
        placed.push(Placed {
            member: p.member.clone(),
            branch: code.clone(),
            placement,
            had_choices: !p.choices.is_empty(),
            moved_from_current,
        });
    }
    Ok(Assignment { placed, counts })
}

/// How the network holds each branch's minimum of full members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Minimums {
    /// As a demand at the branch's full-member node, met before anything
    /// else counts: exact and fast, but says only that some minimum
    /// cannot be met.
    AsDemands,
    /// As an edge of that capacity whose cost is so negative that meeting
    /// one more minimum outweighs everything else: the flow then meets as
    /// many as can be met, which names those that cannot.
    AsBonus,
}

/// The assignment's flow network. Nodes: each member (in member order),
/// the overflow (placements outside choice and home), each branch's
/// full-member entry (`full_in`), each branch, and the sink.
struct Flow {
    net: Network,
    n: usize,
    nb: usize,
    overflow: usize,
    sink: usize,
    /// Demand left at each node (the minimums and the sink's).
    demand: Vec<i64>,
    floor_edges: Vec<usize>,
    through_floor: Vec<usize>,
    from_overflow: Vec<usize>,
}

impl Flow {
    fn build(
        branches: &[&Branch],
        prefs: &[&Preference],
        index: &HashMap<&str, usize>,
        minimums: Minimums,
    ) -> Flow {
        let (n, nb) = (prefs.len(), branches.len());
        let overflow = n;
        let full_in = |b: usize| n + 1 + b;
        let branch_node = |b: usize| n + 1 + nb + b;
        let sink = n + 1 + 2 * nb;
        let mut net = Network::new(sink + 1);

        // Weights in base n+1: a choice of rank r is worth base^(4-r), and
        // the whole worth is scaled by base^2 so that moves (× base) and
        // placements outside choice and home (× 1) only break its ties.
        let base = n as i128 + 1;
        let worth = [base.pow(3), base.pow(2), base];
        let chosen_cost =
            |rank: usize, moved: bool| -worth[rank] * base * base + i128::from(moved) * base;
        let fallback_cost =
            |moved: bool, outside: bool| i128::from(moved) * base + i128::from(outside);
        // Any two assignments differ by less than 4·base^6 in the costs
        // above.
        let floor_bonus = -4 * base.pow(6) - 1;

        for (m, p) in prefs.iter().enumerate() {
            // Leaving the branch they are in now; a member in none moves
            // nowhere.
            let moved = |b: usize| {
                p.current
                    .as_deref()
                    .is_some_and(|c| c != branches[b].code.as_str())
            };
            let target = |b: usize| if p.full { full_in(b) } else { branch_node(b) };
            let mut picked = Vec::new();
            for (rank, c) in p.choices.iter().enumerate() {
                let b = index[c.as_str()];
                net.add(m, target(b), 1, chosen_cost(rank, moved(b)));
                picked.push(b);
            }
            let home = p.home.as_deref().map(|h| index[h]);
            if p.choices.is_empty() {
                let h = home.expect("checked: a member with no choices has a home");
                net.add(m, target(h), 1, chosen_cost(0, moved(h)));
                picked.push(h);
            } else if let Some(h) = home.filter(|h| !picked.contains(h)) {
                net.add(m, branch_node(h), 1, fallback_cost(moved(h), false));
                picked.push(h);
            }
            if let Some(c) = p.current.as_deref().and_then(|c| index.get(c).copied())
                && !picked.contains(&c)
            {
                net.add(m, branch_node(c), 1, fallback_cost(false, true));
            }
            net.add(m, overflow, 1, fallback_cost(p.current.is_some(), true));
        }
        let mut demand = vec![0i64; sink + 1];
        demand[sink] = n as i64;
        let mut floor_edges = Vec::with_capacity(nb);
        let mut through_floor = Vec::with_capacity(nb);
        let mut from_overflow = Vec::with_capacity(nb);
        for (i, b) in branches.iter().enumerate() {
            let (min, max) = (i64::from(b.min), i64::from(b.max));
            let room = match minimums {
                Minimums::AsBonus => {
                    floor_edges.push(net.add(full_in(i), branch_node(i), min, floor_bonus));
                    max
                }
                Minimums::AsDemands => {
                    // The minimum's members end at `full_in`: as if they
                    // had gone on to the branch and the sink already.
                    demand[full_in(i)] = min;
                    demand[sink] -= min;
                    max - min
                }
            };
            through_floor.push(net.add(full_in(i), branch_node(i), UNBOUNDED, 0));
            from_overflow.push(net.add(overflow, branch_node(i), UNBOUNDED, 0));
            net.add(branch_node(i), sink, room, 0);
        }
        let order: Vec<usize> = (0..=sink).collect();
        net.start(&order);
        Flow {
            net,
            n,
            nb,
            overflow,
            sink,
            demand,
            floor_edges,
            through_floor,
            from_overflow,
        }
    }

    /// Pushes every member, in order, to the nearest demand left; `false`
    /// as soon as one can reach none (some minimum cannot be met, or the
    /// sink's demand is gone because the minimums take more members than
    /// there are).
    fn run(&mut self) -> bool {
        if self.demand[self.sink] < 0 {
            return false;
        }
        for m in 0..self.n {
            let demand = &self.demand;
            match self.net.push_to_nearest(m, |v| demand[v] > 0) {
                Some((t, _)) => self.demand[t] -= 1,
                None => return false,
            }
        }
        true
    }

    /// The branches whose minimum the flow (built `AsBonus`) left unmet.
    fn shortfalls(&self, branches: &[&Branch], prefs: &[&Preference]) -> Vec<Infeasible> {
        debug_assert_eq!(self.floor_edges.len(), self.nb);
        branches
            .iter()
            .enumerate()
            .filter(|(i, b)| self.net.flow(self.floor_edges[*i]) < i64::from(b.min))
            .map(|(i, b)| {
                let chose = prefs
                    .iter()
                    .filter(|p| {
                        p.full
                            && (p.choices.contains(&b.code)
                                || (p.choices.is_empty() && p.home.as_deref() == Some(&b.code)))
                    })
                    .count() as u32;
                Infeasible::TooFewFull {
                    branch: b.code.clone(),
                    label: b.label(),
                    kind: b.kind,
                    min: b.min,
                    chose,
                    placeable: (self.net.flow(self.floor_edges[i])
                        + self.net.flow(self.through_floor[i]))
                        as u32,
                }
            })
            .collect()
    }
}

/// A plain greedy pass for comparison (the benchmark's baseline): each
/// member in turn to their first choice with room, else their home, else
/// the first branch with room. It ignores minimums and is not optimal.
pub fn greedy_first_choice(branches: &[Branch], prefs: &[Preference]) -> Vec<(String, String)> {
    let index: HashMap<&str, usize> = branches
        .iter()
        .enumerate()
        .map(|(i, b)| (b.code.as_str(), i))
        .collect();
    let mut room: Vec<u32> = branches.iter().map(|b| b.max).collect();
    let mut out = Vec::with_capacity(prefs.len());
    for p in prefs {
        let wanted = p.choices.first().or(p.home.as_ref());
        let pick = wanted
            .and_then(|c| index.get(c.as_str()).copied())
            .filter(|b| room[*b] > 0)
            .or_else(|| {
                p.home
                    .as_deref()
                    .and_then(|h| index.get(h).copied())
                    .filter(|b| room[*b] > 0)
            })
            .or_else(|| room.iter().position(|r| *r > 0));
        if let Some(b) = pick {
            room[b] -= 1;
            out.push((p.member.clone(), branches[b].code.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests;
