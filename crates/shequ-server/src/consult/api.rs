//! The consultations API under `/api/v1/consult`: the matters of the
//! caller's area (or departments) with their rounds, documents and
//! whether a round waits past its deadline; the year's record of each
//! department; and the changes — a department's member opens a matter and
//! its rounds and records the outcome, the street answers. Tokens need
//! `consult:read` to read; changes are people's, not tokens'. Documents
//! are attached through the page's multipart form and read at
//! `/consult/documents/{id}`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shequ_domain::consult::ConsultCounts;
use shequ_store::consult::{DocumentRow, MatterRow, RoundRow};

use crate::app::auth::Principal;
use crate::app::error::AppResult;
use crate::consult::ConsultState;
use crate::consult::service;

/// Tokens' scope for reading.
pub const READ: &str = "consult:read";

/// A matter with its rounds and documents.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MatterOut {
    #[schema(value_type = Object)]
    pub matter: MatterRow,
    #[schema(value_type = Vec<Object>)]
    pub rounds: Vec<RoundRow>,
    /// Each document's name, type and size (its bytes at
    /// `/consult/documents/{id}`).
    #[schema(value_type = Vec<Object>)]
    pub documents: Vec<DocumentRow>,
    /// A round waits for the street past its deadline.
    pub overdue: bool,
}

async fn matter_out(
    core: &ConsultState,
    (matter, rounds): (MatterRow, Vec<RoundRow>),
) -> AppResult<MatterOut> {
    let now = core.clock.now_ms();
    let overdue = rounds
        .iter()
        .any(|r| r.round().is_ok_and(|x| x.overdue(now)));
    Ok(MatterOut {
        documents: service::documents(core, &matter).await?,
        matter,
        rounds,
        overdue,
    })
}

/// The matters the caller sees, the latest first.
#[utoipa::path(get, path = "/api/v1/consult/matters", tag = "consult",
    responses((status = 200, body = Vec<MatterOut>)), security(("bearer" = [])))]
pub async fn matters(
    State(core): State<ConsultState>,
    who: Principal,
) -> AppResult<Json<Vec<MatterOut>>> {
    who.require_token_scope(READ)?;
    let mut out = Vec::new();
    for m in service::matters(&core, &who).await? {
        out.push(matter_out(&core, m).await?);
    }
    Ok(Json(out))
}

/// One matter (404 `consult_matter_not_found` when the caller does not
/// see it).
#[utoipa::path(get, path = "/api/v1/consult/matters/{id}", tag = "consult",
    params(("id" = i64, Path)),
    responses((status = 200, body = MatterOut), (status = 404)), security(("bearer" = [])))]
pub async fn matter(
    State(core): State<ConsultState>,
    who: Principal,
    Path(id): Path<i64>,
) -> AppResult<Json<MatterOut>> {
    who.require_token_scope(READ)?;
    let m = service::matter(&core, &who, id).await?;
    Ok(Json(matter_out(&core, m).await?))
}

/// A matter to open, with its first round (asked before).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OpenIn {
    /// The department's team id.
    pub team: i64,
    /// `head_appointment`, `planning` or `major_project`.
    pub kind: String,
    pub title: String,
    /// What the street is asked.
    pub body: String,
    /// Days for the street's answer (1–90; 10 when left out).
    #[serde(default)]
    pub days: Option<u32>,
}

/// What was made: its id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Made {
    pub id: i64,
}

fn days_text(days: Option<u32>) -> String {
    days.map(|d| d.to_string()).unwrap_or_default()
}

/// Opens a matter for a department the caller speaks for (403
/// otherwise); a kind, title or body missing is 422.
#[utoipa::path(post, path = "/api/v1/consult/matters", tag = "consult", request_body = OpenIn,
    responses((status = 201, body = Made), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn open(
    State(core): State<ConsultState>,
    who: Principal,
    Json(f): Json<OpenIn>,
) -> AppResult<(StatusCode, Json<Made>)> {
    let id = service::open(
        &core,
        &who,
        f.team,
        (&f.kind, &f.title, &f.body, &days_text(f.days)),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Made { id })))
}

/// The next round of a matter.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RoundIn {
    /// `during` after `before`, `after` after `during`.
    pub stage: String,
    pub body: String,
    #[serde(default)]
    pub days: Option<u32>,
}

/// Opens the next round: in order, each after the street answered the
/// one before (422 `consult_round_order` otherwise).
#[utoipa::path(post, path = "/api/v1/consult/matters/{id}/rounds", tag = "consult",
    params(("id" = i64, Path)), request_body = RoundIn,
    responses((status = 201, body = Made), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn next_round(
    State(core): State<ConsultState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(f): Json<RoundIn>,
) -> AppResult<(StatusCode, Json<Made>)> {
    let id = service::next_round(&core, &who, id, &f.stage, &f.body, &days_text(f.days)).await?;
    Ok((StatusCode::CREATED, Json(Made { id })))
}

/// The street's answer to a round.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AnswerIn {
    /// `agree`, `agree_with_conditions` or `disagree`.
    pub opinion: String,
    /// The conditions, or the reasons against (required unless `agree`).
    #[serde(default)]
    pub reasons: String,
}

/// Answers a round (the street only); an opinion other than agreement
/// without reasons is 422 `consult_reasons`, a second answer 409.
#[utoipa::path(post, path = "/api/v1/consult/rounds/{id}/answer", tag = "consult",
    params(("id" = i64, Path)), request_body = AnswerIn,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn answer(
    State(core): State<ConsultState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(f): Json<AnswerIn>,
) -> AppResult<StatusCode> {
    service::answer_round(&core, &who, id, &f.opinion, &f.reasons).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the department did.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OutcomeIn {
    /// `followed`, `partly_followed`, `not_followed` or `withdrawn`.
    pub outcome: String,
    #[serde(default)]
    pub note: String,
}

/// Records the outcome, once (409 after).
#[utoipa::path(post, path = "/api/v1/consult/matters/{id}/outcome", tag = "consult",
    params(("id" = i64, Path)), request_body = OutcomeIn,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn conclude(
    State(core): State<ConsultState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(f): Json<OutcomeIn>,
) -> AppResult<StatusCode> {
    service::conclude(&core, &who, id, &f.outcome, &f.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?year=`: the calendar year (this one when left out).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    pub year: Option<i32>,
}

/// A department's record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordOut {
    pub team_id: i64,
    pub team_name: String,
    /// Rounds judged and answered by the street in time; matters
    /// concluded and followed (fully or in part).
    #[schema(value_type = Object)]
    pub counts: ConsultCounts,
}

/// Each department's record over a year: the street's answers in time,
/// the department's following (its 征询采纳率 in the assessment).
#[utoipa::path(get, path = "/api/v1/consult/records", tag = "consult", params(YearQuery),
    responses((status = 200, body = Vec<RecordOut>)), security(("bearer" = [])))]
pub async fn records(
    State(core): State<ConsultState>,
    who: Principal,
    Query(q): Query<YearQuery>,
) -> AppResult<Json<Vec<RecordOut>>> {
    who.require_token_scope(READ)?;
    let year = q
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&core.today()));
    let span = service::year_span(&core, year);
    Ok(Json(
        service::records(&core, &who, span)
            .await?
            .into_iter()
            .map(|(t, counts)| RecordOut {
                team_id: t.id,
                team_name: t.name,
                counts,
            })
            .collect(),
    ))
}
