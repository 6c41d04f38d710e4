//! The party capability's service: what a caller may see of the
//! organisation tree and its members, and the changes they may make.
//! Handlers (API and pages) and other capabilities go through here; each
//! function takes plain values.
//!
//! Scope: a caller sees the organisations serving a region inside their
//! own (a district organiser their district, a neighbourhood secretary
//! their neighbourhood). Members are seen only by the roles that work with
//! membership (`Role::reads_party_members`); a member's record read is
//! logged, as a refused read is.

use std::collections::HashMap;

use serde::Serialize;
use shequ_domain::Code;
use shequ_domain::party::{Counts, OrgKind, TransferStep};
use shequ_store::access_log::{AccessAction, NewAccess};
use shequ_store::party::{PartyMemberRow, ScopedPartyOrg, TransferRow};
use shequ_store::{Scope, StoreError};

use crate::app::access::{ClientAddr, actor, deny};
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::state::Core;

/// Days a transfer may wait for the receiver before it is flagged.
pub const UNANSWERED_AFTER_DAYS: i64 = 30;

/// One organisation in the tree, with its members directly and in all.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgNode {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub region_path: Option<String>,
    pub founded_on: Option<String>,
    /// Members of this organisation itself.
    pub members: i64,
    /// Members of it and every organisation under it.
    pub members_total: i64,
    #[schema(no_recursion)]
    pub children: Vec<OrgNode>,
}

/// Whether the caller's role works with membership; a token always may
/// (its scope `party:read` was checked).
pub fn reads_members(who: &Principal) -> bool {
    match who {
        Principal::User(u) => u.role.reads_party_members(),
        Principal::Token(_) => true,
    }
}

/// Refuses a caller whose role does not change party organisations.
pub fn require_manager(who: &Principal) -> Result<(), AppError> {
    match who {
        Principal::User(u) if !u.role.manages_party() => {
            Err(AppError::Forbidden(Code::PartyNotAllowed))
        }
        _ => Ok(()),
    }
}

/// The organisations in the caller's scope.
pub async fn visible_orgs(core: &Core, who: &Principal) -> Result<Vec<ScopedPartyOrg>, AppError> {
    Ok(core.store.party_orgs_in(&who.scope()?).await?)
}

/// The ids of the organisations in the caller's scope.
pub async fn visible_org_ids(
    core: &Core,
    who: &Principal,
) -> Result<std::collections::HashSet<i64>, AppError> {
    Ok(visible_orgs(core, who)
        .await?
        .iter()
        .map(|o| o.id)
        .collect())
}

/// The forest of the caller's organisations, roots first, with counts.
pub async fn tree(core: &Core, who: &Principal) -> Result<Vec<OrgNode>, AppError> {
    let orgs = visible_orgs(core, who).await?;
    let counts: HashMap<i64, i64> = core
        .store
        .party_member_counts()
        .await?
        .into_iter()
        .collect();
    Ok(build_forest(&orgs, &counts))
}

/// Builds the forest from organisations and their direct member counts;
/// an organisation whose parent is not in the list is a root.
pub fn build_forest(orgs: &[ScopedPartyOrg], counts: &HashMap<i64, i64>) -> Vec<OrgNode> {
    let ids: std::collections::HashSet<i64> = orgs.iter().map(|o| o.id).collect();
    let mut children: HashMap<Option<i64>, Vec<&ScopedPartyOrg>> = HashMap::new();
    for o in orgs {
        children
            .entry(o.parent_id.filter(|p| ids.contains(p)))
            .or_default()
            .push(o);
    }
    fn attach(
        parent: Option<i64>,
        children: &mut HashMap<Option<i64>, Vec<&ScopedPartyOrg>>,
        counts: &HashMap<i64, i64>,
    ) -> Vec<OrgNode> {
        let Some(mut list) = children.remove(&parent) else {
            return Vec::new();
        };
        list.sort_by(|a, b| {
            OrgKind::parse(&a.kind)
                .map(OrgKind::level)
                .unwrap_or(9)
                .cmp(&OrgKind::parse(&b.kind).map(OrgKind::level).unwrap_or(9))
                .then_with(|| a.code.cmp(&b.code))
        });
        list.into_iter()
            .map(|o| {
                let kids = attach(Some(o.id), children, counts);
                let members = counts.get(&o.id).copied().unwrap_or(0);
                OrgNode {
                    members_total: members + kids.iter().map(|k| k.members_total).sum::<i64>(),
                    members,
                    code: o.code.clone(),
                    name: o.name.clone(),
                    kind: o.kind.clone(),
                    region_path: o.region_path.clone(),
                    founded_on: o.founded_on.clone(),
                    children: kids,
                }
            })
            .collect()
    }
    attach(None, &mut children, counts)
}

