//! The cooperation API under `/api/v1/coop`: resident units, needs with
//! their ranked matches (each part of the score in words), resources, and
//! projects with their steps, outcome and rating. Tokens need `coop:read`
//! to read and `coop:write` to change.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shequ_domain::coop::ProjectStatus;
use shequ_store::coop::{
    NeedRow, ProjectChange, ProjectResourceRow, ProjectRow, ResourceRow, UnitRow,
};

use crate::app::auth::Principal;
use crate::app::error::{AppError, AppResult, FieldError};
use crate::coop::CoopState;
use crate::coop::service::{
    self, Match, NeedInput, OutcomeInput, ProjectInput, READ, ResourceInput, UnitInput, WRITE,
    YearFigures,
};

/// What was saved: its id and whether it was new.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub id: i64,
    pub created: bool,
}

fn saved((id, created): (i64, bool)) -> (StatusCode, Json<Saved>) {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(Saved { id, created }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// The year (this year when absent).
    pub year: Option<i32>,
    /// Projects of this status only (`proposed`, `agreed`, `running`,
    /// `done`, `dropped`).
    pub status: Option<String>,
}

/// The resident units of your area, by name.
#[utoipa::path(get, path = "/api/v1/coop/units", tag = "coop",
    responses((status = 200, body = Vec<UnitRow>)), security(("bearer" = [])))]
pub async fn units(State(core): State<CoopState>, who: Principal) -> AppResult<Json<Vec<UnitRow>>> {
    who.require_token_scope(READ)?;
    Ok(Json(service::units(&core, &who).await?))
}

/// A unit of your area with its resources.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitOut {
    pub unit: UnitRow,
    pub resources: Vec<ResourceRow>,
}

/// One resident unit.
#[utoipa::path(get, path = "/api/v1/coop/units/{id}", tag = "coop",
    params(("id" = i64, Path)),
    responses((status = 200, body = UnitOut), (status = 404)), security(("bearer" = [])))]
pub async fn unit(
    State(core): State<CoopState>,
    who: Principal,
    Path(id): Path<i64>,
) -> AppResult<Json<UnitOut>> {
    who.require_token_scope(READ)?;
    let v = service::unit(&core, &who, id).await?;
    Ok(Json(UnitOut {
        unit: v.unit,
        resources: v.resources,
    }))
}

/// Registers a unit, or updates the one with the same code.
#[utoipa::path(post, path = "/api/v1/coop/units", tag = "coop", request_body = UnitInput,
    responses((status = 201, body = Saved), (status = 200, body = Saved), (status = 422)),
    security(("bearer" = [])))]
pub async fn save_unit(
    State(core): State<CoopState>,
    who: Principal,
    Json(body): Json<UnitInput>,
) -> AppResult<(StatusCode, Json<Saved>)> {
    who.require_token_scope(WRITE)?;
    Ok(saved(service::save_unit(&core, &who, &body).await?))
}

/// The needs of a year in your area, most urgent first.
#[utoipa::path(get, path = "/api/v1/coop/needs", tag = "coop", params(YearQuery),
    responses((status = 200, body = Vec<NeedRow>)), security(("bearer" = [])))]
pub async fn needs(
    State(core): State<CoopState>,
    who: Principal,
    Query(q): Query<YearQuery>,
) -> AppResult<Json<Vec<NeedRow>>> {
    who.require_token_scope(READ)?;
    let year = service::year_or_this(&core, q.year);
    Ok(Json(service::needs(&core, &who, year).await?))
}

/// A resource ranked for a need, with each part of its score.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MatchOut {
    pub resource_id: i64,
    pub resource_code: String,
    pub resource_title: String,
    pub unit_name: String,
    /// 0 to 1000; more is better.
    pub points: u32,
    /// Each from 0 to 1.
    pub distance: f64,
    pub timing: f64,
    pub capacity: f64,
    pub rating: f64,
    pub walk_m: f64,
    pub remaining: u32,
    /// What confirming the match commits unless told otherwise.
    pub default_amount: u32,
    pub explain_zh: String,
    pub explain_en: String,
}

