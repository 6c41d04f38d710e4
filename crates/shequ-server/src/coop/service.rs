//! The cooperation capability's service: the resident units, the needs
//! and resources lists, matching a need against the resources with the
//! reasons in words, and the projects from confirmation to rating.
//! Handlers (API, pages, import) go through here; it adds the caller's
//! scope and role to each read and change.
//!
//! Who may do what: everyone signed in reads the lists of their area
//! (units, needs and resources hold no resident's data); the roles that
//! manage the party organisation (the street's operators, neighbourhood
//! secretaries, the district's organisers, administrators) change them.
//! Matching looks at every resource of the need's category, wherever its
//! unit is: the street's units serve all its neighbourhoods, and a far
//! one simply scores low on distance.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use shequ_domain::Code;
use shequ_domain::coop::{
    Capacity, Category, Fit, NeedView, ProjectStatus, Rating, UnitKind, Urgency, Window,
};
use shequ_store::coop::{
    NeedRow, NewNeed, NewProject, NewResource, NewUnit, ProjectChange, ProjectResourceRow,
    ProjectRow, ProjectUpdate, ResourceRow, UnitRow,
};
use shequ_store::places::PlaceQuery;
use shequ_store::{Paging, Scope, StoreError};

use crate::app::access::actor;
use crate::app::auth::Principal;
use crate::app::error::{AppError, FieldError};
use crate::coop::CoopState;
use crate::coop::cache::Offer;

/// The token scopes of the cooperation API.
pub const READ: &str = "coop:read";
pub const WRITE: &str = "coop:write";

/// How many ranked resources a need's page and API show.
pub const MATCHES_SHOWN: usize = 10;

/// Refuses a caller whose role does not change the lists.
pub fn require_writer(who: &Principal) -> Result<(), AppError> {
    match who {
        Principal::User(u) if !u.role.manages_party() => {
            Err(AppError::Forbidden(Code::CoopNotAllowed))
        }
        _ => Ok(()),
    }
}

/// Whether the caller may change the lists (the pages show the forms).
pub fn may_write(who: &Principal) -> bool {
    require_writer(who).is_ok()
}

fn field(name: &str, code: Code, message: impl Into<String>) -> FieldError {
    FieldError::new(name, code, message.into())
}

fn corrupt(e: StoreError) -> AppError {
    AppError::from(e)
}

/// A whole number from a form, 0 when left empty.
fn count(name: &str, text: &str, errors: &mut Vec<FieldError>) -> u32 {
    let t = text.trim();
    if t.is_empty() {
        return 0;
    }
    t.parse().unwrap_or_else(|_| {
        errors.push(field(
            name,
            Code::NumberInvalid,
            format!("{t:?} is not a whole number; write e.g. 40"),
        ));
        0
    })
}

fn required<'a>(name: &str, text: &'a str, max: usize, errors: &mut Vec<FieldError>) -> &'a str {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > max {
        errors.push(field(
            name,
            Code::Required,
            format!("fill this in, in up to {max} characters"),
        ));
    }
    t
}

fn date(name: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    text.trim()
        .parse()
        .map_err(|_| {
            errors.push(field(
                name,
                Code::DateInvalid,
                "write the date as 2026-03-01",
            ))
        })
        .ok()
}

/// The window from two form dates, refused when it ends first.
fn window_of(start: &str, end: &str, errors: &mut Vec<FieldError>) -> Option<Window> {
    let (a, b) = (
        date("starts_on", start, errors),
        date("ends_on", end, errors),
    );
    let (a, b) = (a?, b?);
    Window::new(a, b)
        .map_err(|e| errors.push(FieldError::from_invalid("ends_on", &e)))
        .ok()
}

/// Availability windows written one a line (or separated by `;`), each
/// as two dates: `2026-03-01~2026-06-30`, `2026-03-01 至 2026-06-30`.
pub fn parse_windows(text: &str) -> Result<Vec<Window>, FieldError> {
    let mut out = Vec::new();
    for piece in text.split(['\n', ';', '；']) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let dates: Vec<NaiveDate> = date_tokens(piece)
            .iter()
            .filter_map(|t| t.parse().ok())
            .collect();
        let [a, b] = dates[..] else {
            return Err(field(
                "windows",
                Code::DateInvalid,
                format!("{piece:?}: write each window as 2026-03-01~2026-06-30"),
            ));
        };
        out.push(Window::new(a, b).map_err(|e| {
            FieldError::new("windows", e.code, format!("{piece:?}: {}", e.message))
        })?);
    }
    Ok(out)
}