/// The organisation `code` if the caller may see it: not found when it
/// does not exist, refused (and logged) when it lies outside their scope.
pub async fn org_in_view(
    core: &Core,
    who: &Principal,
    code: &str,
    addr: &ClientAddr,
) -> Result<ScopedPartyOrg, AppError> {
    let org = core
        .store
        .scoped_party_org(code)
        .await?
        .ok_or(AppError::NotFound("party org"))?;
    if !in_scope(&who.scope()?, &org) {
        return Err(deny(
            core,
            who,
            "party_org",
            code.to_owned(),
            org.region_path,
            addr,
        )
        .await);
    }
    Ok(org)
}

fn in_scope(scope: &Scope, org: &ScopedPartyOrg) -> bool {
    match &org.region_path {
        Some(p) => scope.contains(p),
        None => *scope == Scope::everything(),
    }
}

/// Refuses a caller who may not see members.
pub fn require_member_reader(who: &Principal) -> Result<(), AppError> {
    if reads_members(who) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Code::PartyNotAllowed))
    }
}

/// A member, if the caller may see them (their organisation in scope and
/// a role that reads membership); the read is logged.
pub async fn member_in_view(
    core: &Core,
    who: &Principal,
    person_id: i64,
    addr: &ClientAddr,
) -> Result<PartyMemberRow, AppError> {
    require_member_reader(who)?;
    let m = core
        .store
        .party_member(person_id)
        .await?
        .ok_or(AppError::NotFound("party member"))?;
    org_in_view(core, who, &m.org_code, addr).await?;
    log_view(
        core,
        who,
        "party_member",
        person_id.to_string(),
        Some(m.region_path.clone()),
        addr,
    )
    .await?;
    Ok(m)
}

/// Logs that records about named people were viewed.
pub async fn log_view(
    core: &Core,
    who: &Principal,
    subject_kind: &'static str,
    subject_id: String,
    subject_path: Option<String>,
    addr: &ClientAddr,
) -> Result<(), AppError> {
    let (actor_user_id, actor_username) = actor(who);
    core.store
        .log_access(&NewAccess {
            actor_user_id,
            actor_username,
            action: AccessAction::View,
            subject_kind,
            subject_id,
            subject_path,
            fields: String::new(),
            reason: String::new(),
            remote_addr: addr.0.clone(),
        })
        .await?;
    Ok(())
}

/// Transfers touching an organisation the caller sees, with whether each
/// waited for the receiver longer than allowed.
pub async fn transfers(
    core: &Core,
    who: &Principal,
    open_only: bool,
) -> Result<Vec<(TransferRow, bool)>, AppError> {
    require_member_reader(who)?;
    let visible = visible_org_ids(core, who).await?;
    let today = core.today();
    let rows = core.store.transfers(open_only).await?;
    rows.into_iter()
        .filter(|t| {
            t.from_org_id.is_some_and(|id| visible.contains(&id))
                || t.to_org_id.is_some_and(|id| visible.contains(&id))
        })
        .map(|t| {
            let late = t.transfer()?.is_unanswered(today, UNANSWERED_AFTER_DAYS);
            Ok((t, late))
        })
        .collect::<Result<Vec<_>, StoreError>>()
        .map_err(AppError::from)
}

/// Takes a step on a transfer the caller may handle: the receiver accepts
/// or refuses, the sender withdraws; either completes.
pub async fn step_transfer(
    core: &Core,
    who: &Principal,
    id: i64,
    step: TransferStep,
    letter_no: Option<&str>,
    addr: &ClientAddr,
) -> Result<TransferRow, AppError> {
    require_manager(who)?;
    let t = core
        .store
        .transfer(id)
        .await?
        .ok_or(AppError::NotFound("party transfer"))?;
    let side = match step {
        TransferStep::Accept | TransferStep::Refuse => {
            t.to_code.as_deref().or(t.from_code.as_deref())
        }
        TransferStep::Withdraw => t.from_code.as_deref().or(t.to_code.as_deref()),
        TransferStep::Complete => t.to_code.as_deref().or(t.from_code.as_deref()),
    };
    let side = side.ok_or(AppError::NotFound("party transfer"))?;
    org_in_view(core, who, side, addr).await?;
    Ok(core
        .store
        .step_transfer(id, step, core.today(), letter_no, core.clock.now_ms())
        .await?)
}

