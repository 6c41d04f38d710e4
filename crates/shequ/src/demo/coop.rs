//! The demo's regional cooperation (区域化党建), on a stream of its own:
//! the units resident in the street (驻区单位) — the firms of its office
//! buildings and enterprises, its schools, health stations and offices —
//! with what they offer, the neighbourhoods' needs of this year, and
//! projects made from the best match of some of them, in every state
//! from proposed to done and rated, so the year's project list shows
//! needs met, needs to pick and needs nothing fits from the first minute.
//! At 20,000 residents about 300 units, 400 resources, 160 needs and 50
//! projects (seed 001's town: 158 needs, 49 projects).

use std::collections::HashMap;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shequ_domain::coop::{
    Capacity, CapacityUnit, Category, NeedView, ProjectStatus, Rating, UnitKind, Urgency, Window,
    rank,
};
use shequ_domain::{FacilityType, PlaceKind};
use shequ_store::Store;
use shequ_store::coop::{NewNeed, NewProject, NewResource, NewUnit, ProjectUpdate};

use super::generate::Plan;
use super::names;
use super::write::Written;

const ACTOR: &str = "demo";
/// Who confirms a volunteer's hours on their registration: their own
/// check-in, as the server writes it.
const CHECK_IN: &str = shequ_server::coop::volunteers::CONFIRMED_BY;

/// What the demo holds of the cooperation lists, for the print-out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CoopFigures {
    pub units: usize,
    pub resources: usize,
    pub needs: usize,
    pub projects: usize,
    /// Projects by status: proposed, agreed, running, done, dropped.
    pub by_status: [usize; 5],
    pub rated: usize,
    /// Volunteer teams, their members, activities and the hours credited
    /// (absent in a demo.json written before them).
    #[serde(default)]
    pub teams: usize,
    #[serde(default)]
    pub volunteers: usize,
    #[serde(default)]
    pub activities: usize,
    #[serde(default)]
    pub hours: f64,
    /// Pairs (结对帮扶) and those overdue a visit.
    #[serde(default)]
    pub pairs: usize,
    #[serde(default)]
    pub pairs_overdue: usize,
    /// Open call-ups (应急响应).
    #[serde(default)]
    pub callups: usize,
}

/// How many of each a street of `residents` gets.
fn sizes(residents: usize) -> (usize, usize, usize) {
    let units = (residents / 67).clamp(8, 300);
    let needs = (residents / 125).clamp(6, 160);
    let projects = (residents / 400).clamp(5, 50);
    (units, needs, projects)
}

/// The kinds of unit at a place of `kind`, and their weights.
fn unit_kinds(kind: PlaceKind, facility: Option<FacilityType>) -> &'static [(UnitKind, u32)] {
    use UnitKind as U;
    match (kind, facility) {
        (_, Some(FacilityType::School | FacilityType::Kindergarten)) => &[(U::School, 1)],
        (_, Some(FacilityType::HealthStation | FacilityType::ElderlyCare)) => &[(U::Hospital, 1)],
        (_, Some(FacilityType::PoliceStation | FacilityType::PartyMassServiceCentre)) => {
            &[(U::Government, 1)]
        }
        (_, Some(_)) => &[(U::PublicInstitution, 2), (U::Ngo, 1)],
        (PlaceKind::OfficeBuilding, _) => &[
            (U::PrivateFirm, 10),
            (U::StateFirm, 4),
            (U::Ngo, 2),
            (U::Government, 1),
            (U::University, 1),
            (U::PublicInstitution, 1),
        ],
        (PlaceKind::Enterprise | PlaceKind::Market | PlaceKind::BusinessDistrict, _) => {
            &[(U::PrivateFirm, 3), (U::StateFirm, 1)]
        }
        _ => &[(U::PublicInstitution, 1), (U::Ngo, 1)],
    }
}