/// The `YYYY-MM-DD` runs in `s`.
fn date_tokens(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 10 <= b.len() {
        let w = &b[i..i + 10];
        let digits = |r: std::ops::Range<usize>| w[r].iter().all(u8::is_ascii_digit);
        if digits(0..4) && w[4] == b'-' && digits(5..7) && w[7] == b'-' && digits(8..10) {
            out.push(&s[i..i + 10]);
            i += 10;
        } else {
            i += 1;
        }
    }
    out
}

/// Windows as a form shows them, one a line.
pub fn windows_text(windows: &[Window]) -> String {
    windows
        .iter()
        .map(|w| format!("{}~{}", w.start(), w.end()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A code for a row entered without one: the prefix, today, and the
/// time of day in milliseconds, so two entered the same day differ.
fn new_code(core: &CoopState, prefix: &str) -> String {
    let now = core.clock.now_ms();
    format!(
        "{prefix}{}-{:05}",
        core.today().format("%Y%m%d"),
        now.rem_euclid(100_000)
    )
}

/// A place of the caller's area by code or exact name.
pub(crate) async fn place_of(
    core: &CoopState,
    scope: &Scope,
    text: &str,
    errors: &mut Vec<FieldError>,
) -> Result<Option<i64>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        errors.push(field(
            "place",
            Code::Required,
            "give the place's code or name, e.g. 田林一村党群服务站",
        ));
        return Ok(None);
    }
    let refs = core.store.place_refs(&[text]).await?;
    if let Some(p) = refs.get(text).filter(|p| scope.contains(&p.region_path)) {
        return Ok(Some(p.id));
    }
    let query = PlaceQuery {
        kind: None,
        name_prefix: Some(text.to_owned()),
    };
    let found = core
        .store
        .places_in(scope, &query, Paging::new(Some(1), Some(20)))
        .await?;
    if let Some(p) = found.items.iter().find(|p| p.name == text) {
        return Ok(Some(p.id));
    }
    errors.push(field(
        "place",
        Code::PlaceUnknown,
        format!("no place in your area has the code or name {text:?}"),
    ));
    Ok(None)
}

// ---------------------------------------------------------------- units

/// A unit as a form, the API or a file row gives it: all text, checked
/// here.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct UnitInput {
    /// Left empty on a form, one is made (`DW20261203-…`).
    pub code: String,
    pub name: String,
    /// `hospital` or 医院…
    pub kind: String,
    /// The place's code or exact name.
    pub place: String,
    /// The code of its party organisation, if it has one.
    pub party_org: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub staff: String,
    pub offers: String,
}

/// The units of the caller's area, by name.
pub async fn units(core: &CoopState, who: &Principal) -> Result<Vec<UnitRow>, AppError> {
    Ok(core.store.units_in(&who.scope()?).await?)
}

/// A unit with what it offers.
pub struct UnitView {
    pub unit: UnitRow,
    pub resources: Vec<ResourceRow>,
}

/// Unit `id`, if it is in the caller's area.
pub async fn unit(core: &CoopState, who: &Principal, id: i64) -> Result<UnitView, AppError> {
    let scope = who.scope()?;
    let unit = core
        .store
        .unit(id)
        .await?
        .filter(|u| scope.contains(&u.region_path))
        .ok_or(AppError::NotFound("coop unit"))?;
    let resources = core.store.resources_of_unit(id).await?;
    Ok(UnitView { unit, resources })
}

