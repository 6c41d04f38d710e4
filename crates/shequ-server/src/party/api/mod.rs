//! The party API under `/api/v1/party`: the tree, an organisation with its
//! committee, members and places, its changes; members; transfers; and
//! coverage of the new sectors. Every read and change goes through
//! [`super::service`], which applies the caller's scope.

pub mod evaluation;
pub mod meetings;
pub mod registrations;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shequ_domain::Code;
use shequ_domain::party::{OrgKind, TransferStep};
use shequ_store::Scope;
use shequ_store::party::{
    NewPartyMember, NewPartyOrg, NewTransfer, PartyMemberRow, PartyOrgChange, PartyStay, SeatRow,
    TransferRow, committee_of,
};

use super::service::{self, CoverageReport, OrgNode};
use crate::app::access::{ClientAddr, scope_for_region};
use crate::app::auth::Principal;
use crate::app::error::{AppError, AppResult, FieldError};
use crate::app::state::Core;

const READ: &str = "party:read";
const WRITE: &str = "party:write";

/// The organisations you may see, as a tree with member counts.
#[utoipa::path(get, path = "/api/v1/party/orgs", tag = "party",
    responses((status = 200, body = Vec<OrgNode>)),
    security(("bearer" = [])))]
pub async fn tree(State(core): State<Core>, who: Principal) -> AppResult<Json<Vec<OrgNode>>> {
    who.require_token_scope(READ)?;
    Ok(Json(service::tree(&core, &who).await?))
}

/// A member as the API shows them (no identity number, phone or birth
/// date: the registry's person page has those, masked).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberOut {
    pub person_id: i64,
    pub name: String,
    pub gender: String,
    pub org_code: String,
    pub org_name: String,
    pub joined_on: String,
    /// `full` or `probationary`.
    pub standing: String,
    pub probation_end: Option<String>,
    pub converted_on: Option<String>,
    /// A probation past its end with no conversion recorded.
    pub conversion_overdue: bool,
    pub unit: String,
    pub mobile: bool,
}

pub fn member_out(m: &PartyMemberRow, today: NaiveDate) -> AppResult<MemberOut> {
    let standing = m.standing()?;
    Ok(MemberOut {
        person_id: m.person_id,
        name: m.name.clone(),
        gender: m.gender.clone(),
        org_code: m.org_code.clone(),
        org_name: m.org_name.clone(),
        joined_on: m.joined_on.clone(),
        standing: if standing.is_full() {
            "full"
        } else {
            "probationary"
        }
        .to_owned(),
        probation_end: m.probation_end.clone(),
        converted_on: m.converted_on.clone(),
        conversion_overdue: standing.conversion_overdue(today),
        unit: m.unit.clone(),
        mobile: m.mobile,
    })
}

/// An organisation in full.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrgDetail {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: Option<String>,
    pub region_path: Option<String>,
    pub founded_on: Option<String>,
    /// Every seat, current and past, newest term first.
    pub committee: Vec<SeatRow>,
    /// Every term has ended and no new committee was elected (换届).
    pub election_due: bool,
    /// The places it covers: (id, code, name).
    #[schema(value_type = Vec<Object>)]
    pub places: Vec<(i64, String, String)>,
    /// Its own members, when your role sees membership.
    pub members: Option<Vec<MemberOut>>,
    pub changes: Vec<PartyOrgChange>,
}

/// One organisation: committee, places, members (if you may see them) and
/// every change with who, when, before and after.
#[utoipa::path(get, path = "/api/v1/party/orgs/{code}", tag = "party",
    params(("code" = String, Path)),
    responses((status = 200, body = OrgDetail)),
    security(("bearer" = [])))]
pub async fn org(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(code): Path<String>,
) -> AppResult<Json<OrgDetail>> {
    who.require_token_scope(READ)?;
    Ok(Json(org_detail(&core, &who, &code, &addr).await?))
}