/// How many gaps a coverage report lists (and draws); the counts cover
/// them all.
pub const GAPS_LISTED: u32 = 500;

/// Coverage of the new sectors in a scope: the counts per place kind, per
/// region one level below the scope's root (the neighbourhoods of a
/// street, the streets of a district), and the gaps.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageReport {
    #[schema(value_type = Object)]
    pub total: Counts,
    /// By place kind, in the order of `PlaceKind::NEW_SECTOR`.
    #[schema(value_type = Vec<Object>)]
    pub by_kind: Vec<(String, Counts)>,
    /// By region directly under the scope's root: (code, name, counts).
    #[schema(value_type = Vec<Object>)]
    pub by_region: Vec<(String, String, Counts)>,
    /// The first gaps by place code (at most [`GAPS_LISTED`]; `total.gap`
    /// counts them all).
    #[schema(value_type = Vec<Object>)]
    pub gaps: Vec<shequ_store::party::PlaceCover>,
}

pub async fn coverage(core: &Core, scope: &Scope) -> Result<CoverageReport, AppError> {
    // Three reads on the read pool at once: the counts, the regions and
    // the first gaps.
    let (counts, regions, gaps) = tokio::try_join!(
        core.store.coverage_counts(scope),
        core.store.regions_in(scope),
        core.store.coverage_gaps(scope, GAPS_LISTED),
    )?;
    let root = regions.iter().min_by_key(|r| r.path.len()).map(|r| r.id);
    let below: Vec<_> = regions
        .iter()
        .filter(|r| root.is_some() && r.parent_id == root)
        .collect();
    let mut total = Counts::default();
    let mut by_kind: Vec<(String, Counts)> = shequ_domain::PlaceKind::NEW_SECTOR
        .iter()
        .map(|k| (k.as_str().to_owned(), Counts::default()))
        .collect();
    let mut by_region: Vec<(String, String, Counts)> = below
        .iter()
        .map(|r| (r.code.clone(), r.name.clone(), Counts::default()))
        .collect();
    for (path, kind, cover, n) in &counts {
        total.add_n(*cover, *n);
        if let Some(k) = by_kind.iter_mut().find(|(k, _)| k == kind.as_str()) {
            k.1.add_n(*cover, *n);
        }
        if let Some(i) = below.iter().position(|r| path.starts_with(&r.path)) {
            by_region[i].2.add_n(*cover, *n);
        }
    }
    Ok(CoverageReport {
        total,
        by_kind,
        by_region,
        gaps,
    })
}

/// The registrations (双报到) of the caller's area, with this year's
/// service and whether each has gone six months without any.
pub async fn registrations(
    core: &Core,
    who: &Principal,
) -> Result<Vec<(shequ_store::party::RegistrationRow, bool)>, AppError> {
    use shequ_domain::party::registration::{LAPSED_AFTER_MONTHS, lapsed};
    require_member_reader(who)?;
    let today = core.today();
    let rows = core
        .store
        .registrations_in(&who.scope()?, chrono::Datelike::year(&today))
        .await?;
    rows.into_iter()
        .map(|r| {
            let (registered, last) = r.days()?;
            let flag = lapsed(registered, last, today, LAPSED_AFTER_MONTHS);
            Ok((r, flag))
        })
        .collect::<Result<Vec<_>, StoreError>>()
        .map_err(AppError::from)
}