/// Registers or updates a unit; its id and whether it was new.
pub async fn save_unit(
    core: &CoopState,
    who: &Principal,
    input: &UnitInput,
) -> Result<(i64, bool), AppError> {
    require_writer(who)?;
    let scope = who.scope()?;
    let mut errors = Vec::new();
    let name = required("name", &input.name, 100, &mut errors);
    let kind = UnitKind::parse(&input.kind)
        .map_err(|e| errors.push(FieldError::from_invalid("kind", &e)))
        .ok();
    let place = place_of(core, &scope, &input.place, &mut errors).await?;
    let org = match input.party_org.trim() {
        "" => None,
        code => match core.store.party_org(code).await? {
            Some(o) => Some(o.id),
            None => {
                errors.push(field(
                    "party_org",
                    Code::PartyOrgNotFound,
                    format!("no party organisation has the code {code:?}"),
                ));
                None
            }
        },
    };
    let staff = count("staff", &input.staff, &mut errors);
    let code = match input.code.trim() {
        "" => new_code(core, "DW"),
        c => c.to_owned(),
    };
    if let Some(existing) = core.store.unit_by_code(&code).await?
        && !scope.contains(&existing.region_path)
    {
        errors.push(field(
            "code",
            Code::AlreadyExists,
            "a unit outside your area has this code",
        ));
    }
    let (Some(kind), Some(place_id), true) = (kind, place, errors.is_empty()) else {
        return Err(AppError::Unprocessable(errors));
    };
    let unit = NewUnit {
        code: &code,
        name,
        kind,
        place_id,
        party_org_id: org,
        contact_name: input.contact_name.trim(),
        contact_phone: input.contact_phone.trim(),
        staff,
        offers: input.offers.trim(),
    };
    Ok(core
        .store
        .upsert_unit(&unit, &actor(who).1, core.clock.now_ms())
        .await?)
}

// ---------------------------------------------------------------- needs

/// A need as a form, the API or a file row gives it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NeedInput {
    /// Left empty on a form, one is made (`XQ20261203-…`).
    pub code: String,
    pub title: String,
    /// `elderly_meals` or 助餐…
    pub category: String,
    /// The place's code or exact name.
    pub place: String,
    pub raised_by: String,
    pub beneficiaries: String,
    pub beneficiary_count: String,
    /// How much is wanted, in the unit of the resources that would meet
    /// it (hours a month, places…); empty when not said.
    pub wanted: String,
    pub starts_on: String,
    pub ends_on: String,
    /// `low`, `normal`, `high`, `urgent` or 低/一般/较急/紧急; empty is
    /// normal.
    pub urgency: String,
    pub detail: String,
    /// Work order ids it is raised from, separated by commas or spaces.
    pub orders: String,
}

/// The needs of `year` in the caller's area, most urgent first.
pub async fn needs(core: &CoopState, who: &Principal, year: i32) -> Result<Vec<NeedRow>, AppError> {
    Ok(core.store.needs_in(&who.scope()?, year).await?)
}

async fn need_in_view(core: &CoopState, who: &Principal, id: i64) -> Result<NeedRow, AppError> {
    let scope = who.scope()?;
    core.store
        .need(id)
        .await?
        .filter(|n| scope.contains(&n.region_path))
        .ok_or(AppError::NotFound("coop need"))
}

/// One ranked resource for a need.
#[derive(Debug, Clone)]
pub struct Match {
    pub resource: ResourceRow,
    pub fit: Fit,
}

impl Match {
    /// The fit in words, in the page's language.
    pub fn explain(&self, zh: bool) -> String {
        if zh {
            self.fit.explain_zh()
        } else {
            self.fit.explain_en()
        }
    }

    /// What confirming this match commits by default: what the need wants,
    /// at most what is left; one when the need does not say.
    pub fn default_amount(&self, need: &NeedRow) -> u32 {
        let wanted = u32::try_from(need.wanted).unwrap_or(0).max(1);
        wanted.min(self.fit.remaining)
    }
}

/// A need with its projects, the work orders behind it and its matches.
pub struct NeedDetail {
    pub need: NeedRow,
    pub projects: Vec<ProjectRow>,
    pub orders: Vec<i64>,
    pub matches: Vec<Match>,
}

fn need_view(n: &NeedRow) -> Result<NeedView, AppError> {
    Ok(NeedView {
        category: n.category().map_err(corrupt)?,
        lon: n.lon,
        lat: n.lat,
        window: n.window().map_err(corrupt)?,
        wanted: u32::try_from(n.wanted).unwrap_or(0),
    })
}

async fn offer(core: &CoopState, category: Category) -> Result<Arc<Offer>, AppError> {
    Ok(core.offers.get(&core.store, category).await?)
}

fn ranked(offer: &Offer, need: &NeedView, limit: usize) -> Vec<Match> {
    offer
        .index
        .rank(need, &offer.views, limit)
        .into_iter()
        .filter_map(|(id, fit)| {
            offer.rows.get(&id).map(|r| Match {
                resource: r.clone(),
                fit,
            })
        })
        .collect()
}