/// What a unit of `kind` offers, by category.
fn offers(kind: UnitKind) -> &'static [Category] {
    use Category as C;
    match kind {
        UnitKind::Hospital => &[C::HealthVisits, C::Psychological, C::ElderlyCare],
        UnitKind::School | UnitKind::University => {
            &[C::Tutoring, C::Venue, C::CultureSports, C::Psychological]
        }
        UnitKind::Government | UnitKind::PublicInstitution => {
            &[C::LegalAdvice, C::Employment, C::Venue, C::SafetyPatrol]
        }
        UnitKind::StateFirm => &[
            C::Venue,
            C::Parking,
            C::Repair,
            C::Employment,
            C::Environment,
        ],
        UnitKind::PrivateFirm => &[
            C::Repair,
            C::ElderlyMeals,
            C::Parking,
            C::Employment,
            C::Environment,
            C::LegalAdvice,
        ],
        UnitKind::Ngo | UnitKind::Other => &[
            C::ElderlyCare,
            C::DisabilityHelp,
            C::Psychological,
            C::SafetyPatrol,
            C::CultureSports,
            C::ElderlyMeals,
        ],
    }
}

/// How a resource of `category` is counted, and a title for it.
fn offer_of(category: Category) -> (CapacityUnit, &'static str) {
    use CapacityUnit as U;
    use Category as C;
    match category {
        C::ElderlyMeals => (U::Places, "职工食堂助餐名额"),
        C::LegalAdvice => (U::HoursPerMonth, "律师法律咨询"),
        C::Tutoring => (U::Places, "学生课后辅导"),
        C::Venue => (U::HoursPerMonth, "会议室和活动场地开放"),
        C::Repair => (U::VisitsPerMonth, "上门维修"),
        C::Parking => (U::Places, "夜间错峰停车位"),
        C::HealthVisits => (U::VisitsPerMonth, "医生上门健康服务"),
        C::ElderlyCare => (U::HoursPerMonth, "为老志愿服务"),
        C::DisabilityHelp => (U::HoursPerMonth, "助残陪护"),
        C::CultureSports => (U::HoursPerMonth, "文体活动指导"),
        C::Environment => (U::HoursPerMonth, "环境整治志愿者"),
        C::SafetyPatrol => (U::HoursPerMonth, "平安巡逻"),
        C::Employment => (U::Places, "就业岗位"),
        C::Psychological => (U::HoursPerMonth, "心理咨询"),
        C::Other => (U::MoneyYuan, "共建资金"),
    }
}

/// The needs neighbourhoods raise, how often, what they say and who they
/// serve. `Other` has no resource on offer: a need nothing fits.
const NEEDS: &[(Category, u32, &str, &str)] = &[
    (
        Category::ElderlyMeals,
        15,
        "独居老人助餐",
        "80岁以上独居老人",
    ),
    (Category::HealthVisits, 15, "高龄老人上门体检", "高龄老人"),
    (Category::ElderlyCare, 12, "失能老人照护", "失能老人家庭"),
    (Category::Repair, 10, "老旧小区水电维修", "困难家庭"),
    (Category::Tutoring, 8, "双职工家庭子女课后看护", "小学生"),
    (Category::LegalAdvice, 8, "邻里纠纷法律咨询", "居民"),
    (Category::Parking, 8, "夜间停车难", "有车居民"),
    (Category::Venue, 6, "居民议事活动场地", "居民自治小组"),
    (
        Category::CultureSports,
        6,
        "老年合唱队排练指导",
        "老年文体团队",
    ),
    (Category::Environment, 5, "楼道堆物清理", "居民"),
    (Category::DisabilityHelp, 4, "残疾人出行陪护", "残疾人"),
    (Category::Psychological, 3, "独居老人心理慰藉", "独居老人"),
    (Category::SafetyPatrol, 3, "夜间平安巡逻", "居民"),
    (Category::Employment, 3, "失业人员再就业", "失业人员"),
    (Category::Other, 2, "加装电梯资金缺口", "多层住宅居民"),
];

const URGENCY: &[(Urgency, u32)] = &[
    (Urgency::Urgent, 1),
    (Urgency::High, 3),
    (Urgency::Normal, 5),
    (Urgency::Low, 1),
];

/// The states the demo's projects end in, cycled: most running or done,
/// a few at each other step.
const STATES: &[ProjectStatus] = &[
    ProjectStatus::Done,
    ProjectStatus::Running,
    ProjectStatus::Done,
    ProjectStatus::Agreed,
    ProjectStatus::Proposed,
    ProjectStatus::Done,
    ProjectStatus::Running,
    ProjectStatus::Dropped,
    ProjectStatus::Done,
    ProjectStatus::Running,
];