fn match_out(m: &Match, need: &NeedRow) -> MatchOut {
    MatchOut {
        resource_id: m.resource.id,
        resource_code: m.resource.code.clone(),
        resource_title: m.resource.title.clone(),
        unit_name: m.resource.unit_name.clone(),
        points: m.fit.points,
        distance: m.fit.parts.distance,
        timing: m.fit.parts.timing,
        capacity: m.fit.parts.capacity,
        rating: m.fit.parts.rating,
        walk_m: m.fit.walk_m,
        remaining: m.fit.remaining,
        default_amount: m.default_amount(need),
        explain_zh: m.fit.explain_zh(),
        explain_en: m.fit.explain_en(),
    }
}

/// A need with its projects, the work orders behind it and its matches.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NeedOut {
    pub need: NeedRow,
    pub projects: Vec<ProjectRow>,
    pub orders: Vec<i64>,
    pub matches: Vec<MatchOut>,
}

/// One need, with the resources ranked for it.
#[utoipa::path(get, path = "/api/v1/coop/needs/{id}", tag = "coop",
    params(("id" = i64, Path)),
    responses((status = 200, body = NeedOut), (status = 404)), security(("bearer" = [])))]
pub async fn need(
    State(core): State<CoopState>,
    who: Principal,
    Path(id): Path<i64>,
) -> AppResult<Json<NeedOut>> {
    who.require_token_scope(READ)?;
    let d = service::need(&core, &who, id).await?;
    let matches = d.matches.iter().map(|m| match_out(m, &d.need)).collect();
    Ok(Json(NeedOut {
        need: d.need,
        projects: d.projects,
        orders: d.orders,
        matches,
    }))
}

/// Raises a need, or updates the one with the same code.
#[utoipa::path(post, path = "/api/v1/coop/needs", tag = "coop", request_body = NeedInput,
    responses((status = 201, body = Saved), (status = 200, body = Saved), (status = 422)),
    security(("bearer" = [])))]
pub async fn save_need(
    State(core): State<CoopState>,
    who: Principal,
    Json(body): Json<NeedInput>,
) -> AppResult<(StatusCode, Json<Saved>)> {
    who.require_token_scope(WRITE)?;
    Ok(saved(service::save_need(&core, &who, &body).await?))
}

/// The resources of your area's units.
#[utoipa::path(get, path = "/api/v1/coop/resources", tag = "coop",
    responses((status = 200, body = Vec<ResourceRow>)), security(("bearer" = [])))]
pub async fn resources(
    State(core): State<CoopState>,
    who: Principal,
) -> AppResult<Json<Vec<ResourceRow>>> {
    who.require_token_scope(READ)?;
    Ok(Json(service::resources(&core, &who).await?))
}

/// Offers a resource, or updates the one with the same code.
#[utoipa::path(post, path = "/api/v1/coop/resources", tag = "coop", request_body = ResourceInput,
    responses((status = 201, body = Saved), (status = 200, body = Saved), (status = 422)),
    security(("bearer" = [])))]
pub async fn save_resource(
    State(core): State<CoopState>,
    who: Principal,
    Json(body): Json<ResourceInput>,
) -> AppResult<(StatusCode, Json<Saved>)> {
    who.require_token_scope(WRITE)?;
    Ok(saved(service::save_resource(&core, &who, &body).await?))
}

fn status_filter(s: Option<&str>) -> Result<Option<ProjectStatus>, AppError> {
    s.filter(|s| !s.is_empty())
        .map(ProjectStatus::parse)
        .transpose()
        .map_err(|e| AppError::Unprocessable(vec![FieldError::from_invalid("status", &e)]))
}

/// The projects of a year in your area.
#[utoipa::path(get, path = "/api/v1/coop/projects", tag = "coop", params(YearQuery),
    responses((status = 200, body = Vec<ProjectRow>), (status = 422)), security(("bearer" = [])))]
pub async fn projects(
    State(core): State<CoopState>,
    who: Principal,
    Query(q): Query<YearQuery>,
) -> AppResult<Json<Vec<ProjectRow>>> {
    who.require_token_scope(READ)?;
    let year = service::year_or_this(&core, q.year);
    let status = status_filter(q.status.as_deref())?;
    Ok(Json(service::projects(&core, &who, year, status).await?))
}