/// The resources ranked for need `n`, best first.
pub async fn matches_for(
    core: &CoopState,
    n: &NeedRow,
    limit: usize,
) -> Result<Vec<Match>, AppError> {
    let view = need_view(n)?;
    let offer = offer(core, view.category).await?;
    Ok(ranked(&offer, &view, limit))
}

/// Need `id` of the caller's area with its projects, orders and matches.
pub async fn need(core: &CoopState, who: &Principal, id: i64) -> Result<NeedDetail, AppError> {
    let need = need_in_view(core, who, id).await?;
    let projects = core.store.projects_of_need(id).await?;
    let orders = core.store.need_order_ids(id).await?;
    let matches = matches_for(core, &need, MATCHES_SHOWN).await?;
    Ok(NeedDetail {
        need,
        projects,
        orders,
        matches,
    })
}

/// Raises or updates a need; its id and whether it was new.
pub async fn save_need(
    core: &CoopState,
    who: &Principal,
    input: &NeedInput,
) -> Result<(i64, bool), AppError> {
    require_writer(who)?;
    let scope = who.scope()?;
    let mut errors = Vec::new();
    let title = required("title", &input.title, 100, &mut errors);
    let raised_by = required("raised_by", &input.raised_by, 100, &mut errors);
    let category = Category::parse(&input.category)
        .map_err(|e| errors.push(FieldError::from_invalid("category", &e)))
        .ok();
    let urgency = match input.urgency.trim() {
        "" => Some(Urgency::Normal),
        u => Urgency::parse(u)
            .map_err(|e| errors.push(FieldError::from_invalid("urgency", &e)))
            .ok(),
    };
    let place = place_of(core, &scope, &input.place, &mut errors).await?;
    let beneficiary_count = count("beneficiary_count", &input.beneficiary_count, &mut errors);
    let wanted = count("wanted", &input.wanted, &mut errors);
    let window = window_of(&input.starts_on, &input.ends_on, &mut errors);
    let mut orders = Vec::new();
    for t in input
        .orders
        .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        match t.trim_start_matches('#').parse::<i64>() {
            Ok(id) => orders.push(id),
            Err(_) => errors.push(field(
                "orders",
                Code::NumberInvalid,
                format!("{t:?} is not a work order number"),
            )),
        }
    }
    let code = match input.code.trim() {
        "" => new_code(core, "XQ"),
        c => c.to_owned(),
    };
    if let Some(existing) = core.store.need_by_code(&code).await?
        && !scope.contains(&existing.region_path)
    {
        errors.push(field(
            "code",
            Code::AlreadyExists,
            "a need outside your area has this code",
        ));
    }
    let (Some(category), Some(urgency), Some(place_id), Some(window), true) =
        (category, urgency, place, window, errors.is_empty())
    else {
        return Err(AppError::Unprocessable(errors));
    };
    let need = NewNeed {
        code: &code,
        title,
        category,
        place_id,
        raised_by,
        beneficiaries: input.beneficiaries.trim(),
        beneficiary_count,
        wanted,
        window,
        urgency,
        detail: input.detail.trim(),
        order_ids: &orders,
    };
    Ok(core
        .store
        .upsert_need(&need, &actor(who).1, core.clock.now_ms())
        .await?)
}

/// How far back recurring complaints are looked for, and how many make a
/// proposal.
pub const RECURRING_DAYS: u32 = 90;
pub const RECURRING_MIN: usize = 5;
/// The most proposals the needs page lists.
pub const PROPOSALS_SHOWN: usize = 10;

/// A need proposed from work orders of one category that keep coming
/// from one neighbourhood.
#[derive(Debug, Clone)]
pub struct ProposedNeed {
    pub neighbourhood: String,
    pub category_code: String,
    /// The order category's name, Chinese and English.
    pub category_name: (String, String),
    pub order_ids: Vec<i64>,
}

