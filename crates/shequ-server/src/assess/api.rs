//! The assessment API under `/api/v1/assess`: periods and their ranking
//! with every score's arithmetic, a subject's inputs, and the street's
//! changes (open, score by hand, decide appeals, close) and the subjects'
//! appeals. Tokens need `assess:read` to read the periods and rankings;
//! changes are people's, not tokens'.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shequ_domain::assess::Scheme;
use shequ_domain::assess::scheme::Weights;
use shequ_domain::assess::score::{Inputs, Score};
use shequ_store::assess::{AppealRow, PeriodRow, SubjectRow};

use crate::app::access::ClientAddr;
use crate::app::auth::Principal;
use crate::app::error::AppResult;
use crate::assess::AssessState;
use crate::assess::service;

/// Tokens' scope for reading.
pub const READ: &str = "assess:read";

/// A subject in a ranking.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RankedOut {
    pub subject: SubjectRow,
    /// The counts and hand scores the score is made of.
    #[schema(value_type = Object)]
    pub inputs: Inputs,
    /// The score with each rater's part and each indicator's value,
    /// share and points (the points add up to the total).
    #[schema(value_type = Object)]
    pub score: Score,
    pub rank: Option<u32>,
}

/// A period with its ranking.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodOut {
    pub period: PeriodRow,
    #[schema(value_type = Object)]
    pub scheme: Scheme,
    pub subjects: Vec<RankedOut>,
    pub appeals: Vec<AppealRow>,
}

fn ranked(r: service::Ranked) -> RankedOut {
    RankedOut {
        subject: r.subject,
        inputs: r.inputs,
        score: r.score,
        rank: r.rank,
    }
}

/// Every assessment period, the latest first.
#[utoipa::path(get, path = "/api/v1/assess/periods", tag = "assess",
    responses((status = 200, body = Vec<PeriodRow>)), security(("bearer" = [])))]
pub async fn periods(
    State(core): State<AssessState>,
    who: Principal,
) -> AppResult<Json<Vec<PeriodRow>>> {
    who.require_token_scope(READ)?;
    Ok(Json(service::periods(&core).await?))
}

/// A period to open: its code and the raters' weights in percent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OpenIn {
    /// `2026-07`, `2026-Q3` or `2026`.
    pub period: String,
    #[serde(default = "street")]
    pub street: u32,
    #[serde(default = "department")]
    pub department: u32,
    #[serde(default = "residents")]
    pub residents: u32,
    /// Weights within their rater's part by indicator key (`on_time`:
    /// 30, `consult_followed`: 0 to leave it out…); an indicator not
    /// named keeps the default scheme's weight.
    #[serde(default)]
    pub indicators: std::collections::BTreeMap<String, u32>,
}

fn street() -> u32 {
    70
}
fn department() -> u32 {
    10
}
fn residents() -> u32 {
    20
}

/// What was made: its id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Made {
    pub id: i64,
}

/// Opens a period (the street only); weights that do not add up to 100
/// — the raters', or a rater's indicators' — are refused (422
/// `assess_weights_sum`), an indicator the scheme has not is 422
/// `assess_indicator_unknown`, a period opened already is 409
/// `assess_period_exists`.
#[utoipa::path(post, path = "/api/v1/assess/periods", tag = "assess", request_body = OpenIn,
    responses((status = 201, body = Made), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn open(
    State(core): State<AssessState>,
    who: Principal,
    Json(f): Json<OpenIn>,
) -> AppResult<(StatusCode, Json<Made>)> {
    let weights = Weights {
        street: f.street,
        department: f.department,
        residents: f.residents,
        indicators: f.indicators,
    };
    let id = service::open(&core, &who, &f.period, &weights).await?;
    Ok((StatusCode::CREATED, Json(Made { id })))
}

/// A period's ranking: each subject's inputs, score and rank among its
/// kind — counted now while the period is open, as frozen once closed.
#[utoipa::path(get, path = "/api/v1/assess/periods/{id}", tag = "assess",
    params(("id" = i64, Path)),
    responses((status = 200, body = PeriodOut), (status = 404)), security(("bearer" = [])))]