/// A project with what it takes of each resource and every change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectOut {
    pub project: ProjectRow,
    pub resources: Vec<ProjectResourceRow>,
    pub changes: Vec<ProjectChange>,
}

/// One project.
#[utoipa::path(get, path = "/api/v1/coop/projects/{id}", tag = "coop",
    params(("id" = i64, Path)),
    responses((status = 200, body = ProjectOut), (status = 404)), security(("bearer" = [])))]
pub async fn project(
    State(core): State<CoopState>,
    who: Principal,
    Path(id): Path<i64>,
) -> AppResult<Json<ProjectOut>> {
    who.require_token_scope(READ)?;
    let d = service::project(&core, &who, id).await?;
    Ok(Json(ProjectOut {
        project: d.project,
        resources: d.resources,
        changes: d.changes,
    }))
}

/// What was created.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Creates a proposed project meeting a need with resources; refused
/// (422, `coop_commitment_exceeds`) when it asks more of a resource than
/// is left, and then nothing is committed.
#[utoipa::path(post, path = "/api/v1/coop/projects", tag = "coop", request_body = ProjectInput,
    responses((status = 201, body = Created), (status = 422)), security(("bearer" = [])))]
pub async fn create_project(
    State(core): State<CoopState>,
    who: Principal,
    Json(body): Json<ProjectInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    who.require_token_scope(WRITE)?;
    let id = service::create_project(&core, &who, &body).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StepIn {
    /// `agreed`, `running`, `done` or `dropped`.
    pub status: String,
    /// Why, when dropping it.
    #[serde(default)]
    pub reason: String,
}

/// Moves a project to its next state, or drops it with a reason; a
/// project done or dropped gives back what it took of its resources.
#[utoipa::path(post, path = "/api/v1/coop/projects/{id}/step", tag = "coop",
    params(("id" = i64, Path)), request_body = StepIn,
    responses((status = 204), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn step(
    State(core): State<CoopState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(body): Json<StepIn>,
) -> AppResult<StatusCode> {
    who.require_token_scope(WRITE)?;
    service::step_project(&core, &who, id, &body.status, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RateIn {
    /// 1 to 5.
    pub rating: String,
    #[serde(default)]
    pub note: String,
}

/// Rates a done project for the needing side.
#[utoipa::path(post, path = "/api/v1/coop/projects/{id}/rating", tag = "coop",
    params(("id" = i64, Path)), request_body = RateIn,
    responses((status = 204), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn rate(
    State(core): State<CoopState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(body): Json<RateIn>,
) -> AppResult<StatusCode> {
    who.require_token_scope(WRITE)?;
    service::rate_project(&core, &who, id, &body.rating, &body.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a project's owner, participants, beneficiaries and outcome.
#[utoipa::path(post, path = "/api/v1/coop/projects/{id}/outcome", tag = "coop",
    params(("id" = i64, Path)), request_body = OutcomeInput,
    responses((status = 204), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn outcome(
    State(core): State<CoopState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(body): Json<OutcomeInput>,
) -> AppResult<StatusCode> {
    who.require_token_scope(WRITE)?;
    service::update_project(&core, &who, id, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The year's figures and, for each need, its best match.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct YearOut {
    pub year: i32,
    pub figures: YearFigures,
    pub needs: Vec<YearNeedOut>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct YearNeedOut {
    pub need: NeedRow,
    pub best: Option<MatchOut>,
    pub projects: Vec<ProjectRow>,
}

/// The year's project list: every need of the year with its best match.
#[utoipa::path(get, path = "/api/v1/coop/year", tag = "coop", params(YearQuery),
    responses((status = 200, body = YearOut)), security(("bearer" = [])))]
pub async fn year(
    State(core): State<CoopState>,
    who: Principal,
    Query(q): Query<YearQuery>,
) -> AppResult<Json<YearOut>> {
    who.require_token_scope(READ)?;
    let year = service::year_or_this(&core, q.year);
    let (lines, figures) = service::year_list(&core, &who, year).await?;
    let needs = lines
        .into_iter()
        .map(|l| YearNeedOut {
            best: l.best.as_ref().map(|m| match_out(m, &l.need)),
            need: l.need,
            projects: l.projects,
        })
        .collect();
    Ok(Json(YearOut {
        year,
        figures,
        needs,
    }))
}