/// The needs the caller's area's recurring complaints propose: at least
/// [`RECURRING_MIN`] orders of one category from one neighbourhood in the
/// last [`RECURRING_DAYS`] days (the domain's `coop::recurring`), leaving
/// out orders a need was already raised from. Most orders first.
pub async fn proposals(core: &CoopState, who: &Principal) -> Result<Vec<ProposedNeed>, AppError> {
    use crate::orders::service as orders;
    let scope = who.scope()?;
    let since = core.clock.now_ms() - i64::from(RECURRING_DAYS) * 86_400_000;
    let filed = orders::filed_since(&core.orders, &scope, since).await?;
    if filed.is_empty() {
        return Ok(Vec::new());
    }
    let linked = core.store.orders_linked_to_needs().await?;
    let hoods: Vec<(String, String)> = core
        .store
        .regions_in(&scope)
        .await?
        .into_iter()
        .filter(|r| r.kind == "neighbourhood")
        .map(|r| (r.path, r.name))
        .collect();
    let rows: Vec<(i64, &str, &str, NaiveDate)> = filed
        .iter()
        .filter(|(id, ..)| !linked.contains(id))
        .filter_map(|(id, path, category, at)| {
            let hood = hoods.iter().find(|(p, _)| path.starts_with(p.as_str()))?;
            let day = chrono::DateTime::from_timestamp_millis(*at)?
                .with_timezone(&core.tz)
                .date_naive();
            Some((*id, hood.1.as_str(), category.as_str(), day))
        })
        .collect();
    let names = orders::category_names(&core.orders).await?;
    Ok(
        shequ_domain::coop::recurring(&rows, core.today(), RECURRING_DAYS, RECURRING_MIN)
            .into_iter()
            .take(PROPOSALS_SHOWN)
            .map(|p| ProposedNeed {
                category_name: names
                    .get(&p.category)
                    .cloned()
                    .unwrap_or_else(|| (p.category.clone(), p.category.clone())),
                neighbourhood: p.neighbourhood,
                category_code: p.category,
                order_ids: p.order_ids,
            })
            .collect(),
    )
}

// ------------------------------------------------------------ resources

/// A resource as a form, the API or a file row gives it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ResourceInput {
    /// Left empty on a form, one is made (`ZY20261203-…`).
    pub code: String,
    pub title: String,
    pub category: String,
    /// The code of the unit offering it.
    pub unit: String,
    /// A whole number above zero.
    pub capacity: String,
    /// `hours_per_month`, `places`, `visits_per_month`, `money_yuan` or
    /// 小时/月, 名额, 次/月, 元.
    pub capacity_unit: String,
    /// One window a line, `2026-03-01~2026-06-30`; empty: at any time.
    pub windows: String,
    pub detail: String,
}

/// The resources of the units of the caller's area.
pub async fn resources(core: &CoopState, who: &Principal) -> Result<Vec<ResourceRow>, AppError> {
    Ok(core.store.resources_in(&who.scope()?).await?)
}

/// A resource with the projects it serves.
pub struct ResourceDetail {
    pub resource: ResourceRow,
    pub projects: Vec<ProjectRow>,
}

/// Resource `id`, if its unit is in the caller's area.
pub async fn resource(
    core: &CoopState,
    who: &Principal,
    id: i64,
) -> Result<ResourceDetail, AppError> {
    let scope = who.scope()?;
    let resource = core
        .store
        .resource(id)
        .await?
        .filter(|r| scope.contains(&r.region_path))
        .ok_or(AppError::NotFound("coop resource"))?;
    let projects = core.store.projects_of_resource(id).await?;
    Ok(ResourceDetail { resource, projects })
}