pub async fn period(
    State(core): State<AssessState>,
    who: Principal,
    Path(id): Path<i64>,
) -> AppResult<Json<PeriodOut>> {
    who.require_token_scope(READ)?;
    let r = service::ranking(&core, id).await?;
    Ok(Json(PeriodOut {
        period: r.info.row,
        scheme: r.info.scheme,
        subjects: r.subjects.into_iter().map(ranked).collect(),
        appeals: r.appeals,
    }))
}

/// Closes a period, freezing its scores (the street only); a second close
/// is 409 `assess_period_closed`.
#[utoipa::path(post, path = "/api/v1/assess/periods/{id}/close", tag = "assess",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn close(
    State(core): State<AssessState>,
    who: Principal,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    service::close(&core, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A subject with its score and the orders counted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubjectOut {
    pub ranked: RankedOut,
    /// The orders counted: `[order id, figure flags]`.
    pub orders: Vec<(i64, i64)>,
    /// Orders taken out by accepted appeals.
    pub appealed_out: Vec<i64>,
    pub appeals: Vec<AppealRow>,
}

/// One subject (the street, or the subject itself).
#[utoipa::path(get, path = "/api/v1/assess/subjects/{id}", tag = "assess",
    params(("id" = i64, Path)),
    responses((status = 200, body = SubjectOut), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn subject(
    State(core): State<AssessState>,
    who: Principal,
    Path(id): Path<i64>,
) -> AppResult<Json<SubjectOut>> {
    let v = service::subject(&core, &who, id).await?;
    Ok(Json(SubjectOut {
        ranked: ranked(v.ranked),
        orders: v.orders.iter().map(|(o, f)| (o.id, *f)).collect(),
        appealed_out: v.appealed_out,
        appeals: v.appeals,
    }))
}

/// A hand score.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ScoreIn {
    /// The hand-scored indicator's key (`street_review`, `department_review`).
    pub indicator: String,
    /// 0–100.
    pub score: String,
    pub comment: String,
}

/// Scores a subject by hand (the street only): 0–100 with a comment.
#[utoipa::path(post, path = "/api/v1/assess/subjects/{id}/scores", tag = "assess",
    params(("id" = i64, Path)), request_body = ScoreIn,
    responses((status = 204), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn score(
    State(core): State<AssessState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(f): Json<ScoreIn>,
) -> AppResult<StatusCode> {
    service::set_score(&core, &who, id, &f.indicator, &f.score, &f.comment).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An appeal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AppealIn {
    pub order_id: i64,
    /// `wrongly_routed`, `outside_duty` or `other`.
    pub ground: String,
    pub reason: String,
}

/// Appeals an order counted for the subject (the subject or the street);
/// an order not counted for it is 422 `assess_appeal_not_counted`.
#[utoipa::path(post, path = "/api/v1/assess/subjects/{id}/appeals", tag = "assess",
    params(("id" = i64, Path)), request_body = AppealIn,
    responses((status = 201, body = Made), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn appeal(
    State(core): State<AssessState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(f): Json<AppealIn>,
) -> AppResult<(StatusCode, Json<Made>)> {
    let id = service::file_appeal(&core, &who, id, f.order_id, &f.ground, &f.reason).await?;
    Ok((StatusCode::CREATED, Json(Made { id })))
}

/// A decision on an appeal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionIn {
    pub accept: bool,
    pub reason: String,
}

/// The street's decision on an appeal; an accepted one takes the order
/// out of the subject's figures and is written on the order's trail.
#[utoipa::path(post, path = "/api/v1/assess/appeals/{id}/decision", tag = "assess",
    params(("id" = i64, Path)), request_body = DecisionIn,
    responses((status = 200, body = AppealRow), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn decide(
    State(core): State<AssessState>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Json(f): Json<DecisionIn>,
) -> AppResult<Json<AppealRow>> {
    Ok(Json(
        service::decide(&core, &who, id, f.accept, &f.reason, &addr).await?,
    ))
}