/// Records a service on a registration of the caller's area, confirmed by
/// the caller.
pub async fn record_service(
    core: &Core,
    who: &Principal,
    id: i64,
    day: &str,
    hours: &str,
    what: &str,
) -> Result<i64, AppError> {
    use shequ_domain::party::registration::{Hours, RecordSource};
    require_manager(who)?;
    let mine = core
        .store
        .registrations_in(&who.scope()?, chrono::Datelike::year(&core.today()))
        .await?;
    if !mine.iter().any(|r| r.id == id) {
        return Err(AppError::NotFound("party registration"));
    }
    let mut errors = Vec::new();
    let day = day
        .trim()
        .parse::<chrono::NaiveDate>()
        .map_err(|_| {
            errors.push(crate::app::error::FieldError::new(
                "day",
                Code::DateInvalid,
                "write the day as 2026-03-01",
            ))
        })
        .ok();
    let hours = Hours::parse(hours)
        .map_err(|e| errors.push(crate::app::error::FieldError::from_invalid("hours", &e)))
        .ok();
    let what = what.trim();
    if what.is_empty() || what.chars().count() > 200 {
        errors.push(crate::app::error::FieldError::new(
            "what",
            Code::Required,
            "say what was done, in up to 200 characters",
        ));
    }
    let (Some(day), Some(hours), true) = (day, hours, errors.is_empty()) else {
        return Err(AppError::Unprocessable(errors));
    };
    Ok(core
        .store
        .record_service(
            id,
            day,
            hours,
            what,
            RecordSource::Registration,
            &actor(who).1,
            core.today(),
            core.clock.now_ms(),
        )
        .await?)
}

/// The double registration (双报到) of member `person_id`, if they made
/// one: where other capabilities' service of a member (volunteering
/// hours) is written.
pub async fn registration_of(core: &Core, person_id: i64) -> Result<Option<i64>, AppError> {
    Ok(core.store.registration_of_person(person_id).await?)
}

/// The organisation with `code` (not dissolved), wherever it is: the
/// other side of a pairing (a unit's organisation) may serve another area.
pub async fn org_by_code(
    core: &Core,
    code: &str,
) -> Result<Option<shequ_store::party::PartyOrg>, AppError> {
    Ok(core.store.party_org(code.trim()).await?)
}

/// Most members a name search lists.
pub const SEARCH_LIMIT: i64 = 100;

/// Members of the caller's organisations whose name starts with `prefix`.
pub async fn search_members(
    core: &Core,
    who: &Principal,
    prefix: &str,
) -> Result<Vec<PartyMemberRow>, AppError> {
    require_member_reader(who)?;
    if prefix.trim().is_empty() {
        return Ok(Vec::new());
    }
    Ok(core
        .store
        .search_party_members(&who.scope()?, prefix, SEARCH_LIMIT)
        .await?)
}

/// Who registers for double registration (双报到).
#[derive(Debug, Clone)]
pub enum Registrant {
    /// An in-service member, by registry person id.
    Member(i64),
    /// A unit's party organisation, by code.
    Unit(String),
}

/// Registers a member with the neighbourhood where they live, or a unit
/// organisation with the street or a neighbourhood, taking `posts`.
pub async fn register(
    core: &Core,
    who: &Principal,
    registrant: &Registrant,
    region_code: &str,
    posts: &str,
    on: &str,
    addr: &ClientAddr,
) -> Result<i64, AppError> {
    use crate::app::error::FieldError;
    use shequ_domain::RegionKind;
    use shequ_domain::party::registration::parse_posts;
    require_manager(who)?;
    let mut errors = Vec::new();
    let posts = parse_posts(posts)
        .map_err(|e| errors.push(FieldError::from_invalid("posts", &e)))
        .ok();
    let today = core.today();
    let on = match on.trim() {
        "" => Some(today),
        s => s
            .parse::<chrono::NaiveDate>()
            .ok()
            .filter(|d| *d <= today)
            .or_else(|| {
                errors.push(FieldError::new(
                    "registered_on",
                    Code::DateInvalid,
                    "write the day as 2026-03-01, not after today",
                ));
                None
            }),
    };
    let region = core.store.region_by_code(region_code.trim()).await?;
    let Some(region) = region else {
        errors.push(FieldError::new(
            "region",
            Code::RegionUnknown,
            "no region has this code",
        ));
        return Err(AppError::Unprocessable(errors));
    };
    if !who.scope()?.contains(&region.region.path) {
        return Err(AppError::Forbidden(Code::OutOfScope));
    }
    let kind = RegionKind::parse(&region.region.kind).ok();
    let wrong_region = |errors: &mut Vec<FieldError>, message: &str| {
        errors.push(FieldError::new(
            "region",
            Code::PartyRegistrationRegion,
            message,
        ))
    };
    let (person_id, org_id) = match registrant {
        Registrant::Member(person) => {
            let m = member_in_view(core, who, *person, addr).await?;
            if kind != Some(RegionKind::Neighbourhood)
                || !m.region_path.starts_with(&region.region.path)
            {
                wrong_region(
                    &mut errors,
                    "a member registers with the neighbourhood where they live",
                );
            }
            (Some(*person), None)
        }
        Registrant::Unit(code) => {
            let org = org_in_view(core, who, code, addr).await?;
            if !matches!(kind, Some(RegionKind::Street | RegionKind::Neighbourhood)) {
                wrong_region(
                    &mut errors,
                    "a unit organisation registers with the street or a neighbourhood",
                );
            }
            (None, Some(org.id))
        }
    };
    let (Some(posts), Some(on), true) = (posts, on, errors.is_empty()) else {
        return Err(AppError::Unprocessable(errors));
    };
    Ok(core
        .store
        .register_for_service(
            person_id,
            org_id,
            region.region.id,
            &posts.join(","),
            on,
            core.clock.now_ms(),
        )
        .await?)
}