/// Offers or updates a resource; its id and whether it was new.
pub async fn save_resource(
    core: &CoopState,
    who: &Principal,
    input: &ResourceInput,
) -> Result<(i64, bool), AppError> {
    require_writer(who)?;
    let scope = who.scope()?;
    let mut errors = Vec::new();
    let title = required("title", &input.title, 100, &mut errors);
    let category = Category::parse(&input.category)
        .map_err(|e| errors.push(FieldError::from_invalid("category", &e)))
        .ok();
    let capacity = Capacity::parse(&input.capacity, &input.capacity_unit)
        .map_err(|e| {
            let name = if e.code == Code::CoopCapacityUnitUnknown {
                "capacity_unit"
            } else {
                "capacity"
            };
            errors.push(FieldError::from_invalid(name, &e))
        })
        .ok();
    let windows = parse_windows(&input.windows)
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let unit = match input.unit.trim() {
        "" => {
            errors.push(field(
                "unit",
                Code::Required,
                "give the offering unit's code",
            ));
            None
        }
        code => match core
            .store
            .unit_by_code(code)
            .await?
            .filter(|u| scope.contains(&u.region_path))
        {
            Some(u) => Some(u.id),
            None => {
                errors.push(field(
                    "unit",
                    Code::CoopUnitUnknown,
                    format!("no resident unit of your area has the code {code:?}"),
                ));
                None
            }
        },
    };
    let code = match input.code.trim() {
        "" => new_code(core, "ZY"),
        c => c.to_owned(),
    };
    if let Some(existing) = core.store.resource_by_code(&code).await?
        && !scope.contains(&existing.region_path)
    {
        errors.push(field(
            "code",
            Code::AlreadyExists,
            "a resource outside your area has this code",
        ));
    }
    let (Some(category), Some(capacity), Some(unit_id), true) =
        (category, capacity, unit, errors.is_empty())
    else {
        return Err(AppError::Unprocessable(errors));
    };
    let resource = NewResource {
        code: &code,
        title,
        category,
        unit_id,
        capacity,
        windows: &windows,
        detail: input.detail.trim(),
    };
    let saved = core
        .store
        .upsert_resource(&resource, &actor(who).1, core.clock.now_ms())
        .await?;
    core.offers.invalidate();
    Ok(saved)
}

// ------------------------------------------------------------- projects

/// What a project takes of one resource.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TakeInput {
    pub resource_id: i64,
    pub amount: u32,
}

/// A project to create.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ProjectInput {
    pub need_id: i64,
    /// Empty: the need's title.
    #[serde(default)]
    pub title: String,
    /// The named person answerable for it; empty: the caller.
    #[serde(default)]
    pub owner: String,
    /// Empty: the need's window.
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    pub resources: Vec<TakeInput>,
    /// The joint-meeting decision it comes from, if any.
    #[serde(default)]
    pub decision_id: Option<i64>,
}

/// The projects of `year` in the caller's area, optionally of one status.
pub async fn projects(
    core: &CoopState,
    who: &Principal,
    year: i32,
    status: Option<ProjectStatus>,
) -> Result<Vec<ProjectRow>, AppError> {
    let rows = core.store.projects_in(&who.scope()?, year).await?;
    Ok(rows
        .into_iter()
        .filter(|p| status.is_none_or(|s| p.status == s.as_str()))
        .collect())
}

/// A project with what it takes and its trail.
pub struct ProjectDetail {
    pub project: ProjectRow,
    pub resources: Vec<ProjectResourceRow>,
    pub changes: Vec<ProjectChange>,
}

async fn project_in_view(
    core: &CoopState,
    who: &Principal,
    id: i64,
) -> Result<ProjectRow, AppError> {
    let scope = who.scope()?;
    core.store
        .project(id)
        .await?
        .filter(|p| scope.contains(&p.region_path))
        .ok_or(AppError::NotFound("coop project"))
}

/// Project `id` of the caller's area.
pub async fn project(
    core: &CoopState,
    who: &Principal,
    id: i64,
) -> Result<ProjectDetail, AppError> {
    let project = project_in_view(core, who, id).await?;
    let resources = core.store.project_resources(id).await?;
    let changes = core.store.project_changes(id).await?;
    Ok(ProjectDetail {
        project,
        resources,
        changes,
    })
}

fn display_name(who: &Principal) -> String {
    match who {
        Principal::User(u) => u.user.display_name.clone(),
        Principal::Token(t) => t.name.clone(),
    }
}