pub async fn org_detail(
    core: &Core,
    who: &Principal,
    code: &str,
    addr: &ClientAddr,
) -> AppResult<OrgDetail> {
    let org = service::org_in_view(core, who, code, addr).await?;
    let parent = match org.parent_id {
        None => None,
        Some(p) => core
            .store
            .party_orgs()
            .await?
            .into_iter()
            .find(|o| o.id == p)
            .map(|o| o.code),
    };
    let committee = core.store.committee_seats(&[org.id]).await?;
    let today = core.today();
    let election_due = committee_of(&committee)?.election_due(today);
    let members = if service::reads_members(who) {
        let rows = core.store.party_members_of(&[org.id]).await?;
        service::log_view(
            core,
            who,
            "party_members",
            org.code.clone(),
            org.region_path.clone(),
            addr,
        )
        .await?;
        Some(
            rows.iter()
                .map(|m| member_out(m, today))
                .collect::<AppResult<Vec<_>>>()?,
        )
    } else {
        None
    };
    Ok(OrgDetail {
        places: core.store.places_covered_by(org.id).await?,
        changes: core.store.party_org_changes(&org.code).await?,
        code: org.code,
        name: org.name,
        kind: org.kind,
        parent,
        region_path: org.region_path,
        founded_on: org.founded_on,
        committee,
        election_due,
        members,
    })
}

/// A new organisation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewOrgBody {
    pub code: String,
    pub name: String,
    /// One of `OrgKind`'s names, e.g. `branch`, `joint_branch`.
    pub kind: String,
    /// The parent's code.
    pub parent: String,
    /// The code of the region it serves; the parent's when absent.
    pub region: Option<String>,
    /// YYYY-MM-DD
    pub founded_on: Option<String>,
}

/// What a change answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrgRef {
    pub code: String,
}

fn day(field: &str, s: &str) -> AppResult<NaiveDate> {
    s.trim().parse().map_err(|_| {
        AppError::unprocessable(
            field,
            Code::DateInvalid,
            format!("{s:?} is not a date; write it as 2026-03-01"),
        )
    })
}

fn opt_day(field: &str, s: Option<&str>) -> AppResult<Option<NaiveDate>> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| day(field, s))
        .transpose()
}

fn actor_name(who: &Principal) -> String {
    crate::app::access::actor(who).1
}

/// Creates an organisation under one you may see, serving a region in your
/// area (the parent's region when none is named).
pub async fn create_org(
    core: &Core,
    who: &Principal,
    body: &NewOrgBody,
    addr: &ClientAddr,
) -> AppResult<OrgRef> {
    service::require_manager(who)?;
    let mut errors = Vec::new();
    let kind = OrgKind::parse(&body.kind)
        .map_err(|e| errors.push(FieldError::from_invalid("kind", &e)))
        .ok();
    let code = body.code.trim();
    if code.is_empty() || code.chars().count() > 40 {
        errors.push(FieldError::new(
            "code",
            Code::Required,
            "give a code of 1 to 40 characters",
        ));
    }
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new(
            "name",
            Code::Required,
            "give a name of 1 to 100 characters",
        ));
    }
    let founded = match opt_day("founded_on", body.founded_on.as_deref()) {
        Ok(d) => d,
        Err(AppError::Unprocessable(mut e)) => {
            errors.append(&mut e);
            None
        }
        Err(e) => return Err(e),
    };
    if !errors.is_empty() {
        return Err(AppError::Unprocessable(errors));
    }
    let kind = kind.ok_or_else(|| {
        AppError::unprocessable("kind", Code::PartyOrgKindUnknown, "unknown kind")
    })?;
    let parent = service::org_in_view(core, who, body.parent.trim(), addr)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::unprocessable(
                "parent",
                Code::PartyParentUnknown,
                format!("no organisation has the code {:?}", body.parent),
            ),
            other => other,
        })?;
    let region_id = match body
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        None => parent.region_id,
        Some(code) => {
            scope_for_region(core, who, Some(code), addr).await?;
            let r = core.store.region_by_code(code).await?.ok_or_else(|| {
                AppError::unprocessable("region", Code::RegionNotFound, "no region has that code")
            })?;
            Some(r.region.id)
        }
    };
    core.store
        .create_party_org(
            &NewPartyOrg {
                code,
                name,
                kind,
                parent: Some(&parent.code),
                region_id,
                founded_on: founded,
            },
            &actor_name(who),
            core.clock.now_ms(),
        )
        .await?;
    Ok(OrgRef {
        code: code.to_owned(),
    })
}

