//! Residents and households. Personal numbers are masked in every listing;
//! revealing them is a separate, logged request with a reason.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use shequ_domain::RevealField;
use shequ_store::access_log::{AccessAction, NewAccess};
use shequ_store::people::{Household, PeopleQuery, Person};
use shequ_store::{Page, Paging};

use crate::app::access::ClientAddr;
use crate::app::access::deny;
use crate::app::access::scope_for_region;
use crate::app::auth::AuthUser;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::app::error::FieldError;
use crate::app::state::Core;
use crate::registry::api::places::place_for;
use shequ_domain::Code;

fn require_resident_reader(user: &AuthUser) -> AppResult<()> {
    user.require_role(|r| r.reads_residents())
}

/// Filters of `GET /api/v1/people`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PeopleParams {
    /// Names starting with this text.
    pub name: Option<String>,
    /// Care tag, e.g. `elderly_living_alone`.
    pub tag: Option<String>,
    /// Only residents under this region code (must be inside your scope).
    pub region: Option<String>,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Rows per page, 1–500 (default 50).
    pub page_size: Option<u32>,
}

/// Search residents by name prefix, care tag and region, in pages.
#[utoipa::path(get, path = "/api/v1/people", tag = "registry",
    params(PeopleParams),
    responses((status = 200, body = Page<Person>), (status = 403, description = "region outside your scope (logged)", body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn search(
    State(state): State<Core>,
    user: AuthUser,
    addr: ClientAddr,
    Query(params): Query<PeopleParams>,
) -> AppResult<Json<Page<Person>>> {
    require_resident_reader(&user)?;
    let who = Principal::User(Box::new(user));
    let scope = scope_for_region(&state, &who, params.region.as_deref(), &addr).await?;
    let page = state
        .store
        .search_people(
            &scope,
            &PeopleQuery {
                name_prefix: params.name,
                tag: params.tag,
                household_id: None,
            },
            Paging::new(params.page, params.page_size),
        )
        .await?;
    Ok(Json(page))
}

/// Loads a resident in scope, or refuses (logging the attempt) when the
/// resident exists elsewhere.
pub async fn person_for(
    state: &Core,
    user: &AuthUser,
    id: i64,
    addr: &ClientAddr,
) -> AppResult<Person> {
    if let Some(p) = state.store.person_in(&user.scope, id).await? {
        return Ok(p);
    }
    match state.store.person_path(id).await? {
        Some(path) => {
            let who = Principal::User(Box::new(user.clone()));
            Err(deny(state, &who, "person", id.to_string(), Some(path), addr).await)
        }
        None => Err(AppError::NotFound("person")),
    }
}

/// One resident (numbers masked), if inside your scope.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "registry",
    params(("id" = i64, Path)),
    responses((status = 200, body = Person), (status = 403, description = "outside your scope (logged)", body = crate::app::error::ErrorBody),
              (status = 404, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn detail(
    State(state): State<Core>,
    user: AuthUser,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> AppResult<Json<Person>> {
    require_resident_reader(&user)?;
    Ok(Json(person_for(&state, &user, id, &addr).await?))
}

/// Which fields to reveal and why.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RevealRequest {
    /// `phone` and/or `identity_number`.
    pub fields: Vec<String>,
    /// Why you need the full value (recorded in the access log).
    pub reason: String,
}

/// The unmasked values asked for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Revealed {
    pub id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

pub use crate::app::access::REASON_CHARS;

/// Checks a reveal request, reads the person, writes the access log entry
/// and returns the full values. Shared by the API and the web page.
pub async fn reveal_person(
    state: &Core,
    user: &AuthUser,
    id: i64,
    fields: &[String],
    reason: &str,
    addr: &ClientAddr,
) -> AppResult<Revealed> {
    require_resident_reader(user)?;
    let mut errors = Vec::new();
    let fields: Vec<RevealField> = fields
        .iter()
        .filter_map(|f| {
            RevealField::parse(f)
                .map_err(|e| errors.push(FieldError::from_invalid("fields", &e)))
                .ok()
        })
        .collect();
    if fields.is_empty() && errors.is_empty() {
        errors.push(FieldError::new(
            "fields",
            Code::FieldsEmpty,
            "name at least one field to reveal",
        ));
    }
    let reason = crate::app::access::check_reason(reason)
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    if !errors.is_empty() {
        return Err(AppError::Unprocessable(errors));
    }
    if !fields.iter().all(|f| user.role.may_reveal(*f)) {
        return Err(AppError::Forbidden(Code::ForbiddenRole));
    }
    let person = person_for(state, user, id, addr).await?;
    let names: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
    state
        .store
        .log_access(&NewAccess {
            actor_user_id: Some(user.user.id),
            actor_username: user.user.username.clone(),
            action: AccessAction::Reveal,
            subject_kind: "person",
            subject_id: id.to_string(),
            subject_path: Some(person.region_path.clone()),
            fields: names.join(","),
            reason: reason.to_owned(),
            remote_addr: addr.0.clone(),
        })
        .await?;
    Ok(Revealed {
        id,
        identity_number: fields
            .contains(&RevealField::IdentityNumber)
            .then(|| person.identity_number.reveal().to_owned()),
        phone: fields
            .contains(&RevealField::Phone)
            .then(|| person.phone.reveal().to_owned())
            .filter(|p| !p.is_empty()),
    })
}

/// Show a resident's full phone and/or identity number. Needs a role that
/// may see them and a reason; every call is written to the access log.
#[utoipa::path(post, path = "/api/v1/people/{id}/reveal", tag = "registry",
    params(("id" = i64, Path)), request_body = RevealRequest,
    responses((status = 200, body = Revealed),
              (status = 403, description = "role may not see these fields, or person outside your scope", body = crate::app::error::ErrorBody),
              (status = 422, description = "missing reason or unknown field", body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn reveal(
    State(state): State<Core>,
    user: AuthUser,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Json(req): Json<RevealRequest>,
) -> AppResult<Json<Revealed>> {
    Ok(Json(
        reveal_person(&state, &user, id, &req.fields, &req.reason, &addr).await?,
    ))
}

/// Filters of `GET /api/v1/households`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HouseholdParams {
    /// Only households in this building (place id).
    pub building: Option<i64>,
    /// Only households under this region code.
    pub region: Option<String>,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Rows per page, 1–500 (default 50).
    pub page_size: Option<u32>,
}

/// Households under your scope, by building and room.
#[utoipa::path(get, path = "/api/v1/households", tag = "registry",
    params(HouseholdParams),
    responses((status = 200, body = Page<Household>),
              (status = 403, description = "region or building outside your scope (logged)", body = crate::app::error::ErrorBody),
              (status = 404, description = "no such region or building", body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn households(
    State(state): State<Core>,
    user: AuthUser,
    addr: ClientAddr,
    Query(params): Query<HouseholdParams>,
) -> AppResult<Json<Page<Household>>> {
    require_resident_reader(&user)?;
    let who = Principal::User(Box::new(user));
    let scope = scope_for_region(&state, &who, params.region.as_deref(), &addr).await?;
    if let Some(building) = params.building {
        // Naming a building outside the scope is refused like naming a
        // region outside it, not answered with an empty page.
        place_for(&state, &who, building, &addr).await?;
    }
    Ok(Json(
        state
            .store
            .households_in(
                &scope,
                params.building,
                Paging::new(params.page, params.page_size),
            )
            .await?,
    ))
}

/// Loads a household in scope, or refuses (logging the attempt) when it
/// exists elsewhere.
pub async fn household_for(
    state: &Core,
    user: &AuthUser,
    id: i64,
    addr: &ClientAddr,
) -> AppResult<Household> {
    if let Some(h) = state.store.household_in(&user.scope, id).await? {
        return Ok(h);
    }
    match state.store.household_path(id).await? {
        Some(path) => {
            let who = Principal::User(Box::new(user.clone()));
            Err(deny(state, &who, "household", id.to_string(), Some(path), addr).await)
        }
        None => Err(AppError::NotFound("household")),
    }
}

/// One household with its members (numbers masked).
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "registry",
    params(("id" = i64, Path)),
    responses((status = 200, body = Household), (status = 403, description = "outside your scope (logged)", body = crate::app::error::ErrorBody),
              (status = 404, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn household(
    State(state): State<Core>,
    user: AuthUser,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> AppResult<Json<Household>> {
    require_resident_reader(&user)?;
    Ok(Json(household_for(&state, &user, id, &addr).await?))
}