/// Creates a proposed project meeting a need of the caller's area with
/// resources of any unit, committing each amount within what is left.
pub async fn create_project(
    core: &CoopState,
    who: &Principal,
    input: &ProjectInput,
) -> Result<i64, AppError> {
    require_writer(who)?;
    let need = core
        .store
        .need(input.need_id)
        .await?
        .filter(|n| who.scope().is_ok_and(|s| s.contains(&n.region_path)));
    let Some(need) = need else {
        return Err(AppError::unprocessable(
            "need_id",
            Code::CoopNeedUnknown,
            "a project meets a need of your area: give its id",
        ));
    };
    let mut errors = Vec::new();
    let window = if input.starts_on.trim().is_empty() && input.ends_on.trim().is_empty() {
        Some(need.window().map_err(corrupt)?)
    } else {
        window_of(&input.starts_on, &input.ends_on, &mut errors)
    };
    let title = match input.title.trim() {
        "" => need.title.clone(),
        t if t.chars().count() > 100 => {
            errors.push(field("title", Code::Required, "in up to 100 characters"));
            String::new()
        }
        t => t.to_owned(),
    };
    let owner = match input.owner.trim() {
        "" => display_name(who),
        o => o.to_owned(),
    };
    if input.resources.is_empty() {
        errors.push(field(
            "resources",
            Code::CoopResourceUnknown,
            "a project takes at least one resource",
        ));
    }
    if let Some(d) = input.decision_id
        && core.store.decision(d).await?.is_none()
    {
        errors.push(field(
            "decision_id",
            Code::PartyDecisionNotFound,
            format!("there is no joint-meeting decision {d}"),
        ));
    }
    let (Some(window), true) = (window, errors.is_empty()) else {
        return Err(AppError::Unprocessable(errors));
    };
    let takes: Vec<(i64, u32)> = input
        .resources
        .iter()
        .map(|t| (t.resource_id, t.amount))
        .collect();
    let project = NewProject {
        need_id: need.id,
        title: &title,
        owner: &owner,
        window,
        resources: &takes,
        decision_id: input.decision_id,
    };
    let made = core
        .store
        .create_project(&project, &actor(who).1, core.clock.now_ms())
        .await;
    core.offers.invalidate();
    match made {
        Err(StoreError::NotFound("coop resource")) => Err(AppError::unprocessable(
            "resources",
            Code::CoopResourceUnknown,
            "no such resource: pick one from the need's matches",
        )),
        other => Ok(other?),
    }
}

/// Confirms one match of a need: a project taking `amount` of resource
/// `resource_id` (by default what [`Match::default_amount`] says).
pub async fn confirm_match(
    core: &CoopState,
    who: &Principal,
    need_id: i64,
    resource_id: i64,
    amount: Option<u32>,
    owner: &str,
) -> Result<i64, AppError> {
    require_writer(who)?;
    let need = need_in_view(core, who, need_id).await?;
    let amount = match amount {
        Some(a) => a,
        None => {
            let m = matches_for(core, &need, usize::MAX)
                .await?
                .into_iter()
                .find(|m| m.resource.id == resource_id);
            m.map_or(1, |m| m.default_amount(&need))
        }
    };
    create_project(
        core,
        who,
        &ProjectInput {
            need_id,
            title: String::new(),
            owner: owner.to_owned(),
            starts_on: String::new(),
            ends_on: String::new(),
            resources: vec![TakeInput {
                resource_id,
                amount,
            }],
            decision_id: None,
        },
    )
    .await
}

/// Moves a project of the caller's area to `to` (with a reason when
/// dropping it).
pub async fn step_project(
    core: &CoopState,
    who: &Principal,
    id: i64,
    to: &str,
    reason: &str,
) -> Result<(), AppError> {
    require_writer(who)?;
    project_in_view(core, who, id).await?;
    let to = ProjectStatus::parse(to)
        .map_err(|e| AppError::Unprocessable(vec![FieldError::from_invalid("status", &e)]))?;
    let reason = (to == ProjectStatus::Dropped).then_some(reason);
    let stepped = core
        .store
        .step_project(id, to, reason, &actor(who).1, core.clock.now_ms())
        .await;
    core.offers.invalidate();
    stepped.map_err(|e| match e {
        StoreError::Invalid(v) if v.code == Code::CoopProjectTransition => AppError::Refused {
            code: v.code,
            message: v.message,
        },
        other => other.into(),
    })
}

/// Rates a done project of the caller's area, 1 to 5.
pub async fn rate_project(
    core: &CoopState,
    who: &Principal,
    id: i64,
    rating: &str,
    note: &str,
) -> Result<(), AppError> {
    require_writer(who)?;
    project_in_view(core, who, id).await?;
    let rating = Rating::parse(rating)
        .map_err(|e| AppError::Unprocessable(vec![FieldError::from_invalid("rating", &e)]))?;
    if note.chars().count() > 200 {
        return Err(AppError::unprocessable(
            "note",
            Code::Required,
            "in up to 200 characters",
        ));
    }
    let rated = core
        .store
        .rate_project(id, rating, note, &actor(who).1, core.clock.now_ms())
        .await;
    core.offers.invalidate();
    rated.map_err(|e| match e {
        StoreError::Invalid(v) if v.code == Code::CoopRatingNotDone => AppError::Refused {
            code: v.code,
            message: v.message,
        },
        other => other.into(),
    })
}