fn pick<T: Copy>(items: &[(T, u32)], rng: &mut ChaCha8Rng) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut r = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if r < *w {
            return *item;
        }
        r -= w;
    }
    items[0].0
}

/// A window of `months` months from the first of `month` of `year`,
/// ending on the year's last day at the latest.
fn months_window(year: i32, month: u32, months: u32) -> anyhow::Result<Window> {
    let start = NaiveDate::from_ymd_opt(year, month, 1).context("month")?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31).context("year end")?;
    let end = start
        .checked_add_months(chrono::Months::new(months))
        .and_then(|d| d.pred_opt())
        .unwrap_or(last)
        .min(last);
    Ok(Window::new(start, end)?)
}

/// Stores the units, resources, needs, projects and volunteer teams.
pub async fn build(
    store: &Store,
    plan: &Plan,
    written: &Written,
    today: NaiveDate,
    now: i64,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<CoopFigures> {
    let mut figures = CoopFigures::default();
    let (unit_count, need_count, project_count) = sizes(plan.people.len());
    let codes: Vec<&str> = plan.places.iter().map(|p| p.code.as_str()).collect();
    let refs = store.place_refs(&codes).await?;
    let id_of = |i: usize| refs.get(&plan.places[i].code).map(|r| r.id);
    let year = today.year();

    // Units: the street's institutions first, then firms in its office
    // buildings and enterprises until there are enough.
    let institutions: Vec<usize> = (plan.buildings..plan.places.len())
        .filter(|&i| plan.places[i].kind == PlaceKind::ServiceFacility)
        .collect();
    let mut firms: Vec<usize> = (plan.buildings..plan.places.len())
        .filter(|&i| {
            matches!(
                plan.places[i].kind,
                PlaceKind::OfficeBuilding
                    | PlaceKind::Enterprise
                    | PlaceKind::Market
                    | PlaceKind::BusinessDistrict
            )
        })
        .collect();
    firms.shuffle(rng);
    let mut unit_places: Vec<usize> = institutions.iter().copied().take(unit_count / 4).collect();
    let mut k = 0;
    while unit_places.len() < unit_count && !firms.is_empty() {
        unit_places.push(firms[k % firms.len()]);
        k += 1;
    }
    let mut units: Vec<(i64, UnitKind)> = Vec::new();
    for (n, &i) in unit_places.iter().enumerate() {
        let place = &plan.places[i];
        let Some(place_id) = id_of(i) else { continue };
        let kind = pick(unit_kinds(place.kind, place.facility), rng);
        let name = match (place.kind, kind) {
            (PlaceKind::ServiceFacility | PlaceKind::Enterprise, _) => place.name.clone(),
            (_, UnitKind::Government) => format!("{}办公室", place.name),
            (_, UnitKind::University) => format!("{}继续教育学院", place.name),
            (_, UnitKind::Ngo) => format!("{}社会工作服务社", place.name),
            _ => names::firm_name(n + 1_000),
        };
        let code = format!("DW-{:04}", n + 1);
        let unit = NewUnit {
            code: &code,
            name: &name,
            kind,
            place_id,
            party_org_id: None,
            contact_name: "联络员",
            contact_phone: &format!("021-6{:07}", rng.random_range(0..10_000_000_u32)),
            staff: rng.random_range(10..800),
            offers: "",
        };
        let (id, _) = store
            .upsert_unit(&unit, ACTOR, now)
            .await
            .with_context(|| format!("while registering unit {code}"))?;
        units.push((id, kind));
    }
    figures.units = units.len();

    // Resources: 0 to 3 a unit, 4 in 3 on average.
    let mut n = 0;
    for (unit_id, kind) in &units {
        let count = [0, 1, 1, 1, 2, 2, 3][rng.random_range(0..7)];
        let mut cats = offers(*kind).to_vec();
        cats.shuffle(rng);
        for category in cats.into_iter().take(count) {
            n += 1;
            let (unit, title) = offer_of(category);
            let amount = match unit {
                CapacityUnit::MoneyYuan => rng.random_range(1..20) * 5_000,
                _ => rng.random_range(4..41),
            };
            let windows = match rng.random_range(0..10) {
                0..6 => Vec::new(),
                6..9 => vec![months_window(
                    year,
                    rng.random_range(1..7),
                    rng.random_range(4..9),
                )?],
                _ => vec![months_window(year, 1, 6)?, months_window(year, 9, 4)?],
            };
            let code = format!("ZY-{n:04}");
            let resource = NewResource {
                code: &code,
                title,
                category,
                unit_id: *unit_id,
                capacity: Capacity::new(amount, unit)?,
                windows: &windows,
                detail: "",
            };
            store
                .upsert_resource(&resource, ACTOR, now)
                .await
                .with_context(|| format!("while offering resource {code}"))?;
        }
    }
    figures.resources = n;

    // Needs, each at a residential building of a neighbourhood.
    let mut by_hood: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..plan.buildings {
        let hood = plan.street.grids[plan.places[i].grid].neighbourhood;
        by_hood.entry(hood).or_default().push(i);
    }
    let hoods: Vec<usize> = {
        let mut h: Vec<usize> = by_hood.keys().copied().collect();
        h.sort_unstable();
        h
    };
    let weights: Vec<(usize, u32)> = NEEDS.iter().enumerate().map(|(i, n)| (i, n.1)).collect();
    let mut needs = Vec::new();
    for n in 0..need_count {
        let Some(&hood) = hoods.get(rng.random_range(0..hoods.len().max(1))) else {
            break;
        };
        let buildings = &by_hood[&hood];
        let b = buildings[rng.random_range(0..buildings.len())];
        let Some(place_id) = id_of(b) else { continue };
        let short = &plan.street.neighbourhoods[hood].short;
        let (category, _, what, who) = NEEDS[pick(&weights, rng)];
        let window = months_window(year, rng.random_range(1..11), rng.random_range(2..7))?;
        let code = format!("XQ-{year}-{:03}", n + 1);
        let title = format!("{short}{what}");
        let raised_by = match rng.random_range(0..4) {
            0 => format!("{short}居民区党总支"),
            1 => format!("{short}业委会"),
            _ => format!("{short}居委会"),
        };
        let wanted = if rng.random_bool(0.7) {
            rng.random_range(2..13)
        } else {
            0
        };
        let need = NewNeed {
            code: &code,
            title: &title,
            category,
            place_id,
            raised_by: &raised_by,
            beneficiaries: who,
            beneficiary_count: rng.random_range(5..121),
            wanted,
            window,
            urgency: pick(URGENCY, rng),
            detail: "",
            order_ids: &[],
        };
        let (id, _) = store
            .upsert_need(&need, ACTOR, now)
            .await
            .with_context(|| format!("while raising need {code}"))?;
        let p = &plan.places[b].point;
        needs.push((
            id,
            title,
            NeedView {
                category,
                lon: p.lon,
                lat: p.lat,
                window,
                wanted,
            },
        ));
    }
    figures.needs = needs.len();

    // Projects from the best match of some needs, stepped to their state.
    needs.shuffle(rng);
    let mut made = 0;
    for (need_id, title, view) in &needs {
        if made == project_count {
            break;
        }
        let resources = store.resource_views(view.category).await?;
        let Some((resource_id, fit)) = rank(view, &resources, 1).into_iter().next() else {
            continue;
        };
        let amount = view.wanted.max(1).min(fit.remaining);
        let state = STATES[made % STATES.len()];
        // Dated by the need's window: proposed two weeks before it starts,
        // agreed a week before, running from its first day, done on its
        // last (never later than now).
        let day_ms = |d: NaiveDate| {
            d.and_hms_opt(10, 0, 0)
                .map_or(now, |t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
                .min(now)
        };
        let start = view.window.start();
        let created = day_ms(start - chrono::Days::new(14));
        let id = store
            .create_project(
                &NewProject {
                    need_id: *need_id,
                    title,
                    owner: "联络员",
                    window: view.window,
                    resources: &[(resource_id, amount)],
                    decision_id: None,
                },
                ACTOR,
                created,
            )
            .await
            .with_context(|| format!("while making a project of need {need_id}"))?;
        made += 1;
        let steps: &[(ProjectStatus, NaiveDate)] = &[
            (ProjectStatus::Agreed, start - chrono::Days::new(7)),
            (ProjectStatus::Running, start),
            (ProjectStatus::Done, view.window.end()),
        ];
        let upto = match state {
            ProjectStatus::Proposed => 0,
            ProjectStatus::Agreed | ProjectStatus::Dropped => 1,
            ProjectStatus::Running => 2,
            ProjectStatus::Done => 3,
        };
        let mut at = created;
        for (to, on) in &steps[..upto] {
            at = day_ms(*on).max(at);
            store.step_project(id, *to, None, ACTOR, at).await?;
        }
        if state == ProjectStatus::Dropped {
            at = day_ms(start).max(at);
            store
                .step_project(id, state, Some("单位人手调整，暂停合作"), ACTOR, at)
                .await?;
        }
        if state == ProjectStatus::Done {
            let served = rng.random_range(5..80);
            store
                .update_project(
                    id,
                    &ProjectUpdate {
                        owner: "联络员",
                        participants: rng.random_range(2..20),
                        beneficiaries: served,
                        outcome: &format!("{served}人受益"),
                    },
                    ACTOR,
                    at,
                )
                .await?;
            if rng.random_bool(0.75) {
                let stars = pick(&[(5, 5), (4, 4), (3, 1)], rng);
                store
                    .rate_project(id, Rating::new(stars)?, "", ACTOR, at)
                    .await?;
                figures.rated += 1;
            }
        }
        let slot = ProjectStatus::ALL
            .iter()
            .position(|s| *s == state)
            .unwrap_or(0);
        figures.by_status[slot] += 1;
    }
    figures.projects = made;
    let unit_ids: Vec<i64> = units.iter().map(|(id, _)| *id).collect();
    volunteering(
        store,
        plan,
        written,
        &unit_ids,
        today,
        now,
        rng,
        &mut figures,
    )
    .await?;
    pairing(store, today, now, rng, &mut figures).await?;
    callup(store, plan, written, today, now, rng, &mut figures).await?;
    Ok(figures)
}

/// An open call-up of the first neighbourhood (the printed secretary's):
/// gates and deliveries in shifts from this morning to tonight, most of
/// the posts answered by its registered members and its volunteers, those
/// on the shift under way checked in, one post still short.
async fn callup(
    store: &Store,
    plan: &Plan,
    written: &Written,
    today: NaiveDate,
    now: i64,
    rng: &mut ChaCha8Rng,
    figures: &mut CoopFigures,
) -> anyhow::Result<()> {
    use shequ_domain::party::registration::Hours;
    use shequ_store::coop::{NewPost, ServiceEntry};
    let Some(hood) = plan.street.neighbourhoods.first() else {
        return Ok(());
    };
    let Some((region_id, region_path)) = written.regions.get(&hood.code) else {
        return Ok(());
    };
    let id = store
        .create_callup(
            &format!("{}防汛防台应急响应", hood.short),
            *region_id,
            ACTOR,
            now,
        )
        .await?;
    let hour = 3_600_000_i64;
    let posts = [
        ("1号门值守", -2, 2, 3),
        ("2号门值守", -2, 2, 3),
        ("为独居老人送餐", -1, 3, 4),
        ("低洼处巡查", 2, 6, 4),
    ];
    // Who may answer: the neighbourhood's registered members and the
    // members of its teams.
    let mut people: Vec<(i64, Option<i64>)> = store
        .registrations_in(&shequ_store::Scope::everything(), today.year())
        .await?
        .into_iter()
        .filter(|r| r.region_path.starts_with(region_path.as_str()))
        .filter_map(|r| r.person_id.map(|p| (p, Some(r.id))))
        .collect();
    for t in store
        .volunteer_teams_in(&shequ_store::Scope::everything())
        .await?
        .into_iter()
        .filter(|t| t.region_path.starts_with(region_path.as_str()))
    {
        for m in store.volunteer_team_members(t.id).await? {
            if !people.iter().any(|(p, _)| *p == m.person_id) {
                people.push((m.person_id, None));
            }
        }
    }
    people.shuffle(rng);
    let mut next = people.into_iter();
    for (k, (name, from, to, needed)) in posts.iter().enumerate() {
        let starts_at = now + from * hour;
        let ends_at = now + to * hour;
        let post = store
            .add_callup_post(
                id,
                &NewPost {
                    name,
                    place_id: None,
                    starts_at,
                    ends_at,
                    needed: *needed,
                },
            )
            .await?;
        // The last post is still short of one person.
        let take = if k == posts.len() - 1 {
            needed - 1
        } else {
            *needed
        };
        for _ in 0..take {
            let Some((person, registration)) = next.next() else {
                break;
            };
            store.answer_post(post, person, now - 3 * hour).await?;
            if starts_at <= now {
                let tenths = u32::try_from((ends_at - starts_at) / 360_000).unwrap_or(0);
                let what = format!("应急响应：{name}");
                let entry = registration.map(|registration_id| ServiceEntry {
                    registration_id,
                    day: today,
                    today,
                    what: &what,
                    confirmed_by: CHECK_IN,
                });
                store
                    .check_in_on_duty(
                        post,
                        person,
                        Hours::from_tenths(tenths),
                        entry.as_ref(),
                        starts_at,
                    )
                    .await?;
            }
        }
    }
    figures.callups += 1;
    Ok(())
}

/// Visits of a pair: a few, the last within the 60 days, or (one pair in
/// four) long ago, so the pair is overdue. Whether it is.
async fn visits(
    store: &Store,
    pair: i64,
    paired: NaiveDate,
    today: NaiveDate,
    now: i64,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<bool> {
    const WHAT: &[&str] = &[
        "上门走访，了解生活近况",
        "送去慰问品",
        "帮助申请医疗救助",
        "陪同就医",
        "协调解决房屋漏水",
    ];
    let late = rng.random_range(0..4) == 0;
    let last_ago = if late {
        rng.random_range(70..150)
    } else {
        rng.random_range(3..55)
    };
    let count = rng.random_range(1..5);
    let mut ago = last_ago;
    for _ in 0..count {
        let Some(day) = today.checked_sub_days(chrono::Days::new(ago)) else {
            break;
        };
        if day < paired {
            break;
        }
        store
            .log_visit(
                pair,
                day,
                WHAT[rng.random_range(0..WHAT.len())],
                "联系干部",
                now,
            )
            .await?;
        ago += rng.random_range(20..40);
    }
    Ok(late)
}

/// Each neighbourhood's 党总支 paired with a new-sector organisation
/// (组织结对), and about two thirds of the households in difficulty with a
/// cadre (干部联系困难户), with their visits — a quarter overdue.
async fn pairing(
    store: &Store,
    today: NaiveDate,
    now: i64,
    rng: &mut ChaCha8Rng,
    figures: &mut CoopFigures,
) -> anyhow::Result<()> {
    use shequ_domain::coop::{DEFAULT_VISIT_DAYS, in_difficulty};
    use shequ_store::coop::NewPair;
    const CADRES: &[&str] = &[
        "王建华",
        "李秀梅",
        "张志强",
        "陈丽娟",
        "刘伟",
        "周敏",
        "吴国庆",
        "徐静",
    ];
    let orgs = store.party_orgs().await?;
    let hoods: Vec<_> = orgs
        .iter()
        .filter(|o| o.kind == "neighbourhood_general_branch")
        .collect();
    let helpers: Vec<_> = orgs.iter().filter(|o| o.kind == "new_sector").collect();
    let paired_on = |rng: &mut ChaCha8Rng| {
        today
            .checked_sub_days(chrono::Days::new(rng.random_range(150..500)))
            .unwrap_or(today)
    };
    for (k, hood) in hoods.iter().enumerate() {
        let Some(helper) = helpers.get(k % helpers.len().max(1)) else {
            break;
        };
        let on = paired_on(rng);
        let pair = store
            .create_pair(
                &NewPair::Orgs {
                    helper_org_id: helper.id,
                    helped_org_id: hood.id,
                },
                on,
                DEFAULT_VISIT_DAYS,
                ACTOR,
                now,
            )
            .await
            .with_context(|| format!("while pairing {} with {}", helper.code, hood.code))?;
        figures.pairs += 1;
        if visits(store, pair, on, today, now, rng).await? {
            figures.pairs_overdue += 1;
        }
    }
    let mut tags: HashMap<i64, String> = HashMap::new();
    for h in store
        .households_with_care_tags(&shequ_store::Scope::everything())
        .await?
    {
        let e = tags.entry(h.household_id).or_default();
        e.push(',');
        e.push_str(&h.care_tags);
    }
    let mut households: Vec<i64> = tags
        .into_iter()
        .filter(|(_, t)| in_difficulty(t))
        .map(|(h, _)| h)
        .collect();
    households.sort_unstable();
    for household in households {
        if rng.random_range(0..3) == 0 {
            continue;
        }
        let on = paired_on(rng);
        let pair = store
            .create_pair(
                &NewPair::Household {
                    helper_name: CADRES[rng.random_range(0..CADRES.len())],
                    household_id: household,
                },
                on,
                DEFAULT_VISIT_DAYS,
                ACTOR,
                now,
            )
            .await
            .with_context(|| format!("while pairing household {household}"))?;
        figures.pairs += 1;
        if visits(store, pair, on, today, now, rng).await? {
            figures.pairs_overdue += 1;
        }
    }
    Ok(())
}

/// The kinds of volunteer team, by what they mostly do.
const TEAMS: &[(&str, Category)] = &[
    ("党员医疗服务队", Category::HealthVisits),
    ("平安巡逻队", Category::SafetyPatrol),
    ("助残服务队", Category::DisabilityHelp),
    ("为老服务队", Category::ElderlyCare),
    ("环境整治志愿队", Category::Environment),
    ("文体志愿队", Category::CultureSports),
    ("法律服务队", Category::LegalAdvice),
    ("助学志愿队", Category::Tutoring),
];

/// Teams in the neighbourhoods, a third of them a unit's, each with
/// registered party members and other adults of its neighbourhood; a
/// year of monthly activities with their sign-ups and check-ins (the
/// members' hours on their 双报到 registrations), one under way now that
/// takes check-ins, and one next week.
#[allow(clippy::too_many_arguments)]
async fn volunteering(
    store: &Store,
    plan: &Plan,
    written: &Written,
    units: &[i64],
    today: NaiveDate,
    now: i64,
    rng: &mut ChaCha8Rng,
    figures: &mut CoopFigures,
) -> anyhow::Result<()> {
    use chrono::TimeZone;
    use shequ_domain::party::registration::Hours;
    use shequ_store::coop::{NewActivity, NewTeam, ServiceEntry};

    let hoods = &plan.street.neighbourhoods;
    if hoods.is_empty() {
        return Ok(());
    }
    let count = (plan.people.len() / 1_000).clamp(2, 20);
    let regs = store
        .registrations_in(&shequ_store::Scope::everything(), today.year())
        .await?;
    // Adults of 18 to 75 by neighbourhood, as identity numbers.
    let mut adults: HashMap<usize, Vec<&str>> = HashMap::new();
    for p in &plan.people {
        let age = today.year() - p.birth_date.year();
        if !(18..=75).contains(&age) {
            continue;
        }
        let b = plan.households[p.household].building;
        let hood = plan.street.grids[plan.places[b].grid].neighbourhood;
        adults
            .entry(hood)
            .or_default()
            .push(p.identity_number.as_str());
    }
    let hour = 3_600_000_i64;
    let at_nine = |d: NaiveDate| {
        super::history::TZ
            .with_ymd_and_hms(d.year(), d.month(), d.day(), 9, 0, 0)
            .earliest()
            .map_or(now, |t| t.timestamp_millis())
    };
    for t in 0..count {
        let hood = t % hoods.len();
        let (kind, category) = TEAMS[t % TEAMS.len()];
        let Some((region_id, region_path)) = written.regions.get(&hoods[hood].code) else {
            continue;
        };
        let name = format!("{}{kind}", hoods[hood].short);
        let unit_id =
            (t % 3 == 2 && !units.is_empty()).then(|| units[rng.random_range(0..units.len())]);
        let team = store
            .create_volunteer_team(
                &NewTeam {
                    code: &format!("ZYD-{:03}", t + 1),
                    name: &name,
                    category,
                    unit_id,
                    region_id: *region_id,
                    leader: "队长",
                },
                ACTOR,
                now,
            )
            .await
            .with_context(|| format!("while starting team {name}"))?;
        figures.teams += 1;
        // Members: up to six registered members of the neighbourhood, and
        // eight to twenty other adults.
        let mut members: Vec<(i64, Option<i64>)> = regs
            .iter()
            .filter(|r| r.region_path.starts_with(region_path.as_str()))
            .filter_map(|r| r.person_id.map(|p| (p, Some(r.id))))
            .take(6)
            .collect();
        let mut pool = adults.get(&hood).cloned().unwrap_or_default();
        pool.shuffle(rng);
        pool.truncate(rng.random_range(8..=20));
        let ids = store.person_ids_by_identity(&pool).await?;
        let mut others: Vec<i64> = ids.values().copied().collect();
        others.sort_unstable();
        // A registered member may be drawn again among the adults: once.
        let mut seen = std::collections::HashSet::new();
        members.extend(others.into_iter().map(|p| (p, None)));
        members.retain(|m| seen.insert(m.0));
        for (p, _) in &members {
            if store.add_volunteer(team, *p, now).await? {
                figures.volunteers += 1;
            }
        }
        let Some(&place) = plan
            .places
            .iter()
            .enumerate()
            .filter(|(_, p)| plan.street.grids[p.grid].neighbourhood == hood)
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
            .first()
        else {
            continue;
        };
        let codes = [plan.places[place].code.as_str()];
        let Some(place_id) = store.place_refs(&codes).await?.get(codes[0]).map(|r| r.id) else {
            continue;
        };
        // A year of monthly activities, then one under way and one ahead.
        let mut plans: Vec<(i64, i64, bool)> = (1..=12)
            .rev()
            .filter_map(|m| today.checked_sub_days(chrono::Days::new(30 * m)))
            .map(|d| {
                let start = at_nine(d);
                (start, start + hour * rng.random_range(2..=3), true)
            })
            .collect();
        plans.push((now - hour / 2, now + hour * 5 / 2, false));
        plans.push((now + 7 * 24 * hour, now + 7 * 24 * hour + 2 * hour, false));
        for (starts_at, ends_at, past) in plans {
            let activity = store
                .create_activity(
                    &NewActivity {
                        team_id: team,
                        title: &format!("{}{}", hoods[hood].short, kind.trim_end_matches('队')),
                        place_id,
                        starts_at,
                        ends_at,
                        capacity: 12,
                    },
                    ACTOR,
                    now,
                )
                .await?;
            figures.activities += 1;
            let mut came = members.clone();
            came.shuffle(rng);
            came.truncate(if past { rng.random_range(3..=8) } else { 2 });
            let day = chrono::DateTime::from_timestamp_millis(starts_at)
                .map_or(today, |d| d.with_timezone(&super::history::TZ).date_naive());
            let tenths = u32::try_from((ends_at - starts_at) / 360_000).unwrap_or(0);
            let what = format!(
                "志愿服务：{}{}",
                hoods[hood].short,
                kind.trim_end_matches('队')
            );
            for (i, (person, registration)) in came.iter().enumerate() {
                store
                    .sign_up(activity, *person, starts_at - 24 * hour)
                    .await?;
                // One in eight who signed up does not come.
                if !past || (i > 0 && rng.random_range(0..8) == 0) {
                    continue;
                }
                let entry = registration.map(|registration_id| ServiceEntry {
                    registration_id,
                    day,
                    today,
                    what: &what,
                    confirmed_by: CHECK_IN,
                });
                store
                    .check_in_volunteer(
                        activity,
                        *person,
                        Hours::from_tenths(tenths),
                        entry.as_ref(),
                        starts_at,
                    )
                    .await?;
                figures.hours += f64::from(tenths) / 10.0;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_street_of_twenty_thousand_gets_the_seeds_numbers() {
        assert_eq!(sizes(20_000), (298, 160, 50));
        assert_eq!(sizes(500), (8, 6, 5));
    }

    #[test]
    fn month_windows_stop_at_the_year_end() {
        let w = months_window(2026, 11, 6).expect("window");
        assert_eq!(
            (w.start().to_string(), w.end().to_string()),
            ("2026-11-01".to_owned(), "2026-12-31".to_owned())
        );
        let w = months_window(2026, 3, 2).expect("window");
        assert_eq!(w.end().to_string(), "2026-04-30");
    }
}