/// Creates an organisation under one you may see.
#[utoipa::path(post, path = "/api/v1/party/orgs", tag = "party",
    request_body = NewOrgBody,
    responses((status = 201, body = OrgRef)),
    security(("bearer" = [])))]
pub async fn create(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Json(body): Json<NewOrgBody>,
) -> AppResult<(StatusCode, Json<OrgRef>)> {
    who.require_token_scope(WRITE)?;
    Ok((
        StatusCode::CREATED,
        Json(create_org(&core, &who, &body, &addr).await?),
    ))
}

/// A rename, a move, or both.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OrgChange {
    pub name: Option<String>,
    /// The new parent's code.
    pub parent: Option<String>,
}

pub async fn change_org(
    core: &Core,
    who: &Principal,
    code: &str,
    change: &OrgChange,
    addr: &ClientAddr,
) -> AppResult<OrgRef> {
    service::require_manager(who)?;
    let org = service::org_in_view(core, who, code, addr).await?;
    let actor = actor_name(who);
    let now = core.clock.now_ms();
    if let Some(name) = change.name.as_deref().map(str::trim) {
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::unprocessable(
                "name",
                Code::Required,
                "give a name of 1 to 100 characters",
            ));
        }
        core.store
            .rename_party_org(&org.code, name, &actor, now)
            .await?;
    }
    if let Some(parent) = change.parent.as_deref().map(str::trim) {
        let parent = service::org_in_view(core, who, parent, addr)
            .await
            .map_err(|e| match e {
                AppError::NotFound(_) => AppError::unprocessable(
                    "parent",
                    Code::PartyParentUnknown,
                    format!("no organisation has the code {parent:?}"),
                ),
                other => other,
            })?;
        core.store
            .move_party_org(&org.code, &parent.code, &actor, now)
            .await?;
    }
    Ok(OrgRef { code: org.code })
}

/// Renames an organisation or moves it under another (a move that would
/// make a cycle is refused).
#[utoipa::path(patch, path = "/api/v1/party/orgs/{code}", tag = "party",
    params(("code" = String, Path)),
    request_body = OrgChange,
    responses((status = 200, body = OrgRef)),
    security(("bearer" = [])))]
pub async fn change(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(code): Path<String>,
    Json(body): Json<OrgChange>,
) -> AppResult<Json<OrgRef>> {
    who.require_token_scope(WRITE)?;
    Ok(Json(change_org(&core, &who, &code, &body, &addr).await?))
}

pub async fn dissolve_org(
    core: &Core,
    who: &Principal,
    code: &str,
    addr: &ClientAddr,
) -> AppResult<()> {
    service::require_manager(who)?;
    let org = service::org_in_view(core, who, code, addr).await?;
    core.store
        .dissolve_party_org(&org.code, &actor_name(who), core.clock.now_ms())
        .await?;
    Ok(())
}

/// Dissolves an organisation; refused, saying how many remain, while it
/// still has members or organisations under it.
#[utoipa::path(delete, path = "/api/v1/party/orgs/{code}", tag = "party",
    params(("code" = String, Path)),
    responses((status = 204)),
    security(("bearer" = [])))]
pub async fn dissolve(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(code): Path<String>,
) -> AppResult<StatusCode> {
    who.require_token_scope(WRITE)?;
    dissolve_org(&core, &who, &code, &addr).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A member with where they have been and their transfers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberDetail {
    pub member: MemberOut,
    pub path: Vec<PartyStay>,
    pub transfers: Vec<TransferRow>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// The beginning of the name.
    pub q: String,
}

/// Members of your organisations whose name begins with `q` (at most 100).
#[utoipa::path(get, path = "/api/v1/party/members", tag = "party",
    params(SearchQuery),
    responses((status = 200, body = Vec<MemberOut>)),
    security(("bearer" = [])))]