/// The outcome of a project as a form gives it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OutcomeInput {
    pub owner: String,
    pub participants: String,
    pub beneficiaries: String,
    pub outcome: String,
}

/// Updates a project's owner, participants, beneficiaries and outcome.
pub async fn update_project(
    core: &CoopState,
    who: &Principal,
    id: i64,
    input: &OutcomeInput,
) -> Result<(), AppError> {
    require_writer(who)?;
    project_in_view(core, who, id).await?;
    let mut errors = Vec::new();
    let owner = required("owner", &input.owner, 50, &mut errors);
    let participants = count("participants", &input.participants, &mut errors);
    let beneficiaries = count("beneficiaries", &input.beneficiaries, &mut errors);
    if input.outcome.chars().count() > 1000 {
        errors.push(field("outcome", Code::Required, "in up to 1000 characters"));
    }
    if !errors.is_empty() {
        return Err(AppError::Unprocessable(errors));
    }
    let update = ProjectUpdate {
        owner,
        participants,
        beneficiaries,
        outcome: input.outcome.trim(),
    };
    Ok(core
        .store
        .update_project(id, &update, &actor(who).1, core.clock.now_ms())
        .await?)
}

// ------------------------------------------------------- the year's list

/// One need on the year's project list: its best match (none when no
/// resource fits) and the projects already meeting it.
pub struct YearLine {
    pub need: NeedRow,
    pub best: Option<Match>,
    pub projects: Vec<ProjectRow>,
}

/// The figures above the year's list.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct YearFigures {
    pub needs: usize,
    /// Needs with a project that is not dropped.
    pub met: usize,
    /// Needs no resource fits.
    pub unmatched: usize,
    pub projects: usize,
}

/// The year's project list (年度项目清单) of the caller's area: every need
/// of `year`, most urgent first, with its best match and its projects.
/// The resources of each category are read once and every need of that
/// category ranked against them.
pub async fn year_list(
    core: &CoopState,
    who: &Principal,
    year: i32,
) -> Result<(Vec<YearLine>, YearFigures), AppError> {
    let scope = who.scope()?;
    let needs = core.store.needs_in(&scope, year).await?;
    let mut by_need: HashMap<i64, Vec<ProjectRow>> = HashMap::new();
    for p in core.store.projects_in(&scope, year).await? {
        by_need.entry(p.need_id).or_default().push(p);
    }
    let mut offers: HashMap<Category, Arc<Offer>> = HashMap::new();
    let mut lines = Vec::with_capacity(needs.len());
    let mut figures = YearFigures {
        needs: needs.len(),
        ..YearFigures::default()
    };
    for need in needs {
        let view = need_view(&need)?;
        let o = match offers.entry(view.category) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(offer(core, view.category).await?)
            }
        };
        let best = ranked(o, &view, 1).into_iter().next();
        let projects = by_need.remove(&need.id).unwrap_or_default();
        figures.projects += projects.len();
        if projects.iter().any(|p| p.status != "dropped") {
            figures.met += 1;
        }
        if best.is_none() {
            figures.unmatched += 1;
        }
        lines.push(YearLine {
            need,
            best,
            projects,
        });
    }
    Ok((lines, figures))
}

/// The year a page or the API shows: the one asked for, else this year.
pub fn year_or_this(core: &CoopState, year: Option<i32>) -> i32 {
    year.filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| core.today().year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_read_one_a_line_in_either_writing() {
        let w =
            parse_windows("2026-03-01~2026-06-30\n2026-09-01 至 2026-12-31; ").expect("windows");
        assert_eq!(
            windows_text(&w),
            "2026-03-01~2026-06-30\n2026-09-01~2026-12-31"
        );
        assert!(parse_windows("").expect("none").is_empty());
        let e = parse_windows("2026-03-01").expect_err("one date");
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("windows", "date_invalid")
        );
        let e = parse_windows("2026-06-30~2026-03-01").expect_err("backwards");
        assert_eq!(e.code, Code::CoopWindowOrder.as_str());
        assert!(e.message.contains("2026-06-30~2026-03-01"), "{}", e.message);
    }
}
