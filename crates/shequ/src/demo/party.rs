//! The demo street's party organisation (党组织), deterministic from the
//! seed on a stream of its own: the street's 党工委, a 党总支 in every
//! neighbourhood with its branches, the mobile members' branch, new-sector
//! organisations in most office buildings, firms and markets, a few joint
//! branches over nearby places, instructors at some others and gaps left;
//! about 4 % of adults as members, committees with their terms, and a few
//! transfers. Written after the registry, with the bulk member insert.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{Datelike, Days, NaiveDate};
use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shequ_domain::party::registration::SERVICE_POSTS;
use shequ_domain::party::{MemberStanding, OrgKind, Seat, SeatRole, Standing, TransferStep};
use shequ_domain::{PlaceKind, Residency};
use shequ_store::Store;
use shequ_store::party::{JoiningMember, NewPartyMember, NewPartyOrg, NewTransfer};

use super::generate::Plan;
use super::street::{STREET_CODE, STREET_NAME};
use super::write::Written;

/// Share of adult residents who are members.
const MEMBER_SHARE: f64 = 0.04;
/// Share of the people working in the street, living elsewhere, who are
/// members here.
const WORKER_MEMBER_SHARE: f64 = 0.35;
/// Share of the new-sector places left without any cover (空白点).
const GAP_SHARE: f64 = 0.15;
/// The actor the change log names.
const ACTOR: &str = "demo";
const STREET_ORG: &str = "DGW-310104011";
const MOBILE_ORG: &str = "LD-310104011";

/// What the demo's party organisation holds, for the print-out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PartyFigures {
    pub orgs: usize,
    pub members: usize,
    pub probationary: usize,
    pub conversion_overdue: usize,
    pub mobile: usize,
    /// Members who work in the street and live elsewhere (absent in a
    /// demo.json written before them).
    #[serde(default)]
    pub non_resident: usize,
    pub own: usize,
    pub joint: usize,
    pub instructor: usize,
    pub gap: usize,
    pub open_transfers: usize,
    /// The joint meetings (absent in a demo.json written before them).
    #[serde(default)]
    pub meetings: Option<super::today::MeetingFigures>,
    /// The 三缘 round and election (absent in a demo.json written before
    /// them).
    #[serde(default)]
    pub branches: Option<super::branches::BranchFigures>,
}

/// One organisation to create; `place` indexes `plan.places` when it
/// covers one place of its own.
struct OrgPlan {
    code: String,
    name: String,
    kind: OrgKind,
    parent: Option<String>,
    region: String,
    covers: Vec<usize>,
    /// The neighbourhood whose residents it gathers, if any.
    neighbourhood: Option<usize>,
}