pub async fn search_members(
    State(core): State<Core>,
    who: Principal,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<Vec<MemberOut>>> {
    who.require_token_scope(READ)?;
    let today = core.today();
    service::search_members(&core, &who, &q.q)
        .await?
        .iter()
        .map(|m| member_out(m, today))
        .collect::<AppResult<Vec<_>>>()
        .map(Json)
}

/// One member (the read is logged).
#[utoipa::path(get, path = "/api/v1/party/members/{id}", tag = "party",
    params(("id" = i64, Path, description = "the registry person's id")),
    responses((status = 200, body = MemberDetail)),
    security(("bearer" = [])))]
pub async fn member(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> AppResult<Json<MemberDetail>> {
    who.require_token_scope(READ)?;
    let m = service::member_in_view(&core, &who, id, &addr).await?;
    Ok(Json(MemberDetail {
        member: member_out(&m, core.today())?,
        path: core.store.party_member_path(id).await?,
        transfers: core.store.transfers_of(id).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TransferQuery {
    /// Only those under way (requested or accepted).
    pub open: Option<bool>,
}

/// A transfer as listed, flagged when the receiver has not answered in
/// 30 days.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransferOut {
    #[serde(flatten)]
    pub transfer: TransferRow,
    pub unanswered: bool,
}

/// Transfers touching your organisations, open ones first.
#[utoipa::path(get, path = "/api/v1/party/transfers", tag = "party",
    params(TransferQuery),
    responses((status = 200, body = Vec<TransferOut>)),
    security(("bearer" = [])))]
pub async fn transfers(
    State(core): State<Core>,
    who: Principal,
    Query(q): Query<TransferQuery>,
) -> AppResult<Json<Vec<TransferOut>>> {
    who.require_token_scope(READ)?;
    let rows = service::transfers(&core, &who, q.open.unwrap_or(false)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(transfer, unanswered)| TransferOut {
                transfer,
                unanswered,
            })
            .collect(),
    ))
}

/// A transfer to request: from the member's organisation to another here
/// (`to`) or elsewhere (`to_outside`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TransferBody {
    pub person_id: i64,
    pub to: Option<String>,
    pub to_outside: Option<String>,
    pub letter_no: Option<String>,
    pub note: Option<String>,
}

pub async fn request(
    core: &Core,
    who: &Principal,
    body: &TransferBody,
    addr: &ClientAddr,
) -> AppResult<i64> {
    service::require_manager(who)?;
    // The sender asks: the member must be one the caller sees.
    service::member_in_view(core, who, body.person_id, addr).await?;
    let to = body.to.as_deref().map(str::trim).filter(|s| !s.is_empty());
    Ok(core
        .store
        .request_transfer(
            &NewTransfer {
                person_id: body.person_id,
                to,
                to_outside: body
                    .to_outside
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty()),
                from_outside: None,
                joining: None::<NewPartyMember<'_>>,
                letter_no: body.letter_no.as_deref().unwrap_or("").trim(),
                on: core.today(),
                note: body.note.as_deref().unwrap_or("").trim(),
            },
            &actor_name(who),
            core.clock.now_ms(),
        )
        .await?)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransferRef {
    pub id: i64,
}

/// Requests a member's transfer; the sending organisation counts them
/// until the receiver accepts.
#[utoipa::path(post, path = "/api/v1/party/transfers", tag = "party",
    request_body = TransferBody,
    responses((status = 201, body = TransferRef)),
    security(("bearer" = [])))]
pub async fn create_transfer(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Json(body): Json<TransferBody>,
) -> AppResult<(StatusCode, Json<TransferRef>)> {
    who.require_token_scope(WRITE)?;
    let id = request(&core, &who, &body, &addr).await?;
    Ok((StatusCode::CREATED, Json(TransferRef { id })))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StepBody {
    pub letter_no: Option<String>,
}

/// Takes a step on a transfer: `accept` or `refuse` (the receiver),
/// `withdraw` (the sender), `complete` (with the letter).
#[utoipa::path(post, path = "/api/v1/party/transfers/{id}/{step}", tag = "party",
    params(("id" = i64, Path), ("step" = String, Path, description = "accept, refuse, withdraw or complete")),
    request_body = StepBody,
    responses((status = 200, body = TransferRow)),
    security(("bearer" = [])))]