/// The current members of organisation `org` and of every organisation
/// under it that the caller sees, by name: those a preference round of
/// `org` places. Not logged here: the caller logs the page that shows
/// them.
pub async fn members_under(
    core: &Core,
    who: &Principal,
    org: &ScopedPartyOrg,
) -> Result<Vec<PartyMemberRow>, AppError> {
    require_member_reader(who)?;
    let orgs = visible_orgs(core, who).await?;
    let mut under = vec![org.id];
    let mut i = 0;
    while i < under.len() {
        let parent = under[i];
        let children: Vec<i64> = orgs
            .iter()
            .filter(|o| o.parent_id == Some(parent) && !under.contains(&o.id))
            .map(|o| o.id)
            .collect();
        under.extend(children);
        i += 1;
    }
    Ok(core.store.party_members_of(&under).await?)
}

/// A branch to have under an organisation: code, name, kind and the
/// region it serves (`None` for its parent's).
pub struct BranchSpec<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: OrgKind,
    pub region_id: Option<i64>,
}

/// The branches `specs` under `parent`, each created when it does not
/// exist yet; their ids, in order. A code already used by an
/// organisation elsewhere in the tree is refused before any branch is
/// created, so a refusal leaves the tree as it was.
pub async fn ensure_branches(
    core: &Core,
    who: &Principal,
    parent: &ScopedPartyOrg,
    specs: &[BranchSpec<'_>],
) -> Result<Vec<i64>, AppError> {
    require_manager(who)?;
    let mut existing = Vec::with_capacity(specs.len());
    for b in specs {
        let found = core.store.scoped_party_org(b.code).await?;
        if let Some(o) = &found
            && o.parent_id != Some(parent.id)
        {
            return Err(AppError::unprocessable(
                "offers",
                Code::OrgCodeTaken,
                format!(
                    "branch {}: the code is taken by {} elsewhere in the tree; give the branch another code",
                    b.code, o.name
                ),
            ));
        }
        existing.push(found.map(|o| o.id));
    }
    let (_, actor) = actor(who);
    let mut ids = Vec::with_capacity(specs.len());
    for (b, found) in specs.iter().zip(existing) {
        if let Some(id) = found {
            ids.push(id);
            continue;
        }
        core.store
            .create_party_org(
                &shequ_store::party::NewPartyOrg {
                    code: b.code,
                    name: b.name,
                    kind: b.kind,
                    parent: Some(&parent.code),
                    region_id: b.region_id.or(parent.region_id),
                    founded_on: Some(core.today()),
                },
                &actor,
                core.clock.now_ms(),
            )
            .await?;
        ids.push(
            core.store
                .scoped_party_org(b.code)
                .await?
                .map(|o| o.id)
                .ok_or(AppError::NotFound("party org"))?,
        );
    }
    Ok(ids)
}

/// Seats an elected committee on organisation `org_code` (which the
/// caller sees), one seat at a time through the committee's checks.
pub async fn seat_committee(
    core: &Core,
    who: &Principal,
    org_code: &str,
    seats: &[shequ_domain::party::Seat],
    addr: &ClientAddr,
) -> Result<(), AppError> {
    require_manager(who)?;
    org_in_view(core, who, org_code, addr).await?;
    // One transaction: the committee in term makes way on the new term's
    // first day, and nothing is seated unless the whole committee holds.
    Ok(core.store.seat_new_committee(org_code, seats).await?)
}