/// Builds and stores the party organisation of the street in `plan`,
/// dated from `today`.
pub async fn build(
    store: &Store,
    plan: &Plan,
    written: &Written,
    today: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<PartyFigures> {
    let mut figures = PartyFigures::default();
    let (orgs, instructors) = organisations(plan, rng);
    let place_ids = place_ids(store, plan).await?;
    for o in &orgs {
        let region_id = written.regions.get(&o.region).map(|r| r.0);
        let founded = today - Days::new(rng.random_range(365..=9_000));
        store
            .create_party_org(
                &NewPartyOrg {
                    code: &o.code,
                    name: &o.name,
                    kind: o.kind,
                    parent: o.parent.as_deref(),
                    region_id,
                    founded_on: Some(founded),
                },
                ACTOR,
                shequ_store::now_ms(),
            )
            .await
            .with_context(|| format!("while creating the organisation {}", o.code))?;
        for p in &o.covers {
            store.cover_place(&o.code, place_ids[*p]).await?;
        }
        match (o.kind, o.covers.len()) {
            (OrgKind::JointBranch, n) => figures.joint += n,
            (_, n) => figures.own += n,
        }
    }
    figures.orgs = orgs.len();
    for (k, p) in instructors.iter().enumerate() {
        let (surname, _) =
            super::names::SHANGHAI_SURNAMES[k % super::names::SHANGHAI_SURNAMES.len()];
        let name = format!("{surname}指导员");
        let on = today - Days::new(rng.random_range(30..=900));
        store.assign_instructor(place_ids[*p], &name, on).await?;
    }
    figures.instructor = instructors.len();
    figures.gap = plan
        .places
        .iter()
        .filter(|p| p.kind.is_new_sector())
        .count()
        - figures.own
        - figures.joint
        - figures.instructor;

    let members = members(plan, &orgs, today, rng);
    let rows = join(store, &orgs, &members, today).await?;
    figures.count(&members, today);

    // Committees: on every 党总支 and branch, from its full members.
    let mut by_org: Vec<Vec<(i64, &MemberPlan)>> = vec![Vec::new(); orgs.len()];
    for (m, row) in members.iter().zip(&rows) {
        by_org[m.org].push((row.person_id, m));
    }
    for (k, o) in orgs.iter().enumerate() {
        if !matches!(
            o.kind,
            OrgKind::NeighbourhoodGeneralBranch
                | OrgKind::Branch
                | OrgKind::InterestBranch
                | OrgKind::LocationBranch
        ) {
            continue;
        }
        let mut full: Vec<i64> = by_org[k]
            .iter()
            .filter(|(_, m)| m.standing.is_full())
            .map(|(id, _)| *id)
            .collect();
        full.shuffle(rng);
        let years = if o.kind == OrgKind::NeighbourhoodGeneralBranch {
            5
        } else {
            3
        };
        let term_days = years * 365;
        // About one committee in eight is past its term (due for election).
        let start_ago = if rng.random_range(0..8) == 0 {
            term_days + rng.random_range(10..=200)
        } else {
            rng.random_range(30..term_days)
        };
        let term_start = today - Days::new(start_ago);
        let term_end = term_start
            .with_year(term_start.year() + years as i32)
            .unwrap_or(term_start + Days::new(term_days));
        let seats = full.len().min(if years == 5 { 5 } else { 3 });
        for (i, person) in full.iter().take(seats).enumerate() {
            let role = match i {
                0 => SeatRole::Secretary,
                1 => SeatRole::DeputySecretary,
                _ => SeatRole::Member,
            };
            let seat = Seat {
                person: *person,
                role,
                term_start,
                term_end,
            };
            store
                .add_committee_seat(&o.code, &seat)
                .await
                .with_context(|| format!("while seating the committee of {}", o.code))?;
        }
    }

    figures.open_transfers = transfers(store, &orgs, &by_org, today, rng).await?;
    registrations(store, written, &orgs, &members, &rows, today, rng).await?;

    let workers = worker_members(plan, &orgs, today, rng);
    join(store, &orgs, &workers, today).await?;
    figures.count(&workers, today);
    figures.non_resident = workers.len();
    Ok(figures)
}

impl PartyFigures {
    /// Adds `members` to the member counts.
    fn count(&mut self, members: &[MemberPlan], today: NaiveDate) {
        self.members += members.len();
        self.mobile += members.iter().filter(|m| m.mobile).count();
        self.probationary += members.iter().filter(|m| !m.standing.is_full()).count();
        self.conversion_overdue += members
            .iter()
            .filter(|m| m.standing.conversion_overdue(today))
            .count();
    }
}

/// Adds `members` to their organisations with the bulk member insert
/// (the registry found by identity number); returns the rows added, in
/// the order of `members`.
async fn join<'a>(
    store: &Store,
    orgs: &'a [OrgPlan],
    members: &'a [MemberPlan],
    today: NaiveDate,
) -> anyhow::Result<Vec<JoiningMember<'a>>> {
    let numbers: Vec<&str> = members.iter().map(|m| m.identity.as_str()).collect();
    let mut ids = HashMap::with_capacity(numbers.len());
    for chunk in numbers.chunks(5_000) {
        ids.extend(store.person_ids_by_identity(chunk).await?);
    }
    let rows: Vec<JoiningMember<'a>> = members
        .iter()
        .map(|m| {
            Ok(JoiningMember {
                person_id: *ids
                    .get(&m.identity)
                    .context("a member is missing from the registry")?,
                org_code: &orgs[m.org].code,
                member: NewPartyMember {
                    standing: m.standing,
                    unit: &m.unit,
                    mobile: m.mobile,
                },
                from: m.standing.joined_on.max(today - Days::new(m.here_days)),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    for (row, outcome) in rows.iter().zip(
        store
            .add_party_members(&rows, shequ_store::now_ms())
            .await?,
    ) {
        outcome.with_context(|| format!("while adding member {}", row.person_id))?;
    }
    Ok(rows)
}

/// Service posts in-service members take when they register (双报到):
/// the first six a neighbourhood offers.
const POSTS: &[&str] = SERVICE_POSTS.split_at(6).0;

/// About a quarter of the in-service members of the neighbourhoods'
/// branches register with their neighbourhood and serve a few times a
/// year; about one registration in six has not served for half a year.
/// Each service is recorded as the neighbourhood confirms it.
async fn registrations(
    store: &Store,
    written: &Written,
    orgs: &[OrgPlan],
    members: &[MemberPlan],
    rows: &[JoiningMember<'_>],
    today: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<()> {
    use shequ_domain::party::registration::{Hours, RecordSource};
    let confirmed_by = "demo";
    for (m, row) in members.iter().zip(rows) {
        let o = &orgs[m.org];
        if m.unit.is_empty() || o.neighbourhood.is_none() || !rng.random_bool(0.25) {
            continue;
        }
        let Some(region) = written.regions.get(&o.region).map(|r| r.0) else {
            continue;
        };
        let taken = rng.random_range(1..=2);
        let first = rng.random_range(0..POSTS.len());
        let posts: Vec<&str> = (0..taken)
            .map(|k| POSTS[(first + k) % POSTS.len()])
            .collect();
        let registered = today - Days::new(rng.random_range(240..=900));
        let id = store
            .register_for_service(
                Some(row.person_id),
                None,
                region,
                &posts.join(","),
                registered,
                shequ_store::now_ms(),
            )
            .await
            .with_context(|| format!("while registering member {}", row.person_id))?;
        // The lapsed served last more than seven months ago, or never.
        let (lo, hi, times) = if rng.random_range(0..6) == 0 {
            (210, 239, rng.random_range(0..=2))
        } else {
            (1, 200, rng.random_range(1..=5))
        };
        for _ in 0..times {
            let day = today - Days::new(rng.random_range(lo..=hi));
            let hours = Hours::from_tenths(rng.random_range(2..=8) * 5);
            store
                .record_service(
                    id,
                    day,
                    hours,
                    posts[rng.random_range(0..posts.len())],
                    RecordSource::Registration,
                    confirmed_by,
                    today,
                    shequ_store::now_ms(),
                )
                .await
                .with_context(|| {
                    format!("while recording a service of member {}", row.person_id)
                })?;
        }
    }
    Ok(())
}

/// The organisations, parents first, and the places given an instructor.
fn organisations(plan: &Plan, rng: &mut ChaCha8Rng) -> (Vec<OrgPlan>, Vec<usize>) {
    let mut out = vec![
        OrgPlan {
            code: STREET_ORG.into(),
            name: format!("中共{STREET_NAME}工作委员会"),
            kind: OrgKind::StreetWorkingCommittee,
            parent: None,
            region: STREET_CODE.into(),
            covers: Vec::new(),
            neighbourhood: None,
        },
        OrgPlan {
            code: MOBILE_ORG.into(),
            name: format!("{STREET_NAME}流动党员党支部"),
            kind: OrgKind::MobileMembersBranch,
            parent: Some(STREET_ORG.into()),
            region: STREET_CODE.into(),
            covers: Vec::new(),
            neighbourhood: None,
        },
    ];
    const ORDINALS: [&str; 4] = ["第一", "第二", "第三", "第四"];
    for (n, nb) in plan.street.neighbourhoods.iter().enumerate() {
        let general = format!("ZZ-{}", nb.code);
        out.push(OrgPlan {
            code: general.clone(),
            name: format!("中共{}居民区总支部委员会", nb.short),
            kind: OrgKind::NeighbourhoodGeneralBranch,
            parent: Some(STREET_ORG.into()),
            region: nb.code.clone(),
            covers: Vec::new(),
            neighbourhood: Some(n),
        });
        for (b, ordinal) in ORDINALS.iter().take(rng.random_range(2..=4)).enumerate() {
            let (kind, name) = match (b, rng.random_range(0..10)) {
                (1.., 0) => (
                    OrgKind::InterestBranch,
                    format!("{}居民区文体趣缘党支部", nb.short),
                ),
                (1.., 1) => (
                    OrgKind::LocationBranch,
                    format!("{}居民区楼组地缘党支部", nb.short),
                ),
                _ => (
                    OrgKind::Branch,
                    format!("{}居民区{ordinal}党支部", nb.short),
                ),
            };
            out.push(OrgPlan {
                code: format!("ZB-{}-{}", nb.code, b + 1),
                name,
                kind,
                parent: Some(general.clone()),
                region: nb.code.clone(),
                covers: Vec::new(),
                neighbourhood: Some(n),
            });
        }
    }

    // The new sectors: most office buildings, firms and markets have an
    // organisation of their own; of the rest, some share a joint branch
    // with their neighbours, some have an instructor, and the rest are gaps.
    let grid_code = |p: usize| plan.street.grids[plan.places[p].grid].code.clone();
    let mut rest = Vec::new();
    let sector: Vec<usize> = (0..plan.places.len())
        .filter(|&p| plan.places[p].kind.is_new_sector())
        .collect();
    for &p in &sector {
        let place = &plan.places[p];
        let own_kind = matches!(
            place.kind,
            PlaceKind::OfficeBuilding | PlaceKind::Enterprise | PlaceKind::Market
        );
        if own_kind && rng.random_bool(0.6) {
            out.push(OrgPlan {
                code: format!("XS-{}", place.code),
                name: format!("中共{}支部委员会", place.name),
                kind: OrgKind::NewSector,
                parent: Some(STREET_ORG.into()),
                region: grid_code(p),
                covers: vec![p],
                neighbourhood: None,
            });
        } else {
            rest.push(p);
        }
    }
    rest.shuffle(rng);
    let gaps = ((sector.len() as f64 * GAP_SHARE).round() as usize)
        .max(1)
        .min(rest.len());
    let mut budget = rest.len() - gaps;
    let mut pool: Vec<usize> = rest.split_off(gaps);
    let joints = rng.random_range(2..=3);
    for j in 0..joints {
        // Keep one place for an instructor.
        let size = rng.random_range(2..=4).min(budget.saturating_sub(1));
        if size < 2 {
            break;
        }
        let seed = pool.remove(0);
        let at = |p: usize| (plan.places[p].point.lon, plan.places[p].point.lat);
        let (x, y) = at(seed);
        pool.sort_by(|&a, &b| {
            let d = |p| {
                let (px, py) = at(p);
                (px - x).powi(2) + (py - y).powi(2)
            };
            d(a).total_cmp(&d(b))
        });
        let mut covers = vec![seed];
        covers.extend(pool.drain(..size - 1));
        budget -= size;
        out.push(OrgPlan {
            code: format!("LH-{STREET_CODE}-{}", j + 1),
            name: format!("{}联合党支部", plan.places[seed].name),
            kind: OrgKind::JointBranch,
            parent: Some(STREET_ORG.into()),
            region: grid_code(seed),
            covers,
            neighbourhood: None,
        });
    }
    (out, pool)
}

/// The database id of every planned place, in plan order.
async fn place_ids(store: &Store, plan: &Plan) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(plan.places.len());
    for chunk in plan.places.chunks(5_000) {
        let codes: Vec<&str> = chunk.iter().map(|p| p.code.as_str()).collect();
        let refs = store.place_refs(&codes).await?;
        for code in codes {
            ids.push(refs.get(code).context("a place is missing")?.id);
        }
    }
    Ok(ids)
}

/// One member: who (by identity number), where, and standing.
#[derive(Clone)]
struct MemberPlan {
    identity: String,
    org: usize,
    standing: MemberStanding,
    unit: String,
    mobile: bool,
    /// How long ago they came to this organisation, at most.
    here_days: u64,
}

fn members(
    plan: &Plan,
    orgs: &[OrgPlan],
    today: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> Vec<MemberPlan> {
    let mut by_nb: Vec<Vec<usize>> = vec![Vec::new(); plan.street.neighbourhoods.len()];
    let mut sector = Vec::new();
    let mut mobile_org = 0;
    for (k, o) in orgs.iter().enumerate() {
        match (o.kind, o.neighbourhood) {
            (OrgKind::MobileMembersBranch, _) => mobile_org = k,
            (OrgKind::NewSector, _) => sector.push(k),
            (_, Some(n)) => by_nb[n].push(k),
            _ => {}
        }
    }
    let offices: Vec<&str> = plan
        .places
        .iter()
        .filter(|p| p.kind == PlaceKind::OfficeBuilding)
        .map(|p| p.name.as_str())
        .collect();
    let mut out = Vec::new();
    for person in &plan.people {
        let age = today.year() - person.birth_date.year();
        if age < 18 || !rng.random_bool(MEMBER_SHARE) {
            continue;
        }
        let grid = plan.places[plan.households[person.household].building].grid;
        let nb = plan.street.grids[grid].neighbourhood;
        let migrant = person.residency == Residency::Migrant;
        let roll = rng.random_range(0..100);
        let (org, mobile) = match roll {
            0..5 if migrant => (mobile_org, true),
            5..13 if !sector.is_empty() && age < 60 => {
                (sector[rng.random_range(0..sector.len())], false)
            }
            _ => {
                let branches = &by_nb[nb];
                (
                    branches[rng.random_range(0..branches.len())],
                    migrant && roll < 12,
                )
            }
        };
        let unit = match orgs[org].covers.first() {
            Some(&p) => plan.places[p].name.clone(),
            None if age >= 60 => String::new(),
            None if !offices.is_empty() && rng.random_range(0..4) == 0 => {
                offices[rng.random_range(0..offices.len())].to_owned()
            }
            None if rng.random_bool(0.5) => super::names::firm_name(rng.random_range(0..200)),
            None => String::new(),
        };
        out.push(MemberPlan {
            identity: person.identity_number.clone(),
            org,
            standing: standing(age, today, rng),
            unit,
            mobile,
            here_days: rng.random_range(200..6_000),
        });
    }
    out
}

/// About a third of the people who work here and live elsewhere are
/// members: of the organisation covering their workplace, or, where none
/// does, of the mobile members' branch, with the workplace as their unit
/// (so a gap's page names who could found one there). Drawn after the
/// rest of the organisation, so the residents' committees, transfers and
/// registrations stay as they were.
fn worker_members(
    plan: &Plan,
    orgs: &[OrgPlan],
    today: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> Vec<MemberPlan> {
    let mobile_org = orgs
        .iter()
        .position(|o| o.kind == OrgKind::MobileMembersBranch)
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut covering: HashMap<usize, usize> = HashMap::new();
    for (k, o) in orgs.iter().enumerate() {
        for &p in &o.covers {
            covering.entry(p).or_insert(k);
        }
    }
    for w in &plan.workers {
        if !rng.random_bool(WORKER_MEMBER_SHARE) {
            continue;
        }
        let (org, mobile) = match covering.get(&w.place) {
            Some(&k) => (k, false),
            None => (mobile_org, true),
        };
        let age = today.year() - w.birth_date.year();
        out.push(MemberPlan {
            identity: w.identity_number.clone(),
            org,
            standing: standing(age, today, rng),
            unit: plan.places[w.place].name.clone(),
            mobile,
            here_days: rng.random_range(200..3_000),
        });
    }
    out
}

/// A member's standing at `age`: joined at 18 to 40; the youngest few
/// still probationary, a few past their probation's end with no
/// conversion recorded.
fn standing(age: i32, today: NaiveDate, rng: &mut ChaCha8Rng) -> MemberStanding {
    let adult_days = ((age - 18).max(0) as u64) * 365;
    match rng.random_range(0..100) {
        0..4 => probationary(today, rng.random_range(30..330)),
        4..6 => probationary(today, rng.random_range(380..540)),
        _ => {
            let ago = adult_days.saturating_sub(rng.random_range(0..=adult_days.min(22 * 365)));
            let joined = today - Days::new(ago.max(400));
            let converted = joined + Days::new(365);
            MemberStanding {
                joined_on: joined,
                standing: Standing::Full {
                    converted_on: (joined.year() >= 2000).then_some(converted),
                },
            }
        }
    }
}

/// A probationary member who joined `ago` days before `today`, for a year.
fn probationary(today: NaiveDate, ago: u64) -> MemberStanding {
    let joined = today - Days::new(ago);
    MemberStanding {
        joined_on: joined,
        standing: Standing::Probationary {
            probation_end: joined + Days::new(365),
        },
    }
}

/// Two or three open transfers between neighbourhoods (one requested more
/// than 30 days ago and still unanswered) and a few completed ones.
/// Returns how many are open.
async fn transfers(
    store: &Store,
    orgs: &[OrgPlan],
    by_org: &[Vec<(i64, &MemberPlan)>],
    today: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<usize> {
    let branches: Vec<usize> = (0..orgs.len())
        .filter(|&k| orgs[k].kind == OrgKind::Branch && by_org[k].len() > 3)
        .collect();
    if branches.len() < 2 {
        return Ok(0);
    }
    let open = rng.random_range(2..=3);
    let mut made = 0;
    let mut moved = std::collections::HashSet::new();
    for t in 0..open + 3 {
        let from = branches[(t * 7) % branches.len()];
        let to = branches[(t * 7 + branches.len() / 2) % branches.len()];
        if from == to {
            continue;
        }
        // The last full member of the branch: committees seat the first.
        let Some((person, _)) = by_org[from]
            .iter()
            .rev()
            .find(|(id, m)| m.standing.is_full() && !moved.contains(id))
        else {
            continue;
        };
        moved.insert(*person);
        let requested = today
            - Days::new(if t == 0 {
                rng.random_range(35..=60)
            } else {
                rng.random_range(3..=20)
            });
        let id = store
            .request_transfer(
                &NewTransfer {
                    person_id: *person,
                    to: Some(&orgs[to].code),
                    to_outside: None,
                    from_outside: None,
                    joining: None,
                    letter_no: "",
                    on: requested,
                    note: "",
                },
                ACTOR,
                shequ_store::now_ms(),
            )
            .await?;
        if t >= open {
            // Requested long ago, accepted and completed with the letter.
            store
                .step_transfer(
                    id,
                    TransferStep::Accept,
                    requested + Days::new(1),
                    None,
                    shequ_store::now_ms(),
                )
                .await?;
            let letter = format!("徐组转〔{}〕{}号", today.year(), 10 + t);
            store
                .step_transfer(
                    id,
                    TransferStep::Complete,
                    requested + Days::new(2),
                    Some(&letter),
                    shequ_store::now_ms(),
                )
                .await?;
        } else {
            made += 1;
        }
    }
    Ok(made)
}