pub async fn step(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path((id, step)): Path<(i64, String)>,
    Json(body): Json<StepBody>,
) -> AppResult<Json<TransferRow>> {
    who.require_token_scope(WRITE)?;
    let step = TransferStep::parse(&step)
        .map_err(|e| AppError::Unprocessable(vec![FieldError::from_invalid("step", &e)]))?;
    let letter = body
        .letter_no
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    Ok(Json(
        service::step_transfer(&core, &who, id, step, letter, &addr).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CoverageQuery {
    /// A region code inside your area; your whole area when absent.
    pub region: Option<String>,
}

/// Coverage of the new sectors in your area (or a region of it): counts
/// and rates per place kind and per region below, and the gaps.
#[utoipa::path(get, path = "/api/v1/party/coverage", tag = "party",
    params(CoverageQuery),
    responses((status = 200, body = CoverageReport)),
    security(("bearer" = [])))]
pub async fn coverage(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Query(q): Query<CoverageQuery>,
) -> AppResult<Json<CoverageReport>> {
    who.require_token_scope(READ)?;
    let scope: Scope = scope_for_region(&core, &who, q.region.as_deref(), &addr).await?;
    Ok(Json(service::coverage(&core, &scope).await?))
}

/// A seat on an organisation's committee.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SeatBody {
    /// The registry person's id.
    pub person_id: i64,
    /// `secretary`, `deputy_secretary` or `member`.
    pub role: String,
    /// YYYY-MM-DD
    pub term_start: String,
    /// YYYY-MM-DD, after the start.
    pub term_end: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SeatRef {
    pub id: i64,
}

/// Seats a person on the committee of an organisation you may change:
/// refused when it would make two secretaries at once, give someone two
/// seats at once, or end the term before it starts.
pub async fn seat(
    core: &Core,
    who: &Principal,
    code: &str,
    body: &SeatBody,
    addr: &ClientAddr,
) -> AppResult<i64> {
    service::require_manager(who)?;
    let org = service::org_in_view(core, who, code, addr).await?;
    let mut errors = Vec::new();
    let role = shequ_domain::party::SeatRole::parse(&body.role)
        .map_err(|e| errors.push(FieldError::from_invalid("role", &e)))
        .ok();
    let mut date = |field: &'static str, s: &str| match day(field, s) {
        Ok(d) => Some(d),
        Err(AppError::Unprocessable(mut e)) => {
            errors.append(&mut e);
            None
        }
        Err(_) => None,
    };
    let start = date("term_start", &body.term_start);
    let end = date("term_end", &body.term_end);
    let (Some(role), Some(term_start), Some(term_end)) = (role, start, end) else {
        return Err(AppError::Unprocessable(errors));
    };
    // A seat holder is a member the caller sees (the read is logged).
    service::member_in_view(core, who, body.person_id, addr)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::unprocessable(
                "person_id",
                Code::PartyMemberNotFound,
                "seat a member of the organisation, or one of its own",
            ),
            other => other,
        })?;
    Ok(core
        .store
        .add_committee_seat(
            &org.code,
            &shequ_domain::party::Seat {
                person: body.person_id,
                role,
                term_start,
                term_end,
            },
        )
        .await?)
}

/// Seats a person on an organisation's committee.
#[utoipa::path(post, path = "/api/v1/party/orgs/{code}/seats", tag = "party",
    params(("code" = String, Path)),
    request_body = SeatBody,
    responses((status = 201, body = SeatRef)),
    security(("bearer" = [])))]
pub async fn create_seat(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(code): Path<String>,
    Json(body): Json<SeatBody>,
) -> AppResult<(StatusCode, Json<SeatRef>)> {
    who.require_token_scope(WRITE)?;
    let id = seat(&core, &who, &code, &body, &addr).await?;
    Ok((StatusCode::CREATED, Json(SeatRef { id })))
}
